/**
 * Stack unwinding without debug information (CFI from .eh_frame is not read yet): a heuristic.
 *
 *  - User-interrupt frames are exact: the Machine records every delivery (frame address, interrupted RIP,
 *    RSP, RFLAGS) until its UIRET. The handler's frames end at the delivery frame; then comes a synthetic
 *    "⟨user interrupt, vector N⟩" frame and the interrupted context.
 *  - Ordinary calls: the RBP chain when it is plausible (RBP inside the stack above RSP and [RBP+8] a return
 *    address), else a scan of the stack upwards for the first word that is a return address (points just
 *    after a CALL instruction in executable memory). At -O2 (no frame pointers) the scan can report a stale
 *    return address left in a function's locals, so a caller frame may be spurious or missing.
 */
import type { Machine, Thread, ActiveDelivery } from '../emulator/machine';
import type { SymbolTable } from './symbols';
import { PROT_EXEC } from '../emulator/memory/memory';

export interface Frame {
  kind: 'code' | 'uintr';
  /** Program counter of the frame (for 'uintr': the interrupted RIP). */
  pc: number;
  /** Stack pointer in that frame (known exactly for the top frame and interrupted contexts). */
  sp: number;
  /** The delivery of a 'uintr' frame. */
  delivery?: ActiveDelivery;
  /** For frames above the top: where the return address was found (what "step out" returns to). */
  retSlot?: number;
  /** How the frame was found. */
  how: 'registers' | 'rbp' | 'scan' | 'uintr';
}

const MAX_FRAMES = 64;
const SCAN_LIMIT = 0x4000;

export function unwind(m: Machine, t: Thread, syms: SymbolTable, max = MAX_FRAMES): Frame[] {
  const c = t.cpu;
  const frames: Frame[] = [{ kind: 'code', pc: c.rip, sp: c.getRegNum(4), how: 'registers' }];
  let pc = c.rip, sp = c.getRegNum(4), bp = c.getRegNum(5);
  const active = [...m.activeDeliveries(t)];
  while (frames.length < max) {
    if (pc === 0) break;
    const name = syms.lookup(pc)?.sym.name;
    if (name === '_start' || name === 'start_thread' || name === '__clone3' || name === 'clone3' || name === '__clone') break;
    // the innermost delivery whose frame is at or above sp bounds this handler's stack
    while (active.length && active[active.length - 1].frame < sp) active.pop();
    const d = active.length ? active[active.length - 1] : null;
    const limit = d ? d.frame : sp + SCAN_LIMIT;
    let next: { pc: number; sp: number; bp: number; slot: number; how: Frame['how'] } | null = null;
    if (bp > sp && bp + 16 <= limit && isReturnAddress(m, t, read64(m, t, bp + 8))) {
      next = { pc: read64(m, t, bp + 8), sp: bp + 16, bp: read64(m, t, bp), slot: bp + 8, how: 'rbp' };
    } else {
      for (let a = sp; a + 8 <= limit; a += 8) {
        const v = read64(m, t, a);
        if (v === -1) break; // unreadable
        if (isReturnAddress(m, t, v)) {
          next = { pc: v, sp: a + 8, bp, slot: a, how: 'scan' };
          break;
        }
      }
    }
    if (next) {
      frames.push({ kind: 'code', pc: next.pc, sp: next.sp, retSlot: next.slot, how: next.how });
      pc = next.pc;
      sp = next.sp;
      bp = next.bp;
      continue;
    }
    if (d) {
      // the handler's outermost frame: the interrupt frame, then the interrupted context
      active.pop();
      frames.push({ kind: 'uintr', pc: d.rip, sp: d.rsp, delivery: d, how: 'uintr' });
      frames.push({ kind: 'code', pc: d.rip, sp: d.rsp, how: 'uintr' });
      pc = d.rip;
      sp = d.rsp;
      continue;
    }
    break;
  }
  return frames;
}

/** The 64-bit word at a (-1: unreadable; -2: too large to be an address here). */
function read64(m: Machine, t: Thread, a: number): number {
  const b = m.readMemory(t, a, 8);
  if (b.length < 8) return -1;
  const dv = new DataView(b.buffer, b.byteOffset, 8);
  const hi = dv.getUint32(4, true);
  if (hi >= 0x200000) return -2;
  return hi * 2 ** 32 + dv.getUint32(0, true);
}

/** Does v point just after a CALL instruction in executable memory? */
export function isReturnAddress(m: Machine, t: Thread, v: number): boolean {
  if (!(v > 7 && v < 2 ** 32)) return false;
  const mem = t.proc.mem;
  if (!(mem.prot[Math.floor(v / 4096)] & PROT_EXEC) || !(mem.prot[Math.floor((v - 7) / 4096)] & PROT_EXEC)) return false;
  const b = m.readMemory(t, v - 7, 7);
  if (b.length < 7) return false;
  // cheap filters on the opcode bytes, then decode to be sure
  const cands: number[] = [];
  if (b[2] === 0xe8) cands.push(5); // call rel32
  for (const k of [2, 3, 4, 6, 7]) {
    const i = 7 - k;
    if (b[i] === 0xff || (b[i] >= 0x40 && b[i] <= 0x4f && i + 1 < 7 && b[i + 1] === 0xff)) cands.push(k);
  }
  for (const k of cands) {
    const d = m.decodeAt(t, v - k);
    if (d && d.len === k && /^call\b/.test(d.text)) return true;
  }
  return false;
}
