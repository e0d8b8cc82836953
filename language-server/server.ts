/**
 * Entry point of the .uasm language server (bundled to dist/uintr-asm-server.js). The transport comes from
 * the command line: `--node-ipc` (the VS Code client), `--stdio`, or `--socket=N`.
 */
import { ProposedFeatures, createConnection } from 'vscode-languageserver/node';
import { startServer } from './service';

startServer(createConnection(ProposedFeatures.all));
