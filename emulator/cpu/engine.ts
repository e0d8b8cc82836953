/**
 * The execution engine of one address space: runs a thread's CpuState through translated blocks until an
 * instruction budget is used up or something needs the kernel/scheduler (syscall, fault, UINTR event).
 * Guest exceptions are thrown from generated code and turned here into precise fault records
 * (signal, si_code, address, RIP of the faulting instruction).
 */
import { CpuState, Exit } from './state';
import { CodeCache, Block, UnsupportedInstruction } from './translate';
import { Memory, GuestFault } from '../memory/memory';
import * as rt from './runtime';
import * as sseRt from './sse-runtime';
import * as x87Rt from './x87-runtime';
import { str } from './strings';
import { cpuid } from './cpuid';
import { disassemble } from './decode';
import { getRflags, setRflags, materialize, getCF } from './flags';
import { CF, ZF, TF } from './state';

import { CpuTrap, UD_FAULT, GP_FAULT, SIGILL, SIGTRAP, SIGBUS, SIGFPE, SIGSEGV } from './trap';
import * as uintr from '../uintr/arch';
export { CpuTrap, UD_FAULT, GP_FAULT, SIGILL, SIGTRAP, SIGBUS, SIGFPE, SIGSEGV };

/** Helpers object passed to every block function as `h`. */
export const H = {
  ...rt,
  ...sseRt,
  ...x87Rt,
  W: rt.W,
  str,
  cpuid,
  uintr,
  getRflags,
  setRflags,
  UD_FAULT,
  GP_FAULT,
  DIVIDE_ERROR: rt.DIVIDE_ERROR,
  setCF(c: CpuState, on: boolean): void {
    materialize(c);
    c.fl = on ? c.fl | CF : c.fl & ~CF;
  },
  setZFonly(c: CpuState, z: boolean): void {
    materialize(c);
    c.fl = z ? c.fl | ZF : c.fl & ~ZF;
  },
  getCF,
  trap(next: number): CpuTrap {
    return new CpuTrap(SIGTRAP, 0x80, 0, next, 'breakpoint (int3)');
  },
  unsupported(ip: number, text: string): Error {
    return new UnsupportedInstruction(ip, new Uint8Array(0), text);
  },
  fetchFault(ip: number): GuestFault {
    return new GuestFault(ip, false, 2);
  },
  /**
   * MOV to a segment register in 64-bit user mode: DS/ES/SS accept the null or user data selector (0x2b;
   * SS: 0x2b only) and have no effect on addressing; MOV SS opens a one-instruction interrupt shadow.
   * Anything else (CS is not encodable; FS/GS selector loads) is #GP here.
   */
  movToSeg(c: CpuState, seg: number, v: number): void {
    const sel = v & 0xffff;
    if (seg === 2) {
      if ((sel & ~3) !== 0x28) throw GP_FAULT;
      c.shadow = 1;
      return;
    }
    if ((seg === 0 || seg === 3) && (sel === 0 || (sel & ~3) === 0x28)) return;
    throw GP_FAULT;
  },
};
export type Helpers = typeof H;

/** si_code of the SIGTRAP for a single-step trap (Linux TRAP_TRACE). */
export const TRAP_TRACE = 2;

export type { CpuEnv } from './state';

/** Result of an unsupported instruction (not a guest #UD: the emulator lacks it). */
export interface UnsupportedReport {
  ip: number;
  bytes: Uint8Array;
  text: string;
  message: string;
}

/** The end of a budget runs one instruction per block: longer than any block (MAX_INSNS 48, + MOV SS's one). */
const TAIL = 64;

export class Engine {
  readonly cache: CodeCache;
  /** Set when a thread stops on an unsupported instruction. */
  unsupported: UnsupportedReport | null = null;

  constructor(readonly mem: Memory) {
    this.cache = new CodeCache(mem);
  }

  /**
   * Run up to `budget` instructions, never more (single=true executes exactly one instruction). Returns
   * instructions retired; c.exit says why it stopped early.
   */
  run(c: CpuState, budget: number, single = false): number {
    let n = 0;
    for (;;) {
      this.modeSwitch = false;
      n += (c.fl & TF) !== 0 ? this.runTraced(c, budget - n, single) : this.runFast(c, budget - n, single);
      // RFLAGS.TF changed at a boundary: go on in the other mode (a loop, not recursion: TF may toggle often)
      if (!this.modeSwitch || c.exit !== Exit.None || n >= budget) return n;
    }
  }
  /** Set when runFast/runTraced returned because RFLAGS.TF changed. */
  private modeSwitch = false;

  private runFast(c: CpuState, budget: number, single: boolean): number {
    const R = c.r, m = this.mem, X = c.x, h = H as unknown;
    const cache = this.cache;
    const stops = cache.stops;
    let ip = c.rip;
    let n = 0;
    // c.icount is exact whenever something outside the engine can look (deliveries, faults, the return to the
    // kernel), and inside a block that reads the time or logs a UINTR event c.icount + c.bi counts the
    // instructions before the current one (the block sets c.icount from the count passed in; c.bi is stored
    // before any instruction that can fault, which includes those): time and event stamps do not depend on
    // how the stream is cut into blocks, so stepping does not change them
    // (c.bi is stale after a block until an instruction stores it again: it is reset to 0 wherever the CPU
    // state is used between blocks — deliveries, the return to the kernel — not after every block)
    const base = c.icount;
    c.bi = 0;
    let b: Block | null = null;
    c.exit = Exit.None;
    try {
      if (c.uiPending !== 0) {
        // a user interrupt recognized at the boundary before the first instruction
        if (!this.deliver(c)) return 0;
        ip = c.rip;
        // stepping stops at the handler's first instruction; so does a debugger stop (an event listener set
        // c.exit = Attention) or a breakpoint on the handler
        if (single || c.exit !== Exit.None || (stops.size !== 0 && stops.has(ip))) return 0;
      }
      if (single) {
        b = cache.get(ip, true);
        ip = b.fn(c, R, m, X, h, base);
        n = b.n;
      } else {
        // the budget is exact, so a slice ends at the same instruction however the run is cut (pieces, single
        // steps, replays): the last TAIL instructions run one per block (a block is shorter than TAIL, so one
        // started before that never runs past the budget); the hot loop itself checks nothing more than before
        const soft = budget - TAIL;
        let tail = soft <= 0;
        b = tail ? cache.get(ip, true) : cache.get(ip);
        for (;;) {
          ip = b.fn(c, R, m, X, h, base + n);
          n += b.n;
          if (c.exit !== Exit.None || n >= soft) {
            if (c.exit !== Exit.None || n >= budget) break;
            tail = true;
          }
          if (c.uiPending !== 0) {
            c.rip = ip;
            c.bi = 0;
            c.icount = base + n;
            if (!this.deliver(c)) return n;
            ip = c.rip;
            if (c.exit !== Exit.None) break; // a debugger asked to stop right after the delivery
          }
          if ((c.fl & TF) !== 0) {
            // POPF/UIRET set RFLAGS.TF (both end their block): single-step the rest of the slice
            this.modeSwitch = true;
            break;
          }
          if (stops.size !== 0 && stops.has(ip)) break;
          if (tail) {
            b = null; // a fetch fault in get() belongs to ip
            b = cache.get(ip, true);
            continue;
          }
          const prev: Block = b;
          let nb = prev.s1;
          if (nb === null || nb.ip !== ip || !nb.valid) {
            nb = prev.s2;
            if (nb === null || nb.ip !== ip || !nb.valid) {
              b = null; // a fetch fault in get() belongs to ip, not to the previous block
              nb = cache.get(ip);
              if (prev.s1 === null || !prev.s1.valid) prev.s1 = nb;
              else prev.s2 = nb;
            }
          }
          b = nb;
        }
      }
      c.rip = ip;
    } catch (e) {
      n += this.fault(c, b, ip, e);
    }
    c.bi = 0;
    c.icount = base + n;
    return n;
  }

  /**
   * Execution with RFLAGS.TF = 1, one instruction at a time: an instruction that began with TF = 1 and
   * completed raises the single-step #DB trap after it, reported to the kernel as SIGTRAP (si_code
   * TRAP_TRACE, si_addr = RIP of the next instruction) with RIP at the next instruction. The trap is taken
   * at that boundary before a pending user interrupt (spec §1.9 item 7, §6.34): UIRR and UIF stay as they
   * are and the interrupt is delivered at the next entry into the engine, after the kernel has handled the
   * trap. An instruction that sets TF (POPF, UIRET) traps only after the instruction following it; delivery
   * clears TF, so a user-interrupt handler is not stepped. Not modelled: SYSCALL with TF = 1 reports no trap
   * of its own (the instruction after it traps); no DR6/RF handling (no hardware breakpoints).
   */
  private runTraced(c: CpuState, budget: number, single: boolean): number {
    const R = c.r, m = this.mem, X = c.x, h = H as unknown;
    const stops = this.cache.stops;
    let ip = c.rip;
    let n = 0;
    const base = c.icount; // exact at every boundary, as in runFast
    let b: Block | null = null;
    c.exit = Exit.None;
    try {
      for (;;) {
        if (c.uiPending !== 0) {
          c.rip = ip;
          b = null;
          if (!this.deliver(c)) return n;
          ip = c.rip;
          if (single || c.exit !== Exit.None || (stops.size !== 0 && stops.has(ip))) break;
        }
        const tf = c.fl & TF;
        b = null;
        b = this.cache.get(ip, true);
        ip = b.fn(c, R, m, X, h, base + n);
        n += b.n;
        c.icount = base + n;
        c.bi = 0;
        const exit = c.exit as Exit; // set by the block
        if (exit === Exit.Syscall || exit === Exit.Fault || exit === Exit.Halt) break;
        if (tf !== 0) {
          c.exit = Exit.Fault;
          c.faultSig = SIGTRAP;
          c.faultCode = TRAP_TRACE;
          c.faultAddr = ip;
          c.faultMsg = 'single-step trap (RFLAGS.TF)';
          break;
        }
        if (single || exit !== Exit.None || n >= budget) break;
        if ((c.fl & TF) === 0) {
          this.modeSwitch = true;
          break;
        }
        if (stops.size !== 0 && stops.has(ip)) break;
      }
      c.rip = ip;
    } catch (e) {
      n += this.fault(c, b, ip, e);
      c.bi = 0;
    }
    c.icount = base + n;
    return n;
  }

  /**
   * Deliver the pending user interrupt at this boundary (user mode, UIF=1, UIRR≠0). A fault while pushing
   * the frame becomes the thread's fault with RIP, RSP, UIRR and UIF unchanged; returns false then.
   */
  deliver(c: CpuState): boolean {
    if (c.shadow !== 0) return true; // MOV SS shadow: not at this boundary
    try {
      uintr.deliver(c, this.mem);
      return true;
    } catch (e) {
      c.exit = Exit.Fault;
      c.faultMsg = 'user-interrupt delivery';
      if (e instanceof GuestFault) {
        c.faultSig = e.sig;
        c.faultCode = e.code;
        c.faultAddr = e.addr;
      } else if (e instanceof CpuTrap) {
        c.faultSig = e.sig;
        c.faultCode = e.code;
        c.faultAddr = e.addr < 0 ? c.rip : e.addr;
      } else throw e;
      return false;
    }
  }

  /** Turn an exception from generated code into the thread's fault state. Returns instructions retired. */
  private fault(c: CpuState, b: Block | null, ip: number, e: unknown): number {
    const k = b ? c.bi : 0;
    const rip = b ? b.ips[k] : ip;
    c.rip = rip;
    c.exit = Exit.Fault;
    c.faultMsg = '';
    if (e instanceof GuestFault) {
      c.faultSig = e.sig;
      c.faultCode = e.code;
      c.faultAddr = e.addr;
    } else if (e instanceof rt.DivideError) {
      c.faultSig = SIGFPE;
      c.faultCode = 1; // FPE_INTDIV
      c.faultAddr = rip;
    } else if (e instanceof CpuTrap) {
      c.faultSig = e.sig;
      c.faultCode = e.code;
      c.faultAddr = e.addr < 0 ? rip : e.addr;
      c.faultMsg = e.message;
      if (e.nextIp >= 0) {
        c.rip = e.nextIp; // traps report the address after the instruction
        return k + 1;
      }
    } else if (e instanceof UnsupportedInstruction) {
      c.exit = Exit.Halt;
      let bytes: Uint8Array = new Uint8Array(0);
      try {
        bytes = this.mem.read(e.ip, 15);
      } catch {
        /* near the end of a mapping */
      }
      const d = disassemble(bytes, e.ip);
      bytes = bytes.subarray(0, d.len);
      const text = e.text || d.text;
      const hex = Array.from(bytes, (x) => x.toString(16).padStart(2, '0')).join(' ');
      this.unsupported = { ip: e.ip, bytes, text, message: `unsupported instruction at 0x${e.ip.toString(16)}: ${text} [${hex}] (not supported by the emulator)` };
      c.rip = e.ip;
    } else throw e;
    return k;
  }
}

export { GuestFault };
