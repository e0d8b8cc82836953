/**
 * Reverse execution by replay (debug-adapter/reverse.ts) on the Machine directly: a replayed machine lands
 * on exactly the state an earlier run had at each of its stops (every thread's registers, the event log,
 * the instruction count), stepBack undoes exactly one step of the thread (also a user-interrupt delivery
 * and the handler's UIRET), changes the debugger made (a posted interrupt, a register) are replayed at
 * their position, and reverseContinue finds the last breakpoint hit before the current position. Then the
 * same over DAP (DebugClient, the bundled adapter): Step Back by instruction and by line, Reverse
 * Continue, guest output not repeated, the event log shortened.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { Machine, Stop, Thread } from '../../emulator/machine';
import { formatEvent } from '../../emulator/uintr/events';
import { HostIO } from '../../emulator/linux/files';
import { Replay, ReplayHost, stepBack, reverseContinue, finish } from '../../debug-adapter/reverse';
import { uipiSample, symbolAddress, compile, launch, expectStop, expectExit, frames, scopeVars, rip, collectOutput, ensureAdapter, clientPool } from './helpers';

let uipi: string;
let locals: string;
const pool = clientPool();
before(() => {
  ensureAdapter();
  uipi = uipiSample();
  locals = compile('locals', ['-O0', '-g']);
});
after(() => pool.stopAll());

const io = (): HostIO => ({ write: () => undefined, readStdin: () => new Uint8Array(0), isatty: () => false });

/** A host whose machines have the given breakpoints (addresses) when `all` is set. */
function host(bps: number[] = [], cores = 2, seed = 1): ReplayHost & { made: number } {
  const h = {
    made: 0,
    fresh: () => {
      h.made++;
      const m = new Machine({ cores, seed, io: io() });
      m.load(uipi, [uipi], []);
      return m;
    },
    configure: (m: Machine, all: boolean) => m.setBreakpoints(all ? bps.map((a) => [a, null] as [number, null]) : []),
    resetHitCounts: () => undefined,
  };
  return h;
}

/** Everything observable about the machine's state. */
function fingerprint(m: Machine): string {
  const threads = m.threads().map((t) => `${t.tid}: icount=${t.cpu.icount} ${m.registers(t).map((r) => `${r.name}=${r.value}`).join(' ')} uintr=${JSON.stringify(m.uintr(t), (_k, v) => (typeof v === 'bigint' ? v.toString(16) : v))}`);
  return [`total=${m.kernel.totalInsns} now=${m.kernel.now}`, ...threads, ...m.kernel.uintrLog.events.map(formatEvent)].join('\n');
}

function runToStop(m: Machine): Stop {
  for (;;) {
    const r = m.run(100_000);
    if (r.kind === 'stopped') return r.stop;
    assert.notEqual(r.kind, 'ended', 'the program ended before the expected stop');
  }
}

function step(m: Machine, t: Thread): Stop {
  m.stepInstruction(t, 'into');
  const s = runToStop(m);
  assert.equal(s.reason, 'step');
  return s;
}

test('a replay lands on the exact state of every earlier stop (breakpoints, steps in both threads, a delivery)', () => {
  const bps = [symbolAddress(uipi, 'sender_thread'), symbolAddress(uipi, 'uintr_handler')];
  for (const [cores, seed] of [[2, 1], [1, 3]]) {
    const h = host(bps, cores, seed);
    const m = h.fresh();
    h.configure(m, true);
    const seen: { pos: ReturnType<Machine['position']>; fp: string }[] = [];
    const note = () => seen.push({ pos: m.position(), fp: fingerprint(m) });
    let s = runToStop(m); // sender_thread
    note();
    for (let i = 0; i < 30; i++) {
      s = step(m, s.thread);
      note();
    }
    s = runToStop(m); // the handler (a delivery)
    assert.equal(s.thread.cpu.rip, bps[1]);
    note();
    for (let i = 0; i < 40; i++) {
      s = step(m, s.thread);
      note();
    }
    for (const { pos, fp } of seen) {
      assert.ok(pos.tid !== null);
      const r = new Replay(h, [], true);
      finish(r.goTo(pos));
      assert.equal(fingerprint(r.m), fp, `cores ${cores} seed ${seed}: replay to ${JSON.stringify(pos)} differs`);
    }
  }
});

test('stepBack undoes one step: through a delivery into the handler and through its UIRET', () => {
  const handler = symbolAddress(uipi, 'uintr_handler');
  const h = host([handler]);
  const m = h.fresh();
  h.configure(m, true);
  const s0 = runToStop(m);
  assert.equal(s0.thread.cpu.rip, handler);
  const t = s0.thread;
  const fps = [fingerprint(m)];
  // step through the whole handler, its UIRET and a few instructions after it
  let uiretAt = -1;
  for (let i = 0; i < 200 && uiretAt < 0; i++) {
    if (/^uiret/.test(m.decodeAt(t, t.cpu.rip)?.text ?? '')) uiretAt = i + 1;
    step(m, t);
    fps.push(fingerprint(m));
  }
  assert.ok(uiretAt > 0, 'no UIRET within 200 steps');
  for (let i = 0; i < 3; i++) {
    step(m, t);
    fps.push(fingerprint(m));
  }
  // back, one step at a time, from after the UIRET to the handler's first instruction
  let cur: Machine = m;
  for (let i = fps.length - 2; i >= 0; i--) {
    const r = finish(stepBack(h, cur, t.tid, 'instruction', null));
    assert.equal(r.atStart, false);
    assert.equal(r.stop.reason, 'step');
    assert.equal(fingerprint(r.machine), fps[i], `stepBack to step ${i} differs`);
    cur = r.machine;
    if (i < fps.length - 8) break; // the rest is the same mechanism; keep the test quick
  }
  // the step before the handler's first instruction is the delivery: back to the interrupted instruction
  const atHandler = (() => {
    const r = new Replay(h, [], true);
    finish(r.goTo({ ...s0Position(h, handler) }));
    return r.m;
  })();
  const before = finish(stepBack(h, atHandler, t.tid, 'instruction', null));
  const bt = before.machine.thread(t.tid)!;
  assert.notEqual(bt.cpu.rip, handler);
  assert.equal(before.machine.activeDeliveries(bt).length, 0, 'still inside the handler');
  assert.equal(bt.cpu.icount, atHandler.thread(t.tid)!.cpu.icount, 'a delivery is a step without an instruction');
  assert.equal(before.machine.uintr(bt).uif, 1);
});

/** The position of the first stop at `addr`. */
function s0Position(h: ReplayHost, addr: number): ReturnType<Machine['position']> {
  const m = h.fresh();
  m.setBreakpoints([[addr, null]]);
  runToStop(m);
  return m.position();
}

test('changes the debugger made are replayed at their position; reverseContinue finds the last hit', () => {
  const sender = symbolAddress(uipi, 'sender_thread');
  const h = host([sender]);
  const m = h.fresh();
  h.configure(m, true);
  const s = runToStop(m);
  m.setRegister(s.thread, 'r12', 0x1234n);
  const t = s.thread;
  for (let i = 0; i < 5; i++) step(m, t);
  const fp = fingerprint(m);
  // back one step and forward again: same state, with the register change
  const b = finish(stepBack(h, m, t.tid, 'instruction', null));
  const bt = b.machine.thread(t.tid)!;
  step(b.machine, bt);
  assert.equal(fingerprint(b.machine), fp);
  assert.equal(b.machine.journal.length, 1, 'the change was re-applied (and journaled) by the replay');
  // reverseContinue from here: back to the breakpoint at sender_thread, with the change applied after it
  const rc = finish(reverseContinue(h, m, t.tid));
  assert.equal(rc.stop.reason, 'breakpoint');
  assert.equal(rc.stop.thread.cpu.rip, sender);
  assert.equal(rc.machine.register(rc.machine.thread(t.tid)!, 'r12'), 0x1234n);
  // and from there, nothing earlier: the start
  const st = finish(reverseContinue(h, rc.machine, t.tid));
  assert.equal(st.atStart, true);
  assert.equal(st.stop.reason, 'entry');
  assert.equal(st.machine.kernel.totalInsns, 0);
});

// ---------------------------------------------------------------------------------------------- over DAP

test('DAP: Step Back out of the handler to the interrupted instruction, continue again; output is not repeated', async () => {
  const dc = await pool.client();
  const init = await dc.initializeRequest();
  assert.equal(init.body?.supportsStepBack, true);
  const out = collectOutput(dc);
  await launch(dc, { program: uipi, cores: 2, seed: 1 }, () => dc.setFunctionBreakpointsRequest({ breakpoints: [{ name: 'uintr_handler' }] }));
  const s = await expectStop(dc, 'function breakpoint');
  const tid = s.body.threadId!;
  const handler = symbolAddress(uipi, 'uintr_handler');
  assert.equal(await rip(dc, tid), handler);
  const before = (await dc.customRequest('uintr/events', {})).body.total as number;
  const insns = (await dc.customRequest('uintr/state', {})).body.instructions as number;
  assert.ok(insns > 10_000, `uintr/state reports the position (${insns} instructions)`);
  // one instruction back: before the delivery, at the interrupted instruction, UIF 1, vector 0 pending
  await dc.stepBackRequest({ threadId: tid, granularity: 'instruction' });
  const b = await expectStop(dc, 'step');
  assert.equal(b.body.threadId, tid);
  const fs0 = await frames(dc, tid);
  assert.notEqual(Number(BigInt(fs0[0].instructionPointerReference!)), handler);
  assert.ok(!fs0.some((f) => /user interrupt/.test(f.name)), 'no interrupt frame before the delivery');
  const u = await scopeVars(dc, fs0[0].id, 'UINTR');
  assert.equal(u.get('UIF')?.value, '1');
  assert.match(u.get('UIRR')!.value, /^0x1\b/);
  const after = (await dc.customRequest('uintr/events', {})).body.total as number;
  // by line (what VS Code's Step Back button sends) from the handler's first line: the same place, the delivery undone
  await dc.continueRequest({ threadId: tid });
  await expectStop(dc, 'function breakpoint');
  await dc.stepBackRequest({ threadId: tid });
  await expectStop(dc, 'step');
  assert.equal(await rip(dc, tid), Number(BigInt(fs0[0].instructionPointerReference!)), 'by line: back to the interrupted instruction too');
  assert.equal((await dc.customRequest('uintr/state', {})).body.instructions, insns, 'a delivery is not an instruction: same position count');
  assert.ok(after < before, `the event log is shorter after going back (${after} < ${before})`);
  // forward again: the same breakpoint, the same state
  await dc.continueRequest({ threadId: tid });
  await expectStop(dc, 'function breakpoint');
  assert.equal(await rip(dc, tid), handler);
  assert.equal((await dc.customRequest('uintr/events', {})).body.total, before);
  await dc.setFunctionBreakpointsRequest({ breakpoints: [] });
  await dc.continueRequest({ threadId: tid });
  await expectExit(dc, 0);
  assert.equal(out.stdout.match(/Success/g)?.length, 1, `stdout once: ${JSON.stringify(out.stdout)}`);
  assert.equal(out.stdout.match(/User Interrupt handler/g)?.length, 1);
});

test('DAP: Reverse Continue goes to the previous breakpoint hit, then to the start', async () => {
  const dc = await pool.client();
  const out = collectOutput(dc);
  await launch(dc, { program: uipi, cores: 2, seed: 1 }, () => dc.setFunctionBreakpointsRequest({ breakpoints: [{ name: 'sender_thread' }, { name: 'uintr_handler' }] }));
  const s1 = await expectStop(dc, 'function breakpoint');
  const sender = s1.body.threadId!;
  assert.equal(await rip(dc, sender), symbolAddress(uipi, 'sender_thread'));
  await dc.continueRequest({ threadId: sender });
  const s2 = await expectStop(dc, 'function breakpoint');
  assert.equal(await rip(dc, s2.body.threadId!), symbolAddress(uipi, 'uintr_handler'));
  await dc.reverseContinueRequest({ threadId: s2.body.threadId! });
  const r1 = await expectStop(dc, 'function breakpoint');
  assert.equal(r1.body.threadId, sender);
  assert.equal(await rip(dc, sender), symbolAddress(uipi, 'sender_thread'));
  await dc.reverseContinueRequest({ threadId: sender });
  const r2 = await expectStop(dc, 'entry');
  const th = (await dc.threadsRequest()).body.threads;
  assert.equal(th.length, 1, 'at the start only the main thread exists');
  assert.match(out.console ?? '', /reached the start of the recording/);
  // and forward from the start to the end: the program's output once
  await dc.setFunctionBreakpointsRequest({ breakpoints: [] });
  await dc.continueRequest({ threadId: r2.body.threadId! });
  await expectExit(dc, 0);
  assert.equal(out.stdout.match(/Success/g)?.length, 1);
});

test('DAP: Step Back by line (reverse-next) in -O0 code, over calls', async () => {
  const dc = await pool.client();
  await launch(dc, { program: locals }, () => dc.setBreakpointsRequest({ source: { path: 'test/dap/fixtures/locals.c' }, breakpoints: [{ line: 31 }] }));
  const s = await expectStop(dc, 'breakpoint');
  const tid = s.body.threadId!;
  const line = async () => (await frames(dc, tid))[0].line;
  const lines = [await line()];
  for (let i = 0; i < 6; i++) {
    await dc.nextRequest({ threadId: tid });
    await expectStop(dc, 'step');
    lines.push(await line());
  }
  // back over the same lines (the loop's `total += middle(...)` call is stepped over backwards too)
  for (let i = lines.length - 2; i >= 0; i--) {
    await dc.stepBackRequest({ threadId: tid });
    await expectStop(dc, 'step');
    assert.equal(await line(), lines[i], `step back ${lines.length - 1 - i}: lines forward were ${lines.join(', ')}`);
  }
  assert.deepEqual(lines, [31, 32, 33, 34, 33, 34, 33], 'forward steps through the loop');
  const vars = await scopeVars(dc, (await frames(dc, tid))[0].id, 'Locals');
  assert.equal(vars.get('count')?.value, '7');
  // an instruction back from the line start is the previous line's last instruction
  await dc.stepBackRequest({ threadId: tid, granularity: 'instruction' });
  await expectStop(dc, 'step');
  assert.equal(await line(), 30);
  await dc.nextRequest({ threadId: tid });
  await expectStop(dc, 'breakpoint'); // line 31's breakpoint, hit again going forward
  assert.equal(await line(), 31);
  // after a continue (not a step) Step Back searches the thread's earlier steps: reverse-next by the line table
  await dc.setBreakpointsRequest({ source: { path: 'test/dap/fixtures/locals.c' }, breakpoints: [{ line: 34 }] });
  await dc.continueRequest({ threadId: tid });
  await expectStop(dc, 'breakpoint');
  assert.equal(await line(), 34);
  await dc.stepBackRequest({ threadId: tid });
  await expectStop(dc, 'step');
  assert.equal(await line(), 33, 'the for statement (i = 0) before the first iteration');
  await dc.stepBackRequest({ threadId: tid });
  await expectStop(dc, 'step');
  assert.equal(await line(), 32);
  // from the middle of a line: back to its start
  await dc.stepInRequest({ threadId: tid, granularity: 'instruction' });
  await expectStop(dc, 'step');
  const mid = await rip(dc, tid);
  await dc.stepBackRequest({ threadId: tid });
  await expectStop(dc, 'step');
  assert.equal(await line(), 32);
  assert.ok((await rip(dc, tid)) < mid, 'at the line start, before the instruction stepped');
});

test('DAP: reverse from the uintr-fault and signal stops (fault hooks are positions too)', async () => {
  const dc = await pool.client();
  const out = collectOutput(dc);
  const prog = compile('badsend', ['-O2', '-muintr', '-mgeneral-regs-only']);
  await launch(dc, { program: prog }, () => dc.setExceptionBreakpointsRequest({ filters: ['uintr-fault', 'signal'] }));
  const f1 = await expectStop(dc, 'exception');
  assert.equal(f1.body.text, 'uintr-fault');
  const tid = f1.body.threadId!;
  const pc = await rip(dc, tid);
  await dc.continueRequest({ threadId: tid });
  const s1 = await expectStop(dc, 'exception');
  assert.equal(s1.body.text, 'signal');
  // back from the signal stop to the #UD stop (the previous stop of the filters), same description
  await dc.reverseContinueRequest({ threadId: tid });
  const f2 = await expectStop(dc, 'exception');
  assert.equal(f2.body.text, 'uintr-fault');
  assert.equal(f2.body.description, f1.body.description);
  assert.equal(await rip(dc, tid), pc);
  // one instruction back from the faulting SENDUIPI: the instruction before it
  await dc.stepBackRequest({ threadId: tid, granularity: 'instruction' });
  await expectStop(dc, 'step');
  const prev = await rip(dc, tid);
  assert.ok(prev < pc && pc - prev <= 15, `0x${prev.toString(16)} is just before 0x${pc.toString(16)}`);
  // forward: the #UD again, then the SIGILL, then the end; the program's line was printed once
  await dc.continueRequest({ threadId: tid });
  assert.equal((await expectStop(dc, 'exception')).body.text, 'uintr-fault');
  await dc.continueRequest({ threadId: tid });
  assert.equal((await expectStop(dc, 'exception')).body.text, 'signal');
  await dc.continueRequest({ threadId: tid });
  await expectExit(dc, 132);
  assert.equal(out.stdout, 'sending without a UITT\n');
});

test('DAP: a .uasm case steps back through its deliveries; its uintr directives are replayed at thread start', async () => {
  const dc = await pool.client();
  await launch(dc, { program: 'test-fixtures/uasm/priority.uasm', stopOnEntry: true });
  const s = await expectStop(dc, 'entry');
  const tid = s.body.threadId!;
  const uirr = async () => (await scopeVars(dc, (await frames(dc, tid))[0].id, 'UINTR')).get('UIRR')!.value;
  const seen: { pc: number; uirr: string }[] = [{ pc: await rip(dc, tid), uirr: await uirr() }];
  assert.match(seen[0].uirr, /^0x1000000000000008\b/, 'the directive preset UIRR (vectors 3 and 60)');
  for (let i = 0; i < 8; i++) {
    await dc.stepInRequest({ threadId: tid, granularity: 'instruction' });
    await expectStop(dc, 'step');
    seen.push({ pc: await rip(dc, tid), uirr: await uirr() });
  }
  assert.ok(seen.some((x) => /^0x8\b/.test(x.uirr)), 'vector 60 was delivered on the way');
  for (let i = seen.length - 2; i >= 0; i--) {
    await dc.stepBackRequest({ threadId: tid, granularity: 'instruction' });
    await expectStop(dc, 'step');
    assert.deepEqual({ pc: await rip(dc, tid), uirr: await uirr() }, seen[i], `back to step ${i}`);
  }
});

test('DAP: Reverse Continue to the previous data-breakpoint hit on the UPID (a page mapped only later in the replay)', async () => {
  const dc = await pool.client();
  await launch(dc, { program: uipi, cores: 2, seed: 1 }, () => dc.setFunctionBreakpointsRequest({ breakpoints: [{ name: 'sender_thread' }] }));
  let s = await expectStop(dc, 'function breakpoint');
  const upid = ((await dc.customRequest('uintr/state')).body.threads as { upid: { addr: string } | null }[]).find((t) => t.upid)!.upid!.addr;
  const info = (await dc.dataBreakpointInfoRequest({ name: `*(u64*)(${upid} + 8)` })).body;
  await dc.setFunctionBreakpointsRequest({ breakpoints: [] });
  await dc.setDataBreakpointsRequest({ breakpoints: [{ dataId: info.dataId! }] });
  const hits: string[] = [];
  for (let i = 0; i < 2; i++) {
    await dc.continueRequest({ threadId: s.body.threadId! });
    s = await expectStop(dc, 'data breakpoint');
    hits.push(s.body.description!);
  }
  assert.match(hits[0], /written by SENDUIPI in thread 1001/);
  await dc.reverseContinueRequest({ threadId: s.body.threadId! });
  const back = await expectStop(dc, 'data breakpoint');
  assert.equal(back.body.description, hits[0]);
  assert.equal(back.body.threadId, 1001);
  // before the first hit there is none: back to the start
  await dc.reverseContinueRequest({ threadId: 1001 });
  await expectStop(dc, 'entry');
});

test('DAP: uintr/goto goes back to the moment an earlier UINTR event was logged (the SENDUIPI)', async () => {
  const dc = await pool.client();
  await launch(dc, { program: uipi, cores: 2, seed: 1 }, () => dc.setExceptionBreakpointsRequest({ filters: ['delivery'] }));
  const s = await expectStop(dc, 'exception');
  const evs = (await dc.customRequest('uintr/events', {})).body.events as { seq: number; kind: string; tid: number; outcome?: string }[];
  const send = evs.find((e) => e.kind === 'senduipi')!;
  assert.ok(send, 'the SENDUIPI is in the log');
  await dc.customRequest('uintr/goto', { seq: send.seq });
  const g = await expectStop(dc, 'goto');
  assert.equal(g.body.threadId, send.tid, 'the sender is the focus');
  assert.match(g.body.description!, new RegExp(`^Back at event #${send.seq}: SENDUIPI index 0 from thread ${send.tid}`));
  // right after the SENDUIPI: it is the last instruction before the sender's PC; the delivery has not happened
  const pc = await rip(dc, send.tid);
  const prev = (await dc.disassembleRequest({ memoryReference: '0x' + pc.toString(16), instructionOffset: -1, instructionCount: 1 })).body!.instructions[0];
  assert.match(prev.instruction, /^senduipi /);
  const st = (await dc.customRequest('uintr/state', {})).body;
  assert.ok(st.events > send.seq && st.events < evs.length, `the log ends just after the event (${st.events} of ${evs.length})`);
  // unknown events are refused, the session stays where it is
  await assert.rejects(dc.customRequest('uintr/goto', { seq: 100000 }), /no event #100000 yet/);
  // and forward again: the same delivery stop
  await dc.continueRequest({ threadId: s.body.threadId! });
  const d = await expectStop(dc, 'exception');
  assert.equal(d.body.description, s.body.description);
});

test('replays land exactly in programs with fork, pipes, wait and signals (positions taken by pausing)', () => {
  for (const name of ['procs', 'signals']) {
    const prog = compile(`test/linux/c/${name}.c`, ['-O2', '-pthread']);
    const h: ReplayHost = {
      fresh: () => {
        const m = new Machine({ cores: 2, seed: 3, io: io(), cwd: path.dirname(prog) });
        m.load(prog, [prog], []);
        return m;
      },
      configure: () => undefined,
      resetHitCounts: () => undefined,
    };
    const fp = (m: Machine) => [m.kernel.totalInsns, ...m.threads().map((t) => `${t.proc.pid}/${t.tid} ${t.cpu.icount} ${m.registers(t).map((r) => r.value).join(',')}`)].join('\n');
    const m = h.fresh();
    const seen: { pos: ReturnType<Machine['position']>; fp: string }[] = [];
    let r;
    for (let i = 0; (r = m.run(3000 + (i % 7) * 1000)).kind !== 'ended'; i++) {
      if (r.kind === 'stopped') m.resume();
      if (i % 3 === 0) {
        m.pause();
        if (m.run(1).kind === 'stopped') seen.push({ pos: m.position(), fp: fp(m) });
      }
    }
    assert.ok(seen.length >= 2, `${name}: ${seen.length} positions`);
    const step = Math.max(1, Math.floor(seen.length / 10)); // at most about 10 replays per program
    for (const s of seen.filter((_, k) => k % step === 0 || k === seen.length - 1)) {
      const rp = new Replay(h, [], false);
      finish(rp.goTo(s.pos));
      assert.equal(fp(rp.m), s.fp, `${name}: replay to ${JSON.stringify(s.pos)}`);
    }
  }
});

test('DAP: a long replay does not block the adapter; pause cancels it and the session stays where it was', async () => {
  const dc = await pool.client();
  const prog = compile('bench/int_loop.c', ['-O2']);
  await launch(dc, { program: prog });
  await new Promise((r) => setTimeout(r, 300));
  await dc.pauseRequest({ threadId: 1000 });
  const p = await expectStop(dc, 'pause');
  const tid = p.body.threadId!;
  const before = (await dc.customRequest('uintr/state', {})).body.instructions as number;
  assert.ok(before > 20_000_000, `far enough into the run (${before} instructions)`);
  const pc = await rip(dc, tid);
  await dc.stepBackRequest({ threadId: tid, granularity: 'instruction' });
  // the adapter answers while it replays
  const t0 = Date.now();
  assert.equal((await dc.threadsRequest()).body.threads.length, 1);
  assert.ok(Date.now() - t0 < 500, 'a request during the replay is answered at once');
  await dc.pauseRequest({ threadId: tid });
  const c = await expectStop(dc, 'pause');
  assert.match(c.body.description!, /reverse execution cancelled/);
  assert.equal((await dc.customRequest('uintr/state', {})).body.instructions, before);
  assert.equal(await rip(dc, tid), pc);
  // and it can still go back, to completion
  await dc.stepBackRequest({ threadId: tid, granularity: 'instruction' });
  await expectStop(dc, 'step');
  assert.ok(((await dc.customRequest('uintr/state', {})).body.instructions as number) < before);
});
