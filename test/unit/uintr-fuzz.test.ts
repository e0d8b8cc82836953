/**
 * Fuzz-ish robustness of the UINTR "hardware" (issue 3; spec §1.3-§1.9, §1.6, §2.7): seeded random runs on a
 * bare CPU with corrupted UITT entries, UPIDs and MSR values, executing random sequences of
 * SENDUIPI/UIRET/STUI/CLUI/TESTUI (sometimes LOCK-prefixed). Whatever the guest does, the outcome must be
 * guest-visible only: a fault with SIGILL (#UD), SIGSEGV (#GP or #PF) or SIGTRAP (a UIRET frame with TF),
 * or the instruction budget running out; never a JavaScript exception, never a hang. Internal invariants
 * checked after every stop (from the spec, not from the emulator):
 *   - UIRR only gets bits from PIR (notification processing) or from the initial state (§1.8, §1.9);
 *   - a UPID's PIR only gets the user vectors of UITT entries that SENDUIPI accepted (§1.7.4);
 *   - the hardware changes no bit of a UPID's first qword except ON (§1.7.4, §1.8), and no UITT byte;
 *   - uiPending = (UIF = 1 and UIRR ≠ 0); UIF ∈ {0, 1};
 *   - WRMSR accepts exactly the values §1.3 allows, leaves the MSR unchanged otherwise, and reads back what
 *     it accepted (all 64 bits); XRSTORS of a random 48-byte image accepts exactly the images whose fields
 *     pass those checks and reproduces them (§1.6).
 * Seeds are fixed (deterministic); a failure message names the seed and iteration.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CODE, DATA, STACK_TOP, RawRun } from './rawcpu';
import { Exit, CpuEnv, CpuState } from '../../emulator/cpu/state';
import { Memory, PROT_READ, PROT_WRITE, PROT_EXEC } from '../../emulator/memory/memory';
import { Engine } from '../../emulator/cpu/engine';
import {
  updatePending, processNotification, readMsr, writeMsr, xsaveImage, xrstorImage,
  MSR_UINTR_RR, MSR_UINTR_HANDLER, MSR_UINTR_STACKADJUST, MSR_UINTR_MISC, MSR_UINTR_PD, MSR_UINTR_TT,
} from '../../emulator/uintr/arch';

const SIGILL = 4, SIGTRAP = 5, SIGSEGV = 11;
const UITT = DATA, UPIDS = DATA + 0x1000, NUPID = 8, NENTRY = 24;
const NV = 0xec;
const M64 = (1n << 64n) - 1n;

/** mulberry32 */
function prng(seed: number) {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const below = (n: number) => Math.floor(next() * n);
  const chance = (p: number) => next() < p;
  const u64 = () => (BigInt(Math.floor(next() * 2 ** 32)) << 32n) | BigInt(Math.floor(next() * 2 ** 32));
  const pick = <T>(xs: readonly T[]): T => xs[below(xs.length)];
  return { next, below, chance, u64, pick };
}
type Rng = ReturnType<typeof prng>;

function w64(mem: Memory, a: number, v: bigint): void {
  const b = new Uint8Array(8);
  new DataView(b.buffer).setBigUint64(0, BigInt.asUintN(64, v), true);
  mem.write(a, b, true);
}
function r64(mem: Memory, a: number): bigint {
  const b = mem.read(a, 8);
  return new DataView(b.buffer, b.byteOffset, 8).getBigUint64(0, true);
}
const hex = (v: bigint | number) => '0x' + BigInt.asUintN(64, BigInt(v)).toString(16);

// ------------------------------------------------------------------ the spec's WRMSR checks (§1.3)

function canonical(v: bigint): boolean {
  const top = (v & M64) >> 47n;
  return top === 0n || top === (1n << 17n) - 1n;
}
function msrAccepts(msr: number, v: bigint): boolean {
  switch (msr) {
    case MSR_UINTR_RR: return true;
    case MSR_UINTR_HANDLER:
    case MSR_UINTR_STACKADJUST: return canonical(v);
    case MSR_UINTR_MISC: return v >> 40n === 0n;
    case MSR_UINTR_PD: return canonical(v) && (v & 63n) === 0n;
    case MSR_UINTR_TT: return canonical(v) && (v & 0xen) === 0n;
  }
  throw new Error('not a UINTR MSR');
}
const MSRS = [MSR_UINTR_RR, MSR_UINTR_HANDLER, MSR_UINTR_STACKADJUST, MSR_UINTR_MISC, MSR_UINTR_PD, MSR_UINTR_TT];

/** Random 64-bit values biased towards the interesting edges (canonical boundary, reserved bits, alignment). */
function msrValue(g: Rng): bigint {
  switch (g.below(6)) {
    case 0: return g.u64();
    case 1: return BigInt(g.below(2 ** 31)) & ~15n; // small aligned
    case 2: return (1n << 47n) - BigInt(g.below(64)) + BigInt(g.below(2) ? 0 : 64); // around the canonical boundary
    case 3: return (M64 - BigInt(g.below(2 ** 31))) & M64; // high canonical half
    case 4: return BigInt(g.below(2 ** 31)) | (1n << BigInt(g.below(64))); // one stray bit
    default: return BigInt(g.below(256));
  }
}

test('fuzz: WRMSR to the six UINTR MSRs accepts exactly the §1.3 values and reads back all 64 bits', () => {
  const g = prng(0x5eed01);
  const c = new CpuState();
  for (let i = 0; i < 4000; i++) {
    const msr = g.pick(MSRS);
    const v = msrValue(g);
    const before = readMsr(c, msr);
    const ok = writeMsr(c, msr, v);
    const ctx = `iteration ${i}: MSR 0x${msr.toString(16)} <- ${hex(v)}`;
    assert.equal(ok, msrAccepts(msr, v), ctx);
    const expect = !ok ? before : msr === MSR_UINTR_MISC ? v & ((1n << 40n) - 1n) : v;
    assert.equal(readMsr(c, msr), expect, `${ctx}: read back`);
    assert.equal(c.uiPending, c.ui.uif && c.ui.uirr !== 0n ? 1 : 0, `${ctx}: uiPending`);
    if (g.chance(0.1)) c.ui.uif ^= 1;
    updatePending(c);
  }
});

test('fuzz: XRSTORS of random 48-byte images: accepted iff every field passes the WRMSR checks; XSAVES reproduces it (§1.6)', () => {
  const g = prng(0x5eed02);
  for (let i = 0; i < 2000; i++) {
    const img = new Uint8Array(48);
    const dv = new DataView(img.buffer);
    const f = [MSR_UINTR_HANDLER, MSR_UINTR_STACKADJUST, MSR_UINTR_MISC, MSR_UINTR_PD, MSR_UINTR_RR, MSR_UINTR_TT];
    const off = [0, 8, 16, 24, 32, 40];
    const vals = f.map((msr) => {
      let v = g.chance(0.8) ? (msrAccepts(msr, msrValue(g)) ? msrValue(g) : 0n) : msrValue(g);
      if (msr === MSR_UINTR_MISC && g.chance(0.5)) v = (v & ((1n << 40n) - 1n)) | (g.chance(0.5) ? 1n << 63n : 0n);
      return v & M64;
    });
    f.forEach((_, k) => dv.setBigUint64(off[k], vals[k], true));
    const expectOk = f.every((msr, k) => msrAccepts(msr, msr === MSR_UINTR_MISC ? vals[k] & ~(1n << 63n) : vals[k]));
    const c = new CpuState();
    const ok = xrstorImage(c, img);
    const ctx = `iteration ${i}: image ${vals.map(hex).join(' ')}`;
    assert.equal(ok, expectOk, ctx);
    if (ok) {
      assert.equal(c.ui.uif, Number(vals[2] >> 63n), `${ctx}: UIF from bit 63`);
      assert.deepEqual(Array.from(xsaveImage(c, false)), Array.from(img), `${ctx}: round trip`);
    } else assert.equal(c.ui.handler, 0, `${ctx}: nothing loaded`);
  }
});

// ------------------------------------------------------------------ random programs

const REGS = [0, 1, 2, 3, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15]; // not rsp

interface Insn {
  bytes: number[];
}
function movImm(r: number, v: bigint): Insn {
  const b = [0x48 | (r >= 8 ? 1 : 0), 0xb8 + (r & 7)];
  for (let i = 0n; i < 8n; i++) b.push(Number((v >> (8n * i)) & 0xffn));
  return { bytes: b };
}
function genProgram(g: Rng): Insn[] {
  const out: Insn[] = [];
  const n = 1 + g.below(16);
  for (let i = 0; i < n; i++) {
    const lock = g.chance(0.04) ? [0xf0] : [];
    switch (g.below(9)) {
      case 0: out.push({ bytes: [...lock, 0xf3, 0x0f, 0x01, 0xef] }); break; // stui
      case 1: out.push({ bytes: [...lock, 0xf3, 0x0f, 0x01, 0xee] }); break; // clui
      case 2: out.push({ bytes: [...lock, 0xf3, 0x0f, 0x01, 0xed] }); break; // testui
      case 3: out.push({ bytes: [...lock, 0xf3, 0x0f, 0x01, 0xec] }); break; // uiret
      case 4:
      case 5:
      case 6: {
        const r = g.pick(REGS);
        const idx = g.chance(0.85) ? BigInt(g.below(NENTRY + 4)) : g.pick([256n, M64, 1n << 32n, 1n << 63n, BigInt(g.below(1000))]);
        out.push(movImm(r, idx));
        const pre = g.chance(0.05) ? [0x66] : [];
        out.push({ bytes: [...lock, ...pre, 0xf3, ...(r >= 8 || g.chance(0.05) ? [0x40 | (r >= 8 ? 1 : 0) | (g.chance(0.3) ? 8 : 0)] : []), 0x0f, 0xc7, 0xf0 | (r & 7)] });
        break;
      }
      case 7: out.push({ bytes: [0x90] }); break;
      default: out.push({ bytes: [0xf3, 0x90] }); break; // pause
    }
  }
  out.push({ bytes: [0xf4] }); // hlt: #GP ends the run
  return out;
}

interface World {
  uitt: Uint8Array;
  ctl0: bigint[];
  pir0: bigint[];
  uirr0: bigint;
  /** vectors of UITT entries per UPID slot that SENDUIPI may legitimately post */
  moved: bigint;
  sent: bigint[];
}

/**
 * One bare address space for every run (same layout as rawcpu.ts: code at CODE, 64 KiB data at DATA, 64 KiB
 * stack below STACK_TOP), re-initialised per run; a fresh CPU and engine (code cache) each time.
 */
let shared: Memory | null = null;
function freshMachine(code: Uint8Array): RawRun {
  if (!shared) {
    shared = new Memory();
    shared.map(CODE, 4096, PROT_READ | PROT_EXEC);
    shared.map(DATA, 0x10000, PROT_READ | PROT_WRITE);
    shared.map(STACK_TOP - 0x10000, 0x10000, PROT_READ | PROT_WRITE);
  }
  const mem = shared;
  const page = new Uint8Array(4096).fill(0xf4);
  page.set(code);
  mem.write(CODE, page, true);
  const zero = new Uint8Array(0x10000);
  mem.write(DATA, zero, true);
  mem.write(STACK_TOP - 0x10000, zero, true);
  const cpu = new CpuState();
  cpu.rip = CODE;
  cpu.setRegNum(4, STACK_TOP - 64);
  return { cpu, mem, engine: new Engine(mem) };
}

function upidSlot(a: number): number {
  const k = (a - UPIDS) / 64;
  return Number.isInteger(k) && k >= 0 && k < NUPID ? k : -1;
}

/** Every stop of every run, by kind ("budget", "signal N"). */
const stops = new Map<string, number>();
/** UINTR events of every run, by kind (SENDUIPI by outcome). */
const events = new Map<string, number>();
const count = (k: string) => stops.set(k, (stops.get(k) ?? 0) + 1);

function oneRun(seed: number, iter: number): { exit: Exit; sig: number } {
  const g = prng(seed * 1000003 + iter);
  const prog = genProgram(g);
  const starts: number[] = [];
  const bytes: number[] = [];
  for (const i of prog) {
    starts.push(CODE + bytes.length);
    bytes.push(...i.bytes);
  }
  const code = Uint8Array.from(bytes);
  const w: World = { uitt: new Uint8Array(0), ctl0: [], pir0: [], uirr0: 0n, moved: 0n, sent: Array(NUPID).fill(0n) };
  let mem!: Memory;
  const env: CpuEnv = {
    now: () => 0,
    coreOf: () => 0,
    uintrEnabled: g.chance(0.97),
    // a self-IPI: processed when the vector is this CPU's UINV (identification, §1.8); sometimes not at all
    sendIpi: (c, vector) => {
      if (vector === c.ui.uinv && c.ui.uinv !== 0 && g.chance(0.8)) w.moved |= processNotification(c, mem);
    },
    event: (_c, kind, d) => {
      const key = kind === 'senduipi' ? `senduipi ${d.outcome}` : kind;
      events.set(key, (events.get(key) ?? 0) + 1);
      if (kind === 'senduipi' && d.outcome !== 'fault') {
        const k = upidSlot(d.upid as number);
        assert.ok(k >= 0, `SENDUIPI posted to ${hex(d.upid as number)}, not one of the UPIDs`);
        assert.ok((d.vector as number) < 64);
        w.sent[k] |= 1n << BigInt(d.vector as number);
      }
    },
  };
  const setup = (r: RawRun) => {
    mem = r.mem;
    const { cpu } = r;
    cpu.env = env;
    // UPIDs: mostly sane (NV 0xEC, NDST), sometimes with reserved / ON / SN bits or junk
    for (let k = 0; k < NUPID; k++) {
      let ctl = (BigInt(NV) << 16n) | (BigInt(g.below(4) << 8) << 32n);
      if (g.chance(0.3)) ctl |= BigInt(g.below(4)); // ON / SN
      if (g.chance(0.15)) ctl |= 1n << BigInt(g.pick([2, 5, 7, 8, 15, 24, 31]));
      if (g.chance(0.05)) ctl = g.u64();
      const pir = g.chance(0.3) ? g.u64() : 0n;
      w64(mem, UPIDS + 64 * k, ctl);
      w64(mem, UPIDS + 64 * k + 8, pir);
      w.ctl0.push(ctl);
      w.pir0.push(pir);
    }
    // UITT: valid entries to the UPIDs, corrupted ones (V=0, reserved bits, UV >= 64, misaligned, unmapped)
    for (let e = 0; e < NENTRY; e++) {
      let lo = 1n | (BigInt(g.below(64)) << 8n);
      let hi = BigInt(UPIDS + 64 * g.below(NUPID));
      switch (g.below(10)) {
        case 0: lo &= ~1n; break;
        case 1: lo |= 1n << BigInt(g.pick([1, 4, 7, 16, 40, 63])); break;
        case 2: lo = (lo & ~0xff00n) | (BigInt(64 + g.below(192)) << 8n); break;
        case 3: hi += BigInt(1 + g.below(63)); break;
        case 4: hi = g.pick([0x900000n, 0n, 1n << 40n, 0xffff800000000000n, g.u64() & ~63n]); break;
        case 5: lo = g.u64(); hi = g.u64(); break;
      }
      w64(mem, UITT + 16 * e, lo);
      w64(mem, UITT + 16 * e + 8, hi);
    }
    w.uitt = mem.read(UITT, 16 * NENTRY + 64);
    // MSRs through WRMSR (rejected values leave the reset state), plus direct corruption of the rest
    const ui = cpu.ui;
    writeMsr(cpu, MSR_UINTR_TT, g.chance(0.85) ? BigInt(UITT) | 1n : msrValue(g));
    writeMsr(cpu, MSR_UINTR_MISC, g.chance(0.8) ? (BigInt(NV) << 32n) | BigInt(g.pick([255, NENTRY - 1, 3, 0, 1000])) : msrValue(g));
    writeMsr(cpu, MSR_UINTR_PD, g.chance(0.8) ? BigInt(UPIDS + 64 * g.below(NUPID)) : msrValue(g));
    writeMsr(cpu, MSR_UINTR_HANDLER, g.chance(0.7) ? BigInt(g.pick(starts)) : msrValue(g));
    writeMsr(cpu, MSR_UINTR_STACKADJUST, g.pick([128n, 0n, 8n, BigInt(STACK_TOP - 0x2000 + 1), 0x900001n, msrValue(g)]));
    writeMsr(cpu, MSR_UINTR_RR, g.chance(0.5) ? 0n : g.chance(0.5) ? 1n << BigInt(g.below(64)) : g.u64());
    if (g.chance(0.1)) ui.handler = g.pick([0, 2 ** 47, 2 ** 52, -1]);
    ui.uif = g.chance(0.5) ? 1 : 0;
    updatePending(cpu);
    w.uirr0 = ui.uirr;
    // the stack holds UIRET frames: RIP at an instruction start (or junk), RFLAGS junk, RSP on the stack (or junk)
    const sp = STACK_TOP - 0x1000;
    cpu.setRegNum(4, sp);
    for (let k = 0; k < 64; k++) {
      const slot = k % 3;
      const v = slot === 0 ? (g.chance(0.85) ? BigInt(g.pick(starts)) : msrValue(g))
        : slot === 1 ? (g.chance(0.8) ? BigInt(g.below(2 ** 22)) & ~0x100n : g.u64())
        : g.chance(0.85) ? BigInt(sp + 8 * g.below(128)) : msrValue(g);
      w64(mem, sp + 8 * k, v);
    }
  };
  const r = freshMachine(code);
  setup(r);
  const { cpu, engine } = r;
  const check = (where: string) => {
    const u = cpu.ui;
    assert.ok(u.uif === 0 || u.uif === 1, `${where}: UIF ${u.uif}`);
    assert.equal(cpu.uiPending, u.uif && u.uirr !== 0n ? 1 : 0, `${where}: uiPending`);
    assert.equal(u.uirr & ~(w.uirr0 | w.moved), 0n, `${where}: UIRR ${hex(u.uirr)} has bits from neither PIR nor the initial state`);
    assert.deepEqual(mem.read(UITT, w.uitt.length), w.uitt, `${where}: UITT modified`);
    for (let k = 0; k < NUPID; k++) {
      const ctl = r64(mem, UPIDS + 64 * k), pir = r64(mem, UPIDS + 64 * k + 8);
      assert.equal((ctl ^ w.ctl0[k]) & ~1n, 0n, `${where}: UPID ${k} control ${hex(w.ctl0[k])} -> ${hex(ctl)}: only ON may change`);
      assert.equal(pir & ~(w.pir0[k] | w.sent[k]), 0n, `${where}: UPID ${k} PIR ${hex(pir)} has bits no SENDUIPI posted`);
    }
  };
  // run; a fault at one of the program's instructions is "handled" by skipping it (as the selftests'
  // signal handlers do) and a trap is resumed, a bounded number of times
  let resumes = 0;
  for (;;) {
    engine.run(cpu, 2000);
    const where = `seed ${seed} iteration ${iter} (${resumes} resumes, RIP 0x${cpu.rip.toString(16)})`;
    check(where);
    count(cpu.exit === Exit.None ? 'budget' : cpu.exit === Exit.Fault ? `signal ${cpu.faultSig}` : `exit ${cpu.exit}`);
    if (cpu.exit === Exit.None) return { exit: Exit.None, sig: 0 };
    assert.equal(cpu.exit, Exit.Fault, `${where}: exit ${cpu.exit} (unsupported instruction: ${engine.unsupported?.message})`);
    assert.ok([SIGILL, SIGSEGV, SIGTRAP].includes(cpu.faultSig), `${where}: signal ${cpu.faultSig}`);
    const k = starts.indexOf(cpu.rip);
    if (++resumes > 40 || (cpu.faultSig !== SIGTRAP && (k < 0 || k === starts.length - 1))) return { exit: cpu.exit, sig: cpu.faultSig };
    if (cpu.faultSig !== SIGTRAP) cpu.rip = starts[k + 1];
    // a SIGTRAP handler's sigreturn would restore TF; clear it sometimes to leave single-stepping
    if (g.chance(0.3)) cpu.fl &= ~0x100;
  }
}

test('fuzz: random SENDUIPI/UIRET/STUI/CLUI/TESTUI over corrupted UITT entries, UPIDs and MSRs: guest faults only, invariants hold', { timeout: 60_000 }, () => {
  const t0 = Date.now();
  stops.clear();
  events.clear();
  for (const seed of [1, 2, 3, 4]) {
    for (let i = 0; i < 200; i++) {
      try {
        oneRun(seed, i);
      } catch (e) {
        if (e instanceof assert.AssertionError) throw e;
        throw new Error(`seed ${seed} iteration ${i}: JavaScript exception escaped the emulator: ${(e as Error).stack}`);
      }
    }
  }
  // the generator must reach every kind of stop (otherwise the fuzz is not testing much)
  const seen = JSON.stringify([...stops]);
  for (const k of [`signal ${SIGILL}`, `signal ${SIGSEGV}`, `signal ${SIGTRAP}`]) assert.ok((stops.get(k) ?? 0) > 10, `stops ${k}: ${seen}`);
  const evs = JSON.stringify([...events]);
  for (const k of ['senduipi notified', 'senduipi suppressed (SN=1)', 'senduipi merged (ON=1)', 'senduipi fault', 'notify-processed', 'deliver', 'uiret', 'stui', 'clui', 'fault']) {
    assert.ok((events.get(k) ?? 0) > 10, `events ${k}: ${evs}`);
  }
  if (process.env.UINTR_FUZZ_VERBOSE) console.log(seen, evs, Date.now() - t0, 'ms');
  assert.ok(Date.now() - t0 < 10_000, `took ${Date.now() - t0} ms`);
});
