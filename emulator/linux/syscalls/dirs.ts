/**
 * Directories and names: getdents64 / getdents, fchdir, and rename / link / symlink for the guest's
 * in-memory files (host files cannot be renamed or linked: EACCES, as unlink reports).
 *
 * A listing is ".", "..", then the names of the host directory merged with the in-memory files the guest
 * created in it, sorted (byte order) so that runs are deterministic whatever the host file system's
 * order. d_off is the entry's index + 1, so lseek/seekdir to a d_off resumes after that entry and
 * lseek(fd, 0, SEEK_SET) rewinds.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { def } from './table';
import { EBADF, EINVAL, ENOTDIR, ENOENT, EACCES, EEXIST, EISDIR } from '../errno';
import { HostFile, MemSymlink } from '../files';
import { resolvePath } from './io';
import type { Kernel } from '../kernel';
import type { Thread } from '../process';

const DT_UNKNOWN = 0, DT_FIFO = 1, DT_CHR = 2, DT_DIR = 4, DT_BLK = 6, DT_REG = 8, DT_LNK = 10, DT_SOCK = 12;

interface Dirent {
  name: string;
  ino: number;
  type: number;
}

function typeOf(st: fs.Stats): number {
  if (st.isDirectory()) return DT_DIR;
  if (st.isFile()) return DT_REG;
  if (st.isSymbolicLink()) return DT_LNK;
  if (st.isFIFO()) return DT_FIFO;
  if (st.isCharacterDevice()) return DT_CHR;
  if (st.isBlockDevice()) return DT_BLK;
  if (st.isSocket()) return DT_SOCK;
  return DT_UNKNOWN;
}

/** The sorted listing of a directory as the guest sees it. */
export function listDir(k: Kernel, dir: string): Dirent[] | number {
  let names: string[];
  try {
    names = fs.readdirSync(dir);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    return code === 'ENOTDIR' ? -ENOTDIR : -ENOENT;
  }
  const set = new Set(names);
  for (const p of k.vfs.keys()) if (path.dirname(p) === dir) set.add(path.basename(p));
  const enc = (s: string) => Buffer.from(s);
  const sorted = [...set].sort((a, b) => Buffer.compare(enc(a), enc(b)));
  const ino = (p: string) => {
    try {
      return fs.statSync(p).ino;
    } catch {
      return 1;
    }
  };
  const out: Dirent[] = [
    { name: '.', ino: ino(dir), type: DT_DIR },
    { name: '..', ino: ino(path.dirname(dir)), type: DT_DIR },
  ];
  for (const n of sorted) {
    const full = path.join(dir, n);
    const mem = k.vfs.get(full);
    if (mem) {
      out.push({ name: n, ino: mem instanceof MemSymlink ? 1001 : 1000, type: mem instanceof MemSymlink ? DT_LNK : DT_REG });
      continue;
    }
    try {
      const st = fs.lstatSync(full);
      out.push({ name: n, ino: st.ino, type: typeOf(st) });
    } catch {
      /* vanished */
    }
  }
  return out;
}

function getdents(k: Kernel, t: Thread, fd: number, buf: number, count: number, is64: boolean): number {
  const f = t.proc.fds.get(fd);
  if (!f) return -EBADF;
  if (!(f instanceof HostFile) || !f.isDir) return -ENOTDIR;
  const list = listDir(k, f.path);
  if (typeof list === 'number') return list;
  const out = new Uint8Array(Math.min(count, 1 << 20));
  const dv = new DataView(out.buffer);
  let o = 0;
  let i = f.pos;
  for (; i < list.length; i++) {
    const e = list[i];
    const name = Buffer.from(e.name);
    // linux_dirent64: ino u64, off s64, reclen u16, type u8, name; linux_dirent: ino, off, reclen, name, pad, type
    const reclen = is64 ? (19 + name.length + 1 + 7) & ~7 : (18 + name.length + 2 + 7) & ~7;
    if (o + reclen > out.length) break;
    dv.setBigUint64(o, BigInt(e.ino), true);
    dv.setBigInt64(o + 8, BigInt(i + 1), true);
    dv.setUint16(o + 16, reclen, true);
    if (is64) {
      out[o + 18] = e.type;
      out.set(name, o + 19);
    } else {
      out.set(name, o + 18);
      out[o + reclen - 1] = e.type;
    }
    o += reclen;
  }
  if (o === 0 && i < list.length) return -EINVAL; // buffer too small for the next entry
  f.pos = i;
  if (o) t.proc.mem.write(buf, out.subarray(0, o));
  return o;
}

def(217, 'getdents64', (k, t) => getdents(k, t, k.argi(t, 0), k.arg(t, 1), k.arg(t, 2) >>> 0, true));
def(78, 'getdents', (k, t) => getdents(k, t, k.argi(t, 0), k.arg(t, 1), k.arg(t, 2) >>> 0, false));

def(81, 'fchdir', (k, t) => {
  const f = t.proc.fds.get(k.argi(t, 0));
  if (!f) return -EBADF;
  if (!(f instanceof HostFile) || !f.isDir) return -ENOTDIR;
  t.proc.cwd = f.path;
  void k;
  return 0;
});

// ------------------------------------------------------------------ rename, link, symlink

const AT_FDCWD = -100;
const RENAME_NOREPLACE = 1, RENAME_EXCHANGE = 2;

function guestPath(k: Kernel, t: Thread, dirfd: number, a: number): string | number {
  return resolvePath(k, t, dirfd, t.proc.mem.readCString(a));
}
/** Does a name exist (in memory or on the host, inside the sandbox)? */
function exists(k: Kernel, abs: string): boolean {
  if (k.vfs.has(abs)) return true;
  if (!k.mayRead(abs)) return false;
  try {
    fs.lstatSync(abs);
    return true;
  } catch {
    return false;
  }
}
function isHostDir(abs: string): boolean {
  try {
    return fs.statSync(abs).isDirectory();
  } catch {
    return false;
  }
}
/** A new name must be inside an allowed root (the file itself stays in memory). */
function mayCreate(k: Kernel, abs: string): boolean {
  return k.mayRead(abs) || k.mayRead(path.dirname(abs));
}

function renameAt(k: Kernel, t: Thread, odir: number, oa: number, ndir: number, na: number, flags: number): number {
  if (flags & ~(RENAME_NOREPLACE | RENAME_EXCHANGE) || (flags & RENAME_NOREPLACE && flags & RENAME_EXCHANGE)) return -EINVAL;
  const from = guestPath(k, t, odir, oa), to = guestPath(k, t, ndir, na);
  if (typeof from === 'number') return from;
  if (typeof to === 'number') return to;
  const src = k.vfs.get(from);
  if (!src) return exists(k, from) ? -EACCES : -ENOENT;
  if (!mayCreate(k, to)) return -EACCES;
  if (flags & RENAME_EXCHANGE) {
    const dst = k.vfs.get(to);
    if (!dst) return exists(k, to) ? -EACCES : -ENOENT;
    k.vfs.set(from, dst);
    k.vfs.set(to, src);
    return 0;
  }
  if (flags & RENAME_NOREPLACE && exists(k, to)) return -EEXIST;
  if (from === to || k.vfs.get(to) === src) return 0; // same file (hard links): nothing to do
  if (!k.vfs.has(to) && isHostDir(to)) return -EISDIR;
  k.vfs.delete(from);
  k.vfs.set(to, src);
  return 0;
}
def(82, 'rename', (k, t) => renameAt(k, t, AT_FDCWD, k.arg(t, 0), AT_FDCWD, k.arg(t, 1), 0));
def(264, 'renameat', (k, t) => renameAt(k, t, k.argi(t, 0), k.arg(t, 1), k.argi(t, 2), k.arg(t, 3), 0));
def(316, 'renameat2', (k, t) => renameAt(k, t, k.argi(t, 0), k.arg(t, 1), k.argi(t, 2), k.arg(t, 3), k.argi(t, 4)));

function linkAt(k: Kernel, t: Thread, odir: number, oa: number, ndir: number, na: number): number {
  const from = guestPath(k, t, odir, oa), to = guestPath(k, t, ndir, na);
  if (typeof from === 'number') return from;
  if (typeof to === 'number') return to;
  const src = k.vfs.get(from);
  if (!src) return exists(k, from) ? -EACCES : -ENOENT;
  if (exists(k, to)) return -EEXIST;
  if (!mayCreate(k, to)) return -EACCES;
  k.vfs.set(to, src); // the same file under two names
  return 0;
}
def(86, 'link', (k, t) => linkAt(k, t, AT_FDCWD, k.arg(t, 0), AT_FDCWD, k.arg(t, 1)));
def(265, 'linkat', (k, t) => linkAt(k, t, k.argi(t, 0), k.arg(t, 1), k.argi(t, 2), k.arg(t, 3)));

function symlinkAt(k: Kernel, t: Thread, ta: number, ndir: number, na: number): number {
  const target = t.proc.mem.readCString(ta);
  if (target === '') return -ENOENT;
  const at = guestPath(k, t, ndir, na);
  if (typeof at === 'number') return at;
  if (exists(k, at)) return -EEXIST;
  if (!mayCreate(k, at)) return -EACCES;
  k.vfs.set(at, new MemSymlink(at, target));
  return 0;
}
def(88, 'symlink', (k, t) => symlinkAt(k, t, k.arg(t, 0), AT_FDCWD, k.arg(t, 1)));
def(266, 'symlinkat', (k, t) => symlinkAt(k, t, k.arg(t, 0), k.argi(t, 1), k.arg(t, 2)));
