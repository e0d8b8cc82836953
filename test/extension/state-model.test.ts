import test from 'node:test';
import assert from 'node:assert/strict';
import { buildStateTree, computeWarnings, nodeToText, stateToText, statusText, postableVectors, StateNode } from '../../extension/model/state-model';
import { uipiState, thread } from './fixtures';

const find = (ns: StateNode[], id: string): StateNode | undefined => {
  for (const n of ns) {
    if (n.id === id) return n;
    const c = n.children && find(n.children, id);
    if (c) return c;
  }
  return undefined;
};

test('tree: one node per thread with UIF, UIRR, handler, stack adjust, UINV, UPID decoded, UITT, delivery', () => {
  const t = buildStateTree(uipiState());
  assert.deepEqual(t.map((n) => n.label), ['uipi_sample 1000/1000', 'uipi_sample 1000/1001', 'Routes']);
  const r = t[0];
  assert.equal(r.description, 'core 0 · blocked in clock_nanosleep · UIF 1');
  assert.equal(r.contextValue, 'uintrThread.receiver');
  assert.equal(t[1].contextValue, 'uintrThread');
  assert.deepEqual(r.children!.map((n) => n.label), ['UIF', 'UIRR', 'Handler', 'Stack adjust', 'UINV', 'UPID', 'UITT', 'Receiver vectors', 'Delivery']);
  assert.equal(find(t, 't1000/handler')!.description, 'uintr_handler (0x4017b0)');
  assert.deepEqual(find(t, 't1000/handler')!.reveal, { kind: 'address', address: '0x4017b0' });
  assert.equal(find(t, 't1000/uinv')!.description, '0xec');
  const upid = find(t, 't1000/upid')!;
  assert.equal(upid.description, '0xfe000000 · ON=0 SN=1 NV=0xec NDST=APIC 0 PIR=0x1');
  assert.equal(upid.memoryReference, '0xfe000000');
  assert.equal(upid.contextValue, 'uintrUpid');
  assert.deepEqual(upid.children!.map((n) => `${n.label}=${n.description}`), [
    'ON=0', 'SN=1 (notifications suppressed)', 'NV=0xec', 'NDST=0x0 → APIC 0', 'PIR=0x1 · vectors 0', 'BLKD=0', 'Owner=thread 1000 (uipi_sample)',
  ]);
  assert.equal(find(t, 't1000/upid/sn')!.bit, 1);
  assert.equal(find(t, 't1000/uitt')!.description, 'none (not a sender)');
  const e = find(t, 't1001/uitt/0')!;
  assert.equal(e.description, 'vector 0 → thread 1000 (uipi_sample) · UPID 0xfe000000');
  assert.deepEqual(e.reveal, { kind: 'thread', threadId: 1000 });
  assert.equal(find(t, 't1001/upid')!.description, 'none (not a receiver)');
  assert.equal(find(t, 't1000/delivery')!.description, 'vector(s) 0 posted in UPID.PIR, not yet in UIRR: UPID.SN = 1');
  assert.equal(find(t, 'routes/0xfe001000/0')!.label, '1001 → 1000');
});

test('tree: pending vectors under UIRR, handling nested deliveries', () => {
  const s = uipiState({ receiver: { uirr: '0x24', pending: [5, 2], uif: 0, state: 'running', active: [{ vector: 0, frame: '0xffffdb10', rip: '0x470275', rsp: '0xffffdbb0', rflags: '0x293' }] } });
  const t = buildStateTree(s);
  const uirr = find(t, 't1000/uirr')!;
  assert.equal(uirr.description, '0x24 · pending 5, 2');
  assert.deepEqual(uirr.children!.map((n) => n.label), ['vector 5', 'vector 2']);
  assert.equal(find(t, 't1000/handling')!.description, 'vector 0');
  assert.match(t[0].description!, /· 2 pending$/);
});

test('warnings: UITT entry to the sender\'s own UPID, NDST not matching the owner\'s core, pending with UIF=1', () => {
  assert.deepEqual(computeWarnings(uipiState()), []);
  // the sender is also a receiver and its UITT targets its own UPID
  const self = uipiState({ sender: { upid: { addr: '0xfe000040', on: 0, sn: 0, nv: 236, ndst: '0x100', apic: 1, pir: '0x0', blkd: 0, owner: 1001 }, uitt: [{ index: 0, vector: 3, upid: '0xfe000040', target: 1001 }] } });
  const w1 = computeWarnings(self);
  assert.equal(w1.length, 1);
  assert.equal(w1[0].threadId, 1001);
  assert.match(w1[0].message, /UITT\[0\] \(vector 3\) targets this thread's own UPID 0xfe000040/);
  // the receiver runs on core 1 but NDST names APIC 0
  const nd = uipiState({ receiver: { state: 'running', core: 1, upid: { addr: '0xfe000000', on: 0, sn: 0, nv: 236, ndst: '0x0', apic: 0, pir: '0x0', blkd: 0, owner: 1000 } } });
  const w2 = computeWarnings(nd);
  assert.equal(w2.length, 1);
  assert.match(w2[0].message, /NDST = 0x0 \(APIC 0\) but its owner runs on core 1/);
  // not running: no NDST warning (the kernel updates NDST when it schedules the owner)
  assert.deepEqual(computeWarnings(uipiState({ receiver: { core: 1 } })), []);
  // pending with UIF = 1 while running: stopped right at the boundary where it is delivered (after STUI, a step,
  // a step back): nothing suspicious; but pending with UIF = 1 and not deliverable (a MOV SS shadow here) is
  const p = uipiState({ receiver: { state: 'running', uirr: '0x1', pending: [0], uif: 1, delivery: 'vector 0 pending: deliverable at the next instruction boundary' } });
  assert.deepEqual(computeWarnings(p), []);
  const ps = uipiState({ receiver: { state: 'running', uirr: '0x1', pending: [0], uif: 1, delivery: 'vector 0 pending (UIRR 0): MOV SS shadow: delivery after the next instruction' } });
  const w3 = computeWarnings(ps);
  assert.equal(w3.length, 1);
  assert.match(w3[0].message, /^UIRR has pending vector 0 with UIF = 1 but no delivery \(vector 0 pending/);
  const pb = uipiState({ receiver: { uirr: '0x1', pending: [0], uif: 1 } });
  assert.match(computeWarnings(pb)[0].message, /while blocked in clock_nanosleep: it is delivered only on return to user mode/);
  // UIF = 0: expected, no warning
  assert.deepEqual(computeWarnings(uipiState({ receiver: { uirr: '0x1', pending: [0], uif: 0 } })), []);
  // a UITT entry pointing at a UPID nobody owns
  assert.match(computeWarnings(uipiState({ sender: { uitt: [{ index: 2, vector: 1, upid: '0xfe000080', target: null }] } }))[0].message, /UITT\[2\] .* which no live thread owns/);
  // warnings appear as first children and mark the thread
  const t = buildStateTree(self);
  assert.equal(t[1].warning, true);
  assert.equal(t[1].children![0].kind, 'warning');
  assert.match(t[1].description!, /⚠ 1$/);
});

test('changed since the last stop: new values and their parents are marked, the rest is not', () => {
  const prev = uipiState();
  const now = uipiState({ receiver: { upid: { addr: '0xfe000000', on: 1, sn: 0, nv: 236, ndst: '0x0', apic: 0, pir: '0x1', blkd: 0, owner: 1000 } } });
  const t = buildStateTree(now, prev);
  assert.equal(find(t, 't1000/upid/on')!.changed, true);
  assert.equal(find(t, 't1000/upid/sn')!.changed, true);
  assert.equal(find(t, 't1000/upid/pir')!.changed, undefined);
  assert.equal(find(t, 't1000/upid')!.changed, true);
  assert.equal(t[0].changed, true);
  assert.equal(t[1].changed, undefined);
  assert.equal(find(t, 't1000/uif')!.changed, undefined);
  // no previous snapshot: nothing marked
  assert.equal(buildStateTree(now).some((n) => n.changed), false);
  // a new thread is marked
  const more = uipiState();
  more.threads.push(thread({ id: 1002 }));
  assert.equal(buildStateTree(more, prev).find((n) => n.id === 't1002')!.changed, true);
  // exited threads are not shown
  const ex = uipiState({ sender: { state: 'exited' } });
  assert.deepEqual(buildStateTree(ex).map((n) => n.id), ['t1000', 'routes']);
});

test('copy as text and the status bar text', () => {
  const t = buildStateTree(uipiState());
  const txt = nodeToText(find(t, 't1000/upid')!);
  assert.equal(txt.split('\n')[0], 'UPID: 0xfe000000 · ON=0 SN=1 NV=0xec NDST=APIC 0 PIR=0x1');
  assert.equal(txt.split('\n')[2], '  SN: 1 (notifications suppressed)');
  const all = stateToText(uipiState());
  assert.match(all, /^UINTR state at t=11660 ns \(10 events\)\nuipi_sample 1000\/1000: core 0/);
  assert.match(all, /\n    \[0\]: vector 0 → thread 1000 \(uipi_sample\) · UPID 0xfe000000\n/);
  const st = statusText(uipiState({ receiver: { pending: [5, 2] } }).threads[0])!;
  assert.equal(st.text, 'UINTR 1000: UIF 1 · 2 pending');
  assert.match(st.tooltip, /vectors 5, 2/);
  assert.equal(statusText(undefined), null);
});

test('postable vectors: the registered ones, else all 64', () => {
  assert.deepEqual(postableVectors(uipiState().threads[0]), [0]);
  assert.equal(postableVectors(thread({ id: 1 })).length, 64);
});
