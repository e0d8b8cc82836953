/**
 * `.debug_info` / `.debug_abbrev` / `.debug_str` / `.debug_line_str` (DWARF 2-5) for locals at -O0 -g:
 * subprograms (low_pc/high_pc, frame base), their formal parameters and variables (nested lexical blocks),
 * with DW_OP_fbreg / DW_OP_addr locations, and types (base, pointer, array, struct/union with member offsets,
 * typedef, const/volatile/restrict, enum). Other DWARF expressions are kept for locals.ts to evaluate, and
 * location lists (.debug_loclists / .debug_loc) are read into PC ranges; DW_AT_ranges blocks are treated as
 * covering their function.
 */
import { Reader, DwarfError, strAt, forEachUnit } from './elf-sections';

export type TypeInfo =
  | { kind: 'base'; name: string; size: number; encoding: number }
  | { kind: 'pointer'; name: string; size: number; target: TypeInfo | null }
  | { kind: 'array'; name: string; elem: TypeInfo; dims: number[]; size: number }
  | { kind: 'struct'; name: string; size: number; members: Member[] }
  | { kind: 'typedef' | 'const' | 'volatile'; name: string; target: TypeInfo | null; size: number }
  | { kind: 'enum'; name: string; size: number; values: Map<number, string> }
  | { kind: 'func' | 'void' | 'unknown'; name: string; size: number };

export interface Member {
  name: string;
  offset: number;
  type: TypeInfo;
  bitSize?: number;
  bitOffset?: number;
}

/** A location-list entry: the DWARF expression valid for PCs in [lo, hi) (biased). */
export interface LocEntry {
  lo: number;
  hi: number;
  expr: Uint8Array;
}

export type Location =
  | { k: 'fbreg'; off: number }
  | { k: 'addr'; addr: number }
  /** Another DWARF expression (registers, DW_OP_stack_value...), evaluated against the frame (locals.ts). */
  | { k: 'expr'; expr: Uint8Array }
  /** A location list (DWARF 5 .debug_loclists / DWARF 4 .debug_loc). */
  | { k: 'list'; entries: LocEntry[] }
  | { k: 'unsupported'; why: string }
  | { k: 'none' };

export interface VarInfo {
  name: string;
  type: TypeInfo | null;
  loc: Location;
  param: boolean;
  /** The lexical block's PC range ([lo, hi)), null: the whole function. */
  lo: number;
  hi: number;
  line: number;
  /** A constant (DW_AT_const_value). */
  constValue?: number;
}

export interface Subprogram {
  name: string;
  low: number;
  high: number;
  frameBase: 'cfa' | { reg: number; off: number } | null;
  vars: VarInfo[];
  line: number;
}

const DW_TAG = {
  array: 0x01, enum: 0x04, formal_parameter: 0x05, lexical_block: 0x0b, member: 0x0d, pointer: 0x0f, reference: 0x10, compile_unit: 0x11,
  struct: 0x13, subroutine_type: 0x15, typedef: 0x16, union: 0x17, inlined_subroutine: 0x1d, subrange: 0x21, base: 0x24, const: 0x26,
  enumerator: 0x28, subprogram: 0x2e, variable: 0x34, volatile: 0x35, restrict: 0x37, atomic: 0x47, class: 0x02, partial_unit: 0x3c, skeleton_unit: 0x4a,
};
const AT = {
  location: 0x02, name: 0x03, byte_size: 0x0b, bit_offset: 0x0c, bit_size: 0x0d, low_pc: 0x11, high_pc: 0x12, const_value: 0x1c, upper_bound: 0x2f,
  abstract_origin: 0x31, count: 0x37, data_member_location: 0x38, decl_line: 0x3b, declaration: 0x3c, encoding: 0x3e, frame_base: 0x40,
  specification: 0x47, type: 0x49, ranges: 0x55, data_bit_offset: 0x6b, str_offsets_base: 0x72, addr_base: 0x73,
};

type Val = number | string | Uint8Array | { strx: number } | { addrx: number } | { ref: number } | { loclistx: number };

interface Die {
  off: number;
  tag: number;
  attrs: Map<number, Val>;
  children: Die[];
}

interface Abbrev {
  tag: number;
  children: boolean;
  specs: [number, number, number][]; // attr, form, implicit const
}

interface Sections {
  info: Uint8Array;
  abbrev: Uint8Array;
  str?: Uint8Array;
  lineStr?: Uint8Array;
  strOffsets?: Uint8Array;
  addr?: Uint8Array;
  loclists?: Uint8Array;
  loc?: Uint8Array;
}

function parseAbbrevs(sec: Uint8Array, off: number): Map<number, Abbrev> {
  const r = new Reader(sec, off);
  const m = new Map<number, Abbrev>();
  for (;;) {
    const code = r.uleb();
    if (code === 0) break;
    const tag = r.uleb();
    const children = r.u8() !== 0;
    const specs: [number, number, number][] = [];
    for (;;) {
      const at = r.uleb();
      const form = r.uleb();
      const ic = form === 0x21 ? r.sleb() : 0;
      if (at === 0 && form === 0) break;
      specs.push([at, form, ic]);
    }
    m.set(code, { tag, children, specs });
  }
  return m;
}

class Unit {
  dies = new Map<number, Die>();
  root: Die | null = null;
  strOffBase = 8;
  addrBase = 8;
  locBase = 12;
  /** The CU's base address (its low_pc, unbiased). */
  cuBase = 0;
  constructor(readonly s: Sections, readonly offSize: number, readonly addrSize: number, readonly version: number) {}

  str(v: Val | undefined): string {
    if (v === undefined) return '';
    if (typeof v === 'string') return v;
    if (typeof v === 'object' && 'strx' in v) {
      const so = this.s.strOffsets;
      const p = this.strOffBase + v.strx * this.offSize;
      if (!so || p + this.offSize > so.length) return '';
      const off = new Reader(so, p).uN(this.offSize);
      return strAt(this.s.str, off);
    }
    return '';
  }
  num(v: Val | undefined): number | undefined {
    if (typeof v === 'number') return v;
    if (v && typeof v === 'object' && 'addrx' in v) {
      const a = this.s.addr;
      const p = this.addrBase + v.addrx * this.addrSize;
      if (!a || p + this.addrSize > a.length) return undefined;
      return new Reader(a, p).uN(this.addrSize);
    }
    return undefined;
  }
}

function readForm(r: Reader, form: number, u: Unit, cuOff: number, ic: number): Val {
  const s = u.s;
  switch (form) {
    case 0x01: return r.uN(u.addrSize);
    case 0x03: return r.bytes(r.u16());
    case 0x04: return r.bytes(r.u32());
    case 0x05: return r.u16();
    case 0x06: return r.u32();
    case 0x07: return r.u64();
    case 0x08: return r.cstr();
    case 0x09: case 0x18: return r.bytes(r.uleb());
    case 0x0a: return r.bytes(r.u8());
    case 0x0b: return r.u8();
    case 0x0c: return r.u8();
    case 0x0d: return r.sleb();
    case 0x0e: return strAt(s.str, r.uN(u.offSize));
    case 0x0f: return r.uleb();
    case 0x10: return { ref: r.uN(u.version <= 2 ? u.addrSize : u.offSize) };
    case 0x11: return { ref: cuOff + r.u8() };
    case 0x12: return { ref: cuOff + r.u16() };
    case 0x13: return { ref: cuOff + r.u32() };
    case 0x14: return { ref: cuOff + r.u64() };
    case 0x15: return { ref: cuOff + r.uleb() };
    case 0x16: return readForm(r, r.uleb(), u, cuOff, ic);
    case 0x17: return r.uN(u.offSize);
    case 0x19: return 1;
    case 0x1a: return { strx: r.uleb() };
    case 0x1b: return { addrx: r.uleb() };
    case 0x1c: return r.u32();
    case 0x1d: r.uN(u.offSize); return '';
    case 0x1e: return r.bytes(16);
    case 0x1f: return strAt(s.lineStr, r.uN(u.offSize));
    case 0x20: return r.bytes(8);
    case 0x21: return ic;
    case 0x22: return { loclistx: r.uleb() };
    case 0x23: return r.uleb();
    case 0x24: return r.u64();
    case 0x25: return { strx: r.u8() };
    case 0x26: return { strx: r.u16() };
    case 0x27: return { strx: r.u24() };
    case 0x28: return { strx: r.u32() };
    case 0x29: return { addrx: r.u8() };
    case 0x2a: return { addrx: r.u16() };
    case 0x2b: return { addrx: r.u24() };
    case 0x2c: return { addrx: r.u32() };
  }
  throw new DwarfError(`form 0x${form.toString(16)}`);
}

export class DebugInfoReader {
  readonly subprograms: Subprogram[] = [];
  /** Global variables (DW_OP_addr), by name. */
  readonly globals = new Map<string, VarInfo>();
  private types = new Map<number, TypeInfo>();
  private allDies = new Map<number, { die: Die; unit: Unit }>();

  constructor(s: Sections, private bias = 0) {
    // (a unit shorter than its 11-byte header fails its own parse and is skipped)
    forEachUnit(s.info, (r, off, offSize) => this.parseUnit(s, r, off, offSize));
    this.subprograms.sort((a, b) => a.low - b.low);
  }

  private parseUnit(s: Sections, r: Reader, cuOff: number, offSize: number): void {
    const version = r.u16();
    if (version < 2 || version > 5) throw new DwarfError(`unit version ${version}`);
    let unitType = 1, addrSize: number, abbrevOff: number;
    if (version >= 5) {
      unitType = r.u8();
      addrSize = r.u8();
      abbrevOff = r.uN(offSize);
      if (unitType === 2 || unitType === 6) r.skip(8 + offSize); // type units: signature + type offset
      else if (unitType === 4 || unitType === 5) r.skip(8); // skeleton / split: dwo id
    } else {
      abbrevOff = r.uN(offSize);
      addrSize = r.u8();
    }
    if (unitType !== 1 && unitType !== 3) return; // only full/partial compile units
    const abbrevs = parseAbbrevs(s.abbrev, abbrevOff);
    const u = new Unit(s, offSize, addrSize, version);
    const stack: Die[] = [];
    while (!r.done) {
      const at = r.pos;
      const code = r.uleb();
      if (code === 0) {
        stack.pop();
        if (!stack.length) break;
        continue;
      }
      const ab = abbrevs.get(code);
      if (!ab) throw new DwarfError(`abbrev ${code}`);
      const die: Die = { off: at, tag: ab.tag, attrs: new Map(), children: [] };
      for (const [a, f, ic] of ab.specs) die.attrs.set(a, readForm(r, f, u, cuOff, ic));
      u.dies.set(at, die);
      this.allDies.set(at, { die, unit: u });
      if (stack.length) stack[stack.length - 1].children.push(die);
      else u.root = die;
      if (ab.children) stack.push(die);
      else if (!stack.length) break;
    }
    if (!u.root) return;
    const sob = u.root.attrs.get(AT.str_offsets_base);
    if (typeof sob === 'number') u.strOffBase = sob;
    const ab = u.root.attrs.get(AT.addr_base);
    if (typeof ab === 'number') u.addrBase = ab;
    const lb = u.root.attrs.get(0x8c); // DW_AT_loclists_base
    if (typeof lb === 'number') u.locBase = lb;
    u.cuBase = u.num(u.root.attrs.get(AT.low_pc)) ?? 0;
    this.walk(u, u.root, null);
  }

  private ref(v: Val | undefined): { die: Die; unit: Unit } | undefined {
    return v && typeof v === 'object' && 'ref' in v ? this.allDies.get(v.ref) : undefined;
  }

  /** A DIE's attribute, following abstract_origin / specification. */
  private attr(die: Die, a: number, depth = 0): Val | undefined {
    const v = die.attrs.get(a);
    if (v !== undefined || depth > 4) return v;
    const o = this.ref(die.attrs.get(AT.abstract_origin)) ?? this.ref(die.attrs.get(AT.specification));
    return o ? this.attr(o.die, a, depth + 1) : undefined;
  }

  private pcRange(u: Unit, die: Die): [number, number] | null {
    const lo = u.num(die.attrs.get(AT.low_pc));
    const hv = die.attrs.get(AT.high_pc);
    if (lo === undefined || hv === undefined) return null;
    const hi = typeof hv === 'number' && !(typeof hv === 'object') ? hv : u.num(hv);
    if (hi === undefined) return null;
    // high_pc as a data form is an offset from low_pc; as an address (form addr / addrx) absolute
    const isOffset = typeof hv === 'number' && hi < lo;
    return [lo + this.bias, (isOffset ? lo + hi : hi) + this.bias];
  }

  private walk(u: Unit, die: Die, fn: Subprogram | null, block?: [number, number]): void {
    for (const c of die.children) {
      switch (c.tag) {
        case DW_TAG.subprogram: {
          if (c.attrs.has(AT.declaration)) break;
          const rg = this.pcRange(u, c);
          if (!rg) break;
          const sp: Subprogram = { name: u.str(this.attr(c, AT.name)), low: rg[0], high: rg[1], frameBase: frameBase(c.attrs.get(AT.frame_base)), vars: [], line: Number(this.attr(c, AT.decl_line) ?? 0) };
          this.subprograms.push(sp);
          this.walk(u, c, sp);
          break;
        }
        case DW_TAG.lexical_block: {
          const rg = this.pcRange(u, c) ?? block;
          this.walk(u, c, fn, rg);
          break;
        }
        case DW_TAG.variable:
        case DW_TAG.formal_parameter: {
          const v = this.variable(u, c, c.tag === DW_TAG.formal_parameter, fn, block);
          if (!v) break;
          if (fn) fn.vars.push(v);
          else if (v.loc.k === 'addr' && !this.globals.has(v.name)) this.globals.set(v.name, v);
          break;
        }
        default:
          if (c.tag === DW_TAG.compile_unit || c.tag === DW_TAG.partial_unit) this.walk(u, c, fn, block);
      }
    }
  }

  private variable(u: Unit, d: Die, param: boolean, fn: Subprogram | null, block?: [number, number]): VarInfo | null {
    const name = u.str(this.attr(d, AT.name));
    if (!name && !param) return null;
    const lv = d.attrs.get(AT.location);
    let loc: Location = { k: 'none' };
    if (lv instanceof Uint8Array) loc = location(lv, this.bias);
    else if (typeof lv === 'number' || (lv && typeof lv === 'object' && 'loclistx' in lv)) {
      try {
        loc = this.locList(u, lv);
      } catch (e) {
        if (!(e instanceof DwarfError || e instanceof RangeError)) throw e;
        loc = { k: 'unsupported', why: 'bad location list' };
      }
    }
    if (!fn && loc.k !== 'addr') return null;
    const tv = this.attr(d, AT.type);
    const cv = d.attrs.get(AT.const_value);
    return {
      name: name || '(unnamed)',
      type: this.typeOf(tv),
      loc,
      param,
      lo: block ? block[0] : fn ? fn.low : 0,
      hi: block ? block[1] : fn ? fn.high : Infinity,
      line: Number(this.attr(d, AT.decl_line) ?? 0),
      constValue: typeof cv === 'number' ? cv : undefined,
    };
  }

  /** A location list: DWARF 5 DW_LLE_* entries in .debug_loclists (also GNU view pairs), DWARF 4 .debug_loc. */
  private locList(u: Unit, v: number | { loclistx: number }): Location {
    const entries: LocEntry[] = [];
    const b = this.bias;
    if (u.version >= 5) {
      const sec = u.s.loclists;
      if (!sec) return { k: 'unsupported', why: 'no .debug_loclists' };
      let off: number;
      if (typeof v === 'number') off = v;
      else off = u.locBase + new Reader(sec, u.locBase + v.loclistx * u.offSize).uN(u.offSize);
      const r = new Reader(sec, off);
      let base = u.cuBase;
      const ax = (i: number) => {
        const a = u.num({ addrx: i });
        if (a === undefined) throw new DwarfError('addrx');
        return a;
      };
      for (let n = 0; n < 10000; n++) {
        const kind = r.u8();
        if (kind === 0x00) break;
        let lo = 0, hi = 0;
        switch (kind) {
          case 0x01: base = ax(r.uleb()); continue;
          case 0x02: lo = ax(r.uleb()); hi = ax(r.uleb()); break;
          case 0x03: lo = ax(r.uleb()); hi = lo + r.uleb(); break;
          case 0x04: lo = base + r.uleb(); hi = base + r.uleb(); break;
          case 0x05: lo = 0; hi = Number.MAX_SAFE_INTEGER - b; break;
          case 0x06: base = r.uN(u.addrSize); continue;
          case 0x07: lo = r.uN(u.addrSize); hi = r.uN(u.addrSize); break;
          case 0x08: lo = r.uN(u.addrSize); hi = lo + r.uleb(); break;
          case 0x09: r.uleb(); r.uleb(); continue; // DW_LLE_GNU_view_pair
          default: throw new DwarfError(`DW_LLE 0x${kind.toString(16)}`);
        }
        const expr = r.bytes(r.uleb());
        if (hi > lo) entries.push({ lo: lo + b, hi: hi + b, expr });
      }
    } else {
      const sec = u.s.loc;
      if (!sec || typeof v !== 'number') return { k: 'unsupported', why: 'no .debug_loc' };
      const r = new Reader(sec, v);
      const all = u.addrSize === 8 ? Number.MAX_SAFE_INTEGER : 0xffffffff;
      let base = u.cuBase;
      for (let n = 0; n < 10000; n++) {
        const lo = r.uN(u.addrSize), hi = r.uN(u.addrSize);
        if (lo === 0 && hi === 0) break;
        if (lo >= all) {
          base = hi;
          continue;
        }
        const expr = r.bytes(r.u16());
        if (hi > lo) entries.push({ lo: base + lo + b, hi: base + hi + b, expr });
      }
    }
    return { k: 'list', entries };
  }

  /** The type a DW_AT_type value refers to (null: none, i.e. void). */
  typeOf(v: Val | undefined): TypeInfo | null {
    const e = this.ref(v);
    if (!e) return null;
    return this.typeDie(e.unit, e.die);
  }

  private typeDie(u: Unit, d: Die): TypeInfo {
    const cached = this.types.get(d.off);
    if (cached) return cached;
    const name = u.str(d.attrs.get(AT.name));
    const size = Number(d.attrs.get(AT.byte_size) ?? 0);
    const tv = d.attrs.get(AT.type);
    let t: TypeInfo;
    switch (d.tag) {
      case DW_TAG.base:
        t = { kind: 'base', name, size, encoding: Number(d.attrs.get(AT.encoding) ?? 0) };
        break;
      case DW_TAG.pointer:
      case DW_TAG.reference: {
        const p: TypeInfo = { kind: 'pointer', name: '', size: size || 8, target: null };
        this.types.set(d.off, p);
        p.target = this.typeOf(tv);
        p.name = `${p.target ? typeName(p.target) : 'void'} *`;
        return p;
      }
      case DW_TAG.struct:
      case DW_TAG.union:
      case DW_TAG.class: {
        const kw = d.tag === DW_TAG.union ? 'union' : 'struct';
        const s: TypeInfo = { kind: 'struct', name: name ? `${kw} ${name}` : `${kw} {...}`, size, members: [] };
        this.types.set(d.off, s);
        for (const c of d.children) {
          if (c.tag !== DW_TAG.member) continue;
          const ml = c.attrs.get(AT.data_member_location);
          let off = 0;
          if (typeof ml === 'number') off = ml;
          else if (ml instanceof Uint8Array && ml[0] === 0x23) off = new Reader(ml, 1).uleb(); // DW_OP_plus_uconst
          const mt = this.typeOf(c.attrs.get(AT.type)) ?? { kind: 'unknown', name: '?', size: 0 };
          const m: Member = { name: u.str(c.attrs.get(AT.name)) || '(anonymous)', offset: off, type: mt };
          const bs = c.attrs.get(AT.bit_size);
          if (typeof bs === 'number') {
            m.bitSize = bs;
            const dbo = c.attrs.get(AT.data_bit_offset);
            if (typeof dbo === 'number') {
              m.offset = 0;
              m.bitOffset = dbo;
            } else {
              // DWARF 2-3 big-endian-style bit_offset from the storage unit's MSB
              const bo = Number(c.attrs.get(AT.bit_offset) ?? 0);
              const us = Number(c.attrs.get(AT.byte_size) ?? mt.size);
              m.bitOffset = off * 8 + us * 8 - bo - bs;
              m.offset = 0;
            }
          }
          s.members.push(m);
        }
        return s;
      }
      case DW_TAG.array: {
        const elem = this.typeOf(tv) ?? { kind: 'unknown', name: '?', size: 0 };
        const dims: number[] = [];
        for (const c of d.children) {
          if (c.tag !== DW_TAG.subrange) continue;
          const cnt = c.attrs.get(AT.count);
          const ub = c.attrs.get(AT.upper_bound);
          dims.push(typeof cnt === 'number' ? cnt : typeof ub === 'number' ? ub + 1 : 0);
        }
        if (!dims.length) dims.push(0);
        const n = dims.reduce((a, b) => a * b, 1);
        t = { kind: 'array', name: `${typeName(elem)} ${dims.map((x) => `[${x}]`).join('')}`, elem, dims, size: n * elem.size };
        break;
      }
      case DW_TAG.typedef:
      case DW_TAG.const:
      case DW_TAG.volatile:
      case DW_TAG.restrict:
      case DW_TAG.atomic: {
        const kind = d.tag === DW_TAG.typedef ? 'typedef' : d.tag === DW_TAG.const ? 'const' : 'volatile';
        const q: TypeInfo = { kind, name, target: null, size: 0 };
        this.types.set(d.off, q);
        q.target = this.typeOf(tv);
        q.size = q.target ? q.target.size : 0;
        if (kind !== 'typedef') q.name = d.tag === DW_TAG.typedef ? name : `${d.tag === DW_TAG.const ? 'const' : d.tag === DW_TAG.volatile ? 'volatile' : d.tag === DW_TAG.restrict ? 'restrict' : '_Atomic'} ${q.target ? typeName(q.target) : 'void'}`;
        return q;
      }
      case DW_TAG.enum: {
        const values = new Map<number, string>();
        for (const c of d.children) if (c.tag === DW_TAG.enumerator) values.set(Number(c.attrs.get(AT.const_value) ?? 0), u.str(c.attrs.get(AT.name)));
        t = { kind: 'enum', name: name ? `enum ${name}` : 'enum {...}', size: size || 4, values };
        break;
      }
      case DW_TAG.subroutine_type:
        t = { kind: 'func', name: 'function', size: 0 };
        break;
      default:
        t = { kind: 'unknown', name: name || '?', size };
    }
    this.types.set(d.off, t);
    return t;
  }

  /** The subprogram containing pc. */
  functionAt(pc: number): Subprogram | null {
    const s = this.subprograms;
    let lo = 0, hi = s.length - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      if (s[mid].low <= pc) lo = mid + 1;
      else hi = mid - 1;
    }
    for (let i = hi; i >= 0 && i > hi - 4; i--) if (pc >= s[i].low && pc < s[i].high) return s[i];
    return null;
  }
}

function frameBase(v: Val | undefined): Subprogram['frameBase'] {
  if (!(v instanceof Uint8Array) || !v.length) return null;
  if (v[0] === 0x9c && v.length === 1) return 'cfa';
  if (v[0] >= 0x70 && v[0] <= 0x8f) return { reg: v[0] - 0x70, off: new Reader(v, 1).sleb() };
  return null;
}

function location(e: Uint8Array, bias: number): Location {
  if (!e.length) return { k: 'none' };
  const r = new Reader(e, 1);
  try {
    if (e[0] === 0x91) {
      const off = r.sleb();
      if (r.done) return { k: 'fbreg', off };
    }
    if (e[0] === 0x03 && e.length === 9) return { k: 'addr', addr: r.u64() + bias };
  } catch {
    // fall through
  }
  return { k: 'expr', expr: e };
}

/** The C spelling of a type. */
export function typeName(t: TypeInfo): string {
  return t.name || (t.kind === 'typedef' || t.kind === 'const' || t.kind === 'volatile' ? (t.target ? typeName(t.target) : 'void') : '?');
}

/** Strip typedefs and qualifiers. */
export function resolveType(t: TypeInfo | null): TypeInfo | null {
  let n = 0;
  while (t && (t.kind === 'typedef' || t.kind === 'const' || t.kind === 'volatile') && n++ < 32) t = t.target;
  return t;
}
