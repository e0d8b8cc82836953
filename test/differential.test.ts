/**
 * Differential test suite: the real CPU is the oracle.
 *
 * Every C program in test-fixtures/c/ is compiled (by scripts/build-fixtures.mjs, run automatically
 * at the start of this file) into test-fixtures/build/<name>.<variant>, and each binary is run twice with
 * the same arguments, environment, stdin and working directory: natively, and under the emulator.
 * stdout, stderr and the exit status must be identical.
 *
 *   node --import tsx --test test/differential.test.ts
 *
 * ## Fixture metadata
 *
 * A fixture may start with a header of `//` comment lines; the header ends at the first line that does
 * not start with `//`. In it, a line `// key: value` whose key is one of those below is metadata; any
 * other `//` line is a free comment. A `// word:` line whose word is within two edits of a key (e.g.
 * `// arg:`) is rejected as a probable typo. Values use shell-like quoting ('...', "...", \x).
 *
 *   // variants: glibc            which builds to make and test. Words: `all`, a libc family (`glibc`,
 *                                 `musl`) or a variant name (`glibc-O0`, `glibc-O2`, `musl-O2`).
 *                                 Default: all three. (glibc-O0 = gcc -O0 -g -static,
 *                                 glibc-O2 = gcc -O2 -static, musl-O2 = musl-gcc -O2 -static.)
 *   // args: foo "bar baz" ''     arguments after argv[0] (argv[0] is the binary's absolute path).
 *                                 Several `args:` lines are concatenated.
 *   // env: HOME=/nonexistent LANG=C "SPACED=a b"
 *                                 the program's complete environment (native runs get exactly this,
 *                                 like `env -i`); default: empty. Several lines are merged.
 *   // stdin: some text\tmore     one line of standard input: the text after `stdin: ` (one space
 *                                 removed, the rest kept) with C escapes \n \t \r \0 \\ \xHH (ASCII),
 *                                 plus a newline; sent as UTF-8. Several lines accumulate. Default:
 *                                 empty stdin.
 *   // link: -lm -pthread         words added after the source on the compiler command line.
 *   // cflags: -frounding-math    words added before the source.
 *   // expect-exit: 134           the status a native run must have (checked, as a sanity check of the
 *                                 fixture itself; 128+N means "killed by signal N").
 *   // timeout: 120               per-run timeout in seconds, if longer than the default.
 *   // tags: x87 exec             labels, for skipping groups (UINTR_SKIP_TAGS). The tag `qemu-bug`
 *                                 marks fixtures that qemu-user 7.2 gets wrong (see the fixture); they
 *                                 are skipped automatically when the emulator is qemu.
 *
 * Every run's working directory is test-fixtures/, so fixtures can name files such as `c/file_io.c`
 * or `build/tmp-XXXXXX` with relative paths.
 *
 * ## Exit status and stderr
 *
 * A run's status is its exit code, or 128+N when it was killed by signal N (like a shell). The emulator
 * CLI exits with 128+N for a fatal guest signal and prints one extra stderr line starting with
 * `uintr-run: ` naming it; lines starting with `uintr-run: ` are removed from the emulator's stderr
 * before comparing (and shown in failure messages). When the emulator is QEMU, its
 * `qemu: uncaught target signal ...` lines are removed too.
 *
 * ## Environment variables
 *
 *   UINTR_EMU          emulator command, split like a shell would (default: `node dist/uintr-run.js`,
 *                      relative paths are relative to the repository root). Examples:
 *                        UINTR_EMU=qemu-x86_64      validate the harness and fixtures against qemu-user
 *                        UINTR_EMU=env              native vs native: a determinism check
 *                        UINTR_EMU="node dist/uintr-run.js --cores 4"
 *   UINTR_EMU_ENV      how the guest environment is passed: `flags` (as `--env K=V` options before the
 *                      program, what uintr-run takes) or `process` (as the emulator process's own
 *                      environment, for qemu-x86_64 or env). Default: `flags` when the command mentions
 *                      uintr-run, else `process`.
 *   UINTR_FIXTURES     regular expression; only tests whose name (`fixture [variant]`) matches run.
 *   UINTR_VARIANTS     comma-separated variants to run (default: all built).
 *   UINTR_SKIP_TAGS    comma-separated tags whose fixtures are skipped (e.g. `x87,exec`).
 *   UINTR_JOBS         how many comparisons run at once (default 2).
 *   UINTR_TIMEOUT      default per-run timeout in seconds (default 60).
 *   UINTR_SKIP_BUILD   set to 1 to use the binaries already in test-fixtures/build.
 *   CI=true            a variant whose compiler is missing (musl-gcc) fails instead of being skipped.
 *
 * On a mismatch, both runs' stdout and stderr are written to test-fixtures/build/results/.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcessWithoutNullStreams } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { withCleanFds } from './clean-fds';

const ROOT = path.resolve(__dirname, '..');
const FIXTURES_DIR = path.join(ROOT, 'test-fixtures');
const BUILD_DIR = path.join(FIXTURES_DIR, 'build');
const MANIFEST = path.join(BUILD_DIR, 'manifest.json');
const RESULTS_DIR = path.join(BUILD_DIR, 'results');
const MAX_OUTPUT = 64 * 1024 * 1024;

interface Fixture {
  name: string;
  source: string;
  variants: string[];
  args: string[];
  env: Record<string, string>;
  stdin: string;
  link: string[];
  cflags: string[];
  expectExit: number | null;
  timeout: number | null;
  tags: string[];
  /** variant -> binary (relative to the repository root); absent when the build failed */
  binaries: Record<string, string>;
  /** variant -> why it was deliberately not built (e.g. musl-gcc missing) */
  skipped: Record<string, string>;
}

interface RunResult {
  status: number;
  signal: string | null;
  stdout: Buffer;
  stderr: Buffer;
  timedOut: boolean;
  overflow: boolean;
  spawnError: string | null;
  ms: number;
}

/** Shell-like word splitting (quotes and backslashes, no expansions). */
function splitWords(s: string): string[] {
  const words: string[] = [];
  let cur = '';
  let inWord = false;
  for (let i = 0; i < s.length; i++) {
    const c = s[i];
    if (c === "'") {
      const j = s.indexOf("'", i + 1);
      if (j < 0) throw new Error(`unterminated ' in: ${s}`);
      cur += s.slice(i + 1, j);
      i = j;
      inWord = true;
    } else if (c === '"') {
      let j = i + 1;
      for (; j < s.length && s[j] !== '"'; j++) {
        if (s[j] === '\\' && j + 1 < s.length && '"\\$`'.includes(s[j + 1])) j++;
        cur += s[j];
      }
      if (j >= s.length) throw new Error(`unterminated " in: ${s}`);
      i = j;
      inWord = true;
    } else if (c === '\\' && i + 1 < s.length) {
      cur += s[++i];
      inWord = true;
    } else if (/\s/.test(c)) {
      if (inWord) words.push(cur);
      cur = '';
      inWord = false;
    } else {
      cur += c;
      inWord = true;
    }
  }
  if (inWord) words.push(cur);
  return words;
}

function which(cmd: string): string | null {
  for (const dir of (process.env.PATH ?? '').split(path.delimiter)) {
    if (!dir) continue;
    const p = path.join(dir, cmd);
    try {
      fs.accessSync(p, fs.constants.X_OK);
      return p;
    } catch {
      /* keep looking */
    }
  }
  return null;
}

interface Emulator {
  /** absolute path of the executable */
  file: string;
  /** arguments before the program (and before --env options) */
  args: string[];
  envMode: 'flags' | 'process';
  description: string;
  isQemu: boolean;
  stderrIgnore: RegExp[];
  /** why it cannot run, if it cannot */
  problem: string | null;
}

function resolveEmulator(): Emulator {
  const spec = process.env.UINTR_EMU?.trim();
  const words = spec ? splitWords(spec) : ['node', 'dist/uintr-run.js'];
  const description = spec ? spec : 'node dist/uintr-run.js';
  let problem: string | null = null;
  let file: string;
  const first = words[0];
  if (first === 'node') file = process.execPath;
  else if (first.includes('/')) file = path.resolve(ROOT, first);
  else file = which(first) ?? first;
  if (!fs.existsSync(file)) problem = `emulator command not found: ${first}`;
  // arguments naming existing files relative to the repository root are made absolute, because the
  // emulator runs with test-fixtures/ as its working directory
  const args = words.slice(1).map((w) => (!w.startsWith('-') && fs.existsSync(path.resolve(ROOT, w)) ? path.resolve(ROOT, w) : w));
  if (!spec && !fs.existsSync(path.join(ROOT, 'dist/uintr-run.js')))
    problem = 'dist/uintr-run.js does not exist: run `npm run build` first (or set UINTR_EMU)';
  const mode = process.env.UINTR_EMU_ENV;
  if (mode && mode !== 'flags' && mode !== 'process') throw new Error(`UINTR_EMU_ENV must be flags or process, not ${mode}`);
  const envMode = (mode as 'flags' | 'process' | undefined) ?? (description.includes('uintr-run') ? 'flags' : 'process');
  const stderrIgnore = [/^uintr-run: /];
  const isQemu = path.basename(file).startsWith('qemu');
  if (isQemu) stderrIgnore.push(/^qemu: uncaught target signal \d+/);
  return { file, args, envMode, description, isQemu, stderrIgnore, problem };
}

function signalNumber(sig: string): number {
  const n = (os.constants.signals as Record<string, number>)[sig];
  return typeof n === 'number' ? n : 0;
}

/** Runs a command with a timeout; kills its whole process group on timeout or runaway output. */
function runProcess(file: string, args: string[], env: NodeJS.ProcessEnv, stdin: string, timeoutMs: number): Promise<RunResult> {
  return new Promise((resolve) => {
    const t0 = Date.now();
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    let size = 0;
    let timedOut = false;
    let overflow = false;
    let spawnError: string | null = null;
    let child: ChildProcessWithoutNullStreams;
    try {
      child = spawn(file, args, { cwd: FIXTURES_DIR, env, stdio: ['pipe', 'pipe', 'pipe'], detached: true });
    } catch (e) {
      resolve({ status: -1, signal: null, stdout: Buffer.alloc(0), stderr: Buffer.alloc(0), timedOut, overflow, spawnError: String(e), ms: 0 });
      return;
    }
    const killGroup = () => {
      try {
        if (child.pid !== undefined) process.kill(-child.pid, 'SIGKILL');
      } catch {
        /* already gone */
      }
    };
    const timer = setTimeout(() => {
      timedOut = true;
      killGroup();
    }, timeoutMs);
    const collect = (list: Buffer[]) => (d: Buffer) => {
      size += d.length;
      if (size > MAX_OUTPUT) {
        if (!overflow) {
          overflow = true;
          killGroup();
        }
        return;
      }
      list.push(d);
    };
    child.stdout.on('data', collect(out));
    child.stderr.on('data', collect(err));
    child.stdin.on('error', () => {
      /* EPIPE: the program did not read all of its input */
    });
    child.stdin.end(stdin);
    child.on('error', (e) => {
      spawnError = String(e);
    });
    let exitStatus: number | null = null;
    let exitSignal: string | null = null;
    let grace: NodeJS.Timeout | undefined;
    child.on('exit', (code, signal) => {
      exitStatus = code !== null ? code : signal ? 128 + signalNumber(signal) : -1;
      exitSignal = signal;
      // background processes the program left behind may still hold its stdout/stderr open:
      // give them a moment to finish writing, then end the whole group
      grace = setTimeout(killGroup, 2000);
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      if (grace) clearTimeout(grace);
      killGroup();
      const status = exitStatus ?? (code !== null ? code : signal ? 128 + signalNumber(signal) : -1);
      resolve({
        status,
        signal: exitSignal ?? signal,
        stdout: Buffer.concat(out),
        stderr: Buffer.concat(err),
        timedOut,
        overflow,
        spawnError,
        ms: Date.now() - t0,
      });
    });
  });
}

function filterStderr(buf: Buffer, ignore: RegExp[]): { kept: string; removed: string[] } {
  const text = buf.toString('latin1');
  const lines = text.split('\n');
  const kept: string[] = [];
  const removed: string[] = [];
  lines.forEach((line, i) => {
    if (ignore.some((re) => re.test(line))) removed.push(line);
    else if (i < lines.length - 1 || line !== '') kept.push(line);
  });
  // rejoin, keeping whether the original ended with a newline
  let kepts = kept.join('\n');
  if (kept.length && text.endsWith('\n')) kepts += '\n';
  return { kept: kepts, removed };
}

/** A short description of where two texts first differ. */
function firstDifference(a: string, b: string): string {
  const la = a.split('\n');
  const lb = b.split('\n');
  let i = 0;
  while (i < la.length && i < lb.length && la[i] === lb[i]) i++;
  const clip = (s: string | undefined) => (s === undefined ? '<end of output>' : JSON.stringify(s.length > 300 ? s.slice(0, 300) + '…' : s));
  const lines = [`first difference at line ${i + 1} (native has ${la.length} lines, emulator ${lb.length}):`];
  for (let k = Math.max(0, i - 2); k < i; k++) lines.push(`    same:     ${clip(la[k])}`);
  for (let k = i; k < i + 3 && (k < la.length || k < lb.length); k++) {
    lines.push(`    native:   ${clip(la[k])}`);
    lines.push(`    emulator: ${clip(lb[k])}`);
  }
  return lines.join('\n');
}

function saveResults(id: string, native: RunResult, emu: RunResult, emuStderr: string): string {
  fs.mkdirSync(RESULTS_DIR, { recursive: true });
  const base = path.join(RESULTS_DIR, id);
  fs.writeFileSync(`${base}.native.stdout`, native.stdout);
  fs.writeFileSync(`${base}.native.stderr`, native.stderr);
  fs.writeFileSync(`${base}.emu.stdout`, emu.stdout);
  fs.writeFileSync(`${base}.emu.stderr`, emu.stderr);
  fs.writeFileSync(`${base}.emu.stderr-filtered`, emuStderr, 'latin1');
  return path.relative(ROOT, base) + '.{native,emu}.{stdout,stderr}';
}

function describeRun(what: string, r: RunResult, timeoutS: number): string | null {
  if (r.spawnError) return `${what} could not be started: ${r.spawnError}`;
  if (r.timedOut) return `${what} timed out after ${timeoutS} s (killed)`;
  if (r.overflow) return `${what} wrote more than ${MAX_OUTPUT} bytes of output (killed)`;
  return null;
}

// ---------------------------------------------------------------------------------------------------

function buildFixtures(): string | null {
  if (process.env.UINTR_SKIP_BUILD === '1') return fs.existsSync(MANIFEST) ? null : `UINTR_SKIP_BUILD=1 but ${MANIFEST} does not exist`;
  const r = spawnSync(process.execPath, [path.join(ROOT, 'scripts/build-fixtures.mjs')], { cwd: ROOT, encoding: 'utf8', maxBuffer: 64 << 20 });
  const output = `${r.stdout ?? ''}${r.stderr ?? ''}`.trim();
  if (r.status !== 0 || /warning|error|FAILED/.test(output)) console.log(output);
  // partial failures still leave a manifest listing the binaries that were built
  if (r.status !== 0 && !fs.existsSync(MANIFEST)) return `building the fixtures failed:\n${output}`;
  return null;
}

const buildProblem = buildFixtures();
const emulator = resolveEmulator();
const fixtures: Fixture[] = fs.existsSync(MANIFEST) ? (JSON.parse(fs.readFileSync(MANIFEST, 'utf8')).fixtures as Fixture[]) : [];
const jobs = Math.max(1, Number(process.env.UINTR_JOBS ?? 2) || 2);
const defaultTimeout = Math.max(1, Number(process.env.UINTR_TIMEOUT ?? 60) || 60);
const only = process.env.UINTR_FIXTURES ? new RegExp(process.env.UINTR_FIXTURES) : null;
const variantFilter = process.env.UINTR_VARIANTS ? process.env.UINTR_VARIANTS.split(',').map((s) => s.trim()).filter(Boolean) : null;
const skipTags = (process.env.UINTR_SKIP_TAGS ?? '').split(',').map((s) => s.trim()).filter(Boolean);
if (emulator.isQemu) skipTags.push('qemu-bug');

async function compare(f: Fixture, variant: string): Promise<void> {
  if (f.skipped?.[variant]) assert.fail(`${f.name}.${variant} was not built: ${f.skipped[variant]} (CI=true makes this an error)`);
  const rel = f.binaries[variant];
  assert.ok(rel, `${f.name}.${variant} was not built (see the build-fixtures output above)`);
  const binary = path.join(ROOT, rel);
  assert.ok(fs.existsSync(binary), `${binary} is missing`);
  const timeoutS = Math.max(defaultTimeout, f.timeout ?? 0);

  const native = await runProcess(...withCleanFds(binary, f.args), { ...f.env }, f.stdin, timeoutS * 1000);
  const nativeProblem = describeRun('the native run', native, timeoutS);
  assert.equal(nativeProblem, null, nativeProblem ?? '');
  if (f.expectExit !== null)
    assert.equal(native.status, f.expectExit, `native run exited ${native.status}, the fixture says expect-exit: ${f.expectExit}\nstderr: ${native.stderr.toString('latin1').slice(0, 2000)}`);

  let emuArgs: string[];
  let emuEnv: NodeJS.ProcessEnv;
  if (emulator.envMode === 'flags') {
    emuArgs = [...emulator.args, ...Object.entries(f.env).flatMap(([k, v]) => ['--env', `${k}=${v}`]), binary, ...f.args];
    emuEnv = { ...process.env };
    delete emuEnv.NODE_TEST_CONTEXT;
  } else {
    emuArgs = [...emulator.args, binary, ...f.args];
    emuEnv = { ...f.env };
  }
  const emu = await runProcess(emulator.file, emuArgs, emuEnv, f.stdin, timeoutS * 1000);
  const { kept: emuStderr, removed } = filterStderr(emu.stderr, emulator.stderrIgnore);
  const notes = removed.length ? `\nemulator notes (stripped from stderr):\n  ${removed.slice(0, 10).join('\n  ')}` : '';
  const emuProblem = describeRun(`the emulator run (${emulator.description})`, emu, timeoutS);
  assert.equal(emuProblem, null, (emuProblem ?? '') + notes);

  const nativeOut = native.stdout.toString('latin1');
  const emuOut = emu.stdout.toString('latin1');
  const nativeErr = native.stderr.toString('latin1');
  const id = `${f.name}.${variant}`;
  if (nativeOut !== emuOut || nativeErr !== emuStderr || native.status !== emu.status) {
    const saved = saveResults(id, native, emu, emuStderr);
    const parts: string[] = [];
    if (native.status !== emu.status) parts.push(`exit status: native ${native.status}, emulator ${emu.status}`);
    if (nativeOut !== emuOut) parts.push(`stdout differs; ${firstDifference(nativeOut, emuOut)}`);
    if (nativeErr !== emuStderr) parts.push(`stderr differs; ${firstDifference(nativeErr, emuStderr)}`);
    assert.fail(`${id}: ${parts.join('\n')}${notes}\noutputs saved as ${saved}`);
  }
}

describe(`differential: native vs ${emulator.description}`, { concurrency: jobs }, () => {
  if (buildProblem) {
    it('fixtures build', () => assert.fail(buildProblem));
    return;
  }
  if (emulator.problem) {
    it('emulator is available', () => assert.fail(emulator.problem ?? ''));
    return;
  }
  it('fixtures exist', () => assert.ok(fixtures.length > 0, `no fixtures in ${MANIFEST}`));
  for (const f of fixtures) {
    for (const variant of f.variants) {
      const name = `${f.name} [${variant}]`;
      if (only && !only.test(name)) continue;
      if (variantFilter && !variantFilter.includes(variant)) continue;
      const skippedTag = f.tags.find((t) => skipTags.includes(t));
      const timeoutS = Math.max(defaultTimeout, f.timeout ?? 0);
      it(
        name,
        {
          skip: skippedTag
            ? skippedTag === 'qemu-bug' && emulator.isQemu
              ? 'known qemu-user bug (tag qemu-bug)'
              : `tag ${skippedTag} is in UINTR_SKIP_TAGS`
            : f.skipped?.[variant] && process.env.CI !== 'true'
              ? `not built: ${f.skipped[variant]}`
              : false,
          timeout: (2 * timeoutS + 30) * 1000,
        },
        () => compare(f, variant),
      );
    }
  }
});
