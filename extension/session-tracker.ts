/**
 * Follows the active `uintr` debug session over DAP: on every stop it fetches `uintr/state` (and any events
 * missed), while running it collects `uintr/event` batches (and refreshes the state at most a few times a
 * second). The views, the status bar and the commands read from here.
 */
import * as vscode from 'vscode';
import type { UintrState, UintrEvent } from './model/types';
import { EventStore } from './model/events-model';
import { getState, getEvents } from './model/dap-requests';

const RESUMING = new Set(['configurationDone', 'continue', 'next', 'stepIn', 'stepOut', 'stepBack', 'reverseContinue', 'goto']);

export class UintrTracker implements vscode.Disposable {
  session: vscode.DebugSession | undefined;
  state: UintrState | null = null;
  /** The snapshot of the previous stop (for "changed since the last stop"). */
  prevStop: UintrState | null = null;
  private lastStop: UintrState | null = null;
  readonly events = new EventStore();
  running = false;
  /** Thread names seen in any snapshot of this session (exited threads keep theirs). */
  readonly names = new Map<number, string>();
  /** The thread of the last stop, or the one selected in the Call Stack. */
  focusedThread: number | undefined;

  /** What "changed" is measured against: the previous stop when stopped, the last stop while running. */
  get baseline(): UintrState | null {
    return this.running ? this.lastStop : this.prevStop;
  }

  private readonly changed = new vscode.EventEmitter<void>();
  readonly onDidChange = this.changed.event;
  private readonly eventsChanged = new vscode.EventEmitter<void>();
  readonly onDidChangeEvents = this.eventsChanged.event;
  private subs: vscode.Disposable[] = [];
  private refreshTimer: NodeJS.Timeout | undefined;
  private fetching = false;

  constructor() {
    const self = this;
    this.subs.push(
      vscode.debug.registerDebugAdapterTrackerFactory('uintr', {
        createDebugAdapterTracker(session) {
          return {
            onWillReceiveMessage: (m) => self.onRequest(session, m as { type: string; command?: string }),
            onDidSendMessage: (m) => self.onMessage(session, m as { type: string; event?: string; body?: any }),
          };
        },
      }),
      vscode.debug.onDidChangeActiveDebugSession((s) => this.setSession(s && s.type === 'uintr' ? s : undefined)),
      vscode.debug.onDidTerminateDebugSession((s) => {
        if (s === this.session) {
          this.running = false;
          this.changed.fire();
        }
      }),
      vscode.debug.onDidChangeActiveStackItem((item) => {
        if (item && item.session === this.session && item.threadId !== this.focusedThread) {
          this.focusedThread = item.threadId;
          this.changed.fire();
        }
      }),
      this.changed,
      this.eventsChanged,
    );
    const s = vscode.debug.activeDebugSession;
    if (s && s.type === 'uintr') this.setSession(s);
  }

  private setSession(s: vscode.DebugSession | undefined): void {
    if (s === this.session || !s) {
      if (!s && this.session) this.changed.fire();
      return;
    }
    this.session = s;
    this.state = this.prevStop = this.lastStop = null;
    this.events.clear();
    this.names.clear();
    this.focusedThread = undefined;
    this.changed.fire();
    this.eventsChanged.fire();
  }

  /** Requests from VS Code that set the program running (the adapter sends no `continued` for them). */
  private onRequest(session: vscode.DebugSession, m: { type: string; command?: string }): void {
    if (session !== this.session || m.type !== 'request') return;
    if (m.command && RESUMING.has(m.command)) {
      this.running = true;
      this.changed.fire();
    }
  }

  private onMessage(session: vscode.DebugSession, m: { type: string; event?: string; body?: any }): void {
    if (m.type !== 'event') return;
    if (session !== this.session) {
      if (m.event === 'initialized' || m.event === 'stopped') this.setSession(session);
      else return;
    }
    switch (m.event) {
      case 'stopped':
        this.running = false;
        if (typeof m.body?.threadId === 'number') this.focusedThread = m.body.threadId;
        void this.refresh(true);
        break;
      case 'continued':
        this.running = true;
        this.changed.fire();
        break;
      case 'uintr/event': {
        // also sent while stopped (uintr/post): it does not mean the program runs
        this.addEvents((m.body?.events ?? []) as UintrEvent[]);
        this.scheduleRefresh();
        break;
      }
      case 'terminated':
      case 'exited':
        this.running = false;
        this.changed.fire();
        break;
    }
  }

  private addEvents(evs: UintrEvent[]): void {
    const gap = this.events.add(evs);
    this.eventsChanged.fire();
    if (gap) void this.fetchEvents(gap.from);
  }

  private scheduleRefresh(): void {
    if (this.refreshTimer) return;
    this.refreshTimer = setTimeout(() => {
      this.refreshTimer = undefined;
      void this.refresh(false);
    }, 300);
  }

  /** Fetch the log from `from` on (missed or older events). */
  async fetchEvents(from: number): Promise<void> {
    const s = this.session;
    if (!s || this.fetching) return;
    this.fetching = true;
    try {
      let start = from;
      for (;;) {
        const r = await getEvents(s, start);
        this.events.add(r.events);
        start += r.events.length;
        if (!r.events.length || start >= r.total) break;
      }
      this.eventsChanged.fire();
    } catch {
      // the session ended meanwhile
    } finally {
      this.fetching = false;
    }
  }

  /** Fetch `uintr/state` (atStop: this is a new stop, shift the "previous stop" snapshot). */
  async refresh(atStop: boolean): Promise<void> {
    const s = this.session;
    if (!s) return;
    try {
      const st = await getState(s);
      if (s !== this.session) return;
      if (atStop) {
        this.prevStop = this.lastStop;
        this.lastStop = st;
      }
      this.state = st;
      if (st.events < this.events.size) {
        this.events.truncate(st.events); // went back in time (stepBack / reverseContinue)
        this.eventsChanged.fire();
      }
      for (const t of st.threads) this.names.set(t.id, t.name);
      if (this.focusedThread === undefined && st.threads[0]) this.focusedThread = st.threads[0].id;
      this.changed.fire();
      if (st.events > this.events.size || this.events.firstGap()) void this.fetchEvents(this.events.firstGap()?.from ?? this.events.size);
    } catch {
      // not launched yet, or ended
    }
  }

  dispose(): void {
    if (this.refreshTimer) clearTimeout(this.refreshTimer);
    for (const d of this.subs) d.dispose();
  }
}
