/** Processes and threads: exit, clone/fork, wait4/waitid, ids, arch_prctl, limits, uname, scheduling. */
import { def, NORETURN } from './table';
import { EINVAL, ECHILD, ESRCH, EFAULT, ENOSYS, EAGAIN, EPERM } from '../errno';
import { BLOCKED } from '../files';
import { CpuState } from '../../cpu/state';
import { Engine } from '../../cpu/engine';
import { Process, Thread, TState } from '../process';
import type { Kernel } from '../kernel';
import * as fs from 'node:fs';
import { parseElf, ElfError } from '../elf';
import { resolvePath } from './io';
import { ENOENT, EACCES, ENOEXEC, E2BIG } from '../errno';

def(60, 'exit', (k, t) => {
  k.exitThread(t, k.argi(t, 0));
  return NORETURN;
});
def(231, 'exit_group', (k, t) => {
  k.exitGroup(t.proc, (k.argi(t, 0) & 0xff) << 8);
  return NORETURN;
});

def(39, 'getpid', (_k, t) => t.proc.pid);
def(186, 'gettid', (_k, t) => t.tid);
def(110, 'getppid', (_k, t) => t.proc.parent?.pid ?? 1);
for (const [nr, name] of [[102, 'getuid'], [104, 'getgid'], [107, 'geteuid'], [108, 'getegid']] as const) def(nr, name, () => 0);
def(111, 'getpgrp', (_k, t) => t.proc.pid);
def(121, 'getpgid', (_k, t) => t.proc.pid);
def(124, 'getsid', (_k, t) => t.proc.pid);
def(112, 'setsid', (_k, t) => t.proc.pid);
def(109, 'setpgid', () => 0);

def(218, 'set_tid_address', (k, t) => {
  t.clearChildTid = k.arg(t, 0);
  return t.tid;
});
def(273, 'set_robust_list', (k, t) => {
  if (k.arg(t, 1) !== 24) return -EINVAL;
  t.robustList = k.arg(t, 0);
  return 0;
});
// rseq: not provided (glibc falls back), like older kernels
def(334, 'rseq', () => -ENOSYS);
def(435, 'clone3', () => -ENOSYS); // glibc falls back to clone

const ARCH_SET_GS = 0x1001, ARCH_SET_FS = 0x1002, ARCH_GET_FS = 0x1003, ARCH_GET_GS = 0x1004;
def(158, 'arch_prctl', (k, t) => {
  const code = k.argi(t, 0), a = k.arg(t, 1);
  switch (code) {
    case ARCH_SET_FS: t.cpu.fsBase = a; return 0;
    case ARCH_SET_GS: t.cpu.gsBase = a; return 0;
    case ARCH_GET_FS: t.proc.mem.writeU64(a, t.cpu.fsBase); return 0;
    case ARCH_GET_GS: t.proc.mem.writeU64(a, t.cpu.gsBase); return 0;
  }
  return -EINVAL;
});

def(157, 'prctl', (k, t) => {
  const opt = k.argi(t, 0);
  if (opt === 15 /* PR_SET_NAME */) {
    t.name = t.proc.mem.readCString(k.arg(t, 1), 16);
    return 0;
  }
  if (opt === 16 /* PR_GET_NAME */) {
    t.proc.mem.write(k.arg(t, 1), new TextEncoder().encode(t.name.slice(0, 15) + '\0'));
    return 0;
  }
  return -EINVAL;
});

const CLONE_VM = 0x100, CLONE_FS = 0x200, CLONE_FILES = 0x400, CLONE_SIGHAND = 0x800, CLONE_VFORK = 0x4000,
  CLONE_THREAD = 0x10000, CLONE_SETTLS = 0x80000, CLONE_PARENT_SETTID = 0x100000, CLONE_CHILD_CLEARTID = 0x200000,
  CLONE_CHILD_SETTID = 0x1000000;

function copyCpu(t: Thread): CpuState {
  const c = new CpuState();
  c.copyFrom(t.cpu);
  c.setRegNum(0, 0);
  return c;
}

/** clone(flags, newsp, parent_tid, child_tid, tls) */
export function doClone(k: Kernel, t: Thread, flags: number, newsp: number, ptid: number, ctid: number, tls: number): number {
  if (flags & CLONE_THREAD && !(flags & CLONE_VM && flags & CLONE_SIGHAND)) return -EINVAL;
  const cpu = copyCpu(t);
  if (newsp) cpu.setRegNum(4, newsp);
  if (flags & CLONE_SETTLS) cpu.fsBase = tls;
  let child: Thread;
  if (flags & CLONE_THREAD) {
    child = k.newThread(t.proc, cpu);
  } else {
    // a new process: fork semantics (CLONE_VM without CLONE_THREAD, i.e. vfork, is emulated as a copy)
    const p = t.proc;
    const mem = p.mem.clone();
    const np = new Process(k.allocPid(), p, mem, new Engine(mem), flags & CLONE_FILES ? p.fds : p.fds.clone(), p.exe, p.cwd);
    np.brkStart = p.brkStart;
    np.brk = p.brk;
    np.mmapTop = p.mmapTop;
    np.sigactions = p.sigactions.map((a) => ({ ...a }));
    np.deathSignal = flags & 0xff;
    np.comm = p.comm;
    k.uintr.fork(p, np);
    np.umask = p.umask;
    p.children.push(np);
    k.procs.set(np.pid, np);
    child = k.newThread(np, cpu, np.pid);
    child.sigmask = t.sigmask;
  }
  child.sigmask = t.sigmask;
  child.altstack = flags & CLONE_VM ? { sp: 0, size: 0, flags: 2 } : { ...t.altstack };
  if (flags & CLONE_PARENT_SETTID) t.proc.mem.w32(ptid, child.tid);
  if (flags & CLONE_CHILD_SETTID) child.proc.mem.w32(ctid, child.tid);
  if (flags & CLONE_CHILD_CLEARTID) child.clearChildTid = ctid;
  void CLONE_FS; void CLONE_VFORK; void EAGAIN;
  return child.tid;
}

def(56, 'clone', (k, t) => doClone(k, t, k.argi(t, 0), k.arg(t, 1), k.arg(t, 2), k.arg(t, 3), k.arg(t, 4)));
def(57, 'fork', (k, t) => doClone(k, t, 17, 0, 0, 0, 0));
def(58, 'vfork', (k, t) => doClone(k, t, 17, 0, 0, 0, 0));

const WNOHANG = 1, WUNTRACED = 2, WEXITED = 4, WNOWAIT = 0x01000000;

function findChild(p: Process, pid: number): { any: boolean; z: Process | null } {
  let any = false;
  for (const ch of p.children) {
    if (ch.reaped) continue;
    if (pid > 0 && ch.pid !== pid) continue;
    any = true;
    if (ch.zombie) return { any, z: ch };
  }
  return { any, z: null };
}

function reap(k: Kernel, p: Process, ch: Process): void {
  ch.reaped = true;
  p.children = p.children.filter((c) => c !== ch);
  k.procs.delete(ch.pid);
}

def(61, 'wait4', (k, t) => {
  const pid = k.argi(t, 0), st = k.arg(t, 1), opts = k.argi(t, 2);
  const { any, z } = findChild(t.proc, pid === 0 ? -1 : pid);
  if (!any) return -ECHILD;
  if (!z) return opts & WNOHANG ? 0 : BLOCKED;
  if (st) t.proc.mem.w32(st, z.waitStatus);
  const ru = k.arg(t, 3);
  if (ru) for (let i = 0; i < 144; i += 8) t.proc.mem.writeU64(ru + i, 0);
  reap(k, t.proc, z);
  void WUNTRACED;
  return z.pid;
});

def(247, 'waitid', (k, t) => {
  const idtype = k.argi(t, 0), id = k.argi(t, 1), info = k.arg(t, 2), opts = k.argi(t, 3);
  if (!(opts & WEXITED)) return -EINVAL;
  const pid = idtype === 0 /* P_ALL */ ? -1 : idtype === 1 /* P_PID */ ? id : -1;
  const { any, z } = findChild(t.proc, pid);
  if (!any) return -ECHILD;
  if (!z) {
    if (opts & WNOHANG) {
      if (info) for (let i = 0; i < 128; i += 8) t.proc.mem.writeU64(info + i, 0);
      return 0;
    }
    return BLOCKED;
  }
  if (info) {
    const m = t.proc.mem;
    for (let i = 0; i < 128; i += 8) m.writeU64(info + i, 0);
    const s = z.waitStatus;
    m.w32(info, 17); // SIGCHLD
    m.w32(info + 8, s & 0x7f ? ((s & 0x80) ? 3 /* CLD_DUMPED */ : 2 /* CLD_KILLED */) : 1 /* CLD_EXITED */);
    m.w32(info + 16, z.pid);
    m.w32(info + 20, 0);
    m.w32(info + 24, s & 0x7f ? s & 0x7f : (s >> 8) & 0xff);
  }
  if (!(opts & WNOWAIT)) reap(k, t.proc, z);
  return 0;
});

def(62, 'kill', (k, t) => {
  const pid = k.argi(t, 0), sig = k.argi(t, 1);
  if (sig < 0 || sig > 64) return -EINVAL;
  const targets = pid > 0 ? [k.procs.get(pid)] : pid === 0 || pid === -1 ? [...k.procs.values()].filter((p) => pid === 0 ? p === t.proc : p !== t.proc || true) : [k.procs.get(-pid)];
  let found = false;
  for (const p of targets) {
    if (!p || !p.alive) continue;
    found = true;
    k.sendSignal(p, { signo: sig, code: 0 /* SI_USER */, pid: t.proc.pid, uid: 0 });
  }
  return found ? 0 : -ESRCH;
});

function findThread(k: Kernel, tid: number): Thread | undefined {
  return k.threads.find((x) => x.tid === tid && x.state !== TState.Exited);
}
def(234, 'tgkill', (k, t) => {
  const tgid = k.argi(t, 0), tid = k.argi(t, 1), sig = k.argi(t, 2);
  if (sig < 0 || sig > 64 || tid <= 0) return -EINVAL;
  const th = findThread(k, tid);
  if (!th || (tgid > 0 && th.proc.pid !== tgid)) return -ESRCH;
  k.sendSignal(th.proc, { signo: sig, code: -6 /* SI_TKILL */, pid: t.proc.pid, uid: 0 }, th);
  return 0;
});
def(200, 'tkill', (k, t) => {
  const tid = k.argi(t, 0), sig = k.argi(t, 1);
  const th = findThread(k, tid);
  if (!th) return -ESRCH;
  k.sendSignal(th.proc, { signo: sig, code: -6, pid: t.proc.pid, uid: 0 }, th);
  return 0;
});

// ---- limits, identity of the machine, scheduling
def(302, 'prlimit64', (k, t) => {
  const res = k.argi(t, 1), nw = k.arg(t, 2), old = k.arg(t, 3);
  if (res < 0 || res > 15) return -EINVAL;
  if (old) {
    const INF = 2 ** 64 - 1;
    const lim: Record<number, [number, number]> = { 3: [8 * 1024 * 1024, INF], 7: [1024, 4096] };
    const [cur, max] = lim[res] ?? [INF, INF];
    writeU64Full(t, old, cur);
    writeU64Full(t, old + 8, max);
  }
  void nw;
  return 0;
});
def(97, 'getrlimit', (k, t) => {
  const res = k.argi(t, 0), old = k.arg(t, 1);
  const INF = 2 ** 64 - 1;
  const lim: Record<number, [number, number]> = { 3: [8 * 1024 * 1024, INF], 7: [1024, 4096] };
  const [cur, max] = lim[res] ?? [INF, INF];
  writeU64Full(t, old, cur);
  writeU64Full(t, old + 8, max);
  return 0;
});
def(160, 'setrlimit', () => 0);
function writeU64Full(t: Thread, a: number, v: number): void {
  if (v >= 2 ** 64 - 1) t.proc.mem.w64(a, -1, -1);
  else t.proc.mem.writeU64(a, v);
}

def(63, 'uname', (k, t) => {
  const a = k.arg(t, 0);
  const f = ['Linux', 'uintr-debug', '6.0.0-uintr', '#1 SMP uintr-debug emulator', 'x86_64', '(none)'];
  const enc = new TextEncoder();
  const buf = new Uint8Array(65 * 6);
  f.forEach((s, i) => buf.set(enc.encode(s), i * 65));
  t.proc.mem.write(a, buf);
  return 0;
});

def(24, 'sched_yield', (k, t) => {
  // Give the core to a runnable thread waiting for one: the slice ends now and the scheduler moves this
  // thread to the back of the run queue (Kernel.yielders). With nobody waiting it just continues.
  if (k.runQueue.some((x) => x !== t && x.state === TState.Runnable)) k.yielders.add(t);
  return 0;
});
def(204, 'sched_getaffinity', (k, t) => {
  const len = k.arg(t, 1), a = k.arg(t, 2);
  const n = k.opts.cores;
  const bytes = Math.ceil(n / 64) * 8;
  if (len < bytes) return -EINVAL;
  const mask = new Uint8Array(bytes);
  for (let i = 0; i < n; i++) mask[i >> 3] |= 1 << (i & 7);
  t.proc.mem.write(a, mask);
  return bytes;
});
def(203, 'sched_setaffinity', () => 0);
def(309, 'getcpu', (k, t) => {
  const cpu = k.arg(t, 0), node = k.arg(t, 1);
  if (cpu) t.proc.mem.w32(cpu, Math.max(0, t.core));
  if (node) t.proc.mem.w32(node, 0);
  return 0;
});
def(99, 'sysinfo', (k, t) => {
  const a = k.arg(t, 0);
  const m = t.proc.mem;
  for (let i = 0; i < 112; i += 8) m.writeU64(a + i, 0);
  m.writeU64(a, Math.floor(k.now / 1e9));
  m.writeU64(a + 32, 4 * 1024 * 1024 * 1024); // totalram
  m.writeU64(a + 40, 3 * 1024 * 1024 * 1024); // freeram
  m.w16(a + 80, k.threads.length);
  m.w32(a + 104, 1); // mem_unit
  return 0;
});
void EFAULT; void EPERM;

/** Read a NULL-terminated array of string pointers (argv/envp). */
function readStrings(t: Thread, a: number): string[] | null {
  const out: string[] = [];
  if (!a) return out;
  for (let i = 0; ; i++) {
    if (i > 4096) return null;
    const p = t.proc.mem.readU64(a + i * 8);
    if (!p) return out;
    out.push(t.proc.mem.readCString(p, 128 * 1024));
  }
}

function doExecve(k: Kernel, t: Thread, dirfd: number, pathA: number, argvA: number, envA: number): number {
  const p = t.proc.mem.readCString(pathA);
  const abs = resolvePath(k, t, dirfd, p);
  if (typeof abs === 'number') return abs;
  const argv = readStrings(t, argvA), envp = readStrings(t, envA);
  if (!argv || !envp) return -E2BIG;
  if (!k.mayRead(abs)) return -EACCES; // the sandbox: only programs the guest may read
  let buf: Uint8Array;
  try {
    const st = fs.statSync(abs);
    if (!st.isFile()) return -EACCES;
    if (!(st.mode & 0o111)) return -EACCES;
    buf = new Uint8Array(fs.readFileSync(abs));
  } catch {
    return -ENOENT;
  }
  let img;
  try {
    img = parseElf(buf);
  } catch (e) {
    if (e instanceof ElfError) return -ENOEXEC;
    throw e;
  }
  // point of no return
  k.killOtherThreads(t);
  k.uintr.exec(t);
  const proc = t.proc;
  k.loadImage(proc, t.cpu, buf, img, abs, argv, envp);
  proc.fds.fds.forEach((e, fd) => {
    if (e?.cloexec) proc.fds.close(fd);
  });
  for (const a of proc.sigactions) {
    if (a.handler > 1) a.handler = 0;
    a.flags = 0;
    a.restorer = 0;
    a.mask = 0n;
  }
  t.altstack = { sp: 0, size: 0, flags: 2 };
  t.clearChildTid = 0;
  t.robustList = 0;
  k.epoch++;
  return NORETURN;
}
def(59, 'execve', (k, t) => doExecve(k, t, -100, k.arg(t, 0), k.arg(t, 1), k.arg(t, 2)));
def(322, 'execveat', (k, t) => doExecve(k, t, k.argi(t, 0), k.arg(t, 1), k.arg(t, 2), k.arg(t, 3)));
