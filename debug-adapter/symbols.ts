/**
 * ELF symbol table (.symtab, else .dynsym) of the debugged program: address -> name+offset for stack
 * frames and disassembly, name -> addresses for function breakpoints. Static-pie programs are biased like
 * the loader does (emulator/linux/elf.ts).
 */
import * as fs from 'node:fs';
import { parseElf } from '../emulator/linux/elf';

export interface Sym {
  name: string;
  addr: number;
  size: number;
  /** STT_FUNC / STT_GNU_IFUNC (2, 10), STT_OBJECT (1), STT_NOTYPE (0: assembly labels). */
  type: number;
  /** STB_LOCAL (0), STB_GLOBAL (1), STB_WEAK (2). */
  bind: number;
}

const STT_NOTYPE = 0, STT_OBJECT = 1, STT_FUNC = 2, STT_GNU_IFUNC = 10;

export class SymbolTable {
  /** Sorted by address. */
  readonly syms: Sym[] = [];
  private byName = new Map<string, Sym[]>();

  static fromFile(file: string): SymbolTable {
    try {
      return SymbolTable.fromBytes(new Uint8Array(fs.readFileSync(file)));
    } catch {
      return new SymbolTable();
    }
  }

  static fromBytes(buf: Uint8Array): SymbolTable {
    const st = new SymbolTable();
    let bias = 0;
    try {
      bias = parseElf(buf).bias;
    } catch {
      return st;
    }
    const dv = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
    const shoff = Number(dv.getBigUint64(0x28, true));
    const shentsize = dv.getUint16(0x3a, true);
    const shnum = dv.getUint16(0x3c, true);
    if (!shoff || shentsize !== 64 || shoff + shnum * 64 > buf.length) return st;
    const sec = (i: number) => {
      const o = shoff + i * 64;
      return { type: dv.getUint32(o + 4, true), offset: Number(dv.getBigUint64(o + 24, true)), size: Number(dv.getBigUint64(o + 32, true)), link: dv.getUint32(o + 40, true), entsize: Number(dv.getBigUint64(o + 56, true)) };
    };
    let tab = -1;
    for (let i = 0; i < shnum; i++) if (sec(i).type === 2) tab = i; // SHT_SYMTAB
    if (tab < 0) for (let i = 0; i < shnum; i++) if (sec(i).type === 11) tab = i; // SHT_DYNSYM
    if (tab < 0) return st;
    const s = sec(tab);
    if (s.link >= shnum) return st;
    const str = sec(s.link);
    const dec = new TextDecoder();
    const name = (off: number) => {
      let e = str.offset + off;
      while (e < buf.length && buf[e] !== 0) e++;
      return dec.decode(buf.subarray(str.offset + off, e));
    };
    const n = s.entsize === 24 ? Math.floor(s.size / 24) : 0;
    for (let i = 1; i < n; i++) {
      const o = s.offset + i * 24;
      if (o + 24 > buf.length) break;
      const info = buf[o + 4];
      const type = info & 0xf;
      const shndx = dv.getUint16(o + 6, true);
      if (shndx === 0 || shndx >= 0xff00) continue; // undefined, absolute, common
      if (type !== STT_FUNC && type !== STT_GNU_IFUNC && type !== STT_OBJECT && type !== STT_NOTYPE) continue;
      const nm = name(dv.getUint32(o, true));
      if (!nm || nm.startsWith('.L') || nm === '$x' || nm === '$d') continue;
      const value = Number(dv.getBigUint64(o + 8, true));
      if (value === 0) continue;
      st.syms.push({ name: nm, addr: value + bias, size: Number(dv.getBigUint64(o + 16, true)), type, bind: info >> 4 });
    }
    return SymbolTable.index(st);
  }

  /** A table from a list of symbols (e.g. the labels of an assembled .uasm file). */
  static fromList(syms: Sym[]): SymbolTable {
    const st = new SymbolTable();
    st.syms.push(...syms);
    return SymbolTable.index(st);
  }

  private static index(st: SymbolTable): SymbolTable {
    // at equal addresses: functions first, then sized before unsized, then global before weak before local
    // (__libc_write rather than its aliases __write and write)
    const rank = (x: Sym) => (x.type === STT_FUNC || x.type === STT_GNU_IFUNC ? 0 : x.type === STT_OBJECT ? 1 : 2);
    const brank = (x: Sym) => (x.bind === 1 ? 0 : x.bind === 2 ? 1 : 2);
    st.syms.sort((a, b) => a.addr - b.addr || rank(a) - rank(b) || b.size - a.size || brank(a) - brank(b));
    for (const x of st.syms) {
      let l = st.byName.get(x.name);
      if (!l) st.byName.set(x.name, (l = []));
      l.push(x);
    }
    return st;
  }

  get size(): number {
    return this.syms.length;
  }

  /** The symbol containing addr (sized symbols by their size; unsized ones up to the next symbol, at most 64 KiB). */
  lookup(addr: number): { sym: Sym; offset: number } | null {
    const s = this.syms;
    let lo = 0, hi = s.length - 1, best = -1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      if (s[mid].addr <= addr) {
        best = mid;
        lo = mid + 1;
      } else hi = mid - 1;
    }
    // among the symbols at or below addr, the nearest that contains it
    for (let i = best; i >= 0 && i > best - 8; i--) {
      const x = s[i];
      if (x.size > 0 ? addr < x.addr + x.size : addr - x.addr < 0x10000 && (i === s.length - 1 || s[i + 1].addr > addr || s[i + 1].addr === x.addr)) {
        // prefer the first (function) symbol at that address
        let j = i;
        while (j > 0 && s[j - 1].addr === x.addr) j--;
        return { sym: s[j], offset: addr - x.addr };
      }
      if (x.size > 0 && s[i].addr !== s[best].addr) break;
    }
    return null;
  }

  /** "name" or "name+0x12", or null. */
  format(addr: number): string | null {
    const r = this.lookup(addr);
    if (!r) return null;
    return r.offset ? `${r.sym.name}+0x${r.offset.toString(16)}` : r.sym.name;
  }

  /** Addresses of a symbol name (static functions may have several). */
  resolve(name: string): Sym[] {
    return this.byName.get(name) ?? [];
  }

  /** Symbols starting exactly at addr. */
  at(addr: number): Sym | undefined {
    const r = this.lookup(addr);
    return r && r.offset === 0 ? r.sym : undefined;
  }
}
