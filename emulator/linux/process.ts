/** Emulated processes and threads. */
import { CpuState } from '../cpu/state';
import { Engine } from '../cpu/engine';
import { Memory } from '../memory/memory';
import { FdTable } from './files';

export const enum TState {
  Runnable = 0,
  Blocked = 1,
  Exited = 2,
}

export interface SigAction {
  handler: number; // 0 = SIG_DFL, 1 = SIG_IGN, else address
  flags: number;
  restorer: number;
  mask: bigint;
}

export interface SigInfo {
  signo: number;
  code: number;
  errno?: number;
  pid?: number;
  uid?: number;
  addr?: number;
  status?: number;
  /** si_value (rt_sigqueueinfo / SI_QUEUE, SI_TIMER), 64 bits as two int32 halves. */
  value?: [number, number];
}

export class Thread {
  state = TState.Runnable;
  /** The system call being retried while blocked (number), or -1. */
  blockedSys = -1;
  /** True while a blocked system call is being re-issued (handlers keep their first-call side effects once). */
  restarting = false;
  /** Virtual time when a blocking wait times out (Infinity = never). */
  deadline = Infinity;
  timedOut = false;
  /** Cleanup when a wait is abandoned (signal, exit): e.g. leave a futex queue. */
  cancelWait: (() => void) | null = null;
  /** Per-wait scratch for handlers (e.g. futex woken flag, sleep target). */
  waitData: Record<string, number> = {};
  sigmask = 0n;
  pending: SigInfo[] = [];
  altstack = { sp: 0, size: 0, flags: 2 /* SS_DISABLE */ };
  clearChildTid = 0;
  robustList = 0;
  /** Core the scheduler last ran it on (UINTR NDST, thread names). */
  core = -1;
  exitCode = 0;
  /** Instruction count at the start of the current slice (virtual time inside a slice). */
  sliceStart = 0;
  /** Orig RAX of the syscall in progress (restart after a signal). */
  origRax = -1;
  name: string;

  constructor(readonly tid: number, public proc: Process, readonly cpu: CpuState) {
    this.name = `${proc.comm}`;
  }
}

export class Process {
  threads: Thread[] = [];
  children: Process[] = [];
  /** Exited, not yet reaped (zombie). */
  zombie = false;
  reaped = false;
  /** wait status (as wait4 reports it) once a zombie. */
  waitStatus = 0;
  exitSignal = 0;
  brkStart = 0;
  brk = 0;
  /** Next address for top-down mmap allocation. */
  mmapTop = 0;
  sigactions: SigAction[] = [];
  pendingShared: { info: import('./process').SigInfo }[] = [];
  /** Signal sent to the parent on exit (SIGCHLD unless clone said otherwise). */
  deathSignal = 17;
  umask = 0o022;
  exitingGroup = false;
  comm: string;

  constructor(
    readonly pid: number,
    public parent: Process | null,
    public mem: Memory,
    public engine: Engine,
    public fds: FdTable,
    public exe: string,
    public cwd: string,
  ) {
    for (let i = 0; i <= 64; i++) this.sigactions.push({ handler: 0, flags: 0, restorer: 0, mask: 0n });
    this.comm = exe.split('/').pop()!.slice(0, 15);
  }

  get alive(): boolean {
    return !this.zombie;
  }
}
