/**
 * The kernel half of UINTR: the Intel uintr Linux kernel's system calls (later ABI 471-479, and the RFC v1
 * ABI 449-454 behind `uintrAbi: 'rfc-v1'`), its data model (receiver UPIDs, per-process or per-thread UITTs,
 * uvec/uipi fds), context-switch handling of SN/NDST/PIR (spec §2.5), blocking with WAITING_RECEIVER /
 * WAITING_SENDER (§2.6), the kernel's #UD/#GP fix-ups (§2.6, §2.7) and lifecycle (§2.8).
 *
 * UPIDs and UITTs live in a kernel window of the guest address space that is mapped (with no user access)
 * into every process with the same frames, like kernel memory, so the UINTR hardware model reads them
 * with supervisor accesses from any sender.
 */
import type { Kernel } from './kernel';
import type { Thread, Process } from './process';
import { TState } from './process';
import { FileObj, baseStat, StatInfo, O_RDONLY, O_NONBLOCK, BLOCKED } from './files';
import { Memory, PAGE_SIZE } from '../memory/memory';
import { supRead32, supWrite32, processNotification, updatePending, xsaveImage } from '../uintr/arch';
import { def, NORETURN } from './syscalls/table';
import * as E from './errno';

export const UINTR_NOTIFICATION_VECTOR = 0xec;
export const UINTR_KERNEL_VECTOR = 0xeb;
export const OS_ABI_REDZONE = 128;
export const UINTR_MAX_UITT_NR = 256;
export const UINTR_MAX_UVEC_NR = 64;
export const UINTR_HANDLER_FLAG_WAITING_RECEIVER = 0x1000;
export const UINTR_HANDLER_FLAG_WAITING_SENDER = 0x2000;
export const UINTR_HANDLER_FLAG_WAITING_ANY = 0x3000;
export const UINTR_WAIT_MAX_USEC = 1_000_000_000;
export const UIPI_SET_TARGET_TABLE = 0x7500;
const UPID_ON = 1, UPID_SN = 2, UPID_BLKD = 0x80;

/** The kernel window: UPIDs and UITTs (no user access). */
export const KERNEL_BASE = 0xfe00_0000;
export const KERNEL_SIZE = 0x100_0000;

export type UintrAbi = 'v2' | 'rfc-v1';

/** A receiver thread's kernel context (its UPID and registered vectors). */
export class Receiver {
  vectors = 0n;
  active = true;
  waitingFlags = 0;
  constructor(readonly thread: Thread, readonly upid: number) {}
}

export class UittEntry {
  constructor(readonly receiver: Receiver, readonly vector: number) {}
}

/** A User-Interrupt Target Table (per process in the later ABI, per thread in RFC v1). */
export class Uitt {
  entries: (UittEntry | null)[] = new Array(UINTR_MAX_UITT_NR).fill(null);
  constructor(readonly addr: number) {}
}

/** Per-thread kernel UINTR data. */
export interface ThreadUintr {
  receiver: Receiver | null;
  /** RFC v1: the thread's own UITT. */
  uitt: Uitt | null;
  /** RFC v1: uvec fds this thread registered as sender with (duplicate check, unregister by fd). */
  senderFds: Map<FileObj, number>;
  /** Woken from a blocking wait by a user interrupt (the syscall returns -EINTR). */
  wokenByUintr: boolean;
  /** Blocked on the receiver-pays wait list (UPID.NV = 0xEB). */
  onWaitList: boolean;
}

export function threadUintr(t: Thread): ThreadUintr {
  const x = t as unknown as { uintr?: ThreadUintr };
  if (!x.uintr) x.uintr = { receiver: null, uitt: null, senderFds: new Map(), wokenByUintr: false, onWaitList: false };
  return x.uintr;
}
function procUitt(p: Process): Uitt | null {
  return (p as unknown as { uitt?: Uitt | null }).uitt ?? null;
}
function setProcUitt(p: Process, u: Uitt | null): void {
  (p as unknown as { uitt?: Uitt | null }).uitt = u;
}

/** uvec fd ("[uvecfd]", RFC v1 "[uintrfd]"): a (receiver UPID, vector) pair senders register with. */
export class UvecFile extends FileObj {
  readonly kind = 'uvec';
  constructor(readonly receiver: Receiver, readonly vector: number, private rfc: boolean, private onRelease: (f: UvecFile) => void) {
    super();
    this.flags = O_RDONLY | O_NONBLOCK;
  }
  stat(): StatInfo {
    return baseStat(0, 0, 0x5000 + this.vector);
  }
  override poll(): number {
    return 0;
  }
  override release(): void {
    this.onRelease(this);
  }
  override describe(): string {
    return this.rfc ? 'anon_inode:[uintrfd]' : 'anon_inode:[uvecfd]';
  }
}

/** uipi fd ("[uipi_fd]"): refers to a process UITT; another process adopts it with UIPI_SET_TARGET_TABLE. */
export class UipiFile extends FileObj {
  readonly kind = 'uipi';
  constructor(readonly uitt: Uitt) {
    super();
    this.flags = O_RDONLY;
  }
  stat(): StatInfo {
    return baseStat(0, 0, 0x6000);
  }
  override describe(): string {
    return 'anon_inode:[uipi_fd]';
  }
}

/** Kernel memory allocator for UPIDs (64 bytes, 64-aligned) and UITTs (4 KiB) inside the kernel window. */
export class KernelWindow {
  private next = KERNEL_BASE;
  /** page -> frame of every allocated kernel page (installed into every address space). */
  readonly pages = new Map<number, number>();
  private freeUpids: number[] = [];

  constructor(private k: Kernel) {}

  alloc(size: number, align: number): number {
    let a: number;
    if (size === 64 && this.freeUpids.length) a = this.freeUpids.pop()!;
    else {
      a = Math.ceil(this.next / align) * align;
      if (a + size > KERNEL_BASE + KERNEL_SIZE) throw new Error('kernel window exhausted');
      this.next = a + size;
    }
    const pool = this.k.pool;
    for (let p = Math.floor(a / PAGE_SIZE); p <= Math.floor((a + size - 1) / PAGE_SIZE); p++) {
      if (this.pages.has(p)) continue;
      // a fresh frame held by the window itself, mapped (no user access) into every live address space
      const frame = pool.alloc();
      this.pages.set(p, frame);
      for (const m of pool.users) m.installShared(p, frame, 0);
    }
    for (let x = a; x < a + size; ) {
      const p = Math.floor(x / PAGE_SIZE);
      const n = Math.min(a + size - x, PAGE_SIZE - (x % PAGE_SIZE));
      const off = this.pages.get(p)! + (x % PAGE_SIZE);
      pool.u8.fill(0, off, off + n);
      x += n;
    }
    return a;
  }
  freeUpid(a: number): void {
    this.freeUpids.push(a);
  }
  /** Map the kernel window into a new address space (spawn, execve). */
  install(m: Memory): void {
    for (const [p, f] of this.pages) m.installShared(p, f, 0);
  }
  anyMemory(): Memory | null {
    for (const m of this.k.pool.users) return m;
    return null;
  }
}

/** The UINTR part of the kernel (one per Kernel). */
export class UintrKernel {
  readonly window: KernelWindow;
  /** Receivers blocked with the receiver-pays path (UPID.NV = 0xEB). */
  waitList: Receiver[] = [];

  constructor(readonly k: Kernel, readonly abi: UintrAbi, readonly enabled: boolean) {
    this.window = new KernelWindow(k);
  }

  private ev(t: Thread, kind: import('../uintr/events').UintrEventKind, d: Record<string, unknown>): void {
    this.k.uintrEvent(t, kind, d);
  }
  private mem(): Memory {
    return this.window.anyMemory()!;
  }

  /**
   * Why is a pending user interrupt of thread t (not) being delivered right now? One line for the
   * debugger's "Delivery" row and for tests. Checks, in order: anything pending at all (UIRR, or PIR bits
   * waiting in the UPID), kernel mode (blocked in a system call), no handler, UIF, MOV SS shadow, SN/ON.
   */
  explain(t: Thread): string {
    const u = t.cpu.ui;
    const r = threadUintr(t).receiver;
    const pir = r ? this.upidPir(r.upid) : 0n;
    const ctl = r ? this.upidCtl(r.upid) : 0;
    const uirr = u.uirr;
    const vecs = (m: bigint) => [...Array(64).keys()].filter((i) => (m >> BigInt(i)) & 1n).reverse().join(', ');
    if (!this.enabled) return 'UINTR is disabled (CR4.UINTR = 0): no user interrupts';
    if (t.state === TState.Exited) return 'thread has exited';
    if (uirr === 0n && pir === 0n) return r ? 'nothing pending (UIRR = 0, UPID.PIR = 0)' : 'not a receiver (no handler registered)';
    if (uirr === 0n) {
      const why = ctl & UPID_SN ? 'UPID.SN = 1 (thread switched out or unregistered): posted without notification' : ctl & UPID_ON ? 'UPID.ON = 1: notification in flight to APIC ' + ((supRead32(this.mem(), r!.upid + 4) >>> 8) & 0xff) : 'posted';
      return `vector(s) ${vecs(pir)} posted in UPID.PIR, not yet in UIRR: ${why}; replayed when the thread next returns to user mode`;
    }
    const pend = `vector ${u.uirrv} pending (UIRR ${vecs(uirr)})`;
    if (t.state === TState.Blocked) return `${pend}: thread is in the kernel (blocked in a system call): delivery waits for the return to user mode`;
    if (u.handler === 0) return `${pend}: no handler registered (UIHANDLER = 0)`;
    if (!u.uif) return `${pend}: UIF = 0 (interrupts disabled: CLUI, inside a handler, or STUI not yet executed)`;
    if (t.cpu.shadow) return `${pend}: MOV SS shadow: delivery after the next instruction`;
    if (u.uinv === 0) return `${pend}: deliverable (UINV = 0: the thread is switched out; delivered when it runs)`;
    return `${pend}: deliverable at the next instruction boundary`;
  }

  // ------------------------------------------------------------------ UPID helpers (supervisor access)

  upidCtl(upid: number): number {
    return supRead32(this.mem(), upid);
  }
  setUpidCtl(upid: number, v: number): void {
    supWrite32(this.mem(), upid, v);
  }
  setUpidNdst(upid: number, core: number): void {
    supWrite32(this.mem(), upid + 4, (core & 0xff) << 8); // xAPIC encoding
  }
  upidPir(upid: number): bigint {
    const m = this.mem();
    return (BigInt(supRead32(m, upid + 12) >>> 0) << 32n) | BigInt(supRead32(m, upid + 8) >>> 0);
  }

  // ------------------------------------------------------------------ hardware events

  /** SENDUIPI's notification IPI arriving at core `apic` (spec §1.8; kernel vector handling §2.6). */
  ipi(from: Thread, vector: number, apic: number, upid?: number): void {
    const k = this.k;
    const t = apic < k.cores.length ? k.cores[apic] : null;
    const running = !!t && t.state === TState.Runnable;
    const owner = upid === undefined ? undefined : this.ownerOf(upid);
    this.ev(from, 'notify', { vector, apic, targetRunning: running && (!owner || owner === t), coreThread: t?.tid, owner: owner?.tid });
    if (t && running && t.cpu.ui.uinv !== 0 && t.cpu.ui.uinv === vector) {
      processNotification(t.cpu, t.proc.mem);
      k.epoch++;
      return;
    }
    // Not taken as a user-interrupt notification: an ordinary kernel interrupt (0xEC spurious, 0xEB wait list)
    this.ev(from, 'notify-spurious', { vector, apic, reason: !t ? 'core idle' : !running ? 'its thread is blocked in the kernel' : `UINV ${t.cpu.ui.uinv} ≠ vector` });
    this.scanWaitList(from);
  }

  /** The thread whose UPID is at `upid` (a registered receiver), if any. */
  ownerOf(upid: number): Thread | undefined {
    for (const t of this.k.threads) if (threadUintr(t).receiver?.upid === upid) return t;
    return undefined;
  }

  /** Receiver-pays wake-up: blocked receivers whose UPID has ON=1 are woken (SN:=1, NV:=0xEC). */
  scanWaitList(from: Thread): void {
    for (const r of [...this.waitList]) {
      const ctl = this.upidCtl(r.upid);
      if (!(ctl & UPID_ON)) continue;
      this.setUpidCtl(r.upid, ((ctl | UPID_SN) & ~0xff0000) | (UINTR_NOTIFICATION_VECTOR << 16));
      this.waitList = this.waitList.filter((x) => x !== r);
      threadUintr(r.thread).onWaitList = false;
      this.wake(r.thread, 'receiver-pays (notification vector 0xEB)', from);
    }
    void from;
  }

  private wake(t: Thread, reason: string, by: Thread): void {
    const tu = threadUintr(t);
    if (t.state !== TState.Blocked) return;
    tu.wokenByUintr = true;
    // logged for the woken thread, at the waker's time and core (the blocked thread's own clock is stale)
    this.ev(t, 'wake', { reason, time: this.k.now + (by.cpu.icount - by.sliceStart), core: Math.max(by.core, 0) });
    this.k.epoch++;
  }

  /**
   * A thread leaves its core (preempted, blocked or exiting): §2.5 switch_uintr_prepare. Blocked receivers
   * registered with WAITING flags take the blocking path instead of SN=1.
   */
  switchOut(t: Thread): void {
    const tu = threadUintr(t);
    const r = tu.receiver;
    // only a currently registered receiver (uintr_unregister_handler clears UPIDADDR and leaves SN = 1)
    if (!r || !r.active || t.cpu.ui.upidAddr === 0) return;
    const ctl = this.upidCtl(r.upid);
    const blocking = t.state === TState.Blocked && r.waitingFlags !== 0 && this.isInterruptible(t);
    if (blocking && r.waitingFlags & UINTR_HANDLER_FLAG_WAITING_RECEIVER) {
      this.setUpidCtl(r.upid, (ctl & ~(UPID_SN | 0xff0000)) | (UINTR_KERNEL_VECTOR << 16));
      if (!this.waitList.includes(r)) this.waitList.push(r);
      tu.onWaitList = true;
      this.ev(t, 'switch-out', { action: 'blocked: receiver pays (NV := 0xEB, wait list)' });
    } else if (blocking) {
      this.setUpidCtl(r.upid, (ctl & ~UPID_SN) | UPID_BLKD);
      this.ev(t, 'switch-out', { action: 'blocked: sender pays (UPID status bit 7 BLKD set)' });
    } else {
      this.setUpidCtl(r.upid, ctl | UPID_SN);
      this.ev(t, 'switch-out', { action: 'SN := 1' });
    }
    // XSAVES of state component 14 into the thread's xsave area (this also clears UINV in the live state)
    (t as unknown as { uintrXsave?: Uint8Array }).uintrXsave = xsaveImage(t.cpu, true);
  }

  private isInterruptible(t: Thread): boolean {
    // every wait of the emulated kernel is an interruptible sleep except wait4 on children... Linux's waits
    // here (nanosleep, futex, read, poll, uintr_wait, wait4) are all TASK_INTERRUPTIBLE.
    return t.blockedSys >= 0;
  }

  /**
   * Last step of every return to user mode of a registered receiver (§2.5 switch_uintr_return, with the
   * spec's emulator shortcut): UINV := 0xEC, NDST := this core, SN := 0 (BLKD cleared), and PIR replayed
   * into UIRR (ON cleared). The engine then delivers before the first user instruction.
   */
  returnToUser(t: Thread): void {
    const r = threadUintr(t).receiver;
    // after uintr_unregister_handler the UPID stays allocated (SN = 1, PIR kept) but is not reloaded: posts
    // accumulate in PIR and are replayed only after the handler is registered again (spec §2.2, §2.4, §6.31)
    if (!r || !r.active || t.cpu.ui.upidAddr === 0) return;
    const u = t.cpu.ui;
    if (u.uinv === 0) u.uinv = UINTR_NOTIFICATION_VECTOR;
    const core = Math.max(t.core, 0);
    this.setUpidNdst(r.upid, core);
    const ctl = this.upidCtl(r.upid);
    let nctl = ((ctl & ~(UPID_SN | UPID_BLKD | 0xff0000)) | (UINTR_NOTIFICATION_VECTOR << 16)) >>> 0;
    const pir = this.upidPir(r.upid);
    if (pir !== 0n) {
      nctl &= ~UPID_ON;
      const m = this.mem();
      supWrite32(m, r.upid + 8, 0);
      supWrite32(m, r.upid + 12, 0);
      u.uirr = u.uirr | pir;
      updatePending(t.cpu);
      this.ev(t, 'replay', { pir: Number(pir), uirr: Number(u.uirr), ndst: (core & 0xff) << 8 });
      if (t.cpu.uiPending) this.ev(t, 'recognized', { uirr: Number(u.uirr), vector: u.uirrv });
    }
    if (nctl !== ctl >>> 0) this.setUpidCtl(r.upid, nctl | 0);
  }

  /** Thread exit (uintr_free): MSRs cleared, SN set, receiver inactive. */
  threadExit(t: Thread): void {
    const tu = threadUintr(t);
    const r = tu.receiver;
    if (r) {
      r.active = false;
      this.setUpidCtl(r.upid, this.upidCtl(r.upid) | UPID_SN);
      this.waitList = this.waitList.filter((x) => x !== r);
    }
    t.cpu.ui.reset();
    updatePending(t.cpu);
  }

  /** execve: nothing is inherited. */
  exec(t: Thread): void {
    this.threadExit(t);
    const tu = threadUintr(t);
    tu.receiver = null;
    tu.uitt = null;
    tu.senderFds.clear();
    setProcUitt(t.proc, null);
  }

  /** fork: the child process references the parent's UITT (later ABI); the child thread starts zeroed. */
  fork(parent: Process, child: Process): void {
    if (this.abi === 'v2') setProcUitt(child, procUitt(parent));
  }

  // ------------------------------------------------------------------ kernel fix-ups of UINTR faults

  /**
   * Called by the kernel before turning a UINTR #UD/#GP into a signal. Returns true when the kernel
   * handled the fault (the thread continues).
   */
  fixupFault(t: Thread, sig: number): boolean {
    const c = t.cpu;
    const dec = this.decodeSenduipi(t);
    if (!dec) return false;
    if (sig === 4 && this.abi === 'v2') {
      // #UD with IA32_UINTR_TT[0]=0: if the process has a UITT, program this thread's sender MSRs and
      // re-execute (other threads and fork children can send without registering)
      const uitt = procUitt(t.proc);
      if (uitt && !c.ui.ttValid) {
        this.programSender(t, uitt);
        return true;
      }
      return false;
    }
    if (sig === 11) {
      // #GP: sender-pays blocking (UPID status bit 7 "BLKD")
      const u = c.ui;
      const idx = c.getRegNum(dec.reg);
      if (!u.ttValid || idx > u.uittsz) return false;
      const table = this.uittAt(t, u.uittAddr);
      const e = table?.entries[idx];
      if (!e) return false;
      const r = e.receiver;
      const ctl = this.upidCtl(r.upid);
      if (!(ctl & UPID_BLKD)) return false;
      // test_and_clear(BLKD); post the vector; ON; wake the receiver; skip the SENDUIPI
      const m = this.mem();
      const lo = supRead32(m, r.upid + 8), hi = supRead32(m, r.upid + 12);
      if (e.vector < 32) supWrite32(m, r.upid + 8, lo | (1 << e.vector));
      else supWrite32(m, r.upid + 12, hi | (1 << (e.vector - 32)));
      this.setUpidCtl(r.upid, (ctl & ~UPID_BLKD) | UPID_ON);
      this.ev(t, 'senduipi', { rip: c.rip, index: idx, vector: e.vector, upid: r.upid, target: r.thread.tid, outcome: 'kernel: receiver blocked (sender pays): posted and woken' });
      this.wake(r.thread, 'sender pays (SENDUIPI #GP on BLKD)', t);
      c.rip += dec.len;
      return true;
    }
    return false;
  }

  private decodeSenduipi(t: Thread): { reg: number; len: number } | null {
    let b: Uint8Array;
    try {
      b = t.proc.mem.read(t.cpu.rip, 5);
    } catch {
      return null;
    }
    let i = 0;
    if (b[i] !== 0xf3) return null;
    i++;
    let rexb = 0;
    if ((b[i] & 0xf0) === 0x40) {
      rexb = b[i] & 1;
      i++;
    }
    if (b[i] !== 0x0f || b[i + 1] !== 0xc7) return null;
    const modrm = b[i + 2];
    if (modrm >> 6 !== 3 || ((modrm >> 3) & 7) !== 6) return null;
    return { reg: (modrm & 7) | (rexb << 3), len: i + 3 };
  }

  private uittAt(t: Thread, addr: number): Uitt | null {
    const p = procUitt(t.proc);
    if (p && p.addr === addr) return p;
    const own = threadUintr(t).uitt;
    if (own && own.addr === addr) return own;
    return null;
  }

  programSender(t: Thread, uitt: Uitt): void {
    const u = t.cpu.ui;
    u.uittAddr = uitt.addr;
    u.ttValid = 1;
    u.uittsz = UINTR_MAX_UITT_NR - 1;
  }

  // ------------------------------------------------------------------ system calls

  private notSupported(): number {
    return this.abi === 'v2' ? -E.ENOSYS : -E.EOPNOTSUPP;
  }

  registerHandler(t: Thread, handler: number, flags: number): number {
    if (!this.enabled) return this.notSupported();
    const okFlags = this.abi === 'v2' ? UINTR_HANDLER_FLAG_WAITING_ANY : 0;
    if (flags & ~okFlags) return -E.EINVAL;
    if (handler === 0) return -E.EFAULT;
    const tu = threadUintr(t);
    if (tu.receiver && tu.receiver.active && t.cpu.ui.upidAddr !== 0) return -E.EBUSY;
    let r = tu.receiver;
    if (!r) {
      r = new Receiver(t, this.window.alloc(64, 64));
      tu.receiver = r;
    }
    r.active = true;
    r.waitingFlags = flags & UINTR_HANDLER_FLAG_WAITING_RECEIVER ? UINTR_HANDLER_FLAG_WAITING_RECEIVER : flags & UINTR_HANDLER_FLAG_WAITING_SENDER;
    // UPID: NV = 0xEC, NDST = this core, SN/ON clear (the later code keeps PIR bits of an earlier registration)
    const ctl = this.upidCtl(r.upid);
    this.setUpidCtl(r.upid, ((ctl & UPID_ON) | (UINTR_NOTIFICATION_VECTOR << 16)) & ~UPID_SN);
    this.setUpidNdst(r.upid, Math.max(t.core, 0));
    const u = t.cpu.ui;
    u.handler = handler;
    u.upidAddr = r.upid;
    u.stackAdjust = OS_ABI_REDZONE;
    u.uinv = UINTR_NOTIFICATION_VECTOR;
    updatePending(t.cpu);
    return 0;
  }

  unregisterHandler(t: Thread, flags: number): number {
    if (!this.enabled) return this.notSupported();
    if (flags !== 0) return -E.EINVAL;
    const r = threadUintr(t).receiver;
    if (!r || !r.active || t.cpu.ui.upidAddr === 0) return -E.EINVAL;
    const u = t.cpu.ui;
    u.uinv = 0;
    u.upidAddr = 0;
    u.uirrLo = u.uirrHi = 0;
    u.stackAdjust = 0;
    u.handler = 0;
    updatePending(t.cpu);
    this.setUpidCtl(r.upid, this.upidCtl(r.upid) | UPID_SN);
    this.waitList = this.waitList.filter((x) => x !== r);
    if (this.abi === 'rfc-v1') r.active = false; // RFC v1: later register_sender -> ESHUTDOWN
    return 0;
  }

  vectorFd(t: Thread, vecLo: number, vecHi: number, flags: number): number {
    if (!this.enabled) return this.notSupported();
    if (flags !== 0) return -E.EINVAL;
    const r = threadUintr(t).receiver;
    if (!r || t.cpu.ui.upidAddr === 0) return -E.EINVAL;
    if (vecHi !== 0 || vecLo >>> 0 >= UINTR_MAX_UVEC_NR) return -E.ENOSPC;
    const vector = vecLo >>> 0;
    if (this.abi === 'rfc-v1' && (r.vectors >> BigInt(vector)) & 1n) return -E.EBUSY;
    r.vectors |= 1n << BigInt(vector);
    const f = new UvecFile(r, vector, this.abi === 'rfc-v1', (file) => this.uvecReleased(file));
    const fd = t.proc.fds.alloc(f, true);
    return fd < 0 ? -E.EMFILE : fd;
  }

  /** RFC v1: closing the last reference unregisters every sender connected through it and clears its PIR bit. */
  private uvecReleased(f: UvecFile): void {
    if (this.abi !== 'rfc-v1') return;
    const r = f.receiver;
    r.vectors &= ~(1n << BigInt(f.vector));
    for (const t of this.k.threads) {
      const tu = threadUintr(t);
      const idx = tu.senderFds.get(f);
      if (idx === undefined || !tu.uitt) continue;
      this.clearEntry(tu.uitt, idx);
      tu.senderFds.delete(f);
    }
    const m = this.mem();
    if (f.vector < 32) supWrite32(m, r.upid + 8, supRead32(m, r.upid + 8) & ~(1 << f.vector));
    else supWrite32(m, r.upid + 12, supRead32(m, r.upid + 12) & ~(1 << (f.vector - 32)));
  }

  private senderTable(t: Thread, create: boolean): Uitt | null {
    if (this.abi === 'rfc-v1') {
      const tu = threadUintr(t);
      if (!tu.uitt && create) tu.uitt = new Uitt(this.window.alloc(UINTR_MAX_UITT_NR * 16, 4096));
      return tu.uitt;
    }
    let u = procUitt(t.proc);
    if (!u && create) {
      u = new Uitt(this.window.alloc(UINTR_MAX_UITT_NR * 16, 4096));
      setProcUitt(t.proc, u);
    }
    return u;
  }

  private writeEntry(u: Uitt, idx: number, e: UittEntry): void {
    const m = this.mem();
    const a = u.addr + idx * 16;
    supWrite32(m, a, 1 | (e.vector << 8));
    supWrite32(m, a + 4, 0);
    supWrite32(m, a + 8, e.receiver.upid % 4294967296 | 0);
    supWrite32(m, a + 12, Math.floor(e.receiver.upid / 4294967296));
    u.entries[idx] = e;
  }
  private clearEntry(u: Uitt, idx: number): void {
    const m = this.mem();
    for (let i = 0; i < 16; i += 4) supWrite32(m, u.addr + idx * 16 + i, 0);
    u.entries[idx] = null;
  }

  registerSender(t: Thread, fd: number, flags: number): number {
    if (!this.enabled) return this.notSupported();
    if (flags !== 0) return -E.EINVAL;
    const f = t.proc.fds.get(fd);
    if (!f) return -E.EBADF;
    if (!(f instanceof UvecFile)) return -E.EOPNOTSUPP;
    const r = f.receiver;
    if (!r.active && (this.abi === 'rfc-v1' || r.thread.state === TState.Exited)) return -108; // ESHUTDOWN
    const tu = threadUintr(t);
    if (this.abi === 'rfc-v1' && tu.senderFds.has(f)) return -E.EISCONN;
    return this.addEntry(t, new UittEntry(r, f.vector), f);
  }

  private addEntry(t: Thread, e: UittEntry, f: FileObj | null): number {
    const u = this.senderTable(t, true)!;
    const idx = u.entries.indexOf(null);
    if (idx < 0) return -E.ENOSPC;
    this.writeEntry(u, idx, e);
    if (f) threadUintr(t).senderFds.set(f, idx);
    this.programSender(t, u);
    return idx;
  }

  unregisterSender(t: Thread, arg: number, flags: number): number {
    if (!this.enabled) return this.notSupported();
    if (flags !== 0) return -E.EINVAL;
    const tu = threadUintr(t);
    if (this.abi === 'rfc-v1') {
      const f = t.proc.fds.get(arg);
      if (!f) return -E.EBADF;
      if (!(f instanceof UvecFile)) return -E.EOPNOTSUPP;
      const idx = tu.senderFds.get(f);
      if (idx === undefined || !tu.uitt) return -E.EINVAL;
      this.clearEntry(tu.uitt, idx);
      tu.senderFds.delete(f);
      return 0;
    }
    const u = procUitt(t.proc);
    if (!u || arg < 0 || arg >= UINTR_MAX_UITT_NR || !u.entries[arg]) return -E.EINVAL;
    this.clearEntry(u, arg);
    return 0;
  }

  registerSelf(t: Thread, vecLo: number, vecHi: number, flags: number): number {
    if (!this.enabled) return this.notSupported();
    if (flags !== 0) return -E.EINVAL;
    const r = threadUintr(t).receiver;
    if (!r || t.cpu.ui.upidAddr === 0) return -E.EINVAL;
    if (vecHi !== 0 || vecLo >>> 0 >= UINTR_MAX_UVEC_NR) return -E.ENOSPC;
    r.vectors |= 1n << BigInt(vecLo >>> 0);
    return this.addEntry(t, new UittEntry(r, vecLo >>> 0), null);
  }

  altStack(t: Thread, sp: number, flags: number): number {
    if (!this.enabled) return this.notSupported();
    if (flags !== 0) return -E.EINVAL;
    if (!threadUintr(t).receiver || t.cpu.ui.upidAddr === 0) return -E.EOPNOTSUPP;
    t.cpu.ui.stackAdjust = sp ? sp - (sp % 2) + 1 : OS_ABI_REDZONE;
    return 0;
  }

  ipiFd(t: Thread, flags: number): number {
    if (!this.enabled) return this.notSupported();
    if (flags !== 0) return -E.EINVAL;
    const u = this.senderTable(t, true)!;
    const fd = t.proc.fds.alloc(new UipiFile(u), true);
    return fd < 0 ? -E.EMFILE : fd;
  }

  ioctl(t: Thread, f: FileObj, cmd: number): number | null {
    if (f instanceof UipiFile) {
      if (cmd !== UIPI_SET_TARGET_TABLE) return -E.EINVAL;
      if (procUitt(t.proc)) return -E.EBUSY;
      setProcUitt(t.proc, f.uitt);
      this.programSender(t, f.uitt);
      return 0;
    }
    if (f instanceof UvecFile) return -E.ENOTTY;
    return null;
  }

  /** uintr_wait: later ABI (usec, flags) or RFC v1 (flags). */
  wait(t: Thread): number {
    const k = this.k;
    const tu = threadUintr(t);
    if (t.restarting) {
      if (tu.wokenByUintr) return -E.EINTR;
      if (t.timedOut) return 0;
      return BLOCKED;
    }
    if (!this.enabled) return this.notSupported();
    if (this.abi === 'rfc-v1') {
      if (k.argi(t, 0) !== 0) return -E.EINVAL;
      const r = tu.receiver;
      if (!r || t.cpu.ui.upidAddr === 0) return -E.EOPNOTSUPP;
      // RFC v1: always receiver pays (NV := 0xEB + wait list), returns EINTR when woken
      const saved = r.waitingFlags;
      r.waitingFlags = UINTR_HANDLER_FLAG_WAITING_RECEIVER;
      t.cancelWait = () => {
        r.waitingFlags = saved;
      };
      this.ev(t, 'block', { syscall: 'uintr_wait', mode: 'receiver pays' });
      return BLOCKED;
    }
    const usec = k.arg(t, 0), flags = k.argi(t, 1);
    if (flags !== 0 || usec > UINTR_WAIT_MAX_USEC) return -E.EINVAL;
    if (usec === 0) return 0;
    if (!tu.receiver || t.cpu.ui.upidAddr === 0) return -E.EOPNOTSUPP;
    t.deadline = k.now + (t.cpu.icount - t.sliceStart) + usec * 1000;
    this.ev(t, 'block', { syscall: 'uintr_wait', mode: tu.receiver.waitingFlags ? (tu.receiver.waitingFlags & UINTR_HANDLER_FLAG_WAITING_RECEIVER ? 'receiver pays' : 'sender pays') : 'plain sleep (no WAITING flags)' });
    return BLOCKED;
  }
}

// ------------------------------------------------------------------ system call registration

function uk(k: Kernel): UintrKernel {
  return k.uintr;
}
function whenAbi(abi: UintrAbi, h: (k: Kernel, t: Thread) => number) {
  return (k: Kernel, t: Thread) => (uk(k).abi === abi ? h(k, t) : -E.ENOSYS);
}
function logged(name: string, h: (k: Kernel, t: Thread) => number) {
  return (k: Kernel, t: Thread) => {
    const r = h(k, t);
    if (r !== BLOCKED && r !== NORETURN) k.uintrEvent(t, 'syscall', { name, args: [0, 1, 2].map((i) => k.arg(t, i)), result: r });
    return r;
  };
}

// later ABI (471-479)
def(471, 'uintr_register_handler', whenAbi('v2', logged('uintr_register_handler', (k, t) => uk(k).registerHandler(t, k.arg(t, 0), k.argi(t, 1)))));
def(472, 'uintr_unregister_handler', whenAbi('v2', logged('uintr_unregister_handler', (k, t) => uk(k).unregisterHandler(t, k.argi(t, 0)))));
def(473, 'uintr_vector_fd', whenAbi('v2', logged('uintr_vector_fd', (k, t) => uk(k).vectorFd(t, t.cpu.r[14], t.cpu.r[15], k.argi(t, 1)))));
def(474, 'uintr_register_sender', whenAbi('v2', logged('uintr_register_sender', (k, t) => uk(k).registerSender(t, k.argi(t, 0), k.argi(t, 1)))));
def(475, 'uintr_unregister_sender', whenAbi('v2', logged('uintr_unregister_sender', (k, t) => uk(k).unregisterSender(t, k.argi(t, 0), k.argi(t, 1)))));
def(476, 'uintr_wait', whenAbi('v2', logged('uintr_wait', (k, t) => uk(k).wait(t))));
def(477, 'uintr_register_self', whenAbi('v2', logged('uintr_register_self', (k, t) => uk(k).registerSelf(t, t.cpu.r[14], t.cpu.r[15], k.argi(t, 1)))));
def(478, 'uintr_alt_stack', whenAbi('v2', logged('uintr_alt_stack', (k, t) => uk(k).altStack(t, k.arg(t, 0), k.argi(t, 2)))));
def(479, 'uintr_ipi_fd', whenAbi('v2', logged('uintr_ipi_fd', (k, t) => uk(k).ipiFd(t, k.argi(t, 0)))));
// RFC v1 (449-454)
def(449, 'uintr_register_handler(rfc-v1)', whenAbi('rfc-v1', logged('uintr_register_handler', (k, t) => uk(k).registerHandler(t, k.arg(t, 0), k.argi(t, 1)))));
def(450, 'uintr_unregister_handler(rfc-v1)', whenAbi('rfc-v1', logged('uintr_unregister_handler', (k, t) => uk(k).unregisterHandler(t, k.argi(t, 0)))));
def(451, 'uintr_create_fd(rfc-v1)', whenAbi('rfc-v1', logged('uintr_create_fd', (k, t) => uk(k).vectorFd(t, t.cpu.r[14], t.cpu.r[15], k.argi(t, 1)))));
def(452, 'uintr_register_sender(rfc-v1)', whenAbi('rfc-v1', logged('uintr_register_sender', (k, t) => uk(k).registerSender(t, k.argi(t, 0), k.argi(t, 1)))));
def(453, 'uintr_unregister_sender(rfc-v1)', whenAbi('rfc-v1', logged('uintr_unregister_sender', (k, t) => uk(k).unregisterSender(t, k.argi(t, 0), k.argi(t, 1)))));
def(454, 'uintr_wait(rfc-v1)', whenAbi('rfc-v1', logged('uintr_wait', (k, t) => uk(k).wait(t))));
