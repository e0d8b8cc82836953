/**
 * The UINTR State view model: turns a `uintr/state` snapshot into a tree of plain nodes (labels, descriptions,
 * tooltips, context values, warnings, "changed since the last stop" marks) and into text. No vscode import:
 * the tree provider (extension/state-view.ts) only maps these nodes onto TreeItems.
 */
import { UintrState, ThreadState, big, vectorsOf, hex } from './types';

export type NodeKind =
  | 'thread' | 'field' | 'pending' | 'upid' | 'upid-field' | 'uitt' | 'uitt-entry' | 'warning' | 'delivery'
  | 'handling' | 'routes' | 'route' | 'info';

/** What clicking a node reveals. */
export type Reveal = { kind: 'thread'; threadId: number } | { kind: 'address'; address: string };

export interface StateNode {
  /** Stable across snapshots (used for change detection and for keeping the tree's expansion). */
  id: string;
  kind: NodeKind;
  label: string;
  description?: string;
  tooltip?: string;
  /** Context value for menus (`package.json` `view/item/context`). */
  contextValue?: string;
  threadId?: number;
  /** Something to open in the memory view (UPID, UITT entry's UPID). */
  memoryReference?: string;
  reveal?: Reveal;
  /** Value differs from the previous stop's snapshot (or the node is new). */
  changed?: boolean;
  warning?: boolean;
  /** For UPID bits that can be toggled (SN, ON): the current value. */
  bit?: number;
  children?: StateNode[];
}

export interface Warning {
  threadId: number;
  message: string;
}

const tname = (s: UintrState, tid: number | null | undefined): string => {
  if (tid === null || tid === undefined) return 'no live receiver';
  const t = s.threads.find((x) => x.id === tid);
  return t ? `thread ${tid} (${t.name})` : `thread ${tid}`;
};

const vecs = (v: number[]): string => (v.length ? v.join(', ') : 'none');

/** The suspicious-route and stuck-interrupt warnings of a snapshot. */
export function computeWarnings(s: UintrState): Warning[] {
  const out: Warning[] = [];
  const byId = new Map(s.threads.map((t) => [t.id, t]));
  for (const t of s.threads) {
    if (t.state === 'exited') continue;
    // a UITT entry that targets the sender's own UPID (the thread would interrupt itself). Only for a table the
    // thread has loaded (its IA32_UINTR_TT): the process table is shared by every thread, receivers included.
    if (t.upid && t.uittSource === 'msr') {
      const own = big(t.upid.addr);
      for (const e of t.uitt) {
        if (big(e.upid) === own) out.push({ threadId: t.id, message: `UITT[${e.index}] (vector ${e.vector}) targets this thread's own UPID ${t.upid.addr}: SENDUIPI ${e.index} interrupts the sender itself` });
      }
    }
    for (const e of t.uitt) {
      if (e.target === null) out.push({ threadId: t.id, message: `UITT[${e.index}] (vector ${e.vector}) points at UPID ${e.upid}, which no live thread owns` });
    }
    // NDST must name the APIC of the core the UPID's owner runs on
    if (t.upid && (t.upid.owner === null || t.upid.owner === t.id)) {
      const owner = byId.get(t.upid.owner ?? t.id);
      if (owner && owner.state === 'running' && owner.core >= 0 && t.upid.apic !== owner.core) {
        out.push({ threadId: t.id, message: `UPID.NDST = ${t.upid.ndst} (APIC ${t.upid.apic}) but its owner runs on core ${owner.core}: notifications go to the wrong core` });
      }
    }
    // a pending user interrupt that should have been delivered (not when the program is stopped right at the
    // boundary where it will be: after STUI, a step, a step back)
    if (t.pending.length && t.uif === 1 && !/deliverable at the next instruction boundary/.test(t.delivery)) {
      const why = t.state.startsWith('blocked') ? ` while ${t.state}: it is delivered only on return to user mode` : '';
      out.push({ threadId: t.id, message: `UIRR has pending vector${t.pending.length > 1 ? 's' : ''} ${t.pending.join(', ')} with UIF = 1 but no delivery${why} (${t.delivery})` });
    }
  }
  return out;
}

function threadNode(s: UintrState, t: ThreadState, warnings: Warning[]): StateNode {
  const p = `t${t.id}`;
  const kids: StateNode[] = [];
  for (const [i, w] of warnings.entries()) {
    kids.push({ id: `${p}/warning/${i}`, kind: 'warning', label: '⚠ ' + w.message, tooltip: w.message, warning: true, threadId: t.id });
  }
  kids.push({ id: `${p}/uif`, kind: 'field', label: 'UIF', description: String(t.uif), tooltip: t.uif ? 'User interrupts enabled (STUI)' : 'User interrupts disabled (CLUI, or inside a handler)', threadId: t.id });
  kids.push({
    id: `${p}/uirr`, kind: 'field', label: 'UIRR', threadId: t.id,
    description: `${t.uirr}${t.pending.length ? ` · pending ${t.pending.join(', ')}` : ''}`,
    tooltip: t.pending.length ? `Pending user-interrupt vectors: ${t.pending.join(', ')} (the highest is delivered first)` : 'Nothing pending',
    children: t.pending.length ? t.pending.map((v) => ({ id: `${p}/uirr/${v}`, kind: 'pending' as const, label: `vector ${v}`, description: 'pending', threadId: t.id })) : undefined,
  });
  const h = big(t.handler);
  kids.push({
    id: `${p}/handler`, kind: 'field', label: 'Handler', threadId: t.id,
    description: h ? (t.handlerSymbol ? `${t.handlerSymbol} (${t.handler})` : t.handler) : 'none',
    tooltip: 'IA32_UINTR_HANDLER: where a delivered user interrupt starts',
    reveal: h ? { kind: 'address', address: t.handler } : undefined,
  });
  kids.push({ id: `${p}/stackAdjust`, kind: 'field', label: 'Stack adjust', description: t.stackAdjust, tooltip: 'IA32_UINTR_STACKADJUST: subtracted from RSP (bit 0 = 1: loaded into RSP) before the frame is pushed', threadId: t.id });
  kids.push({ id: `${p}/uinv`, kind: 'field', label: 'UINV', description: hex(t.uinv), tooltip: 'The notification vector this thread recognizes', threadId: t.id });
  if (t.upid) {
    const u = t.upid;
    const pir = vectorsOf(u.pir);
    const ownerCore = s.threads.find((x) => x.id === (u.owner ?? t.id));
    kids.push({
      id: `${p}/upid`, kind: 'upid', label: 'UPID', threadId: t.id, memoryReference: u.addr,
      description: `${u.addr} · ON=${u.on} SN=${u.sn} NV=${hex(u.nv)} NDST=APIC ${u.apic} PIR=${u.pir}${u.blkd ? ' BLKD' : ''}`,
      tooltip: `User posted-interrupt descriptor at ${u.addr}, owned by ${tname(s, u.owner ?? t.id)}`,
      contextValue: 'uintrUpid',
      children: [
        { id: `${p}/upid/on`, kind: 'upid-field', label: 'ON', description: `${u.on}${u.on ? ' (notification outstanding)' : ''}`, bit: u.on, threadId: t.id, contextValue: 'uintrUpidBit' },
        { id: `${p}/upid/sn`, kind: 'upid-field', label: 'SN', description: `${u.sn}${u.sn ? ' (notifications suppressed)' : ''}`, bit: u.sn, threadId: t.id, contextValue: 'uintrUpidSN' },
        { id: `${p}/upid/nv`, kind: 'upid-field', label: 'NV', description: hex(u.nv), tooltip: 'Notification vector', threadId: t.id },
        { id: `${p}/upid/ndst`, kind: 'upid-field', label: 'NDST', description: `${u.ndst} → APIC ${u.apic}${ownerCore && ownerCore.state === 'running' ? ` (owner on core ${ownerCore.core})` : ''}`, tooltip: 'Notification destination (xAPIC ID in bits 15:8)', threadId: t.id },
        { id: `${p}/upid/pir`, kind: 'upid-field', label: 'PIR', description: `${u.pir}${pir.length ? ` · vectors ${pir.join(', ')}` : ''}`, tooltip: 'Posted-interrupt requests, moved into UIRR by notification processing', threadId: t.id },
        { id: `${p}/upid/blkd`, kind: 'upid-field', label: 'BLKD', description: `${u.blkd}${u.blkd ? ' (receiver blocked: sender pays)' : ''}`, threadId: t.id },
        { id: `${p}/upid/owner`, kind: 'upid-field', label: 'Owner', description: tname(s, u.owner ?? t.id), threadId: t.id, reveal: u.owner !== null ? { kind: 'thread', threadId: u.owner } : undefined },
      ],
    });
  } else {
    kids.push({ id: `${p}/upid`, kind: 'field', label: 'UPID', description: 'none (not a receiver)', threadId: t.id });
  }
  if (t.uittSource !== 'none') {
    kids.push({
      id: `${p}/uitt`, kind: 'uitt', label: 'UITT', threadId: t.id,
      description: `${t.uitt.length} valid entr${t.uitt.length === 1 ? 'y' : 'ies'} · UITTSZ ${t.uittsz}${t.uittSource === 'kernel' ? ' · process table (not yet in IA32_UINTR_TT)' : ''}`,
      tooltip: `User-interrupt target table at ${t.uittAddr}${t.ttValid ? '' : ' (not valid)'}`,
      children: t.uitt.map((e) => ({
        id: `${p}/uitt/${e.index}`, kind: 'uitt-entry' as const, label: `[${e.index}]`, threadId: t.id, memoryReference: e.upid,
        description: `vector ${e.vector} → ${tname(s, e.target)} · UPID ${e.upid}`,
        tooltip: `SENDUIPI ${e.index} posts vector ${e.vector} to the UPID at ${e.upid}`,
        reveal: e.target !== null ? { kind: 'thread' as const, threadId: e.target } : undefined,
        contextValue: 'uintrUittEntry',
      })),
    });
  } else {
    kids.push({ id: `${p}/uitt`, kind: 'field', label: 'UITT', description: 'none (not a sender)', threadId: t.id });
  }
  if (t.receiver) kids.push({ id: `${p}/receiver`, kind: 'field', label: 'Receiver vectors', description: vecs(t.receiver.vectors), threadId: t.id });
  if (t.active.length) {
    kids.push({
      id: `${p}/handling`, kind: 'handling', label: 'Handling', threadId: t.id,
      description: t.active.map((a) => `vector ${a.vector}`).join(' ⊂ '),
      children: t.active.map((a, i) => ({ id: `${p}/handling/${i}`, kind: 'field' as const, label: `vector ${a.vector}`, threadId: t.id, description: `frame ${a.frame}, interrupted at ${a.rip}`, reveal: { kind: 'address' as const, address: a.rip }, memoryReference: a.frame })),
    });
  }
  kids.push({ id: `${p}/delivery`, kind: 'delivery', label: 'Delivery', description: t.delivery, tooltip: t.delivery, threadId: t.id });
  return {
    id: p, kind: 'thread', threadId: t.id,
    label: `${t.name} ${t.pid}/${t.id}`,
    description: `core ${t.core} · ${t.state} · UIF ${t.uif}${t.pending.length ? ` · ${t.pending.length} pending` : ''}${warnings.length ? ` · ⚠ ${warnings.length}` : ''}`,
    tooltip: `${t.name} (pid ${t.pid}, tid ${t.id}) on core ${t.core}: ${t.state}`,
    contextValue: t.upid ? 'uintrThread.receiver' : 'uintrThread',
    warning: warnings.length > 0,
    children: kids,
  };
}

/** Build the tree; with `prev` (the previous stop's snapshot) mark what changed. */
export function buildStateTree(s: UintrState, prev?: UintrState | null): StateNode[] {
  const warnings = computeWarnings(s);
  const nodes = s.threads.filter((t) => t.state !== 'exited').map((t) => threadNode(s, t, warnings.filter((w) => w.threadId === t.id)));
  if (s.routes.length) {
    nodes.push({
      id: 'routes', kind: 'routes', label: 'Routes', description: `${s.routes.length} (who can interrupt whom)`,
      children: s.routes.map((r) => ({
        id: `routes/${r.uitt}/${r.index}`, kind: 'route' as const, label: `${r.senders.join(', ') || '(no sender thread)'} → ${r.target ?? '?'}`,
        description: `UITT ${r.uitt}[${r.index}] vector ${r.vector} → UPID ${r.upid}`,
        reveal: r.target !== null ? { kind: 'thread' as const, threadId: r.target } : undefined,
        memoryReference: r.upid,
      })),
    });
  }
  if (prev) markChanged(nodes, buildStateTree(prev, null));
  return nodes;
}

function flatten(nodes: StateNode[], into = new Map<string, StateNode>()): Map<string, StateNode> {
  for (const n of nodes) {
    into.set(n.id, n);
    if (n.children) flatten(n.children, into);
  }
  return into;
}

/** Mark nodes whose label/description differ from the previous tree (or are new); parents of changed nodes too. */
export function markChanged(nodes: StateNode[], prev: StateNode[]): void {
  const old = flatten(prev);
  const walk = (ns: StateNode[]): boolean => {
    let any = false;
    for (const n of ns) {
      const o = old.get(n.id);
      const kidChanged = n.children ? walk(n.children) : false;
      const self = n.kind !== 'warning' && (!o || o.label !== n.label || (n.kind !== 'thread' && o.description !== n.description));
      if (self || kidChanged) {
        n.changed = true;
        any = true;
      }
    }
    return any;
  };
  walk(nodes);
}

/** A node and its subtree as indented text (Copy as text). */
export function nodeToText(n: StateNode, depth = 0): string {
  const line = '  '.repeat(depth) + n.label + (n.description ? `: ${n.description}` : '') + (n.changed && n.kind !== 'thread' && !n.children ? ' *' : '');
  return [line, ...(n.children ?? []).map((c) => nodeToText(c, depth + 1))].join('\n');
}

/** The whole snapshot as text. */
export function stateToText(s: UintrState, prev?: UintrState | null): string {
  const head = `UINTR state at t=${s.time} ns (${s.events} events${s.running ? ', running' : ''})`;
  return [head, ...buildStateTree(s, prev).map((n) => nodeToText(n))].join('\n') + '\n';
}

/** Status bar text for one thread: UIF and the pending count. */
export function statusText(t: ThreadState | undefined): { text: string; tooltip: string } | null {
  if (!t) return null;
  const n = t.pending.length;
  return {
    text: `UINTR ${t.id}: UIF ${t.uif} · ${n} pending`,
    tooltip: `${t.name} ${t.pid}/${t.id}, core ${t.core}, ${t.state}\nUIRR ${t.uirr}${n ? ` (vectors ${t.pending.join(', ')})` : ''}\n${t.delivery}`,
  };
}

/** Vectors a thread can be posted (its registered receiver vectors, else 0..63). */
export function postableVectors(t: ThreadState): number[] {
  if (t.receiver && t.receiver.vectors.length) return [...t.receiver.vectors].sort((a, b) => a - b);
  return Array.from({ length: 64 }, (_, i) => i);
}
