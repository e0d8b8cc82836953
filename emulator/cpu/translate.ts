/**
 * Basic-block translation: decode a run of guest instructions with iced-x86 (once per address), let the
 * emitters produce JavaScript for each, and compile the block into one function with `new Function`.
 * Blocks are cached per address space and invalidated per page when guest code is overwritten.
 */
import { BlockDecoder, Insn, Mnemonic, FlowControl, hexBytes, disassemble, OpK } from './decode';
import { Gen, EMITTERS, FuseKind, fuseSupports } from './gen';
import { Memory, PROT_EXEC, GuestFault } from '../memory/memory';
import './ops/int';
import './ops/string';
import './ops/system';
import './ops/sse';
import './ops/x87';
import './ops/uintr';

/** A translated block; `ic` is the thread's instruction count at its start (see CLOCKED). */
export type BlockFn = (c: unknown, R: Int32Array, m: Memory, X: Int32Array, h: unknown, ic: number) => number;

export interface Block {
  ip: number;
  /** Address after the last instruction. */
  end: number;
  /** Instruction count. */
  n: number;
  fn: BlockFn;
  /** Address of each instruction (precise fault RIP = ips[cpu.bi]). */
  ips: number[];
  /** Direct successor cache for the two static exits (taken / fall-through). */
  s1: Block | null;
  s2: Block | null;
  valid: boolean;
}

const MAX_INSNS = 48;
const MAX_BYTES = 48 * 15;
const ALL_FLAGS = 0x8d5;

/**
 * Mnemonics whose emitted flag code (when their flags are live) computes all six status flags from the
 * operands and the flags they read (i.fread, e.g. CF for ADC/SBB) only.
 */
const FULL_WRITERS = new Set<number>([
  Mnemonic.Add, Mnemonic.Sub, Mnemonic.Cmp, Mnemonic.And, Mnemonic.Or, Mnemonic.Xor, Mnemonic.Test, Mnemonic.Neg,
  Mnemonic.Xadd, Mnemonic.Cmpxchg, Mnemonic.Adc, Mnemonic.Sbb, Mnemonic.Bsf, Mnemonic.Bsr, Mnemonic.Tzcnt,
  Mnemonic.Lzcnt, Mnemonic.Ucomisd, Mnemonic.Ucomiss, Mnemonic.Comisd, Mnemonic.Comiss,
]);
/**
 * Everything else that writes status flags is treated as a partial writer: when its flags are live its code
 * may materialize (read) every previous flag. Examples: INC/DEC keep CF; shifts by 0 change nothing; rotates
 * write only CF/OF; BT* only CF; MUL/IMUL and DIV/IDIV keep some undefined flags unchanged (runtime.ts).
 */

/** SHL/SHR/SAR/SAL and SHLD/SHRD by a nonzero immediate count write all six status flags (runtime.ts). */
const IMM_SHIFTS = new Set<number>([Mnemonic.Shl, Mnemonic.Shr, Mnemonic.Sar, Mnemonic.Sal, Mnemonic.Shld, Mnemonic.Shrd]);
function fullWriter(i: Insn): boolean {
  if (FULL_WRITERS.has(i.mnem)) return i.ops.length > 0;
  if (IMM_SHIFTS.has(i.mnem)) {
    const c = i.ops[i.ops.length - 1];
    if (i.ops.length === 1) return true; // D0/D1: by 1
    return c.k === OpK.Imm && (c.imm & (i.ops[0].size === 8 ? 63 : 31)) !== 0;
  }
  return false;
}

/** Flag producers whose operands a later condition consumer can test directly (gen.ts CmpInfo). */
const FUSE_KIND = new Map<number, FuseKind>([
  [Mnemonic.Cmp, 'sub'], [Mnemonic.Sub, 'sub'], [Mnemonic.And, 'logic'], [Mnemonic.Or, 'logic'], [Mnemonic.Xor, 'logic'],
  [Mnemonic.Test, 'logic'], [Mnemonic.Add, 'res'], [Mnemonic.Inc, 'res'], [Mnemonic.Dec, 'res'], [Mnemonic.Neg, 'res'],
]);
const CC_CONSUMERS = new Set<number>([
  Mnemonic.Je, Mnemonic.Jne, Mnemonic.Ja, Mnemonic.Jae, Mnemonic.Jb, Mnemonic.Jbe, Mnemonic.Jg, Mnemonic.Jge, Mnemonic.Jl,
  Mnemonic.Jle, Mnemonic.Jo, Mnemonic.Jno, Mnemonic.Jp, Mnemonic.Jnp, Mnemonic.Js, Mnemonic.Jns,
  Mnemonic.Sete, Mnemonic.Setne, Mnemonic.Seta, Mnemonic.Setae, Mnemonic.Setb, Mnemonic.Setbe, Mnemonic.Setg, Mnemonic.Setge,
  Mnemonic.Setl, Mnemonic.Setle, Mnemonic.Seto, Mnemonic.Setno, Mnemonic.Setp, Mnemonic.Setnp, Mnemonic.Sets, Mnemonic.Setns,
  Mnemonic.Cmove, Mnemonic.Cmovne, Mnemonic.Cmova, Mnemonic.Cmovae, Mnemonic.Cmovb, Mnemonic.Cmovbe, Mnemonic.Cmovg,
  Mnemonic.Cmovge, Mnemonic.Cmovl, Mnemonic.Cmovle, Mnemonic.Cmovo, Mnemonic.Cmovno, Mnemonic.Cmovp, Mnemonic.Cmovnp,
  Mnemonic.Cmovs, Mnemonic.Cmovns,
]);

/** Instructions whose code reads the virtual time or logs UINTR events (through c.env / the UINTR system). */
const CLOCKED = new Set<number>([Mnemonic.Rdtsc, Mnemonic.Rdtscp, Mnemonic.Stui, Mnemonic.Clui, Mnemonic.Testui, Mnemonic.Senduipi, Mnemonic.Uiret]);

/** Instructions that cannot fault when all operands are registers/immediates (skip the c.bi store). */
const NOFAULT_REG = new Set<number>([
  Mnemonic.Mov, Mnemonic.Movzx, Mnemonic.Movsx, Mnemonic.Movsxd, Mnemonic.Lea, Mnemonic.Add, Mnemonic.Sub,
  Mnemonic.And, Mnemonic.Or, Mnemonic.Xor, Mnemonic.Cmp, Mnemonic.Test, Mnemonic.Inc, Mnemonic.Dec,
  Mnemonic.Neg, Mnemonic.Not, Mnemonic.Shl, Mnemonic.Shr, Mnemonic.Sar, Mnemonic.Rol, Mnemonic.Ror,
  Mnemonic.Imul, Mnemonic.Adc, Mnemonic.Sbb, Mnemonic.Cdqe, Mnemonic.Cqo, Mnemonic.Cdq, Mnemonic.Nop,
  Mnemonic.Endbr64, Mnemonic.Xchg, Mnemonic.Jmp, Mnemonic.Sal, Mnemonic.Rcl, Mnemonic.Rcr, Mnemonic.Shld, Mnemonic.Shrd,
  Mnemonic.Bt, Mnemonic.Bts, Mnemonic.Btr, Mnemonic.Btc, Mnemonic.Bsf, Mnemonic.Bsr, Mnemonic.Tzcnt, Mnemonic.Lzcnt,
  Mnemonic.Bswap, Mnemonic.Cbw, Mnemonic.Cwde, Mnemonic.Cwd, Mnemonic.Mul, Mnemonic.Xadd, Mnemonic.Cmpxchg,
  Mnemonic.Clc, Mnemonic.Stc, Mnemonic.Cmc, Mnemonic.Cld, Mnemonic.Std, Mnemonic.Lahf, Mnemonic.Sahf,
  ...CC_CONSUMERS,
]);

/** Fall-through instructions whose emitters terminate the block (see ops/uintr.ts). */
// POPF may set RFLAGS.TF: the engine single-steps from the next instruction on (it checks TF between blocks)
const ENDS_BLOCK = new Set<number>([Mnemonic.Stui, Mnemonic.Senduipi, Mnemonic.Popfq, Mnemonic.Popf]);

function isMovSS(i: Insn): boolean {
  return i.mnem === Mnemonic.Mov && i.ops[0].k === OpK.Reg && i.ops[0].rc === 3 && i.ops[0].reg === 2;
}

export class UnsupportedInstruction extends Error {
  constructor(readonly ip: number, readonly bytes: Uint8Array, readonly text: string, reason?: string) {
    super(`unsupported instruction at 0x${ip.toString(16)}: ${text} [${hexBytes(bytes)}] (not supported by the emulator${reason ? ': ' + reason : ''})`);
  }
}

export class CodeCache {
  private blocks = new Map<number, Block>();
  private single = new Map<number, Block>();
  private byPage = new Map<number, Block[]>();
  /** Addresses where a block must end before (breakpoints): a block never contains one except at its start. */
  stops = new Set<number>();
  translated = 0;

  constructor(private mem: Memory) {
    mem.onCodeWrite = (p) => this.invalidatePage(p);
  }

  /** The block starting at ip (translated on first use). Single = a one-instruction block (stepping). */
  get(ip: number, single = false): Block {
    const map = single ? this.single : this.blocks;
    let b = map.get(ip);
    if (b === undefined) {
      b = this.translate(ip, single ? 1 : MAX_INSNS);
      map.set(ip, b);
    }
    return b;
  }

  invalidatePage(p: number): void {
    const list = this.byPage.get(p);
    if (!list) return;
    this.byPage.delete(p);
    for (const b of list) {
      b.valid = false;
      if (this.blocks.get(b.ip) === b) this.blocks.delete(b.ip);
      if (this.single.get(b.ip) === b) this.single.delete(b.ip);
    }
  }

  /** Drop everything (breakpoints changed, or a fork child starts with a fresh cache). */
  flush(): void {
    for (const b of this.blocks.values()) b.valid = false;
    for (const b of this.single.values()) b.valid = false;
    this.blocks.clear();
    this.single.clear();
    this.byPage.clear();
  }

  /** Read code bytes from ip, stopping at the first non-executable page. */
  private fetch(ip: number): Uint8Array {
    const out: number[] = [];
    let a = ip;
    while (out.length < MAX_BYTES) {
      const p = Math.floor(a / 4096);
      if (a < 0 || a >= 2 ** 32 || !(this.mem.prot[p] & PROT_EXEC)) break;
      const n = Math.min(MAX_BYTES - out.length, 4096 - (a & 4095));
      const bytes = this.mem.read(a, n);
      for (let i = 0; i < n; i++) out.push(bytes[i]);
      a += n;
    }
    return Uint8Array.from(out);
  }

  private translate(ip: number, max: number): Block {
    const bytes = this.fetch(ip);
    if (bytes.length === 0) throw new GuestFault(ip, false, this.mem.prot[Math.floor(ip / 4096)] ? 2 : 1);
    const dec = new BlockDecoder(bytes, ip);
    const insns: Insn[] = [];
    let fault: string | null = null; // code that ends the block with a fault
    try {
      // MOV SS opens a one-instruction interrupt shadow: the instruction after it always joins the same
      // block (also when single-stepping, like the hardware's suppressed single-step trap), so no
      // boundary check ever sees the shadow.
      const movSS = () => insns.length > 0 && isMovSS(insns[insns.length - 1]);
      while (insns.length < max || movSS()) {
        if (insns.length > 0 && this.stops.has(ip + dec.position) && !movSS()) break;
        const pos = dec.position;
        if (!dec.canDecode()) break; // consumed every fetched byte; the next block fetch decides
        let ins: Insn | null;
        try {
          ins = dec.next(bytes);
        } catch (e) {
          fault = `throw h.unsupported(${ip + pos},${JSON.stringify((e as Error).message)});`;
          break;
        }
        if (ins === null) {
          // Invalid encoding or truncated at the end of the fetched bytes.
          if (pos + 15 > bytes.length && bytes.length < MAX_BYTES) fault = `throw h.fetchFault(${ip + pos});`;
          else fault = `throw h.UD_FAULT;`;
          break;
        }
        insns.push(ins);
        if (!EMITTERS.has(ins.mnem)) break;
        if (ins.flow !== FlowControl.Next) break;
        // STUI/SENDUIPI fall through (flow Next) but their emitters end the block (so the engine can deliver
        // right after them): decoding past them would let the unreachable tail kill live flags in the
        // liveness pass below (e.g. a CMP before STUI lost its flags in the pushed delivery frame).
        if (ENDS_BLOCK.has(ins.mnem)) break;
        if (insns.length >= max && !isMovSS(ins)) break;
      }
    } finally {
      dec.free();
    }

    // Compare fusion: pair each Jcc/SETcc/CMOVcc with the last flag writer before it in the block; when that
    // is a fusable producer supporting the condition, the consumer tests the producer's operands directly
    // and does not read the lazy flags (so it does not keep the producer's flag stores alive).
    const fuseProd = new Array<boolean>(insns.length).fill(false);
    const fuseCons = new Array<boolean>(insns.length).fill(false);
    {
      let last = -1;
      for (let k = 0; k < insns.length; k++) {
        const i = insns[k];
        if (CC_CONSUMERS.has(i.mnem) && last >= 0 && EMITTERS.has(i.mnem)) {
          const kind = FUSE_KIND.get(insns[last].mnem);
          if (kind !== undefined && fuseSupports(kind, i.cc)) { fuseProd[last] = true; fuseCons[k] = true; }
        }
        if (i.fwrite !== 0) last = FUSE_KIND.has(i.mnem) && EMITTERS.has(i.mnem) ? k : -1;
      }
    }

    // Flag liveness (backwards): an instruction's flag output is needed if a later reader can see it.
    // An instruction whose flags are dead emits no flag code, so the flags needed after it are needed before
    // it too (plus what it reads). A live full writer needs only what it reads; a live partial writer may
    // materialize every earlier flag. (Flags are not kept precise for a fault in the middle of a block.)
    const live = new Array<boolean>(insns.length);
    let need = ALL_FLAGS;
    for (let k = insns.length - 1; k >= 0; k--) {
      const i = insns[k];
      const l = (i.fwrite & need) !== 0 || !EMITTERS.has(i.mnem);
      live[k] = l;
      if (l && i.fwrite !== 0) need = fullWriter(i) ? i.fread : ALL_FLAGS;
      if (!fuseCons[k]) need |= i.fread;
    }

    const g = new Gen();
    const ips: number[] = [];
    let end = ip;
    let terminated = false;
    // the engine keeps c.icount exact only between engine entries (not after every block): a block with an
    // instruction that reads the time or logs a UINTR event sets it from the count the engine passes in
    if (insns.some((i) => CLOCKED.has(i.mnem))) g.emit('c.icount=ic;');
    for (let k = 0; k < insns.length; k++) {
      const i = insns[k];
      ips.push(i.ip);
      end = i.next;
      g.index = k;
      g.insn = i;
      g.flagsLive = live[k];
      g.terminated = false;
      g.fuse = fuseProd[k];
      if (i.fwrite !== 0) g.cmp = null;
      const e = EMITTERS.get(i.mnem);
      const hasMem = i.ops.some((o) => o.k === OpK.Mem);
      if (e === undefined) {
        const d = disassemble(i.bytes, i.ip);
        g.emit(`c.bi=${k};throw h.unsupported(${i.ip},${JSON.stringify(d.text)});`);
        terminated = true;
        break;
      }
      if (k > 0 && isMovSS(insns[k - 1])) g.emit('c.shadow=0;');
      if (hasMem || !NOFAULT_REG.has(i.mnem)) g.emit(`c.bi=${k};`);
      g.emit('{');
      try {
        e(i, g);
        if (g.fuse && g.cmp === null) throw new Error('internal: fused flag producer did not publish its operands');
      } catch (err) {
        g.emit(`throw h.unsupported(${i.ip},${JSON.stringify(disassemble(i.bytes, i.ip).text + ': ' + (err as Error).message)});`);
        g.terminated = true;
      }
      g.emit('}');
      if (g.terminated) {
        terminated = true;
        break;
      }
    }
    if (!terminated) {
      if (fault) {
        ips.push(end);
        g.emit(`c.bi=${insns.length};${fault}`);
      } else g.emit(`return ${end};`);
    }
    const src = `"use strict";return function blk_${ip.toString(16)}(c,R,m,X,h,ic){\n${g.code()}\n}`;
    let fn: BlockFn;
    try {
      fn = new Function(src)() as BlockFn;
    } catch (err) {
      throw new Error(`internal error: bad generated code for block at 0x${ip.toString(16)}: ${(err as Error).message}\n${src}`);
    }
    const b: Block = { ip, end, n: insns.length, fn, ips, s1: null, s2: null, valid: true };
    this.translated++;
    const p0 = Math.floor(ip / 4096), p1 = Math.floor((Math.max(end, ip + 1) - 1) / 4096);
    for (let p = p0; p <= p1; p++) {
      this.mem.markCode(p);
      let l = this.byPage.get(p);
      if (!l) this.byPage.set(p, (l = []));
      l.push(b);
    }
    return b;
  }

  /** Generated source of the block at ip (for debugging the emulator itself). */
  sourceOf(ip: number): string {
    return this.get(ip).fn.toString();
  }
}

export { UnsupportedInstruction as Unsupported };
