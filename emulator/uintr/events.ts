/**
 * The UINTR event log: one ordered log per machine, the single source for the debugger's breakpoints and
 * views, the timeline, `uintr-run --trace uintr` and the tests. Entries are appended by the hardware model
 * (emulator/uintr/arch.ts) and by the kernel (emulator/linux/uintr.ts).
 */
export type UintrEventKind =
  | 'senduipi' // a SENDUIPI executed (outcome: notified | suppressed | merged | fault)
  | 'notify' // a notification IPI was sent (to an APIC ID)
  | 'notify-processed' // notification processing moved PIR into UIRR
  | 'notify-spurious' // the notification vector reached a core whose thread does not take it
  | 'recognized' // UIRR became non-zero with delivery possible
  | 'deliver' // a user interrupt was delivered (vector, handler, frame)
  | 'uiret'
  | 'stui'
  | 'clui'
  | 'replay' // kernel: PIR replayed into UIRR on return to user mode
  | 'switch-out' // kernel: SN set when a receiver leaves its core
  | 'syscall' // a uintr system call and its result
  | 'block' // a receiver blocked waiting (uintr_wait or an interruptible sleep with WAITING flags)
  | 'wake' // a blocked receiver woken by a user interrupt
  | 'fault'; // #UD/#GP raised by a UINTR instruction

export interface UintrEvent {
  /** Position in the log (0, 1, 2...). */
  seq: number;
  /** Virtual time in cycles. */
  time: number;
  core: number;
  pid: number;
  tid: number;
  kind: UintrEventKind;
  /** Kind-specific details (vector, index, upid, outcome, handler, rip...). Plain JSON. */
  [k: string]: unknown;
}

export class UintrEventLog {
  readonly events: UintrEvent[] = [];
  private listeners: ((e: UintrEvent) => void)[] = [];

  append(e: Omit<UintrEvent, 'seq'>): UintrEvent {
    const ev = { ...e, seq: this.events.length } as UintrEvent;
    this.events.push(ev);
    for (const l of this.listeners) l(ev);
    return ev;
  }
  onEvent(l: (e: UintrEvent) => void): () => void {
    this.listeners.push(l);
    return () => {
      this.listeners = this.listeners.filter((x) => x !== l);
    };
  }
  ofKind(kind: UintrEventKind): UintrEvent[] {
    return this.events.filter((e) => e.kind === kind);
  }
}

const hex = (v: unknown) => (typeof v === 'number' ? '0x' + v.toString(16) : String(v));

/** One readable line per event (uintr-run --trace uintr). */
export function formatEvent(e: UintrEvent): string {
  const who = `t=${e.time} core${e.core} ${e.pid}/${e.tid}`;
  const d = e as Record<string, unknown>;
  switch (e.kind) {
    case 'senduipi':
      return `${who} SENDUIPI index ${d.index} -> vector ${d.vector} upid ${hex(d.upid)}${d.target !== undefined ? ` (thread ${d.target})` : ''}: ${d.outcome}`;
    case 'notify':
      return `${who} notification IPI vector ${hex(d.vector)} -> APIC ${d.apic}${d.targetRunning === false ? ` (the UPID's owner${d.owner !== undefined ? ' ' + d.owner : ''} is not running there)` : ''}`;
    case 'notify-processed':
      return `${who} notification processed: PIR ${hex(d.pir)} -> UIRR ${hex(d.uirr)}`;
    case 'notify-spurious':
      return `${who} notification vector ${hex(d.vector)} not taken on this core (${d.reason})`;
    case 'recognized':
      return `${who} user interrupt recognized: UIRR ${hex(d.uirr)}`;
    case 'deliver':
      return `${who} DELIVER vector ${d.vector} -> handler ${hex(d.handler)}, frame ${hex(d.frame)}, interrupted rip ${hex(d.rip)}`;
    case 'uiret':
      return `${who} UIRET -> rip ${hex(d.rip)}, rsp ${hex(d.rsp)}${d.mismatch ? ` — not through the frame its delivery pushed at ${hex(d.frame)} (rip ${hex(d.pushedRip)}, rsp ${hex(d.pushedRsp)}): ${d.mismatch}` : ''}`;
    case 'stui':
    case 'clui':
      return `${who} ${e.kind.toUpperCase()} at ${hex(d.rip)}`;
    case 'replay':
      return `${who} kernel replay on return to user: PIR ${hex(d.pir)} -> UIRR ${hex(d.uirr)}, NDST ${hex(d.ndst)}`;
    case 'switch-out':
      return `${who} receiver switched out: ${d.action}`;
    case 'syscall':
      return `${who} ${d.name}(${(d.args as unknown[] | undefined)?.map(hex).join(', ') ?? ''}) = ${d.result}`;
    case 'block':
      return `${who} receiver blocked in ${d.syscall} (${d.mode})`;
    case 'wake':
      return `${who} receiver woken by a user interrupt (${d.reason})`;
    case 'fault':
      return `${who} ${d.fault} at ${hex(d.rip)}: ${d.reason}`;
  }
  return `${who} ${e.kind}`;
}
