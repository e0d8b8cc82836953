/**
 * x87 FPU runtime: an exact software implementation of the 80-bit extended format (called from the code
 * that ops/x87.ts generates, as `h.x87*`).
 *
 * Registers: c.fpr holds the 8 physical registers as exact 80-bit images (see state.ts); c.st mirrors them as
 * doubles for display. ST(i) is physical register (TOP+i)&7. Tags are kept as valid (00) / empty (11); the
 * full tag word (zero/special) is computed when it is stored (FNSTENV/FNSAVE).
 *
 * Arithmetic (+ - * / sqrt, conversions, rounding to integer, FPREM/FPREM1, FSCALE, FXTRACT, compares) is
 * exact: results are correctly rounded to the precision control (24/53/64 bits) and rounding control of the
 * control word, with the 15-bit exponent range, denormals, and the status word flags (IE DE ZE OE UE PE, SF,
 * C0-C3, ES/B). NaN propagation follows the x87 rules (the NaN with the larger significand), the default NaN
 * is the negative "real indefinite", out-of-range integer stores give the integer indefinite.
 * Unmasked exceptions set ES/B; the next waiting x87 instruction raises #MF (SIGFPE) as on hardware.
 *
 * Not exact: the transcendental instructions (F2XM1 FYL2X FYL2XP1 FPTAN FPATAN FSIN FCOS FSINCOS) are
 * computed in double precision (about 53 correct bits instead of 64) and always report PE.
 * FIP/FDP/FOP (last instruction/operand pointers) are not tracked and are stored as 0.
 */
import { CpuState } from './state';
import { W, mulu64 } from './runtime';
import { x87Hooks, fpTrap, fpeCode } from './sse-runtime';
import { cond } from './flags';

// status word bits
const IE = 1, DE = 2, ZE = 4, OE = 8, UE = 0x10, PE = 0x20, SF = 0x40, ES = 0x80;
const C0 = 0x100, C1 = 0x200, C2 = 0x400, C3 = 0x4000, B = 0x8000;
const CC = C0 | C1 | C2 | C3;

const EMIN = -16382, EMAX = 16383, BIAS = 16383;

/** An 80-bit value: sign (0/1), biased exponent, mantissa high/low words as uint32 numbers. */
class F {
  s = 0;
  e = 0;
  h = 0;
  l = 0;
  set(o: F): this { this.s = o.s; this.e = o.e; this.h = o.h; this.l = o.l; return this; }
  put(s: number, e: number, h: number, l: number): this { this.s = s; this.e = e; this.h = h >>> 0; this.l = l >>> 0; return this; }
}
const A = new F(), Bv = new F(), R = new F(), T1 = new F(), T2 = new F();
const INDEF = new F().put(1, 0x7fff, 0xc0000000, 0);

const enum K { Zero, Den, Norm, Inf, QNaN, SNaN, Bad }
function kind(x: F): K {
  if (x.e === 0) return (x.h | x.l) === 0 ? K.Zero : K.Den;
  const j = x.h >= 0x80000000;
  if (x.e === 0x7fff) {
    if (!j) return K.Bad;
    if (x.h === 0x80000000 && x.l === 0) return K.Inf;
    return x.h & 0x40000000 ? K.QNaN : K.SNaN;
  }
  return j ? K.Norm : K.Bad;
}
function isNan(k: K): boolean {
  return k === K.QNaN || k === K.SNaN;
}

// ------------------------------------------------------------------ working mantissa

/** Working significand: 96 bits (MH:ML:MX, uint32 numbers) and a sticky bit MS for anything below. */
let MH = 0, ML = 0, MX = 0, MS = 0;

/** Load x (finite, nonzero) normalized into MH/ML; returns the unbiased exponent of bit 63. */
function unpack(x: F): number {
  let h = x.h, l = x.l;
  let E = (x.e === 0 ? 1 : x.e) - BIAS;
  if (h < 0x80000000) {
    if (h === 0) { h = l; l = 0; E -= 32; }
    const z = Math.clz32(h);
    if (z) { h = ((h << z) | (l >>> (32 - z))) >>> 0; l = (l << z) >>> 0; E -= z; }
  }
  MH = h; ML = l; MX = 0; MS = 0;
  return E;
}
function shr(n: number): void {
  if (n <= 0) return;
  if (n >= 96) {
    MS |= (MH | ML | MX) !== 0 ? 1 : 0;
    MH = ML = MX = 0;
    return;
  }
  while (n >= 32) {
    MS |= MX !== 0 ? 1 : 0;
    MX = ML; ML = MH; MH = 0;
    n -= 32;
  }
  if (n) {
    MS |= (MX << (32 - n)) !== 0 ? 1 : 0;
    MX = ((MX >>> n) | (ML << (32 - n))) >>> 0;
    ML = ((ML >>> n) | (MH << (32 - n))) >>> 0;
    MH = MH >>> n;
  }
}
/** Normalize left (MH bit 31 set); returns the shift. Working value must be nonzero. */
function normLeft(): number {
  let s = 0;
  while (MH === 0) {
    MH = ML; ML = MX; MX = 0; s += 32;
    if (s > 96) return s;
  }
  const z = Math.clz32(MH);
  if (z) {
    MH = ((MH << z) | (ML >>> (32 - z))) >>> 0;
    ML = ((ML << z) | (MX >>> (32 - z))) >>> 0;
    MX = (MX << z) >>> 0;
    s += z;
  }
  return s;
}

/**
 * Round the working significand at precision p (64, 53 or 24 bits) with rounding control rc for sign s.
 * Returns bit0 inexact, bit1 rounded up (magnitude), bit2 carry out (significand became 1.0, exponent +1).
 */
function roundBits(s: number, p: number, rc: number): number {
  let inexact: boolean, tie: boolean, above: boolean, lsb: number;
  if (p === 64) {
    inexact = MX !== 0 || MS !== 0;
    above = MX > 0x80000000 || (MX === 0x80000000 && MS !== 0);
    tie = MX === 0x80000000 && MS === 0;
    lsb = ML & 1;
  } else if (p === 53) {
    const d = ML & 0x7ff;
    const rest = MX !== 0 || MS !== 0;
    inexact = d !== 0 || rest;
    above = d > 0x400 || (d === 0x400 && rest);
    tie = d === 0x400 && !rest;
    lsb = (ML >>> 11) & 1;
  } else {
    const d = MH & 0xff;
    const rest = ML !== 0 || MX !== 0 || MS !== 0;
    inexact = d !== 0 || rest;
    above = d > 0x80 || (d === 0x80 && rest);
    tie = d === 0x80 && !rest;
    lsb = (MH >>> 8) & 1;
  }
  let up = false;
  if (inexact) {
    switch (rc) {
      case 0: up = above || (tie && lsb === 1); break;
      case 1: up = s === 1; break;
      case 2: up = s === 0; break;
      default: up = false;
    }
  }
  // truncate
  if (p === 64) { MX = 0; MS = 0; }
  else if (p === 53) { ML = (ML & ~0x7ff) >>> 0; MX = 0; MS = 0; }
  else { MH = (MH & ~0xff) >>> 0; ML = 0; MX = 0; MS = 0; }
  let carry = 0;
  if (up) {
    const inc = p === 64 ? 1 : p === 53 ? 0x800 : 0;
    if (inc) {
      ML += inc;
      if (ML >= 4294967296) { ML -= 4294967296; MH += 1; }
    } else MH += 0x100;
    if (MH >= 4294967296) { MH = 0x80000000; carry = 4; }
  }
  return (inexact ? 1 : 0) | (up ? 2 : 0) | carry;
}

let RE = 0;
/**
 * Round (-1)^s * 0.MH.. * 2^(E+1) (MH normalized) to precision p with exponents >= emin (denormalizing
 * below). RE gets the exponent of the result's bit 63 (emin for denormals, whose bit 63 is then 0).
 * Returns bit0 inexact, bit1 rounded up, bit3 tiny (after rounding, as x86 detects it).
 */
function roundCore(s: number, E: number, p: number, emin: number, rc: number): number {
  let tiny = 0;
  if (E < emin) {
    // tininess after rounding: would the result, rounded with an unbounded exponent, still be < 2^emin?
    const h = MH, l = ML, x = MX, st = MS;
    const r = roundBits(s, p, rc);
    tiny = (r & 4) !== 0 && E + 1 >= emin ? 0 : 8;
    MH = h; ML = l; MX = x; MS = st;
    shr(emin - E);
    E = emin;
  }
  const r = roundBits(s, p, rc);
  if (r & 4) E++;
  RE = E;
  return (r & 3) | tiny;
}

// ------------------------------------------------------------------ control word / register file

const PREC = [24, 64, 53, 64];
function pc(c: CpuState): number {
  return PREC[(c.fpuCw >> 8) & 3];
}
function rcOf(c: CpuState): number {
  return (c.fpuCw >> 10) & 3;
}

const f64 = new Float64Array(1), u32 = new Uint32Array(f64.buffer);
/** Double value of x (round to nearest; for the display mirror and the transcendental helpers). */
function toDouble(x: F): number {
  const k = kind(x);
  if (k === K.Zero) return x.s ? -0 : 0;
  if (k === K.Inf) return x.s ? -Infinity : Infinity;
  if (k === K.QNaN || k === K.SNaN || k === K.Bad) return NaN;
  const E = unpack(x);
  roundCore(x.s, E, 53, -1022, 0);
  return (x.s ? -1 : 1) * (MH * 4294967296 + ML) * 2 ** (RE - 63);
}
/** Exact 80-bit value of a finite double (normal range of the extended format covers all doubles). */
function fromDouble(d: number, out: F): F {
  f64[0] = d;
  return loadM64(u32[0], u32[1], out, true);
}

function phys(c: CpuState, i: number): number {
  return (c.fpuTop + i) & 7;
}
function empty(c: CpuState, i: number): boolean {
  return ((c.fpuTag >> (2 * phys(c, i))) & 3) === 3;
}
function get(c: CpuState, i: number, x: F): F {
  const p = 3 * phys(c, i), r = c.fpr;
  x.s = (r[p] >>> 15) & 1;
  x.e = r[p] & 0x7fff;
  x.h = r[p + 1] >>> 0;
  x.l = r[p + 2] >>> 0;
  return x;
}
function setPhys(c: CpuState, q: number, x: F): void {
  const p = 3 * q, r = c.fpr;
  r[p] = (x.s << 15) | x.e;
  r[p + 1] = x.h | 0;
  r[p + 2] = x.l | 0;
  c.fpuTag &= ~(3 << (2 * q));
  c.st[q] = toDouble(x);
}
function put(c: CpuState, i: number, x: F): void {
  setPhys(c, phys(c, i), x);
}
function pop(c: CpuState): void {
  c.fpuTag |= 3 << (2 * c.fpuTop);
  c.fpuTop = (c.fpuTop + 1) & 7;
}

/** #MF: a waiting instruction finds an unmasked exception pending. */
function wait(c: CpuState): void {
  if (c.fpuSw & ES) throw fpTrap(fpeCode(c.fpuSw & ~c.fpuCw & 0x3f));
}
/**
 * Merge exception flags and C1 from f into the status word (C1 is always replaced). Returns false when an
 * unmasked invalid/denormal/zero-divide exception means the destination must not be written.
 */
function flags(c: CpuState, f: number): boolean {
  let sw = (c.fpuSw & ~C1) | (f & (0x7f | C1));
  const um = f & ~c.fpuCw & 0x3f;
  if (um) sw |= ES | B;
  c.fpuSw = sw;
  return (um & (IE | DE | ZE)) === 0;
}
/** Underflow check for operand ST(i): sets IE|SF (C1=0) and returns true when empty. */
function under(c: CpuState, i: number): boolean {
  return empty(c, i);
}
const STACK_UNDER = IE | SF;
const STACK_OVER = IE | SF | C1;

/** Push x (or handle stack overflow). f: flags already gathered. */
function push(c: CpuState, x: F, f: number): void {
  const t = (c.fpuTop - 1) & 7;
  if (((c.fpuTag >> (2 * t)) & 3) !== 3) {
    f |= STACK_OVER;
    if (!flags(c, f)) return;
    c.fpuTop = t;
    setPhys(c, t, INDEF);
    return;
  }
  if (!flags(c, f)) return;
  c.fpuTop = t;
  setPhys(c, t, x);
}

// ------------------------------------------------------------------ NaN rules

/** x87 NaN result for a binary operation (at least one NaN): the QNaN, or the larger significand. */
function nanResult(a: F, ka: K, b: F, kb: K, out: F): number {
  let f = ka === K.SNaN || kb === K.SNaN ? IE : 0;
  let src: F;
  if (isNan(ka) && isNan(kb)) {
    if (ka !== kb) src = ka === K.QNaN ? a : b;
    else {
      const ah = a.h & 0x3fffffff, bh = b.h & 0x3fffffff;
      src = ah > bh || (ah === bh && a.l > b.l) ? a : ah === bh && a.l === b.l ? (a.s === 0 ? a : b) : b;
    }
  } else src = isNan(ka) ? a : b;
  out.set(src);
  out.h = (out.h | 0x40000000) >>> 0;
  if (ka === K.Den || kb === K.Den) f |= 0; // NaN operand takes priority over DE
  return f;
}

// ------------------------------------------------------------------ arithmetic core

/** Finish: round working significand to the register format (PC, RC) into out; returns flags. */
function toReg(c: CpuState, s: number, E: number, out: F): number {
  const cw = c.fpuCw;
  const umUE = (cw & UE) === 0, umOE = (cw & OE) === 0;
  const rc = rcOf(c);
  const r = roundCore(s, E, pc(c), umUE ? -1e9 : EMIN, rc);
  let e = RE, f = 0;
  if (r & 1) f |= PE;
  if (r & 2) f |= C1;
  if (umUE) {
    if (e < EMIN) { f |= UE; e += 24576; }
  } else if ((r & 8) && (r & 1)) f |= UE;
  if (e > EMAX) {
    if (umOE) { f |= OE; e -= 24576; }
    else {
      f |= OE | PE;
      overflow(s, pc(c), rc, out);
      if (out.e === 0x7fff) f |= C1; else f &= ~C1;
      return f;
    }
  }
  out.s = s;
  out.e = MH >= 0x80000000 ? e + BIAS : 0;
  out.h = MH;
  out.l = ML;
  return f;
}
function overflow(s: number, p: number, rc: number, out: F): void {
  const toInf = rc === 0 || (rc === 1 && s === 1) || (rc === 2 && s === 0);
  if (toInf) out.put(s, 0x7fff, 0x80000000, 0);
  else if (p === 64) out.put(s, 0x7ffe, 0xffffffff, 0xffffffff);
  else if (p === 53) out.put(s, 0x7ffe, 0xffffffff, 0xfffff800);
  else out.put(s, 0x7ffe, 0xffffff00, 0);
}
/** Zero result of an exact cancellation: +0, or -0 when rounding down. */
function zero(s: number, out: F): void {
  out.put(s, 0, 0, 0);
}

/** a + b (sub: a - b) for finite/inf/NaN operands; result in out, returns flags. */
function add(c: CpuState, a: F, b: F, sub: boolean, out: F): number {
  const ka = kind(a), kb = kind(b);
  const bs = sub ? b.s ^ 1 : b.s;
  if (ka === K.Bad || kb === K.Bad) { out.set(INDEF); return IE; }
  if (isNan(ka) || isNan(kb)) return nanResult(a, ka, b, kb, out);
  if (ka === K.Inf || kb === K.Inf) {
    if (ka === K.Inf && kb === K.Inf && a.s !== bs) { out.set(INDEF); return IE; }
    if (ka === K.Inf) out.set(a); else out.put(bs, 0x7fff, 0x80000000, 0);
    return 0;
  }
  let f = ka === K.Den || kb === K.Den ? DE : 0;
  if (ka === K.Zero && kb === K.Zero) {
    zero(a.s === bs ? a.s : rcOf(c) === 1 ? 1 : 0, out);
    return f;
  }
  if (kb === K.Zero || ka === K.Zero) {
    const x = kb === K.Zero ? a : b;
    const s = kb === K.Zero ? a.s : bs;
    const E = unpack(x);
    return f | toReg(c, s, E, out);
  }
  let Ea = unpack(a);
  let ah = MH, al = ML;
  let Eb = unpack(b);
  let bh = MH, bl = ML;
  let sa = a.s, sb = bs;
  // |a| >= |b|
  if (Eb > Ea || (Eb === Ea && (bh > ah || (bh === ah && bl > al)))) {
    let t = Ea; Ea = Eb; Eb = t;
    t = ah; ah = bh; bh = t;
    t = al; al = bl; bl = t;
    t = sa; sa = sb; sb = t;
  }
  MH = bh; ML = bl; MX = 0; MS = 0;
  shr(Ea - Eb);
  let E = Ea;
  if (sa === sb) {
    // magnitude add
    const x = MX;
    let lo = al + ML;
    let cl = 0;
    if (lo >= 4294967296) { lo -= 4294967296; cl = 1; }
    let hi = ah + MH + cl;
    let carry = 0;
    if (hi >= 4294967296) { hi -= 4294967296; carry = 1; }
    MH = hi; ML = lo; MX = x;
    if (carry) {
      shr(1);
      MH = (MH | 0x80000000) >>> 0;
      E++;
    }
  } else {
    // magnitude subtract: (ah, al, 0, 0) - (MH, ML, MX, MS)
    let x = 0 - MX - MS;
    let bw = 0;
    if (x < 0) { x += 4294967296; bw = 1; }
    let lo = al - ML - bw;
    bw = 0;
    if (lo < 0) { lo += 4294967296; bw = 1; }
    const hi = ah - MH - bw;
    MH = hi; ML = lo; MX = x;
    // MS stays (the true value is slightly below the computed one)
    if ((MH | ML | MX) === 0 && MS === 0) {
      zero(rcOf(c) === 1 ? 1 : 0, out);
      return f;
    }
    E -= normLeft();
  }
  return f | toReg(c, sa, E, out);
}

function mul(c: CpuState, a: F, b: F, out: F): number {
  const ka = kind(a), kb = kind(b);
  const s = a.s ^ b.s;
  if (ka === K.Bad || kb === K.Bad) { out.set(INDEF); return IE; }
  if (isNan(ka) || isNan(kb)) return nanResult(a, ka, b, kb, out);
  if (ka === K.Inf || kb === K.Inf) {
    if (ka === K.Zero || kb === K.Zero) { out.set(INDEF); return IE; }
    out.put(s, 0x7fff, 0x80000000, 0);
    return ka === K.Den || kb === K.Den ? DE : 0;
  }
  const f = ka === K.Den || kb === K.Den ? DE : 0;
  if (ka === K.Zero || kb === K.Zero) { zero(s, out); return f; }
  const Ea = unpack(a);
  const ah = MH, al = ML;
  const Eb = unpack(b);
  mulu64(al, ah, ML, MH);
  const p0 = W[0] >>> 0, p1 = W[1] >>> 0, p2 = W[2] >>> 0, p3 = W[3] >>> 0;
  let E = Ea + Eb;
  if (p3 >= 0x80000000) {
    MH = p3; ML = p2; MX = p1; MS = p0 !== 0 ? 1 : 0;
    E++;
  } else {
    MH = ((p3 << 1) | (p2 >>> 31)) >>> 0;
    ML = ((p2 << 1) | (p1 >>> 31)) >>> 0;
    MX = ((p1 << 1) | (p0 >>> 31)) >>> 0;
    MS = (p0 << 1) !== 0 ? 1 : 0;
  }
  return f | toReg(c, s, E, out);
}

/** 96-bit quotient of the 64-bit significands (a/b), sticky from the remainder; returns 1 if a < b. */
function divSig(ah: number, al: number, bh: number, bl: number): number {
  // remainder r (65 bits: rc:rh:rl) starts as a; if a < b, pre-shift (quotient < 1)
  let rh = ah, rl = al, rc = 0;
  let shifted = 0;
  if (ah < bh || (ah === bh && al < bl)) {
    rc = rh >>> 31;
    rh = ((rh << 1) | (rl >>> 31)) >>> 0;
    rl = (rl << 1) >>> 0;
    shifted = 1;
  }
  let qh = 0, ql = 0, qx = 0;
  for (let i = 0; i < 96; i++) {
    // q bit = r >= b
    let bit = 0;
    if (rc || rh > bh || (rh === bh && rl >= bl)) {
      let lo = rl - bl, bw = 0;
      if (lo < 0) { lo += 4294967296; bw = 1; }
      rh = rh - bh - bw;
      if (rh < 0) rh += 4294967296;
      rl = lo;
      rc = 0;
      bit = 1;
    }
    // shift quotient in
    qh = ((qh << 1) | (ql >>> 31)) >>> 0;
    ql = ((ql << 1) | (qx >>> 31)) >>> 0;
    qx = ((qx << 1) | bit) >>> 0;
    // r <<= 1
    rc = rh >>> 31;
    rh = ((rh << 1) | (rl >>> 31)) >>> 0;
    rl = (rl << 1) >>> 0;
  }
  MH = qh; ML = ql; MX = qx; MS = (rc | rh | rl) !== 0 ? 1 : 0;
  return shifted;
}

function div(c: CpuState, a: F, b: F, out: F): number {
  const ka = kind(a), kb = kind(b);
  const s = a.s ^ b.s;
  if (ka === K.Bad || kb === K.Bad) { out.set(INDEF); return IE; }
  if (isNan(ka) || isNan(kb)) return nanResult(a, ka, b, kb, out);
  if (ka === K.Inf) {
    if (kb === K.Inf) { out.set(INDEF); return IE; }
    out.put(s, 0x7fff, 0x80000000, 0);
    return kb === K.Den ? DE : 0;
  }
  if (kb === K.Inf) { zero(s, out); return ka === K.Den ? DE : 0; }
  if (kb === K.Zero) {
    if (ka === K.Zero) { out.set(INDEF); return IE; }
    out.put(s, 0x7fff, 0x80000000, 0);
    return ZE;
  }
  const f = ka === K.Den || kb === K.Den ? DE : 0;
  if (ka === K.Zero) { zero(s, out); return f; }
  const Ea = unpack(a);
  const ah = MH, al = ML;
  const Eb = unpack(b);
  const sh = divSig(ah, al, MH, ML);
  return f | toReg(c, s, Ea - Eb - sh, out);
}

function sqrt(c: CpuState, a: F, out: F): number {
  const k = kind(a);
  if (k === K.Bad) { out.set(INDEF); return IE; }
  if (isNan(k)) { out.set(a); out.h = (out.h | 0x40000000) >>> 0; return k === K.SNaN ? IE : 0; }
  if (k === K.Zero) { out.set(a); return 0; }
  if (a.s) { out.set(INDEF); return IE; }
  if (k === K.Inf) { out.set(a); return 0; }
  const f = k === K.Den ? DE : 0;
  let E = unpack(a);
  // radicand m * 2^(E - 63) with m the 64-bit significand; make the exponent even
  let m = (BigInt(MH) << 32n) | BigInt(ML);
  let e2 = E - 63;
  if (e2 & 1) { m <<= 1n; e2 -= 1; }
  // root with >= 97 significant bits: scale the radicand by 2^(2k)
  const k2 = 132;
  const rad = m << BigInt(2 * k2);
  let r = isqrt(rad);
  const exact = r * r === rad;
  // r ~ 2^(97..98): normalize to 96 bits + sticky
  const bits = r.toString(2).length;
  const drop = bits - 96;
  const sticky = (r & ((1n << BigInt(drop)) - 1n)) !== 0n || !exact;
  r >>= BigInt(drop);
  MH = Number((r >> 64n) & 0xffffffffn);
  ML = Number((r >> 32n) & 0xffffffffn);
  MX = Number(r & 0xffffffffn);
  MS = sticky ? 1 : 0;
  // value = r_full * 2^(e2/2 - k2); r_full = r << drop; bit 63 of MH:ML corresponds to 2^(bits-1)
  E = e2 / 2 - k2 + bits - 1;
  return f | toReg(c, 0, E, out);
}
function isqrt(n: bigint): bigint {
  if (n < 2n) return n;
  let x = BigInt(Math.floor(Math.sqrt(Number(n))));
  // Number(n) may be inexact / overflow for huge n: fall back to a power-of-two start
  if (x <= 0n || !Number.isFinite(Number(n))) x = 1n << BigInt(Math.ceil(n.toString(2).length / 2));
  for (;;) {
    const y = (x + n / x) >> 1n;
    if (y >= x) {
      // x is floor(sqrt(n)) or one too large
      while (x * x > n) x -= 1n;
      while ((x + 1n) * (x + 1n) <= n) x += 1n;
      return x;
    }
    x = y;
  }
}

// ------------------------------------------------------------------ compares

/** Compare a with b: returns 0 (a>b), 1 (a<b), 2 (=), 3 (unordered); flags in CMPF. */
let CMPF = 0;
function compare(a: F, b: F, signalQnan: boolean): number {
  const ka = kind(a), kb = kind(b);
  CMPF = 0;
  if (ka === K.Bad || kb === K.Bad) { CMPF = IE; return 3; }
  if (isNan(ka) || isNan(kb)) {
    if (signalQnan || ka === K.SNaN || kb === K.SNaN) CMPF = IE;
    return 3;
  }
  if (ka === K.Den || kb === K.Den) CMPF = DE;
  const za = ka === K.Zero, zb = kb === K.Zero;
  if (za && zb) return 2;
  if (za) return b.s ? 0 : 1;
  if (zb) return a.s ? 1 : 0;
  if (a.s !== b.s) return a.s ? 1 : 0;
  // same sign: compare magnitudes
  let cmp: number;
  if (ka === K.Inf || kb === K.Inf) cmp = ka === kb ? 0 : ka === K.Inf ? 1 : -1;
  else {
    const Ea = unpack(a);
    const ah = MH, al = ML;
    const Eb = unpack(b);
    cmp = Ea !== Eb ? (Ea > Eb ? 1 : -1) : ah !== MH ? (ah > MH ? 1 : -1) : al !== ML ? (al > ML ? 1 : -1) : 0;
  }
  if (cmp === 0) return 2;
  return (cmp > 0) !== (a.s === 1) ? 0 : 1;
}
const CMP_CC = [0, C0, C3, C3 | C2 | C0];
const CMP_EFL = [0, 0x1, 0x40, 0x45];

// ------------------------------------------------------------------ memory formats

/** float32 bits -> 80-bit (exact); flags DE (denormal), IE (SNaN, quietened). */
let LDF = 0;
function loadM32(v: number, out: F): F {
  const s = v >>> 31, e = (v >>> 23) & 0xff, fr = v & 0x7fffff;
  LDF = 0;
  if (e === 0xff) {
    if (fr === 0) return out.put(s, 0x7fff, 0x80000000, 0);
    if (!(fr & 0x400000)) LDF = IE;
    return out.put(s, 0x7fff, 0xc0000000 | (fr << 8), 0);
  }
  if (e === 0) {
    if (fr === 0) return out.put(s, 0, 0, 0);
    LDF = DE;
    const z = Math.clz32(fr) - 8; // shift to put the leading 1 at bit 23
    return out.put(s, 1 - 127 - z + BIAS, (fr << (8 + z)) >>> 0, 0);
  }
  return out.put(s, e - 127 + BIAS, 0x80000000 | (fr << 8), 0);
}
/** float64 (lo, hi) -> 80-bit (exact). quiet: no flags (internal use). */
function loadM64(lo: number, hi: number, out: F, quiet = false): F {
  const s = hi >>> 31, e = (hi >>> 20) & 0x7ff;
  const fh = hi & 0xfffff, fl = lo >>> 0;
  if (!quiet) LDF = 0;
  if (e === 0x7ff) {
    if ((fh | fl) === 0) return out.put(s, 0x7fff, 0x80000000, 0);
    if (!(fh & 0x80000) && !quiet) LDF = IE;
    return out.put(s, 0x7fff, 0xc0000000 | (fh << 11) | (fl >>> 21), fl << 11);
  }
  if (e === 0) {
    if ((fh | fl) === 0) return out.put(s, 0, 0, 0);
    if (!quiet) LDF = DE;
    // normalize the 52-bit fraction
    MH = ((fh << 11) | (fl >>> 21)) >>> 0; ML = (fl << 11) >>> 0; MX = 0; MS = 0;
    const z = normLeft();
    return out.put(s, -1022 - z + BIAS, MH, ML);
  }
  return out.put(s, e - 1023 + BIAS, 0x80000000 | (fh << 11) | (fl >>> 21), fl << 11);
}
/** Signed 64-bit integer (lo, hi) -> 80-bit (exact). */
function loadInt(lo: number, hi: number, out: F): F {
  let s = 0;
  let h = hi >>> 0, l = lo >>> 0;
  if (hi < 0) {
    s = 1;
    l = (~l + 1) >>> 0;
    h = (~h + (l === 0 ? 1 : 0)) >>> 0;
  }
  if ((h | l) === 0) return out.put(0, 0, 0, 0);
  MH = h; ML = l; MX = 0; MS = 0;
  const z = normLeft();
  return out.put(s, 63 - z + BIAS, MH, ML);
}

/** 80-bit -> float32/float64 per RC (precision 24/53, the format's exponent range); flags in STF. */
let STF = 0;
const WORD = new Int32Array(2);
function storeFloat(c: CpuState, x: F, dbl: boolean): void {
  const k = kind(x);
  STF = 0;
  const s = x.s;
  const p = dbl ? 53 : 24, emin = dbl ? -1022 : -126, emax = dbl ? 1023 : 127;
  let hi = 0, lo = 0;
  switch (k) {
    case K.Zero:
      hi = s << 31;
      break;
    case K.Inf:
      hi = dbl ? (s << 31) | 0x7ff00000 : (s << 31) | 0x7f800000;
      break;
    case K.QNaN:
    case K.SNaN:
    case K.Bad: {
      const y = k === K.Bad ? INDEF : x;
      if (k !== K.QNaN) STF = IE;
      if (dbl) {
        hi = (y.s << 31) | 0x7ff80000 | ((y.h >>> 11) & 0x7ffff);
        lo = ((y.h << 21) | (y.l >>> 11)) | 0;
      } else hi = (y.s << 31) | 0x7fc00000 | ((y.h >>> 8) & 0x3fffff);
      break;
    }
    default: {
      if (k === K.Den) STF = DE;
      const cw = c.fpuCw;
      const rc = rcOf(c);
      const E = unpack(x);
      const r = roundCore(s, E, p, emin, rc);
      let e = RE;
      if (r & 1) STF |= PE;
      if (r & 2) STF |= C1;
      if ((r & 8) && ((r & 1) || !(cw & UE))) STF |= UE;
      if (e > emax) {
        STF |= OE | PE;
        const toInf = rc === 0 || (rc === 1 && s === 1) || (rc === 2 && s === 0);
        if (toInf) { STF |= C1; MH = 0x80000000; ML = 0; e = emax + 1; } else { STF &= ~C1; MH = 0xffffffff; ML = 0xffffffff; e = emax; }
      }
      const be = MH >= 0x80000000 ? e + (dbl ? 1023 : 127) : 0;
      if (dbl) {
        hi = (s << 31) | (be << 20) | ((MH >>> 11) & 0xfffff);
        lo = ((MH << 21) | (ML >>> 11)) | 0;
      } else hi = (s << 31) | (be << 23) | ((MH >>> 8) & 0x7fffff);
    }
  }
  WORD[0] = lo;
  WORD[1] = hi;
}

/** Round x to an integer per rc into MH:ML (magnitude, 64 bits) with sign; returns -1 if not finite. */
function roundInt(x: F, rc: number): number {
  const k = kind(x);
  if (k === K.Zero) { MH = 0; ML = 0; return 0; }
  if (k !== K.Norm && k !== K.Den) return -1;
  const E = unpack(x);
  if (E >= 63) {
    if (E > 63) return -1; // >= 2^64
    return 0;
  }
  shr(63 - E);
  return roundBits(x.s, 64, rc);
}

/** 80-bit -> signed integer of `bits` (16/32/64) per RC (or truncation); indefinite on overflow. */
function storeInt(c: CpuState, x: F, bits: number, trunc: boolean): void {
  STF = 0;
  const r = roundInt(x, trunc ? 3 : rcOf(c));
  const k = kind(x);
  if (k === K.Den) STF |= 0; // denormal operand: DE is not raised by FIST (result is 0 or +-1, PE)
  let ok = r >= 0;
  let lo = 0, hi = 0;
  if (ok) {
    // range: magnitude <= 2^(bits-1) - 1 (or 2^(bits-1) for negative)
    const lim = bits === 64 ? [0x80000000, 0] : bits === 32 ? [0, 0x80000000] : [0, 0x8000];
    const over = MH > lim[0] || (MH === lim[0] && ML > lim[1]) || ((MH === lim[0] && ML === lim[1]) && x.s === 0);
    if (over) ok = false;
    else {
      if (x.s) { lo = (~ML + 1) >>> 0; hi = (~MH + (lo === 0 ? 1 : 0)) >>> 0; } else { lo = ML; hi = MH; }
      if (r & 1) STF |= PE;
      if (r & 2) STF |= C1;
    }
  }
  if (!ok) {
    STF = IE;
    if (bits === 64) { lo = 0; hi = 0x80000000; } else if (bits === 32) { lo = 0x80000000; hi = 0; } else { lo = 0x8000; hi = 0; }
  }
  WORD[0] = lo | 0;
  WORD[1] = hi | 0;
}

// ------------------------------------------------------------------ memory access used by the helpers

export interface X87Mem {
  r8(a: number): number;
  r16(a: number): number;
  r32(a: number): number;
  r64(a: number): number;
  t: number;
  w8(a: number, v: number): void;
  w16(a: number, v: number): void;
  w32(a: number, v: number): void;
  w64(a: number, lo: number, hi: number): void;
  probeWrite(a: number, n: number): void;
  probeRead(a: number, n: number): void;
}

/** Memory operand formats: 0 m32fp, 1 m64fp, 2 m16int, 3 m32int, 4 m64int, 5 m80fp. */
function loadMem(m: X87Mem, a: number, fmt: number, out: F): F {
  LDF = 0;
  switch (fmt) {
    case 0: return loadM32(m.r32(a), out);
    case 1: { const lo = m.r64(a); return loadM64(lo, m.t, out); }
    case 2: { const v = (m.r16(a) << 16) >> 16; return loadInt(v, v >> 31, out); }
    case 3: { const v = m.r32(a); return loadInt(v, v >> 31, out); }
    case 4: { const lo = m.r64(a); return loadInt(lo, m.t, out); }
    default: {
      const lo = m.r64(a), hi = m.t;
      const se = m.r16(a + 8);
      return out.put((se >> 15) & 1, se & 0x7fff, hi, lo);
    }
  }
}

// ------------------------------------------------------------------ instruction helpers (exported)

/** Arithmetic op codes (the x87 opcode /reg order): add mul com comp sub subr div divr. */
const enum Op { Add = 0, Mul = 1, Sub = 4, Subr = 5, Div = 6, Divr = 7 }

function arith(c: CpuState, op: number, a: F, b: F, out: F): number {
  switch (op) {
    case Op.Add: return add(c, a, b, false, out);
    case Op.Mul: return mul(c, a, b, out);
    case Op.Sub: return add(c, a, b, true, out);
    case Op.Subr: return add(c, b, a, true, out);
    case Op.Div: return div(c, a, b, out);
    default: return div(c, b, a, out);
  }
}

/** FADD/FMUL/FSUB/FSUBR/FDIV/FDIVR ST(d), ST(s) [and pop]. */
export function x87Arith(c: CpuState, op: number, d: number, s: number, doPop: boolean): void {
  wait(c);
  let f: number;
  if (empty(c, d) || empty(c, s)) {
    f = STACK_UNDER;
    R.set(INDEF);
  } else {
    get(c, d, A);
    get(c, s, Bv);
    f = arith(c, op, A, Bv, R);
  }
  if (!flags(c, f)) return;
  put(c, d, R);
  if (doPop) pop(c);
}
/** Same with a memory source: ST(0) = ST(0) op mem. */
export function x87ArithMem(c: CpuState, m: X87Mem, op: number, a: number, fmt: number): void {
  wait(c);
  loadMem(m, a, fmt, Bv);
  let f = LDF;
  if (empty(c, 0)) {
    f = STACK_UNDER;
    R.set(INDEF);
  } else {
    get(c, 0, A);
    if (f & IE) {
      // SNaN memory operand (quietened by the load): x87 NaN rules apply to the quietened value
      f |= arith(c, op, A, Bv, R);
    } else f |= arith(c, op, A, Bv, R);
  }
  if (!flags(c, f)) return;
  put(c, 0, R);
}

/** FLD from memory (m32/m64/m80/int16/int32/int64). */
export function x87LoadMem(c: CpuState, m: X87Mem, a: number, fmt: number): void {
  wait(c);
  loadMem(m, a, fmt, R);
  push(c, R, LDF);
}
/** FLD ST(i). */
export function x87LoadReg(c: CpuState, i: number): void {
  wait(c);
  if (empty(c, i)) {
    push(c, INDEF, STACK_UNDER);
    return;
  }
  get(c, i, R);
  push(c, R, 0);
}
/** FLD1 FLDL2T FLDL2E FLDPI FLDLG2 FLDLN2 FLDZ (k = 0..6): rounded per RC like the hardware. */
const CONSTS: [number, number, number, number][] = [
  // exponent, mantissa hi, lo, and the next bits direction (0 exact, +1 true value above, -1 below)
  [BIAS, 0x80000000, 0x00000000, 0],
  [BIAS + 1, 0xd49a784b, 0xcd1b8afe, 1], // log2(10)
  [BIAS, 0xb8aa3b29, 0x5c17f0bc, -1], // log2(e)
  [BIAS + 1, 0xc90fdaa2, 0x2168c235, -1], // pi
  [BIAS - 2, 0x9a209a84, 0xfbcff799, -1], // log10(2)
  [BIAS - 1, 0xb17217f7, 0xd1cf79ac, -1], // ln(2)
  [0, 0, 0, 0],
];
export function x87LoadConst(c: CpuState, k: number): void {
  wait(c);
  const [e, h, l, dir] = CONSTS[k];
  R.put(0, e, h, l);
  // the table holds the round-to-nearest value; directed modes may select the other neighbour
  const rc = rcOf(c);
  // dir > 0: the true value is above the table value (round up selects the next value); dir < 0: below
  if (dir > 0 && rc === 2) { R.l = (R.l + 1) >>> 0; if (R.l === 0) R.h = (R.h + 1) >>> 0; }
  if (dir < 0 && (rc === 1 || rc === 3)) { if (R.l === 0) R.h = (R.h - 1) >>> 0; R.l = (R.l - 1) >>> 0; }
  push(c, R, 0);
}

/** FST/FSTP to memory: fmt 0 m32fp, 1 m64fp, 5 m80fp. */
export function x87StoreMem(c: CpuState, m: X87Mem, a: number, fmt: number, doPop: boolean): void {
  wait(c);
  let f = 0;
  if (empty(c, 0)) {
    f = STACK_UNDER;
    R.set(INDEF);
  } else get(c, 0, R);
  if (fmt === 5) {
    m.probeWrite(a, 10);
    if (!flags(c, f)) return;
    m.w64(a, R.l | 0, R.h | 0);
    m.w16(a + 8, (R.s << 15) | R.e);
  } else {
    if (f === 0) { storeFloat(c, R, fmt === 1); f = STF; }
    else { storeFloat(c, INDEF, fmt === 1); }
    if (fmt === 1) m.probeWrite(a, 8);
    else m.probeWrite(a, 4);
    // unmasked IE/DE (and OE/UE to memory) leave the destination unchanged
    const um = f & ~c.fpuCw & 0x3f;
    if (!flags(c, f)) return;
    if (um & (OE | UE)) return;
    if (fmt === 1) m.w64(a, WORD[0], WORD[1]);
    else m.w32(a, WORD[1]);
  }
  if (doPop) pop(c);
}
/** FST/FSTP ST(i). */
export function x87StoreReg(c: CpuState, i: number, doPop: boolean): void {
  wait(c);
  if (empty(c, 0)) {
    if (!flags(c, STACK_UNDER)) return;
    put(c, i, INDEF);
  } else {
    flags(c, 0);
    get(c, 0, R);
    put(c, i, R);
  }
  if (doPop) pop(c);
}
/** FIST/FISTP/FISTTP m16/m32/m64 (bits), trunc for FISTTP. */
export function x87StoreInt(c: CpuState, m: X87Mem, a: number, bits: number, doPop: boolean, trunc: boolean): void {
  wait(c);
  let f: number;
  if (empty(c, 0)) {
    f = STACK_UNDER;
    storeInt(c, INDEF, bits, true);
  } else {
    get(c, 0, R);
    storeInt(c, R, bits, trunc);
    f = STF;
  }
  m.probeWrite(a, bits / 8);
  if (!flags(c, f)) return;
  if (bits === 64) m.w64(a, WORD[0], WORD[1]);
  else if (bits === 32) m.w32(a, WORD[0]);
  else m.w16(a, WORD[0] & 0xffff);
  if (doPop) pop(c);
}

/** FXCH ST(i). */
export function x87Xch(c: CpuState, i: number): void {
  wait(c);
  let f = 0;
  if (empty(c, 0) || empty(c, i)) {
    f = STACK_UNDER;
    if (!flags(c, f)) return;
    if (empty(c, 0)) T1.set(INDEF); else get(c, 0, T1);
    if (empty(c, i)) T2.set(INDEF); else get(c, i, T2);
  } else {
    flags(c, 0);
    get(c, 0, T1);
    get(c, i, T2);
  }
  put(c, 0, T2);
  put(c, i, T1);
}

/** FCOM/FCOMP/FCOMPP/FUCOM* (ST(0) vs ST(i)), FCOMI/FUCOMI[P] (eflags) — pops: 0/1/2. */
export function x87Com(c: CpuState, i: number, pops: number, unordered: boolean, eflags: boolean): void {
  wait(c);
  let r: number, f: number;
  if (empty(c, 0) || empty(c, i)) {
    r = 3;
    f = STACK_UNDER;
  } else {
    r = compare(get(c, 0, A), get(c, i, Bv), !unordered);
    f = CMPF;
  }
  comFinish(c, r, f, pops, eflags);
}
function comFinish(c: CpuState, r: number, f: number, pops: number, eflags: boolean): void {
  const um = f & ~c.fpuCw & 0x3f;
  flags(c, f);
  if (um & (IE | DE)) return; // unmasked invalid/denormal: no result, no pop
  if (eflags) {
    c.fl = (c.fl & ~0x8d5) | CMP_EFL[r];
    c.fop = 0;
  } else c.fpuSw = (c.fpuSw & ~(C0 | C2 | C3)) | CMP_CC[r];
  for (let k = 0; k < pops; k++) pop(c);
}
/** FCOM/FCOMP m32/m64, FICOM/FICOMP m16/m32. */
export function x87ComMem(c: CpuState, m: X87Mem, a: number, fmt: number, pops: number): void {
  wait(c);
  loadMem(m, a, fmt, Bv);
  let r: number, f: number;
  if (empty(c, 0)) { r = 3; f = STACK_UNDER; }
  else {
    r = compare(get(c, 0, A), Bv, true);
    f = CMPF | (LDF & DE);
  }
  comFinish(c, r, f, pops, false);
}
/** FTST: compare ST(0) with +0.0. */
export function x87Tst(c: CpuState): void {
  wait(c);
  let r: number, f: number;
  if (empty(c, 0)) { r = 3; f = STACK_UNDER; }
  else {
    r = compare(get(c, 0, A), T2.put(0, 0, 0, 0), true);
    f = CMPF;
  }
  comFinish(c, r, f, 0, false);
}
/** FXAM. */
export function x87Xam(c: CpuState): void {
  wait(c);
  get(c, 0, A);
  let cc: number;
  if (empty(c, 0)) cc = C3 | C0;
  else {
    switch (kind(A)) {
      case K.Bad: cc = 0; break;
      case K.QNaN: case K.SNaN: cc = C0; break;
      case K.Norm: cc = C2; break;
      case K.Inf: cc = C2 | C0; break;
      case K.Zero: cc = C3; break;
      default: cc = C3 | C2; break;
    }
  }
  if (A.s) cc |= C1;
  c.fpuSw = (c.fpuSw & ~CC) | cc;
}

/** FCHS (0), FABS (1). */
export function x87SignOp(c: CpuState, abs: boolean): void {
  wait(c);
  if (empty(c, 0)) {
    if (!flags(c, STACK_UNDER)) return;
    put(c, 0, INDEF);
    return;
  }
  flags(c, 0);
  get(c, 0, R);
  R.s = abs ? 0 : R.s ^ 1;
  put(c, 0, R);
}
/** FSQRT. */
export function x87Sqrt(c: CpuState): void {
  wait(c);
  let f: number;
  if (empty(c, 0)) { f = STACK_UNDER; R.set(INDEF); }
  else f = sqrt(c, get(c, 0, A), R);
  if (!flags(c, f)) return;
  put(c, 0, R);
}
/** FRNDINT: round ST(0) to an integer per RC. */
export function x87Rndint(c: CpuState): void {
  wait(c);
  let f = 0;
  if (empty(c, 0)) { f = STACK_UNDER; R.set(INDEF); }
  else {
    get(c, 0, A);
    const k = kind(A);
    if (k === K.Bad) { f = IE; R.set(INDEF); }
    else if (isNan(k)) { R.set(A); R.h = (R.h | 0x40000000) >>> 0; f = k === K.SNaN ? IE : 0; }
    else if (k === K.Zero || k === K.Inf) R.set(A);
    else {
      if (k === K.Den) f = DE;
      const E = unpack(A);
      if (E >= 63) R.set(A);
      else {
        shr(63 - E);
        const r = roundBits(A.s, 64, rcOf(c));
        if (r & 1) f |= PE;
        if (r & 2) f |= C1;
        if (MH === 0 && ML === 0 && !(r & 4)) zero(A.s, R);
        else {
          const z = r & 4 ? -1 : normLeft();
          const e = r & 4 ? 64 : 63 - z;
          if (r & 4) { MH = 0x80000000; ML = 0; }
          R.put(A.s, e + BIAS, MH, ML);
        }
      }
    }
  }
  if (!flags(c, f)) return;
  put(c, 0, R);
}

/** FSCALE: ST(0) * 2^trunc(ST(1)). */
export function x87Scale(c: CpuState): void {
  wait(c);
  let f = 0;
  if (empty(c, 0) || empty(c, 1)) { f = STACK_UNDER; R.set(INDEF); }
  else {
    get(c, 0, A);
    get(c, 1, Bv);
    const ka = kind(A), kb = kind(Bv);
    if (ka === K.Bad || kb === K.Bad) { f = IE; R.set(INDEF); }
    else if (isNan(ka) || isNan(kb)) f = nanResult(A, ka, Bv, kb, R);
    else if (kb === K.Inf) {
      if (ka === K.Zero && !Bv.s || ka === K.Inf && Bv.s) { f = IE; R.set(INDEF); }
      else if (ka === K.Zero || ka === K.Inf) R.set(A);
      else if (Bv.s) zero(A.s, R);
      else R.put(A.s, 0x7fff, 0x80000000, 0);
      if (ka === K.Den) f |= DE;
    } else if (ka === K.Zero || ka === K.Inf) {
      R.set(A);
      if (kb === K.Den) f |= DE;
    } else {
      if (ka === K.Den || kb === K.Den) f = DE;
      // n = trunc(ST1), clamped (|n| beyond the exponent range saturates the result)
      let n = 0;
      if (kb !== K.Zero) {
        const E = unpack(Bv);
        if (E >= 0) {
          if (E > 30) n = 1 << 30;
          else n = Math.floor((MH * 4294967296 + ML) / 2 ** (63 - E));
        }
        if (Bv.s) n = -n;
      }
      const E = unpack(A);
      f |= toReg(c, A.s, E + n, R);
    }
  }
  if (!flags(c, f)) return;
  put(c, 0, R);
}

/** FXTRACT: ST(0) = exponent, push significand. */
export function x87Xtract(c: CpuState): void {
  wait(c);
  if (empty(c, 0)) {
    const f = STACK_UNDER;
    if (!flags(c, f)) return;
    put(c, 0, INDEF);
    push(c, INDEF, f);
    return;
  }
  get(c, 0, A);
  const k = kind(A);
  let f = 0;
  if (k === K.Bad) { f = IE; T1.set(INDEF); T2.set(INDEF); }
  else if (isNan(k)) { T1.set(A); T1.h = (T1.h | 0x40000000) >>> 0; T2.set(T1); f = k === K.SNaN ? IE : 0; }
  else if (k === K.Zero) { f = ZE; T1.put(1, 0x7fff, 0x80000000, 0); T2.set(A); }
  else if (k === K.Inf) { T1.put(0, 0x7fff, 0x80000000, 0); T2.set(A); }
  else {
    if (k === K.Den) f = DE;
    const E = unpack(A);
    loadInt(E, E >> 31, T1);
    T2.put(A.s, BIAS, MH, ML);
  }
  if (!flags(c, f)) return;
  put(c, 0, T1);
  push(c, T2, f);
}

/**
 * FPREM (round toward zero quotient) / FPREM1 (IEEE, round to nearest): partial remainder of ST(0) by
 * ST(1). For exponent differences >= 64 a partial reduction is done and C2 is set (as the hardware does).
 */
export function x87Prem(c: CpuState, ieee: boolean): void {
  wait(c);
  let f = 0;
  let cc = c.fpuSw & CC;
  if (empty(c, 0) || empty(c, 1)) { f = STACK_UNDER; R.set(INDEF); }
  else {
    get(c, 0, A);
    get(c, 1, Bv);
    const ka = kind(A), kb = kind(Bv);
    if (ka === K.Bad || kb === K.Bad) { f = IE; R.set(INDEF); }
    else if (isNan(ka) || isNan(kb)) f = nanResult(A, ka, Bv, kb, R);
    else if (ka === K.Inf || kb === K.Zero) { f = IE; R.set(INDEF); if (ka === K.Den || kb === K.Den) f |= DE; }
    else if (ka === K.Zero || kb === K.Inf) {
      R.set(A);
      cc &= ~(C0 | C1 | C2 | C3);
      if (ka === K.Den || kb === K.Den) f |= DE;
    } else {
      if (ka === K.Den || kb === K.Den) f = DE;
      const Ea = unpack(A);
      let ah = MH, al = ML;
      const Eb = unpack(Bv);
      const bh = MH, bl = ML;
      let d = Ea - Eb;
      cc &= ~(C0 | C1 | C2 | C3);
      if (d < 0 && !(ieee && d === -1)) {
        // |a| < |b|/2 (or < |b| for FPREM): remainder is a, quotient 0
        R.set(A);
      } else {
        let partial = false;
        let n = d;
        if (d >= 64) {
          // partial remainder: reduce by a multiple of b * 2^(d - N), N in 32..63 (as the hardware)
          partial = true;
          n = 32 + ((d - 32) % 32);
        }
        // long division of a's significand by b's, n+1 quotient bits (a < 2b after alignment)
        let rh = ah, rl = al, rc2 = 0;
        let q = 0; // low quotient bits (only the low 3 matter)
        let qAll = 0;
        if (d >= 0) {
          for (let i = 0; i <= n; i++) {
            let bit = 0;
            if (rc2 || rh > bh || (rh === bh && rl >= bl)) {
              let lo = rl - bl, bw = 0;
              if (lo < 0) { lo += 4294967296; bw = 1; }
              rh = rh - bh - bw;
              if (rh < 0) rh += 4294967296;
              rl = lo;
              rc2 = 0;
              bit = 1;
            }
            q = ((q << 1) | bit) & 7;
            qAll = qAll * 2 + bit;
            if (i < n) {
              rc2 = rh >>> 31;
              rh = ((rh << 1) | (rl >>> 31)) >>> 0;
              rl = (rl << 1) >>> 0;
            }
          }
        }
        // remainder value: r * 2^(Ea - n - 63)... r is aligned with b's exponent scale 2^(Eb + (d - n))
        let rs = A.s;
        let rexp = Eb + (d - n);
        if (ieee && !partial) {
          // round quotient to nearest: if 2r > b, or 2r == b and q odd, r = b - r (q + 1)
          let gt: boolean, eq: boolean;
          if (d < 0) {
            // d == -1: a in [b/2, b): q = 0 so far; r = a (at scale Ea = Eb - 1)
            // compare 2r (scale Eb) with b: 2r's significand is a's (ah:al) at exponent Eb
            gt = ah > bh || (ah === bh && al > bl);
            eq = ah === bh && al === bl;
            rh = ah; rl = al; rexp = Ea; q = 0;
            if (gt || (eq && false)) {
              // r = b - a computed at a's scale (2^Ea, Ea = Eb - 1): 2*B - A (< B, fits 64 bits)
              let lo = bl * 2 - al, hi = bh * 2 - ah;
              while (lo < 0) { lo += 4294967296; hi -= 1; }
              while (lo >= 4294967296) { lo -= 4294967296; hi += 1; }
              rh = hi; rl = lo;
              rs ^= 1;
              q = 1;
            }
          } else {
            // compare 2r with b (r < b): 2r can have 65 bits
            const r2h = rh * 2 + (rl >= 0x80000000 ? 1 : 0), r2l = (rl * 2) % 4294967296;
            gt = r2h > bh || (r2h === bh && r2l > bl);
            eq = r2h === bh && r2l === bl;
            if (gt || (eq && (q & 1))) {
              let lo = bl - rl, hi = bh - rh;
              if (lo < 0) { lo += 4294967296; hi -= 1; }
              rh = hi; rl = lo;
              rs ^= 1;
              q = (q + 1) & 7;
            }
          }
        }
        if (rh === 0 && rl === 0) zero(A.s, R);
        else {
          MH = rh >>> 0; ML = rl >>> 0; MX = 0; MS = 0;
          const z = normLeft();
          // exact (not rounded to the precision control): at most 64 significant bits, possibly denormal
          roundCore(rs, rexp - z, 64, EMIN, 0);
          R.put(rs, MH >= 0x80000000 ? RE + BIAS : 0, MH, ML);
        }
        if (partial) cc |= C2;
        else {
          if (q & 1) cc |= C1;
          if (q & 2) cc |= C3;
          if (q & 4) cc |= C0;
        }
        void qAll;
      }
    }
  }
  const keepC1 = cc & C1;
  if (!flags(c, f | keepC1)) return;
  c.fpuSw = (c.fpuSw & ~(C0 | C2 | C3)) | (cc & (C0 | C2 | C3));
  put(c, 0, R);
}

/** FCMOVcc: ST(0) = ST(i) if the condition (iced condition code) holds. */
export function x87Cmov(c: CpuState, cc: number, i: number): void {
  wait(c);
  if (empty(c, 0) || empty(c, i)) {
    if (!flags(c, STACK_UNDER)) return;
    if (cond(c, cc)) put(c, 0, INDEF);
    return;
  }
  flags(c, 0);
  if (cond(c, cc)) put(c, 0, get(c, i, R));
}

/** FFREE ST(i) [FFREEP: and pop]. */
export function x87Free(c: CpuState, i: number, doPop: boolean): void {
  wait(c);
  c.fpuTag |= 3 << (2 * phys(c, i));
  if (doPop) pop(c);
}
/** FINCSTP / FDECSTP. */
export function x87IncTop(c: CpuState, delta: number): void {
  wait(c);
  c.fpuTop = (c.fpuTop + delta) & 7;
  c.fpuSw &= ~C1;
}
/** FNINIT. */
export function x87Init(c: CpuState): void {
  c.fpuCw = 0x037f;
  c.fpuSw = 0;
  c.fpuTop = 0;
  c.fpuTag = 0xffff;
}
/** FNCLEX. */
export function x87Clex(c: CpuState): void {
  c.fpuSw &= ~(0xff | B);
}
/** FLDCW. */
export function x87Ldcw(c: CpuState, v: number): void {
  wait(c);
  c.fpuCw = v & 0x1f7f | 0x40;
  updateES(c);
}
function updateES(c: CpuState): void {
  if (c.fpuSw & ~c.fpuCw & 0x3f) c.fpuSw |= ES | B;
  else c.fpuSw &= ~(ES | B);
}
/** FWAIT. */
export function x87Wait(c: CpuState): void {
  wait(c);
}
/** Status word with TOP. */
export function x87Sw(c: CpuState): number {
  return (c.fpuSw & ~0x3800) | ((c.fpuTop & 7) << 11);
}

/** Full tag word (00 valid, 01 zero, 10 special, 11 empty). */
function fullTag(c: CpuState): number {
  let t = 0;
  for (let p = 0; p < 8; p++) {
    let v = 3;
    if (((c.fpuTag >> (2 * p)) & 3) !== 3) {
      const r = c.fpr;
      T1.put((r[3 * p] >>> 15) & 1, r[3 * p] & 0x7fff, r[3 * p + 1], r[3 * p + 2]);
      const k = kind(T1);
      v = k === K.Norm ? 0 : k === K.Zero ? 1 : 2;
    }
    t |= v << (2 * p);
  }
  return t;
}

/** FNSTENV / FNSAVE (28-byte protected-mode environment; FNSAVE adds the registers and reinitializes). */
export function x87Stenv(c: CpuState, m: X87Mem, a: number, save: boolean): void {
  m.probeWrite(a, save ? 108 : 28);
  m.w32(a, c.fpuCw | 0xffff0000);
  m.w32(a + 4, x87Sw(c) | 0xffff0000);
  m.w32(a + 8, fullTag(c) | 0xffff0000);
  m.w32(a + 12, 0);
  m.w32(a + 16, 0);
  m.w32(a + 20, 0);
  m.w32(a + 24, 0xffff0000 | 0);
  if (save) {
    for (let i = 0; i < 8; i++) {
      get(c, i, T1);
      m.w64(a + 28 + 10 * i, T1.l | 0, T1.h | 0);
      m.w16(a + 36 + 10 * i, (T1.s << 15) | T1.e);
    }
    x87Init(c);
  } else c.fpuCw |= 0x3f; // FNSTENV masks all exceptions
}
/** FLDENV / FRSTOR. */
export function x87Ldenv(c: CpuState, m: X87Mem, a: number, rstor: boolean): void {
  m.probeRead(a, rstor ? 108 : 28);
  const cw = m.r16(a), sw = m.r16(a + 4), tw = m.r16(a + 8);
  if (rstor) {
    for (let i = 0; i < 8; i++) {
      const lo = m.r64(a + 28 + 10 * i), hi = m.t;
      const se = m.r16(a + 36 + 10 * i);
      T1.put((se >> 15) & 1, se & 0x7fff, hi, lo);
      c.fpuTop = (sw >> 11) & 7;
      setPhys(c, phys(c, i), T1);
    }
  }
  c.fpuCw = cw;
  c.fpuSw = sw & ~0x3800;
  c.fpuTop = (sw >> 11) & 7;
  // tags: only empty / non-empty is kept (the others are recomputed from the contents when stored)
  let t = 0;
  for (let p = 0; p < 8; p++) t |= (((tw >> (2 * p)) & 3) === 3 ? 3 : 0) << (2 * p);
  c.fpuTag = t;
  updateES(c);
}

/** Transcendentals in double precision: 0 f2xm1 1 fyl2x 2 fyl2xp1 3 fptan 4 fpatan 5 fsin 6 fcos 7 fsincos. */
export function x87Trans(c: CpuState, which: number): void {
  wait(c);
  const two = which === 1 || which === 2 || which === 4;
  if (empty(c, 0) || (two && empty(c, 1))) {
    if (!flags(c, STACK_UNDER)) return;
    if (two) { put(c, 1, INDEF); pop(c); } else put(c, 0, INDEF);
    return;
  }
  get(c, 0, A);
  const ka = kind(A);
  if (two) get(c, 1, Bv);
  const kb = two ? kind(Bv) : K.Norm;
  let f = 0;
  if (ka === K.Bad || kb === K.Bad) { f = IE; R.set(INDEF); }
  else if (isNan(ka) || isNan(kb)) {
    if (two) f = nanResult(Bv, kb, A, ka, R);
    else { R.set(A); R.h = (R.h | 0x40000000) >>> 0; f = ka === K.SNaN ? IE : 0; }
  } else {
    const x = toDouble(A), y = two ? toDouble(Bv) : 0;
    if ((which === 3 || which === 5 || which === 6 || which === 7) && Math.abs(x) >= 2 ** 63) {
      // out of range: C2 = 1, operand unchanged
      flags(c, 0);
      c.fpuSw |= C2;
      return;
    }
    let r: number, r2 = 0;
    switch (which) {
      case 0: r = Math.expm1(x * Math.LN2); break;
      case 1: r = y * Math.log2(x); break;
      case 2: r = y * Math.log1p(x) / Math.LN2; break;
      case 3: r = Math.tan(x); r2 = 1; break;
      case 4: r = Math.atan2(y, x); break;
      case 5: r = Math.sin(x); break;
      case 6: r = Math.cos(x); break;
      default: r = Math.sin(x); r2 = Math.cos(x); break;
    }
    if (r !== r) { f = IE; R.set(INDEF); }
    else {
      if (!Number.isFinite(r) && Number.isFinite(x) && (which === 1)) f |= ZE;
      fromDouble(r, R);
      if (x !== 0 || which === 6 || which === 7) f |= PE;
    }
    if (ka === K.Den || kb === K.Den) f |= DE;
    if (!flags(c, f)) return;
    c.fpuSw &= ~C2;
    if (two) { put(c, 1, R); pop(c); }
    else if (which === 3 || which === 7) {
      put(c, 0, R);
      push(c, fromDouble(r2, T2), f);
    } else put(c, 0, R);
    return;
  }
  if (!flags(c, f)) return;
  if (two) { put(c, 1, R); pop(c); }
  else {
    put(c, 0, R);
    if (which === 3 || which === 7) push(c, R, f);
  }
}

// ------------------------------------------------------------------ FXSAVE hooks

x87Hooks.abridgedTag = (c: CpuState): number => {
  let t = 0;
  for (let p = 0; p < 8; p++) if (((c.fpuTag >> (2 * p)) & 3) !== 3) t |= 1 << p;
  return t;
};
x87Hooks.setAbridgedTag = (c: CpuState, t: number): void => {
  let w = 0;
  for (let p = 0; p < 8; p++) if (!(t & (1 << p))) w |= 3 << (2 * p);
  c.fpuTag = w;
};
x87Hooks.getReg = (c: CpuState, i: number, out: Uint16Array): void => {
  const p = 3 * phys(c, i), r = c.fpr;
  out[0] = r[p + 2] & 0xffff;
  out[1] = (r[p + 2] >>> 16) & 0xffff;
  out[2] = r[p + 1] & 0xffff;
  out[3] = (r[p + 1] >>> 16) & 0xffff;
  out[4] = r[p] & 0xffff;
};
x87Hooks.setReg = (c: CpuState, i: number, w: Uint16Array): void => {
  const q = phys(c, i), p = 3 * q, r = c.fpr;
  r[p] = w[4];
  r[p + 1] = w[2] | (w[3] << 16);
  r[p + 2] = w[0] | (w[1] << 16);
  T1.put((w[4] >> 15) & 1, w[4] & 0x7fff, r[p + 1], r[p + 2]);
  c.st[q] = toDouble(T1);
};
x87Hooks.getSw = x87Sw;
x87Hooks.setSw = (c: CpuState, v: number): void => {
  c.fpuSw = v & ~0x3800;
  c.fpuTop = (v >> 11) & 7;
};

/** Value of ST(i) as a double (for displays). */
export function x87Value(c: CpuState, i: number): number {
  return toDouble(get(c, i, T2));
}
