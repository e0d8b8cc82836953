/**
 * Stepping by source line (granularity 'line'/'statement'), built from the Machine's instruction steps.
 * The adapter calls `onStop` for every stop while a line step is active; it either issues the next
 * instruction step (returns true: keep running) or ends the step (returns false: report the stop).
 *
 *  - next / stepIn: step instructions until the PC is at the start of an is_stmt row of a different line
 *    (or of another function: after a return), or in code without line information after a return;
 *    `next` steps over calls (the Machine's step over: the thread back at the return address with its stack
 *    popped). `stepIn` at a call enters the callee and runs to the end of its prologue (its second line row)
 *    if it has line information, otherwise steps out of it again.
 *  - A user interrupt delivered during the step: `next` runs the handler to its UIRET (back at the
 *    interrupted instruction) and goes on stepping; `stepIn` enters the handler like a call (stops after its
 *    prologue if it has line information). A breakpoint, an exception filter or a pause ends the step.
 *  - stepOut stays the instruction-level step out (to the caller, mid-line, like gdb's finish).
 */
import type { Machine, Thread, Stop } from '../emulator/machine';
import type { DebugInfo, LineEntry } from './dwarf/index';
import type { Subprogram } from './dwarf/info';

const MAX_STEPS = 200_000;

export class LineStep {
  private steps = 0;
  private startLine: LineEntry;
  private startFn: Subprogram | null;
  private startSp: number;
  private depth: number;
  private phase: 'line' | 'prologue' | 'out' = 'line';
  /** After the last instruction step: the address after a CALL, if it was one ('into'). */
  private callReturn = -1;

  private constructor(private m: Machine, readonly t: Thread, private dbg: DebugInfo, readonly kind: 'into' | 'over', line: LineEntry) {
    this.startLine = line;
    this.startFn = dbg.functionAt(t.cpu.rip);
    this.startSp = t.cpu.getRegNum(4);
    this.depth = m.activeDeliveries(t).length;
  }

  /** Start a line step, or null when the PC has no line information (the caller then steps one instruction). */
  static start(m: Machine, t: Thread, dbg: DebugInfo, kind: 'into' | 'over'): LineStep | null {
    const e = dbg.lineAt(t.cpu.rip);
    if (!e) return null;
    const s = new LineStep(m, t, dbg, kind, e);
    s.stepOne();
    return s;
  }

  private stepOne(): void {
    const c = this.t.cpu;
    this.callReturn = -1;
    if (this.kind === 'into') {
      const d = this.m.decodeAt(this.t, c.rip);
      if (d && /^call\b/.test(d.text)) this.callReturn = c.rip + d.len;
    }
    this.steps++;
    this.m.stepInstruction(this.t, this.kind);
  }

  /** A stop while stepping: true if the step goes on (the next machine step has been issued). */
  onStop(s: Stop): boolean {
    if (s.reason !== 'step' || s.thread !== this.t || this.steps > MAX_STEPS) return false;
    const m = this.m, t = this.t, dbg = this.dbg;
    const pc = t.cpu.rip, sp = t.cpu.getRegNum(4);
    const depth = m.activeDeliveries(t).length;
    if (this.phase === 'prologue') return false;
    if (depth > this.depth) {
      // a user interrupt was delivered at this boundary: pc is the handler's first instruction
      this.depth = depth;
      this.callReturn = -1;
      if (this.kind === 'into' && dbg.lineAt(pc)) return this.enter(pc);
      this.phase = 'out';
      this.depth = depth - 1;
      this.steps++;
      m.stepInstruction(t, 'out'); // to its UIRET
      return true;
    }
    this.depth = depth;
    if (this.phase === 'out') this.phase = 'line';
    if (this.callReturn >= 0 && pc !== this.callReturn) {
      // stepIn entered a function
      if (dbg.lineAt(pc) && dbg.functionAt(pc)) return this.enter(pc);
      this.phase = 'out';
      this.steps++;
      m.stepInstruction(t, 'out', { address: this.callReturn, rsp: sp + 8 });
      return true;
    }
    const e = dbg.lineAt(pc);
    if (!e) {
      if (sp > this.startSp) return false; // returned into code without line information
      this.stepOne();
      return true;
    }
    const fn = dbg.functionAt(pc);
    const atNextLine = dbg.isStmtStart(pc) && dbg.lineAt(pc - 1)?.line !== e.line;
    if (fn !== this.startFn && sp > this.startSp && !atNextLine) {
      // stepped back out into the caller, in the middle of its line: step to the start of another line there
      // (a return to the start of the line after the call's, as in assembly, stops there, below)
      this.startLine = e;
      this.startFn = fn;
      this.startSp = sp;
    }
    if (dbg.isStmtStart(pc)) {
      if (e.line !== this.startLine.line || e.file !== this.startLine.file || fn !== this.startFn) return false;
    }
    this.stepOne();
    return true;
  }

  /** At a function's (or handler's) first instruction: run to the end of its prologue. */
  private enter(pc: number): boolean {
    const fn = this.dbg.functionAt(pc);
    const pe = fn ? this.dbg.prologueEnd(fn) : pc;
    if (pe === pc) return false;
    this.phase = 'prologue';
    this.steps++;
    this.m.stepInstruction(this.t, 'out', { address: pe, rsp: 0 });
    return true;
  }
}
