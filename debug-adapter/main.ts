#!/usr/bin/env node
/**
 * uintr-debug-adapter: the UINTR debugger as a Debug Adapter Protocol server.
 *   uintr-debug-adapter                DAP over stdin/stdout (VS Code's executable descriptor, nvim-dap, tests)
 *   uintr-debug-adapter --server=4711  DAP over TCP, one session per connection (to debug the adapter itself)
 * In-process use (VS Code's inline descriptor): `new UintrDebugSession()` from debug-adapter/session.ts.
 */
import { DebugSession } from '@vscode/debugadapter';
import { UintrDebugSession } from './session';

DebugSession.run(UintrDebugSession);
