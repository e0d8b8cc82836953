/** Signal system calls: rt_sigaction, rt_sigprocmask, rt_sigreturn, sigaltstack, rt_sigpending, rt_sigsuspend. */
import { def, NORETURN } from './table';
import { EINVAL, EFAULT, EPERM, ENOMEM, EINTR, EAGAIN, ESRCH } from '../errno';
import { BLOCKED } from '../files';
import { restoreSignalFrame } from '../kernel';

const UNBLOCKABLE = (1n << 8n) | (1n << 18n); // SIGKILL, SIGSTOP

def(13, 'rt_sigaction', (k, t) => {
  const sig = k.argi(t, 0), act = k.arg(t, 1), old = k.arg(t, 2), size = k.arg(t, 3);
  if (size !== 8 || sig < 1 || sig > 64) return -EINVAL;
  if ((sig === 9 || sig === 19) && act) return -EINVAL;
  const m = t.proc.mem;
  const cur = t.proc.sigactions[sig];
  if (old) {
    m.writeU64(old, cur.handler);
    m.writeU64(old + 8, cur.flags >>> 0);
    m.writeU64(old + 16, cur.restorer);
    m.w64(old + 24, Number(cur.mask & 0xffffffffn) | 0, Number(cur.mask >> 32n) | 0);
  }
  if (act) {
    const handler = m.readU64(act);
    const flags = m.r32(act + 8) >>> 0;
    const restorer = m.readU64(act + 16);
    const lo = BigInt(m.r32(act + 24) >>> 0), hi = BigInt(m.r32(act + 28) >>> 0);
    t.proc.sigactions[sig] = { handler, flags, restorer, mask: ((hi << 32n) | lo) & ~UNBLOCKABLE };
    // setting SIG_IGN discards pending instances
    if (handler === 1) {
      t.proc.pendingShared = t.proc.pendingShared.filter((p) => p.info.signo !== sig);
      for (const th of t.proc.threads) th.pending = th.pending.filter((p) => p.signo !== sig);
    }
  }
  return 0;
});

def(14, 'rt_sigprocmask', (k, t) => {
  const how = k.argi(t, 0), set = k.arg(t, 1), old = k.arg(t, 2), size = k.arg(t, 3);
  if (size !== 8) return -EINVAL;
  const m = t.proc.mem;
  const prev = t.sigmask;
  if (set) {
    const v = (BigInt(m.r32(set + 4) >>> 0) << 32n) | BigInt(m.r32(set) >>> 0);
    if (how === 0) t.sigmask |= v;
    else if (how === 1) t.sigmask &= ~v;
    else if (how === 2) t.sigmask = v;
    else return -EINVAL;
    t.sigmask &= ~UNBLOCKABLE;
    k.epoch++;
  }
  if (old) m.w64(old, Number(prev & 0xffffffffn) | 0, Number(prev >> 32n) | 0);
  return 0;
});

def(15, 'rt_sigreturn', (k, t) => {
  if (!restoreSignalFrame(t)) {
    k.forceSignal(t, { signo: 11, code: 0x80, addr: 0 }, true);
  }
  k.epoch++;
  return NORETURN;
});

def(131, 'sigaltstack', (k, t) => {
  const ss = k.arg(t, 0), old = k.arg(t, 1);
  const m = t.proc.mem;
  const sp = t.cpu.getRegNum(4);
  const on = t.altstack.flags === 0 && sp >= t.altstack.sp && sp < t.altstack.sp + t.altstack.size;
  if (old) {
    m.writeU64(old, t.altstack.sp);
    m.w32(old + 8, on ? 1 : t.altstack.flags);
    m.w32(old + 12, 0);
    m.writeU64(old + 16, t.altstack.size);
  }
  if (ss) {
    if (on) return -EPERM;
    const nsp = m.readU64(ss), flags = m.r32(ss + 8), size = m.readU64(ss + 16);
    if (flags & ~(2 | 0x80000000)) return -EINVAL;
    if (flags & 2) t.altstack = { sp: 0, size: 0, flags: 2 };
    else {
      if (size < 2048) return -ENOMEM;
      t.altstack = { sp: nsp, size, flags: 0 };
    }
  }
  return 0;
});

def(127, 'rt_sigpending', (k, t) => {
  let v = 0n;
  for (const i of t.pending) v |= 1n << BigInt(i.signo - 1);
  for (const s of t.proc.pendingShared) v |= 1n << BigInt(s.info.signo - 1);
  v &= t.sigmask;
  t.proc.mem.w64(k.arg(t, 0), Number(v & 0xffffffffn) | 0, Number(v >> 32n) | 0);
  return 0;
});

def(130, 'rt_sigsuspend', (k, t) => {
  if (!t.restarting) {
    const a = k.arg(t, 0);
    const v = (BigInt(t.proc.mem.r32(a + 4) >>> 0) << 32n) | BigInt(t.proc.mem.r32(a) >>> 0);
    t.waitData.old_lo = Number(t.sigmask & 0xffffffffn);
    t.waitData.old_hi = Number(t.sigmask >> 32n);
    const saved = t.sigmask;
    t.sigmask = v & ~UNBLOCKABLE;
    // when interrupted the handler runs with the temporary mask; the old mask comes back in the frame's
    // uc_sigmask (Linux restores it via the frame). We restore after the frame is built:
    t.cancelWait = () => {
      queueMicrotaskRestore(t, saved);
    };
    return BLOCKED;
  }
  return BLOCKED; // only a signal ends it (-EINTR)
});
function queueMicrotaskRestore(t: import('../process').Thread, saved: bigint): void {
  // The frame is built right after the wait ends (same slice); it saves the current (temporary) mask.
  // Record the mask to restore on sigreturn by patching it into the thread: simplest faithful approach.
  (t as unknown as { sigsuspendSaved?: bigint }).sigsuspendSaved = saved;
}
void EFAULT; void EINTR; void NORETURN;

/** rt_sigtimedwait(set, info, timeout, size): take a pending signal from set without running its handler. */
def(128, 'rt_sigtimedwait', (k, t) => {
  const m = t.proc.mem;
  const setA = k.arg(t, 0), info = k.arg(t, 1), ts = k.arg(t, 2);
  if (k.arg(t, 3) !== 8) return -EINVAL;
  const set = ((BigInt(m.r32(setA + 4) >>> 0) << 32n) | BigInt(m.r32(setA) >>> 0)) & ~UNBLOCKABLE;
  const got = k.takeSignalIn(t, set);
  if (got) {
    if (info) {
      for (let i = 0; i < 128; i += 8) m.writeU64(info + i, 0);
      m.w32(info, got.signo);
      m.w32(info + 8, got.code);
      if (got.pid !== undefined) {
        m.w32(info + 16, got.pid);
        m.w32(info + 20, got.uid ?? 0);
      }
      if (got.value) m.w64(info + 24, got.value[0], got.value[1]);
    }
    return got.signo;
  }
  if (!t.restarting && ts) {
    const s = m.readU64(ts), ns = m.readU64(ts + 8);
    if (ns >= 1e9) return -EINVAL;
    if (s === 0 && ns === 0) return -EAGAIN;
    t.deadline = k.now + (t.cpu.icount - t.sliceStart) + s * 1e9 + ns;
  }
  if (t.timedOut) return -EAGAIN;
  return BLOCKED;
});

def(34, 'pause', () => BLOCKED); // only a signal ends it (EINTR)

/**
 * rt_sigqueueinfo(tgid, sig, info) / rt_tgsigqueueinfo(tgid, tid, sig, info): queue a signal with the
 * caller's si_code and si_value (sigqueue(3): SI_QUEUE). Another process may not forge kernel codes.
 */
function queueInfo(k: import('../kernel').Kernel, t: import('../process').Thread, tgid: number, tid: number, sig: number, infoA: number): number {
  if (sig < 0 || sig > 64) return -EINVAL;
  const p = k.procs.get(tgid);
  if (!p || !p.alive) return -ESRCH;
  let th: import('../process').Thread | undefined;
  if (tid >= 0) {
    th = p.threads.find((x) => x.tid === tid && x.state !== 2);
    if (!th) return -ESRCH;
  }
  const m = t.proc.mem;
  const code = m.r32(infoA + 8);
  if (p !== t.proc && (code >= 0 || code === -6)) return -EPERM;
  if (sig === 0) return 0;
  k.sendSignal(p, { signo: sig, code, pid: m.r32(infoA + 16), uid: m.r32(infoA + 20), value: [m.r32(infoA + 24), m.r32(infoA + 28)] }, th);
  return 0;
}
def(129, 'rt_sigqueueinfo', (k, t) => queueInfo(k, t, k.argi(t, 0), -1, k.argi(t, 1), k.arg(t, 2)));
def(297, 'rt_tgsigqueueinfo', (k, t) => queueInfo(k, t, k.argi(t, 0), k.argi(t, 1), k.argi(t, 2), k.arg(t, 3)));
