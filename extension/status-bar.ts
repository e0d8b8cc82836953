/** Status bar item for the focused thread of a uintr session: UIF and the number of pending vectors. */
import * as vscode from 'vscode';
import { statusText } from './model/state-model';
import { UintrTracker } from './session-tracker';

export function registerStatusBar(ctx: vscode.ExtensionContext, tracker: UintrTracker): vscode.StatusBarItem {
  const item = vscode.window.createStatusBarItem('uintr.status', vscode.StatusBarAlignment.Left, 50);
  item.name = 'UINTR thread state';
  item.command = 'uintrState.focus';
  const update = () => {
    const s = tracker.state;
    const t = s?.threads.find((x) => x.id === tracker.focusedThread) ?? s?.threads[0];
    const st = tracker.session && vscode.debug.activeDebugSession === tracker.session ? statusText(t) : null;
    if (!st) return item.hide();
    item.text = `$(zap) ${st.text}${tracker.running ? ' (running)' : ''}`;
    item.tooltip = st.tooltip;
    item.show();
  };
  ctx.subscriptions.push(item, tracker.onDidChange(update), vscode.debug.onDidChangeActiveDebugSession(update));
  return item;
}
