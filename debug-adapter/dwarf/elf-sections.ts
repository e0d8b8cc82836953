/**
 * ELF section access for the DWARF reader (section headers by name) and a little-endian byte reader with
 * LEB128. Addresses are JS numbers (user-space addresses are < 2^47, exact); BigInt only for 64-bit data.
 */
export interface Section {
  name: string;
  addr: number;
  offset: number;
  size: number;
  data: Uint8Array;
}

export class ElfSections {
  readonly byName = new Map<string, Section>();
  /** Load bias (static-pie programs are loaded like the emulator's loader does). */
  bias = 0;
  constructor(readonly buf: Uint8Array) {
    if (buf.length < 64 || buf[0] !== 0x7f || buf[1] !== 0x45 || buf[4] !== 2 || buf[5] !== 1) return;
    const dv = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
    const shoff = Number(dv.getBigUint64(0x28, true));
    const shentsize = dv.getUint16(0x3a, true);
    const shnum = dv.getUint16(0x3c, true);
    const shstrndx = dv.getUint16(0x3e, true);
    if (!shoff || shentsize !== 64 || shoff + shnum * 64 > buf.length || shstrndx >= shnum) return;
    const hdr = (i: number) => {
      const o = shoff + i * 64;
      return { name: dv.getUint32(o, true), type: dv.getUint32(o + 4, true), addr: Number(dv.getBigUint64(o + 16, true)), offset: Number(dv.getBigUint64(o + 24, true)), size: Number(dv.getBigUint64(o + 32, true)) };
    };
    const strs = hdr(shstrndx);
    const dec = new TextDecoder();
    for (let i = 1; i < shnum; i++) {
      const h = hdr(i);
      let e = strs.offset + h.name;
      while (e < buf.length && buf[e] !== 0) e++;
      const name = dec.decode(buf.subarray(strs.offset + h.name, e));
      const nobits = h.type === 8;
      if (!nobits && h.offset + h.size > buf.length) continue;
      if (!this.byName.has(name)) this.byName.set(name, { name, addr: h.addr, offset: h.offset, size: h.size, data: nobits ? new Uint8Array(0) : buf.subarray(h.offset, h.offset + h.size) });
    }
  }
  get(name: string): Section | undefined {
    return this.byName.get(name);
  }
}

export class DwarfError extends Error {}

/** Little-endian reader over a byte array. `pos` is public; reads past the end throw DwarfError. */
/**
 * Walk the units of a .debug_info / .debug_line section: each unit's initial length (32-bit, or 0xffffffff and a
 * 64-bit length: the 64-bit DWARF format, offsets 8 bytes wide), then `unit` on a Reader bounded to its body.
 * A unit that throws DwarfError is skipped; a zero or overlong length ends the walk.
 */
export function forEachUnit(sec: Uint8Array, unit: (r: Reader, unitOffset: number, offSize: number) => void): void {
  let off = 0;
  while (off + 4 <= sec.length) {
    const r = new Reader(sec, off);
    let len = r.u32();
    let offSize = 4;
    if (len === 0xffffffff) {
      len = r.u64();
      offSize = 8;
    }
    const end = r.pos + len;
    if (len === 0 || end > sec.length) break;
    try {
      unit(new Reader(sec, r.pos, end), off, offSize);
    } catch (e) {
      if (!(e instanceof DwarfError)) throw e;
    }
    off = end;
  }
}

export class Reader {
  pos: number;
  private dv: DataView;
  constructor(readonly buf: Uint8Array, pos = 0, readonly end = buf.length) {
    this.pos = pos;
    this.dv = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  }
  private need(n: number): void {
    if (this.pos + n > this.end) throw new DwarfError(`read past the end (${this.pos}+${n} > ${this.end})`);
  }
  get done(): boolean {
    return this.pos >= this.end;
  }
  u8(): number {
    this.need(1);
    return this.buf[this.pos++];
  }
  i8(): number {
    const v = this.u8();
    return v > 127 ? v - 256 : v;
  }
  u16(): number {
    this.need(2);
    const v = this.dv.getUint16(this.pos, true);
    this.pos += 2;
    return v;
  }
  i16(): number {
    this.need(2);
    const v = this.dv.getInt16(this.pos, true);
    this.pos += 2;
    return v;
  }
  u24(): number {
    return this.u16() | (this.u8() << 16);
  }
  u32(): number {
    this.need(4);
    const v = this.dv.getUint32(this.pos, true);
    this.pos += 4;
    return v;
  }
  i32(): number {
    this.need(4);
    const v = this.dv.getInt32(this.pos, true);
    this.pos += 4;
    return v;
  }
  /** 64-bit as a number (exact below 2^53). */
  u64(): number {
    const lo = this.u32();
    const hi = this.u32();
    return hi * 0x1_0000_0000 + lo;
  }
  i64(): number {
    const lo = this.u32();
    const hi = this.i32();
    return hi * 0x1_0000_0000 + lo;
  }
  uN(n: number): number {
    switch (n) {
      case 1: return this.u8();
      case 2: return this.u16();
      case 4: return this.u32();
      case 8: return this.u64();
    }
    throw new DwarfError(`bad size ${n}`);
  }
  uleb(): number {
    let v = 0, mul = 1, b: number;
    do {
      b = this.u8();
      v += (b & 0x7f) * mul;
      mul *= 128;
    } while (b & 0x80);
    return v;
  }
  sleb(): number {
    let v = 0, mul = 1, b: number;
    do {
      b = this.u8();
      v += (b & 0x7f) * mul;
      mul *= 128;
    } while (b & 0x80);
    if (b & 0x40) v -= mul;
    return v;
  }
  cstr(): string {
    let e = this.pos;
    while (e < this.end && this.buf[e] !== 0) e++;
    if (e >= this.end) throw new DwarfError('unterminated string');
    const s = new TextDecoder().decode(this.buf.subarray(this.pos, e));
    this.pos = e + 1;
    return s;
  }
  bytes(n: number): Uint8Array {
    this.need(n);
    const b = this.buf.subarray(this.pos, this.pos + n);
    this.pos += n;
    return b;
  }
  skip(n: number): void {
    this.need(n);
    this.pos += n;
  }
}

/** A NUL-terminated string at an offset of a section ('' if out of range). */
export function strAt(sec: Uint8Array | undefined, off: number): string {
  if (!sec || off >= sec.length) return '';
  let e = off;
  while (e < sec.length && sec[e] !== 0) e++;
  return new TextDecoder().decode(sec.subarray(off, e));
}
