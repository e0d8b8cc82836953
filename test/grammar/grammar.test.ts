/**
 * The TextMate grammar (syntaxes/uintr-asm.tmLanguage.json) checked with vscode-tmgrammar-test: every
 * test/grammar/*.uasm-grammar file holds `; ^^^ scope` assertions under the lines they describe (the files are
 * not named .uasm so that uintr-test and the Test Explorer do not take them for test cases).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';

const root = path.resolve(__dirname, '../..');

test('grammar: vscode-tmgrammar-test assertions pass', () => {
  const cli = path.join(root, 'node_modules/vscode-tmgrammar-test/dist/unit.js');
  const r = spawnSync(process.execPath, [cli, '--compact', 'test/grammar/*.uasm-grammar'], { cwd: root, encoding: 'utf8' });
  assert.equal(r.status, 0, `vscode-tmgrammar-test failed:\n${r.stdout}\n${r.stderr}`);
});

test('grammar and language configuration are contributed in package.json', () => {
  const pkg = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8'));
  const lang = pkg.contributes.languages.find((l: { id: string }) => l.id === 'uintr-asm');
  assert.ok(lang, 'uintr-asm language');
  assert.ok(fs.existsSync(path.join(root, lang.configuration)), 'language configuration file');
  const g = pkg.contributes.grammars.find((x: { language: string }) => x.language === 'uintr-asm');
  assert.equal(g.scopeName, 'source.uasm');
  const grammar = JSON.parse(fs.readFileSync(path.join(root, g.path), 'utf8'));
  assert.equal(grammar.scopeName, 'source.uasm');
  const conf = JSON.parse(fs.readFileSync(path.join(root, lang.configuration), 'utf8'));
  assert.equal(conf.comments.lineComment, ';');
  const word = new RegExp(conf.wordPattern, 'g');
  const words = (s: string) => s.match(word);
  assert.deepEqual(words('jne .second'), ['jne', '.second']);
  assert.deepEqual(words('jmp worker.loop'), ['jmp', 'worker.loop']);
  assert.deepEqual(words('mov rax, [rbx-8]'), ['mov', 'rax', 'rbx', '-8']);
});

test('grammar on every fixture: no invalid scopes, and every statement word the language server sees is highlighted as one', async () => {
  const vsctm = await import('vscode-textmate');
  const oniguruma = await import('vscode-oniguruma');
  const { scan } = await import('../../language-server/symbols');
  const wasm = fs.readFileSync(path.join(root, 'node_modules/vscode-oniguruma/release/onig.wasm'));
  await oniguruma.loadWASM(wasm.buffer.slice(wasm.byteOffset, wasm.byteOffset + wasm.byteLength));
  const registry = new vsctm.Registry({
    onigLib: Promise.resolve({ createOnigScanner: (s: string[]) => new oniguruma.OnigScanner(s), createOnigString: (s: string) => new oniguruma.OnigString(s) }),
    loadGrammar: async (scope: string) =>
      scope === 'source.uasm' ? vsctm.parseRawGrammar(fs.readFileSync(path.join(root, 'syntaxes/uintr-asm.tmLanguage.json'), 'utf8'), 'uintr-asm.tmLanguage.json') : null,
  });
  const grammar = (await registry.loadGrammar('source.uasm'))!;
  const dir = path.join(root, 'test-fixtures/uasm');
  let words = 0;
  for (const f of fs.readdirSync(dir).filter((x) => x.endsWith('.uasm'))) {
    const text = fs.readFileSync(path.join(dir, f), 'utf8');
    const lines = text.split('\n');
    const s = scan(text);
    let stack = vsctm.INITIAL;
    lines.forEach((line, i) => {
      const r = grammar.tokenizeLine(line, stack);
      stack = r.ruleStack;
      for (const t of r.tokens) assert.ok(!t.scopes.some((sc) => sc.startsWith('invalid')), `${f}:${i + 1}: ${t.scopes.join(' ')} at ${t.startIndex}: ${line}`);
      const w = s.lines[i].word;
      if (!w) return;
      const tok = r.tokens.find((t) => t.startIndex <= w.start && w.start < t.endIndex)!;
      assert.ok(tok.scopes.some((sc) => /^(keyword\.mnemonic|keyword\.other\.directive|support\.function\.macro)/.test(sc)), `${f}:${i + 1}: '${w.s}' has ${tok.scopes.join(' ')}`);
      words++;
    });
  }
  assert.ok(words > 300, `${words} statement words checked`);
});
