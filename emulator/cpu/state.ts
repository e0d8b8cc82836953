/**
 * Architectural state of one hardware thread (one guest thread; the scheduler swaps these in and out of
 * virtual cores). Registers are int32 halves in an Int32Array (never BigInt in the hot path): GPR n has its
 * low half at r[2n] and high half at r[2n+1]. RFLAGS' arithmetic bits are lazy (see flags.ts).
 */
import { FlagOp } from './flagops';
import { UintrState } from '../uintr/state';

export const RAX = 0, RCX = 1, RDX = 2, RBX = 3, RSP = 4, RBP = 5, RSI = 6, RDI = 7;
export const GPR_NAMES = ['rax', 'rcx', 'rdx', 'rbx', 'rsp', 'rbp', 'rsi', 'rdi', 'r8', 'r9', 'r10', 'r11', 'r12', 'r13', 'r14', 'r15'];

export const CF = 0x1, PF = 0x4, AF = 0x10, ZF = 0x40, SF = 0x80, TF = 0x100, IF = 0x200, DF = 0x400, OF = 0x800;
export const AC = 0x40000, ID = 0x200000, RF = 0x10000;
/** The six arithmetic status flags. */
export const STATUS_FLAGS = CF | PF | AF | ZF | SF | OF;

/** Why a block stopped early (cpu.exit). 0 = keep running. */
export const enum Exit {
  None = 0,
  Syscall = 1,
  Fault = 2,
  Halt = 3,
  /** Code of the current block was overwritten, or the cache was flushed: re-look-up. */
  Flush = 4,
  /** An instruction wants the run loop to look at the thread (e.g. UINTR event, pause, yield). */
  Attention = 5,
}

/** What an instruction may ask of its surroundings (virtual time for RDTSC, the core for RDTSCP). */
export interface CpuEnv {
  now(c: CpuState): number;
  coreOf(c: CpuState): number;
  /** CR4.UINTR (UINTR instructions #UD when false). */
  readonly uintrEnabled: boolean;
  /** SENDUIPI's notification IPI (vector to a physical APIC ID). */
  sendIpi(from: CpuState, vector: number, apic: number, upid?: number): void;
  /** UINTR event log. */
  event(c: CpuState, kind: import('../uintr/events').UintrEventKind, details: Record<string, unknown>): void;
}
/** Environment of a bare CPU (unit tests): UINTR enabled, IPIs go nowhere, events are dropped. */
const DEFAULT_ENV: CpuEnv = { now: (c) => c.icount, coreOf: () => 0, uintrEnabled: true, sendIpi: () => {}, event: () => {} };

/** What a user-interrupt delivery pushed (see CpuState.uiFrames). */
export interface UiFrame {
  vector: number;
  /** Address of the frame (the vector; then RIP, RFLAGS, RSP above it). */
  frame: number;
  rip: number;
  rflags: number;
  rsp: number;
}

export class CpuState {
  env: CpuEnv = DEFAULT_ENV;
  /** 16 GPRs as int32 halves. */
  r = new Int32Array(32);
  /** RIP of the next instruction (a guest address; < 2^32 in this emulator's address space, but kept as a number). */
  rip = 0;
  // ---- lazy flags: the last flag-setting operation and its operands/result
  fop: number = FlagOp.Eager;
  fa = 0;
  fah = 0;
  fb = 0;
  fbh = 0;
  fr = 0;
  frh = 0;
  /** Carry-in for ADC/SBB, preserved CF for INC/DEC. */
  fc = 0;
  /** Eager RFLAGS image: always holds the non-status bits (DF, IF, TF, AC, ID...), and the status bits when fop==Eager. */
  fl = 0x202;
  // ---- SSE
  /** 16 XMM registers, 4 dwords each: xmm n dword k at x[4n+k]. */
  x = new Int32Array(64);
  mxcsr = 0x1f80;
  // ---- x87 (x87-runtime.ts): control word, status word without TOP, TOP, tag word (2 bits per physical register)
  fpuCw = 0x037f;
  fpuSw = 0;
  fpuTop = 0;
  fpuTag = 0xffff;
  /** Physical registers R0-R7 as exact 80-bit values: [3p] sign<<15|exponent, [3p+1] mantissa bits 63..32, [3p+2] bits 31..0. */
  fpr = new Int32Array(24);
  /** Read-only mirror of fpr as doubles (rounded to nearest), for display; physical register order. */
  st = new Float64Array(8);
  // ---- segments
  fsBase = 0;
  gsBase = 0;
  // ---- execution bookkeeping
  exit: Exit = Exit.None;
  /** Index within the current block of the instruction that may fault (for precise fault RIPs). */
  bi = 0;
  /** Instructions retired by this thread. */
  icount = 0;
  /** Fault details when exit==Fault: signal number, si_code, address. */
  faultSig = 0;
  faultCode = 0;
  faultAddr = 0;
  faultMsg = '';
  /** MOV SS interrupt shadow: set by MOV SS for the boundary right after it (blocks user-interrupt delivery). */
  shadow = 0;
  /** UINTR architectural state (a new thread starts zeroed: no handler, UIF=0). */
  ui = new UintrState();
  /** 1 when UIF=1 and UIRR≠0: the engine checks it at every block boundary. */
  uiPending = 0;
  /**
   * The frames pushed by user-interrupt deliveries not yet ended by a UIRET (innermost last). Not
   * architectural: the emulator's own bookkeeping, so that a UIRET that does not return through the frame
   * its delivery pushed can be reported (uiret events get `mismatch`). Not copied by copyFrom.
   */
  uiFrames: UiFrame[] = [];

  getReg64(n: number): bigint {
    return (BigInt(this.r[2 * n + 1] >>> 0) << 32n) | BigInt(this.r[2 * n] >>> 0);
  }
  setReg64(n: number, v: bigint): void {
    this.r[2 * n] = Number(v & 0xffffffffn) | 0;
    this.r[2 * n + 1] = Number((v >> 32n) & 0xffffffffn) | 0;
  }
  /** Register as a JS number (exact for values < 2^53; for addresses). */
  getRegNum(n: number): number {
    return (this.r[2 * n + 1] >>> 0) * 0x1_0000_0000 + (this.r[2 * n] >>> 0);
  }
  setRegNum(n: number, v: number): void {
    this.r[2 * n] = v % 0x1_0000_0000 | 0;
    this.r[2 * n + 1] = Math.floor(v / 0x1_0000_0000) | 0;
  }

  copyFrom(o: CpuState): void {
    this.r.set(o.r);
    this.rip = o.rip;
    this.fop = o.fop;
    this.fa = o.fa;
    this.fah = o.fah;
    this.fb = o.fb;
    this.fbh = o.fbh;
    this.fr = o.fr;
    this.frh = o.frh;
    this.fc = o.fc;
    this.fl = o.fl;
    this.x.set(o.x);
    this.mxcsr = o.mxcsr;
    this.fpuCw = o.fpuCw;
    this.fpuSw = o.fpuSw;
    this.fpuTop = o.fpuTop;
    this.fpuTag = o.fpuTag;
    this.fpr.set(o.fpr);
    this.st.set(o.st);
    this.fsBase = o.fsBase;
    this.gsBase = o.gsBase;
  }
}
