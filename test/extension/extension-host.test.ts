/**
 * The extension's VS Code side without VS Code: the real bundle (dist/extension.js) activated against the
 * recording `vscode` stand-in, with a debug session wired the way VS Code wires an inline adapter (the bundle's
 * own descriptor factory → DebugAdapter; every adapter message → the bundle's tracker). F5 on the uipi ELF, stop at
 * the delivery, then the UINTR State tree items, the status bar, the UINTR Events rows, and the commands
 * (Toggle SN, Post user interrupt…, Copy as text, Reveal UPID in memory, Go to sender, filters).
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { execFileSync } from 'node:child_process';
import { loadWithMock, newRecorded, Recorded } from './vscode-mock';
import { uipiSample } from '../dap/helpers';

const root = path.resolve(__dirname, '../..');

async function until<T>(what: string, f: () => T | undefined | null | false, timeout = 30_000): Promise<T> {
  const t0 = Date.now();
  for (;;) {
    const v = f();
    if (v) return v;
    if (Date.now() - t0 > timeout) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

function wire(rec: Recorded) {
  const get = (kind: string) => rec.registered.find((r) => r.kind === kind)!.obj;
  const pending = new Map<number, { resolve: (b: unknown) => void; reject: (e: Error) => void }>();
  const events: any[] = [];
  let seq = 1;
  const session: any = { id: 'session-1', type: 'uintr', name: 'uipi' };
  const desc = get('descriptorFactory').createDebugAdapterDescriptor(session);
  const adapter = desc.implementation;
  const tracker = get('trackerFactory').createDebugAdapterTracker(session);
  adapter.onDidSendMessage((m: any) => {
    tracker.onDidSendMessage?.(m);
    if (m.type === 'response') {
      const p = pending.get(m.request_seq);
      pending.delete(m.request_seq);
      if (m.success) p?.resolve(m.body);
      else p?.reject(new Error(m.message));
    } else if (m.type === 'event') events.push(m);
  });
  session.customRequest = (command: string, args?: unknown) =>
    new Promise((resolve, reject) => {
      const s = seq++;
      pending.set(s, { resolve, reject });
      const req = { seq: s, type: 'request', command, arguments: args };
      tracker.onWillReceiveMessage?.(req);
      adapter.handleMessage(req);
    });
  return { session, adapter, events };
}

let stop: (() => Promise<void>) | undefined;
after(async () => stop?.());

/** The real bundle (built if missing), activated against a fresh recording stand-in. */
function activated(): { rec: Recorded; subs: { dispose(): void }[] } {
  const bundle = path.join(root, 'dist/extension.js');
  if (!fs.existsSync(bundle)) execFileSync(process.execPath, [path.join(root, 'scripts/build.mjs')]);
  const rec = newRecorded();
  const subs: { dispose(): void }[] = [];
  loadWithMock(bundle, rec).activate({ subscriptions: subs });
  return { rec, subs };
}

test('bundle + inline adapter: F5 on the uipi ELF, UINTR State / Events / status bar and their commands', async () => {
  const { rec, subs } = activated();
  const elf = uipiSample();

  // F5 without launch.json on the ELF: the configuration provider fills it in from the active editor + settings
  rec.activeTextEditor = { document: { uri: { scheme: 'file', fsPath: elf } } };
  const provider = rec.registered.find((r) => r.kind === 'configProvider')!.obj;
  const cfg = await provider.resolveDebugConfiguration(undefined, {});
  assert.deepEqual(cfg, { type: 'uintr', request: 'launch', name: `Debug ${path.basename(elf)}`, program: elf, cores: 2, seed: 1, uintrAbi: 'v2' });
  // a non-ELF is refused with a clear message
  rec.activeTextEditor = { document: { uri: { scheme: 'file', fsPath: path.join(root, 'package.json') } } };
  assert.equal(await provider.resolveDebugConfiguration(undefined, {}), undefined);
  assert.match(rec.messages.at(-1)!.text, /cannot debug .*package\.json: not an ELF file/);

  // the session, as VS Code runs it
  const { session, events } = wire(rec);
  stop = async () => {
    await session.customRequest('disconnect', {}).catch(() => {});
  };
  rec.debug.activeDebugSession = session;
  for (const l of rec.listeners.get('activeSession') ?? []) l(session);
  await session.customRequest('initialize', { adapterID: 'uintr', pathFormat: 'path', linesStartAt1: true, columnsStartAt1: true });
  await session.customRequest('launch', cfg);
  await session.customRequest('setExceptionBreakpoints', { filters: ['delivery'] });
  await session.customRequest('configurationDone', {});
  const stopped = await until('the delivery stop', () => events.find((e) => e.event === 'stopped'));
  const tid = stopped.body.threadId;

  // UINTR State: thread nodes once uintr/state arrived
  const sv = rec.views.get('uintrState')!.treeDataProvider as any;
  const roots = await until('state tree', () => {
    const r = sv.getChildren();
    return r.length && r[0].kind === 'thread' ? r : null;
  });
  const thread = roots.find((n: any) => n.threadId === tid);
  const ti = sv.getTreeItem(thread);
  assert.match(ti.label.label, new RegExp(`/${tid}$`));
  assert.match(ti.description, /^core \d · running · UIF 0$/);
  assert.equal(ti.contextValue, 'uintrThread.receiver');
  const kids = sv.getChildren(thread);
  const upid = kids.find((n: any) => n.label === 'UPID');
  const upidItem = sv.getTreeItem(upid);
  assert.match(upidItem.description, /^0x[0-9a-f]+ · ON=0 SN=[01] NV=0xec NDST=APIC \d PIR=0x0$/);
  assert.equal(upidItem.contextValue, 'uintrUpid');
  const handler = sv.getTreeItem(kids.find((n: any) => n.label === 'Handler'));
  assert.equal(handler.command.command, 'uintr.reveal');

  // status bar: the focused (stopped) thread
  const sb = rec.statusBar[0];
  await until('status bar', () => sb.shown);
  assert.equal(sb.text, `$(zap) UINTR ${tid}: UIF 0 · 0 pending`);

  // UINTR Events: rows; the delivery expands into its SENDUIPI
  const ev = rec.views.get('uintrEvents')!.treeDataProvider as any;
  const rows = await until('event rows', () => {
    const r = ev.getChildren();
    return r.some((x: any) => x.ev.kind === 'deliver') ? r : null;
  });
  const deliver = rows.filter((r: any) => r.ev.kind === 'deliver').at(-1);
  const dItem = ev.getTreeItem(deliver);
  assert.match(dItem.label, /^#\d+ DELIVER vector 0 → handler 0x/);
  assert.equal(dItem.contextValue, 'uintrEvent.deliver');
  assert.equal(dItem.collapsibleState, 1);
  const cause = ev.getChildren(deliver);
  assert.equal(cause.length, 1);
  assert.match(ev.getTreeItem(cause[0]).label, /^caused by #\d+ SENDUIPI 0 → vector 0/);
  // Go to sender: selects the SENDUIPI row
  await rec.commands.get('uintr.events.goToSender')!(deliver);
  const revealed = rec.treeViews.get('uintrEvents')!.revealed.at(-1) as any;
  assert.equal(revealed.ev.seq, cause[0].ev.seq);
  // ... and opens the SENDUIPI's source line (the sample is built with -O2 -g: _senduipi() is inlined, so the
  // line is the intrinsic's in gcc's uintrintrin.h, as gdb would show it)
  const shown = rec.shownDocs?.at(-1);
  assert.ok(shown, 'Go to Sender opened the source');
  assert.match(path.basename(shown.path), /^(uipi_sample\.c|uintrintrin\.h)$/);
  assert.match(fs.readFileSync(shown.path, 'utf8').split('\n')[shown.line - 1], /senduipi/i);
  // filter by kind
  rec.quickPick = (items) => items.filter((i: any) => i.label === 'senduipi');
  await rec.commands.get('uintr.events.filterKind')!();
  assert.deepEqual([...new Set(ev.getChildren().map((r: any) => r.ev.kind))], ['senduipi']);
  assert.equal(rec.treeViews.get('uintrEvents')!.description, 'filtered: senduipi');
  await rec.commands.get('uintr.events.clearFilter')!();
  assert.ok(ev.getChildren().length > 3);

  // Toggle SN on the receiver (setVariable on the UINTR scope), then the tree shows it changed
  const sn0 = sv.getChildren(upid).find((n: any) => n.label === 'SN').bit;
  await rec.commands.get('uintr.toggleSN')!(thread);
  const sn = await until('SN toggled', () => {
    const t = sv.getChildren().find((n: any) => n.threadId === tid);
    const u = t && sv.getChildren(t).find((n: any) => n.label === 'UPID');
    const s = u && sv.getChildren(u).find((n: any) => n.label === 'SN');
    return s && s.bit !== sn0 ? s : null;
  });
  assert.equal(sn.bit, 1 - sn0);

  // Post user interrupt…: vector picked in the quick pick
  rec.quickPick = (items) => items.find((i: any) => i.v === 0);
  await rec.commands.get('uintr.postInterrupt')!(thread);
  assert.match(rec.messages.filter((m) => m.level === 'info').at(-1)!.text, new RegExp(`^Posted vector 0 to thread ${tid}: (notified|suppressed \\(SN=1\\))$`));
  await until('pending PIR', () => {
    const t = sv.getChildren().find((n: any) => n.threadId === tid);
    const u = t && sv.getChildren(t).find((n: any) => n.label === 'UPID');
    return u && /PIR=0x1|· pending 0/.test(JSON.stringify(sv.getChildren(t).map((n: any) => n.description)));
  });

  // a post while stopped sends uintr/event: the program is still shown as stopped
  await new Promise((r) => setTimeout(r, 400));
  assert.doesNotMatch(sb.text, /running/);
  assert.match(sb.text, new RegExp(`^\\$\\(zap\\) UINTR ${tid}: UIF 0 · [01] pending$`));

  // Copy as text (one node, and the whole view)
  await rec.commands.get('uintr.copyAsText')!(upid);
  assert.match(rec.clipboard, /^UPID: 0x[0-9a-f]+ · ON=/);
  await rec.commands.get('uintr.copyAsText')!();
  assert.match(rec.clipboard, /^UINTR state at t=\d+ ns/);

  // Reveal UPID in memory: VS Code's debug memory URI, opened with the hex editor
  await rec.commands.get('uintr.revealUpid')!(upid);
  const open = rec.executed.find((e) => e.command === 'vscode.openWith')!;
  const uri = open.args[0] as any;
  assert.equal(uri.scheme, 'vscode-debug-memory');
  assert.equal(uri.authority, 'session-1');
  assert.match(uri.path, /^\/0x[0-9a-f]+\/UPID 0x[0-9a-f]+\.bin$/); // the tab title: the display name is not percent-encoded
  assert.equal(open.args[1], 'hexEditor.hexedit');
  // without the Hex Editor extension: a message offering to install it (and to copy the address)
  rec.installed = [];
  const opened = rec.executed.length;
  await rec.commands.get('uintr.revealUpid')!(upid);
  assert.match(rec.messages.at(-1)!.text, /^Viewing memory needs the Hex Editor extension \(ms-vscode\.hexeditor\)\. UPID at 0x[0-9a-f]+\.$/);
  assert.equal(rec.executed.slice(opened).filter((e) => e.command === 'vscode.openWith').length, 0);

  // Interrupt Timeline: a webview with a strict CSP; once the page is ready it gets the SVG with the interrupt
  await rec.commands.get('uintr.showTimeline')!();
  const panel = rec.panels[0];
  assert.equal(panel.viewType, 'uintrTimeline');
  assert.deepEqual(panel.options.localResourceRoots, []);
  assert.match(panel.html, /<meta http-equiv="Content-Security-Policy" content="default-src 'none'; img-src vscode-webview:\/\/test data:; style-src 'nonce-([^']+)'; script-src 'nonce-\1';">/);
  assert.ok(!/https?:\/\//.test(panel.html.replace('http-equiv', '')), 'no network resources');
  panel.receive!({ type: 'ready' });
  const msg = await until('timeline message', () => panel.posted.at(-1));
  assert.equal(msg.type, 'timeline');
  assert.match(msg.summary, /^1 interrupt delivered · latency min \d+ ns, max \d+ ns · \d+ events · [12] core lanes?/);
  assert.match(msg.svg, /class="latency"[^>]*>\d+ ns</);
  assert.match(msg.svg, /SENDUIPI by (uipi\S* |thread )\d+ at t=\d+ ns/);
  assert.match(msg.svg, /POST vector 0: (notified|suppressed \(SN=1\)) .*no delivery yet/);
  // the statistics under it: the sample's one SENDUIPI, the path its vector took to UIRR, the latency
  assert.match(msg.stats, /<tr><td>SENDUIPI executed<\/td><td>1<\/td><\/tr>/);
  assert.match(msg.stats, /<td>interrupts delivered<\/td><td>1<\/td>/);
  assert.match(msg.stats, /via (notification processing \(receiver running\)|kernel replay on return to user mode)<\/td><td>1</);
  assert.match(msg.stats, /latency SENDUIPI → delivery<\/td><td>min \d+ · median \d+ · p95 \d+ · max \d+ ns \(1\)/);

  // continue to the end
  await session.customRequest('setExceptionBreakpoints', { filters: [] });
  await session.customRequest('continue', { threadId: tid });
  const exited = await until('exit', () => events.find((e) => e.event === 'exited'));
  assert.equal(exited.body.exitCode, 0);
  stop = undefined;
  for (const s of subs) s.dispose();
});

test('Step Back from the delivery: the UINTR views follow the replayed (earlier) state', async () => {
  const { rec, subs } = activated();
  const { session, events } = wire(rec);
  stop = async () => {
    await session.customRequest('disconnect', {}).catch(() => {});
  };
  rec.debug.activeDebugSession = session;
  for (const l of rec.listeners.get('activeSession') ?? []) l(session);
  const init = (await session.customRequest('initialize', { adapterID: 'uintr', pathFormat: 'path', linesStartAt1: true, columnsStartAt1: true })) as { supportsStepBack?: boolean };
  assert.equal(init.supportsStepBack, true, 'VS Code shows Step Back / Reverse Continue');
  await session.customRequest('launch', { type: 'uintr', request: 'launch', name: 'uipi', program: uipiSample(), cores: 2, seed: 1 });
  await session.customRequest('setExceptionBreakpoints', { filters: ['delivery'] });
  await session.customRequest('configurationDone', {});
  const stopped = await until('the delivery stop', () => events.find((e) => e.event === 'stopped'));
  const tid = stopped.body.threadId;
  const ev = rec.views.get('uintrEvents')!.treeDataProvider as any;
  const kinds = () => ev.getChildren().map((r: any) => r.ev.kind);
  await until('the delivery row', () => kinds().includes('deliver'));
  const sb = rec.statusBar[0];
  await until('status bar at the delivery', () => sb.text === `$(zap) UINTR ${tid}: UIF 0 · 0 pending`);
  // one instruction back: before the delivery, vector 0 pending with UIF 1; the log no longer has the delivery
  await session.customRequest('stepBack', { threadId: tid, granularity: 'instruction' });
  await until('the step-back stop', () => events.filter((e) => e.event === 'stopped').length === 2);
  await until('the delivery row gone', () => !kinds().includes('deliver') && kinds().includes('recognized'));
  await until('status bar before the delivery', () => sb.text === `$(zap) UINTR ${tid}: UIF 1 · 1 pending`);
  // forward again: the same delivery
  await session.customRequest('continue', { threadId: tid });
  await until('the delivery again', () => events.filter((e) => e.event === 'stopped').length === 3);
  await until('the delivery row again', () => kinds().includes('deliver'));
  // "Go Back to This Event" on the SENDUIPI row: the program is back right after it
  const sendRow = ev.getChildren().find((r: any) => r.ev.kind === 'senduipi');
  await rec.commands.get('uintr.events.goBack')!(sendRow);
  const g = await until('the goto stop', () => events.filter((e) => e.event === 'stopped')[3]);
  assert.equal(g.body.reason, 'goto');
  assert.match(g.body.description, new RegExp(`^Back at event #${sendRow.ev.seq}: SENDUIPI`));
  await until('the log cut after the SENDUIPI', () => !kinds().includes('deliver') && ev.getChildren().at(-1).ev.seq >= sendRow.ev.seq);
  await session.customRequest('disconnect', {});
  stop = undefined;
  for (const s of subs) s.dispose();
});

test('F5 on a C file: gcc -O0 -g -static -pthread -muintr through the uintr-gcc task; build errors and a missing gcc are reported', async (t) => {
  const { rec } = activated();
  const provider = rec.registered.find((r) => r.kind === 'configProvider')!.obj;
  const dir = fs.mkdtempSync(path.join(require('node:os').tmpdir(), 'uintr-f5-'));
  t.after(() => fs.rmSync(dir, { recursive: true, force: true }));
  const good = path.join(dir, 'good.c');
  fs.writeFileSync(good, '#include <x86gprintrin.h>\nint main(void) { _stui(); return _testui() ? 0 : 1; }\n');
  rec.activeTextEditor = { document: { uri: { scheme: 'file', fsPath: good } } };
  const cfg = await provider.resolveDebugConfiguration(undefined, {});
  assert.equal(cfg.program, path.join(dir, 'good'));
  const task = rec.tasks[0];
  assert.equal(task.source, 'uintr-gcc');
  assert.deepEqual(task.problemMatchers, ['$uintr-gcc']);
  assert.equal(task.execution.process, 'gcc');
  assert.deepEqual(task.execution.args, ['-O0', '-g', '-static', '-pthread', '-muintr', '-o', path.join(dir, 'good'), good]);
  assert.ok(fs.existsSync(path.join(dir, 'good')));

  // a compile error: no launch, a message pointing at Problems; gcc's diagnostic matches the problem matcher
  const bad = path.join(dir, 'bad.c');
  fs.writeFileSync(bad, 'int main(void) { return undeclared; }\n');
  rec.activeTextEditor = { document: { uri: { scheme: 'file', fsPath: bad } } };
  assert.equal(await provider.resolveDebugConfiguration(undefined, {}), undefined);
  assert.match(rec.messages.at(-1)!.text, /building .*bad\.c failed \(gcc exit code 1\); see the Problems view/);
  const pm = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8')).contributes.problemMatchers[0];
  const line = rec.taskOutput.at(-1)!.split('\n').find((l) => new RegExp(pm.pattern.regexp).test(l));
  assert.ok(line, rec.taskOutput.at(-1));
  assert.match(line!, /bad\.c:1:\d+: error: .undeclared. undeclared/);

  // no gcc on PATH
  const savedPath = process.env.PATH;
  process.env.PATH = dir;
  try {
    assert.equal(await provider.resolveDebugConfiguration(undefined, {}), undefined);
  } finally {
    process.env.PATH = savedPath;
  }
  assert.match(rec.messages.at(-1)!.text, /gcc was not found on PATH/);
  assert.equal(rec.tasks.length, 2);
});
