/** The bundled server (dist/uintr-asm-server.js, built by scripts/build.mjs) speaks LSP over stdio. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fork, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { IPCMessageReader, IPCMessageWriter, StreamMessageReader, StreamMessageWriter, createMessageConnection } from 'vscode-jsonrpc/node';
import type { InitializeResult, PublishDiagnosticsParams } from 'vscode-languageserver';

const root = path.resolve(__dirname, '../..');
const bundle = path.join(root, 'dist/uintr-asm-server.js');

test('dist/uintr-asm-server.js starts over stdio, diagnoses a document and exits on shutdown/exit', { skip: !fs.existsSync(bundle) && 'run scripts/build.mjs first' }, async () => {
  const child = spawn(process.execPath, [bundle, '--stdio'], { stdio: ['pipe', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (d) => (stderr += d));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  const c = createMessageConnection(new StreamMessageReader(child.stdout), new StreamMessageWriter(child.stdin));
  const diags = new Promise<PublishDiagnosticsParams>((resolve) => c.onNotification('textDocument/publishDiagnostics', resolve));
  c.listen();
  try {
    const init = (await c.sendRequest('initialize', { processId: process.pid, rootUri: null, capabilities: {} })) as InitializeResult;
    assert.equal(init.capabilities.hoverProvider, true);
    assert.equal(init.capabilities.definitionProvider, true);
    await c.sendNotification('initialized', {});
    await c.sendNotification('textDocument/didOpen', { textDocument: { uri: 'file:///x/e.uasm', languageId: 'uintr-asm', version: 1, text: '        mov rax,\n' } });
    const d = await diags;
    assert.equal(d.diagnostics.length, 1);
    assert.equal(d.diagnostics[0].range.start.line, 0);
    assert.match(d.diagnostics[0].message, /operand/);
    await c.sendRequest('shutdown');
    await c.sendNotification('exit');
    assert.equal(await exited, 0, stderr);
  } finally {
    c.dispose();
    child.kill();
  }
});

test('the server bundle is self-contained (only node built-ins are required)', { skip: !fs.existsSync(bundle) && 'run scripts/build.mjs first' }, () => {
  const code = fs.readFileSync(bundle, 'utf8').split('\n').filter((l) => !/^\s*(\*|\/\/)/.test(l)).join('\n'); // not in doc comments
  const requires = new Set([...code.matchAll(/\brequire\("([^"./][^"]*)"\)/g)].map((m) => m[1]));
  const builtin = new Set(require('node:module').builtinModules as string[]);
  for (const r of requires) assert.ok(builtin.has(r.replace(/^node:/, '')), `server bundle requires ${r}`);
});

test('dist/uintr-asm-server.js over node IPC (the transport the VS Code client uses): hover', { skip: !fs.existsSync(bundle) && 'run scripts/build.mjs first' }, async () => {
  const child = fork(bundle, ['--node-ipc'], { stdio: ['ignore', 'ignore', 'pipe', 'ipc'] });
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  const c = createMessageConnection(new IPCMessageReader(child), new IPCMessageWriter(child));
  c.listen();
  try {
    await c.sendRequest('initialize', { processId: process.pid, rootUri: null, capabilities: {} });
    await c.sendNotification('initialized', {});
    await c.sendNotification('textDocument/didOpen', { textDocument: { uri: 'file:///x/h.uasm', languageId: 'uintr-asm', version: 1, text: '_start: testui\n        ret\n' } });
    const h = (await c.sendRequest('textDocument/hover', { textDocument: { uri: 'file:///x/h.uasm' }, position: { line: 0, character: 9 } })) as { contents: { value: string } };
    assert.match(h.contents.value, /TESTUI/);
    await c.sendRequest('shutdown');
    await c.sendNotification('exit');
    assert.equal(await exited, 0);
  } finally {
    c.dispose();
    child.kill();
  }
});
