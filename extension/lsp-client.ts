/**
 * The .uasm language client: starts dist/uintr-asm-server.js (node IPC) through vscode-languageclient the
 * first time a `uintr-asm` document is open, and stops it on deactivation. Lazy twice over: nothing starts
 * before a .uasm file is opened, and vscode-languageclient itself is only loaded then (dynamic import).
 */
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { LanguageClient } from 'vscode-languageclient/node';

export const LANGUAGE_ID = 'uintr-asm';

export type ClientModule = Pick<typeof import('vscode-languageclient/node'), 'LanguageClient' | 'TransportKind'>;

/** Start the client when a .uasm document is (or becomes) open. `load` is replaceable for tests. */
export function registerLanguageClient(ctx: vscode.ExtensionContext, load: () => Promise<ClientModule> = () => import('vscode-languageclient/node')): void {
  let client: LanguageClient | undefined;
  let starting: Promise<void> | undefined;
  const start = async (): Promise<void> => {
    const { LanguageClient, TransportKind } = await load();
    const module = ctx.asAbsolutePath(path.join('dist', 'uintr-asm-server.js'));
    client = new LanguageClient(
      'uintrAsm',
      'UINTR Assembly Language Server',
      {
        run: { module, transport: TransportKind.ipc },
        debug: { module, transport: TransportKind.ipc, options: { execArgv: ['--nolazy', '--inspect=6019'] } },
      },
      { documentSelector: [{ language: LANGUAGE_ID, scheme: 'file' }, { language: LANGUAGE_ID, scheme: 'untitled' }] },
    );
    await client.start();
  };
  const maybeStart = (doc: vscode.TextDocument) => {
    if (starting || doc.languageId !== LANGUAGE_ID) return;
    starting = start().catch((e: unknown) => {
      void vscode.window.showErrorMessage(`UINTR: the .uasm language server did not start: ${(e as Error)?.message ?? e}`);
    });
  };
  // (the workspace API is optional here so that stand-in `vscode` modules without it still activate)
  const ws = vscode.workspace as Partial<typeof vscode.workspace>;
  if (ws.onDidOpenTextDocument) ctx.subscriptions.push(ws.onDidOpenTextDocument(maybeStart));
  for (const d of ws.textDocuments ?? []) maybeStart(d);
  ctx.subscriptions.push({ dispose: () => void client?.stop() });
}
