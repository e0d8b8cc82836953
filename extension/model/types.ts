/**
 * The shapes of the adapter's custom protocol (docs/dap.md, "Custom protocol"). Plain data: this module imports
 * neither vscode nor the emulator (extension/ gets everything over DAP).
 */

export interface UpidState {
  addr: string;
  on: number;
  sn: number;
  nv: number;
  ndst: string;
  apic: number;
  pir: string;
  blkd: number;
  owner: number | null;
}

export interface UittEntry {
  index: number;
  vector: number;
  upid: string;
  target: number | null;
}

export interface ActiveDelivery {
  vector: number;
  frame: string;
  rip: string;
  rsp: string;
  rflags: string;
}

export interface ThreadState {
  id: number;
  pid: number;
  name: string;
  core: number;
  state: string;
  uif: number;
  uirr: string;
  pending: number[];
  handler: string;
  handlerSymbol: string | null;
  stackAdjust: string;
  uinv: number;
  uittsz: number;
  uittAddr: string;
  ttValid: number;
  upidAddr: string;
  upid: UpidState | null;
  uitt: UittEntry[];
  uittSource: 'msr' | 'kernel' | 'none';
  receiver: { upid: string; vectors: number[] } | null;
  active: ActiveDelivery[];
  delivery: string;
}

export interface Route {
  uitt: string;
  senders: number[];
  pid: number;
  index: number;
  vector: number;
  upid: string;
  target: number | null;
}

/** Response body of `uintr/state`. */
export interface UintrState {
  threads: ThreadState[];
  routes: Route[];
  time: number;
  events: number;
  running: boolean;
}

export type UintrEventKind =
  | 'senduipi' | 'notify' | 'notify-processed' | 'notify-spurious' | 'recognized' | 'deliver' | 'uiret'
  | 'stui' | 'clui' | 'replay' | 'switch-out' | 'syscall' | 'block' | 'wake' | 'fault';

export const EVENT_KINDS: UintrEventKind[] = [
  'senduipi', 'notify', 'notify-processed', 'notify-spurious', 'recognized', 'deliver', 'uiret',
  'stui', 'clui', 'replay', 'switch-out', 'syscall', 'block', 'wake', 'fault',
];

/** One entry of the UINTR event log (`uintr/events`, `uintr/event`). */
export interface UintrEvent {
  seq: number;
  time: number;
  core: number;
  pid: number;
  tid: number;
  kind: UintrEventKind;
  [k: string]: unknown;
}

/** Parse a hex string of the protocol ("0x1f") into a bigint (0n on garbage). */
export function big(h: string | number | null | undefined): bigint {
  if (h === null || h === undefined) return 0n;
  if (typeof h === 'number') return BigInt(Math.trunc(h));
  try {
    return BigInt(h);
  } catch {
    return 0n;
  }
}

/** Set bits of a 64-bit mask, highest first (like the adapter's lists). */
export function vectorsOf(mask: string | bigint): number[] {
  const m = typeof mask === 'bigint' ? mask : big(mask);
  const out: number[] = [];
  for (let v = 63; v >= 0; v--) if ((m >> BigInt(v)) & 1n) out.push(v);
  return out;
}

export function hex(v: number | bigint): string {
  return '0x' + v.toString(16);
}
