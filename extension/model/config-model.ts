/**
 * Pure parts of the debug configuration provider: defaults from the settings, what F5 without a launch.json does
 * for the active file (a static ELF: debug it; a C file: build it with gcc first; a .uasm file: debug it, the
 * adapter assembles it), the gcc command line, the ELF
 * check and the PATH lookup. No vscode import.
 */
import * as path from 'node:path';

export interface Settings {
  cores: number;
  seed: number;
  abi: 'v2' | 'rfc-v1';
}

export type Config = { type?: string; request?: string; name?: string; program?: string; [k: string]: unknown };

export const GCC_FLAGS = ['-O0', '-g', '-static', '-pthread', '-muintr'];

/** The gcc arguments that build `source` into `output`. */
export function gccArgs(source: string, output: string, extra: readonly string[] = []): string[] {
  return [...GCC_FLAGS, ...extra, '-o', output, source];
}

/**
 * Flags a C source needs beyond GCC_FLAGS: a file that defines a user-interrupt handler
 * (`__attribute__((interrupt))`) gets `-mgeneral-regs-only`, without which gcc refuses the handler ("SSE
 * instructions aren't allowed in an exception service routine"); that is how the uintr samples are built.
 */
export function extraFlagsFor(sourceText: string): string[] {
  // the text between the comment markers is not C: drop comments first so a mention does not count
  const code = sourceText.replace(/\/\*[\s\S]*?\*\//g, ' ').replace(/\/\/.*$/gm, ' ');
  return /__attribute__\s*\(\(\s*(?:__)?interrupt(?:__)?\s*\)\)/.test(code) ? ['-mgeneral-regs-only'] : [];
}

/** Where the C build of `source` goes: next to it, without the extension. */
export function outputFor(source: string): string {
  const p = path.parse(source);
  return path.join(p.dir, p.name);
}

/** Fill cores/seed/uintrAbi from the settings when the configuration does not set them. */
export function applyDefaults(c: Config, s: Settings): Config {
  const out = { ...c };
  if (out.cores === undefined) out.cores = s.cores;
  if (out.seed === undefined) out.seed = s.seed;
  if (out.uintrAbi === undefined) out.uintrAbi = s.abi;
  return out;
}

/** Why a file is not a debuggable static x86-64 ELF, or null when it is. */
export function elfProblem(b: Uint8Array): string | null {
  if (b.length < 64 || b[0] !== 0x7f || b[1] !== 0x45 || b[2] !== 0x4c || b[3] !== 0x46) return 'not an ELF file';
  if (b[4] !== 2) return 'a 32-bit ELF (only x86-64 is supported)';
  if (b[5] !== 1) return 'a big-endian ELF';
  const dv = new DataView(b.buffer, b.byteOffset, b.byteLength);
  const machine = dv.getUint16(18, true);
  if (machine !== 62) return `not an x86-64 ELF (e_machine ${machine})`;
  const phoff = Number(dv.getBigUint64(32, true));
  const phentsize = dv.getUint16(54, true);
  const phnum = dv.getUint16(56, true);
  for (let i = 0; i < phnum; i++) {
    const o = phoff + i * phentsize;
    if (o + 4 > b.length) break;
    if (dv.getUint32(o, true) === 3) return 'dynamically linked (build with -static)';
  }
  return null;
}

export function isCSource(file: string): boolean {
  return /\.c$/i.test(file);
}

/** An annotated-assembly case (the adapter assembles it: no build step). */
export function isUasmSource(file: string): boolean {
  return /\.uasm$/i.test(file);
}

/** A program on PATH (like `which`), or null. */
export function findOnPath(name: string, envPath: string | undefined, exists: (p: string) => boolean): string | null {
  if (name.includes('/')) return exists(name) ? name : null;
  for (const d of (envPath ?? '').split(path.delimiter)) {
    if (!d) continue;
    const p = path.join(d, name);
    if (exists(p)) return p;
  }
  return null;
}

export type Resolution =
  | { action: 'launch'; config: Config }
  | { action: 'build'; source: string; output: string; config: Config }
  | { action: 'error'; message: string }
  | { action: 'cancel' };

/**
 * What to do with a configuration: an empty one (F5 without launch.json) takes the active file; a C file is
 * built first (the program is its output). `elf` reads the first bytes of a file (null when unreadable).
 */
export function resolveConfig(c: Config, activeFile: string | undefined, settings: Settings, elf: (p: string) => Uint8Array | null): Resolution {
  let config: Config = { ...c };
  if (!config.type && !config.request && !config.name) {
    if (!activeFile) return { action: 'error', message: 'UINTR Debug: open a static x86-64 ELF or a C file (or a .uasm case) to debug, or add a launch.json configuration of type "uintr".' };
    config = { type: 'uintr', request: 'launch', name: `Debug ${path.basename(activeFile)}`, program: activeFile };
  }
  config.type ??= 'uintr';
  config.request ??= 'launch';
  config.name ??= 'UINTR';
  const program = typeof config.program === 'string' ? config.program : undefined;
  // a .uasm case: its @cores / @seed annotations stand unless the configuration sets cores / seed (the
  // adapter applies them), so only the ABI comes from the settings; the adapter assembles the file
  if (program && isUasmSource(program)) return { action: 'launch', config: config.uintrAbi === undefined ? { ...config, uintrAbi: settings.abi } : config };
  config = applyDefaults(config, settings);
  if (!program) return { action: 'error', message: 'UINTR Debug: the launch configuration needs a "program" (a static x86-64 ELF, a C file or a .uasm file).' };
  if (isCSource(program)) {
    const output = outputFor(program);
    return { action: 'build', source: program, output, config: { ...config, program: output } };
  }
  const head = elf(program);
  if (head) {
    const why = elfProblem(head);
    if (why) return { action: 'error', message: `UINTR Debug: cannot debug ${program}: ${why}.` };
  }
  // unreadable (or relative to a cwd the adapter resolves): let the adapter report it
  return { action: 'launch', config };
}
