/**
 * Helpers for the DAP transcript tests: the bundled stdio adapter (dist/uintr-debug-adapter.js) driven by
 * @vscode/debugadapter-testsupport's DebugClient, and the C fixtures compiled once per run with gcc.
 */
import { DebugClient } from '@vscode/debugadapter-testsupport';
import type { DebugProtocol } from '@vscode/debugprotocol';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import assert from 'node:assert/strict';

export const root = path.resolve(__dirname, '../..');
export const adapter = path.join(root, 'dist/uintr-debug-adapter.js');
const buildDir = fs.mkdtempSync(path.join(os.tmpdir(), 'uintr-dap-'));

export function ensureAdapter(): void {
  if (!fs.existsSync(adapter)) execFileSync(process.execPath, [path.join(root, 'scripts/build.mjs')], { stdio: 'inherit' });
}

/** Compile a fixture (test/dap/fixtures/NAME.c, or a path) with gcc -static and the given flags. */
export function compile(name: string, flags: string[] = ['-O2', '-g']): string {
  const src = name.endsWith('.c') ? path.resolve(root, name) : path.join(__dirname, 'fixtures', name + '.c');
  const out = path.join(buildDir, path.basename(src, '.c') + flags.join('').replace(/[^\w]/g, ''));
  if (!fs.existsSync(out)) execFileSync('gcc', [...flags, '-static', '-o', out, src]);
  return out;
}

/** The uipi sample as the issue builds it. */
export function uipiSample(): string {
  return compile('test-fixtures/uintr/uipi_sample.c', ['-O2', '-g', '-pthread', '-muintr', '-mgeneral-regs-only']);
}

/** Address of a symbol in an ELF (nm). */
export function symbolAddress(elf: string, name: string): number {
  const out = execFileSync('nm', [elf], { encoding: 'utf8' });
  const m = new RegExp(`^([0-9a-f]+) \\w ${name}$`, 'm').exec(out);
  if (!m) throw new Error(`no symbol ${name} in ${elf}`);
  return parseInt(m[1], 16);
}

/** Events kept in arrival order from the client's start (no race between an event and its waiter). */
const QUEUED = ['stopped', 'exited', 'terminated', 'uintr/event', 'thread'];
const queues = new WeakMap<DebugClient, Map<string, { items: DebugProtocol.Event[]; waiters: ((e: DebugProtocol.Event) => void)[] }>>();

export async function startClient(): Promise<DebugClient> {
  ensureAdapter();
  const dc = new DebugClient(process.execPath, adapter, 'uintr');
  dc.defaultTimeout = 20_000;
  const qs = new Map<string, { items: DebugProtocol.Event[]; waiters: ((e: DebugProtocol.Event) => void)[] }>();
  for (const k of QUEUED) {
    const q = { items: [] as DebugProtocol.Event[], waiters: [] as ((e: DebugProtocol.Event) => void)[] };
    qs.set(k, q);
    dc.on(k, (e: DebugProtocol.Event) => {
      const w = q.waiters.shift();
      if (w) w(e);
      else q.items.push(e);
    });
  }
  queues.set(dc, qs);
  await dc.start();
  return dc;
}

/** The next event of a queued kind (stopped, exited, terminated, uintr/event, thread). */
export function nextEvent(dc: DebugClient, kind: string, timeout = 20_000): Promise<DebugProtocol.Event> {
  const q = queues.get(dc)!.get(kind)!;
  const e = q.items.shift();
  if (e) return Promise.resolve(e);
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      q.waiters.splice(q.waiters.indexOf(w), 1);
      reject(new Error(`no '${kind}' event after ${timeout} ms`));
    }, timeout);
    const w = (x: DebugProtocol.Event) => {
      clearTimeout(timer);
      resolve(x);
    };
    q.waiters.push(w);
  });
}

/** Every queued event of a kind received so far (consumed). */
export function drainEvents(dc: DebugClient, kind: string): DebugProtocol.Event[] {
  const q = queues.get(dc)!.get(kind)!;
  return q.items.splice(0);
}

/** Collects every output event's text by category, from now on. */
export function collectOutput(dc: DebugClient): Record<string, string> {
  const out: Record<string, string> = {};
  dc.on('output', (e: DebugProtocol.OutputEvent) => {
    const c = e.body.category ?? 'console';
    out[c] = (out[c] ?? '') + e.body.output;
  });
  return out;
}

/** initialize + launch + (configure) + configurationDone. */
export async function launch(dc: DebugClient, args: Record<string, unknown>, configure?: () => Promise<unknown>): Promise<void> {
  await Promise.all([
    dc.waitForEvent('initialized').then(async () => {
      if (configure) await configure();
      await dc.configurationDoneRequest();
    }),
    dc.launch(args),
  ]);
}

export async function expectStop(dc: DebugClient, reason?: string): Promise<DebugProtocol.StoppedEvent> {
  const e = (await nextEvent(dc, 'stopped')) as DebugProtocol.StoppedEvent;
  if (reason !== undefined) assert.equal(e.body.reason, reason, `stop reason (description: ${e.body.description})`);
  return e;
}

export async function topFrame(dc: DebugClient, threadId: number): Promise<DebugProtocol.StackFrame> {
  const r = await dc.stackTraceRequest({ threadId });
  return r.body.stackFrames[0];
}

export async function frames(dc: DebugClient, threadId: number): Promise<DebugProtocol.StackFrame[]> {
  return (await dc.stackTraceRequest({ threadId })).body.stackFrames;
}

/** Variables of a scope ('Registers' / 'UINTR') of a frame, by name. */
export async function scopeVars(dc: DebugClient, frameId: number, scope: string): Promise<Map<string, DebugProtocol.Variable>> {
  const s = (await dc.scopesRequest({ frameId })).body.scopes.find((x) => x.name === scope);
  assert.ok(s, `scope ${scope}`);
  const vs = (await dc.variablesRequest({ variablesReference: s.variablesReference })).body.variables;
  return new Map(vs.map((v) => [v.name, v]));
}

export async function rip(dc: DebugClient, threadId: number): Promise<number> {
  const f = await topFrame(dc, threadId);
  return Number(BigInt(f.instructionPointerReference!));
}

/** Expect the session to end: exited (with the status) and terminated. */
export async function expectExit(dc: DebugClient, status: number): Promise<void> {
  const [e] = await Promise.all([nextEvent(dc, 'exited'), nextEvent(dc, 'terminated')]);
  assert.equal((e as DebugProtocol.ExitedEvent).body.exitCode, status);
}

/** A request must fail with a message matching re. */
export async function expectError(p: Promise<unknown>, re: RegExp): Promise<void> {
  await assert.rejects(p, (e: Error) => {
    assert.match(e.message, re);
    return true;
  });
}

/** The DebugClients a test file starts (`client()`), all stopped by `stopAll` (its `after` hook). */
export function clientPool(): { client(): Promise<DebugClient>; stopAll(): Promise<void> } {
  const clients: DebugClient[] = [];
  return {
    async client() {
      const dc = await startClient();
      clients.push(dc);
      return dc;
    },
    async stopAll() {
      for (const dc of clients) await dc.stop().catch(() => {});
    },
  };
}
