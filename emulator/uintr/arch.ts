/**
 * The UINTR architecture (the "hardware" half; the kernel half is emulator/linux/uintr.ts), following
 * ../shared/uintr-spec.md §1: per-thread state (UIRR, UIF, UIHANDLER, UISTACKADJUST, UINV, UITTSZ, UPIDADDR,
 * UITTADDR + enable), the MSR images, SENDUIPI, UIRET, STUI/CLUI/TESTUI, notification processing and
 * recognition/delivery at instruction boundaries.
 *
 * UPIDs and UITTs live in guest memory owned by the kernel: every access here is a supervisor access
 * (Memory.sup*), which ignores user page protection (CPL3 code cannot touch those pages) but still faults
 * (#PF -> GuestFault) on unmapped memory.
 */
import type { CpuState } from '../cpu/state';
import type { Memory } from '../memory/memory';
import { getRflags, setRflags } from '../cpu/flags';
import { UD_FAULT, GP_FAULT, CpuTrap } from '../cpu/trap';
import { UintrState } from './state';
export { UintrState };

export const MSR_UINTR_RR = 0x985, MSR_UINTR_HANDLER = 0x986, MSR_UINTR_STACKADJUST = 0x987,
  MSR_UINTR_MISC = 0x988, MSR_UINTR_PD = 0x989, MSR_UINTR_TT = 0x98a;

/** RFLAGS bits UIRET loads from the popped image (CF PF AF ZF SF TF DF OF NT RF AC ID). */
export const UIRET_RFLAGS_MASK = 0x254dd5;
const TF = 0x100, RF = 0x10000;
const TWO32 = 4294967296;

/** What the hardware needs from the machine around it (implemented by the kernel). */
export interface UintrSystem {
  /** CR4.UINTR: UINTR instructions #UD when false (a kernel without UINTR support). */
  readonly uintrEnabled: boolean;
  /** SENDUIPI's notification: an ordinary fixed IPI with vector `vector` to physical APIC ID `apic`. */
  sendIpi(from: CpuState, vector: number, apic: number, upid?: number): void;
  /** Append to the event log (the kernel adds time, core and thread). */
  event(c: CpuState, kind: import('./events').UintrEventKind, details: Record<string, unknown>): void;
}

/** Recompute the engine's fast "something to deliver?" flag after UIRR/UIF changes. */
export function updatePending(c: CpuState): void {
  const u = c.ui;
  c.uiPending = u.uif !== 0 && (u.uirrLo | u.uirrHi) !== 0 ? 1 : 0;
}

export function canonical(v: number): boolean {
  // user-space values in this emulator are < 2^53: canonical iff below 2^47 (the high canonical half is kernel space)
  return v >= 0 && v < 2 ** 47;
}
function canonicalHalves(lo: number, hi: number): boolean {
  const top = hi >> 15; // bits 63:47 must all equal bit 47
  return top === 0 || top === -1;
  void lo;
}

// ------------------------------------------------------------------ supervisor memory access

export function supRead32(m: Memory, a: number): number {
  const off = m.forceOffset(a);
  if ((a & 4095) <= 4092) return m.dv.getInt32(off, true);
  let v = 0;
  for (let i = 0; i < 4; i++) v |= m.u8[m.forceOffset(a + i)] << (8 * i);
  return v | 0;
}
export function supWrite32(m: Memory, a: number, v: number): void {
  if ((a & 4095) <= 4092) {
    const off = m.forceOffset(a);
    m.notifySupervisorWrite(a, 4);
    m.dv.setInt32(off, v, true);
    return;
  }
  for (let i = 0; i < 4; i++) m.u8[m.forceOffset(a + i)] = (v >>> (8 * i)) & 0xff;
}
/** Who is making the supervisor stores in progress (for data breakpoints): '' = the kernel. */
export const supWriter = { who: '' };

export function supRead64(m: Memory, a: number): number {
  return (supRead32(m, a + 4) >>> 0) * TWO32 + (supRead32(m, a) >>> 0);
}

// ------------------------------------------------------------------ instructions

function sys(c: CpuState): UintrSystem {
  return c.env as unknown as UintrSystem;
}

/** Common #UD checks: LOCK prefix (decided by the emitter), CR4.UINTR. */
function checkEnabled(c: CpuState, what: string): void {
  if (!sys(c).uintrEnabled) {
    sys(c).event(c, 'fault', { fault: '#UD', rip: c.rip, reason: `${what} with CR4.UINTR = 0 (kernel without UINTR)` });
    throw UD_FAULT;
  }
}

export function stui(c: CpuState, rip: number): void {
  checkEnabled(c, 'STUI');
  c.ui.uif = 1;
  updatePending(c);
  sys(c).event(c, 'stui', { rip });
  if (c.uiPending) sys(c).event(c, 'recognized', { uirr: Number(c.ui.uirr), vector: c.ui.uirrv });
}

export function clui(c: CpuState, rip: number): void {
  checkEnabled(c, 'CLUI');
  c.ui.uif = 0;
  updatePending(c);
  sys(c).event(c, 'clui', { rip });
}

/** TESTUI: CF := UIF; ZF SF OF AF PF := 0; other flags unchanged. */
export function testui(c: CpuState): void {
  checkEnabled(c, 'TESTUI');
  const f = getRflags(c);
  setRflags(c, (f & ~0x8d5) | (c.ui.uif ? 1 : 0));
}

/** Outcome codes of SENDUIPI (for the event log and tests). */
export type SendOutcome = 'notified' | 'suppressed (SN=1)' | 'merged (ON=1)';

/**
 * SENDUIPI reg (spec §1.7.4). idxLo/idxHi: the full 64-bit register value. rip: the instruction's address
 * (for the event log; faults are reported at it by the engine).
 */
export function senduipi(c: CpuState, m: Memory, idxLo: number, idxHi: number, rip: number, reg: number): void {
  const s = sys(c);
  checkEnabled(c, 'SENDUIPI');
  const u = c.ui;
  const gp = (reason: string): CpuTrap => {
    s.event(c, 'senduipi', { rip, index: idxHi === 0 ? idxLo >>> 0 : (idxHi >>> 0) * TWO32 + (idxLo >>> 0), reg, outcome: 'fault', fault: '#GP', reason });
    s.event(c, 'fault', { fault: '#GP', rip, reason: `SENDUIPI: ${reason}` });
    return GP_FAULT;
  };
  if (!u.ttValid) {
    s.event(c, 'fault', { fault: '#UD', rip, reason: 'SENDUIPI with IA32_UINTR_TT[0] = 0 (no UITT for this thread)' });
    throw UD_FAULT;
  }
  if (idxHi !== 0 || idxLo >>> 0 > u.uittsz >>> 0) throw gp(`index ${idxHi ? '≥ 2^32' : idxLo >>> 0} > UITTSZ ${u.uittsz >>> 0}`);
  const index = idxLo >>> 0;
  const entry = u.uittAddr + index * 16;
  const lo0 = supRead32(m, entry), lo1 = supRead32(m, entry + 4);
  const upLo = supRead32(m, entry + 8), upHi = supRead32(m, entry + 12);
  if ((lo0 & 1) === 0) throw gp(`UITT entry ${index} not valid`);
  if (lo0 & 0xfe || lo0 & 0xffff0000 || lo1 !== 0) throw gp(`UITT entry ${index} has reserved bits set`);
  const uv = (lo0 >>> 8) & 0xff;
  if (uv >= 64) throw gp(`UITT entry ${index}: user vector ${uv} ≥ 64`);
  if (upLo & 63) throw gp(`UITT entry ${index}: UPID address not 64-byte aligned`);
  const upid = (upHi >>> 0) * TWO32 + (upLo >>> 0);
  // locked read-modify-write of the UPID (atomic: the emulator runs one instruction stream at a time)
  const ctl = supRead32(m, upid), ndst = supRead32(m, upid + 4);
  const pirLo = supRead32(m, upid + 8), pirHi = supRead32(m, upid + 12);
  if (ctl & 0xfffc || ctl & 0xff000000) {
    s.event(c, 'senduipi', { rip, index, vector: uv, upid, reg, outcome: 'fault', fault: '#GP', reason: `UPID reserved bits set (status ${'0x' + (ctl & 0xff).toString(16)})`, blkd: (ctl & 0x80) !== 0 });
    s.event(c, 'fault', { fault: '#GP', rip, reason: 'SENDUIPI: UPID has reserved bits set' });
    throw GP_FAULT;
  }
  const nPirLo = uv < 32 ? pirLo | (1 << uv) : pirLo;
  const nPirHi = uv >= 32 ? pirHi | (1 << (uv - 32)) : pirHi;
  const on = ctl & 1, sn = ctl & 2;
  const notify = on === 0 && sn === 0;
  const nctl = notify ? ctl | 1 : ctl;
  supWriter.who = 'SENDUIPI';
  supWrite32(m, upid + 8, nPirLo);
  supWrite32(m, upid + 12, nPirHi);
  supWrite32(m, upid, nctl);
  supWriter.who = '';
  const outcome: SendOutcome = notify ? 'notified' : sn ? 'suppressed (SN=1)' : 'merged (ON=1)';
  s.event(c, 'senduipi', { rip, index, vector: uv, upid, reg, outcome });
  if (notify) {
    const nv = (ctl >>> 16) & 0xff;
    const apic = (ndst >>> 8) & 0xff; // xAPIC: NDST[15:8]
    s.sendIpi(c, nv, apic, upid);
  }
}

/**
 * Does this UIRET end the innermost delivery through the frame it pushed? A handler that forgot to pop the
 * vector (`add rsp, 8`), or one that switches to another context on purpose (a user-level scheduler), returns
 * differently; the uiret event then says how (`mismatch`, and what the delivery pushed). Legal either way:
 * this is a note for the debugger, not architecture.
 */
function frameCheck(c: CpuState, sp: number, rip: number, fl: number, rsp: number): Record<string, number | string> {
  const f = c.uiFrames.pop();
  if (!f) return {};
  const off = sp - (f.frame + 8);
  if (off === 0 && rip === f.rip && rsp === f.rsp && (fl & UIRET_RFLAGS_MASK) === (f.rflags & UIRET_RFLAGS_MASK)) return {};
  const why = off !== 0 ? `RSP is ${Math.abs(off)} bytes ${off < 0 ? 'below' : 'above'} the frame's RIP slot${off === -8 ? ' (the vector was not popped)' : ''}` : 'the frame was changed';
  return { mismatch: why, pushedRip: f.rip, pushedRsp: f.rsp, frame: f.frame };
}

/** UIRET (spec §1.7.5); returns the new RIP. Faults leave the state unchanged. */
export function uiret(c: CpuState, m: Memory): number {
  checkEnabled(c, 'UIRET');
  const R = c.r;
  const sp = (R[9] >>> 0) * TWO32 + (R[8] >>> 0);
  const ripLo = m.r64(sp), ripHi = m.t;
  const fl = m.r64(sp + 8);
  const rspLo = m.r64(sp + 16), rspHi = m.t;
  if (!canonicalHalves(ripLo, ripHi)) {
    sys(c).event(c, 'fault', { fault: '#GP', rip: c.rip, reason: 'UIRET to a non-canonical RIP' });
    throw GP_FAULT;
  }
  const rip = (ripHi >>> 0) * TWO32 + (ripLo >>> 0);
  const rsp = (rspHi >>> 0) * TWO32 + (rspLo >>> 0);
  setRflags(c, (getRflags(c) & ~UIRET_RFLAGS_MASK) | (fl & UIRET_RFLAGS_MASK));
  R[8] = rspLo;
  R[9] = rspHi;
  c.ui.uif = 1; // CPUID.(7,1):EDX[17] (UIRET_UIF) is not reported, so UIRET always sets UIF
  updatePending(c);
  sys(c).event(c, 'uiret', { rip, rsp, ...frameCheck(c, sp, rip, fl, rsp) });
  return rip;
}

/**
 * Notification processing on the core where this thread runs (spec §1.8): called when an interrupt with
 * vector == UINV is accepted. Clears ON, moves PIR into UIRR. Returns the PIR bits moved.
 */
export function processNotification(c: CpuState, m: Memory): bigint {
  const u = c.ui;
  const a = u.upidAddr;
  const ctl = supRead32(m, a);
  const who = supWriter.who;
  supWriter.who = 'notification processing';
  supWrite32(m, a, ctl & ~1); // clear ON first, so a racing SENDUIPI sends a fresh notification
  const pLo = supRead32(m, a + 8), pHi = supRead32(m, a + 12);
  supWrite32(m, a + 8, 0);
  supWrite32(m, a + 12, 0);
  supWriter.who = who;
  u.uirrLo |= pLo;
  u.uirrHi |= pHi;
  updatePending(c);
  const pir = (BigInt(pHi >>> 0) << 32n) | BigInt(pLo >>> 0);
  sys(c).event(c, 'notify-processed', { upid: a, pir: Number(pir), uirr: Number(u.uirr) });
  if (c.uiPending) sys(c).event(c, 'recognized', { uirr: Number(u.uirr), vector: u.uirrv });
  return pir;
}

/**
 * Deliver the highest pending user interrupt (spec §1.9), at an instruction boundary of user code with
 * UIF=1 and UIRR≠0 (the caller checks the blocking conditions: kernel mode, MOV SS shadow).
 * A fault while pushing the frame leaves UIRR, UIF, RSP and RIP unchanged (GuestFault propagates).
 */
export function deliver(c: CpuState, m: Memory): void {
  const u = c.ui;
  if (!canonical(u.handler)) throw GP_FAULT;
  const R = c.r;
  const saved = (R[9] >>> 0) * TWO32 + (R[8] >>> 0);
  let sp = (u.stackAdjust & 1) === 1 ? u.stackAdjust - 1 : saved - u.stackAdjust;
  sp -= ((sp % 16) + 16) % 16;
  const vec = u.uirrv;
  const fl = getRflags(c);
  const frame = sp - 32;
  // pushes: saved RSP, RFLAGS, RIP, vector (all ordinary user-mode stack writes; any fault aborts delivery)
  m.probeWrite(frame, 32);
  m.writeU64(sp - 8, saved);
  m.writeU64(sp - 16, fl);
  m.writeU64(sp - 24, c.rip);
  m.writeU64(sp - 32, vec);
  const interrupted = c.rip;
  if (vec < 32) u.uirrLo &= ~(1 << vec);
  else u.uirrHi &= ~(1 << (vec - 32));
  u.uif = 0;
  updatePending(c);
  setRflags(c, fl & ~(TF | RF));
  c.setRegNum(4, frame);
  c.rip = u.handler;
  if (c.uiFrames.length >= 64) c.uiFrames.shift(); // handlers that never UIRET (longjmp out): keep the newest
  c.uiFrames.push({ vector: vec, frame, rip: interrupted, rflags: fl, rsp: saved });
  sys(c).event(c, 'deliver', { vector: vec, handler: u.handler, frame, rip: interrupted, rsp: saved, rflags: fl });
}

/** A 64-bit MSR field kept as a (possibly negative: high canonical half) number, as an unsigned bigint. */
function u64(v: number): bigint {
  return BigInt.asUintN(64, BigInt(v));
}

/** Read an MSR image (debugger / kernel). */
export function readMsr(c: CpuState, msr: number): bigint {
  const u = c.ui;
  switch (msr) {
    case MSR_UINTR_RR: return u.uirr;
    case MSR_UINTR_HANDLER: return u64(u.handler);
    case MSR_UINTR_STACKADJUST: return u64(u.stackAdjust);
    case MSR_UINTR_MISC: return u.misc;
    case MSR_UINTR_PD: return u64(u.upidAddr);
    case MSR_UINTR_TT: return u64(u.ttMsr);
  }
  throw new Error(`not a UINTR MSR: 0x${msr.toString(16)}`);
}

/** WRMSR with the architectural checks (spec §1.3). Returns false for #GP. */
export function writeMsr(c: CpuState, msr: number, v: bigint): boolean {
  const u = c.ui;
  // canonical values are kept as signed numbers: exact (|v| ≤ 2^47) also for the high canonical half, and
  // 64-bit wrap-around arithmetic (RSP - UISTACKADJUST) comes out right; readMsr converts back
  const n = Number(BigInt.asIntN(64, v));
  const canon = (x: bigint) => {
    const s = BigInt.asIntN(64, x);
    return s >= -(1n << 47n) && s < 1n << 47n;
  };
  switch (msr) {
    case MSR_UINTR_RR:
      u.uirr = BigInt.asUintN(64, v);
      break;
    case MSR_UINTR_HANDLER:
      if (!canon(v)) return false;
      u.handler = n;
      break;
    case MSR_UINTR_STACKADJUST:
      if (!canon(v)) return false;
      u.stackAdjust = n;
      break;
    case MSR_UINTR_MISC:
      if (BigInt.asUintN(64, v) >> 40n) return false;
      u.uittsz = Number(v & 0xffffffffn);
      u.uinv = Number((v >> 32n) & 0xffn);
      break;
    case MSR_UINTR_PD:
      if (!canon(v) || (v & 63n) !== 0n) return false;
      u.upidAddr = n;
      break;
    case MSR_UINTR_TT:
      if (!canon(v) || (v & 0xen) !== 0n) return false;
      u.ttValid = Number(v & 1n);
      u.uittAddr = n - u.ttValid;
      break;
    default:
      return false;
  }
  updatePending(c);
  return true;
}

/**
 * The 48-byte XSAVE state component 14 image (spec §1.6). `save` also clears UINV in the live state, as
 * XSAVES does (a switched-out thread cannot take notifications).
 */
export function xsaveImage(c: CpuState, clearUinv = true): Uint8Array {
  const u = c.ui;
  const b = new DataView(new ArrayBuffer(48));
  b.setBigUint64(0, u64(u.handler), true);
  b.setBigUint64(8, u64(u.stackAdjust), true);
  b.setBigUint64(16, u.misc | (u.uif ? 1n << 63n : 0n), true);
  b.setBigUint64(24, u64(u.upidAddr), true);
  b.setBigUint64(32, u.uirr, true);
  b.setBigUint64(40, u64(u.ttMsr), true);
  if (clearUinv) u.uinv = 0;
  return new Uint8Array(b.buffer);
}

/** XRSTORS of component 14: #GP (false) if live UINV ≠ 0 or a field fails the WRMSR checks. */
export function xrstorImage(c: CpuState, img: Uint8Array): boolean {
  if (c.ui.uinv !== 0) return false;
  const b = new DataView(img.buffer, img.byteOffset, 48);
  const misc = b.getBigUint64(16, true);
  const tmp = new UintrState();
  const probe = { ui: tmp, uiPending: 0 } as unknown as CpuState;
  if (!writeMsr(probe, MSR_UINTR_HANDLER, b.getBigUint64(0, true))) return false;
  if (!writeMsr(probe, MSR_UINTR_STACKADJUST, b.getBigUint64(8, true))) return false;
  if (!writeMsr(probe, MSR_UINTR_MISC, misc & ~(1n << 63n))) return false;
  if (!writeMsr(probe, MSR_UINTR_PD, b.getBigUint64(24, true))) return false;
  if (!writeMsr(probe, MSR_UINTR_RR, b.getBigUint64(32, true))) return false;
  if (!writeMsr(probe, MSR_UINTR_TT, b.getBigUint64(40, true))) return false;
  tmp.uif = misc >> 63n ? 1 : 0;
  c.ui.copyFrom(tmp);
  updatePending(c);
  return true;
}
