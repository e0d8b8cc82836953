/**
 * extension/lsp-client.ts against a stand-in `vscode` and a recording LanguageClient: nothing starts until a
 * uintr-asm document is open, then one client on dist/uintr-asm-server.js over node IPC; stopped on dispose.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { requireWithVscode } from '../extension/vscode-mock';
import * as path from 'node:path';

type Doc = { languageId: string };

function loadClientModule(vscode: unknown): typeof import('../../extension/lsp-client') {
  return requireWithVscode(require.resolve('../../extension/lsp-client'), vscode);
}

test('the language client starts lazily, once, on the bundled server over IPC', async () => {
  const listeners: ((d: Doc) => void)[] = [];
  const errors: string[] = [];
  const vscode = {
    workspace: { textDocuments: [{ languageId: 'c' }], onDidOpenTextDocument: (l: (d: Doc) => void) => (listeners.push(l), { dispose() {} }) },
    window: { showErrorMessage: (m: string) => void errors.push(m) },
  };
  const created: { id: string; server: any; client: any; started: number; stopped: number }[] = [];
  class FakeClient {
    rec: (typeof created)[number];
    constructor(id: string, _name: string, server: unknown, client: unknown) {
      this.rec = { id, server, client, started: 0, stopped: 0 };
      created.push(this.rec);
    }
    async start() {
      this.rec.started++;
    }
    async stop() {
      this.rec.stopped++;
    }
  }
  const mod = loadClientModule(vscode);
  const subs: { dispose(): unknown }[] = [];
  const ctx = { subscriptions: subs, asAbsolutePath: (p: string) => path.join('/ext', p) };
  let loads = 0;
  mod.registerLanguageClient(ctx as never, async () => (loads++, { LanguageClient: FakeClient, TransportKind: { ipc: 1 } } as never));
  await new Promise((r) => setImmediate(r));
  assert.equal(loads, 0, 'not loaded before a .uasm document is open');
  listeners.forEach((l) => l({ languageId: 'c' }));
  await new Promise((r) => setImmediate(r));
  assert.equal(created.length, 0);
  listeners.forEach((l) => l({ languageId: 'uintr-asm' }));
  listeners.forEach((l) => l({ languageId: 'uintr-asm' }));
  await new Promise((r) => setImmediate(r));
  assert.equal(loads, 1);
  assert.equal(created.length, 1);
  assert.equal(created[0].started, 1);
  assert.equal(created[0].server.run.module, path.join('/ext', 'dist', 'uintr-asm-server.js'));
  assert.equal(created[0].server.run.transport, 1);
  assert.deepEqual(created[0].client.documentSelector.map((s: { language: string }) => s.language), ['uintr-asm', 'uintr-asm']);
  for (const s of subs) s.dispose();
  assert.equal(created[0].stopped, 1);
  assert.deepEqual(errors, []);
});

test('a .uasm document already open at activation starts the client', async () => {
  let n = 0;
  const vscode = { workspace: { textDocuments: [{ languageId: 'uintr-asm' }], onDidOpenTextDocument: () => ({ dispose() {} }) }, window: { showErrorMessage() {} } };
  const mod = loadClientModule(vscode);
  class C {
    constructor() {
      n++;
    }
    async start() {}
    async stop() {}
  }
  mod.registerLanguageClient({ subscriptions: [], asAbsolutePath: (p: string) => p } as never, async () => ({ LanguageClient: C, TransportKind: { ipc: 1 } }) as never);
  await new Promise((r) => setImmediate(r));
  assert.equal(n, 1);
});
