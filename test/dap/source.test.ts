/**
 * Source-level DAP transcripts (DWARF): line breakpoints (verified, moved to the next line with code),
 * stack frames with source and line, stepping by line (next over a call, stepIn into a function, stepOut),
 * unwinding with .eh_frame CFI at -O2, the Locals scope at -O0 (int, struct member, array element, pointer
 * with memoryReference), and the uipi sample stopped in its handler by the `delivery` filter.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import type { DebugClient } from '@vscode/debugadapter-testsupport';
import type { DebugProtocol } from '@vscode/debugprotocol';
import { compile, launch, expectStop, expectExit, frames, topFrame, collectOutput, ensureAdapter, root, clientPool } from './helpers';

const SRC = path.join(__dirname, 'fixtures/locals.c');
const UIPI = path.join(root, 'test-fixtures/uintr/uipi_sample.c');
let o0: string, o2: string, uipi0: string;
const { client, stopAll } = clientPool();

before(() => {
  ensureAdapter();
  o0 = compile('locals', ['-O0', '-g']);
  o2 = compile('locals', ['-O2', '-g']);
  uipi0 = compile('test-fixtures/uintr/uipi_sample.c', ['-O0', '-g', '-pthread', '-muintr', '-mgeneral-regs-only']);
});
after(stopAll);

async function where(dc: DebugClient, tid: number): Promise<string> {
  const f = await topFrame(dc, tid);
  return `${f.name.replace(/\+0x[0-9a-f]+$/, '')}:${f.line}`;
}

async function vars(dc: DebugClient, ref: number): Promise<Map<string, DebugProtocol.Variable>> {
  const vs = (await dc.variablesRequest({ variablesReference: ref })).body.variables;
  return new Map(vs.map((v) => [v.name, v]));
}

test('line breakpoints: verified, moved to the next line with code; hit with source and line; Locals', async () => {
  const dc = await client();
  const out = collectOutput(dc);
  let ids: number[] = [];
  await launch(dc, { program: o0 }, async () => {
    const r = await dc.setBreakpointsRequest({ source: { path: SRC }, breakpoints: [{ line: 34 }, { line: 21 }, { line: 500 }] });
    const b = r.body.breakpoints;
    assert.equal(b[0].verified, true);
    assert.equal(b[0].line, 34);
    assert.equal(b[1].verified, true);
    assert.equal(b[1].line, 22, 'the comment line moves to the next line with code');
    assert.equal(b[2].verified, false);
    assert.match(b[2].message!, /no code at or after line 500/);
    const other = await dc.setBreakpointsRequest({ source: { path: '/nowhere/other.c' }, breakpoints: [{ line: 3 }] });
    assert.equal(other.body.breakpoints[0].verified, false);
    ids = b.map((x) => x.id!);
  });
  let s = await expectStop(dc, 'breakpoint');
  assert.deepEqual(s.body.hitBreakpointIds, [ids[0]]);
  const tid = s.body.threadId!;
  const fs0 = await frames(dc, tid);
  assert.equal(fs0[0].name.replace(/\+0x[0-9a-f]+$/, ''), 'main');
  assert.equal(fs0[0].line, 34);
  assert.equal(fs0[0].source!.path, SRC);
  assert.ok(fs0[0].column! >= 1);
  // Locals first, with values from guest memory
  const scopes = (await dc.scopesRequest({ frameId: fs0[0].id })).body.scopes;
  assert.deepEqual(scopes.map((x) => x.name), ['Locals', 'Registers', 'UINTR']);
  const loc = await vars(dc, scopes[0].variablesReference);
  assert.deepEqual([...loc.keys()], ['count', 'values', 'pt', 'pp', 'i']);
  assert.equal(loc.get('count')!.value, '7');
  assert.equal(loc.get('count')!.type, 'int');
  assert.equal(loc.get('i')!.value, '0');
  assert.match(loc.get('values')!.value, /^\[5\] \{10, 20, 30, 40, 50\}$/);
  const arr = await vars(dc, loc.get('values')!.variablesReference);
  assert.equal(arr.size, 5);
  assert.equal(arr.get('[2]')!.value, '30');
  const pt = loc.get('pt')!;
  assert.equal(pt.type, 'point_t');
  const members = await vars(dc, pt.variablesReference);
  assert.equal(members.get('x')!.value, '3');
  assert.equal(members.get('y')!.value, '-5');
  assert.equal(members.get('tag')!.value, '"abc"');
  const pp = loc.get('pp')!;
  assert.equal(pp.type, 'point_t *');
  assert.equal(pp.memoryReference, pt.memoryReference, 'pp points to pt');
  assert.equal(pp.value, pt.memoryReference);
  const deref = await vars(dc, pp.variablesReference);
  assert.equal(deref.get('*')!.value, '{x=3, y=-5, tag="abc"}');
  // the pointer's memory is readable through its memoryReference
  const mem = (await dc.customRequest('readMemory', { memoryReference: pp.memoryReference!, count: 4 })) as DebugProtocol.ReadMemoryResponse;
  assert.equal(Buffer.from(mem.body!.data!, 'base64').readInt32LE(0), 3);
  // the breakpoint on the comment line stops in middle at line 22; caller main at line 34
  await dc.continueRequest({ threadId: tid });
  s = await expectStop(dc, 'breakpoint');
  assert.deepEqual(s.body.hitBreakpointIds, [ids[1]]);
  const fs1 = await frames(dc, tid);
  assert.deepEqual(fs1.slice(0, 2).map((f) => [f.name.replace(/\+0x[0-9a-f]+$/, ''), f.line]), [['middle', 22], ['main', 34]]);
  const ml = await vars(dc, (await dc.scopesRequest({ frameId: fs1[0].id })).body.scopes[0].variablesReference);
  assert.equal(ml.get('k')!.value, '10');
  assert.equal(ml.get('acc')!.value, '39');
  assert.match(ml.get('p')!.value, /^0x[0-9a-f]+$/);
  // the caller frame's locals (frame base from the CFI-unwound CFA)
  const cl = await vars(dc, (await dc.scopesRequest({ frameId: fs1[1].id })).body.scopes[0].variablesReference);
  assert.equal(cl.get('count')!.value, '7');
  assert.equal(cl.get('i')!.value, '0');
  // clear the breakpoints: run to the end
  await dc.setBreakpointsRequest({ source: { path: SRC }, breakpoints: [] });
  await dc.continueRequest({ threadId: tid });
  await expectExit(dc, 0);
  assert.equal(out.stdout, 'total=192 count=7\n');
});

test('breakpoint conditions and hit conditions on source lines', async () => {
  const dc = await client();
  await launch(dc, { program: o0 }, async () => {
    const r = await dc.setBreakpointsRequest({ source: { path: SRC }, breakpoints: [{ line: 22, condition: 'rdi == 0' }, { line: 15, hitCondition: '3' }, { line: 19, condition: '((' }] });
    assert.equal(r.body.breakpoints[0].verified, true);
    assert.equal(r.body.breakpoints[2].verified, false);
  });
  // line 22: never (rdi is not 0 there); line 15 (leaf): the third hit
  const s = await expectStop(dc, 'breakpoint');
  const tid = s.body.threadId!;
  assert.equal(await where(dc, tid), 'leaf:15');
  const fs = await frames(dc, tid);
  const vs = await vars(dc, (await dc.scopesRequest({ frameId: fs[0].id })).body.scopes[0].variablesReference);
  assert.equal(vs.get('v')!.value, '33');
  await dc.continueRequest({ threadId: tid });
  await expectExit(dc, 0);
});

test('stepping by line: stepIn into a function, next over a call and over comment lines, stepOut, instruction granularity', async () => {
  const dc = await client();
  await launch(dc, { program: o0 }, async () => {
    await dc.setBreakpointsRequest({ source: { path: SRC }, breakpoints: [{ line: 34 }] });
  });
  let s = await expectStop(dc, 'breakpoint');
  const tid = s.body.threadId!;
  await dc.setBreakpointsRequest({ source: { path: SRC }, breakpoints: [] });
  const step = async (k: 'next' | 'stepIn' | 'stepOut', granularity?: DebugProtocol.SteppingGranularity) => {
    if (k === 'next') await dc.nextRequest({ threadId: tid, granularity });
    else if (k === 'stepIn') await dc.stepInRequest({ threadId: tid, granularity });
    else await dc.stepOutRequest({ threadId: tid, granularity });
    s = await expectStop(dc, 'step');
    return where(dc, tid);
  };
  assert.equal(await step('stepIn'), 'middle:19');
  assert.equal(await step('next'), 'middle:22', 'over the call to leaf and the comment lines');
  assert.equal(await step('next'), 'middle:23');
  assert.equal(await step('next'), 'middle:24');
  assert.equal(await step('next'), 'main:33', 'back in main, at the next line start (i++)');
  assert.equal(await step('next'), 'main:34');
  assert.equal(await step('stepIn'), 'middle:19');
  assert.equal(await step('stepIn'), 'leaf:15', 'into leaf, past its prologue');
  const r0 = (await topFrame(dc, tid)).instructionPointerReference;
  assert.equal(await step('next', 'instruction'), 'leaf:15', 'one instruction');
  assert.notEqual((await topFrame(dc, tid)).instructionPointerReference, r0);
  assert.equal(await step('stepOut'), 'middle:19', 'back in middle, mid-line');
  assert.equal(await step('next'), 'middle:22');
  // next over printf (no line information inside)
  await dc.setBreakpointsRequest({ source: { path: SRC }, breakpoints: [{ line: 36 }] });
  await dc.continueRequest({ threadId: tid });
  await expectStop(dc, 'breakpoint');
  assert.equal(await where(dc, tid), 'main:36');
  assert.equal(await step('stepIn'), 'main:37', 'stepIn over a function without line information');
  await dc.continueRequest({ threadId: tid });
  await expectExit(dc, 0);
});

test('-O2: stack trace through CFI shows leaf, middle, main and the libc callers', async () => {
  const dc = await client();
  await launch(dc, { program: o2 }, async () => {
    await dc.setFunctionBreakpointsRequest({ breakpoints: [{ name: 'leaf' }] });
  });
  const s = await expectStop(dc, 'function breakpoint');
  const fs = await frames(dc, s.body.threadId!);
  const names = fs.map((f) => f.name.replace(/\+0x[0-9a-f]+$/, ''));
  assert.deepEqual(names.slice(0, 3), ['leaf', 'middle', 'main'], names.join(' '));
  assert.ok(names.includes('__libc_start_main') || names.includes('__libc_start_call_main'), names.join(' '));
  assert.equal(names[names.length - 1], '_start');
  assert.ok(fs.every((f) => f.presentationHint !== 'subtle'), 'no heuristic frames');
  assert.equal(fs[0].source!.path, SRC);
  assert.equal(fs[1].line, 19);
  assert.equal(fs[2].line, 34);
  // -O2 locals: k is a DW_OP_entry_value there (not evaluated): shown as unavailable, no crash
  const scopes = (await dc.scopesRequest({ frameId: fs[1].id })).body.scopes;
  assert.equal(scopes[0].name, 'Locals');
  const vs = await vars(dc, scopes[0].variablesReference);
  assert.match(vs.get('k')!.value, /unavailable|optimized out/);
  await dc.setFunctionBreakpointsRequest({ breakpoints: [] });
  await dc.continueRequest({ threadId: s.body.threadId! });
  await expectExit(dc, 0);
});

test('uipi sample (-O0 -g) stopped by the delivery filter: source lines for the handler and the interrupted code', async () => {
  const dc = await client();
  const out = collectOutput(dc);
  await launch(dc, { program: uipi0 }, async () => {
    await dc.setExceptionBreakpointsRequest({ filters: ['delivery'] });
  });
  const s = await expectStop(dc, 'exception');
  const tid = s.body.threadId!;
  // at the handler's first instruction: its opening line
  let fs = await frames(dc, tid);
  assert.equal(fs[0].name, 'uintr_handler');
  assert.equal(fs[0].source!.path, UIPI);
  assert.equal(fs[0].line, 28);
  const ui = fs.findIndex((f) => /^⟨user interrupt, vector 0⟩$/.test(f.name));
  assert.equal(ui, 1, fs.map((f) => f.name).join(' | '));
  // the interrupted context and its callers: main's loop has line information
  const mainFrame = fs.slice(ui + 1).find((f) => f.source);
  assert.ok(mainFrame, fs.map((f) => `${f.name}:${f.line}`).join(' | '));
  assert.match(mainFrame.name, /^main/);
  assert.equal(mainFrame.source!.path, UIPI);
  assert.ok([65, 66].includes(mainFrame.line), `main at line ${mainFrame.line}`);
  // a line step in the handler: past the prologue to its first statement
  await dc.nextRequest({ threadId: tid });
  await expectStop(dc, 'step');
  fs = await frames(dc, tid);
  assert.equal(fs[0].name.replace(/\+0x[0-9a-f]+$/, ''), 'uintr_handler');
  assert.equal(fs[0].line, 30);
  await dc.nextRequest({ threadId: tid });
  await expectStop(dc, 'step');
  assert.equal((await topFrame(dc, tid)).line, 31);
  await dc.setExceptionBreakpointsRequest({ filters: [] });
  await dc.continueRequest({ threadId: tid });
  await expectExit(dc, 0);
  assert.match(out.stdout, /Success/);
});
