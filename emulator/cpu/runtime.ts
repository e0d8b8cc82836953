/**
 * Out-of-line helpers called from generated block code: multi-word arithmetic, shifts/rotates with their
 * flag rules, division. Results wider than one int32 return the low word and leave the others in `W`.
 * No BigInt and no allocation.
 */
import { CpuState, CF, PF, AF, ZF, SF, OF, STATUS_FLAGS } from './state';
import { statusFlags, materialize, PARITY, cond, getCF, getRflags, setRflags } from './flags';
import { FlagOp } from './flagops';

/** Extra result words: W[0]=high half of a 64-bit result, W[0..3] for 128-bit products. */
export const W = new Int32Array(4);

const SIGN_BIT = [0x80, 0x8000, -0x80000000];
const MASK = [0xff, 0xffff, -1];

/** Unsigned 32x32 -> 64: returns low word, high word in W[0]. */
export function mulu32(a: number, b: number): number {
  const a0 = a & 0xffff, a1 = a >>> 16, b0 = b & 0xffff, b1 = b >>> 16;
  const p00 = a0 * b0, p01 = a0 * b1, p10 = a1 * b0, p11 = a1 * b1;
  const mid = (p00 >>> 16) + (p01 & 0xffff) + (p10 & 0xffff);
  W[0] = (p11 + (p01 >>> 16) + (p10 >>> 16) + (mid >>> 16)) | 0;
  return ((mid << 16) | (p00 & 0xffff)) | 0;
}

/** Unsigned 64x64 -> 128 into W[0..3] (little-endian words). */
export function mulu64(al: number, ah: number, bl: number, bh: number): void {
  const p0l = mulu32(al, bl), p0h = W[0];
  const p1l = mulu32(al, bh), p1h = W[0];
  const p2l = mulu32(ah, bl), p2h = W[0];
  const p3l = mulu32(ah, bh), p3h = W[0];
  // word1 = p0h + p1l + p2l
  let s = (p0h >>> 0) + (p1l >>> 0) + (p2l >>> 0);
  const w1 = s | 0;
  let carry = Math.floor(s / 4294967296);
  s = (p1h >>> 0) + (p2h >>> 0) + (p3l >>> 0) + carry;
  const w2 = s | 0;
  carry = Math.floor(s / 4294967296);
  const w3 = (p3h + carry) | 0;
  W[0] = p0l; W[1] = w1; W[2] = w2; W[3] = w3;
}

/** Signed 64x64 -> 128 into W[0..3]. */
export function muls64(al: number, ah: number, bl: number, bh: number): void {
  mulu64(al, ah, bl, bh);
  // signed high = unsigned high - (a<0 ? b : 0) - (b<0 ? a : 0)
  if (ah < 0) sub128hi(bl, bh);
  if (bh < 0) sub128hi(al, ah);
}
function sub128hi(l: number, h: number): void {
  const s = (W[2] >>> 0) - (l >>> 0);
  W[2] = s | 0;
  W[3] = (W[3] - h - (s < 0 ? 1 : 0)) | 0;
}

function setEager(c: CpuState, f: number, mask: number): void {
  if (mask !== STATUS_FLAGS) materialize(c); // (all six replaced: the old lazy state is not needed)
  else c.fop = FlagOp.Eager;
  c.fl = (c.fl & ~mask) | (f & mask);
}

function szpFlags(r: number, size: number, rh: number): number {
  let f = PARITY[r & 0xff];
  if (size === 8) {
    if ((r | rh) === 0) f |= ZF;
    if (rh < 0) f |= SF;
  } else {
    const si = size === 1 ? 0 : size === 2 ? 1 : 2;
    if ((r & MASK[si]) === 0) f |= ZF;
    if (r & SIGN_BIT[si]) f |= SF;
  }
  return f;
}

export const enum Sh { Rol = 0, Ror = 1, Rcl = 2, Rcr = 3, Shl = 4, Shr = 5, Sal = 6, Sar = 7 }

/**
 * Shift/rotate (sizes 1, 2, 4): value zero-extended, returns the new value (int32).
 * Defined flags follow the Intel SDM. Flags the SDM leaves undefined follow AMD Zen, the host CPU of the
 * differential suite (test/unit/int-diff.test.ts), where that costs nothing:
 *  - SHL/SAL/SHR/SAR with a nonzero count set AF=1;
 *  - OF for counts > 1 is computed from the result as for a 1-bit shift/rotate: SHL/SAL/ROL/RCL
 *    MSB(res)^CF, SHR/ROR/RCR res[msb]^res[msb-1], SAR 0;
 *  - SHL/SHR with counts >= the operand width (8/16-bit operands) give CF=0.
 */
export function shift32(c: CpuState, kind: Sh, size: number, v: number, count: number): number {
  const bits = size * 8;
  const n = count & 31;
  if (n === 0) return v;
  const si = size === 1 ? 0 : size === 2 ? 1 : 2;
  const m = MASK[si];
  const sign = SIGN_BIT[si];
  const sign2 = sign >>> 1;
  v &= m;
  let r = 0, cf = 0, of = 0;
  switch (kind) {
    case Sh.Shl:
    case Sh.Sal:
      if (n > bits) { r = 0; cf = 0; }
      else { cf = n === bits ? v & 1 : (v >>> (bits - n)) & 1; r = n === 32 ? 0 : (v << n) & m; }
      of = ((r & sign) !== 0 ? 1 : 0) ^ cf;
      setEager(c, szpFlags(r, size, 0) | AF | (cf ? CF : 0) | (of ? OF : 0), STATUS_FLAGS);
      return r;
    case Sh.Shr:
      cf = n > bits ? 0 : (v >>> (n - 1)) & 1;
      r = n >= bits ? 0 : v >>> n;
      of = n === 1 ? ((v & sign) !== 0 ? 1 : 0) : (r & sign2) !== 0 ? 1 : 0; // res[msb]=0 for n>=1
      setEager(c, szpFlags(r, size, 0) | AF | (cf ? CF : 0) | (of ? OF : 0), STATUS_FLAGS);
      return r;
    case Sh.Sar: {
      const sv = size === 4 ? v | 0 : size === 2 ? (v << 16) >> 16 : (v << 24) >> 24;
      if (n >= bits) { cf = sv < 0 ? 1 : 0; r = sv < 0 ? m : 0; }
      else { cf = (sv >> (n - 1)) & 1; r = (sv >> n) & m; }
      setEager(c, szpFlags(r, size, 0) | AF | (cf ? CF : 0), STATUS_FLAGS);
      return r;
    }
    case Sh.Rol: {
      const k = n % bits;
      r = k === 0 ? v : ((v << k) | (v >>> (bits - k))) & m;
      cf = r & 1;
      of = ((r & sign) !== 0 ? 1 : 0) ^ cf;
      setEager(c, (cf ? CF : 0) | (of ? OF : 0), CF | OF);
      return r;
    }
    case Sh.Ror: {
      const k = n % bits;
      r = k === 0 ? v : ((v >>> k) | (v << (bits - k))) & m;
      cf = (r & sign) !== 0 ? 1 : 0;
      of = cf ^ ((r & sign2) !== 0 ? 1 : 0);
      setEager(c, (cf ? CF : 0) | (of ? OF : 0), CF | OF);
      return r;
    }
    case Sh.Rcl: {
      // rotate the (bits+1)-bit value CF:v left by k
      const k = n % (bits + 1);
      let carry = getCF(c);
      if (k !== 0) {
        if (bits === 32) {
          // 33-bit rotate without loops: out = v[32-k], r = v<<k | CF<<(k-1) | v>>>(33-k)
          const out = (v >>> (32 - k)) & 1;
          r = (k === 32 ? 0 : v << k) | (carry << (k - 1)) | (k === 1 ? 0 : v >>> (33 - k));
          carry = out;
        } else {
          const w = v | (carry << bits); // bits+1 wide, <= 17 bits
          const rot = ((w << k) | (w >>> (bits + 1 - k))) & ((m << 1) | 1);
          r = rot & m;
          carry = (rot >>> bits) & 1;
        }
      } else r = v;
      of = ((r & sign) !== 0 ? 1 : 0) ^ carry;
      setEager(c, (carry ? CF : 0) | (of ? OF : 0), CF | OF);
      return r | 0;
    }
    case Sh.Rcr: {
      const k = n % (bits + 1);
      let carry = getCF(c);
      if (k !== 0) {
        if (bits === 32) {
          // r = v>>>k | CF<<(32-k) | v<<(33-k); out = v[k-1]
          const out = (v >>> (k - 1)) & 1;
          r = (k === 32 ? 0 : v >>> k) | (carry << (32 - k)) | (k === 1 ? 0 : v << (33 - k));
          carry = out;
        } else {
          const w = v | (carry << bits);
          const rot = ((w >>> k) | (w << (bits + 1 - k))) & ((m << 1) | 1);
          r = rot & m;
          carry = (rot >>> bits) & 1;
        }
      } else r = v;
      r &= m;
      of = ((r & sign) !== 0 ? 1 : 0) ^ ((r & sign2) !== 0 ? 1 : 0);
      setEager(c, (carry ? CF : 0) | (of ? OF : 0), CF | OF);
      return r | 0;
    }
  }
  throw new Error('bad shift');
}

/** 64-bit shift/rotate; returns low half, high half in W[0]. Undefined flags as for shift32. */
export function shift64(c: CpuState, kind: Sh, lo: number, hi: number, count: number): number {
  const n = count & 63;
  if (n === 0) { W[0] = hi; return lo; }
  let rl = 0, rh = 0, cf = 0, of = 0;
  switch (kind) {
    case Sh.Shl:
    case Sh.Sal:
      cf = bit64(lo, hi, 64 - n);
      if (n < 32) { rh = (hi << n) | (n === 0 ? 0 : lo >>> (32 - n)); rl = lo << n; } else { rh = lo << (n - 32); rl = 0; }
      of = (rh < 0 ? 1 : 0) ^ cf;
      setEager(c, szpFlags(rl, 8, rh) | AF | (cf ? CF : 0) | (of ? OF : 0), STATUS_FLAGS);
      break;
    case Sh.Shr:
      cf = bit64(lo, hi, n - 1);
      if (n < 32) { rl = (lo >>> n) | (hi << (32 - n)); rh = hi >>> n; } else { rl = hi >>> (n - 32); rh = 0; }
      of = n === 1 ? (hi < 0 ? 1 : 0) : (rh >>> 30) & 1;
      setEager(c, szpFlags(rl, 8, rh) | AF | (cf ? CF : 0) | (of ? OF : 0), STATUS_FLAGS);
      break;
    case Sh.Sar:
      cf = bit64(lo, hi, n - 1);
      if (n < 32) { rl = (lo >>> n) | (hi << (32 - n)); rh = hi >> n; } else { rl = hi >> (n - 32); rh = hi >> 31; }
      setEager(c, szpFlags(rl, 8, rh) | AF | (cf ? CF : 0), STATUS_FLAGS);
      break;
    case Sh.Rol:
      rl = rotl64(lo, hi, n); rh = W[0];
      cf = rl & 1;
      of = (rh < 0 ? 1 : 0) ^ cf;
      setEager(c, (cf ? CF : 0) | (of ? OF : 0), CF | OF);
      break;
    case Sh.Ror:
      rl = rotl64(lo, hi, 64 - n); rh = W[0];
      cf = rh < 0 ? 1 : 0;
      of = cf ^ ((rh >>> 30) & 1);
      setEager(c, (cf ? CF : 0) | (of ? OF : 0), CF | OF);
      break;
    case Sh.Rcl: {
      // 65-bit rotate: r = v<<n | CF<<(n-1) | v>>>(65-n); CF = v[64-n]
      const carry = getCF(c);
      const out = bit64(lo, hi, 64 - n);
      rl = shl64(lo, hi, n); rh = TH;
      rl |= shr64(lo, hi, 65 - n); rh |= TH;
      rl |= shl64(carry, 0, n - 1); rh |= TH;
      of = (rh < 0 ? 1 : 0) ^ out;
      setEager(c, (out ? CF : 0) | (of ? OF : 0), CF | OF);
      break;
    }
    case Sh.Rcr: {
      // r = v>>>n | CF<<(64-n) | v<<(65-n); CF = v[n-1]
      const carry = getCF(c);
      const out = bit64(lo, hi, n - 1);
      rl = shr64(lo, hi, n); rh = TH;
      rl |= shl64(lo, hi, 65 - n); rh |= TH;
      rl |= shl64(carry, 0, 64 - n); rh |= TH;
      of = (rh < 0 ? 1 : 0) ^ ((rh >>> 30) & 1);
      setEager(c, (out ? CF : 0) | (of ? OF : 0), CF | OF);
      break;
    }
  }
  W[0] = rh | 0;
  return rl | 0;
}

function bit64(lo: number, hi: number, k: number): number {
  return k < 32 ? (lo >>> k) & 1 : (hi >>> (k - 32)) & 1;
}
/** Rotate a 64-bit value left by n (0..64); returns low half, high half in W[0]. */
function rotl64(lo: number, hi: number, n: number): number {
  n &= 63;
  if (n === 0) { W[0] = hi; return lo; }
  if (n >= 32) { const t = lo; lo = hi; hi = t; n -= 32; }
  if (n === 0) { W[0] = hi; return lo; }
  W[0] = (hi << n) | (lo >>> (32 - n));
  return (lo << n) | (hi >>> (32 - n));
}

/**
 * SHLD/SHRD (sizes 2, 4). dst, src zero-extended. Undefined flags as AMD Zen: AF=1; OF for counts > 1 as
 * for SHL (MSB(res)^CF) / SHR (res[msb]^res[msb-1]). 16-bit counts 17..31 (undefined result): like AMD, the
 * operand is the 48-bit concatenation dst:src:src (SHLD) / src:src:dst (SHRD).
 */
export function shiftDouble32(c: CpuState, left: boolean, size: number, dst: number, src: number, count: number): number {
  const n = count & 31;
  if (n === 0) return dst;
  let r: number, cf: number;
  if (size === 4) {
    if (left) { r = (dst << n) | (n === 0 ? 0 : src >>> (32 - n)); cf = (dst >>> (32 - n)) & 1; }
    else { r = (dst >>> n) | (src << (32 - n)); cf = (dst >>> (n - 1)) & 1; }
    r |= 0;
  } else {
    dst &= 0xffff; src &= 0xffff;
    // 48-bit values are exact in doubles
    if (left) {
      const v = dst * 4294967296 + src * 65536 + src;
      r = Math.floor(v / 2 ** (32 - n)) & 0xffff;
      cf = Math.floor(v / 2 ** (48 - n)) & 1;
    } else {
      const v = src * 4294967296 + src * 65536 + dst;
      r = Math.floor(v / 2 ** n) & 0xffff;
      cf = Math.floor(v / 2 ** (n - 1)) & 1;
    }
  }
  const sign = size === 4 ? -0x80000000 : 0x8000;
  const msb = (r & sign) !== 0 ? 1 : 0;
  if (n > size * 8) cf = 0; // AMD: CF=0 for 16-bit counts 17..31; 16-bit SHLD by 16..31 gives OF=CF
  const of = left ? (n >= 16 && size === 2 ? cf : msb ^ cf) : msb ^ ((r & (sign >>> 1)) !== 0 ? 1 : 0);
  setEager(c, szpFlags(r, size, 0) | AF | (cf ? CF : 0) | (of ? OF : 0), STATUS_FLAGS);
  return r;
}

/** SHLD/SHRD 64-bit; returns low, high in W[0]. */
export function shiftDouble64(c: CpuState, left: boolean, dl: number, dh: number, sl: number, sh: number, count: number): number {
  const n = count & 63;
  if (n === 0) { W[0] = dh; return dl; }
  let rl: number, rh: number, cf: number;
  if (left) {
    // (dst << n) | (src >>> (64-n))
    cf = bit64(dl, dh, 64 - n);
    if (n < 32) { rh = (dh << n) | (dl >>> (32 - n)); rl = (dl << n) | (sh >>> (32 - n)); }
    else if (n === 32) { rh = dl; rl = sh; }
    else { const k = n - 32; rh = (dl << k) | (sh >>> (32 - k)); rl = (sh << k) | (sl >>> (32 - k)); }
  } else {
    // (dst >>> n) | (src << (64-n))
    cf = bit64(dl, dh, n - 1);
    if (n < 32) { rl = (dl >>> n) | (dh << (32 - n)); rh = (dh >>> n) | (sl << (32 - n)); }
    else if (n === 32) { rl = dh; rh = sl; }
    else { const k = n - 32; rl = (dh >>> k) | (sl << (32 - k)); rh = (sl >>> k) | (sh << (32 - k)); }
  }
  const msb = rh < 0 ? 1 : 0;
  const of = left ? msb ^ cf : msb ^ ((rh >>> 30) & 1);
  setEager(c, szpFlags(rl, 8, rh) | AF | (cf ? CF : 0) | (of ? OF : 0), STATUS_FLAGS);
  W[0] = rh | 0;
  return rl | 0;
}
/** 64-bit shifts by 0..64 (64 gives 0): return the low half, leave the high half in TH. */
let TH = 0;
function shl64(lo: number, hi: number, n: number): number {
  if (n >= 64) { TH = 0; return 0; }
  if (n === 0) { TH = hi; return lo; }
  if (n < 32) { TH = (hi << n) | (lo >>> (32 - n)); return lo << n; }
  TH = lo << (n - 32);
  return 0;
}
function shr64(lo: number, hi: number, n: number): number {
  if (n >= 64) { TH = 0; return 0; }
  if (n === 0) { TH = hi; return lo; }
  if (n < 32) { TH = hi >>> n; return (lo >>> n) | (hi << (32 - n)); }
  TH = 0;
  return hi >>> (n - 32);
}

// ------------------------------------------------------------------ multiply / divide

/**
 * MUL/IMUL: CF=OF=overflow. SF/ZF/AF/PF are undefined; like AMD Zen (the differential suite's host) they are
 * left unchanged.
 */
export function setMulFlags(c: CpuState, overflow: boolean, _lo?: number): void {
  setEager(c, overflow ? CF | OF : 0, CF | OF);
}

/** DIV/IDIV (no fault): all status flags undefined; like AMD Zen: AF=1, SF=ZF=PF=0, CF and OF unchanged. */
export function setDivFlags(c: CpuState): void {
  setEager(c, AF, AF | SF | ZF | PF);
}

/**
 * BSF/BSR: ZF = (source == 0). The rest are undefined; like AMD Zen: CF=OF=SF=AF=0, PF = parity of the bit
 * index r (of 0 for a zero source, whose destination is left unchanged).
 */
export function setBsfFlags(c: CpuState, z: boolean, r: number): void {
  c.fl = (c.fl & ~STATUS_FLAGS) | (z ? ZF : 0) | PARITY[r & 0xff];
  c.fop = FlagOp.Eager;
}

const TWO32 = 4294967296;

/** Unsigned 64-bit a < b on int32 halves. */
function ltu64(al: number, ah: number, bl: number, bh: number): boolean {
  return ah >>> 0 < bh >>> 0 || (ah === bh && al >>> 0 < bl >>> 0);
}

/**
 * Unsigned 128/64 division (n3:n2:nh:nl) / (dh:dl) -> W = [q lo, q hi, r lo, r hi]; #DE (throws) for a zero
 * divisor or a quotient >= 2^64. Exact integer arithmetic without BigInt or allocation:
 *  - divisor < 2^32: long division in 16-bit digits (every partial dividend < 2^48 is exact in a double);
 *  - dividend < 2^64: a double estimate of the (< 2^32) quotient, corrected against the exact product;
 *  - otherwise (128-bit dividends, e.g. libgcc's __udivti3): restoring division, one bit per step.
 */
export function divu64(nl: number, nh: number, n2: number, n3: number, dl: number, dh: number): void {
  if ((dl | dh) === 0) throw DIVIDE_ERROR;
  if (!ltu64(n2, n3, dl, dh)) throw DIVIDE_ERROR; // quotient >= 2^64
  if (dh === 0) {
    const d = dl >>> 0;
    let r = n2 >>> 0; // n3 == 0 and n2 < d here
    let t = r * 65536 + (nh >>> 16);
    const q3 = Math.floor(t / d); r = t - q3 * d;
    t = r * 65536 + (nh & 0xffff);
    const q2 = Math.floor(t / d); r = t - q2 * d;
    t = r * 65536 + (nl >>> 16);
    const q1 = Math.floor(t / d); r = t - q1 * d;
    t = r * 65536 + (nl & 0xffff);
    const q0 = Math.floor(t / d); r = t - q0 * d;
    W[0] = (q1 << 16) | q0; W[1] = (q3 << 16) | q2; W[2] = r | 0; W[3] = 0;
    return;
  }
  if ((n2 | n3) === 0) {
    // d >= 2^32, n < 2^64: q < 2^32; the double estimate is off by at most one
    let q = Math.floor(((nh >>> 0) * TWO32 + (nl >>> 0)) / ((dh >>> 0) * TWO32 + (dl >>> 0)));
    if (q > 4294967295) q = 4294967295;
    for (;;) {
      mulu64(q | 0, 0, dl, dh);
      const p0 = W[0], p1 = W[1];
      if ((W[2] | W[3]) !== 0 || ltu64(nl, nh, p0, p1)) { q--; continue; } // q*d > n
      const rl = (nl - p0) | 0, rh = (nh - p1 - (nl >>> 0 < p0 >>> 0 ? 1 : 0)) | 0;
      if (!ltu64(rl, rh, dl, dh)) { q++; continue; } // r >= d
      W[0] = q | 0; W[1] = 0; W[2] = rl; W[3] = rh;
      return;
    }
  }
  // restoring division: remainder (c:r1:r0, 65 bits) starts as the high half (< d), quotient bits from nh:nl
  let r0 = n2, r1 = n3, q0 = 0, q1 = 0;
  for (let k = 63; k >= 0; k--) {
    const bit = k >= 32 ? (nh >>> (k - 32)) & 1 : (nl >>> k) & 1;
    const c = r1 >>> 31;
    r1 = (r1 << 1) | (r0 >>> 31);
    r0 = (r0 << 1) | bit;
    q1 = (q1 << 1) | (q0 >>> 31);
    q0 <<= 1;
    if (c !== 0 || !ltu64(r0, r1, dl, dh)) {
      const b = r0 >>> 0 < dl >>> 0 ? 1 : 0;
      r0 = (r0 - dl) | 0;
      r1 = (r1 - dh - b) | 0;
      q0 |= 1;
    }
  }
  W[0] = q0; W[1] = q1; W[2] = r0; W[3] = r1;
}

/**
 * Signed 128/64 division (n3:n2:nh:nl) / (dh:dl), truncating; W = [q lo, q hi, r lo, r hi]. #DE for a zero
 * divisor or a quotient outside [-2^63, 2^63). Magnitudes through divu64.
 */
export function divs64(nl: number, nh: number, n2: number, n3: number, dl: number, dh: number): void {
  const nneg = n3 < 0, dneg = dh < 0;
  if (nneg) {
    // 128-bit negate
    nl = ~nl; nh = ~nh; n2 = ~n2; n3 = ~n3;
    nl = (nl + 1) | 0;
    if (nl === 0) { nh = (nh + 1) | 0; if (nh === 0) { n2 = (n2 + 1) | 0; if (n2 === 0) n3 = (n3 + 1) | 0; } }
  }
  if (dneg) { dh = (~dh + (dl === 0 ? 1 : 0)) | 0; dl = (-dl) | 0; }
  divu64(nl, nh, n2, n3, dl, dh);
  let q0 = W[0], q1 = W[1], r0 = W[2], r1 = W[3];
  if (nneg !== dneg) {
    if (q1 >>> 0 > 0x80000000 || (q1 === -0x80000000 && q0 !== 0)) throw DIVIDE_ERROR; // < -2^63
    q1 = (~q1 + (q0 === 0 ? 1 : 0)) | 0; q0 = (-q0) | 0;
  } else if (q1 < 0) throw DIVIDE_ERROR; // >= 2^63
  if (nneg) { r1 = (~r1 + (r0 === 0 ? 1 : 0)) | 0; r0 = (-r0) | 0; }
  W[0] = q0; W[1] = q1; W[2] = r0; W[3] = r1;
}

export class DivideError extends Error {}
export const DIVIDE_ERROR = new DivideError('#DE');

/** popcount of an int32. */
export function popcnt32(v: number): number {
  v = v - ((v >>> 1) & 0x55555555);
  v = (v & 0x33333333) + ((v >>> 2) & 0x33333333);
  return (((v + (v >>> 4)) & 0x0f0f0f0f) * 0x01010101) >>> 24;
}

export { statusFlags, materialize, cond, getCF, getRflags, setRflags, FlagOp, CF, PF, AF, ZF, SF, OF, STATUS_FLAGS };
