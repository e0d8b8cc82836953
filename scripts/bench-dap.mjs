// Debug adapter benchmark (part of `npm run bench`; alone: `node scripts/bench-dap.mjs [--steps N] [--runs N]`).
// Drives the bundled stdio adapter (dist/uintr-debug-adapter.js) with raw DAP messages, as VS Code would:
//   1. launch → stopOnEntry: a static glibc program (launch request sent → `stopped` event received), and
//      from spawning the adapter process;
//   2. single-step round trip: `stepIn` (granularity instruction) → `stopped`, N times in a loop (p50/p95),
//      and the same with the requests VS Code sends after each stop (stackTrace, scopes, Registers);
//   3. `continue` to the exit of a compute-bound program (bench/int_loop.c) with no breakpoints and with
//      1,000 instruction breakpoints set on code the program never runs (overhead ratio).
//   4. reverse execution: `stepBack` (instruction) round trips in the uipi sample's handler, a `reverseContinue`
//      there, and one `stepBack` after a pause deep into int_loop (the cost of a replay from the start).
// Prints a Markdown table. Targets (issue 4): step p50 ≤ 2 ms, 1,000 breakpoints ≤ 10% overhead, launch ≤ 300 ms.
import { spawn, execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const adapterJs = path.join(root, 'dist/uintr-debug-adapter.js');
const argv = process.argv.slice(2);
const opt = (name, def) => {
  const i = argv.indexOf(name);
  return i >= 0 ? Number(argv[i + 1]) : def;
};
const STEPS = opt('--steps', 1000);
const RUNS = opt('--runs', 3);

if (!fs.existsSync(adapterJs)) execFileSync(process.execPath, [path.join(root, 'scripts/build.mjs')], { stdio: 'inherit' });
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-dap-'));
function gcc(src, out, flags = ['-O2']) {
  const o = path.join(tmp, out);
  execFileSync('gcc', [...flags, '-static', '-o', o, src]);
  return o;
}
const hello = gcc(path.join(root, 'test/dap/fixtures/hello.c'), 'hello', ['-O2', '-g']);
const intLoop = gcc(path.join(root, 'bench/int_loop.c'), 'int_loop');
const uipi = gcc(path.join(root, 'test-fixtures/uintr/uipi_sample.c'), 'uipi', ['-O2', '-g', '-pthread', '-muintr', '-mgeneral-regs-only']);

/** A raw DAP client over the adapter's stdio. */
class Dap {
  constructor() {
    this.t0 = performance.now();
    this.p = spawn(process.execPath, [adapterJs], { stdio: ['pipe', 'pipe', 'inherit'] });
    this.seq = 1;
    this.buf = Buffer.alloc(0);
    this.pending = new Map();
    this.waiters = [];
    this.events = [];
    this.p.stdout.on('data', (d) => this.data(d));
  }
  data(d) {
    this.buf = Buffer.concat([this.buf, d]);
    for (;;) {
      const h = this.buf.indexOf('\r\n\r\n');
      if (h < 0) return;
      const len = Number(/Content-Length: (\d+)/i.exec(this.buf.subarray(0, h).toString())[1]);
      if (this.buf.length < h + 4 + len) return;
      const msg = JSON.parse(this.buf.subarray(h + 4, h + 4 + len).toString());
      this.buf = this.buf.subarray(h + 4 + len);
      if (msg.type === 'response') {
        const p = this.pending.get(msg.request_seq);
        this.pending.delete(msg.request_seq);
        if (msg.success) p.resolve(msg);
        else p.reject(new Error(`${msg.command}: ${msg.message}`));
      } else if (msg.type === 'event') {
        const i = this.waiters.findIndex((w) => w.event === msg.event);
        if (i >= 0) this.waiters.splice(i, 1)[0].resolve(msg);
        else this.events.push(msg);
      }
    }
  }
  send(command, args) {
    const seq = this.seq++;
    const body = JSON.stringify({ seq, type: 'request', command, arguments: args });
    this.p.stdin.write(`Content-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`);
    return new Promise((resolve, reject) => this.pending.set(seq, { resolve, reject }));
  }
  event(name) {
    const i = this.events.findIndex((e) => e.event === name);
    if (i >= 0) return Promise.resolve(this.events.splice(i, 1)[0]);
    return new Promise((resolve) => this.waiters.push({ event: name, resolve }));
  }
  async launch(args, configure) {
    await this.send('initialize', { adapterID: 'uintr', pathFormat: 'path', linesStartAt1: true, columnsStartAt1: true });
    const init = this.event('initialized');
    await this.send('launch', args);
    await init;
    if (configure) await configure();
    await this.send('configurationDone', {});
  }
  /** CPU time (user + system, ms) of the adapter process so far (Linux /proc; NaN elsewhere). */
  cpu() {
    try {
      const f = fs.readFileSync(`/proc/${this.p.pid}/stat`, 'utf8').split(') ')[1].split(' ');
      return ((Number(f[11]) + Number(f[12])) * 1000) / 100; // clock ticks (USER_HZ = 100)
    } catch {
      return NaN;
    }
  }
  async close() {
    await this.send('disconnect', {}).catch(() => {});
    this.p.kill();
  }
}

const pct = (xs, p) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))];
};
const median = (xs) => pct(xs, 50);
const ms = (x) => x.toFixed(x < 10 ? 2 : 0);

// 1. launch → stopOnEntry
const launchTimes = [], spawnTimes = [];
for (let i = 0; i < Math.max(RUNS, 5); i++) {
  const dc = new Dap();
  await dc.send('initialize', { adapterID: 'uintr', pathFormat: 'path', linesStartAt1: true, columnsStartAt1: true });
  const init = dc.event('initialized');
  const t = performance.now();
  await dc.send('launch', { program: hello, stopOnEntry: true });
  await init;
  await dc.send('configurationDone', {});
  await dc.event('stopped');
  launchTimes.push(performance.now() - t);
  spawnTimes.push(performance.now() - dc.t0);
  await dc.close();
}

// 2. single-step round trips (int_loop's loop: never ends within the steps)
const stepTimes = [], stepUiTimes = [];
{
  const dc = new Dap();
  await dc.launch({ program: intLoop, stopOnEntry: true });
  const s = await dc.event('stopped');
  const tid = s.body.threadId;
  for (let i = 0; i < STEPS; i++) {
    const t = performance.now();
    const ev = dc.event('stopped');
    await dc.send('stepIn', { threadId: tid, granularity: 'instruction' });
    await ev;
    stepTimes.push(performance.now() - t);
  }
  // with what VS Code asks after each stop: stack trace, scopes, the Registers scope
  for (let i = 0; i < Math.min(STEPS, 300); i++) {
    const t = performance.now();
    const ev = dc.event('stopped');
    await dc.send('stepIn', { threadId: tid, granularity: 'instruction' });
    await ev;
    const st = await dc.send('stackTrace', { threadId: tid, levels: 20 });
    const sc = await dc.send('scopes', { frameId: st.body.stackFrames[0].id });
    await dc.send('variables', { variablesReference: sc.body.scopes[0].variablesReference });
    stepUiTimes.push(performance.now() - t);
  }
  await dc.close();
}

// 3. continue to exit, with no breakpoints / with 1,000 instruction breakpoints on code never run
function coldAddresses(elf, n) {
  const COLD = /^(re_|__re_|wcs|__wcs|_IO_w|__gconv|__nss|__mbsr|wmem|__wmem|____strtod|__strtod|__printf_fp|__libc_fork|execve|_nl_load|_nl_find|__libc_dlopen|getpw|__getpw|qsort|__qsort|msort)/;
  const out = execFileSync('objdump', ['-d', '--no-show-raw-insn', elf], { encoding: 'utf8', maxBuffer: 1 << 28 });
  const addrs = [];
  let cold = false;
  for (const line of out.split('\n')) {
    const f = /^[0-9a-f]+ <([^>]+)>:$/.exec(line);
    if (f) {
      cold = COLD.test(f[1]);
      continue;
    }
    const m = cold && /^\s+([0-9a-f]+):\s/.exec(line);
    if (m) addrs.push(parseInt(m[1], 16));
    if (addrs.length >= n) break;
  }
  return addrs;
}
const bps = coldAddresses(intLoop, 1000);
if (bps.length < 1000) throw new Error(`only ${bps.length} cold instruction addresses found`);
async function runToExit(withBps) {
  const dc = new Dap();
  let t = 0, c = 0;
  let stops = 0;
  await dc.launch({ program: intLoop }, async () => {
    if (withBps) {
      const r = await dc.send('setInstructionBreakpoints', { breakpoints: bps.map((a) => ({ instructionReference: '0x' + a.toString(16) })) });
      if (r.body.breakpoints.filter((b) => b.verified).length !== bps.length) throw new Error('unverified breakpoints');
    }
    t = performance.now();
    c = dc.cpu();
  });
  for (;;) {
    const e = await Promise.race([dc.event('exited'), dc.event('stopped')]);
    if (e.event === 'exited') break;
    stops++; // a "cold" address was run after all: counted, continued
    await dc.send('continue', { threadId: e.body.threadId });
  }
  const dt = performance.now() - t;
  const cpu = dc.cpu() - c;
  await dc.close();
  return { dt, cpu, stops };
}
const none = [], many = [], noneCpu = [], manyCpu = [];
let unexpected = 0;
for (let i = 0; i < RUNS; i++) {
  const a = await runToExit(false);
  none.push(a.dt);
  noneCpu.push(a.cpu);
  const r = await runToExit(true);
  many.push(r.dt);
  manyCpu.push(r.cpu);
  unexpected += r.stops;
}
const cpuRatio = median(manyCpu) / median(noneCpu);
const ratio = median(many) / median(none);
const minRatio = Math.min(...many) / Math.min(...none);

// 4. reverse execution
const backTimes = [];
let rcTime = 0, deepBack = 0, deepInsns = 0;
{
  const dc = new Dap();
  await dc.launch({ program: uipi, cores: 2, seed: 1 }, () => dc.send('setFunctionBreakpoints', { breakpoints: [{ name: 'sender_thread' }, { name: 'uintr_handler' }] }));
  let s = await dc.event('stopped');
  await dc.send('continue', { threadId: s.body.threadId });
  s = await dc.event('stopped');
  const tid = s.body.threadId;
  for (let i = 0; i < 20; i++) {
    const ev = dc.event('stopped');
    await dc.send('stepIn', { threadId: tid, granularity: 'instruction' });
    await ev;
  }
  for (let i = 0; i < 20; i++) {
    const t = performance.now();
    const ev = dc.event('stopped');
    await dc.send('stepBack', { threadId: tid, granularity: 'instruction' });
    await ev;
    backTimes.push(performance.now() - t);
  }
  const t = performance.now();
  const ev = dc.event('stopped');
  await dc.send('reverseContinue', { threadId: tid });
  await ev;
  rcTime = performance.now() - t;
  await dc.close();
}
{
  const dc = new Dap();
  await dc.launch({ program: intLoop });
  await new Promise((r) => setTimeout(r, 400));
  const ev = dc.event('stopped');
  await dc.send('pause', { threadId: 1000 });
  const s = await ev;
  const tid = s.body.threadId;
  const t = performance.now();
  const ev2 = dc.event('stopped');
  await dc.send('stepBack', { threadId: tid, granularity: 'instruction' });
  await ev2;
  deepBack = performance.now() - t;
  const st = await dc.send('uintr/state', {});
  deepInsns = st.body.instructions ?? 0;
  await dc.close();
}

const rows = [
  ['launch → stopOnEntry (hello, static glibc)', `${ms(median(launchTimes))} ms`, `min ${ms(Math.min(...launchTimes))} ms; from adapter spawn ${ms(median(spawnTimes))} ms`, '≤ 300 ms'],
  [`single step (stepIn instruction → stopped), ${STEPS} steps`, `p50 ${ms(median(stepTimes))} ms`, `p95 ${ms(pct(stepTimes, 95))} ms`, 'p50 ≤ 2 ms'],
  ['step + stackTrace + scopes + Registers', `p50 ${ms(median(stepUiTimes))} ms`, `p95 ${ms(pct(stepUiTimes, 95))} ms`, ''],
  ['continue to exit (int_loop), no breakpoints', `${ms(median(none))} ms`, `runs ${none.map(ms).join(', ')}; adapter CPU ${ms(median(noneCpu))} ms`, ''],
  ['continue to exit, 1,000 instruction breakpoints elsewhere', `${ms(median(many))} ms`, `runs ${many.map(ms).join(', ')}; ratio of medians ${ratio.toFixed(3)} (${((ratio - 1) * 100).toFixed(1)}%), of minima ${minRatio.toFixed(3)} (${((minRatio - 1) * 100).toFixed(1)}%); adapter CPU ${ms(median(manyCpu))} ms, ratio ${cpuRatio.toFixed(3)} (${((cpuRatio - 1) * 100).toFixed(1)}%)${unexpected ? `; ${unexpected} unexpected stops` : ''}`, '≤ +10%'],
  ['stepBack (instruction) in the uipi sample\'s handler, 20 times', `p50 ${ms(median(backTimes))} ms`, `p95 ${ms(pct(backTimes, 95))} ms (right after steps: one replay of ~12 k instructions each)`, ''],
  ['reverseContinue there (to the previous breakpoint hit)', `${ms(rcTime)} ms`, 'two replays from the start with the breakpoints', ''],
  ['stepBack after a 400 ms run of int_loop', `${ms(deepBack)} ms`, deepInsns ? `at ${(deepInsns / 1e6).toFixed(0)} M instructions` : 'a replay of everything run so far, twice', ''],
];
console.log('\n### Debug adapter\n');
console.log('| measure | median | detail | target |');
console.log('|---|---:|---|---|');
for (const r of rows) console.log(`| ${r.join(' | ')} |`);
fs.rmSync(tmp, { recursive: true, force: true });
