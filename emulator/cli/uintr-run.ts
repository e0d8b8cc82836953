#!/usr/bin/env node
/**
 * uintr-run: run a static x86-64 Linux program in the emulator.
 *   uintr-run [--cores N] [--seed N] [--env K=V]... [--max-insns N] [--trace syscalls,uintr] [--uintr-abi v2|rfc-v1] [--no-uintr] [--stats] [--allow PATH]... PROGRAM [ARGS...]
 * Exit status like a shell: the guest's exit code, 128+signal for a fatal signal (with one stderr line),
 * 126/127 for programs that cannot be run, 124 when --max-insns is reached (or the guest deadlocks),
 * 125 when the program needs an instruction the emulator does not support.
 */
import * as fs from 'node:fs';
import { Kernel, signalName } from '../linux/kernel';
import { ElfError } from '../linux/elf';
import { HostIO } from '../linux/files';
import { formatEvent } from '../uintr/events';
import { compileCase, installUasmStart, Compiled } from '../asm/runner';
import { AsmError } from '../asm/parse';

const USAGE = `usage: uintr-run [--cores N] [--seed N] [--env K=V]... [--max-insns N] [--trace syscalls,uintr] [--uintr-abi v2|rfc-v1] [--no-uintr] [--stats] [--allow PATH]... PROGRAM [ARGS...]`;

interface Options {
  cores: number;
  seed: number;
  env: string[];
  maxInsns: number;
  trace: boolean;
  traceUintr: boolean;
  uintrAbi: 'v2' | 'rfc-v1';
  noUintr: boolean;
  stats: boolean;
  allow: string[];
  program: string;
  args: string[];
}

function fail(msg: string, code = 2): never {
  process.stderr.write(`uintr-run: ${msg}\n`);
  process.exit(code);
}

function parseArgs(argv: string[]): Options {
  const o: Options = { cores: 2, seed: 1, env: [], maxInsns: Infinity, trace: false, traceUintr: false, uintrAbi: 'v2', noUintr: false, stats: false, allow: [], program: '', args: [] };
  let i = 0;
  const num = (name: string, v: string | undefined): number => {
    if (v === undefined || !/^\d+$/.test(v)) fail(`${name} needs a non-negative integer\n${USAGE}`);
    return Number(v);
  };
  for (; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--') { i++; break; }
    if (!a.startsWith('--')) break;
    const [k, inline] = a.includes('=') && !a.startsWith('--env=') ? [a.slice(0, a.indexOf('=')), a.slice(a.indexOf('=') + 1)] : [a, undefined];
    const val = () => inline ?? argv[++i];
    switch (k) {
      case '--cores': o.cores = num('--cores', val()); if (o.cores < 1 || o.cores > 64) fail('--cores must be between 1 and 64'); break;
      case '--seed': o.seed = num('--seed', val()); break;
      case '--max-insns': o.maxInsns = num('--max-insns', val()); break;
      case '--env': {
        const v = argv[++i];
        if (v === undefined || !v.includes('=')) fail(`--env needs K=V\n${USAGE}`);
        o.env.push(v);
        break;
      }
      case '--trace': {
        const v = val();
        for (const w of (v ?? '').split(',')) {
          if (w === 'syscalls') o.trace = true;
          else if (w === 'uintr') o.traceUintr = true;
          else fail(`--trace supports: syscalls, uintr (comma-separated)\n${USAGE}`);
        }
        break;
      }
      case '--uintr-abi': {
        const v = val();
        if (v !== 'v2' && v !== 'rfc-v1') fail(`--uintr-abi must be v2 or rfc-v1\n${USAGE}`);
        o.uintrAbi = v;
        break;
      }
      case '--no-uintr': o.noUintr = true; break;
      case '--stats': o.stats = true; break;
      case '--allow': o.allow.push(val() ?? fail(`--allow needs a path`)); break;
      case '--help': process.stdout.write(USAGE + '\n'); process.exit(0); break;
      default:
        if (a.startsWith('--env=')) { o.env.push(a.slice(6)); break; }
        fail(`unknown option ${a}\n${USAGE}`);
    }
  }
  if (i >= argv.length) fail(`missing PROGRAM\n${USAGE}`);
  o.program = argv[i];
  o.args = argv.slice(i + 1);
  return o;
}

function writeAll(fd: number, data: Uint8Array): void {
  let off = 0;
  while (off < data.length) {
    try {
      off += fs.writeSync(fd, data, off, data.length - off);
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code === 'EAGAIN') continue;
      if (code === 'EPIPE') return;
      throw e;
    }
  }
}

export function main(argv: string[]): number {
  const o = parseArgs(argv);
  const io: HostIO = {
    write: (fd, d) => writeAll(fd, d),
    readStdin(n) {
      const buf = Buffer.alloc(Math.min(n, 65536));
      for (;;) {
        try {
          const r = fs.readSync(0, buf, 0, buf.length, null);
          return new Uint8Array(buf.subarray(0, r));
        } catch (e) {
          const code = (e as NodeJS.ErrnoException).code;
          if (code === 'EAGAIN') continue;
          if (code === 'EOF') return new Uint8Array(0);
          throw e;
        }
      }
    },
    isatty: (fd) => {
      try {
        return require('node:tty').isatty(fd);
      } catch {
        return false;
      }
    },
  };
  const k = new Kernel({
    cores: o.cores,
    seed: o.seed,
    io,
    allowRead: o.allow,
    traceSyscalls: o.trace ? (line) => process.stderr.write(`uintr-run: ${line}\n`) : undefined,
    uintrAbi: o.uintrAbi,
    uintr: !o.noUintr,
  });
  if (o.traceUintr) k.uintrLog.onEvent((e) => process.stderr.write(`uintr-run: uintr: ${formatEvent(e)}\n`));
  try {
    // an annotated-assembly file runs as the program it assembles to (its @cores/@seed/@max-insns apply
    // unless given on the command line; its expectations are checked by uintr-test, not here)
    let image: Uint8Array | undefined;
    let uasm: Compiled | null = null;
    if (o.program.endsWith('.uasm')) {
      try {
        uasm = compileCase(fs.readFileSync(o.program, 'utf8'), o.program);
        image = uasm.elf;
      } catch (e) {
        if (e instanceof AsmError) {
          process.stderr.write(`${e.message}\n`);
          return 126;
        }
        if ((e as NodeJS.ErrnoException).code === 'ENOENT') throw new ElfError('No such file or directory', 127);
        throw e;
      }
    }
    k.spawn(o.program, [o.program, ...o.args], o.env, image);
    if (uasm) installUasmStart(k, uasm.prog, (msg) => process.stderr.write(`uintr-run: ${msg}\n`));
  } catch (e) {
    if (e instanceof ElfError) {
      process.stderr.write(`uintr-run: ${o.program}: ${e.message}\n`);
      return e.exitCode;
    }
    throw e;
  }
  const t0 = Date.now();
  const r = k.run(o.maxInsns);
  if (o.stats) {
    const ms = Date.now() - t0;
    process.stderr.write(`uintr-run: stats: ${k.totalInsns} instructions, virtual time ${k.now} ns, ${(k.totalInsns / 1000 / Math.max(ms, 1)).toFixed(1)} MIPS (${ms} ms)\n`);
  }
  switch (r.kind) {
    case 'exited': {
      if (r.signal) {
        const f = k.lastFatal;
        const where = f ? ` at rip 0x${f.ip.toString(16)}${f.fromFault ? `, address 0x${f.addr.toString(16)}` : ''}: ${f.insn}` : '';
        process.stderr.write(`uintr-run: ${o.program}: terminated by ${signalName(r.signal)}${r.core ? ' (core dumped)' : ''}${where}\n`);
      }
      return r.status;
    }
    case 'budget':
      process.stderr.write(`uintr-run: ${o.program}: stopped after --max-insns ${o.maxInsns} instructions\n`);
      return 124;
    case 'deadlock':
      process.stderr.write(`uintr-run: ${o.program}: ${r.message}\n`);
      return 124;
    case 'unsupported':
      process.stderr.write(`uintr-run: ${o.program}: ${r.message} (process ${r.pid}, thread ${r.tid})\n`);
      return 125;
    case 'stopped':
      return 130;
  }
}

if (require.main === module) {
  let code: number;
  try {
    code = main(process.argv.slice(2));
  } catch (e) {
    process.stderr.write(`uintr-run: internal error: ${(e as Error).stack ?? e}\n`);
    code = 70;
  }
  process.exitCode = code;
}
