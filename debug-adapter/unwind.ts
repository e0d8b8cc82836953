/**
 * Stack unwinding: `.eh_frame` CFI first (debug-adapter/dwarf/cfi.ts), a heuristic where there is none.
 *
 *  - CFI: the row for the frame's PC (a caller's return address minus 1) gives CFA = reg + offset and where
 *    the return address and the callee-saved registers were saved; registers without a rule keep their value.
 *    An undefined return-address rule (glibc's _start, thread entry) ends the stack.
 *  - User-interrupt frames are exact: the Machine records every delivery (frame address, interrupted RIP,
 *    RSP, RFLAGS) until its UIRET. The handler's frames end at the delivery frame (its outermost frame is the
 *    one whose CFA lies above the delivery frame); then comes a synthetic "⟨user interrupt, vector N⟩" frame
 *    and the interrupted context (RIP/RSP from the delivery, the other registers as the handler's CFI says
 *    it saved them).
 *  - Without CFI for a PC: the RBP chain when it is plausible (RBP inside the stack above RSP and [RBP+8] a
 *    return address), else a scan of the stack upwards for the first word that is a return address (points
 *    just after a CALL instruction in executable memory). The scan can report a stale return address, so a
 *    caller frame found that way may be spurious or missing.
 */
import type { Machine, Thread, ActiveDelivery } from '../emulator/machine';
import type { SymbolTable } from './symbols';
import type { DebugInfo } from './dwarf/index';
import { DWARF_TO_X86, RA, CfaRow } from './dwarf/cfi';
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
  how: 'registers' | 'rbp' | 'scan' | 'uintr' | 'cfi';
  /** The frame's canonical frame address (from CFI), when known: the frame base of DW_OP_call_frame_cfa. */
  cfa?: number;
  /** Register values known in this frame, DWARF numbering (0 rax, 1 rdx, 2 rcx, 3 rbx, 4 rsi, 5 rdi, 6 rbp, 7 rsp, 8-15). */
  regs?: (number | undefined)[];
}

const MAX_FRAMES = 64;
const SCAN_LIMIT = 0x4000;

/** Is the frame's PC exact (top frame, interrupted context) rather than a return address? */
export function exactPc(f: Frame): boolean {
  return f.how === 'registers' || f.how === 'uintr';
}

export function unwind(m: Machine, t: Thread, syms: SymbolTable, max = MAX_FRAMES, dbg?: DebugInfo | null): Frame[] {
  const c = t.cpu;
  const regs0: (number | undefined)[] = DWARF_TO_X86.map((x) => c.getRegNum(x));
  const frames: Frame[] = [{ kind: 'code', pc: c.rip, sp: c.getRegNum(4), how: 'registers', regs: regs0 }];
  let pc = c.rip, sp = c.getRegNum(4), bp = c.getRegNum(5);
  let regs = regs0;
  const active = [...m.activeDeliveries(t)];
  const cfi = dbg?.cfi ?? null;
  while (frames.length < max) {
    if (pc === 0) break;
    const cur = frames[frames.length - 1];
    const name = syms.lookup(pc)?.sym.name;
    // the innermost delivery whose frame is at or above sp bounds this handler's stack
    while (active.length && active[active.length - 1].frame < sp) active.pop();
    const d = active.length ? active[active.length - 1] : null;
    const row = cfi ? cfi.rowAt(exactPc(cur) ? pc : pc - 1) : null;
    const cfaReg = row?.cfa ? regs[row.cfa.reg] : undefined;
    if (row && row.cfa && cfaReg !== undefined) {
      const cfa = cfaReg + row.cfa.off;
      cur.cfa = cfa;
      const next = restore(m, t, row, regs, cfa);
      if (d && cfa > d.frame) {
        // the handler's outermost frame: the interrupt frame, then the interrupted context
        active.pop();
        next[7] = d.rsp;
        frames.push({ kind: 'uintr', pc: d.rip, sp: d.rsp, delivery: d, how: 'uintr' });
        frames.push({ kind: 'code', pc: d.rip, sp: d.rsp, how: 'uintr', regs: next });
        pc = d.rip;
        sp = d.rsp;
        bp = next[6] ?? bp;
        regs = next;
        continue;
      }
      const ra = row.rules.get(RA);
      if (!ra || ra.k === 'undefined' || name === '_start') break; // outermost frame
      let retAddr = -1, slot: number | undefined;
      if (ra.k === 'offset') {
        slot = cfa + ra.n;
        retAddr = read64(m, t, slot);
      } else if (ra.k === 'register' && ra.r < 16) retAddr = regs[ra.r] ?? -1;
      if (retAddr <= 0 || cfa <= sp - 8) break;
      frames.push({ kind: 'code', pc: retAddr, sp: cfa, retSlot: slot, how: 'cfi', regs: next });
      pc = retAddr;
      sp = cfa;
      bp = next[6] ?? -1;
      regs = next;
      continue;
    }
    if (name === '_start' || name === 'start_thread' || name === '__clone3' || name === 'clone3' || name === '__clone') break;
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
      const r: (number | undefined)[] = new Array(16).fill(undefined);
      r[7] = next.sp;
      r[6] = next.how === 'rbp' ? next.bp : regs[6];
      for (const k of [3, 12, 13, 14, 15]) r[k] = regs[k]; // callee-saved: best guess
      frames.push({ kind: 'code', pc: next.pc, sp: next.sp, retSlot: next.slot, how: next.how, regs: r });
      pc = next.pc;
      sp = next.sp;
      bp = next.bp;
      regs = r;
      continue;
    }
    if (d) {
      active.pop();
      frames.push({ kind: 'uintr', pc: d.rip, sp: d.rsp, delivery: d, how: 'uintr' });
      const r: (number | undefined)[] = new Array(16).fill(undefined);
      r[7] = d.rsp;
      frames.push({ kind: 'code', pc: d.rip, sp: d.rsp, how: 'uintr', regs: r });
      pc = d.rip;
      sp = d.rsp;
      regs = r;
      continue;
    }
    break;
  }
  return frames;
}

/** The caller's registers from a CFI row: saved ones from the stack, rsp = CFA, the others unchanged. */
function restore(m: Machine, t: Thread, row: CfaRow, regs: (number | undefined)[], cfa: number): (number | undefined)[] {
  const out = regs.slice(0, 16);
  for (const [r, rule] of row.rules) {
    if (r >= 16) continue;
    switch (rule.k) {
      case 'offset': {
        const v = read64(m, t, cfa + rule.n);
        out[r] = v >= 0 ? v : undefined;
        break;
      }
      case 'val_offset': out[r] = cfa + rule.n; break;
      case 'same': break;
      case 'register': out[r] = regs[rule.r]; break;
      default: out[r] = undefined;
    }
  }
  out[7] = cfa;
  return out;
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
  const pv = Math.floor((v - 1) / 4096);
  if (!(mem.prot[Math.floor(v / 4096)] & PROT_EXEC) || !(mem.prot[pv] & PROT_EXEC)) return false;
  // the 7 bytes before v, or fewer when v is near the start of the executable mapping (a .uasm file's first
  // instruction is a call at the first byte of .text)
  const lo = mem.prot[Math.floor((v - 7) / 4096)] & PROT_EXEC ? v - 7 : pv * 4096;
  const got = m.readMemory(t, lo, v - lo);
  if (got.length < v - lo) return false;
  const b = new Uint8Array(7);
  b.set(got, 7 - got.length);
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
