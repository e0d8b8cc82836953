/**
 * Typed wrappers around the adapter's custom requests and the few standard requests the views need. Written
 * against a minimal `customRequest` interface (Requester satisfies it; so does a test's DebugClient
 * wrapper), so this module does not import vscode.
 */
import type { UintrState, UintrEvent } from './types';

export interface Requester {
  customRequest(command: string, args?: unknown): Thenable<unknown>;
}

export async function getState(s: Requester): Promise<UintrState> {
  return (await s.customRequest('uintr/state')) as UintrState;
}

export async function getEvents(s: Requester, start: number, count = 10000): Promise<{ events: UintrEvent[]; total: number; start: number }> {
  return (await s.customRequest('uintr/events', { start, count })) as { events: UintrEvent[]; total: number; start: number };
}

/** Back to the moment event `seq` was logged (a replay of the deterministic run). */
export async function goToEvent(s: Requester, seq: number): Promise<void> {
  await s.customRequest('uintr/goto', { seq });
}

export async function post(s: Requester, threadId: number, vector: number): Promise<string> {
  const r = (await s.customRequest('uintr/post', { threadId, vector })) as { outcome: string };
  return r.outcome;
}

interface Var { name: string; value: string; variablesReference: number; memoryReference?: string }

/** The variablesReference of the UPID variable of a thread's UINTR scope (via its top frame). */
async function upidRef(s: Requester, threadId: number): Promise<number> {
  const st = (await s.customRequest('stackTrace', { threadId, startFrame: 0, levels: 1 })) as { stackFrames: { id: number }[] };
  const frame = st.stackFrames[0];
  if (!frame) throw new Error(`thread ${threadId} has no stack frame`);
  const sc = (await s.customRequest('scopes', { frameId: frame.id })) as { scopes: { name: string; variablesReference: number }[] };
  const ui = sc.scopes.find((x) => x.name === 'UINTR');
  if (!ui) throw new Error('the adapter has no UINTR scope');
  const vs = (await s.customRequest('variables', { variablesReference: ui.variablesReference })) as { variables: Var[] };
  const upid = vs.variables.find((v) => v.name === 'UPID');
  if (!upid || !upid.variablesReference) throw new Error(`thread ${threadId} has no UPID (not a receiver)`);
  return upid.variablesReference;
}

/** Set a UPID bit (ON, SN) of a thread through setVariable on the UINTR scope (docs/dap.md, setVariable). */
export async function setUpidField(s: Requester, threadId: number, field: 'SN' | 'ON' | 'PIR', value: string): Promise<string> {
  const ref = await upidRef(s, threadId);
  const r = (await s.customRequest('setVariable', { variablesReference: ref, name: field, value })) as { value: string };
  return r.value;
}

/**
 * The source line of a code address, from the adapter's `disassemble` (it attaches DWARF / .uasm line info to each
 * instruction), or null when the address has no line information (no -g, library code).
 */
export async function sourceOf(s: Requester, address: string): Promise<{ path: string; line: number; column: number } | null> {
  const r = (await s.customRequest('disassemble', { memoryReference: address, instructionCount: 1, resolveSymbols: true })) as {
    instructions?: { address: string; location?: { path?: string }; line?: number; column?: number }[];
  };
  const i = r?.instructions?.[0];
  if (!i || !i.location?.path || !i.line) return null;
  return { path: i.location.path, line: i.line, column: i.column ?? 1 };
}
