/**
 * §6 corner cases of ../../shared/uintr-spec.md that need the bare CPU and had no test of their own:
 * §6.33 (RFLAGS.IF and user interrupts) and §6.34 (single-step #DB trap vs. a user interrupt at the same
 * boundary). Expected values come from the spec (§1.8, §1.9, §1.7.5), never from the emulator's output.
 *
 * Memory layout as in uintr-arch.test.ts: UITT at DATA, UPID at DATA+0x1000, handler at CODE+0x100.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { assemble, runRaw, CODE, DATA, STACK_TOP } from './rawcpu';
import { Exit, CpuEnv, CpuState } from '../../emulator/cpu/state';
import { Memory } from '../../emulator/memory/memory';
import { getRflags, setRflags } from '../../emulator/cpu/flags';
import { updatePending, processNotification } from '../../emulator/uintr/arch';

const SIGSEGV = 11, SIGTRAP = 5, TRAP_TRACE = 2;
const HANDLER = CODE + 0x100;
const UITT = DATA, UPID = DATA + 0x1000;
const NV = 0xec;
const CTL0 = (BigInt(NV) << 16n) | (BigInt(3 << 8) << 32n);
const TF = 0x100, IF = 0x200;

function w64(mem: Memory, a: number, v: bigint): void {
  const b = new Uint8Array(8);
  new DataView(b.buffer).setBigUint64(0, BigInt.asUintN(64, v), true);
  mem.write(a, b, true);
}
function env(over: Partial<CpuEnv> = {}): CpuEnv {
  return { now: () => 0, coreOf: () => 0, uintrEnabled: true, sendIpi: () => {}, event: () => {}, ...over };
}
function asmH(main: string, handler: string): Uint8Array {
  return assemble(`${main}\n.org 0x100\nhandler:\n${handler}\n`);
}
const len = (src: string) => assemble(src).length;

// ====================================================================== §6.33

/*
 * How the user-mode model handles RFLAGS.IF (§1.8, §1.9, §6.33; §8 does not discuss it): notification
 * identification needs IF = 1, delivery does not look at IF. Guest code runs at CPL3 with IOPL 0, where IF
 * cannot be changed (POPF/UIRET keep it, CLI/STI #GP), so every notification that reaches a core running the
 * receiver's user code is identified; a receiver inside a system call is, in this emulator, either done
 * instantly or blocked (switched out: SN = 1 / UINV = 0, and PIR is replayed on the return to user mode,
 * §2.5), so the kernel-mode IF = 0 window of real hardware never shows. The delivery side is tested
 * directly: a thread whose RFLAGS.IF is 0 (forced by the test harness, as only the kernel could) still gets
 * its user interrupt. Compatibility mode (delivery requires 64-bit mode) is not reachable: the emulator runs
 * 64-bit code only (no 32-bit code segment can be loaded).
 */

/** A thread that can interrupt itself: UITT[0] = vector 7 → its own UPID, receiver with UIF = 1 and a handler. */
function selfRoute(cpu: CpuState, mem: Memory): void {
  w64(mem, UITT, 1n | (7n << 8n));
  w64(mem, UITT + 8, BigInt(UPID));
  w64(mem, UPID, CTL0);
  cpu.ui.uittAddr = UITT;
  cpu.ui.ttValid = 1;
  cpu.ui.uittsz = 255;
  cpu.ui.upidAddr = UPID;
  cpu.ui.uinv = NV;
  cpu.ui.uif = 1;
  cpu.ui.handler = HANDLER;
  cpu.ui.stackAdjust = 128;
}

test('§6.33: delivery does not look at RFLAGS.IF: IF = 0 still delivers; the pushed image and the handler keep IF = 0', () => {
  const code = asmH('nop\ninc r14\nhlt', 'pushfq\npop r8\nmov r9, [rsp+16]\nmov r10, r14\nhlt');
  const r = runRaw(code, ({ cpu }) => {
    cpu.env = env();
    setRflags(cpu, getRflags(cpu) & ~IF);
    cpu.ui.uirr = 1n << 12n;
    cpu.ui.uif = 1;
    cpu.ui.handler = HANDLER;
    cpu.ui.stackAdjust = 128;
    updatePending(cpu);
  });
  assert.equal(r.cpu.exit, Exit.Fault);
  assert.equal(r.cpu.rip, HANDLER + len('pushfq\npop r8\nmov r9, [rsp+16]\nmov r10, r14'), 'handler ran to its hlt');
  assert.equal(r.cpu.getReg64(10), 0n, 'delivered at the first boundary, IF = 0 notwithstanding');
  assert.equal(Number(r.cpu.getReg64(9)) & IF, 0, 'pushed RFLAGS has IF = 0');
  assert.equal(Number(r.cpu.getReg64(8)) & IF, 0, 'delivery does not set IF (§1.9: only UIF, TF, RF change)');
  assert.equal(r.cpu.ui.uirr, 0n);
});

test('§6.33: user mode cannot clear RFLAGS.IF (POPF and UIRET keep it, CLI #GP), so notifications to user code are always identified', () => {
  // POPF with an image whose IF is 0: IF stays 1 (IOPL 0)
  const p = runRaw(assemble('push 0\npopfq\npushfq\npop rbx\nhlt'), ({ cpu }) => void (cpu.env = env()));
  assert.equal(Number(p.cpu.getReg64(3)) & IF, IF, 'POPF keeps IF');
  // UIRET loads only the bits of mask 0x254DD5 (IF is not among them, §1.7.5)
  const S = STACK_TOP - 64;
  const u = runRaw(asmH('uiret', 'pushfq\npop rbx\nhlt'), ({ cpu, mem }) => {
    cpu.env = env();
    w64(mem, S, BigInt(HANDLER));
    w64(mem, S + 8, 0n);
    w64(mem, S + 16, BigInt(S + 24));
  });
  assert.equal(Number(u.cpu.getReg64(3)) & IF, IF, 'UIRET keeps IF');
  // CLI at CPL3 / IOPL 0: #GP -> SIGSEGV
  const c = runRaw(assemble('cli\nhlt'), ({ cpu }) => void (cpu.env = env()));
  assert.equal(c.cpu.faultSig, SIGSEGV);
  assert.equal(c.cpu.rip, CODE, 'CLI faults');
  // hence a self-IPI is identified and processed with IF = 1 and delivered at the next boundary (§1.8)
  let mem!: Memory;
  const body = 'mov rdx, r14\nmov rsi, [rsp]';
  const s = runRaw(asmH('xor eax, eax\nsenduipi rax\ninc r14\nhlt', `${body}\nhlt`), (rr) => {
    mem = rr.mem;
    const { cpu } = rr;
    cpu.env = env({ sendIpi: (cc) => void ((getRflags(cc) & IF) !== 0 && processNotification(cc, mem)) });
    selfRoute(cpu, mem);
  });
  assert.equal(s.cpu.rip, HANDLER + len(body), 'handler ran');
  assert.equal(s.cpu.getReg64(2), 0n, 'right after SENDUIPI');
  assert.equal(s.cpu.getReg64(6), 7n, 'vector 7');
});

// ====================================================================== §6.34

test('single-step: an instruction that starts with TF = 1 traps after it (SIGTRAP TRAP_TRACE, RIP and si_addr = next); POPF setting TF traps only after the next instruction (§1.9)', () => {
  const pre = 'pushfq\nor qword ptr [rsp], 0x100\npopfq';
  const code = assemble(`${pre}\ninc r14\ninc r14\nhlt`);
  const r = runRaw(code, ({ cpu }) => void (cpu.env = env()));
  const afterInc = CODE + len(`${pre}\ninc r14`);
  assert.equal(r.cpu.exit, Exit.Fault);
  assert.equal(r.cpu.faultSig, SIGTRAP, 'SIGTRAP');
  assert.equal(r.cpu.faultCode, TRAP_TRACE, 'si_code TRAP_TRACE');
  assert.equal(r.cpu.rip, afterInc, 'trap after the instruction following POPF, not after POPF');
  assert.equal(r.cpu.faultAddr, afterInc, 'si_addr = RIP of the next instruction');
  assert.equal(r.cpu.getReg64(14), 1n);
  // POPF that clears TF started with TF = 1: it traps after itself; then execution runs freely
  const off = `${pre}\npushfq\nand qword ptr [rsp], -0x101\npopfq`;
  const code2 = assemble(`${off}\ninc r14\ninc r14\nhlt`);
  const r2 = runRaw(code2, ({ cpu }) => void (cpu.env = env()));
  assert.equal(r2.cpu.faultSig, SIGTRAP);
  assert.equal(r2.cpu.rip, CODE + len(`${pre}\npushfq`), 'first trap: after the PUSHFQ following the POPF that set TF');
  let traps = 1;
  for (let k = 0; k < 10 && r2.cpu.exit === Exit.Fault && r2.cpu.faultSig === SIGTRAP; k++) {
    r2.engine.run(r2.cpu, 1000);
    if (r2.cpu.faultSig === SIGTRAP) traps++;
  }
  assert.equal(r2.cpu.faultSig, SIGSEGV, 'ends at the final hlt');
  assert.equal(traps, 3, 'traps after PUSHFQ, AND, and the POPF that cleared TF; none after');
  assert.equal(r2.cpu.getReg64(14), 2n);
});

test('§6.34: a pending single-step trap is reported before a user interrupt at the same boundary; the handler runs with TF = 0, UIRET restores TF', () => {
  const pre = 'pushfq\nor qword ptr [rsp], 0x100\npopfq\nstui';
  const hbody = 'pushfq\npop r8\nmov r9, [rsp+16]\nmov r10, [rsp+8]\ninc r15';
  const code = asmH(`${pre}\ninc r14\ninc r14\nhlt`, `${hbody}\nadd rsp, 8\nuiret`);
  const afterStui = CODE + len(pre);
  const afterInc1 = CODE + len(`${pre}\ninc r14`);
  const r = runRaw(code, ({ cpu }) => {
    cpu.env = env();
    cpu.ui.uirr = 1n << 5n; // pending; UIF = 0 until STUI
    cpu.ui.handler = HANDLER;
    cpu.ui.stackAdjust = 128;
    updatePending(cpu);
  });
  const c = r.cpu;
  // boundary after STUI: both the #DB trap (STUI began with TF = 1) and the user interrupt (STUI has no
  // shadow) are pending; the trap is reported first (§1.9 item 7, §6.34)
  assert.equal(c.exit, Exit.Fault);
  assert.equal(c.faultSig, SIGTRAP, 'single-step trap first');
  assert.equal(c.faultCode, TRAP_TRACE);
  assert.equal(c.rip, afterStui, 'reported at the instruction after STUI');
  assert.equal(c.getReg64(15), 0n, 'handler not run yet');
  assert.equal(c.ui.uirr, 1n << 5n, 'UIRR unchanged');
  assert.equal(c.ui.uif, 1, 'UIF = 1 (STUI completed)');
  assert.equal(c.uiPending, 1, 'user interrupt still recognized');
  assert.equal(getRflags(c) & TF, TF, 'TF still set');
  // the kernel handles the trap and returns to the same RIP with TF set (a SIGTRAP handler's sigreturn
  // restores the saved RFLAGS): the user interrupt is delivered before any instruction runs
  r.engine.run(c, 1000);
  assert.equal(c.exit, Exit.Fault);
  assert.equal(c.faultSig, SIGTRAP, 'next trap');
  assert.equal(c.getReg64(15), 1n, 'handler ran once');
  assert.equal(c.getReg64(10), BigInt(afterStui), 'interrupted RIP = the instruction after STUI (nothing ran in between)');
  assert.equal(Number(c.getReg64(8)) & TF, 0, 'handler runs with TF = 0 (not single-stepped)');
  assert.equal(Number(c.getReg64(9)) & TF, TF, 'pushed RFLAGS keeps TF');
  assert.equal(c.rip, afterInc1, 'after UIRET (which restored TF) the first INC ran and trapped; no trap inside the handler nor after UIRET');
  assert.equal(c.getReg64(14), 1n);
  assert.equal(getRflags(c) & TF, TF, 'UIRET restored TF');
  r.engine.run(c, 1000);
  assert.equal(c.faultSig, SIGTRAP);
  assert.equal(c.getReg64(14), 2n, 'stepping goes on');
  r.engine.run(c, 1000);
  assert.equal(c.faultSig, SIGSEGV, 'hlt faults (#GP), no trap for a faulting instruction');
  assert.equal(c.getReg64(15), 1n);
});

test('§6.34: single-stepped SENDUIPI self-IPI: trap first, then delivery; TF toggled often stays bounded (no recursion)', () => {
  let mem!: Memory;
  const hbody = 'inc r15';
  const pre = 'pushfq\nor qword ptr [rsp], 0x100\npopfq\nxor eax, eax\nsenduipi rax';
  // a loop that toggles TF 2000 times: exercises the engine's mode switches
  const loop = `mov ecx, 2000
1:
pushfq
xor qword ptr [rsp], 0x100
popfq
dec ecx
jnz 1b`;
  const code = asmH(`${pre}\n${loop}\nhlt`, `${hbody}\nadd rsp, 8\nuiret`);
  const r = runRaw(code, (rr) => {
    mem = rr.mem;
    const { cpu } = rr;
    cpu.env = env({ sendIpi: (cc) => void processNotification(cc, mem) });
    selfRoute(cpu, mem);
  });
  const c = r.cpu;
  // xor eax, eax ran with TF = 1 -> first trap right after it
  assert.equal(c.faultSig, SIGTRAP);
  assert.equal(c.rip, CODE + len('pushfq\nor qword ptr [rsp], 0x100\npopfq\nxor eax, eax'));
  r.engine.run(c, 1000);
  // SENDUIPI traps; the notification was processed, the interrupt waits behind the trap
  assert.equal(c.faultSig, SIGTRAP);
  assert.equal(c.rip, CODE + len(pre), 'trap after SENDUIPI');
  assert.equal(c.getReg64(15), 0n, 'not yet delivered');
  assert.equal(c.ui.uirr, 1n << 7n);
  // resume: delivered first, then stepping continues into the loop; count traps until the final hlt
  let traps = 0;
  for (let k = 0; k < 100000 && c.faultSig === SIGTRAP; k++) {
    r.engine.run(c, 100000);
    if (c.faultSig === SIGTRAP) traps++;
  }
  assert.equal(c.faultSig, SIGSEGV, 'final hlt');
  assert.equal(c.getReg64(15), 1n, 'delivered once');
  // with TF = 1 at the loop start: mov ecx traps; each odd iteration starts with TF=1 (4 traps: pushfq, xor,
  // popfq clears TF -> traps; dec, jnz run free), each even iteration starts with TF=0 (popfq sets it: dec
  // and jnz trap) -> 1 + 1000*3 + 1000*2
  assert.equal(traps, 1 + 3000 + 2000);
});
