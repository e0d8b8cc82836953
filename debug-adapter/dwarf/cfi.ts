/**
 * `.eh_frame` call-frame information: CIEs and FDEs (augmentations z, R, P, L, S), the DW_CFA_* programs gcc
 * emits, evaluated to the row for a PC: CFA = register + offset and the register rules (offset(N), val_offset,
 * same value, undefined, register). CFA and register expressions are not evaluated: such rows report
 * `cfa: null` / an 'expr' rule, and the unwinder falls back to its heuristic.
 *
 * Registers use DWARF x86-64 numbers: 0 rax, 1 rdx, 2 rcx, 3 rbx, 4 rsi, 5 rdi, 6 rbp, 7 rsp, 8-15 r8-r15,
 * 16 the return address.
 */
import { Reader, DwarfError } from './elf-sections';

export type Rule =
  | { k: 'undefined' }
  | { k: 'same' }
  | { k: 'offset'; n: number }
  | { k: 'val_offset'; n: number }
  | { k: 'register'; r: number }
  | { k: 'expr' }
  | { k: 'val_expr' };

export interface CfaRow {
  /** The address the row starts at. */
  loc: number;
  /** CFA = reg + off (null: a DWARF expression, not supported). */
  cfa: { reg: number; off: number } | null;
  /** Rules of the registers that have one (missing: undefined / unchanged by convention). */
  rules: Map<number, Rule>;
}

interface Cie {
  offset: number;
  codeAlign: number;
  dataAlign: number;
  raReg: number;
  fdeEnc: number;
  lsdaEnc: number;
  signal: boolean;
  augZ: boolean;
  initial: Uint8Array;
}

export interface Fde {
  offset: number;
  cie: Cie;
  start: number;
  end: number;
  program: Uint8Array;
}

export const DWARF_REG_NAMES = ['rax', 'rdx', 'rcx', 'rbx', 'rsi', 'rdi', 'rbp', 'rsp', 'r8', 'r9', 'r10', 'r11', 'r12', 'r13', 'r14', 'r15', 'ra'];
/** DWARF register number -> x86 encoding (CpuState.getRegNum). */
export const DWARF_TO_X86 = [0, 2, 1, 3, 6, 7, 5, 4, 8, 9, 10, 11, 12, 13, 14, 15];
export const RA = 16;

/** Read a DW_EH_PE-encoded pointer at r.pos; secAddr is the section's address (for pcrel). */
function readEncoded(r: Reader, enc: number, secAddr: number): number {
  if (enc === 0xff) return 0;
  const at = secAddr + r.pos;
  let v: number;
  switch (enc & 0x0f) {
    case 0x00: v = r.u64(); break;
    case 0x01: v = r.uleb(); break;
    case 0x02: v = r.u16(); break;
    case 0x03: v = r.u32(); break;
    case 0x04: v = r.u64(); break;
    case 0x09: v = r.sleb(); break;
    case 0x0a: v = r.i16(); break;
    case 0x0b: v = r.i32(); break;
    case 0x0c: v = r.i64(); break;
    default: throw new DwarfError(`pointer encoding 0x${enc.toString(16)}`);
  }
  switch (enc & 0x70) {
    case 0x00: break;
    case 0x10: v += at; break;
    default: throw new DwarfError(`pointer application 0x${enc.toString(16)}`);
  }
  return v;
}

export class CallFrameInfo {
  /** FDEs sorted by start address. */
  readonly fdes: Fde[] = [];

  /** Parse `.eh_frame` (its bytes and load address; `bias` is added to every PC range). */
  constructor(sec: Uint8Array, secAddr: number, bias = 0) {
    const cies = new Map<number, Cie>();
    let off = 0;
    while (off + 4 <= sec.length) {
      const r = new Reader(sec, off);
      let len = r.u32();
      if (len === 0) break; // terminator
      if (len === 0xffffffff) len = r.u64();
      const end = r.pos + len;
      if (end > sec.length) break;
      const idPos = r.pos;
      const id = r.u32();
      try {
        if (id === 0) cies.set(off, this.parseCie(new Reader(sec, r.pos, end), off, secAddr));
        else {
          const cieOff = idPos - id;
          let cie = cies.get(cieOff);
          if (!cie) {
            // a CIE after its FDE (allowed): parse it now
            const cr = new Reader(sec, cieOff);
            const cl = cr.u32();
            cr.u32();
            cie = this.parseCie(new Reader(sec, cr.pos, cieOff + 4 + cl), cieOff, secAddr);
            cies.set(cieOff, cie);
          }
          const fr = new Reader(sec, r.pos, end);
          const start = readEncoded(fr, cie.fdeEnc, secAddr);
          const range = readEncoded(fr, cie.fdeEnc & 0x0f, secAddr);
          if (cie.augZ) {
            const n = fr.uleb();
            fr.skip(n);
          }
          if (range > 0) this.fdes.push({ offset: off, cie, start: start + bias, end: start + range + bias, program: sec.subarray(fr.pos, end) });
        }
      } catch (e) {
        if (!(e instanceof DwarfError)) throw e;
      }
      off = end;
    }
    this.fdes.sort((a, b) => a.start - b.start);
  }

  private parseCie(r: Reader, offset: number, secAddr: number): Cie {
    const version = r.u8();
    const aug = r.cstr();
    if (version === 4) {
      r.u8(); // address size
      r.u8(); // segment size
    }
    const codeAlign = r.uleb();
    const dataAlign = r.sleb();
    const raReg = version === 1 ? r.u8() : r.uleb();
    let fdeEnc = 0, lsdaEnc = 0xff, signal = false;
    const augZ = aug.startsWith('z');
    if (augZ) {
      const n = r.uleb();
      const after = r.pos + n;
      for (const ch of aug.slice(1)) {
        if (ch === 'R') fdeEnc = r.u8();
        else if (ch === 'L') lsdaEnc = r.u8();
        else if (ch === 'P') {
          const e = r.u8();
          readEncoded(r, e & 0x7f, secAddr); // personality (indirect bit: the pointer's address)
        } else if (ch === 'S') signal = true;
        else break;
      }
      r.pos = after;
    } else if (aug !== '') throw new DwarfError(`augmentation '${aug}'`);
    return { offset, codeAlign, dataAlign, raReg, fdeEnc, lsdaEnc, signal, augZ, initial: r.buf.subarray(r.pos, r.end) };
  }

  /** The FDE whose range contains pc. */
  find(pc: number): Fde | null {
    const f = this.fdes;
    let lo = 0, hi = f.length - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      if (f[mid].start <= pc) lo = mid + 1;
      else hi = mid - 1;
    }
    return hi >= 0 && pc < f[hi].end ? f[hi] : null;
  }

  /** The CFA row in effect at pc (null: no FDE covers pc, or its program cannot be read). */
  rowAt(pc: number): CfaRow | null {
    const fde = this.find(pc);
    if (!fde) return null;
    try {
      const rows = rowsOf(fde, pc);
      return rows[rows.length - 1];
    } catch (e) {
      if (e instanceof DwarfError) return null;
      throw e;
    }
  }
}

/** Run an FDE's program (after its CIE's initial instructions); the rows up to `until` (all if omitted). */
export function rowsOf(fde: Fde, until = Infinity): CfaRow[] {
  const cie = fde.cie;
  let cur: CfaRow = { loc: fde.start, cfa: null, rules: new Map() };
  const rows: CfaRow[] = [];
  const stack: CfaRow[] = [];
  const clone = (x: CfaRow): CfaRow => ({ loc: x.loc, cfa: x.cfa ? { ...x.cfa } : null, rules: new Map(x.rules) });
  let initial: Map<number, Rule> = new Map();
  const run = (prog: Uint8Array, isCie: boolean): boolean => {
    const r = new Reader(prog);
    while (!r.done) {
      const b = r.u8();
      const hi = b & 0xc0, lo = b & 0x3f;
      let adv = -1;
      if (hi === 0x40) adv = lo * cie.codeAlign;
      else if (hi === 0x80) cur.rules.set(lo, { k: 'offset', n: r.uleb() * cie.dataAlign });
      else if (hi === 0xc0) {
        const init = initial.get(lo);
        if (init) cur.rules.set(lo, init);
        else cur.rules.delete(lo);
      } else {
        switch (b) {
          case 0x00: break; // nop
          case 0x01: { // set_loc
            const r2 = new Reader(prog, r.pos);
            const to = readEncoded(r2, cie.fdeEnc & 0x0f, 0);
            r.pos = r2.pos;
            adv = Math.max(0, to - cur.loc);
            break;
          }
          case 0x02: adv = r.u8() * cie.codeAlign; break;
          case 0x03: adv = r.u16() * cie.codeAlign; break;
          case 0x04: adv = r.u32() * cie.codeAlign; break;
          case 0x05: { const reg = r.uleb(); cur.rules.set(reg, { k: 'offset', n: r.uleb() * cie.dataAlign }); break; }
          case 0x06: { const reg = r.uleb(); const init = initial.get(reg); if (init) cur.rules.set(reg, init); else cur.rules.delete(reg); break; }
          case 0x07: cur.rules.set(r.uleb(), { k: 'undefined' }); break;
          case 0x08: cur.rules.set(r.uleb(), { k: 'same' }); break;
          case 0x09: { const reg = r.uleb(); cur.rules.set(reg, { k: 'register', r: r.uleb() }); break; }
          case 0x0a: stack.push(clone(cur)); break; // remember_state
          case 0x0b: { // restore_state (keeps the location)
            const s = stack.pop();
            if (s) cur = { loc: cur.loc, cfa: s.cfa, rules: s.rules };
            break;
          }
          case 0x0c: { const reg = r.uleb(); cur.cfa = { reg, off: r.uleb() }; break; }
          case 0x0d: { const reg = r.uleb(); cur.cfa = { reg, off: cur.cfa ? cur.cfa.off : 0 }; break; }
          case 0x0e: { const off = r.uleb(); cur.cfa = cur.cfa ? { reg: cur.cfa.reg, off } : null; break; }
          case 0x0f: r.skip(r.uleb()); cur.cfa = null; break; // def_cfa_expression
          case 0x10: { const reg = r.uleb(); r.skip(r.uleb()); cur.rules.set(reg, { k: 'expr' }); break; }
          case 0x11: { const reg = r.uleb(); cur.rules.set(reg, { k: 'offset', n: r.sleb() * cie.dataAlign }); break; }
          case 0x12: { const reg = r.uleb(); cur.cfa = { reg, off: r.sleb() * cie.dataAlign }; break; }
          case 0x13: { const off = r.sleb() * cie.dataAlign; cur.cfa = cur.cfa ? { reg: cur.cfa.reg, off } : null; break; }
          case 0x14: { const reg = r.uleb(); cur.rules.set(reg, { k: 'val_offset', n: r.uleb() * cie.dataAlign }); break; }
          case 0x15: { const reg = r.uleb(); cur.rules.set(reg, { k: 'val_offset', n: r.sleb() * cie.dataAlign }); break; }
          case 0x16: { const reg = r.uleb(); r.skip(r.uleb()); cur.rules.set(reg, { k: 'val_expr' }); break; }
          case 0x2e: r.uleb(); break; // GNU_args_size
          case 0x2f: { const reg = r.uleb(); cur.rules.set(reg, { k: 'offset', n: -r.uleb() * cie.dataAlign }); break; }
          default:
            throw new DwarfError(`DW_CFA 0x${b.toString(16)}`);
        }
      }
      if (adv >= 0 && !isCie) {
        const next = cur.loc + adv;
        if (next > until) return false;
        if (next !== cur.loc) {
          rows.push(clone(cur));
          cur.loc = next;
        }
      }
    }
    return true;
  };
  run(cie.initial, true);
  initial = new Map(cur.rules);
  run(fde.program, false);
  rows.push(clone(cur));
  return rows;
}
