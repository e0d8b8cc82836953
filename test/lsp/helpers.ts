/** An in-process .uasm language server on a pair of streams, with a vscode-jsonrpc client. */
import { PassThrough } from 'node:stream';
import { MessageConnection, StreamMessageReader, StreamMessageWriter, createMessageConnection } from 'vscode-jsonrpc/node';
import { createConnection } from 'vscode-languageserver/node';
import type { Diagnostic, PublishDiagnosticsParams } from 'vscode-languageserver';
import { startServer } from '../../language-server/service';

export interface Harness {
  client: MessageConnection;
  /** The next publishDiagnostics for a URI (optionally: for a document version). */
  diagnostics(uri: string, version?: number): Promise<Diagnostic[]>;
  open(uri: string, text: string, version?: number): Promise<void>;
  /** LSP shutdown (the server drops its pending timers), then close the streams. */
  close(): Promise<void>;
}

export async function startInProcess(debounceMs = 20): Promise<Harness> {
  const toServer = new PassThrough();
  const toClient = new PassThrough();
  const server = createConnection(new StreamMessageReader(toServer), new StreamMessageWriter(toClient));
  startServer(server, { debounceMs });
  const client = createMessageConnection(new StreamMessageReader(toClient), new StreamMessageWriter(toServer));
  const pending: PublishDiagnosticsParams[] = [];
  const waiters: { uri: string; version?: number; resolve: (d: Diagnostic[]) => void }[] = [];
  const deliver = () => {
    for (let i = 0; i < waiters.length; i++) {
      const w = waiters[i];
      const j = pending.findIndex((p) => p.uri === w.uri && (w.version === undefined || p.version === w.version));
      if (j >= 0) {
        const [p] = pending.splice(j, 1);
        waiters.splice(i--, 1);
        w.resolve(p.diagnostics);
      }
    }
  };
  client.onNotification('textDocument/publishDiagnostics', (p: PublishDiagnosticsParams) => {
    pending.push(p);
    deliver();
  });
  client.listen();
  await client.sendRequest('initialize', { processId: null, rootUri: null, capabilities: {} });
  await client.sendNotification('initialized', {});
  return {
    client,
    diagnostics(uri, version) {
      return new Promise((resolve) => {
        waiters.push({ uri, version, resolve });
        deliver();
      });
    },
    async open(uri, text, version = 1) {
      await client.sendNotification('textDocument/didOpen', { textDocument: { uri, languageId: 'uintr-asm', version, text } });
    },
    async close() {
      await client.sendRequest('shutdown');
      client.dispose();
      server.dispose();
      toServer.destroy();
      toClient.destroy();
    },
  };
}

/** Position of the n-th occurrence of `needle` on the line containing `lineNeedle` (0-based). */
export function posOf(text: string, lineNeedle: string, needle: string, offset = 0): { line: number; character: number } {
  const lines = text.split('\n');
  const line = lines.findIndex((l) => l.includes(lineNeedle));
  if (line < 0) throw new Error(`no line with ${lineNeedle}`);
  const character = lines[line].indexOf(needle, lines[line].indexOf(lineNeedle) >= 0 ? 0 : 0);
  if (character < 0) throw new Error(`no ${needle} on line ${line}`);
  return { line, character: character + offset };
}
