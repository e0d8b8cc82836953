/**
 * Synthetic files, outside the host sandbox: /dev/zero, /dev/full, /dev/urandom and /dev/random (bytes
 * from the seeded PRNG, so runs are deterministic), /dev/stdin|stdout|stderr and /proc/self/fd/N (the open
 * description), /proc/[self|pid]/{maps,status,comm,stat?}, /sys/devices/system/cpu/{online,possible,present}.
 * Other paths under /proc and /sys do not exist (ENOENT) rather than being refused by the sandbox.
 */
import { specialOpeners } from './io';
import { EACCES, ENOENT, ENOSPC, EISDIR } from '../errno';
import { FileObj, StatInfo, baseStat, S_IFCHR, S_IFREG, O_RDONLY, O_WRONLY, O_RDWR, O_CREAT } from '../files';
import { PAGE_SIZE } from '../../memory/memory';
import { STACK_TOP, STACK_SIZE } from '../kernel';
import type { Kernel } from '../kernel';
import type { Thread } from '../process';
import type { Process } from '../process';

/** A read-only file whose content is generated when it is opened (procfs-like: st_size 0). */
export class SynthFile extends FileObj {
  readonly kind = 'synth';
  pos = 0;
  constructor(readonly path: string, private data: Uint8Array, private size = 0) {
    super();
    this.flags = O_RDONLY;
  }
  override read(buf: Uint8Array): number {
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
    if (Number.isNaN(base) || base + off < 0) return -22;
    this.pos = base + off;
    return this.pos;
  }
  override write(): number {
    return -9; // EBADF: opened read-only
  }
  stat(): StatInfo {
    return baseStat(S_IFREG | 0o444, this.size, 0x6000);
  }
  override describe(): string {
    return this.path;
  }
}

/** Character devices with simple read/write behaviour. */
class CharDev extends FileObj {
  readonly kind = 'chardev';
  constructor(readonly path: string, private rd: (buf: Uint8Array) => number, private wr: (d: Uint8Array) => number, private rdev: number) {
    super();
  }
  override read(buf: Uint8Array): number {
    return this.rd(buf);
  }
  override pread(buf: Uint8Array): number {
    return this.rd(buf);
  }
  override write(d: Uint8Array): number {
    return this.wr(d);
  }
  override lseek(): number {
    return 0;
  }
  stat(): StatInfo {
    return { ...baseStat(S_IFCHR | 0o666, 0, 0x7000 + this.rdev), rdev: this.rdev };
  }
  override describe(): string {
    return this.path;
  }
}

const enc = new TextEncoder();
const hex = (n: number, w = 8) => n.toString(16).padStart(w, '0');

/** /proc/PID/maps from the page protections (ELF image, [heap], anonymous mappings, [stack]). */
function mapsOf(p: Process): string {
  const prot = p.mem.prot;
  const lines: string[] = [];
  const stackLo = STACK_TOP - STACK_SIZE;
  const heapLo = p.brkStart, heapHi = Math.ceil(p.brk / PAGE_SIZE) * PAGE_SIZE;
  const label = (a: number) => (a >= stackLo && a < STACK_TOP ? 2 : a >= heapLo && a < heapHi ? 1 : a < heapLo ? 0 : 3);
  const names = [p.exe, '[heap]', '[stack]', ''];
  let pg = 0;
  const n = prot.length;
  while (pg < n) {
    if (!prot[pg]) {
      pg++;
      continue;
    }
    const start = pg;
    const pr = prot[pg], lab = label(pg * PAGE_SIZE);
    while (pg < n && prot[pg] === pr && label(pg * PAGE_SIZE) === lab) pg++;
    const perms = (pr & 1 ? 'r' : '-') + (pr & 2 ? 'w' : '-') + (pr & 4 ? 'x' : '-') + 'p';
    const head = `${hex(start * PAGE_SIZE)}-${hex(pg * PAGE_SIZE)} ${perms} 00000000 00:00 0`;
    lines.push(names[lab] ? head.padEnd(73) + names[lab] : head + ' ');
  }
  return lines.map((l) => l.trimEnd() + '\n').join('');
}

/** /proc/PID[/task/TID]/status. State is S (sleeping) while the thread (or every thread) waits. */
function statusOf(k: Kernel, p: Process, th?: Thread): string {
  const liveThreads = p.threads.filter((x) => x.state !== 2);
  const sleeping = th ? th.state === 1 : liveThreads.length > 0 && liveThreads.every((x) => x.state === 1);
  return [
    `Name:\t${p.comm}`, `Umask:\t${p.umask.toString(8).padStart(4, '0')}`,
    `State:\t${p.zombie ? 'Z (zombie)' : sleeping ? 'S (sleeping)' : 'R (running)'}`, `Tgid:\t${p.pid}`, 'Ngid:\t0', `Pid:\t${th ? th.tid : p.pid}`,
    `PPid:\t${p.parent?.pid ?? 0}`, 'TracerPid:\t0', 'Uid:\t0\t0\t0\t0', 'Gid:\t0\t0\t0\t0', 'FDSize:\t64', 'Groups:\t',
    `Threads:\t${liveThreads.length}`, `Cpus_allowed_list:\t${cpuList(k)}`,
  ].join('\n') + '\n';
}

function cpuList(k: Kernel): string {
  const n = k.opts.cores;
  return n === 1 ? '0' : `0-${n - 1}`;
}

function openSpecial(k: Kernel, t: Thread, abs: string, flags: number): FileObj | number | null {
  const r = openSpecialFile(k, t, abs, flags);
  if (r instanceof CharDev) r.flags = flags & 3; // access mode checked by read/write
  return r;
}

function openSpecialFile(k: Kernel, t: Thread, abs: string, flags: number): FileObj | number | null {
  const acc = flags & 3;
  switch (abs) {
    case '/dev/zero':
      return new CharDev(abs, (b) => (b.fill(0), b.length), (d) => d.length, 0x105);
    case '/dev/full':
      return new CharDev(abs, (b) => (b.fill(0), b.length), () => -ENOSPC, 0x107);
    case '/dev/urandom':
    case '/dev/random':
      return new CharDev(abs, (b) => (b.set(k.rng.bytes(b.length)), b.length), (d) => d.length, abs === '/dev/random' ? 0x108 : 0x109);
    case '/dev/stdin':
      return fdFile(t, 0);
    case '/dev/stdout':
      return fdFile(t, 1);
    case '/dev/stderr':
      return fdFile(t, 2);
    case '/sys/devices/system/cpu/online':
    case '/sys/devices/system/cpu/possible':
    case '/sys/devices/system/cpu/present':
      if (acc !== O_RDONLY) return -EACCES;
      return new SynthFile(abs, enc.encode(cpuList(k) + '\n'), 4096);
  }
  let m = /^\/proc\/(self|thread-self|\d+)(?:\/task\/(\d+))?(\/.*)?$/.exec(abs);
  if (m) {
    const p = m[1] === 'self' ? t.proc : m[1] === 'thread-self' ? t.proc : k.procs.get(Number(m[1]));
    if (!p) return -ENOENT;
    let th: Thread | undefined = m[1] === 'thread-self' ? t : undefined;
    if (m[2] !== undefined) {
      th = p.threads.find((x) => x.tid === Number(m![2]) && x.state !== 2);
      if (!th) return -ENOENT;
    }
    const rest = m[3] ?? '';
    const fdm = /^\/fd\/(\d+)$/.exec(rest);
    if (fdm) return fdFile({ proc: p } as Thread, Number(fdm[1]));
    if (rest === '/exe') return null; // io.ts maps it to the program
    if (acc !== O_RDONLY || flags & O_CREAT) return rest === '' || rest === '/fd' ? -EISDIR : -EACCES;
    switch (rest) {
      case '/maps':
        return new SynthFile(abs, enc.encode(mapsOf(p)));
      case '/status':
        return new SynthFile(abs, enc.encode(statusOf(k, p, th)));
      case '/comm':
        return new SynthFile(abs, enc.encode(p.comm + '\n'));
    }
    return -ENOENT;
  }
  m = /^\/(proc|sys)(\/.*)?$/.exec(abs);
  if (m) return -ENOENT;
  void O_WRONLY; void O_RDWR;
  return null;
}

function fdFile(t: Pick<Thread, 'proc'>, fd: number): FileObj | number {
  const f = t.proc.fds.get(fd);
  return f ?? -ENOENT;
}

specialOpeners.push(openSpecial);
