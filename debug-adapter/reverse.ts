/**
 * Reverse execution (stepBack, reverseContinue, going back to a UINTR event) by deterministic replay.
 *
 * The machine is deterministic: the same program, options and seed give the same instruction stream,
 * however it is cut into run() pieces and whatever breakpoints are set (test/dap/machine.test.ts). So any
 * earlier point of a session can be reached again by starting a fresh machine and running it forward to
 * that point's Position (instructions run so far, then a thread's next boundary, or its fault / signal hook,
 * at a given RIP), re-applying on the
 * way every change the debugger made (the machine's journal: registers, memory, UINTR fields, posted
 * interrupts). No snapshots are kept: a reverse step costs a replay from the start (about the time the
 * program took to get there, at full speed, without breakpoints).
 *
 *  - stepBack (instruction): back to the boundary before the thread's previous step (an instruction, or a
 *    user-interrupt / signal delivery that moved its RIP). The positions of the thread's steps are found by
 *    replaying a window before the current position with instruction steps of that thread, widened (×8)
 *    until it holds an earlier step, or reaches the start.
 *  - stepBack (line, the default where the PC has line information; gdb's reverse-next): back to the start
 *    of the current line if the thread is in its middle, else to the start of the previous line run in this
 *    frame or an outer one; calls and user-interrupt handlers in between are stepped over.
 *  - reverseContinue: replays from the start with the session's stops (breakpoints, filters, data
 *    breakpoints) to find the last one before the current position, then replays again to that stop (the
 *    k-th). Without one, the session goes back to the start (the entry point).
 *
 *  - goToEvent: replays until the UINTR event with that seq is logged, stopping at the next boundary.
 *
 * Replays are generators (Work) that yield every CHUNK instructions: the session runs them in slices of the
 * event loop, so requests are answered and `pause` can cancel. Right after a step, the session itself knows
 * where the step started (its timeline of stops) and uses replayTo, one replay instead of the search's two.
 *
 * Limits: files the guest reads must not change meanwhile; hit counts restart from 0 on reverseContinue
 * (they then count the hits up to the position reached); no snapshots.
 */
import type { Machine, Position, JournalEntry, Stop, Thread } from '../emulator/machine';
import type { DebugInfo } from './dwarf/index';

export class ReplayError extends Error {}

/**
 * A replay is a generator: it yields after every piece of CHUNK instructions, so the adapter can run it in
 * slices of the event loop (requests, pause = cancel, progress) instead of blocking. `finish` runs one to the
 * end at once.
 */
export type Work<T> = Generator<void, T, void>;
const CHUNK = 2_000_000;

export function finish<T>(w: Work<T>): T {
  for (;;) {
    const r = w.next();
    if (r.done) return r.value;
  }
}

export function samePosition(a: Position, b: Position): boolean {
  return a.total === b.total && a.tid === b.tid && a.rip === b.rip && (a.hook ?? 'boundary') === (b.hook ?? 'boundary');
}

/** What the replay needs from the session. */
export interface ReplayHost {
  /** A new machine for the same program, options and io, loaded, nothing run. */
  fresh(): Machine;
  /** Install the session's stops on m (all = false: only the hooks that change guest state, e.g. .uasm thread start). */
  configure(m: Machine, all: boolean): void;
  /** Restart every breakpoint hit count at 0. */
  resetHitCounts(): void;
}

/** One stop of a thread's instruction steps, with what the line logic needs. */
interface StepPos {
  pos: Position;
  icount: number;
  rip: number;
  rsp: number;
  depth: number;
}

const MAX_WINDOW = Number.MAX_SAFE_INTEGER;

/** A replayed machine: fresh, configured, at `pos` of the timeline of `journal`. */
export class Replay {
  readonly m: Machine;
  /** Journal entries applied so far. */
  private next = 0;
  /** The last landing (stopAtBoundary) position. */
  private landed: Position | null = null;

  constructor(private host: ReplayHost, private journal: readonly JournalEntry[], stops: boolean) {
    this.m = host.fresh();
    host.configure(this.m, stops);
  }

  get total(): number {
    return this.m.kernel.totalInsns;
  }

  /**
   * Run to `limit` instructions, applying the journal on the way. Stops met before the limit (when stops
   * are configured) go to `onStop`; if it returns true the replay ends there and that stop is returned.
   * Returns null at the limit. Options: `inclusive` also applies the changes made at the limit itself;
   * `atLimit` also passes on stops at the limit; `loose` accepts ending just past a limit that is not a
   * position (a system call counts its cost at once); `afterChange` runs after a change was applied (the
   * landing before it ended any step in progress).
   */
  *runTo(limit: number, o: RunOptions = {}): Work<Stop | null> {
    for (;;) {
      const e = this.journal[this.next];
      const due = e && (e.pos.total < limit || (o.inclusive && e.pos.total === limit));
      const stop = yield* this.runUntil(due ? e.pos.total : limit, o.onStop, !due && !!o.loose, !due && !!o.atLimit);
      if (stop) return stop;
      if (!due) return null;
      if (e.pos.tid !== null && !this.isAt(e.pos)) {
        const s = this.land(e.pos);
        if (!s.landing && o.onStop && o.onStop(s)) {
          // a real stop at the very boundary of the change: part of the timeline; the change follows it
          this.applyAt(e.pos);
          return s;
        }
      }
      this.applyAt(e.pos);
      o.afterChange?.();
    }
  }

  private applyAt(pos: Position): void {
    for (let e = this.journal[this.next]; e && samePosition(e.pos, pos); e = this.journal[++this.next]) this.m.applyJournal(e);
  }

  /** Landed at pos (a thread's boundary) already, with nothing run since. */
  private isAt(pos: Position): boolean {
    const l = this.landed;
    return l !== null && samePosition(l, pos) && this.total === pos.total;
  }

  /**
   * Run (budgeted) until exactly `limit` instructions (loose: or just past it, for a limit that is not a
   * position: a system call counts its cost at once); stops that come at the limit itself are not passed on.
   */
  private *runUntil(limit: number, onStop?: (s: Stop) => boolean, loose = false, atLimit = false): Work<Stop | null> {
    const m = this.m;
    while (this.total < limit) {
      const r = m.run(Math.min(limit - this.total, CHUNK));
      if (r.kind === 'ended') throw new ReplayError(`replay diverged: the program ended after ${this.total} instructions, before ${limit}`);
      if (r.kind === 'stopped') {
        if ((this.total < limit || atLimit) && onStop && onStop(r.stop)) return r.stop;
        m.resume();
      }
      yield;
    }
    if (this.total !== limit && !loose) throw new ReplayError(`replay diverged: ran to ${this.total} instructions instead of ${limit}`);
    return null;
  }

  /** Stop in the hook of `pos` (its thread's next boundary, by default), with nothing run before it. Returns the stop (a real one if the session's stops hit there). */
  land(pos: Position): Stop {
    const m = this.m;
    const before = this.total;
    m.stopAtBoundary(pos.tid, pos.rip, pos.hook);
    const r = m.run(1);
    m.stopAtBoundary(null);
    if (r.kind !== 'stopped' || this.total !== before || !samePosition(m.position(), pos)) {
      throw new ReplayError(`replay diverged: thread ${pos.tid} was not at ${pos.hook ?? 'a boundary'}${pos.rip !== undefined ? ' at 0x' + pos.rip.toString(16) : ''} after ${before} instructions`);
    }
    this.landed = m.position();
    return r.stop;
  }

  /**
   * runTo(limit) with the stops at the limit passed on too, including the further stops that come there
   * without an instruction in between (a fault hook after a boundary stop, the signal hook after it...).
   */
  *runThrough(limit: number, onStop: (s: Stop) => boolean): Work<Stop | null> {
    const s = yield* this.runTo(limit, { onStop, atLimit: true });
    if (s) return s;
    const m = this.m;
    while (this.total === limit) {
      m.resume();
      const r = m.run(1);
      if (r.kind !== 'stopped' || this.total !== limit) break;
      if (onStop(r.stop)) return r.stop;
    }
    return null;
  }

  /** Go to `pos`, with the changes the debugger made there applied. */
  *goTo(pos: Position): Work<void> {
    yield* this.runTo(pos.total, { inclusive: true });
    if (pos.tid !== null && !this.isAt(pos)) this.land(pos);
  }
}

interface RunOptions {
  onStop?: (s: Stop) => boolean;
  inclusive?: boolean;
  atLimit?: boolean;
  loose?: boolean;
  afterChange?: () => void;
}

export interface ReverseResult {
  machine: Machine;
  /** The thread to report, and the stop (reason and details) the client should see. */
  stop: Stop;
  /** Reached the start of the recording (nothing earlier to go back to). */
  atStart: boolean;
}

/** The machine at the start (the entry point), for when there is nothing earlier. */
function* start(host: ReplayHost, journal: readonly JournalEntry[], tidHint: number): Work<ReverseResult> {
  const r = new Replay(host, journal, true);
  yield* r.goTo({ total: 0, tid: null });
  const t = r.m.thread(tidHint) ?? r.m.mainThread;
  return { machine: r.m, stop: { reason: 'entry', thread: t }, atStart: true };
}

/**
 * The positions of thread tid's instruction steps from `from` up to `to` (inclusive), starting with its
 * first boundary at or after `from`.
 */
function* collectSteps(host: ReplayHost, journal: readonly JournalEntry[], tid: number, from: number, to: number): Work<StepPos[]> {
  const r = new Replay(host, journal, false);
  yield* r.runTo(from, { loose: true });
  const m = r.m;
  const out: StepPos[] = [];
  const record = (st: Thread) => out.push({ pos: m.position(), icount: st.cpu.icount, rip: st.cpu.rip, rsp: st.cpu.getRegNum(4), depth: m.activeDeliveries(st).length });
  let first = true;
  const issue = () => {
    const t = m.thread(tid);
    if (first || !t) m.stopAtBoundary(tid);
    else m.stepInstruction(t, 'into');
  };
  for (; r.total < to; first = false) {
    issue();
    const s = yield* r.runTo(to, { onStop: (x) => x.reason === 'step' && x.thread.tid === tid, afterChange: issue, atLimit: true });
    m.stopAtBoundary(null);
    if (!s) {
      // at `to`: the thread may still have a boundary there before the current position (e.g. it was
      // blocked, and a user interrupt is delivered as it resumes); probe without running anything else
      m.resume();
      m.stopAtBoundary(tid);
      const probe = m.run(1);
      if (probe.kind === 'stopped' && probe.stop.landing && probe.stop.thread.tid === tid && m.kernel.totalInsns === to) record(probe.stop.thread);
      break;
    }
    record(s.thread);
  }
  return out;
}

/** Key of a position for the line logic: its source line ('' without line information). */
function lineKey(dbg: DebugInfo | null, rip: number): string {
  const e = dbg?.lineAt(rip);
  return e ? `${e.file}:${e.line}` : '';
}

/**
 * Choose the target among a thread's step positions (chronological; `cur` is the current state). Returns
 * the index, or -1 when the window is too short to decide.
 */
function chooseTarget(steps: StepPos[], cur: StepPos, granularity: 'instruction' | 'line', dbg: DebugInfo | null): number {
  // the steps at the current state itself (the current position, or the same thread state later) end the list
  let n = steps.length;
  while (n > 0 && steps[n - 1].icount === cur.icount && steps[n - 1].rip === cur.rip && steps[n - 1].rsp === cur.rsp) n--;
  if (n === 0) return -1;
  const curKey = lineKey(dbg, cur.rip);
  if (granularity === 'instruction' || !curKey) return n - 1;
  // at a handler's first instruction (a delivery was the last step): back to the interrupted instruction,
  // as stepping back from a function's entry goes back to its call
  if (steps[n - 1].depth < cur.depth) return n - 1;
  // reverse-next: positions deeper than the current frame (callees, handlers) are stepped over
  const deeper = (s: StepPos) => s.depth > cur.depth || (s.depth === cur.depth && s.rsp < cur.rsp);
  let i = n - 1;
  const walk = (key: string): number => {
    // the earliest index of the run of `key` (deeper positions skipped) that ends at i, -1 if that run is empty,
    // -2 if it reaches the window's start (the run may go on before it: widen the window)
    let first = -1;
    for (; i >= 0; i--) {
      const s = steps[i];
      if (deeper(s)) continue;
      if (lineKey(dbg, s.rip) !== key) return first;
      first = i;
    }
    return -2;
  };
  const mid = walk(curKey);
  if (mid === -2) return -1;
  if (mid >= 0) return mid; // in the middle of the current line: back to its start
  // at the start of the current line: the previous line run (code without line information: its last instruction)
  while (i >= 0 && deeper(steps[i])) i--;
  if (i < 0) return -1;
  const prevKey = lineKey(dbg, steps[i].rip);
  if (!prevKey) return i;
  const prev = walk(prevKey);
  return prev === -2 ? -1 : prev;
}

/** Back to a known earlier position of the timeline (a stop the session saw), reported as a step of thread tid. */
export function* replayTo(host: ReplayHost, m: Machine, pos: Position, tid: number): Work<ReverseResult> {
  const r = new Replay(host, m.journal.slice(), true);
  yield* r.goTo(pos);
  const t = r.m.thread(tid);
  if (!t) throw new ReplayError(`replay diverged: no thread ${tid} at the earlier stop`);
  return { machine: r.m, stop: { reason: 'step', thread: t }, atStart: false };
}

/** stepBack of thread tid from machine m's current position. */
export function* stepBack(host: ReplayHost, m: Machine, tid: number, granularity: 'instruction' | 'line', dbg: DebugInfo | null): Work<ReverseResult> {
  const t = m.thread(tid);
  if (!t) throw new ReplayError(`no thread ${tid}`);
  const here = m.position();
  const journal = m.journal.slice();
  const cur: StepPos = { pos: here, icount: t.cpu.icount, rip: t.cpu.rip, rsp: t.cpu.getRegNum(4), depth: m.activeDeliveries(t).length };
  for (let w = 256; ; w = Math.min(w * 8, MAX_WINDOW)) {
    const from = Math.max(0, here.total - w);
    const steps = yield* collectSteps(host, journal, tid, from, here.total);
    const i = chooseTarget(steps, cur, granularity, dbg);
    if (i >= 0) {
      const target = steps[i];
      const r = new Replay(host, journal, true);
      yield* r.goTo(target.pos);
      const nt = r.m.thread(tid);
      if (!nt || nt.cpu.icount !== target.icount || nt.cpu.rip !== target.rip) throw new ReplayError('replay diverged: the thread is not where the earlier run had it');
      return { machine: r.m, stop: { reason: 'step', thread: nt }, atStart: false };
    }
    if (from === 0) {
      // no earlier step of this thread: the start (its creation, or the program's entry)
      const s = steps[0];
      if (s && !(s.icount === cur.icount && s.rip === cur.rip && s.pos.total === here.total)) {
        const r = new Replay(host, journal, true);
        yield* r.goTo(s.pos);
        return { machine: r.m, stop: { reason: 'step', thread: r.m.thread(tid)! }, atStart: true };
      }
      return yield* start(host, journal, tid);
    }
  }
}

/** reverseContinue from machine m's current position: to the last stop of the session's stops before it. */
export function* reverseContinue(host: ReplayHost, m: Machine, tid: number): Work<ReverseResult> {
  const here = m.position();
  const journal = m.journal.slice();
  // 1: how many stops come before the current position (those at its very instruction count only if the
  // current position is met after them: their order is otherwise unknown)
  host.resetHitCounts();
  const r1 = new Replay(host, journal, true);
  let count = 0, atHere = 0;
  yield* r1.runThrough(here.total, () => {
    const p = r1.m.position();
    if (p.total < here.total) count++;
    else if (samePosition(p, here)) {
      count += atHere;
      return true;
    } else atHere++;
    return false;
  });
  if (count === 0) return yield* start(host, journal, tid);
  // 2: to the last of them
  host.resetHitCounts();
  const r2 = new Replay(host, journal, true);
  let k = 0;
  const stop = yield* r2.runThrough(here.total, () => ++k === count);
  if (!stop) throw new ReplayError('replay diverged: the stop found before is not there');
  return { machine: r2.m, stop, atStart: false };
}

/**
 * Back to the moment UINTR event `seq` (earlier than the current position) was logged: a replay from the
 * start that stops at the first instruction boundary after it (the other stops of the session pass by).
 */
export function* goToEvent(host: ReplayHost, m: Machine, seq: number): Work<ReverseResult> {
  const here = m.position();
  host.resetHitCounts();
  const r = new Replay(host, m.journal.slice(), true);
  r.m.stopAtEvent(seq);
  const stop = yield* r.runThrough(here.total, (s) => s.reason === 'goto');
  if (!stop) throw new ReplayError(`replay diverged: event #${seq} did not come again`);
  return { machine: r.m, stop, atStart: false };
}
