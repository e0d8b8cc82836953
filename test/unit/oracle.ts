/**
 * Hardware oracle for instruction tests: run the same machine-code snippet with the same register/memory
 * state on the host CPU (a small C harness compiled once with gcc) and on the emulator, and compare the
 * resulting state (GPRs, RFLAGS status bits, the FXSAVE image: x87 control/status/tags/registers, MXCSR,
 * XMM0-15, and the data memory), or the fault (signal, si_code, RIP) when the snippet faults.
 *
 * Layout (identical natively and emulated): snippets at CODE (each ends with `ret`), data page at DATA with
 * the next page unmapped (page-crossing faults), FXSAVE-format state for x87/SSE.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { Worker, isMainThread, parentPort, workerData } from 'node:worker_threads';
import { mkdtempSync, writeFileSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Memory, PROT_READ, PROT_WRITE, PROT_EXEC } from '../../emulator/memory/memory';
import { CpuState, Exit } from '../../emulator/cpu/state';
import { Engine } from '../../emulator/cpu/engine';
import { getRflags, setRflags } from '../../emulator/cpu/flags';
import { fxsaveTo, fxrstorFrom } from '../../emulator/cpu/sse-runtime';

export const CODE = 0x400000;
export const DATA = 0x600000;
/** Data region A: DATA .. DATA+256; region B: the last 64 bytes of the data page (next page unmapped). */
export const DATA_B = DATA + 4096 - 64;
const STACK = 0x700000; // emulator stack page (top at STACK+0x10000)
const STOP = 0x3ff000; // emulator return address: a page holding hlt
const SCRATCH = 0x7f0000; // emulator: FXSAVE image staging for state load/save

const FX = 512, GPR = 16 * 8, DA = 256, DB = 64;
const STATE_SIZE = FX + GPR + 8 + DA + DB; // fx, gpr, rflags, data A, data B
const OUT_SIZE = STATE_SIZE + 16; // + sig, code, rip

export class State {
  fx = new Uint8Array(FX);
  g = new BigUint64Array(16);
  fl = 0x202n;
  da = new Uint8Array(DA);
  db = new Uint8Array(DB);
  private dv = new DataView(this.fx.buffer);
  constructor() {
    this.dv.setUint16(0, 0x037f, true); // FCW
    this.dv.setUint32(24, 0x1f80, true); // MXCSR
  }
  clone(): State {
    const s = new State();
    s.fx.set(this.fx);
    s.g.set(this.g);
    s.fl = this.fl;
    s.da.set(this.da);
    s.db.set(this.db);
    return s;
  }
  set mxcsr(v: number) { this.dv.setUint32(24, v, true); }
  get mxcsr(): number { return this.dv.getUint32(24, true); }
  set fcw(v: number) { this.dv.setUint16(0, v, true); }
  set fsw(v: number) { this.dv.setUint16(2, v, true); }
  get fsw(): number { return this.dv.getUint16(2, true); }
  set ftw(v: number) { this.fx[4] = v; }
  /** XMM n dword k. */
  x32(n: number, k: number, v: number): this { this.dv.setUint32(160 + 16 * n + 4 * k, v >>> 0, true); return this; }
  x64(n: number, k: number, v: bigint): this { this.dv.setBigUint64(160 + 16 * n + 8 * k, BigInt.asUintN(64, v), true); return this; }
  xd(n: number, k: number, v: number): this { this.dv.setFloat64(160 + 16 * n + 8 * k, v, true); return this; }
  getX64(n: number, k: number): bigint { return this.dv.getBigUint64(160 + 16 * n + 8 * k, true); }
  /** x87 stack slot i (relative to TOP) as an 80-bit image (sign/exponent word, 64-bit mantissa). */
  st(i: number, se: number, mant: bigint): this {
    this.dv.setBigUint64(32 + 16 * i, BigInt.asUintN(64, mant), true);
    this.dv.setUint16(32 + 16 * i + 8, se, true);
    return this;
  }
}

export interface Case {
  name: string;
  asm: string;
  st: State;
  /** Extra comparison hook: return null if equal, else a message (default: exact state compare). */
  cmp?: (nat: Result, emu: Result, c: Case) => string | null;
  /** Bytes of the FXSAVE image to ignore in the default compare (e.g. approximate results). */
  ignoreFx?: [number, number][];
  /** Status flags to ignore. */
  ignoreFlags?: number;
}

export interface Result {
  st: State;
  sig: number;
  code: number;
  rip: number;
}

// ------------------------------------------------------------------ native harness

const HARNESS_C = String.raw`
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <stdint.h>
#include <string.h>
#include <signal.h>
#include <setjmp.h>
#include <ucontext.h>
#include <sys/mman.h>

#define FX 512
#define STATE_SIZE (512 + 128 + 8 + 256 + 64)
typedef struct __attribute__((aligned(16))) { uint8_t fx[512]; uint64_t g[16]; uint64_t fl; uint8_t da[256]; uint8_t db[64]; } St;

St *cur;
void *target;
uint64_t saved_rsp;
static sigjmp_buf jb;
static int fsig, fcode;
static uint64_t frip;
static St fstate;

void tramp(St *s, void *code);
__asm__(
  ".intel_syntax noprefix\n"
  ".globl tramp\n"
  "tramp:\n"
  " push rbx\n push rbp\n push r12\n push r13\n push r14\n push r15\n"
  " mov [rip+saved_rsp], rsp\n"
  " mov [rip+cur], rdi\n"
  " mov [rip+target], rsi\n"
  " fxrstor64 [rdi]\n"
  " push qword ptr [rdi+640]\n popfq\n"
  " mov rax, [rdi+512]\n mov rcx, [rdi+520]\n mov rdx, [rdi+528]\n mov rbx, [rdi+536]\n"
  " mov rbp, [rdi+552]\n mov rsi, [rdi+560]\n"
  " mov r8, [rdi+576]\n mov r9, [rdi+584]\n mov r10, [rdi+592]\n mov r11, [rdi+600]\n"
  " mov r12, [rdi+608]\n mov r13, [rdi+616]\n mov r14, [rdi+624]\n mov r15, [rdi+632]\n"
  " mov rdi, [rdi+568]\n"
  " call [rip+target]\n"
  " push rax\n"
  " mov rax, [rip+cur]\n"
  " pop qword ptr [rax+512]\n"
  " mov [rax+520], rcx\n mov [rax+528], rdx\n mov [rax+536], rbx\n mov [rax+544], rsp\n"
  " mov [rax+552], rbp\n mov [rax+560], rsi\n mov [rax+568], rdi\n"
  " mov [rax+576], r8\n mov [rax+584], r9\n mov [rax+592], r10\n mov [rax+600], r11\n"
  " mov [rax+608], r12\n mov [rax+616], r13\n mov [rax+624], r14\n mov [rax+632], r15\n"
  " pushfq\n pop qword ptr [rax+640]\n"
  " fxsave64 [rax]\n"
  " mov rsp, [rip+saved_rsp]\n"
  " pop r15\n pop r14\n pop r13\n pop r12\n pop rbp\n pop rbx\n"
  " ret\n"
  ".att_syntax prefix\n");

static void handler(int sig, siginfo_t *si, void *ucv) {
  ucontext_t *uc = ucv;
  fsig = sig;
  fcode = si->si_code;
  greg_t *g = uc->uc_mcontext.gregs;
  frip = g[REG_RIP];
  uint64_t *o = fstate.g;
  o[0] = g[REG_RAX]; o[1] = g[REG_RCX]; o[2] = g[REG_RDX]; o[3] = g[REG_RBX]; o[4] = g[REG_RSP]; o[5] = g[REG_RBP];
  o[6] = g[REG_RSI]; o[7] = g[REG_RDI]; o[8] = g[REG_R8]; o[9] = g[REG_R9]; o[10] = g[REG_R10]; o[11] = g[REG_R11];
  o[12] = g[REG_R12]; o[13] = g[REG_R13]; o[14] = g[REG_R14]; o[15] = g[REG_R15];
  fstate.fl = g[REG_EFL];
  memcpy(fstate.fx, uc->uc_mcontext.fpregs, 512);
  siglongjmp(jb, 1);
}

int main(int argc, char **argv) {
  FILE *f = fopen(argv[1], "rb");
  uint32_t hdr[2];
  if (fread(hdr, 4, 2, f) != 2) return 2;
  uint32_t n = hdr[0], codelen = hdr[1];
  uint8_t *code = mmap((void *)0x400000, (codelen + 4095) & ~4095, PROT_READ | PROT_WRITE | PROT_EXEC,
                       MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
  uint8_t *data = mmap((void *)0x600000, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
  if (code != (void *)0x400000 || data != (void *)0x600000) { fprintf(stderr, "mmap failed\n"); return 3; }
  if (fread(code, 1, codelen, f) != codelen) return 2;
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_sigaction = handler;
  sa.sa_flags = SA_SIGINFO | SA_NODEFER;
  sigaction(SIGSEGV, &sa, 0);
  sigaction(SIGFPE, &sa, 0);
  sigaction(SIGILL, &sa, 0);
  sigaction(SIGBUS, &sa, 0);
  FILE *out = fopen(argv[2], "wb");
  static St s;
  for (uint32_t i = 0; i < n; i++) {
    uint32_t off[2];
    if (fread(off, 4, 2, f) != 2) return 2;
    if (fread(&s, 1, STATE_SIZE, f) != STATE_SIZE) return 2;
    memset(data, 0, 4096);
    memcpy(data, s.da, 256);
    memcpy(data + 4096 - 64, s.db, 64);
    int32_t info[4] = {0, 0, 0, 0};
    if (sigsetjmp(jb, 1) == 0) {
      tramp(&s, code + off[0]);
    } else {
      uint8_t da[256], db[64];
      memcpy(&s, &fstate, sizeof s);
      info[0] = fsig; info[1] = fcode; info[2] = (int32_t)frip; info[3] = (int32_t)(frip >> 32);
      (void)da; (void)db;
    }
    memcpy(s.da, data, 256);
    memcpy(s.db, data + 4096 - 64, 64);
    fwrite(&s, 1, STATE_SIZE, out);
    fwrite(info, 4, 4, out);
  }
  fclose(out);
  return 0;
}
`;

function writeState(buf: Buffer, o: number, s: State): void {
  buf.set(s.fx, o);
  for (let i = 0; i < 16; i++) buf.writeBigUInt64LE(s.g[i], o + FX + 8 * i);
  buf.writeBigUInt64LE(s.fl, o + FX + GPR);
  buf.set(s.da, o + FX + GPR + 8);
  buf.set(s.db, o + FX + GPR + 8 + DA);
}
function readState(buf: Buffer, o: number): State {
  const s = new State();
  s.fx.set(buf.subarray(o, o + FX));
  for (let i = 0; i < 16; i++) s.g[i] = buf.readBigUInt64LE(o + FX + 8 * i);
  s.fl = buf.readBigUInt64LE(o + FX + GPR);
  s.da.set(buf.subarray(o + FX + GPR + 8, o + FX + GPR + 8 + DA));
  s.db.set(buf.subarray(o + FX + GPR + 8 + DA, o + STATE_SIZE));
  return s;
}

/** Assemble the distinct snippets into one blob (each aligned to 16 and ending with ret). */
function assembleAll(snips: string[]): { blob: Uint8Array; offs: number[] } {
  const dir = mkdtempSync(join(tmpdir(), 'uintr-oracle-'));
  try {
    const src = ['.intel_syntax noprefix', '.text'];
    snips.forEach((s, k) => src.push('.balign 16', `snip_${k}:`, s, 'ret'));
    writeFileSync(join(dir, 'a.s'), src.join('\n') + '\n');
    execFileSync('as', ['--64', '-o', join(dir, 'a.o'), join(dir, 'a.s')]);
    execFileSync('objcopy', ['-O', 'binary', '-j', '.text', join(dir, 'a.o'), join(dir, 'a.bin')]);
    const nm = execFileSync('nm', [join(dir, 'a.o')]).toString();
    const offs: number[] = [];
    for (const line of nm.split('\n')) {
      const m = /^([0-9a-f]+) \w snip_(\d+)$/.exec(line.trim());
      if (m) offs[Number(m[2])] = parseInt(m[1], 16);
    }
    return { blob: new Uint8Array(readFileSync(join(dir, 'a.bin'))), offs };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

let harnessDir: string | null = null;
function harness(): string {
  if (harnessDir) return join(harnessDir, 'h');
  harnessDir = mkdtempSync(join(tmpdir(), 'uintr-harness-'));
  writeFileSync(join(harnessDir, 'h.c'), HARNESS_C);
  execFileSync('gcc', ['-O1', '-o', join(harnessDir, 'h'), join(harnessDir, 'h.c')]);
  process.on('exit', () => { if (harnessDir) rmSync(harnessDir, { recursive: true, force: true }); });
  return join(harnessDir, 'h');
}

function runNative(blob: Uint8Array, cases: { off: number; st: State }[], timeoutMs = 0): Result[] {
  const exe = harness();
  const dir = harnessDir!;
  const inBuf = Buffer.alloc(8 + blob.length + cases.length * (8 + STATE_SIZE));
  inBuf.writeUInt32LE(cases.length, 0);
  inBuf.writeUInt32LE(blob.length, 4);
  inBuf.set(blob, 8);
  let o = 8 + blob.length;
  for (const c of cases) {
    inBuf.writeUInt32LE(c.off, o);
    o += 8;
    writeState(inBuf, o, c.st);
    o += STATE_SIZE;
  }
  writeFileSync(join(dir, 'in.bin'), inBuf);
  const r = spawnSync(exe, [join(dir, 'in.bin'), join(dir, 'out.bin')], timeoutMs ? { timeout: timeoutMs } : {});
  if (r.status !== 0) throw new Error(`native harness failed: ${r.status} ${r.signal} ${r.stderr}`);
  return readResults(readFileSync(join(dir, 'out.bin')), cases.length);
}
/** Results in the harness's output layout: the state, then sig, code, rip (64-bit). */
function readResults(out: Buffer, n: number): Result[] {
  const res: Result[] = [];
  for (let k = 0; k < n; k++) {
    const b = k * OUT_SIZE;
    const st = readState(out, b);
    const sig = out.readInt32LE(b + STATE_SIZE), code = out.readInt32LE(b + STATE_SIZE + 4);
    const rip = out.readUInt32LE(b + STATE_SIZE + 8) + out.readUInt32LE(b + STATE_SIZE + 12) * 2 ** 32;
    res.push({ st, sig, code, rip });
  }
  return res;
}
function writeResult(buf: Buffer, k: number, r: Result): void {
  const b = k * OUT_SIZE;
  writeState(buf, b, r.st);
  buf.writeInt32LE(r.sig, b + STATE_SIZE);
  buf.writeInt32LE(r.code, b + STATE_SIZE + 4);
  buf.writeUInt32LE(r.rip % 2 ** 32, b + STATE_SIZE + 8);
  buf.writeUInt32LE(Math.floor(r.rip / 2 ** 32), b + STATE_SIZE + 12);
}

// ------------------------------------------------------------------ emulator side

class Emu {
  mem = new Memory();
  engine: Engine;
  constructor(blob: Uint8Array) {
    const m = this.mem;
    m.map(STOP, 4096, PROT_READ | PROT_EXEC);
    m.write(STOP, new Uint8Array([0xf4]), true);
    m.map(CODE, Math.max(blob.length, 1) + 4096, PROT_READ | PROT_EXEC);
    m.write(CODE, blob, true);
    m.map(DATA, 4096, PROT_READ | PROT_WRITE);
    m.map(STACK, 0x10000, PROT_READ | PROT_WRITE);
    m.map(SCRATCH, 4096, PROT_READ | PROT_WRITE);
    this.engine = new Engine(m);
  }
  run(off: number, s: State): Result {
    const m = this.mem;
    const zero = new Uint8Array(4096);
    m.write(DATA, zero);
    m.write(DATA, s.da);
    m.write(DATA_B, s.db);
    const c = new CpuState();
    m.write(SCRATCH, s.fx);
    fxrstorFrom(c, m, SCRATCH);
    for (let i = 0; i < 16; i++) c.setReg64(i, s.g[i]);
    const sp = STACK + 0x10000 - 256;
    c.setRegNum(4, sp);
    m.writeU64(sp, STOP);
    setRflags(c, Number(s.fl));
    c.rip = CODE + off;
    for (let n = 0; n < 100 && c.exit !== Exit.Halt; n++) {
      this.engine.run(c, 100000);
      if (c.exit !== Exit.None) break;
    }
    const out = new State();
    fxsaveTo(c, m, SCRATCH);
    out.fx.set(m.read(SCRATCH, FX));
    for (let i = 0; i < 16; i++) out.g[i] = c.getReg64(i);
    out.fl = BigInt(getRflags(c));
    out.da.set(m.read(DATA, DA));
    out.db.set(m.read(DATA_B, DB));
    let sig = 0, code = 0;
    if (c.exit === Exit.Halt) {
      sig = -1; // unsupported instruction
      code = 0;
    } else if (c.exit === Exit.Fault && !(c.rip === STOP && c.faultSig === 11 && c.faultCode === 0x80)) {
      sig = c.faultSig;
      code = c.faultCode;
    } else if (c.exit !== Exit.Fault) {
      sig = -2; // did not finish
    }
    return { st: out, sig, code, rip: c.rip };
  }
}

// ------------------------------------------------------------------ compare

const FX_CMP: [number, number, string][] = [
  [0, 2, 'FCW'], [2, 4, 'FSW'], [4, 5, 'FTW'], [24, 28, 'MXCSR'],
];
function hex(b: Uint8Array, lo: number, hi: number): string {
  let s = '';
  for (let k = hi - 1; k >= lo; k--) s += b[k].toString(16).padStart(2, '0');
  return s;
}

export function compare(nat: Result, emu: Result, c: Case): string | null {
  const diffs: string[] = [];
  if (nat.sig !== emu.sig || nat.code !== emu.code) {
    diffs.push(`fault native sig=${nat.sig} code=${nat.code} rip=${nat.rip.toString(16)} / emu sig=${emu.sig} code=${emu.code} rip=${emu.rip.toString(16)}`);
    return diffs.join('; ');
  }
  if (nat.sig !== 0 && nat.rip !== emu.rip) diffs.push(`fault rip ${nat.rip.toString(16)} / ${emu.rip.toString(16)}`);
  const a = nat.st, b = emu.st;
  const names = ['rax', 'rcx', 'rdx', 'rbx', 'rsp', 'rbp', 'rsi', 'rdi', 'r8', 'r9', 'r10', 'r11', 'r12', 'r13', 'r14', 'r15'];
  for (let i = 0; i < 16; i++) if (i !== 4 && a.g[i] !== b.g[i]) diffs.push(`${names[i]} ${a.g[i].toString(16)} / ${b.g[i].toString(16)}`);
  const fm = 0x8d5 & ~(c.ignoreFlags ?? 0);
  if ((Number(a.fl) & fm) !== (Number(b.fl) & fm)) diffs.push(`rflags ${(Number(a.fl) & fm).toString(16)} / ${(Number(b.fl) & fm).toString(16)}`);
  const ign = c.ignoreFx ?? [];
  const ignored = (lo: number, hi: number) => ign.some(([x, y]) => lo < y && hi > x);
  for (const [lo, hi, n] of FX_CMP) if (!ignored(lo, hi) && hex(a.fx, lo, hi) !== hex(b.fx, lo, hi)) diffs.push(`${n} ${hex(a.fx, lo, hi)} / ${hex(b.fx, lo, hi)}`);
  for (let i = 0; i < 8; i++) {
    const lo = 32 + 16 * i;
    if (!ignored(lo, lo + 10) && hex(a.fx, lo, lo + 10) !== hex(b.fx, lo, lo + 10)) diffs.push(`ST${i} ${hex(a.fx, lo, lo + 10)} / ${hex(b.fx, lo, lo + 10)}`);
  }
  for (let i = 0; i < 16; i++) {
    const lo = 160 + 16 * i;
    if (!ignored(lo, lo + 16) && hex(a.fx, lo, lo + 16) !== hex(b.fx, lo, lo + 16)) diffs.push(`xmm${i} ${hex(a.fx, lo, lo + 16)} / ${hex(b.fx, lo, lo + 16)}`);
  }
  for (let k = 0; k < DA; k++) if (a.da[k] !== b.da[k]) { diffs.push(`data+${k}: ${hex(a.da, k, Math.min(k + 16, DA))} / ${hex(b.da, k, Math.min(k + 16, DA))}`); break; }
  for (let k = 0; k < DB; k++) if (a.db[k] !== b.db[k]) { diffs.push(`dataB+${k}: ${hex(a.db, k, Math.min(k + 16, DB))} / ${hex(b.db, k, Math.min(k + 16, DB))}`); break; }
  return diffs.length ? diffs.join('; ') : null;
}

export interface Report {
  total: number;
  failures: { name: string; asm: string; msg: string }[];
}

function prepare(cases: Case[]): { blob: Uint8Array; list: { off: number; st: State }[] } {
  const uniq = new Map<string, number>();
  for (const c of cases) if (!uniq.has(c.asm)) uniq.set(c.asm, uniq.size);
  const snips = [...uniq.keys()];
  const { blob, offs } = assembleAll(snips);
  return { blob, list: cases.map((c) => ({ off: offs[uniq.get(c.asm)!], st: c.st })) };
}
function report(cases: Case[], nat: Result[], emu: (k: number) => Result): Report {
  const failures: Report['failures'] = [];
  cases.forEach((c, k) => {
    let msg = (c.cmp ?? compare)(nat[k], emu(k), c);
    if (msg && process.env.ORACLE_VERBOSE) msg += `\n    input: ${describeInput(c.st)}`;
    if (msg) failures.push({ name: c.name, asm: c.asm, msg });
  });
  return { total: cases.length, failures };
}

/** Run all cases natively and on the emulator; return the mismatches. */
export function runCases(cases: Case[]): Report {
  const { blob, list } = prepare(cases);
  const nat = runNative(blob, list);
  const emu = new Emu(blob);
  return report(cases, nat, (k) => emu.run(list[k].off, cases[k].st.clone()));
}

/**
 * runCases with a deadline that holds even if the emulator hangs inside a helper (a synchronous loop that no
 * test timeout can interrupt): the native harness runs with a timeout and the emulator side in a worker
 * thread, which is terminated when the time is up (the promise then rejects).
 */
export async function runCasesAsync(cases: Case[], timeoutMs: number): Promise<Report> {
  const t0 = Date.now();
  const { blob, list } = prepare(cases);
  const nat = runNative(blob, list, timeoutMs);
  const states = Buffer.alloc(cases.length * STATE_SIZE);
  list.forEach((x, k) => writeState(states, k * STATE_SIZE, x.st));
  const left = Math.max(1000, timeoutMs - (Date.now() - t0));
  const out = await emuInWorker(blob, list.map((x) => x.off), states, left, cases.length);
  const emu = readResults(out, cases.length);
  return report(cases, nat, (k) => emu[k]);
}

/** One worker thread, reused by the runCasesAsync calls of a test file (unref'd: it never keeps it alive). */
let worker: Worker | null = null;
let jobs = 0;
function emuInWorker(blob: Uint8Array, offs: number[], states: Buffer, ms: number, n: number): Promise<Buffer> {
  if (!worker) {
    worker = new Worker(`require('tsx/cjs'); require(${JSON.stringify(__filename)});`, { eval: true, workerData: { oracleEmu: true } });
    worker.unref();
  }
  const w = worker;
  const id = ++jobs;
  return new Promise<Buffer>((resolve, reject) => {
    const finish = (e: Error | null, b?: Buffer): void => {
      clearTimeout(timer);
      w.off('message', onMsg);
      w.off('error', onErr);
      w.off('exit', onExit);
      if (e) {
        if (worker === w) worker = null;
        void w.terminate();
        reject(e);
      } else resolve(b!);
    };
    const onMsg = (m: { id: number; out: Uint8Array }): void => {
      if (m.id === id) finish(null, Buffer.from(m.out.buffer, m.out.byteOffset, m.out.byteLength));
    };
    const onErr = (e: Error): void => finish(e);
    const onExit = (code: number): void => finish(new Error(`oracle worker exited (${code}) without results`));
    const timer = setTimeout(() => finish(new Error(`the emulator did not finish ${n} cases within ${ms} ms (hung?)`)), ms);
    w.on('message', onMsg);
    w.on('error', onErr);
    w.on('exit', onExit);
    w.postMessage({ id, blob, offs, states });
  });
}

// The emulator side of runCasesAsync (this module, loaded in a worker thread).
if (!isMainThread && workerData && (workerData as { oracleEmu?: boolean }).oracleEmu) {
  parentPort!.on('message', (d: { id: number; blob: Uint8Array; offs: number[]; states: Uint8Array }) => {
    const inBuf = Buffer.from(d.states.buffer, d.states.byteOffset, d.states.byteLength);
    const emu = new Emu(d.blob);
    const out = Buffer.alloc(d.offs.length * OUT_SIZE);
    d.offs.forEach((off, k) => writeResult(out, k, emu.run(off, readState(inBuf, k * STATE_SIZE))));
    parentPort!.postMessage({ id: d.id, out });
  });
}

/** The x87/MXCSR part of an input state and the start of data region A (ORACLE_VERBOSE=1 failure reports). */
function describeInput(s: State): string {
  const fx = s.fx;
  const parts = [`FCW ${hex(fx, 0, 2)} FSW ${hex(fx, 2, 4)} FTW ${hex(fx, 4, 5)} MXCSR ${hex(fx, 24, 28)}`];
  for (let i = 0; i < 3; i++) parts.push(`ST${i} ${hex(fx, 32 + 16 * i, 42 + 16 * i)}`);
  parts.push(`xmm1 ${hex(fx, 176, 192)} xmm2 ${hex(fx, 192, 208)}`);
  parts.push(`data ${hex(s.da, 0, 8)} ${hex(s.da, 8, 12)} ${hex(s.da, 12, 16)} ${hex(s.da, 16, 18)}`);
  return parts.join(' ');
}

export function formatFailures(r: Report, max = 25): string {
  return r.failures.slice(0, max).map((f) => `[${f.name}] ${f.asm.replace(/\n/g, '; ')}\n    ${f.msg}`).join('\n') +
    (r.failures.length > max ? `\n... and ${r.failures.length - max} more` : '');
}

// ------------------------------------------------------------------ value generators

/** Deterministic PRNG (xorshift32). */
export class Rng {
  constructor(private s = 0x9e3779b9) {}
  u32(): number {
    let x = this.s;
    x ^= x << 13; x ^= x >>> 17; x ^= x << 5;
    this.s = x >>> 0;
    return this.s;
  }
  u64(): bigint { return (BigInt(this.u32()) << 32n) | BigInt(this.u32()); }
  int(n: number): number { return this.u32() % n; }
  pick<T>(a: T[]): T { return a[this.int(a.length)]; }
}

const f64 = new Float64Array(1), u64 = new BigUint64Array(f64.buffer);
const f32 = new Float32Array(1), u32 = new Uint32Array(f32.buffer);
export function dbits(d: number): bigint { f64[0] = d; return u64[0]; }
export function fbits(f: number): number { f32[0] = f; return u32[0]; }

/** Interesting double bit patterns. */
export const D_SPECIAL: bigint[] = [
  0n, 0x8000000000000000n, dbits(1), dbits(-1), dbits(1.5), dbits(-2.75), dbits(3), dbits(0.1), dbits(1 / 3),
  0x7ff0000000000000n, 0xfff0000000000000n, // ±inf
  0x7ff8000000000000n, 0xfff8000000000123n, // QNaN (payload)
  0x7ff0000000000001n, 0xfff4000000000abcn, // SNaN (payload)
  1n, 0x800fffffffffffffn, 0x0010000000000000n, // min denormal, -max denormal, min normal
  0x7fefffffffffffffn, 0xffefffffffffffffn, // ±max
  dbits(1e300), dbits(-1e-300), dbits(2 ** 53 + 2), dbits(2 ** 63), dbits(-(2 ** 31)), dbits(2147483647.5), dbits(-2.5), dbits(0.5),
  dbits(4294967296.5), dbits(-9.223372036854776e18), dbits(1e-310),
];
export const F_SPECIAL: number[] = [
  0, 0x80000000, fbits(1), fbits(-1), fbits(1.5), fbits(-2.75), fbits(3), fbits(0.1), fbits(1 / 3),
  0x7f800000, 0xff800000, 0x7fc00000, 0xffc01234, 0x7f800001, 0xffa00abc,
  1, 0x807fffff, 0x00800000, 0x7f7fffff, 0xff7fffff,
  fbits(1e30), fbits(-1e-30), fbits(16777217), fbits(2 ** 31), fbits(-(2 ** 31)), fbits(2147483520), fbits(-2.5), fbits(0.5),
  fbits(8388608.5), fbits(1e-40),
];
/** Random double: mix of random bit patterns and "ordinary" values. */
export function randD(r: Rng): bigint {
  switch (r.int(4)) {
    case 0: return r.u64();
    case 1: return dbits((r.u32() / 65536 - 32768) * 2 ** (r.int(40) - 20));
    case 2: return r.pick(D_SPECIAL);
    default: return dbits((r.u32() - 2 ** 31) / (r.int(1000) + 1));
  }
}
export function randF(r: Rng): number {
  switch (r.int(4)) {
    case 0: return r.u32();
    case 1: return fbits((r.u32() / 65536 - 32768) * 2 ** (r.int(40) - 20));
    case 2: return r.pick(F_SPECIAL);
    default: return fbits((r.u32() - 2 ** 31) / (r.int(1000) + 1));
  }
}
