/**
 * Decoding with iced-x86 into plain JS records. iced objects live in wasm memory and are never garbage
 * collected, so one Decoder/Instruction pair is reused and everything the translator needs is copied out
 * once per guest address. The disassembly text is produced on demand (error reports, the debugger).
 */
import {
  Decoder, DecoderOptions, Instruction, Formatter, FormatterSyntax, OpKind, Register, MemorySizeExt,
  Mnemonic, Code, FlowControl, RflagsBits,
} from 'iced-x86';

export { Mnemonic, Code, FlowControl };

export const enum OpK { None = 0, Reg = 1, Mem = 2, Imm = 3, Branch = 4 }
export const enum RC { None = 0, Gpr = 1, Xmm = 2, Seg = 3, St = 4, Other = 5 }

export interface Operand {
  k: OpK;
  /** Operand size in bytes (register width or memory operand width). */
  size: number;
  // register operands
  rc: RC;
  reg: number;
  /** AH/CH/DH/BH. */
  high8: boolean;
  // memory operands: base/index are GPR numbers or -1; rip-relative operands have base -1 and disp absolute
  base: number;
  index: number;
  scale: number;
  disp: number;
  /** 0 none, 1 FS, 2 GS. */
  seg: number;
  /** 0x67 prefix: the address is computed in 32 bits (zero-extended). */
  addr32: boolean;
  // immediates (sign/zero extended by iced to the operand's width; 64-bit split in halves)
  imm: number;
  immHi: number;
  /** Branch target (absolute). */
  target: number;
}

export interface Insn {
  ip: number;
  len: number;
  next: number;
  code: Code;
  mnem: Mnemonic;
  ops: Operand[];
  lock: boolean;
  rep: boolean;
  repne: boolean;
  cc: number;
  flow: FlowControl;
  /** RFLAGS status bits read / written (iced's InstructionInfo, with emulator adjustments). */
  fread: number;
  fwrite: number;
  bytes: Uint8Array;
}

// ---- register tables built once from iced's Register enum
const GPR_NUM = new Int8Array(256).fill(-1);
const GPR_SIZE = new Uint8Array(256);
const HIGH8 = new Uint8Array(256);
const XMM_NUM = new Int8Array(256).fill(-1);
const SEG_NUM = new Int8Array(256).fill(-1);
{
  const R = Register as unknown as Record<string, number>;
  const order = ['A', 'C', 'D', 'B'];
  for (let i = 0; i < 4; i++) {
    const x = order[i];
    GPR_NUM[R[x + 'L']] = i; GPR_SIZE[R[x + 'L']] = 1;
    GPR_NUM[R[x + 'H']] = i; GPR_SIZE[R[x + 'H']] = 1; HIGH8[R[x + 'H']] = 1;
    GPR_NUM[R[x + 'X']] = i; GPR_SIZE[R[x + 'X']] = 2;
    GPR_NUM[R['E' + x + 'X']] = i; GPR_SIZE[R['E' + x + 'X']] = 4;
    GPR_NUM[R['R' + x + 'X']] = i; GPR_SIZE[R['R' + x + 'X']] = 8;
  }
  const other = ['SP', 'BP', 'SI', 'DI'];
  for (let i = 0; i < 4; i++) {
    const x = other[i];
    GPR_NUM[R[x + 'L']] = 4 + i; GPR_SIZE[R[x + 'L']] = 1;
    GPR_NUM[R[x]] = 4 + i; GPR_SIZE[R[x]] = 2;
    GPR_NUM[R['E' + x]] = 4 + i; GPR_SIZE[R['E' + x]] = 4;
    GPR_NUM[R['R' + x]] = 4 + i; GPR_SIZE[R['R' + x]] = 8;
  }
  for (let i = 8; i < 16; i++) {
    GPR_NUM[R[`R${i}L`]] = i; GPR_SIZE[R[`R${i}L`]] = 1;
    GPR_NUM[R[`R${i}W`]] = i; GPR_SIZE[R[`R${i}W`]] = 2;
    GPR_NUM[R[`R${i}D`]] = i; GPR_SIZE[R[`R${i}D`]] = 4;
    GPR_NUM[R[`R${i}`]] = i; GPR_SIZE[R[`R${i}`]] = 8;
  }
  for (let i = 0; i < 16; i++) XMM_NUM[R[`XMM${i}`]] = i;
  SEG_NUM[R.ES] = 0; SEG_NUM[R.CS] = 1; SEG_NUM[R.SS] = 2; SEG_NUM[R.DS] = 3; SEG_NUM[R.FS] = 4; SEG_NUM[R.GS] = 5;
}

const memSizeCache = new Map<number, number>();
function memSize(ms: number): number {
  let s = memSizeCache.get(ms);
  if (s === undefined) {
    s = MemorySizeExt.size(ms);
    memSizeCache.set(ms, s);
  }
  return s;
}

function emptyOp(): Operand {
  return { k: OpK.None, size: 0, rc: RC.None, reg: -1, high8: false, base: -1, index: -1, scale: 1, disp: 0, seg: 0, addr32: false, imm: 0, immHi: 0, target: 0 };
}

function regOperand(op: Operand, r: Register): void {
  op.k = OpK.Reg;
  if (GPR_NUM[r] >= 0) {
    op.rc = RC.Gpr; op.reg = GPR_NUM[r]; op.size = GPR_SIZE[r]; op.high8 = HIGH8[r] === 1;
  } else if (XMM_NUM[r] >= 0) {
    op.rc = RC.Xmm; op.reg = XMM_NUM[r]; op.size = 16;
  } else if (SEG_NUM[r] >= 0) {
    op.rc = RC.Seg; op.reg = SEG_NUM[r]; op.size = 2;
  } else if (r >= Register.ST0 && r <= Register.ST0 + 7) {
    op.rc = RC.St; op.reg = r - Register.ST0; op.size = 10;
  } else {
    op.rc = RC.Other; op.reg = r;
  }
}

const TWO32 = 0x1_0000_0000;
function big2num(v: bigint): number {
  // signed 64 -> number (exact for |v| < 2^53)
  return Number(BigInt.asIntN(64, v));
}

const STATUS = RflagsBits.OF | RflagsBits.SF | RflagsBits.ZF | RflagsBits.AF | RflagsBits.CF | RflagsBits.PF;
/** iced RflagsBits -> x86 RFLAGS bit positions */
function toX86Flags(b: number): number {
  let f = 0;
  if (b & RflagsBits.CF) f |= 0x1;
  if (b & RflagsBits.PF) f |= 0x4;
  if (b & RflagsBits.AF) f |= 0x10;
  if (b & RflagsBits.ZF) f |= 0x40;
  if (b & RflagsBits.SF) f |= 0x80;
  if (b & RflagsBits.OF) f |= 0x800;
  return f;
}

const ins = new Instruction();
let formatter: Formatter | null = null;

/** Decoder over a code buffer starting at guest address `ip`. */
export class BlockDecoder {
  private d: Decoder;
  constructor(bytes: Uint8Array, ip: number) {
    this.d = new Decoder(64, bytes, DecoderOptions.None);
    this.d.ip = BigInt(ip);
  }
  get position(): number {
    return this.d.position;
  }
  canDecode(): boolean {
    return this.d.canDecode;
  }
  /** Decode the next instruction; null if invalid or truncated (the caller reports #UD / fault). */
  next(buf: Uint8Array): Insn | null {
    const pos = this.d.position;
    this.d.decodeOut(ins);
    if (ins.isInvalid) return null;
    return convert(ins, buf.subarray(pos, pos + ins.length));
  }
  free(): void {
    this.d.free();
  }
}

function convert(i: Instruction, bytes: Uint8Array): Insn {
  const n = i.opCount;
  const ops: Operand[] = [];
  const msize = memSize(i.memorySize);
  for (let k = 0; k < n; k++) {
    const op = emptyOp();
    const kind = i.opKind(k);
    switch (kind) {
      case OpKind.Register:
        regOperand(op, i.opRegister(k));
        break;
      case OpKind.Memory: {
        op.k = OpK.Mem;
        op.size = msize;
        const b = i.memoryBase, x = i.memoryIndex;
        if (b === Register.RIP) {
          op.base = -1;
          op.disp = Number(i.ipRelMemoryAddress);
        } else {
          op.base = b === Register.None ? -1 : GPR_NUM[b];
          op.disp = big2num(i.memoryDisplacementU64 ?? i.memoryDisplacement);
          if ((b !== Register.None && GPR_SIZE[b] === 4) || (x !== Register.None && GPR_SIZE[x] === 4)) op.addr32 = true;
          else if (b !== Register.None && GPR_SIZE[b] !== 8) throw new Error('16-bit addressing is not supported in 64-bit mode');
        }
        op.index = x === Register.None ? -1 : GPR_NUM[x];
        op.scale = i.memoryIndexScale;
        const seg = i.memorySegment;
        op.seg = seg === Register.FS ? 1 : seg === Register.GS ? 2 : 0;
        break;
      }
      case OpKind.NearBranch64:
      case OpKind.NearBranch32:
      case OpKind.NearBranch16:
        op.k = OpK.Branch;
        op.target = Number(i.nearBranchTarget);
        break;
      case OpKind.MemorySegRSI:
      case OpKind.MemorySegESI:
      case OpKind.MemorySegSI:
      case OpKind.MemoryESRDI:
      case OpKind.MemoryESEDI:
      case OpKind.MemoryESDI:
      case OpKind.MemorySegRDI:
      case OpKind.MemorySegEDI:
      case OpKind.MemorySegDI:
        op.k = OpK.Mem;
        op.size = msize;
        op.base = kind === OpKind.MemorySegRSI || kind === OpKind.MemorySegESI || kind === OpKind.MemorySegSI ? 6 : 7;
        break;
      default: {
        // immediates
        op.k = OpK.Imm;
        const v = i.immediate(k);
        const s = BigInt.asIntN(64, v);
        op.imm = Number(BigInt.asIntN(32, s));
        op.immHi = Number(BigInt.asIntN(32, s >> 32n));
        op.size = kind === OpKind.Immediate8 || kind === OpKind.Immediate8_2nd ? 1 : kind === OpKind.Immediate16 ? 2 : kind === OpKind.Immediate64 ? 8 : 4;
      }
    }
    ops.push(op);
  }
  const ip = Number(i.ip);
  return {
    ip,
    len: i.length,
    next: ip + i.length,
    code: i.code,
    mnem: i.mnemonic,
    ops,
    lock: i.hasLockPrefix,
    rep: i.hasRepPrefix || i.hasRepePrefix,
    repne: i.hasRepnePrefix,
    cc: i.conditionCode,
    flow: i.flowControl,
    fread: toX86Flags(i.rflagsRead & STATUS),
    fwrite: toX86Flags((i.rflagsWritten | i.rflagsCleared | i.rflagsSet | i.rflagsUndefined | i.rflagsModified) & STATUS),
    bytes: bytes.slice(),
  };
}

void TWO32;

/** Intel-syntax disassembly of raw bytes at ip (iced's formatter, as the disassembly view shows it). */
export function disassemble(bytes: Uint8Array, ip: number): { text: string; len: number } {
  const d = new Decoder(64, bytes, DecoderOptions.None);
  d.ip = BigInt(ip);
  const i = new Instruction();
  try {
    d.decodeOut(i);
    if (!formatter) formatter = new Formatter(FormatterSyntax.Intel);
    if (i.isInvalid) return { text: '(bad)', len: 1 };
    return { text: formatter.format(i), len: i.length };
  } finally {
    i.free();
    d.free();
  }
}

export function hexBytes(b: Uint8Array): string {
  return Array.from(b, (x) => x.toString(16).padStart(2, '0')).join(' ');
}
