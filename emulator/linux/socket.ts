/**
 * AF_UNIX sockets (socketpair, and unnamed sockets from socket(2)): SOCK_STREAM, SOCK_DGRAM and
 * SOCK_SEQPACKET, with SCM_RIGHTS descriptor passing. Semantics follow net/unix/af_unix.c:
 *  - each socket owns its receive queue; a sender is limited by the bytes it has queued at its peer
 *    (SNDBUF, like Linux's write-memory accounting);
 *  - stream reads glue segments together but stop after a segment that carries descriptors;
 *  - datagrams and seqpackets keep their boundaries (excess bytes are discarded, MSG_TRUNC);
 *  - closing a stream/seqpacket end shuts the peer down completely (EOF, EPIPE on send) and makes the
 *    peer's next read fail with ECONNRESET when unread data was discarded; closing a datagram end makes
 *    the peer's next send fail with ECONNREFUSED.
 * Descriptors in flight hold a reference on their open file description until received or discarded.
 */
import { FileObj, StatInfo, baseStat, BLOCKED, POLLIN, POLLOUT, POLLERR, POLLHUP, O_RDWR, O_NONBLOCK, S_IFSOCK } from './files';
import { EAGAIN, EPIPE, ENOTCONN, ECONNRESET, ECONNREFUSED, EMSGSIZE } from './errno';

export const AF_UNIX = 1;
export const SOCK_STREAM = 1, SOCK_DGRAM = 2, SOCK_SEQPACKET = 5;
export const RCV_SHUTDOWN = 1, SEND_SHUTDOWN = 2, SHUTDOWN_MASK = 3;
export const POLLRDHUP = 0x2000;
/** Default SO_SNDBUF / SO_RCVBUF of a Linux AF_UNIX socket. */
export const SOCK_BUF = 212992;
/** Accounting overhead of one queued datagram (roughly an skb's truesize beyond its data). */
const MSG_OVERHEAD = 256;

/** One queued segment (stream) or message (dgram/seqpacket). */
export interface Segment {
  data: Uint8Array;
  /** Bytes of `data` already consumed (stream only). */
  off: number;
  /** SCM_RIGHTS descriptions attached to this segment (each holds one in-flight reference). */
  fds: FileObj[] | null;
  /** Sending process (stream reads do not glue segments from different writers). */
  sender: number;
  cost: number;
}

let socketIds = 0;

/** Drop one in-flight reference. */
export function dropRef(f: FileObj): void {
  if (--f.refs === 0) f.release();
}

export class UnixSocket extends FileObj {
  readonly kind = 'socket';
  readonly id = socketIds++;
  peer: UnixSocket | null = null;
  /** A datagram peer went away: the next send fails with ECONNREFUSED. */
  peerDead = false;
  queue: Segment[] = [];
  /** Accounted bytes in `queue` (limits the peer's sends). */
  queued = 0;
  shutdownBits = 0;
  /** Pending socket error (SO_ERROR), reported once. */
  err = 0;
  sndbuf = SOCK_BUF;
  rcvbuf = SOCK_BUF;
  passcred = false;
  released = false;

  constructor(readonly type: number, private notify: () => void, readonly creatorPid: number) {
    super();
    this.flags = O_RDWR;
  }

  static pair(type: number, notify: () => void, pid: number): [UnixSocket, UnixSocket] {
    const a = new UnixSocket(type, notify, pid), b = new UnixSocket(type, notify, pid);
    a.peer = b;
    b.peer = a;
    return [a, b];
  }

  get isStream(): boolean {
    return this.type === SOCK_STREAM;
  }
  get connectionBased(): boolean {
    return this.type !== SOCK_DGRAM;
  }
  override get fullWrites(): boolean {
    return this.type === SOCK_STREAM;
  }

  /**
   * Queue data (and descriptors) at the peer. Returns bytes accepted, -errno or BLOCKED. Stream sends may
   * be partial when the peer's queue is nearly full; datagrams are all or nothing. The caller raises
   * SIGPIPE for EPIPE on stream sockets. `fds` references are taken over only when the send succeeds.
   */
  send(data: Uint8Array, fds: FileObj[] | null, nonblock: boolean, sender: number): number {
    if (this.type === SOCK_SEQPACKET && this.err) {
      // unix_seqpacket_sendmsg reports a pending error (ECONNRESET) first
      const e = this.err;
      this.err = 0;
      return -e;
    }
    if (this.shutdownBits & SEND_SHUTDOWN) return -EPIPE;
    const p = this.peer;
    if (!p) {
      if (this.peerDead) {
        this.peerDead = false;
        return -ECONNREFUSED;
      }
      return -ENOTCONN;
    }
    if (this.isStream) {
      if (p.shutdownBits & RCV_SHUTDOWN) return -EPIPE;
      if (data.length === 0) return 0; // (Linux sends no descriptors with zero bytes on a stream)
      const room = this.sndbuf - p.queued;
      if (room <= 0) return nonblock ? -EAGAIN : BLOCKED; // (descriptors ride on the first chunk)
      const n = Math.min(room, data.length);
      p.queue.push({ data: data.slice(0, n), off: 0, fds, sender, cost: n });
      p.queued += n;
      this.notify();
      return n;
    }
    // SOCK_DGRAM / SOCK_SEQPACKET
    if (this.type === SOCK_SEQPACKET && p.shutdownBits & RCV_SHUTDOWN) return -EPIPE;
    if (data.length > this.sndbuf - 32) return -EMSGSIZE;
    const cost = data.length + MSG_OVERHEAD;
    if (p.queued + cost > this.sndbuf && p.queue.length > 0) return nonblock ? -EAGAIN : BLOCKED;
    p.queue.push({ data: data.slice(), off: 0, fds, sender, cost });
    p.queued += cost;
    this.notify();
    return data.length;
  }

  /**
   * Take (or peek at) data. Returns { data, fds, full } where `full` is the whole message length for
   * datagrams (MSG_TRUNC), or -errno / BLOCKED when nothing can be read. An empty `data` means EOF.
   */
  recv(max: number, peek: boolean, nonblock: boolean): { data: Uint8Array; fds: FileObj[] | null; full: number } | number {
    if (this.queue.length === 0) {
      if (this.err) {
        const e = this.err;
        this.err = 0;
        return -e;
      }
      if (this.shutdownBits & RCV_SHUTDOWN) return { data: new Uint8Array(0), fds: null, full: 0 };
      if (!this.peer && this.connectionBased && !this.everConnected) return -ENOTCONN;
      return nonblock ? -EAGAIN : BLOCKED;
    }
    if (!this.isStream) {
      const m = this.queue[0];
      const n = Math.min(max, m.data.length);
      const out = m.data.slice(0, n);
      if (!peek) {
        this.queue.shift();
        this.queued -= m.cost;
        this.notify();
      }
      return { data: out, fds: m.fds, full: m.data.length };
    }
    // stream: glue segments, stopping after one that carries descriptors (as unix_stream_read_generic)
    const parts: Uint8Array[] = [];
    let got = 0;
    let fds: FileObj[] | null = null;
    let i = 0;
    while (got < max && i < this.queue.length) {
      const s = this.queue[i];
      const avail = s.data.length - s.off;
      const k = Math.min(avail, max - got);
      parts.push(s.data.subarray(s.off, s.off + k));
      got += k;
      if (s.fds) fds = s.fds;
      if (peek) {
        i++;
        if (s.fds) break;
        continue;
      }
      if (s.fds) s.fds = null;
      s.off += k;
      this.queued -= k;
      if (s.off < s.data.length) break;
      this.queue.shift();
      if (fds) break;
    }
    if (!peek) this.notify();
    const out = new Uint8Array(got);
    let o = 0;
    for (const p of parts) {
      out.set(p, o);
      o += p.length;
    }
    return { data: out, fds, full: got };
  }

  /** Was this socket ever connected (socketpair ends are)? Unconnected sockets fail with ENOTCONN. */
  everConnected = true;

  shutdown(how: number): void {
    const mode = how === 0 ? RCV_SHUTDOWN : how === 1 ? SEND_SHUTDOWN : SHUTDOWN_MASK;
    this.shutdownBits |= mode;
    const p = this.peer;
    if (p && this.connectionBased) {
      let pm = 0;
      if (mode & RCV_SHUTDOWN) pm |= SEND_SHUTDOWN;
      if (mode & SEND_SHUTDOWN) pm |= RCV_SHUTDOWN;
      p.shutdownBits |= pm;
    }
    this.notify();
  }

  /** Bytes readable now (FIONREAD / SIOCINQ): the queue for streams, the next message for datagrams. */
  readable(): number {
    if (this.isStream) return this.queue.reduce((s, x) => s + x.data.length - x.off, 0);
    return this.queue.length ? this.queue[0].data.length : 0;
  }

  override read(buf: Uint8Array): number {
    const r = this.recv(buf.length, false, (this.flags & O_NONBLOCK) !== 0);
    if (typeof r === 'number') return r;
    buf.set(r.data);
    if (r.fds) for (const f of r.fds) dropRef(f); // plain read(2) discards passed descriptors
    return r.data.length;
  }
  override write(d: Uint8Array): number {
    return this.send(d, null, (this.flags & O_NONBLOCK) !== 0, this.creatorPid);
  }

  override poll(): number {
    let m = 0;
    if (this.err) m |= POLLERR;
    if (this.shutdownBits === SHUTDOWN_MASK) m |= POLLHUP;
    if (this.shutdownBits & RCV_SHUTDOWN) m |= POLLRDHUP | POLLIN;
    if (this.queue.length) m |= POLLIN;
    if (this.connectionBased && !this.peer && !this.everConnected) m |= POLLHUP;
    const p = this.peer;
    const used = p ? p.queued : 0;
    if (used * 4 <= this.sndbuf) m |= POLLOUT;
    return m;
  }

  stat(): StatInfo {
    return baseStat(S_IFSOCK | 0o777, 0, 0x4000 + this.id);
  }

  override release(): void {
    this.released = true;
    const p = this.peer;
    if (p) {
      if (this.connectionBased) {
        p.shutdownBits = SHUTDOWN_MASK;
        if (this.queue.length) p.err = ECONNRESET;
      } else {
        p.peerDead = true;
        p.peer = null;
      }
      this.peer = null;
      if (this.connectionBased) p.peer = null;
    }
    const q = this.queue;
    this.queue = [];
    this.queued = 0;
    for (const s of q) if (s.fds) for (const f of s.fds) dropRef(f);
    this.notify();
  }

  override describe(): string {
    return `socket:[${0x4000 + this.id}]`;
  }
}
