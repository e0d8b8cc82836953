/**
 * x87 FPU instructions compared against the host CPU (test/unit/oracle.ts): the register stack (exact 80-bit
 * images), status word (flags, condition codes, TOP, ES/B), control word, tags, RFLAGS for FCOMI, memory
 * results, and #MF faults. Every arithmetic case runs under several precision/rounding controls and with
 * unmasked exceptions. Run: node --import tsx --test test/unit/x87.test.ts
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Case, State, Rng, runCasesAsync, formatFailures, DATA, DATA_B, D_SPECIAL, F_SPECIAL, Result, compare } from './oracle';

const rng = new Rng(777);
type X80 = [number, bigint]; // sign/exponent word, mantissa

const X_SPECIAL: X80[] = [
  [0x0000, 0n], [0x8000, 0n], [0x3fff, 1n << 63n], [0xbfff, 1n << 63n], [0x4000, 0xa000000000000000n], [0x3ffd, 0xaaaaaaaaaaaaaaabn],
  [0x4000, 0xc90fdaa22168c235n], [0x7ffe, 0xffffffffffffffffn], [0xfffe, 0xffffffffffffffffn], [0x0001, 1n << 63n],
  [0x0000, 1n], [0x8000, 0x7fffffffffffffffn], [0x0000, 0x8000000000000001n], // denormals, pseudo-denormal
  [0x7fff, 1n << 63n], [0xffff, 1n << 63n], // inf
  [0x7fff, 0xc000000000000001n], [0xffff, 0xc000000000000000n], [0x7fff, 0xe0000000000abcden], // QNaN, indefinite
  [0x7fff, 0x8000000000000001n], [0xffff, 0xa000000000001234n], // SNaN
  [0x4000, 0x4000000000000000n], [0x7fff, 0x4000000000000001n], [0x7fff, 0n], // unnormal, pseudo-NaN, pseudo-inf
  [0x3fff, 0x8000000000000400n], [0x3fff, 0x8000000000000401n], [0x3fff, 0x80000000000007ffn], [0x3fff, 0xffffffffffffffffn],
  [0x3fff, 0x8000008000000000n], [0xbfff, 0x8000018000000000n], [0x403e, 0xffffffffffffffffn], [0x403d, 0x8000000000000000n],
  [0xc03d, 0x8000000000000000n], [0x401d, 0xfffffffe00000000n], [0x400e, 0xffff000000000000n], [0x3ffe, 0x8000000000000000n],
  [0x3ffe, 0xc000000000000000n], [0x4000, 0xc000000000000000n], [0x43fe, 0x8000000000000000n], [0x3c01, 0x8000000000000001n],
  [0x3b00, 0x8000000000000000n], [0x4400, 0xf000000000000001n], [0x0002, 0x8000000000000003n],
];
function randX(): X80 {
  switch (rng.int(5)) {
    case 0: return rng.pick(X_SPECIAL);
    case 1: return [(rng.int(2) << 15) | rng.int(0x8000), rng.u64() | (1n << 63n)];
    case 2: return [(rng.int(2) << 15) | (0x3fff + rng.int(80) - 40), rng.u64() | (1n << 63n)];
    case 3: return [(rng.int(2) << 15) | (0x3fff + rng.int(20) - 10), (rng.u64() & ~0xffffffn) | (1n << 63n)];
    default: return [(rng.int(2) << 15) | (0x3fff + rng.int(64)), (BigInt(rng.u32()) << 32n | (1n << 63n))];
  }
}
/** Random "ordinary" value (finite, normal). */
function randN(): X80 {
  return [(rng.int(2) << 15) | (0x3fff + rng.int(60) - 30), rng.u64() | (1n << 63n)];
}

/** Base state with random GPRs/XMMs, rsi = data A, rdi = data B, and an x87 stack holding vals (ST0 first). */
function base(vals: X80[], top = rng.int(8), cw = 0x037f): State {
  const s = new State();
  for (let n = 0; n < 16; n++) for (let k = 0; k < 4; k++) s.x32(n, k, rng.u32());
  for (let i = 0; i < 16; i++) s.g[i] = rng.u64();
  s.g[6] = BigInt(DATA);
  s.g[7] = BigInt(DATA_B);
  s.g[4] = 0n;
  for (let k = 0; k < s.da.length; k++) s.da[k] = rng.u32() & 0xff;
  s.fcw = cw;
  s.fsw = top << 11;
  let tags = 0;
  for (let i = 0; i < 8; i++) {
    // empty registers keep stale contents too
    const v = i < vals.length ? vals[i] : randX();
    s.st(i, v[0], v[1]);
    if (i < vals.length) tags |= 1 << ((top + i) & 7);
  }
  s.ftw = tags;
  s.fl = BigInt(0x202 | (rng.u32() & 0x8d5));
  return s;
}
function setM80(s: State, off: number, v: X80): void {
  const dv = new DataView(s.da.buffer);
  dv.setBigUint64(off, v[1], true);
  dv.setUint16(off + 8, v[0], true);
}

/**
 * Each test has a deadline (CASE_TIMEOUT for the emulator and native runs, which runCasesAsync enforces even
 * on a synchronous hang, and TEST_TIMEOUT for the whole test), so a regression can never hang the suite.
 */
const CASE_TIMEOUT = 50_000, TEST_TIMEOUT = 60_000;
async function check(name: string, cases: Case[]): Promise<void> {
  const r = await runCasesAsync(cases, CASE_TIMEOUT);
  console.log(`${name}: ${r.total - r.failures.length}/${r.total} cases match the host CPU`);
  if (process.env.ORACLE_DUMP) require('node:fs').writeFileSync(`/tmp/x87fail-${name.replace(/\W/g, '_')}.txt`, formatFailures(r, 100000));
  assert.equal(r.failures.length, 0, `${r.failures.length} mismatches:\n${formatFailures(r)}`);
}

/** Control words: default (PC=64, RN), PC=53/24, RD/RU/RZ, combined, and unmasked exceptions. */
const CWS = [0x037f, 0x027f, 0x007f, 0x077f, 0x0b7f, 0x0f7f, 0x0e7f, 0x047f, 0x037e, 0x037b, 0x0377, 0x036f, 0x035f, 0x037d];

// ------------------------------------------------------------------ arithmetic

test('x87 arithmetic: fadd/fsub/fsubr/fmul/fdiv/fdivr (register, popping, memory, integer forms)', { timeout: TEST_TIMEOUT }, async () => {
  const cases: Case[] = [];
  const ops = ['fadd', 'fsub', 'fsubr', 'fmul', 'fdiv', 'fdivr'];
  for (const op of ops) {
    const forms = [`${op} st, st(1)`, `${op} st(2), st`, `${op}p st(1), st`, `${op} st, st(0)`];
    // specials x specials under the default control word
    for (const a of X_SPECIAL) {
      for (let k = 0; k < X_SPECIAL.length; k += 2) {
        const b = X_SPECIAL[(k + rng.int(2)) % X_SPECIAL.length];
        cases.push({ name: op, asm: forms[rng.int(3)], st: base([a, b, randX()]) });
      }
    }
    for (let k = 0; k < 500; k++) {
      const cw = CWS[k % CWS.length];
      cases.push({ name: `${op} cw=${cw.toString(16)}`, asm: forms[k % 4], st: base([randX(), randX(), randN()], rng.int(8), cw) });
    }
    // memory forms
    for (let k = 0; k < 80; k++) {
      const s = base([randX(), randX()], rng.int(8), CWS[k % CWS.length]);
      const dv = new DataView(s.da.buffer);
      dv.setBigUint64(0, D_SPECIAL[k % D_SPECIAL.length] ^ (k > D_SPECIAL.length ? rng.u64() & 0xfffffn : 0n), true);
      dv.setUint32(8, F_SPECIAL[k % F_SPECIAL.length], true);
      dv.setUint32(12, rng.u32(), true);
      dv.setUint16(16, [0, 1, 0x7fff, 0x8000, 0xffff][k % 5], true);
      cases.push({ name: `${op} m64`, asm: `${op} qword ptr [rsi]`, st: s });
      cases.push({ name: `${op} m32`, asm: `${op} dword ptr [rsi+8]`, st: s.clone() });
      cases.push({ name: `fi${op.slice(1)} m32`, asm: `fi${op.slice(1)} dword ptr [rsi+12]`, st: s.clone() });
      cases.push({ name: `fi${op.slice(1)} m16`, asm: `fi${op.slice(1)} word ptr [rsi+16]`, st: s.clone() });
    }
  }
  // empty operands (stack underflow), masked and unmasked
  for (const cw of [0x037f, 0x037e]) {
    cases.push({ name: 'underflow', asm: 'fadd st, st(1)', st: base([randN()], 3, cw) });
    cases.push({ name: 'underflow', asm: 'fmulp st(1), st', st: base([], 5, cw) });
  }
  await check('arith', cases);
});

test('x87 fsqrt, frndint, fscale, fxtract, fprem, fprem1, fchs, fabs', { timeout: TEST_TIMEOUT }, async () => {
  const cases: Case[] = [];
  for (const asm of ['fsqrt', 'frndint', 'fscale', 'fxtract', 'fprem', 'fprem1', 'fchs', 'fabs']) {
    for (const a of X_SPECIAL) cases.push({ name: asm, asm, st: base([a, randX()]) });
    for (let k = 0; k < 300; k++) {
      const cw = CWS[k % CWS.length];
      let b = randX();
      if (asm === 'fscale' && k % 2) b = [(rng.int(2) << 15) | (0x3fff + rng.int(16)), rng.u64() | (1n << 63n)];
      if (asm.startsWith('fprem') && k % 3 === 0) b = [(rng.int(2) << 15) | (0x3fff + rng.int(64) - 32), rng.u64() | (1n << 63n)];
      const a = asm.startsWith('fprem') && k % 3 === 1 ? [(rng.int(2) << 15) | (0x3fff + rng.int(200)), rng.u64() | (1n << 63n)] as X80 : randX();
      cases.push({ name: `${asm} cw=${cw.toString(16)}`, asm, st: base([a, b], rng.int(8), cw) });
    }
  }
  // fprem loop as fmod does it (until C2 clears)
  for (let k = 0; k < 40; k++) {
    const a: X80 = [0x3fff + rng.int(3000), rng.u64() | (1n << 63n)];
    const b: X80 = [0x3fff + rng.int(10), rng.u64() | (1n << 63n)];
    const asm = `1: ${k % 2 ? 'fprem1' : 'fprem'}\nfnstsw ax\ntest ah, 4\njnz 1b`;
    cases.push({ name: 'fmod loop', asm, st: base([a, b]) });
  }
  await check('unary', cases);
});

test('x87 compares: fcom/fcomp/fcompp/fucom*/fcomi*/fucomi*/ficom/ftst/fxam', { timeout: TEST_TIMEOUT }, async () => {
  const cases: Case[] = [];
  const forms = ['fcom st(1)', 'fcomp st(1)', 'fcompp', 'fucom st(1)', 'fucomp st(1)', 'fucompp', 'fcomi st, st(1)',
    'fcomip st, st(1)', 'fucomi st, st(1)', 'fucomip st, st(1)', 'ftst', 'fxam', 'fcom qword ptr [rsi]', 'fcomp dword ptr [rsi+8]',
    'ficom word ptr [rsi+16]', 'ficomp dword ptr [rsi+12]', 'fcom st(2)'];
  for (const asm of forms) {
    for (let k = 0; k < 120; k++) {
      const a = k < X_SPECIAL.length ? X_SPECIAL[k] : randX();
      const b = rng.int(4) === 0 ? a : randX();
      const s = base([a, b, randX()], rng.int(8), k % 5 === 4 ? 0x037e : 0x037f);
      const dv = new DataView(s.da.buffer);
      dv.setBigUint64(0, k < D_SPECIAL.length ? D_SPECIAL[k] : BigInt.asUintN(64, rng.u64()), true);
      dv.setUint32(8, F_SPECIAL[k % F_SPECIAL.length], true);
      cases.push({ name: asm, asm, st: s });
    }
  }
  // fxam on empty registers
  cases.push({ name: 'fxam empty', asm: 'fxam', st: base([], 2) });
  cases.push({ name: 'fxam empty', asm: 'fxam', st: base([], 6) });
  await check('compares', cases);
});

// ------------------------------------------------------------------ loads, stores, conversions

test('x87 loads/stores: fld/fst/fstp m32/m64/m80, fild/fist/fistp/fisttp m16/m32/m64', { timeout: TEST_TIMEOUT }, async () => {
  const cases: Case[] = [];
  // loads of float/double/int specials, then stored as m80 for the comparison
  for (let k = 0; k < D_SPECIAL.length; k++) {
    const s = base([randN()]);
    new DataView(s.da.buffer).setBigUint64(0, D_SPECIAL[k], true);
    cases.push({ name: 'fld m64', asm: 'fld qword ptr [rsi]\nfstp tbyte ptr [rsi+32]', st: s });
  }
  for (let k = 0; k < F_SPECIAL.length; k++) {
    const s = base([randN()]);
    new DataView(s.da.buffer).setUint32(0, F_SPECIAL[k], true);
    cases.push({ name: 'fld m32', asm: 'fld dword ptr [rsi]\nfstp tbyte ptr [rsi+32]', st: s });
  }
  for (const v of X_SPECIAL) {
    const s = base([randN()]);
    setM80(s, 0, v);
    cases.push({ name: 'fld m80', asm: 'fld tbyte ptr [rsi]\nfld st(0)\nfstp tbyte ptr [rsi+32]', st: s });
  }
  for (const asm of ['fild word ptr [rsi]', 'fild dword ptr [rsi]', 'fild qword ptr [rsi]']) {
    for (let k = 0; k < 30; k++) {
      const s = base([randN()]);
      const dv = new DataView(s.da.buffer);
      dv.setBigUint64(0, [0n, 1n, 0xffffffffffffffffn, 0x8000000000000000n, 0x7fffffffffffffffn, 0x80000000n, 0x8000n][k] ?? rng.u64(), true);
      cases.push({ name: asm, asm: asm + '\nfstp tbyte ptr [rsi+32]', st: s });
    }
  }
  // stores under every rounding/precision control, incl. overflow/underflow/NaN and unmasked exceptions
  const stores = ['fst dword ptr [rsi]', 'fst qword ptr [rsi]', 'fstp dword ptr [rsi]', 'fstp qword ptr [rsi]', 'fstp tbyte ptr [rsi]',
    'fist word ptr [rsi]', 'fist dword ptr [rsi]', 'fistp word ptr [rsi]', 'fistp dword ptr [rsi]', 'fistp qword ptr [rsi]',
    'fisttp word ptr [rsi]', 'fisttp dword ptr [rsi]', 'fisttp qword ptr [rsi]', 'fst st(3)', 'fstp st(2)', 'fstp st(0)', 'fld st(2)'];
  const near: X80[] = [[0x3ffe, 0x8000000000000000n], [0xbffe, 0x8000000000000000n], [0x3fff, 0xc000000000000000n], [0xc000, 0xa000000000000000n],
    [0x401d, 0xffffffffc0000000n], [0x401e, 0x8000000000000000n], [0xc01e, 0x8000000000000000n], [0xc01e, 0x8000000100000000n],
    [0x400d, 0xfffe000000000000n], [0x400e, 0x8000000000000000n], [0xc00e, 0x8000000000000000n], [0x403e, 0x8000000000000000n],
    [0xc03e, 0x8000000000000000n], [0x403d, 0xffffffffffffffffn], [0x43fe, 0xfffffffffffff800n], [0x43fe, 0xfffffffffffffc00n],
    [0x3c01, 0x8000000000000000n], [0x3bcd, 0x8000000000000000n], [0x3bcc, 0xc000000000000000n], [0x407e, 0xffffff0000000000n],
    [0x407e, 0xffffff8000000000n], [0x3f81, 0x8000000000000000n], [0x3f6a, 0xc000000000000000n], [0x3c00, 0xfffffffffffff800n]];
  for (const asm of stores) {
    for (let k = 0; k < 70; k++) {
      const v = k < near.length ? near[k] : k < near.length + 20 ? X_SPECIAL[(k * 7) % X_SPECIAL.length] : randX();
      const cw = k < near.length ? CWS[rng.int(8)] : CWS[k % CWS.length];
      cases.push({ name: `${asm} cw=${cw.toString(16)}`, asm, st: base([v, randX(), randX()], rng.int(8), cw) });
    }
    cases.push({ name: `${asm} empty`, asm, st: base([], 1) });
    cases.push({ name: `${asm} empty unmasked`, asm, st: base([], 1, 0x037e) });
  }
  // constants under all rounding modes
  for (const asm of ['fld1', 'fldl2t', 'fldl2e', 'fldpi', 'fldlg2', 'fldln2', 'fldz']) {
    for (const cw of [0x037f, 0x077f, 0x0b7f, 0x0f7f, 0x007f, 0x027f]) cases.push({ name: asm, asm, st: base([randN()], rng.int(8), cw) });
  }
  // stack overflow (push onto a full stack), masked and unmasked
  const full = [0, 1, 2, 3, 4, 5, 6, 7].map(() => randN());
  cases.push({ name: 'overflow', asm: 'fld1', st: base(full, 3) });
  cases.push({ name: 'overflow', asm: 'fld1', st: base(full, 3, 0x037e) });
  cases.push({ name: 'overflow', asm: 'fld st(3)', st: base(full, 0) });
  await check('load/store', cases);
});

// ------------------------------------------------------------------ control, environment, misc

test('x87 control: fxch, fcmov, ffree, fincstp/fdecstp, fninit, fnclex, fldcw/fnstcw, fnstsw, fnstenv/fldenv, fnsave/frstor, #MF', { timeout: TEST_TIMEOUT }, async () => {
  const cases: Case[] = [];
  for (let k = 0; k < 30; k++) {
    for (const asm of ['fxch st(1)', 'fxch st(5)', 'ffree st(2)', 'fincstp', 'fdecstp', 'fninit', 'fnclex', 'fnstsw ax', 'fnstsw word ptr [rsi+2]',
      'fnstcw word ptr [rsi+4]', 'fldcw word ptr [rsi+6]\nfnstcw word ptr [rsi+8]', 'fnop', 'fwait',
      'fcmovb st, st(1)', 'fcmove st, st(2)', 'fcmovbe st, st(3)', 'fcmovu st, st(1)', 'fcmovnb st, st(1)', 'fcmovne st, st(2)',
      'fcmovnbe st, st(3)', 'fcmovnu st, st(1)']) {
      const n = rng.int(9);
      const vals: X80[] = [];
      for (let i = 0; i < n; i++) vals.push(randX());
      const s = base(vals, rng.int(8), k % 3 === 2 ? CWS[rng.int(CWS.length)] : 0x037f);
      s.fsw = s.fsw | (rng.u32() & 0x473f & (k % 4 === 3 ? 0xffff : 0x4700)); // condition codes, some sticky flags
      new DataView(s.da.buffer).setUint16(6, [0x037f, 0x0000, 0xffff, 0x0f7f, 0x1272, 0x0040][k % 6], true);
      cases.push({ name: asm, asm, st: s });
    }
  }
  // environment save/restore: FIP/FCS/FOP/FDP/FDS (bytes 12..27) are not modelled
  const envCmp = (off: number) => (n: Result, e: Result, c: Case) => {
    for (let b = off + 12; b < off + 28; b++) n.st.da[b] = e.st.da[b];
    return compare(n, e, c);
  };
  for (let k = 0; k < 12; k++) {
    const vals: X80[] = [];
    for (let i = 0; i < k % 9; i++) vals.push(randX());
    const s = base(vals, rng.int(8), CWS[k % CWS.length]);
    s.fsw = s.fsw | 0x4501;
    cases.push({ name: 'fnstenv', asm: 'fnstenv [rsi+64]', st: s, cmp: envCmp(64) });
    cases.push({ name: 'fnstenv+fldenv', asm: 'fnstenv [rsi+64]\nfninit\nfldenv [rsi+64]', st: s.clone(), cmp: envCmp(64) });
    cases.push({ name: 'fnsave', asm: 'fnsave [rsi+64]', st: s.clone(), cmp: envCmp(64) });
    cases.push({ name: 'fnsave+frstor', asm: 'fnsave [rsi+64]\nfld1\nfrstor [rsi+64]', st: s.clone(), cmp: envCmp(64) });
  }
  // pending unmasked exceptions: ES/B set, then #MF (SIGFPE) at the next waiting instruction
  for (const [cw, asm, vals] of [
    [0x037b, 'fdiv st, st(1)\nfwait', [[0x3fff, 1n << 63n], [0, 0n]]],
    [0x037e, 'fsqrt\nfld1', [[0xbfff, 1n << 63n]]],
    [0x0377, 'fmul st, st(0)\nfwait', [[0x7ffe, 1n << 63n]]],
    [0x036f, 'fmul st, st(0)\nfnstsw ax\nfwait', [[0x0100, 1n << 63n]]],
    [0x035f, 'fadd st, st(1)\nfnop', [[0x3fff, 1n << 63n], [0x3fc0, 1n << 63n]]],
    [0x037d, 'fadd st, st(0)\nfwait', [[0x0000, 1n]]],
    [0x037e, 'fucomi st, st(1)\nfwait', [[0x7fff, 0x8000000000000001n], [0x3fff, 1n << 63n]]],
    [0x037f, 'fldcw [rsi+6]\nfwait', [[0x3fff, 1n << 63n]]],
  ] as [number, string, X80[]][]) {
    const s = base(vals, 2, cw);
    if (asm.startsWith('fldcw')) { s.fsw = s.fsw | 0x0004; new DataView(s.da.buffer).setUint16(6, 0x037b, true); }
    cases.push({ name: '#MF', asm, st: s });
  }
  await check('control', cases);
});

/**
 * The transcendental instructions. The emulator evaluates them in double-double arithmetic and rounds the
 * result correctly to 64 bits; the hardware's results are within 1 ulp of the true value but not always
 * correctly rounded (Intel documents the error bound, not correct rounding, and its internal algorithm is not
 * public), so bit-exactness is not reachable for every operand: where the true value lies within a few
 * hundredths of an ulp of a representable number or of a rounding midpoint, the hardware's internal error
 * decides the side. What this test narrows, and only that: a result register may differ from the hardware's
 * by 1 unit in the last place of the 64-bit significand, and C1 (the "rounded up" bit, which reports the side)
 * is not compared for these instructions; both kinds of disagreement are counted and must stay rare (<= 5% of
 * the cases each). Everything else is compared exactly: the other registers, TOP, tags, every other status
 * bit (PE, UE, DE, IE, ZE, C2...), faults.
 */
test('x87 transcendentals: f2xm1, fyl2x, fyl2xp1, fptan, fpatan, fsin, fcos, fsincos (exact up to 1 ulp)', { timeout: TEST_TIMEOUT }, async () => {
  const cases: Case[] = [];
  let oneUlp = 0, c1 = 0;
  const image = (st: State, i: number): [number, bigint] => {
    const dv = new DataView(st.fx.buffer);
    return [dv.getUint16(40 + 16 * i, true), dv.getBigUint64(32 + 16 * i, true)];
  };
  /** Position of a finite 80-bit value on the number line of its sign (consecutive values differ by 1). */
  const key = (v: [number, bigint]): bigint => ((v[0] & 0x7fff) === 0 ? v[1] : (BigInt(v[0] & 0x7fff) << 63n) + (v[1] & ((1n << 63n) - 1n)));
  const ulp1 = (n: Result, e: Result, c: Case): string | null => {
    let off = false;
    for (let i = 0; i < 2; i++) {
      const a = image(n.st, i), b = image(e.st, i);
      if (a[0] === b[0] && a[1] === b[1]) continue;
      const d = key(a) - key(b);
      if ((a[0] & 0x8000) !== (b[0] & 0x8000) || (a[0] & 0x7fff) === 0x7fff || (b[0] & 0x7fff) === 0x7fff || (d !== 1n && d !== -1n)) {
        return `ST${i} ${a[0].toString(16)}:${a[1].toString(16)} / ${b[0].toString(16)}:${b[1].toString(16)}`;
      }
      off = true;
      const o = 32 + 16 * i;
      e.st.fx.set(n.st.fx.subarray(o, o + 10), o);
    }
    if (off) oneUlp++;
    if ((e.st.fx[3] ^ n.st.fx[3]) & 0x02) {
      c1++;
      e.st.fx[3] ^= 0x02; // C1 (FSW bit 9)
    }
    return compare(n, e, c);
  };
  const RCS = [0x037f, 0x077f, 0x0b7f, 0x0f7f, 0x007f, 0x027f];
  const sgn = () => rng.int(2) << 15;
  for (const asm of ['f2xm1', 'fyl2x', 'fyl2xp1', 'fptan', 'fpatan', 'fsin', 'fcos', 'fsincos']) {
    for (let k = 0; k < 160; k++) {
      // a = ST(0), b = ST(1), in the instruction's domain (and sometimes beyond)
      let a: X80 = [sgn() | (0x3fff - rng.int(12)), rng.u64() | (1n << 63n)];
      let b: X80 = [sgn() | (0x3fff + rng.int(8) - 4), rng.u64() | (1n << 63n)];
      if (asm === 'fyl2x') a = [0x3fff + rng.int(40) - 20, rng.u64() | (1n << 63n)];
      if (asm === 'fyl2xp1') a = [sgn() | (0x3ffd - rng.int(k % 10 === 0 ? 60 : 8)), rng.u64() | (1n << 63n)];
      if (asm === 'fpatan') a = [sgn() | (0x3fff + rng.int(40) - 20), rng.u64() | (1n << 63n)];
      if (asm.startsWith('fs') || asm === 'fcos' || asm === 'fptan') {
        if (k % 4 === 1) a = [sgn() | (0x3fff + rng.int(63)), rng.u64() | (1n << 63n)]; // large: argument reduction
        if (k % 8 === 3) {
          // near a multiple of pi/2 (the hardware's 66-bit pi): cancellation in the reduction
          const P = 0x3243f6a8885a308d3n; // pi/2 = P * 2^-65
          const m = BigInt(1 + rng.int(1000));
          let v = m * P; // * 2^-65
          let e = -65;
          while (v >= 1n << 64n) { v >>= 1n; e++; }
          v += BigInt(rng.int(5)) - 2n;
          a = [sgn() | (0x3fff + 63 + e), v];
        }
      }
      if (k % 16 === 15) b = [sgn() | (0x3fff + rng.int(20000) - 10000), rng.u64() | (1n << 63n)];
      cases.push({ name: asm, asm, st: base([a, b], rng.int(8), k < 100 ? 0x037f : RCS[k % RCS.length]), cmp: ulp1 });
    }
    // special operands: zeros, infinities, NaNs, denormals, unsupported encodings, out-of-range arguments
    for (const a of X_SPECIAL) cases.push({ name: `${asm} special`, asm, st: base([a, randX()]), cmp: ulp1 });
    for (const b of X_SPECIAL) cases.push({ name: `${asm} special`, asm, st: base([randX(), b]), cmp: ulp1 });
    for (const cw of [0x037e, 0x037d, 0x0377, 0x036f, 0x035f]) cases.push({ name: `${asm} unmasked`, asm, st: base([randX(), randX()], rng.int(8), cw), cmp: ulp1 });
    // stack faults: empty operands, full stack for the pushing forms
    cases.push({ name: `${asm} underflow`, asm, st: base([], 2), cmp: ulp1 });
    cases.push({ name: `${asm} full`, asm, st: base([0, 1, 2, 3, 4, 5, 6, 7].map(() => randN())), cmp: ulp1 });
    cases.push({ name: `${asm} full unmasked`, asm, st: base([0, 1, 2, 3, 4, 5, 6, 7].map(() => randN()), 5, 0x037e), cmp: ulp1 });
  }
  await check('transcendental', cases);
  console.log(`transcendental: ${oneUlp} of ${cases.length} results 1 ulp away from the hardware's, ${c1} with a different C1`);
  assert.ok(oneUlp <= cases.length * 0.05, `too many results off by 1 ulp: ${oneUlp}`);
  assert.ok(c1 <= cases.length * 0.05, `too many C1 differences: ${c1}`);
});
