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
import { str } from './strings';
import { cpuid } from './cpuid';
import { disassemble } from './decode';
import { getRflags, setRflags, materialize, getCF } from './flags';
import { CF, ZF } from './state';

export const SIGILL = 4, SIGTRAP = 5, SIGBUS = 7, SIGFPE = 8, SIGSEGV = 11;

/** A guest exception raised by an instruction (other than memory faults). */
export class CpuTrap extends Error {
  constructor(readonly sig: number, readonly code: number, readonly addr = -1, readonly nextIp = -1, msg = '') {
    super(msg || `trap ${sig}`);
  }
}

export const UD_FAULT = new CpuTrap(SIGILL, 2 /* ILL_ILLOPN */, -1, -1, 'invalid opcode (#UD)');
export const GP_FAULT = new CpuTrap(SIGSEGV, 0x80 /* SI_KERNEL */, 0, -1, 'general protection (#GP)');

/** Helpers object passed to every block function as `h`. */
export const H = {
  ...rt,
  W: rt.W,
  str,
  cpuid,
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
  movToSeg(_c: CpuState, _seg: number, _v: number): void {
    throw GP_FAULT;
  },
};
export type Helpers = typeof H;

export type { CpuEnv } from './state';

/** Result of an unsupported instruction (not a guest #UD: the emulator lacks it). */
export interface UnsupportedReport {
  ip: number;
  bytes: Uint8Array;
  text: string;
  message: string;
}

export class Engine {
  readonly cache: CodeCache;
  /** Set when a thread stops on an unsupported instruction. */
  unsupported: UnsupportedReport | null = null;

  constructor(readonly mem: Memory) {
    this.cache = new CodeCache(mem);
  }

  /**
   * Run up to `budget` instructions (block granularity: may overshoot by less than one block; single=true
   * executes exactly one instruction). Returns instructions retired; c.exit says why it stopped early.
   */
  run(c: CpuState, budget: number, single = false): number {
    const R = c.r, m = this.mem, X = c.x, h = H as unknown;
    const cache = this.cache;
    const stops = cache.stops;
    let ip = c.rip;
    let n = 0;
    let b: Block | null = null;
    c.exit = Exit.None;
    try {
      if (single) {
        b = cache.get(ip, true);
        ip = b.fn(c, R, m, X, h);
        n = b.n;
      } else {
        b = cache.get(ip);
        for (;;) {
          ip = b.fn(c, R, m, X, h);
          n += b.n;
          if (c.exit !== Exit.None || n >= budget) break;
          if (stops.size !== 0 && stops.has(ip)) break;
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
    c.icount += n;
    return n;
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
