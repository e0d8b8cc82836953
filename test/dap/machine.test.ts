/**
 * The Machine facade (emulator/machine.ts) directly: running in pieces and stopping at breakpoints keeps the
 * schedule of an uninterrupted run (same UINTR event log, times included), stops on UINTR events happen at
 * the right instruction boundary, and stepping into a pending user interrupt lands on the handler.
 */
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { Machine, TState } from '../../emulator/machine';
import { Kernel } from '../../emulator/linux/kernel';
import { formatEvent } from '../../emulator/uintr/events';
import { HostIO } from '../../emulator/linux/files';
import { uipiSample, symbolAddress } from './helpers';

let uipi: string;
before(() => {
  uipi = uipiSample();
});

function io(sink: string[]): HostIO {
  return { write: (_fd, d) => void sink.push(Buffer.from(d).toString()), readStdin: () => new Uint8Array(0), isatty: () => false };
}

function reference(cores: number, seed: number): { log: string[]; insns: number } {
  const k = new Kernel({ cores, seed, io: io([]) });
  k.spawn(uipi, [uipi], []);
  const r = k.run();
  assert.equal(r.kind, 'exited');
  return { log: k.uintrLog.events.map(formatEvent), insns: k.totalInsns };
}

test('running in pieces and stopping at breakpoints keeps the schedule of an uninterrupted run', () => {
  for (const [cores, seed] of [[2, 1], [1, 3], [3, 7]]) {
    const ref = reference(cores, seed);
    // small budgets: every run() returns inside rounds and slices
    const m = new Machine({ cores, seed, io: io([]) });
    m.load(uipi, [uipi], []);
    let r;
    let pieces = 0;
    while ((r = m.run(997)).kind === 'running') pieces++;
    assert.equal(r.kind, 'ended');
    assert.ok(pieces > 10);
    assert.deepEqual(m.kernel.uintrLog.events.map(formatEvent), ref.log, `cores ${cores} seed ${seed}`);
    assert.equal(m.kernel.totalInsns, ref.insns);

    // breakpoints in both threads' code, hit and continued
    const m2 = new Machine({ cores, seed, io: io([]) });
    m2.load(uipi, [uipi], []);
    m2.setBreakpoints([[symbolAddress(uipi, 'sender_thread'), null], [symbolAddress(uipi, 'uintr_handler'), null]]);
    const hits: string[] = [];
    while ((r = m2.run(50_000)).kind !== 'ended') if (r.kind === 'stopped') hits.push(`${r.stop.reason}@${r.stop.thread.cpu.rip.toString(16)}`);
    assert.deepEqual(hits, [`breakpoint@${symbolAddress(uipi, 'sender_thread').toString(16)}`, `breakpoint@${symbolAddress(uipi, 'uintr_handler').toString(16)}`]);
    assert.deepEqual(m2.kernel.uintrLog.events.map(formatEvent), ref.log, `with breakpoints: cores ${cores} seed ${seed}`);
  }
});

test('single-stepping a thread through the whole program keeps the schedule and every event time', () => {
  // slices end at an exact instruction count (the engine never runs past its budget) and event times count
  // the instructions before the one that logs them (not the block's start), so stepping changes nothing
  for (const [cores, seed] of [[2, 1], [3, 7]]) {
    const ref = reference(cores, seed);
    const m = new Machine({ cores, seed, io: io([]) });
    m.load(uipi, [uipi], []);
    const t = m.mainThread;
    let r;
    let steps = 0;
    for (;;) {
      if (t.state === TState.Exited) break;
      m.stepInstruction(t, 'into');
      r = m.run(1_000_000);
      if (r.kind === 'ended') break;
      steps++;
    }
    while (r?.kind !== 'ended') r = m.run(1_000_000);
    assert.ok(steps > 5000, `stepped ${steps} times`);
    assert.deepEqual(m.kernel.uintrLog.events.map(formatEvent), ref.log, `cores ${cores} seed ${seed}`);
    assert.equal(m.kernel.totalInsns, ref.insns);
  }
});

test('event stops land on the right boundary; stepping into a pending interrupt enters the handler', () => {
  const out: string[] = [];
  const m = new Machine({ cores: 2, seed: 1, io: io(out) });
  m.load(uipi, [uipi], []);
  m.setStopFilters([['uiret', null]]);
  let r;
  while ((r = m.run(100_000)).kind === 'running');
  assert.equal(r.kind, 'stopped');
  if (r.kind !== 'stopped') return;
  const t = r.stop.thread;
  const ev = r.stop.event!;
  assert.equal(ev.kind, 'uiret');
  assert.equal(t.cpu.rip, ev.rip, 'stopped right after UIRET, at the interrupted instruction');
  assert.equal(m.uintr(t).uif, 1);
  // post vector 7 (UIF = 1: deliverable at the next boundary); one instruction step enters the handler
  assert.equal(m.post(t, 7), 'notified');
  assert.deepEqual(m.uintr(t).pending, [7]);
  m.setStopFilters([]);
  m.stepInstruction(t, 'into');
  while ((r = m.run(100_000)).kind === 'running');
  assert.equal(r.kind, 'stopped');
  if (r.kind !== 'stopped') return;
  assert.equal(r.stop.reason, 'step');
  assert.equal(t.cpu.rip, symbolAddress(uipi, 'uintr_handler'));
  assert.deepEqual(m.activeDeliveries(t).map((d) => d.vector), [7]);
  assert.equal(m.uintr(t).uif, 0);
  // step out of the handler: right after its UIRET
  m.stepInstruction(t, 'out');
  while ((r = m.run(100_000)).kind === 'running');
  assert.equal(r.kind === 'stopped' && r.stop.reason, 'step');
  assert.equal(t.cpu.rip, ev.rip);
  assert.equal(m.activeDeliveries(t).length, 0);
  while ((r = m.run(100_000)).kind === 'running');
  assert.equal(r.kind, 'ended');
  if (r.kind === 'ended') assert.equal(r.description, 'exited with status 0');
  assert.equal(out.join('').split('-- User Interrupt handler --').length - 1, 2);
});

test('registers, sub-registers and the UINTR fields: reads and writes with their checks', () => {
  const m = new Machine({ cores: 1, io: io([]) });
  m.load(uipi, [uipi], []);
  const t = m.mainThread;
  m.setRegister(t, 'rax', 0x1122334455667788n);
  assert.equal(m.register(t, 'eax'), 0x55667788n);
  assert.equal(m.register(t, 'ah'), 0x77n);
  m.setRegister(t, 'eax', 1n);
  assert.equal(m.register(t, 'rax'), 1n, 'a 32-bit write zeroes the upper half');
  m.setRegister(t, 'al', 0xffn);
  assert.equal(m.register(t, 'rax'), 0xffn);
  m.setRegister(t, 'xmm3', 0x0102030405060708090a0b0c0d0e0f10n);
  assert.equal(m.register(t, 'xmm3'), 0x0102030405060708090a0b0c0d0e0f10n);
  assert.throws(() => m.setRegister(t, 'rip', 1n << 48n), /canonical/);
  assert.throws(() => m.setRegister(t, 'cr3', 0n), /unknown register/);
  m.setUintr(t, 'UIRR', 0x5n);
  assert.deepEqual(m.uintr(t).pending, [2, 0]);
  assert.equal(t.cpu.uiPending, 0, 'UIF = 0: not deliverable');
  m.setUintr(t, 'UIF', 1n);
  assert.equal(t.cpu.uiPending, 1);
  assert.throws(() => m.setUintr(t, 'SN', 1n), /no UPID/);
  assert.throws(() => m.setUintr(t, 'UIHANDLER', 1n << 60n), /canonical/);
  assert.throws(() => m.post(t, 1), /not a user-interrupt receiver/);
});
