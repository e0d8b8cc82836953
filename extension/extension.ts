/**
 * VS Code extension entry point: registers the `uintr` debugger (inline adapter), the configuration provider and
 * the gcc build task, the UINTR State / UINTR Events views, the Interrupt Timeline webview, the status bar item and the
 * Test Explorer controller for .uasm cases (run through the bundled uintr-test CLI). Everything the views show
 * comes from the adapter over DAP (docs/dap.md); extension/ never imports the emulator.
 */
import * as vscode from 'vscode';
import { InlineAdapterFactory } from './adapter-factory';
import { UintrConfigurationProvider, UintrDynamicProvider, GccTaskProvider, TASK_TYPE } from './config-provider';
import { UintrTracker } from './session-tracker';
import { registerStateView } from './state-view';
import { registerEventsView } from './events-view';
import { registerStatusBar } from './status-bar';
import { registerTimeline } from './timeline-view';
import { registerTestController } from './test-controller';
import { registerLanguageClient } from './lsp-client';

export function activate(ctx: vscode.ExtensionContext): void {
  const provider = new UintrConfigurationProvider();
  ctx.subscriptions.push(
    vscode.debug.registerDebugAdapterDescriptorFactory('uintr', new InlineAdapterFactory()),
    vscode.debug.registerDebugConfigurationProvider('uintr', provider),
    vscode.debug.registerDebugConfigurationProvider('uintr', new UintrDynamicProvider(), vscode.DebugConfigurationProviderTriggerKind.Dynamic),
    vscode.tasks.registerTaskProvider(TASK_TYPE, new GccTaskProvider()),
    vscode.commands.registerCommand('uintr.debugFile', async (uri?: vscode.Uri) => {
      const file = uri?.fsPath ?? vscode.window.activeTextEditor?.document.uri.fsPath;
      if (!file) return void vscode.window.showErrorMessage('UINTR Debug: no file to debug');
      await vscode.debug.startDebugging(vscode.workspace.getWorkspaceFolder(uri ?? vscode.Uri.file(file)), { type: 'uintr', request: 'launch', name: `Debug ${file.split('/').pop()}`, program: file });
    }),
  );
  const tracker = new UintrTracker();
  ctx.subscriptions.push(tracker);
  registerStateView(ctx, tracker);
  registerEventsView(ctx, tracker);
  registerStatusBar(ctx, tracker);
  registerTimeline(ctx, tracker);
  registerTestController(ctx);
  registerLanguageClient(ctx);
}

export function deactivate(): void {}
