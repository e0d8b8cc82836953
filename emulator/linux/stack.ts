/**
 * The initial process stack, laid out as Linux's create_elf_tables does: strings at the top (execfn, then
 * envp and argv strings), the 16 AT_RANDOM bytes and the platform string below them, then (16-byte aligned)
 * argc, argv[], NULL, envp[], NULL, auxv pairs, AT_NULL.
 */
import { Memory } from '../memory/memory';
import { ElfImage } from './elf';

export const AT_NULL = 0, AT_PHDR = 3, AT_PHENT = 4, AT_PHNUM = 5, AT_PAGESZ = 6, AT_BASE = 7, AT_FLAGS = 8,
  AT_ENTRY = 9, AT_UID = 11, AT_EUID = 12, AT_GID = 13, AT_EGID = 14, AT_PLATFORM = 15, AT_HWCAP = 16,
  AT_CLKTCK = 17, AT_SECURE = 23, AT_RANDOM = 25, AT_HWCAP2 = 26, AT_EXECFN = 31, AT_MINSIGSTKSZ = 51;

/** CPUID.1:EDX as the kernel reports it in AT_HWCAP (same bits the emulated CPUID leaf 1 EDX shows). */
export const HWCAP = (1 << 0) | (1 << 4) | (1 << 8) | (1 << 15) | (1 << 23) | (1 << 24) | (1 << 25) | (1 << 26);

export function buildInitialStack(mem: Memory, top: number, img: ElfImage, execfn: string, argv: string[], envp: string[], random: Uint8Array): number {
  const enc = new TextEncoder();
  let sp = top - 8; // a NULL word at the very top, as Linux leaves
  const put = (s: string): number => {
    const b = enc.encode(s + '\0');
    sp -= b.length;
    mem.write(sp, b, true);
    return sp;
  };
  const execfnAddr = put(execfn);
  const envAddrs = envp.map(put).reverse().reverse();
  const argAddrs = argv.map(put);
  sp -= sp % 16;
  sp -= 16;
  const randAddr = sp;
  mem.write(randAddr, random, true);
  const platAddr = put('x86_64');
  const auxv: [number, number][] = [
    [AT_HWCAP, HWCAP],
    [AT_PAGESZ, 4096],
    [AT_CLKTCK, 100],
    [AT_PHDR, img.phdrAddr],
    [AT_PHENT, 56],
    [AT_PHNUM, img.phnum],
    [AT_BASE, 0],
    [AT_FLAGS, 0],
    [AT_ENTRY, img.entry],
    [AT_UID, 0],
    [AT_EUID, 0],
    [AT_GID, 0],
    [AT_EGID, 0],
    [AT_SECURE, 0],
    [AT_RANDOM, randAddr],
    [AT_HWCAP2, 0],
    [AT_EXECFN, execfnAddr],
    [AT_PLATFORM, platAddr],
    [AT_MINSIGSTKSZ, 2048],
    [AT_NULL, 0],
  ];
  const words: number[] = [argv.length, ...argAddrs, 0, ...envAddrs, 0];
  for (const [k, v] of auxv) words.push(k, v);
  sp -= sp % 16;
  sp -= words.length * 8;
  sp -= sp % 16; // argc at a 16-byte aligned address
  for (let i = 0; i < words.length; i++) mem.writeU64(sp + i * 8, words[i]);
  return sp;
}
