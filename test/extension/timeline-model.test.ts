import test from 'node:test';
import assert from 'node:assert/strict';
import { layoutTimeline, renderTimelineSvg, interruptStats, renderStatsTable } from '../../extension/model/timeline-model';
import type { UintrEvent } from '../../extension/model/types';

let seq = 0;
const ev = (kind: UintrEvent['kind'], time: number, core: number, tid: number, d: Record<string, unknown> = {}): UintrEvent => ({ seq: seq++, time, core, pid: 1000, tid, kind, ...d });
const owners = new Map([[0xfe000000n, 1000]]);

function log(): UintrEvent[] {
  seq = 0;
  return [
    ev('stui', 100, 0, 1000, { rip: 1 }),
    ev('syscall', 200, 1, 1001, { name: 'uintr_register_sender', args: [], result: 0 }),
    ev('senduipi', 300, 1, 1001, { index: 0, vector: 0, upid: 0xfe000000, outcome: 'notified' }),
    ev('notify', 300, 1, 1001, { vector: 0xec, apic: 0, owner: 1000 }),
    ev('notify-processed', 340, 0, 1000, { pir: 1, uirr: 1 }),
    ev('deliver', 350, 0, 1000, { vector: 0, handler: 0x4017b0, frame: 0, rip: 0, rsp: 0, rflags: 0 }),
    ev('senduipi', 400, 1, 1001, { index: 0, vector: 1, upid: 0xfe000000, outcome: 'suppressed' }),
    ev('uiret', 900, 0, 1000, { rip: 5, rsp: 6 }),
    ev('senduipi', 950, 0, 1000, { vector: 3, upid: 0xfe000000, target: 1000, outcome: 'notified', injected: true }),
    ev('deliver', 1000, 0, 1000, { vector: 3, handler: 0x4017b0, frame: 0, rip: 0, rsp: 0, rflags: 0 }),
  ];
}

test('layout: core lanes, thread spans, interrupt chains with latency, loose sends', () => {
  const l = layoutTimeline(log(), owners);
  assert.deepEqual(l.cores, [0, 1]);
  assert.equal(l.t0, 100);
  assert.equal(l.t1, 1000);
  assert.deepEqual(l.spans.map((s) => [s.core, s.tid, s.from, s.to]), [[0, 1000, 100, 1000], [1, 1001, 200, 400]]);
  assert.equal(l.interrupts.length, 2);
  const [a, b] = l.interrupts;
  assert.deepEqual(a.send && [a.send.seq, a.send.tid, a.send.core], [2, 1001, 1]);
  assert.equal(a.notify!.seq, 3);
  assert.equal(a.deliver.seq, 5);
  assert.equal(a.uiret!.time, 900);
  assert.equal(a.latency, 50);
  assert.equal(b.send!.injected, true);
  assert.equal(b.latency, 50);
  assert.equal(b.uiret, undefined);
  assert.deepEqual(l.loose.map((x) => x.seq), [6]);
});

test('nested deliveries: each UIRET closes the innermost', () => {
  seq = 0;
  const evs = [
    ev('deliver', 10, 0, 1000, { vector: 0 }),
    ev('deliver', 20, 0, 1000, { vector: 2 }),
    ev('uiret', 30, 0, 1000, {}),
    ev('uiret', 40, 0, 1000, {}),
  ];
  const l = layoutTimeline(evs, owners);
  assert.deepEqual(l.interrupts.map((i) => [i.vector, i.uiret!.time]), [[0, 40], [2, 30]]);
  assert.equal(l.interrupts[0].send, undefined);
});

test('SVG: lanes, the latency label, tooltips escaped, theme classes, nothing external', () => {
  const svg = renderTimelineSvg(layoutTimeline(log(), owners), { names: new Map([[1000, 'uipi<main>'], [1001, 'uipi']]) });
  assert.match(svg, /^<svg xmlns="http:\/\/www\.w3\.org\/2000\/svg" class="timeline"/);
  assert.match(svg, />core 0</);
  assert.match(svg, />core 1</);
  assert.equal((svg.match(/class="latency"[^>]*>50 ns</g) ?? []).length, 2);
  assert.match(svg, /<title>interrupt #1: vector 0 → uipi&lt;main&gt; 1000\nSENDUIPI by uipi 1001 at t=300 ns \(core 1, notified\)\nnotification at t=300 ns \(core 1\)\ndelivered at t=350 ns \(core 0\)/);
  assert.match(svg, /UIRET at t=900 ns \(handler ran 550 ns\)/);
  assert.match(svg, /posted by the debugger/);
  assert.match(svg, /SENDUIPI 0 vector 1: suppressed .*no delivery yet/);
  assert.ok(!/<script|href=|https?:\/\/(?!www\.w3\.org\/2000\/svg)/.test(svg), 'no scripts or external references');
  assert.ok(!svg.includes('uipi<main>'));
  assert.match(renderTimelineSvg(layoutTimeline([], owners)), /No UINTR events yet/);
});

test('statistics: SENDUIPI outcomes, the delivery path of each interrupt, latency and handler-time distributions, frame mismatches', () => {
  const evs = log();
  // a third interrupt whose vector reached UIRR by the kernel's replay (the receiver was switched out), and
  // whose handler returned through a different frame
  evs.push(
    ev('senduipi', 1100, 1, 1001, { index: 0, vector: 2, upid: 0xfe000000, outcome: 'suppressed (SN=1)' }),
    ev('replay', 1500, 0, 1000, { pir: 4, uirr: 4 }),
    ev('deliver', 1520, 0, 1000, { vector: 2, handler: 0x4017b0, frame: 0, rip: 0, rsp: 0, rflags: 0 }),
    ev('uiret', 1700, 0, 1000, { rip: 5, rsp: 6, mismatch: 'the frame was changed' }),
  );
  const l = layoutTimeline(evs, owners);
  assert.deepEqual(l.interrupts.map((i) => i.path), ['notification', undefined, 'kernel replay']);
  const rows = new Map(interruptStats(l, evs));
  assert.equal(rows.get('SENDUIPI executed'), '3');
  assert.equal(rows.get('  SENDUIPI: notified'), '1');
  assert.equal(rows.get('  SENDUIPI: suppressed'), '1');
  assert.equal(rows.get('  SENDUIPI: suppressed (SN=1)'), '1');
  assert.equal(rows.get('  debugger post: notified'), '1');
  assert.equal(rows.get('interrupts delivered'), '3');
  assert.equal(rows.get('  via notification processing (receiver running)'), '1');
  assert.equal(rows.get('  via kernel replay on return to user mode'), '1');
  assert.equal(rows.get('  sender not in the log'), undefined, 'the debugger post is the sender of the second one');
  assert.equal(rows.get('  PIR → UIRR not in the log'), '1');
  assert.equal(rows.get('latency SENDUIPI → delivery'), 'min 50 · median 50 · p95 420 · max 420 ns (3)');
  assert.equal(rows.get('handler time delivery → UIRET'), 'min 180 · median 180 · p95 550 · max 550 ns (2)');
  assert.equal(rows.get('UIRET not through its delivery frame'), '1');
  const html = renderStatsTable([['a <b>', '1 & 2']]);
  assert.equal(html, '<table class="stats"><tr><td>a &lt;b&gt;</td><td>1 &amp; 2</td></tr></table>');
});
