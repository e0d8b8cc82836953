/**
 * Directories: getdents64 / getdents and fchdir. A listing is ".", "..", then the names of the host
 * directory merged with the in-memory files the guest created in it, sorted (byte order) so that runs are
 * deterministic whatever the host file system's order. d_off is the entry's index + 1, so lseek/seekdir
 * to a d_off resumes after that entry and lseek(fd, 0, SEEK_SET) rewinds.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { def } from './table';
import { EBADF, EINVAL, ENOTDIR, ENOENT } from '../errno';
import { HostFile } from '../files';
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
    if (k.vfs.has(full)) {
      out.push({ name: n, ino: 1000, type: DT_REG });
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
