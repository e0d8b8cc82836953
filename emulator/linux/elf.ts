/**
 * ELF64 parsing and loading for static x86-64 executables (ET_EXEC and static-pie ET_DYN).
 * Every malformed input becomes an ElfError with a one-line reason (the CLI prints it; nothing throws raw).
 */
import { Memory, PROT_READ, PROT_WRITE, PROT_EXEC, PAGE_SIZE } from '../memory/memory';

export class ElfError extends Error {
  constructor(msg: string, readonly exitCode = 126) {
    super(msg);
  }
}

export interface ProgramHeader {
  type: number;
  flags: number;
  offset: number;
  vaddr: number;
  filesz: number;
  memsz: number;
  align: number;
}

export interface ElfImage {
  type: number;
  entry: number;
  phoff: number;
  phentsize: number;
  phnum: number;
  phdrs: ProgramHeader[];
  /** Load bias (0 for ET_EXEC). */
  bias: number;
  /** Address of the program headers in guest memory (AT_PHDR). */
  phdrAddr: number;
  /** End of the highest loaded segment (initial program break). */
  brk: number;
  /** Lowest loaded address. */
  start: number;
}

export const PT_LOAD = 1, PT_DYNAMIC = 2, PT_INTERP = 3, PT_PHDR = 6, PT_TLS = 7, PT_GNU_STACK = 0x6474e551;
export const ET_EXEC = 2, ET_DYN = 3;
/** Where static-pie programs are loaded (inside the emulator's 4 GiB address space). */
export const PIE_BASE = 0x5555_4000;

export function parseElf(buf: Uint8Array): ElfImage {
  if (buf.length < 4 || buf[0] !== 0x7f || buf[1] !== 0x45 || buf[2] !== 0x4c || buf[3] !== 0x46)
    throw new ElfError('not an ELF file (bad magic)');
  if (buf.length < 64) throw new ElfError('truncated ELF header');
  if (buf[4] !== 2) throw new ElfError(buf[4] === 1 ? '32-bit ELF programs are not supported (x86-64 only)' : 'bad ELF class');
  if (buf[5] !== 1) throw new ElfError('big-endian ELF is not supported');
  const dv = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  const type = dv.getUint16(16, true);
  const machine = dv.getUint16(18, true);
  if (machine !== 62) throw new ElfError(`not an x86-64 program (ELF machine ${machine})`);
  if (type !== ET_EXEC && type !== ET_DYN) throw new ElfError(type === 1 ? 'relocatable object file, not an executable' : type === 4 ? 'core file, not an executable' : `unsupported ELF type ${type}`);
  const entry = Number(dv.getBigUint64(24, true));
  const phoff = Number(dv.getBigUint64(32, true));
  const phentsize = dv.getUint16(54, true);
  const phnum = dv.getUint16(56, true);
  if (phnum === 0) throw new ElfError('no program headers');
  if (phentsize !== 56) throw new ElfError(`bad program header size ${phentsize}`);
  if (phoff + phnum * phentsize > buf.length) throw new ElfError('truncated program headers');
  const phdrs: ProgramHeader[] = [];
  for (let i = 0; i < phnum; i++) {
    const o = phoff + i * phentsize;
    phdrs.push({
      type: dv.getUint32(o, true),
      flags: dv.getUint32(o + 4, true),
      offset: Number(dv.getBigUint64(o + 8, true)),
      vaddr: Number(dv.getBigUint64(o + 16, true)),
      filesz: Number(dv.getBigUint64(o + 32, true)),
      memsz: Number(dv.getBigUint64(o + 40, true)),
      align: Number(dv.getBigUint64(o + 48, true)),
    });
  }
  if (phdrs.some((p) => p.type === PT_INTERP))
    throw new ElfError('dynamically linked programs are not supported yet; link with -static', 126);
  const loads = phdrs.filter((p) => p.type === PT_LOAD);
  if (loads.length === 0) throw new ElfError('no loadable segments');
  for (const p of loads) {
    if (p.filesz > p.memsz) throw new ElfError('corrupt segment (file size larger than memory size)');
    if (p.offset + p.filesz > buf.length) throw new ElfError('truncated file (segment extends past end of file)');
  }
  const bias = type === ET_DYN ? PIE_BASE - Math.floor(Math.min(...loads.map((p) => p.vaddr)) / PAGE_SIZE) * PAGE_SIZE : 0;
  let start = Infinity, end = 0;
  for (const p of loads) {
    start = Math.min(start, p.vaddr + bias);
    end = Math.max(end, p.vaddr + bias + p.memsz);
  }
  if (end > 0xc000_0000) throw new ElfError('program is linked above the emulator\'s 3 GiB load limit');
  // AT_PHDR: from PT_PHDR, else the load segment containing the header table
  let phdrAddr = 0;
  const pph = phdrs.find((p) => p.type === PT_PHDR);
  if (pph) phdrAddr = pph.vaddr + bias;
  else {
    const seg = loads.find((p) => p.offset <= phoff && phoff < p.offset + p.filesz);
    if (seg) phdrAddr = seg.vaddr + (phoff - seg.offset) + bias;
  }
  return { type, entry: entry + bias, phoff, phentsize, phnum, phdrs, bias, phdrAddr, brk: end, start };
}

/** Map and copy the PT_LOAD segments. */
export function loadElf(mem: Memory, buf: Uint8Array, img: ElfImage): void {
  for (const p of img.phdrs) {
    if (p.type !== PT_LOAD || p.memsz === 0) continue;
    const va = p.vaddr + img.bias;
    const start = Math.floor(va / PAGE_SIZE) * PAGE_SIZE;
    const end = Math.ceil((va + p.memsz) / PAGE_SIZE) * PAGE_SIZE;
    const prot = (p.flags & 4 ? PROT_READ : 0) | (p.flags & 2 ? PROT_WRITE : 0) | (p.flags & 1 ? PROT_EXEC : 0);
    // segments may share a page (e.g. text end / data start): keep the union of permissions
    for (let a = start; a < end; a += PAGE_SIZE) {
      const pg = a / PAGE_SIZE;
      const old = mem.isMapped(pg) ? mem.prot[pg] & 7 : 0;
      if (!mem.isMapped(pg)) mem.map(a, PAGE_SIZE, prot | old);
      else mem.protect(a, PAGE_SIZE, prot | old);
    }
    mem.write(va, buf.subarray(p.offset, p.offset + p.filesz), true);
  }
}
