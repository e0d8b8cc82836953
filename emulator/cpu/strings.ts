/** Runtime of the string instructions (see ops/string.ts). */
import { CpuState, DF } from './state';
import { Memory } from '../memory/memory';
import { FlagOp } from './flagops';

const SIZE_IDX = [0, 0, 1, 0, 2, 0, 0, 0, 3];

function rd(m: Memory, a: number, size: number): number {
  return size === 1 ? m.r8(a) : size === 2 ? m.r16(a) : m.r32(a);
}
function wr(m: Memory, a: number, size: number, v: number): void {
  if (size === 1) m.w8(a, v);
  else if (size === 2) m.w16(a, v);
  else m.w32(a, v);
}

/**
 * kind: 0 movs, 1 stos, 2 lods, 3 cmps, 4 scas. rep: 0 none, 1 rep/repe, 2 repne. seg: source override (1 fs, 2 gs).
 * Addresses use full 64-bit RSI/RDI as numbers; RCX is treated as a 64-bit count. a32: 0x67 prefix (ESI/EDI/ECX).
 */
export function str(c: CpuState, m: Memory, kind: number, size: number, rep: number, seg: number, a32 = 0): void {
  if (a32) { str32(c, m, kind, size, rep, seg); return; }
  const R = c.r;
  const step = c.fl & DF ? -size : size;
  const base = seg === 1 ? c.fsBase : seg === 2 ? c.gsBase : 0;
  let rsi = (R[13] >>> 0) * 4294967296 + (R[12] >>> 0);
  let rdi = (R[15] >>> 0) * 4294967296 + (R[14] >>> 0);
  let rcx = rep ? (R[3] >>> 0) * 4294967296 + (R[2] >>> 0) : 1;
  const save = () => {
    R[12] = rsi % 4294967296 | 0; R[13] = Math.floor(rsi / 4294967296) | 0;
    R[14] = rdi % 4294967296 | 0; R[15] = Math.floor(rdi / 4294967296) | 0;
    if (rep) { R[2] = rcx % 4294967296 | 0; R[3] = Math.floor(rcx / 4294967296) | 0; }
  };
  try {
    switch (kind) {
      case 0: // movs
        if (size === 8) {
          while (rcx > 0) { const lo = m.r64(base + rsi), hi = m.t; m.w64(rdi, lo, hi); rsi += step; rdi += step; rcx--; }
        } else {
          while (rcx > 0) { wr(m, rdi, size, rd(m, base + rsi, size)); rsi += step; rdi += step; rcx--; }
        }
        break;
      case 1: { // stos
        if (size === 8) { const lo = R[0], hi = R[1]; while (rcx > 0) { m.w64(rdi, lo, hi); rdi += step; rcx--; } }
        else { const v = R[0]; while (rcx > 0) { wr(m, rdi, size, v); rdi += step; rcx--; } }
        break;
      }
      case 2: // lods
        while (rcx > 0) {
          if (size === 8) { R[0] = m.r64(base + rsi); R[1] = m.t; }
          else if (size === 4) { R[0] = m.r32(base + rsi); R[1] = 0; }
          else if (size === 2) R[0] = (R[0] & -65536) | m.r16(base + rsi);
          else R[0] = (R[0] & -256) | m.r8(base + rsi);
          rsi += step; rcx--;
        }
        break;
      case 3: // cmps: flags of (src - dst) i.e. [rsi] - [rdi]
      case 4: { // scas: flags of (acc - [rdi])
        while (rcx > 0) {
          let a: number, ah = 0, b: number, bh = 0;
          if (kind === 3) {
            if (size === 8) { a = m.r64(base + rsi); ah = m.t; } else a = rd(m, base + rsi, size);
          } else {
            a = size === 8 ? R[0] : size === 4 ? R[0] : R[0] & (size === 2 ? 0xffff : 0xff);
            ah = size === 8 ? R[1] : 0;
          }
          if (size === 8) { b = m.r64(rdi); bh = m.t; } else b = rd(m, rdi, size);
          if (kind === 3) rsi += step;
          rdi += step;
          rcx--;
          const rl = size === 4 || size === 8 ? (a - b) | 0 : a - b;
          const rh = size === 8 ? (ah - bh - ((a >>> 0) < (b >>> 0) ? 1 : 0)) | 0 : 0;
          c.fop = FlagOp.Sub + SIZE_IDX[size];
          c.fa = a; c.fb = b; c.fr = rl; c.fah = ah; c.fbh = bh; c.frh = rh;
          const equal = size === 8 ? a === b && ah === bh : a === b;
          if (rep === 1 && !equal) break;
          if (rep === 2 && equal) break;
          if (!rep) break;
        }
        break;
      }
    }
  } finally {
    save();
  }
}

/**
 * The 32-bit address-size forms (0x67 prefix): ESI/EDI/ECX, addresses wrap at 4 GiB, and the updated
 * registers are written as 32-bit registers (upper halves cleared). Rare (x32 code); one element per step.
 */
function str32(c: CpuState, m: Memory, kind: number, size: number, rep: number, seg: number): void {
  const R = c.r;
  const step = c.fl & DF ? -size : size;
  const base = seg === 1 ? c.fsBase : seg === 2 ? c.gsBase : 0;
  const si = kind === 0 || kind === 2 || kind === 3;
  const di = kind !== 2;
  for (;;) {
    if (rep && R[2] === 0) break; // nothing is written (RCX keeps its upper half)
    const rsi = R[12] >>> 0, rdi = R[14] >>> 0;
    let a = 0, ah = 0, b = 0, bh = 0;
    if (kind === 0 || kind === 2 || kind === 3) {
      if (size === 8) { a = m.r64(base + rsi); ah = m.t; } else a = rd(m, base + rsi, size);
    }
    switch (kind) {
      case 0: if (size === 8) m.w64(rdi, a, ah); else wr(m, rdi, size, a); break;
      case 1: if (size === 8) m.w64(rdi, R[0], R[1]); else wr(m, rdi, size, R[0]); break;
      case 2:
        if (size === 8) { R[0] = a; R[1] = ah; } else if (size === 4) { R[0] = a; R[1] = 0; }
        else if (size === 2) R[0] = (R[0] & -65536) | a; else R[0] = (R[0] & -256) | a;
        break;
      default:
        if (kind === 4) { a = size === 2 ? R[0] & 0xffff : size === 1 ? R[0] & 0xff : R[0]; ah = size === 8 ? R[1] : 0; }
        if (size === 8) { b = m.r64(rdi); bh = m.t; } else b = rd(m, rdi, size);
    }
    if (si) { R[12] = (rsi + step) | 0; R[13] = 0; }
    if (di) { R[14] = (rdi + step) | 0; R[15] = 0; }
    if (rep) { R[2] = (R[2] - 1) | 0; R[3] = 0; }
    if (kind >= 3) {
      const rl = size === 4 || size === 8 ? (a - b) | 0 : a - b;
      c.fop = FlagOp.Sub + SIZE_IDX[size];
      c.fa = a; c.fb = b; c.fr = rl; c.fah = ah; c.fbh = bh;
      c.frh = size === 8 ? (ah - bh - ((a >>> 0) < (b >>> 0) ? 1 : 0)) | 0 : 0;
      const equal = a === b && ah === bh;
      if (rep === 1 && !equal) break;
      if (rep === 2 && equal) break;
    }
    if (!rep) break;
  }
}
