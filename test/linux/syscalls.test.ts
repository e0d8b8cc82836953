/**
 * End-to-end tests of the emulated Linux system calls.
 *
 *   node --import tsx --test test/linux/syscalls.test.ts
 *
 * Each C program in test/linux/c/ is compiled twice (gcc -static -O2 -pthread for glibc, musl-gcc -static
 * -O2 for musl; musl variants are skipped when musl-gcc is missing) and run natively and under
 * `node dist/uintr-run.js` with an empty environment, stdin from /dev/null and as working directory a
 * small data directory (data.txt, sub/{a.txt,b.txt,c/}) that also holds the binary. stdout, stderr and the
 * exit status must be identical (lines starting with `uintr-run: ` are dropped from the emulator's
 * stderr). Native and emulated runs get separate copies of the data directory, so a native run that
 * creates files cannot be seen by an emulated one. The programs that block and wake (pipes, sockets,
 * processes, signals, poll) also run under other core counts and seeds: their output must not change.
 * emu_only.c checks emulator-specific behaviour (sandbox, determinism of /dev/urandom, sched_yield,
 * CPU count, sorted getdents, /proc/self/maps, --trace syscalls) against fixed expectations.
 *
 * The before hook runs `node scripts/build.mjs` when dist/uintr-run.js is missing or older than emulator/.
 * Environment: UINTR_SKIP_BUILD=1 never builds; UINTR_KEEP=1 keeps the temp directory.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync, execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import { runCommand, RunResult } from '../spawn-run';
import * as path from 'node:path';
import { withCleanFds, withFreshFdTable } from '../clean-fds';

const ROOT = path.resolve(__dirname, '..', '..');
const SRC = path.join(__dirname, 'c');
const CLI = path.join(ROOT, 'dist', 'uintr-run.js');
const RUN_TIMEOUT_MS = 60_000;

/** Programs compared with native runs; `configs` are extra emulator option sets (beyond the default). */
const PROGRAMS: { name: string; configs?: string[][]; status?: number }[] = [
  { name: 'files' },
  { name: 'pipes', configs: [['--cores', '1', '--seed', '7'], ['--cores', '3', '--seed', '3']] },
  { name: 'eventfd_poll', configs: [['--cores', '1', '--seed', '5']] },
  { name: 'sockets', configs: [['--cores', '1', '--seed', '11']] },
  { name: 'procs', configs: [['--cores', '1', '--seed', '2']], status: 12 },
  { name: 'signals', configs: [['--cores', '1', '--seed', '4'], ['--cores', '4', '--seed', '8']] },
  { name: 'time_sched' },
];

interface Variant {
  name: string;
  cc: string;
  flags: string[];
}
const VARIANTS: Variant[] = [
  { name: 'glibc', cc: 'gcc', flags: ['-static', '-O2', '-pthread'] },
  { name: 'musl', cc: 'musl-gcc', flags: ['-static', '-O2'] },
];

const haveCc = (cc: string) => spawnSync(cc, ['--version'], { stdio: 'ignore' }).status === 0;
/** The emulator's environment: PATH only (the guest's own environment is empty either way). */
const EMU_ENV = { PATH: process.env.PATH ?? '' };
const available = new Map(VARIANTS.map((v) => [v.name, haveCc(v.cc)]));

let tmp = '';
/** Working (and program) directory of emulated runs (guest writes stay in memory, so they can share it). */
let emuDir = '';
/** Native runs each get a fresh copy (they really create files). */
let nativeRuns = 0;

function makeDataDir(dir: string): void {
  fs.mkdirSync(path.join(dir, 'sub', 'c'), { recursive: true });
  fs.writeFileSync(path.join(dir, 'data.txt'), 'line one\nline two\nline three\n');
  fs.writeFileSync(path.join(dir, 'sub', 'a.txt'), 'alpha\n');
  fs.writeFileSync(path.join(dir, 'sub', 'b.txt'), 'bravo!\n');
}

function run(cmd: string, args: string[], cwd: string, env: NodeJS.ProcessEnv = {}): Promise<RunResult> {
  return runCommand(cmd, args, cwd, env, RUN_TIMEOUT_MS, 'latin1');
}

function runNative(bin: string, args: string[] = []): Promise<RunResult> {
  const dir = path.join(tmp, `native${nativeRuns++}`, 'data');
  makeDataDir(dir);
  fs.copyFileSync(path.join(tmp, 'bin', bin), path.join(dir, bin));
  fs.chmodSync(path.join(dir, bin), 0o755);
  return run(...withCleanFds(path.join(dir, bin), args), dir);
}
async function runEmu(bin: string, args: string[] = [], opts: string[] = []): Promise<RunResult> {
  const r = await run(process.execPath, [CLI, ...opts, path.join(emuDir, bin), ...args], emuDir, EMU_ENV);
  return { ...r, stderr: r.stderr.split('\n').filter((l) => !l.startsWith('uintr-run: ')).join('\n') };
}

function binName(prog: string, v: Variant): string {
  return `${prog}.${v.name}`;
}

async function compileAll(): Promise<void> {
  const jobs: (() => Promise<void>)[] = [];
  for (const v of VARIANTS) {
    if (!available.get(v.name)) continue;
    for (const prog of [...PROGRAMS.map((p) => p.name), 'emu_only']) {
      jobs.push(async () => {
        const out = path.join(tmp, 'bin', binName(prog, v));
        const r = await run(v.cc, [...v.flags, '-Wall', '-o', out, path.join(SRC, `${prog}.c`)], SRC, { ...process.env, LC_ALL: 'C' });
        if (r.status !== 0) throw new Error(`${v.cc} ${prog}.c failed:\n${r.stderr}`);
        fs.copyFileSync(out, path.join(emuDir, binName(prog, v)));
        fs.chmodSync(path.join(emuDir, binName(prog, v)), 0o755);
      });
    }
  }
  const width = Math.max(2, Math.min(4, os.availableParallelism?.() ?? os.cpus().length));
  let next = 0;
  await Promise.all(Array.from({ length: width }, async () => {
    while (next < jobs.length) await jobs[next++]();
  }));
}

/** Newest modification time of the emulator's sources (the bundle is rebuilt when it is older). */
function newestSource(dir: string): number {
  let t = 0;
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    t = Math.max(t, e.isDirectory() ? newestSource(p) : e.name.endsWith('.ts') ? fs.statSync(p).mtimeMs : 0);
  }
  return t;
}

before(async () => {
  // Build the CLI bundle unless it is up to date: rewriting it while other test files (run in parallel by
  // `npm test`, which has just built it) execute it would make them flaky.
  const stale = !fs.existsSync(CLI) || fs.statSync(CLI).mtimeMs < newestSource(path.join(ROOT, 'emulator'));
  if (process.env.UINTR_SKIP_BUILD !== '1' && stale) execFileSync(process.execPath, [path.join(ROOT, 'scripts', 'build.mjs')], { cwd: ROOT, stdio: 'inherit' });
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'uintr-syscalls-'));
  fs.mkdirSync(path.join(tmp, 'bin'));
  emuDir = path.join(tmp, 'emu', 'data');
  makeDataDir(emuDir);
  fs.writeFileSync(path.join(tmp, 'emu', 'outside.txt'), 'outside the sandbox\n');
  fs.writeFileSync(path.join(tmp, 'emu', 'allowed.txt'), 'allowed with --allow\n');
  fs.symlinkSync(path.join(tmp, 'emu', 'outside.txt'), path.join(emuDir, 'escape'));
  await compileAll();
});

after(() => {
  if (tmp && process.env.UINTR_KEEP !== '1') fs.rmSync(tmp, { recursive: true, force: true });
  else if (tmp) console.log(`kept ${tmp}`);
});

const CONCURRENCY = Math.max(2, Math.min(4, os.availableParallelism?.() ?? os.cpus().length));

describe('system calls: emulated output equals native output', { concurrency: CONCURRENCY }, () => {
  for (const prog of PROGRAMS) {
    for (const v of VARIANTS) {
      const configs = [[], ...(prog.configs ?? [])];
      for (const cfg of configs) {
        const label = `${prog.name} [${v.name}]${cfg.length ? ' ' + cfg.join(' ') : ''}`;
        it(label, { skip: !available.get(v.name) && `${v.cc} not available` }, async () => {
          const bin = binName(prog.name, v);
          const [nat, emu] = await Promise.all([runNative(bin), runEmu(bin, [], cfg)]);
          assert.equal(nat.status, prog.status ?? 0, `native run failed (status ${nat.status}):\n${nat.stdout}\n${nat.stderr}`);
          assert.equal(emu.stdout, nat.stdout, 'stdout differs');
          assert.equal(emu.stderr, nat.stderr, 'stderr differs');
          assert.equal(emu.status, nat.status, 'exit status differs');
        });
      }
    }
  }
});

describe('system calls: emulator-specific behaviour', { concurrency: CONCURRENCY }, () => {
  for (const v of VARIANTS) {
    const skip = !available.get(v.name) && `${v.cc} not available`;
    const bin = () => binName('emu_only', v);

    it(`sandbox: no host access outside the allowed roots, no host writes [${v.name}]`, { skip }, async () => {
      const before = fs.readFileSync(path.join(emuDir, 'data.txt'), 'utf8');
      const r = await runEmu(bin(), ['sandbox', '../allowed.txt'], ['--allow', '../allowed.txt']);
      assert.equal(r.stdout, [
        'open /etc/passwd: r=-1 EACCES',
        'open ../outside.txt: r=-1 EACCES',
        'open a symlink leading outside: r=-1 EACCES',
        'realpath of the program works: 1',
        'stat /etc/hostname: r=-1 EACCES',
        'create /tmp file: r=-1 EACCES',
        'create in cwd ok=1 write=11',
        'truncate+write existing host file: ok=1 write=1',
        'guest sees its version: [X]',
        '--allow path readable: 1',
        '',
      ].join('\n'));
      assert.equal(r.status, 0);
      assert.equal(fs.existsSync(path.join(emuDir, 'written.tmp')), false, 'guest file reached the host');
      assert.equal(fs.readFileSync(path.join(emuDir, 'data.txt'), 'utf8'), before, 'host file modified');
      assert.equal(fs.existsSync('/tmp/uintr-should-not-exist'), false);
    });

    it(`/dev/urandom and getrandom are a function of the seed [${v.name}]`, { skip }, async () => {
      const [a, b, c] = await Promise.all([
        runEmu(bin(), ['random'], ['--seed', '1']),
        runEmu(bin(), ['random'], ['--seed', '1']),
        runEmu(bin(), ['random'], ['--seed', '2']),
      ]);
      assert.match(a.stdout, /^[0-9a-f]{16} [0-9a-f]{16}\n$/);
      assert.equal(a.stdout, b.stdout);
      assert.notEqual(a.stdout, c.stdout);
    });

    it(`sched_yield gives the only core to the waiting thread [${v.name}]`, { skip }, async () => {
      const r = await runEmu(bin(), ['yield'], ['--cores', '1']);
      assert.equal(r.stdout, 'yields before the other thread ran: at most 2\n');
    });

    it(`CPU count: sched_getaffinity, sysconf, /sys/devices/system/cpu/online [${v.name}]`, { skip }, async () => {
      const r = await runEmu(bin(), ['cpus'], ['--cores', '3']);
      assert.equal(r.stdout, 'affinity=3 sysconf=3 online=0-2\n');
    });

    it(`getdents64 returns sorted names [${v.name}]`, { skip }, async () => {
      const r = await runEmu(bin(), ['readdir']);
      assert.equal(r.stdout, '. .. a.txt b.txt c \n');
    });

    it(`/proc/self/maps [${v.name}]`, { skip }, async () => {
      const r = await runEmu(bin(), ['maps']);
      assert.equal(r.stdout, 'maps: lines>2=1 exe=1 stack=1\n');
    });

    it(`select ignores descriptors beyond the fd table's size, as Linux's core_sys_select [${v.name}]`, { skip }, async () => {
      const r = await runEmu(bin(), ['fdtable']);
      const native = await run(...withFreshFdTable(path.join(emuDir, bin()), ['fdtable']), emuDir);
      assert.equal(r.stdout, native.stdout, 'differs from a native run with a fresh fd table');
      assert.equal(r.stdout, [
        'fresh table, fd 100: r=0 OK',
        'after fd 100 was used: r=-1 EBADF',
        'fd 200 beyond 128: r=0 OK',
        'forked child, fd 100: r=0 OK',
        '',
      ].join('\n'));
    });

    it(`same seed, same run: identical system-call traces of sockets and signals [${v.name}]`, { skip }, async () => {
      for (const prog of ['sockets', 'signals']) {
        const args = [CLI, '--trace', 'syscalls', '--seed', '3', path.join(emuDir, binName(prog, v))];
        const [a, b] = await Promise.all([run(process.execPath, args, emuDir, EMU_ENV), run(process.execPath, args, emuDir, EMU_ENV)]);
        assert.equal(a.status, 0);
        assert.ok(a.stderr.split('\n').length > 100, 'trace too short');
        assert.equal(a.stderr, b.stderr, `${prog}: traces differ`);
        assert.equal(a.stdout, b.stdout);
      }
    });

    it(`unknown system calls fail with ENOSYS and are listed by --trace syscalls [${v.name}]`, { skip }, async () => {
      const r = await run(process.execPath, [CLI, '--trace', 'syscalls', path.join(emuDir, bin()), 'unknown'], emuDir, EMU_ENV);
      assert.equal(r.stdout, 'syscall 1000: -1 ENOSYS\n');
      assert.match(r.stderr, /^uintr-run: \[\d+\/\d+\] syscall_1000\(0x0[^)]*\) = -38 \(unknown system call: ENOSYS\)$/m);
    });
  }
});
