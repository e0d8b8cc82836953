/**
 * The UINTR State tree (Run and Debug container): maps the nodes of model/state-model.ts onto TreeItems, and
 * registers the view's commands (Post user interrupt…, Toggle SN, Reveal UPID in memory, Copy as text).
 */
import * as vscode from 'vscode';
import { buildStateTree, nodeToText, stateToText, postableVectors, StateNode } from './model/state-model';
import { UintrTracker } from './session-tracker';
import { post, setUpidField } from './model/dap-requests';
import { revealSourceOf } from './reveal-source';

export class StateTreeProvider implements vscode.TreeDataProvider<StateNode> {
  private readonly emitter = new vscode.EventEmitter<StateNode | undefined>();
  readonly onDidChangeTreeData = this.emitter.event;
  private roots: StateNode[] = [];
  private parents = new Map<string, StateNode>();
  private byId = new Map<string, StateNode>();

  constructor(private readonly tracker: UintrTracker) {
    tracker.onDidChange(() => this.rebuild());
  }

  rebuild(): void {
    const s = this.tracker.state;
    this.roots = s ? buildStateTree(s, this.tracker.baseline) : [];
    this.parents.clear();
    this.byId.clear();
    const walk = (ns: StateNode[], parent?: StateNode) => {
      for (const n of ns) {
        this.byId.set(n.id, n);
        if (parent) this.parents.set(n.id, parent);
        if (n.children) walk(n.children, n);
      }
    };
    walk(this.roots);
    this.emitter.fire(undefined);
  }

  node(id: string): StateNode | undefined {
    return this.byId.get(id);
  }

  getChildren(n?: StateNode): StateNode[] {
    if (!n) {
      if (!this.tracker.session) return [];
      if (!this.tracker.state) return [{ id: 'info', kind: 'info', label: this.tracker.running ? 'Running… (state appears at the next stop)' : 'Waiting for the program to stop…' }];
      return this.roots;
    }
    return n.children ?? [];
  }

  getParent(n: StateNode): StateNode | undefined {
    return this.parents.get(n.id);
  }

  getTreeItem(n: StateNode): vscode.TreeItem {
    const state = n.children?.length
      ? n.kind === 'thread' || n.kind === 'upid' || n.kind === 'uitt' ? vscode.TreeItemCollapsibleState.Expanded : vscode.TreeItemCollapsibleState.Collapsed
      : vscode.TreeItemCollapsibleState.None;
    const label: vscode.TreeItemLabel = { label: n.label, highlights: n.changed && n.kind !== 'thread' ? [[0, n.label.length]] : undefined };
    const item = new vscode.TreeItem(label, state);
    // a leaf that becomes a container (UPID, UITT once the thread registers) gets a new id: VS Code keeps the
    // collapse state of a known id, so the same id would stay collapsed instead of expanding as asked
    item.id = state === vscode.TreeItemCollapsibleState.None ? n.id : `${n.id}/+`;
    item.description = n.description;
    const tip = new vscode.MarkdownString();
    tip.appendText(`${n.label}${n.description ? ': ' + n.description : ''}`);
    if (n.tooltip && n.tooltip !== n.description) tip.appendMarkdown('\n\n').appendText(n.tooltip);
    if (n.changed && n.kind !== 'thread') tip.appendMarkdown('\n\n*changed since the last stop*');
    item.tooltip = tip;
    item.contextValue = n.contextValue ?? n.kind;
    if (n.warning && n.kind === 'warning') item.iconPath = new vscode.ThemeIcon('warning', new vscode.ThemeColor('list.warningForeground'));
    else if (n.kind === 'thread') item.iconPath = new vscode.ThemeIcon(n.warning ? 'warning' : 'debug-thread', n.warning ? new vscode.ThemeColor('list.warningForeground') : undefined);
    else if (n.changed) item.iconPath = new vscode.ThemeIcon('circle-filled', new vscode.ThemeColor('debugTokenExpression.number'));
    else if (n.kind === 'delivery') item.iconPath = new vscode.ThemeIcon('info');
    if (n.reveal) item.command = { command: 'uintr.reveal', title: 'Reveal', arguments: [n] };
    return item;
  }
}

const threadOf = (n: StateNode | undefined, tracker: UintrTracker) => {
  const id = n?.threadId ?? tracker.focusedThread;
  return tracker.state?.threads.find((t) => t.id === id);
};

/**
 * The URI of VS Code's debug memory file system for a memory reference (what "View Binary Data" opens). Uri.from
 * takes the path decoded: the reference is percent-encoded because VS Code's file system decodes that segment, the
 * display name (the editor tab's title) is not, or the tab would read "UPID%200x…".
 */
export function debugMemoryUri(sessionId: string, memoryReference: string, displayName = 'memory'): vscode.Uri {
  return vscode.Uri.from({
    scheme: 'vscode-debug-memory',
    authority: sessionId,
    path: '/' + encodeURIComponent(memoryReference) + `/${displayName.replace(/[/\\]/g, '_')}.bin`,
  });
}

export function registerStateView(ctx: vscode.ExtensionContext, tracker: UintrTracker): StateTreeProvider {
  const provider = new StateTreeProvider(tracker);
  const view = vscode.window.createTreeView('uintrState', { treeDataProvider: provider, showCollapseAll: true });
  ctx.subscriptions.push(view);
  const need = () => {
    const s = tracker.session;
    if (!s) throw new Error('no active UINTR debug session');
    return s;
  };
  const run = (f: (n?: StateNode) => Promise<void>) => async (n?: StateNode) => {
    try {
      await f(n);
    } catch (e) {
      void vscode.window.showErrorMessage(`UINTR: ${e instanceof Error ? e.message : String(e)}`);
    }
  };
  ctx.subscriptions.push(
    vscode.commands.registerCommand('uintr.refreshState', run(async () => tracker.refresh(false))),
    vscode.commands.registerCommand('uintr.postInterrupt', run(async (n) => {
      const s = need();
      const t = threadOf(n, tracker);
      if (!t) throw new Error('pick a thread in the UINTR State view');
      if (!t.upid) throw new Error(`thread ${t.id} is not a user-interrupt receiver (no UPID)`);
      const items = postableVectors(t).map((v) => ({ label: `vector ${v}`, description: t.receiver?.vectors.includes(v) ? 'registered' : undefined, v }));
      const pick = await vscode.window.showQuickPick(items, { title: `Post a user interrupt to thread ${t.id} (${t.name})`, placeHolder: 'Vector (posted to the UPID as SENDUIPI would)' });
      if (!pick) return;
      const outcome = await post(s, t.id, pick.v);
      void vscode.window.showInformationMessage(`Posted vector ${pick.v} to thread ${t.id}: ${outcome}`);
      await tracker.refresh(false);
    })),
    vscode.commands.registerCommand('uintr.toggleSN', run(async (n) => {
      const s = need();
      const t = threadOf(n, tracker);
      if (!t?.upid) throw new Error('pick a receiver thread (one with a UPID)');
      if (tracker.running) throw new Error('pause the program first (SN is changed with setVariable on a stopped thread)');
      const v = await setUpidField(s, t.id, 'SN', t.upid.sn ? '0' : '1');
      void vscode.window.setStatusBarMessage(`UPID.SN of thread ${t.id} = ${v}`, 3000);
      await tracker.refresh(false);
    })),
    vscode.commands.registerCommand('uintr.revealUpid', run(async (n) => {
      const s = need();
      const ref = n?.memoryReference ?? threadOf(n, tracker)?.upid?.addr;
      if (!ref) throw new Error('this item has no UPID');
      const uri = debugMemoryUri(s.id, ref, `UPID ${ref}`);
      try {
        // VS Code's memory view is the Hex Editor extension on the debug memory file system ("View Binary Data")
        if (!vscode.extensions.getExtension('ms-vscode.hexeditor')) throw new Error('no hex editor');
        await vscode.commands.executeCommand('vscode.openWith', uri, 'hexEditor.hexedit');
      } catch {
        const pickIt = await vscode.window.showWarningMessage(`Viewing memory needs the Hex Editor extension (ms-vscode.hexeditor). UPID at ${ref}.`, 'Install Hex Editor', 'Copy address');
        if (pickIt === 'Install Hex Editor') await vscode.commands.executeCommand('workbench.extensions.installExtension', 'ms-vscode.hexeditor');
        else if (pickIt === 'Copy address') await vscode.env.clipboard.writeText(ref);
      }
    })),
    vscode.commands.registerCommand('uintr.copyAsText', run(async (n) => {
      const text = n ? nodeToText(n) : tracker.state ? stateToText(tracker.state, tracker.baseline) : '';
      await vscode.env.clipboard.writeText(text);
      void vscode.window.setStatusBarMessage('UINTR state copied', 2000);
    })),
    vscode.commands.registerCommand('uintr.reveal', run(async (n) => {
      if (!n?.reveal) return;
      if (n.reveal.kind === 'thread') {
        const target = provider.node(`t${n.reveal.threadId}`);
        if (target) await view.reveal(target, { select: true, focus: true, expand: true });
      } else {
        // an address (a handler, an interrupted RIP): its source line when the program has line info, else the
        // Disassembly view
        if (!(await revealSourceOf(n.reveal.address))) await vscode.commands.executeCommand('debug.action.openDisassemblyView');
      }
    })),
  );
  return provider;
}
