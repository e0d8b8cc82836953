/**
 * The emulated Linux kernel: processes, threads, a deterministic scheduler over N virtual cores, virtual
 * time, system-call dispatch, blocking ("restartable waits"), signals and futexes.
 *
 * Scheduling (deterministic): time advances in rounds. In each round every core runs its current thread for
 * a quantum of instructions (the quantum and the core order are drawn from a PRNG seeded by the launch seed);
 * cores run one after another on the host but are "parallel" in virtual time: the round advances the clock by
 * the longest slice. Threads keep their core while runnable; waiting threads take a core when it frees up
 * or when the running thread has used SLICE_ROUNDS rounds. When every thread is blocked, time jumps to the
 * earliest timeout.
 *
 * Cost model (virtual cycles, nominal 1 GHz so 1 cycle = 1 ns): 1 cycle per instruction, SYSCALL_COST per
 * system call. RDTSC, clock_gettime and timeouts all read this clock.
 *
 * Blocking: a system call handler that cannot complete returns BLOCKED before causing side effects it cannot
 * repeat; the thread is parked and the handler is re-issued (t.restarting = true) whenever the kernel's
 * epoch changes (something that might wake it happened) or its deadline passes (t.timedOut = true).
 */
import { CpuState, Exit, RSP } from '../cpu/state';
import { Engine } from '../cpu/engine';
import { Memory, FramePool, GuestFault, PROT_READ, PROT_WRITE, PAGE_SIZE } from '../memory/memory';
import { getRflags, setRflags } from '../cpu/flags';
import { disassemble } from '../cpu/decode';
import { Process, Thread, TState, SigInfo } from './process';
import { FdTable, HostIO, StdStream, BLOCKED } from './files';
import { parseElf, loadElf, ElfError } from './elf';
import { buildInitialStack } from './stack';
import { EINTR, ENOSYS, EFAULT } from './errno';
import { SYSCALLS, SYSCALL_NAMES, NORETURN } from './syscalls/table';
import './syscalls/all';
import { Prng } from './prng';
import { fxsaveTo, fxrstorFrom } from '../cpu/sse-runtime';
import { UintrKernel, UintrAbi, threadUintr } from './uintr';
import { UintrEventLog, UintrEventKind } from '../uintr/events';
import * as path from 'node:path';
import * as fs from 'node:fs';

export const STACK_TOP = 0xffff_e000;
export const STACK_SIZE = 8 * 1024 * 1024;
export const MMAP_TOP = STACK_TOP - STACK_SIZE - 0x10_0000;
export const SYSCALL_COST = 100;
export const SLICE_ROUNDS = 4;
export const DEFAULT_QUANTUM = 20_000;

export interface KernelOptions {
  cores?: number;
  seed?: number;
  /** Mean instructions per slice. */
  quantum?: number;
  io: HostIO;
  /** Extra host paths the guest may read (files or directories). The program's directory and cwd are always allowed. */
  allowRead?: string[];
  /** Guest working directory (host path). */
  cwd?: string;
  /** Called for each traced system call line (--trace syscalls). */
  traceSyscalls?: (line: string) => void;
  /** The uintr system-call ABI: the later one (471-479, default) or RFC v1 (449-454). */
  uintrAbi?: UintrAbi;
  /** false: a kernel/CPU without UINTR (CR4.UINTR = 0: the instructions #UD, the system calls fail). */
  uintr?: boolean;
}

export type RunOutcome =
  | { kind: 'exited'; status: number; signal: number; core: boolean }
  | { kind: 'budget' }
  | { kind: 'deadlock'; message: string }
  | { kind: 'unsupported'; message: string; pid: number; tid: number; ip: number }
  | { kind: 'stopped' };

/**
 * What a debugger (emulator/machine.ts) sees of the run loop. Without one (Kernel.debugger = null) the
 * loop is unchanged; with one, breakpoints, steps and event stops end a slice at an instruction boundary
 * and the interrupted round resumes exactly where it stopped.
 */
export interface KernelDebugger {
  /** t is at an instruction boundary, about to run user code: true stops the machine here. */
  boundary(t: Thread): boolean;
  /** t faulted; `signal`: the kernel's fix-ups declined it and it is about to become a signal. True holds it. */
  fault(t: Thread, signal: boolean): boolean;
  /** The thread to run one instruction at a time (instruction stepping), or null. */
  singleStep: Thread | null;
  /**
   * A signal sent to t (kill, tgkill, raise, abort: not a fault) is about to be delivered at a user-mode
   * boundary. True stops the machine first; the same SigInfo is not offered again.
   */
  signal?(t: Thread, info: SigInfo): boolean;
}

/** Signals whose default action terminates with a core dump. */
const CORE_SIGNALS = new Set([3, 4, 5, 6, 7, 8, 11, 24, 25, 31]);
/** Signals whose default action is to ignore (stop/continue are treated as ignore: no job control). */
const IGNORE_SIGNALS = new Set([17, 18, 19, 20, 21, 22, 23, 28]);
export const SIGNAL_NAMES: Record<number, string> = {
  1: 'SIGHUP', 2: 'SIGINT', 3: 'SIGQUIT', 4: 'SIGILL', 5: 'SIGTRAP', 6: 'SIGABRT', 7: 'SIGBUS', 8: 'SIGFPE',
  9: 'SIGKILL', 10: 'SIGUSR1', 11: 'SIGSEGV', 12: 'SIGUSR2', 13: 'SIGPIPE', 14: 'SIGALRM', 15: 'SIGTERM',
  16: 'SIGSTKFLT', 17: 'SIGCHLD', 18: 'SIGCONT', 19: 'SIGSTOP', 20: 'SIGTSTP', 21: 'SIGTTIN', 22: 'SIGTTOU',
  23: 'SIGURG', 24: 'SIGXCPU', 25: 'SIGXFSZ', 26: 'SIGVTALRM', 27: 'SIGPROF', 28: 'SIGWINCH', 29: 'SIGIO',
  30: 'SIGPWR', 31: 'SIGSYS',
};
export function signalName(s: number): string {
  return SIGNAL_NAMES[s] ?? (s >= 34 && s <= 64 ? `SIGRT${s - 34}` : `signal ${s}`);
}

/** Details of a fatal signal (for the CLI's one-line report and the debugger). */
export interface FatalSignal {
  pid: number;
  tid: number;
  signal: number;
  ip: number;
  addr: number;
  insn: string;
  fromFault: boolean;
}

export class Kernel {
  readonly opts: Required<Omit<KernelOptions, 'traceSyscalls'>> & Pick<KernelOptions, 'traceSyscalls'>;
  /** The UINTR kernel layer and the machine's UINTR event log. */
  readonly uintr: UintrKernel;
  readonly uintrLog = new UintrEventLog();
  procs = new Map<number, Process>();
  /** Every thread ever created that has not been reaped, in creation order (deterministic iteration). */
  threads: Thread[] = [];
  now = 0;
  /** Bumped whenever something happens that may complete a blocked system call. */
  epoch = 0;
  private checkedEpoch = -1;
  rng: Prng;
  cores: (Thread | null)[];
  private coreRounds: number[];
  runQueue: Thread[] = [];
  private nextId = 1000;
  init: Process | null = null;
  outcome: RunOutcome | null = null;
  lastFatal: FatalSignal | null = null;
  /** Guest-created files (the sandbox never writes the host). */
  vfs = new Map<string, import('./files').MemFile>();
  futexes = new Map<Memory, Map<number, Thread[]>>();
  totalInsns = 0;
  /** Allowed host roots for reading. */
  readRoots: string[] = [];
  /** Files the guest may see by path (program itself). */
  exePath = '';
  stopRequested = false;
  /** The debugger attached to this machine (emulator/machine.ts), or null: then nothing below costs anything. */
  debugger: KernelDebugger | null = null;
  /** The round in progress when run() returned inside it (budget or debugger stop). */
  private cur: { order: number[]; i: number; longest: number; any: boolean; rest: number; ran: number } | null = null;
  /** How the interrupted slice resumes: 0 fresh, 1 at a boundary (straight into the engine), 2/3 a held fault (stage 1/2), 4 a signal stop (the prologue again). */
  private resumeAt = 0;
  /** The thread inside Engine.run (user-mode instructions and the UINTR hardware), else null (kernel code). */
  engineThread: Thread | null = null;
  /** The thread whose system call is being handled, else null. */
  sysThread: Thread | null = null;
  /** The last slice ended because its instruction budget ran out (and then: its prologue was not due). */
  private sliceCut = false;
  private cutNoPrologue = false;
  /** Threads that called sched_yield while another runnable thread waits for a core (see assignCores). */
  yielders = new Set<Thread>();
  /** Physical frames of every address space (so MAP_SHARED pages can be shared across fork). */
  readonly pool = new FramePool();

  constructor(opts: KernelOptions) {
    this.opts = {
      cores: opts.cores ?? 2,
      seed: opts.seed ?? 1,
      quantum: opts.quantum ?? DEFAULT_QUANTUM,
      io: opts.io,
      allowRead: opts.allowRead ?? [],
      cwd: opts.cwd ?? process.cwd(),
      traceSyscalls: opts.traceSyscalls,
      uintrAbi: opts.uintrAbi ?? 'v2',
      uintr: opts.uintr ?? true,
    };
    this.uintr = new UintrKernel(this, this.opts.uintrAbi, this.opts.uintr);
    if (!(this.opts.cores >= 1 && this.opts.cores <= 64)) throw new Error('cores must be between 1 and 64');
    this.rng = new Prng(this.opts.seed);
    this.cores = new Array(this.opts.cores).fill(null);
    this.coreRounds = new Array(this.opts.cores).fill(0);
  }

  // ------------------------------------------------------------------ process creation

  /** Load a static ELF as the first process. Throws ElfError for bad programs. */
  spawn(file: string, argv: string[], envp: string[], image?: Uint8Array): Process {
    let buf: Uint8Array;
    const abs = path.resolve(this.opts.cwd, file);
    // `image`: the program's bytes are given (e.g. an ELF assembled from a .uasm file named `file`)
    if (image) buf = image;
    else try {
      const st = fs.statSync(abs);
      if (st.isDirectory()) throw new ElfError('is a directory', 126);
      buf = new Uint8Array(fs.readFileSync(abs));
    } catch (e) {
      if (e instanceof ElfError) throw e;
      const code = (e as NodeJS.ErrnoException).code;
      if (code === 'ENOENT') throw new ElfError('No such file or directory', 127);
      if (code === 'EACCES') throw new ElfError('Permission denied', 126);
      throw new ElfError(String((e as Error).message), 126);
    }
    const img = parseElf(buf);
    this.exePath = abs;
    this.readRoots = [path.dirname(abs), path.resolve(this.opts.cwd), ...this.opts.allowRead.map((p) => path.resolve(this.opts.cwd, p))];
    const fds = new FdTable();
    fds.install(0, new StdStream(this.opts.io, 0));
    fds.install(1, new StdStream(this.opts.io, 1));
    fds.install(2, new StdStream(this.opts.io, 2));
    const p = new Process(this.nextId++, null, new Memory(this.pool), null as unknown as Engine, fds, abs, path.resolve(this.opts.cwd));
    const cpu = new CpuState();
    this.loadImage(p, cpu, buf, img, abs, argv, envp);
    this.newThread(p, cpu, p.pid);
    this.procs.set(p.pid, p);
    this.init = p;
    return p;
  }

  /** Map a parsed ELF into a fresh address space of p and set up cpu for its entry (spawn and execve). */
  loadImage(p: Process, cpu: CpuState, buf: Uint8Array, img: import('./elf').ElfImage, abs: string, argv: string[], envp: string[]): void {
    const mem = new Memory(this.pool);
    this.uintr.window.install(mem);
    loadElf(mem, buf, img);
    if (p.mem && p.mem !== mem) p.mem.destroy();
    p.mem = mem;
    p.engine = new Engine(mem);
    p.exe = abs;
    p.comm = abs.split('/').pop()!.slice(0, 15);
    p.brkStart = p.brk = Math.ceil(img.brk / PAGE_SIZE) * PAGE_SIZE;
    p.mmapTop = MMAP_TOP;
    mem.map(STACK_TOP - STACK_SIZE, STACK_SIZE, PROT_READ | PROT_WRITE);
    const sp = buildInitialStack(mem, STACK_TOP, img, abs, argv, envp, this.rng.bytes(16));
    cpu.copyFrom(new CpuState());
    cpu.setRegNum(RSP, sp);
    cpu.rip = img.entry;
    // Linux starts a process with every other GPR zero (rdx = 0 matters: glibc registers it with atexit)
  }

  /** execve: every other thread of the process ends; the caller continues in the new image. */
  killOtherThreads(t: Thread): void {
    for (const o of [...t.proc.threads]) {
      if (o === t || o.state === TState.Exited) continue;
      o.cancelWait?.();
      o.state = TState.Exited;
      this.removeThread(o);
    }
    t.proc.threads = [t];
  }

  newThread(p: Process, cpu: CpuState, tid = this.nextId++): Thread {
    const t = new Thread(tid, p, cpu);
    const k = this;
    cpu.env = {
      now: (c) => k.now + (c.icount + c.bi - t.sliceStart),
      coreOf: () => Math.max(t.core, 0),
      uintrEnabled: this.opts.uintr,
      sendIpi: (_c, vector, apic, upid) => k.uintr.ipi(t, vector, apic, upid),
      event: (_c, kind, d) => k.uintrEvent(t, kind, d),
    };
    p.threads.push(t);
    this.threads.push(t);
    this.runQueue.push(t);
    this.epoch++;
    return t;
  }

  /** Append a UINTR event for thread t (virtual time as t sees it, its core, pid/tid). */
  uintrEvent(t: Thread, kind: UintrEventKind, details: Record<string, unknown>): void {
    this.uintrLog.append({ time: this.now + (t.cpu.icount + t.cpu.bi - t.sliceStart), core: Math.max(t.core, 0), pid: t.proc.pid, tid: t.tid, kind, ...details });
  }

  allocPid(): number {
    return this.nextId++;
  }

  // ------------------------------------------------------------------ the run loop

  /** Run until the initial process exits, `budget` instructions have run, or nothing can run. */
  run(budget = Infinity): RunOutcome {
    const stopAt = this.totalInsns + budget;
    while (!this.outcome) {
      if (this.totalInsns >= stopAt) return { kind: 'budget' };
      if (this.stopRequested) {
        this.stopRequested = false;
        return { kind: 'stopped' };
      }
      this.round(Math.min(stopAt - this.totalInsns, Number.MAX_SAFE_INTEGER));
    }
    return this.outcome;
  }

  /** The thread whose slice was interrupted (budget or debugger stop) and resumes first, if any. */
  get interruptedThread(): Thread | null {
    const r = this.cur;
    return r && r.rest >= 0 ? this.cores[r.order[r.i]] : null;
  }

  private round(left: number): void {
    // A round interrupted by a budget or a debugger stop is resumed where it stopped (same core order,
    // the rest of the interrupted slice), so running in pieces gives the same schedule as one run.
    let r = this.cur;
    if (r === null) {
      this.checkBlocked();
      this.assignCores();
      r = this.cur = { order: this.coreOrder(), i: 0, longest: 0, any: false, rest: -1, ran: 0 };
    }
    for (; r.i < r.order.length; r.i++) {
      const c = r.order[r.i];
      const t = this.cores[c];
      if (!t || t.state !== TState.Runnable) {
        r.rest = -1;
        continue;
      }
      r.any = true;
      const resume = r.rest >= 0;
      if (!resume) {
        // one thread alone need not be interleaved: run long slices (fast path for single-threaded programs)
        r.rest = this.threads.length === 1 ? 1_000_000 : this.quantum();
        r.ran = 0;
      }
      const give = Math.min(r.rest, left);
      const ran = this.slice(t, give, resume);
      this.totalInsns += ran;
      left -= ran;
      r.ran += ran;
      r.rest -= ran;
      if (this.outcome) {
        this.now += Math.max(r.longest, r.ran);
        this.cur = null;
        return;
      }
      // stopped by a debugger, or out of budget in the middle of the slice: resume here next time
      if (this.resumeAt !== 0 || (this.sliceCut && r.rest > 0 && give < r.rest + ran)) return;
      r.longest = Math.max(r.longest, r.ran);
      r.rest = -1;
      if (left <= 0) {
        r.i++;
        if (r.i < r.order.length) return;
        break;
      }
    }
    this.cur = null;
    if (!r.any) {
      // Everything is blocked: jump to the earliest timeout.
      let d = Infinity;
      for (const t of this.threads) if (t.state === TState.Blocked) d = Math.min(d, t.deadline);
      if (d === Infinity) {
        if (this.threads.some((t) => t.state === TState.Blocked)) {
          const who = this.threads.filter((t) => t.state === TState.Blocked).map((t) => `${t.proc.pid}/${t.tid} in ${SYSCALL_NAMES[t.blockedSys] ?? t.blockedSys}`);
          this.outcome = { kind: 'deadlock', message: `deadlock: every thread is blocked forever (${who.join(', ')})` };
        } else this.finishIfDone();
        return;
      }
      this.now = Math.max(this.now, d);
      return;
    }
    this.now += Math.max(r.longest, 1);
  }

  private quantum(): number {
    const q = this.opts.quantum;
    return Math.max(1, Math.floor(q / 2) + this.rng.below(q));
  }

  private coreOrder(): number[] {
    const n = this.cores.length;
    const order = Array.from({ length: n }, (_, i) => i);
    for (let i = n - 1; i > 0; i--) {
      const j = this.rng.below(i + 1);
      [order[i], order[j]] = [order[j], order[i]];
    }
    return order;
  }

  private assignCores(): void {
    this.runQueue = this.runQueue.filter((t) => t.state === TState.Runnable && !this.cores.includes(t));
    for (let c = 0; c < this.cores.length; c++) {
      const cur = this.cores[c];
      if (cur && cur.state === TState.Runnable) {
        this.coreRounds[c]++;
        const yielded = this.yielders.has(cur); // sched_yield: give the core to a waiting thread now
        if ((this.coreRounds[c] < SLICE_ROUNDS && !yielded) || this.runQueue.length === 0) continue;
        this.runQueue.push(cur); // preempted: back of the queue
        this.uintr.switchOut(cur);
      }
      const next = this.runQueue.shift() ?? null;
      if (cur && cur !== next && cur.core === c) cur.core = cur.state === TState.Runnable ? cur.core : cur.core;
      this.cores[c] = next;
      this.coreRounds[c] = 0;
      if (next) next.core = c;
    }
    this.yielders.clear();
  }

  /**
   * Run one thread for up to `budget` instructions, handling system calls and faults in between.
   * `resume`: continue the slice a debugger stop or the budget interrupted (see resumeAt).
   */
  slice(t: Thread, budget: number, resume = false): number {
    if (!resume) t.sliceStart = t.cpu.icount;
    let left = budget;
    // where a debugger stop left the thread: at a boundary (go straight into the engine) or at a held fault
    const at = resume ? this.resumeAt : 0;
    // a slice cut by the budget right after an engine return goes on as if uncut: no prologue
    let prologue = at === 1 || (resume && at === 0 && this.cutNoPrologue) ? false : true;
    let check = at !== 1;
    this.resumeAt = 0;
    this.sliceCut = false;
    if (at >= 2 && at <= 3 && this.fault(t, at - 1)) return 0;
    const dbg = this.debugger;
    let yielded = false;
    while (left > 0 && t.state === TState.Runnable && !this.outcome) {
      if (prologue) {
        if (t.pending.length !== 0 || t.proc.pendingShared.length !== 0) {
          if (dbg !== null && dbg.signal !== undefined) {
            const info = this.peekSignalInfo(t);
            if (info && dbg.signal(t, info)) {
              this.resumeAt = 4; // resume with this prologue (the signal is delivered then)
              return budget - left;
            }
          }
          this.deliverSignals(t);
          if (t.state !== TState.Runnable) break;
        }
        if (t.cpu.ui.upidAddr !== 0 || threadUintr(t).receiver) this.uintr.returnToUser(t);
      }
      if (check && dbg !== null && dbg.boundary(t)) {
        this.resumeAt = 1;
        return budget - left;
      }
      prologue = check = true;
      const p = t.proc;
      this.engineThread = t;
      const n = p.engine.run(t.cpu, left, dbg !== null && dbg.singleStep === t);
      this.engineThread = null;
      left -= n;
      const exit = t.cpu.exit;
      if (exit === Exit.None || exit === Exit.Attention) {
        // out of budget, or (debugger attached) at a breakpoint address or after an event it watches:
        // the boundary check decides, without the system-call-return prologue
        prologue = false;
        if (dbg === null) break;
        continue;
      }
      if (exit === Exit.Syscall) {
        this.sysThread = t;
        this.syscall(t);
        this.sysThread = null;
        t.sliceStart -= SYSCALL_COST;
        left -= SYSCALL_COST;
        if (this.yielders.size !== 0 && this.yielders.has(t)) {
          yielded = true;
          break; // sched_yield ends the slice
        }
      } else if (exit === Exit.Fault) {
        if (this.fault(t, 0)) return budget - left; // a debugger holds the fault
      } else if (exit === Exit.Halt) this.unsupported(t);
    }
    this.sliceCut = left <= 0 && !yielded && t.state === TState.Runnable && !this.outcome;
    this.cutNoPrologue = !prologue;
    return budget - left;
  }

  // ------------------------------------------------------------------ system calls

  arg(t: Thread, i: number): number {
    const r = SYSARG_REGS[i];
    return t.cpu.getRegNum(r);
  }
  /** Low 32 bits as a signed int (int, fd, flags arguments). */
  argi(t: Thread, i: number): number {
    return t.cpu.r[2 * SYSARG_REGS[i]];
  }
  /** Full 64-bit argument as a signed number (exact when |v| < 2^53). */
  argl(t: Thread, i: number): number {
    const r = SYSARG_REGS[i];
    return t.cpu.r[2 * r + 1] * 4294967296 + (t.cpu.r[2 * r] >>> 0);
  }

  setResult(t: Thread, v: number): void {
    t.cpu.setRegNum(0, v);
  }

  private syscall(t: Thread): void {
    const c = t.cpu;
    const nr = c.r[1] === 0 ? c.r[0] : -1;
    t.origRax = nr;
    const h = nr >= 0 ? SYSCALLS[nr] : undefined;
    let ret: number;
    if (!h) ret = -ENOSYS;
    else {
      try {
        ret = h(this, t);
      } catch (e) {
        if (e instanceof GuestFault) ret = -EFAULT;
        else throw e;
      }
    }
    if (this.opts.traceSyscalls) this.trace(t, nr, ret, !h);
    if (ret === NORETURN) return;
    if (ret !== BLOCKED) t.deadline = Infinity; // a call that did not block leaves no timeout armed
    if (ret === BLOCKED) {
      t.state = TState.Blocked;
      t.blockedSys = nr;
      this.uintr.switchOut(t); // the thread leaves its core
      return;
    }
    this.setResult(t, ret);
  }

  private trace(t: Thread, nr: number, ret: number, unknown: boolean): void {
    const name = SYSCALL_NAMES[nr] ?? `syscall_${nr}`;
    const args = [0, 1, 2, 3, 4, 5].map((i) => '0x' + this.arg(t, i).toString(16)).join(', ');
    const r = ret === BLOCKED ? '(blocked)' : ret === NORETURN ? '(no return)' : String(ret);
    this.opts.traceSyscalls!(`[${t.proc.pid}/${t.tid}] ${name}(${args}) = ${r}${unknown ? ' (unknown system call: ENOSYS)' : ''}`);
  }

  /** Re-issue blocked system calls whose wait may be over. */
  private checkBlocked(): void {
    const epochChanged = this.epoch !== this.checkedEpoch;
    this.checkedEpoch = this.epoch;
    for (const t of this.threads) {
      if (t.state !== TState.Blocked) continue;
      const timeout = this.now >= t.deadline;
      const sig = this.hasDeliverableSignal(t);
      const uintrWake = threadUintr(t).wokenByUintr;
      if (!epochChanged && !timeout && !sig && !uintrWake) continue;
      if (timeout) t.timedOut = true;
      this.retry(t, sig || uintrWake);
    }
  }

  private retry(t: Thread, interrupted: boolean): void {
    const h = SYSCALLS[t.blockedSys]!;
    t.restarting = true;
    let ret: number;
    try {
      ret = h(this, t);
    } catch (e) {
      if (e instanceof GuestFault) ret = -EFAULT;
      else throw e;
    }
    if (ret === BLOCKED) {
      if (!interrupted) return;
      // A signal interrupts the wait: EINTR (handlers installed with SA_RESTART restart the call).
      t.cancelWait?.();
      // a call that already transferred data (waitData.progress) returns that count, like Linux
      const progress = t.waitData.progress ?? 0;
      ret = progress > 0 ? progress : -EINTR;
      const sig = this.peekSignal(t);
      // FUTEX_WAIT without a timeout restarts too (ERESTARTSYS); with one it returns EINTR
      const restartable = this.restartable(t.blockedSys) || (t.blockedSys === 202 && t.deadline === Infinity);
      // a receiver woken by a user interrupt gets -EINTR, never a restart (spec §2.6)
      const byUintr = threadUintr(t).wokenByUintr && !sig;
      if (!byUintr && progress === 0 && sig && restartable && (t.proc.sigactions[sig].flags & SA_RESTART)) {
        // rewind to the SYSCALL instruction with RAX = the call number
        t.cpu.rip -= 2;
        ret = t.blockedSys;
      }
    }
    if (this.opts.traceSyscalls) this.trace(t, t.blockedSys, ret, false);
    this.endWait(t);
    if (ret !== NORETURN) this.setResult(t, ret);
  }

  private restartable(nr: number): boolean {
    // nanosleep/futex timeouts/poll return EINTR regardless of SA_RESTART (as in Linux)
    return ![35, 230, 7, 271, 202, 23, 270, 232, 281, 130, 128, 34].includes(nr); // sleeps, waits, sigsuspend, sigtimedwait, pause
  }

  endWait(t: Thread): void {
    const tu = threadUintr(t);
    tu.wokenByUintr = false;
    if (tu.onWaitList) {
      this.uintr.waitList = this.uintr.waitList.filter((r) => r.thread !== t);
      tu.onWaitList = false;
    }
    t.state = TState.Runnable;
    t.blockedSys = -1;
    t.restarting = false;
    t.deadline = Infinity;
    t.timedOut = false;
    t.cancelWait = null;
    t.waitData = {};
    if (!this.runQueue.includes(t) && !this.cores.includes(t)) this.runQueue.push(t);
  }

  // ------------------------------------------------------------------ faults

  /**
   * A fault of t (cpu.faultSig/Code/Addr). A debugger may hold it before the kernel looks at it (stage 0)
   * and again before it becomes a signal (stage 1); then this returns true with resumeAt set, and the
   * slice continues from that stage when the thread resumes.
   */
  private fault(t: Thread, stage: number): boolean {
    const c = t.cpu;
    const dbg = this.debugger;
    if (stage === 0 && dbg !== null && dbg.fault(t, false)) {
      this.resumeAt = 2;
      return true;
    }
    if (stage === 0 && c.exit !== Exit.Fault) return false; // the debugger dismissed it (data breakpoint trap)
    // the uintr kernel's fix-ups: sender MSRs programmed on first SENDUIPI (#UD), sender-pays wake (#GP)
    if ((c.faultSig === 4 || c.faultSig === 11) && this.uintr.fixupFault(t, c.faultSig)) return false;
    if (stage <= 1 && dbg !== null && dbg.fault(t, true)) {
      this.resumeAt = 3;
      return true;
    }
    const info: SigInfo = { signo: c.faultSig, code: c.faultCode, addr: c.faultAddr };
    this.forceSignal(t, info, true);
    return false;
  }

  private unsupported(t: Thread): void {
    const u = t.proc.engine.unsupported!;
    this.outcome = { kind: 'unsupported', message: u.message, pid: t.proc.pid, tid: t.tid, ip: u.ip };
  }

  // ------------------------------------------------------------------ signals

  /** Synchronous signal (fault): if blocked or ignored, the default action is forced (as Linux does). */
  forceSignal(t: Thread, info: SigInfo, fromFault: boolean): void {
    const sig = info.signo;
    const act = t.proc.sigactions[sig];
    const blocked = (t.sigmask >> BigInt(sig - 1)) & 1n;
    if (blocked || act.handler === 1) {
      act.handler = 0;
      t.sigmask &= ~(1n << BigInt(sig - 1));
    }
    if (act.handler === 0) {
      this.recordFatal(t, sig, info.addr ?? 0, fromFault);
      this.killProcess(t.proc, sig);
      return;
    }
    t.pending.unshift(info);
    this.deliverSignals(t, fromFault);
  }

  recordFatal(t: Thread, sig: number, addr: number, fromFault: boolean): void {
    let insn = '';
    try {
      insn = disassemble(t.proc.mem.read(t.cpu.rip, 15), t.cpu.rip).text;
    } catch {
      try {
        const n = Math.max(1, Math.min(15, 4096 - (t.cpu.rip & 4095)));
        insn = disassemble(t.proc.mem.read(t.cpu.rip, n), t.cpu.rip).text;
      } catch {
        insn = '(unreadable)';
      }
    }
    this.lastFatal = { pid: t.proc.pid, tid: t.tid, signal: sig, ip: t.cpu.rip, addr, insn, fromFault };
  }

  /** Queue a signal for a thread (tgkill) or a process (kill). */
  sendSignal(p: Process, info: SigInfo, thread?: Thread): void {
    if (!p.alive) return;
    const sig = info.signo;
    if (sig === 0) return;
    if (sig === 9) {
      this.killProcess(p, 9);
      return;
    }
    const act = p.sigactions[sig];
    if (act.handler === 1 || (act.handler === 0 && IGNORE_SIGNALS.has(sig))) return; // discarded at generation
    // standard signals do not queue: a second instance while one is pending is merged (real-time ones queue)
    if (sig < 32) {
      if (thread ? thread.pending.some((i) => i.signo === sig) : p.pendingShared.some((s) => s.info.signo === sig)) return;
    }
    if (thread) thread.pending.push(info);
    else p.pendingShared.push({ info });
    this.epoch++;
  }

  hasDeliverableSignal(t: Thread): boolean {
    return this.peekSignal(t) !== 0;
  }

  private peekSignal(t: Thread): number {
    for (const i of t.pending) if (!((t.sigmask >> BigInt(i.signo - 1)) & 1n)) return i.signo;
    for (const s of t.proc.pendingShared) if (this.sharedTarget(t.proc, s.info.signo) === t) return s.info.signo;
    return 0;
  }

  /**
   * The thread that takes a process-directed signal: the first live thread (main thread first) not
   * blocking it, like Linux's complete_signal. Only that thread is woken or interrupted for it.
   */
  private sharedTarget(p: Process, sig: number): Thread | null {
    for (const x of p.threads) if (x.state !== TState.Exited && !((x.sigmask >> BigInt(sig - 1)) & 1n)) return x;
    return null;
  }

  /** Remove and return a pending signal that is in `set` (blocked or not): rt_sigtimedwait. */
  takeSignalIn(t: Thread, set: bigint): SigInfo | null {
    for (let k = 0; k < t.pending.length; k++) {
      if ((set >> BigInt(t.pending[k].signo - 1)) & 1n) return t.pending.splice(k, 1)[0];
    }
    const sh = t.proc.pendingShared;
    for (let k = 0; k < sh.length; k++) {
      if ((set >> BigInt(sh[k].info.signo - 1)) & 1n) return sh.splice(k, 1)[0].info;
    }
    return null;
  }

  /** The signal takeSignal(t) would return, left pending (for the debugger). */
  peekSignalInfo(t: Thread): SigInfo | null {
    for (const i of t.pending) if (!((t.sigmask >> BigInt(i.signo - 1)) & 1n)) return i;
    for (const s of t.proc.pendingShared) if (this.sharedTarget(t.proc, s.info.signo) === t) return s.info;
    return null;
  }

  private takeSignal(t: Thread): SigInfo | null {
    for (let k = 0; k < t.pending.length; k++) {
      const i = t.pending[k];
      if (!((t.sigmask >> BigInt(i.signo - 1)) & 1n)) {
        t.pending.splice(k, 1);
        return i;
      }
    }
    const sh = t.proc.pendingShared;
    for (let k = 0; k < sh.length; k++) {
      const i = sh[k].info;
      if (this.sharedTarget(t.proc, i.signo) === t) {
        sh.splice(k, 1);
        return i;
      }
    }
    return null;
  }

  /** Deliver pending, unblocked signals at a user-mode boundary. */
  deliverSignals(t: Thread, fromFault = false): void {
    for (;;) {
      if (t.state !== TState.Runnable || !t.proc.alive) return;
      const info = this.takeSignal(t);
      if (!info) return;
      const sig = info.signo;
      const act = t.proc.sigactions[sig];
      if (act.handler === 1) continue;
      if (act.handler === 0) {
        if (IGNORE_SIGNALS.has(sig)) continue;
        this.recordFatal(t, sig, info.addr ?? 0, fromFault);
        this.killProcess(t.proc, sig);
        return;
      }
      if (!setupSignalFrame(this, t, info, act)) {
        // could not write the frame: SIGSEGV, forced
        const a = t.proc.sigactions[11];
        a.handler = 0;
        this.recordFatal(t, 11, 0, true);
        this.killProcess(t.proc, 11);
        return;
      }
      if (act.flags & SA_RESETHAND) act.handler = 0;
      return; // one frame at a time; more are delivered when the handler returns or at the next boundary
    }
  }

  // ------------------------------------------------------------------ exit

  /** A thread exits (exit(2)): clear_child_tid + futex wake, then the process ends with its last thread. */
  exitThread(t: Thread, code: number): void {
    if (t.state === TState.Exited) return;
    t.cancelWait?.();
    t.state = TState.Exited;
    t.exitCode = code;
    this.uintr.threadExit(t);
    if (t.clearChildTid) {
      try {
        t.proc.mem.w32(t.clearChildTid, 0);
        this.futexWake(t.proc.mem, t.clearChildTid, 1, -1);
      } catch {
        /* unmapped: ignore, as Linux does */
      }
    }
    this.removeThread(t);
    if (t.proc.threads.every((x) => x.state === TState.Exited)) this.finishProcess(t.proc, (code & 0xff) << 8);
    this.epoch++;
  }

  private removeThread(t: Thread): void {
    const i = this.threads.indexOf(t);
    if (i >= 0) this.threads.splice(i, 1);
    for (let c = 0; c < this.cores.length; c++) if (this.cores[c] === t) this.cores[c] = null;
  }

  /** exit_group or a fatal signal: every thread of the process ends. status = wait status. */
  exitGroup(p: Process, status: number): void {
    for (const t of [...p.threads]) {
      if (t.state === TState.Exited) continue;
      t.cancelWait?.();
      t.state = TState.Exited;
      this.uintr.threadExit(t);
      this.removeThread(t);
    }
    this.finishProcess(p, status);
  }

  killProcess(p: Process, sig: number): void {
    this.exitGroup(p, sig | (CORE_SIGNALS.has(sig) ? 0x80 : 0));
  }

  private finishProcess(p: Process, status: number): void {
    if (p.zombie) return;
    p.zombie = true;
    p.waitStatus = status;
    p.fds.closeAll();
    p.mem.destroy();
    // orphans are re-parented to nobody (they keep running; reaping is automatic)
    for (const ch of p.children) ch.parent = null;
    const pa = p.parent && p.parent.alive ? p.parent.sigactions[17] : null;
    // SIGCHLD ignored or SA_NOCLDWAIT: the child is reaped at once (wait reports ECHILD), like Linux
    const autoReap = pa !== null && p.deathSignal === 17 && (pa.handler === 1 || (pa.flags & SA_NOCLDWAIT) !== 0);
    if (p.parent && p.parent.alive && !autoReap) {
      // si_code: CLD_EXITED (1), CLD_KILLED (2), CLD_DUMPED (3)
      if (p.deathSignal) this.sendSignal(p.parent, { signo: p.deathSignal, code: status & 0x7f ? (status & 0x80 ? 3 : 2) : 1, pid: p.pid, status });
    } else {
      if (autoReap && p.parent) {
        if (pa!.handler > 1) this.sendSignal(p.parent, { signo: 17, code: status & 0x7f ? (status & 0x80 ? 3 : 2) : 1, pid: p.pid, status });
        p.parent.children = p.parent.children.filter((c) => c !== p);
      }
      p.reaped = true;
      this.procs.delete(p.pid);
    }
    this.epoch++;
    if (p === this.init) {
      const signal = status & 0x7f;
      this.outcome = { kind: 'exited', status: signal ? 128 + signal : (status >> 8) & 0xff, signal, core: (status & 0x80) !== 0 };
    }
  }

  private finishIfDone(): void {
    if (this.init && this.init.zombie && !this.outcome) {
      const s = this.init.waitStatus;
      this.outcome = { kind: 'exited', status: s & 0x7f ? 128 + (s & 0x7f) : (s >> 8) & 0xff, signal: s & 0x7f, core: (s & 0x80) !== 0 };
    }
  }

  // ------------------------------------------------------------------ futex

  futexQueue(mem: Memory, addr: number): Thread[] {
    let m = this.futexes.get(mem);
    if (!m) this.futexes.set(mem, (m = new Map()));
    let q = m.get(addr);
    if (!q) m.set(addr, (q = []));
    return q;
  }

  /** Wake up to n waiters on addr whose bitset matches; returns the number woken. */
  futexWake(mem: Memory, addr: number, n: number, bitset: number): number {
    const q = this.futexes.get(mem)?.get(addr);
    if (!q) return 0;
    let woken = 0;
    for (let i = 0; i < q.length && woken < n; ) {
      const t = q[i];
      if ((t.waitData.bitset & bitset) !== 0) {
        q.splice(i, 1);
        t.waitData.woken = 1;
        woken++;
      } else i++;
    }
    if (woken) this.epoch++;
    return woken;
  }

  // ------------------------------------------------------------------ files (sandbox)

  /** May the guest read this host path? */
  mayRead(abs: string): boolean {
    if (abs === this.exePath) return true;
    return this.readRoots.some((r) => abs === r || abs.startsWith(r.endsWith('/') ? r : r + '/'));
  }

  /** rflags helpers for signal frames */
  getRflags(c: CpuState): number {
    return getRflags(c);
  }
  setRflags(c: CpuState, v: number): void {
    setRflags(c, v);
  }
}

/** RDI, RSI, RDX, R10, R8, R9 */
export const SYSARG_REGS = [7, 6, 2, 10, 8, 9];

export const SA_NOCLDSTOP = 1, SA_NOCLDWAIT = 2, SA_SIGINFO = 4, SA_RESTORER = 0x04000000, SA_ONSTACK = 0x08000000,
  SA_RESTART = 0x10000000, SA_NODEFER = 0x40000000, SA_RESETHAND = 0x80000000;

// ------------------------------------------------------------------ signal frames (x86-64 rt_sigframe)

/**
 * Build an rt_sigframe like Linux: [pretcode][ucontext (uc_flags, uc_link, uc_stack, sigcontext, sigmask)]
 * [siginfo 128 bytes], with the FXSAVE-format FP state (512 bytes, 64-byte aligned) above it, below the
 * 128-byte red zone (or on the alternate stack with SA_ONSTACK). Returns false if the stack is unwritable.
 */
export function setupSignalFrame(k: Kernel, t: Thread, info: SigInfo, act: { handler: number; flags: number; restorer: number; mask: bigint }): boolean {
  const c = t.cpu;
  const m = t.proc.mem;
  let sp = c.getRegNum(RSP);
  const onAlt = t.altstack.flags === 0 && sp >= t.altstack.sp && sp < t.altstack.sp + t.altstack.size;
  if (act.flags & SA_ONSTACK && t.altstack.flags === 0 && !onAlt) sp = t.altstack.sp + t.altstack.size;
  else sp -= 128;
  // FP state
  sp = Math.floor((sp - 512) / 64) * 64;
  const fpstate = sp;
  const FRAME = 8 + 304 + 128;
  sp = Math.floor((sp - FRAME) / 16) * 16 - 8; // (sp + 8) % 16 == 0 at handler entry, like after a call
  const frame = sp;
  try {
    m.probeWrite(fpstate, 512);
    m.probeWrite(frame, FRAME);
  } catch {
    return false;
  }
  const w64 = (a: number, v: number) => m.writeU64(a, v);
  // FP state in FXSAVE layout (x87 control/status/tags/registers, MXCSR, XMM0-15), like the kernel's
  fxsaveTo(c, m, fpstate);
  w64(frame, act.flags & SA_RESTORER ? act.restorer : 0);
  const uc = frame + 8;
  w64(uc, 0); // uc_flags
  w64(uc + 8, 0); // uc_link
  w64(uc + 16, t.altstack.sp);
  m.w32(uc + 24, onAlt ? 1 : t.altstack.flags);
  w64(uc + 32, t.altstack.size);
  const sc = uc + 40;
  // gregs order: r8..r15, rdi, rsi, rbp, rbx, rdx, rax, rcx, rsp, rip, eflags, csgsfs, err, trapno, oldmask, cr2
  const order = [8, 9, 10, 11, 12, 13, 14, 15, 7, 6, 5, 3, 2, 0, 1, 4];
  for (let i = 0; i < 16; i++) m.w64(sc + i * 8, c.r[2 * order[i]], c.r[2 * order[i] + 1]);
  w64(sc + 128, c.rip);
  w64(sc + 136, getRflags(c));
  m.w64(sc + 144, 0x33, 0x2b << 16); // cs=0x33, gs=0, fs=0, ss=0x2b
  w64(sc + 152, 0); // err
  w64(sc + 160, info.signo === 11 ? 14 : info.signo === 8 ? 0 : info.signo === 4 ? 6 : 0); // trapno
  w64(sc + 168, Number(t.sigmask & 0xffffffffn));
  w64(sc + 176, info.signo === 11 || info.signo === 7 ? info.addr ?? 0 : 0); // cr2
  w64(sc + 184, fpstate);
  for (let i = 0; i < 8; i++) w64(sc + 192 + i * 8, 0);
  // rt_sigsuspend: the mask to restore is the one from before the call, not the temporary one
  const ts = t as unknown as { sigsuspendSaved?: bigint };
  const saveMask = ts.sigsuspendSaved ?? t.sigmask;
  ts.sigsuspendSaved = undefined;
  m.w64(uc + 296, Number(saveMask & 0xffffffffn) | 0, Number((saveMask >> 32n) & 0xffffffffn) | 0);
  // siginfo
  const si = frame + 8 + 304;
  for (let i = 0; i < 128; i += 8) w64(si + i, 0);
  m.w32(si, info.signo);
  m.w32(si + 4, info.errno ?? 0);
  m.w32(si + 8, info.code);
  if (info.addr !== undefined && (info.signo === 11 || info.signo === 7 || info.signo === 4 || info.signo === 8 || info.signo === 5)) w64(si + 16, info.addr);
  else if (info.pid !== undefined) {
    m.w32(si + 16, info.pid);
    m.w32(si + 20, info.uid ?? 0);
    if (info.status !== undefined) {
      // SIGCHLD: si_status = exit code or signal
      m.w32(si + 24, info.status & 0x7f ? info.status & 0x7f : (info.status >> 8) & 0xff);
    }
    if (info.value) m.w64(si + 24, info.value[0], info.value[1]);
  }
  // registers for the handler
  c.setRegNum(RSP, frame);
  c.rip = act.handler;
  c.setRegNum(7, info.signo);
  c.setRegNum(6, si);
  c.setRegNum(2, uc);
  c.setRegNum(0, 0);
  setRflags(c, getRflags(c) & ~(0x400 | 0x100)); // DF and TF cleared
  // block the signal (unless SA_NODEFER) and sa_mask during the handler
  let mask = t.sigmask | act.mask;
  if (!(act.flags & SA_NODEFER)) mask |= 1n << BigInt(info.signo - 1);
  t.sigmask = mask & ~((1n << 8n) | (1n << 18n)); // SIGKILL/SIGSTOP can't be blocked
  void k;
  return true;
}

/** rt_sigreturn: restore the context saved by setupSignalFrame. */
export function restoreSignalFrame(t: Thread): boolean {
  const c = t.cpu;
  const m = t.proc.mem;
  const frame = c.getRegNum(RSP) - 8;
  const uc = frame + 8;
  const sc = uc + 40;
  try {
    const order = [8, 9, 10, 11, 12, 13, 14, 15, 7, 6, 5, 3, 2, 0, 1, 4];
    const regs: number[] = [];
    for (let i = 0; i < 16; i++) {
      regs.push(m.r32(sc + i * 8), m.r32(sc + i * 8 + 4));
    }
    const rip = m.readU64(sc + 128);
    const fl = m.r32(sc + 136) >>> 0;
    const fp = m.readU64(sc + 184);
    const lo = m.r32(uc + 296) >>> 0, hi = m.r32(uc + 300) >>> 0;
    for (let i = 0; i < 16; i++) {
      c.r[2 * order[i]] = regs[2 * i];
      c.r[2 * order[i] + 1] = regs[2 * i + 1];
    }
    c.rip = rip;
    setRflags(c, (getRflags(c) & ~0x254dd5) | (fl & 0x254dd5));
    if (fp && !fxrstorFrom(c, m, fp)) return false;
    t.sigmask = ((BigInt(hi) << 32n) | BigInt(lo)) & ~((1n << 8n) | (1n << 18n));
    return true;
  } catch {
    return false;
  }
}
