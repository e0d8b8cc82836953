/**
 * Test helper: assemble a snippet with GNU as (AT&T or Intel syntax), load it into a bare address space and
 * run it on the emulator's CPU, without any kernel. The snippet must end with `hlt` (raises #GP, stopping the
 * run there) — or pass maxInsns.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Memory, PROT_READ, PROT_WRITE, PROT_EXEC } from '../../emulator/memory/memory';
import { CpuState, Exit } from '../../emulator/cpu/state';
import { Engine } from '../../emulator/cpu/engine';

export const CODE = 0x400000;
export const DATA = 0x600000;
export const STACK_TOP = 0x800000;

export function assemble(src: string, intel = true): Uint8Array {
  const dir = mkdtempSync(join(tmpdir(), 'uintr-asm-'));
  try {
    const s = join(dir, 'a.s'), o = join(dir, 'a.o'), b = join(dir, 'a.bin');
    writeFileSync(s, (intel ? '.intel_syntax noprefix\n' : '') + src + '\n');
    execFileSync('as', ['--64', '-o', o, s]);
    execFileSync('objcopy', ['-O', 'binary', '-j', '.text', o, b]);
    return new Uint8Array(readFileSync(b));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export interface RawRun {
  cpu: CpuState;
  mem: Memory;
  engine: Engine;
}

/** Load code at CODE, a 64 KiB RW data area at DATA, a stack below STACK_TOP; run until hlt/fault. */
export function runRaw(code: Uint8Array, setup?: (r: RawRun) => void, maxInsns = 1_000_000): RawRun {
  const mem = new Memory();
  mem.map(CODE, Math.max(code.length, 1) + 4096, PROT_READ | PROT_EXEC);
  mem.write(CODE, code, true);
  mem.map(DATA, 0x10000, PROT_READ | PROT_WRITE);
  mem.map(STACK_TOP - 0x10000, 0x10000, PROT_READ | PROT_WRITE);
  const cpu = new CpuState();
  cpu.rip = CODE;
  cpu.setRegNum(4, STACK_TOP - 64);
  const engine = new Engine(mem);
  const r = { cpu, mem, engine };
  setup?.(r);
  let left = maxInsns;
  while (left > 0) {
    const n = engine.run(cpu, left);
    left -= n;
    if (cpu.exit !== Exit.None) break;
  }
  return r;
}
