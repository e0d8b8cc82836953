/**
 * evaluate (hover / watch / repl) on C variables at -O0 -g (test/dap/fixtures/locals.c): locals and
 * parameters of the frame, access paths (`pt.x`, `values[2]`, `values[i]`, `pp->y`, `*pp`, `&count`),
 * DWARF globals, locals in breakpoint conditions, a clear error for an unknown name, and setVariable on
 * Locals writing guest memory (the program then prints the new value); -O2 parameters from location lists.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import type { DebugClient } from '@vscode/debugadapter-testsupport';
import type { DebugProtocol } from '@vscode/debugprotocol';
import { compile, launch, expectStop, expectExit, frames, collectOutput, ensureAdapter, expectError, clientPool } from './helpers';

const SRC = path.join(__dirname, 'fixtures/locals.c');
let o0: string;
const { client, stopAll } = clientPool();

before(() => {
  ensureAdapter();
  o0 = compile('locals', ['-O0', '-g']);
});
after(stopAll);

async function vars(dc: DebugClient, ref: number): Promise<Map<string, DebugProtocol.Variable>> {
  const vs = (await dc.variablesRequest({ variablesReference: ref })).body.variables;
  return new Map(vs.map((v) => [v.name, v]));
}

async function ev(dc: DebugClient, frameId: number, expression: string, context = 'hover'): Promise<DebugProtocol.EvaluateResponse['body']> {
  return (await dc.evaluateRequest({ expression, frameId, context })).body;
}

test('evaluate: locals, access paths, globals, unknown names; locals in a breakpoint condition', async () => {
  const dc = await client();
  const out = collectOutput(dc);
  await launch(dc, { program: o0 }, async () => {
    const r = await dc.setBreakpointsRequest({ source: { path: SRC }, breakpoints: [{ line: 34, condition: 'i == 2' }] });
    assert.equal(r.body.breakpoints[0].verified, true);
  });
  const s = await expectStop(dc, 'breakpoint');
  const tid = s.body.threadId!;
  const fs0 = await frames(dc, tid);
  const fid = fs0[0].id;
  // the condition used the local i
  assert.equal((await ev(dc, fid, 'i')).result, '2');
  const count = await ev(dc, fid, 'count');
  assert.equal(count.result, '7');
  assert.equal(count.type, 'int');
  assert.equal(count.variablesReference, 0);
  assert.match(count.memoryReference!, /^0x[0-9a-f]+$/);
  // struct member, array elements (constant and variable index), pointer paths
  const px = await ev(dc, fid, 'pt.x', 'watch');
  assert.equal(px.result, '3');
  assert.equal(px.type, 'int');
  assert.equal((await ev(dc, fid, 'pt.tag')).result, '"abc"');
  assert.equal((await ev(dc, fid, 'values[2]')).result, '30');
  assert.equal((await ev(dc, fid, 'values[i]')).result, '30');
  assert.equal((await ev(dc, fid, 'values[i + 1]', 'watch')).result, '40');
  assert.equal((await ev(dc, fid, 'pp->y')).result, '-5');
  assert.equal((await ev(dc, fid, '(*pp).x')).result, '3');
  const deref = await ev(dc, fid, '*pp');
  assert.equal(deref.result, '{x=3, y=-5, tag="abc"}');
  assert.equal(deref.type, 'point_t');
  assert.ok(deref.variablesReference > 0, 'a struct is expandable');
  const members = await vars(dc, deref.variablesReference);
  assert.equal(members.get('y')!.value, '-5');
  const arr = await ev(dc, fid, 'values', 'watch');
  assert.equal(arr.result, '[5] {10, 20, 30, 40, 50}');
  assert.equal((await vars(dc, arr.variablesReference)).get('[4]')!.value, '50');
  const pp = await ev(dc, fid, 'pp');
  const addr = await ev(dc, fid, '&pt');
  assert.equal(addr.result, pp.result);
  assert.equal(addr.type, 'point_t *');
  assert.equal(addr.memoryReference, pp.result);
  // integer arithmetic on locals still goes through the expression language
  assert.match((await ev(dc, fid, 'count + 1', 'repl')).result, /\(8\)/);
  // a DWARF global
  const total = await ev(dc, fid, 'total');
  assert.equal(total.type, 'int');
  assert.equal(total.result, String(34 + 64));
  // registers still work; an unknown name is a clear error, not a crash
  assert.match((await ev(dc, fid, 'rsp', 'watch')).result, /^0x[0-9a-f]+/);
  await expectError(dc.evaluateRequest({ expression: 'nosuch', frameId: fid, context: 'watch' }), /unknown name 'nosuch'/);
  await expectError(dc.evaluateRequest({ expression: 'pt.nosuch', frameId: fid, context: 'hover' }), /has no member 'nosuch'/);
  await expectError(dc.evaluateRequest({ expression: 'count.x', frameId: fid, context: 'hover' }), /not a struct/);
  // the caller frame's parameters, in the callee: frame-specific lookup
  await dc.setBreakpointsRequest({ source: { path: SRC }, breakpoints: [{ line: 22 }] });
  await dc.continueRequest({ threadId: tid });
  await expectStop(dc, 'breakpoint');
  const fs1 = await frames(dc, tid);
  assert.equal((await ev(dc, fs1[0].id, 'k')).result, '30');
  assert.equal((await ev(dc, fs1[0].id, 'p->tag[1]')).result, "98 'b'");
  assert.equal((await ev(dc, fs1[1].id, 'values[0]')).result, '10');
  await expectError(dc.evaluateRequest({ expression: 'k', frameId: fs1[1].id, context: 'hover' }), /unknown name 'k'/);
  await dc.setBreakpointsRequest({ source: { path: SRC }, breakpoints: [] });
  await dc.continueRequest({ threadId: tid });
  await expectExit(dc, 0);
  assert.match(out.stdout ?? '', /total=192 count=7/);
});

test('setVariable on Locals: an int local and a struct member; the program uses the new values', async () => {
  const dc = await client();
  const out = collectOutput(dc);
  await launch(dc, { program: o0 }, async () => {
    await dc.setBreakpointsRequest({ source: { path: SRC }, breakpoints: [{ line: 34 }] });
  });
  const s = await expectStop(dc, 'breakpoint');
  const tid = s.body.threadId!;
  const fid = (await frames(dc, tid))[0].id;
  const scope = (await dc.scopesRequest({ frameId: fid })).body.scopes[0];
  assert.equal(scope.name, 'Locals');
  const r = await dc.setVariableRequest({ variablesReference: scope.variablesReference, name: 'count', value: '42' });
  assert.equal(r.body.value, '42');
  await expectError(dc.setVariableRequest({ variablesReference: scope.variablesReference, name: 'count', value: 'abc' }), /not a number/);
  await expectError(dc.setVariableRequest({ variablesReference: scope.variablesReference, name: 'pt', value: '1' }), /cannot be changed|only numbers/);
  const loc = await vars(dc, scope.variablesReference);
  assert.equal(loc.get('count')!.value, '42');
  // pt.x = 4 (a struct member): middle computes leaf(4 + v) * 3 - 5, sums 37 + 67 + 97
  const m = await dc.setVariableRequest({ variablesReference: loc.get('pt')!.variablesReference, name: 'x', value: '0x4' });
  assert.equal(m.body.value, '4');
  assert.equal((await dc.evaluateRequest({ expression: 'pp->x', frameId: fid, context: 'hover' })).body.result, '4');
  await dc.setBreakpointsRequest({ source: { path: SRC }, breakpoints: [] });
  await dc.continueRequest({ threadId: tid });
  await expectExit(dc, 1);
  assert.match(out.stdout ?? '', /total=201 count=42/);
});

test('-O2 locals from location lists: parameters in registers at middle\'s entry; evaluate on them', async () => {
  const o2 = compile('locals', ['-O2', '-g']);
  const dc = await client();
  await launch(dc, { program: o2 }, async () => {
    await dc.setFunctionBreakpointsRequest({ breakpoints: [{ name: 'middle' }] });
  });
  const s = await expectStop(dc, 'function breakpoint');
  const tid = s.body.threadId!;
  const fs = await frames(dc, tid);
  assert.equal(fs[0].name.replace(/\+0x[0-9a-f]+$/, ''), 'middle');
  const scope = (await dc.scopesRequest({ frameId: fs[0].id })).body.scopes[0];
  assert.equal(scope.name, 'Locals');
  const loc = await vars(dc, scope.variablesReference);
  // k (DW_OP_reg4 rsi) and p (DW_OP_reg5 rdi) from the location lists
  assert.equal(loc.get('k')!.value, '10');
  assert.match(loc.get('p')!.value, /^0x[0-9a-f]+$/);
  assert.ok(loc.get('p')!.variablesReference > 0, 'a pointer in a register is expandable');
  const star = await vars(dc, loc.get('p')!.variablesReference);
  assert.equal(star.get('*')!.value, '{x=3, y=-5, tag="abc"}');
  assert.equal((await ev(dc, fs[0].id, 'k')).result, '10');
  assert.equal((await ev(dc, fs[0].id, 'p->y')).result, '-5');
  assert.equal((await ev(dc, fs[0].id, 'k * 2', 'watch')).result.split(' ')[0], '0x14');
  // a register value is not writable memory
  await expectError(dc.setVariableRequest({ variablesReference: scope.variablesReference, name: 'k', value: '1' }), /not in memory/);
  await dc.setFunctionBreakpointsRequest({ breakpoints: [] });
  await dc.continueRequest({ threadId: tid });
  await expectExit(dc, 0);
});
