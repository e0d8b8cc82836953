/**
 * Socket system calls for AF_UNIX: socket, socketpair, send/recv (sendto, recvfrom, sendmsg, recvmsg,
 * sendmmsg, recvmmsg), shutdown, getsockopt/setsockopt, getsockname/getpeername. Descriptors travel with
 * SCM_RIGHTS. Blocking stream sends complete in full (progress is kept across the restartable wait; a
 * signal then returns the bytes already sent, like Linux); SO_RCVTIMEO/SO_SNDTIMEO time out with EAGAIN.
 * Named sockets (bind/connect/listen/accept) are not provided: bind and connect fail with EOPNOTSUPP.
 */
import { def } from './table';
import { EBADF, EINVAL, EFAULT, EMFILE, ENOTSOCK, EAFNOSUPPORT, EPROTONOSUPPORT, EOPNOTSUPP, ENOTCONN, ENOPROTOOPT,
  EISCONN, EPIPE, EAGAIN } from '../errno';
import { BLOCKED, FileObj, O_CLOEXEC, O_NONBLOCK } from '../files';
import { UnixSocket, AF_UNIX, SOCK_STREAM, SOCK_DGRAM, SOCK_SEQPACKET, dropRef } from '../socket';
import { threadNow } from './time';
import type { Kernel } from '../kernel';
import type { Thread } from '../process';

const ESOCKTNOSUPPORT = 94;
export const MSG_OOB = 1, MSG_PEEK = 2, MSG_CTRUNC = 8, MSG_TRUNC = 0x20, MSG_DONTWAIT = 0x40, MSG_EOR = 0x80,
  MSG_WAITALL = 0x100, MSG_NOSIGNAL = 0x4000, MSG_CMSG_CLOEXEC = 0x40000000;
const SOL_SOCKET = 1, SCM_RIGHTS = 1, SCM_CREDENTIALS = 2, SCM_MAX_FD = 253;
const SO_TYPE = 3, SO_ERROR = 4, SO_SNDBUF = 7, SO_RCVBUF = 8, SO_PASSCRED = 16, SO_PEERCRED = 17,
  SO_RCVTIMEO = 20, SO_SNDTIMEO = 21, SO_ACCEPTCONN = 30, SO_PROTOCOL = 38, SO_DOMAIN = 39,
  SO_SNDBUFFORCE = 32, SO_RCVBUFFORCE = 33;
const SOCK_TYPE_FLAGS = O_NONBLOCK | O_CLOEXEC;

/** Per-socket timeouts (ns; 0 = none), kept here to leave the socket class about data only. */
const timeouts = new WeakMap<UnixSocket, { rcv: number; snd: number }>();

function sock(t: Thread, fd: number): UnixSocket | number {
  const f = t.proc.fds.get(fd);
  if (!f) return -EBADF;
  return f instanceof UnixSocket ? f : -ENOTSOCK;
}

function checkType(type: number): number {
  const base = type & ~SOCK_TYPE_FLAGS;
  if (type & ~(0xf | SOCK_TYPE_FLAGS)) return -EINVAL;
  if (base !== SOCK_STREAM && base !== SOCK_DGRAM && base !== SOCK_SEQPACKET) return -ESOCKTNOSUPPORT;
  return base;
}

def(41, 'socket', (k, t) => {
  const domain = k.argi(t, 0), type = k.argi(t, 1), proto = k.argi(t, 2);
  if (domain !== AF_UNIX) return -EAFNOSUPPORT; // only AF_UNIX is emulated (no network)
  const base = checkType(type);
  if (base < 0) return base;
  if (proto !== 0 && proto !== AF_UNIX) return -EPROTONOSUPPORT;
  const s = new UnixSocket(base, () => { k.epoch++; }, t.proc.pid);
  s.everConnected = false;
  if (type & O_NONBLOCK) s.flags |= O_NONBLOCK;
  const fd = t.proc.fds.alloc(s, (type & O_CLOEXEC) !== 0);
  return fd < 0 ? -EMFILE : fd;
});

def(53, 'socketpair', (k, t) => {
  const domain = k.argi(t, 0), type = k.argi(t, 1), proto = k.argi(t, 2), sv = k.arg(t, 3);
  if (domain === 2 || domain === 10) return -EOPNOTSUPP; // AF_INET/AF_INET6 have no socketpair
  if (domain !== AF_UNIX) return -EAFNOSUPPORT;
  const base = checkType(type);
  if (base < 0) return base;
  if (proto !== 0 && proto !== AF_UNIX) return -EPROTONOSUPPORT;
  t.proc.mem.probeWrite(sv, 8);
  const [a, b] = UnixSocket.pair(base, () => { k.epoch++; }, t.proc.pid);
  if (type & O_NONBLOCK) {
    a.flags |= O_NONBLOCK;
    b.flags |= O_NONBLOCK;
  }
  const cl = (type & O_CLOEXEC) !== 0;
  const fa = t.proc.fds.alloc(a, cl);
  if (fa < 0) return -EMFILE;
  const fb = t.proc.fds.alloc(b, cl);
  if (fb < 0) {
    t.proc.fds.close(fa);
    return -EMFILE;
  }
  t.proc.mem.w32(sv, fa);
  t.proc.mem.w32(sv + 4, fb);
  return 0;
});

// ------------------------------------------------------------------ data transfer

function readIovecs(t: Thread, a: number, n: number): [number, number][] {
  const out: [number, number][] = [];
  for (let i = 0; i < n; i++) out.push([t.proc.mem.readU64(a + i * 16), t.proc.mem.readU64(a + i * 16 + 8)]);
  return out;
}
function gather(t: Thread, iov: [number, number][]): Uint8Array {
  const total = iov.reduce((s, [, l]) => s + l, 0);
  const all = new Uint8Array(total);
  let o = 0;
  for (const [b, l] of iov) {
    if (l) all.set(t.proc.mem.read(b, l), o);
    o += l;
  }
  return all;
}
/** Write data into the iovecs starting at byte offset `skip` of the iovec space. */
function scatter(t: Thread, iov: [number, number][], data: Uint8Array, skip = 0): void {
  let o = 0;
  for (const [b, l] of iov) {
    if (o >= data.length) break;
    if (skip >= l) {
      skip -= l;
      continue;
    }
    const c = Math.min(l - skip, data.length - o);
    t.proc.mem.write(b + skip, data.subarray(o, o + c));
    o += c;
    skip = 0;
  }
}

/** Set up the timeout of a wait that is about to start (SO_RCVTIMEO / SO_SNDTIMEO). */
function armTimeout(k: Kernel, t: Thread, ns: number): void {
  if (!t.restarting && ns > 0) t.deadline = threadNow(k, t) + ns;
}

/** Send `data` (+ descriptors) on a socket with Linux's blocking semantics. */
function doSend(k: Kernel, t: Thread, s: UnixSocket, data: Uint8Array, fds: FileObj[] | null, flags: number): number {
  const nonblock = (s.flags & O_NONBLOCK) !== 0 || (flags & MSG_DONTWAIT) !== 0;
  const done = t.restarting ? t.waitData.progress ?? 0 : 0;
  if (t.restarting && t.timedOut) return done > 0 ? done : -EAGAIN;
  if (fds) for (const f of fds) f.refs++; // in flight
  const r = s.send(done ? data.subarray(done) : data, done ? null : fds, nonblock, t.proc.pid);
  const consumed = r > 0 || (r === 0 && !s.isStream && fds !== null);
  if (fds && !consumed && done === 0) for (const f of fds) dropRef(f);
  if (r === -EPIPE && s.isStream && !(flags & MSG_NOSIGNAL)) k.sendSignal(t.proc, { signo: 13, code: 0 }, t);
  if (r === BLOCKED) {
    armTimeout(k, t, timeouts.get(s)?.snd ?? 0);
    return BLOCKED;
  }
  if (r < 0) return done > 0 ? done : r;
  const total = done + r;
  if (total < data.length && s.isStream && !nonblock) {
    t.waitData.progress = total;
    armTimeout(k, t, timeouts.get(s)?.snd ?? 0);
    return BLOCKED;
  }
  return total;
}

interface RecvResult {
  n: number;
  fds: FileObj[] | null;
  flags: number;
}

/**
 * Receive into iovecs. Returns the byte count (or the full datagram length with MSG_TRUNC), -errno or
 * BLOCKED; descriptors received are returned (the caller installs them).
 */
function doRecv(k: Kernel, t: Thread, s: UnixSocket, iov: [number, number][], flags: number): RecvResult | number {
  const nonblock = (s.flags & O_NONBLOCK) !== 0 || (flags & MSG_DONTWAIT) !== 0;
  const peek = (flags & MSG_PEEK) !== 0;
  const max = iov.reduce((a, [, l]) => a + l, 0);
  const done = t.restarting ? t.waitData.progress ?? 0 : 0;
  if (t.restarting && t.timedOut) return done > 0 ? { n: done, fds: null, flags: 0 } : -EAGAIN;
  for (const [b, l] of iov) if (l) t.proc.mem.probeWrite(b, 1);
  const r = s.recv(max - done, peek, nonblock);
  if (r === BLOCKED) {
    armTimeout(k, t, timeouts.get(s)?.rcv ?? 0);
    return BLOCKED;
  }
  if (typeof r === 'number') return done > 0 ? { n: done, fds: null, flags: 0 } : r;
  scatter(t, iov, r.data, done);
  const fds = r.fds;
  if (fds && peek) for (const f of fds) f.refs++; // peeking duplicates the references
  let outFlags = 0;
  let n = done + r.data.length;
  if (!s.isStream) {
    if (r.full > r.data.length) outFlags |= MSG_TRUNC;
    if (flags & MSG_TRUNC) n = r.full;
  } else if (flags & MSG_WAITALL && !peek && !nonblock && r.data.length > 0 && n < max && !fds) {
    t.waitData.progress = n;
    armTimeout(k, t, timeouts.get(s)?.rcv ?? 0);
    return BLOCKED;
  }
  return { n, fds, flags: outFlags };
}

/** Install received descriptors; writes the control message. Returns (msg_controllen used, MSG_CTRUNC). */
function deliverFds(t: Thread, fds: FileObj[] | null, ctl: number, ctlLen: number, cloexec: boolean): [number, number] {
  if (!fds || fds.length === 0) return [0, 0];
  const m = t.proc.mem;
  const fdmax = ctlLen <= 16 ? 0 : Math.min(fds.length, Math.floor((ctlLen - 16) / 4));
  const got: number[] = [];
  for (let i = 0; i < fdmax; i++) {
    const fd = t.proc.fds.alloc(fds[i], cloexec);
    if (fd < 0) break;
    got.push(fd);
  }
  // in-flight references end here (installed descriptors hold their own)
  for (const f of fds) dropRef(f);
  let used = 0;
  if (got.length) {
    m.writeU64(ctl, 16 + 4 * got.length);
    m.w32(ctl + 8, SOL_SOCKET);
    m.w32(ctl + 12, SCM_RIGHTS);
    got.forEach((fd, i) => m.w32(ctl + 16 + 4 * i, fd));
    used = Math.min(ctlLen, 16 + ((4 * got.length + 7) & ~7));
  }
  const trunc = got.length < fds.length ? MSG_CTRUNC : 0;
  return [used, trunc];
}

/** Parse SCM_RIGHTS from a control buffer: descriptions (not yet referenced) or -errno. */
function parseControl(t: Thread, ctl: number, len: number): FileObj[] | null | number {
  if (!ctl || len === 0) return null;
  const m = t.proc.mem;
  let fds: FileObj[] | null = null;
  let off = 0;
  while (off + 16 <= len) {
    const clen = m.readU64(ctl + off);
    const level = m.r32(ctl + off + 8), type = m.r32(ctl + off + 12);
    if (clen < 16 || off + clen > len) return -EINVAL;
    if (level === SOL_SOCKET) {
      if (type === SCM_RIGHTS) {
        const n = Math.floor((clen - 16) / 4);
        if (n <= 0 || n > SCM_MAX_FD || fds) return -EINVAL;
        fds = [];
        for (let i = 0; i < n; i++) {
          const f = t.proc.fds.get(m.r32(ctl + off + 16 + 4 * i));
          if (!f) return -EBADF;
          fds.push(f);
        }
      } else if (type !== SCM_CREDENTIALS) return -EINVAL;
    }
    off += (clen + 7) & ~7;
  }
  return fds;
}

function sendCommon(k: Kernel, t: Thread, fd: number, iov: [number, number][], fds: FileObj[] | null, flags: number, hasAddr: boolean): number {
  const s = sock(t, fd);
  if (typeof s === 'number') return s;
  if (flags & MSG_OOB) return -EOPNOTSUPP;
  if (hasAddr && s.type !== SOCK_DGRAM) return s.peer || s.everConnected ? -EISCONN : -EOPNOTSUPP;
  if (hasAddr && !s.peer) return -EOPNOTSUPP; // named destinations are not emulated
  return doSend(k, t, s, gather(t, iov), fds, flags);
}

def(44, 'sendto', (k, t) => {
  const buf = k.arg(t, 1), len = k.arg(t, 2), flags = k.argi(t, 3), addr = k.arg(t, 4);
  return sendCommon(k, t, k.argi(t, 0), [[buf, Math.min(len, 0x7ffff000)]], null, flags, addr !== 0 && k.argi(t, 5) !== 0);
});

def(46, 'sendmsg', (k, t) => sendmsgOne(k, t, k.argi(t, 0), k.arg(t, 1), k.argi(t, 2)));

function sendmsgOne(k: Kernel, t: Thread, fd: number, mh: number, flags: number): number {
  const m = t.proc.mem;
  const name = m.readU64(mh), namelen = m.r32(mh + 8);
  const iovA = m.readU64(mh + 16), iovN = m.readU64(mh + 24);
  const ctl = m.readU64(mh + 32), ctlLen = m.readU64(mh + 40);
  if (iovN > 1024) return -EINVAL;
  const s = sock(t, fd);
  if (typeof s === 'number') return s;
  const fds = parseControl(t, ctl, ctlLen);
  if (typeof fds === 'number') return fds;
  return sendCommon(k, t, fd, readIovecs(t, iovA, iovN), fds, flags, name !== 0 && namelen !== 0);
}

def(45, 'recvfrom', (k, t) => {
  const fd = k.argi(t, 0), buf = k.arg(t, 1), len = k.arg(t, 2), flags = k.argi(t, 3), addr = k.arg(t, 4), alen = k.arg(t, 5);
  const s = sock(t, fd);
  if (typeof s === 'number') return s;
  if (flags & MSG_OOB) return -EINVAL;
  const r = doRecv(k, t, s, [[buf, Math.min(len, 0x7ffff000)]], flags);
  if (typeof r === 'number') return r;
  if (r.fds) for (const f of r.fds) dropRef(f); // no control buffer: descriptors are discarded
  if (addr && alen) t.proc.mem.w32(alen, 0); // unnamed peer: empty address
  return r.n;
});

def(47, 'recvmsg', (k, t) => recvmsgOne(k, t, k.argi(t, 0), k.arg(t, 1), k.argi(t, 2)));

function recvmsgOne(k: Kernel, t: Thread, fd: number, mh: number, flags: number): number {
  const m = t.proc.mem;
  const name = m.readU64(mh);
  const iovA = m.readU64(mh + 16), iovN = m.readU64(mh + 24);
  const ctl = m.readU64(mh + 32), ctlLen = m.readU64(mh + 40);
  if (iovN > 1024) return -EINVAL;
  const s = sock(t, fd);
  if (typeof s === 'number') return s;
  if (flags & MSG_OOB) return -EINVAL;
  const r = doRecv(k, t, s, readIovecs(t, iovA, iovN), flags);
  if (typeof r === 'number') return r;
  const [used, trunc] = ctl ? deliverFds(t, r.fds, ctl, ctlLen, (flags & MSG_CMSG_CLOEXEC) !== 0) : [0, r.fds ? MSG_CTRUNC : 0];
  if (!ctl && r.fds) for (const f of r.fds) dropRef(f);
  if (name) m.w32(mh + 8, 0);
  m.writeU64(mh + 40, used);
  m.w32(mh + 48, r.flags | trunc);
  return r.n;
}

// sendmmsg / recvmmsg: one message at a time (a blocked later message returns the count so far)
def(307, 'sendmmsg', (k, t) => {
  const fd = k.argi(t, 0), vec = k.arg(t, 1), vlen = Math.min(k.argi(t, 2) >>> 0, 1024), flags = k.argi(t, 3);
  let i = 0;
  for (; i < vlen; i++) {
    const r = sendmsgOne(k, t, fd, vec + i * 64, flags);
    if (r === BLOCKED) {
      if (i > 0) return i;
      return BLOCKED;
    }
    if (r < 0) return i > 0 ? i : r;
    t.proc.mem.w32(vec + i * 64 + 56, r);
    t.restarting = false;
  }
  return i;
});
def(299, 'recvmmsg', (k, t) => {
  const fd = k.argi(t, 0), vec = k.arg(t, 1), vlen = Math.min(k.argi(t, 2) >>> 0, 1024), flags = k.argi(t, 3);
  if (k.arg(t, 4)) return -EINVAL; // timeouts are not supported
  let i = 0;
  for (; i < vlen; i++) {
    const r = recvmsgOne(k, t, fd, vec + i * 64, i > 0 ? flags | MSG_DONTWAIT : flags);
    if (r === BLOCKED) return BLOCKED;
    if (r < 0) return i > 0 ? i : r;
    t.proc.mem.w32(vec + i * 64 + 56, r);
    t.restarting = false;
  }
  return i;
});

def(48, 'shutdown', (k, t) => {
  const s = sock(t, k.argi(t, 0));
  if (typeof s === 'number') return s;
  const how = k.argi(t, 1);
  if (how < 0 || how > 2) return -EINVAL;
  if (!s.peer && !s.everConnected && s.connectionBased) return -ENOTCONN;
  s.shutdown(how);
  return 0;
});

// ------------------------------------------------------------------ options and names

def(55, 'getsockopt', (k, t) => {
  const s = sock(t, k.argi(t, 0));
  if (typeof s === 'number') return s;
  const level = k.argi(t, 1), opt = k.argi(t, 2), val = k.arg(t, 3), lenA = k.arg(t, 4);
  const m = t.proc.mem;
  const len = m.r32(lenA);
  if (len < 0) return -EINVAL;
  if (level !== SOL_SOCKET) return -EOPNOTSUPP;
  let out: Uint8Array;
  const int = (v: number) => {
    const b = new Uint8Array(4);
    new DataView(b.buffer).setInt32(0, v, true);
    return b;
  };
  const timeval = (ns: number) => {
    const b = new Uint8Array(16);
    const d = new DataView(b.buffer);
    d.setBigInt64(0, BigInt(Math.floor(ns / 1e9)), true);
    d.setBigInt64(8, BigInt(Math.floor((ns % 1e9) / 1000)), true);
    return b;
  };
  switch (opt) {
    case SO_TYPE: out = int(s.type); break;
    case SO_ERROR: out = int(s.err); s.err = 0; break;
    case SO_SNDBUF: out = int(s.sndbuf); break;
    case SO_RCVBUF: out = int(s.rcvbuf); break;
    case SO_PASSCRED: out = int(s.passcred ? 1 : 0); break;
    case SO_ACCEPTCONN: out = int(0); break;
    case SO_PROTOCOL: out = int(0); break;
    case SO_DOMAIN: out = int(AF_UNIX); break;
    case SO_RCVTIMEO: out = timeval(timeouts.get(s)?.rcv ?? 0); break;
    case SO_SNDTIMEO: out = timeval(timeouts.get(s)?.snd ?? 0); break;
    case SO_PEERCRED: {
      if (!s.peer && !s.everConnected) return -ENOTCONN;
      const b = new Uint8Array(12);
      new DataView(b.buffer).setInt32(0, s.peer ? s.peer.creatorPid : 0, true);
      out = b;
      break;
    }
    default: return -ENOPROTOOPT;
  }
  const n = Math.min(len, out.length);
  m.write(val, out.subarray(0, n));
  m.w32(lenA, n);
  return 0;
});

def(54, 'setsockopt', (k, t) => {
  const s = sock(t, k.argi(t, 0));
  if (typeof s === 'number') return s;
  const level = k.argi(t, 1), opt = k.argi(t, 2), val = k.arg(t, 3), len = k.argi(t, 4);
  if (level !== SOL_SOCKET) return -EOPNOTSUPP;
  const m = t.proc.mem;
  const readInt = () => (len < 4 ? null : m.r32(val));
  switch (opt) {
    case SO_SNDBUF: case SO_RCVBUF: case SO_SNDBUFFORCE: case SO_RCVBUFFORCE: {
      const v = readInt();
      if (v === null) return -EINVAL;
      // Linux doubles the request (bookkeeping overhead), capped by wmem_max/rmem_max and floored
      const capped = opt === SO_SNDBUFFORCE || opt === SO_RCVBUFFORCE ? v >>> 0 : Math.min(v >>> 0, 212992);
      const eff = Math.max(Math.min(capped * 2, 0x7fffffff), opt === SO_SNDBUF || opt === SO_SNDBUFFORCE ? 4608 : 2304);
      if (opt === SO_SNDBUF || opt === SO_SNDBUFFORCE) s.sndbuf = eff;
      else s.rcvbuf = eff;
      k.epoch++;
      return 0;
    }
    case SO_PASSCRED: {
      const v = readInt();
      if (v === null) return -EINVAL;
      s.passcred = v !== 0;
      return 0;
    }
    case SO_RCVTIMEO: case SO_SNDTIMEO: {
      if (len < 16) return -EINVAL;
      const sec = m.readU64(val), usec = m.readU64(val + 8);
      if (usec >= 1_000_000) return -EDOM;
      const ns = sec * 1e9 + usec * 1000;
      const cur = timeouts.get(s) ?? { rcv: 0, snd: 0 };
      if (opt === SO_RCVTIMEO) cur.rcv = ns;
      else cur.snd = ns;
      timeouts.set(s, cur);
      return 0;
    }
  }
  return 0; // other options are accepted and have no effect
});
const EDOM = 33;

function writeUnnamed(t: Thread, addr: number, lenA: number): number {
  const m = t.proc.mem;
  const len = m.r32(lenA);
  if (len < 0) return -EINVAL;
  if (len >= 2) m.w16(addr, AF_UNIX);
  else if (len === 1) m.w8(addr, AF_UNIX);
  m.w32(lenA, 2);
  return 0;
}
def(51, 'getsockname', (k, t) => {
  const s = sock(t, k.argi(t, 0));
  if (typeof s === 'number') return s;
  return writeUnnamed(t, k.arg(t, 1), k.arg(t, 2));
});
def(52, 'getpeername', (k, t) => {
  const s = sock(t, k.argi(t, 0));
  if (typeof s === 'number') return s;
  if (!s.peer) return -ENOTCONN;
  return writeUnnamed(t, k.arg(t, 1), k.arg(t, 2));
});

// Named sockets are not emulated.
def(49, 'bind', (k, t) => {
  const s = sock(t, k.argi(t, 0));
  return typeof s === 'number' ? s : -EOPNOTSUPP;
});
def(42, 'connect', (k, t) => {
  const s = sock(t, k.argi(t, 0));
  if (typeof s === 'number') return s;
  return s.peer ? -EISCONN : -EOPNOTSUPP;
});
def(50, 'listen', (k, t) => {
  const s = sock(t, k.argi(t, 0));
  if (typeof s === 'number') return s;
  return s.type === SOCK_DGRAM ? -EOPNOTSUPP : -EINVAL;
});
for (const [nr, name] of [[43, 'accept'], [288, 'accept4']] as const) {
  def(nr, name, (k, t) => {
    const s = sock(t, k.argi(t, 0));
    if (typeof s === 'number') return s;
    return s.type === SOCK_DGRAM ? -EOPNOTSUPP : -EINVAL;
  });
}
void EFAULT; void EPIPE;
