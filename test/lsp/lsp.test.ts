/**
 * The .uasm language server answering real LSP requests in-process (streams + vscode-jsonrpc client):
 * diagnostics as you type, hover, completion, definition, references and document symbols.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { CompletionItem, DocumentSymbol, Hover, Location, MarkupContent } from 'vscode-languageserver';
import { Harness, posOf, startInProcess } from './helpers';

const fixtures = path.resolve(__dirname, '../../test-fixtures/uasm');
const PRIORITY = fs.readFileSync(path.join(fixtures, 'priority.uasm'), 'utf8');
const URI = 'file:///work/cases/priority.uasm';

const TWO = `; @test two threads
; @cores 2
; @expect receiver: r12 == COUNT at receiver_main.done
; @expect order senduipi thread=sender then deliver thread=receiver
COUNT   equ 1
        thread receiver, receiver_main
        thread sender, sender_main, core=1
        uintr receiver, handler=handler, stackadjust=128
receiver_main:
        stui
.spin:  cmp r12, COUNT
        jne .spin
.done:  ret
sender_main:
        mov ecx, 0x985
        jmp .out
.out:   ret
handler:
        inc r12
        add rsp, 8
        uiret
`;

let h: Harness;
before(async () => {
  h = await startInProcess();
});
after(() => h.close());

const text = (hv: Hover | null): string => (hv ? (hv.contents as MarkupContent).value : '');

test('didOpen of a valid case publishes no diagnostics', async () => {
  const d = h.diagnostics(URI);
  await h.open(URI, PRIORITY);
  assert.deepEqual(await d, []);
});

test('an assembly error is published with its range and message, and cleared when fixed', async () => {
  const uri = 'file:///work/cases/bad.uasm';
  const src = PRIORITY.replace('mov r12, rax', 'mov r12, qword ptr [rax');
  const d = h.diagnostics(uri, 1);
  await h.open(uri, src);
  const diags = await d;
  assert.equal(diags.length, 1, JSON.stringify(diags));
  const at = posOf(src, 'mov r12, qword', 'mov r12');
  assert.equal(diags[0].range.start.line, at.line);
  assert.match(diags[0].message, /expected '\]'/);
  assert.equal(diags[0].source, 'uasm');
  // an unknown instruction on another line: both errors, each on its own token
  const src2 = src.replace('inc r14', 'incr r14');
  const d2 = h.diagnostics(uri, 2);
  await h.client.sendNotification('textDocument/didChange', { textDocument: { uri, version: 2 }, contentChanges: [{ text: src2 }] });
  const diags2 = await d2;
  assert.equal(diags2.length, 2, JSON.stringify(diags2));
  const inc = posOf(src2, 'incr r14', 'incr');
  const e = diags2.find((x) => /unknown instruction/.test(x.message))!;
  assert.deepEqual(e.range, { start: inc, end: { line: inc.line, character: inc.character + 4 } });
  assert.equal(e.message, "unknown instruction or directive 'incr'");
  // fixed: an empty list
  const d3 = h.diagnostics(uri, 3);
  await h.client.sendNotification('textDocument/didChange', { textDocument: { uri, version: 3 }, contentChanges: [{ text: PRIORITY }] });
  assert.deepEqual(await d3, []);
});

test('annotation errors come from the annotation checker with a precise column', async () => {
  const uri = 'file:///work/cases/ann.uasm';
  const src = PRIORITY.replace('@expect main: r13 == 3', '@expect main: r13 = 3').replace('@cores 1', '@cores 1\n; @expect main: rax == 0 at nowhere');
  const d = h.diagnostics(uri);
  await h.open(uri, src);
  const diags = await d;
  const eq = posOf(src, 'r13 = 3', '= 3');
  const cmp = diags.find((x) => /expected '==' or '!='/.test(x.message));
  assert.ok(cmp, JSON.stringify(diags));
  assert.deepEqual(cmp.range.start, eq);
  assert.ok(diags.some((x) => /unknown label 'nowhere'/.test(x.message)), JSON.stringify(diags));
});

test('hover on senduipi explains it in UINTR terms', async () => {
  const uri = 'file:///work/cases/two.uasm';
  await h.open(uri, TWO.replace('inc r12', 'inc r12\n        senduipi r8'));
  const src = TWO.replace('inc r12', 'inc r12\n        senduipi r8');
  const hv = (await h.client.sendRequest('textDocument/hover', { textDocument: { uri }, position: posOf(src, 'senduipi r8', 'senduipi', 3) })) as Hover;
  const t = text(hv);
  assert.match(t, /SENDUIPI/);
  assert.match(t, /UITT index/);
  assert.match(t, /#GP/);
  assert.match(t, /F3 0F C7 \/6/);
  assert.deepEqual(hv.range?.start, posOf(src, 'senduipi r8', 'senduipi'));
  const uiret = text((await h.client.sendRequest('textDocument/hover', { textDocument: { uri }, position: posOf(src, 'uiret', 'uiret', 1) })) as Hover);
  assert.match(uiret, /0x254DD5/);
});

test('hover on mov lists its operand forms from iced OpCodeInfo', async () => {
  const hv = (await h.client.sendRequest('textDocument/hover', { textDocument: { uri: URI }, position: posOf(PRIORITY, 'mov eax, 0', 'mov', 1) })) as Hover;
  const t = text(hv);
  assert.match(t, /MOV r\/m64, r64/);
  assert.match(t, /o64 89 \/r/);
});

test('hover on MSR numbers, uintr keys, UPID fields, annotations and labels', async () => {
  const uri = 'file:///work/cases/two.uasm';
  const hov = async (line: string, needle: string) => text((await h.client.sendRequest('textDocument/hover', { textDocument: { uri }, position: posOf(TWO, line, needle, 1) })) as Hover);
  assert.match(await hov('mov ecx, 0x985', '0x985'), /IA32_UINTR_RR/);
  assert.match(await hov('uintr receiver', 'stackadjust'), /IA32_UINTR_STACKADJUST/);
  assert.match(await hov('@expect order', '@expect'), /expectation/);
  assert.match(await hov('@expect order', 'deliver'), /event kind/);
  assert.match(await hov('jne .spin', '.spin'), /local label.*receiver_main\.spin.*at 0x4/);
  assert.match(await hov('cmp r12, COUNT', 'COUNT'), /constant.*COUNT.* = 1/);
  const upid = `        section .data\nupid0:  upid nv=0xec, sn=1\n; @expect upid.sn == 1\n`;
  const u2 = 'file:///work/cases/upid.uasm';
  await h.open(u2, upid);
  const p = posOf(upid, 'upid nv', 'sn', 1);
  assert.match(text((await h.client.sendRequest('textDocument/hover', { textDocument: { uri: u2 }, position: p })) as Hover), /suppress notification/);
  const q = posOf(upid, '@expect upid.sn', 'upid.sn', 5);
  assert.match(text((await h.client.sendRequest('textDocument/hover', { textDocument: { uri: u2 }, position: q })) as Hover), /UPID\.SN/);
});

test('completion: mnemonics at the statement word, registers and labels in operands, annotation keys in comments', async () => {
  const uri = 'file:///work/cases/complete.uasm';
  const src = TWO + '        sen\n        mov rax, \n; @\n; @expect receiver: \n; @expect event \n';
  await h.open(uri, src);
  const lines = src.split('\n');
  const at = async (needle: string, text: string) => {
    const line = lines.findIndex((l) => l === needle);
    return (await h.client.sendRequest('textDocument/completion', { textDocument: { uri }, position: { line, character: needle.length } })) as CompletionItem[];
  };
  const labels = (xs: CompletionItem[]) => new Set(xs.map((x) => x.label));
  const m = labels(await at('        sen', ''));
  for (const w of ['senduipi', 'uiret', 'stui', 'clui', 'testui', 'mov', 'vpaddd', 'thread', 'uintr', 'section', 'print', 'uintr_register_handler']) assert.ok(m.has(w), w);
  const ops = labels(await at('        mov rax, ', ''));
  for (const w of ['rax', 'r15d', 'xmm0', 'receiver_main', 'handler', 'sender_main.out', 'COUNT', 'qword ptr']) assert.ok(ops.has(w), w);
  const ann = labels(await at('; @', ''));
  for (const w of ['@test', '@cores', '@seed', '@max-insns', '@expect']) assert.ok(ann.has(w), w);
  const fields = labels(await at('; @expect receiver: ', ''));
  for (const w of ['uif', 'upid.on', 'uirr', 'r12']) assert.ok(fields.has(w), w);
  const kinds = labels(await at('; @expect event ', ''));
  for (const w of ['deliver', 'senduipi', 'notify-processed']) assert.ok(kinds.has(w), w);
});

test('definition and references of labels, local labels and threads', async () => {
  const uri = 'file:///work/cases/two.uasm';
  const def = (await h.client.sendRequest('textDocument/definition', { textDocument: { uri }, position: posOf(TWO, 'jne .spin', '.spin', 2) })) as Location[];
  assert.equal(def.length, 1);
  assert.deepEqual(def[0].range.start, posOf(TWO, '.spin:', '.spin'));
  // `at receiver_main.done` in an annotation goes to `.done:`
  const ann = (await h.client.sendRequest('textDocument/definition', { textDocument: { uri }, position: posOf(TWO, 'at receiver_main.done', 'receiver_main.done', 2) })) as Location[];
  assert.deepEqual(ann[0].range.start, posOf(TWO, '.done:', '.done'));
  // handler: declared once, used by the uintr directive
  const refs = (await h.client.sendRequest('textDocument/references', { textDocument: { uri }, position: posOf(TWO, 'handler:', 'handler'), context: { includeDeclaration: true } })) as Location[];
  assert.deepEqual(refs.map((r) => r.range.start), [posOf(TWO, 'handler:', 'handler'), posOf(TWO, 'handler=handler', 'handler', 'handler='.length)]);
  // COUNT: equ, two uses (annotation and code)
  const cnt = (await h.client.sendRequest('textDocument/references', { textDocument: { uri }, position: posOf(TWO, 'COUNT   equ', 'COUNT'), context: { includeDeclaration: false } })) as Location[];
  assert.deepEqual(cnt.map((r) => r.range.start.line).sort(), [posOf(TWO, '@expect receiver', 'COUNT').line, posOf(TWO, 'cmp r12, COUNT', 'COUNT').line].sort());
  // thread names: `receiver` in thread, uintr and annotations
  const thr = (await h.client.sendRequest('textDocument/references', { textDocument: { uri }, position: posOf(TWO, 'thread receiver', 'receiver', 1), context: { includeDeclaration: true } })) as Location[];
  assert.equal(thr.length, 4, JSON.stringify(thr));
  const tdef = (await h.client.sendRequest('textDocument/definition', { textDocument: { uri }, position: posOf(TWO, 'thread=receiver', 'receiver', 1) })) as Location[];
  assert.deepEqual(tdef[0].range.start, posOf(TWO, 'thread receiver', 'receiver'));
});

test('document symbols: test, threads, constants, labels with nested local labels', async () => {
  const uri = 'file:///work/cases/two.uasm';
  const syms = (await h.client.sendRequest('textDocument/documentSymbol', { textDocument: { uri } })) as DocumentSymbol[];
  const names = syms.map((s) => s.name);
  assert.deepEqual(names, ['two threads', 'COUNT', 'receiver', 'sender', 'receiver_main', 'sender_main', 'handler']);
  const rm = syms.find((s) => s.name === 'receiver_main')!;
  assert.deepEqual(rm.children!.map((c) => c.name), ['.spin', '.done']);
  assert.equal(rm.range.end.line, posOf(TWO, '.done:', '.done').line);
});

test('every fixture is clean for the server and has symbols', async () => {
  for (const f of fs.readdirSync(fixtures).filter((x) => x.endsWith('.uasm')).sort()) {
    const uri = `file:///fixtures/${f}`;
    const d = h.diagnostics(uri);
    await h.open(uri, fs.readFileSync(path.join(fixtures, f), 'utf8'));
    assert.deepEqual(await d, [], f);
    const syms = (await h.client.sendRequest('textDocument/documentSymbol', { textDocument: { uri } })) as DocumentSymbol[];
    assert.ok(syms.length > 0, f);
  }
});

test('an opened document is diagnosed at once; edits wait for the debounce', async () => {
  const slow = await startInProcess(60_000);
  try {
    const uri = 'file:///work/cases/slow.uasm';
    const d = slow.diagnostics(uri, 1);
    await slow.open(uri, '        frob\n');
    assert.equal((await d).length, 1);
    let edited = false;
    void slow.diagnostics(uri, 2).then(() => (edited = true));
    await slow.client.sendNotification('textDocument/didChange', { textDocument: { uri, version: 2 }, contentChanges: [{ text: '        ret\n' }] });
    await new Promise((r) => setTimeout(r, 300));
    assert.equal(edited, false, 'no diagnostics before the debounce');
  } finally {
    await slow.close();
  }
});
