/**
 * Time: every clock reads the kernel's virtual time (cycles at a nominal 1 GHz, so 1 cycle = 1 ns).
 * CLOCK_REALTIME starts at a fixed epoch (2025-01-01T00:00:00Z) so runs are reproducible.
 */
import { def } from './table';
import { EINVAL, EFAULT } from '../errno';
import { BLOCKED } from '../files';
import type { Kernel } from '../kernel';
import type { Thread } from '../process';

export const REALTIME_EPOCH_NS = 1735689600 * 1e9;
/** CLOCK_MONOTONIC/BOOTTIME read virtual time plus a fixed "uptime at start" of 100 s (Linux's never start at 0). */
export const MONOTONIC_BASE_NS = 100 * 1e9;

/** Virtual time (ns) as this thread sees it (includes the instructions of its current slice). */
export function threadNow(k: Kernel, t: Thread): number {
  return k.now + (t.cpu.icount - t.sliceStart);
}

function clockNs(k: Kernel, t: Thread, clk: number): number | null {
  const now = threadNow(k, t);
  switch (clk) {
    case 0: case 8: case 11: return REALTIME_EPOCH_NS + now; // REALTIME, REALTIME_ALARM, TAI
    case 1: case 4: case 7: case 9: return MONOTONIC_BASE_NS + now; // MONOTONIC, MONOTONIC_RAW, BOOTTIME(_ALARM)
    case 6: return MONOTONIC_BASE_NS + now - (now % 4_000_000); // MONOTONIC_COARSE: 4 ms ticks
    case 5: return REALTIME_EPOCH_NS + now - (now % 4_000_000); // REALTIME_COARSE
    case 2: case 3: return t.cpu.icount; // process/thread CPU time
  }
  return null;
}

function writeTimespec(t: Thread, a: number, ns: number): void {
  t.proc.mem.writeU64(a, Math.floor(ns / 1e9));
  t.proc.mem.writeU64(a + 8, Math.floor(ns % 1e9));
}
export function readTimespec(t: Thread, a: number): number {
  const s = t.proc.mem.readU64(a), ns = t.proc.mem.readU64(a + 8);
  if (ns >= 1e9 || s >= 2 ** 63) return -1; // tv_nsec out of range or a negative tv_sec: EINVAL
  return s * 1e9 + ns;
}

def(228, 'clock_gettime', (k, t) => {
  const ns = clockNs(k, t, k.argi(t, 0));
  if (ns === null) return -EINVAL;
  writeTimespec(t, k.arg(t, 1), ns);
  return 0;
});
def(229, 'clock_getres', (k, t) => {
  if (clockNs(k, t, k.argi(t, 0)) === null) return -EINVAL;
  const a = k.arg(t, 1);
  if (a) writeTimespec(t, a, 1);
  return 0;
});
def(96, 'gettimeofday', (k, t) => {
  const a = k.arg(t, 0);
  const ns = REALTIME_EPOCH_NS + threadNow(k, t);
  if (a) {
    t.proc.mem.writeU64(a, Math.floor(ns / 1e9));
    t.proc.mem.writeU64(a + 8, Math.floor((ns % 1e9) / 1000));
  }
  return 0;
});
def(201, 'time', (k, t) => {
  const s = Math.floor((REALTIME_EPOCH_NS + threadNow(k, t)) / 1e9);
  const a = k.arg(t, 0);
  if (a) t.proc.mem.writeU64(a, s);
  return s;
});

/** Sleep until the absolute virtual time `until`; interruptible (EINTR writes the remaining time). */
function sleepUntil(k: Kernel, t: Thread, until: number, rem: number): number {
  if (!t.restarting) {
    if (until <= threadNow(k, t)) return 0;
    t.deadline = until;
    t.waitData.until = until;
    t.cancelWait = () => {
      if (rem) writeTimespec(t, rem, Math.max(0, t.waitData.until - k.now));
    };
    return BLOCKED;
  }
  return t.timedOut || k.now >= t.waitData.until ? 0 : BLOCKED;
}

def(35, 'nanosleep', (k, t) => {
  if (!t.restarting) {
    const d = readTimespec(t, k.arg(t, 0));
    if (d < 0) return -EINVAL;
    return sleepUntil(k, t, threadNow(k, t) + d, k.arg(t, 1));
  }
  return sleepUntil(k, t, 0, 0);
});
def(230, 'clock_nanosleep', (k, t) => {
  if (!t.restarting) {
    const clk = k.argi(t, 0), flags = k.argi(t, 1);
    const d = readTimespec(t, k.arg(t, 2));
    if (d < 0) return -EINVAL;
    const base = clockNs(k, t, clk);
    if (base === null) return -EINVAL;
    const until = flags & 1 /* TIMER_ABSTIME */ ? threadNow(k, t) + (d - base) : threadNow(k, t) + d;
    return sleepUntil(k, t, until, flags & 1 ? 0 : k.arg(t, 3));
  }
  return sleepUntil(k, t, 0, 0);
});

def(318, 'getrandom', (k, t) => {
  // deterministic: bytes come from the seeded PRNG
  const n = Math.min(k.arg(t, 1), 1 << 20);
  t.proc.mem.write(k.arg(t, 0), k.rng.bytes(n));
  return n;
});
void EFAULT;
