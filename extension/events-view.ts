/**
 * The UINTR Events list: the adapter's event log with virtual time, core, thread and details; filters by kind
 * and thread; a delivery expands into the SENDUIPI(s) that caused it and "Go to sender" selects the sender.
 */
import * as vscode from 'vscode';
import { revealSourceOf } from './reveal-source';
import { EVENT_KINDS, UintrEvent, UintrEventKind } from './model/types';
import { filterEvents, formatEvent, linkDeliveries, upidOwners, eventThreads } from './model/events-model';
import { UintrTracker } from './session-tracker';
import { goToEvent } from './model/dap-requests';

/** Most rows shown (the newest); the full log stays available through `uintr/events`. */
const MAX_ROWS = 5000;

type Row = { ev: UintrEvent; cause?: boolean };

export class EventsProvider implements vscode.TreeDataProvider<Row> {
  private readonly emitter = new vscode.EventEmitter<Row | undefined>();
  readonly onDidChangeTreeData = this.emitter.event;
  kinds = new Set<UintrEventKind>();
  threads = new Set<number>();
  private links = new Map<number, UintrEvent[]>();
  private rows = new Map<number, Row>();
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly tracker: UintrTracker) {
    tracker.onDidChangeEvents(() => this.schedule());
  }

  private schedule(): void {
    if (this.timer) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.refresh();
    }, 150);
  }

  refresh(): void {
    this.emitter.fire(undefined);
  }

  /** The row of an event (creating it), for reveal. */
  row(ev: UintrEvent): Row {
    let r = this.rows.get(ev.seq);
    if (!r || r.ev !== ev) this.rows.set(ev.seq, (r = { ev })); // a new session reuses seq numbers
    return r;
  }

  sendersOf(seq: number): UintrEvent[] {
    return this.links.get(seq) ?? [];
  }

  getChildren(r?: Row): Row[] {
    if (r) return r.ev.kind === 'deliver' ? this.sendersOf(r.ev.seq).map((ev) => ({ ev, cause: true })) : [];
    const all = this.tracker.events.list();
    this.links = linkDeliveries(all, upidOwners(this.tracker.state));
    const shown = filterEvents(all, { kinds: this.kinds, threads: this.threads });
    return shown.slice(-MAX_ROWS).map((ev) => this.row(ev));
  }

  getParent(): undefined {
    return undefined;
  }

  getTreeItem(r: Row): vscode.TreeItem {
    const f = formatEvent(r.ev);
    const collapsible = !r.cause && r.ev.kind === 'deliver' && this.sendersOf(r.ev.seq).length ? vscode.TreeItemCollapsibleState.Collapsed : vscode.TreeItemCollapsibleState.None;
    const item = new vscode.TreeItem(r.cause ? `caused by #${r.ev.seq} ${f.label}` : `#${r.ev.seq} ${f.label}`, collapsible);
    if (!r.cause) item.id = `ev${r.ev.seq}`;
    item.description = f.description;
    item.tooltip = f.detail;
    item.contextValue = r.cause ? 'uintrEventCause' : r.ev.kind === 'deliver' ? 'uintrEvent.deliver' : 'uintrEvent';
    item.iconPath = new vscode.ThemeIcon(ICONS[r.ev.kind] ?? 'circle-small');
    if (r.cause) item.command = { command: 'uintr.events.reveal', title: 'Reveal', arguments: [r] };
    return item;
  }
}

const ICONS: Partial<Record<UintrEventKind, string>> = {
  senduipi: 'arrow-right', notify: 'bell', deliver: 'zap', uiret: 'reply', fault: 'error', syscall: 'terminal',
  block: 'debug-pause', wake: 'debug-start', stui: 'unlock', clui: 'lock', replay: 'history', 'switch-out': 'debug-disconnect',
};

export function registerEventsView(ctx: vscode.ExtensionContext, tracker: UintrTracker): EventsProvider {
  const provider = new EventsProvider(tracker);
  const view = vscode.window.createTreeView('uintrEvents', { treeDataProvider: provider });
  const describe = () => {
    const parts = [provider.kinds.size ? [...provider.kinds].join(', ') : '', provider.threads.size ? 'thread ' + [...provider.threads].join(', ') : ''].filter(Boolean);
    view.description = parts.length ? `filtered: ${parts.join(' · ')}` : undefined;
    void vscode.commands.executeCommand('setContext', 'uintr.eventsFiltered', parts.length > 0);
  };
  const reveal = async (ev: UintrEvent) => {
    if (provider.kinds.size && !provider.kinds.has(ev.kind)) provider.kinds.clear();
    if (provider.threads.size && !provider.threads.has(ev.tid)) provider.threads.clear();
    describe();
    provider.refresh();
    await view.reveal(provider.row(ev), { select: true, focus: true });
  };
  ctx.subscriptions.push(
    view,
    vscode.commands.registerCommand('uintr.events.filterKind', async () => {
      const picks = await vscode.window.showQuickPick(EVENT_KINDS.map((k) => ({ label: k, picked: provider.kinds.has(k) })), { canPickMany: true, title: 'Show these event kinds (none: all)' });
      if (!picks) return;
      provider.kinds = new Set(picks.map((p) => p.label as UintrEventKind));
      describe();
      provider.refresh();
    }),
    vscode.commands.registerCommand('uintr.events.filterThread', async () => {
      const tids = new Set([...eventThreads(tracker.events.list()), ...(tracker.state?.threads.map((t) => t.id) ?? [])]);
      const picks = await vscode.window.showQuickPick([...tids].sort((a, b) => a - b).map((t) => ({ label: String(t), description: tracker.state?.threads.find((x) => x.id === t)?.name, picked: provider.threads.has(t) })), { canPickMany: true, title: 'Show events of these threads (none: all)' });
      if (!picks) return;
      provider.threads = new Set(picks.map((p) => Number(p.label)));
      describe();
      provider.refresh();
    }),
    vscode.commands.registerCommand('uintr.events.clearFilter', () => {
      provider.kinds.clear();
      provider.threads.clear();
      describe();
      provider.refresh();
    }),
    vscode.commands.registerCommand('uintr.events.goToSender', async (r?: Row) => {
      const ev = r?.ev ?? view.selection[0]?.ev;
      if (!ev || ev.kind !== 'deliver') return void vscode.window.showInformationMessage('UINTR: pick a delivery in the UINTR Events view');
      const sender = provider.sendersOf(ev.seq)[0];
      if (!sender) return void vscode.window.showInformationMessage(`UINTR: no SENDUIPI in the log posted vector ${ev.vector} to thread ${ev.tid} before this delivery`);
      await reveal(sender);
      // and the SENDUIPI's source line (when the program has line info)
      await revealSourceOf(sender.rip as string | number | undefined);
    }),
    vscode.commands.registerCommand('uintr.events.goBack', async (r?: Row) => {
      const ev = r?.ev ?? view.selection[0]?.ev;
      const s = tracker.session;
      if (!ev || !s) return void vscode.window.showInformationMessage('UINTR: pick an event in the UINTR Events view of a stopped session');
      if (tracker.running) return void vscode.window.showInformationMessage('UINTR: pause the program first');
      try {
        await goToEvent(s, ev.seq);
      } catch (e) {
        void vscode.window.showErrorMessage(`UINTR: cannot go back to event #${ev.seq}: ${(e as Error).message}`);
      }
    }),
    vscode.commands.registerCommand('uintr.events.reveal', async (r?: Row) => r && reveal(r.ev)),
    vscode.commands.registerCommand('uintr.events.copy', async (r?: Row) => {
      const evs = r ? [r.ev] : filterEvents(tracker.events.list(), { kinds: provider.kinds, threads: provider.threads });
      await vscode.env.clipboard.writeText(evs.map((e) => { const f = formatEvent(e); return `#${e.seq} ${f.description} ${f.label}`; }).join('\n') + '\n');
    }),
  );
  describe();
  return provider;
}
