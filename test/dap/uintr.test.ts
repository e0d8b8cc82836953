/**
 * UINTR debugging over DAP, on the uipi sample (gcc -O2 -g -static -pthread -muintr -mgeneral-regs-only):
 * the issue's key scenario (delivery stop in the handler → step through UIRET → back at the interrupted
 * instruction → Success), the UINTR scope, exception filters with conditions, setVariable on UIRR/UIF/ON
 * with architectural effect, the custom requests uintr/state, uintr/events, uintr/post and the uintr/event
 * event.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import type { DebugClient } from '@vscode/debugadapter-testsupport';
import type { DebugProtocol } from '@vscode/debugprotocol';
import { uipiSample, compile, launch, expectStop, expectExit, frames, scopeVars, rip, collectOutput, symbolAddress, ensureAdapter, drainEvents, expectError, clientPool, root } from './helpers';
import path from 'node:path';

let uipi: string;
const { client, stopAll } = clientPool();
before(() => {
  ensureAdapter();
  uipi = uipiSample();
});
after(stopAll);

const HANDLER_LINE = '\t-- User Interrupt handler --\n';
const count = (s: string, sub: string) => s.split(sub).length - 1;

async function uintrScope(dc: DebugClient, threadId: number) {
  const f = (await frames(dc, threadId))[0];
  const scope = (await dc.scopesRequest({ frameId: f.id })).body.scopes.find((s) => s.name === 'UINTR')!;
  const vars = await scopeVars(dc, f.id, 'UINTR');
  return { vars, ref: scope.variablesReference, frame: f };
}

async function instructionAt(dc: DebugClient, a: number): Promise<DebugProtocol.DisassembledInstruction> {
  return (await dc.disassembleRequest({ memoryReference: '0x' + a.toString(16), instructionCount: 1 })).body!.instructions[0];
}

test('key scenario: delivery stop in the handler, step through UIRET back to the interrupted instruction, Success', async () => {
  const dc = await client();
  const out = collectOutput(dc);
  await launch(dc, { program: uipi, stopOnEntry: true, cores: 2, seed: 1 });
  const entry = await expectStop(dc, 'entry');
  const r = await dc.setExceptionBreakpointsRequest({ filters: ['delivery'] });
  assert.deepEqual(r.body!.breakpoints!.map((b) => b.verified), [true]);
  await dc.continueRequest({ threadId: entry.body.threadId! });

  const s = await expectStop(dc, 'exception');
  const tid = s.body.threadId!;
  const m = /^User interrupt delivered: vector 0 → thread (\d+) \(core (\d+)\), handler uintr_handler; interrupted at (\S+)$/.exec(s.body.description!);
  assert.ok(m, s.body.description);
  assert.equal(Number(m[1]), tid);
  assert.equal(s.body.text, 'delivery');

  // stack: handler, the interrupt frame, the interrupted code
  const st = await frames(dc, tid);
  assert.equal(st[0].name, 'uintr_handler');
  assert.equal(Number(BigInt(st[0].instructionPointerReference!)), symbolAddress(uipi, 'uintr_handler'));
  assert.equal(st[1].name, '⟨user interrupt, vector 0⟩');
  assert.equal(st[1].presentationHint, 'label');
  const interrupted = Number(BigInt(st[2].instructionPointerReference!));
  assert.ok(st[2].name.startsWith(m[3].replace(/\+.*/, '')), `${st[2].name} vs ${m[3]}`);
  assert.ok(st.length >= 4, 'unwinds past the interrupted function: ' + st.map((f) => f.name).join(' > '));
  // the interrupt frame's registers: vector, interrupted rip/rsp/rflags
  const ifr = await scopeVars(dc, st[1].id, 'Registers');
  assert.equal(ifr.get('vector')!.value, '0');
  assert.equal(Number(BigInt(ifr.get('rip')!.value.split(' ')[0])), interrupted);

  // UINTR scope: UIF 0 inside the handler
  let u = await uintrScope(dc, tid);
  assert.equal(u.vars.get('UIF')!.value, '0');
  assert.match(u.vars.get('UIHANDLER')!.value, /<uintr_handler>$/);
  assert.match(u.vars.get('Handling')!.value, /^vector 0 \(interrupted at /);
  assert.match(u.vars.get('UPID')!.value, /^0x[0-9a-f]+: ON=0 SN=0 NV=0xec NDST=APIC \d PIR=0x0$/);
  assert.equal(u.vars.get('UPID')!.memoryReference, u.vars.get('UPIDADDR')!.memoryReference);
  assert.match(u.vars.get('Delivery')!.value, /^nothing pending/);
  assert.match(u.vars.get('Receiver')!.value, /vectors 0$/);

  // step (into; over calls) until UIRET has executed
  let pc = await rip(dc, tid);
  let steps = 0;
  for (;;) {
    const ins = await instructionAt(dc, pc);
    const isUiret = /^uiret/.test(ins.instruction);
    if (/^call/.test(ins.instruction)) await dc.nextRequest({ threadId: tid, granularity: 'instruction' });
    else await dc.stepInRequest({ threadId: tid, granularity: 'instruction' });
    await expectStop(dc, 'step');
    pc = await rip(dc, tid);
    assert.ok(++steps < 100, 'UIRET not reached');
    if (isUiret) break;
  }
  assert.equal(pc, interrupted, 'back at the interrupted instruction');
  u = await uintrScope(dc, tid);
  assert.equal(u.vars.get('UIF')!.value, '1');
  assert.equal(u.vars.get('Handling')!.value, 'no');
  assert.notEqual((await frames(dc, tid))[0].name, 'uintr_handler');
  assert.equal(count(out.stdout ?? '', HANDLER_LINE), 1);

  await dc.continueRequest({ threadId: tid });
  await expectExit(dc, 0);
  assert.match(out.stdout, /Success\n$/);
  assert.equal(count(out.stdout, HANDLER_LINE), 1);
});

test('senduipi filter: the sender\'s route, the receiver switched out (SN=1), uintr/state and uintr/events', async () => {
  const dc = await client();
  await launch(dc, { program: uipi }, () => dc.setExceptionBreakpointsRequest({ filters: [], filterOptions: [{ filterId: 'senduipi', condition: 'vector == 0 && index == 0' }] }));
  const s = await expectStop(dc, 'exception');
  const m = /^SENDUIPI index 0 from thread (\d+) \(core \d+\) → vector 0, thread (\d+): suppressed \(SN=1\)$/.exec(s.body.description!);
  assert.ok(m, s.body.description);
  const sender = Number(m[1]), receiver = Number(m[2]);
  assert.equal(s.body.threadId, sender);
  assert.notEqual(sender, receiver);
  // the sender stopped right after its SENDUIPI
  const st = await frames(dc, sender);
  assert.match(st[0].name, /^sender_thread\+0x/);
  const prev = (await dc.disassembleRequest({ memoryReference: st[0].instructionPointerReference!, instructionOffset: -1, instructionCount: 1 })).body!.instructions[0];
  assert.match(prev.instruction, /^senduipi /);

  // thread events so far: the receiver (main) at the start, then the sender
  assert.deepEqual(drainEvents(dc, 'thread').map((e) => `${e.body.reason} ${e.body.threadId}`), [`started ${receiver}`, `started ${sender}`]);
  // threads: both, named with pid/tid, core and state
  const th = (await dc.threadsRequest()).body.threads;
  assert.equal(th.length, 2);
  assert.match(th.find((t) => t.id === receiver)!.name, new RegExp(`^uipi\\S* \\d+/${receiver} · core \\d · blocked in (nanosleep|clock_nanosleep)$`));
  assert.match(th.find((t) => t.id === sender)!.name, new RegExp(`/${sender} · core \\d · running$`));

  // the sender's UITT entry routes to the receiver; the receiver has the vector posted in its PIR
  const su = await uintrScope(dc, sender);
  assert.match(su.vars.get('UITT')!.value, /^1 valid entry at 0x[0-9a-f]+$/);
  const uitt = (await dc.variablesRequest({ variablesReference: su.vars.get('UITT')!.variablesReference })).body.variables;
  assert.match(uitt[0].value, new RegExp(`^vector 0 → UPID 0x[0-9a-f]+ \\(thread ${receiver}\\)$`));
  const ru = await uintrScope(dc, receiver);
  assert.match(ru.vars.get('UPID')!.value, /ON=0 SN=1 NV=0xec .* PIR=0x1$/);
  assert.match(ru.vars.get('Delivery')!.value, /^vector\(s\) 0 posted in UPID\.PIR, not yet in UIRR: UPID\.SN = 1/);
  // the UPID through readMemory (kernel-owned memory, read by the debugger): PIR bit 0
  const upid = ru.vars.get('UPID')!.memoryReference!;
  const mem = Buffer.from((await dc.customRequest('readMemory', { memoryReference: upid, count: 16 })).body.data, 'base64');
  assert.equal(mem.readUInt32LE(0) & 3, 2, 'ON=0 SN=1');
  assert.equal(mem.readUInt32LE(8), 1, 'PIR = vector 0');

  // uintr/state: every thread and the route table
  const state = (await dc.customRequest('uintr/state')).body;
  assert.equal(state.threads.length, 2);
  const rs = state.threads.find((t: { id: number }) => t.id === receiver);
  assert.equal(rs.handlerSymbol, 'uintr_handler');
  assert.equal(rs.upid.sn, 1);
  assert.equal(rs.upid.pir, '0x1');
  assert.deepEqual(rs.receiver.vectors, [0]);
  assert.deepEqual(state.routes.map((r: { index: number; vector: number; target: number }) => [r.index, r.vector, r.target]), [[0, 0, receiver]]);
  assert.ok(state.routes[0].senders.includes(sender));

  // uintr/events: paged log; the last one is this SENDUIPI
  const all = (await dc.customRequest('uintr/events', {})).body;
  assert.ok(all.total >= 5);
  const kinds = all.events.map((e: { kind: string }) => e.kind);
  assert.deepEqual(kinds.slice(0, 3), ['syscall', 'syscall', 'stui']);
  assert.equal(all.events[all.total - 1].kind, 'senduipi');
  const page = (await dc.customRequest('uintr/events', { start: 1, count: 2 })).body;
  assert.deepEqual(page.events.map((e: { seq: number }) => e.seq), [1, 2]);
  await expectError(dc.customRequest('uintr/events', { start: -1 }), /'start' must be a non-negative integer/);
  // and uintr/event events carried them while running
  const streamed = drainEvents(dc, 'uintr/event').flatMap((e) => (e.body as { events: { seq: number }[] }).events);
  assert.deepEqual(streamed.map((e) => e.seq), all.events.map((e: { seq: number }) => e.seq));

  await dc.setExceptionBreakpointsRequest({ filters: [] });
  await dc.continueRequest({ threadId: sender });
  await expectExit(dc, 0);
  assert.deepEqual(drainEvents(dc, 'thread').map((e) => `${e.body.reason} ${e.body.threadId}`).sort(), [`exited ${receiver}`, `exited ${sender}`]);
});

test('setVariable UIRR and UIF in the handler: a nested delivery of vector 2, two interrupt frames', async () => {
  const dc = await client();
  const out = collectOutput(dc);
  await launch(dc, { program: uipi }, () => dc.setExceptionBreakpointsRequest({ filters: ['delivery'] }));
  let s = await expectStop(dc, 'exception');
  const tid = s.body.threadId!;
  let u = await uintrScope(dc, tid);
  await expectError(dc.setVariableRequest({ variablesReference: u.ref, name: 'UINV', value: '1' }), /cannot be changed/);
  await expectError(dc.setVariableRequest({ variablesReference: u.ref, name: 'UIF', value: '2' }), /one bit/);
  let r = await dc.setVariableRequest({ variablesReference: u.ref, name: 'UIRR', value: '0x4' });
  assert.equal(r.body.value, '0x4');
  u = await uintrScope(dc, tid);
  assert.equal(u.vars.get('UIRR')!.value, '0x4 (pending: vector 2)');
  assert.match(u.vars.get('Delivery')!.value, /^vector 2 pending \(UIRR 2\): UIF = 0/);
  r = await dc.setVariableRequest({ variablesReference: u.ref, name: 'UIF', value: '1' });
  assert.equal(r.body.value, '1');
  u = await uintrScope(dc, tid);
  assert.match(u.vars.get('Delivery')!.value, /deliverable at the next instruction boundary$/);
  await dc.continueRequest({ threadId: tid });
  s = await expectStop(dc, 'exception');
  assert.match(s.body.description!, /^User interrupt delivered: vector 2 → thread \d+ .*handler uintr_handler; interrupted at uintr_handler$/);
  const st = (await frames(dc, tid)).map((f) => f.name);
  assert.deepEqual(st.slice(0, 4), ['uintr_handler', '⟨user interrupt, vector 2⟩', 'uintr_handler', '⟨user interrupt, vector 0⟩']);
  u = await uintrScope(dc, tid);
  assert.match(u.vars.get('Handling')!.value, /^vector 0 .* ⊂ vector 2 /);
  await dc.setExceptionBreakpointsRequest({ filters: [] });
  await dc.continueRequest({ threadId: tid });
  await expectExit(dc, 0);
  assert.equal(count(out.stdout, HANDLER_LINE), 2);
  assert.match(out.stdout, /Success\n$/);
});

test('uintr/post and step out of a handler; UPID.ON set by setVariable makes the SENDUIPI merge', async () => {
  const dc = await client();
  const out = collectOutput(dc);
  await launch(dc, { program: uipi }, () => dc.setExceptionBreakpointsRequest({ filters: ['delivery'] }));
  let s = await expectStop(dc, 'exception');
  const tid = s.body.threadId!;
  // post vector 5 while in the handler (UIF = 0): it waits in UIRR
  await expectError(dc.customRequest('uintr/post', { threadId: tid, vector: 64 }), /vector must be an integer 0\.\.63/);
  const p = await dc.customRequest('uintr/post', { threadId: tid, vector: 5 });
  assert.equal(p.body.outcome, 'notified');
  let u = await uintrScope(dc, tid);
  assert.equal(u.vars.get('UIRR')!.value, '0x20 (pending: vector 5)');
  // step out of the handler: stops after its UIRET; vector 5 is delivered right there, at the next boundary
  await dc.setExceptionBreakpointsRequest({ filters: [] });
  const interrupted = Number(BigInt((await frames(dc, tid))[2].instructionPointerReference!));
  await dc.stepOutRequest({ threadId: tid });
  s = await expectStop(dc, 'step');
  assert.equal(await rip(dc, tid), interrupted);
  u = await uintrScope(dc, tid);
  assert.equal(u.vars.get('UIF')!.value, '1');
  assert.match(u.vars.get('Delivery')!.value, /^vector 5 pending .*deliverable at the next instruction boundary$/);
  await dc.setExceptionBreakpointsRequest({ filters: ['delivery'] });
  await dc.continueRequest({ threadId: tid });
  s = await expectStop(dc, 'exception');
  assert.match(s.body.description!, /^User interrupt delivered: vector 5 /);
  await dc.setExceptionBreakpointsRequest({ filters: [] });
  await dc.continueRequest({ threadId: tid });
  await expectExit(dc, 0);
  assert.equal(count(out.stdout, HANDLER_LINE), 2);

  // a second session: before the SENDUIPI, the sleeping receiver's UPID has SN=1; clear SN and set ON:
  // the send is then merged (ON=1), not suppressed
  const dc2 = await client();
  const out2 = collectOutput(dc2);
  await launch(dc2, { program: uipi }, () => dc2.setFunctionBreakpointsRequest({ breakpoints: [{ name: 'sender_thread' }] }));
  s = await expectStop(dc2, 'function breakpoint');
  const receiver = (await dc2.threadsRequest()).body.threads.map((t) => t.id).find((id) => id !== s.body.threadId)!;
  u = await uintrScope(dc2, receiver);
  const upid = (await dc2.variablesRequest({ variablesReference: u.vars.get('UPID')!.variablesReference })).body.variables;
  assert.deepEqual(upid.map((v) => v.name), ['ON', 'SN', 'NV', 'NDST', 'PIR', 'BLKD', 'owner']);
  assert.equal(upid.find((v) => v.name === 'SN')!.value, '1');
  let r = await dc2.setVariableRequest({ variablesReference: u.vars.get('UPID')!.variablesReference, name: 'SN', value: '0' });
  assert.equal(r.body.value, '0');
  r = await dc2.setVariableRequest({ variablesReference: u.vars.get('UPID')!.variablesReference, name: 'ON', value: '1' });
  assert.equal(r.body.value, '1');
  u = await uintrScope(dc2, receiver);
  assert.match(u.vars.get('UPID')!.value, /: ON=1 SN=0 /);
  await dc2.setFunctionBreakpointsRequest({ breakpoints: [] });
  await dc2.setExceptionBreakpointsRequest({ filters: ['notification'] });
  await dc2.continueRequest({ threadId: s.body.threadId! });
  s = await expectStop(dc2, 'exception');
  assert.match(s.body.description!, /: merged \(ON=1\)$/);
  await dc2.setExceptionBreakpointsRequest({ filters: [] });
  await dc2.continueRequest({ threadId: s.body.threadId! });
  await expectExit(dc2, 0);
  assert.match(out2.stdout, /Success\n$/);
});

test('uintr-fault then signal: SENDUIPI without a UITT stops at the #UD, then before the SIGILL', async () => {
  const dc = await client();
  const out = collectOutput(dc);
  const prog = compile('badsend', ['-O2', '-muintr', '-mgeneral-regs-only']);
  await launch(dc, { program: prog }, () => dc.setExceptionBreakpointsRequest({ filters: ['uintr-fault', 'signal'] }));
  let s = await expectStop(dc, 'exception');
  assert.equal(s.body.text, 'uintr-fault');
  assert.match(s.body.description!, /^UINTR fault in thread \d+ \(core \d+\): #UD at main\+0x[0-9a-f]+: SENDUIPI with IA32_UINTR_TT\[0\] = 0/);
  const tid = s.body.threadId!;
  const pc = await rip(dc, tid);
  assert.match((await dc.disassembleRequest({ memoryReference: '0x' + pc.toString(16), instructionCount: 1 })).body!.instructions[0].instruction, /^senduipi /);
  await dc.continueRequest({ threadId: tid });
  s = await expectStop(dc, 'exception');
  assert.equal(s.body.text, 'signal');
  assert.match(s.body.description!, /^SIGILL .*senduipi .*\(not yet delivered\)$/);
  assert.equal(await rip(dc, tid), pc);
  await dc.continueRequest({ threadId: tid });
  await expectExit(dc, 132);
  assert.equal(out.stdout, 'sending without a UITT\n');
});

test('step out of a function called by the handler returns into the handler, not past its UIRET', async () => {
  const dc = await client();
  await launch(dc, { program: uipi }, () => dc.setExceptionBreakpointsRequest({ filters: ['delivery'] }));
  let s = await expectStop(dc, 'exception');
  const tid = s.body.threadId!;
  await dc.setExceptionBreakpointsRequest({ filters: [] });
  await dc.setFunctionBreakpointsRequest({ breakpoints: [{ name: '__libc_write', condition: `thread == ${tid}` }] });
  await dc.continueRequest({ threadId: tid });
  s = await expectStop(dc, 'function breakpoint');
  assert.equal(s.body.threadId, tid);
  let st = (await frames(dc, tid)).map((f) => f.name);
  assert.deepEqual(st.slice(0, 3), ['__libc_write', 'uintr_handler+0x28', '⟨user interrupt, vector 0⟩']);
  await dc.setFunctionBreakpointsRequest({ breakpoints: [] });
  await dc.stepOutRequest({ threadId: tid });
  await expectStop(dc, 'step');
  st = (await frames(dc, tid)).map((f) => f.name);
  assert.deepEqual(st.slice(0, 2), ['uintr_handler+0x28', '⟨user interrupt, vector 0⟩']);
  // and out again: through the UIRET
  await dc.stepOutRequest({ threadId: tid });
  await expectStop(dc, 'step');
  assert.equal((await uintrScope(dc, tid)).vars.get('Handling')!.value, 'no');
  await dc.continueRequest({ threadId: tid });
  await expectExit(dc, 0);
});

test('uiret filter with `mismatch == 1`: stops only at a UIRET that does not return through its delivery frame', async () => {
  const dc = await client();
  await launch(dc, { program: uipi }, () => dc.setExceptionBreakpointsRequest({ filters: [], filterOptions: [{ filterId: 'uiret', condition: 'mismatch == 1' }] }));
  await expectExit(dc, 0); // the sample's handler returns properly: no stop
  const dc2 = await client();
  await launch(dc2, { program: path.join(root, 'test-fixtures/uasm/forgot-add8.uasm') }, () => dc2.setExceptionBreakpointsRequest({ filters: [], filterOptions: [{ filterId: 'uiret', condition: 'mismatch == 1' }] }));
  const s = await expectStop(dc2, 'exception');
  assert.equal(s.body.text, 'uiret');
  assert.match(s.body.description!, /^UIRET in thread 1000 \(core 0\): back to 0x5, UIF = 1; not through the frame its delivery pushed at 0x[0-9a-f]+ \(interrupted at start\+0x4, rsp 0x[0-9a-f]+\): RSP is 8 bytes below the frame's RIP slot \(the vector was not popped\)$/);
  await dc2.continueRequest({ threadId: s.body.threadId! });
  await expectExit(dc2, 139);
});
