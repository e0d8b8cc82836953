/**
 * The UINTR Events view model: an ordered store of the adapter's event log (fed by `uintr/event` while running
 * and `uintr/events` on stops, with gap detection by `seq`), formatting, filtering by kind/thread, and the link
 * from a delivery back to the SENDUIPI(s) that caused it. No vscode import.
 */
import { UintrEvent, UintrEventKind, UintrState, big } from './types';

const hx = (v: unknown): string => (typeof v === 'number' ? '0x' + v.toString(16) : String(v));

export class EventStore {
  private evs: UintrEvent[] = [];

  get events(): readonly UintrEvent[] {
    return this.evs;
  }
  get size(): number {
    return this.evs.length;
  }

  clear(): void {
    this.evs = [];
  }

  /**
   * Keep the first n events only: after a reverse step or reverse continue the adapter's log is shorter
   * (the run is replayed; going forward again logs the same events with the same seq).
   */
  truncate(n: number): void {
    if (n < this.evs.length) this.evs.length = Math.max(0, n);
  }

  /**
   * Add events (any order, duplicates ignored). Returns the missing seq range [from, to) before the newest
   * event, if there is a gap that should be fetched with `uintr/events`.
   */
  add(batch: readonly UintrEvent[]): { from: number; to: number } | null {
    for (const e of batch) {
      if (typeof e?.seq !== 'number') continue;
      this.evs[e.seq] = e;
    }
    return this.firstGap();
  }

  /** The first hole in the seq sequence, if any. */
  firstGap(): { from: number; to: number } | null {
    for (let i = 0; i < this.evs.length; i++) {
      if (this.evs[i] === undefined) {
        let j = i;
        while (j < this.evs.length && this.evs[j] === undefined) j++;
        return { from: i, to: j };
      }
    }
    return null;
  }

  /** Events in seq order (holes skipped). */
  list(): UintrEvent[] {
    return this.evs.filter((e) => e !== undefined);
  }

  get(seq: number): UintrEvent | undefined {
    return this.evs[seq];
  }
}

export interface EventFilter {
  kinds?: ReadonlySet<UintrEventKind> | null;
  threads?: ReadonlySet<number> | null;
}

/** Whether an event involves a thread: its own tid, or the receiver of a SENDUIPI/notification. */
export function involves(e: UintrEvent, tid: number): boolean {
  return e.tid === tid || e.target === tid || e.owner === tid;
}

export function filterEvents(evs: readonly UintrEvent[], f: EventFilter): UintrEvent[] {
  return evs.filter((e) => {
    if (f.kinds && f.kinds.size && !f.kinds.has(e.kind)) return false;
    if (f.threads && f.threads.size && ![...f.threads].some((t) => involves(e, t))) return false;
    return true;
  });
}

/** A UPID address → owner thread map from a state snapshot (for SENDUIPI events that only name the UPID). */
export function upidOwners(s: UintrState | null | undefined): Map<bigint, number> {
  const m = new Map<bigint, number>();
  if (!s) return m;
  for (const t of s.threads) if (t.upid) m.set(big(t.upid.addr), t.upid.owner ?? t.id);
  for (const r of s.routes) if (r.target !== null && !m.has(big(r.upid))) m.set(big(r.upid), r.target);
  return m;
}

/** The receiver of a SENDUIPI event (its `target`, else the UPID's owner). */
export function sendTarget(e: UintrEvent, owners: Map<bigint, number>): number | undefined {
  if (typeof e.target === 'number') return e.target;
  if (e.upid !== undefined && e.upid !== null) return owners.get(big(e.upid as number | string));
  return undefined;
}

/**
 * For every delivery, the SENDUIPIs (and injected posts) whose vector it delivers: those that posted that vector
 * to that receiver since its previous delivery of the same vector. Posts merged into one delivery are all
 * listed, oldest first. Faulted SENDUIPIs post nothing and are skipped.
 */
export function linkDeliveries(evs: readonly UintrEvent[], owners: Map<bigint, number>): Map<number, UintrEvent[]> {
  const pending = new Map<string, UintrEvent[]>();
  const out = new Map<number, UintrEvent[]>();
  for (const e of evs) {
    if (!e) continue;
    if (e.kind === 'senduipi') {
      if (e.outcome === 'fault' || typeof e.vector !== 'number') continue;
      const to = sendTarget(e, owners);
      if (to === undefined) continue;
      const k = `${to}:${e.vector}`;
      const l = pending.get(k);
      if (l) l.push(e);
      else pending.set(k, [e]);
    } else if (e.kind === 'deliver' && typeof e.vector === 'number') {
      const k = `${e.tid}:${e.vector}`;
      out.set(e.seq, pending.get(k) ?? []);
      pending.delete(k);
    }
  }
  return out;
}

/** The SENDUIPI that caused a delivery (the first post of its vector since the previous delivery). */
export function findSender(evs: readonly UintrEvent[], deliverSeq: number, owners: Map<bigint, number>): UintrEvent | undefined {
  return linkDeliveries(evs.filter((e) => e && e.seq <= deliverSeq), owners).get(deliverSeq)?.[0];
}

/** Label and description of an event row. */
export function formatEvent(e: UintrEvent): { label: string; description: string; detail: string } {
  const d = e as Record<string, unknown>;
  let label: string;
  switch (e.kind) {
    case 'senduipi':
      label = d.injected
        ? `POST vector ${d.vector} → thread ${d.target}: ${d.outcome}`
        : `SENDUIPI ${d.index ?? '?'} → vector ${d.vector ?? '?'}${d.target !== undefined ? ` thread ${d.target}` : d.upid !== undefined ? ` UPID ${hx(d.upid)}` : ''}: ${d.outcome}${d.reason ? ` (${d.reason})` : ''}`;
      break;
    case 'notify':
      label = `notification ${hx(d.vector)} → APIC ${d.apic}${d.owner !== undefined ? ` (thread ${d.owner})` : ''}`;
      break;
    case 'notify-processed':
      label = `notification processed: PIR ${hx(d.pir)} → UIRR ${hx(d.uirr)}`;
      break;
    case 'notify-spurious':
      label = `notification ${hx(d.vector)} not taken (${d.reason})`;
      break;
    case 'recognized':
      label = `recognized: UIRR ${hx(d.uirr)}`;
      break;
    case 'deliver':
      label = `DELIVER vector ${d.vector} → handler ${hx(d.handler)}`;
      break;
    case 'uiret':
      // a UIRET that does not return through its delivery's frame (forgotten `add rsp, 8`, or a context switch)
      label = `UIRET → ${hx(d.rip)}${d.mismatch ? ` ⚠ not the delivery's frame: ${d.mismatch}` : ''}`;
      break;
    case 'stui':
    case 'clui':
      label = `${e.kind.toUpperCase()} at ${hx(d.rip)}`;
      break;
    case 'replay':
      label = `kernel replay: PIR ${hx(d.pir)} → UIRR ${hx(d.uirr)}`;
      break;
    case 'switch-out':
      label = `switched out: ${d.action}`;
      break;
    case 'syscall':
      label = `${d.name}(${Array.isArray(d.args) ? d.args.map(hx).join(', ') : ''}) = ${d.result}`;
      break;
    case 'block':
      label = `blocked in ${d.syscall} (${d.mode})`;
      break;
    case 'wake':
      label = `woken (${d.reason})`;
      break;
    case 'fault':
      label = `${d.fault} at ${hx(d.rip)}: ${d.reason}`;
      break;
    default:
      label = String(e.kind);
  }
  const description = `t=${e.time} · core ${e.core} · ${e.pid}/${e.tid}`;
  const extra = Object.entries(d)
    .filter(([k]) => !['seq', 'time', 'core', 'pid', 'tid', 'kind'].includes(k))
    .map(([k, v]) => `${k}: ${typeof v === 'number' && /upid|rip|rsp|frame|handler|pir|uirr|rflags|ndst|pushed/i.test(k) ? hx(v) : JSON.stringify(v)}`);
  return { label, description, detail: [`#${e.seq} ${e.kind} ${description}`, ...extra].join('\n') };
}

/** Threads mentioned by events (for the thread filter's quick pick). */
export function eventThreads(evs: readonly UintrEvent[]): number[] {
  const s = new Set<number>();
  for (const e of evs) if (e) s.add(e.tid);
  return [...s].sort((a, b) => a - b);
}
