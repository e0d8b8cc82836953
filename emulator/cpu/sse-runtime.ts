/**
 * Runtime helpers for SSE/SSE2 (called from generated code as `h.<name>`; see ops/sse.ts).
 *
 * Register operands are addressed as (Int32Array, dword index): the destination is always `c.x` at 4*n,
 * a source is either `c.x` at 4*n or the scratch `T` (filled by generated code from memory, all loads before
 * any store, so faults stay precise).
 *
 * Floating point follows IEEE 754 / the SDM exactly, including NaN propagation (first source NaN wins,
 * quietened; default NaN is negative), MXCSR exception flags (IE DE ZE OE UE PE, sticky), rounding control
 * (RC), FTZ and DAZ, and unmasked exceptions (#XM -> SIGFPE, destination unchanged).
 * float32 results are obtained by rounding the double result with Math.fround, which is exact for + - * / sqrt
 * (53 >= 2*24+2, so the double rounding is innocuous).
 *
 * Fast path: with the default MXCSR control bits (all exceptions masked, round-to-nearest, no FTZ/DAZ) the
 * result is the JS double operation; the flags cost a few comparisons, and the exactness test (for PE) is
 * skipped once PE is already set (it is sticky). Directed rounding, FTZ/DAZ and unmasked exceptions use the
 * slow path, which derives the correctly rounded result from the sign of the rounding error of the
 * round-to-nearest result (error-free transformations: TwoSum, Dekker's product, exact remainders).
 *
 * Known deviations (documented in the report): RCPSS/RSQRTSS return the correctly rounded reciprocal
 * (hardware returns an implementation-specific 12-bit approximation: |rel. error| <= 1.5*2^-12); in directed
 * rounding modes the overflow flag is raised from the round-to-nearest overflow test.
 */
import { CpuState } from './state';
import { W } from './runtime';
import { CpuTrap, SIGFPE } from './trap';

// ------------------------------------------------------------------ scratch and bit access

/** Scratch for memory source operands (generated code fills it, then passes (h.T, 0) as the source). */
export const T = new Int32Array(4);
const O = new Int32Array(4); // result staging (slow path / permutations)

const SB = new ArrayBuffer(16);
const SI = new Int32Array(SB);
const SD = new Float64Array(SB);
const SF = new Float32Array(SB);

function gd(A: Int32Array, i: number): number {
  SI[0] = A[i];
  SI[1] = A[i + 1];
  return SD[0];
}
function pd_(A: Int32Array, i: number, v: number): void {
  SD[0] = v;
  A[i] = SI[0];
  A[i + 1] = SI[1];
}
function gf(v: number): number {
  SI[0] = v;
  return SF[0];
}
function fbits(f: number): number {
  SF[0] = f;
  return SI[0];
}

// MXCSR bits
export const IE = 1, DE = 2, ZE = 4, OE = 8, UE = 16, PE = 32, DAZ = 0x40, FTZ = 0x8000;
const MASKS = 0x1f80;
/** MXCSR bits that select the fast path when equal to 0x1f80: exception masks, RC, FTZ, DAZ. */
const CTRL = 0xffc0;

const MIN_D = 2.2250738585072014e-308;
const MAX_D = 1.7976931348623157e308;
const MIN_F = 1.1754943508222875e-38;
const MAX_F = 3.4028234663852886e38;

function isNanD(hi: number, lo: number): boolean {
  return (hi & 0x7ff00000) === 0x7ff00000 && ((hi & 0xfffff) | lo) !== 0;
}
function isSnanD(hi: number, lo: number): boolean {
  return isNanD(hi, lo) && (hi & 0x80000) === 0;
}
function isNanF(v: number): boolean {
  return (v & 0x7f800000) === 0x7f800000 && (v & 0x7fffff) !== 0;
}
function isSnanF(v: number): boolean {
  return isNanF(v) && (v & 0x400000) === 0;
}
function denD(x: number): boolean {
  return x !== 0 && x < MIN_D && x > -MIN_D;
}
function denF(x: number): boolean {
  return x !== 0 && x < MIN_F && x > -MIN_F;
}

// ------------------------------------------------------------------ SIGFPE for unmasked exceptions

/**
 * Default: a CpuTrap(SIGFPE, si_code) that the engine turns into a precise fault at the instruction (it must
 * never be a plain Error, which would escape Engine.run).
 */
let trapFactory: (code: number) => Error = (code) => new CpuTrap(SIGFPE, code, -1, -1, `floating-point exception (si_code ${code})`);
/** SIGFPE trap for si_code (x87 #MF uses it too). */
export function fpTrap(code: number): Error {
  return trapFactory(code);
}
/** engine.ts installs a factory producing its CpuTrap(SIGFPE, code). */
export function setFpTrapFactory(f: (code: number) => Error): void {
  trapFactory = f;
}
/**
 * si_code Linux derives from the unmasked pending flags (arch/x86 fpu__exception_code): FPE_FLTINV=7,
 * FLTDIV=3, FLTOVF=4, FLTUND=5 (underflow or denormal), FLTRES=6. Used for MXCSR and the x87 status word.
 */
export function fpeCode(err: number): number {
  if (err & IE) return 7;
  if (err & ZE) return 3;
  if (err & OE) return 4;
  if (err & (UE | DE)) return 5;
  if (err & PE) return 6;
  return 0;
}
/**
 * Record the exception flags f of an instruction; with an unmasked one, raise #XM (SIGFPE) instead of
 * completing: the destination stays unchanged. Exceptions are detected in two phases (SDM 11.5.2): an unmasked
 * pre-computation exception (IE, DE, ZE) stops the instruction before OE/UE/PE are computed.
 */
function finish(c: CpuState, f: number): void {
  const mx = c.mxcsr;
  const um = ~(mx >> 7) & 0x3f;
  if ((f & um) !== 0) {
    if ((f & um & (IE | DE | ZE)) !== 0) f &= IE | DE | ZE;
    const v = mx | f;
    c.mxcsr = v;
    throw trapFactory(fpeCode(v & ~(v >> 7) & 0x3f));
  }
  if ((f & ~mx) !== 0) c.mxcsr = mx | f;
}

// ------------------------------------------------------------------ exact arithmetic support

const P2 = new Float64Array(2100); // P2[k+1074] = 2^k, k in [-1074, 1023]
{
  let v = 1;
  for (let k = 0; k <= 1023; k++, v *= 2) P2[k + 1074] = v;
  v = 1;
  for (let k = 0; k >= -1074; k--, v /= 2) P2[k + 1074] = v;
}
/** x * 2^k, exact whenever the result is a normal number (steps of at most 2^±1000). */
function scale(x: number, k: number): number {
  while (k > 1000) {
    x *= P2[1000 + 1074];
    k -= 1000;
  }
  while (k < -1000) {
    x *= P2[-1000 + 1074];
    k += 1000;
  }
  return x * P2[k + 1074];
}
/** Unbiased binary exponent of a finite nonzero double (floor(log2|x|)). */
function expo(x: number): number {
  SD[0] = x;
  let e = (SI[1] >>> 20) & 0x7ff;
  if (e === 0) {
    SD[0] = x * 18446744073709551616;
    return ((SI[1] >>> 20) & 0x7ff) - 1023 - 64;
  }
  return e - 1023;
}
const SPLIT = 134217729; // 2^27 + 1
let tpLo = 0;
/** Dekker: returns hi = fl(a*b), tpLo = exact a*b - hi (no over/underflow assumed). */
function twoProd(a: number, b: number): number {
  const p = a * b;
  let t = SPLIT * a;
  const ah = t - (t - a), al = a - ah;
  t = SPLIT * b;
  const bh = t - (t - b), bl = b - bh;
  tpLo = ((ah * bh - p) + ah * bl + al * bh) + al * bl;
  return p;
}
function sgn(x: number): number {
  return x > 0 ? 1 : x < 0 ? -1 : 0;
}

export const enum FOp { Add = 0, Sub = 1, Mul = 2, Div = 3, Min = 4, Max = 5, Sqrt = 6 }

/**
 * Sign of (exact result - r) for a double operation with finite operands and finite round-to-nearest
 * result r (r may be 0 or subnormal).
 */
function errSignD(op: number, a: number, b: number, r: number): number {
  switch (op) {
    case FOp.Add:
    case FOp.Sub: {
      const bb = op === FOp.Add ? b : -b;
      const bv = r - a;
      return sgn((a - (r - bv)) + (bb - bv));
    }
    case FOp.Mul: {
      if (a === 0 || b === 0) return 0;
      const ea = expo(a), eb = expo(b);
      const a1 = scale(a, -ea), b1 = scale(b, -eb), r1 = scale(r, -(ea + eb));
      const p = twoProd(a1, b1);
      return sgn((p - r1) + tpLo);
    }
    case FOp.Div: {
      if (a === 0) return 0;
      const ea = expo(a), eb = expo(b);
      const a1 = scale(a, -ea), b1 = scale(b, -eb), r1 = scale(r, -(ea - eb));
      const p = twoProd(r1, b1);
      return sgn((a1 - p) - tpLo) * sgn(b);
    }
    case FOp.Sqrt: {
      if (b === 0) return 0;
      const k = Math.floor(expo(b) / 2);
      const b1 = scale(b, -2 * k), r1 = scale(r, -k);
      const p = twoProd(r1, r1);
      return sgn((b1 - p) - tpLo);
    }
  }
  return 0;
}
/** Same for float32 operands (as doubles) and float32 result r. */
function errSignF(op: number, a: number, b: number, r: number): number {
  switch (op) {
    case FOp.Add:
    case FOp.Sub: {
      const bb = op === FOp.Add ? b : -b;
      const d = a + bb;
      const bv = d - a;
      const e = (a - (d - bv)) + (bb - bv);
      return sgn((d - r) + e);
    }
    case FOp.Mul:
      return sgn(a * b - r);
    case FOp.Div:
      return sgn(a - r * b) * sgn(b);
    case FOp.Sqrt:
      return sgn(b - r * r);
  }
  return 0;
}

/** Next double toward +inf (dir > 0) or -inf. */
function nextD(x: number, dir: number): number {
  if (x === 0) return dir > 0 ? 5e-324 : -5e-324;
  SD[0] = x;
  let lo = SI[0] >>> 0, hi = SI[1];
  if ((x > 0) === (dir > 0)) {
    lo += 1;
    if (lo === 4294967296) { lo = 0; hi++; }
  } else {
    if (lo === 0) { lo = 4294967295; hi--; } else lo -= 1;
  }
  SI[0] = lo | 0;
  SI[1] = hi;
  return SD[0];
}
function nextF(x: number, dir: number): number {
  if (x === 0) return dir > 0 ? 1.401298464324817e-45 : -1.401298464324817e-45;
  SF[0] = x;
  SI[0] += (x > 0) === (dir > 0) ? 1 : -1;
  return SF[0];
}
/** Apply directed rounding rc (1 down, 2 up, 3 toward zero) to a round-to-nearest result with error sign es. */
function directed(r: number, es: number, rc: number, dbl: boolean): number {
  if (es === 0) return r;
  let dir = 0;
  if (rc === 1) { if (es < 0) dir = -1; }
  else if (rc === 2) { if (es > 0) dir = 1; }
  else if (rc === 3) { if (r > 0 && es < 0) dir = -1; else if (r < 0 && es > 0) dir = 1; }
  // round-to-nearest may have rounded the other way: the directed result is then r itself
  if (dir === 0) return r;
  return dbl ? nextD(r, dir) : nextF(r, dir);
}
/** Overflowed (RN gives ±inf) result under rounding control rc. */
function overflowed(neg: boolean, rc: number, dbl: boolean): number {
  const max = dbl ? MAX_D : MAX_F;
  if (rc === 0) return neg ? -Infinity : Infinity;
  if (rc === 3) return neg ? -max : max;
  if (rc === 1) return neg ? -Infinity : max;
  return neg ? -max : Infinity;
}

/** Is the result of op inexact when rounded to 53 bits with an unbounded exponent? (trapping OE/UE) */
function unboundedInexactD(op: number, a: number, b: number): boolean {
  switch (op) {
    case FOp.Add:
    case FOp.Sub: {
      const a1 = a * 0.25, b1 = (op === FOp.Add ? b : -b) * 0.25;
      const r = a1 + b1, bv = r - a1;
      return (a1 - (r - bv)) + (b1 - bv) !== 0;
    }
    case FOp.Mul: {
      if (a === 0 || b === 0) return false;
      twoProd(scale(a, -expo(a)), scale(b, -expo(b)));
      return tpLo !== 0;
    }
    case FOp.Div: {
      if (a === 0) return false;
      const a1 = scale(a, -expo(a)), b1 = scale(b, -expo(b));
      const p = twoProd(a1 / b1, b1);
      return (a1 - p) - tpLo !== 0;
    }
  }
  return false;
}
/** Same for float: does the exact result need more than 24 significant bits? */
function unboundedInexactF(op: number, a: number, b: number): boolean {
  let r: number;
  switch (op) {
    case FOp.Add:
    case FOp.Sub: {
      const bb = op === FOp.Add ? b : -b;
      r = a + bb;
      const bv = r - a;
      if ((a - (r - bv)) + (bb - bv) !== 0) return true;
      break;
    }
    case FOp.Mul:
      r = a * b;
      break;
    case FOp.Div:
      r = a / b;
      SD[0] = r;
      return (SI[0] & 0x1fffffff) !== 0 || r * b !== a;
    default:
      return false;
  }
  SD[0] = r;
  return (SI[0] & 0x1fffffff) !== 0;
}

function calc(op: number, a: number, b: number): number {
  switch (op) {
    case FOp.Add: return a + b;
    case FOp.Sub: return a - b;
    case FOp.Mul: return a * b;
    case FOp.Div: return a / b;
    case FOp.Sqrt: return Math.sqrt(b);
  }
  return NaN;
}

// ------------------------------------------------------------------ one lane (double / float)

/**
 * Lane result for op in Add..Sqrt on doubles at A[ai], B[bi] -> O[oi] (two dwords). Returns the exception
 * flags raised. mx: MXCSR. `full` selects the slow path (RC, FTZ, DAZ).
 */
function laneD(op: number, mx: number, A: Int32Array, ai: number, B: Int32Array, bi: number, Ot: Int32Array, oi: number, full: boolean): number {
  const ah = A[ai + 1], al = A[ai], bh = B[bi + 1], bl = B[bi];
  SI[0] = al; SI[1] = ah;
  let a = SD[0];
  SI[0] = bl; SI[1] = bh;
  let b = SD[0];
  let f = 0;
  if (full && (mx & DAZ) !== 0) {
    if (denD(a)) a = a < 0 ? -0 : 0;
    if (denD(b)) b = b < 0 ? -0 : 0;
  }
  let r = calc(op, a, b);
  if (r !== r) {
    // NaN result: SSE rules (the unary sqrt only looks at its source)
    const an = op !== FOp.Sqrt && isNanD(ah, al), bn = isNanD(bh, bl);
    if (an) { Ot[oi] = al; Ot[oi + 1] = ah | 0x80000; }
    else if (bn) { Ot[oi] = bl; Ot[oi + 1] = bh | 0x80000; }
    else { Ot[oi] = 0; Ot[oi + 1] = 0xfff80000 | 0; }
    if ((op !== FOp.Sqrt && isSnanD(ah, al)) || isSnanD(bh, bl) || (!an && !bn)) f = IE;
    return f;
  }
  if ((mx & DAZ) === 0 && ((op !== FOp.Sqrt && denD(a)) || denD(b))) f = DE;
  const rc = full ? (mx >> 13) & 3 : 0;
  if (rc === 1 && r === 0 && op <= FOp.Sub) {
    // exact zero sum: -0 when rounding down, unless both (effective) operands are +0
    const bb = op === FOp.Add ? b : -b;
    if (!(Object.is(a, 0) && Object.is(bb, 0))) r = -0;
  }
  if (r - r !== 0) {
    // infinite result
    if (a - a === 0 && b - b === 0) {
      if (op === FOp.Div && b === 0) f = ZE;
      else {
        f |= OE | PE;
        r = overflowed(r < 0, rc, true);
      }
    }
  } else if (((mx & PE) === 0 || full || (r < MIN_D && r > -MIN_D && (r !== 0 || op === FOp.Mul || op === FOp.Div)))
    && (op === FOp.Sqrt || a - a === 0) && b - b === 0) {
    const es = errSignD(op, a, b, r);
    if (es !== 0) {
      f |= PE;
      if (rc !== 0) {
        r = directed(r, es, rc, true);
        if (r - r !== 0) f |= OE;
      }
      if (r < MIN_D && r > -MIN_D) f |= UE;
    } else if (full && (mx & 0x800) === 0 && r !== 0 && r < MIN_D && r > -MIN_D) {
      f |= UE; // unmasked underflow is signalled on tininess alone // tiny (after rounding) and inexact
    }
    if (full && (mx & FTZ) !== 0 && r !== 0 && r < MIN_D && r > -MIN_D && (mx & 0x800) !== 0) {
      r = r < 0 ? -0 : 0;
      f |= UE | PE;
    }
  }
  SD[0] = r;
  Ot[oi] = SI[0];
  Ot[oi + 1] = SI[1];
  return f;
}

function laneF(op: number, mx: number, A: Int32Array, ai: number, B: Int32Array, bi: number, Ot: Int32Array, oi: number, full: boolean): number {
  const av = A[ai], bv = B[bi];
  SI[0] = av;
  let a = SF[0];
  SI[0] = bv;
  let b = SF[0];
  let f = 0;
  if (full && (mx & DAZ) !== 0) {
    if (denF(a)) a = a < 0 ? -0 : 0;
    if (denF(b)) b = b < 0 ? -0 : 0;
  }
  let r = Math.fround(calc(op, a, b));
  if (r !== r) {
    const an = op !== FOp.Sqrt && isNanF(av), bn = isNanF(bv);
    if (an) Ot[oi] = av | 0x400000;
    else if (bn) Ot[oi] = bv | 0x400000;
    else Ot[oi] = 0xffc00000 | 0;
    if ((op !== FOp.Sqrt && isSnanF(av)) || isSnanF(bv) || (!an && !bn)) f = IE;
    return f;
  }
  if ((mx & DAZ) === 0 && ((op !== FOp.Sqrt && denF(a)) || denF(b))) f = DE;
  const rc = full ? (mx >> 13) & 3 : 0;
  if (rc === 1 && r === 0 && op <= FOp.Sub) {
    // exact zero sum: -0 when rounding down, unless both (effective) operands are +0
    const bb = op === FOp.Add ? b : -b;
    if (!(Object.is(a, 0) && Object.is(bb, 0))) r = -0;
  }
  if (r - r !== 0) {
    if (a - a === 0 && b - b === 0) {
      if (op === FOp.Div && b === 0) f = ZE;
      else {
        f |= OE | PE;
        r = overflowed(r < 0, rc, false);
      }
    }
  } else if (((mx & PE) === 0 || full || (r < MIN_F && r > -MIN_F && (r !== 0 || op === FOp.Mul || op === FOp.Div)))
    && (op === FOp.Sqrt || a - a === 0) && b - b === 0) {
    const es = errSignF(op, a, b, r);
    if (es !== 0) {
      f |= PE;
      if (rc !== 0) {
        r = directed(r, es, rc, false);
        if (r - r !== 0) f |= OE;
      }
      if (r < MIN_F && r > -MIN_F) f |= UE;
    } else if (full && (mx & 0x800) === 0 && r !== 0 && r < MIN_F && r > -MIN_F) {
      f |= UE; // unmasked underflow is signalled on tininess alone
    }
    if (full && (mx & FTZ) !== 0 && r !== 0 && r < MIN_F && r > -MIN_F && (mx & 0x800) !== 0) {
      r = r < 0 ? -0 : 0;
      f |= UE | PE;
    }
  }
  SF[0] = r;
  Ot[oi] = SI[0];
  return f;
}

/** MINxx/MAXxx lane: returns the second operand when either is NaN or both are zero (any sign). */
function minmaxD(max: boolean, mx: number, A: Int32Array, ai: number, B: Int32Array, bi: number, Ot: Int32Array, oi: number): number {
  const ah = A[ai + 1], al = A[ai], bh = B[bi + 1], bl = B[bi];
  SI[0] = al; SI[1] = ah;
  let a = SD[0];
  SI[0] = bl; SI[1] = bh;
  let b = SD[0];
  let f = 0;
  if ((mx & DAZ) !== 0) {
    if (denD(a)) a = a < 0 ? -0 : 0;
    if (denD(b)) b = b < 0 ? -0 : 0;
  } else if (denD(a) || denD(b)) f = DE;
  if (a !== a || b !== b) f = IE;
  const first = max ? a > b : a < b;
  if (first) {
    // DAZ: a denormal operand that was treated as zero is written as the (signed) zero
    if (a === 0 && (ah & 0x7ff00000) === 0) { Ot[oi] = 0; Ot[oi + 1] = ah & 0x80000000; }
    else { Ot[oi] = al; Ot[oi + 1] = ah; }
  } else if (b === 0 && (bh & 0x7ff00000) === 0) { Ot[oi] = 0; Ot[oi + 1] = bh & 0x80000000; }
  else { Ot[oi] = bl; Ot[oi + 1] = bh; }
  return f;
}
function minmaxF(max: boolean, mx: number, A: Int32Array, ai: number, B: Int32Array, bi: number, Ot: Int32Array, oi: number): number {
  const av = A[ai], bv = B[bi];
  let a = gf(av), b = gf(bv);
  let f = 0;
  if ((mx & DAZ) !== 0) {
    if (denF(a)) a = a < 0 ? -0 : 0;
    if (denF(b)) b = b < 0 ? -0 : 0;
  } else if (denF(a) || denF(b)) f = DE;
  if (a !== a || b !== b) f = IE;
  const first = max ? a > b : a < b;
  if (first) Ot[oi] = a === 0 && (av & 0x7f800000) === 0 ? av & 0x80000000 : av;
  else Ot[oi] = b === 0 && (bv & 0x7f800000) === 0 ? bv & 0x80000000 : bv;
  return f;
}

/**
 * Scalar/packed arithmetic entry point. kind: 0 sd, 1 pd, 2 ss, 3 ps. Destination xmm at dword d of c.x,
 * source (S, s). op: FOp.
 */
export function farith(c: CpuState, kind: number, op: number, d: number, S: Int32Array, s: number): void {
  const X = c.x, mx = c.mxcsr;
  const dbl = kind < 2;
  const lanes = kind === 0 || kind === 2 ? 1 : dbl ? 2 : 4;
  const full = (mx & CTRL) !== MASKS;
  // with unmasked exceptions the destination must stay unchanged: stage the result
  const unmasked = (mx & MASKS) !== MASKS;
  const Ot = unmasked ? O : X, ob = unmasked ? 0 : d;
  let f = 0;
  if (op === FOp.Min || op === FOp.Max) {
    for (let k = 0; k < lanes; k++) {
      f |= dbl ? minmaxD(op === FOp.Max, mx, X, d + 2 * k, S, s + 2 * k, Ot, ob + 2 * k)
        : minmaxF(op === FOp.Max, mx, X, d + k, S, s + k, Ot, ob + k);
    }
  } else {
    for (let k = 0; k < lanes; k++) {
      let lf = dbl ? laneD(op, mx, X, d + 2 * k, S, s + 2 * k, Ot, ob + 2 * k, full) : laneF(op, mx, X, d + k, S, s + k, Ot, ob + k, full);
      // A trapping overflow/underflow hands the handler the result with an unbounded exponent: PE then says
      // whether that one is inexact (SDM 4.9.1.4/5; measured on the host).
      if ((lf & ~(mx >> 7) & (OE | UE)) !== 0) {
        lf &= ~PE;
        if (dbl ? unboundedInexactD(op, gd(X, d + 2 * k), gd(S, s + 2 * k)) : unboundedInexactF(op, gf(X[d + k]), gf(S[s + k]))) lf |= PE;
      }
      f |= lf;
    }
  }
  finish(c, f);
  if (unmasked) {
    const n = dbl ? 2 * lanes : lanes;
    for (let k = 0; k < n; k++) X[d + k] = O[k];
  }
}

/** Fast scalar-double add/sub/mul/div (the common case of compiled C code); falls back to farith. */
export function sdop(c: CpuState, op: number, d: number, S: Int32Array, s: number): void {
  const mx = c.mxcsr;
  if ((mx & (CTRL | PE | DE)) !== (MASKS | PE)) {
    farith(c, 0, op, d, S, s);
    return;
  }
  const X = c.x;
  SI[0] = X[d]; SI[1] = X[d + 1];
  const a = SD[0];
  SI[0] = S[s]; SI[1] = S[s + 1];
  const b = SD[0];
  const r = calc(op, a, b);
  if ((r >= MIN_D || r <= -MIN_D) && r - r === 0 && !(a < MIN_D && a > -MIN_D && a !== 0) && !(b < MIN_D && b > -MIN_D && b !== 0)) {
    SD[0] = r;
    X[d] = SI[0];
    X[d + 1] = SI[1];
    return;
  }
  farith(c, 0, op, d, S, s);
}

// ------------------------------------------------------------------ compares

/** Predicate imm8[2:0] on two doubles; returns [result, signalling-on-QNaN]. */
function pred(p: number, a: number, b: number): boolean {
  switch (p & 7) {
    case 0: return a === b;
    case 1: return a < b;
    case 2: return a <= b;
    case 3: return a !== a || b !== b;
    case 4: return !(a === b);
    case 5: return !(a < b);
    case 6: return !(a <= b);
    default: return a === a && b === b;
  }
}

/** CMPSS/CMPSD/CMPPS/CMPPD. kind as farith. */
export function fcmp(c: CpuState, kind: number, p: number, d: number, S: Int32Array, s: number): void {
  const X = c.x, mx = c.mxcsr;
  const dbl = kind < 2;
  const lanes = kind === 0 || kind === 2 ? 1 : dbl ? 2 : 4;
  const sig = (p & 3) === 1 || (p & 3) === 2; // LT LE NLT NLE signal on QNaN
  let f = 0;
  for (let k = 0; k < lanes; k++) {
    let a: number, b: number, snan: boolean;
    if (dbl) {
      const i = d + 2 * k, j = s + 2 * k;
      a = gd(X, i);
      b = gd(S, j);
      snan = isSnanD(X[i + 1], X[i]) || isSnanD(S[j + 1], S[j]);
      if (a === a && b === b) { if ((mx & DAZ) !== 0) { if (denD(a)) a = 0; if (denD(b)) b = 0; } else if (denD(a) || denD(b)) f |= DE; }
    } else {
      const av = X[d + k], bv = S[s + k];
      a = gf(av);
      b = gf(bv);
      snan = isSnanF(av) || isSnanF(bv);
      if (a === a && b === b) { if ((mx & DAZ) !== 0) { if (denF(a)) a = 0; if (denF(b)) b = 0; } else if (denF(a) || denF(b)) f |= DE; }
    }
    if (a !== a || b !== b) {
      if (snan || sig) f |= IE;
    }
    O[k] = pred(p, a, b) ? 1 : 0;
  }
  finish(c, f);
  for (let k = 0; k < lanes; k++) {
    const v = O[k] ? -1 : 0;
    if (dbl) { X[d + 2 * k] = v; X[d + 2 * k + 1] = v; } else X[d + k] = v;
  }
}

/** UCOMISx/COMISx: sets ZF PF CF, clears OF SF AF. dbl: sd; signal: COMIS (any NaN is invalid). */
export function comi(c: CpuState, dbl: boolean, signal: boolean, d: number, S: Int32Array, s: number): void {
  const X = c.x, mx = c.mxcsr;
  let a: number, b: number, snan: boolean, f = 0;
  if (dbl) {
    a = gd(X, d);
    b = gd(S, s);
    snan = isSnanD(X[d + 1], X[d]) || isSnanD(S[s + 1], S[s]);
    if (a === a && b === b) { if ((mx & DAZ) !== 0) { if (denD(a)) a = 0; if (denD(b)) b = 0; } else if (denD(a) || denD(b)) f |= DE; }
  } else {
    const av = X[d], bv = S[s];
    a = gf(av);
    b = gf(bv);
    snan = isSnanF(av) || isSnanF(bv);
    if (a === a && b === b) { if ((mx & DAZ) !== 0) { if (denF(a)) a = 0; if (denF(b)) b = 0; } else if (denF(a) || denF(b)) f |= DE; }
  }
  let fl: number;
  if (a !== a || b !== b) {
    fl = 0x45; // ZF PF CF
    if (snan || signal) f |= IE;
  } else fl = a < b ? 0x1 : a > b ? 0 : 0x40;
  if (f) finish(c, f);
  c.fl = (c.fl & ~0x8d5) | fl;
  c.fop = 0;
}

// ------------------------------------------------------------------ conversions

const RC_NEAREST = 0;
/** Round a double to an integer per rc (0 nearest-even, 1 down, 2 up, 3 truncate). */
function rint(x: number, rc: number): number {
  switch (rc) {
    case 0: {
      const f = Math.floor(x), r = x - f;
      if (r < 0.5) return f;
      if (r > 0.5) return f + 1;
      return f % 2 === 0 ? f : f + 1;
    }
    case 1: return Math.floor(x);
    case 2: return Math.ceil(x);
    default: return Math.trunc(x);
  }
}

/**
 * Float -> int32/int64 (CVTSD2SI, CVTTSD2SI, ...). x: the source value. trunc: the T forms (else MXCSR.RC).
 * 32-bit result is returned; for 64 the low half is returned and the high half left in W[0] (runtime.ts).
 * Out of range or NaN gives the integer indefinite value (IE).
 */
function f2i(c: CpuState, x: number, trunc: boolean, is64: boolean): number {
  const mx = c.mxcsr;
  const r = rint(x, trunc ? 3 : (mx >> 13) & 3);
  let f = 0;
  let lo: number, hi: number;
  if (is64 ? r >= -9223372036854775808 && r < 9223372036854775808 : r >= -2147483648 && r <= 2147483647) {
    if (r !== x) f = PE;
    if (is64) {
      hi = Math.floor(r / 4294967296);
      lo = (r - hi * 4294967296) | 0;
      hi |= 0;
    } else { lo = r | 0; hi = 0; }
  } else {
    f = IE;
    lo = is64 ? 0 : 0x80000000 | 0;
    hi = is64 ? 0x80000000 | 0 : 0;
  }
  finish(c, f);
  W[0] = hi;
  return lo;
}
/** CVT(T)SD2SI from a double's bits. */
export function cvtsd2si(c: CpuState, lo: number, hi: number, trunc: boolean, is64: boolean): number {
  SI[0] = lo; SI[1] = hi;
  return f2i(c, SD[0], trunc, is64);
}
export function cvtss2si(c: CpuState, v: number, trunc: boolean, is64: boolean): number {
  return f2i(c, gf(v), trunc, is64);
}

/** Correct rounding of an exact value (d + e, with d = RN(value)) per MXCSR; returns double, sets flags. */
function i2fFinish(c: CpuState, d: number, e: number, dbl: boolean): number {
  const mx = c.mxcsr, rc = (mx >> 13) & 3;
  let r: number, es: number;
  if (dbl) {
    r = d;
    es = sgn(e);
  } else {
    // float: round-to-odd at double precision, then fround (correct single rounding)
    let dd = d;
    if (e !== 0) {
      SD[0] = d;
      if ((SI[0] & 1) === 0) dd = nextD(d, e);
    }
    r = Math.fround(dd);
    es = sgn((d - r) + e);
  }
  if (es !== 0) {
    if (rc !== RC_NEAREST) r = directed(r, es, rc, dbl);
    finish(c, PE);
  }
  return r;
}
/** CVTSI2SD/CVTSI2SS: integer (lo, hi halves; hi = lo>>31 for 32-bit sources) into the low lane of xmm d. */
export function cvtsi2f(c: CpuState, d: number, lo: number, hi: number, dbl: boolean): void {
  const H = hi * 4294967296, L = lo >>> 0;
  const v = H + L;
  const e = hi === 0 || hi === -1 ? 0 : L - (v - H);
  const r = i2fFinish(c, v, e, dbl);
  if (dbl) pd_(c.x, d, r);
  else c.x[d] = fbits(r);
}

/** CVTSS2SD (one lane): float bits -> double into A[i], A[i+1]; returns flags. */
function f2d(mx: number, v: number, A: Int32Array, i: number): number {
  if (isNanF(v)) {
    A[i] = v << 29;
    A[i + 1] = (v & 0x80000000) | 0x7ff80000 | ((v & 0x3fffff) >>> 3);
    return isSnanF(v) ? IE : 0;
  }
  let x = gf(v);
  let f = 0;
  if (denF(x)) {
    if (mx & DAZ) x = x < 0 ? -0 : 0;
    else f = DE;
  }
  pd_(A, i, x);
  return f;
}
/** CVTSD2SS (one lane): double bits -> float bits (into A[i]); returns flags. */
function d2f(mx: number, lo: number, hi: number, A: Int32Array, i: number): number {
  if (isNanD(hi, lo)) {
    A[i] = (hi & 0x80000000) | 0x7fc00000 | ((hi & 0x7ffff) << 3) | (lo >>> 29);
    return isSnanD(hi, lo) ? IE : 0;
  }
  SI[0] = lo; SI[1] = hi;
  let x = SD[0];
  let f = 0;
  if (denD(x)) {
    if (mx & DAZ) x = x < 0 ? -0 : 0;
    else f = DE;
  }
  const rc = (mx >> 13) & 3;
  let r = Math.fround(x);
  if (r - r !== 0 && x - x === 0) {
    f |= OE | PE;
    r = overflowed(x < 0, rc, false);
  } else if (r !== x) {
    f |= PE;
    if (rc !== 0) r = directed(r, sgn(x - r), rc, false);
    if (r - r !== 0) f |= OE;
    if (r < MIN_F && r > -MIN_F) {
      f |= UE;
      if ((mx & FTZ) && (mx & 0x800)) r = r < 0 ? -0 : 0;
    }
  } else if ((mx & FTZ) && r !== 0 && r < MIN_F && r > -MIN_F && (mx & 0x800)) {
    r = r < 0 ? -0 : 0;
    f |= UE | PE;
  }
  A[i] = fbits(r);
  return f;
}

function commit(c: CpuState, f: number, d: number, n: number): void {
  finish(c, f);
  const X = c.x;
  for (let k = 0; k < n; k++) X[d + k] = O[k];
}

/**
 * Packed/scalar float<->float and int<->float conversions (register forms; memory sources come via T).
 * which: 0 cvtss2sd 1 cvtsd2ss 2 cvtps2pd 3 cvtpd2ps 4 cvtdq2pd 5 cvtdq2ps 6 cvtps2dq 7 cvttps2dq 8 cvtpd2dq 9 cvttpd2dq
 */
export function fcvt(c: CpuState, which: number, d: number, S: Int32Array, s: number): void {
  const X = c.x, mx = c.mxcsr;
  let f = 0;
  switch (which) {
    case 0:
      f = f2d(mx, S[s], O, 0);
      O[2] = X[d + 2]; O[3] = X[d + 3];
      break;
    case 1:
      f = d2f(mx, S[s], S[s + 1], O, 0);
      O[1] = X[d + 1]; O[2] = X[d + 2]; O[3] = X[d + 3];
      break;
    case 2: {
      const v0 = S[s], v1 = S[s + 1];
      f = f2d(mx, v0, O, 0) | f2d(mx, v1, O, 2);
      break;
    }
    case 3: {
      const l0 = S[s], h0 = S[s + 1], l1 = S[s + 2], h1 = S[s + 3];
      f = d2f(mx, l0, h0, O, 0) | d2f(mx, l1, h1, O, 1);
      O[2] = 0; O[3] = 0;
      break;
    }
    case 4: {
      const v0 = S[s], v1 = S[s + 1];
      pd_(O, 0, v0);
      pd_(O, 2, v1);
      break;
    }
    case 5: {
      const rc = (mx >> 13) & 3;
      for (let k = 0; k < 4; k++) {
        const v = S[s + k];
        let r = Math.fround(v);
        if (r !== v) {
          f |= PE;
          if (rc !== 0) r = directed(r, sgn(v - r), rc, false);
        }
        O[k] = fbits(r);
      }
      break;
    }
    case 6:
    case 7: {
      const rc = which === 7 ? 3 : (mx >> 13) & 3;
      for (let k = 0; k < 4; k++) {
        const x = gf(S[s + k]);
        const r = rint(x, rc);
        if (r >= -2147483648 && r <= 2147483647) {
          if (r !== x) f |= PE;
          O[k] = r | 0;
        } else {
          f |= IE;
          O[k] = 0x80000000 | 0;
        }
      }
      break;
    }
    case 8:
    case 9: {
      const rc = which === 9 ? 3 : (mx >> 13) & 3;
      const x0 = gd(S, s), x1 = gd(S, s + 2);
      for (let k = 0; k < 2; k++) {
        const x = k === 0 ? x0 : x1;
        const r = rint(x, rc);
        if (r >= -2147483648 && r <= 2147483647) {
          if (r !== x) f |= PE;
          O[k] = r | 0;
        } else {
          f |= IE;
          O[k] = 0x80000000 | 0;
        }
      }
      O[2] = 0; O[3] = 0;
      break;
    }
  }
  commit(c, f, d, 4);
}

/** RCPSS/RCPPS/RSQRTSS/RSQRTPS: correctly rounded 1/x or 1/sqrt(x) (hardware: 12-bit approximation). */
export function frcp(c: CpuState, sqrt: boolean, lanes: number, d: number, S: Int32Array, s: number): void {
  const X = c.x;
  for (let k = 0; k < 4; k++) O[k] = k < lanes ? S[s + k] : X[d + k];
  for (let k = 0; k < lanes; k++) {
    const v = O[k];
    if (isNanF(v)) { O[k] = v | 0x400000; continue; }
    let x = gf(v);
    if (denF(x)) x = x < 0 ? -0 : 0; // denormal inputs are treated as zero by the approximation
    let r: number;
    if (sqrt) r = x < 0 ? NaN : 1 / Math.sqrt(x);
    else r = 1 / x;
    r = Math.fround(r);
    // results that would be denormal are flushed to zero by the hardware approximation
    if (r !== 0 && r < MIN_F && r > -MIN_F) r = r < 0 ? -0 : 0;
    O[k] = r !== r ? 0xffc00000 | 0 : fbits(r);
  }
  for (let k = 0; k < 4; k++) X[d + k] = O[k];
}

// ------------------------------------------------------------------ integer SIMD helpers (not inlined)

const XB = new ArrayBuffer(32);
const BI = new Int32Array(XB); // [0..3] a, [4..7] b
const BU8 = new Uint8Array(XB), BI8 = new Int8Array(XB), BU16 = new Uint16Array(XB), BI16 = new Int16Array(XB);

/** Copy the dest (X,d) and source (S,s) into the byte-addressable scratch (a at bytes 0..15, b at 16..31). */
function load2(X: Int32Array, d: number, S: Int32Array, s: number): void {
  BI[0] = X[d]; BI[1] = X[d + 1]; BI[2] = X[d + 2]; BI[3] = X[d + 3];
  BI[4] = S[s]; BI[5] = S[s + 1]; BI[6] = S[s + 2]; BI[7] = S[s + 3];
}
function store(X: Int32Array, d: number): void {
  X[d] = O[0]; X[d + 1] = O[1]; X[d + 2] = O[2]; X[d + 3] = O[3];
}
const OB = new Uint8Array(O.buffer), OI8 = new Int8Array(O.buffer), OU16 = new Uint16Array(O.buffer), OI16 = new Int16Array(O.buffer);

function satS8(v: number): number { return v > 127 ? 127 : v < -128 ? -128 : v; }
function satU8(v: number): number { return v > 255 ? 255 : v < 0 ? 0 : v; }
function satS16(v: number): number { return v > 32767 ? 32767 : v < -32768 ? -32768 : v; }
function satU16(v: number): number { return v > 65535 ? 65535 : v < 0 ? 0 : v; }

export const enum PI {
  Paddsb, Paddsw, Paddusb, Paddusw, Psubsb, Psubsw, Psubusb, Psubusw,
  Pmullw, Pmulhw, Pmulhuw, Pmaddwd, Psadbw, Pavgb, Pavgw, Pcmpgtb, Pcmpgtw,
  Packsswb, Packssdw, Packuswb, Pmuludq, Pminsw, Pmaxsw, Pminub, Pmaxub, Pcmpeqw, Paddw, Psubw,
  Punpckhbw, Punpckhwd,
}

/** Integer SIMD operations on (c.x, d) op= (S, s) via the scratch byte views. */
export function pint(c: CpuState, op: number, d: number, S: Int32Array, s: number): void {
  const X = c.x;
  load2(X, d, S, s);
  switch (op) {
    case PI.Paddsb: for (let k = 0; k < 16; k++) OI8[k] = satS8(BI8[k] + BI8[16 + k]); break;
    case PI.Paddsw: for (let k = 0; k < 8; k++) OI16[k] = satS16(BI16[k] + BI16[8 + k]); break;
    case PI.Paddusb: for (let k = 0; k < 16; k++) OB[k] = satU8(BU8[k] + BU8[16 + k]); break;
    case PI.Paddusw: for (let k = 0; k < 8; k++) OU16[k] = satU16(BU16[k] + BU16[8 + k]); break;
    case PI.Psubsb: for (let k = 0; k < 16; k++) OI8[k] = satS8(BI8[k] - BI8[16 + k]); break;
    case PI.Psubsw: for (let k = 0; k < 8; k++) OI16[k] = satS16(BI16[k] - BI16[8 + k]); break;
    case PI.Psubusb: for (let k = 0; k < 16; k++) OB[k] = satU8(BU8[k] - BU8[16 + k]); break;
    case PI.Psubusw: for (let k = 0; k < 8; k++) OU16[k] = satU16(BU16[k] - BU16[8 + k]); break;
    case PI.Pmullw: for (let k = 0; k < 8; k++) OI16[k] = Math.imul(BI16[k], BI16[8 + k]); break;
    case PI.Pmulhw: for (let k = 0; k < 8; k++) OI16[k] = (BI16[k] * BI16[8 + k]) >> 16; break;
    case PI.Pmulhuw: for (let k = 0; k < 8; k++) OU16[k] = (BU16[k] * BU16[8 + k]) >>> 16; break;
    case PI.Pmaddwd:
      for (let k = 0; k < 4; k++) O[k] = (BI16[2 * k] * BI16[8 + 2 * k] + BI16[2 * k + 1] * BI16[9 + 2 * k]) | 0;
      break;
    case PI.Psadbw:
      for (let q = 0; q < 2; q++) {
        let sum = 0;
        for (let k = 0; k < 8; k++) sum += Math.abs(BU8[8 * q + k] - BU8[16 + 8 * q + k]);
        O[2 * q] = sum;
        O[2 * q + 1] = 0;
      }
      break;
    case PI.Pavgb: for (let k = 0; k < 16; k++) OB[k] = (BU8[k] + BU8[16 + k] + 1) >> 1; break;
    case PI.Pavgw: for (let k = 0; k < 8; k++) OU16[k] = (BU16[k] + BU16[8 + k] + 1) >> 1; break;
    case PI.Pcmpgtb: for (let k = 0; k < 16; k++) OI8[k] = BI8[k] > BI8[16 + k] ? -1 : 0; break;
    case PI.Pcmpgtw: for (let k = 0; k < 8; k++) OI16[k] = BI16[k] > BI16[8 + k] ? -1 : 0; break;
    case PI.Packsswb:
      for (let k = 0; k < 8; k++) { OI8[k] = satS8(BI16[k]); OI8[8 + k] = satS8(BI16[8 + k]); }
      break;
    case PI.Packssdw:
      for (let k = 0; k < 4; k++) { OI16[k] = satS16(BI[k]); OI16[4 + k] = satS16(BI[4 + k]); }
      break;
    case PI.Packuswb:
      for (let k = 0; k < 8; k++) { OB[k] = satU8(BI16[k]); OB[8 + k] = satU8(BI16[8 + k]); }
      break;
    case PI.Pmuludq:
      for (let q = 0; q < 2; q++) {
        const a = BI[2 * q], b = BI[4 + 2 * q];
        const a0 = a & 0xffff, a1 = a >>> 16, b0 = b & 0xffff, b1 = b >>> 16;
        const p00 = a0 * b0, p01 = a0 * b1, p10 = a1 * b0, p11 = a1 * b1;
        const mid = (p00 >>> 16) + (p01 & 0xffff) + (p10 & 0xffff);
        O[2 * q] = (mid << 16) | (p00 & 0xffff);
        O[2 * q + 1] = (p11 + (p01 >>> 16) + (p10 >>> 16) + (mid >>> 16)) | 0;
      }
      break;
    case PI.Pminsw: for (let k = 0; k < 8; k++) OI16[k] = Math.min(BI16[k], BI16[8 + k]); break;
    case PI.Pmaxsw: for (let k = 0; k < 8; k++) OI16[k] = Math.max(BI16[k], BI16[8 + k]); break;
    case PI.Pminub: for (let k = 0; k < 16; k++) OB[k] = Math.min(BU8[k], BU8[16 + k]); break;
    case PI.Pmaxub: for (let k = 0; k < 16; k++) OB[k] = Math.max(BU8[k], BU8[16 + k]); break;
    case PI.Pcmpeqw: for (let k = 0; k < 8; k++) OI16[k] = BU16[k] === BU16[8 + k] ? -1 : 0; break;
    case PI.Paddw: for (let k = 0; k < 8; k++) OU16[k] = BU16[k] + BU16[8 + k]; break;
    case PI.Psubw: for (let k = 0; k < 8; k++) OU16[k] = BU16[k] - BU16[8 + k]; break;
    case PI.Punpckhbw: for (let k = 0; k < 8; k++) { OB[2 * k] = BU8[8 + k]; OB[2 * k + 1] = BU8[24 + k]; } break;
    case PI.Punpckhwd: for (let k = 0; k < 4; k++) { OU16[2 * k] = BU16[4 + k]; OU16[2 * k + 1] = BU16[12 + k]; } break;
  }
  store(X, d);
}

/**
 * Shifts by count: kind 0 psrl 1 psra 2 psll; width 2/4/8 bytes. count is the 64-bit count (lo, hi).
 */
export function pshift(c: CpuState, kind: number, width: number, d: number, lo: number, hi: number): void {
  const X = c.x;
  const bits = width * 8;
  const n = hi !== 0 || lo >>> 0 >= bits ? bits : lo; // >= bits: all zero (or all sign for psra)
  if (width === 8) {
    for (let q = 0; q < 2; q++) {
      const l = X[d + 2 * q], hh = X[d + 2 * q + 1];
      let rl: number, rh: number;
      if (n >= 64) { rl = 0; rh = 0; }
      else if (n === 0) { rl = l; rh = hh; }
      else if (kind === 2) {
        if (n >= 32) { rh = l << (n - 32); rl = 0; } else { rh = (hh << n) | (l >>> (32 - n)); rl = l << n; }
      } else if (n >= 32) { rl = hh >>> (n - 32); rh = 0; } else { rl = (l >>> n) | (hh << (32 - n)); rh = hh >>> n; }
      X[d + 2 * q] = rl;
      X[d + 2 * q + 1] = rh;
    }
    return;
  }
  if (width === 4) {
    for (let k = 0; k < 4; k++) {
      const v = X[d + k];
      if (kind === 1) X[d + k] = v >> (n >= 32 ? 31 : n);
      else if (n >= 32) X[d + k] = 0;
      else X[d + k] = kind === 2 ? v << n : v >>> n;
    }
    return;
  }
  for (let k = 0; k < 4; k++) {
    const v = X[d + k];
    let l = (v << 16) >> 16, h = v >> 16;
    if (kind === 1) { l >>= n >= 16 ? 15 : n; h >>= n >= 16 ? 15 : n; }
    else if (n >= 16) { l = 0; h = 0; }
    else if (kind === 2) { l <<= n; h <<= n; }
    else { l = (l & 0xffff) >>> n; h = (h & 0xffff) >>> n; }
    X[d + k] = (l & 0xffff) | (h << 16);
  }
}

/** PSLLDQ / PSRLDQ by n bytes. */
export function pbyteshift(c: CpuState, left: boolean, d: number, n: number): void {
  const X = c.x;
  BI[0] = X[d]; BI[1] = X[d + 1]; BI[2] = X[d + 2]; BI[3] = X[d + 3];
  for (let k = 0; k < 16; k++) {
    const j = left ? k - n : k + n;
    OB[k] = j >= 0 && j < 16 ? BU8[j] : 0;
  }
  store(X, d);
}

/** SHUFPS/SHUFPD/PSHUFLW/PSHUFHW: which 0 shufps 1 shufpd 2 pshuflw 3 pshufhw. */
export function pshuf(c: CpuState, which: number, d: number, S: Int32Array, s: number, imm: number): void {
  const X = c.x;
  load2(X, d, S, s);
  switch (which) {
    case 0:
      O[0] = BI[imm & 3]; O[1] = BI[(imm >> 2) & 3]; O[2] = BI[4 + ((imm >> 4) & 3)]; O[3] = BI[4 + ((imm >> 6) & 3)];
      break;
    case 1: {
      const a = (imm & 1) * 2, b = 4 + ((imm >> 1) & 1) * 2;
      O[0] = BI[a]; O[1] = BI[a + 1]; O[2] = BI[b]; O[3] = BI[b + 1];
      break;
    }
    case 2:
      for (let k = 0; k < 4; k++) OU16[k] = BU16[8 + ((imm >> (2 * k)) & 3)];
      O[2] = BI[6]; O[3] = BI[7];
      break;
    case 3:
      O[0] = BI[4]; O[1] = BI[5];
      for (let k = 0; k < 4; k++) OU16[4 + k] = BU16[12 + ((imm >> (2 * k)) & 3)];
      break;
  }
  store(X, d);
}

/** MASKMOVDQU: store the bytes of xmm d selected by the high bits of xmm s at [addr]. */
export function maskmov(c: CpuState, m: { probeWrite(a: number, n: number): void; w8(a: number, v: number): void }, d: number, s: number, addr: number): void {
  const X = c.x;
  load2(X, d, X, s);
  // fault before any byte is written; like the host CPU (AMD Zen), the whole 16-byte region is checked even
  // for bytes that are not selected (the SDM leaves this implementation-dependent)
  m.probeWrite(addr, 16);
  for (let k = 0; k < 16; k++) if (BU8[16 + k] & 0x80) m.w8(addr + k, BU8[k]);
}

// ------------------------------------------------------------------ MXCSR, FXSAVE/FXRSTOR

/** Bits of MXCSR that may be set (DAZ supported): writing others raises #GP. */
export const MXCSR_MASK = 0xffff;

/** LDMXCSR value check: returns false for reserved bits (the caller raises #GP). */
export function ldmxcsr(c: CpuState, v: number): boolean {
  if ((v & ~MXCSR_MASK) !== 0) return false;
  c.mxcsr = v & MXCSR_MASK;
  return true;
}

/** Guest memory as needed by FXSAVE/FXRSTOR. */
export interface FxMem {
  r32(a: number): number;
  w32(a: number, v: number): void;
  r16(a: number): number;
  w16(a: number, v: number): void;
  probeWrite(a: number, n: number): void;
  probeRead(a: number, n: number): void;
}

/** x87 hooks, installed by x87-runtime.ts (which owns the register format). */
export const x87Hooks = {
  /** Abridged tag byte (bit i = physical register i valid). */
  abridgedTag: (c: CpuState): number => (~c.fpuTag & 0xffff) === 0 ? 0 : 0xff,
  /** Restore the full tag word from the abridged byte. */
  setAbridgedTag: (c: CpuState, t: number): void => { c.fpuTag = t === 0 ? 0xffff : 0; },
  /** Write ST(i) as 10 bytes into 5 uint16 words. */
  getReg: (_c: CpuState, _i: number, out: Uint16Array): void => { out.fill(0); },
  setReg: (_c: CpuState, _i: number, _w: Uint16Array): void => {},
  /** Status word with TOP. */
  getSw: (c: CpuState): number => (c.fpuSw & ~0x3800) | ((c.fpuTop & 7) << 11),
  setSw: (c: CpuState, v: number): void => { c.fpuSw = v & ~0x3800; c.fpuTop = (v >> 11) & 7; },
};
const W5 = new Uint16Array(5);

/**
 * FXSAVE image (512 bytes at addr; 64-bit layout): FCW FSW FTW(abridged) FOP FIP FDP MXCSR MXCSR_MASK,
 * ST0-7 at 32 (16 bytes each), XMM0-15 at 160. FIP/FDP/FOP are stored as 0 (not tracked).
 * The caller checks 16-byte alignment. Fault-free: the whole range is probed first.
 */
export function fxsaveTo(c: CpuState, mem: FxMem, addr: number): void {
  mem.probeWrite(addr, 512);
  mem.w16(addr, c.fpuCw);
  mem.w16(addr + 2, x87Hooks.getSw(c));
  mem.w16(addr + 4, x87Hooks.abridgedTag(c));
  mem.w16(addr + 6, 0);
  for (let k = 8; k < 24; k += 4) mem.w32(addr + k, 0);
  mem.w32(addr + 24, c.mxcsr);
  mem.w32(addr + 28, MXCSR_MASK);
  for (let i = 0; i < 8; i++) {
    x87Hooks.getReg(c, i, W5);
    const b = addr + 32 + 16 * i;
    for (let k = 0; k < 5; k++) mem.w16(b + 2 * k, W5[k]);
    mem.w16(b + 10, 0);
    mem.w32(b + 12, 0);
  }
  const X = c.x;
  for (let i = 0; i < 64; i++) mem.w32(addr + 160 + 4 * i, X[i]);
}

/** FXRSTOR from addr. Returns false (no state changed) if the MXCSR image has reserved bits set (#GP). */
export function fxrstorFrom(c: CpuState, mem: FxMem, addr: number): boolean {
  mem.probeRead(addr, 512);
  const mx = mem.r32(addr + 24) >>> 0;
  if ((mx & ~MXCSR_MASK) !== 0) return false;
  c.fpuCw = mem.r16(addr);
  x87Hooks.setSw(c, mem.r16(addr + 2));
  x87Hooks.setAbridgedTag(c, mem.r16(addr + 4) & 0xff);
  c.mxcsr = mx;
  for (let i = 0; i < 8; i++) {
    const b = addr + 32 + 16 * i;
    for (let k = 0; k < 5; k++) W5[k] = mem.r16(b + 2 * k);
    x87Hooks.setReg(c, i, W5);
  }
  const X = c.x;
  for (let i = 0; i < 64; i++) X[i] = mem.r32(addr + 160 + 4 * i);
  return true;
}
