/**
 * Open file descriptions of the emulated kernel. Each kind implements the operations it supports; reads
 * and writes return a byte count, a negative errno, or BLOCKED (the kernel then parks the thread and
 * re-issues the system call when something changes — see kernel.ts "restartable waits").
 */
import * as fs from 'node:fs';
import { EBADF, EINVAL, ESPIPE, EAGAIN, EPIPE, EISDIR } from './errno';

/** Returned by an operation that would block (never reaches the guest). */
export const BLOCKED = -0x7fff_0000;

export const POLLIN = 0x1, POLLPRI = 0x2, POLLOUT = 0x4, POLLERR = 0x8, POLLHUP = 0x10, POLLNVAL = 0x20;
export const O_RDONLY = 0, O_WRONLY = 1, O_RDWR = 2, O_CREAT = 0o100, O_EXCL = 0o200, O_NOCTTY = 0o400,
  O_TRUNC = 0o1000, O_APPEND = 0o2000, O_NONBLOCK = 0o4000, O_DIRECTORY = 0o200000, O_CLOEXEC = 0o2000000;

export const S_IFIFO = 0o010000, S_IFCHR = 0o020000, S_IFDIR = 0o040000, S_IFREG = 0o100000, S_IFSOCK = 0o140000, S_IFLNK = 0o120000;

export interface StatInfo {
  dev: number;
  ino: number;
  mode: number;
  nlink: number;
  uid: number;
  gid: number;
  rdev: number;
  size: number;
  blksize: number;
  blocks: number;
  atimeMs: number;
  mtimeMs: number;
  ctimeMs: number;
}

export abstract class FileObj {
  /** O_* status flags (O_NONBLOCK, O_APPEND, access mode). */
  flags = O_RDWR;
  refs = 0;
  abstract readonly kind: string;
  read(_buf: Uint8Array): number {
    return -EINVAL;
  }
  write(_data: Uint8Array): number {
    return -EINVAL;
  }
  pread(_buf: Uint8Array, _off: number): number {
    return -ESPIPE;
  }
  lseek(_off: number, _whence: number): number {
    return -ESPIPE;
  }
  /** Current readiness (POLLIN/POLLOUT/POLLHUP...). */
  poll(): number {
    return POLLIN | POLLOUT;
  }
  abstract stat(): StatInfo;
  isatty(): boolean {
    return false;
  }
  /** Called when the last descriptor referring to this description is closed. */
  release(): void {}
  /** Blocking writes complete in full, waiting for room as needed (pipes, stream sockets). */
  get fullWrites(): boolean {
    return false;
  }
  /** Path for /proc/self/fd readlink and debugging. */
  describe(): string {
    return this.kind;
  }
}

export function baseStat(mode: number, size = 0, ino = 1): StatInfo {
  return { dev: 0x2a, ino, mode, nlink: 1, uid: 0, gid: 0, rdev: 0, size, blksize: 4096, blocks: Math.ceil(size / 512), atimeMs: 0, mtimeMs: 0, ctimeMs: 0 };
}

/** Host side of the guest's standard streams. */
export interface HostIO {
  write(fd: 1 | 2, data: Uint8Array): void;
  /** Read up to n bytes of guest stdin; an empty array means EOF. */
  readStdin(n: number): Uint8Array;
  /** Is the host stream a terminal (isatty / TCGETS)? */
  isatty(fd: 0 | 1 | 2): boolean;
}

export class StdStream extends FileObj {
  readonly kind = 'std';
  constructor(private io: HostIO, readonly fd: 0 | 1 | 2) {
    super();
    this.flags = fd === 0 ? O_RDONLY : O_WRONLY;
  }
  override read(buf: Uint8Array): number {
    if (this.fd !== 0) return -EBADF;
    const d = this.io.readStdin(buf.length);
    buf.set(d);
    return d.length;
  }
  override write(data: Uint8Array): number {
    if (this.fd === 0) return -EBADF;
    this.io.write(this.fd, data);
    return data.length;
  }
  stat(): StatInfo {
    return this.io.isatty(this.fd) ? baseStat(S_IFCHR | 0o620, 0, 3 + this.fd) : baseStat(S_IFIFO | 0o600, 0, 3 + this.fd);
  }
  override isatty(): boolean {
    return this.io.isatty(this.fd);
  }
  override describe(): string {
    return `pipe:[${this.fd}]`;
  }
}

export class DevNull extends FileObj {
  readonly kind = 'null';
  override read(): number {
    return 0;
  }
  override write(d: Uint8Array): number {
    return d.length;
  }
  stat(): StatInfo {
    return baseStat(S_IFCHR | 0o666, 0, 5);
  }
  override describe(): string {
    return '/dev/null';
  }
}

/** A read-only host file (the sandbox allowed it), read fully at open time so the run stays deterministic. */
export class HostFile extends FileObj {
  readonly kind = 'file';
  pos = 0;
  constructor(readonly path: string, private data: Uint8Array, private st: StatInfo) {
    super();
    this.flags = O_RDONLY;
  }
  static open(path: string): HostFile {
    const st = fs.statSync(path);
    if (st.isDirectory()) return new HostFile(path, new Uint8Array(0), { ...baseStat(S_IFDIR | 0o755, 4096, st.ino), mtimeMs: 0 });
    const data = new Uint8Array(fs.readFileSync(path));
    return new HostFile(path, data, { ...baseStat(S_IFREG | (st.mode & 0o777), data.length, st.ino) });
  }
  override read(buf: Uint8Array): number {
    if ((this.st.mode & S_IFDIR) === S_IFDIR) return -EISDIR;
    const n = Math.max(0, Math.min(buf.length, this.data.length - this.pos));
    buf.set(this.data.subarray(this.pos, this.pos + n));
    this.pos += n;
    return n;
  }
  override pread(buf: Uint8Array, off: number): number {
    const n = Math.max(0, Math.min(buf.length, this.data.length - off));
    buf.set(this.data.subarray(off, off + n));
    return n;
  }
  override lseek(off: number, whence: number): number {
    const base = whence === 0 ? 0 : whence === 1 ? this.pos : whence === 2 ? this.data.length : NaN;
    if (Number.isNaN(base) || base + off < 0) return -EINVAL;
    this.pos = base + off;
    return this.pos;
  }
  stat(): StatInfo {
    return this.st;
  }
  get isDir(): boolean {
    return (this.st.mode & S_IFDIR) === S_IFDIR;
  }
  override describe(): string {
    return this.path;
  }
}

/** In-memory regular file (a guest-created file: the sandbox never writes host files). */
export class MemFile extends FileObj {
  readonly kind = 'memfile';
  pos = 0;
  constructor(readonly path: string, public data: Uint8Array = new Uint8Array(0)) {
    super();
  }
  override read(buf: Uint8Array): number {
    const n = Math.max(0, Math.min(buf.length, this.data.length - this.pos));
    buf.set(this.data.subarray(this.pos, this.pos + n));
    this.pos += n;
    return n;
  }
  override write(d: Uint8Array): number {
    if (this.flags & O_APPEND) this.pos = this.data.length;
    const end = this.pos + d.length;
    if (end > this.data.length) {
      const nd = new Uint8Array(end);
      nd.set(this.data);
      this.data = nd;
    }
    this.data.set(d, this.pos);
    this.pos = end;
    return d.length;
  }
  override pread(buf: Uint8Array, off: number): number {
    const n = Math.max(0, Math.min(buf.length, this.data.length - off));
    buf.set(this.data.subarray(off, off + n));
    return n;
  }
  override lseek(off: number, whence: number): number {
    const base = whence === 0 ? 0 : whence === 1 ? this.pos : whence === 2 ? this.data.length : NaN;
    if (Number.isNaN(base) || base + off < 0) return -EINVAL;
    this.pos = base + off;
    return this.pos;
  }
  stat(): StatInfo {
    return baseStat(S_IFREG | 0o644, this.data.length, 1000);
  }
  override describe(): string {
    return this.path;
  }
}

/** An in-memory symbolic link made by the guest (symlink(2)); it lives in Kernel.vfs beside MemFiles. */
export class MemSymlink extends MemFile {
  constructor(path: string, readonly target: string) {
    super(path, new TextEncoder().encode(target));
  }
  override stat(): StatInfo {
    return baseStat(S_IFLNK | 0o777, this.data.length, 1001);
  }
}

/** Shared buffer of a pipe (or one direction of a socketpair). */
export class PipeBuffer {
  chunks: Uint8Array[] = [];
  size = 0;
  readers = 0;
  writers = 0;
  readonly capacity = 65536;
  push(d: Uint8Array): void {
    this.chunks.push(d.slice());
    this.size += d.length;
  }
  take(n: number): Uint8Array {
    const out = new Uint8Array(Math.min(n, this.size));
    let o = 0;
    while (o < out.length) {
      const c = this.chunks[0];
      const k = Math.min(c.length, out.length - o);
      out.set(c.subarray(0, k), o);
      o += k;
      if (k === c.length) this.chunks.shift();
      else this.chunks[0] = c.subarray(k);
    }
    this.size -= out.length;
    return out;
  }
}

export class PipeEnd extends FileObj {
  readonly kind = 'pipe';
  constructor(readonly buf: PipeBuffer, readonly isWrite: boolean, private notify: () => void, readonly id: number) {
    super();
    this.flags = isWrite ? O_WRONLY : O_RDONLY;
    if (isWrite) buf.writers++;
    else buf.readers++;
  }
  override read(out: Uint8Array): number {
    if (this.isWrite) return -EBADF;
    if (out.length === 0) return 0;
    if (this.buf.size === 0) {
      if (this.buf.writers === 0) return 0;
      return this.flags & O_NONBLOCK ? -EAGAIN : BLOCKED;
    }
    const d = this.buf.take(out.length);
    out.set(d);
    this.notify();
    return d.length;
  }
  /** Returns bytes written; a writer with no reader gets EPIPE (the caller raises SIGPIPE). */
  override write(d: Uint8Array): number {
    if (!this.isWrite) return -EBADF;
    if (this.buf.readers === 0) return -EPIPE;
    const room = this.buf.capacity - this.buf.size;
    if (room <= 0) return this.flags & O_NONBLOCK ? -EAGAIN : BLOCKED;
    // writes up to PIPE_BUF (4096) are atomic: wait for room for the whole write
    if (d.length <= 4096 && room < d.length) return this.flags & O_NONBLOCK ? -EAGAIN : BLOCKED;
    const n = Math.min(room, d.length);
    this.buf.push(d.subarray(0, n));
    this.notify();
    return n;
  }
  override poll(): number {
    if (this.isWrite) return (this.buf.readers === 0 ? POLLERR : 0) | (this.buf.size < this.buf.capacity ? POLLOUT : 0);
    return (this.buf.size > 0 ? POLLIN : 0) | (this.buf.writers === 0 ? POLLHUP : 0);
  }
  stat(): StatInfo {
    return baseStat(S_IFIFO | 0o600, 0, 0x1000 + this.id); // Linux reports st_size 0 for pipes
  }
  override get fullWrites(): boolean {
    return true;
  }
  override release(): void {
    if (this.isWrite) this.buf.writers--;
    else this.buf.readers--;
    this.notify();
  }
  override describe(): string {
    return `pipe:[${0x1000 + this.id}]`;
  }
}

/** A descriptor table entry: the description plus the per-descriptor FD_CLOEXEC flag. */
export interface FdEntry {
  file: FileObj;
  cloexec: boolean;
}

/** NR_OPEN_DEFAULT: a new process's descriptor table holds BITS_PER_LONG descriptors. */
const NR_OPEN_DEFAULT = 64;

/**
 * The size Linux's alloc_fdtable() (fs/file.c) gives a table that must hold descriptor `nr`: the
 * file-pointer array grows in 1 KiB chunks (128 pointers) and then in powers of two.
 */
function fdtableSizeFor(nr: number): number {
  let chunks = Math.floor(nr / 128) + 1;
  chunks = 2 ** Math.ceil(Math.log2(chunks));
  return chunks * 128;
}

export class FdTable {
  fds: (FdEntry | undefined)[] = [];
  /** Limit on descriptor numbers (RLIMIT_NOFILE). */
  limit = 1024;
  /**
   * fdtable->max_fds: how many descriptors the kernel's table can hold now. It only grows (never on
   * close), and select() silently ignores bits at or above it — so select() on a never-used descriptor
   * above 63 returns 0 rather than EBADF, as on Linux.
   */
  capacity = NR_OPEN_DEFAULT;

  get(fd: number): FileObj | undefined {
    return fd >= 0 ? this.fds[fd]?.file : undefined;
  }
  entry(fd: number): FdEntry | undefined {
    return fd >= 0 ? this.fds[fd] : undefined;
  }
  /** Lowest free descriptor >= min; -1 if the table is full. */
  alloc(file: FileObj, cloexec = false, min = 0): number {
    for (let fd = min; fd < this.limit; fd++) {
      if (!this.fds[fd]) {
        this.install(fd, file, cloexec);
        return fd;
      }
    }
    return -1;
  }
  install(fd: number, file: FileObj, cloexec = false): void {
    if (fd >= this.capacity) this.capacity = fdtableSizeFor(fd);
    if (this.fds[fd]) this.close(fd);
    file.refs++;
    this.fds[fd] = { file, cloexec };
  }
  close(fd: number): boolean {
    const e = this.fds[fd];
    if (!e) return false;
    this.fds[fd] = undefined;
    if (--e.file.refs === 0) e.file.release();
    return true;
  }
  closeAll(): void {
    for (let fd = 0; fd < this.fds.length; fd++) if (this.fds[fd]) this.close(fd);
  }
  /**
   * fork(): the child shares the open file descriptions. Its table is sized as dup_fd() sizes it: by the
   * highest open descriptor rounded up to a 64-bit word, not by the parent's capacity.
   */
  clone(): FdTable {
    const t = new FdTable();
    t.limit = this.limit;
    let last = -1;
    this.fds.forEach((e, fd) => { if (e) last = fd; });
    const openFiles = (Math.floor(last / 64) + 1) * 64;
    if (openFiles > NR_OPEN_DEFAULT) t.capacity = fdtableSizeFor(openFiles - 1);
    this.fds.forEach((e, fd) => {
      if (e) {
        e.file.refs++;
        t.fds[fd] = { file: e.file, cloexec: e.cloexec };
      }
    });
    return t;
  }
}
