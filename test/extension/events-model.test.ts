import test from 'node:test';
import assert from 'node:assert/strict';
import { EventStore, filterEvents, linkDeliveries, findSender, formatEvent, upidOwners, eventThreads, involves } from '../../extension/model/events-model';
import type { UintrEvent } from '../../extension/model/types';
import { uipiState } from './fixtures';

let seq = 0;
const ev = (kind: UintrEvent['kind'], tid: number, d: Record<string, unknown> = {}): UintrEvent => ({ seq: seq++, time: seq * 100, core: tid === 1000 ? 0 : 1, pid: 1000, tid, kind, ...d });

function log(): UintrEvent[] {
  seq = 0;
  return [
    ev('syscall', 1000, { name: 'uintr_register_handler', args: [0x4017b0, 0], result: 0 }),
    ev('stui', 1000, { rip: 0x401800 }),
    // hardware SENDUIPI: names only the UPID
    ev('senduipi', 1001, { rip: 0x401900, index: 0, vector: 0, upid: 0xfe000000, outcome: 'suppressed' }),
    ev('replay', 1000, { pir: 1, uirr: 1, ndst: 0 }),
    ev('deliver', 1000, { vector: 0, handler: 0x4017b0, frame: 0xffffdb10, rip: 0x470275, rsp: 0xffffdbb0, rflags: 0x293 }),
    ev('uiret', 1000, { rip: 0x470275, rsp: 0xffffdbb0 }),
    // two sends merged into one delivery; a faulting one posts nothing
    ev('senduipi', 1001, { rip: 0x401910, index: 0, vector: 0, upid: 0xfe000000, outcome: 'notified' }),
    ev('senduipi', 1001, { rip: 0x401920, index: 0, vector: 0, upid: 0xfe000000, outcome: 'merged' }),
    ev('senduipi', 1001, { rip: 0x401930, index: 7, outcome: 'fault', fault: '#GP', reason: 'index 7 > UITTSZ 0' }),
    ev('notify', 1001, { vector: 0xec, apic: 0, owner: 1000 }),
    ev('deliver', 1000, { vector: 0, handler: 0x4017b0, frame: 0xffffdb10, rip: 0x470280, rsp: 0xffffdbb0, rflags: 0x293 }),
    // an injected post (uintr/post) names its target
    ev('senduipi', 1000, { vector: 5, upid: 0xfe000000, target: 1000, outcome: 'notified', injected: true }),
    ev('deliver', 1000, { vector: 5, handler: 0x4017b0, frame: 0xffffdb10, rip: 0x470290, rsp: 0xffffdbb0, rflags: 0x293 }),
    // a delivery with no sender in the log (UIRR set by the debugger)
    ev('deliver', 1000, { vector: 2, handler: 0x4017b0, frame: 0xffffdb10, rip: 0x4702a0, rsp: 0xffffdbb0, rflags: 0x293 }),
  ];
}

test('store: ordered by seq, duplicates ignored, gaps reported', () => {
  const all = log();
  const s = new EventStore();
  assert.equal(s.add(all.slice(0, 3)), null);
  assert.equal(s.add(all.slice(2, 4)), null);
  assert.equal(s.size, 4);
  assert.deepEqual(s.add(all.slice(7, 9)), { from: 4, to: 7 });
  assert.deepEqual(s.list().map((e) => e.seq), [0, 1, 2, 3, 7, 8]);
  s.add(all.slice(4, 7));
  assert.equal(s.firstGap(), null);
  assert.deepEqual(s.list().map((e) => e.seq), [0, 1, 2, 3, 4, 5, 6, 7, 8]);
  assert.equal(s.get(4)!.kind, 'deliver');
  s.clear();
  assert.equal(s.size, 0);
});

test('filter by kind and by thread (the sender\'s events involve the receiver through target/owner)', () => {
  const all = log();
  assert.equal(filterEvents(all, {}).length, all.length);
  assert.deepEqual(filterEvents(all, { kinds: new Set(['deliver']) }).map((e) => e.seq), [4, 10, 12, 13]);
  assert.deepEqual(filterEvents(all, { threads: new Set([1001]) }).map((e) => e.kind), ['senduipi', 'senduipi', 'senduipi', 'senduipi', 'notify']);
  assert.ok(involves(all[9], 1000), 'a notification to the receiver involves it');
  assert.deepEqual(filterEvents(all, { kinds: new Set(['senduipi']), threads: new Set([1000]) }).map((e) => e.seq), [11]);
  assert.deepEqual(eventThreads(all), [1000, 1001]);
});

test('delivery → SENDUIPI: by UPID owner, merged posts, faults skipped, injected posts, none', () => {
  const all = log();
  const owners = upidOwners(uipiState());
  assert.equal(owners.get(0xfe000000n), 1000);
  const links = linkDeliveries(all, owners);
  assert.deepEqual(links.get(4)!.map((e) => e.seq), [2]);
  assert.deepEqual(links.get(10)!.map((e) => e.seq), [6, 7]);
  assert.deepEqual(links.get(12)!.map((e) => e.seq), [11]);
  assert.deepEqual(links.get(13), []);
  assert.equal(findSender(all, 10, owners)!.rip, 0x401910);
  assert.equal(findSender(all, 13, owners), undefined);
  // without knowing who owns the UPID, hardware sends cannot be linked
  assert.deepEqual(linkDeliveries(all, new Map()).get(4), []);
});

test('event rows: label, time/core/thread, details', () => {
  const all = log();
  assert.equal(formatEvent(all[2]).label, 'SENDUIPI 0 → vector 0 UPID 0xfe000000: suppressed');
  assert.equal(formatEvent(all[2]).description, 't=300 · core 1 · 1000/1001');
  assert.equal(formatEvent(all[4]).label, 'DELIVER vector 0 → handler 0x4017b0');
  assert.match(formatEvent(all[4]).detail, /^#4 deliver t=500 · core 0 · 1000\/1000\n/);
  assert.match(formatEvent(all[4]).detail, /\nframe: 0xffffdb10\n/);
  assert.equal(formatEvent(all[8]).label, 'SENDUIPI 7 → vector ?: fault (index 7 > UITTSZ 0)');
  assert.equal(formatEvent(all[9]).label, 'notification 0xec → APIC 0 (thread 1000)');
  assert.equal(formatEvent(all[11]).label, 'POST vector 5 → thread 1000: notified');
  assert.equal(formatEvent(all[0]).label, 'uintr_register_handler(0x4017b0, 0x0) = 0');
  assert.equal(formatEvent(all[1]).label, 'STUI at 0x401800');
});

test('a UIRET that does not return through its delivery frame is flagged in the row and its detail', () => {
  const e = { seq: 7, time: 19, core: 0, pid: 1000, tid: 1000, kind: 'uiret', rip: 5, rsp: 0x246, mismatch: 'RSP is 8 bytes below the frame\'s RIP slot (the vector was not popped)', pushedRip: 0x401004, pushedRsp: 0xffffde18, frame: 0xffffdd70 } as unknown as UintrEvent;
  const f = formatEvent(e);
  assert.equal(f.label, 'UIRET → 0x5 ⚠ not the delivery\'s frame: RSP is 8 bytes below the frame\'s RIP slot (the vector was not popped)');
  assert.match(f.detail, /\npushedRip: 0x401004\n/);
  assert.equal(formatEvent({ seq: 8, time: 20, core: 0, pid: 1000, tid: 1000, kind: 'uiret', rip: 0x470275, rsp: 0xffffdbb0 } as unknown as UintrEvent).label, 'UIRET → 0x470275');
});
