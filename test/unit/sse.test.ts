/**
 * SSE/SSE2 instructions compared against the host CPU (test/unit/oracle.ts): every case runs natively and on
 * the emulator from the same state, and the final states must match bit for bit (GPRs, flags, MXCSR incl.
 * exception flags, XMM registers, memory, or the same fault). Run: node --import tsx --test test/unit/sse.test.ts
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Case, State, Rng, runCasesAsync, formatFailures, compare, DATA, DATA_B, D_SPECIAL, F_SPECIAL, randD, randF, dbits, Result } from './oracle';

const rng = new Rng(12345);
const EDGE_BYTES = [0x00, 0x01, 0x7f, 0x80, 0x81, 0xfe, 0xff, 0x55, 0xaa];

/** Base state: random XMM registers and GPRs, rsi = data A, rdi = data B, random data. */
function base(): State {
  const s = new State();
  for (let n = 0; n < 16; n++) for (let k = 0; k < 4; k++) s.x32(n, k, rng.u32());
  for (let i = 0; i < 16; i++) s.g[i] = rng.u64();
  s.g[6] = BigInt(DATA);
  s.g[7] = BigInt(DATA_B);
  s.g[4] = 0n;
  for (let k = 0; k < s.da.length; k++) s.da[k] = rng.u32() & 0xff;
  for (let k = 0; k < s.db.length; k++) s.db[k] = rng.u32() & 0xff;
  return s;
}
/** Fill XMM n with bytes drawn from the edge-byte pool (mixed with random). */
function edgeBytes(s: State, n: number): void {
  for (let k = 0; k < 4; k++) {
    let v = 0;
    for (let b = 0; b < 4; b++) v |= (rng.int(3) ? EDGE_BYTES[rng.int(EDGE_BYTES.length)] : rng.u32() & 0xff) << (8 * b);
    s.x32(n, k, v);
  }
}
function edgeWords(s: State, n: number): void {
  const W = [0, 1, 0x7fff, 0x8000, 0x8001, 0xffff, 0xfffe, 0x00ff, 0xff00];
  for (let k = 0; k < 4; k++) {
    const lo = rng.int(3) ? W[rng.int(W.length)] : rng.u32() & 0xffff;
    const hi = rng.int(3) ? W[rng.int(W.length)] : rng.u32() & 0xffff;
    s.x32(n, k, lo | (hi << 16));
  }
}
function setData128(s: State, off: number, src: State, n: number): void {
  const b = src.fx.subarray(160 + 16 * n, 176 + 16 * n);
  s.da.set(b, off);
}

/**
 * Each test has a deadline (CASE_TIMEOUT for the emulator and native runs, which runCasesAsync enforces even
 * on a synchronous hang, and TEST_TIMEOUT for the whole test), so a regression can never hang the suite.
 */
const CASE_TIMEOUT = 50_000, TEST_TIMEOUT = 60_000;
async function check(name: string, cases: Case[]): Promise<void> {
  const r = await runCasesAsync(cases, CASE_TIMEOUT);
  console.log(`${name}: ${r.total - r.failures.length}/${r.total} cases match the host CPU`);
  if (process.env.ORACLE_DUMP) require('node:fs').writeFileSync(`/tmp/fail-${name.replace(/\W/g, '_')}.txt`, formatFailures(r, 100000));
  assert.equal(r.failures.length, 0, `${r.failures.length} mismatches:\n${formatFailures(r)}`);
}

// ------------------------------------------------------------------ moves

test('SSE moves (reg/mem forms, alignment #GP, page-crossing faults)', { timeout: TEST_TIMEOUT }, async () => {
  const cases: Case[] = [];
  const snippets = [
    'movaps xmm1, xmm2', 'movaps xmm3, [rsi+16]', 'movaps [rsi+32], xmm4', 'movaps xmm5, [rsi+8]', 'movaps [rsi+4], xmm5',
    'movups xmm1, [rsi+3]', 'movups [rsi+7], xmm9', 'movapd xmm10, [rsi+48]', 'movupd xmm11, [rsi+49]', 'movupd [rsi+1], xmm12',
    'movdqa xmm0, [rsi]', 'movdqa [rsi+64], xmm15', 'movdqa xmm14, xmm13', 'movdqu xmm0, [rsi+13]', 'movdqu [rsi+17], xmm8',
    'movdqu xmm0, [rdi+56]', 'movdqu [rdi+52], xmm3', 'movups xmm2, [rdi+48]', 'movdqa xmm1, [rsi+2]',
    'movntdq [rsi+16], xmm2', 'movntps [rsi+32], xmm3', 'movntpd [rsi+48], xmm4', 'movnti [rsi+5], eax', 'movnti [rsi+9], rbx',
    'movd xmm0, eax', 'movd xmm1, [rsi+3]', 'movd ecx, xmm2', 'movd [rsi+7], xmm3', 'movq xmm4, rax', 'movq rdx, xmm5',
    'movq xmm6, [rsi+9]', 'movq [rsi+11], xmm7', 'movq xmm8, xmm9', 'movq xmm8, xmm8', 'movd r9d, xmm10', 'movq r10, xmm11',
    'movss xmm0, xmm1', 'movss xmm2, [rsi+4]', 'movss [rsi+8], xmm3', 'movsd xmm4, xmm5', 'movsd xmm6, [rsi+12]', 'movsd [rsi+20], xmm7',
    'movsd xmm6, [rdi+60]', 'movhps xmm0, [rsi+8]', 'movhps [rsi+3], xmm1', 'movlps xmm2, [rsi+16]', 'movlps [rsi+24], xmm3',
    'movhpd xmm4, [rsi+5]', 'movhpd [rsi+40], xmm5', 'movlpd xmm6, [rsi+1]', 'movlpd [rsi+48], xmm7', 'movhlps xmm8, xmm9',
    'movlhps xmm10, xmm11', 'movhlps xmm3, xmm3', 'movmskps eax, xmm1', 'movmskpd ecx, xmm2', 'pmovmskb edx, xmm3', 'pmovmskb r8d, xmm15',
    'movmskps rax, xmm4', 'maskmovdqu xmm1, xmm2', 'maskmovdqu xmm3, xmm4',
  ];
  for (const asm of snippets) {
    for (let k = 0; k < 4; k++) {
      const s = base();
      if (k === 1) for (let n = 0; n < 16; n++) edgeBytes(s, n);
      if (asm.startsWith('maskmov')) s.g[7] = BigInt(DATA + 3 + k * 40);
      cases.push({ name: 'mov', asm, st: s });
    }
  }
  // maskmovdqu ending on an unmapped page: faults only when a selected byte is there
  for (let k = 0; k < 4; k++) {
    const s = base();
    s.g[7] = BigInt(DATA_B + 56);
    s.x32(2, 2, k < 2 ? 0 : 0x80000000);
    s.x32(2, 3, k < 2 ? 0 : 0x80);
    cases.push({ name: 'maskmov-fault', asm: 'maskmovdqu xmm1, xmm2', st: s });
  }
  await check('moves', cases);
});

// ------------------------------------------------------------------ integer SIMD

const INT_OPS = [
  'pand', 'pandn', 'por', 'pxor', 'andps', 'andnps', 'orps', 'xorps', 'andpd', 'andnpd', 'orpd', 'xorpd',
  'paddb', 'paddw', 'paddd', 'paddq', 'psubb', 'psubw', 'psubd', 'psubq', 'paddusb', 'paddusw', 'psubusb', 'psubusw',
  'paddsb', 'paddsw', 'psubsb', 'psubsw', 'pmullw', 'pmulhw', 'pmulhuw', 'pmuludq', 'pmaddwd', 'psadbw', 'pavgb', 'pavgw',
  'pcmpeqb', 'pcmpeqw', 'pcmpeqd', 'pcmpgtb', 'pcmpgtw', 'pcmpgtd', 'pminub', 'pmaxub', 'pminsw', 'pmaxsw',
  'punpcklbw', 'punpcklwd', 'punpckldq', 'punpcklqdq', 'punpckhbw', 'punpckhwd', 'punpckhdq', 'punpckhqdq',
  'packsswb', 'packssdw', 'packuswb', 'unpcklps', 'unpckhps', 'unpcklpd', 'unpckhpd',
];

test('SSE2 integer and logic ops (reg, same-reg, mem, misaligned mem)', { timeout: TEST_TIMEOUT }, async () => {
  const cases: Case[] = [];
  for (const op of INT_OPS) {
    const forms = [`${op} xmm1, xmm2`, `${op} xmm3, xmm3`, `${op} xmm12, [rsi+32]`, `${op} xmm4, xmm13`, `${op} xmm5, [rsi+8]`];
    for (const asm of forms) {
      const n = asm.endsWith('[rsi+8]') ? 1 : 12;
      for (let k = 0; k < n; k++) {
        const s = base();
        const mode = k % 3;
        for (const r of [1, 2, 3, 4, 12, 13]) {
          if (mode === 1) edgeBytes(s, r);
          else if (mode === 2) edgeWords(s, r);
        }
        if (k % 4 === 3) { // equal lanes for compares
          for (let j = 0; j < 4; j++) if (rng.int(2)) s.x32(2, j, Number(s.getX64(1, j >> 1) >> BigInt(32 * (j & 1)) & 0xffffffffn));
        }
        if (mode !== 0) { const t = base(); edgeBytes(t, 0); setData128(s, 32, t, 0); }
        cases.push({ name: op, asm, st: s });
      }
    }
  }
  await check('integer', cases);
});

test('SSE2 shuffles, inserts, extracts, byte shifts', { timeout: TEST_TIMEOUT }, async () => {
  const cases: Case[] = [];
  const imms = [0, 1, 0x1b, 0x4e, 0xe4, 0xff, 0x39, 0x93, 0xb1, 0x72];
  for (const imm of imms) {
    for (const asm of [`pshufd xmm1, xmm2, ${imm}`, `pshufd xmm3, xmm3, ${imm}`, `pshufd xmm4, [rsi+16], ${imm}`,
      `pshuflw xmm5, xmm6, ${imm}`, `pshufhw xmm7, xmm7, ${imm}`, `pshuflw xmm5, [rsi], ${imm}`, `pshufhw xmm8, [rsi+48], ${imm}`,
      `shufps xmm9, xmm10, ${imm}`, `shufps xmm11, xmm11, ${imm}`, `shufps xmm12, [rsi+32], ${imm}`, `shufpd xmm13, xmm14, ${imm & 3}`,
      `shufpd xmm15, [rsi+64], ${imm & 3}`, `shufpd xmm1, xmm1, ${imm & 3}`,
      `pextrw eax, xmm1, ${imm & 15}`, `pextrw r9, xmm2, ${imm & 7}`, `pinsrw xmm3, ecx, ${imm & 15}`, `pinsrw xmm4, word ptr [rsi+3], ${imm & 7}`]) {
      cases.push({ name: 'shuf', asm, st: base() });
    }
  }
  for (const n of [0, 1, 2, 3, 4, 5, 7, 8, 9, 12, 15, 16, 17, 255]) {
    cases.push({ name: 'pslldq', asm: `pslldq xmm1, ${n}`, st: base() });
    cases.push({ name: 'psrldq', asm: `psrldq xmm2, ${n}`, st: base() });
  }
  await check('shuffles', cases);
});

test('SSE2 bit shifts (imm and xmm/m128 counts, counts >= width)', { timeout: TEST_TIMEOUT }, async () => {
  const cases: Case[] = [];
  const ops = ['psllw', 'pslld', 'psllq', 'psrlw', 'psrld', 'psrlq', 'psraw', 'psrad'];
  const counts = [0, 1, 3, 7, 8, 15, 16, 17, 31, 32, 33, 63, 64, 65, 255];
  for (const op of ops) {
    for (const n of counts) {
      const s = base();
      edgeWords(s, 1);
      cases.push({ name: op, asm: `${op} xmm1, ${n}`, st: s });
      const t = base();
      t.x64(2, 0, BigInt(n));
      cases.push({ name: op, asm: `${op} xmm1, xmm2`, st: t });
    }
    for (const hi of [1n << 32n, 1n << 63n, 0xffffffffn]) {
      const t = base();
      t.x64(2, 0, hi);
      cases.push({ name: op, asm: `${op} xmm1, xmm2`, st: t });
    }
    const m = base();
    m.da.fill(0, 16, 32);
    m.da[16] = 5;
    cases.push({ name: op, asm: `${op} xmm3, [rsi+16]`, st: m });
    cases.push({ name: op, asm: `${op} xmm3, [rsi+8]`, st: m }); // misaligned: #GP
  }
  await check('shifts', cases);
});

// ------------------------------------------------------------------ floating point

/** MXCSR settings: default, flags already set, RC down/up/zero, FTZ+DAZ, and some unmasked exceptions. */
const MXCSRS = [0x1f80, 0x1fbf, 0x3f80, 0x5f80, 0x7f80, 0x9fc0, 0x1f00, 0x1d80, 0x1780, 0x0f80, 0x1b80, 0x1e80];

function fpCases(op: string, kind: 'sd' | 'ss' | 'pd' | 'ps', pairs: number, mx: number[], memForm = true): Case[] {
  const cases: Case[] = [];
  const lanes = kind === 'sd' || kind === 'ss' ? 1 : kind === 'pd' ? 2 : 4;
  const dbl = kind.endsWith('d');
  const DS = D_SPECIAL, FS = F_SPECIAL;
  const total = dbl ? DS.length * DS.length : FS.length * FS.length;
  for (let p = 0; p < pairs; p++) {
    const s = base();
    s.mxcsr = mx[p % mx.length];
    for (let l = 0; l < lanes; l++) {
      // first cover the special x special cross product, then random values
      const idx = (p * lanes + l);
      if (dbl) {
        const a = idx < total ? DS[Math.floor(idx / DS.length)] : randD(rng);
        const b = idx < total ? DS[idx % DS.length] : randD(rng);
        s.x64(1, l, a);
        s.x64(2, l, b);
      } else {
        const a = idx < total ? FS[Math.floor(idx / FS.length)] : randF(rng);
        const b = idx < total ? FS[idx % FS.length] : randF(rng);
        s.x32(1, l, a);
        s.x32(2, l, b);
      }
    }
    setData128(s, 16, s, 2);
    cases.push({ name: `${op}${kind} mx=${s.mxcsr.toString(16)}`, asm: `${op}${kind} xmm1, xmm2`, st: s });
    if (memForm && p % 7 === 0) cases.push({ name: `${op}${kind} mem`, asm: `${op}${kind} xmm1, [rsi+16]`, st: s.clone() });
  }
  return cases;
}

test('SSE/SSE2 floating-point arithmetic (specials x specials, random, all MXCSR modes)', { timeout: TEST_TIMEOUT }, async () => {
  const cases: Case[] = [];
  for (const op of ['add', 'sub', 'mul', 'div', 'min', 'max', 'sqrt']) {
    for (const kind of ['sd', 'ss', 'pd', 'ps'] as const) {
      const dbl = kind.endsWith('d');
      const lanes = kind === 'sd' || kind === 'ss' ? 1 : kind === 'pd' ? 2 : 4;
      const n = (dbl ? D_SPECIAL.length ** 2 : F_SPECIAL.length ** 2) / lanes;
      cases.push(...fpCases(op, kind, Math.ceil(n) + 200, [0x1f80]));
      cases.push(...fpCases(op, kind, 300, MXCSRS));
    }
  }
  // same register (a op a), and the fast scalar path with PE already set
  for (const op of ['addsd', 'mulsd', 'divsd', 'subsd', 'sqrtsd', 'maxps', 'minpd']) {
    for (let k = 0; k < 20; k++) {
      const s = base();
      s.x64(3, 0, randD(rng));
      s.x64(3, 1, randD(rng));
      s.mxcsr = k % 2 ? 0x1fa0 : 0x1f80;
      cases.push({ name: op, asm: `${op} xmm3, xmm3`, st: s });
    }
  }
  await check('fp arithmetic', cases);
});

test('rcpss/rcpps/rsqrtss/rsqrtps (within the architectural 1.5*2^-12 relative error)', { timeout: TEST_TIMEOUT }, async () => {
  const cases: Case[] = [];
  const f32 = new Float32Array(2), u32 = new Uint32Array(f32.buffer);
  const cmp = (nat: Result, emu: Result): string | null => {
    for (let k = 0; k < 4; k++) {
      u32[0] = Number((nat.st.getX64(1, k >> 1) >> BigInt(32 * (k & 1))) & 0xffffffffn);
      u32[1] = Number((emu.st.getX64(1, k >> 1) >> BigInt(32 * (k & 1))) & 0xffffffffn);
      const a = f32[0], b = f32[1];
      if (a !== a && b !== b) continue;
      if (a === b) continue;
      if (Math.abs(a - b) <= Math.abs(a) * 1.5 * 2 ** -12 * 2) continue;
      return `lane ${k}: native ${a} (${u32[0].toString(16)}) emu ${b} (${u32[1].toString(16)})`;
    }
    return nat.st.mxcsr === emu.st.mxcsr ? null : `mxcsr ${nat.st.mxcsr.toString(16)} / ${emu.st.mxcsr.toString(16)}`;
  };
  for (const op of ['rcpss', 'rcpps', 'rsqrtss', 'rsqrtps']) {
    for (let p = 0; p < 40; p++) {
      const s = base();
      for (let l = 0; l < 4; l++) s.x32(2, l, p < F_SPECIAL.length / 4 * 4 ? F_SPECIAL[(p * 4 + l) % F_SPECIAL.length] : randF(rng));
      cases.push({ name: op, asm: `${op} xmm1, xmm2`, st: s, cmp });
    }
  }
  await check('rcp/rsqrt', cases);
});

test('compares: cmpss/cmpsd/cmpps/cmppd (8 predicates), ucomis/comis flags', { timeout: TEST_TIMEOUT }, async () => {
  const cases: Case[] = [];
  for (let p = 0; p < 8; p++) {
    for (const kind of ['sd', 'ss', 'pd', 'ps'] as const) {
      for (const c of fpCases('cmp', kind, 120, [0x1f80, 0x1f00, 0x9fc0], false)) {
        c.asm = c.asm.replace(/xmm2$/, `xmm2, ${p}`);
        cases.push(c);
      }
    }
  }
  for (const op of ['ucomisd', 'comisd', 'ucomiss', 'comiss']) {
    const kind = op.endsWith('sd') ? 'sd' : 'ss';
    for (const c of fpCases('x', kind, 500, [0x1f80, 0x1f80, 0x1f00, 0x9fc0])) {
      c.asm = c.asm.replace(`x${kind}`, op);
      c.st.fl = BigInt(0x202 | (rng.u32() & 0x8d5));
      cases.push(c);
    }
  }
  await check('compares', cases);
});

test('conversions (int<->float, float<->double, packed; rounding modes, indefinite values)', { timeout: TEST_TIMEOUT }, async () => {
  const cases: Case[] = [];
  const ints = [0n, 1n, -1n, 2n ** 31n - 1n, -(2n ** 31n), 2n ** 53n + 1n, 2n ** 63n - 1n, -(2n ** 63n), 2n ** 24n + 1n,
    0x7fffffbfn, 2n ** 62n + 2n ** 9n + 1n, -(2n ** 53n) - 3n, 12345678901234567n, 0x0020000000000001n, 0x7ffffffffffffdffn];
  for (const mx of [0x1f80, 0x3f80, 0x5f80, 0x7f80, 0x0f80]) {
    for (let k = 0; k < ints.length + 30; k++) {
      const v = k < ints.length ? ints[k] : (rng.int(2) ? rng.u64() : BigInt(rng.u32()) >> BigInt(rng.int(32)));
      for (const asm of ['cvtsi2sd xmm1, rax', 'cvtsi2ss xmm1, rax', 'cvtsi2sd xmm2, eax', 'cvtsi2ss xmm2, eax',
        'cvtsi2sd xmm3, qword ptr [rsi]', 'cvtsi2ss xmm4, dword ptr [rsi]']) {
        const s = base();
        s.mxcsr = mx;
        s.g[0] = BigInt.asUintN(64, v);
        new DataView(s.da.buffer).setBigUint64(0, BigInt.asUintN(64, v), true);
        cases.push({ name: 'cvtsi2f', asm, st: s });
      }
    }
  }
  const dvals = [...D_SPECIAL, dbits(2147483647.4), dbits(2147483647.5), dbits(-2147483648.5), dbits(-2147483648.9), dbits(9.2233720368547748e18),
    dbits(-9.223372036854775808e18), dbits(-9.2233720368547779e18), dbits(0.49999999999999994), dbits(-0.5), dbits(1.5), dbits(2.5), dbits(-3.5)];
  for (const mx of [0x1f80, 0x3f80, 0x5f80, 0x7f80, 0x1f00, 0x0f80]) {
    for (let k = 0; k < dvals.length + 20; k++) {
      const s = base();
      s.mxcsr = mx;
      s.x64(1, 0, k < dvals.length ? dvals[k] : randD(rng));
      s.x64(1, 1, randD(rng));
      s.x32(2, 0, k < F_SPECIAL.length ? F_SPECIAL[k] : randF(rng));
      for (let l = 1; l < 4; l++) s.x32(2, l, randF(rng));
      setData128(s, 0, s, 1);
      setData128(s, 16, s, 2);
      for (const asm of ['cvttsd2si eax, xmm1', 'cvttsd2si rax, xmm1', 'cvtsd2si ecx, xmm1', 'cvtsd2si rcx, xmm1',
        'cvttss2si edx, xmm2', 'cvttss2si rdx, xmm2', 'cvtss2si ebx, xmm2', 'cvtss2si rbx, xmm2', 'cvtsd2si r8, qword ptr [rsi]',
        'cvttss2si r9d, dword ptr [rsi+16]', 'cvtsd2ss xmm3, xmm1', 'cvtss2sd xmm4, xmm2', 'cvtsd2ss xmm5, [rsi]', 'cvtss2sd xmm6, [rsi+16]',
        'cvtps2pd xmm7, xmm2', 'cvtpd2ps xmm8, xmm1', 'cvtdq2pd xmm9, xmm2', 'cvtdq2ps xmm10, xmm2', 'cvtps2dq xmm11, xmm2',
        'cvttps2dq xmm12, xmm2', 'cvtpd2dq xmm13, xmm1', 'cvttpd2dq xmm14, xmm1', 'cvtps2pd xmm7, [rsi+16]', 'cvtdq2pd xmm9, [rsi+8]',
        'cvtpd2ps xmm8, [rsi]', 'cvttps2dq xmm12, [rsi+16]']) {
        cases.push({ name: 'cvt', asm, st: s.clone() });
      }
    }
  }
  await check('conversions', cases);
});

test('ldmxcsr/stmxcsr (incl. #GP on reserved bits), fxsave/fxrstor of SSE state', { timeout: TEST_TIMEOUT }, async () => {
  const cases: Case[] = [];
  for (const v of [0x1f80, 0x0, 0xffff, 0x1f80 | 0x3f, 0x6000, 0x10000, 0x8040]) {
    const s = base();
    new DataView(s.da.buffer).setUint32(4, v, true);
    cases.push({ name: 'ldmxcsr', asm: 'ldmxcsr [rsi+4]\nstmxcsr [rsi+12]', st: s });
  }
  const s = base();
  cases.push({ name: 'fxsave-align', asm: 'fxsave [rsi+8]', st: s });
  cases.push({ name: 'fxrstor-align', asm: 'fxrstor [rsi+8]', st: s });
  // save, scramble, restore on the stack (rbp holds the stack pointer, so it is not compared)
  const asm = 'mov rbp, rsp\nsub rsp, 1024\nand rsp, -16\nfxsave [rsp]\npcmpeqb xmm0, xmm0\nxorps xmm5, xmm5\nldmxcsr [rsi]\nfxrstor [rsp]\nmov rsp, rbp';
  for (let k = 0; k < 4; k++) {
    const t = base();
    t.mxcsr = [0x1f80, 0x3fa1, 0x9fc0, 0x1f80][k];
    new DataView(t.da.buffer).setUint32(0, 0x7f80, true);
    cases.push({ name: 'fxsave/fxrstor', asm, st: t, ignoreFlags: 0x8d5, cmp: (n, e, cc) => { n.st.g[5] = e.st.g[5]; return compare(n, e, cc); } });
  }
  await check('mxcsr/fxsave', cases);
});
