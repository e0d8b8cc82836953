/**
 * Code generation context: instruction emitters (ops/*.ts) produce JavaScript source for one instruction
 * with every operand as a literal; the translator concatenates a basic block's instructions into one
 * function (the "block JIT to JS" design of reference/perf-anchors.md §4, which beat a switch interpreter).
 *
 * Conventions inside generated code:
 *   c  CpuState, R  its GPR Int32Array (reg n: R[2n] low, R[2n+1] high), m  Memory, X  the XMM Int32Array,
 *   h  runtime helpers (runtime.ts). Each instruction is wrapped in `{ }` so emitters may reuse local names.
 * Values: 8/16/32-bit values are int32 expressions (8/16-bit zero-extended); 64-bit values are (lo, hi) pairs.
 */
import { Insn, Operand, OpK, RC } from './decode';
import { FlagOp } from './flagops';

export type Emitter = (i: Insn, g: Gen) => void;

/**
 * Compare/test fusion: a flag producer whose flags a later Jcc/SETcc/CMOVcc of the same block reads (with no
 * flag writer in between) leaves its operands and result in function-scoped `var`s, and the consumer tests
 * them directly instead of calling h.cond (translate.ts decides which pairs fuse).
 *  sub:   CMP/SUB a, b -> r (every condition but P/NP)
 *  logic: AND/OR/XOR/TEST -> r, CF=OF=0 (every condition but P/NP)
 *  res:   ADD/INC/DEC/NEG -> r (E/NE/S/NS only)
 * 8/16-bit values are zero-extended (results may carry extra high bits), 32-bit values are int32, 64-bit
 * values are (lo, hi) int32 pairs.
 */
export type FuseKind = 'sub' | 'logic' | 'res';
export interface CmpInfo {
  kind: FuseKind;
  size: number;
  a: string; b: string; r: string;
  ah: string; bh: string; rh: string;
}

/** Can a fused producer of this kind evaluate condition cc (iced numbering, see flags.ts cond)? */
export function fuseSupports(kind: FuseKind, cc: number): boolean {
  if (cc === 11 || cc === 12) return false; // parity: use the lazy flags
  if (kind === 'res') return cc === 5 || cc === 6 || cc === 9 || cc === 10;
  return cc >= 1 && cc <= 16;
}

function ccExpr(x: CmpInfo, cc: number): string {
  const { size, a, b, r, ah, bh, rh } = x;
  const sb = size === 1 ? '0x80' : '0x8000';
  // result-based pieces
  const zero = size === 8 ? `((${r}|${rh})===0)` : size === 4 ? `(${r}===0)` : `((${r}&${size === 1 ? '0xff' : '0xffff'})===0)`;
  const neg = size === 8 ? `(${rh}<0)` : size === 4 ? `(${r}<0)` : `((${r}&${sb})!==0)`;
  if (x.kind === 'res' || x.kind === 'logic') {
    switch (cc) {
      case 5: return zero;
      case 6: return `!${zero}`;
      case 9: return neg;
      case 10: return `!${neg}`;
      // logic: CF = OF = 0
      case 1: case 3: return 'false';
      case 2: case 4: return 'true';
      case 7: return zero;
      case 8: return `!${zero}`;
      case 13: return neg;
      case 14: return `!${neg}`;
      case 15: return `(${zero}||${neg})`;
      case 16: return `!(${zero}||${neg})`;
    }
    throw new Error('fuse: bad cc');
  }
  // sub: a - b
  let eq: string, ltu: string, leu: string, lts: string, les: string, of: string;
  if (size === 8) {
    eq = `(${a}===${b}&&${ah}===${bh})`;
    const hu = `(${ah}>>>0)<(${bh}>>>0)`, he = `${ah}===${bh}`;
    ltu = `(${hu}||(${he}&&(${a}>>>0)<(${b}>>>0)))`;
    leu = `(${hu}||(${he}&&(${a}>>>0)<=(${b}>>>0)))`;
    lts = `(${ah}<${bh}||(${he}&&(${a}>>>0)<(${b}>>>0)))`;
    les = `(${ah}<${bh}||(${he}&&(${a}>>>0)<=(${b}>>>0)))`;
    of = `(((${ah}^${bh})&(${ah}^${rh}))<0)`;
  } else if (size === 4) {
    eq = `(${a}===${b})`;
    ltu = `((${a}>>>0)<(${b}>>>0))`;
    leu = `((${a}>>>0)<=(${b}>>>0))`;
    lts = `(${a}<${b})`;
    les = `(${a}<=${b})`;
    of = `(((${a}^${b})&(${a}^${r}))<0)`;
  } else {
    const sh = size === 1 ? 24 : 16;
    eq = `(${a}===${b})`;
    ltu = `(${a}<${b})`;
    leu = `(${a}<=${b})`;
    lts = `(((${a}<<${sh})>>${sh})<((${b}<<${sh})>>${sh}))`;
    les = `(((${a}<<${sh})>>${sh})<=((${b}<<${sh})>>${sh}))`;
    of = `(((${a}^${b})&(${a}^${r})&${sb})!==0)`;
  }
  switch (cc) {
    case 1: return of;
    case 2: return `!${of}`;
    case 3: return ltu;
    case 4: return `!${ltu}`;
    case 5: return eq;
    case 6: return `!${eq}`;
    case 7: return leu;
    case 8: return `!${leu}`;
    case 9: return neg;
    case 10: return `!${neg}`;
    case 13: return lts;
    case 14: return `!${lts}`;
    case 15: return les;
    case 16: return `!${les}`;
  }
  throw new Error('fuse: bad cc');
}

const SIZE_IDX: Record<number, number> = { 1: 0, 2: 1, 4: 2, 8: 3 };
const MASKS: Record<number, string> = { 1: '0xff', 2: '0xffff' };

export class Gen {
  private out: string[] = [];
  private tmp = 0;
  /** Does any later reader need the status flags this instruction writes? */
  flagsLive = true;
  /** The instruction being translated. */
  insn!: Insn;
  /** Index of the instruction within its block (for precise faults). */
  index = 0;
  /** Set by an emitter that ends the block with its own `return`. */
  terminated = false;
  /** This instruction is a flag producer that a later condition consumer reads directly (see CmpInfo). */
  fuse = false;
  /** The fused producer visible to the current instruction (cleared by the translator at every flag writer). */
  cmp: CmpInfo | null = null;

  emit(code: string): void {
    this.out.push(code);
  }
  code(): string {
    return this.out.join('\n');
  }
  t(prefix = 't'): string {
    return `${prefix}${this.tmp++}`;
  }

  // ------------------------------------------------------------ addresses

  /** JS expression (a double) for a memory operand's effective address, including FS/GS base. */
  addrExpr(op: Operand): string {
    if (op.addr32) {
      // 0x67: 32-bit effective address, zero-extended (then the segment base is added)
      const p32: string[] = [];
      if (op.base >= 0) p32.push(`R[${2 * op.base}]`);
      if (op.index >= 0) p32.push(op.scale === 1 ? `R[${2 * op.index}]` : `(R[${2 * op.index}]*${op.scale})`);
      p32.push(String(op.disp | 0));
      const e32 = `((${p32.join('+')})>>>0)`;
      return op.seg === 1 ? `(${e32}+c.fsBase)` : op.seg === 2 ? `(${e32}+c.gsBase)` : e32;
    }
    const parts: string[] = [];
    if (op.base >= 0) parts.push(`((R[${2 * op.base}]>>>0)+R[${2 * op.base + 1}]*4294967296)`);
    if (op.index >= 0) {
      const s = op.scale === 1 ? '' : `*${op.scale}`;
      parts.push(`((R[${2 * op.index}]>>>0)+R[${2 * op.index + 1}]*4294967296)${s}`);
    }
    if (op.disp !== 0 || parts.length === 0) parts.push(String(op.disp));
    if (op.seg === 1) parts.push('c.fsBase');
    else if (op.seg === 2) parts.push('c.gsBase');
    let e = parts.join('+');
    // wrap to 64 bits only matters outside the 4 GiB window; the memory fast path rejects those anyway
    if (op.base >= 0 && (op.index >= 0 || op.disp !== 0)) e = `(${e})`;
    return e;
  }

  /** Emit `const aN = <ea>` and return the name (so read-modify-write computes the address once). */
  ea(op: Operand): string {
    const n = this.t('a');
    this.emit(`const ${n}=${this.addrExpr(op)};`);
    return n;
  }

  // ------------------------------------------------------------ reads (sizes 1, 2, 4)

  /**
   * Read operand of size <= 4 as an int32 expression (8/16-bit values zero-extended).
   * For memory, `a` is an address variable from ea(); immediates are truncated to the size.
   */
  read(op: Operand, a?: string): string {
    const s = op.size;
    switch (op.k) {
      case OpK.Reg:
        if (op.rc !== RC.Gpr) throw new Error('read: not a GPR');
        if (s === 4) return `R[${2 * op.reg}]`;
        if (s === 2) return `(R[${2 * op.reg}]&0xffff)`;
        if (op.high8) return `((R[${2 * op.reg}]>>8)&0xff)`;
        return `(R[${2 * op.reg}]&0xff)`;
      case OpK.Mem: {
        const addr = a ?? this.addrExpr(op);
        if (s === 4) return `m.r32(${addr})`;
        if (s === 2) return `m.r16(${addr})`;
        return `m.r8(${addr})`;
      }
      case OpK.Imm:
        if (s >= 4) return String(op.imm | 0);
        return String(op.imm & (s === 2 ? 0xffff : 0xff));
    }
    throw new Error('read: bad operand');
  }

  /** Read an immediate or source operand at a given (destination) size, sign-extending immediates. */
  readAs(op: Operand, size: number, a?: string): string {
    if (op.k === OpK.Imm) {
      if (size >= 4) return String(op.imm | 0);
      return String(op.imm & (size === 2 ? 0xffff : 0xff));
    }
    return this.read(op, a);
  }

  /** Emit code that stores an int32 value expression into an operand of size <= 4. */
  write(op: Operand, v: string, a?: string): void {
    const s = op.size;
    if (op.k === OpK.Reg) {
      if (op.rc !== RC.Gpr) throw new Error('write: not a GPR');
      const L = `R[${2 * op.reg}]`;
      if (s === 4) this.emit(`${L}=${v};R[${2 * op.reg + 1}]=0;`);
      else if (s === 2) this.emit(`${L}=(${L}&-65536)|((${v})&0xffff);`);
      else if (op.high8) this.emit(`${L}=(${L}&-65281)|(((${v})&0xff)<<8);`);
      else this.emit(`${L}=(${L}&-256)|((${v})&0xff);`);
      return;
    }
    if (op.k === OpK.Mem) {
      const addr = a ?? this.addrExpr(op);
      if (s === 4) this.emit(`m.w32(${addr},${v});`);
      else if (s === 2) this.emit(`m.w16(${addr},${v});`);
      else this.emit(`m.w8(${addr},${v});`);
      return;
    }
    throw new Error('write: bad operand');
  }

  // ------------------------------------------------------------ 64-bit

  /** Emit code reading a 64-bit operand into fresh locals; returns [lo, hi] names. */
  read64(op: Operand, a?: string): [string, string] {
    const lo = this.t('l'), hi = this.t('h');
    switch (op.k) {
      case OpK.Reg:
        if (op.rc !== RC.Gpr) throw new Error('read64: not a GPR');
        this.emit(`const ${lo}=R[${2 * op.reg}],${hi}=R[${2 * op.reg + 1}];`);
        break;
      case OpK.Mem:
        this.emit(`const ${lo}=m.r64(${a ?? this.addrExpr(op)}),${hi}=m.t;`);
        break;
      case OpK.Imm:
        this.emit(`const ${lo}=${op.imm | 0},${hi}=${op.immHi | 0};`);
        break;
      default:
        throw new Error('read64: bad operand');
    }
    return [lo, hi];
  }

  write64(op: Operand, lo: string, hi: string, a?: string): void {
    if (op.k === OpK.Reg) {
      if (op.rc !== RC.Gpr) throw new Error('write64: not a GPR');
      this.emit(`R[${2 * op.reg}]=${lo};R[${2 * op.reg + 1}]=${hi};`);
      return;
    }
    if (op.k === OpK.Mem) {
      this.emit(`m.w64(${a ?? this.addrExpr(op)},${lo},${hi});`);
      return;
    }
    throw new Error('write64: bad operand');
  }

  // ------------------------------------------------------------ flags

  /** Record a lazy flag state (skipped when no later instruction can observe these flags). */
  flags(kind: FlagOp, size: number, a: string, b: string, r: string, ah = '0', bh = '0', rh = '0'): void {
    if (!this.flagsLive) return;
    const op = kind + SIZE_IDX[size];
    if (size === 8) this.emit(`c.fop=${op};c.fa=${a};c.fah=${ah};c.fb=${b};c.fbh=${bh};c.fr=${r};c.frh=${rh};`);
    else this.emit(`c.fop=${op};c.fa=${a};c.fb=${b};c.fr=${r};`);
  }
  /** Flags for logic ops (CF=OF=0, AF=0). */
  logicFlags(size: number, r: string, rh = '0'): void {
    if (!this.flagsLive) return;
    const op = FlagOp.Logic + SIZE_IDX[size];
    if (size === 8) this.emit(`c.fop=${op};c.fr=${r};c.frh=${rh};`);
    else this.emit(`c.fop=${op};c.fr=${r};`);
  }

  /**
   * Called by fusable producers with their operand/result expressions: when this instruction is fused, copy
   * them into function-scoped vars for the consumers.
   */
  fuseOut(kind: FuseKind, size: number, a: string, b: string, r: string, ah = '0', bh = '0', rh = '0'): void {
    if (!this.fuse) return;
    const p = this.t('F');
    if (size === 8) this.emit(`var ${p}a=${a},${p}b=${b},${p}r=${r},${p}A=${ah},${p}B=${bh},${p}R=${rh};`);
    else this.emit(`var ${p}a=${a},${p}b=${b},${p}r=${r};`);
    this.cmp = { kind, size, a: `${p}a`, b: `${p}b`, r: `${p}r`, ah: `${p}A`, bh: `${p}B`, rh: `${p}R` };
  }

  /** JS boolean expression for condition cc: direct when fused with the last producer, else via the lazy flags. */
  cond(cc: number): string {
    const x = this.cmp;
    if (x !== null && fuseSupports(x.kind, cc)) return ccExpr(x, cc);
    return `h.cond(c,${cc})`;
  }

  mask(size: number): string {
    return MASKS[size] ?? '-1';
  }

  /** Mark this instruction as one that may fault (records its index for precise RIP on faults). */
  mayFault(): void {
    this.emit(`c.bi=${this.index};`);
  }
}

/** Emitter registry, keyed by iced Mnemonic. ops/*.ts modules register into it. */
export const EMITTERS = new Map<number, Emitter>();
export function reg(mnems: number | number[], e: Emitter): void {
  for (const m of Array.isArray(mnems) ? mnems : [mnems]) EMITTERS.set(m, e);
}
