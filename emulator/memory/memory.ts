/**
 * Guest address space of one process.
 *
 * Why this shape: the hot path of every load and store is "page table lookup + DataView access". Guest
 * virtual addresses are limited to the low 4 GiB (the emulated kernel chooses every mapping address, and
 * ET_EXEC programs link at 0x400000), so a page number fits in 20 bits and the page tables are flat
 * Int32Arrays indexed by `addr >>> 12` holding the byte offset of the page's frame in one backing
 * ArrayBuffer (or a negative value). Two tables act as a software TLB:
 *   rd[page] >= 0  : the page is readable and materialized at that offset
 *   wr[page] >= 0  : the page is writable, materialized, holds no translated code and is not watched
 * Anything else goes to the slow path, which materializes lazily mapped pages, invalidates translated
 * code (self-modifying code), reports watchpoint hits and raises guest faults (SIGSEGV).
 */

export const PAGE_SIZE = 4096;
export const PAGE_SHIFT = 12;
export const ADDR_LIMIT = 0x1_0000_0000; // 4 GiB: the emulated address space
const NPAGES = ADDR_LIMIT / PAGE_SIZE;

export const PROT_READ = 1;
export const PROT_WRITE = 2;
export const PROT_EXEC = 4;

/** A guest memory fault. Thrown from the slow path; the CPU turns it into SIGSEGV/SIGBUS at the faulting insn. */
export class GuestFault extends Error {
  constructor(
    readonly addr: number,
    readonly write: boolean,
    /** SEGV_MAPERR (1): nothing mapped; SEGV_ACCERR (2): mapped but not allowed. */
    readonly code: number,
    readonly sig = 11,
  ) {
    super(`guest fault at 0x${addr.toString(16)}`);
  }
}

/** Called when a store hits a page that holds translated code (block cache invalidation). */
export type CodeWriteHook = (page: number) => void;
/**
 * Called (before the store) when a store hits a watched page; used by data breakpoints. `supervisor`: a
 * store by the emulated kernel / UINTR hardware (supWrite32), else a user-mode or kernel copy-out store. The
 * hook may throw (a GuestFault subclass) to abort a guest instruction before its store.
 */
export type WatchHook = (addr: number, size: number, supervisor: boolean) => void;

/**
 * Physical frames shared by all address spaces of one emulated machine: fork() copies private pages and
 * shares MAP_SHARED ones (the same frame appears in both page tables). When the pool grows, every address
 * space using it gets the new buffer views.
 */
export class FramePool {
  buf: ArrayBuffer;
  u8: Uint8Array;
  private top = 0;
  private free: number[] = [];
  /** Reference count per frame (index = offset / 4096). */
  refs = new Int32Array(0);
  readonly users = new Set<Memory>();

  constructor(initialBytes = 16 * 1024 * 1024) {
    this.buf = new ArrayBuffer(initialBytes);
    this.u8 = new Uint8Array(this.buf);
    this.refs = new Int32Array(initialBytes / PAGE_SIZE);
  }
  alloc(): number {
    const f = this.free.pop();
    if (f !== undefined) {
      this.u8.fill(0, f, f + PAGE_SIZE);
      this.refs[f / PAGE_SIZE] = 1;
      return f;
    }
    if (this.top + PAGE_SIZE > this.buf.byteLength) this.grow();
    const off = this.top;
    this.top += PAGE_SIZE;
    this.refs[off / PAGE_SIZE] = 1;
    return off;
  }
  ref(f: number): void {
    this.refs[f / PAGE_SIZE]++;
  }
  release(f: number): void {
    if (--this.refs[f / PAGE_SIZE] === 0) this.free.push(f);
  }
  private grow(): void {
    const nb = new ArrayBuffer(this.buf.byteLength * 2);
    new Uint8Array(nb).set(this.u8);
    this.buf = nb;
    this.u8 = new Uint8Array(nb);
    const r = new Int32Array(nb.byteLength / PAGE_SIZE);
    r.set(this.refs);
    this.refs = r;
    for (const m of this.users) m.attach();
  }
}

export class Memory {
  /** Byte offset of each page's frame in `buf` when readable, else -1 (unmapped) / -2 (mapped, not materialized). */
  rd: Int32Array;
  /** Same for fast writes; -1 when a store must take the slow path. */
  wr: Int32Array;
  /** PROT_* bits of every mapped page; 0 = unmapped. */
  prot: Uint8Array;
  /** Pages that hold translated code (stores invalidate). */
  code: Uint8Array;
  /** Pages with a watchpoint (stores call the watch hook). */
  watched: Uint8Array;
  /** MAP_SHARED pages (shared with fork children). */
  shared: Uint8Array;
  buf!: ArrayBuffer;
  dv!: DataView;
  u8!: Uint8Array;
  /** High half of the last r64() result (avoids allocating a pair). */
  t = 0;
  onCodeWrite: CodeWriteHook | null = null;
  onWatch: WatchHook | null = null;
  /** Materialized page count (for statistics). */
  pages = 0;

  constructor(readonly pool: FramePool = new FramePool()) {
    this.rd = new Int32Array(NPAGES).fill(-1);
    this.wr = new Int32Array(NPAGES).fill(-1);
    this.prot = new Uint8Array(NPAGES);
    this.code = new Uint8Array(NPAGES);
    this.watched = new Uint8Array(NPAGES);
    this.shared = new Uint8Array(NPAGES);
    pool.users.add(this);
    this.attach();
  }

  /** (Re)take the pool's buffer views (after the pool grew). */
  attach(): void {
    this.buf = this.pool.buf;
    this.dv = new DataView(this.buf);
    this.u8 = this.pool.u8;
  }

  /** This address space is gone (process exit/exec): give its frames back. */
  destroy(): void {
    for (let p = 0; p < NPAGES; p++) if (this.prot[p] !== 0) {
      const f = this.frameOf(p);
      if (f >= 0) this.pool.release(f);
    }
    this.hidden.clear();
    this.rd.fill(-1);
    this.wr.fill(-1);
    this.prot.fill(0);
    this.pool.users.delete(this);
  }

  // ---------------------------------------------------------------- mapping

  /** Map [addr, addr+len) with prot; pages are materialized (zero-filled) lazily on first touch. */
  map(addr: number, len: number, prot: number, shared = false): void {
    const first = Math.floor(addr / PAGE_SIZE);
    const last = Math.floor((addr + len - 1) / PAGE_SIZE);
    for (let p = first; p <= last; p++) {
      if (this.prot[p] !== 0) {
        if (this.code[p]) this.invalidateCode(p);
        if (this.frameOf(p) >= 0) this.releaseFrame(p);
      }
      this.shared[p] = shared ? 1 : 0;
      this.prot[p] = prot | 0x80; // 0x80 marks "mapped" even for PROT_NONE
      this.rd[p] = -2;
      this.wr[p] = -1;
    }
  }

  unmap(addr: number, len: number): void {
    const first = Math.floor(addr / PAGE_SIZE);
    const last = Math.floor((addr + len - 1) / PAGE_SIZE);
    for (let p = first; p <= last; p++) {
      if (this.prot[p] === 0) continue;
      if (this.code[p]) this.invalidateCode(p);
      if (this.rd[p] >= 0 || this.frameOf(p) >= 0) this.releaseFrame(p);
      this.prot[p] = 0;
      this.rd[p] = -1;
      this.wr[p] = -1;
    }
  }

  /** mprotect: keeps contents. */
  protect(addr: number, len: number, prot: number): void {
    const first = Math.floor(addr / PAGE_SIZE);
    const last = Math.floor((addr + len - 1) / PAGE_SIZE);
    for (let p = first; p <= last; p++) {
      if (this.prot[p] === 0) continue;
      this.prot[p] = prot | 0x80;
      this.refreshTlb(p);
    }
  }

  isMapped(page: number): boolean {
    return this.prot[page] !== 0;
  }

  /** Is every page of the range mapped? */
  rangeMapped(addr: number, len: number): boolean {
    if (addr < 0 || addr + len > ADDR_LIMIT) return false;
    const first = Math.floor(addr / PAGE_SIZE);
    const last = Math.floor((addr + len - 1) / PAGE_SIZE);
    for (let p = first; p <= last; p++) if (this.prot[p] === 0) return false;
    return true;
  }

  /** Lowest free range of len bytes at or above hint, below limit (page aligned). -1 if none. */
  findFree(len: number, hint: number, limit = ADDR_LIMIT): number {
    const n = Math.ceil(len / PAGE_SIZE);
    let run = 0;
    for (let p = Math.floor(hint / PAGE_SIZE); p < limit / PAGE_SIZE; p++) {
      if (this.prot[p] === 0) {
        run++;
        if (run === n) return (p - n + 1) * PAGE_SIZE;
      } else run = 0;
    }
    return -1;
  }

  /** Highest free range of len bytes ending at or below `below` (top-down, like Linux mmap). */
  findFreeTopDown(len: number, below: number, floor = 0x10000): number {
    const n = Math.ceil(len / PAGE_SIZE);
    let run = 0;
    for (let p = Math.floor(below / PAGE_SIZE) - 1; p >= floor / PAGE_SIZE; p--) {
      if (this.prot[p] === 0) {
        run++;
        if (run === n) return p * PAGE_SIZE;
      } else run = 0;
    }
    return -1;
  }

  // frames: rd holds the offset when materialized; a separate map tracks frames of pages that are
  // materialized but currently not readable (PROT_NONE / write-only).
  private hidden = new Map<number, number>();

  private frameOf(p: number): number {
    if (this.rd[p] >= 0) return this.rd[p];
    const h = this.hidden.get(p);
    return h === undefined ? -1 : h;
  }

  private allocFrame(): number {
    return this.pool.alloc();
  }

  private releaseFrame(p: number): void {
    const f = this.frameOf(p);
    if (f >= 0) this.pool.release(f);
    this.hidden.delete(p);
    this.rd[p] = -2;
    this.wr[p] = -1;
    this.pages--;
  }

  private materialize(p: number): number {
    let f = this.frameOf(p);
    if (f >= 0) return f;
    f = this.allocFrame();
    this.pages++;
    this.hidden.set(p, f);
    this.refreshTlb(p);
    return f;
  }

  /** Recompute the fast-path entries of page p from its protection, code and watch state. */
  refreshTlb(p: number): void {
    const f = this.frameOf(p);
    const prot = this.prot[p];
    if (f < 0) {
      this.rd[p] = prot ? -2 : -1;
      this.wr[p] = -1;
      return;
    }
    if (prot & PROT_READ || prot & PROT_EXEC) {
      this.rd[p] = f;
      this.hidden.delete(p);
    } else {
      this.rd[p] = -1;
      this.hidden.set(p, f);
    }
    this.wr[p] = prot & PROT_WRITE && !this.code[p] && !this.watched[p] ? f : -1;
  }

  /** Mark a page as holding translated code: stores to it take the slow path. */
  markCode(p: number): void {
    if (!this.code[p]) {
      this.code[p] = 1;
      this.wr[p] = -1;
    }
  }

  private invalidateCode(p: number): void {
    this.code[p] = 0;
    if (this.onCodeWrite) this.onCodeWrite(p);
    this.refreshTlb(p);
  }

  setWatched(p: number, on: boolean): void {
    this.watched[p] = on ? 1 : 0;
    this.refreshTlb(p);
  }

  // ---------------------------------------------------------------- slow paths

  /** Translate for a guest access; materializes, checks permission, throws GuestFault. */
  private slowOffset(a: number, write: boolean, size: number): number {
    if (!(a >= 0 && a < ADDR_LIMIT)) throw new GuestFault(a < 0 || a >= 2 ** 64 ? 0 : a, write, 1);
    const p = a >>> PAGE_SHIFT;
    const prot = this.prot[p];
    if (prot === 0) throw new GuestFault(a, write, 1);
    if (write ? !(prot & PROT_WRITE) : !(prot & (PROT_READ | PROT_EXEC))) throw new GuestFault(a, write, 2);
    const f = this.materialize(p);
    if (write) {
      if (this.watched[p] && this.onWatch) this.onWatch(a, size, false);
      if (this.code[p]) this.invalidateCode(p);
    }
    return f + (a & 4095);
  }

  // Byte-wise slow accessors (page-crossing, permission or materialization cases).
  private slowR8(a: number): number {
    return this.u8[this.slowOffset(a, false, 1)];
  }
  private slowW8(a: number, v: number): void {
    this.u8[this.slowOffset(a, true, 1)] = v;
  }
  private slowRead(a: number, n: number): number {
    // little-endian compose of n (<=4) bytes; checks each page (faults on the first bad byte)
    let v = 0;
    for (let i = 0; i < n; i++) v |= this.slowR8(a + i) << (8 * i);
    return v;
  }
  private slowWrite(a: number, n: number, v: number): void {
    // Check both pages before writing anything so a fault leaves memory unchanged.
    this.slowOffset(a, true, n);
    this.slowOffset(a + n - 1, true, n);
    for (let i = 0; i < n; i++) this.slowW8(a + i, (v >>> (8 * i)) & 0xff);
  }

  // ---------------------------------------------------------------- fast accessors (hot path)

  r8(a: number): number {
    if (a >= 0 && a < ADDR_LIMIT) {
      const f = this.rd[a >>> 12];
      if (f >= 0) return this.u8[f + (a & 4095)];
    }
    return this.slowR8(a);
  }
  r16(a: number): number {
    if (a >= 0 && a < ADDR_LIMIT && (a & 4095) <= 4094) {
      const f = this.rd[a >>> 12];
      if (f >= 0) return this.dv.getUint16(f + (a & 4095), true);
    }
    return this.slowRead(a, 2);
  }
  r32(a: number): number {
    if (a >= 0 && a < ADDR_LIMIT && (a & 4095) <= 4092) {
      const f = this.rd[a >>> 12];
      if (f >= 0) return this.dv.getInt32(f + (a & 4095), true);
    }
    return this.slowRead(a, 4) | 0;
  }
  /** 64-bit load: returns the low half, leaves the high half in `this.t`. */
  r64(a: number): number {
    if (a >= 0 && a < ADDR_LIMIT && (a & 4095) <= 4088) {
      const f = this.rd[a >>> 12];
      if (f >= 0) {
        const o = f + (a & 4095);
        this.t = this.dv.getInt32(o + 4, true);
        return this.dv.getInt32(o, true);
      }
    }
    const lo = this.slowRead(a, 4) | 0;
    this.t = this.slowRead(a + 4, 4) | 0;
    return lo;
  }
  w8(a: number, v: number): void {
    if (a >= 0 && a < ADDR_LIMIT) {
      const f = this.wr[a >>> 12];
      if (f >= 0) {
        this.u8[f + (a & 4095)] = v;
        return;
      }
    }
    this.slowW8(a, v & 0xff);
  }
  w16(a: number, v: number): void {
    if (a >= 0 && a < ADDR_LIMIT && (a & 4095) <= 4094) {
      const f = this.wr[a >>> 12];
      if (f >= 0) {
        this.dv.setUint16(f + (a & 4095), v, true);
        return;
      }
    }
    this.slowWrite(a, 2, v);
  }
  w32(a: number, v: number): void {
    if (a >= 0 && a < ADDR_LIMIT && (a & 4095) <= 4092) {
      const f = this.wr[a >>> 12];
      if (f >= 0) {
        this.dv.setInt32(f + (a & 4095), v, true);
        return;
      }
    }
    this.slowWrite(a, 4, v);
  }
  w64(a: number, lo: number, hi: number): void {
    if (a >= 0 && a < ADDR_LIMIT && (a & 4095) <= 4088) {
      const f = this.wr[a >>> 12];
      if (f >= 0) {
        const o = f + (a & 4095);
        this.dv.setInt32(o, lo, true);
        this.dv.setInt32(o + 4, hi, true);
        return;
      }
    }
    // check the whole range first: a fault must leave memory unchanged
    this.slowOffset(a, true, 8);
    this.slowOffset(a + 7, true, 8);
    this.slowWrite(a, 4, lo);
    this.slowWrite(a + 4, 4, hi);
  }

  /** A supervisor (kernel/UINTR hardware) store is about to happen: report it to data watchpoints. */
  notifySupervisorWrite(a: number, size: number): void {
    if (this.watched[a >>> PAGE_SHIFT] && this.onWatch) this.onWatch(a, size, true);
  }

  /** Map an existing frame (shared kernel memory) at page p with the given user protection. */
  installShared(p: number, frame: number, prot: number): void {
    if (this.prot[p] !== 0 && this.frameOf(p) >= 0) this.releaseFrame(p);
    this.pool.ref(frame);
    this.prot[p] = prot | 0x80;
    this.shared[p] = 1;
    this.hidden.set(p, frame);
    this.pages++;
    this.refreshTlb(p);
  }

  /** Check that a store of n bytes at a would succeed (no side effects except materialization). */
  probeWrite(a: number, n: number): void {
    this.slowOffset(a, true, n);
    if (n > 1) this.slowOffset(a + n - 1, true, n);
  }
  probeRead(a: number, n: number): void {
    this.slowOffset(a, false, n);
    if (n > 1) this.slowOffset(a + n - 1, false, n);
  }

  // ---------------------------------------------------------------- bulk access (kernel, loader, debugger)

  /** Copy guest bytes out. Throws GuestFault (kernel turns it into EFAULT). */
  read(a: number, n: number): Uint8Array {
    const out = new Uint8Array(n);
    let i = 0;
    while (i < n) {
      const off = this.slowOffset(a + i, false, 1);
      const chunk = Math.min(n - i, PAGE_SIZE - ((a + i) & 4095));
      out.set(this.u8.subarray(off, off + chunk), i);
      i += chunk;
    }
    return out;
  }

  /** Copy bytes into guest memory, honouring permissions unless force (loader / debugger). */
  write(a: number, data: Uint8Array, force = false): void {
    let i = 0;
    while (i < data.length) {
      const chunk = Math.min(data.length - i, PAGE_SIZE - ((a + i) & 4095));
      const off = force ? this.forceOffset(a + i) : this.slowOffset(a + i, true, chunk);
      if (force && this.code[(a + i) >>> 12]) this.invalidateCode((a + i) >>> 12);
      this.u8.set(data.subarray(i, i + chunk), off);
      i += chunk;
    }
  }

  /** Offset for privileged access (loader, debugger, kernel-owned structures): ignores protection. */
  forceOffset(a: number): number {
    if (!(a >= 0 && a < ADDR_LIMIT)) throw new GuestFault(a, true, 1);
    const p = a >>> PAGE_SHIFT;
    if (this.prot[p] === 0) throw new GuestFault(a, true, 1);
    return this.materialize(p) + (a & 4095);
  }

  /** Read a NUL-terminated string (kernel side); throws GuestFault. */
  readCString(a: number, max = 4096): string {
    const bytes: number[] = [];
    for (let i = 0; i < max; i++) {
      const b = this.u8[this.slowOffset(a + i, false, 1)];
      if (b === 0) break;
      bytes.push(b);
    }
    return Buffer.from(bytes).toString('utf8');
  }

  readU64(a: number): number {
    const lo = this.r32(a) >>> 0;
    const hi = this.r32(a + 4) >>> 0;
    return hi * 0x1_0000_0000 + lo;
  }
  writeU64(a: number, v: number): void {
    this.w64(a, v % 0x1_0000_0000 | 0, Math.floor(v / 0x1_0000_0000) | 0);
  }

  /** fork(): private pages are copied, MAP_SHARED pages are shared (same frame). */
  clone(): Memory {
    const m = new Memory(this.pool);
    m.prot.set(this.prot);
    m.shared.set(this.shared);
    for (let p = 0; p < NPAGES; p++) {
      if (this.prot[p] === 0) continue;
      let f = this.frameOf(p);
      if (this.shared[p]) {
        if (f < 0) f = this.materialize(p); // both processes must see the same frame
        this.pool.ref(f);
        m.pages++;
        m.hidden.set(p, f);
        m.refreshTlb(p);
        continue;
      }
      if (f < 0) {
        m.rd[p] = -2;
        continue;
      }
      const nf = m.allocFrame();
      const u8 = this.pool.u8; // may have grown in allocFrame
      m.pages++;
      u8.copyWithin(nf, f, f + PAGE_SIZE);
      m.hidden.set(p, nf);
      m.refreshTlb(p);
    }
    return m;
  }

  /** Iterate mapped regions (for /proc/self/maps and the debugger). */
  *regions(): Generator<{ start: number; end: number; prot: number }> {
    let p = 0;
    while (p < NPAGES) {
      if (this.prot[p] === 0) {
        p++;
        continue;
      }
      const prot = this.prot[p] & 7;
      const s = p;
      while (p < NPAGES && this.prot[p] !== 0 && (this.prot[p] & 7) === prot) p++;
      yield { start: s * PAGE_SIZE, end: p * PAGE_SIZE, prot };
    }
  }
}
