/**
 * Instruction selection and encoding with iced-x86: a parsed instruction (mnemonic + operands with resolved
 * values) is matched against every iced `Code` of that mnemonic (operand kinds from iced's OpCodeInfo), each
 * match is built with `Instruction.create*` and encoded with iced's `Encoder`; the shortest encoding wins.
 * No hand-written encoder: iced decides every byte. Every iced object is freed.
 */
import { Code, CodeExt, Encoder, EncodingKind, Instruction, MemoryOperand, MemorySize, MemorySizeExt, Mnemonic, OpCodeOperandKind, Register, RepPrefixKind } from 'iced-x86';

export type RegClass = 'gpr8' | 'gpr16' | 'gpr32' | 'gpr64' | 'xmm' | 'ymm' | 'zmm' | 'mm' | 'k' | 'seg' | 'st' | 'cr' | 'dr' | 'tr' | 'bnd' | 'tmm' | 'rip' | 'other';

export interface RegInfo {
  reg: Register;
  cls: RegClass;
  name: string;
}

const REGS = new Map<string, RegInfo>();
function classify(n: string): RegClass {
  if (/^(r[a-d]x|r[sd]i|r[sb]p|r\d+)$/.test(n)) return 'gpr64';
  if (/^(e[a-d]x|e[sd]i|e[sb]p|r\d+d)$/.test(n)) return 'gpr32';
  if (/^([a-d]x|[sd]i|[sb]p|r\d+w)$/.test(n)) return 'gpr16';
  if (/^([a-d][lh]|[sd]il|[sb]pl|r\d+b)$/.test(n)) return 'gpr8';
  if (/^xmm\d+$/.test(n)) return 'xmm';
  if (/^ymm\d+$/.test(n)) return 'ymm';
  if (/^zmm\d+$/.test(n)) return 'zmm';
  if (/^mm\d$/.test(n)) return 'mm';
  if (/^k\d$/.test(n)) return 'k';
  if (/^[c-gs]s$/.test(n)) return 'seg';
  if (/^st\d$/.test(n)) return 'st';
  if (/^cr\d+$/.test(n)) return 'cr';
  if (/^dr\d+$/.test(n)) return 'dr';
  if (/^tr\d$/.test(n)) return 'tr';
  if (/^bnd\d$/.test(n)) return 'bnd';
  if (/^tmm\d$/.test(n)) return 'tmm';
  if (n === 'rip') return 'rip';
  return 'other';
}
for (const [k, v] of Object.entries(Register)) {
  if (typeof v !== 'number' || k === 'None' || k === 'DontUse0' || k === 'DontUseFA' || k === 'DontUseFB' || k === 'DontUseFC' || k === 'DontUseFD' || k === 'DontUseFE' || k === 'DontUseFF') continue;
  let n = k.toLowerCase();
  if (/^r\d+l$/.test(n)) {
    REGS.set(n, { reg: v, cls: 'gpr8', name: n.replace(/l$/, 'b') });
    n = n.replace(/l$/, 'b');
  }
  if (n === 'eip') continue;
  REGS.set(n, { reg: v, cls: classify(n), name: n });
}

export function lookupRegister(name: string): RegInfo | undefined {
  return REGS.get(name.toLowerCase());
}

/** A resolved operand for encoding. */
export type EncOperand =
  | { k: 'reg'; r: RegInfo }
  | { k: 'mem'; size: number; base: Register; index: Register; scale: number; disp: bigint; seg: Register; rel: boolean }
  | { k: 'imm'; v: bigint };

export interface EncRequest {
  mnemonic: string;
  prefixes: string[];
  ops: EncOperand[];
}

// ------------------------------------------------------------------ the code tables

interface CodeInfo {
  code: Code;
  kinds: string[];
  memSize: number;
  encoding: EncodingKind;
  /** 16: a 16-bit operand-size form (66 prefix): only chosen when an operand says so. */
  opSize: number;
}

const ALIASES: Record<string, string> = {};
for (const [a, b] of [['z', 'e'], ['nz', 'ne'], ['c', 'b'], ['nc', 'ae'], ['nae', 'b'], ['nb', 'ae'], ['na', 'be'], ['nbe', 'a'], ['pe', 'p'], ['po', 'np'], ['nge', 'l'], ['nl', 'ge'], ['ng', 'le'], ['nle', 'g']]) {
  ALIASES['j' + a] = 'j' + b;
  ALIASES['set' + a] = 'set' + b;
  ALIASES['cmov' + a] = 'cmov' + b;
}
ALIASES['sal'] = 'shl';
ALIASES['pushf'] = 'pushfq';
ALIASES['popf'] = 'popfq';
ALIASES['iret'] = 'iretq';
ALIASES['int1'] = 'int1';

let byMnemonic: Map<string, CodeInfo[]> | null = null;
function tables(): Map<string, CodeInfo[]> {
  if (byMnemonic) return byMnemonic;
  byMnemonic = new Map();
  for (const [name, code] of Object.entries(Code)) {
    if (typeof code !== 'number' || code === Code.INVALID || name.startsWith('Declare') || name === 'Zero_bytes') continue;
    const oc = CodeExt.opCode(code);
    try {
      if (!oc.isInstruction || !oc.mode64) continue;
      const enc = oc.encoding;
      if (enc !== EncodingKind.Legacy && enc !== EncodingKind.VEX && enc !== EncodingKind.EVEX) continue;
      const kinds: string[] = [];
      for (let i = 0; i < oc.opCount; i++) kinds.push(OpCodeOperandKind[oc.opKind(i)]);
      const mn = Mnemonic[oc.mnemonic].toLowerCase();
      const ms = oc.memorySize;
      const info: CodeInfo = { code, kinds, memSize: ms === MemorySize.Unknown ? 0 : MemorySizeExt.size(ms), encoding: enc, opSize: oc.operandSize };
      let l = byMnemonic.get(mn);
      if (!l) byMnemonic.set(mn, (l = []));
      l.push(info);
    } finally {
      oc.free();
    }
  }
  return byMnemonic;
}

export function isMnemonic(m: string): boolean {
  const n = ALIASES[m] ?? m;
  return tables().has(n) || STRING_OPS.has(n);
}

export function allMnemonics(): string[] {
  return [...tables().keys(), ...Object.keys(ALIASES)];
}

/** The iced `Code`s a mnemonic (or alias) can encode to, in table order (for editor hovers). */
export function codesOf(mnemonic: string): Code[] {
  const m = mnemonic.toLowerCase();
  return (tables().get(ALIASES[m] ?? m) ?? []).map((c) => c.code);
}

/** The canonical mnemonic of an alias (`jz` -> `je`), or the mnemonic itself. */
export function canonicalMnemonic(mnemonic: string): string {
  const m = mnemonic.toLowerCase();
  return ALIASES[m] ?? m;
}

// ------------------------------------------------------------------ matching

const GPR_OR_MEM: Record<string, RegClass> = { r8_or_mem: 'gpr8', r16_or_mem: 'gpr16', r32_or_mem: 'gpr32', r32_or_mem_mpx: 'gpr32', r64_or_mem: 'gpr64', r64_or_mem_mpx: 'gpr64', mm_or_mem: 'mm', xmm_or_mem: 'xmm', ymm_or_mem: 'ymm', zmm_or_mem: 'zmm', k_or_mem: 'k', bnd_or_mem_mpx: 'bnd', r16_reg_mem: 'gpr16', r32_reg_mem: 'gpr32', r64_reg_mem: 'gpr64' };
const FIXED: Record<string, string> = { es: 'es', cs: 'cs', ss: 'ss', ds: 'ds', fs: 'fs', gs: 'gs', al: 'al', cl: 'cl', ax: 'ax', dx: 'dx', eax: 'eax', rax: 'rax', st0: 'st0' };

function regKind(kind: string): RegClass | null {
  const m = /^(r8|r16|r32|r64|mm|xmm|xmmp3|ymm|zmm|zmmp3|k|kp1|tmm)_(reg|rm|opcode|vvvv|is4|is5)$/.exec(kind);
  if (m) {
    const c = m[1].replace('p3', '').replace('kp1', 'k');
    return ({ r8: 'gpr8', r16: 'gpr16', r32: 'gpr32', r64: 'gpr64' } as Record<string, RegClass>)[c] ?? (c as RegClass);
  }
  if (kind === 'seg_reg') return 'seg';
  if (kind === 'sti_opcode') return 'st';
  if (kind === 'cr_reg') return 'cr';
  if (kind === 'dr_reg') return 'dr';
  if (kind === 'tr_reg') return 'tr';
  if (kind === 'bnd_reg') return 'bnd';
  return null;
}

function matches(kind: string, o: EncOperand, ci: CodeInfo): boolean {
  if (o.k === 'reg') {
    const g = GPR_OR_MEM[kind];
    if (g) return o.r.cls === g;
    const f = FIXED[kind];
    if (f) return o.r.name === f;
    const rk = regKind(kind);
    return rk !== null && rk === o.r.cls;
  }
  if (o.k === 'mem') {
    if (!(kind in GPR_OR_MEM) && kind !== 'mem' && kind !== 'mem_mpx' && kind !== 'mem_mib' && kind !== 'sibmem') return false;
    if (o.size !== 0 && ci.memSize !== 0 && o.size !== ci.memSize) return false;
    return true;
  }
  switch (kind) {
    case 'imm8': case 'imm8sex16': case 'imm8sex32': case 'imm8sex64': case 'imm16': case 'imm32': case 'imm32sex64': case 'imm64': case 'imm4_m2z':
    case 'br64_1': case 'br64_4':
      return true;
    case 'imm8_const_1':
      return o.v === 1n;
  }
  return false;
}

const STRING_OPS = new Map<string, string>([
  ['movsb', 'Movsb'], ['movsw', 'Movsw'], ['movsd', 'Movsd'], ['movsq', 'Movsq'],
  ['stosb', 'Stosb'], ['stosw', 'Stosw'], ['stosd', 'Stosd'], ['stosq', 'Stosq'],
  ['lodsb', 'Lodsb'], ['lodsw', 'Lodsw'], ['lodsd', 'Lodsd'], ['lodsq', 'Lodsq'],
  ['scasb', 'Scasb'], ['scasw', 'Scasw'], ['scasd', 'Scasd'], ['scasq', 'Scasq'],
  ['cmpsb', 'Cmpsb'], ['cmpsw', 'Cmpsw'], ['cmpsd', 'Cmpsd'], ['cmpsq', 'Cmpsq'],
]);

type AnyCreate = (...a: unknown[]) => Instruction;
const I = Instruction as unknown as Record<string, AnyCreate>;

function fitsI32(v: bigint): boolean {
  return v >= -(1n << 31n) && v < 1n << 31n;
}
function fitsU32(v: bigint): boolean {
  return v >= 0n && v < 1n << 32n;
}

function memOp(o: Extract<EncOperand, { k: 'mem' }>): MemoryOperand {
  const disp = o.rel ? o.disp : BigInt.asIntN(64, o.disp);
  const dsize = o.rel ? 8 : disp === 0n ? 0 : fitsI32(disp) ? 1 : 8;
  return new MemoryOperand(o.base, o.index, o.scale, disp, dsize, false, o.seg);
}

/** Build an Instruction for one code (throws if iced rejects the operands). */
function build(ci: CodeInfo, ops: EncOperand[]): Instruction {
  const shape = ops.map((o) => (o.k === 'reg' ? 'Reg' : o.k === 'mem' ? 'Mem' : 'I')).join('');
  const isBranch = ci.kinds.some((k) => k.startsWith('br64'));
  if (isBranch) {
    const o = ops[0];
    if (ops.length !== 1 || o.k !== 'imm') throw new Error('branch needs a target');
    return Instruction.createBranch(ci.code, BigInt.asUintN(64, o.v));
  }
  // MemoryOperand arguments are passed by value to wasm (consumed by each create call): build fresh ones
  const mkArgs = (): unknown[] => ops.map((o) => (o.k === 'reg' ? o.r.reg : o.k === 'mem' ? memOp(o) : o.v));
  if (!shape.includes('I')) {
    const fn = I['create' + shape];
    if (!fn) throw new Error('no create function for ' + shape);
    return fn.call(Instruction, ci.code, ...mkArgs());
  }
  // the immediate flavour: I32 or U32 (value must fit), then I64/U64 (mov r64, imm64)
  let lastErr: unknown = null;
  const imms = ops.filter((o) => o.k === 'imm').map((o) => (o as { v: bigint }).v);
  for (const f of ['I32', 'U32', 'I64', 'U64']) {
    const fn = I['create' + shape.replace(/I/g, f)];
    if (!fn) continue;
    if (f === 'I32' && !imms.every(fitsI32)) continue;
    if (f === 'U32' && !imms.every(fitsU32)) continue;
    const a = mkArgs().map((x, i) => {
      if (ops[i].k !== 'imm') return x;
      const v = x as bigint;
      return f === 'I64' ? BigInt.asIntN(64, v) : f === 'U64' ? BigInt.asUintN(64, v) : Number(v);
    });
    try {
      return fn.call(Instruction, ci.code, ...a);
    } catch (e) {
      lastErr = e;
    }
  }
  throw lastErr ?? new Error('immediate out of range');
}

export interface Encoded {
  bytes: Uint8Array;
  text: string;
}

export class EncodeError extends Error {}

let encoder: Encoder | null = null;

/** Encode at `rip`. `minLen`: prefer encodings at least this long (branch relaxation convergence). */
export function encodeInstruction(req: EncRequest, rip: bigint, minLen = 0): Uint8Array {
  const mn = ALIASES[req.mnemonic] ?? req.mnemonic;
  const rep = req.prefixes.includes('rep') || req.prefixes.includes('repe') || req.prefixes.includes('repz');
  const repne = req.prefixes.includes('repne') || req.prefixes.includes('repnz');
  const lock = req.prefixes.includes('lock');
  encoder ??= new Encoder(64);
  const enc = encoder;
  // string instructions without operands
  const so = STRING_OPS.get(mn);
  // (iced prints them with their implicit operands, e.g. `rep movsb [rdi],[rsi]`: accepted and ignored)
  if (so && req.ops.every((o) => o.k === 'mem' && o.index === Register.None && !o.rel)) {
    const fn = I['create' + so];
    const rp = rep ? RepPrefixKind.Repe : repne ? RepPrefixKind.Repne : RepPrefixKind.None;
    // stos/scas have no segment-override argument (ES is fixed)
    const ins = fn.length === 2 ? fn.call(Instruction, 64, rp) : fn.call(Instruction, 64, Register.None, rp);
    try {
      if (lock) ins.hasLockPrefix = true;
      const n = enc.encode(ins, rip);
      const all = enc.takeBuffer();
      return all.slice(all.length - n);
    } finally {
      ins.free();
    }
  }
  const cands = tables().get(mn);
  if (!cands) throw new EncodeError(`unknown instruction '${req.mnemonic}'`);
  let best: Uint8Array | null = null;
  let bestAny: Uint8Array | null = null;
  let shapeOk = false;
  let lastErr = '';
  const sizes = new Set<number>();
  for (const ci of cands) {
    if (ci.kinds.length !== req.ops.length) continue;
    if (!ci.kinds.every((k, i) => matches(k, req.ops[i], ci))) continue;
    // `push 5` is pushq, not pushw: 16-bit forms need a 16-bit register or word-sized memory operand
    if (ci.opSize === 16 && !req.ops.some((o) => (o.k === 'reg' && (o.r.cls === 'gpr16' || o.r.cls === 'seg')) || (o.k === 'mem' && o.size === 2))) continue;
    shapeOk = true;
    let ins: Instruction;
    try {
      ins = build(ci, req.ops);
    } catch (e) {
      lastErr = String((e as Error).message ?? e);
      continue;
    }
    try {
      if (lock) ins.hasLockPrefix = true;
      if (rep) ins.hasRepePrefix = true;
      if (repne) ins.hasRepnePrefix = true;
      const n = enc.encode(ins, rip);
      const all = enc.takeBuffer();
      const b = all.slice(all.length - n);
      const unsizedMem = req.ops.some((o) => o.k === 'mem' && o.size === 0) && ci.memSize !== 0;
      if (unsizedMem) sizes.add(ci.memSize);
      if (!bestAny || b.length < bestAny.length) bestAny = b;
      if (b.length >= minLen && (!best || b.length < best.length)) best = b;
    } catch (e) {
      lastErr = String((e as Error).message ?? e);
      enc.takeBuffer();
    } finally {
      ins.free();
    }
  }
  if (sizes.size > 1) throw new EncodeError(`operand size is ambiguous: write byte/word/dword/qword ptr before the memory operand`);
  const r = best ?? bestAny;
  if (r) return r;
  if (!shapeOk) throw new EncodeError(`invalid operands for '${req.mnemonic}' (${req.ops.map(describe).join(', ') || 'no operands'})`);
  throw new EncodeError(`cannot encode '${req.mnemonic}': ${lastErr.replace(/^Error: /, '')}`);
}

function describe(o: EncOperand): string {
  if (o.k === 'reg') return `register ${o.r.name}`;
  if (o.k === 'mem') return o.size ? `${o.size}-byte memory` : 'memory';
  return 'immediate';
}
