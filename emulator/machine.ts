/**
 * Machine: the emulator's surface for debuggers (the DAP adapter, later a gdbstub). One emulated machine
 * (the Kernel with its processes, threads and cores) plus what a debugger needs on top of it:
 *
 *  - load a program, run it in pieces (`run(budget)`) until a stop, the budget, or the end;
 *  - instruction breakpoints (any process), instruction stepping of one thread (into / over / out, where
 *    "out" of a user-interrupt handler means "until its UIRET"), pause;
 *  - stops on UINTR events (the event log's kinds grouped into filters: senduipi, notification, delivery,
 *    uiret, uintr-fault) and on signals about to be delivered (signal: faults, and kill/tgkill/raise/abort);
 *  - data breakpoints (setDataWatches): a stop after a write that changes a watched value, whoever wrote it
 *    (a user-mode instruction, SENDUIPI / notification processing / delivery, the kernel);
 *  - registers, memory (debugger accesses ignore page protection, so the kernel-owned UPIDs/UITTs are
 *    readable), the decoded UINTR state of a thread, and posting a user interrupt as a sender would.
 *
 * All-stop, and faithful: the debugger attaches to the kernel's run loop (Kernel.debugger). A stop ends the
 * running slice at an instruction boundary and the kernel resumes that very slice and round afterwards, so
 * a run under the debugger follows the same schedule as `uintr-run` with the same seed (breakpoints and
 * instruction steps can shift a slice's end by a few instructions: the engine checks its budget at block
 * ends). Stepping one thread lets the other threads run as the scheduler says, like gdb's default.
 *
 * No DAP and no vscode types here.
 */
import { Kernel, KernelOptions, KernelDebugger, RunOutcome, signalName } from './linux/kernel';
import { Thread, TState, Process, SigInfo } from './linux/process';
import { HostIO } from './linux/files';
import { Exit, CpuState, GPR_NAMES, RSP } from './cpu/state';
import { getRflags, setRflags } from './cpu/flags';
import { disassemble } from './cpu/decode';
import { Engine } from './cpu/engine';
import { UintrEvent, formatEvent } from './uintr/events';
import { supRead32, supWrite32, supWriter, updatePending, writeMsr, MSR_UINTR_HANDLER, MSR_UINTR_STACKADJUST } from './uintr/arch';
import { threadUintr, UINTR_MAX_UITT_NR } from './linux/uintr';
import { SYSCALL_NAMES } from './linux/syscalls/table';
import { PAGE_SIZE, Memory, GuestFault } from './memory/memory';

export { Thread, TState };
export type { RunOutcome, UintrEvent };

/** UINTR exception-breakpoint filters (and `signal`: a fault about to become a signal). */
export type StopFilter = 'senduipi' | 'notification' | 'delivery' | 'uiret' | 'uintr-fault' | 'signal';
export const STOP_FILTERS: StopFilter[] = ['senduipi', 'notification', 'delivery', 'uiret', 'uintr-fault', 'signal'];

/** What a filter condition can test (fields absent from an event are undefined). */
export interface StopFacts {
  vector?: number;
  thread: number;
  pid: number;
  core: number;
  index?: number;
  target?: number;
  signal?: number;
  /** uiret: 1 if it did not return through the frame its delivery pushed (see arch.ts frameCheck), else 0. */
  mismatch?: number;
}
export type StopCondition = (f: StopFacts) => boolean;

export type StopReason = 'entry' | 'breakpoint' | 'step' | 'pause' | 'exception' | 'data breakpoint' | 'goto';

/** A data breakpoint (watchpoint) on guest memory of one process: stops after a write changes the value. */
export interface DataWatch {
  /** The caller's id (DAP breakpoint id). */
  id: number;
  pid: number;
  addr: number;
  size: 1 | 2 | 4 | 8 | 16;
  /** Checked when the value changed (condition, hit count); false: no stop. */
  cond: ((t: Thread, hit: WatchHit) => boolean) | null;
}

/** A write that changed a watched value. */
export interface WatchHit {
  watch: DataWatch;
  old: bigint;
  value: bigint;
  /** 'instruction' (a user-mode store), 'hardware' (SENDUIPI, notification processing, delivery frame push), 'kernel'. */
  writerKind: 'instruction' | 'hardware' | 'kernel';
  /** e.g. "0x401d2a: mov dword ptr [rip+0xc51fc],eax in thread 1000", "SENDUIPI in thread 1001". */
  writer: string;
  /** Address of the writing instruction (writerKind 'instruction'). */
  rip?: number;
  thread: Thread;
}

/** Thrown by the watch hook to abort a user-mode store before it happens (never reaches the guest). */
class WatchTrap extends GuestFault {
  constructor(addr: number) {
    super(addr, true, WATCH_CODE, WATCH_SIG);
  }
}
const WATCH_SIG = 5, WATCH_CODE = 0x7757;

export interface Stop {
  reason: StopReason;
  /** The thread that stopped (the focus thread). */
  thread: Thread;
  /** reason 'exception': the filter that matched ('unsupported' / 'deadlock' for fatal outcomes). */
  filter?: StopFilter | 'unsupported' | 'deadlock';
  /** One line saying what happened. */
  description?: string;
  /** The UINTR event that caused the stop. */
  event?: UintrEvent;
  /** reason 'breakpoint': the address. */
  address?: number;
  /** reason 'data breakpoint': the writes that changed watched values. */
  hits?: WatchHit[];
  /** reason 'exception', filter 'signal' for a sent signal: the signal. */
  signal?: number;
  /** The one-shot stop of stopAtBoundary (a replay landing), not a stop of the session's own. */
  landing?: boolean;
}

export type RunResult =
  | { kind: 'running' }
  | { kind: 'stopped'; stop: Stop }
  /** The machine is done: exited, or cannot go on (deadlock, unsupported instruction). */
  | { kind: 'ended'; outcome: RunOutcome; description: string };

export type StepKind = 'into' | 'over' | 'out';

/** Where the debugger can stop a thread: at an instruction boundary, or in the fault / signal hooks. */
export type StopHook = 'boundary' | 'fault' | 'fault-signal' | 'signal';

/**
 * A point on the machine's (deterministic) timeline: `total` instructions run (kernel.totalInsns, system
 * calls included at their cost), then — when `tid` is set — the machine stopped in that thread's next `hook`
 * (default: instruction boundary) with its RIP at `rip`. A user-interrupt delivery moves RIP without an
 * instruction, so one total can hold two boundaries of a thread; the RIP tells them apart.
 */
export interface Position {
  total: number;
  tid: number | null;
  rip?: number;
  hook?: StopHook;
}

/** A change the debugger made to the guest (setRegister, writeMemory, setUintr, post), replayed at its position. */
export type JournalOp =
  | { op: 'register'; tid: number; name: string; value: bigint }
  | { op: 'memory'; tid: number; addr: number; data: Uint8Array }
  | { op: 'uintr'; tid: number; field: string; value: bigint }
  | { op: 'post'; tid: number; vector: number };
export type JournalEntry = JournalOp & { pos: Position };

/** A user interrupt being handled (pushed by delivery, popped by UIRET): the handler's frame. */
export interface ActiveDelivery {
  vector: number;
  handler: number;
  /** Address of the 32-byte frame (vector, RIP, RFLAGS, RSP from low to high). */
  frame: number;
  /** Interrupted RIP, RSP and RFLAGS. */
  rip: number;
  rsp: number;
  rflags: number;
  seq: number;
}

export interface Register {
  name: string;
  /** 64 bits (GPRs, RIP, RFLAGS, bases) or 128 bits (XMM). */
  value: bigint;
  bits: 64 | 128;
}

export interface UpidView {
  addr: number;
  on: number;
  sn: number;
  /** Status bit 7 (the kernel's sender-pays "blocked" flag). */
  blkd: number;
  nv: number;
  /** NDST (xAPIC: bits 15:8 are the APIC ID). */
  ndst: number;
  apic: number;
  pir: bigint;
  /** The thread whose UPID this is (tid), if a live receiver. */
  owner?: number;
}

export interface UittEntryView {
  index: number;
  vector: number;
  upid: number;
  /** tid of the receiver owning the UPID, if any. */
  target?: number;
}

export interface UintrView {
  uif: number;
  uirr: bigint;
  /** Pending vectors, highest first. */
  pending: number[];
  handler: number;
  stackAdjust: number;
  uinv: number;
  uittsz: number;
  uittAddr: number;
  ttValid: number;
  upidAddr: number;
  upid: UpidView | null;
  /** Where the UITT entries come from: the thread's IA32_UINTR_TT, or the kernel's table of its process not yet loaded into the MSR. */
  uittSource: 'msr' | 'kernel' | 'none';
  uittTable: number;
  uitt: UittEntryView[];
  /** Registered as a receiver: the vectors with uvec fds. */
  receiver: { upid: number; vectors: number[] } | null;
  /** Why a pending interrupt is or is not being delivered (UintrKernel.explain). */
  delivery: string;
  /** Handlers in progress (innermost last). */
  active: ActiveDelivery[];
}

export interface MachineOptions extends Omit<KernelOptions, 'io'> {
  io: HostIO;
}

interface StepState {
  thread: Thread;
  kind: StepKind;
  icount: number;
  rip: number;
  /** 'over' a call / 'out': run to this address with rsp >= minRsp. */
  target?: number;
  minRsp?: number;
  /** 'out' of a user-interrupt handler: stop after the UIRET that pops this many active deliveries. */
  uiretDepth?: number;
  /** A delivery to the thread happened (an 'into' step ends at the handler). */
  delivered?: boolean;
}

const MASK64 = (1n << 64n) - 1n;

/** RFLAGS bits with names (for decoding; the adapter shows them as children of RFLAGS). */
export const RFLAGS_BITS: [string, number][] = [
  ['CF', 0], ['PF', 2], ['AF', 4], ['ZF', 6], ['SF', 7], ['TF', 8], ['IF', 9], ['DF', 10], ['OF', 11], ['RF', 16], ['AC', 18], ['ID', 21],
];

export class Machine implements KernelDebugger {
  readonly kernel: Kernel;
  private stepThread: Thread | null = null;
  /** Data breakpoints, and the pages they watch per address space. */
  private watches: DataWatch[] = [];
  private watchedPages = new Map<Memory, Set<number>>();
  /** A user-mode store was aborted by the watch hook (before the engine reports it as a fault). */
  private armed: { cpu: CpuState; hits: { w: DataWatch; old: bigint | null }[] } | null = null;
  /** The aborted instruction runs again alone, unwatched; then its writes are compared. */
  private watchStep: { thread: Thread; icount: number; rip: number; hits: { w: DataWatch; old: bigint | null }[]; writer: string; kind: WatchHit['writerKind'] } | null = null;
  /** Writes by the kernel / UINTR hardware, compared at the next boundary (or the end of run()). */
  private deferred: { w: DataWatch; old: bigint | null; writer: string; kind: WatchHit['writerKind']; thread: Thread | null }[] = [];
  /** Debugger-made writes (setUintr, post) do not trigger data breakpoints. */
  private watchSuspended = 0;
  /** Signals already offered to the signal filter. */
  private announced = new WeakSet<SigInfo>();
  /** Instruction breakpoints: address -> optional condition on the thread (null = always). */
  private breakpoints = new Map<number, ((t: Thread) => boolean) | null>();
  private tempStops = new Set<number>();
  private stopsVersion = 1;
  private engineVersion = new WeakMap<Engine, number>();
  private filters = new Map<StopFilter, StopCondition | null>();
  private pending: Stop | null = null;
  private step: StepState | null = null;
  private pauseRequested = false;
  private deliveries = new Map<Thread, ActiveDelivery[]>();
  private fresh: UintrEvent[] = [];
  private entryThread: Thread | null = null;
  /** post() in progress: its events do not trigger stops. */
  private injecting = false;
  program = '';
  /** Where the last stop was taken: a hook of thread `tid`. */
  private stopHook: { tid: number; hook: StopHook } | null = null;
  /** stopAtEvent: the seq of the event to stop after, or -1. */
  private stopSeq = -1;
  /** A one-shot stop in this thread's next `hook` (at `rip`, if set) (replay: stopAtBoundary). */
  private boundaryStop: { tid: number; rip: number | null; hook: StopHook } | null = null;
  /** Every change the debugger made, in order (see JournalEntry). */
  readonly journal: JournalEntry[] = [];

  /** The thread to run one instruction at a time: an instruction step, or an aborted watched store. */
  get singleStep(): Thread | null {
    return this.watchStep !== null ? this.watchStep.thread : this.stepThread;
  }
  set singleStep(t: Thread | null) {
    this.stepThread = t;
  }

  constructor(opts: MachineOptions) {
    this.kernel = new Kernel(opts);
    this.kernel.debugger = this;
    this.kernel.uintrLog.onEvent((e) => this.onEvent(e));
  }

  /** Load a static ELF as the first process (throws ElfError for programs that cannot run); `image`: its bytes (e.g. an assembled .uasm file named `program`). */
  load(program: string, argv: string[], envp: string[], image?: Uint8Array): void {
    const p = this.kernel.spawn(program, argv, envp, image);
    this.program = this.kernel.exePath;
    this.entryThread = p.threads[0];
  }

  /** The first thread (stopped at the entry point before anything ran). */
  get mainThread(): Thread {
    return this.entryThread!;
  }

  get ended(): boolean {
    return this.kernel.outcome !== null;
  }

  // ------------------------------------------------------------------ threads

  /** Every live guest thread of every process, in creation order. */
  threads(): Thread[] {
    return this.kernel.threads.filter((t) => t.state !== TState.Exited);
  }

  thread(tid: number): Thread | undefined {
    return this.kernel.threads.find((t) => t.tid === tid);
  }

  /** 'running on core N' / 'runnable' / 'blocked in nanosleep' / 'exited'. */
  threadState(t: Thread): string {
    if (t.state === TState.Exited) return 'exited';
    if (t.state === TState.Blocked) return `blocked in ${SYSCALL_NAMES[t.blockedSys] ?? 'syscall ' + t.blockedSys}`;
    return this.kernel.cores.includes(t) ? 'running' : 'runnable';
  }

  /** The core the thread runs on (or last ran on; -1 never ran). */
  coreOf(t: Thread): number {
    const c = this.kernel.cores.indexOf(t);
    return c >= 0 ? c : t.core;
  }

  // ------------------------------------------------------------------ run control

  /** Resume all threads (after a stop): until a breakpoint, a filter, pause or the end. */
  resume(): void {
    this.clearStep();
  }

  /** Step one instruction of t ('into'), over a call ('over'), or out of the function / user-interrupt handler ('out'). */
  stepInstruction(t: Thread, kind: StepKind, returnSite?: { address: number; rsp: number }): void {
    this.clearStep();
    const c = t.cpu;
    const s: StepState = { thread: t, kind, icount: c.icount, rip: c.rip };
    const rsp = c.getRegNum(RSP);
    if (kind === 'over') {
      const d = this.decodeAt(t, c.rip);
      if (d && /^call\b/.test(d.text)) {
        s.target = c.rip + d.len;
        s.minRsp = rsp;
      }
    } else if (kind === 'out') {
      const act = this.deliveries.get(t) ?? [];
      if (act.length > 0 && returnSite === undefined) s.uiretDepth = act.length;
      else if (returnSite) {
        s.target = returnSite.address;
        s.minRsp = returnSite.rsp;
      } else s.kind = 'into'; // nothing known to return to: one instruction
    }
    if (s.target !== undefined) this.setTempStop(s.target);
    else if (s.uiretDepth === undefined) this.singleStep = t;
    this.step = s;
  }

  /** Ask a running machine to stop (seen by the next run()). */
  pause(): void {
    this.pauseRequested = true;
  }

  /**
   * Run up to about `budget` instructions (all threads). Returns 'running' if nothing stopped the machine,
   * 'stopped' with the stop, or 'ended'.
   */
  run(budget: number): RunResult {
    const k = this.kernel;
    this.stopHook = null;
    if (k.outcome) return this.endResult(k.outcome);
    if (this.pauseRequested) {
      this.pauseRequested = false;
      this.clearStep();
      return { kind: 'stopped', stop: { reason: 'pause', thread: this.focusThread() } };
    }
    const r = k.run(budget);
    k.stopRequested = false;
    if (this.deferred.length !== 0 && !this.pending) this.checkDeferred(null);
    if (this.pending) {
      const s = this.pending;
      this.pending = null;
      this.clearStep();
      return { kind: 'stopped', stop: s };
    }
    if (r.kind === 'budget') return { kind: 'running' };
    if (r.kind === 'stopped') return { kind: 'stopped', stop: { reason: 'pause', thread: this.focusThread() } };
    return this.endResult(r);
  }

  private endResult(r: RunOutcome): RunResult {
    let description = '';
    switch (r.kind) {
      case 'exited': {
        if (r.signal) {
          const f = this.kernel.lastFatal;
          const where = f ? ` at rip 0x${f.ip.toString(16)}${f.fromFault ? `, address 0x${f.addr.toString(16)}` : ''}: ${f.insn}` : '';
          description = `terminated by ${signalName(r.signal)}${r.core ? ' (core dumped)' : ''}${where}`;
        } else description = `exited with status ${r.status}`;
        break;
      }
      case 'deadlock':
        description = r.message;
        break;
      case 'unsupported':
        description = r.message;
        break;
      default:
        description = r.kind;
    }
    return { kind: 'ended', outcome: r, description };
  }

  /** For a pause: the thread whose slice was interrupted, else the first runnable one, else the first. */
  private focusThread(): Thread {
    const k = this.kernel;
    return k.interruptedThread ?? k.cores.find((t) => t && t.state === TState.Runnable) ?? this.threads()[0] ?? this.entryThread!;
  }

  private clearStep(): void {
    if (this.step?.target !== undefined) this.clearTempStops();
    this.step = null;
    this.singleStep = null;
  }

  // ------------------------------------------------------------------ the timeline (reverse execution)

  /** Where the machine is now (valid while stopped; see Position). */
  position(): Position {
    const total = this.kernel.totalInsns;
    const h = this.stopHook;
    if (!h) return { total, tid: null };
    const p: Position = { total, tid: h.tid, rip: this.thread(h.tid)?.cpu.rip };
    if (h.hook !== 'boundary') p.hook = h.hook;
    return p;
  }

  /**
   * Stop in thread `tid`'s next `hook` (default: its next instruction boundary) where its RIP is `rip` (any
   * RIP if undefined), reported as a 'step' stop with `landing` set; null cancels. The engine also stops at
   * `rip` (e.g. after a user-interrupt delivery to a handler there, with no instruction run).
   */
  stopAtBoundary(tid: number | null, rip?: number, hook: StopHook = 'boundary'): void {
    const had = this.boundaryStop?.rip ?? null;
    this.boundaryStop = tid === null ? null : { tid, rip: rip ?? null, hook };
    if ((rip ?? null) !== had && (had !== null || rip !== undefined)) this.stopsChanged();
  }

  /** The one-shot landing stop (stopAtBoundary) is for t here: it is consumed. */
  private landingAt(t: Thread, hook: StopHook): boolean {
    const b = this.boundaryStop;
    if (b === null || b.tid !== t.tid || b.hook !== hook || (b.rip !== null && b.rip !== t.cpu.rip)) return false;
    this.stopAtBoundary(null);
    return true;
  }

  /** Stop in a hook: the pending stop if there is one for it, else the landing stop. */
  private hookStop(t: Thread, hook: StopHook, landing = false): boolean {
    if (landing && this.pending === null) this.pending = { reason: 'step', thread: t, landing: true };
    this.stopHook = { tid: t.tid, hook };
    return this.stopNow();
  }

  /** Stop right after the UINTR event with this seq is logged (at the next instruction boundary); -1 cancels. */
  stopAtEvent(seq: number): void {
    this.stopSeq = seq;
  }

  /** Re-apply a change from another machine's journal (replay); it is journaled here too. */
  applyJournal(e: JournalEntry): void {
    const t = this.thread(e.tid);
    if (!t || t.state === TState.Exited) throw new Error(`replay: thread ${e.tid} does not exist at the position of a change made by the debugger`);
    switch (e.op) {
      case 'register':
        return this.setRegister(t, e.name, e.value);
      case 'memory':
        this.writeMemory(t, e.addr, e.data);
        return;
      case 'uintr':
        return this.setUintr(t, e.field, e.value);
      case 'post':
        this.post(t, e.vector);
        return;
    }
  }

  private record(e: JournalOp): void {
    this.journal.push({ ...e, pos: this.position() });
  }

  // ------------------------------------------------------------------ KernelDebugger

  boundary(t: Thread): boolean {
    // the one-shot landing stop of a replay; a real stop at the same boundary takes its place
    const land = this.landingAt(t, 'boundary');
    const stop = this.checkBoundary(t);
    if (stop || land) return this.hookStop(t, 'boundary', land);
    return false;
  }

  private checkBoundary(t: Thread): boolean {
    const e = t.proc.engine;
    if (this.engineVersion.get(e) !== this.stopsVersion) this.syncStops(e);
    if (this.pending) return this.stopNow();
    const ws = this.watchStep;
    if (ws !== null && ws.thread === t) {
      if (t.cpu.icount === ws.icount && t.cpu.rip === ws.rip) return false; // the aborted store runs next
      this.watchStep = null;
      if (this.finishWatchStep(ws)) return this.stopNow();
    }
    if (this.deferred.length !== 0 && this.checkDeferred(t)) return this.stopNow();
    const rip = t.cpu.rip;
    if (this.breakpoints.size !== 0 && this.breakpoints.has(rip)) {
      const cond = this.breakpoints.get(rip);
      if (!cond || cond(t)) {
        this.pending = { reason: 'breakpoint', thread: t, address: rip };
        return this.stopNow();
      }
    }
    const s = this.step;
    if (s !== null && s.thread === t) {
      let done = false;
      if (s.target !== undefined) done = rip === s.target && t.cpu.getRegNum(RSP) >= s.minRsp!;
      else if (s.uiretDepth === undefined) done = t.cpu.icount !== s.icount || rip !== s.rip || !!s.delivered;
      if (done) {
        this.pending = { reason: 'step', thread: t };
        return this.stopNow();
      }
    }
    return false;
  }

  fault(t: Thread, signal: boolean): boolean {
    if (!signal) {
      const c = t.cpu;
      const a = this.armed;
      if (this.watchStep !== null && this.watchStep.thread === t) this.watchStep = null; // the replayed instruction faulted
      if (a !== null && a.cpu === c && c.faultSig === WATCH_SIG && c.faultCode === WATCH_CODE) {
        // a watched store was aborted before it happened: run that instruction again, alone and unwatched,
        // then compare (boundary); the kernel goes on as if nothing had faulted
        this.armed = null;
        const delivery = c.faultMsg === 'user-interrupt delivery';
        const d = delivery ? null : this.decodeAt(t, c.rip);
        const writer = delivery ? `user-interrupt delivery (frame push) in thread ${t.tid}` : `0x${c.rip.toString(16)}: ${d?.text ?? '?'} in thread ${t.tid}`;
        this.watchStep = { thread: t, icount: c.icount, rip: c.rip, hits: a.hits, writer, kind: delivery ? 'hardware' : 'instruction' };
        c.exit = Exit.None;
        c.faultSig = 0;
        c.faultCode = 0;
        return false;
      }
      const land = this.landingAt(t, 'fault');
      if ((this.pending !== null && this.pending.thread === t) || land) return this.hookStop(t, 'fault', land);
      return false;
    }
    const land = this.landingAt(t, 'fault-signal');
    const c = t.cpu;
    const cond = this.filters.get('signal');
    if (!this.filters.has('signal') || (cond && !cond({ thread: t.tid, pid: t.proc.pid, core: this.coreOf(t), signal: c.faultSig }))) {
      return land ? this.hookStop(t, 'fault-signal', true) : false;
    }
    const d = this.decodeAt(t, c.rip);
    const addr = c.faultSig === 11 || c.faultSig === 7 ? `, address 0x${c.faultAddr.toString(16)}` : '';
    this.pending = {
      reason: 'exception',
      thread: t,
      filter: 'signal',
      description: `${signalName(c.faultSig)}${c.faultMsg ? ` (${c.faultMsg})` : ''} in thread ${t.tid} at rip 0x${c.rip.toString(16)}${addr}: ${d?.text ?? '?'} (not yet delivered)`,
    };
    return this.hookStop(t, 'fault-signal');
  }

  private stopNow(): boolean {
    this.kernel.stopRequested = true;
    return true;
  }

  // ------------------------------------------------------------------ breakpoints

  /** Replace the instruction breakpoints (addresses in every process). */
  setBreakpoints(bps: Iterable<[number, ((t: Thread) => boolean) | null]>): void {
    this.breakpoints = new Map(bps);
    this.stopsChanged();
  }

  get breakpointAddresses(): number[] {
    return [...this.breakpoints.keys()];
  }

  // ------------------------------------------------------------------ data breakpoints

  /**
   * Replace the data breakpoints. The watched pages lose their fast-path write entry (Memory.wr), so only
   * stores to those pages take the slow path and reach the watch hook; nothing else costs anything.
   * Throws for a size other than 1/2/4/8, an unknown process or unmapped memory (lenient: only for the size;
   * a replay from the start installs watches before their process or page exists).
   */
  setDataWatches(ws: DataWatch[], lenient = false): void {
    for (const w of ws) {
      if (![1, 2, 4, 8, 16].includes(w.size)) throw new Error(`data breakpoint size must be 1, 2, 4, 8 (or 16 for a UPID) (got ${w.size})`);
      if (lenient) continue;
      const p = this.kernel.procs.get(w.pid);
      if (!p || !p.alive) throw new Error(`no process ${w.pid}`);
      if (!p.mem.rangeMapped(w.addr, w.size)) throw new Error(`0x${w.addr.toString(16)} is not mapped in process ${w.pid}`);
    }
    for (const [m, pages] of this.watchedPages) for (const pg of pages) m.setWatched(pg, false);
    this.watchedPages.clear();
    this.watches = [...ws];
    this.deferred = [];
    this.armed = null;
    for (const w of ws) {
      // lenient (a replay from the start): pages not mapped yet are watched once mapped (the flag is per page
      // number); a process that does not exist yet is not watched on this machine
      const m = this.kernel.procs.get(w.pid)?.mem;
      if (!m) continue;
      m.onWatch = (a, size, sup) => this.onWatch(m, a, size, sup);
      let set = this.watchedPages.get(m);
      if (!set) this.watchedPages.set(m, (set = new Set()));
      for (let pg = Math.floor(w.addr / PAGE_SIZE); pg <= Math.floor((w.addr + w.size - 1) / PAGE_SIZE); pg++) {
        set.add(pg);
        m.setWatched(pg, true);
      }
    }
  }

  get dataWatches(): readonly DataWatch[] {
    return this.watches;
  }

  /** The watched value (null: unreadable, e.g. the process exited or unmapped it). */
  private readWatch(w: DataWatch): bigint | null {
    const p = this.kernel.procs.get(w.pid);
    if (!p || !p.alive) return null;
    const m = p.mem;
    let v = 0n;
    try {
      for (let i = w.size - 1; i >= 0; i--) v = (v << 8n) | BigInt(m.u8[m.forceOffset(w.addr + i)]);
    } catch {
      return null;
    }
    return v;
  }

  private memOf(w: DataWatch): Memory | undefined {
    return this.kernel.procs.get(w.pid)?.mem;
  }

  /** The watch hook of a watched address space: a store of `size` bytes at `a` is about to happen. */
  private onWatch(m: Memory, a: number, size: number, sup: boolean): void {
    if (this.watchSuspended !== 0) return;
    const k = this.kernel;
    const et = k.engineThread;
    const ws = this.watchStep;
    if (ws !== null && et === ws.thread) return; // the aborted instruction, replayed
    let hits: DataWatch[] | null = null;
    for (const w of this.watches) if (a < w.addr + w.size && w.addr < a + size && this.memOf(w) === m) (hits ??= []).push(w);
    if (hits === null) return;
    if (!sup && et !== null && et.proc.mem === m) {
      // a user-mode store (or the delivery's frame push): abort the instruction before the store
      this.armed = { cpu: et.cpu, hits: hits.map((w) => ({ w, old: this.readWatch(w) })) };
      throw new WatchTrap(a);
    }
    // the kernel or the UINTR hardware: compare after the write, at the next boundary
    let writer: string, kind: WatchHit['writerKind'];
    let thread: Thread | null = et ?? k.sysThread;
    if (sup && supWriter.who === 'SENDUIPI' && et) {
      writer = `SENDUIPI in thread ${et.tid}`;
      kind = 'hardware';
    } else if (sup && supWriter.who === 'notification processing') {
      const owner = k.uintr.ownerOf(a - (a % 64));
      writer = `notification processing${owner ? ` for thread ${owner.tid}` : ''}${et ? ` (notification IPI from SENDUIPI in thread ${et.tid})` : ' (on return to user mode)'}`;
      kind = 'hardware';
      thread ??= owner ?? null;
    } else if (k.sysThread) {
      const sys = SYSCALL_NAMES[k.sysThread.origRax] ?? `syscall ${k.sysThread.origRax}`;
      writer = `the kernel (${sys} of thread ${k.sysThread.tid})`;
      kind = 'kernel';
    } else {
      const owner = sup ? k.uintr.ownerOf(a - (a % 64)) : undefined;
      writer = `the kernel (${sup ? 'UPID update at context switch / return to user mode' : 'kernel store'}${owner ? ` of thread ${owner.tid}` : ''})`;
      kind = 'kernel';
      thread ??= owner ?? null;
    }
    for (const w of hits) if (!this.deferred.some((d) => d.w === w)) this.deferred.push({ w, old: this.readWatch(w), writer, kind, thread });
    if (et) et.cpu.exit = Exit.Attention; // end the block: the engine returns to the kernel's boundary check
  }

  /** Compare the watched values an aborted-and-replayed instruction wrote. True: a stop is pending. */
  private finishWatchStep(ws: NonNullable<Machine['watchStep']>): boolean {
    const hits: WatchHit[] = [];
    for (const { w, old } of ws.hits) {
      const value = this.readWatch(w);
      if (value === old || value === null || old === null) continue;
      const h: WatchHit = { watch: w, old, value, writerKind: ws.kind, writer: ws.writer, rip: ws.kind === 'instruction' ? ws.rip : undefined, thread: ws.thread };
      if (!w.cond || w.cond(ws.thread, h)) hits.push(h);
    }
    return this.dataStop(ws.thread, hits);
  }

  /** Compare the values written by the kernel / hardware since the last check. True: a stop is pending. */
  private checkDeferred(at: Thread | null): boolean {
    const list = this.deferred;
    this.deferred = [];
    const hits: WatchHit[] = [];
    let focus: Thread | null = null;
    for (const d of list) {
      const value = this.readWatch(d.w);
      if (value === d.old || value === null || d.old === null) continue;
      const old = d.old;
      const t = (d.thread && d.thread.state !== TState.Exited ? d.thread : null) ?? at ?? this.focusThread();
      const h: WatchHit = { watch: d.w, old, value, writerKind: d.kind, writer: d.writer, thread: t };
      if (!d.w.cond || d.w.cond(t, h)) {
        hits.push(h);
        focus ??= t;
      }
    }
    return this.dataStop(focus ?? at ?? this.focusThread(), hits);
  }

  private dataStop(t: Thread, hits: WatchHit[]): boolean {
    if (hits.length === 0) return false;
    const hx = (v: bigint) => '0x' + v.toString(16);
    const description = hits.map((h) => `0x${h.watch.addr.toString(16)} (${h.watch.size} bytes): ${hx(h.old)} → ${hx(h.value)}, written by ${h.writer}`).join('; ');
    this.pending = { reason: 'data breakpoint', thread: t, hits, description };
    return true;
  }

  /** Offered by the kernel before a sent signal (kill, tgkill, raise, abort) is delivered: the `signal` filter. */
  signal(t: Thread, info: SigInfo): boolean {
    const land = this.landingAt(t, 'signal');
    if (!this.filters.has('signal') || this.announced.has(info) || this.pending) return land ? this.hookStop(t, 'signal', true) : false;
    this.announced.add(info);
    const cond = this.filters.get('signal');
    if (cond && !cond({ thread: t.tid, pid: t.proc.pid, core: this.coreOf(t), signal: info.signo })) return land ? this.hookStop(t, 'signal', true) : false;
    const how = info.code === -6 ? 'tgkill' : info.code === 0 ? 'kill' : info.code === -1 ? 'sigqueue' : info.code === 0x80 ? 'the kernel' : `si_code ${info.code}`;
    const from = info.pid !== undefined && info.code !== 0x80 ? ` from pid ${info.pid}` : '';
    const act = t.proc.sigactions[info.signo];
    const action = act.handler > 1 ? `handler 0x${act.handler.toString(16)}` : 'default action';
    this.pending = {
      reason: 'exception',
      thread: t,
      filter: 'signal',
      signal: info.signo,
      description: `${signalName(info.signo)} sent by ${how}${from} to thread ${t.tid} at rip 0x${t.cpu.rip.toString(16)}: ${action} (not yet delivered)`,
    };
    return this.hookStop(t, 'signal');
  }

  private setTempStop(a: number): void {
    this.tempStops.add(a);
    this.stopsChanged();
  }
  private clearTempStops(): void {
    if (this.tempStops.size === 0) return;
    this.tempStops.clear();
    this.stopsChanged();
  }

  private stopsChanged(): void {
    this.stopsVersion++;
    // engines of live processes now; new ones (fork, execve) at their first boundary
    for (const p of this.kernel.procs.values()) if (p.alive && p.engine) this.syncStops(p.engine);
  }

  private syncStops(e: Engine): void {
    const want = new Set<number>([...this.breakpoints.keys(), ...this.tempStops]);
    if (this.boundaryStop?.rip != null) want.add(this.boundaryStop.rip);
    let have = e.cache.stops;
    if (!(have instanceof StopSet)) {
      const n = new StopSet();
      for (const a of have) n.add(a);
      e.cache.stops = have = n;
    }
    const same = want.size === have.size && [...want].every((a) => have.has(a));
    if (!same) {
      have.clear();
      for (const a of want) have.add(a);
      e.cache.flush(); // blocks translated before must now end at the new stops
    }
    this.engineVersion.set(e, this.stopsVersion);
  }

  // ------------------------------------------------------------------ UINTR event stops

  /** Enable the exception filters (with optional conditions); others are off. */
  setStopFilters(f: Iterable<[StopFilter, StopCondition | null]>): void {
    this.filters = new Map(f);
  }

  /** UINTR events appended since the last call (for the adapter's `uintr/event`). */
  drainEvents(): UintrEvent[] {
    const e = this.fresh;
    this.fresh = [];
    return e;
  }

  activeDeliveries(t: Thread): ActiveDelivery[] {
    return this.deliveries.get(t) ?? [];
  }

  private onEvent(e: UintrEvent): void {
    this.fresh.push(e);
    const d = e as Record<string, unknown>;
    let t: Thread | undefined;
    if (e.kind === 'deliver' || e.kind === 'uiret') {
      t = this.thread(e.tid);
      if (t) {
        let l = this.deliveries.get(t);
        if (!l) this.deliveries.set(t, (l = []));
        if (e.kind === 'deliver') {
          l.push({ vector: d.vector as number, handler: d.handler as number, frame: d.frame as number, rip: d.rip as number, rsp: d.rsp as number, rflags: d.rflags as number, seq: e.seq });
          if (this.step && this.step.thread === t) this.step.delivered = true;
        } else {
          l.pop();
          const s = this.step;
          if (s && s.thread === t && s.uiretDepth !== undefined && l.length < s.uiretDepth && !this.pending) {
            this.pending = { reason: 'step', thread: t };
            t.cpu.exit = Exit.Attention;
            this.kernel.stopRequested = true;
          }
        }
      }
    }
    if (e.seq === this.stopSeq && !this.pending) {
      // stopAtEvent: like an exception filter, at the next instruction boundary (reason 'goto')
      this.stopSeq = -1;
      t ??= this.thread(e.tid);
      if (t) {
        this.pending = { reason: 'goto', thread: t, event: e, description: `at event #${e.seq}: ${this.describe(e)}` };
        t.cpu.exit = Exit.Attention;
        this.kernel.stopRequested = true;
        return;
      }
    }
    if (this.pending || this.filters.size === 0 || this.injecting) return;
    const filter = filtersOf(e).find((f) => {
      if (!this.filters.has(f)) return false;
      const cond = this.filters.get(f);
      return !cond || cond(factsOf(e));
    });
    if (!filter) return;
    t ??= this.thread(e.tid);
    if (!t) return;
    this.pending = { reason: 'exception', thread: t, filter, event: e, description: this.describe(e) };
    // stop at the next instruction boundary (the engine checks after UINTR instructions and deliveries),
    // or between rounds if no thread reaches one (everything blocked)
    t.cpu.exit = Exit.Attention;
    this.kernel.stopRequested = true;
  }

  /** One sentence for a stop on an event, e.g. "User interrupt delivered: vector 0 → thread 1001 (core 1), handler uintr_handler". */
  describe(e: UintrEvent, sym: (a: number) => string = (a) => '0x' + a.toString(16)): string {
    const d = e as Record<string, unknown>;
    const n = (k: string) => d[k] as number;
    switch (e.kind) {
      case 'deliver':
        return `User interrupt delivered: vector ${n('vector')} → thread ${e.tid} (core ${e.core}), handler ${sym(n('handler'))}; interrupted at ${sym(n('rip'))}`;
      case 'uiret':
        return `UIRET in thread ${e.tid} (core ${e.core}): back to ${sym(n('rip'))}, UIF = 1${d.mismatch ? `; not through the frame its delivery pushed at 0x${n('frame').toString(16)} (interrupted at ${sym(n('pushedRip'))}, rsp 0x${n('pushedRsp').toString(16)}): ${d.mismatch}` : ''}`;
      case 'senduipi': {
        const tgt = d.target ?? (d.upid !== undefined ? this.kernel.uintr.ownerOf(n('upid'))?.tid : undefined);
        if (d.outcome === 'fault') return `SENDUIPI in thread ${e.tid} (core ${e.core}) faulted: ${d.fault} ${d.reason ?? ''}`.trim();
        return `SENDUIPI index ${d.index ?? '?'} from thread ${e.tid} (core ${e.core}) → vector ${d.vector}${tgt !== undefined ? `, thread ${tgt}` : ''}: ${d.outcome}`;
      }
      case 'notify':
        return `Notification sent by thread ${e.tid}: vector 0x${n('vector').toString(16)} → APIC ${d.apic}${d.targetRunning === false ? ` (the UPID's owner${d.owner !== undefined ? ' ' + d.owner : ''} is not running there)` : d.owner !== undefined ? ` (thread ${d.owner})` : ''}`;
      case 'fault':
        return `UINTR fault in thread ${e.tid} (core ${e.core}): ${d.fault} at ${sym(n('rip'))}: ${d.reason}`;
    }
    return formatEvent(e);
  }

  // ------------------------------------------------------------------ registers

  registers(t: Thread): Register[] {
    const c = t.cpu;
    const out: Register[] = GPR_NAMES.map((name, i) => ({ name, value: c.getReg64(i), bits: 64 as const }));
    out.push({ name: 'rip', value: BigInt(c.rip), bits: 64 });
    out.push({ name: 'rflags', value: BigInt(getRflags(c) >>> 0), bits: 64 });
    out.push({ name: 'fs_base', value: BigInt(c.fsBase), bits: 64 });
    out.push({ name: 'gs_base', value: BigInt(c.gsBase), bits: 64 });
    for (let i = 0; i < 16; i++) out.push({ name: `xmm${i}`, value: xmmValue(c, i), bits: 128 });
    return out;
  }

  register(t: Thread, name: string): bigint | undefined {
    const n = name.toLowerCase();
    const c = t.cpu;
    const g = GPR_NAMES.indexOf(n);
    if (g >= 0) return c.getReg64(g);
    const sub = subRegister(n);
    if (sub) return (c.getReg64(sub.reg) >> BigInt(sub.shift)) & ((1n << BigInt(sub.bits)) - 1n);
    if (n === 'rip' || n === 'pc') return BigInt(c.rip);
    if (n === 'rflags' || n === 'eflags') return BigInt(getRflags(c) >>> 0);
    if (n === 'fs_base') return BigInt(c.fsBase);
    if (n === 'gs_base') return BigInt(c.gsBase);
    const x = /^xmm(\d+)$/.exec(n);
    if (x && +x[1] < 16) return xmmValue(c, +x[1]);
    return undefined;
  }

  /** Write a register (name as in registers(), or a 32/16/8-bit sub-register). Throws on a bad name/value. */
  setRegister(t: Thread, name: string, v: bigint): void {
    this.setRegisterValue(t, name, v);
    this.record({ op: 'register', tid: t.tid, name, value: v });
  }

  private setRegisterValue(t: Thread, name: string, v: bigint): void {
    const n = name.toLowerCase();
    const c = t.cpu;
    const g = GPR_NAMES.indexOf(n);
    if (g >= 0) return c.setReg64(g, v & MASK64);
    const sub = subRegister(n);
    if (sub) {
      const m = ((1n << BigInt(sub.bits)) - 1n) << BigInt(sub.shift);
      let old = c.getReg64(sub.reg);
      if (sub.bits === 32 && sub.shift === 0) old = 0n; // writes to a 32-bit register zero the upper half
      return c.setReg64(sub.reg, ((old & ~m) | ((v << BigInt(sub.shift)) & m)) & MASK64);
    }
    if (n === 'rip' || n === 'pc') {
      if (v < 0n || v >= 1n << 47n) throw new Error('RIP must be a canonical user address');
      c.rip = Number(v);
      return;
    }
    if (n === 'rflags' || n === 'eflags') {
      setRflags(c, (Number(v & 0xffffffffn) & 0x3f7fd7) | 2);
      return;
    }
    if (n === 'fs_base' || n === 'gs_base') {
      if (v < 0n || v >= 1n << 47n) throw new Error(`${n} must be a canonical user address`);
      if (n === 'fs_base') c.fsBase = Number(v);
      else c.gsBase = Number(v);
      return;
    }
    const x = /^xmm(\d+)$/.exec(n);
    if (x && +x[1] < 16) {
      const i = +x[1];
      const u = BigInt.asUintN(128, v);
      for (let k = 0; k < 4; k++) c.x[4 * i + k] = Number((u >> BigInt(32 * k)) & 0xffffffffn) | 0;
      return;
    }
    throw new Error(`unknown register ${name}`);
  }

  // ------------------------------------------------------------------ memory

  /**
   * Read guest memory of t's process as the debugger sees it (page protection ignored; the kernel-owned
   * UINTR pages are readable). Stops at the first unmapped page: `data` may be shorter than n.
   */
  readMemory(t: Thread, addr: number, n: number): Uint8Array {
    const m = t.proc.mem;
    const out = new Uint8Array(n);
    let i = 0;
    while (i < n) {
      const a = addr + i;
      if (!(a >= 0 && a < 2 ** 32) || m.prot[Math.floor(a / PAGE_SIZE)] === 0) break;
      const chunk = Math.min(n - i, PAGE_SIZE - (a % PAGE_SIZE));
      const off = m.forceOffset(a);
      out.set(m.u8.subarray(off, off + chunk), i);
      i += chunk;
    }
    return out.subarray(0, i);
  }

  /** Write guest memory (protection ignored; translated code on those pages is invalidated). Returns bytes written. */
  writeMemory(t: Thread, addr: number, data: Uint8Array): number {
    const m = t.proc.mem;
    this.record({ op: 'memory', tid: t.tid, addr, data: data.slice() });
    let i = 0;
    while (i < data.length) {
      const a = addr + i;
      if (!(a >= 0 && a < 2 ** 32) || m.prot[Math.floor(a / PAGE_SIZE)] === 0) break;
      const chunk = Math.min(data.length - i, PAGE_SIZE - (a % PAGE_SIZE));
      m.write(a, data.subarray(i, i + chunk), true);
      i += chunk;
    }
    // a write into a UPID may change what a thread can receive: blocked waits re-check
    this.kernel.epoch++;
    return i;
  }

  /** Intel-syntax disassembly of the instruction at addr (null if unreadable). */
  decodeAt(t: Thread, addr: number): { text: string; len: number; bytes: Uint8Array } | null {
    const b = this.readMemory(t, addr, 15);
    if (b.length === 0) return null;
    const d = disassemble(b, addr);
    if (d.text === '(bad)' && b.length < 15) return { text: '(bad)', len: 1, bytes: b.subarray(0, 1) };
    return { text: d.text, len: d.len, bytes: b.subarray(0, d.len) };
  }

  // ------------------------------------------------------------------ UINTR state

  uintr(t: Thread): UintrView {
    const c = t.cpu, u = c.ui;
    const k = this.kernel;
    const tu = threadUintr(t);
    const m = t.proc.mem;
    const uirr = u.uirr;
    const pending: number[] = [];
    for (let v = 63; v >= 0; v--) if ((uirr >> BigInt(v)) & 1n) pending.push(v);
    const upidAddr = u.upidAddr !== 0 ? u.upidAddr : tu.receiver?.upid ?? 0;
    const upid = upidAddr ? this.upid(t, upidAddr) : null;
    // the UITT: the thread's MSR, else the kernel's table for it (later ABI: per process; RFC v1: per thread)
    let src: UintrView['uittSource'] = 'none';
    let table = 0;
    let count = 0;
    if (u.ttValid) {
      src = 'msr';
      table = u.uittAddr;
      count = Math.min((u.uittsz >>> 0) + 1, UINTR_MAX_UITT_NR);
    } else {
      const kt = tu.uitt ?? (t.proc as unknown as { uitt?: { addr: number } | null }).uitt ?? null;
      if (kt) {
        src = 'kernel';
        table = kt.addr;
        count = UINTR_MAX_UITT_NR;
      }
    }
    const uitt: UittEntryView[] = [];
    for (let i = 0; i < count; i++) {
      try {
        const lo = supRead32(m, table + i * 16);
        if (!(lo & 1)) continue;
        const up = (supRead32(m, table + i * 16 + 12) >>> 0) * 2 ** 32 + (supRead32(m, table + i * 16 + 8) >>> 0);
        uitt.push({ index: i, vector: (lo >>> 8) & 0xff, upid: up, target: k.uintr.ownerOf(up)?.tid });
      } catch {
        break;
      }
    }
    const r = tu.receiver;
    const vectors: number[] = [];
    if (r) for (let v = 0; v < 64; v++) if ((r.vectors >> BigInt(v)) & 1n) vectors.push(v);
    return {
      uif: u.uif,
      uirr,
      pending,
      handler: u.handler,
      stackAdjust: u.stackAdjust,
      uinv: u.uinv,
      uittsz: u.uittsz >>> 0,
      uittAddr: u.uittAddr,
      ttValid: u.ttValid,
      upidAddr: u.upidAddr,
      upid,
      uittSource: src,
      uittTable: table,
      uitt,
      receiver: r ? { upid: r.upid, vectors } : null,
      delivery: k.uintr.explain(t),
      active: [...this.activeDeliveries(t)],
    };
  }

  /** Decode a UPID (supervisor reads). */
  upid(t: Thread, addr: number): UpidView | null {
    const m = t.proc.mem;
    try {
      const ctl = supRead32(m, addr), ndst = supRead32(m, addr + 4);
      const pir = (BigInt(supRead32(m, addr + 12) >>> 0) << 32n) | BigInt(supRead32(m, addr + 8) >>> 0);
      return { addr, on: ctl & 1, sn: (ctl >> 1) & 1, blkd: (ctl >> 7) & 1, nv: (ctl >>> 16) & 0xff, ndst: ndst >>> 0, apic: (ndst >>> 8) & 0xff, pir, owner: this.kernel.uintr.ownerOf(addr)?.tid };
    } catch {
      return null;
    }
  }

  /**
   * Change a UINTR field of t with architectural effect: UIF, UIRR, UIHANDLER, UISTACKADJUST, and in the
   * thread's UPID: ON, SN, PIR. Throws with a reason for values the architecture rejects.
   */
  setUintr(t: Thread, field: string, v: bigint): void {
    this.watchSuspended++;
    try {
      this.setUintrField(t, field, v);
    } finally {
      this.watchSuspended--;
    }
    this.record({ op: 'uintr', tid: t.tid, field, value: v });
  }

  private setUintrField(t: Thread, field: string, v: bigint): void {
    const c = t.cpu, u = c.ui;
    const f = field.toUpperCase();
    const bit = (x: bigint) => {
      if (x !== 0n && x !== 1n) throw new Error(`${field} is one bit: 0 or 1`);
      return Number(x);
    };
    switch (f) {
      case 'UIF':
        u.uif = bit(v);
        break;
      case 'UIRR':
        u.uirr = BigInt.asUintN(64, v);
        break;
      case 'UIHANDLER':
        if (!writeMsr(c, MSR_UINTR_HANDLER, v)) throw new Error('UIHANDLER must be a canonical address');
        break;
      case 'UISTACKADJUST':
        if (!writeMsr(c, MSR_UINTR_STACKADJUST, v)) throw new Error('UISTACKADJUST must be canonical');
        break;
      case 'ON':
      case 'SN':
      case 'PIR': {
        const a = u.upidAddr || threadUintr(t).receiver?.upid || 0;
        if (!a) throw new Error('the thread has no UPID (not a receiver)');
        const m = t.proc.mem;
        if (f === 'PIR') {
          const p = BigInt.asUintN(64, v);
          supWrite32(m, a + 8, Number(p & 0xffffffffn) | 0);
          supWrite32(m, a + 12, Number(p >> 32n) | 0);
        } else {
          const ctl = supRead32(m, a);
          const b = f === 'ON' ? 1 : 2;
          supWrite32(m, a, bit(v) ? ctl | b : ctl & ~b);
        }
        break;
      }
      default:
        throw new Error(`${field} cannot be changed`);
    }
    updatePending(c);
    this.kernel.epoch++;
  }

  /**
   * Post user-interrupt vector `vector` to receiver thread t as a sender's SENDUIPI would (PIR bit, then
   * ON and a notification IPI unless ON or SN was set; a receiver blocked with the sender-pays flag is
   * woken like the kernel's fix-up does). Logged as a 'senduipi' event on t with `injected: true`.
   * Returns the outcome.
   */
  post(t: Thread, vector: number): string {
    if (!(Number.isInteger(vector) && vector >= 0 && vector < 64)) throw new Error('vector must be an integer 0..63');
    const r = threadUintr(t).receiver;
    if (!r || !r.active) throw new Error(`thread ${t.tid} is not a user-interrupt receiver (no handler registered)`);
    this.injecting = true;
    this.watchSuspended++;
    this.record({ op: 'post', tid: t.tid, vector });
    try {
      return this.postVector(t, r.upid, vector);
    } finally {
      this.injecting = false;
      this.watchSuspended--;
    }
  }

  private postVector(t: Thread, a: number, vector: number): string {
    const k = this.kernel;
    const m = t.proc.mem;
    const ctl = supRead32(m, a);
    const w = vector < 32 ? 8 : 12;
    supWrite32(m, a + w, supRead32(m, a + w) | (1 << (vector % 32)));
    let outcome: string;
    if (ctl & 0x80) {
      supWrite32(m, a, (ctl & ~0x80) | 1);
      outcome = 'receiver blocked (sender pays): posted and woken';
      k.uintrEvent(t, 'senduipi', { vector, upid: a, target: t.tid, outcome, injected: true });
      (k.uintr as unknown as { wake(t: Thread, why: string): void }).wake(t, 'debugger post (sender pays)');
    } else if (ctl & 3) {
      outcome = ctl & 2 ? 'suppressed (SN=1)' : 'merged (ON=1)';
      k.uintrEvent(t, 'senduipi', { vector, upid: a, target: t.tid, outcome, injected: true });
    } else {
      supWrite32(m, a, ctl | 1);
      outcome = 'notified';
      k.uintrEvent(t, 'senduipi', { vector, upid: a, target: t.tid, outcome, injected: true });
      const ndst = supRead32(m, a + 4);
      k.uintr.ipi(t, (ctl >>> 16) & 0xff, (ndst >>> 8) & 0xff, a);
    }
    k.epoch++;
    return outcome;
  }

  /** Every thread's process (for memory reads by pid). */
  process(pid: number): Process | undefined {
    return this.kernel.procs.get(pid);
  }
}

/**
 * The engine's set of stop addresses (breakpoints, step targets) as an exact bitmap: the engine tests every
 * block exit against it, so a test must be two typed-array loads, not a hash lookup. Pages with stops get a
 * 4096-bit slot (slot[page] = its index, 0 = no stop in the page).
 */
class StopSet extends Set<number> {
  private slot = new Uint16Array(1 << 20);
  private bits = new Uint32Array(128);
  private slots = 1;
  override has(a: number): boolean {
    const s = this.slot[a >>> 12];
    return s !== 0 && (this.bits[(s << 7) | ((a & 4095) >>> 5)] & (1 << (a & 31))) !== 0;
  }
  override add(a: number): this {
    if (this.slot) {
      const p = a >>> 12;
      let s = this.slot[p];
      if (s === 0) {
        if (this.slots >= 0xffff) throw new Error('too many breakpoint pages');
        s = this.slot[p] = this.slots++;
        if ((s + 1) * 128 > this.bits.length) {
          const nb = new Uint32Array(this.bits.length * 2);
          nb.set(this.bits);
          this.bits = nb;
        }
      }
      this.bits[(s << 7) | ((a & 4095) >>> 5)] |= 1 << (a & 31);
    }
    return super.add(a);
  }
  override delete(a: number): boolean {
    const s = this.slot[a >>> 12];
    if (s !== 0) this.bits[(s << 7) | ((a & 4095) >>> 5)] &= ~(1 << (a & 31));
    return super.delete(a);
  }
  override clear(): void {
    this.slot.fill(0);
    this.bits.fill(0);
    this.slots = 1;
    super.clear();
  }
}

function xmmValue(c: CpuState, i: number): bigint {
  let v = 0n;
  for (let k = 3; k >= 0; k--) v = (v << 32n) | BigInt(c.x[4 * i + k] >>> 0);
  return v;
}

const SUB32 = ['eax', 'ecx', 'edx', 'ebx', 'esp', 'ebp', 'esi', 'edi'];
const SUB16 = ['ax', 'cx', 'dx', 'bx', 'sp', 'bp', 'si', 'di'];
const SUB8 = ['al', 'cl', 'dl', 'bl', 'spl', 'bpl', 'sil', 'dil'];
const SUB8H = ['ah', 'ch', 'dh', 'bh'];
function subRegister(n: string): { reg: number; shift: number; bits: number } | null {
  let i = SUB32.indexOf(n);
  if (i >= 0) return { reg: i, shift: 0, bits: 32 };
  if ((i = SUB16.indexOf(n)) >= 0) return { reg: i, shift: 0, bits: 16 };
  if ((i = SUB8.indexOf(n)) >= 0) return { reg: i, shift: 0, bits: 8 };
  if ((i = SUB8H.indexOf(n)) >= 0) return { reg: i, shift: 8, bits: 8 };
  const r = /^r(\d+)(d|w|b)$/.exec(n);
  if (r && +r[1] >= 8 && +r[1] < 16) return { reg: +r[1], shift: 0, bits: r[2] === 'd' ? 32 : r[2] === 'w' ? 16 : 8 };
  return null;
}

/** The filters an event belongs to (notification: sent, suppressed by SN, merged because ON was set). */
export function filtersOf(e: UintrEvent): StopFilter[] {
  const d = e as Record<string, unknown>;
  if (d.injected) return []; // events of the debugger's own uintr/post
  switch (e.kind) {
    case 'senduipi': {
      const o = String(d.outcome);
      return o.startsWith('suppressed') || o.startsWith('merged') ? ['senduipi', 'notification'] : ['senduipi'];
    }
    case 'notify':
      return ['notification'];
    case 'deliver':
      return ['delivery'];
    case 'uiret':
      return ['uiret'];
    case 'fault':
      return ['uintr-fault'];
  }
  return [];
}

function factsOf(e: UintrEvent): StopFacts {
  const d = e as Record<string, unknown>;
  const num = (k: string) => (typeof d[k] === 'number' ? (d[k] as number) : undefined);
  const f: StopFacts = { thread: e.tid, pid: e.pid, core: e.core, vector: num('vector'), index: num('index'), target: num('target') ?? num('owner') };
  if (e.kind === 'uiret') f.mismatch = d.mismatch ? 1 : 0;
  return f;
}
