/** Memory-management system calls: brk, mmap, munmap, mprotect, madvise, mremap. */
import { def } from './table';
import { EINVAL, ENOMEM, EBADF, EACCES } from '../errno';
import { PAGE_SIZE, PROT_READ, PROT_WRITE, PROT_EXEC } from '../../memory/memory';
import { HostFile, MemFile } from '../files';

const MAP_SHARED = 1, MAP_PRIVATE = 2, MAP_FIXED = 0x10, MAP_ANONYMOUS = 0x20, MAP_FIXED_NOREPLACE = 0x100000;
const up = (n: number) => Math.ceil(n / PAGE_SIZE) * PAGE_SIZE;

def(12, 'brk', (k, t) => {
  const p = t.proc;
  const want = k.arg(t, 0);
  if (want === 0 || want < p.brkStart) return p.brk;
  const oldEnd = up(p.brk), newEnd = up(want);
  if (newEnd > oldEnd) {
    if (!p.mem.findFree || !rangeFree(p, oldEnd, newEnd - oldEnd)) return p.brk;
    p.mem.map(oldEnd, newEnd - oldEnd, PROT_READ | PROT_WRITE);
  } else if (newEnd < oldEnd) p.mem.unmap(newEnd, oldEnd - newEnd);
  p.brk = want;
  return p.brk;
});

function rangeFree(p: import('../process').Process, a: number, len: number): boolean {
  for (let x = a; x < a + len; x += PAGE_SIZE) if (p.mem.isMapped(x / PAGE_SIZE)) return false;
  return a + len <= 0xffff_f000;
}

def(9, 'mmap', (k, t) => {
  const p = t.proc;
  let addr = k.arg(t, 0);
  const len = k.arg(t, 1);
  const prot = k.argi(t, 2);
  const flags = k.argi(t, 3);
  const fd = k.argi(t, 4);
  const off = k.arg(t, 5);
  if (len === 0 || len > 0xc000_0000 || off % PAGE_SIZE !== 0 || addr % PAGE_SIZE !== 0 && flags & MAP_FIXED) return -EINVAL;
  if (!(flags & (MAP_SHARED | MAP_PRIVATE))) return -EINVAL;
  let data: Uint8Array | null = null;
  if (!(flags & MAP_ANONYMOUS)) {
    const f = p.fds.get(fd);
    if (!f) return -EBADF;
    if (f instanceof HostFile || f instanceof MemFile) {
      if (flags & MAP_SHARED && prot & PROT_WRITE) return -EACCES; // the sandbox never writes host files
      const buf = new Uint8Array(len);
      const n = f.pread(buf, off);
      data = buf.subarray(0, Math.max(0, n));
    } else return -EACCES;
  }
  const size = up(len);
  if (flags & (MAP_FIXED | MAP_FIXED_NOREPLACE)) {
    if (addr + size > 0xffff_f000) return -ENOMEM;
    if (flags & MAP_FIXED_NOREPLACE && !rangeFree(p, addr, size)) return -17; // EEXIST
    p.mem.unmap(addr, size);
  } else {
    if (addr && rangeFree(p, Math.floor(addr / PAGE_SIZE) * PAGE_SIZE, size)) addr = Math.floor(addr / PAGE_SIZE) * PAGE_SIZE;
    else {
      addr = p.mem.findFreeTopDown(size, p.mmapTop, up(p.brk) + 0x100_0000);
      if (addr < 0) return -ENOMEM;
    }
  }
  // anonymous MAP_SHARED memory stays shared with fork children (file-backed shared maps are read-only copies)
  p.mem.map(addr, size, prot & (PROT_READ | PROT_WRITE | PROT_EXEC), (flags & MAP_SHARED) !== 0 && (flags & MAP_ANONYMOUS) !== 0);
  if (data && data.length) p.mem.write(addr, data, true);
  return addr;
});

def(11, 'munmap', (k, t) => {
  const a = k.arg(t, 0), len = k.arg(t, 1);
  if (a % PAGE_SIZE || len === 0) return -EINVAL;
  t.proc.mem.unmap(a, up(len));
  return 0;
});

def(10, 'mprotect', (k, t) => {
  const a = k.arg(t, 0), len = k.arg(t, 1), prot = k.argi(t, 2);
  if (a % PAGE_SIZE) return -EINVAL;
  if (!t.proc.mem.rangeMapped(a, up(len) || PAGE_SIZE)) return -ENOMEM;
  t.proc.mem.protect(a, up(len), prot & 7);
  return 0;
});

def(28, 'madvise', (k, t) => {
  const a = k.arg(t, 0), len = k.arg(t, 1), advice = k.argi(t, 2);
  if (a % PAGE_SIZE) return -EINVAL;
  if (advice === 4 /* MADV_DONTNEED */) {
    // anonymous private pages read back as zero: drop their frames, keep the mapping
    const m = t.proc.mem;
    for (let x = a; x < a + up(len); x += PAGE_SIZE) {
      const pg = x / PAGE_SIZE;
      if (!m.isMapped(pg)) continue;
      const prot = m.prot[pg] & 7;
      m.unmap(x, PAGE_SIZE);
      m.map(x, PAGE_SIZE, prot);
    }
  }
  return 0;
});

def(25, 'mremap', (k, t) => {
  const old = k.arg(t, 0), oldLen = up(k.arg(t, 1)), newLen = up(k.arg(t, 2)), flags = k.argi(t, 3);
  const m = t.proc.mem;
  if (old % PAGE_SIZE || newLen === 0) return -EINVAL;
  if (newLen <= oldLen) {
    if (newLen < oldLen) m.unmap(old + newLen, oldLen - newLen);
    return old;
  }
  if (rangeFree(t.proc, old + oldLen, newLen - oldLen)) {
    m.map(old + oldLen, newLen - oldLen, m.prot[old / PAGE_SIZE] & 7);
    return old;
  }
  if (!(flags & 1 /* MREMAP_MAYMOVE */)) return -ENOMEM;
  const prot = m.prot[old / PAGE_SIZE] & 7;
  const na = m.findFreeTopDown(newLen, t.proc.mmapTop, up(t.proc.brk) + 0x100_0000);
  if (na < 0) return -ENOMEM;
  const data = m.read(old, oldLen);
  m.map(na, newLen, prot);
  m.write(na, data, true);
  m.unmap(old, oldLen);
  return na;
});
