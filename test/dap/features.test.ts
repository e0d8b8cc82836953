/**
 * DAP transcripts for data breakpoints (a guest global written by the program; the receiver's kernel-owned
 * UPID written by the sender's SENDUIPI), logpoints, stops on sent signals (raise, abort) through the
 * `signal` filter, pause of an infinite loop, and bad requests (data breakpoints, logpoint expressions).
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import type { DebugClient } from '@vscode/debugadapter-testsupport';
import type { DebugProtocol } from '@vscode/debugprotocol';
import fs from 'node:fs';
import path from 'node:path';
import { Machine } from '../../emulator/machine';
import { root, compile, launch, expectStop, expectExit, expectError, rip, collectOutput, symbolAddress, ensureAdapter, uipiSample, topFrame, scopeVars, clientPool } from './helpers';

let watch: string, spin: string, uipi: string;
const { client, stopAll } = clientPool();

/** Function breakpoints with `logMessage` (an extension of this adapter: DAP has it on source breakpoints only). */
function setFunctionBps(dc: DebugClient, bps: (DebugProtocol.FunctionBreakpoint & { logMessage?: string })[]): Promise<DebugProtocol.SetFunctionBreakpointsResponse> {
  return dc.setFunctionBreakpointsRequest({ breakpoints: bps });
}

before(() => {
  ensureAdapter();
  watch = compile('watch');
  spin = compile('spin');
  uipi = uipiSample();
});
after(stopAll);

test('initialize advertises data breakpoints and logpoints', async () => {
  const dc = await client();
  const c = (await dc.initializeRequest()).body!;
  assert.equal(c.supportsDataBreakpoints, true);
  assert.equal(c.supportsLogPoints, true);
  assert.equal(c.supportsDataBreakpointBytes, true);
  assert.match(c.exceptionBreakpointFilters!.find((f) => f.filter === 'signal')!.description!, /raise, abort/);
});

test('data breakpoint on a guest global: stops after each write that changes it, old → new and the writer', async () => {
  const dc = await client();
  const counter = symbolAddress(watch, 'counter');
  const bump = symbolAddress(watch, 'bump');
  await launch(dc, { program: watch, stopOnEntry: true });
  const s0 = await expectStop(dc, 'entry');
  // by symbol name (size from the symbol table), by address expression, by *(u32*)
  const info = (await dc.dataBreakpointInfoRequest({ name: 'counter' })).body;
  assert.equal(info.dataId, `1000:0x${counter.toString(16)}:8`);
  assert.deepEqual(info.accessTypes, ['write']);
  assert.match(info.description, /counter/);
  const info2 = (await dc.dataBreakpointInfoRequest({ name: `*(u32*)(0x${counter.toString(16)})` })).body;
  assert.equal(info2.dataId, `1000:0x${counter.toString(16)}:4`);
  const info3 = (await dc.dataBreakpointInfoRequest({ name: `0x${counter.toString(16)}` })).body;
  assert.equal(info3.dataId, `1000:0x${counter.toString(16)}:8`);
  // DAP 1.66 asAddress + bytes
  const info4 = (await dc.dataBreakpointInfoRequest({ name: `counter + 2`, asAddress: true, bytes: 2 })).body;
  assert.equal(info4.dataId, `1000:0x${(counter + 2).toString(16)}:2`);
  const r = await dc.setDataBreakpointsRequest({ breakpoints: [{ dataId: info.dataId!, accessType: 'write' }] });
  assert.equal(r.body.breakpoints[0].verified, true);
  const id = r.body.breakpoints[0].id;
  // bump(i): counter += 7*i + 1  →  0 → 1 → 9 → 24 → 46
  const expect = [0n, 1n, 9n, 24n, 46n];
  for (let k = 1; k < expect.length; k++) {
    await dc.continueRequest({ threadId: s0.body.threadId! });
    const s = await expectStop(dc, 'data breakpoint');
    assert.deepEqual(s.body.hitBreakpointIds, [id]);
    assert.match(s.body.description!, new RegExp(`<counter> \\(8 bytes\\): 0x${expect[k - 1].toString(16)} → 0x${expect[k].toString(16)}, written by 0x[0-9a-f]+ <bump\\+0x[0-9a-f]+>: mov .* in thread 1000`), s.body.description);
    // stopped right after the writing instruction, inside bump, with the new value in memory
    const pc = await rip(dc, s.body.threadId!);
    assert.ok(pc > bump && pc < bump + 64, pc.toString(16));
    const v = (await dc.evaluateRequest({ expression: '*(u64*)(counter)' })).body.result;
    assert.match(v, new RegExp(`^0x${expect[k].toString(16)} `));
  }
  // a condition on the new value: only the last write (value 46) stops
  await dc.setDataBreakpointsRequest({ breakpoints: [{ dataId: info.dataId!, condition: 'new == 46' }] });
  await dc.continueRequest({ threadId: s0.body.threadId! });
  await expectExit(dc, 0);
});

test('data breakpoint with a condition and a hit condition; removing it runs to the end', async () => {
  const dc = await client();
  await launch(dc, { program: watch }, async () => {
    const info = (await dc.dataBreakpointInfoRequest({ name: 'counter' })).body;
    const r = await dc.setDataBreakpointsRequest({ breakpoints: [{ dataId: info.dataId!, condition: 'new > old + 10', hitCondition: '2' }] });
    assert.equal(r.body.breakpoints[0].verified, true);
  });
  // writes that add more than 10: 9→24 (1st), 24→46 (2nd: stops)
  const s = await expectStop(dc, 'data breakpoint');
  assert.match(s.body.description!, /0x18 → 0x2e/);
  await dc.setDataBreakpointsRequest({ breakpoints: [] });
  await dc.continueRequest({ threadId: s.body.threadId! });
  await expectExit(dc, 0);
});

test('data breakpoint on the receiver\'s UPID (from uintr/state): the sender\'s SENDUIPI sets PIR/ON', async () => {
  const dc = await client();
  await launch(dc, { program: uipi }, () => dc.setFunctionBreakpointsRequest({ breakpoints: [{ name: 'sender_thread' }] }));
  let s = await expectStop(dc, 'function breakpoint');
  const state = (await dc.customRequest('uintr/state')).body as { threads: { id: number; upidAddr: string; upid: { addr: string } | null }[] };
  const recv = state.threads.find((t) => t.upid !== null)!;
  assert.ok(recv, 'a receiver');
  const upid = recv.upid!.addr;
  // from the UINTR scope of the receiver: the UPID variable offers a 16-byte data breakpoint
  const f = await topFrame(dc, recv.id);
  const uv = await scopeVars(dc, f.id, 'UINTR');
  const scopes = (await dc.scopesRequest({ frameId: f.id })).body.scopes;
  const uintrRef = scopes.find((x) => x.name === 'UINTR')!.variablesReference;
  assert.ok(uv.has('UPID'));
  const info = (await dc.dataBreakpointInfoRequest({ variablesReference: uintrRef, name: 'UPID' })).body;
  assert.equal(info.dataId, `1000:${upid}:16`);
  assert.match(info.description, /UPID of thread 1000/);
  // a register is not memory
  const ri = (await dc.dataBreakpointInfoRequest({ variablesReference: uintrRef, name: 'UIRR' })).body;
  assert.equal(ri.dataId, null);
  // PIR alone, by expression (8 bytes at UPID+8) as the client would ask with an address
  const pir = (await dc.dataBreakpointInfoRequest({ name: `*(u64*)(${upid} + 8)` })).body;
  const r = await dc.setDataBreakpointsRequest({ breakpoints: [{ dataId: info.dataId! }, { dataId: pir.dataId! }] });
  assert.deepEqual(r.body.breakpoints.map((b) => b.verified), [true, true]);
  const seen: string[] = [];
  for (let n = 0; n < 10; n++) {
    await dc.continueRequest({ threadId: s.body.threadId! });
    s = await expectStop(dc, 'data breakpoint');
    seen.push(s.body.description!);
    if (/SENDUIPI/.test(s.body.description!)) break;
  }
  const d = seen[seen.length - 1];
  // both watches saw the write; the UPID is decoded; the sender is the focus thread, right after SENDUIPI
  assert.match(d, new RegExp(`UPID ${upid}: \\{ON 0 SN (\\d) NV 0xec NDST 0x\\w+ PIR 0x0\\} → \\{ON (\\d) SN \\1 NV 0xec NDST 0x\\w+ PIR 0x1\\}, written by SENDUIPI in thread 1001`), seen.join('\n'));
  assert.match(d, new RegExp(`0x${(parseInt(upid, 16) + 8).toString(16)} \\(8 bytes\\): 0x0 → 0x1, written by SENDUIPI in thread 1001`));
  assert.deepEqual([...s.body.hitBreakpointIds!].sort(), r.body.breakpoints.map((b) => b.id!).sort());
  assert.equal(s.body.threadId, 1001);
  const up = (await dc.customRequest('uintr/state')).body.threads.find((t: { id: number }) => t.id === 1000).upid;
  assert.equal(up.pir, '0x1');
  // ON is set by the SENDUIPI unless the receiver was switched out (SN = 1: suppressed)
  assert.equal(up.on, up.sn ? 0 : 1);
  // the next change is made by the kernel / the notification hardware on the receiver's side (SN cleared when
  // it runs again, PIR moved to UIRR, ON cleared), never by a user-mode instruction
  await dc.continueRequest({ threadId: s.body.threadId! });
  s = await expectStop(dc, 'data breakpoint');
  assert.match(s.body.description!, /written by (the kernel \(|notification processing)/, s.body.description);
  await dc.setDataBreakpointsRequest({ breakpoints: [] });
  const out = collectOutput(dc);
  await dc.continueRequest({ threadId: s.body.threadId! });
  await expectExit(dc, 0);
  assert.match(out.stdout ?? '', /Success/);
});

test('Machine: UPID data breakpoint sees every writer: the kernel sets SN when the receiver blocks, SENDUIPI, the replay on return to user mode', () => {
  const m = new Machine({ cores: 2, seed: 1, io: { write: () => {}, readStdin: () => new Uint8Array(0), isatty: () => false } });
  m.load(uipi, [uipi], []);
  m.setBreakpoints([[symbolAddress(uipi, 'pthread_create'), null]]);
  const run = () => {
    let r;
    while ((r = m.run(100_000)).kind === 'running');
    return r;
  };
  let r = run();
  assert.equal(r.kind, 'stopped');
  const up = m.uintr(m.mainThread).upid!;
  assert.equal(up.sn, 0);
  m.setBreakpoints([]);
  m.setDataWatches([{ id: 7, pid: 1000, addr: up.addr, size: 16, cond: null }]);
  const seen: string[] = [];
  for (;;) {
    m.resume();
    r = run();
    if (r.kind !== 'stopped') break;
    assert.equal(r.stop.reason, 'data breakpoint');
    assert.equal(r.stop.hits![0].watch.id, 7);
    seen.push(`${r.stop.thread.tid} ${r.stop.hits![0].writerKind} ${r.stop.description}`);
  }
  assert.equal(r.kind, 'ended');
  const a = up.addr.toString(16);
  assert.deepEqual(seen, [
    `1000 kernel 0x${a} (16 bytes): 0xec0000 → 0xec0002, written by the kernel (clock_nanosleep of thread 1000)`,
    `1001 hardware 0x${a} (16 bytes): 0xec0002 → 0x10000000000ec0002, written by SENDUIPI in thread 1001`,
    `1000 kernel 0x${a} (16 bytes): 0x10000000000ec0002 → 0xec0000, written by the kernel (UPID update at context switch / return to user mode of thread 1000)`,
    `1000 kernel 0x${a} (16 bytes): 0xec0000 → 0xec0002, written by the kernel (uintr_unregister_handler of thread 1000)`,
  ]);
});

test('Machine: data breakpoint on a buffer written by memset (libc store loop) and by the kernel (read copy-out)', () => {
  const out: string[] = [];
  const m = new Machine({ cores: 1, seed: 1, io: { write: (_fd, d) => void out.push(Buffer.from(d).toString()), readStdin: () => new Uint8Array(0), isatty: () => false } });
  m.load(watch, [watch, 'buf'], []);
  const buf = symbolAddress(watch, 'buf');
  m.setDataWatches([{ id: 1, pid: 1000, addr: buf + 8, size: 8, cond: null }]);
  const seen: string[] = [];
  for (;;) {
    let r;
    while ((r = m.run(100_000)).kind === 'running');
    if (r.kind !== 'stopped') break;
    seen.push(`${r.stop.hits![0].writerKind}: ${r.stop.description}`);
    m.resume();
  }
  assert.equal(seen.length, 2, seen.join('\n'));
  assert.match(seen[0], new RegExp(`^instruction: 0x${(buf + 8).toString(16)} \\(8 bytes\\): 0x0 → 0x6161616161616161, written by 0x[0-9a-f]+: \\S.* in thread 1000$`));
  assert.match(seen[1], /^kernel: .*: 0x6161616161616161 → 0x6161616f6c6c6568, written by the kernel \(read of thread 1000\)$/);
  assert.equal(out.join(''), 'counter=46\naaaaaaaahello\n');
});

test('logpoints print interpolated values and do not stop', async () => {
  const dc = await client();
  const out = collectOutput(dc);
  const bump = symbolAddress(watch, 'bump');
  await launch(dc, { program: watch }, async () => {
    const r = await setFunctionBps(dc, [{ name: 'bump', logMessage: 'bump({rdi}) counter={*(u64*)(counter)} at {rip,x} {{literal}}' }]);
    assert.equal(r.body.breakpoints[0].verified, true);
    const r2 = (await dc.customRequest('setInstructionBreakpoints', { breakpoints: [{ instructionReference: '0x' + bump.toString(16), logMessage: 'insn i={rdi}', hitCondition: '>= 3' }] })) as DebugProtocol.SetInstructionBreakpointsResponse;
    assert.equal(r2.body.breakpoints[0].verified, true);
  });
  await expectExit(dc, 0);
  const lines = (out.console ?? '').split('\n').filter((l) => l.startsWith('bump(') || l.startsWith('insn'));
  const at = `0x${bump.toString(16)}`;
  assert.deepEqual(lines.filter((l) => l.startsWith('bump(')), [0, 1, 2, 3].map((i) => `bump(${i}) counter=${[0, 1, 9, 24][i]} at ${at} {literal}`));
  assert.deepEqual(lines.filter((l) => l.startsWith('insn')), ['insn i=2', 'insn i=3']);
  assert.equal(out.stdout, 'counter=46\n');
});

test('a logpoint on a source line (DWARF line table) uses the same code path', async () => {
  const dc = await client();
  const out = collectOutput(dc);
  const src = path.join(root, 'test/dap/fixtures/watch.c');
  const line = fs.readFileSync(src, 'utf8').split('\n').findIndex((l) => l.includes('counter += 7')) + 1;
  await launch(dc, { program: watch }, async () => {
    const r = await dc.setBreakpointsRequest({ source: { path: src }, breakpoints: [{ line, logMessage: 'line {rdi}' }, { line: line + 1, logMessage: 'bad {rdi +}' }] });
    assert.equal(r.body.breakpoints[0].verified, true, r.body.breakpoints[0].message);
    assert.equal(r.body.breakpoints[1].verified, false);
    assert.match(r.body.breakpoints[1].message!, /log message part/);
  });
  await expectExit(dc, 0);
  assert.deepEqual((out.console ?? '').split('\n').filter((l) => l.startsWith('line ')), ['line 0', 'line 1', 'line 2', 'line 3']);
});

test('signal filter: raise(SIGUSR1) and abort() stop before delivery', async () => {
  const dc = await client();
  const out = collectOutput(dc);
  await launch(dc, { program: watch, args: ['raise'] }, () => dc.setExceptionBreakpointsRequest({ filters: ['signal'] }));
  const s = await expectStop(dc, 'exception');
  assert.match(s.body.description!, /^SIGUSR1 sent by tgkill from pid 1000 to thread 1000 at rip 0x[0-9a-f]+: handler 0x[0-9a-f]+ \(not yet delivered\)$/);
  assert.equal(s.body.text, 'signal');
  const ei = (await dc.exceptionInfoRequest({ threadId: s.body.threadId! })).body;
  assert.equal(ei.exceptionId, 'signal');
  await dc.continueRequest({ threadId: s.body.threadId! });
  await expectExit(dc, 0);
  assert.equal(out.stdout, 'counter=46\nflag=10\n');

  const dc2 = await client();
  await launch(dc2, { program: watch, args: ['abort'] }, () => dc2.setExceptionBreakpointsRequest({ filters: [], filterOptions: [{ filterId: 'signal', condition: 'signal == 6' }] }));
  const s2 = await expectStop(dc2, 'exception');
  assert.match(s2.body.description!, /^SIGABRT sent by tgkill .* default action \(not yet delivered\)$/);
  const st = (await dc2.stackTraceRequest({ threadId: s2.body.threadId! })).body.stackFrames.map((f) => f.name);
  assert.ok(st.some((n) => /abort|raise|kill/.test(n)), st.join(' > '));
  await dc2.continueRequest({ threadId: s2.body.threadId! });
  await expectExit(dc2, 134);
});

test('pause stops an infinite loop within 50 ms', async () => {
  const dc = await client();
  await launch(dc, { program: spin });
  await new Promise((r) => setTimeout(r, 100));
  const times: number[] = [];
  for (let i = 0; i < 3; i++) {
    const t0 = performance.now();
    const [, s] = await Promise.all([dc.pauseRequest({ threadId: 0 }), expectStop(dc, 'pause')]);
    times.push(performance.now() - t0);
    await dc.continueRequest({ threadId: s.body.threadId! });
    await new Promise((r) => setTimeout(r, 20));
  }
  assert.ok(Math.min(...times) < 50, `pause took ${times.map((t) => t.toFixed(1)).join(', ')} ms`);
  await dc.terminateRequest();
});

test('bad data breakpoints and bad logpoint expressions: error or unverified, the adapter keeps going', async () => {
  const dc = await client();
  await launch(dc, { program: watch, stopOnEntry: true });
  const s = await expectStop(dc, 'entry');
  const none = async (args: DebugProtocol.DataBreakpointInfoArguments, re: RegExp) => {
    const b = (await dc.dataBreakpointInfoRequest(args)).body;
    assert.equal(b.dataId, null, JSON.stringify(b));
    assert.match(b.description, re);
  };
  await none({ name: 'no_such_symbol' }, /unknown name 'no_such_symbol'/);
  await none({ name: 'rax + 1' }, /not a memory location/);
  await none({ name: '*(u64*)(' }, /unexpected end/);
  await none({ name: '0x10' }, /not mapped/);
  await none({ name: '0x123456789' }, /outside the guest address space/);
  await none({ variablesReference: 99999, name: 'x' }, /unknown variable/);
  const regs = (await dc.scopesRequest({ frameId: (await topFrame(dc, s.body.threadId!)).id })).body.scopes[0].variablesReference;
  await none({ variablesReference: regs, name: 'rax' }, /register, not memory/);
  const counter = symbolAddress(watch, 'counter');
  const r = await dc.setDataBreakpointsRequest({
    breakpoints: [
      { dataId: 'garbage' },
      { dataId: `1000:0x${counter.toString(16)}:8`, accessType: 'read' },
      { dataId: `1000:0x${counter.toString(16)}:3` },
      { dataId: '4242:0x1000:8' },
      { dataId: `1000:0x${counter.toString(16)}:8`, condition: 'new ==' },
      { dataId: `1000:0x${counter.toString(16)}:8`, hitCondition: 'often' },
    ],
  });
  const bs = r.body.breakpoints;
  assert.deepEqual(bs.map((b) => b.verified), [false, false, false, false, false, false]);
  assert.match(bs[0].message!, /bad dataId/);
  assert.match(bs[1].message!, /access type 'read' is not supported/);
  assert.match(bs[2].message!, /not watchable/);
  assert.match(bs[3].message!, /process 4242 does not exist/);
  assert.match(bs[4].message!, /unexpected end/);
  assert.match(bs[5].message!, /bad hit condition/);
  const lp = await setFunctionBps(dc, [{ name: 'bump', logMessage: 'x={rdi +}' }, { name: 'bump', logMessage: 'unclosed {rdi' }, { name: 'main', logMessage: 'ok {rdi}' }]);
  assert.deepEqual(lp.body.breakpoints.map((b) => b.verified), [false, false, true]);
  assert.match(lp.body.breakpoints[0].message!, /log message part \{rdi \+\}/);
  assert.match(lp.body.breakpoints[1].message!, /unclosed '\{'/);
  // a logpoint whose expression fails at run time prints the error instead of stopping
  const out = collectOutput(dc);
  await setFunctionBps(dc, [{ name: 'bump', logMessage: 'bad read {*(u64*)(0)}' }]);
  await expectError(dc.evaluateRequest({ expression: '*(u64*)(' }), /unexpected end/);
  await dc.continueRequest({ threadId: s.body.threadId! });
  await expectExit(dc, 0);
  assert.match(out.console ?? '', /bad read <error: cannot read 8 bytes at 0x0>/);
});
