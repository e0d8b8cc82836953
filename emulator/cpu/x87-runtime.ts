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
 * The transcendental instructions (F2XM1 FYL2X FYL2XP1 FPTAN FPATAN FSIN FCOS FSINCOS) are evaluated in
 * double-double arithmetic and correctly rounded to 64 bits (FSIN & co. reduce their argument exactly with the
 * hardware's 66-bit pi); the hardware is only accurate to within 1 ulp, so a small fraction of results (about
 * 2% of random operands) differ from it in the last bit, or in C1 (see "transcendentals" below).
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
  const um = f & ~c.fpuCw & 0x3f;
  // an unmasked pre-computation exception (invalid, denormal operand, zero divide) stops the instruction
  // before the result (and so OE/UE/PE and the rounding C1) exists
  const pre = (um & (IE | DE | ZE)) !== 0;
  if (pre) f &= IE | DE | ZE | SF | (f & SF ? C1 : 0);
  let sw = (c.fpuSw & ~C1) | (f & (0x7f | C1));
  if (um) sw |= ES | B;
  c.fpuSw = sw;
  return !pre;
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

/**
 * Finish: round the working significand to the register format into out (precision p: the precision control
 * by default; FSCALE and the exact operations pass 64); returns flags. With OE/UE unmasked the exponent is
 * wrapped by 24576 (as the hardware does); a result still out of range then gets the masked response.
 */
function toReg(c: CpuState, s: number, E: number, out: F, p = pc(c)): number {
  const cw = c.fpuCw;
  const umUE = (cw & UE) === 0, umOE = (cw & OE) === 0;
  const rc = rcOf(c);
  const h0 = MH, l0 = ML, x0 = MX, s0 = MS;
  let r = roundCore(s, E, p, umUE ? -1e9 : EMIN, rc);
  let e = RE, f = 0;
  if (umUE) {
    if (e < EMIN) {
      if (e + 24576 >= EMIN) { f |= UE; e += 24576; }
      else {
        // too small even for the wrapped exponent: the masked (denormal or zero) result
        MH = h0; ML = l0; MX = x0; MS = s0;
        r = roundCore(s, E, p, EMIN, rc);
        e = RE;
        if ((r & 8) && (r & 1)) f |= UE;
      }
    }
  } else if ((r & 8) && (r & 1)) f |= UE;
  if (r & 1) f |= PE;
  if (r & 2) f |= C1;
  if (e > EMAX) {
    if (umOE && e - 24576 <= EMAX) { f |= OE; e -= 24576; }
    else {
      f |= OE | PE;
      overflow(s, p, rc, out);
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
    return ka === K.Den || kb === K.Den ? DE : 0;
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
  const Ea = unpack(a);
  const ah = MH, al = ML;
  const Eb = unpack(b);
  return f | addCore(c, a.s, Ea, ah, al, bs, Eb, MH, ML, out, pc(c));
}
/**
 * Sum of two finite nonzero values given unpacked ((-1)^s * significand h:l (bit 63 set) * 2^(E-63), any
 * exponents), correctly rounded to precision p into out; returns flags.
 */
function addCore(c: CpuState, sa: number, Ea: number, ah: number, al: number, sb: number, Eb: number, bh: number, bl: number, out: F, p: number): number {
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
      return 0;
    }
    E -= normLeft();
  }
  return toReg(c, sa, E, out, p);
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

/** Bit n of the 65-bit number m2:m1:m0 (0 for n < 0). */
function bit3(m2: number, m1: number, m0: number, n: number): number {
  return n < 0 || n > 64 ? 0 : n < 32 ? (m0 >>> n) & 1 : n < 64 ? (m1 >>> (n - 32)) & 1 : m2 & 1;
}
function sqrt(c: CpuState, a: F, out: F): number {
  const k = kind(a);
  if (k === K.Bad) { out.set(INDEF); return IE; }
  if (isNan(k)) { out.set(a); out.h = (out.h | 0x40000000) >>> 0; return k === K.SNaN ? IE : 0; }
  if (k === K.Zero) { out.set(a); return 0; }
  if (a.s) { out.set(INDEF); return IE; }
  if (k === K.Inf) { out.set(a); return 0; }
  const f = k === K.Den ? DE : 0;
  const E = unpack(a);
  // radicand m * 2^e2 with m the 64-bit significand; make e2 even (m' = 2m, 65 bits, when it is odd)
  let e2 = E - 63;
  let m2 = 0, m1 = MH, m0 = ML;
  if (e2 & 1) {
    m2 = m1 >>> 31;
    m1 = ((m1 << 1) | (m0 >>> 31)) >>> 0;
    m0 = (m0 << 1) >>> 0;
    e2 -= 1;
  }
  // bit-by-bit integer square root of N = m' * 2^70 (< 2^136: 68 root bits, at least 67 significant);
  // remainder r = rh*2^32 + rl (< 2^70) and root q = qh*2^32 + ql (< 2^68) as exact doubles/uint32
  let rh = 0, rl = 0, qh = 0, ql = 0;
  for (let i = 0; i < 68; i++) {
    // the next two radicand bits: positions 135-2i, 134-2i of N; N's bit b is m' bit b-70
    const b = 134 - 2 * i - 70;
    const two = b >= -1 ? (bit3(m2, m1, m0, b + 1) << 1) | bit3(m2, m1, m0, b) : 0;
    // r = 4r + two
    rh = rh * 4 + (rl >>> 30);
    rl = (((rl << 2) >>> 0) | two) >>> 0;
    // t = 4q + 1
    const th = qh * 4 + (ql >>> 30), tl = (((ql << 2) >>> 0) | 1) >>> 0;
    qh = qh * 2 + (ql >>> 31);
    ql = (ql << 1) >>> 0;
    if (rh > th || (rh === th && rl >= tl)) {
      let lo = rl - tl, bw = 0;
      if (lo < 0) { lo += 4294967296; bw = 1; }
      rh = rh - th - bw;
      rl = lo;
      ql = (ql | 1) >>> 0;
    }
  }
  // q into the 96-bit working significand (q < 2^68: words a, b, ql), sticky from the remainder
  const qa = Math.floor(qh / 4294967296);
  MH = qa; ML = qh >>> 0; MX = ql; MS = (rh !== 0 || rl !== 0) ? 1 : 0;
  const z = normLeft();
  // MH bit 31 had weight 2^95 of q; the root is q * 2^(e2/2 - 35)
  return f | toReg(c, 0, 95 - z + e2 / 2 - 35, out);
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
    return out.put(s, 0x7fff, 0x80000000 | (fr << 8), 0); // an SNaN stays signalling (FLD quietens it)
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
    return out.put(s, 0x7fff, 0x80000000 | (fh << 11) | (fl >>> 21), fl << 11); // SNaN stays signalling
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
  let f: number;
  if (empty(c, 0)) {
    f = STACK_UNDER;
    R.set(INDEF);
  } else {
    get(c, 0, A);
    // the memory operand is normalized by the load: its denormal-operand flag comes from the load, and (like
    // any DE) is not reported when the other operand is a NaN or unsupported
    const ka = kind(A);
    f = arith(c, op, A, Bv, R);
    if ((LDF & DE) && !isNan(ka) && ka !== K.Bad) f |= DE;
  }
  if (!flags(c, f)) return;
  put(c, 0, R);
}

/** FLD from memory (m32/m64/m80/int16/int32/int64). */
export function x87LoadMem(c: CpuState, m: X87Mem, a: number, fmt: number): void {
  wait(c);
  loadMem(m, a, fmt, R);
  if (LDF & IE) R.h = (R.h | 0x40000000) >>> 0; // an SNaN m32/m64 is converted to a QNaN
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
    // unmasked IE/DE (and OE/UE to memory) leave the destination unchanged; with OE/UE unmasked there is no
    // rounded result either (no PE, C1)
    const um = f & ~c.fpuCw & 0x3f;
    if (um & (OE | UE)) f &= ~(PE | C1);
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
  // an unmasked invalid operation still reports "unordered" (r is 3 then); an unmasked denormal stops the
  // compare before any result; neither pops
  if ((um & DE) === 0 || (um & IE) !== 0) {
    if (eflags) {
      c.fl = (c.fl & ~0x8d5) | CMP_EFL[r];
      c.fop = 0;
    } else c.fpuSw = (c.fpuSw & ~(C0 | C2 | C3)) | CMP_CC[r];
  }
  if (um & (IE | DE)) return;
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
    const ka = kind(A);
    f = CMPF | (isNan(ka) || ka === K.Bad ? 0 : LDF & DE); // no DE next to a NaN (as in arithmetic)
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
        if (E >= 0) n = E > 30 ? 1 << 30 : MH >>> (31 - E);
        if (Bv.s) n = -n;
      }
      const E = unpack(A);
      f |= toReg(c, A.s, E + n, R, 64); // exact but for the exponent range: no precision control
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
  if (!empty(c, 7)) {
    // stack overflow: the masked response is the indefinite in ST(0) and pushed
    if (!flags(c, STACK_OVER)) return;
    put(c, 0, INDEF);
    c.fpuTop = (c.fpuTop - 1) & 7;
    put(c, 0, INDEF);
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
    T2.put(A.s, BIAS, MH, ML); // before loadInt, which reuses the working significand
    loadInt(E, E >> 31, T1);
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
        // |a| < |b|/2 (or < |b| for FPREM): remainder is a, quotient 0 (normalized like any result: a
        // pseudo-denormal comes back normal, a denormal signals underflow when UE is unmasked)
        f |= toReg(c, A.s, unpack(A), R, 64);
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
          f |= toReg(c, rs, rexp - z, R, 64);
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
    // stack underflow: the (masked) response is the indefinite in ST(0) whatever the condition
    if (!flags(c, STACK_UNDER)) return;
    put(c, 0, INDEF);
    return;
  }
  // no stack fault: the condition codes (C1 included) are left alone
  if (cond(c, cc)) put(c, 0, get(c, i, R));
}

/** FFREE ST(i) [FFREEP: and pop]. */
export function x87Free(c: CpuState, i: number, doPop: boolean): void {
  wait(c);
  c.fpuTag |= 3 << (2 * phys(c, i));
  c.fpuSw &= ~C1;
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
  } else {
    c.fpuCw |= 0x3f; // FNSTENV masks all exceptions (and so clears ES/B)
    updateES(c);
  }
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

// ------------------------------------------------------------------ transcendentals

/*
 * F2XM1 FYL2X FYL2XP1 FPTAN FPATAN FSIN FCOS FSINCOS are evaluated in double-double arithmetic (about 104
 * significant bits) on the exact 64-bit operands and then rounded to 64 bits under RC (the precision control
 * does not apply to them, as on hardware), so the value, PE and C1 (rounded up) come from a result that is
 * correctly rounded but for the rare cases within ~2^-40 ulp of a rounding boundary. FSIN/FCOS/FSINCOS/FPTAN
 * reduce their argument modulo pi/2 exactly, with the 66-bit approximation of pi the hardware uses (so results
 * for arguments near multiples of pi/2 carry the same error as on hardware). The hardware's own results are
 * within 1 ulp but not always correctly rounded, so a few results differ from it in the last bit.
 */

/** Double-double results: DH + DL. */
let DH = 0, DL = 0;
function twoSum(a: number, b: number): void {
  const s = a + b, v = s - a;
  DL = (a - (s - v)) + (b - v);
  DH = s;
}
function fastTwoSum(a: number, b: number): void {
  const s = a + b;
  DL = b - (s - a);
  DH = s;
}
const SPLIT = 134217729; // 2^27 + 1
function twoProd(a: number, b: number): void {
  const p = a * b;
  let t = SPLIT * a;
  const ah = t - (t - a), al = a - ah;
  t = SPLIT * b;
  const bh = t - (t - b), bl = b - bh;
  DL = ((ah * bh - p) + ah * bl + al * bh) + al * bl;
  DH = p;
}
function ddAdd(ah: number, al: number, bh: number, bl: number): void {
  twoSum(ah, bh);
  const s = DH, e = DL;
  twoSum(al, bl);
  const t = DH, f = DL;
  fastTwoSum(s, e + t);
  fastTwoSum(DH, DL + f);
}
function ddMul(ah: number, al: number, bh: number, bl: number): void {
  twoProd(ah, bh);
  fastTwoSum(DH, DL + (ah * bl + al * bh));
}
function ddDiv(ah: number, al: number, bh: number, bl: number): void {
  const q1 = ah / bh;
  ddMul(q1, 0, bh, bl);
  ddAdd(ah, al, -DH, -DL);
  const rh = DH, rl = DL;
  const q2 = rh / bh;
  ddMul(q2, 0, bh, bl);
  ddAdd(rh, rl, -DH, -DL);
  const q3 = DH / bh;
  fastTwoSum(q1, q2);
  ddAdd(DH, DL, q3, 0);
}

const LN2H = 0.6931471805599453, LN2L = 2.3190468138462996e-17;
const LOG2EH = 1.4426950408889634, LOG2EL = 2.0355273740931033e-17;
const PIH = 3.141592653589793, PIL = 1.2246467991473532e-16;
const PI2H = 1.5707963267948966, PI2L = 6.123233995736766e-17;
const PI4H = 0.7853981633974483, PI4L = 3.061616997868383e-17;
const PI34H = 2.356194490192345, PI34L = 9.184850993605148e-17;

/** 1/n! (n = 0..35) and 1/(2k+1) (k = 0..50) as double-doubles (hi, lo pairs). */
const INV_FACT = new Float64Array(72);
const INV_ODD = new Float64Array(102);
{
  INV_FACT[0] = 1;
  for (let n = 1; n < 36; n++) {
    ddDiv(INV_FACT[2 * n - 2], INV_FACT[2 * n - 1], n, 0);
    INV_FACT[2 * n] = DH;
    INV_FACT[2 * n + 1] = DL;
  }
  for (let k = 0; k < 51; k++) {
    ddDiv(1, 0, 2 * k + 1, 0);
    INV_ODD[2 * k] = DH;
    INV_ODD[2 * k + 1] = DL;
  }
}

/** The finite nonzero x as DH + DL (its significand, in [1, 2)); returns its exponent. MH/ML keep it too. */
function ddOf(x: F): number {
  const E = unpack(x);
  const lo = ML & 0x7ff;
  DH = (MH * 4294967296 + (ML - lo)) * 2 ** -63;
  DL = lo * 2 ** -63;
  return E;
}

/** Round (h + l) * 2^S (h a normal double, |l| <= ulp(h)) to 64 bits per RC into out; returns flags. */
function ddToReg(c: CpuState, h: number, l: number, S: number, out: F): number {
  f64[0] = h;
  const w1 = u32[1], w0 = u32[0];
  const sh = w1 >>> 31, eh = ((w1 >>> 20) & 0x7ff) - 1023;
  const hh = (0x80000000 | ((w1 & 0xfffff) << 11) | (w0 >>> 21)) >>> 0, hl = (w0 << 11) >>> 0;
  f64[0] = l;
  const v1 = u32[1], v0 = u32[0];
  if (l === 0 || ((v1 >>> 20) & 0x7ff) === 0) {
    MH = hh; ML = hl; MX = 0; MS = l === 0 ? 0 : 1; // (a subnormal l is far below the rounding point)
    return toReg(c, sh, eh + S, out, 64);
  }
  const sl = v1 >>> 31, el = ((v1 >>> 20) & 0x7ff) - 1023;
  const lh = (0x80000000 | ((v1 & 0xfffff) << 11) | (v0 >>> 21)) >>> 0, ll = (v0 << 11) >>> 0;
  return addCore(c, sh, eh + S, hh, hl, sl, el + S, lh, ll, out, 64);
}

/** DH+DL = exp(t) - 1 for |t| <= ln 2 (Taylor series, Horner form). */
function expm1dd(th: number, tl: number): void {
  let ph = INV_FACT[56], pl = INV_FACT[57]; // 1/28!
  for (let n = 27; n >= 1; n--) {
    ddMul(ph, pl, th, tl);
    ddAdd(DH, DL, INV_FACT[2 * n], INV_FACT[2 * n + 1]);
    ph = DH;
    pl = DL;
  }
  ddMul(ph, pl, th, tl);
}
/** DH+DL = 2 atanh(u) = ln((1+u)/(1-u)) for |u| <= 0.2. */
function atanh2dd(uh: number, ul: number): void {
  ddMul(uh, ul, uh, ul);
  const wh = DH, wl = DL;
  let ph = INV_ODD[2 * 26], pl = INV_ODD[2 * 26 + 1];
  for (let k = 25; k >= 0; k--) {
    ddMul(ph, pl, wh, wl);
    ddAdd(DH, DL, INV_ODD[2 * k], INV_ODD[2 * k + 1]);
    ph = DH;
    pl = DL;
  }
  ddMul(ph, pl, uh, ul);
  DH *= 2;
  DL *= 2;
}
/** DH+DL = log2((vh + vl) * 2^e) for a positive double-double v. */
function log2dd(vh: number, vl: number, e: number): void {
  f64[0] = vh;
  let k = ((u32[1] >>> 20) & 0x7ff) - 1023;
  let mh = vh * 2 ** -k, ml = vl * 2 ** -k;
  if (mh > Math.SQRT2) { mh /= 2; ml /= 2; k++; }
  // ln m = 2 atanh((m - 1) / (m + 1)), |u| <= 0.172
  ddAdd(mh, ml, -1, 0);
  const ah = DH, al = DL;
  ddAdd(mh, ml, 1, 0);
  ddDiv(ah, al, DH, DL);
  atanh2dd(DH, DL);
  ddMul(DH, DL, LOG2EH, LOG2EL);
  ddAdd(DH, DL, k + e, 0);
}
/** DH+DL = atan(z) for 0 <= z <= 1. */
function atandd(zh: number, zl: number): void {
  let quarter = false;
  if (zh > 0.4142) {
    // atan z = pi/4 + atan((z - 1) / (z + 1))
    ddAdd(zh, zl, -1, 0);
    const ah = DH, al = DL;
    ddAdd(zh, zl, 1, 0);
    ddDiv(ah, al, DH, DL);
    zh = DH;
    zl = DL;
    quarter = true;
  }
  ddMul(zh, zl, zh, zl);
  const wh = DH, wl = DL;
  // sum (-1)^k w^k / (2k+1), |w| <= 0.1716
  let ph = INV_ODD[2 * 46], pl = INV_ODD[2 * 46 + 1];
  for (let k = 45; k >= 0; k--) {
    ddMul(ph, pl, -wh, -wl);
    ddAdd(DH, DL, INV_ODD[2 * k], INV_ODD[2 * k + 1]);
    ph = DH;
    pl = DL;
  }
  ddMul(ph, pl, zh, zl);
  if (quarter) ddAdd(PI4H, PI4L, DH, DL);
}
/** sin and cos of r (|r| <= pi/4 + tiny) into SNH/SNL, CSH/CSL. */
let SNH = 0, SNL = 0, CSH = 0, CSL = 0;
function sincosdd(rh: number, rl: number): void {
  ddMul(rh, rl, rh, rl);
  const wh = -DH, wl = -DL; // -r^2
  let ph = INV_FACT[2 * 31], pl = INV_FACT[2 * 31 + 1];
  for (let n = 29; n >= 1; n -= 2) {
    ddMul(ph, pl, wh, wl);
    ddAdd(DH, DL, INV_FACT[2 * n], INV_FACT[2 * n + 1]);
    ph = DH;
    pl = DL;
  }
  ddMul(ph, pl, rh, rl);
  SNH = DH;
  SNL = DL;
  ph = INV_FACT[2 * 32];
  pl = INV_FACT[2 * 32 + 1];
  for (let n = 30; n >= 0; n -= 2) {
    ddMul(ph, pl, wh, wl);
    ddAdd(DH, DL, INV_FACT[2 * n], INV_FACT[2 * n + 1]);
    ph = DH;
    pl = DL;
  }
  CSH = ph;
  CSL = pl;
}

/** The hardware's pi/2: the 66-bit pi (0x3.243F6A8885A308D3) halved, as P * 2^-65 with P in three words. */
const PP2 = 3, PP1 = 0x243f6a88, PP0 = 0x85a308d3;
/**
 * Reduce |x| = (h:l) * 2^(E-63) (E in -1..62) modulo P * 2^-65 exactly, with the nearest quotient: DH+DL gets
 * the remainder (|r| <= P * 2^-66), the result is the quotient mod 4.
 */
function reduce(h: number, l: number, E: number): number {
  let r2 = 0, r1 = 0, r0 = 0, q = 0;
  const n = E + 66; // dividend bits: the significand shifted left by E + 2
  for (let i = 0; i < n; i++) {
    const bit = i < 32 ? (h >>> (31 - i)) & 1 : i < 64 ? (l >>> (63 - i)) & 1 : 0;
    r2 = (r2 << 1) | (r1 >>> 31);
    r1 = ((r1 << 1) | (r0 >>> 31)) >>> 0;
    r0 = ((r0 << 1) | bit) >>> 0;
    let qb = 0;
    if (r2 > PP2 || (r2 === PP2 && (r1 > PP1 || (r1 === PP1 && r0 >= PP0)))) {
      let t = r0 - PP0, b = 0;
      if (t < 0) { t += 4294967296; b = 1; }
      r0 = t;
      t = r1 - PP1 - b;
      b = 0;
      if (t < 0) { t += 4294967296; b = 1; }
      r1 = t;
      r2 = r2 - PP2 - b;
      qb = 1;
    }
    q = ((q << 1) | qb) & 3;
  }
  // nearest quotient: when 2r > P, r = P - r (negative remainder) and the quotient goes up (P is odd: no tie)
  const d2 = (r2 << 1) | (r1 >>> 31), d1 = ((r1 << 1) | (r0 >>> 31)) >>> 0, d0 = (r0 << 1) >>> 0;
  let neg = false;
  if (d2 > PP2 || (d2 === PP2 && (d1 > PP1 || (d1 === PP1 && d0 > PP0)))) {
    let t = PP0 - r0, b = 0;
    if (t < 0) { t += 4294967296; b = 1; }
    r0 = t;
    t = PP1 - r1 - b;
    b = 0;
    if (t < 0) { t += 4294967296; b = 1; }
    r1 = t;
    r2 = PP2 - r2 - b;
    neg = true;
    q = (q + 1) & 3;
  }
  twoSum(r2 * 18446744073709551616 + r1 * 4294967296, r0);
  DH *= 2 ** -65;
  DL *= 2 ** -65;
  if (neg) { DH = -DH; DL = -DL; }
  return q;
}

/**
 * Exponent clamps for tiny arguments, where f(x) = c*x*(1 + d) with d far below the 64-bit rounding point:
 * f is evaluated at x' = x * 2^k (exponent clamped) and scaled back, which rounds alike as long as d' stays
 * below 2^-66 and above the double-double resolution (2^-104 relative to the 64-bit operand). TINY_SQ is for
 * d ~ x^2 (sin, tan, atan, and cos = 1 - x^2/2), TINY_LIN for d ~ x (2^x - 1, log2(1 + x)).
 */
const TINY_SQ = -40, TINY_LIN = -80;

/**
 * 0 F2XM1, 1 FYL2X, 2 FYL2XP1, 3 FPTAN, 4 FPATAN, 5 FSIN, 6 FCOS, 7 FSINCOS. Results go to ST(0); FYL2X,
 * FYL2XP1 and FPATAN write ST(1) and pop; FPTAN pushes 1.0, FSINCOS pushes the cosine.
 */
export function x87Trans(c: CpuState, which: number): void {
  wait(c);
  const two = which === 1 || which === 2 || which === 4;
  const pushes = which === 3 || which === 7;
  if (empty(c, 0) || (two && empty(c, 1))) {
    if (!flags(c, STACK_UNDER)) return;
    if (two) { put(c, 1, INDEF); pop(c); } else put(c, 0, INDEF);
    if (pushes) {
      c.fpuTop = (c.fpuTop - 1) & 7;
      put(c, 0, INDEF);
    }
    return;
  }
  if (pushes && !empty(c, 7)) {
    // stack overflow: the masked response is the indefinite in ST(0) and pushed
    if (!flags(c, STACK_OVER)) return;
    put(c, 0, INDEF);
    c.fpuTop = (c.fpuTop - 1) & 7;
    put(c, 0, INDEF);
    return;
  }
  get(c, 0, A);
  const ka = kind(A);
  if (two) get(c, 1, Bv);
  const kb = two ? kind(Bv) : K.Norm;
  let f = 0;
  T2.put(0, BIAS, 0x80000000, 0); // the pushed value (FPTAN: 1.0)
  if (ka === K.Bad || kb === K.Bad) { f = IE; R.set(INDEF); T2.set(INDEF); }
  else if (isNan(ka) || isNan(kb)) {
    if (two) f = nanResult(Bv, kb, A, ka, R);
    else { R.set(A); R.h = (R.h | 0x40000000) >>> 0; f = ka === K.SNaN ? IE : 0; T2.set(R); }
  } else {
    if (ka === K.Den || kb === K.Den) f = DE;
    switch (which) {
      case 0: f |= f2xm1(c, ka); break;
      case 1: f |= fyl2x(c, ka, kb); break;
      case 2: f |= fyl2xp1(c, ka, kb); break;
      case 4: f |= fpatan(c, ka, kb); break;
      default: {
        const r = trig(c, which, ka);
        if (r < 0) {
          // |x| >= 2^63: C2 = 1, operand unchanged
          flags(c, 0);
          c.fpuSw |= C2;
          return;
        }
        f |= r;
      }
    }
  }
  if (f & IE) f &= ~DE; // an invalid operation is reported without the denormal-operand flag
  if (!flags(c, f)) return;
  c.fpuSw &= ~C2;
  if (two) { put(c, 1, R); pop(c); }
  else {
    put(c, 0, R);
    if (pushes) {
      c.fpuTop = (c.fpuTop - 1) & 7;
      put(c, 0, T2);
    }
  }
}

/** Force PE on a nonzero result computed exactly (the hardware reports these as inexact). */
function inexact(f: number, out: F): number {
  if (f & PE) return f;
  return f | PE | (out.e === 0 && (out.h | out.l) !== 0 ? UE : 0);
}

function f2xm1(c: CpuState, k: K): number {
  if (k === K.Zero) { R.set(A); return 0; }
  if (k === K.Inf) {
    if (A.s) R.put(1, BIAS, 0x80000000, 0); else R.set(A);
    return 0;
  }
  const E = ddOf(A);
  if (E >= 0) {
    if (E === 0 && MH === 0x80000000 && ML === 0) {
      // +-1: the hardware's result is just below 1 (rounds to 1, C1) / just beyond -0.5
      return inexact(A.s ? ddToReg(c, -0.5, -(2 ** -80), 0, R) : ddToReg(c, 1, -(2 ** -80), 0, R), R);
    }
    R.set(A); // out of range (|x| > 1): the operand is left as it is
    return PE;
  }
  const Ec = E < TINY_LIN ? TINY_LIN : E;
  const sc = (A.s ? -1 : 1) * 2 ** Ec;
  ddMul(DH * sc, DL * sc, LN2H, LN2L);
  expm1dd(DH, DL);
  return inexact(ddToReg(c, DH, DL, E - Ec, R), R);
}

/** y * log2(x): x = ST(0) (A), y = ST(1) (Bv). */
function fyl2x(c: CpuState, kx: K, ky: K): number {
  const xs = A.s, ys = Bv.s;
  if (kx !== K.Zero && xs) { R.set(INDEF); return IE; }
  if (kx === K.Zero) {
    if (ky === K.Zero) { R.set(INDEF); return IE; }
    R.put(ys ^ 1, 0x7fff, 0x80000000, 0);
    return ky === K.Inf ? 0 : ZE;
  }
  if (kx === K.Inf) {
    if (ky === K.Zero) { R.set(INDEF); return IE; }
    R.put(ys, 0x7fff, 0x80000000, 0);
    return 0;
  }
  const E = ddOf(A);
  const one = E === 0 && MH === 0x80000000 && ML === 0;
  const below = E < 0 ? 1 : 0; // log2(x) < 0
  if (ky === K.Inf) {
    if (one) { R.set(INDEF); return IE; }
    R.put(ys ^ below, 0x7fff, 0x80000000, 0);
    return 0;
  }
  if (ky === K.Zero || one) { zero(one ? ys : ys ^ below, R); return 0; }
  log2dd(DH, DL, E);
  const lh = DH, ll = DL;
  const YE = ddOf(Bv);
  const s = ys ? -1 : 1;
  ddMul(lh, ll, DH * s, DL * s);
  return inexact(ddToReg(c, DH, DL, YE, R), R);
}

/** y * log2(x + 1): x = ST(0) (A), y = ST(1) (Bv). */
function fyl2xp1(c: CpuState, kx: K, ky: K): number {
  const xs = A.s, ys = Bv.s;
  if (kx === K.Zero) {
    if (ky === K.Inf) { R.set(INDEF); return IE; }
    zero(xs ^ ys, R);
    return 0;
  }
  if (kx === K.Inf) {
    if (xs || ky === K.Zero) { R.set(INDEF); return IE; }
    R.put(ys, 0x7fff, 0x80000000, 0);
    return 0;
  }
  if (ky === K.Inf) { R.put(ys ^ xs, 0x7fff, 0x80000000, 0); return 0; }
  if (ky === K.Zero) { zero(ys ^ xs, R); return 0; }
  const E = ddOf(A);
  if (xs && E >= 0) { R.set(A); return PE; } // x <= -1: out of range, the hardware returns x
  let S = 0;
  if (E < -1) {
    // |x| < 0.5: ln(1 + x) = 2 atanh(x / (2 + x))
    const Ec = E < TINY_LIN ? TINY_LIN : E;
    const sc = (xs ? -1 : 1) * 2 ** Ec;
    const xh = DH * sc, xl = DL * sc;
    ddAdd(2, 0, xh, xl);
    ddDiv(xh, xl, DH, DL);
    atanh2dd(DH, DL);
    ddMul(DH, DL, LOG2EH, LOG2EL);
    S = E - Ec;
  } else if (E > 200) log2dd(DH, DL, E); // 1 + x is x to far below the 64-bit ulp
  else {
    const sc = (xs ? -1 : 1) * 2 ** E;
    ddAdd(1, 0, DH * sc, DL * sc);
    log2dd(DH, DL, 0);
  }
  const lh = DH, ll = DL;
  const YE = ddOf(Bv);
  const s = ys ? -1 : 1;
  ddMul(lh, ll, DH * s, DL * s);
  return inexact(ddToReg(c, DH, DL, YE + S, R), R);
}

/** atan2(y, x): x = ST(0) (A), y = ST(1) (Bv). */
function fpatan(c: CpuState, kx: K, ky: K): number {
  const xs = A.s, ys = Bv.s;
  const sg = ys ? -1 : 1;
  if (ky === K.Zero) {
    if (!xs) { zero(ys, R); return 0; }
    return ddToReg(c, sg * PIH, sg * PIL, 0, R);
  }
  if (ky === K.Inf) {
    if (kx === K.Inf) return xs ? ddToReg(c, sg * PI34H, sg * PI34L, 0, R) : ddToReg(c, sg * PI4H, sg * PI4L, 0, R);
    return ddToReg(c, sg * PI2H, sg * PI2L, 0, R);
  }
  if (kx === K.Zero) return ddToReg(c, sg * PI2H, sg * PI2L, 0, R);
  if (kx === K.Inf) {
    if (!xs) { zero(ys, R); return 0; }
    return ddToReg(c, sg * PIH, sg * PIL, 0, R);
  }
  const XE = ddOf(A);
  const xh = DH, xl = DL;
  const YE = ddOf(Bv);
  const yh = DH, yl = DL;
  const yBig = YE > XE || (YE === XE && (yh > xh || (yh === xh && yl > xl)));
  // z = small / large in (0, 1]: z = zm * 2^ze
  let ze: number;
  if (yBig) { ddDiv(xh, xl, yh, yl); ze = XE - YE; } else { ddDiv(yh, yl, xh, xl); ze = YE - XE; }
  // atan(z) alone: clamped like sin; next to pi/2 or pi, z only needs to stay a (negligible) double
  const direct = !yBig && !xs;
  const zc = direct ? (ze < TINY_SQ ? TINY_SQ : ze) : ze < -1000 ? -1000 : ze;
  const sc = 2 ** zc;
  atandd(DH * sc, DL * sc);
  let S = 0;
  if (yBig) ddAdd(PI2H, PI2L, xs ? DH : -DH, xs ? DL : -DL); // pi/2 -+ atan(|x|/|y|)
  else if (xs) ddAdd(PIH, PIL, -DH, -DL); // pi - atan(|y|/|x|)
  else S = ze - zc;
  return inexact(ddToReg(c, sg * DH, sg * DL, S, R), R);
}

/** FPTAN (3), FSIN (5), FCOS (6), FSINCOS (7) of x = A into R (and T2); -1 when |x| >= 2^63. */
function trig(c: CpuState, which: number, k: K): number {
  if (k === K.Zero) {
    if (which === 6) R.put(0, BIAS, 0x80000000, 0);
    else R.set(A);
    return 0; // FPTAN pushes 1.0 (T2), FSINCOS: sin = +-0 (R), cos = 1.0 (T2)
  }
  if (k === K.Inf) { R.set(INDEF); T2.set(INDEF); return IE; }
  const E = unpack(A);
  if (E >= 63) return -1;
  ddOf(A);
  let q = 0, S = 0;
  let rh: number, rl: number;
  if (E >= -1) {
    q = reduce(MH, ML, E);
    rh = DH;
    rl = DL;
  } else {
    const Ec = E < TINY_SQ ? TINY_SQ : E;
    rh = DH * 2 ** Ec;
    rl = DL * 2 ** Ec;
    S = E - Ec; // sin and tan scale back (cos(x) and cos(x') round alike)
  }
  sincosdd(rh, rl);
  const sg = A.s ? -1 : 1;
  // quadrant q: sin(r + q pi/2), cos(r + q pi/2)
  let sh: number, sl: number, ch: number, cl: number;
  switch (q) {
    case 0: sh = SNH; sl = SNL; ch = CSH; cl = CSL; break;
    case 1: sh = CSH; sl = CSL; ch = -SNH; cl = -SNL; break;
    case 2: sh = -SNH; sl = -SNL; ch = -CSH; cl = -CSL; break;
    default: sh = -CSH; sl = -CSL; ch = SNH; cl = SNL; break;
  }
  sh *= sg;
  sl *= sg;
  switch (which) {
    case 5: return inexact(ddToReg(c, sh, sl, S, R), R);
    case 6: return inexact(ddToReg(c, ch, cl, 0, R), R);
    case 3:
      ddDiv(sh, sl, ch, cl);
      return inexact(ddToReg(c, DH, DL, S, R), R);
    default: {
      // FSINCOS: ST(0) = sin, then cos pushed
      const f1 = inexact(ddToReg(c, sh, sl, S, T2), T2);
      const f2 = inexact(ddToReg(c, ch, cl, 0, R), R);
      swapPushed();
      return (f2 & ~C1) | f1; // C1 reports the rounding of the sine
    }
  }
}
/** FSINCOS computes into (T2 = sin, R = cos); the write-back wants R in ST(0) first, then T2 pushed. */
function swapPushed(): void {
  T1.set(R);
  R.set(T2);
  T2.set(T1);
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
  updateES(c); // ES/B follow the unmasked exception flags (FXRSTOR's control word is restored first)
};

/** Value of ST(i) as a double (for displays). */
export function x87Value(c: CpuState, i: number): number {
  return toDouble(get(c, i, T2));
}
