/**
 * DAP transcripts for annotated-assembly programs (.uasm): the adapter assembles the file, source breakpoints
 * and stack frames use the .uasm lines, line steps move one source line (one instruction, or one macro),
 * labels name frames and disassembly, the architecture-level `uintr` directives apply, and an assembly error
 * is an error response naming file:line:col.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { spawnSync } from 'node:child_process';
import os from 'node:os';
import path from 'node:path';
import type { DebugProtocol } from '@vscode/debugprotocol';
import { launch, expectStop, expectExit, expectError, topFrame, frames, scopeVars, collectOutput, ensureAdapter, root, clientPool } from './helpers';

const uipi = path.join(root, 'test-fixtures/uasm/uipi-two-threads.uasm');
const pending = path.join(root, 'test-fixtures/uasm/uif0-stays-pending.uasm');
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'dap-uasm-'));
const lineOf = (file: string, re: RegExp) => fs.readFileSync(file, 'utf8').split('\n').findIndex((l) => re.test(l)) + 1;

const { client, stopAll } = clientPool();
before(() => ensureAdapter());
after(stopAll);

test('a breakpoint in the handler of a .uasm case: source and line, UIF 0, line steps, exit status', async () => {
  const dc = await client();
  const out = collectOutput(dc);
  const handlerLine = lineOf(uipi, /^handler:/);
  let bp: DebugProtocol.Breakpoint | undefined;
  await launch(dc, { program: uipi }, async () => {
    // on the label's line: moves to the first instruction after it
    const r = await dc.setBreakpointsRequest({ source: { path: uipi }, breakpoints: [{ line: handlerLine }] });
    bp = r.body.breakpoints[0];
  });
  assert.equal(bp!.verified, true, bp!.message);
  assert.equal(bp!.line, handlerLine + 1);
  const st = await expectStop(dc, 'breakpoint');
  const tid = st.body.threadId!;
  assert.deepEqual(st.body.hitBreakpointIds, [bp!.id]);
  const fs0 = await frames(dc, tid);
  assert.equal(fs0[0].name, 'handler');
  assert.equal(fs0[0].source?.path, uipi);
  assert.equal(fs0[0].line, handlerLine + 1);
  assert.equal(fs0[0].column, 9);
  // the interrupted code below the handler: the user-interrupt frame, then receiver code with its line
  assert.match(fs0[1].name, /user interrupt, vector 3/);
  const below = fs0.slice(2).find((f) => f.source);
  assert.ok(below && below.source!.path === uipi && /^recv_main/.test(below.name), JSON.stringify(fs0.map((f) => [f.name, f.line])));
  // thread named after its declaration
  const th = (await dc.threadsRequest()).body.threads.find((t) => t.id === tid)!;
  assert.match(th.name, /^receiver /);
  const ui = await scopeVars(dc, fs0[0].id, 'UINTR');
  assert.equal(ui.get('UIF')!.value, '0');
  const scopes = (await dc.scopesRequest({ frameId: fs0[0].id })).body.scopes.map((s) => s.name);
  assert.deepEqual(scopes, ['Registers', 'UINTR']);
  // step by line: one instruction per line
  for (const want of [handlerLine + 2, handlerLine + 3]) {
    await dc.nextRequest({ threadId: tid });
    await expectStop(dc, 'step');
    const f = await topFrame(dc, tid);
    assert.equal(f.line, want);
    assert.equal(f.source?.path, uipi);
  }
  const regs = await scopeVars(dc, (await topFrame(dc, tid)).id, 'Registers');
  assert.equal(BigInt(regs.get('r12')!.value), 3n);
  // disassembly at the PC names the label
  const pc = (await topFrame(dc, tid)).instructionPointerReference!;
  const dis = (await dc.customRequest('disassemble', { memoryReference: pc, instructionCount: 2 })).body as DebugProtocol.DisassembleResponse['body'];
  assert.equal(dis!.instructions[0].instruction, 'add rsp,8');
  assert.equal(dis!.instructions[0].symbol, 'handler');
  assert.equal(dis!.instructions[0].location?.path, uipi);
  assert.equal(dis!.instructions[0].line, handlerLine + 3);
  assert.equal(dis!.instructions[1].instruction, 'uiret');
  await dc.setBreakpointsRequest({ source: { path: uipi }, breakpoints: [] });
  await dc.continueRequest({ threadId: tid });
  await expectExit(dc, 0);
  assert.equal(out.stdout, 'handler ran\n');
});

test('stopOnEntry stops at the first thread\'s entry label; a macro is one line; uintr directives apply', async () => {
  const dc = await client();
  await launch(dc, { program: pending, stopOnEntry: true });
  const st = await expectStop(dc, 'entry');
  const tid = st.body.threadId!;
  let f = await topFrame(dc, tid);
  assert.equal(f.name, 'start');
  assert.equal(f.line, lineOf(pending, /^start:/) + 1);
  // `uintr main, handler=handler, stackadjust=128, uirr=1<<17` was applied when the thread started
  const ui = await scopeVars(dc, f.id, 'UINTR');
  assert.equal(ui.get('UIF')!.value, '0');
  assert.match(ui.get('UIRR')!.value, /^0x20000 \(pending: vector 17\)/);
  assert.match(ui.get('UIHANDLER')!.value, /<handler>/);
  // the loop: step by line through `.spin: dec ecx` / `jnz .spin`
  const spin = lineOf(pending, /^\.spin:/);
  await dc.nextRequest({ threadId: tid });
  await expectStop(dc, 'step');
  f = await topFrame(dc, tid);
  assert.equal(f.line, spin);
  assert.equal(f.name, 'start.spin');
  await dc.nextRequest({ threadId: tid });
  await expectStop(dc, 'step');
  assert.equal((await topFrame(dc, tid)).line, spin + 1);
  await dc.nextRequest({ threadId: tid });
  await expectStop(dc, 'step');
  assert.equal((await topFrame(dc, tid)).line, spin);
  // STUI (no shadow): the pending vector 17 is delivered at the next boundary; step in enters the handler
  const stui = lineOf(pending, /^\s+stui/);
  const r = await dc.setBreakpointsRequest({ source: { path: pending }, breakpoints: [{ line: stui }] });
  assert.equal(r.body.breakpoints[0].verified, true);
  await dc.continueRequest({ threadId: tid });
  await expectStop(dc, 'breakpoint');
  const seen: string[] = [];
  for (let i = 0; i < 3 && !seen.includes('handler'); i++) {
    await dc.stepInRequest({ threadId: tid });
    await expectStop(dc, 'step');
    f = await topFrame(dc, tid);
    seen.push(f.name);
  }
  assert.equal(f.name, 'handler', seen.join(', '));
  assert.equal(f.line, lineOf(pending, /^handler:/) + 1);
  assert.match((await frames(dc, tid))[1].name, /user interrupt, vector 17/);
  await dc.continueRequest({ threadId: tid });
  await expectExit(dc, 0);
});

test('step into a call enters the callee at its first line; step over runs it', async () => {
  const file = path.join(tmp, 'call.uasm');
  fs.writeFileSync(file, [
    '; @test call',
    'main:',
    '        call twice',
    '        call twice',
    '        xor eax, eax',
    '        ret',
    'twice:',
    '        add r12, 2',
    '        ret',
    '; @expect r12 == 4',
  ].join('\n'));
  const dc = await client();
  await launch(dc, { program: file, stopOnEntry: true });
  const tid = (await expectStop(dc, 'entry')).body.threadId!;
  assert.equal((await topFrame(dc, tid)).line, 3);
  await dc.stepInRequest({ threadId: tid });
  await expectStop(dc, 'step');
  let fr = await frames(dc, tid);
  assert.equal(fr[0].name, 'twice');
  assert.equal(fr[0].line, 8);
  assert.match(fr[1].name, /^main\+0x5$/);
  assert.equal(fr[1].line, 3);
  await dc.nextRequest({ threadId: tid });
  await expectStop(dc, 'step');
  await dc.nextRequest({ threadId: tid }); // ret: back in main, at the next line
  await expectStop(dc, 'step');
  fr = await frames(dc, tid);
  assert.equal(fr[0].line, 4);
  await dc.nextRequest({ threadId: tid }); // over the call
  await expectStop(dc, 'step');
  assert.equal((await topFrame(dc, tid)).line, 5);
  await dc.continueRequest({ threadId: tid });
  await expectExit(dc, 0);
});

test('a function breakpoint on a label; exit status and stdout as the case expects; a fault stops (signal filter) at its .uasm line', async () => {
  const dc = await client();
  const out = collectOutput(dc);
  const sx = path.join(root, 'test-fixtures/uasm/stdout-and-exit.uasm');
  await launch(dc, { program: sx }, async () => {
    // labels are the symbol table: a function breakpoint on one
    const r = await dc.setFunctionBreakpointsRequest({ breakpoints: [{ name: 'start' }] });
    assert.equal(r.body.breakpoints[0].verified, true);
  });
  const fb = await expectStop(dc, 'function breakpoint');
  const top = await topFrame(dc, fb.body.threadId!);
  assert.deepEqual([top.name, top.line, top.source?.path], ['start', lineOf(sx, /^start:/) + 1, sx]);
  await dc.continueRequest({ threadId: fb.body.threadId! });
  await expectExit(dc, 42);
  assert.equal(out.stdout, 'a\tb\n');
  const file = path.join(tmp, 'segv.uasm');
  fs.writeFileSync(file, '; @test null load\n; @expect fault SIGSEGV at bad\nmain:\n        xor eax, eax\nbad:    mov rbx, [rax]\n        ret\n');
  const dc2 = await client();
  await launch(dc2, { program: file }, () => dc2.setExceptionBreakpointsRequest({ filters: ['signal'] }));
  const st = await expectStop(dc2, 'exception');
  assert.match(st.body.description!, /SIGSEGV/);
  const f = await topFrame(dc2, st.body.threadId!);
  assert.equal(f.name, 'bad');
  assert.equal(f.line, 5);
  assert.equal(f.source?.path, file);
  await dc2.continueRequest({ threadId: st.body.threadId! });
  await expectExit(dc2, 139);
});

test('a .uasm file with an assembly error: the launch fails naming file:line:col', async () => {
  const file = path.join(tmp, 'bad.uasm');
  fs.writeFileSync(file, '; @test bad\nmain:\n        mov eax, 1\n        frobnicate eax\n        ret\n');
  const dc = await client();
  await dc.initializeRequest();
  await expectError(dc.launchRequest({ program: file } as DebugProtocol.LaunchRequestArguments), new RegExp(`${file.replace(/[.\\/]/g, '\\$&')}:4:9: `));
  const bad2 = path.join(tmp, 'bad2.uasm');
  fs.writeFileSync(bad2, '; @test bad annotation\n; @expect r12 == 1 at nowhere\nmain:\n        ret\n');
  await expectError(dc.launchRequest({ program: bad2 } as DebugProtocol.LaunchRequestArguments), /bad2\.uasm:2:\d+: /);
  await expectError(dc.launchRequest({ program: path.join(tmp, 'missing.uasm') } as DebugProtocol.LaunchRequestArguments), /cannot read .*missing\.uasm/);
});

test('`; @break` annotations stop the debugger (with a condition, on a line of its own or on the instruction); uintr-test ignores them', async () => {
  const src = fs.readFileSync(uipi, 'utf8')
    .replace('handler:\n        mov r12, [rsp]', 'handler:\n        ; @break *(u64*)(rsp) == 3 && UIF == 0\n        mov r12, [rsp]')
    .replace('        senduipi rax\n', '        senduipi rax ; @break rax == 12345\n')
    .replace('        print "handler ran\\n"\n', '        print "handler ran\\n" ; @break\n');
  assert.notEqual(src, fs.readFileSync(uipi, 'utf8'));
  const file = path.join(tmp, 'annotated-breaks.uasm');
  fs.writeFileSync(file, src);
  const dc = await client();
  const out = collectOutput(dc);
  await launch(dc, { program: file });
  // first: the handler's first instruction (the condition reads the vector the delivery frame holds at [rsp])
  let st = await expectStop(dc, 'breakpoint');
  let f = await topFrame(dc, st.body.threadId!);
  assert.equal(f.name, 'handler');
  assert.equal(f.line, lineOf(file, /^        mov r12, \[rsp\]/));
  assert.equal(st.body.hitBreakpointIds?.length, 1);
  // the SENDUIPI one never stops (rax is the UITT index 0, not 12345); next: the print in the receiver
  await dc.continueRequest({ threadId: st.body.threadId! });
  st = await expectStop(dc, 'breakpoint');
  f = await topFrame(dc, st.body.threadId!);
  assert.equal(f.line, lineOf(file, /@break$/));
  await dc.continueRequest({ threadId: st.body.threadId! });
  await expectExit(dc, 0);
  assert.match(out.stdout ?? '', /handler ran/);
  // the same file under uintr-test: the annotations do not change the result
  const r = spawnSync(process.execPath, [path.join(root, 'dist/uintr-test.js'), file], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stdout + r.stderr);
  assert.match(r.stdout, /1 passed, 0 failed/);
});

test('a `; @break` with a bad condition is reported on the console and ignored', async () => {
  const file = path.join(tmp, 'bad-break.uasm');
  fs.writeFileSync(file, fs.readFileSync(uipi, 'utf8').replace('        senduipi rax\n', '        senduipi rax ; @break rax ==\n'));
  const dc = await client();
  const out = collectOutput(dc);
  await launch(dc, { program: file });
  await expectExit(dc, 0);
  assert.match(out.console ?? '', /@break at bad-break\.uasm:\d+: .*ignored/);
});

test('at the end of a debugged .uasm case its @expect annotations are checked and the verdict is on the Debug Console', async () => {
  const dc = await client();
  const out = collectOutput(dc);
  await launch(dc, { program: path.join(root, 'test-fixtures/uasm/priority.uasm') });
  await expectExit(dc, 0);
  assert.match(out.console ?? '', /^uintr-test: ok {3}vectors 3 and 60 pending .*: every expectation holds$/m);
  // a case whose expectation does not hold: FAIL with the annotation's position, expected and actual
  const bad = path.join(tmp, 'wrong.uasm');
  fs.writeFileSync(bad, fs.readFileSync(path.join(root, 'test-fixtures/uasm/priority.uasm'), 'utf8').replace('; @expect main: r12 == 60', '; @expect main: r12 == 61'));
  const dc2 = await client();
  const out2 = collectOutput(dc2);
  await launch(dc2, { program: bad, cores: 2 });
  await expectExit(dc2, 0);
  assert.match(out2.console ?? '', /^uintr-test: FAIL vectors 3 and 60 .* \(this session ran with cores 2, seed 1; the check uses the case's own \(1, 1\)\)$/m);
  assert.match(out2.console ?? '', new RegExp(`^ {4}${bad.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:3:\\d+: main: r12 at exit: expected 0x3d, actual 0x3c$`, 'm'));
});
