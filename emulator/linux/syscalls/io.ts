/**
 * File and descriptor system calls. The guest sees the host file system read-only and only below the
 * allowed roots (program directory, working directory, --allow paths); files it creates live in memory.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { def } from './table';
import { EBADF, EINVAL, ENOENT, EACCES, EFAULT, ENOTTY, ESPIPE, EMFILE, ENOTDIR, EISDIR, ERANGE, EPIPE, EEXIST, EROFS, ELOOP } from '../errno';
import { BLOCKED, O_RDONLY, FileObj, HostFile, MemFile, MemSymlink, baseStat, S_IFLNK, DevNull, PipeBuffer, PipeEnd, StatInfo, O_CLOEXEC, O_NONBLOCK, O_CREAT, O_EXCL, O_TRUNC, O_WRONLY, O_RDWR, O_APPEND, O_DIRECTORY, S_IFDIR } from '../files';
import { UnixSocket } from '../socket';
import type { Kernel } from '../kernel';
import type { Thread } from '../process';

const AT_FDCWD = -100;
let pipeIds = 0;

/** Copy a guest buffer out (throws GuestFault -> EFAULT). */
function guestBytes(t: Thread, a: number, n: number): Uint8Array {
  return n === 0 ? new Uint8Array(0) : t.proc.mem.read(a, n);
}

function doRead(k: Kernel, t: Thread, fd: number, buf: number, n: number): number {
  const f = t.proc.fds.get(fd);
  if (!f || (f.flags & 3) === O_WRONLY) return -EBADF;
  if (n > 0x7ffff000) n = 0x7ffff000;
  if (n > 0) t.proc.mem.probeWrite(buf, 1);
  const tmp = new Uint8Array(Math.min(n, 1 << 20));
  const r = f.read(tmp);
  if (r > 0) t.proc.mem.write(buf, tmp.subarray(0, r));
  void k;
  return r;
}

function doWrite(k: Kernel, t: Thread, fd: number, data: Uint8Array): number {
  const f = t.proc.fds.get(fd);
  if (!f || (f.flags & 3) === O_RDONLY) return -EBADF;
  // Blocking writes to pipes and stream sockets complete in full: the bytes already written are kept in
  // waitData.progress across the restartable wait (a signal then returns that count instead of EINTR).
  const done = t.restarting ? t.waitData.progress ?? 0 : 0;
  const r = f.write(done ? data.subarray(done) : data);
  if (r === -EPIPE && !(f instanceof UnixSocket && !f.isStream)) k.sendSignal(t.proc, { signo: 13, code: 0, pid: t.proc.pid, uid: 0 }, t);
  if (r === BLOCKED) return BLOCKED;
  if (r < 0) return done > 0 ? done : r;
  if (done + r < data.length && f.fullWrites && !(f.flags & O_NONBLOCK)) {
    t.waitData.progress = done + r;
    return BLOCKED;
  }
  return done + r;
}

def(0, 'read', (k, t) => doRead(k, t, k.argi(t, 0), k.arg(t, 1), k.arg(t, 2)));
def(1, 'write', (k, t) => doWrite(k, t, k.argi(t, 0), guestBytes(t, k.arg(t, 1), Math.min(k.arg(t, 2), 0x7ffff000))));
def(17, 'pread64', (k, t) => {
  const f = t.proc.fds.get(k.argi(t, 0));
  if (!f || (f.flags & 3) === O_WRONLY) return -EBADF;
  const tmp = new Uint8Array(Math.min(k.arg(t, 2), 1 << 24));
  const off = k.argl(t, 3);
  if (off < 0) return -EINVAL;
  const r = f.pread(tmp, off);
  if (r > 0) t.proc.mem.write(k.arg(t, 1), tmp.subarray(0, r));
  return r;
});
def(18, 'pwrite64', (k, t) => {
  const f = t.proc.fds.get(k.argi(t, 0));
  if (!f) return -EBADF;
  if (!(f instanceof MemFile)) return f instanceof HostFile ? -EBADF : -ESPIPE;
  const save = f.pos;
  f.pos = k.argl(t, 3);
  const r = f.write(guestBytes(t, k.arg(t, 1), k.arg(t, 2)));
  f.pos = save;
  return r;
});

function iovecs(t: Thread, a: number, n: number): [number, number][] {
  const out: [number, number][] = [];
  for (let i = 0; i < n; i++) out.push([t.proc.mem.readU64(a + i * 16), t.proc.mem.readU64(a + i * 16 + 8)]);
  return out;
}
def(20, 'writev', (k, t) => {
  const fd = k.argi(t, 0), n = k.argi(t, 2);
  if (n < 0 || n > 1024) return -EINVAL;
  const parts = iovecs(t, k.arg(t, 1), n).map(([b, l]) => guestBytes(t, b, l));
  const total = parts.reduce((s, p) => s + p.length, 0);
  const all = new Uint8Array(total);
  let o = 0;
  for (const p of parts) { all.set(p, o); o += p.length; }
  return doWrite(k, t, fd, all);
});
def(19, 'readv', (k, t) => {
  const fd = k.argi(t, 0), n = k.argi(t, 2);
  const f = t.proc.fds.get(fd);
  if (!f || (f.flags & 3) === O_WRONLY) return -EBADF;
  const vs = iovecs(t, k.arg(t, 1), n);
  const total = vs.reduce((s, [, l]) => s + l, 0);
  const tmp = new Uint8Array(total);
  const r = f.read(tmp);
  if (r <= 0) return r;
  let o = 0;
  for (const [b, l] of vs) {
    const c = Math.min(l, r - o);
    if (c <= 0) break;
    t.proc.mem.write(b, tmp.subarray(o, o + c));
    o += c;
  }
  return r;
});

// ---- paths

/** Resolve a guest path against dirfd; returns an absolute host path. */
export function resolvePath(k: Kernel, t: Thread, dirfd: number, p: string): string | number {
  if (p === '') return -ENOENT;
  if (p.startsWith('/')) return path.normalize(p);
  let base = t.proc.cwd;
  if (dirfd !== AT_FDCWD) {
    const f = t.proc.fds.get(dirfd);
    if (!f) return -EBADF;
    if (!(f instanceof HostFile) || !f.isDir) return -ENOTDIR;
    base = f.path;
  }
  void k;
  return path.resolve(base, p);
}

/** Real (symlink-free) paths of the allowed roots and of the program, per kernel. */
const realRootsCache = new WeakMap<Kernel, string[]>();
function realpathOr(p: string): string {
  try {
    return fs.realpathSync(p);
  } catch {
    return p;
  }
}
/**
 * May the guest read this host path? The lexical check (Kernel.mayRead) and, when symlinks are
 * involved, the same check on the real path: a link inside an allowed root must not lead outside it.
 */
export function mayReadHost(k: Kernel, abs: string): boolean {
  if (!k.mayRead(abs)) return false;
  let real: string;
  try {
    real = fs.realpathSync(abs);
  } catch {
    return true; // missing: opening it reports ENOENT
  }
  if (real === abs || k.mayRead(real)) return true;
  let roots = realRootsCache.get(k);
  if (!roots) realRootsCache.set(k, (roots = [...k.readRoots, k.exePath].map(realpathOr)));
  return roots.some((r, i) => real === r || (i < roots!.length - 1 && real.startsWith(r.endsWith('/') ? r : r + '/')));
}
/** Directories above an allowed root may be stat'ed and readlink'ed (realpath(3) walks them), not opened. */
export function isRootAncestor(k: Kernel, abs: string): boolean {
  const a = abs.endsWith('/') ? abs : abs + '/';
  return k.readRoots.some((r) => r.startsWith(a));
}

/** Synthetic files (/dev/zero, /proc/self/maps, ...): each returns a description, -errno, or null to pass. */
export const specialOpeners: ((k: Kernel, t: Thread, abs: string, flags: number) => FileObj | number | null)[] = [];

export function openPath(k: Kernel, t: Thread, abs: string, flags: number, depth = 0): FileObj | number {
  if (abs === '/dev/null') return new DevNull();
  for (const op of specialOpeners) {
    const r = op(k, t, abs, flags);
    if (r !== null) return r;
  }
  if (abs === '/proc/self/exe' || abs === `/proc/${t.proc.pid}/exe`) abs = t.proc.exe;
  const mem = k.vfs.get(abs);
  const acc = flags & 3;
  if (mem instanceof MemSymlink) {
    // a symlink the guest made: follow it (O_NOFOLLOW and loops: ELOOP)
    if (flags & O_CREAT && flags & O_EXCL) return -EEXIST;
    if (flags & O_NOFOLLOW || depth >= 40) return -ELOOP;
    return openPath(k, t, path.resolve(path.dirname(abs), mem.target), flags, depth + 1);
  }
  if (mem) {
    if (flags & O_CREAT && flags & O_EXCL) return -EEXIST;
    if (flags & O_TRUNC && acc !== 0) mem.data = new Uint8Array(0);
    const f = new MemFile(abs, mem.data);
    f.flags = flags;
    // share content: writes go to the registered file
    return shareMem(k, abs, f);
  }
  if (acc !== 0 || flags & O_CREAT) {
    // writes never reach the host: create (or shadow) an in-memory file inside an allowed root
    let exists = false;
    try { exists = fs.statSync(abs).isFile(); } catch { /* new file */ }
    if (!k.mayRead(abs) && !k.mayRead(path.dirname(abs))) return -EACCES;
    if (!exists && !(flags & O_CREAT)) return -ENOENT;
    if (exists && flags & O_CREAT && flags & O_EXCL) return -EEXIST;
    let init = new Uint8Array(0);
    if (exists && !(flags & O_TRUNC)) {
      if (!mayReadHost(k, abs)) return -EACCES;
      init = new Uint8Array(fs.readFileSync(abs));
    }
    const f = new MemFile(abs, init);
    f.flags = flags;
    k.vfs.set(abs, f);
    return shareMem(k, abs, f);
  }
  if (!mayReadHost(k, abs)) return -EACCES;
  try {
    const f = HostFile.open(abs);
    if (flags & O_DIRECTORY && !f.isDir) return -ENOTDIR;
    return f;
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    return code === 'ENOENT' ? -ENOENT : code === 'ENOTDIR' ? -ENOTDIR : -EACCES;
  }
}
function shareMem(k: Kernel, abs: string, f: MemFile): MemFile {
  const reg = k.vfs.get(abs)!;
  if (reg === f) return f;
  // One content per path: a view object whose data is kept in sync with the registered file.
  Object.defineProperty(f, 'data', { get: () => reg.data, set: (v: Uint8Array) => { reg.data = v; }, configurable: true });
  return f;
}

function doOpen(k: Kernel, t: Thread, dirfd: number, pathAddr: number, flags: number): number {
  const p = t.proc.mem.readCString(pathAddr);
  const abs = resolvePath(k, t, dirfd, p);
  if (typeof abs === 'number') return abs;
  const f = openPath(k, t, abs, flags);
  if (typeof f === 'number') return f;
  if (flags & O_NONBLOCK) f.flags |= O_NONBLOCK;
  const fd = t.proc.fds.alloc(f, (flags & O_CLOEXEC) !== 0);
  return fd < 0 ? -EMFILE : fd;
}
def(2, 'open', (k, t) => doOpen(k, t, AT_FDCWD, k.arg(t, 0), k.argi(t, 1)));
def(257, 'openat', (k, t) => doOpen(k, t, k.argi(t, 0), k.arg(t, 1), k.argi(t, 2)));
def(85, 'creat', (k, t) => doOpen(k, t, AT_FDCWD, k.arg(t, 0), O_CREAT | O_WRONLY | O_TRUNC));
def(3, 'close', (k, t) => (t.proc.fds.close(k.argi(t, 0)) ? (k.epoch++, 0) : -EBADF));

def(8, 'lseek', (k, t) => {
  const f = t.proc.fds.get(k.argi(t, 0));
  if (!f) return -EBADF;
  return f.lseek(k.argl(t, 1), k.argi(t, 2));
});

// ---- stat

function writeStat(t: Thread, a: number, s: StatInfo): void {
  const m = t.proc.mem;
  const b = new DataView(new ArrayBuffer(144));
  b.setBigUint64(0, BigInt(s.dev), true);
  b.setBigUint64(8, BigInt(s.ino), true);
  b.setBigUint64(16, BigInt(s.nlink), true);
  b.setUint32(24, s.mode, true);
  b.setUint32(28, s.uid, true);
  b.setUint32(32, s.gid, true);
  b.setBigUint64(40, BigInt(s.rdev), true);
  b.setBigInt64(48, BigInt(s.size), true);
  b.setBigInt64(56, BigInt(s.blksize), true);
  b.setBigInt64(64, BigInt(s.blocks), true);
  m.write(a, new Uint8Array(b.buffer));
}
function writeStatx(t: Thread, a: number, s: StatInfo): void {
  const b = new DataView(new ArrayBuffer(256));
  b.setUint32(0, 0x7ff, true); // STATX_BASIC_STATS
  b.setUint32(4, s.blksize, true);
  b.setUint32(16, s.nlink, true);
  b.setUint32(20, s.uid, true);
  b.setUint32(24, s.gid, true);
  b.setUint16(28, s.mode, true);
  b.setBigUint64(32, BigInt(s.ino), true);
  b.setBigUint64(40, BigInt(s.size), true);
  b.setBigUint64(48, BigInt(s.blocks), true);
  b.setUint32(136, 0, true);
  b.setUint32(140, s.dev, true);
  t.proc.mem.write(a, new Uint8Array(b.buffer));
}

const AT_EMPTY_PATH = 0x1000, AT_SYMLINK_NOFOLLOW = 0x100, O_NOFOLLOW = 0o400000;
function statTarget(k: Kernel, t: Thread, dirfd: number, pathAddr: number, flags: number): StatInfo | number {
  const p = pathAddr ? t.proc.mem.readCString(pathAddr) : '';
  if (p === '' && flags & AT_EMPTY_PATH) {
    const f = dirfd === AT_FDCWD ? null : t.proc.fds.get(dirfd);
    if (dirfd === AT_FDCWD) return statPath(k, t, t.proc.cwd);
    return f ? f.stat() : -EBADF;
  }
  const abs = resolvePath(k, t, dirfd, p);
  if (typeof abs === 'number') return abs;
  if (flags & AT_SYMLINK_NOFOLLOW) {
    // lstat: the link itself (an in-memory one, or a host one inside the allowed roots)
    const m = k.vfs.get(abs);
    if (m instanceof MemSymlink) return m.stat();
    if (!m && k.mayRead(abs)) {
      try {
        const st = fs.lstatSync(abs);
        if (st.isSymbolicLink()) return baseStat(S_IFLNK | 0o777, Buffer.byteLength(fs.readlinkSync(abs)), st.ino);
      } catch {
        /* missing: statPath reports it */
      }
    }
  }
  return statPath(k, t, abs);
}
function statPath(k: Kernel, t: Thread, abs: string): StatInfo | number {
  const f = openPath(k, t, abs, 0);
  if (f === -EACCES && isRootAncestor(k, abs)) {
    try {
      return HostFile.open(abs).stat(); // a directory: nothing is read
    } catch {
      return -EACCES;
    }
  }
  if (typeof f === 'number') return f;
  return f.stat();
}
def(5, 'fstat', (k, t) => {
  const f = t.proc.fds.get(k.argi(t, 0));
  if (!f) return -EBADF;
  writeStat(t, k.arg(t, 1), f.stat());
  return 0;
});
def(4, 'stat', (k, t) => {
  const s = statTarget(k, t, AT_FDCWD, k.arg(t, 0), 0);
  if (typeof s === 'number') return s;
  writeStat(t, k.arg(t, 1), s);
  return 0;
});
def(6, 'lstat', (k, t) => {
  const s = statTarget(k, t, AT_FDCWD, k.arg(t, 0), AT_SYMLINK_NOFOLLOW);
  if (typeof s === 'number') return s;
  writeStat(t, k.arg(t, 1), s);
  return 0;
});
def(262, 'newfstatat', (k, t) => {
  const s = statTarget(k, t, k.argi(t, 0), k.arg(t, 1), k.argi(t, 3));
  if (typeof s === 'number') return s;
  writeStat(t, k.arg(t, 2), s);
  return 0;
});
def(332, 'statx', (k, t) => {
  const s = statTarget(k, t, k.argi(t, 0), k.arg(t, 1), k.argi(t, 2));
  if (typeof s === 'number') return s;
  writeStatx(t, k.arg(t, 4), s);
  return 0;
});
def(21, 'access', (k, t) => accessAt(k, t, AT_FDCWD, k.arg(t, 0), k.argi(t, 1)));
def(269, 'faccessat', (k, t) => accessAt(k, t, k.argi(t, 0), k.arg(t, 1), k.argi(t, 2)));
def(439, 'faccessat2', (k, t) => accessAt(k, t, k.argi(t, 0), k.arg(t, 1), k.argi(t, 2)));
function accessAt(k: Kernel, t: Thread, dirfd: number, pa: number, mode: number): number {
  const s = statTarget(k, t, dirfd, pa, 0);
  if (typeof s === 'number') return s;
  if (mode & 2 /* W_OK */ && !k.vfs.has(resolvePath(k, t, dirfd, t.proc.mem.readCString(pa)) as string)) return -EROFS;
  return 0;
}

// ---- ioctl: terminals only

const TCGETS = 0x5401, TIOCGWINSZ = 0x5413, FIONBIO = 0x5421, FIONREAD = 0x541b;
def(16, 'ioctl', (k, t) => {
  const f = t.proc.fds.get(k.argi(t, 0));
  if (!f) return -EBADF;
  const req = k.arg(t, 1) >>> 0;
  const a = k.arg(t, 2);
  if (req === FIONBIO) {
    const on = t.proc.mem.r32(a);
    f.flags = on ? f.flags | O_NONBLOCK : f.flags & ~O_NONBLOCK;
    return 0;
  }
  if (req === FIONREAD && f instanceof PipeEnd) {
    t.proc.mem.w32(a, f.buf.size);
    return 0;
  }
  if (req === FIONREAD && f instanceof UnixSocket) {
    t.proc.mem.w32(a, f.readable()); // SIOCINQ
    return 0;
  }
  const u = k.uintr.ioctl(t, f, req);
  if (u !== null) return u;
  if (!f.isatty()) return -ENOTTY;
  if (req === TCGETS) {
    const b = new Uint8Array(60);
    new DataView(b.buffer).setUint32(0, 0x500, true); // c_iflag ICRNL|IXON
    new DataView(b.buffer).setUint32(4, 0x5, true); // c_oflag OPOST|ONLCR
    new DataView(b.buffer).setUint32(8, 0xbf, true); // c_cflag
    new DataView(b.buffer).setUint32(12, 0x8a3b, true); // c_lflag
    t.proc.mem.write(a, b);
    return 0;
  }
  if (req === TIOCGWINSZ) {
    t.proc.mem.w16(a, 24);
    t.proc.mem.w16(a + 2, 80);
    t.proc.mem.w32(a + 4, 0);
    return 0;
  }
  return -EINVAL;
});

// ---- pipes and descriptors

function makePipe(k: Kernel, t: Thread, a: number, flags: number): number {
  const buf = new PipeBuffer();
  const id = pipeIds++;
  const notify = () => { k.epoch++; };
  const r = new PipeEnd(buf, false, notify, id), w = new PipeEnd(buf, true, notify, id);
  if (flags & O_NONBLOCK) { r.flags |= O_NONBLOCK; w.flags |= O_NONBLOCK; }
  const cl = (flags & O_CLOEXEC) !== 0;
  const rfd = t.proc.fds.alloc(r, cl);
  if (rfd < 0) return -EMFILE;
  const wfd = t.proc.fds.alloc(w, cl);
  if (wfd < 0) { t.proc.fds.close(rfd); return -EMFILE; }
  try {
    t.proc.mem.w32(a, rfd);
    t.proc.mem.w32(a + 4, wfd);
  } catch {
    t.proc.fds.close(rfd);
    t.proc.fds.close(wfd);
    return -EFAULT;
  }
  return 0;
}
def(22, 'pipe', (k, t) => makePipe(k, t, k.arg(t, 0), 0));
def(293, 'pipe2', (k, t) => {
  const fl = k.argi(t, 1);
  if (fl & ~(O_CLOEXEC | O_NONBLOCK | 0o40000)) return -EINVAL;
  return makePipe(k, t, k.arg(t, 0), fl);
});

def(32, 'dup', (k, t) => {
  const f = t.proc.fds.get(k.argi(t, 0));
  if (!f) return -EBADF;
  const fd = t.proc.fds.alloc(f);
  return fd < 0 ? -EMFILE : fd;
});
function dup3(k: Kernel, t: Thread, old: number, nw: number, flags: number, isDup2: boolean): number {
  const f = t.proc.fds.get(old);
  if (!f) return -EBADF;
  if (nw < 0 || nw >= t.proc.fds.limit) return -EBADF;
  if (old === nw) return isDup2 ? nw : -EINVAL;
  t.proc.fds.install(nw, f, (flags & O_CLOEXEC) !== 0);
  k.epoch++;
  return nw;
}
def(33, 'dup2', (k, t) => dup3(k, t, k.argi(t, 0), k.argi(t, 1), 0, true));
def(292, 'dup3', (k, t) => {
  const fl = k.argi(t, 2);
  if (fl & ~O_CLOEXEC) return -EINVAL;
  return dup3(k, t, k.argi(t, 0), k.argi(t, 1), fl, false);
});

const F_DUPFD = 0, F_GETFD = 1, F_SETFD = 2, F_GETFL = 3, F_SETFL = 4, F_DUPFD_CLOEXEC = 1030;
def(72, 'fcntl', (k, t) => {
  const fd = k.argi(t, 0), cmd = k.argi(t, 1), arg = k.argi(t, 2);
  const e = t.proc.fds.entry(fd);
  if (!e) return -EBADF;
  switch (cmd) {
    case F_DUPFD:
    case F_DUPFD_CLOEXEC: {
      const n = t.proc.fds.alloc(e.file, cmd === F_DUPFD_CLOEXEC, arg);
      return n < 0 ? -EMFILE : n;
    }
    case F_GETFD: return e.cloexec ? 1 : 0;
    case F_SETFD: e.cloexec = (arg & 1) !== 0; return 0;
    case F_GETFL: return e.file.flags;
    case F_SETFL: e.file.flags = (e.file.flags & ~(O_NONBLOCK | O_APPEND)) | (arg & (O_NONBLOCK | O_APPEND)); return 0;
  }
  return -EINVAL;
});

// ---- names

def(89, 'readlink', (k, t) => readlinkAt(k, t, AT_FDCWD, k.arg(t, 0), k.arg(t, 1), k.arg(t, 2)));
def(267, 'readlinkat', (k, t) => readlinkAt(k, t, k.argi(t, 0), k.arg(t, 1), k.arg(t, 2), k.arg(t, 3)));
function readlinkAt(k: Kernel, t: Thread, dirfd: number, pa: number, buf: number, n: number): number {
  const p = t.proc.mem.readCString(pa);
  let target: string | null = null;
  if (p === '/proc/self/exe' || p === `/proc/${t.proc.pid}/exe`) target = t.proc.exe;
  else {
    const m = /^\/proc\/self\/fd\/(\d+)$/.exec(p);
    if (m) {
      const f = t.proc.fds.get(Number(m[1]));
      if (!f) return -ENOENT;
      target = f.describe();
    }
  }
  if (target === null) {
    const abs = resolvePath(k, t, dirfd, p);
    if (typeof abs === 'number') return abs;
    const m = k.vfs.get(abs);
    if (m) {
      if (!(m instanceof MemSymlink)) return -EINVAL;
      target = m.target;
    } else if (!k.mayRead(abs) && !isRootAncestor(k, abs)) return -EACCES;
    else try {
      target = fs.readlinkSync(abs);
    } catch (e) {
      return (e as NodeJS.ErrnoException).code === 'ENOENT' ? -ENOENT : -EINVAL;
    }
  }
  const b = new TextEncoder().encode(target).subarray(0, n);
  t.proc.mem.write(buf, b);
  return b.length;
}

def(79, 'getcwd', (k, t) => {
  const b = new TextEncoder().encode(t.proc.cwd + '\0');
  if (k.arg(t, 1) < b.length) return -ERANGE;
  t.proc.mem.write(k.arg(t, 0), b);
  return b.length;
});
def(80, 'chdir', (k, t) => {
  const abs = resolvePath(k, t, AT_FDCWD, t.proc.mem.readCString(k.arg(t, 0)));
  if (typeof abs === 'number') return abs;
  const s = statPath(k, t, abs);
  if (typeof s === 'number') return s;
  if ((s.mode & S_IFDIR) !== S_IFDIR) return -ENOTDIR;
  t.proc.cwd = abs;
  return 0;
});
def(87, 'unlink', (k, t) => unlinkAt(k, t, AT_FDCWD, k.arg(t, 0)));
def(263, 'unlinkat', (k, t) => unlinkAt(k, t, k.argi(t, 0), k.arg(t, 1)));
function unlinkAt(k: Kernel, t: Thread, dirfd: number, pa: number): number {
  const abs = resolvePath(k, t, dirfd, t.proc.mem.readCString(pa));
  if (typeof abs === 'number') return abs;
  if (k.vfs.delete(abs)) return 0;
  return fs.existsSync(abs) ? -EACCES : -ENOENT;
}
def(95, 'umask', (k, t) => {
  const old = t.proc.umask;
  t.proc.umask = k.argi(t, 0) & 0o777;
  return old;
});
def(74, 'fsync', () => 0);
def(75, 'fdatasync', () => 0);
void EISDIR; void BLOCKED; void EINVAL;

function truncateFile(f: FileObj | undefined, len: number): number {
  if (!f) return -EBADF;
  if (len < 0) return -EINVAL;
  if (!(f instanceof MemFile)) return f instanceof HostFile ? -EINVAL : -EINVAL;
  const nd = new Uint8Array(len);
  nd.set(f.data.subarray(0, Math.min(len, f.data.length)));
  f.data = nd;
  return 0;
}
def(77, 'ftruncate', (k, t) => {
  const f = t.proc.fds.get(k.argi(t, 0));
  if (f && (f.flags & 3) === 0) return -EINVAL; // not open for writing
  return truncateFile(f, k.argl(t, 1));
});
def(76, 'truncate', (k, t) => {
  const abs = resolvePath(k, t, AT_FDCWD, t.proc.mem.readCString(k.arg(t, 0)));
  if (typeof abs === 'number') return abs;
  const f = openPath(k, t, abs, O_WRONLY);
  if (typeof f === 'number') return f;
  return truncateFile(f, k.argl(t, 1));
});
