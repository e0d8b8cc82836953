/**
 * DAP transcripts against the bundled stdio adapter (node dist/uintr-debug-adapter.js): launch arguments and
 * their errors, output and exit, threads, stack traces with symbols, disassembly, breakpoints (function,
 * instruction, hit conditions), instruction stepping, pause of a spinning guest, registers and setVariable,
 * memory, evaluate, the signal filter.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { DebugClient } from '@vscode/debugadapter-testsupport';
import type { DebugProtocol } from '@vscode/debugprotocol';
import { nextEvent, compile, launch, expectStop, expectExit, expectError, topFrame, frames, scopeVars, rip, collectOutput, symbolAddress, ensureAdapter, clientPool } from './helpers';

let hello: string, spin: string, segv: string;
const { client, stopAll } = clientPool();

before(() => {
  ensureAdapter();
  hello = compile('hello');
  spin = compile('spin');
  segv = compile('segv');
});
after(stopAll);

test('initialize advertises the capabilities and the UINTR filters', async () => {
  const dc = await client();
  const r = await dc.initializeRequest();
  const c = r.body!;
  for (const k of ['supportsConfigurationDoneRequest', 'supportsFunctionBreakpoints', 'supportsInstructionBreakpoints', 'supportsDisassembleRequest', 'supportsSteppingGranularity', 'supportsReadMemoryRequest', 'supportsWriteMemoryRequest', 'supportsSetVariable', 'supportsExceptionFilterOptions'] as const) assert.equal(c[k], true, k);
  assert.deepEqual(c.exceptionBreakpointFilters!.map((f) => f.filter), ['senduipi', 'notification', 'delivery', 'uiret', 'uintr-fault', 'signal']);
  assert.ok(c.exceptionBreakpointFilters!.every((f) => f.supportsCondition));
});

test('launch errors name the field; the adapter survives them', async () => {
  const dc = await client();
  await dc.initializeRequest();
  await expectError(dc.launchRequest({} as DebugProtocol.LaunchRequestArguments), /'program' is required/);
  await expectError(dc.launchRequest({ program: hello, bogus: 1 } as DebugProtocol.LaunchRequestArguments), /unknown launch argument 'bogus'/);
  await expectError(dc.launchRequest({ program: hello, cores: '2' } as DebugProtocol.LaunchRequestArguments), /'cores' must be an integer from 1 to 64/);
  await expectError(dc.launchRequest({ program: hello, args: 'x' } as DebugProtocol.LaunchRequestArguments), /'args' must be an array of strings/);
  await expectError(dc.launchRequest({ program: hello, env: { A: 1 } } as DebugProtocol.LaunchRequestArguments), /'env.A' must be a string/);
  await expectError(dc.launchRequest({ program: hello, uintrAbi: 'v3' } as DebugProtocol.LaunchRequestArguments), /'uintrAbi' must be "v2" or "rfc-v1"/);
  await expectError(dc.launchRequest({ program: hello, stopOnEntry: 'yes' } as DebugProtocol.LaunchRequestArguments), /'stopOnEntry' must be a boolean/);
  await expectError(dc.launchRequest({ program: 42 } as DebugProtocol.LaunchRequestArguments), /'program' must be a string/);
  await expectError(dc.launchRequest({ program: '/nonexistent/prog' } as DebugProtocol.LaunchRequestArguments), /No such file or directory/);
  const txt = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'dap-')), 'script.sh');
  fs.writeFileSync(txt, '#!/bin/sh\necho hi\n');
  await expectError(dc.launchRequest({ program: txt } as DebugProtocol.LaunchRequestArguments), /not an ELF file/);
  // still alive and answering
  const th = await dc.threadsRequest();
  assert.deepEqual(th.body.threads, []);
});

test('run to the end: stdout/stderr as output events, exited with the status, args and env', async () => {
  const dc = await client();
  const out = collectOutput(dc);
  await launch(dc, { program: hello, args: ['dap'], env: { X: '1' }, type: 'uintr', request: 'launch', name: 'hello', __sessionId: 'x' });
  await expectExit(dc, 3);
  assert.equal(out.stdout, 'hello from dap with 1 args\n');
  assert.equal(out.stderr, 'counter=9\n');
});

test('stopOnEntry: threads, stack with symbols, registers, disassembly around the PC', async () => {
  const dc = await client();
  await launch(dc, { program: hello, stopOnEntry: true });
  const s = await expectStop(dc, 'entry');
  const th = (await dc.threadsRequest()).body.threads;
  assert.equal(th.length, 1);
  assert.equal(th[0].id, s.body.threadId);
  assert.match(th[0].name, /^hello\S* \d+\/\d+ · runnable$/); // not on a core yet
  const f = await topFrame(dc, s.body.threadId!);
  assert.equal(f.name, '_start');
  const entry = symbolAddress(hello, '_start');
  assert.equal(f.instructionPointerReference, '0x' + entry.toString(16));
  const regs = await scopeVars(dc, f.id, 'Registers');
  assert.equal(regs.get('rip')!.value, `0x${entry.toString(16)} <_start>`);
  assert.match(regs.get('rsp')!.value, /^0x00000000ffff[0-9a-f]{4}$/);
  assert.match(regs.get('rflags')!.value, /^0x202 \[IF\]$/);
  const flags = (await dc.variablesRequest({ variablesReference: regs.get('rflags')!.variablesReference })).body.variables;
  assert.equal(flags.find((v) => v.name === 'IF')!.value, '1');
  assert.equal(flags.find((v) => v.name === 'ZF')!.value, '0');
  assert.ok(regs.has('xmm15') && regs.has('fs_base'));
  const scopes = (await dc.scopesRequest({ frameId: f.id })).body.scopes;
  assert.equal(scopes[0].presentationHint, 'registers');
  // disassembly: 5 before, 5 after; the 6th is the entry point
  const d = (await dc.disassembleRequest({ memoryReference: f.instructionPointerReference!, instructionOffset: -5, instructionCount: 10, resolveSymbols: true })).body!.instructions;
  assert.equal(d.length, 10);
  assert.equal(Number(BigInt(d[5].address)), entry);
  assert.equal(d[5].symbol, '_start');
  for (let i = 1; i < 10; i++) assert.ok(Number(BigInt(d[i].address)) > Number(BigInt(d[i - 1].address)));
  // symbols on call targets
  const mainAddr = symbolAddress(hello, 'main');
  const dm = (await dc.disassembleRequest({ memoryReference: '0x' + mainAddr.toString(16), instructionCount: 40 })).body!.instructions;
  assert.ok(dm.some((i) => /^call .*<compute>$/.test(i.instruction)), dm.map((i) => i.instruction).join('\n'));
  await dc.continueRequest({ threadId: s.body.threadId! });
  await expectExit(dc, 3);
});

test('function breakpoint, instruction stepping (into, over a call, out), instruction breakpoint with hit count', async () => {
  const dc = await client();
  const out = collectOutput(dc);
  let bpId = 0;
  await launch(dc, { program: hello }, async () => {
    const r = await dc.setFunctionBreakpointsRequest({ breakpoints: [{ name: 'compute' }, { name: 'no_such_function' }] });
    assert.equal(r.body.breakpoints[0].verified, true);
    assert.equal(r.body.breakpoints[1].verified, false);
    assert.match(r.body.breakpoints[1].message!, /no function named 'no_such_function'/);
    bpId = r.body.breakpoints[0].id!;
  });
  let s = await expectStop(dc, 'function breakpoint');
  assert.deepEqual(s.body.hitBreakpointIds, [bpId]);
  const tid = s.body.threadId!;
  const computeAddr = symbolAddress(hello, 'compute');
  assert.equal(await rip(dc, tid), computeAddr);
  const st = await frames(dc, tid);
  assert.equal(st[0].name, 'compute');
  assert.match(st[1].name, /^main\+0x[0-9a-f]+$/, st.map((f) => f.name).join(' > '));
  // output written before the stop was flushed before it
  assert.equal(out.stdout, 'hello from nobody with 0 args\n');

  // step into, one instruction at a time, until the call to twice; step over it
  const dis = async (a: number) => (await dc.disassembleRequest({ memoryReference: '0x' + a.toString(16), instructionCount: 1 })).body!.instructions[0];
  let pc = computeAddr;
  for (let n = 0; n < 20; n++) {
    const i = await dis(pc);
    if (/^call .*<twice>/.test(i.instruction)) break;
    await dc.stepInRequest({ threadId: tid, granularity: 'instruction' });
    s = await expectStop(dc, 'step');
    const next = await rip(dc, tid);
    assert.notEqual(next, pc);
    pc = next;
  }
  const call = await dis(pc);
  assert.match(call.instruction, /^call .*<twice>/);
  const after = pc + call.instructionBytes!.split(' ').length;
  await dc.nextRequest({ threadId: tid, granularity: 'instruction' });
  await expectStop(dc, 'step');
  assert.equal(await rip(dc, tid), after);

  // step into twice, then out of it: back right after the call (in compute)
  await dc.setFunctionBreakpointsRequest({ breakpoints: [] });
  const twiceAddr = symbolAddress(hello, 'twice');
  await dc.customRequest('setInstructionBreakpoints', { breakpoints: [{ instructionReference: '0x' + twiceAddr.toString(16), hitCondition: '2' }] });
  await dc.continueRequest({ threadId: tid });
  s = await expectStop(dc, 'instruction breakpoint');
  assert.equal(await rip(dc, tid), twiceAddr); // hit condition 2
  const regs = await scopeVars(dc, (await topFrame(dc, tid)).id, 'Registers');
  // twice(0) was stepped over before the breakpoint existed: hit 1 is twice(1), hit 2 is twice(2)
  assert.equal(BigInt(regs.get('rdi')!.value) & 0xffffffffn, 2n, 'second hit: compute(2) calls twice(2)');
  await dc.stepOutRequest({ threadId: tid, granularity: 'instruction' });
  await expectStop(dc, 'step');
  const back = await rip(dc, tid);
  const f = await topFrame(dc, tid);
  assert.match(f.name, /^compute\+0x/);
  const prev = (await dc.disassembleRequest({ memoryReference: '0x' + back.toString(16), instructionOffset: -1, instructionCount: 1 })).body!.instructions[0];
  assert.match(prev.instruction, /^call .*<twice>/);
  await dc.customRequest('setInstructionBreakpoints', { breakpoints: [] });
  await dc.continueRequest({ threadId: tid });
  await expectExit(dc, 3);
});

test('setVariable on a register changes the program; evaluate; read/write memory', async () => {
  const dc = await client();
  const out = collectOutput(dc);
  await launch(dc, { program: hello }, () => dc.setFunctionBreakpointsRequest({ breakpoints: [{ name: 'twice', condition: 'rdi == 5' }] }));
  const s = await expectStop(dc, 'function breakpoint');
  const tid = s.body.threadId!;
  const f = await topFrame(dc, tid);
  const regs = await scopeVars(dc, f.id, 'Registers');
  assert.equal(BigInt(regs.get('rdi')!.value), 5n, 'the condition rdi == 5 skipped the calls from compute');
  const scope = (await dc.scopesRequest({ frameId: f.id })).body.scopes.find((x) => x.name === 'Registers')!;
  const r = await dc.setVariableRequest({ variablesReference: scope.variablesReference, name: 'rdi', value: '6' });
  assert.equal(r.body.value, '0x0000000000000006');
  await expectError(dc.setVariableRequest({ variablesReference: scope.variablesReference, name: 'rdi', value: 'banana' }), /not a number/);
  // evaluate: registers, symbols, memory
  let e = await dc.evaluateRequest({ expression: 'rdi * 7', frameId: f.id, context: 'watch' });
  assert.match(e.body.result, /^0x2a \(42\)/);
  const counter = symbolAddress(hello, 'counter');
  e = await dc.evaluateRequest({ expression: 'counter', frameId: f.id, context: 'repl' });
  assert.match(e.body.result, new RegExp(`^0x${counter.toString(16)} .*<counter>`));
  e = await dc.evaluateRequest({ expression: '*(u32*)(counter)', frameId: f.id, context: 'hover' });
  assert.match(e.body.result, /^0x9 \(9\)/);
  await expectError(dc.evaluateRequest({ expression: 'rdi +', frameId: f.id }), /unexpected end/);
  await expectError(dc.evaluateRequest({ expression: 'nosuchthing', frameId: f.id }), /unknown name 'nosuchthing'/);
  // memory: counter is 9; write 0x100 into it
  const mem = await dc.customRequest('readMemory', { memoryReference: '0x' + counter.toString(16), count: 4 });
  assert.deepEqual([...Buffer.from(mem.body.data, 'base64')], [9, 0, 0, 0]);
  const un = await dc.customRequest('readMemory', { memoryReference: '0x10', count: 8 });
  assert.equal(un.body.unreadableBytes, 8);
  const w = await dc.customRequest('writeMemory', { memoryReference: '0x' + counter.toString(16), data: Buffer.from([0, 1, 0, 0]).toString('base64') });
  assert.equal(w.body.bytesWritten, 4);
  await dc.continueRequest({ threadId: tid });
  await expectExit(dc, 4); // twice(6) = 12 != 10
  assert.equal(out.stderr, 'counter=9\n');
});

test('pause stops a spinning guest within 50 ms; continue; terminate', async () => {
  const dc = await client();
  await launch(dc, { program: spin });
  await new Promise((r) => setTimeout(r, 300));
  // the latency of pause (request sent -> stopped event received); best of 3 (the test runner runs other
  // test files in parallel, which can delay any one measurement)
  const times: number[] = [];
  let s!: DebugProtocol.StoppedEvent;
  for (let k = 0; k < 3; k++) {
    const t0 = performance.now();
    [, s] = await Promise.all([dc.pauseRequest({ threadId: 0 }), expectStop(dc, 'pause')]);
    times.push(performance.now() - t0);
    if (times[k] < 50) break;
    await dc.continueRequest({ threadId: s.body.threadId! });
    await new Promise((r) => setTimeout(r, 100));
  }
  assert.ok(Math.min(...times) < 50, `pause took ${times.map((t) => t.toFixed(1)).join(', ')} ms`);
  const f = await topFrame(dc, s.body.threadId!);
  assert.equal(f.name.replace(/\+.*/, ''), 'main');
  const e = await dc.evaluateRequest({ expression: '*(u64*)(spins)' });
  assert.ok(BigInt(e.body.result.split(' ')[0]) > 1000n);
  await dc.continueRequest({ threadId: s.body.threadId! });
  await new Promise((r) => setTimeout(r, 50));
  await Promise.all([dc.pauseRequest({ threadId: 0 }), expectStop(dc, 'pause')]);
  await Promise.all([dc.terminateRequest(), nextEvent(dc, 'terminated')]);
});

test('signal filter: stop before SIGSEGV is delivered, then the program dies with 139', async () => {
  const dc = await client();
  const out = collectOutput(dc);
  await launch(dc, { program: segv }, async () => {
    const r = await dc.setExceptionBreakpointsRequest({ filters: [], filterOptions: [{ filterId: 'signal', condition: 'signal == 11' }, { filterId: 'delivery', condition: 'vector ==' }, { filterId: 'uiret', condition: 'colour == 1' }] });
    assert.deepEqual(r.body!.breakpoints!.map((b) => b.verified), [true, false, false]);
    assert.match(r.body!.breakpoints![1].message!, /delivery: unexpected end/);
    assert.match(r.body!.breakpoints![2].message!, /unknown field 'colour'/);
  });
  const s = await expectStop(dc, 'exception');
  assert.match(s.body.description!, /^SIGSEGV in thread \d+ at rip 0x[0-9a-f]+, address 0x0: mov eax,\[rax\] \(not yet delivered\)$/);
  assert.equal(s.body.text, 'signal');
  const info = await dc.exceptionInfoRequest({ threadId: s.body.threadId! });
  assert.equal(info.body.exceptionId, 'signal');
  assert.equal((await topFrame(dc, s.body.threadId!)).name.replace(/\+.*/, ''), 'main');
  await dc.continueRequest({ threadId: s.body.threadId! });
  await expectExit(dc, 139);
  assert.equal(out.stdout, 'about to fault\n');
  assert.match(out.console, /terminated by SIGSEGV \(core dumped\) at rip 0x[0-9a-f]+, address 0x0/);
});

test('source line breakpoints: verified in a -g program, refused with a reason in a file it does not have', async () => {
  // (the DWARF features themselves are tested in source.test.ts)
  const dc = await client();
  await launch(dc, { program: hello, stopOnEntry: true }, async () => {
    const r = await dc.setBreakpointsRequest({ source: { path: path.join(__dirname, 'fixtures/hello.c') }, breakpoints: [{ line: 5 }] });
    assert.equal(r.body.breakpoints[0].verified, true);
    const n = await dc.setBreakpointsRequest({ source: { path: path.join(__dirname, 'fixtures/nothere.c') }, breakpoints: [{ line: 5 }] });
    assert.equal(n.body.breakpoints[0].verified, false);
    assert.match(n.body.breakpoints[0].message!, /not in the program's line table/);
  });
  await expectStop(dc, 'entry');
  await Promise.all([dc.disconnectRequest({ terminateDebuggee: true })]);
});

test('--server=PORT serves DAP over TCP (for debugging the adapter itself)', async () => {
  const { spawn } = await import('node:child_process');
  const { DebugClient } = await import('@vscode/debugadapter-testsupport');
  const port = 20000 + Math.floor(Math.random() * 20000);
  const srv = spawn(process.execPath, [path.join(__dirname, '../../dist/uintr-debug-adapter.js'), `--server=${port}`], { stdio: ['ignore', 'ignore', 'pipe'] });
  try {
    await new Promise<void>((resolve, reject) => {
      srv.stderr!.on('data', (d: Buffer) => /waiting for debug protocol/.test(d.toString()) && resolve());
      srv.on('exit', () => reject(new Error('server exited')));
    });
    // the adapter prints its banner just before it listens: probe until the port accepts connections
    const net = await import('node:net');
    for (let k = 0; ; k++) {
      const ok = await new Promise<boolean>((resolve) => {
        const sock = net.connect(port, '127.0.0.1', () => {
          sock.destroy();
          resolve(true);
        });
        sock.on('error', () => resolve(false));
      });
      if (ok) break;
      if (k >= 100) throw new Error(`nothing listens on port ${port}`);
      await new Promise((r) => setTimeout(r, 20));
    }
    const dc = new DebugClient('node', 'unused', 'uintr');
    await dc.start(port);
    const r = await dc.initializeRequest();
    assert.equal(r.body!.supportsDisassembleRequest, true);
    dc.defaultTimeout = 20_000;
    const done = Promise.all([dc.waitForEvent('exited'), dc.waitForEvent('terminated')]);
    await launch(dc, { program: hello });
    const [e] = await done;
    assert.equal((e as DebugProtocol.ExitedEvent).body.exitCode, 3);
    await dc.stop();
  } finally {
    srv.kill();
  }
});
