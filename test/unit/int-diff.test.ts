/**
 * Integer ISA, native vs emulator: every case runs the same machine-code snippet from the same state on the
 * host CPU (test/unit/oracle.ts: a gcc-compiled harness) and on the emulator, and the final states must agree:
 * GPRs (except RSP, whose absolute value differs; snippets that move it record the delta), the data memory,
 * the fault (signal, si_code, RIP) and the architecturally DEFINED status flags of the instruction (Intel SDM).
 * Flags (and a few results) the SDM leaves undefined are not asserted, but how often the emulator agrees with
 * the host on them is tallied and printed at the end.
 *
 * Run: node --import tsx --test test/unit/int-diff.test.ts   (INT_DIFF_DUMP=1 writes all failures to /tmp)
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { Case, State, Rng, runCases, Result, DATA, DATA_B } from './oracle';

const CF = 0x1, PF = 0x4, AF = 0x10, ZF = 0x40, SF = 0x80, OF = 0x800, DF = 0x400;
const STATUS = CF | PF | AF | ZF | SF | OF;
const FLAG_NAMES: [number, string][] = [[CF, 'CF'], [PF, 'PF'], [AF, 'AF'], [ZF, 'ZF'], [SF, 'SF'], [OF, 'OF']];
/** rbp in every case: memory operands are [rbp+disp] inside data region A (DATA .. DATA+256). */
const MEM = DATA + 128;

const rng = new Rng(0x5eed1234);

// ------------------------------------------------------------------ registers and state

interface RegInfo { i: number; size: number; high: boolean }
const REG = new Map<string, RegInfo>();
{
  const legacy = ['ax', 'cx', 'dx', 'bx', 'sp', 'bp', 'si', 'di'];
  const low8 = ['al', 'cl', 'dl', 'bl', 'spl', 'bpl', 'sil', 'dil'];
  legacy.forEach((x, i) => {
    REG.set('r' + x, { i, size: 64, high: false });
    REG.set('e' + x, { i, size: 32, high: false });
    REG.set(x, { i, size: 16, high: false });
    REG.set(low8[i], { i, size: 8, high: false });
  });
  ['ah', 'ch', 'dh', 'bh'].forEach((x, i) => REG.set(x, { i, size: 8, high: true }));
  for (let i = 8; i < 16; i++) {
    REG.set(`r${i}`, { i, size: 64, high: false });
    REG.set(`r${i}d`, { i, size: 32, high: false });
    REG.set(`r${i}w`, { i, size: 16, high: false });
    REG.set(`r${i}b`, { i, size: 8, high: false });
  }
}
const mask = (bits: number) => (1n << BigInt(bits)) - 1n;

/** Set a register's value at its width, keeping the rest of the 64-bit register. */
function setReg(s: State, name: string, v: bigint): void {
  const r = REG.get(name);
  if (!r) throw new Error(`bad register ${name}`);
  const m = mask(r.size), sh = r.high ? 8n : 0n;
  s.g[r.i] = BigInt.asUintN(64, (s.g[r.i] & ~(m << sh)) | ((v & m) << sh));
}
/** Store a little-endian value of `bits` at absolute address a (data region A or B). */
function setMem(s: State, a: number, bits: number, v: bigint): void {
  const inA = a >= DATA && a < DATA + 256;
  const buf = inA ? s.da : s.db, off = inA ? a - DATA : a - DATA_B;
  for (let k = 0; k < bits / 8; k++) buf[off + k] = Number((v >> BigInt(8 * k)) & 0xffn);
}

/** Random GPRs (rbp = MEM), random data, random status flags (DF clear). */
function base(): State {
  const s = new State();
  for (let i = 0; i < 16; i++) s.g[i] = rng.u64();
  s.g[4] = 0n;
  s.g[5] = BigInt(MEM);
  for (let k = 0; k < s.da.length; k++) s.da[k] = rng.u32() & 0xff;
  for (let k = 0; k < s.db.length; k++) s.db[k] = rng.u32() & 0xff;
  s.fl = BigInt(0x202 | (rng.u32() & STATUS));
  return s;
}

const PTR: Record<number, string> = { 8: 'byte ptr', 16: 'word ptr', 32: 'dword ptr', 64: 'qword ptr' };

// ------------------------------------------------------------------ values

function edges(bits: number): bigint[] {
  const M = mask(bits), H = 1n << BigInt(bits - 1), Q = 1n << BigInt(bits / 2);
  const v = [0n, 1n, 2n, M, M - 1n, H - 1n, H, H + 1n, H - 2n, M / 3n, (M / 3n) * 2n, Q, Q - 1n];
  return [...new Set(v.map((x) => x & M))];
}
function rnd(bits: number): bigint {
  // mostly uniform, sometimes a small magnitude (either sign)
  const v = rng.int(4) === 0 ? BigInt(rng.int(300)) * (rng.int(2) ? -1n : 1n) : rng.u64();
  return v & mask(bits);
}
function vals(bits: number, nRandom: number): bigint[] {
  const out = edges(bits);
  for (let k = 0; k < nRandom; k++) out.push(rnd(bits));
  return out;
}
/** Operand pairs: the full edge grid plus random pairs, or a random sample of n of those. */
function pairs(bits: number, n = 0): [bigint, bigint][] {
  const e = edges(bits);
  const all: [bigint, bigint][] = [];
  for (const a of e) for (const b of e) all.push([a, b]);
  for (let k = 0; k < 24; k++) all.push([rnd(bits), rnd(bits)]);
  for (let k = 0; k < 6; k++) { const a = rnd(bits); all.push([a, a]); }
  if (!n || n >= all.length) return all;
  const out: [bigint, bigint][] = [];
  for (let k = 0; k < n; k++) out.push(all[rng.int(all.length)]);
  return out;
}
function sample<T>(a: T[], n: number): T[] {
  if (a.length <= n) return a;
  const out: T[] = [];
  for (let k = 0; k < n; k++) out.push(a[rng.int(a.length)]);
  return out;
}

// ------------------------------------------------------------------ cases and comparison

interface ICase extends Case {
  grp: string;
  /** Status flags the SDM leaves undefined for this case (not asserted, tallied). */
  undef: number;
  /** GPRs whose final value is architecturally undefined (not asserted, tallied). */
  undefRegs: number[];
}

/** grp -> name -> [matches, total] for undefined flags/results. */
const undefStats = new Map<string, Map<string, [number, number]>>();
function tally(grp: string, what: string, ok: boolean): void {
  let g = undefStats.get(grp);
  if (!g) undefStats.set(grp, (g = new Map()));
  const t = g.get(what) ?? [0, 0];
  if (ok) t[0]++;
  t[1]++;
  g.set(what, t);
}

const GPR_NAMES = ['rax', 'rcx', 'rdx', 'rbx', 'rsp', 'rbp', 'rsi', 'rdi', 'r8', 'r9', 'r10', 'r11', 'r12', 'r13', 'r14', 'r15'];
function hexb(b: Uint8Array, lo: number, hi: number): string {
  let s = '';
  for (let k = lo; k < hi; k++) s += b[k].toString(16).padStart(2, '0');
  return s;
}

function icmp(nat: Result, emu: Result, c: Case): string | null {
  const ic = c as ICase;
  if (nat.sig !== emu.sig || nat.code !== emu.code) {
    return `fault native sig=${nat.sig} code=${nat.code} rip=${nat.rip.toString(16)} / emu sig=${emu.sig} code=${emu.code} rip=${emu.rip.toString(16)}`;
  }
  const d: string[] = [];
  if (nat.sig !== 0 && nat.rip !== emu.rip) d.push(`fault rip ${nat.rip.toString(16)} / ${emu.rip.toString(16)}`);
  const a = nat.st, b = emu.st;
  for (let i = 0; i < 16; i++) {
    if (i === 4) continue;
    if (ic.undefRegs.includes(i)) { tally(ic.grp, `${GPR_NAMES[i]} (undefined result)`, a.g[i] === b.g[i]); continue; }
    if (a.g[i] !== b.g[i]) d.push(`${GPR_NAMES[i]} ${a.g[i].toString(16)} / ${b.g[i].toString(16)}`);
  }
  const fa = Number(a.fl), fb = Number(b.fl);
  const fm = (STATUS | DF) & ~ic.undef;
  if ((fa & fm) !== (fb & fm)) d.push(`rflags ${(fa & fm).toString(16)} / ${(fb & fm).toString(16)} (differ ${((fa ^ fb) & fm).toString(16)})`);
  for (const [bit, n] of FLAG_NAMES) if (ic.undef & bit) tally(ic.grp, n, (fa & bit) === (fb & bit));
  for (let k = 0; k < a.da.length; k++) if (a.da[k] !== b.da[k]) { d.push(`data+${k}: ${hexb(a.da, k, Math.min(k + 8, 256))} / ${hexb(b.da, k, Math.min(k + 8, 256))}`); break; }
  for (let k = 0; k < a.db.length; k++) if (a.db[k] !== b.db[k]) { d.push(`dataB+${k}: ${hexb(a.db, k, Math.min(k + 8, 64))} / ${hexb(b.db, k, Math.min(k + 8, 64))}`); break; }
  return d.length ? d.join('; ') : null;
}

let totalCases = 0;
class Cases {
  list: ICase[] = [];
  add(grp: string, asm: string, st: State, undef = 0, undefRegs: number[] = []): void {
    this.list.push({ name: grp, asm, st, grp, undef, undefRegs, cmp: icmp });
  }
  check(name: string): void {
    const r = runCases(this.list);
    totalCases += r.total;
    console.log(`${name}: ${r.total - r.failures.length}/${r.total} cases match the host CPU`);
    const fmt = (n: number) => r.failures.slice(0, n).map((f) => `[${f.name}] ${f.asm.replace(/\n\s*/g, '; ')}\n    ${f.msg}`).join('\n');
    if (process.env.INT_DIFF_DUMP && r.failures.length) writeFileSync(`/tmp/int-diff-${name.replace(/\W+/g, '_')}.txt`, fmt(1e9) + '\n');
    assert.equal(r.failures.length, 0, `${r.failures.length} mismatches:\n${fmt(30)}`);
  }
}

after(() => {
  const lines = ['', `integer differential suite: ${totalCases} cases`, 'agreement with the host CPU on architecturally undefined flags/results:'];
  for (const [grp, m] of [...undefStats].sort((x, y) => x[0].localeCompare(y[0]))) {
    const parts = [...m].map(([n, [ok, tot]]) => `${n} ${ok}/${tot}${ok === tot ? '' : ` (${((100 * ok) / tot).toFixed(0)}%)`}`);
    lines.push(`  ${grp.padEnd(14)} ${parts.join(', ')}`);
  }
  console.log(lines.join('\n'));
});

// ------------------------------------------------------------------ ALU

const ALU = ['add', 'adc', 'sub', 'sbb', 'and', 'or', 'xor', 'cmp', 'test'];
const LOGIC = new Set(['and', 'or', 'xor', 'test']);
/** Register pairs per size (incl. high-byte and REX-only byte registers). */
const RR: Record<number, [string, string][]> = {
  64: [['rax', 'rbx'], ['r9', 'r10']],
  32: [['eax', 'ebx'], ['r11d', 'ecx']],
  16: [['ax', 'bx'], ['r12w', 'dx']],
  8: [['al', 'bl'], ['ah', 'ch'], ['dh', 'bl'], ['sil', 'r10b'], ['bh', 'ah']],
};
function imms(bits: number): bigint[] {
  const base = [0n, 1n, -1n, 0x7fn, -0x80n, 5n];
  if (bits >= 16) base.push(0x7fffn, -0x8000n, 0x1234n);
  if (bits >= 32) base.push(0x7fffffffn, -0x80000000n, 0x12345678n);
  return base;
}
const immText = (v: bigint) => (v < 0n ? `-0x${(-v).toString(16)}` : `0x${v.toString(16)}`);

test('ALU: add adc sub sbb and or xor cmp test (reg, high8, mem, imm; all sizes; dead-flag variants)', () => {
  const cs = new Cases();
  for (const op of ALU) {
    const undef = LOGIC.has(op) ? AF : 0;
    for (const bits of [8, 16, 32, 64]) {
      const M = mask(bits);
      for (const [k, [A, B]] of RR[bits].entries()) {
        for (const [a, b] of pairs(bits, k === 0 ? 0 : 40)) {
          const s = base();
          setReg(s, A, a);
          setReg(s, B, b);
          cs.add(op, `${op} ${A}, ${B}`, s, undef);
        }
      }
      // same register twice (zero idioms for xor/sub), memory destination and source, immediates
      const [A, B] = RR[bits][0];
      for (const a of vals(bits, 3)) {
        const s = base();
        setReg(s, A, a);
        cs.add(op, `${op} ${A}, ${A}`, s, undef);
      }
      for (const [a, b] of pairs(bits, 40)) {
        const s = base();
        setMem(s, MEM + 8, bits, a);
        setReg(s, B, b);
        cs.add(op, `${op} ${PTR[bits]} [rbp+8], ${B}`, s, undef);
        if (op !== 'test') {
          const t = base();
          setReg(t, A, a);
          setMem(t, MEM - 16, bits, b);
          cs.add(op, `${op} ${A}, ${PTR[bits]} [rbp-16]`, t, undef);
        }
      }
      for (const imm of imms(bits)) {
        for (const a of sample(vals(bits, 2), 6)) {
          const s = base();
          setReg(s, A, a);
          cs.add(op, `${op} ${A}, ${immText(imm)}`, s, undef);
          const t = base();
          setMem(t, MEM + 24, bits, a);
          cs.add(op, `${op} ${PTR[bits]} [rbp+24], ${immText(imm)}`, t, undef);
          if (bits === 32 || bits === 64) { // non-accumulator register with imm (83 / 81 encodings)
            const u = base();
            setReg(u, bits === 32 ? 'r13d' : 'r13', a);
            cs.add(op, `${op} ${bits === 32 ? 'r13d' : 'r13'}, ${immText(imm)}`, u, undef);
          }
          if (bits === 8) {
            const u = base();
            setReg(u, 'bh', a);
            cs.add(op, `${op} bh, ${immText(imm)}`, u, undef);
          }
        }
      }
      // flags dead (the next instruction overwrites them): the emitters' fast paths
      for (const [a, b] of pairs(bits, 12)) {
        const s = base();
        setReg(s, A, a);
        setReg(s, B, b);
        cs.add(op, `${op} ${A}, ${B}\ncmp r12, r13`, s);
      }
      void M;
    }
  }
  // page-crossing read-modify-write into the unmapped page: faults, memory unchanged
  for (const op of ['add', 'sub', 'xor', 'adc']) {
    const s = base();
    s.g[7] = BigInt(DATA_B + 62);
    cs.add(op, `${op} dword ptr [rdi], eax`, s);
  }
  cs.check('alu');
});

test('ADC/SBB chains and idioms', () => {
  const cs = new Cases();
  const chains = [
    'add rax, r8\nadc rbx, r9\nadc rcx, r10\nadc rdx, r11',
    'sub rax, r8\nsbb rbx, r9\nsbb rcx, r10\nsbb rdx, r11',
    'add eax, r8d\nadc ebx, r9d\nadc ecx, r10d\nadc edx, r11d',
    'sub ax, r8w\nsbb bx, r9w\nsbb cx, r10w',
    'add al, r8b\nadc ah, bl\nadc bh, cl',
    'sbb eax, eax', 'sbb rax, rax', 'adc eax, 0', 'sbb ecx, -1', 'adc al, 0x7f', 'sbb bx, 0x8000',
    'cmp rax, rbx\nsbb ecx, ecx', 'cmp eax, ebx\nadc ecx, 0', 'add rax, rbx\nadc rcx, 0\nsetc dl',
    'neg rax\nsbb rax, rax', 'stc\nadc rax, rbx', 'clc\nsbb rax, rbx', 'adc qword ptr [rbp], rax\nadc qword ptr [rbp+8], rbx',
  ];
  for (const asm of chains) {
    for (let k = 0; k < 48; k++) {
      const s = base();
      for (const r of ['rax', 'rbx', 'rcx', 'rdx', 'r8', 'r9', 'r10', 'r11']) setReg(s, r, k < 24 ? rng.pick(edges(64)) : rnd(64));
      if (k < 12) { setReg(s, 'rax', mask(64)); setReg(s, 'rbx', mask(64)); setReg(s, 'rcx', mask(64)); }
      cs.add('adc/sbb', asm, s);
    }
  }
  cs.check('adc-sbb');
});

test('INC DEC NEG NOT (reg, high8, mem; all sizes)', () => {
  const cs = new Cases();
  const dsts: Record<number, string[]> = {
    8: ['al', 'ah', 'r14b', 'byte ptr [rbp+5]'], 16: ['cx', 'word ptr [rbp-6]'], 32: ['edx', 'r8d', 'dword ptr [rbp+12]'],
    64: ['rbx', 'r15', 'qword ptr [rbp-40]'],
  };
  for (const op of ['inc', 'dec', 'neg', 'not']) {
    for (const bits of [8, 16, 32, 64]) {
      for (const d of dsts[bits]) {
        for (const v of vals(bits, 5)) {
          const s = base();
          const m = /\[rbp([+-]\d+)\]/.exec(d);
          if (m) setMem(s, MEM + Number(m[1]), bits, v);
          else setReg(s, d, v);
          cs.add(op, `${op} ${d}`, s);
          if (rng.int(3) === 0) cs.add(op, `${op} ${d}\ncmp r12, r13`, s.clone());
        }
      }
    }
  }
  cs.check('incdec');
});

// ------------------------------------------------------------------ multiply / divide

test('MUL IMUL (1-, 2-, 3-operand) at all sizes', () => {
  const cs = new Cases();
  const U = SF | ZF | AF | PF;
  const one: Record<number, string[]> = { 8: ['bl', 'bh', 'byte ptr [rbp+1]'], 16: ['bx', 'word ptr [rbp+2]'], 32: ['ebx', 'r9d', 'dword ptr [rbp+4]'], 64: ['rbx', 'qword ptr [rbp+8]'] };
  const acc: Record<number, string> = { 8: 'al', 16: 'ax', 32: 'eax', 64: 'rax' };
  for (const op of ['mul', 'imul']) {
    for (const bits of [8, 16, 32, 64]) {
      for (const src of one[bits]) {
        for (const [a, b] of pairs(bits, src === one[bits][0] ? 0 : 50)) {
          const s = base();
          setReg(s, acc[bits], a);
          const m = /\[rbp([+-]\d+)\]/.exec(src);
          if (m) setMem(s, MEM + Number(m[1]), bits, b);
          else if (src === 'bh' && a !== undefined) setReg(s, 'bh', b);
          else setReg(s, src, b);
          cs.add(op, `${op} ${src}`, s, U);
        }
      }
    }
  }
  // imul 2- and 3-operand
  const two: [number, string, string][] = [
    [16, 'ax', 'bx'], [16, 'r10w', 'word ptr [rbp-2]'], [32, 'eax', 'ebx'], [32, 'r11d', 'dword ptr [rbp+4]'],
    [64, 'rax', 'rbx'], [64, 'r12', 'qword ptr [rbp-8]'], [32, 'ecx', 'ecx'],
  ];
  for (const [bits, d, src] of two) {
    for (const [a, b] of pairs(bits, src.includes('[') ? 60 : 0)) {
      const s = base();
      setReg(s, d, a);
      const m = /\[rbp([+-]\d+)\]/.exec(src);
      if (m) setMem(s, MEM + Number(m[1]), bits, b);
      else if (src !== d) setReg(s, src, b);
      cs.add('imul2', `imul ${d}, ${src}`, s, U);
    }
    for (const imm of imms(Math.min(bits, 32))) {
      for (const b of sample(vals(bits, 3), 8)) {
        const s = base();
        const m = /\[rbp([+-]\d+)\]/.exec(src);
        if (m) setMem(s, MEM + Number(m[1]), bits, b);
        else setReg(s, src, b);
        const dd = d === src ? d : d === 'ax' ? 'cx' : d;
        cs.add('imul3', `imul ${dd}, ${src}, ${immText(imm)}`, s, U);
      }
    }
  }
  // flags dead
  for (const asm of ['imul eax, ebx', 'imul rax, rbx', 'imul rcx, rbx, -7', 'mul rbx', 'imul ebx', 'mul ecx', 'imul cx']) {
    for (let k = 0; k < 20; k++) {
      const s = base();
      for (const r of ['rax', 'rbx', 'rcx']) setReg(s, r, k < 10 ? rng.pick(edges(64)) : rnd(64));
      cs.add('mul-dead', `${asm}\ncmp r12, r13`, s);
    }
  }
  cs.check('mul');
});

test('DIV IDIV at all sizes, including #DE (zero divisor, quotient overflow)', () => {
  const cs = new Cases();
  const src: Record<number, string[]> = { 8: ['bl', 'ch', 'byte ptr [rbp+1]'], 16: ['bx', 'word ptr [rbp+2]'], 32: ['ebx', 'r9d', 'dword ptr [rbp+4]'], 64: ['rbx', 'r10', 'qword ptr [rbp+8]'] };
  for (const op of ['div', 'idiv']) {
    for (const bits of [8, 16, 32, 64]) {
      const M = mask(bits);
      for (const d of src[bits]) {
        const divisors = [...edges(bits), rnd(bits), rnd(bits), rnd(bits), 3n, 10n, M - 2n, 7n];
        for (const dv of divisors) {
          for (let k = 0; k < 10; k++) {
            // dividend: small, sign-extended, random high part, or chosen to just fit/just overflow
            let lo = k < 5 ? rng.pick(edges(bits)) : rnd(bits);
            let hi: bigint;
            switch (k % 5) {
              case 0: hi = 0n; break;
              case 1: hi = (lo >> BigInt(bits - 1)) & 1n ? M : 0n; break;
              case 2: hi = rnd(bits) % (dv === 0n ? 1n : dv); break; // unsigned quotient fits
              case 3: hi = rnd(bits); break;
              default: hi = M;
            }
            if (k === 9 && dv > 1n) { // quotient exactly at the limit
              const q = op === 'div' ? M : (M >> 1n);
              const n = q * dv + (dv - 1n);
              lo = n & M; hi = (n >> BigInt(bits)) & M;
            }
            const s = base();
            if (bits === 8) setReg(s, 'ax', (hi << 8n) | lo);
            else {
              setReg(s, bits === 16 ? 'ax' : bits === 32 ? 'eax' : 'rax', lo);
              setReg(s, bits === 16 ? 'dx' : bits === 32 ? 'edx' : 'rdx', hi);
            }
            const m = /\[rbp([+-]\d+)\]/.exec(d);
            if (m) setMem(s, MEM + Number(m[1]), bits, dv);
            else setReg(s, d, dv);
            cs.add(op, `${op} ${d}`, s, STATUS);
          }
        }
      }
    }
  }
  // 64-bit stress: divisors of every magnitude, 64- and 128-bit dividends that mostly do not overflow
  const M64 = mask(64);
  for (const op of ['div', 'idiv']) {
    for (let k = 0; k < 600; k++) {
      const dbits = [1, 8, 16, 31, 32, 33, 48, 53, 54, 63, 64][k % 11];
      let dv = rng.u64() & mask(dbits);
      if (dv === 0n) dv = 1n;
      if (op === 'idiv' && rng.int(2)) dv = (-dv) & M64;
      let lo = rng.u64(), hi: bigint;
      switch (rng.int(4)) {
        case 0: hi = 0n; lo &= mask(1 + rng.int(64)); break;
        case 1: hi = (lo >> 63n) ? M64 : 0n; break; // sign-extended (cqo)
        case 2: { // |hi| < |divisor| (no overflow for div)
          const m = op === 'div' ? dv : (dv >> 63n ? (-dv) & M64 : dv) >> 1n;
          hi = m === 0n ? 0n : rng.u64() % m;
          if (op === 'idiv' && rng.int(2)) { const n = (-((hi << 64n) | lo)) & mask(128); hi = n >> 64n; lo = n & M64; }
          break;
        }
        default: hi = rng.u64();
      }
      const s = base();
      setReg(s, 'rax', lo);
      setReg(s, 'rdx', hi);
      setReg(s, 'rbx', dv);
      cs.add(op, `${op} rbx`, s, STATUS);
    }
  }
  // -2^(n-1) / -1 overflows for idiv
  for (const [bits, r, a, dd] of [[8, 'bl', 'ax', ''], [16, 'bx', 'ax', 'dx'], [32, 'ebx', 'eax', 'edx'], [64, 'rbx', 'rax', 'rdx']] as [number, string, string, string][]) {
    const s = base();
    setReg(s, r, mask(bits));
    if (bits === 8) setReg(s, 'ax', 0xff80n);
    else { setReg(s, a, 1n << BigInt(bits - 1)); setReg(s, dd, mask(bits)); }
    cs.add('idiv', `idiv ${r}`, s, STATUS);
  }
  cs.check('div');
});

// ------------------------------------------------------------------ shifts and rotates

const SHIFTS = ['rol', 'ror', 'rcl', 'rcr', 'shl', 'shr', 'sar'];
const CL_COUNTS = [0, 1, 7, 8, 15, 16, 31, 32, 33, 63, 64, 65, 255, 2, 9, 17];
const IMM_COUNTS = [0, 1, 3, 7, 8, 9, 15, 16, 17, 31, 32, 33, 63];

function shiftUndef(op: string, bits: number, count: number): number {
  const n = count & (bits === 64 ? 63 : 31);
  if (n === 0) return 0;
  const ofU = n !== 1 ? OF : 0;
  if (op === 'rol' || op === 'ror' || op === 'rcl' || op === 'rcr') return ofU;
  return AF | ofU | ((op === 'shl' || op === 'shr' || op === 'sal') && n >= bits ? CF : 0);
}

test('shifts and rotates: rol ror rcl rcr shl shr sar sal by 1, imm and cl (all counts, sizes, reg/high8/mem)', () => {
  const cs = new Cases();
  const dsts: Record<number, string[]> = {
    8: ['al', 'ah', 'byte ptr [rbp+3]'], 16: ['dx', 'word ptr [rbp-2]'], 32: ['eax', 'r10d', 'dword ptr [rbp+4]'],
    64: ['rax', 'r11', 'qword ptr [rbp-8]'],
  };
  for (const op of SHIFTS) {
    for (const bits of [8, 16, 32, 64]) {
      for (const d of dsts[bits]) {
        const m = /\[rbp([+-]\d+)\]/.exec(d);
        const counts: [string, number][] = [
          ...CL_COUNTS.map((c) => ['cl', c] as [string, number]),
          ...IMM_COUNTS.map((c) => [String(c), c] as [string, number]),
        ];
        for (const [ct, count] of counts) {
          for (const v of sample(vals(bits, 4), m ? 3 : 6)) {
            const s = base();
            if (m) setMem(s, MEM + Number(m[1]), bits, v);
            else setReg(s, d, v);
            if (ct === 'cl') setReg(s, 'cl', BigInt(count));
            cs.add(op, `${op} ${d}, ${ct}`, s, shiftUndef(op, bits, count));
          }
        }
        // flags dead: the emitters' inline fast paths
        if (!m) {
          for (const count of [1, 3, 8, 16, 31, 32, 33, 63]) {
            for (const v of sample(vals(bits, 3), 3)) {
              const s = base();
              setReg(s, d, v);
              cs.add(op, `${op} ${d}, ${count}\ncmp r12, r13`, s);
              const t = base();
              setReg(t, d, v);
              setReg(t, 'cl', BigInt(count));
              cs.add(op, `${op} ${d}, cl\ncmp r12, r13`, t);
            }
          }
        }
      }
    }
  }
  // SAL's own encoding (/6) and the D0/D1 (count 1) vs C0/C1 ib 1 encodings
  const raw: [string, string, number, string][] = [
    ['.byte 0xd1, 0xf0', 'eax', 32, 'sal'], ['.byte 0xc1, 0xf0, 0x05', 'eax', 32, 'sal'], ['.byte 0x48, 0xd3, 0xf0', 'rax', 64, 'sal'],
    ['.byte 0xc1, 0xe0, 0x01', 'eax', 32, 'shl'], ['.byte 0x48, 0xc1, 0xe8, 0x01', 'rax', 64, 'shr'], ['.byte 0xc0, 0xf8, 0x01', 'al', 8, 'sar'],
    ['.byte 0xc1, 0xc0, 0x01', 'eax', 32, 'rol'], ['.byte 0xc1, 0xd8, 0x01', 'eax', 32, 'rcr'],
  ];
  for (const [asm, r, bits, op] of raw) {
    for (const v of vals(bits, 4)) {
      for (const c of [1, 5, 40]) {
        const s = base();
        setReg(s, r, v);
        setReg(s, 'cl', BigInt(c));
        const count = asm.includes('0xd3') ? c : asm.includes('0x05') ? 5 : 1;
        cs.add(op, asm, s, shiftUndef(op, bits, count));
      }
    }
  }
  cs.check('shift');
});

test('SHLD SHRD (imm and cl; reg and mem; 16/32/64)', () => {
  const cs = new Cases();
  const forms: [number, string, string][] = [
    [16, 'ax', 'bx'], [16, 'word ptr [rbp+2]', 'r9w'], [32, 'eax', 'ebx'], [32, 'dword ptr [rbp+4]', 'r9d'],
    [64, 'rax', 'rbx'], [64, 'qword ptr [rbp-8]', 'r9'],
  ];
  for (const op of ['shld', 'shrd']) {
    for (const [bits, d, src] of forms) {
      const m = /\[rbp([+-]\d+)\]/.exec(d);
      const counts: [string, number][] = [
        ...CL_COUNTS.map((c) => ['cl', c] as [string, number]),
        ...[0, 1, 4, 15, 16, 17, 24, 31, 32, 33, 63].map((c) => [String(c), c] as [string, number]),
      ];
      for (const [ct, count] of counts) {
        for (const [a, b] of pairs(bits, 5)) {
          const s = base();
          if (m) setMem(s, MEM + Number(m[1]), bits, a);
          else setReg(s, d, a);
          setReg(s, src, b);
          if (ct === 'cl') setReg(s, 'cl', BigInt(count));
          const n = count & (bits === 64 ? 63 : 31);
          let undef = n === 0 ? 0 : AF | (n !== 1 ? OF : 0);
          const undefRegs: number[] = [];
          if (n > bits) { // result and all flags undefined (16-bit with counts 17..31)
            undef = STATUS;
            if (!m) undefRegs.push(REG.get(d)!.i);
          }
          const c = `${op} ${d}, ${src}, ${ct}`;
          if (m && n > bits) continue; // undefined memory result: skip
          cs.add(op, c, s, undef, undefRegs);
        }
      }
    }
  }
  cs.check('shld');
});

// ------------------------------------------------------------------ bit operations

test('BT BTS BTR BTC (reg, imm, memory bit strings with negative/large offsets)', () => {
  const cs = new Cases();
  const U = OF | SF | AF | PF;
  for (const op of ['bt', 'bts', 'btr', 'btc']) {
    for (const bits of [16, 32, 64]) {
      const [A, B] = RR[bits][0];
      const [A2] = RR[bits][1];
      // register destination: offset masked
      for (let k = 0; k < 24; k++) {
        const s = base();
        setReg(s, A, rnd(bits));
        setReg(s, B, k < 8 ? BigInt(k * 9) : rnd(bits));
        cs.add(op, `${op} ${A}, ${B}`, s, U);
        const t = base();
        setReg(t, A2, rnd(bits));
        cs.add(op, `${op} ${A2}, ${[0, 1, 5, 15, 16, 31, 32, 63, 64, 200][k % 10]}`, t, U);
      }
      // memory with immediate: bit offset masked to the operand size
      for (const imm of [0, 3, 15, 17, 31, 33, 63, 100, 255]) {
        const s = base();
        cs.add(op, `${op} ${PTR[bits]} [rbp+8], ${imm}`, s, U);
      }
      // memory bit string: signed register offset selects another word (range kept inside data region A)
      const offs = [0n, 1n, -1n, 7n, 8n, 15n, 16n, 31n, 32n, 63n, 64n, -64n, -65n, 1000n, -1000n, -1024n, 1023n, 500n, -300n];
      for (const o of offs) {
        if (bits === 16 && (o > 1023n || o < -1024n)) continue;
        const s = base();
        setReg(s, B, o & mask(bits));
        cs.add(op, `${op} ${PTR[bits]} [rbp], ${B}`, s, U);
        const t = base();
        setReg(t, B, o & mask(bits));
        t.g[7] = 3n;
        cs.add(op, `${op} ${PTR[bits]} [rbp+rdi*2-6], ${B}`, t, U);
      }
      // far offsets fault
      for (const o of [0x10000000n, -0x10000000n, 1n << 40n, -(1n << 40n)]) {
        if (bits < 64 && (o >= 1n << BigInt(bits - 1) || o < -(1n << BigInt(bits - 1)))) continue;
        const s = base();
        setReg(s, B, o & mask(bits));
        cs.add(op, `${op} ${PTR[bits]} [rbp], ${B}`, s, U);
      }
    }
  }
  cs.check('bt');
});

test('BSF BSR (zero and nonzero sources; reg and mem)', () => {
  const cs = new Cases();
  const U = CF | OF | SF | AF | PF;
  const forms: [number, string, string][] = [
    [16, 'ax', 'bx'], [16, 'cx', 'word ptr [rbp+2]'], [32, 'eax', 'ebx'], [32, 'r9d', 'dword ptr [rbp+4]'],
    [64, 'rax', 'rbx'], [64, 'r10', 'qword ptr [rbp-8]'],
  ];
  for (const op of ['bsf', 'bsr']) {
    for (const [bits, d, src] of forms) {
      const vs = [0n, 0n, 0n, 1n, 2n, 1n << BigInt(bits - 1), mask(bits), 1n << BigInt(bits / 2), 0x10n, ...Array.from({ length: 10 }, () => rnd(bits))];
      for (const v of vs) {
        const s = base();
        const m = /\[rbp([+-]\d+)\]/.exec(src);
        if (m) setMem(s, MEM + Number(m[1]), bits, v);
        else setReg(s, src, v);
        cs.add(op, `${op} ${d}, ${src}`, s, U);
      }
    }
  }
  cs.check('bitscan');
});

// ------------------------------------------------------------------ data movement

test('MOV MOVZX MOVSX MOVSXD CBW..CQO BSWAP XLATB (all forms)', () => {
  const cs = new Cases();
  const snippets = [
    'mov rax, rbx', 'mov eax, ebx', 'mov ax, bx', 'mov al, bl', 'mov ah, bl', 'mov bl, ah', 'mov ch, dh', 'mov sil, r9b',
    'mov rax, 0x123456789abcdef0', 'mov rax, -5', 'mov eax, -5', 'mov ax, 0x8001', 'mov ah, 0x80', 'mov r9b, 0xff',
    'mov qword ptr [rbp+8], rax', 'mov dword ptr [rbp+8], eax', 'mov word ptr [rbp+8], ax', 'mov byte ptr [rbp+8], ah',
    'mov rcx, qword ptr [rbp-8]', 'mov ecx, dword ptr [rbp-8]', 'mov cx, word ptr [rbp-8]', 'mov ch, byte ptr [rbp-8]',
    'mov qword ptr [rbp], -2', 'mov dword ptr [rbp], 0x80000000', 'mov word ptr [rbp], 0x1234', 'mov byte ptr [rbp], 0x99',
    'movabs al, [0x600010]', 'movabs eax, [0x600010]', 'movabs rax, [0x600010]', 'movabs [0x600020], rax', 'movabs [0x600021], ax',
    'movzx eax, bl', 'movzx eax, bh', 'movzx rax, bl', 'movzx ax, bl', 'movzx ax, ah', 'movzx eax, bx', 'movzx rax, bx',
    'movzx ecx, byte ptr [rbp+3]', 'movzx ecx, word ptr [rbp+3]', 'movzx rcx, word ptr [rbp+3]', 'movzx cx, byte ptr [rbp+3]',
    'movsx eax, bl', 'movsx eax, bh', 'movsx rax, bl', 'movsx ax, bl', 'movsx eax, bx', 'movsx rax, bx', 'movsx ax, ch',
    'movsx ecx, byte ptr [rbp+3]', 'movsx ecx, word ptr [rbp+3]', 'movsx rcx, word ptr [rbp+3]', 'movsx cx, byte ptr [rbp+3]',
    'movsxd rax, ebx', 'movsxd rcx, dword ptr [rbp+4]', 'movsxd r9, r10d',
    'cbw', 'cwde', 'cdqe', 'cwd', 'cdq', 'cqo',
    'bswap eax', 'bswap rax', 'bswap r9d', 'bswap r10',
    'xlatb',
  ];
  for (const asm of snippets) {
    for (let k = 0; k < 12; k++) {
      const s = base();
      for (const r of ['rax', 'rbx', 'rcx', 'rdx']) if (k < 6) setReg(s, r, rng.pick(edges(64)));
      if (k % 3 === 0) setReg(s, 'ax', 0x8080n);
      if (asm === 'xlatb') s.g[3] = BigInt(DATA) + BigInt(rng.int(8));
      cs.add('mov', asm, s);
    }
  }
  // BSWAP r16: undefined result (tallied)
  for (const [asm, r] of [['.byte 0x66, 0x0f, 0xc8', 0], ['.byte 0x66, 0x0f, 0xcb', 3], ['.byte 0x66, 0x41, 0x0f, 0xc9', 9]] as [string, number][]) {
    for (let k = 0; k < 8; k++) cs.add('bswap16', asm, base(), 0, [r]);
  }
  cs.check('mov');
});

test('LEA: all address shapes, operand/address sizes, wrap-around', () => {
  const cs = new Cases();
  const shapes = [
    '[rbx]', '[rbx+8]', '[rbx-8]', '[rbx+0x12345678]', '[rbx-0x80000000]', '[rbx+rcx]', '[rbx+rcx*2]', '[rbx+rcx*4+7]',
    '[rbx+rcx*8-0x1000]', '[rcx*8]', '[rcx*4+0x7fffffff]', '[rcx*2-1]', '[rbp]', '[rbp+rbp*2]', '[r13]', '[r12+r13*4+1]',
    '[rsp]', '[rsp+rax*2+16]', '[r8+r9]', '[rax+rax]', '[rip+0]', '[rip-0x20]', '[0x1234]', '[rbx+rbx*8]',
  ];
  const dsts = ['rax', 'eax', 'ax', 'r15', 'r15d', 'r15w'];
  for (const sh of shapes) {
    for (const d of dsts) {
      for (let k = 0; k < 5; k++) {
        const s = base();
        for (const r of ['rax', 'rbx', 'rcx', 'rbp', 'r8', 'r9', 'r12', 'r13']) setReg(s, r, k < 2 ? rng.pick(edges(64)) : rnd(64));
        if (sh.includes('rsp')) { if (d.startsWith('r15') || d.endsWith('ax')) cs.add('lea', `lea ${d}, ${sh}\nsub ${d}, ${d === 'rax' || d === 'r15' ? 'rsp' : d.endsWith('w') || d === 'ax' ? 'sp' : 'esp'}\nxor r14d, r14d`, s); continue; } // (sub's flags depend on the stack address)
        cs.add('lea', `lea ${d}, ${sh}`, s);
      }
    }
  }
  // 0x67: 32-bit address computation (zero-extended), with 64- and 32-bit destinations
  for (const sh of ['[ebx]', '[ebx+ecx]', '[ebx+ecx*4-8]', '[ecx*8+0x7fffffff]', '[r9d+r10d*2+0x10]', '[eax+eax]']) {
    for (const d of ['rax', 'eax', 'ax']) {
      for (let k = 0; k < 6; k++) {
        const s = base();
        for (const r of ['rax', 'rbx', 'rcx', 'r9', 'r10']) setReg(s, r, k < 3 ? rng.pick(edges(64)) : rnd(64));
        cs.add('lea', `lea ${d}, ${sh}`, s);
      }
    }
  }
  cs.check('lea');
});

test('XCHG XADD CMPXCHG CMPXCHG8B CMPXCHG16B (eq/neq, reg and mem, lock)', () => {
  const cs = new Cases();
  const xchg = [
    'xchg rax, rbx', 'xchg eax, ebx', 'xchg ax, bx', 'xchg al, ah', 'xchg bh, cl', 'xchg eax, eax', 'xchg r9, r10',
    'xchg qword ptr [rbp], rcx', 'xchg dword ptr [rbp], ecx', 'xchg word ptr [rbp], cx', 'xchg byte ptr [rbp], ch',
    'lock xchg qword ptr [rbp+8], rdx', 'xchg ecx, ecx', 'xchg r8d, eax', '.byte 0x90', '.byte 0x66, 0x90', '.byte 0x41, 0x90',
  ];
  for (const asm of xchg) for (let k = 0; k < 6; k++) cs.add('xchg', asm, base());
  const xadd: [number, string, string][] = [
    [8, 'al', 'bl'], [8, 'ah', 'bh'], [8, 'byte ptr [rbp+1]', 'cl'], [16, 'ax', 'bx'], [16, 'word ptr [rbp+2]', 'cx'],
    [32, 'eax', 'ebx'], [32, 'dword ptr [rbp+4]', 'ecx'], [64, 'rax', 'rbx'], [64, 'qword ptr [rbp+8]', 'rcx'], [32, 'eax', 'eax'],
  ];
  for (const [bits, d, s0] of xadd) {
    for (const [a, b] of pairs(bits, 30)) {
      const s = base();
      const m = /\[rbp([+-]\d+)\]/.exec(d);
      if (m) setMem(s, MEM + Number(m[1]), bits, a);
      else setReg(s, d, a);
      if (s0 !== d) setReg(s, s0, b);
      cs.add('xadd', `${m ? 'lock ' : ''}xadd ${d}, ${s0}`, s);
    }
  }
  const cx: [number, string, string][] = [
    [8, 'bl', 'cl'], [8, 'ah', 'bh'], [8, 'bh', 'ch'], [8, 'byte ptr [rbp+1]', 'dl'], [16, 'bx', 'cx'], [16, 'word ptr [rbp+2]', 'dx'],
    [32, 'ebx', 'ecx'], [32, 'dword ptr [rbp+4]', 'edx'], [64, 'rbx', 'rcx'], [64, 'qword ptr [rbp+8]', 'rdx'],
    [32, 'eax', 'ecx'], [64, 'rax', 'rcx'], [8, 'al', 'ah'], [32, 'ecx', 'eax'],
  ];
  const accN: Record<number, string> = { 8: 'al', 16: 'ax', 32: 'eax', 64: 'rax' };
  for (const [bits, d, s0] of cx) {
    for (let k = 0; k < 30; k++) {
      const s = base();
      const [a, b] = pairs(bits, 1)[0];
      const m = /\[rbp([+-]\d+)\]/.exec(d);
      if (m) setMem(s, MEM + Number(m[1]), bits, a);
      else setReg(s, d, a);
      setReg(s, accN[bits], k % 2 === 0 ? a : b); // equal in half the cases
      if (d === 'ah' || d === 'al') setReg(s, accN[bits], k % 2 === 0 ? (a & 0xffn) : b);
      cs.add('cmpxchg', `${m && k % 3 === 0 ? 'lock ' : ''}cmpxchg ${d}, ${s0}`, s);
    }
  }
  for (const [asm, n] of [['cmpxchg8b qword ptr [rbp+8]', 8], ['lock cmpxchg16b xmmword ptr [rbp+16]', 16], ['cmpxchg16b xmmword ptr [rbp]', 16], ['cmpxchg16b xmmword ptr [rbp+8]', 16]] as [string, number][]) {
    for (let k = 0; k < 16; k++) {
      const s = base();
      const off = n === 8 ? 136 : asm.includes('+16') ? 144 : asm.includes('+8') ? 136 : 128;
      if (k % 2 === 0) { // equal
        const lo = s.g[0], hi = s.g[2];
        if (n === 8) { setMem(s, DATA + off, 32, lo & mask(32)); setMem(s, DATA + off + 4, 32, hi & mask(32)); }
        else { setMem(s, DATA + off, 64, lo); setMem(s, DATA + off + 8, 64, hi); }
      } else if (k % 4 === 1) { // only the low half equal
        if (n === 8) setMem(s, DATA + off, 32, s.g[0] & mask(32));
        else setMem(s, DATA + off, 64, s.g[0]);
      }
      cs.add('cmpxchg8/16b', asm, s);
    }
  }
  cs.check('xchg');
});

// ------------------------------------------------------------------ condition codes

const CCS = ['o', 'no', 'b', 'ae', 'e', 'ne', 'be', 'a', 's', 'ns', 'p', 'np', 'l', 'ge', 'le', 'g'];
const CC_FLAGS: Record<string, number> = {
  o: OF, no: OF, b: CF, ae: CF, e: ZF, ne: ZF, be: CF | ZF, a: CF | ZF, s: SF, ns: SF, p: PF, np: PF,
  l: SF | OF, ge: SF | OF, le: ZF | SF | OF, g: ZF | SF | OF,
};
/** [asm, bits, regA, regB, flags left undefined] — B may be '' (unary) or a count register. */
const PRODUCERS: [string, number, string, string, number][] = [
  ['cmp rax, rbx', 64, 'rax', 'rbx', 0], ['cmp eax, ebx', 32, 'eax', 'ebx', 0], ['cmp ax, bx', 16, 'ax', 'bx', 0],
  ['cmp al, bl', 8, 'al', 'bl', 0], ['cmp ah, bl', 8, 'ah', 'bl', 0], ['cmp eax, 0x7fffffff', 32, 'eax', '', 0],
  ['cmp rax, -1', 64, 'rax', '', 0], ['cmp ecx, 0', 32, 'ecx', '', 0], ['cmp qword ptr [rbp], rbx', 64, '[rbp]', 'rbx', 0],
  ['cmp dword ptr [rbp], 0x80', 32, '[rbp]', '', 0],
  ['sub rax, rbx', 64, 'rax', 'rbx', 0], ['sub eax, ebx', 32, 'eax', 'ebx', 0], ['sub al, bl', 8, 'al', 'bl', 0],
  ['test rax, rbx', 64, 'rax', 'rbx', AF], ['test eax, ebx', 32, 'eax', 'ebx', AF], ['test eax, eax', 32, 'eax', '', AF],
  ['test al, bl', 8, 'al', 'bl', AF], ['test rax, rax', 64, 'rax', '', AF], ['test cx, cx', 16, 'cx', '', AF],
  ['and eax, ebx', 32, 'eax', 'ebx', AF], ['and rax, rbx', 64, 'rax', 'rbx', AF], ['or ax, bx', 16, 'ax', 'bx', AF],
  ['xor rax, rbx', 64, 'rax', 'rbx', AF], ['xor eax, eax', 32, 'eax', '', AF],
  ['add eax, ebx', 32, 'eax', 'ebx', 0], ['add rax, rbx', 64, 'rax', 'rbx', 0], ['add al, bl', 8, 'al', 'bl', 0],
  ['adc eax, ebx', 32, 'eax', 'ebx', 0], ['sbb rax, rbx', 64, 'rax', 'rbx', 0], ['inc eax', 32, 'eax', '', 0],
  ['dec rax', 64, 'rax', '', 0], ['dec al', 8, 'al', '', 0], ['neg eax', 32, 'eax', '', 0], ['neg rax', 64, 'rax', '', 0],
  ['shl eax, 1', 32, 'eax', '', AF], ['shr rax, 1', 64, 'rax', '', AF], ['sar eax, 1', 32, 'eax', '', AF],
  ['shl rax, 5', 64, 'rax', '', AF | OF], ['imul eax, ebx', 32, 'eax', 'ebx', SF | ZF | AF | PF], ['bt rax, rbx', 64, 'rax', 'rbx', OF | SF | AF | PF],
  ['bsf eax, ebx', 32, 'eax', 'ebx', CF | OF | SF | AF | PF], ['nop', 64, 'rax', '', 0], ['stc', 64, 'rax', '', 0], ['cmc', 64, 'rax', '', 0],
  ['popfq', 64, '', '', 0],
];
function ccPairs(bits: number): [bigint, bigint][] {
  const M = mask(bits), H = 1n << BigInt(bits - 1);
  return [[0n, 0n], [1n, 0n], [0n, 1n], [M, 1n], [1n, M], [H, 1n], [H - 1n, M], [H, H], [H - 1n, H], [H, H - 1n], [M, M], [2n, 3n],
    [rnd(bits), rnd(bits)], [rnd(bits), rnd(bits)]];
}
function producerState(p: (typeof PRODUCERS)[number], a: bigint, b: bigint): State {
  const [asm, bits, A, B] = p;
  const s = base();
  if (A === '[rbp]') setMem(s, MEM, bits, a);
  else if (A) setReg(s, A, a);
  if (B) setReg(s, B, b);
  if (asm === 'popfq') { // flags from memory via the stack
    s.g[3] = BigInt(0x202 | (Number(a & 0xffffn) & STATUS));
    return s;
  }
  return s;
}
const prodAsm = (p: (typeof PRODUCERS)[number]) => (p[0] === 'popfq' ? 'push rbx\npopfq' : p[0]);

test('SETcc / CMOVcc / Jcc for all 16 conditions after many flag producers', () => {
  const cs = new Cases();
  for (const p of PRODUCERS) {
    const undef = p[4];
    for (const [k, cc] of CCS.entries()) {
      if (CC_FLAGS[cc] & undef) continue; // condition depends on an undefined flag
      for (const [a, b] of ccPairs(p[1])) {
        const pa = prodAsm(p);
        cs.add(`set${cc}`, `${pa}\nset${cc} r14b`, producerState(p, a, b), undef);
        const cm = ['rdx, r8', 'edx, r8d', 'dx, word ptr [rbp+16]', 'rdx, qword ptr [rbp+16]'][k % 4];
        cs.add(`cmov${cc}`, `${pa}\ncmov${cc} ${cm}`, producerState(p, a, b), undef);
        cs.add(`j${cc}`, `${pa}\nj${cc} 1f\nmov r14d, 1\n1:`, producerState(p, a, b), undef);
        if (k % 5 === 0) cs.add(`set${cc}`, `${pa}\nset${cc} byte ptr [rbp+7]`, producerState(p, a, b), undef);
        // the producer's flags dead after its consumers (fused compare without lazy-flag stores), with its
        // operand registers overwritten in between
        cs.add(`set${cc}`, `${pa}\nmov eax, 7\nmov rbx, -1\nset${cc} r14b\ncmov${cc} rdx, rbx\ncmp r12, r13`, producerState(p, a, b));
      }
    }
    // all 16 conditions evaluated from one producer (several consumers of the same flags)
    const ok = CCS.filter((cc) => !(CC_FLAGS[cc] & undef));
    const regs8 = ['dl', 'dh', 'sil', 'dil', 'r8b', 'r9b', 'r10b', 'r11b', 'r12b', 'r13b', 'r14b', 'r15b'];
    for (let part = 0; part < ok.length; part += regs8.length) {
      const body = ok.slice(part, part + regs8.length).map((cc, j) => `set${cc} ${regs8[j]}`).join('\n');
      for (const [a, b] of ccPairs(p[1])) cs.add('setcc-multi', `${prodAsm(p)}\n${body}`, producerState(p, a, b), undef);
    }
  }
  // CMOVcc with a memory source reads (and may fault) whether or not the condition holds
  for (const cc of ['e', 'ne']) {
    const s = base();
    s.g[7] = BigInt(DATA_B + 60);
    cs.add('cmov-fault', `cmp eax, eax\ncmov${cc} rcx, qword ptr [rdi]`, s);
  }
  cs.check('cc');
});

// ------------------------------------------------------------------ flag instructions

test('LAHF SAHF PUSHF POPF CLC STC CMC CLD STD after lazy flag producers', () => {
  const cs = new Cases();
  const prods = ['nop', 'add eax, ebx', 'sub rax, rbx', 'and ecx, edx', 'inc eax', 'dec rbx', 'shl eax, cl', 'imul eax, ebx', 'adc eax, ebx', 'neg rax', 'xor eax, eax'];
  const ops = [
    'lahf', 'sahf', 'pushfq\npop rcx', 'pushfw\npop cx', 'push rbx\npopfq', 'push bx\npopfw', 'clc', 'stc', 'cmc', 'cmc\ncmc',
    'std\ncld', 'std\npushfq\npop rcx\ncld', 'sahf\nlahf', 'clc\nadc eax, 0', 'stc\nsbb ecx, ecx', 'cmc\nsetc dl',
  ];
  for (const p of prods) {
    for (const op of ops) {
      for (let k = 0; k < 8; k++) {
        const s = base();
        if (k < 4) for (const r of ['rax', 'rbx', 'rcx', 'rdx']) setReg(s, r, rng.pick(edges(64)));
        if (op.includes('popf')) s.g[3] = BigInt(0x202 | (rng.u32() & (STATUS | DF))) | (BigInt(rng.u32() & 0x3000) << 0n); // IOPL bits are ignored in user mode
        const undef = p.startsWith('imul') ? SF | ZF | AF | PF : p.startsWith('shl') ? AF | OF : p.startsWith('and') || p.startsWith('xor') ? AF : 0;
        // popf replaces every flag; sahf all but OF; otherwise the producer's undefined flags survive
        const u = op.includes('popf') ? 0 : op.startsWith('sahf') ? undef & OF : undef;
        // lahf/pushf copy the (possibly undefined) flags into a register
        const regs = undef && (op === 'lahf' || op.startsWith('pushf') || op.includes('pushfq')) ? [0, 1] : [];
        cs.add('flags', `${p}\n${op}${op.includes('popf') ? '\ncld' : ''}`, s, u, regs);
      }
    }
  }
  cs.check('flags');
});

// ------------------------------------------------------------------ strings

test('string ops: movs stos lods cmps scas (b/w/d/q) with rep/repe/repne, DF=0/1, faults mid-way', () => {
  const cs = new Cases();
  const sfx: Record<number, string> = { 1: 'b', 2: 'w', 4: 'd', 8: 'q' };
  for (const size of [1, 2, 4, 8]) {
    const x = sfx[size];
    const forms = [
      `movs${x}`, `rep movs${x}`, `stos${x}`, `rep stos${x}`, `lods${x}`, `rep lods${x}`,
      `cmps${x}`, `repe cmps${x}`, `repne cmps${x}`, `scas${x}`, `repe scas${x}`, `repne scas${x}`,
    ];
    for (const f of forms) {
      for (let k = 0; k < 16; k++) {
        const s = base();
        const df = k % 2 === 1;
        if (df) s.fl |= BigInt(DF);
        // low-entropy data so compares hit equal runs
        for (let j = 0; j < 256; j++) s.da[j] = rng.int(4) === 0 ? rng.u32() & 0xff : 0x41;
        setReg(s, 'rax', k % 4 < 2 ? 0x4141414141414141n : rnd(64));
        const n = [0, 1, 2, 3, 5, 8, 13, 20][k % 8];
        setReg(s, 'rcx', BigInt(n));
        s.g[6] = BigInt(df ? DATA + 200 - (k % 3) : DATA + 8 + (k % 3));
        s.g[7] = BigInt(df ? DATA + 248 - (k % 5) : DATA + 90 + (k % 5));
        cs.add(f, `${f}\ncld`, s);
      }
      // running into the unmapped page: fault with RSI/RDI/RCX showing the progress made
      if (f.startsWith('rep')) {
        const s = base();
        for (let j = 0; j < 64; j++) s.db[j] = 0x41;
        setReg(s, 'rax', 0x4141414141414141n);
        setReg(s, 'rcx', 40n);
        s.g[6] = BigInt(DATA_B);
        s.g[7] = BigInt(DATA_B + 8);
        cs.add(f, `${f}\ncld`, s);
      }
    }
  }
  // 0x67: ESI/EDI/ECX (upper register halves ignored, results written as 32-bit registers)
  for (const f of ['movsb', 'rep movsb', 'rep stosd', 'lodsw', 'repe cmpsb', 'repne scasb', 'rep movsq', 'scasq']) {
    for (let k = 0; k < 6; k++) {
      const s = base();
      if (k % 2) s.fl |= BigInt(DF);
      for (let j = 0; j < 256; j++) s.da[j] = rng.int(3) === 0 ? rng.u32() & 0xff : 0x41;
      setReg(s, 'rax', 0x4141414141414141n);
      s.g[1] = (rng.u64() & ~0xffffffffn) | BigInt(k);
      s.g[6] = (rng.u64() & ~0xffffffffn) | BigInt(k % 2 ? DATA + 200 : DATA + 8);
      s.g[7] = (rng.u64() & ~0xffffffffn) | BigInt(k % 2 ? DATA + 248 : DATA + 90);
      cs.add(`a32 ${f}`, `.byte 0x67\n${f}\ncld`, s);
    }
  }
  // segment overrides (fs/gs sources) are not covered: the native harness cannot set FS/GS bases
  cs.check('string');
});

// ------------------------------------------------------------------ stack and control flow

test('PUSH POP CALL RET LEAVE ENTER LOOP JRCXZ (stack delta in r15)', () => {
  const cs = new Cases();
  const wrap = (body: string) => `mov r15, rsp\n${body}\nsub r15, rsp`;
  const snippets = [
    'push rax\npop rbx', 'push 0x12345678\npop rcx', 'push -5\npop rcx', 'push 0x7f\npop rcx', 'push ax\npop bx', 'push r9w\npop r10w',
    '.byte 0x66, 0x68, 0x34, 0x12\npop cx', 'push qword ptr [rbp]\npop qword ptr [rbp+8]', 'push word ptr [rbp]\npop word ptr [rbp+8]',
    'push rsp\npop rax\nsub rax, rsp', 'push rbx\npop qword ptr [rsp-16]\nmov rcx, [rsp-16]', 'push bx\npop word ptr [rsp-4]\nmov cx, [rsp-4]', 'push rax\npush rbx\npop rax\npop rbx',
    'push rsp\npop rsp', 'mov rax, rsp\npush rax\npop rsp\nsub rax, rsp',
    'call 1f\njmp 2f\n1: mov eax, 5\nret\n2:', 'call 1f\n1: pop rax', 'lea rbx, [rip+1f]\ncall rbx\njmp 2f\n1: mov ecx, 7\nret\n2:',
    'lea rax, [rip+1f]\nmov [rbp], rax\ncall qword ptr [rbp]\njmp 2f\n1: mov ecx, 9\nret\n2:',
    'sub rsp, 8\ncall 1f\njmp 2f\n1: ret 8\n2:', 'sub rsp, 16\ncall 1f\njmp 2f\n1: .byte 0xf3\nret 16\n2:',
    'push rbp\nmov rbp, rsp\nsub rsp, 32\nmov qword ptr [rbp-8], rax\nmov rbx, [rbp-8]\nleave',
    'enter 16, 0\nmov qword ptr [rbp-8], rcx\nleave', 'enter 0, 0\nleave', 'enter 8, 1\nmov rax, [rbp-8]\nsub rax, rbp\nmov rbx, rsp\nsub rbx, rbp\nleave',
    'enter 24, 3\nmov rax, [rbp-8]\nmov rcx, [rbp-16]\nmov rdx, [rbp-24]\nsub rdx, rbp\nmov rbx, rbp\nsub rbx, rsp\nleave',
    'lea rax, [rip+1f]\njmp rax\nmov ecx, 1\n1:', 'lea rax, [rip+1f]\nmov [rbp+8], rax\njmp qword ptr [rbp+8]\nmov ecx, 1\n1:',
  ];
  for (const body of snippets) {
    for (let k = 0; k < 4; k++) cs.add('stack', wrap(body), base());
  }
  const loops = [
    '1: add eax, 1\nloop 1b', '1: add eax, 1\ncmp eax, ebx\nloope 1b', '1: add eax, 1\ncmp eax, ebx\nloopne 1b',
    'jrcxz 1f\nmov eax, 1\n1:', 'jecxz 1f\nmov eax, 1\n1:', '1: dec rbx\nloopne 1b', '1: add eax, 1\naddr32 loop 1b',
  ];
  for (const body of loops) {
    for (const n of [1n, 2n, 3n, 7n, 0x100000000n, 0x100000001n, 0n]) {
      if (n === 0n && body.includes('loop')) continue; // 2^64 iterations
      if (n >= 0x100000000n && body.includes('loop') && !body.includes('addr32')) continue;
      if (n === 0x100000000n && body.includes('addr32')) continue;
      const s = base();
      setReg(s, 'rcx', n);
      setReg(s, 'rax', BigInt(rng.int(4)));
      setReg(s, 'rbx', BigInt(rng.int(6)));
      cs.add('loop', body, s);
    }
  }
  cs.check('stack');
});

// ------------------------------------------------------------------ misc

test('misc: multi-byte NOPs, lock prefixes, rep ret, SETcc to memory, NEG/NOT memory', () => {
  const cs = new Cases();
  const snippets = [
    'nop', 'nop dword ptr [rax]', 'nop dword ptr [rax+rax*1+0]', 'nop word ptr [rax+rax*1+0]', '.byte 0x66, 0x2e, 0x0f, 0x1f, 0x84, 0, 0, 0, 0, 0',
    '.byte 0x66, 0x66, 0x2e, 0x0f, 0x1f, 0x84, 0, 0, 0, 0, 0', '.byte 0x0f, 0x1f, 0x40, 0x00', '.byte 0x0f, 0x1f, 0x44, 0x00, 0x00', 'xchg ax, ax',
    'lock add dword ptr [rbp], eax', 'lock sub qword ptr [rbp+8], rbx', 'lock and byte ptr [rbp+1], cl', 'lock or word ptr [rbp+2], 0x8001',
    'lock xor qword ptr [rbp], -1', 'lock inc dword ptr [rbp+4]', 'lock dec qword ptr [rbp]', 'lock neg dword ptr [rbp]', 'lock not byte ptr [rbp+3]',
    'lock adc dword ptr [rbp], ecx', 'lock sbb byte ptr [rbp], 1', 'lock bts dword ptr [rbp], ecx', 'lock btr qword ptr [rbp], 7', 'lock btc word ptr [rbp], cx',
    'rep ret', 'endbr64', 'pause', 'mfence', 'lfence', 'sfence', 'prefetcht0 [rbp]', 'prefetchnta [rbp+64]', 'prefetchw [rbp]',
    'sete byte ptr [rbp+9]', 'setb byte ptr [rbp-3]', 'neg qword ptr [rbp+16]', 'not dword ptr [rbp+20]',
    'cmp eax, ebx\nsete al\nmovzx eax, al', 'test ecx, ecx\nsetne cl\nsetg ch',
    // addressing: negative index, no base, 0x67 (32-bit, wrapping) addresses, faults below the data page
    'mov eax, [rbp+rcx]', 'mov rax, [rbp+rcx*2-16]', 'mov ax, [rcx*4+0x600080]', 'add [rbp+rcx*8+8], rdx',
    'mov eax, [ebp+ecx]', 'mov eax, [ebp+ecx*4-8]', 'mov rax, [ecx+0x600100]', 'lea rax, [ebp+ecx*8]\nmov rax, [rax]',
    'mov byte ptr [rbp+rcx], 7', 'inc word ptr [rbp+rcx*2]',
    // LOCK on a register destination or a non-lockable instruction: #UD
    '.byte 0xf0, 0x01, 0xd8', '.byte 0xf0, 0x0f, 0xc1, 0xd8', '.byte 0xf0, 0x89, 0x45, 0x00', '.byte 0xf0, 0x0f, 0xa3, 0x45, 0x00',
  ];
  for (const asm of snippets) {
    for (let k = 0; k < 8; k++) {
      const s = base();
      setReg(s, 'rcx', BigInt(rng.int(200)) - 100n);
      cs.add('misc', asm, s, asm.includes('bt') ? OF | SF | AF | PF : asm.includes('and') || asm.includes('or') ? AF : 0);
    }
  }
  cs.check('misc');
});
