/**
 * Lazy RFLAGS evaluation. The translator stores the operands and result of the last flag-setting ALU
 * operation (cpu.fop/fa/fb/fr/fc, with high halves for 64-bit ops); the status flags are computed only when
 * something reads them (jcc, setcc, cmovcc, adc/sbb, pushf, the debugger, a signal frame...).
 */
import { CpuState, CF, PF, AF, ZF, SF, OF, STATUS_FLAGS } from './state';
import { FlagOp } from './flagops';

/** PARITY[b] = PF bit (0x4) for low byte b: set when the number of 1 bits is even. */
export const PARITY = new Uint8Array(256);
for (let i = 0; i < 256; i++) {
  let b = i, n = 0;
  while (b) { n += b & 1; b >>= 1; }
  PARITY[i] = n % 2 === 0 ? PF : 0;
}

const MASK = [0xff, 0xffff, -1, -1];
const SIGN = [0x80, 0x8000, -0x80000000, -0x80000000];

/** Unsigned a < b for 64-bit pairs. */
function ltu64(al: number, ah: number, bl: number, bh: number): boolean {
  return ah >>> 0 < bh >>> 0 || (ah === bh && al >>> 0 < bl >>> 0);
}

/** Compute the six status flags from the lazy state. */
export function statusFlags(c: CpuState): number {
  const op = c.fop;
  if (op === FlagOp.Eager) return c.fl & STATUS_FLAGS;
  const sz = op & 3;
  const kind = op & ~3;
  const m = MASK[sz];
  const sign = SIGN[sz];
  const r = c.fr, a = c.fa, b = c.fb;
  let f = 0;
  // ZF, SF, PF from the result
  if (sz === 3) {
    if ((r | c.frh) === 0) f |= ZF;
    if (c.frh < 0) f |= SF;
  } else {
    if ((r & m) === 0) f |= ZF;
    if (r & sign) f |= SF;
  }
  f |= PARITY[r & 0xff];
  switch (kind) {
    case FlagOp.Logic:
      return f;
    case FlagOp.Add:
    case FlagOp.Adc: {
      const cin = kind === FlagOp.Adc ? c.fc : 0;
      if (sz === 3) {
        const lt = ltu64(r, c.frh, a, c.fah);
        if (lt || (cin && r === a && c.frh === c.fah)) f |= CF;
        if (((c.fah ^ c.frh) & (c.fbh ^ c.frh)) < 0) f |= OF;
      } else if (sz === 2) {
        if (r >>> 0 < a >>> 0 || (cin && r === a)) f |= CF;
        if (((a ^ r) & (b ^ r)) < 0) f |= OF;
      } else {
        if ((r & m) < (a & m) || (cin && (r & m) === (a & m))) f |= CF;
        if ((a ^ r) & (b ^ r) & sign) f |= OF;
      }
      f |= (a ^ b ^ r) & AF;
      return f;
    }
    case FlagOp.Sub:
    case FlagOp.Sbb: {
      const cin = kind === FlagOp.Sbb ? c.fc : 0;
      if (sz === 3) {
        if (ltu64(a, c.fah, b, c.fbh) || (cin && a === b && c.fah === c.fbh)) f |= CF;
        if (((c.fah ^ c.fbh) & (c.fah ^ c.frh)) < 0) f |= OF;
      } else if (sz === 2) {
        if (a >>> 0 < b >>> 0 || (cin && a === b)) f |= CF;
        if (((a ^ b) & (a ^ r)) < 0) f |= OF;
      } else {
        if ((a & m) < (b & m) || (cin && (a & m) === (b & m))) f |= CF;
        if ((a ^ b) & (a ^ r) & sign) f |= OF;
      }
      f |= (a ^ b ^ r) & AF;
      return f;
    }
    case FlagOp.Inc:
    case FlagOp.Dec: {
      if (c.fc) f |= CF;
      // OF: inc overflows into the sign value; dec overflows out of it
      const v = kind === FlagOp.Inc ? r : a;
      if (sz === 3) {
        if (v === 0 && (kind === FlagOp.Inc ? c.frh : c.fah) === -0x80000000) f |= OF;
      } else if ((v & m) === (sign & m)) f |= OF;
      f |= (a ^ 1 ^ r) & AF;
      return f;
    }
  }
  throw new Error(`bad lazy flag op ${op}`);
}

/** Full RFLAGS image (bit 1 always set). */
export function getRflags(c: CpuState): number {
  return ((c.fl & ~STATUS_FLAGS) | statusFlags(c) | 2) >>> 0;
}

/** Set RFLAGS (status bits become eager). */
export function setRflags(c: CpuState, v: number): void {
  c.fl = (v | 2) >>> 0;
  c.fop = FlagOp.Eager;
}

/** Materialize status flags into cpu.fl (before an instruction that updates only some of them). */
export function materialize(c: CpuState): void {
  if (c.fop !== FlagOp.Eager) {
    c.fl = (c.fl & ~STATUS_FLAGS) | statusFlags(c);
    c.fop = FlagOp.Eager;
  }
}

export function getCF(c: CpuState): number {
  const op = c.fop;
  switch (op & ~3) {
    case FlagOp.Eager: return c.fl & CF;
    case FlagOp.Logic: return 0;
    case FlagOp.Inc: case FlagOp.Dec: return c.fc;
  }
  return statusFlags(c) & CF;
}

/**
 * Evaluate condition code cc (iced ConditionCode numbering: 1=o 2=no 3=b 4=ae 5=e 6=ne 7=be 8=a 9=s 10=ns
 * 11=p 12=np 13=l 14=ge 15=le 16=g). Fast paths for the common compare/test cases.
 */
export function cond(c: CpuState, cc: number): boolean {
  const op = c.fop;
  if (op === FlagOp.Sub + 2) {
    const a = c.fa, b = c.fb;
    switch (cc) {
      case 3: return a >>> 0 < b >>> 0;
      case 4: return a >>> 0 >= b >>> 0;
      case 5: return a === b;
      case 6: return a !== b;
      case 7: return a >>> 0 <= b >>> 0;
      case 8: return a >>> 0 > b >>> 0;
      case 13: return a < b;
      case 14: return a >= b;
      case 15: return a <= b;
      case 16: return a > b;
    }
  } else if (op === FlagOp.Logic + 2 || op === FlagOp.Logic + 3) {
    const r = c.fr;
    const zero = op === FlagOp.Logic + 2 ? r === 0 : (r | c.frh) === 0;
    const neg = op === FlagOp.Logic + 2 ? r < 0 : c.frh < 0;
    switch (cc) {
      case 5: return zero;
      case 6: return !zero;
      case 9: case 13: return neg;
      case 10: case 14: return !neg;
      case 15: return zero || neg;
      case 16: return !zero && !neg;
      case 3: case 1: return false;
      case 4: case 2: return true;
      case 7: return zero;
      case 8: return !zero;
    }
  }
  const f = statusFlags(c);
  switch (cc) {
    case 1: return (f & OF) !== 0;
    case 2: return (f & OF) === 0;
    case 3: return (f & CF) !== 0;
    case 4: return (f & CF) === 0;
    case 5: return (f & ZF) !== 0;
    case 6: return (f & ZF) === 0;
    case 7: return (f & (CF | ZF)) !== 0;
    case 8: return (f & (CF | ZF)) === 0;
    case 9: return (f & SF) !== 0;
    case 10: return (f & SF) === 0;
    case 11: return (f & PF) !== 0;
    case 12: return (f & PF) === 0;
    case 13: return !(f & SF) !== !(f & OF);
    case 14: return !(f & SF) === !(f & OF);
    case 15: return (f & ZF) !== 0 || !(f & SF) !== !(f & OF);
    case 16: return (f & ZF) === 0 && !(f & SF) === !(f & OF);
  }
  throw new Error(`bad condition code ${cc}`);
}
