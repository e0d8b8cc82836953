/**
 * The Interrupt Timeline's model: from the UINTR event log, one lane per core with the threads that ran there (as
 * far as the log shows: consecutive events of one thread on a core form a span), and every delivered interrupt as a
 * chain SENDUIPI → notification → delivery → UIRET with its virtual-time latency (send to delivery). Rendered to a
 * self-contained SVG string (no scripts, no external resources; colours from VS Code's theme variables, tooltips
 * as <title>). No vscode import.
 */
import type { UintrEvent } from './types';
import { linkDeliveries } from './events-model';

export interface Span {
  core: number;
  tid: number;
  from: number;
  to: number;
}

export interface InterruptChain {
  vector: number;
  receiver: number;
  /** The SENDUIPI (or injected post) that caused it, if the log has it. */
  send?: { seq: number; time: number; core: number; tid: number; injected: boolean; outcome: string };
  notify?: { seq: number; time: number; core: number };
  deliver: { seq: number; time: number; core: number };
  uiret?: { seq: number; time: number; core: number; mismatch?: string };
  /** Virtual time from the SENDUIPI to the delivery (ns), when the sender is known. */
  latency?: number;
  /**
   * How the posted vector reached UIRR: `notification` (processed by the receiver's core while it ran, the
   * fast path), `kernel replay` (the kernel moved PIR to UIRR as the receiver returned to user mode: it was
   * switched out or blocked), or unknown (sender not in the log).
   */
  path?: 'notification' | 'kernel replay';
}

export interface TimelineLayout {
  cores: number[];
  t0: number;
  t1: number;
  spans: Span[];
  interrupts: InterruptChain[];
  /** SENDUIPIs that delivered nothing (yet): suppressed, pending, faulted. */
  loose: { seq: number; time: number; core: number; tid: number; label: string }[];
}

export function layoutTimeline(evs: readonly UintrEvent[], owners: Map<bigint, number>): TimelineLayout {
  const list = evs.filter(Boolean).slice().sort((a, b) => a.seq - b.seq);
  const cores = [...new Set(list.map((e) => e.core))].sort((a, b) => a - b);
  const t0 = list.length ? Math.min(...list.map((e) => e.time)) : 0;
  const t1 = list.length ? Math.max(...list.map((e) => e.time)) : 0;
  // occupancy: consecutive events of the same thread on a core; a span lasts until the core's next thread shows up
  const spans: Span[] = [];
  for (const c of cores) {
    const on = list.filter((e) => e.core === c).sort((a, b) => a.time - b.time || a.seq - b.seq);
    let cur: Span | null = null;
    for (const e of on) {
      if (cur && cur.tid === e.tid) cur.to = e.time;
      else {
        if (cur) cur.to = Math.max(cur.to, e.time);
        cur = { core: c, tid: e.tid, from: e.time, to: e.time };
        spans.push(cur);
      }
    }
  }
  const links = linkDeliveries(list, owners);
  const used = new Set<number>();
  const interrupts: InterruptChain[] = [];
  const stacks = new Map<number, InterruptChain[]>();
  for (const e of list) {
    if (e.kind === 'deliver') {
      const senders = links.get(e.seq) ?? [];
      const s = senders[0];
      for (const x of senders) used.add(x.seq);
      const ch: InterruptChain = { vector: e.vector as number, receiver: e.tid, deliver: { seq: e.seq, time: e.time, core: e.core } };
      if (s) {
        ch.send = { seq: s.seq, time: s.time, core: s.core, tid: s.tid, injected: !!s.injected, outcome: String(s.outcome) };
        ch.latency = e.time - s.time;
        const n = list.find((x) => x.kind === 'notify' && x.seq > s.seq && x.seq < e.seq && (x.owner === e.tid || x.owner === undefined));
        if (n) ch.notify = { seq: n.seq, time: n.time, core: n.core };
        const moved = list.filter((x) => x.tid === e.tid && x.seq > s.seq && x.seq < e.seq && (x.kind === 'notify-processed' || x.kind === 'replay')).at(-1);
        if (moved) ch.path = moved.kind === 'replay' ? 'kernel replay' : 'notification';
      }
      interrupts.push(ch);
      stacks.set(e.tid, [...(stacks.get(e.tid) ?? []), ch]);
    } else if (e.kind === 'uiret') {
      const st = stacks.get(e.tid);
      const ch = st?.pop();
      if (ch) ch.uiret = { seq: e.seq, time: e.time, core: e.core, ...(e.mismatch ? { mismatch: String(e.mismatch) } : {}) };
    }
  }
  const loose = list
    .filter((e) => e.kind === 'senduipi' && !used.has(e.seq))
    .map((e) => ({ seq: e.seq, time: e.time, core: e.core, tid: e.tid, label: e.injected ? `POST vector ${e.vector}: ${e.outcome}` : `SENDUIPI ${e.index ?? '?'} vector ${e.vector ?? '?'}: ${e.outcome}` }));
  return { cores, t0, t1, spans, interrupts, loose };
}

/** Nearest-rank percentile of sorted numbers. */
function pct(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))];
}

/**
 * The numbers behind the timeline, as [measure, value] rows: SENDUIPI outcomes, how each delivered vector
 * reached UIRR (the notification fast path or the kernel's replay), the send→delivery latency and handler
 * time distributions, and UIRETs that did not return through their delivery's frame.
 */
export function interruptStats(l: TimelineLayout, evs: readonly UintrEvent[]): [string, string][] {
  const rows: [string, string][] = [];
  const sends = evs.filter((e) => e && e.kind === 'senduipi');
  const outcomes = new Map<string, number>();
  for (const e of sends) {
    const k = `${e.injected ? 'debugger post' : 'SENDUIPI'}: ${String(e.outcome ?? '?').replace(/^kernel: /, '')}`;
    outcomes.set(k, (outcomes.get(k) ?? 0) + 1);
  }
  rows.push(['SENDUIPI executed', String(sends.filter((e) => !e.injected).length)]);
  for (const [k, n] of [...outcomes].sort((a, b) => b[1] - a[1])) rows.push([`  ${k}`, String(n)]);
  rows.push(['interrupts delivered', String(l.interrupts.length)]);
  const paths = new Map<string, number>();
  for (const ch of l.interrupts) {
    const k = ch.path ?? (ch.send ? 'PIR → UIRR not in the log' : 'sender not in the log');
    paths.set(k, (paths.get(k) ?? 0) + 1);
  }
  const pathName: Record<string, string> = { notification: 'via notification processing (receiver running)', 'kernel replay': 'via kernel replay on return to user mode' };
  for (const [k, n] of paths) rows.push([`  ${pathName[k] ?? k}`, String(n)]);
  const dist = (xs: number[]) => {
    const s = xs.slice().sort((a, b) => a - b);
    return `min ${s[0]} · median ${pct(s, 50)} · p95 ${pct(s, 95)} · max ${s[s.length - 1]} ns (${s.length})`;
  };
  const lat = l.interrupts.filter((i) => i.latency !== undefined).map((i) => i.latency!);
  if (lat.length) rows.push(['latency SENDUIPI → delivery', dist(lat)]);
  const hand = l.interrupts.filter((i) => i.uiret).map((i) => i.uiret!.time - i.deliver.time);
  if (hand.length) rows.push(['handler time delivery → UIRET', dist(hand)]);
  const bad = l.interrupts.filter((i) => i.uiret?.mismatch).length;
  if (bad) rows.push(['UIRET not through its delivery frame', String(bad)]);
  return rows;
}

/** The statistics rows as an HTML table (every text escaped). */
export function renderStatsTable(rows: [string, string][]): string {
  return `<table class="stats">${rows.map(([k, v]) => `<tr><td>${esc(k).replace(/^ {2}/, '&nbsp;&nbsp;&nbsp;')}</td><td>${esc(v)}</td></tr>`).join('')}</table>`;
}

const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

export interface RenderOptions {
  /** Pixels per lane. */
  lane?: number;
  /** Minimum / maximum drawing width. */
  minWidth?: number;
  maxWidth?: number;
  /** Thread names for labels. */
  names?: Map<number, string>;
}

/** The layout as an SVG document (string). */
export function renderTimelineSvg(l: TimelineLayout, o: RenderOptions = {}): string {
  const lane = o.lane ?? 44;
  const left = 70, top = 24, right = 30;
  const n = Math.max(l.interrupts.length * 3 + l.spans.length + l.loose.length, 1);
  const width = Math.min(Math.max(n * 40, o.minWidth ?? 800), o.maxWidth ?? 12000);
  const span = Math.max(l.t1 - l.t0, 1);
  const x = (t: number) => left + ((t - l.t0) / span) * (width - left - right);
  const yOf = (core: number) => top + l.cores.indexOf(core) * lane;
  const height = top + Math.max(l.cores.length, 1) * lane + 30;
  const name = (tid: number) => (o.names?.get(tid) ? `${o.names.get(tid)} ${tid}` : `thread ${tid}`);
  const out: string[] = [];
  out.push(`<svg xmlns="http://www.w3.org/2000/svg" class="timeline" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" role="img" aria-label="Interrupt timeline">`);
  if (!l.cores.length) {
    out.push(`<text x="10" y="30" class="label">No UINTR events yet.</text></svg>`);
    return out.join('');
  }
  // lanes
  for (const c of l.cores) {
    const y = yOf(c);
    out.push(`<g class="lane"><text x="8" y="${y + lane / 2 + 4}" class="label">core ${c}</text><line x1="${left}" y1="${y + lane - 4}" x2="${width - right}" y2="${y + lane - 4}" class="axis"/></g>`);
  }
  // occupancy
  const tids = [...new Set(l.spans.map((s) => s.tid))].sort((a, b) => a - b);
  for (const s of l.spans) {
    const y = yOf(s.core) + 6;
    const w = Math.max(x(s.to) - x(s.from), 3);
    out.push(`<rect class="span t${tids.indexOf(s.tid) % 6}" x="${x(s.from).toFixed(1)}" y="${y}" width="${w.toFixed(1)}" height="${lane - 16}" rx="3"><title>${esc(`${name(s.tid)} on core ${s.core}: t=${s.from}…${s.to} ns`)}</title></rect>`);
    if (w > 60) out.push(`<text class="spanlabel" x="${(x(s.from) + 4).toFixed(1)}" y="${y + 12}">${esc(name(s.tid))}</text>`);
  }
  // interrupts: send → notify → deliver → uiret
  for (const [i, ch] of l.interrupts.entries()) {
    const yd = yOf(ch.deliver.core) + lane / 2;
    const xd = x(ch.deliver.time);
    const tip = [
      `interrupt #${i + 1}: vector ${ch.vector} → ${name(ch.receiver)}`,
      ch.send ? `${ch.send.injected ? 'posted by the debugger' : `SENDUIPI by ${name(ch.send.tid)}`} at t=${ch.send.time} ns (core ${ch.send.core}, ${ch.send.outcome})` : 'sender not in the log',
      ch.notify ? `notification at t=${ch.notify.time} ns (core ${ch.notify.core})` : '',
      `delivered at t=${ch.deliver.time} ns (core ${ch.deliver.core})`,
      ch.uiret ? `UIRET at t=${ch.uiret.time} ns (handler ran ${ch.uiret.time - ch.deliver.time} ns)` : 'handler still running',
      ch.latency !== undefined ? `latency ${ch.latency} ns` : '',
    ].filter(Boolean).join('\n');
    out.push(`<g class="interrupt" data-seq="${ch.deliver.seq}"><title>${esc(tip)}</title>`);
    if (ch.send) {
      const ys = yOf(ch.send.core) + lane / 2;
      const xs = x(ch.send.time);
      out.push(`<circle class="send" cx="${xs.toFixed(1)}" cy="${ys}" r="4"/>`);
      let px = xs, py = ys;
      if (ch.notify) {
        const xn = x(ch.notify.time), yn = yOf(ch.notify.core) + lane / 2;
        out.push(`<rect class="notify" x="${(xn - 3).toFixed(1)}" y="${yn - 3}" width="6" height="6"/>`);
        out.push(`<line class="link" x1="${px.toFixed(1)}" y1="${py}" x2="${xn.toFixed(1)}" y2="${yn}"/>`);
        px = xn;
        py = yn;
      }
      out.push(`<line class="link" x1="${px.toFixed(1)}" y1="${py}" x2="${xd.toFixed(1)}" y2="${yd}" marker-end="url(#arrow)"/>`);
      if (ch.latency !== undefined) out.push(`<text class="latency" x="${((xs + xd) / 2).toFixed(1)}" y="${Math.min(ys, yd) - 6}">${ch.latency} ns</text>`);
    }
    out.push(`<path class="deliver" d="M${(xd - 5).toFixed(1)} ${yd - 8} L${(xd + 5).toFixed(1)} ${yd - 8} L${xd.toFixed(1)} ${yd + 2} Z"/>`);
    out.push(`<text class="vector" x="${(xd + 6).toFixed(1)}" y="${yd + 14}">v${ch.vector}</text>`);
    if (ch.uiret) {
      const xu = x(ch.uiret.time), yu = yOf(ch.uiret.core) + lane / 2;
      out.push(`<line class="handler" x1="${xd.toFixed(1)}" y1="${yd}" x2="${xu.toFixed(1)}" y2="${yu}"/><circle class="uiret" cx="${xu.toFixed(1)}" cy="${yu}" r="3"/>`);
    }
    out.push('</g>');
  }
  for (const s of l.loose) {
    out.push(`<circle class="send loose" cx="${x(s.time).toFixed(1)}" cy="${yOf(s.core) + lane / 2}" r="4"><title>${esc(`${s.label} (${name(s.tid)}, t=${s.time} ns): no delivery yet`)}</title></circle>`);
  }
  out.push(`<text class="label" x="${left}" y="${height - 8}">t=${l.t0} ns</text><text class="label" x="${width - right}" y="${height - 8}" text-anchor="end">t=${l.t1} ns</text>`);
  out.push('<defs><marker id="arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="6" markerHeight="6" orient="auto-start-reverse"><path d="M0 0 L10 5 L0 10 z" class="arrowhead"/></marker></defs>');
  out.push('</svg>');
  return out.join('');
}
