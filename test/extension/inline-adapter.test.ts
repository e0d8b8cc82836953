/**
 * The extension's data path without VS Code: the in-process UintrDebugSession (what adapter-factory.ts hands to
 * vscode.DebugAdapterInlineImplementation) driven through the same DebugAdapter interface VS Code uses
 * (handleMessage / onDidSendMessage), the views' requests (model/dap-requests.ts) and the view models on the
 * uipi sample: stop at a delivery, the UINTR State tree, the event log with delivery → SENDUIPI, Toggle SN,
 * Post user interrupt.
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import type { DebugProtocol } from '@vscode/debugprotocol';
import { UintrDebugSession } from '../../debug-adapter/session';
import { getState, getEvents, post, setUpidField, sourceOf, Requester } from '../../extension/model/dap-requests';
import { buildStateTree, computeWarnings, StateNode } from '../../extension/model/state-model';
import { EventStore, linkDeliveries, upidOwners, formatEvent } from '../../extension/model/events-model';
import type { UintrEvent } from '../../extension/model/types';
import { uipiSample } from '../dap/helpers';

class InlineClient implements Requester {
  private seq = 1;
  private pending = new Map<number, { resolve: (b: unknown) => void; reject: (e: Error) => void }>();
  private queues = new Map<string, DebugProtocol.Event[]>();
  private waiters = new Map<string, ((e: DebugProtocol.Event) => void)[]>();
  readonly store = new EventStore();
  readonly session = new UintrDebugSession();

  constructor() {
    // the vscode.DebugAdapter side of DebugSession (ProtocolServer): onDidSendMessage / handleMessage
    this.session.onDidSendMessage((m) => {
      const msg = m as DebugProtocol.ProtocolMessage;
      if (msg.type === 'response') {
        const r = msg as DebugProtocol.Response;
        const p = this.pending.get(r.request_seq);
        this.pending.delete(r.request_seq);
        if (r.success) p?.resolve(r.body);
        else p?.reject(new Error(r.message ?? 'failed'));
      } else if (msg.type === 'event') {
        const e = msg as DebugProtocol.Event;
        if (e.event === 'uintr/event') this.store.add((e.body as { events: UintrEvent[] }).events);
        const w = this.waiters.get(e.event)?.shift();
        if (w) w(e);
        else this.queues.set(e.event, [...(this.queues.get(e.event) ?? []), e]);
      }
    });
  }

  customRequest(command: string, args?: unknown): Promise<unknown> {
    const seq = this.seq++;
    return new Promise((resolve, reject) => {
      this.pending.set(seq, { resolve, reject });
      this.session.handleMessage({ seq, type: 'request', command, arguments: args } as DebugProtocol.Request);
    });
  }

  next(event: string, timeout = 30_000): Promise<DebugProtocol.Event> {
    const q = this.queues.get(event);
    if (q?.length) return Promise.resolve(q.shift()!);
    return new Promise((resolve, reject) => {
      const t = setTimeout(() => reject(new Error(`no ${event} event`)), timeout);
      const l = this.waiters.get(event) ?? [];
      l.push((e) => {
        clearTimeout(t);
        resolve(e);
      });
      this.waiters.set(event, l);
    });
  }
}

const find = (ns: StateNode[], id: string): StateNode | undefined => {
  for (const n of ns) {
    if (n.id === id) return n;
    const c = n.children && find(n.children, id);
    if (c) return c;
  }
  return undefined;
};

const clients: InlineClient[] = [];
after(async () => {
  for (const c of clients) await c.customRequest('disconnect', {}).catch(() => {});
});

test('inline adapter on the uipi sample: delivery stop → UINTR State tree, events linked to the sender, Toggle SN, Post', async () => {
  const c = new InlineClient();
  clients.push(c);
  const caps = (await c.customRequest('initialize', { adapterID: 'uintr', linesStartAt1: true, columnsStartAt1: true, pathFormat: 'path' })) as DebugProtocol.Capabilities;
  assert.ok(caps.exceptionBreakpointFilters!.some((f) => f.filter === 'delivery'));
  const initialized = c.next('initialized');
  await c.customRequest('launch', { type: 'uintr', request: 'launch', name: 'uipi', program: uipiSample(), cores: 2, seed: 1, uintrAbi: 'v2' });
  await initialized;
  await c.customRequest('setExceptionBreakpoints', { filters: ['senduipi'] });
  await c.customRequest('configurationDone', {});
  // first stop: right after the SENDUIPI; the sender's UITT routes to the receiver
  const sstop = (await c.next('stopped')) as DebugProtocol.StoppedEvent;
  assert.equal(sstop.body.reason, 'exception');
  const senderId = sstop.body.threadId!;
  const s0 = await getState(c);
  const t0 = buildStateTree(s0);
  const receiver = s0.threads.find((t) => t.id !== senderId)!;
  assert.match(find(t0, `t${senderId}/uitt/0`)!.description!, new RegExp(`^vector 0 → thread ${receiver.id} \\(`));
  assert.deepEqual(find(t0, `t${senderId}/uitt/0`)!.reveal, { kind: 'thread', threadId: receiver.id });
  assert.ok(t0.find((n) => n.id === 'routes'));
  assert.deepEqual(computeWarnings(s0), []);

  // second stop: the delivery, in the receiver's handler
  await c.customRequest('setExceptionBreakpoints', { filters: ['delivery'] });
  await c.customRequest('continue', { threadId: senderId });
  const stop = (await c.next('stopped')) as DebugProtocol.StoppedEvent;
  assert.equal(stop.body.reason, 'exception');
  const tid = stop.body.threadId!;
  assert.equal(tid, receiver.id);

  // UINTR State: the receiver is in its handler (UIF 0), UPID decoded; changes since the SENDUIPI stop marked
  const s1 = await getState(c);
  const tree = buildStateTree(s1, s0);
  const r = tree.find((n) => n.threadId === tid)!;
  assert.match(r.label, new RegExp(`^uipi\\S* \\d+/${tid}$`));
  assert.equal(find(tree, `t${tid}/uif`)!.description, '0');
  assert.equal(find(tree, `t${tid}/uif`)!.changed, true);
  assert.equal(find(tree, `t${tid}/handler`)!.description!.startsWith('uintr_handler (0x'), true);
  assert.equal(find(tree, `t${tid}/handler`)!.changed, undefined);
  assert.match(find(tree, `t${tid}/upid`)!.description!, /^0x[0-9a-f]+ · ON=0 SN=[01] NV=0xec NDST=APIC \d PIR=0x0$/);
  assert.equal(find(tree, `t${tid}/upid/pir`)!.changed, true, 'PIR was 0x1 at the SENDUIPI stop');
  assert.match(find(tree, `t${tid}/handling`)!.description!, /^vector 0$/);
  // clicking the handler reveals its C source line (the line of its definition), from the adapter's line info
  const handlerSrc = await sourceOf(c, s1.threads.find((t) => t.id === tid)!.handler);
  assert.ok(handlerSrc, 'the handler has line info (the sample is built with -g)');
  assert.equal(path.basename(handlerSrc.path), 'uipi_sample.c');
  const srcLines = fs.readFileSync(handlerSrc.path, 'utf8').split('\n');
  assert.match(srcLines[handlerSrc.line - 1], /uintr_handler\(/);
  assert.equal(await sourceOf(c, '0x10'), null, 'unmapped memory has no line');

  // the event log: streamed while running (uintr/event), completed with uintr/events; the delivery links to the SENDUIPI
  const page = await getEvents(c, 0);
  c.store.add(page.events);
  assert.equal(c.store.size, page.total);
  assert.equal(c.store.firstGap(), null);
  const evs = c.store.list();
  const deliver = evs.filter((e) => e.kind === 'deliver').at(-1)!;
  assert.equal(deliver.tid, tid);
  const senders = linkDeliveries(evs, upidOwners(s1)).get(deliver.seq)!;
  assert.equal(senders.length, 1);
  assert.equal(senders[0].tid, senderId);
  assert.match(formatEvent(senders[0]).label, /^SENDUIPI 0 → vector 0/);

  // Toggle SN through setVariable on the UINTR scope
  const sn0 = s1.threads.find((t) => t.id === tid)!.upid!.sn;
  assert.equal(await setUpidField(c, tid, 'SN', sn0 ? '0' : '1'), String(1 - sn0));
  const s2 = await getState(c);
  assert.equal(s2.threads.find((t) => t.id === tid)!.upid!.sn, 1 - sn0);
  const t2 = buildStateTree(s2, s1);
  assert.equal(find(t2, `t${tid}/upid/sn`)!.changed, true);
  assert.equal(find(t2, `t${tid}/upid/nv`)!.changed, undefined);

  // Post user interrupt… vector 5 with SN = 1: suppressed, posted in PIR
  if (sn0) await setUpidField(c, tid, 'SN', '1');
  assert.equal(await post(c, tid, 5), 'suppressed (SN=1)');
  const s3 = await getState(c);
  const t3 = buildStateTree(s3, s2);
  assert.match(find(t3, `t${tid}/upid/pir`)!.description!, /^0x20 · vectors 5$/);
  assert.equal(find(t3, `t${tid}/upid/pir`)!.changed, true);
  // the post is in the log as an injected SENDUIPI
  const more = await getEvents(c, c.store.size);
  c.store.add(more.events);
  assert.equal(formatEvent(c.store.list().at(-1)!).label, `POST vector 5 → thread ${tid}: suppressed (SN=1)`);
  
  await c.customRequest('setExceptionBreakpoints', { filters: [] });
  await c.customRequest('continue', { threadId: tid });
  const exited = (await c.next('exited')) as DebugProtocol.ExitedEvent;
  assert.equal(exited.body.exitCode, 0);
});
