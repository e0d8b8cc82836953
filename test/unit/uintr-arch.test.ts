/**
 * The UINTR "hardware" on a bare CPU (no kernel): the five instructions, notification processing, delivery
 * at instruction boundaries, the MSR checks and the XSAVE component image. Every case asserts a point of
 * ../../shared/uintr-spec.md (cited as §x.y / §6.n).
 *
 * Memory layout used here: UITT at DATA, UPID at DATA+0x1000 (64-byte aligned), scratch stacks in the DATA
 * area; handlers live at CODE+0x100 (`.org 0x100`).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { assemble, runRaw, CODE, DATA, STACK_TOP, RawRun } from './rawcpu';
import { CpuState, Exit, GPR_NAMES, CpuEnv } from '../../emulator/cpu/state';
import { Memory, PROT_READ, PROT_WRITE } from '../../emulator/memory/memory';
import { getRflags, setRflags } from '../../emulator/cpu/flags';
import {
  updatePending, processNotification, readMsr, writeMsr, xsaveImage, xrstorImage,
  MSR_UINTR_RR, MSR_UINTR_HANDLER, MSR_UINTR_STACKADJUST, MSR_UINTR_MISC, MSR_UINTR_PD, MSR_UINTR_TT,
} from '../../emulator/uintr/arch';

const SIGILL = 4, SIGSEGV = 11, GP_CODE = 0x80;
const UITT = DATA, UPID = DATA + 0x1000;
const HANDLER = CODE + 0x100;
const NV = 0xec, APIC = 3;
/** UPID control qword: NV in 23:16, NDST = APIC << 8 (xAPIC) in 63:32, plus junk in NDST's other bytes. */
const CTL0 = (BigInt(NV) << 16n) | (BigInt(0x12000000 | (APIC << 8)) << 32n);
const TF = 0x100, RF = 0x10000, IF = 0x200, DF = 0x400;

function w64(mem: Memory, a: number, v: bigint): void {
  const b = new Uint8Array(8);
  new DataView(b.buffer).setBigUint64(0, BigInt.asUintN(64, v), true);
  mem.write(a, b, true);
}
function r64(mem: Memory, a: number): bigint {
  const b = mem.read(a, 8);
  return new DataView(b.buffer, b.byteOffset, 8).getBigUint64(0, true);
}

/** A sender's route: UITT[index] = { V=1, vector, UPID }, the UPID's control word CTL0, IA32_UINTR_TT valid, UITTSZ 255. */
function sendRoute(cpu: CpuState, mem: Memory, index: number, vector: number): void {
  w64(mem, UITT + 16 * index, 1n | (BigInt(vector) << 8n));
  w64(mem, UITT + 16 * index + 8, BigInt(UPID));
  w64(mem, UPID, CTL0);
  cpu.ui.uittAddr = UITT;
  cpu.ui.ttValid = 1;
  cpu.ui.uittsz = 255;
}

interface Log {
  ipis: { vector: number; apic: number; upid?: number }[];
  events: { kind: string; d: Record<string, unknown> }[];
}
function mkEnv(over: Partial<CpuEnv> = {}): { env: CpuEnv; log: Log } {
  const log: Log = { ipis: [], events: [] };
  const env: CpuEnv = {
    now: () => 0,
    coreOf: () => 0,
    uintrEnabled: true,
    sendIpi: (_c, vector, apic, upid) => void log.ipis.push({ vector, apic, upid }),
    event: (_c, kind, d) => void log.events.push({ kind, d }),
    ...over,
  };
  return { env, log };
}

/** Assemble with a handler at CODE+0x100. */
function asmH(main: string, handler = 'hlt'): Uint8Array {
  return assemble(`${main}\n.org 0x100\nhandler:\n${handler}\n`);
}

/** Address of the final `hlt` of a handler whose body before it is `body`. */
function hltOf(body: string): number {
  return HANDLER + assemble(body).length;
}

function faultAt(r: RawRun, sig: number, rip: number, msg: string): void {
  assert.equal(r.cpu.exit, Exit.Fault, `${msg}: expected a fault`);
  assert.equal(r.cpu.faultSig, sig, `${msg}: signal`);
  assert.equal(r.cpu.rip, rip, `${msg}: RIP 0x${r.cpu.rip.toString(16)} != 0x${rip.toString(16)}`);
  if (sig === SIGSEGV) assert.equal(r.cpu.faultCode, GP_CODE, `${msg}: #GP (si_code SI_KERNEL)`);
}

// ====================================================================== SENDUIPI

interface SendOpts {
  index?: bigint;
  uv?: number;
  entryLo?: bigint; // overrides 1 | uv << 8
  entryUpid?: bigint; // overrides UPID
  ctl?: bigint;
  pir?: bigint;
  uittsz?: number;
  ttValid?: number;
  enabled?: boolean;
  env?: Partial<CpuEnv>;
}
/** `mov rax, index; senduipi rax; hlt` with entry 1 of the UITT prepared. */
function send(o: SendOpts = {}) {
  const index = o.index ?? 1n;
  const code = assemble(`mov rax, ${BigInt.asIntN(64, index)}\nsenduipi rax\nhlt`);
  const { env, log } = mkEnv({ uintrEnabled: o.enabled ?? true, ...o.env });
  const ctl = o.ctl ?? CTL0, pir = o.pir ?? 0n;
  const r = runRaw(code, ({ cpu, mem }) => {
    cpu.env = env;
    w64(mem, UITT + 16, o.entryLo ?? 1n | (BigInt(o.uv ?? 5) << 8n));
    w64(mem, UITT + 24, o.entryUpid ?? BigInt(UPID));
    w64(mem, UPID, ctl);
    w64(mem, UPID + 8, pir);
    cpu.ui.uittAddr = UITT;
    cpu.ui.ttValid = o.ttValid ?? 1;
    cpu.ui.uittsz = o.uittsz ?? 255;
  });
  const hlt = CODE + code.length - 1;
  return { r, log, ctl: r64(r.mem, UPID), pir: r64(r.mem, UPID + 8), sendRip: hlt - 4, hlt, ctl0: ctl, pir0: pir };
}
type Sent = ReturnType<typeof send>;
function gpUntouched(s: Sent, msg: string): void {
  faultAt(s.r, SIGSEGV, s.sendRip, msg);
  assert.equal(s.ctl, s.ctl0, `${msg}: UPID control untouched`);
  assert.equal(s.pir, s.pir0, `${msg}: PIR untouched`);
  assert.equal(s.log.ipis.length, 0, `${msg}: no IPI`);
}

test('SENDUIPI takes the UITT index from ModRM.rm (REX.B) for every register rax..r15 (§1.7.1, §6.2)', () => {
  for (let n = 0; n < 16; n++) {
    const name = GPR_NAMES[n];
    const code = assemble(`mov ${name}, ${n + 1}\nsenduipi ${name}\nhlt`);
    if (n >= 8) assert.equal(code[code.length - 5], 0x41, `${name}: REX.B prefix`);
    const { env, log } = mkEnv();
    const r = runRaw(code, ({ cpu, mem }) => {
      cpu.env = env;
      // every other register is 0 (entry 0 is invalid -> #GP) or rsp (index > UITTSZ -> #GP)
      for (let k = 0; k < 16; k++) if (k !== 4) cpu.setRegNum(k, 0);
      for (let e = 1; e <= 16; e++) {
        w64(mem, UITT + 16 * e, 1n | (BigInt(39 + e) << 8n));
        w64(mem, UITT + 16 * e + 8, BigInt(UPID));
      }
      w64(mem, UPID, CTL0);
      cpu.ui.uittAddr = UITT;
      cpu.ui.ttValid = 1;
      cpu.ui.uittsz = 255;
    });
    faultAt(r, SIGSEGV, CODE + code.length - 1, `senduipi ${name} reaches hlt`);
    assert.equal(r64(r.mem, UPID + 8), 1n << BigInt(40 + n), `senduipi ${name}: PIR bit of entry ${n + 1}`);
    assert.equal(log.ipis.length, 1, `senduipi ${name}: one IPI`);
  }
});

test('SENDUIPI ignores 66 and REX.W (operand is always the 64-bit register) (§1.7.1, §6.2)', () => {
  for (const bytes of ['0x66, 0xf3, 0x0f, 0xc7, 0xf3', '0xf3, 0x48, 0x0f, 0xc7, 0xf3']) {
    const code = assemble(`mov rbx, 1\n.byte ${bytes}\nhlt`);
    const { env } = mkEnv();
    const r = runRaw(code, ({ cpu, mem }) => {
      cpu.env = env;
      sendRoute(cpu, mem, 1, 9);
    });
    faultAt(r, SIGSEGV, CODE + code.length - 1, bytes);
    assert.equal(r64(r.mem, UPID + 8), 1n << 9n, bytes);
  }
});

test('LOCK prefix on STUI/CLUI/TESTUI/UIRET/SENDUIPI -> #UD, nothing changed (§1.7.2, §6.3)', () => {
  const cases: [string, string][] = [
    ['stui', '0xf0, 0xf3, 0x0f, 0x01, 0xef'],
    ['clui', '0xf0, 0xf3, 0x0f, 0x01, 0xee'],
    ['testui', '0xf0, 0xf3, 0x0f, 0x01, 0xed'],
    ['uiret', '0xf0, 0xf3, 0x0f, 0x01, 0xec'],
    ['senduipi rax', '0xf0, 0xf3, 0x0f, 0xc7, 0xf0'],
    ['senduipi rax (F3 before LOCK)', '0xf3, 0xf0, 0x0f, 0xc7, 0xf0'],
  ];
  for (const [name, bytes] of cases) {
    const code = assemble(`mov eax, 1\nlocked:\n.byte ${bytes}\nhlt`);
    const { env, log } = mkEnv();
    const r = runRaw(code, ({ cpu, mem }) => {
      cpu.env = env;
      sendRoute(cpu, mem, 1, 5);
      cpu.ui.uif = 1; // CLUI would clear it
    });
    faultAt(r, SIGILL, CODE + 5, name);
    assert.equal(r.cpu.ui.uif, 1, `${name}: UIF unchanged`);
    assert.equal(r64(r.mem, UPID + 8), 0n, `${name}: nothing posted`);
    assert.equal(log.ipis.length, 0, `${name}: no IPI`);
  }
});

test('CR4.UINTR = 0 (env.uintrEnabled=false): all five instructions #UD (§1.7.2, §6.4)', () => {
  for (const insn of ['stui', 'clui', 'testui', 'uiret', 'senduipi rax']) {
    const code = assemble(`nop\n${insn}\nhlt`);
    const { env } = mkEnv({ uintrEnabled: false });
    const r = runRaw(code, ({ cpu, mem }) => {
      cpu.env = env;
      sendRoute(cpu, mem, 1, 5);
      cpu.setRegNum(0, 1);
    });
    faultAt(r, SIGILL, CODE + 1, insn);
    assert.equal(r64(r.mem, UPID + 8), 0n, insn);
  }
});

test('no-F3 neighbours are not UINTR: 0F 01 EE (RDPKRU), 0F 01 EF (WRPKRU), 0F C7 F0 (RDRAND), F2 0F 01 EE -> #UD (§1.7.1, §6.1, §6.2)', () => {
  for (const bytes of ['0x0f, 0x01, 0xee', '0x0f, 0x01, 0xef', '0x0f, 0xc7, 0xf0', '0x48, 0x0f, 0xc7, 0xf0', '0xf2, 0x0f, 0x01, 0xee']) {
    const code = assemble(`xor ecx, ecx\nxor edx, edx\n.byte ${bytes}\nhlt`);
    const { env } = mkEnv();
    const r = runRaw(code, ({ cpu, mem }) => {
      cpu.env = env;
      sendRoute(cpu, mem, 1, 5);
      cpu.ui.uif = 1;
    });
    faultAt(r, SIGILL, CODE + 4, bytes);
    assert.equal(r.cpu.ui.uif, 1, `${bytes}: not CLUI`);
    assert.equal(r64(r.mem, UPID + 8), 0n, `${bytes}: not SENDUIPI`);
  }
});

test('SENDUIPI with IA32_UINTR_TT[0] = 0 -> #UD (§1.7.2, §6.5)', () => {
  const s = send({ ttValid: 0 });
  faultAt(s.r, SIGILL, s.sendRip, 'TT valid=0');
  assert.equal(s.pir, 0n);
  assert.equal(s.log.ipis.length, 0);
});

test('SENDUIPI with index > UITTSZ (incl. -1 and ≥ 2^32) -> #GP, UPID untouched (§1.7.4, §6.6)', () => {
  for (const index of [256n, -1n, (1n << 32n) + 1n, 1n << 63n]) gpUntouched(send({ index }), `index ${index}`);
  gpUntouched(send({ index: 1n, uittsz: 0 }), 'index 1 with UITTSZ 0');
  // index == UITTSZ is still valid (UITTSZ is the highest valid index)
  const ok = send({ index: 1n, uittsz: 1 });
  faultAt(ok.r, SIGSEGV, ok.hlt, 'index == UITTSZ');
  assert.equal(ok.pir, 1n << 5n);
});

test('SENDUIPI: UITT entry V=0, reserved bits, UV ≥ 64, misaligned UPIDADDR -> #GP (§1.5, §1.7.4, §6.7, §6.8)', () => {
  gpUntouched(send({ entryLo: 5n << 8n }), 'V=0');
  gpUntouched(send({ entryLo: 0n }), 'empty entry');
  for (const bit of [1n, 7n, 16n, 31n, 32n, 63n]) gpUntouched(send({ entryLo: 1n | (5n << 8n) | (1n << bit) }), `reserved bit ${bit}`);
  for (const uv of [64, 0x80, 0xff]) gpUntouched(send({ uv }), `UV ${uv}`);
  for (const off of [1n, 8n, 32n]) gpUntouched(send({ entryUpid: BigInt(UPID) + off }), `UPIDADDR +${off}`);
});

test('SENDUIPI: UPID reserved bits 15:2 or 31:24 (incl. BLKD bit 7) -> #GP, UPID untouched (§1.4, §6.8)', () => {
  for (const bit of [2n, 7n, 8n, 15n, 24n, 31n]) gpUntouched(send({ ctl: CTL0 | (1n << bit) }), `UPID bit ${bit}`);
  gpUntouched(send({ ctl: CTL0 | 0x80n | 1n, pir: 1n << 3n }), 'BLKD with ON=1');
});

test('SENDUIPI SN=1: PIR bit set, ON unchanged, no IPI, no fault (§1.7.4, §6.9)', () => {
  const s = send({ ctl: CTL0 | 2n, uv: 17, pir: 1n << 2n });
  faultAt(s.r, SIGSEGV, s.hlt, 'SN=1 reaches hlt');
  assert.equal(s.pir, (1n << 2n) | (1n << 17n));
  assert.equal(s.ctl, CTL0 | 2n, 'control word (ON) unchanged');
  assert.equal(s.log.ipis.length, 0);
});

test('SENDUIPI ON=1: PIR bit merged, no second IPI (§1.7.4, §6.10)', () => {
  const s = send({ ctl: CTL0 | 1n, uv: 40 });
  faultAt(s.r, SIGSEGV, s.hlt, 'ON=1 reaches hlt');
  assert.equal(s.pir, 1n << 40n);
  assert.equal(s.ctl, CTL0 | 1n);
  assert.equal(s.log.ipis.length, 0);
});

test('SENDUIPI ON=SN=0: ON set, exactly one IPI with NV to NDST[15:8]; flags and registers untouched (§1.4, §1.7.4)', () => {
  const s = send({ uv: 5 });
  faultAt(s.r, SIGSEGV, s.hlt, 'notify reaches hlt');
  assert.equal(s.ctl, CTL0 | 1n, 'ON set, rest of the control word kept');
  assert.equal(s.pir, 1n << 5n);
  assert.deepEqual(s.log.ipis.map((i) => [i.vector, i.apic]), [[NV, APIC]]);
  assert.equal(s.r.cpu.getReg64(0), 1n, 'index register unchanged');
});

test('SENDUIPI vectors 0, 31, 32, 63 land in the matching PIR bit (§1.4, §1.7.4)', () => {
  for (const uv of [0, 31, 32, 63]) {
    const s = send({ uv });
    faultAt(s.r, SIGSEGV, s.hlt, `uv ${uv}`);
    assert.equal(s.pir, 1n << BigInt(uv), `uv ${uv}`);
  }
});

// ====================================================================== notification processing

test('processNotification: ON cleared (rest kept), PIR -> UIRR, PIR zeroed, even with UIF=0 (§1.8)', () => {
  const mem = new Memory();
  mem.map(DATA, 0x10000, PROT_READ | PROT_WRITE);
  const cpu = new CpuState();
  const { env } = mkEnv();
  cpu.env = env;
  const pir = (1n << 63n) | (1n << 32n) | (1n << 31n) | 1n;
  w64(mem, UPID, CTL0 | 1n);
  w64(mem, UPID + 8, pir);
  cpu.ui.upidAddr = UPID;
  cpu.ui.uinv = NV;
  cpu.ui.uirr = 1n << 7n;
  cpu.ui.uif = 0;
  updatePending(cpu);
  const moved = processNotification(cpu, mem);
  assert.equal(moved, pir);
  assert.equal(r64(mem, UPID), CTL0, 'only ON cleared');
  assert.equal(r64(mem, UPID + 8), 0n, 'PIR zeroed');
  assert.equal(cpu.ui.uirr, pir | (1n << 7n), 'UIRR |= PIR');
  assert.equal(cpu.ui.uirrv, 63);
  assert.equal(cpu.uiPending, 0, 'UIF=0: recognized but not deliverable');
  // SN is not touched by processing
  w64(mem, UPID, CTL0 | 3n);
  w64(mem, UPID + 8, 1n << 4n);
  processNotification(cpu, mem);
  assert.equal(r64(mem, UPID), CTL0 | 2n);
  cpu.ui.uif = 1;
  updatePending(cpu);
  assert.equal(cpu.uiPending, 1);
});

// ====================================================================== delivery

test('delivery frame: ((S-128)&~15)-32, [0]=vector [8]=next RIP [16]=RFLAGS incl. CMP flags [24]=S; UIF cleared, UIRR bit cleared, DF/IF kept (§1.9, §6.16, §6.18)', () => {
  const prefix = 'mov eax, 1\nstd\ncmp eax, 2\nstui';
  const next = CODE + assemble(prefix).length;
  const code = asmH(`${prefix}\nnop\nhlt`, `
    mov r8, [rsp]
    mov r9, [rsp+8]
    mov r10, [rsp+16]
    mov r11, [rsp+24]
    mov r12, rsp
    hlt`);
  const S = STACK_TOP - 64 - 7;
  const { env, log } = mkEnv();
  const r = runRaw(code, ({ cpu }) => {
    cpu.env = env;
    cpu.setRegNum(4, S);
    cpu.ui.uirr = (1n << 5n) | (1n << 2n);
    cpu.ui.uif = 0;
    cpu.ui.handler = HANDLER;
    cpu.ui.stackAdjust = 128;
    updatePending(cpu);
  });
  faultAt(r, SIGSEGV, HANDLER + assemble('mov r8, [rsp]\nmov r9, [rsp+8]\nmov r10, [rsp+16]\nmov r11, [rsp+24]\nmov r12, rsp').length, 'handler hlt');
  const c = r.cpu;
  const rspH = ((S - 128) & ~15) - 32;
  assert.equal(c.getReg64(12), BigInt(rspH), 'RSP_h');
  assert.equal(c.getReg64(8), 5n, 'vector (highest pending)');
  assert.equal(c.getReg64(9), BigInt(next), 'RIP of the next instruction (after STUI)');
  // 1 - 2: CF=1 PF=1 AF=1 ZF=0 SF=1 OF=0; DF set by std; IF and bit 1 from the initial image
  assert.equal(Number(c.getReg64(10)), 0x95 | DF | IF | 2, `pushed RFLAGS 0x${c.getReg64(10).toString(16)}`);
  assert.equal(c.getReg64(11), BigInt(S), 'saved RSP');
  assert.equal(c.ui.uif, 0, 'UIF cleared');
  assert.equal(c.ui.uirr, 1n << 2n, 'delivered vector cleared from UIRR, others kept');
  assert.equal(getRflags(c) & (DF | IF | 0x8d5), 0x95 | DF | IF, 'DF, IF and status flags unchanged by delivery');
  assert.ok(log.events.some((e) => e.kind === 'deliver'));
});

test('delivery clears TF and RF; the pushed image keeps them (§1.9, §6.18)', () => {
  const code = asmH('nop\nhlt', 'mov r10, [rsp+16]\nhlt');
  const { env } = mkEnv();
  const r = runRaw(code, ({ cpu }) => {
    cpu.env = env;
    setRflags(cpu, 0x202 | TF | RF | DF);
    cpu.ui.uirr = 1n;
    cpu.ui.uif = 1;
    cpu.ui.handler = HANDLER;
    cpu.ui.stackAdjust = 128;
    updatePending(cpu);
  });
  assert.equal(r.cpu.exit, Exit.Fault);
  assert.equal(Number(r.cpu.getReg64(10)) & (TF | RF | DF), TF | RF | DF, 'pushed image has TF/RF');
  assert.equal(getRflags(r.cpu) & (TF | RF | DF | IF), DF | IF, 'live TF/RF cleared, DF/IF kept');
  assert.equal(r.cpu.ui.uif, 0);
});

test('delivery with UISTACKADJUST bit 0 = 1 loads RSP := adj & ~15 before pushing (§1.2, §1.9, §6.17)', () => {
  const code = asmH('nop\nhlt', 'mov r11, [rsp+24]\nmov r12, rsp\nhlt');
  const alt = DATA + 0x8009;
  const S = STACK_TOP - 64;
  const { env } = mkEnv();
  const r = runRaw(code, ({ cpu }) => {
    cpu.env = env;
    cpu.ui.uirr = 1n << 33n;
    cpu.ui.uif = 1;
    cpu.ui.handler = HANDLER;
    cpu.ui.stackAdjust = alt;
    updatePending(cpu);
  });
  assert.equal(r.cpu.getReg64(12), BigInt((alt & ~15) - 32));
  assert.equal(r.cpu.getReg64(11), BigInt(S), 'saved RSP is the interrupted one');
  assert.equal(r64(r.mem, (alt & ~15) - 32), 33n, 'vector zero-extended');
});

test('highest vector first; the next pending one is delivered right after UIRET, before the interrupted code (§1.9, §6.12)', () => {
  const code = asmH('inc r14\ninc r14\nhlt', `
    inc r15
    shl rbx, 8
    or rbx, [rsp]
    shl rdx, 8
    or rdx, r14
    add rsp, 8
    uiret`);
  const S = STACK_TOP - 64;
  const { env } = mkEnv();
  const r = runRaw(code, ({ cpu }) => {
    cpu.env = env;
    cpu.ui.uirr = (1n << 3n) | (1n << 60n);
    cpu.ui.uif = 1;
    cpu.ui.handler = HANDLER;
    cpu.ui.stackAdjust = 128;
    updatePending(cpu);
  });
  faultAt(r, SIGSEGV, CODE + 6, 'final hlt');
  const c = r.cpu;
  assert.equal(c.getReg64(15), 2n, 'two handler runs');
  assert.equal(c.getReg64(3), (60n << 8n) | 3n, 'order 60 then 3');
  assert.equal(c.getReg64(2), 0n, 'no interrupted instruction ran between the two deliveries');
  assert.equal(c.getReg64(14), 2n);
  assert.equal(c.getReg64(4), BigInt(S), 'RSP restored');
  assert.equal(c.ui.uirr, 0n);
  assert.equal(c.ui.uif, 1, 'UIRET set UIF');
});

test('STUI delivers at the very next boundary (no shadow) (§1.7.3, §6.13, §6.14)', () => {
  const body = 'mov rdx, r14\nmov rsi, [rsp+8]';
  const code = asmH('stui\ninc r14\ninc r14\nhlt', `${body}\nhlt`);
  const { env } = mkEnv();
  const r = runRaw(code, ({ cpu }) => {
    cpu.env = env;
    cpu.ui.uirr = 1n << 1n;
    cpu.ui.handler = HANDLER;
    cpu.ui.stackAdjust = 128;
    updatePending(cpu);
  });
  assert.equal(r.cpu.rip, hltOf(body), 'handler ran');
  assert.equal(r.cpu.getReg64(2), 0n, 'delivered before the instruction after STUI');
  assert.equal(r.cpu.getReg64(6), BigInt(CODE + 4));
});

/** Self-IPI on a bare CPU: the notification is processed synchronously by the receiver (this CPU). */
function selfIpiRun(main: string, handler: string, uif: number) {
  const code = asmH(main, handler);
  let mem!: Memory;
  const { env, log } = mkEnv({ sendIpi: (c) => void processNotification(c, mem) });
  const r = runRaw(code, (rr) => {
    mem = rr.mem;
    const { cpu } = rr;
    cpu.env = env;
    sendRoute(cpu, mem, 0, 7);
    cpu.ui.upidAddr = UPID;
    cpu.ui.uinv = NV;
    cpu.ui.uif = uif;
    cpu.ui.handler = HANDLER;
    cpu.ui.stackAdjust = 128;
    updatePending(cpu);
  });
  return { r, log };
}

test('self-IPI with UIF=1 is delivered at the boundary right after SENDUIPI (§1.10, §6.32)', () => {
  const body = 'mov rdx, r14\nmov rsi, [rsp]';
  const { r } = selfIpiRun('xor eax, eax\nsenduipi rax\ninc r14\nhlt', `${body}\nhlt`, 1);
  assert.equal(r.cpu.rip, hltOf(body), 'handler ran');
  assert.equal(r.cpu.getReg64(2), 0n);
  assert.equal(r.cpu.getReg64(6), 7n);
  assert.equal(r64(r.mem, UPID), CTL0, 'ON cleared by processing');
});

test('CLUI blocks immediately: nothing delivered after it, UIRR keeps the request (§1.7.3, §6.14)', () => {
  const { r } = selfIpiRun('clui\nxor eax, eax\nsenduipi rax\ninc r14\nhlt', 'mov r15, 1\nhlt', 1);
  faultAt(r, SIGSEGV, CODE + 4 + 2 + 4 + 3, 'main hlt');
  assert.equal(r.cpu.getReg64(15), 0n, 'handler never ran');
  assert.equal(r.cpu.getReg64(14), 1n);
  assert.equal(r.cpu.ui.uirr, 1n << 7n);
  assert.equal(r.cpu.ui.uif, 0);
});

test('MOV SS delays delivery by exactly one instruction; MOV DS does not (§1.9 item 6, §6.14)', () => {
  for (const [seg, expectR14] of [['ss', 1n], ['ds', 0n]] as const) {
    const code = asmH(`mov eax, 0x2b\nmov ${seg}, ax\ninc r14\ninc r14\ninc r14\nhlt`, 'mov rdx, r14\nhlt');
    const { env } = mkEnv();
    const r = runRaw(code, ({ cpu }) => {
      cpu.env = env;
      cpu.ui.handler = HANDLER;
      cpu.ui.stackAdjust = 128;
      cpu.ui.uif = 1;
    }, 0);
    const { cpu, engine } = r;
    engine.run(cpu, 1, true); // mov eax
    engine.run(cpu, 1, true); // mov ss/ds (+ the instruction in its shadow)
    assert.equal(cpu.exit, Exit.None);
    // an interrupt becomes recognized now (e.g. a notification processed between two steps)
    cpu.ui.uirr = 1n << 9n;
    updatePending(cpu);
    for (let k = 0; k < 100 && cpu.exit === Exit.None; k++) engine.run(cpu, 1000);
    assert.equal(cpu.rip, hltOf('mov rdx, r14'), `${seg}: handler ran`);
    assert.equal(cpu.getReg64(2), expectR14, `mov ${seg}: instructions between the boundary and delivery`);
  }
});

test('MOV SS inside a block: the boundary right after it never delivers (§1.9 item 6)', () => {
  // UIRR set with UIF=0; STUI in the shadow of MOV SS: delivery right after STUI (STUI has no shadow itself).
  const body = 'mov rdx, r14\nmov rsi, [rsp+8]';
  const code = asmH('mov eax, 0x2b\nmov ss, ax\nstui\ninc r14\nhlt', `${body}\nhlt`);
  const { env } = mkEnv();
  const r = runRaw(code, ({ cpu }) => {
    cpu.env = env;
    cpu.ui.uirr = 1n;
    cpu.ui.handler = HANDLER;
    cpu.ui.stackAdjust = 128;
    updatePending(cpu);
  });
  assert.equal(r.cpu.rip, hltOf(body), 'handler ran');
  assert.equal(r.cpu.getReg64(6), BigInt(CODE + assemble('mov eax, 0x2b\nmov ss, ax\nstui').length), 'delivered right after STUI');
  assert.equal(r.cpu.getReg64(2), 0n);
});

test('delivery onto an unmapped stack -> SIGSEGV with UIRR, UIF, RSP, RIP unchanged (§1.9, §6.23)', () => {
  for (const [adj, rsp] of [[0x900001, STACK_TOP - 64], [128, 0x900000]]) {
    const code = asmH('nop\nhlt', 'hlt');
    const { env } = mkEnv();
    const r = runRaw(code, ({ cpu }) => {
      cpu.env = env;
      cpu.setRegNum(4, rsp);
      cpu.ui.uirr = (1n << 4n) | (1n << 50n);
      cpu.ui.uif = 1;
      cpu.ui.handler = HANDLER;
      cpu.ui.stackAdjust = adj;
      updatePending(cpu);
    });
    assert.equal(r.cpu.exit, Exit.Fault);
    assert.equal(r.cpu.faultSig, SIGSEGV);
    assert.equal(r.cpu.rip, CODE, 'RIP unchanged');
    assert.equal(r.cpu.getReg64(4), BigInt(rsp), 'RSP unchanged');
    assert.equal(r.cpu.ui.uirr, (1n << 4n) | (1n << 50n), 'UIRR unchanged');
    assert.equal(r.cpu.ui.uif, 1, 'UIF unchanged');
    assert.equal(r.cpu.uiPending, 1, 'retried when execution resumes');
  }
});

// ====================================================================== UIRET

function uiretRun(frameRip: bigint, frameFlags: bigint, frameRsp: bigint, initialFlags = 0x202) {
  const code = asmH('uiret\nhlt', 'hlt');
  const { env } = mkEnv();
  const S = STACK_TOP - 64;
  const r = runRaw(code, ({ cpu, mem }) => {
    cpu.env = env;
    setRflags(cpu, initialFlags);
    w64(mem, S, frameRip);
    w64(mem, S + 8, frameFlags);
    w64(mem, S + 16, frameRsp);
  });
  return { r, S };
}

test('UIRET without a delivery: RIP/RFLAGS(mask 0x254DD5)/RSP popped, RSP = popped value, UIF := 1 (§1.7.5, §6.19, §6.21)', () => {
  const newRsp = BigInt(DATA + 0x4008);
  {
    const { r } = uiretRun(BigInt(HANDLER), 0xffffffffffffffffn, newRsp);
    faultAt(r, SIGSEGV, HANDLER, 'handler hlt');
    assert.equal(getRflags(r.cpu), 0x202 | 0x254dd5, `all-ones image: 0x${getRflags(r.cpu).toString(16)} (IOPL/VM/VIF/VIP not loaded, IF kept)`);
    assert.equal(r.cpu.getReg64(4), newRsp, 'RSP = popped value (not +24)');
    assert.equal(r.cpu.ui.uif, 1);
  }
  {
    const { r } = uiretRun(BigInt(HANDLER), 0n, newRsp, 0x202 | 0x8d5 | DF);
    faultAt(r, SIGSEGV, HANDLER, 'handler hlt');
    assert.equal(getRflags(r.cpu), 0x202, 'zero image: IF kept, loaded bits cleared');
  }
});

test('UIRET to a non-canonical RIP -> #GP with RIP, RSP, RFLAGS, UIF unchanged (§1.7.5, §6.20)', () => {
  for (const bad of [1n << 47n, 0x8000000000000000n, 0x00ff000000000000n]) {
    const { r, S } = uiretRun(bad, 0x8d5n, BigInt(DATA + 0x4000), 0x202);
    faultAt(r, SIGSEGV, CODE, `RIP 0x${bad.toString(16)}`);
    assert.equal(r.cpu.getReg64(4), BigInt(S), 'RSP unchanged');
    assert.equal(getRflags(r.cpu), 0x202, 'RFLAGS unchanged');
    assert.equal(r.cpu.ui.uif, 0, 'UIF unchanged');
  }
});

// ====================================================================== TESTUI

test('TESTUI: CF := UIF; ZF SF OF AF PF cleared; DF (and IF) unchanged (§1.7.3, §6.15)', () => {
  for (const uif of [0, 1]) {
    const code = assemble('push 0xed7\npopfq\ntestui\npushfq\npop rbx\nsetb cl\nhlt');
    const { env } = mkEnv();
    const r = runRaw(code, ({ cpu }) => {
      cpu.env = env;
      cpu.ui.uif = uif;
      updatePending(cpu);
    });
    assert.equal(r.cpu.exit, Exit.Fault);
    assert.equal(Number(r.cpu.getReg64(3)), 0x602 | uif, `UIF=${uif}: RFLAGS 0x${r.cpu.getReg64(3).toString(16)}`);
    assert.equal(r.cpu.getReg64(1), BigInt(uif), 'setb reads UIF');
  }
});

// ====================================================================== MSRs and XSAVE image

test('WRMSR checks of §1.3: canonical HANDLER/STACKADJUST, MISC 63:40, PD 5:0 + canonical, TT 3:1 + canonical', () => {
  const c = new CpuState();
  const NONCANON = [1n << 47n, 0x0000800000000000n | 0x1000n, 0x7fff000000000000n];
  for (const msr of [MSR_UINTR_HANDLER, MSR_UINTR_STACKADJUST, MSR_UINTR_PD, MSR_UINTR_TT]) {
    for (const v of NONCANON) {
      const before = readMsr(c, msr);
      assert.equal(writeMsr(c, msr, v), false, `MSR 0x${msr.toString(16)} <- 0x${v.toString(16)}`);
      assert.equal(readMsr(c, msr), before, 'unchanged on #GP');
    }
  }
  assert.equal(writeMsr(c, MSR_UINTR_HANDLER, 0x401000n), true);
  assert.equal(readMsr(c, MSR_UINTR_HANDLER), 0x401000n);
  assert.equal(writeMsr(c, MSR_UINTR_HANDLER, 0xffff800000001000n), true, 'high canonical half is canonical');
  assert.equal(writeMsr(c, MSR_UINTR_STACKADJUST, 129n), true);
  assert.equal(readMsr(c, MSR_UINTR_STACKADJUST), 129n);
  for (const bit of [40n, 48n, 62n, 63n]) assert.equal(writeMsr(c, MSR_UINTR_MISC, 1n << bit), false, `MISC bit ${bit}`);
  assert.equal(writeMsr(c, MSR_UINTR_MISC, (0xecn << 32n) | 255n), true);
  assert.equal(c.ui.uittsz, 255);
  assert.equal(c.ui.uinv, 0xec);
  assert.equal(readMsr(c, MSR_UINTR_MISC), (0xecn << 32n) | 255n);
  for (const v of [0x600001n, 0x600020n, 0x60003fn]) assert.equal(writeMsr(c, MSR_UINTR_PD, v), false, `PD 0x${v.toString(16)}`);
  assert.equal(writeMsr(c, MSR_UINTR_PD, 0x600040n), true);
  assert.equal(c.ui.upidAddr, 0x600040);
  for (const v of [0x600002n, 0x600004n, 0x600009n]) assert.equal(writeMsr(c, MSR_UINTR_TT, v), false, `TT 0x${v.toString(16)}`);
  assert.equal(writeMsr(c, MSR_UINTR_TT, 0x600011n), true);
  assert.equal(c.ui.ttValid, 1);
  assert.equal(c.ui.uittAddr, 0x600010);
  assert.equal(readMsr(c, MSR_UINTR_TT), 0x600011n);
  // RR: any value; a non-zero write re-evaluates recognition
  c.ui.uif = 1;
  assert.equal(writeMsr(c, MSR_UINTR_RR, 0xffffffffffffffffn), true);
  assert.equal(c.ui.uirr, 0xffffffffffffffffn);
  assert.equal(c.uiPending, 1);
  assert.equal(writeMsr(c, MSR_UINTR_RR, 0n), true);
  assert.equal(c.uiPending, 0);
});

test('XSAVE component 14 image: layout, UIF at bit 63 of qword 16, UINV cleared on save; XRSTORS refuses live UINV ≠ 0 (§1.6)', () => {
  const c = new CpuState();
  c.ui.handler = 0x401230;
  c.ui.stackAdjust = 128;
  c.ui.uittsz = 255;
  c.ui.uinv = 0xec;
  c.ui.upidAddr = 0x600040;
  c.ui.uirr = (1n << 63n) | 5n;
  c.ui.uittAddr = 0x601000;
  c.ui.ttValid = 1;
  c.ui.uif = 1;
  const img = xsaveImage(c);
  assert.equal(img.length, 48);
  const dv = new DataView(img.buffer, img.byteOffset, 48);
  assert.equal(dv.getBigUint64(0, true), 0x401230n);
  assert.equal(dv.getBigUint64(8, true), 128n);
  assert.equal(dv.getBigUint64(16, true), (1n << 63n) | (0xecn << 32n) | 255n);
  assert.equal(img[23], 0x80, 'UIF is bit 7 of byte 23');
  assert.equal(dv.getBigUint64(24, true), 0x600040n);
  assert.equal(dv.getBigUint64(32, true), (1n << 63n) | 5n);
  assert.equal(dv.getBigUint64(40, true), 0x601001n);
  assert.equal(c.ui.uinv, 0, 'XSAVES clears the live UINV');

  // XRSTORS with live UINV ≠ 0 -> #GP, state unchanged
  const d = new CpuState();
  d.ui.uinv = 0x22;
  assert.equal(xrstorImage(d, img), false);
  assert.equal(d.ui.handler, 0);
  assert.equal(d.ui.uinv, 0x22);
  // live UINV = 0: restores everything, UIF from bit 63
  d.ui.uinv = 0;
  assert.equal(xrstorImage(d, img), true);
  assert.equal(d.ui.handler, 0x401230);
  assert.equal(d.ui.uinv, 0xec);
  assert.equal(d.ui.uittsz, 255);
  assert.equal(d.ui.uif, 1);
  assert.equal(d.ui.uirr, (1n << 63n) | 5n);
  assert.equal(d.ui.ttValid, 1);
  assert.equal(d.ui.uittAddr, 0x601000);
  assert.equal(d.uiPending, 1, 'recognition re-evaluated');
  // a field failing the WRMSR checks -> #GP
  const bad = img.slice();
  bad[22] = 1; // MISC reserved bit 48
  const e = new CpuState();
  assert.equal(xrstorImage(e, bad), false);
  const bad2 = img.slice();
  bad2[24] |= 8; // UPIDADDR bits 5:0
  assert.equal(xrstorImage(e, bad2), false);
  assert.equal(e.ui.handler, 0);
});

test('UIRET frame check (emulator bookkeeping, not architecture): a matching UIRET has no mismatch; a missing `add rsp, 8` or a rewritten frame is reported', () => {
  const cases: [string, string, RegExp | null][] = [
    ['add rsp, 8\nuiret', 'a correct handler', null],
    ['uiret', 'the vector left on the stack', /^RSP is 8 bytes below the frame's RIP slot \(the vector was not popped\)$/],
    ['add rsp, 8\nmov qword ptr [rsp], rbx\nuiret', 'the saved RIP rewritten (a context switch)', /^the frame was changed$/],
  ];
  for (const [handler, what, want] of cases) {
    const code = asmH('inc r14\nhlt', handler);
    const { env, log } = mkEnv();
    runRaw(code, ({ cpu }) => {
      cpu.env = env;
      cpu.setReg64(3, BigInt(CODE + 2)); // rbx: a valid place to "switch" to
      cpu.ui.uirr = 1n << 7n;
      cpu.ui.uif = 1;
      cpu.ui.handler = HANDLER;
      cpu.ui.stackAdjust = 128;
      updatePending(cpu);
    });
    const d = log.events.find((e) => e.kind === 'deliver')!.d;
    const u = log.events.find((e) => e.kind === 'uiret')!.d;
    if (!want) {
      assert.equal(u.mismatch, undefined, what);
      continue;
    }
    assert.match(String(u.mismatch), want, what);
    assert.equal(u.frame, d.frame, `${what}: the delivery's frame`);
    assert.equal(u.pushedRip, d.rip, `${what}: the interrupted RIP`);
    assert.equal(u.pushedRsp, d.rsp, `${what}: the interrupted RSP`);
  }
});
