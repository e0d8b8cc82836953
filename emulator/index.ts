/** Public surface of the emulator library (no vscode, no DAP). */
export { Kernel, signalName } from './linux/kernel';
export type { KernelOptions, RunOutcome, FatalSignal } from './linux/kernel';
export type { HostIO } from './linux/files';
export { ElfError } from './linux/elf';
export { CpuState } from './cpu/state';
export { Memory } from './memory/memory';
export { disassemble } from './cpu/decode';
