/**
 * The manifest (package.json `contributes`) against the code and docs/dap.md, the layering rule, and activation of
 * the real bundle (dist/extension.js) with a recording `vscode` stand-in.
 */
import test from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { execFileSync } from 'node:child_process';
import { loadWithMock, newRecorded } from './vscode-mock';

const root = path.resolve(__dirname, '../..');
const pkg = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8'));
const c = pkg.contributes;

test('debugger: type uintr, languages, launch schema = the launch arguments of docs/dap.md', () => {
  assert.equal(c.debuggers.length, 1);
  const d = c.debuggers[0];
  assert.equal(d.type, 'uintr');
  assert.ok(d.label);
  assert.deepEqual(d.languages, ['c', 'asm', 'uintr-asm']);
  const doc = fs.readFileSync(path.join(root, 'docs/dap.md'), 'utf8');
  const table = doc.slice(doc.indexOf('## Launch arguments'), doc.indexOf('Unknown arguments'));
  const documented = [...table.matchAll(/^\| `(\w+)` \|/gm)].map((m) => m[1]);
  assert.ok(documented.length >= 9);
  const schema = d.configurationAttributes.launch;
  assert.deepEqual(Object.keys(schema.properties).sort(), documented.sort());
  assert.deepEqual(schema.required, ['program']);
  assert.equal(schema.properties.cores.minimum, 1);
  assert.equal(schema.properties.cores.maximum, 64);
  assert.deepEqual(schema.properties.uintrAbi.enum, ['v2', 'rfc-v1']);
  assert.equal(schema.properties.seed.minimum, 0);
  assert.equal(schema.properties.env.additionalProperties.type, 'string');
  // initial configurations and snippets only use documented arguments
  const client = new Set(['type', 'request', 'name']);
  for (const cfg of [...d.initialConfigurations, ...d.configurationSnippets.map((s: { body: object }) => s.body)]) {
    for (const k of Object.keys(cfg)) assert.ok(client.has(k) || documented.includes(k), `unknown launch argument ${k}`);
  }
  assert.deepEqual(c.breakpoints.map((b: { language: string }) => b.language), ['c', 'asm', 'uintr-asm']);
});

test('settings: uintr.cores, uintr.seed, uintr.abi, documented, defaults as the adapter\'s', () => {
  const p = c.configuration.properties;
  assert.deepEqual(Object.keys(p).sort(), ['uintr.abi', 'uintr.cores', 'uintr.seed']);
  assert.equal(p['uintr.cores'].default, 2);
  assert.equal(p['uintr.seed'].default, 1);
  assert.equal(p['uintr.abi'].default, 'v2');
  for (const k of Object.keys(p)) assert.ok(p[k].markdownDescription.length > 40, k);
});

test('views in the debug container, shown only for uintr sessions; menus reference contributed commands', () => {
  assert.deepEqual(c.views.debug.map((v: { id: string; when: string }) => [v.id, v.when]), [['uintrState', "debugType == 'uintr'"], ['uintrEvents', "debugType == 'uintr'"]]);
  const ids = new Set(c.commands.map((x: { command: string }) => x.command));
  for (const [where, items] of Object.entries(c.menus) as [string, { command: string; when?: string }[]][]) {
    for (const m of items) assert.ok(ids.has(m.command), `${where}: ${m.command}`);
  }
  const ctx = c.menus['view/item/context'].map((m: { command: string }) => m.command);
  for (const cmd of ['uintr.postInterrupt', 'uintr.toggleSN', 'uintr.revealUpid', 'uintr.copyAsText', 'uintr.events.goToSender']) assert.ok(ctx.includes(cmd), cmd);
  assert.equal(c.taskDefinitions[0].type, 'uintr-gcc');
  assert.equal(c.problemMatchers[0].name, 'uintr-gcc');
  // the problem matcher's pattern reads gcc diagnostics
  const re = new RegExp(c.problemMatchers[0].pattern.regexp);
  const m = re.exec("/w/u.c:12:5: error: implicit declaration of function '_senduipi'");
  assert.deepEqual(m && [m[1], m[2], m[3], m[4]], ['/w/u.c', '12', '5', 'error']);
  assert.ok(re.exec('u.c:3:1: warning: unused variable'));
  assert.ok(pkg.activationEvents.includes('onDebugResolve:uintr'));
  assert.equal(pkg.main, './dist/extension.js');
  assert.match(pkg.devDependencies['@types/vscode'], /^~?\^?1\.90/);
  assert.equal(pkg.engines.vscode, '^1.90.0');
});

function files(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? files(path.join(dir, e.name)) : e.name.endsWith('.ts') ? [path.join(dir, e.name)] : []));
}

test('layering: extension/ never imports the emulator; the models never import vscode', () => {
  const ext = files(path.join(root, 'extension'));
  assert.ok(ext.length >= 8);
  for (const f of ext) {
    const src = fs.readFileSync(f, 'utf8');
    const imports = [...src.matchAll(/(?:from|require\()\s*'([^']+)'/g)].map((m) => m[1]);
    for (const i of imports) {
      assert.ok(!/emulator/.test(i), `${path.relative(root, f)} imports ${i}`);
      if (/debug-adapter/.test(i)) assert.equal(path.basename(f), 'adapter-factory.ts', `${path.relative(root, f)} imports ${i}`);
      if (f.includes(`${path.sep}model${path.sep}`)) assert.notEqual(i, 'vscode', `${path.relative(root, f)} imports vscode`);
    }
  }
});

test('the bundle activates: every contributed command is registered (and only those), views, debugger, tasks, status bar', () => {
  const bundle = path.join(root, 'dist/extension.js');
  if (!fs.existsSync(bundle)) execFileSync(process.execPath, [path.join(root, 'scripts/build.mjs')]);
  const rec = newRecorded();
  const ext = loadWithMock(bundle, rec);
  const subs: { dispose(): void }[] = [];
  ext.activate({ subscriptions: subs, extensionUri: { fsPath: root }, extensionPath: root });
  const contributed = c.commands.map((x: { command: string }) => x.command).sort();
  assert.deepEqual([...rec.commands.keys()].sort(), contributed);
  assert.deepEqual([...rec.views.keys()].sort(), ['uintrEvents', 'uintrState']);
  assert.deepEqual(rec.debugFactories, ['uintr']);
  assert.deepEqual(rec.configProviders, ['uintr', 'uintr']);
  assert.deepEqual(rec.trackers, ['uintr']);
  assert.deepEqual(rec.taskProviders, ['uintr-gcc']);
  assert.equal(rec.statusBar.length, 1);
  assert.equal(rec.statusBar[0].shown, false, 'hidden without a uintr session');
  // without a session the state view is empty
  const sv = rec.views.get('uintrState')!.treeDataProvider as { getChildren(): unknown[] };
  assert.deepEqual(sv.getChildren(), []);
  for (const s of subs) s.dispose();
  ext.deactivate();
});
