/**
 * The inline debug adapter: VS Code runs the DAP session (debug-adapter/session.ts) inside the extension host,
 * so the extension ships as one bundle. The standalone `uintr-debug-adapter` (stdio/TCP) stays available for
 * other editors. The extension never touches the emulator directly: everything goes over DAP.
 *
 * The session module (with the emulator and iced-x86's wasm) is loaded on the first debug session, not at
 * activation: activating for the views or the configuration provider stays cheap.
 */
import * as vscode from 'vscode';
import type { UintrDebugSession } from '../debug-adapter/session';

type SessionModule = { UintrDebugSession: new () => UintrDebugSession };

export class InlineAdapterFactory implements vscode.DebugAdapterDescriptorFactory {
  createDebugAdapterDescriptor(_session: vscode.DebugSession): vscode.ProviderResult<vscode.DebugAdapterDescriptor> {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { UintrDebugSession: Session } = require('../debug-adapter/session') as SessionModule;
    return new vscode.DebugAdapterInlineImplementation(new Session() as unknown as vscode.DebugAdapter);
  }
}
