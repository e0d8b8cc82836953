/**
 * Readiness: poll, ppoll, select, pselect6, and epoll (create/ctl/wait/pwait/pwait2). Every wait is a
 * restartable wait (kernel.ts): the call checks readiness, and if nothing is ready it blocks until the
 * kernel's epoch changes (a pipe, socket or eventfd changed), its virtual-time deadline passes, or a
 * signal interrupts it (EINTR regardless of SA_RESTART, as in Linux). ppoll/pselect6/epoll_pwait install
 * their signal mask for the wait like sigsuspend (the old mask comes back when a handler returns).
 * epoll is level-triggered; EPOLLET reports a descriptor when it gains readiness bits since it was last
 * reported, EPOLLONESHOT disables it after one report.
 */
import { def } from './table';
import { EBADF, EINVAL, EFAULT, EEXIST, ENOENT, EPERM, EMFILE, ELOOP } from '../errno';
import { BLOCKED, FileObj, StatInfo, baseStat, HostFile, MemFile, PipeEnd, POLLIN, POLLPRI, POLLOUT, POLLERR, POLLHUP, POLLNVAL, O_CLOEXEC, O_RDWR } from '../files';
import { EventFd } from '../eventfd';
import { UnixSocket } from '../socket';
import { threadNow, readTimespec } from './time';
import type { Kernel } from '../kernel';
import type { Thread } from '../process';

const POLLRDNORM = 0x40, POLLRDBAND = 0x80, POLLWRNORM = 0x100, POLLWRBAND = 0x200;
const UNBLOCKABLE = (1n << 8n) | (1n << 18n);

/** A description's readiness with the *NORM/*BAND bits its Linux poll method reports. */
export function readiness(f: FileObj): number {
  let m = f.poll();
  if (f instanceof EventFd) return m;
  if (m & POLLIN) m |= POLLRDNORM;
  if (m & POLLOUT) m |= POLLWRNORM | (f instanceof UnixSocket ? POLLWRBAND : 0);
  return m;
}

// ------------------------------------------------------------------ temporary signal masks

/** Install a wait's temporary signal mask (first call only). */
function installMask(k: Kernel, t: Thread, maskAddr: number, size: number): number {
  if (t.restarting || !maskAddr) return 0;
  if (size !== 8) return -EINVAL;
  const m = t.proc.mem;
  const v = (BigInt(m.r32(maskAddr + 4) >>> 0) << 32n) | BigInt(m.r32(maskAddr) >>> 0);
  const old = t.sigmask;
  t.waitData.maskSaved = 1;
  t.waitData.maskLo = Number(old & 0xffffffffn);
  t.waitData.maskHi = Number(old >> 32n);
  t.sigmask = v & ~UNBLOCKABLE;
  // Interrupted by a signal: its handler frame saves the old mask (restored by rt_sigreturn).
  t.cancelWait = () => {
    (t as unknown as { sigsuspendSaved?: bigint }).sigsuspendSaved = old;
  };
  k.epoch++;
  return 0;
}
/** The wait is over (not interrupted): put the old mask back. */
function restoreMask(t: Thread, ret: number): number {
  if (ret !== BLOCKED && t.waitData.maskSaved) {
    t.sigmask = (BigInt(t.waitData.maskHi >>> 0) << 32n) | BigInt(t.waitData.maskLo >>> 0);
    t.waitData.maskSaved = 0;
    t.cancelWait = null;
  }
  return ret;
}

/**
 * Check whether a wait with timeout `ns` (< 0: none) has expired: on the first call only a zero timeout
 * has; later (restarting) it is the kernel's verdict. The deadline itself is armed by block().
 */
function timedOut(k: Kernel, t: Thread, ns: number): boolean {
  if (!t.restarting) {
    t.waitData.deadline = ns >= 0 ? threadNow(k, t) + ns : -1;
    return ns === 0;
  }
  return t.timedOut;
}
/** Return BLOCKED, arming the deadline on the first call. */
function block(t: Thread): number {
  if (!t.restarting && t.waitData.deadline >= 0) t.deadline = t.waitData.deadline;
  return BLOCKED;
}
function remaining(k: Kernel, t: Thread): number {
  const d = t.waitData.deadline;
  if (d === undefined || d < 0) return 0;
  return Math.max(0, d - threadNow(k, t));
}
function writeTimespec(t: Thread, a: number, ns: number): void {
  t.proc.mem.writeU64(a, Math.floor(ns / 1e9));
  t.proc.mem.writeU64(a + 8, Math.floor(ns % 1e9));
}

// ------------------------------------------------------------------ poll / ppoll

function doPoll(k: Kernel, t: Thread, fdsA: number, nfds: number, timeoutNs: number): number {
  if (nfds > t.proc.fds.limit) return -EINVAL;
  const m = t.proc.mem;
  if (nfds > 0) m.probeWrite(fdsA, nfds * 8);
  const rev: number[] = [];
  let ready = 0;
  for (let i = 0; i < nfds; i++) {
    const fd = m.r32(fdsA + i * 8);
    const events = m.r16(fdsA + i * 8 + 4);
    let r = 0;
    if (fd >= 0) {
      const f = t.proc.fds.get(fd);
      r = f ? readiness(f) & (events | POLLERR | POLLHUP) : POLLNVAL;
    }
    rev.push(r);
    if (r) ready++;
  }
  const expired = timedOut(k, t, timeoutNs);
  if (!ready && !expired) return block(t);
  for (let i = 0; i < nfds; i++) m.w16(fdsA + i * 8 + 6, rev[i]);
  return ready;
}

def(7, 'poll', (k, t) => {
  const ms = k.argi(t, 2);
  return doPoll(k, t, k.arg(t, 0), k.arg(t, 1), ms < 0 ? -1 : ms * 1e6);
});

def(271, 'ppoll', (k, t) => {
  const tsA = k.arg(t, 2);
  let ns = -1;
  if (tsA && !t.restarting) {
    ns = readTimespec(t, tsA);
    if (ns < 0) return -EINVAL;
  }
  const e = installMask(k, t, k.arg(t, 3), k.arg(t, 4));
  if (e) return e;
  const r = restoreMask(t, doPoll(k, t, k.arg(t, 0), k.arg(t, 1), ns));
  if (r !== BLOCKED && r >= 0 && tsA) writeTimespec(t, tsA, remaining(k, t));
  return r;
});

// ------------------------------------------------------------------ select / pselect6

const POLLIN_SET = POLLRDNORM | POLLRDBAND | POLLIN | POLLHUP | POLLERR;
const POLLOUT_SET = POLLWRBAND | POLLWRNORM | POLLOUT | POLLERR;
const POLLEX_SET = POLLPRI;

function doSelect(k: Kernel, t: Thread, nfds: number, ra: number, wa: number, ea: number, timeoutNs: number): number {
  if (nfds < 0) return -EINVAL;
  // core_sys_select: n is clamped to the table's current size (fdtable->max_fds), not to RLIMIT_NOFILE.
  if (nfds > t.proc.fds.capacity) nfds = t.proc.fds.capacity;
  const m = t.proc.mem;
  const bytes = Math.ceil(nfds / 64) * 8;
  const load = (a: number) => (a && bytes ? m.read(a, bytes) : null);
  const rin = load(ra), win = load(wa), ein = load(ea);
  const rout = new Uint8Array(bytes), wout = new Uint8Array(bytes), eout = new Uint8Array(bytes);
  let count = 0;
  for (let fd = 0; fd < nfds; fd++) {
    const byte = fd >> 3, bit = 1 << (fd & 7);
    const wr = rin && rin[byte] & bit, ww = win && win[byte] & bit, we = ein && ein[byte] & bit;
    if (!wr && !ww && !we) continue;
    const f = t.proc.fds.get(fd);
    if (!f) return -EBADF;
    const mask = readiness(f);
    if (wr && mask & POLLIN_SET) { rout[byte] |= bit; count++; }
    if (ww && mask & POLLOUT_SET) { wout[byte] |= bit; count++; }
    if (we && mask & POLLEX_SET) { eout[byte] |= bit; count++; }
  }
  const expired = timedOut(k, t, timeoutNs);
  if (!count && !expired) return block(t);
  if (ra && bytes) m.write(ra, rout);
  if (wa && bytes) m.write(wa, wout);
  if (ea && bytes) m.write(ea, eout);
  return count;
}

def(23, 'select', (k, t) => {
  const tvA = k.arg(t, 4);
  let ns = -1;
  if (tvA && !t.restarting) {
    const s = t.proc.mem.readU64(tvA), us = t.proc.mem.readU64(tvA + 8);
    if (s >= 2 ** 63 || us >= 2 ** 63) return -EINVAL;
    ns = s * 1e9 + us * 1000;
  }
  const r = doSelect(k, t, k.argi(t, 0), k.arg(t, 1), k.arg(t, 2), k.arg(t, 3), ns);
  if (r !== BLOCKED && r >= 0 && tvA) {
    const rem = remaining(k, t);
    t.proc.mem.writeU64(tvA, Math.floor(rem / 1e9));
    t.proc.mem.writeU64(tvA + 8, Math.floor((rem % 1e9) / 1000));
  }
  return r;
});

def(270, 'pselect6', (k, t) => {
  const tsA = k.arg(t, 4), sigA = k.arg(t, 5);
  let ns = -1;
  if (tsA && !t.restarting) {
    ns = readTimespec(t, tsA);
    if (ns < 0) return -EINVAL;
  }
  if (sigA && !t.restarting) {
    const maskAddr = t.proc.mem.readU64(sigA), size = t.proc.mem.readU64(sigA + 8);
    const e = installMask(k, t, maskAddr, size);
    if (e) return e;
  }
  const r = restoreMask(t, doSelect(k, t, k.argi(t, 0), k.arg(t, 1), k.arg(t, 2), k.arg(t, 3), ns));
  if (r !== BLOCKED && r >= 0 && tsA) writeTimespec(t, tsA, remaining(k, t));
  return r;
});

// ------------------------------------------------------------------ epoll

const EPOLLIN = 0x1, EPOLLET = 0x80000000, EPOLLONESHOT = 0x40000000, EPOLLEXCLUSIVE = 0x10000000,
  EPOLLWAKEUP = 0x20000000;
const EPOLL_CTL_ADD = 1, EPOLL_CTL_DEL = 2, EPOLL_CTL_MOD = 3;

interface Interest {
  fd: number;
  file: FileObj;
  events: number;
  dataLo: number;
  dataHi: number;
  /** EPOLLONESHOT: reported, waiting for EPOLL_CTL_MOD. */
  disabled: boolean;
  /** EPOLLET: readiness bits at the last report. */
  seen: number;
}

let epollIds = 0;

export class EpollFile extends FileObj {
  readonly kind = 'epoll';
  readonly id = epollIds++;
  items: Interest[] = [];
  constructor() {
    super();
    this.flags = O_RDWR;
  }
  find(file: FileObj, fd: number): Interest | undefined {
    return this.items.find((x) => x.file === file && x.fd === fd);
  }
  /** Ready items (in report order), dropping descriptions that have been closed everywhere. */
  collect(max: number): { it: Interest; rev: number }[] {
    this.items = this.items.filter((x) => x.file.refs > 0);
    const out: { it: Interest; rev: number }[] = [];
    for (const it of this.items) {
      if (out.length >= max) break;
      if (it.disabled) continue;
      const cur = readiness(it.file) & (it.events | POLLERR | POLLHUP);
      if (it.events & EPOLLET) {
        const fresh = cur & ~it.seen;
        it.seen = cur;
        if (!fresh) continue;
      }
      if (cur) out.push({ it, rev: cur });
    }
    return out;
  }
  override poll(): number {
    for (const it of this.items) {
      if (it.disabled || it.file.refs === 0) continue;
      const cur = readiness(it.file) & (it.events | POLLERR | POLLHUP);
      if (cur & ~(it.events & EPOLLET ? it.seen : 0)) return POLLIN;
    }
    return 0;
  }
  stat(): StatInfo {
    return baseStat(0o600, 0, 0x5000 + this.id);
  }
  override describe(): string {
    return 'anon_inode:[eventpoll]';
  }
}

function epollCreate(k: Kernel, t: Thread, flags: number): number {
  if (flags & ~O_CLOEXEC) return -EINVAL;
  const fd = t.proc.fds.alloc(new EpollFile(), (flags & O_CLOEXEC) !== 0);
  void k;
  return fd < 0 ? -EMFILE : fd;
}
def(213, 'epoll_create', (k, t) => (k.argi(t, 0) <= 0 ? -EINVAL : epollCreate(k, t, 0)));
def(291, 'epoll_create1', (k, t) => epollCreate(k, t, k.argi(t, 0)));

def(233, 'epoll_ctl', (k, t) => {
  const epfd = k.argi(t, 0), op = k.argi(t, 1), fd = k.argi(t, 2), evA = k.arg(t, 3);
  const ep = t.proc.fds.get(epfd);
  const f = t.proc.fds.get(fd);
  if (!ep || !f) return -EBADF;
  if (!(ep instanceof EpollFile) || epfd === fd) return -EINVAL;
  if (f instanceof HostFile || f instanceof MemFile) return -EPERM; // regular files are always ready
  if (f === ep) return -EINVAL;
  if (f instanceof EpollFile && f.items.some((x) => x.file === ep)) return -ELOOP;
  const m = t.proc.mem;
  let events = 0, lo = 0, hi = 0;
  if (op !== EPOLL_CTL_DEL) {
    events = m.r32(evA) >>> 0;
    lo = m.r32(evA + 4);
    hi = m.r32(evA + 8);
  }
  const cur = ep.find(f, fd);
  switch (op) {
    case EPOLL_CTL_ADD:
      if (cur) return -EEXIST;
      ep.items.push({ fd, file: f, events, dataLo: lo, dataHi: hi, disabled: false, seen: 0 });
      break;
    case EPOLL_CTL_DEL:
      if (!cur) return -ENOENT;
      ep.items.splice(ep.items.indexOf(cur), 1);
      break;
    case EPOLL_CTL_MOD:
      if (!cur) return -ENOENT;
      if (events & EPOLLEXCLUSIVE) return -EINVAL;
      Object.assign(cur, { events, dataLo: lo, dataHi: hi, disabled: false, seen: 0 });
      break;
    default:
      return -EINVAL;
  }
  k.epoch++;
  void EPOLLWAKEUP; void EPOLLIN;
  return 0;
});

function doEpollWait(k: Kernel, t: Thread, epfd: number, evA: number, max: number, timeoutNs: number): number {
  const ep = t.proc.fds.get(epfd);
  if (!ep) return -EBADF;
  if (!(ep instanceof EpollFile)) return -EINVAL;
  if (max <= 0 || max > 0x7fffffff / 12) return -EINVAL;
  t.proc.mem.probeWrite(evA, 12);
  const ready = ep.collect(max);
  const expired = timedOut(k, t, timeoutNs);
  if (!ready.length && !expired) return block(t);
  const m = t.proc.mem;
  ready.forEach(({ it, rev }, i) => {
    m.w32(evA + i * 12, rev);
    m.w32(evA + i * 12 + 4, it.dataLo);
    m.w32(evA + i * 12 + 8, it.dataHi);
    if (it.events & EPOLLONESHOT) it.disabled = true;
    else if (!(it.events & EPOLLET)) {
      // level-triggered items go to the back of the ready list (like Linux's rdllist)
      ep.items.splice(ep.items.indexOf(it), 1);
      ep.items.push(it);
    }
  });
  return ready.length;
}

def(232, 'epoll_wait', (k, t) => {
  const ms = k.argi(t, 3);
  return doEpollWait(k, t, k.argi(t, 0), k.arg(t, 1), k.argi(t, 2), ms < 0 ? -1 : ms * 1e6);
});
def(281, 'epoll_pwait', (k, t) => {
  const ms = k.argi(t, 3);
  const e = installMask(k, t, k.arg(t, 4), k.arg(t, 5));
  if (e) return e;
  return restoreMask(t, doEpollWait(k, t, k.argi(t, 0), k.arg(t, 1), k.argi(t, 2), ms < 0 ? -1 : ms * 1e6));
});
def(441, 'epoll_pwait2', (k, t) => {
  const tsA = k.arg(t, 3);
  let ns = -1;
  if (tsA && !t.restarting) {
    ns = readTimespec(t, tsA);
    if (ns < 0) return -EINVAL;
  }
  const e = installMask(k, t, k.arg(t, 4), k.arg(t, 5));
  if (e) return e;
  return restoreMask(t, doEpollWait(k, t, k.argi(t, 0), k.arg(t, 1), k.argi(t, 2), ns));
});
void EFAULT; void PipeEnd;
