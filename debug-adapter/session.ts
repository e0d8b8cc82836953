/**
 * The DAP session: translates Debug Adapter Protocol requests into Machine calls (emulator/machine.ts) and
 * machine stops into DAP events. No emulator logic lives here.
 *
 * Running: the machine runs in pieces of a few milliseconds on setImmediate, so requests (pause, threads,
 * breakpoints...) are handled between pieces, against a consistent machine state; there are no races.
 * See docs/dap.md for the launch arguments, filters, scopes and the custom protocol (uintr/*).
 */
import {
  DebugSession, InitializedEvent, StoppedEvent, OutputEvent, TerminatedEvent, ExitedEvent, ThreadEvent, Thread as DapThread,
  StackFrame, Scope, Handles, Event, InvalidatedEvent, Source, ProgressStartEvent, ProgressEndEvent,
} from '@vscode/debugadapter';
import type { DebugProtocol } from '@vscode/debugprotocol';
import * as path from 'node:path';
import * as fs from 'node:fs';
import { Machine, Thread, Stop, Position, RunResult, StopFilter, STOP_FILTERS, RFLAGS_BITS, UintrView, StopCondition, DataWatch, WatchHit } from '../emulator/machine';
import { ElfError } from '../emulator/linux/elf';
import { parseLaunchArgs, LaunchError, LaunchArgs } from './launch';
import { SymbolTable } from './symbols';
import { unwind, Frame } from './unwind';
import { DebugInfo } from './dwarf/index';
import { LineStep } from './linestep';
import { hasLocals, localVariables, valueChildren, ValueRef, findVariable } from './locals';
import { evalCPath, intValue, CVal, CEnv } from './cexpr';
import { formatValue, childrenOf } from './dwarf/values';
import { resolveType, typeName } from './dwarf/info';
import type { TypeInfo } from './dwarf/info';
import { Disassembler, hex } from './disasm';
import { compileCondition, compileHitCondition, compileExpression, parseNumber, ExprError, EvalContext, compileLvalue, compileLogMessage } from './conditions';
import { UasmSource, isUasm } from './uasm-source';
import { runCompiled, CaseResult } from '../emulator/asm/runner';
import { stepBack, reverseContinue, replayTo, goToEvent, samePosition, ReplayHost, ReverseResult, Work } from './reverse';

/** What a variablesReference points to. */
type VarRef =
  | { k: 'regs'; tid: number; frame: number }
  | { k: 'rflags'; tid: number }
  | { k: 'xmm'; tid: number; i: number }
  | { k: 'uintr'; tid: number }
  | { k: 'uirr'; tid: number }
  | { k: 'upid'; tid: number }
  | { k: 'uitt'; tid: number }
  | { k: 'active'; tid: number }
  | { k: 'locals'; tid: number; frame: number }
  | ({ k: 'value'; tid: number } & ValueRef);

interface FrameRef {
  tid: number;
  index: number;
}


/** A stop on the session's timeline, and how the program got there (see stepBackRequest). */
interface HistoryEntry {
  pos: Position;
  tid: number;
  rip: number;
  how: 'instruction' | 'line' | 'other';
}

const FILTERS: DebugProtocol.ExceptionBreakpointsFilter[] = [
  { filter: 'senduipi', label: 'SENDUIPI', description: 'Stop after every SENDUIPI (whatever its outcome)' },
  { filter: 'notification', label: 'UINTR notification', description: 'Stop when a notification IPI is sent, or is suppressed (SN=1) or merged (ON=1)' },
  { filter: 'delivery', label: 'User-interrupt delivery', description: 'Stop at the handler\'s first instruction when a user interrupt is delivered' },
  { filter: 'uiret', label: 'UIRET', description: 'Stop after UIRET returns to the interrupted code' },
  { filter: 'uintr-fault', label: 'UINTR fault', description: '#UD/#GP raised by a UINTR instruction (before the kernel handles it)' },
  { filter: 'signal', label: 'Signal', description: 'A signal before it is delivered: from a fault (SIGSEGV, SIGILL, SIGFPE, SIGBUS, SIGTRAP) or sent (kill, tgkill, raise, abort)' },
].map((f) => ({
  ...f,
  default: false,
  supportsCondition: true,
  conditionDescription: f.filter === 'signal' ? 'e.g. signal == 11 && thread == 1001 (fields: signal, thread, pid, core)' : 'e.g. vector == 3 && thread == 1001 (fields: vector, thread, pid, core, index, target)',
}));

export class UintrDebugSession extends DebugSession {
  private machine: Machine | null = null;
  private syms = new SymbolTable();
  private dis: Disassembler | null = null;
  private args: LaunchArgs | null = null;
  private state: 'idle' | 'configuring' | 'running' | 'stopped' | 'ended' = 'idle';
  private runToken = 0;
  private chunk = 20_000;
  private vars = new Handles<VarRef>();
  private frames = new Handles<FrameRef>();
  private frameCache = new Map<number, Frame[]>();
  private knownThreads = new Set<number>();
  private lastStop: Stop | null = null;
  /** A fatal outcome shown as a stop (deadlock, unsupported instruction): the next resume ends the session. */
  private endPending: (RunResult & { kind: 'ended' }) | null = null;
  private outBuf: { cat: string; text: string }[] = [];
  private dec = { 1: new TextDecoder(), 2: new TextDecoder() };
  private instrBps: { id: number; addr: number; cond: ((t: Thread) => boolean) | null }[] = [];
  /** DWARF of the program (line table, CFI, locals); empty without debug information. */
  private dbg: DebugInfo | null = null;
  /** Source line breakpoints, per source path (setBreakpoints replaces one file's list). */
  private lineBps = new Map<string, { id: number; addr: number; cond: ((t: Thread) => boolean) | null }[]>();
  /** The line step in progress (granularity 'line'), driven from tick(). */
  private lineStep: LineStep | null = null;
  private funcBps: { id: number; addr: number; cond: ((t: Thread) => boolean) | null }[] = [];
  /** `; @break` annotations of a .uasm program: breakpoints set by the source itself (see uasmBreaks). */
  private annotationBps: { id: number; addr: number; line: number; cond: ((t: Thread) => boolean) | null }[] = [];
  private nextBpId = 1;
  /** Data breakpoints (setDataBreakpoints): dataId `pid:0xaddr:size`. */
  private dataBps: { id: number; dataId: string; watch: DataWatch }[] = [];
  private clientSupportsInvalidated = false;
  /** A .uasm program (assembled by the adapter): its line table, labels and thread-start hooks. */
  private uasm: UasmSource | null = null;
  private hooks: { addr: number; cond: (t: Thread) => boolean }[] = [];
  /** The exception filters in force (re-installed on replayed machines). */
  private filters: [StopFilter, StopCondition | null][] = [];
  /** Hit counts restart when this changes (reverseContinue replays from the start). */
  private hitEpoch = 0;
  /** A replay is running: console output of logpoints and hooks is dropped (it was shown the first time). */
  private replaying = false;
  /** The reverse request in progress (pause cancels it). */
  private reversing: { cancel: boolean } | null = null;
  private clientSupportsProgress = false;
  /** Bytes of guest stdout/stderr already shown: a replayed machine shows only what comes after them. */
  private shown: Record<number, number> = { 1: 0, 2: 0 };
  /** The program's bytes, read once: replays load exactly what was launched. */
  private image: Uint8Array | undefined;
  private launchEnv: { cwd: string; program: string; argv: string[]; envp: string[] } | null = null;
  /** How the program got to the next stop: an instruction step ('into') or a line step of a thread, or anything else. */
  private action: { how: 'instruction' | 'line' | 'other'; tid: number } = { how: 'other', tid: 0 };
  /** The stops of the current timeline (undone by reverse steps): Step Back right after a step goes straight back. */
  private history: HistoryEntry[] = [];

  constructor(debuggerLinesAndColumnsStartAt1?: boolean, isServer?: boolean) {
    super(debuggerLinesAndColumnsStartAt1, isServer);
    this.setDebuggerLinesStartAt1(true);
    this.setDebuggerColumnsStartAt1(true);
  }

  // ------------------------------------------------------------------ helpers

  /** Run a handler; any exception becomes an error response with its message (never a crash). */
  private guard(response: DebugProtocol.Response, f: () => void): void {
    try {
      f();
    } catch (e) {
      const msg = e instanceof Error ? e.message : String(e);
      this.sendErrorResponse(response, { id: 1000, format: msg.replace(/[{}]/g, ''), showUser: true });
    }
  }

  private fail(msg: string): never {
    throw new Error(msg);
  }

  private need(): Machine {
    if (!this.machine) this.fail('no program is loaded (launch first)');
    return this.machine;
  }

  private thread(id: number | undefined): Thread {
    const m = this.need();
    const t = id !== undefined ? m.thread(id) : this.focus();
    if (!t) this.fail(`no thread ${id}`);
    return t;
  }

  /** The thread for memory requests: the last stopped thread, else the first one. */
  private focus(): Thread {
    const m = this.need();
    const t = this.lastStop && m.thread(this.lastStop.thread.tid);
    return t || m.threads()[0] || m.mainThread;
  }

  private sym(a: number): string {
    const f = this.syms.format(a);
    return f ? `${hex(a)} <${f}>` : hex(a);
  }
  private symName(a: number): string {
    return this.syms.format(a) ?? hex(a);
  }

  private output(cat: string, text: string): void {
    if (!text || this.replaying) return;
    const last = this.outBuf[this.outBuf.length - 1];
    if (last && last.cat === cat) last.text += text;
    else this.outBuf.push({ cat, text });
    if (last && last.text.length > 1 << 16) this.flushOutput();
  }

  private flushOutput(): void {
    for (const o of this.outBuf) this.sendEvent(new OutputEvent(o.text, o.cat));
    this.outBuf = [];
  }

  /** Output, new UINTR events, thread start/exit events. */
  private flush(): void {
    this.flushOutput();
    const m = this.machine;
    if (!m) return;
    const evs = m.drainEvents();
    for (let i = 0; i < evs.length; i += 1000) this.sendEvent(new Event('uintr/event', { events: evs.slice(i, i + 1000) }));
    const now = new Set(m.threads().map((t) => t.tid));
    for (const id of now) if (!this.knownThreads.has(id)) this.sendEvent(new ThreadEvent('started', id));
    for (const id of this.knownThreads) if (!now.has(id)) this.sendEvent(new ThreadEvent('exited', id));
    this.knownThreads = now;
  }

  private resetRefs(): void {
    this.vars.reset();
    this.frames.reset();
    this.frameCache.clear();
  }

  /**
   * A machine for the launched program, loaded, nothing run. Guest output goes to the client, except the
   * bytes a replayed machine writes again (deterministic: the same bytes) up to what was already shown.
   */
  private newMachine(): Machine {
    const a = this.args!, env = this.launchEnv!;
    const written: Record<number, number> = { 1: 0, 2: 0 };
    const m = new Machine({
      cores: a.cores,
      seed: a.seed,
      cwd: env.cwd,
      allowRead: a.allowFiles,
      uintrAbi: a.uintrAbi,
      io: {
        write: (fd, d) => {
          const at = written[fd];
          written[fd] += d.length;
          const skip = this.shown[fd] - at;
          if (skip >= d.length) return;
          this.shown[fd] = at + d.length;
          this.output(fd === 1 ? 'stdout' : 'stderr', this.dec[fd].decode(skip > 0 ? d.subarray(skip) : d, { stream: true }));
        },
        readStdin: () => new Uint8Array(0),
        isatty: () => false,
      },
    });
    m.load(env.program, env.argv, env.envp, this.image);
    return m;
  }

  /** What reverse execution (reverse.ts) needs: fresh machines with the session's stops. */
  private replayHost(): ReplayHost {
    return {
      fresh: () => this.newMachine(),
      configure: (m, all) => {
        if (this.uasm) this.hooks = this.uasm.threadStartHooks((msg) => this.output('console', `uintr-debug: ${msg}\n`));
        this.applyBreakpoints(m, all);
        m.setStopFilters(all ? this.filters : []);
        m.setDataWatches(all ? this.dataBps.map((d) => d.watch) : [], true);
      },
      resetHitCounts: () => this.hitEpoch++,
    };
  }

  // ------------------------------------------------------------------ initialize / launch

  protected override initializeRequest(response: DebugProtocol.InitializeResponse, args: DebugProtocol.InitializeRequestArguments): void {
    this.clientSupportsInvalidated = !!args.supportsInvalidatedEvent;
    this.clientSupportsProgress = !!args.supportsProgressReporting;
    response.body = {
      supportsConfigurationDoneRequest: true,
      supportsFunctionBreakpoints: true,
      supportsInstructionBreakpoints: true,
      supportsConditionalBreakpoints: true,
      supportsHitConditionalBreakpoints: true,
      supportsDisassembleRequest: true,
      supportsSteppingGranularity: true,
      supportsReadMemoryRequest: true,
      supportsWriteMemoryRequest: true,
      supportsSetVariable: true,
      supportsEvaluateForHovers: true,
      supportsTerminateRequest: true,
      supportsExceptionFilterOptions: true,
      exceptionBreakpointFilters: FILTERS,
      supportsExceptionInfoRequest: true,
      supportsDataBreakpoints: true,
      supportsDataBreakpointBytes: true,
      supportsLogPoints: true,
      supportsStepBack: true,
    };
    this.sendResponse(response);
  }

  protected override launchRequest(response: DebugProtocol.LaunchResponse, raw: DebugProtocol.LaunchRequestArguments): void {
    this.guard(response, () => {
      if (this.machine) this.fail('already launched');
      let a: LaunchArgs;
      try {
        a = parseLaunchArgs(raw as unknown as Record<string, unknown>);
      } catch (e) {
        if (e instanceof LaunchError) this.fail(e.message);
        throw e;
      }
      const cwd = path.resolve(a.cwd ?? process.cwd());
      if (!fs.existsSync(cwd) || !fs.statSync(cwd).isDirectory()) this.fail(`launch argument 'cwd': ${cwd} is not a directory`);
      const program = path.resolve(cwd, a.program);
      // a .uasm file is assembled here (errors: file:line:col); its @cores / @seed apply unless the launch sets them
      const uasm = isUasm(program) ? UasmSource.load(program) : null;
      if (uasm) Object.assign(a, uasm.launchDefaults(raw as unknown as Record<string, unknown>));
      this.args = a;
      this.image = uasm?.elf;
      this.launchEnv = { cwd, program, argv: [program, ...a.args], envp: Object.entries(a.env).map(([k, v]) => `${k}=${v}`) };
      let m: Machine;
      try {
        m = this.newMachine();
      } catch (e) {
        if (e instanceof ElfError) this.fail(`cannot debug ${program}: ${e.message}`);
        throw e;
      }
      // replays load the very bytes launched (the file may be rebuilt meanwhile)
      this.image ??= new Uint8Array(fs.readFileSync(program));
      this.machine = m;
      this.uasm = uasm;
      this.syms = uasm ? uasm.symbols : SymbolTable.fromFile(program);
      this.dbg = uasm ?? DebugInfo.fromFile(program);
      if (uasm) {
        this.hooks = uasm.threadStartHooks((msg) => this.output('console', `uintr-debug: ${msg}\n`));
        this.annotationBps = this.uasmBreaks(uasm);
        this.applyBreakpoints();
      }
      this.dis = new Disassembler(m, this.syms, this.dbg);
      this.state = 'configuring';
      this.sendResponse(response);
      this.knownThreads = new Set(m.threads().map((t) => t.tid));
      this.sendEvent(new InitializedEvent());
    });
  }

  protected override configurationDoneRequest(response: DebugProtocol.ConfigurationDoneResponse): void {
    this.sendResponse(response);
    if (!this.machine || this.state !== 'configuring') return;
    for (const id of this.knownThreads) this.sendEvent(new ThreadEvent('started', id));
    if (this.args!.stopOnEntry && this.uasm) {
      // a .uasm program: past the generated start-up code, at the first thread's entry label
      const r = this.uasm.runToEntry(this.machine);
      if (r.kind === 'stopped' && r.stop.reason === 'step') this.reportStop({ reason: 'entry', thread: r.stop.thread });
      else if (r.kind === 'stopped') this.reportStop(r.stop);
      else if (r.kind === 'ended') this.reportEnd(r);
      else this.startRunning();
    } else if (this.args!.stopOnEntry) this.reportStop({ reason: 'entry', thread: this.machine.mainThread });
    else this.startRunning();
  }

  // ------------------------------------------------------------------ running

  private startRunning(): void {
    this.state = 'running';
    this.resetRefs();
    const token = ++this.runToken;
    setImmediate(() => this.tick(token));
  }

  private tick(token: number): void {
    if (token !== this.runToken || !this.machine) return;
    const m = this.machine;
    const t0 = performance.now();
    let r: RunResult;
    try {
      for (;;) {
        const s = performance.now();
        r = m.run(this.chunk);
        if (r.kind === 'stopped' && this.lineStep) {
          if (this.lineStep.onStop(r.stop)) r = { kind: 'running' };
          else this.lineStep = null;
        }
        const dt = performance.now() - s;
        if (dt < 2) this.chunk = Math.min(this.chunk * 2, 4_000_000);
        else if (dt > 8) this.chunk = Math.max(2_000, Math.floor(this.chunk / 2));
        if (r.kind !== 'running' || performance.now() - t0 > 15) break;
      }
    } catch (e) {
      this.flush();
      this.sendEvent(new OutputEvent(`uintr-debug: internal error: ${(e as Error).stack ?? e}\n`, 'stderr'));
      this.state = 'ended';
      this.sendEvent(new TerminatedEvent());
      return;
    }
    this.flush();
    if (r.kind === 'running') setImmediate(() => this.tick(token));
    else if (r.kind === 'stopped') this.reportStop(r.stop);
    else this.reportEnd(r);
  }

  private reportStop(s: Stop, replayed = false): void {
    this.flush();
    this.state = 'stopped';
    this.lastStop = s;
    this.noteStop(s, replayed);
    this.lineStep = null;
    this.resetRefs();
    const body: DebugProtocol.StoppedEvent['body'] = { reason: s.reason, threadId: s.thread.tid, allThreadsStopped: true, preserveFocusHint: false };
    if (s.reason === 'breakpoint' && s.address !== undefined) {
      const ins = this.instrBps.filter((b) => b.addr === s.address).map((b) => b.id);
      const fns = this.funcBps.filter((b) => b.addr === s.address).map((b) => b.id);
      const lns = [...this.lineBps.values(), this.annotationBps].flat().filter((b) => b.addr === s.address).map((b) => b.id);
      body.hitBreakpointIds = [...new Set([...lns, ...ins, ...fns])];
      if (lns.length) {
        body.reason = 'breakpoint';
        body.description = `Paused on breakpoint at ${this.sym(s.address)}`;
      } else {
        body.reason = fns.length && !ins.length ? 'function breakpoint' : ins.length ? 'instruction breakpoint' : 'breakpoint';
        body.description = `Paused on ${body.reason} at ${this.sym(s.address)}`;
      }
    } else if (s.reason === 'exception') {
      const d = s.event ? this.machine!.describe(s.event, (a) => this.symName(a)) : s.description ?? 'exception';
      s.description = d;
      body.description = d;
      body.text = s.filter;
    } else if (s.reason === 'data breakpoint' && s.hits) {
      body.hitBreakpointIds = [...new Set(s.hits.map((h) => h.watch.id))];
      s.description = s.hits.map((h) => this.describeHit(h)).join('; ');
      body.description = `Paused on data breakpoint: ${s.description}`;
      body.text = s.description;
    } else if (s.reason === 'entry') body.description = `Paused at the entry point ${this.sym(s.thread.cpu.rip)}`;
    else if (s.reason === 'goto' && s.event) body.description = `Back at event #${s.event.seq}: ${this.machine!.describe(s.event, (a) => this.symName(a))}`;
    else if (s.description) body.description = s.description;
    const ev = new StoppedEvent(body.reason, s.thread.tid);
    ev.body = body;
    this.sendEvent(ev);
  }

  private reportEnd(r: RunResult & { kind: 'ended' }): void {
    this.flush();
    const o = r.outcome;
    if (o.kind === 'exited') {
      if (this.uasm) this.checkUasm();
      this.finish(o.status, o.signal ? `program ${r.description}` : undefined);
      return;
    }
    // deadlock / unsupported instruction: show where the machine is, end at the next resume
    this.endPending = r;
    const m = this.machine!;
    const t = (o.kind === 'unsupported' && m.thread(o.tid)) || m.threads()[0] || m.mainThread;
    this.reportStop({ reason: 'exception', thread: t, filter: o.kind === 'unsupported' ? 'unsupported' : 'deadlock', description: r.description });
  }

  /**
   * A .uasm case ran to its end: its annotations (@expect...) are checked as `uintr-test` checks them — by
   * running the case again in its own machine with its @cores / @seed (deterministic: the same run, unless
   * this session used other options or changed the program from the debugger, which the line says) — and the
   * verdict goes to the Debug Console.
   */
  private checkUasm(): void {
    const u = this.uasm!;
    let r: CaseResult;
    try {
      r = runCompiled(u.compiled, u.file);
    } catch (e) {
      this.output('console', `uintr-test: could not check ${path.basename(u.file)}: ${(e as Error).message}\n`);
      return;
    }
    const ann = u.compiled.ann;
    const notes: string[] = [];
    if ((ann.cores ?? 2) !== this.args!.cores || (ann.seed ?? 1) !== this.args!.seed) notes.push(`this session ran with cores ${this.args!.cores}, seed ${this.args!.seed}; the check uses the case's own (${ann.cores ?? 2}, ${ann.seed ?? 1})`);
    const changes = this.machine?.journal.length ?? 0;
    if (changes) notes.push(`the check does not include the ${changes} change${changes === 1 ? '' : 's'} made from the debugger`);
    const note = notes.length ? ` (${notes.join('; ')})` : '';
    if (r.passed) this.output('console', `uintr-test: ok   ${r.name}: every expectation holds${note}\n`);
    else this.output('console', `uintr-test: FAIL ${r.name}${note}\n${r.failures.map((f) => `    ${f}\n`).join('')}`);
  }

  private finish(status: number, line?: string): void {
    this.flush();
    if (line) this.sendEvent(new OutputEvent(`${line}\n`, 'console'));
    this.state = 'ended';
    this.runToken++;
    this.sendEvent(new ExitedEvent(status));
    this.sendEvent(new TerminatedEvent());
  }

  /** Common part of continue and the steps. Returns false (and ends the session) after a fatal outcome. */
  private beforeResume(): boolean {
    if (this.endPending) {
      const r = this.endPending;
      this.endPending = null;
      this.finish(r.outcome.kind === 'unsupported' ? 125 : 124, `program stopped: ${r.description}`);
      return false;
    }
    return true;
  }

  private requireStopped(): void {
    if (this.state === 'running') this.fail('the program is running (pause it first)');
    if (this.state !== 'stopped') this.fail(this.state === 'ended' ? 'the program has ended' : 'the program has not started');
  }

  protected override continueRequest(response: DebugProtocol.ContinueResponse): void {
    this.guard(response, () => {
      if (this.state === 'running') {
        response.body = { allThreadsContinued: true };
        return this.sendResponse(response);
      }
      this.requireStopped();
      response.body = { allThreadsContinued: true };
      this.sendResponse(response);
      if (!this.beforeResume()) return;
      this.machine!.resume();
      this.action = { how: 'other', tid: 0 };
      this.startRunning();
    });
  }

  private step(response: DebugProtocol.Response, threadId: number, kind: 'into' | 'over' | 'out', granularity?: DebugProtocol.SteppingGranularity): void {
    this.guard(response, () => {
      this.requireStopped();
      const t = this.thread(threadId);
      const m = this.machine!;
      let site: { address: number; rsp: number } | undefined;
      if (kind === 'out') {
        // to the caller; at a handler's outermost frame (next frame: the interrupt) the machine runs to its UIRET
        const f = unwind(m, t, this.syms, 2, this.dbg);
        if (f.length > 1 && f[1].kind === 'code') site = { address: f[1].pc, rsp: f[1].sp };
      }
      this.sendResponse(response);
      if (!this.beforeResume()) return;
      // by line (the default granularity) where the PC has line information; see linestep.ts
      this.lineStep = null;
      if (kind !== 'out' && granularity !== 'instruction' && this.dbg?.hasLines) this.lineStep = LineStep.start(m, t, this.dbg, kind);
      if (!this.lineStep) m.stepInstruction(t, kind, site);
      // (a line stepIn may enter a function: reverse-next from there is not simply where it started)
      this.action = { how: this.lineStep ? (kind === 'over' ? 'line' : 'other') : kind === 'into' ? 'instruction' : 'other', tid: t.tid };
      this.startRunning();
    });
  }

  protected override nextRequest(response: DebugProtocol.NextResponse, args: DebugProtocol.NextArguments): void {
    this.step(response, args.threadId, 'over', args.granularity);
  }
  protected override stepInRequest(response: DebugProtocol.StepInResponse, args: DebugProtocol.StepInArguments): void {
    this.step(response, args.threadId, 'into', args.granularity);
  }
  protected override stepOutRequest(response: DebugProtocol.StepOutResponse, args: DebugProtocol.StepOutArguments): void {
    this.step(response, args.threadId, 'out', args.granularity);
  }

  // ------------------------------------------------------------------ reverse execution (reverse.ts)

  protected override stepBackRequest(response: DebugProtocol.StepBackResponse, args: DebugProtocol.StepBackArguments): void {
    this.reverse(response, args.threadId, (m, host) => {
      const t = this.thread(args.threadId);
      const line = args.granularity !== 'instruction' && !!this.dbg?.lineAt(t.cpu.rip);
      // right after a step of this thread of the same kind (from a line start, for a line step): straight back
      // to where it started — the same place the search below finds, with one replay instead of two
      const h = this.history, cur = h[h.length - 1], prev = h[h.length - 2];
      if (cur && prev && samePosition(cur.pos, m.position()) && cur.tid === t.tid && cur.how === (line ? 'line' : 'instruction') && (!line || this.dbg!.isStmtStart(prev.rip))) {
        return replayTo(host, m, prev.pos, t.tid);
      }
      return stepBack(host, m, t.tid, line ? 'line' : 'instruction', this.dbg);
    });
  }

  /** Keep the timeline's stops: the new one (how the program got there), or after a replay the ones before it. */
  private noteStop(s: Stop, replayed: boolean): void {
    const m = this.machine!;
    const pos = m.position();
    if (replayed) {
      // back at a stop the session saw: the timeline ends there; else it ends before this position
      let i = this.history.length - 1;
      while (i >= 0 && !samePosition(this.history[i].pos, pos)) i--;
      if (i >= 0) this.history.length = i + 1;
      else {
        this.history = this.history.filter((e) => e.pos.total < pos.total);
        this.history.push({ pos, tid: s.thread.tid, rip: s.thread.cpu.rip, how: 'other' });
      }
      return;
    }
    const how = s.reason === 'step' && this.action.tid === s.thread.tid ? this.action.how : 'other';
    this.history.push({ pos, tid: s.thread.tid, rip: s.thread.cpu.rip, how });
    if (this.history.length > 10_000) this.history.splice(0, 5_000);
  }

  protected override reverseContinueRequest(response: DebugProtocol.ReverseContinueResponse, args: DebugProtocol.ReverseContinueArguments): void {
    this.reverse(response, args.threadId, (m, host) => reverseContinue(host, m, this.thread(args.threadId).tid));
  }

  /**
   * Run a replay in slices of the event loop (requests keep being answered; `pause` cancels it; a replay of
   * more than half a second shows progress). On success the replayed machine replaces the current one and
   * the stop is reported like any other; cancelled or failed, the session stays where it was.
   */
  private reverse(response: DebugProtocol.Response, threadId: number, go: (m: Machine, host: ReplayHost) => Work<ReverseResult>): void {
    this.guard(response, () => {
      this.requireStopped();
      const old = this.machine!;
      const hooks = this.hooks;
      const work = go(old, this.replayHost()); // argument checks happen here: an error response
      this.sendResponse(response);
      const job = { cancel: false };
      this.reversing = job;
      this.state = 'running';
      this.replaying = true;
      const token = ++this.runToken;
      const t0 = performance.now();
      let progress = '';
      const end = () => {
        this.replaying = false;
        this.reversing = null;
        if (progress) this.sendEvent(new ProgressEndEvent(progress));
      };
      const stayed = (why: string, reason: 'pause' | 'exception') => {
        end();
        this.hooks = hooks;
        this.output('console', `uintr-debug: ${why}\n`);
        const t = (this.lastStop && old.thread(this.lastStop.thread.tid)) || this.focus();
        this.reportStop({ reason, thread: t, description: why }, true);
      };
      const slice = () => {
        if (token !== this.runToken) return end(); // terminated meanwhile
        let r: IteratorResult<void, ReverseResult>;
        try {
          const s0 = performance.now();
          do r = work.next();
          while (!r.done && !job.cancel && performance.now() - s0 < 15);
        } catch (e) {
          return stayed(`reverse execution failed: ${(e as Error).message}`, 'exception');
        }
        if (job.cancel) return stayed('reverse execution cancelled: still at the earlier stop', 'pause');
        if (!r.done) {
          if (!progress && this.clientSupportsProgress && performance.now() - t0 > 500) {
            progress = `replay-${token}`;
            this.sendEvent(new ProgressStartEvent(progress, 'Going back', `replaying up to ${(old.kernel.totalInsns / 1e6).toFixed(1)} M instructions`));
          }
          setImmediate(slice);
          return;
        }
        end();
        const res = r.value;
        this.machine = res.machine;
        this.dis = new Disassembler(res.machine, this.syms, this.dbg);
        this.lineStep = null;
        this.endPending = null;
        res.machine.drainEvents(); // already sent the first time; the views re-read the (shorter) log on the stop
        if (res.atStart) this.output('console', `uintr-debug: reached the start of the recording (thread ${threadId})\n`);
        this.reportStop(res.stop, true);
      };
      setImmediate(slice);
    });
  }

  protected override pauseRequest(response: DebugProtocol.PauseResponse): void {
    this.guard(response, () => {
      if (this.reversing) this.reversing.cancel = true;
      else if (this.state === 'running') this.machine!.pause();
      this.sendResponse(response);
    });
  }

  protected override terminateRequest(response: DebugProtocol.TerminateResponse): void {
    this.runToken++;
    this.sendResponse(response);
    if (this.state !== 'ended') {
      this.flush();
      this.state = 'ended';
      this.sendEvent(new TerminatedEvent());
    }
  }

  protected override disconnectRequest(response: DebugProtocol.DisconnectResponse, args: DebugProtocol.DisconnectArguments, request?: DebugProtocol.Request): void {
    this.runToken++;
    this.state = 'ended';
    super.disconnectRequest(response, args, request);
  }

  // ------------------------------------------------------------------ threads and stacks

  protected override threadsRequest(response: DebugProtocol.ThreadsResponse): void {
    const m = this.machine;
    response.body = {
      threads: m
        ? m.threads().map((t) => {
          const core = m.coreOf(t);
          return new DapThread(t.tid, `${t.name} ${t.proc.pid}/${t.tid}${core >= 0 ? ` · core ${core}` : ''} · ${m.threadState(t)}`);
        })
        : [],
    };
    this.sendResponse(response);
  }

  private framesOf(t: Thread): Frame[] {
    let f = this.frameCache.get(t.tid);
    if (!f) this.frameCache.set(t.tid, (f = unwind(this.machine!, t, this.syms, undefined, this.dbg)));
    return f;
  }

  protected override stackTraceRequest(response: DebugProtocol.StackTraceResponse, args: DebugProtocol.StackTraceArguments): void {
    this.guard(response, () => {
      const t = this.thread(args.threadId);
      const all = this.framesOf(t);
      const start = args.startFrame ?? 0;
      const n = args.levels ? Math.min(args.levels, all.length - start) : all.length - start;
      const out: DebugProtocol.StackFrame[] = [];
      for (let i = start; i < start + n; i++) {
        const f = all[i];
        const id = this.frames.create({ tid: t.tid, index: i });
        let sf: DebugProtocol.StackFrame;
        if (f.kind === 'uintr') {
          sf = new StackFrame(id, `⟨user interrupt, vector ${f.delivery!.vector}⟩`);
          sf.presentationHint = 'label';
        } else {
          // return addresses belong to the call before them
          const l = this.syms.lookup(f.how === 'scan' || f.how === 'rbp' || f.how === 'cfi' ? f.pc - 1 : f.pc);
          const name = l ? (f.pc - l.sym.addr ? `${l.sym.name}+0x${(f.pc - l.sym.addr).toString(16)}` : l.sym.name) : hex(f.pc);
          sf = new StackFrame(id, name);
          sf.instructionPointerReference = hex(f.pc);
          if (f.how === 'scan') sf.presentationHint = 'subtle';
        }
        sf.line = 0;
        sf.column = 0;
        // source position from the line table (a return address belongs to the call before it)
        const le = f.kind === 'code' ? this.dbg?.lineAt(f.how === 'registers' || f.how === 'uintr' ? f.pc : f.pc - 1) : null;
        if (le) {
          sf.source = new Source(path.basename(le.file), le.file);
          sf.line = le.line;
          sf.column = Math.max(1, le.column);
        }
        out.push(sf);
      }
      response.body = { stackFrames: out, totalFrames: all.length };
      this.sendResponse(response);
    });
  }

  protected override scopesRequest(response: DebugProtocol.ScopesResponse, args: DebugProtocol.ScopesArguments): void {
    this.guard(response, () => {
      const fr = this.frames.get(args.frameId);
      if (!fr) this.fail(`no frame ${args.frameId} (the program ran since)`);
      const regs = new Scope('Registers', this.vars.create({ k: 'regs', tid: fr.tid, frame: fr.index }), false);
      (regs as DebugProtocol.Scope).presentationHint = 'registers';
      const ui = new Scope('UINTR', this.vars.create({ k: 'uintr', tid: fr.tid }), false);
      const f = this.framesOf(this.thread(fr.tid))[fr.index];
      const locals = f && hasLocals(this.dbg, f) ? [new Scope('Locals', this.vars.create({ k: 'locals', tid: fr.tid, frame: fr.index }), false)] : [];
      if (locals.length) (locals[0] as DebugProtocol.Scope).presentationHint = 'locals';
      response.body = { scopes: [...locals, regs, ui] };
      this.sendResponse(response);
    });
  }

  // ------------------------------------------------------------------ variables

  protected override variablesRequest(response: DebugProtocol.VariablesResponse, args: DebugProtocol.VariablesArguments): void {
    this.guard(response, () => {
      const ref = this.vars.get(args.variablesReference);
      if (!ref) this.fail('variables are no longer available (the program ran since)');
      const t = this.thread(ref.tid);
      let vs: DebugProtocol.Variable[];
      switch (ref.k) {
        case 'regs': vs = this.registerVars(t, ref.frame); break;
        case 'locals': {
          const f = this.framesOf(t)[ref.frame];
          vs = f && this.dbg ? localVariables(this.dbg, f, (a, n) => this.machine!.readMemory(t, a, n), (v) => this.vars.create({ k: 'value', tid: t.tid, ...v })) : [];
          break;
        }
        case 'value':
          vs = valueChildren(ref, (a, n) => this.machine!.readMemory(t, a, n), (v) => this.vars.create({ k: 'value', tid: t.tid, ...v }));
          break;
        case 'rflags': vs = this.flagVars(t); break;
        case 'xmm': vs = this.xmmVars(t, ref.i); break;
        default: vs = this.uintrVars(t, ref); break;
      }
      response.body = { variables: vs };
      this.sendResponse(response);
    });
  }

  private v(name: string, value: string, extra: Partial<DebugProtocol.Variable> = {}): DebugProtocol.Variable {
    return { name, value, variablesReference: 0, ...extra };
  }

  private registerVars(t: Thread, frame: number): DebugProtocol.Variable[] {
    const m = this.machine!;
    const hex64 = (v: bigint) => '0x' + v.toString(16).padStart(16, '0');
    if (frame > 0) {
      // only what the unwinder knows for caller frames
      const f = this.framesOf(t)[frame];
      if (!f) return [];
      if (f.kind === 'uintr') {
        const d = f.delivery!;
        return [
          this.v('vector', String(d.vector), { presentationHint: { attributes: ['readOnly'] } }),
          this.v('frame', this.sym(d.frame), { memoryReference: hex(d.frame), presentationHint: { attributes: ['readOnly'] } }),
          this.v('rip', this.sym(d.rip), { memoryReference: hex(d.rip), presentationHint: { attributes: ['readOnly'] } }),
          this.v('rsp', hex(d.rsp), { memoryReference: hex(d.rsp), presentationHint: { attributes: ['readOnly'] } }),
          this.v('rflags', `${hex(d.rflags)} ${flagNames(d.rflags)}`, { presentationHint: { attributes: ['readOnly'] } }),
          this.v('handler', this.sym(d.handler), { presentationHint: { attributes: ['readOnly'] } }),
        ];
      }
      return [
        this.v('rip', this.sym(f.pc), { memoryReference: hex(f.pc), presentationHint: { attributes: ['readOnly'] } }),
        this.v('rsp', hex(f.sp), { memoryReference: hex(f.sp), presentationHint: { attributes: ['readOnly'] } }),
        // the callee-saved registers the CFI (or heuristic) recovered; others are not known in a caller frame
        ...(['rbx', 'rbp', 'r12', 'r13', 'r14', 'r15'] as const).flatMap((n) => {
          const v = f.regs?.[({ rbx: 3, rbp: 6, r12: 12, r13: 13, r14: 14, r15: 15 } as const)[n]];
          return v === undefined ? [] : [this.v(n, '0x' + v.toString(16).padStart(16, '0'), { memoryReference: hex(v), presentationHint: { attributes: ['readOnly'] } })];
        }),
        ...(f.cfa !== undefined ? [this.v('cfa', hex(f.cfa), { memoryReference: hex(f.cfa), presentationHint: { attributes: ['readOnly'] } })] : []),
        this.v('(other registers)', f.how === 'cfi' ? 'not saved by the callee (unknown)' : 'not unwound (no CFI for this code)', { presentationHint: { attributes: ['readOnly'] } }),
      ];
    }
    const out: DebugProtocol.Variable[] = [];
    for (const r of m.registers(t)) {
      if (r.name === 'rflags') {
        out.push(this.v('rflags', `${hex(r.value)} ${flagNames(Number(r.value))}`, { variablesReference: this.vars.create({ k: 'rflags', tid: t.tid }) }));
      } else if (r.bits === 128) {
        out.push(this.v(r.name, '0x' + r.value.toString(16).padStart(32, '0'), { variablesReference: this.vars.create({ k: 'xmm', tid: t.tid, i: Number(r.name.slice(3)) }) }));
      } else if (r.name === 'rip') {
        out.push(this.v('rip', this.sym(Number(r.value)), { memoryReference: hex(r.value) }));
      } else out.push(this.v(r.name, hex64(r.value), { memoryReference: hex(r.value), type: 'u64' }));
    }
    return out;
  }

  private flagVars(t: Thread): DebugProtocol.Variable[] {
    const f = Number(this.machine!.register(t, 'rflags'));
    return RFLAGS_BITS.map(([n, b]) => this.v(n, String((f >> b) & 1)));
  }

  private xmmVars(t: Thread, i: number): DebugProtocol.Variable[] {
    const v = this.machine!.register(t, `xmm${i}`)!;
    const u32 = [0, 1, 2, 3].map((k) => (v >> BigInt(32 * k)) & 0xffffffffn);
    const u64 = [0, 1].map((k) => (v >> BigInt(64 * k)) & ((1n << 64n) - 1n));
    const f64 = u64.map((x) => new Float64Array(new BigUint64Array([x]).buffer)[0]);
    const f32 = u32.map((x) => new Float32Array(new Uint32Array([Number(x)]).buffer)[0]);
    return [
      this.v('u32', `[${u32.map((x) => hex(x)).join(', ')}]`),
      this.v('u64', `[${u64.map((x) => hex(x)).join(', ')}]`),
      this.v('f32', `[${f32.join(', ')}]`),
      this.v('f64', `[${f64.join(', ')}]`),
    ];
  }

  private uintrVars(t: Thread, ref: VarRef): DebugProtocol.Variable[] {
    const m = this.machine!;
    const u = m.uintr(t);
    const ro = { presentationHint: { attributes: ['readOnly'] } } as Partial<DebugProtocol.Variable>;
    switch (ref.k) {
      case 'uintr': {
        const out = [
          this.v('UIF', String(u.uif), { type: 'bit' }),
          this.v('UIRR', `${hex(u.uirr)}${u.pending.length ? ` (pending: vector${u.pending.length > 1 ? 's' : ''} ${u.pending.join(', ')})` : ''}`, { variablesReference: u.uirr ? this.vars.create({ k: 'uirr', tid: t.tid }) : 0 }),
          this.v('UIHANDLER', u.handler ? this.sym(u.handler) : '0', { memoryReference: u.handler ? hex(u.handler) : undefined }),
          this.v('UISTACKADJUST', hex(u.stackAdjust)),
          this.v('UINV', hex(u.uinv), ro),
          this.v('UITTSZ', String(u.uittsz), ro),
          this.v('UITTADDR', `${hex(u.uittAddr)}${u.ttValid ? ' (valid)' : ' (not valid)'}`, ro),
          this.v('UPIDADDR', hex(u.upidAddr), { ...ro, memoryReference: u.upidAddr ? hex(u.upidAddr) : undefined }),
        ];
        if (u.upid) out.push(this.v('UPID', upidSummary(u), { ...ro, memoryReference: hex(u.upid.addr), variablesReference: this.vars.create({ k: 'upid', tid: t.tid }) }));
        else out.push(this.v('UPID', 'none (not a receiver)', ro));
        out.push(this.v('UITT', u.uittSource === 'none' ? 'none (not a sender)' : `${u.uitt.length} valid entr${u.uitt.length === 1 ? 'y' : 'ies'} at ${hex(u.uittTable)}${u.uittSource === 'kernel' ? ' (process table, not yet loaded into this thread\'s IA32_UINTR_TT)' : ''}`, { ...ro, memoryReference: u.uittTable ? hex(u.uittTable) : undefined, variablesReference: u.uitt.length ? this.vars.create({ k: 'uitt', tid: t.tid }) : 0 }));
        if (u.receiver) out.push(this.v('Receiver', `UPID ${hex(u.receiver.upid)}, vectors ${u.receiver.vectors.length ? u.receiver.vectors.join(', ') : '(none yet)'}`, ro));
        out.push(this.v('Handling', u.active.length ? u.active.map((d) => `vector ${d.vector} (interrupted at ${this.symName(d.rip)})`).join(' ⊂ ') : 'no', { ...ro, variablesReference: u.active.length ? this.vars.create({ k: 'active', tid: t.tid }) : 0 }));
        out.push(this.v('Delivery', u.delivery, ro));
        return out;
      }
      case 'uirr':
        return u.pending.map((v) => this.v(`vector ${v}`, 'pending', ro));
      case 'upid': {
        const p = u.upid!;
        return [
          this.v('ON', String(p.on), { type: 'bit' }),
          this.v('SN', String(p.sn), { type: 'bit' }),
          this.v('NV', hex(p.nv), ro),
          this.v('NDST', `${hex(p.ndst)} (APIC ${p.apic})`, ro),
          this.v('PIR', `${hex(p.pir)}${p.pir ? ` (vectors ${vecList(p.pir).join(', ')})` : ''}`),
          this.v('BLKD', `${p.blkd}${p.blkd ? ' (receiver blocked: sender pays)' : ''}`, ro),
          this.v('owner', p.owner !== undefined ? `thread ${p.owner}` : 'none', ro),
        ];
      }
      case 'uitt':
        return u.uitt.map((e) => this.v(`[${e.index}]`, `vector ${e.vector} → UPID ${hex(e.upid)}${e.target !== undefined ? ` (thread ${e.target})` : ' (no live receiver)'}`, { ...ro, memoryReference: hex(e.upid) }));
      case 'active':
        return u.active.map((d, i) => this.v(`[${i}]`, `vector ${d.vector}: frame ${hex(d.frame)}, interrupted rip ${this.symName(d.rip)}, rsp ${hex(d.rsp)}, rflags ${hex(d.rflags)}`, { ...ro, memoryReference: hex(d.frame) }));
    }
    return [];
  }

  protected override setVariableRequest(response: DebugProtocol.SetVariableResponse, args: DebugProtocol.SetVariableArguments): void {
    this.guard(response, () => {
      this.requireStopped();
      const ref = this.vars.get(args.variablesReference);
      if (!ref) this.fail('variables are no longer available');
      const t = this.thread(ref.tid);
      const m = this.machine!;
      if (ref.k === 'locals' || ref.k === 'value') {
        // a DWARF variable (or a member / element of one): write guest memory
        const read = (a: number, n: number) => m.readMemory(t, a, n);
        let target: { type: TypeInfo | null; addr: number; bits?: boolean } | undefined;
        if (ref.k === 'locals') {
          const fv = findVariable(this.dbg, this.framesOf(t)[ref.frame], args.name, true, (a, n) => m.readMemory(t, a, n));
          if (fv && 'error' in fv) this.fail(fv.error);
          if (!fv || 'value' in fv) this.fail(`${args.name} cannot be changed`);
          if ('bytes' in fv) this.fail(`${args.name} is not in memory (a register or a computed value): it cannot be changed`);
          target = fv;
        } else {
          if (ref.bytes) this.fail(`${args.name} is not in memory: it cannot be changed`);
          const c = childrenOf(ref.type, ref.addr, read).find((x) => x.name === args.name);
          if (c) target = { type: c.type, addr: c.addr, bits: c.bitSize !== undefined };
        }
        if (!target || target.bits) this.fail(`${args.name} cannot be changed`);
        const bytes = encodeValue(target.type, args.value);
        if (m.writeMemory(t, target.addr, bytes) < bytes.length) this.fail(`cannot write memory at ${hex(target.addr)}`);
        const f = formatValue(target.type, target.addr, read);
        response.body = { value: f.value, type: f.type, variablesReference: f.expandable && target.type ? this.vars.create({ k: 'value', tid: t.tid, type: target.type, addr: target.addr }) : 0, memoryReference: f.memoryReference };
        this.sendResponse(response);
        if (this.clientSupportsInvalidated) this.sendEvent(new InvalidatedEvent(['variables'], t.tid));
        return;
      }
      let v: bigint;
      try {
        v = parseNumber(args.value);
      } catch (e) {
        this.fail((e as Error).message);
      }
      let shown: string;
      let stacks = false;
      if (ref.k === 'regs') {
        if (ref.frame !== 0) this.fail('only the top frame\'s registers can be changed');
        m.setRegister(t, args.name, v);
        const nv = m.register(t, args.name)!;
        shown = args.name === 'rip' ? this.sym(Number(nv)) : args.name === 'rflags' ? `${hex(nv)} ${flagNames(Number(nv))}` : /^xmm/.test(args.name) ? '0x' + nv.toString(16).padStart(32, '0') : '0x' + nv.toString(16).padStart(16, '0');
        stacks = args.name === 'rip' || args.name === 'rsp' || args.name === 'rbp';
      } else if (ref.k === 'rflags') {
        const bit = RFLAGS_BITS.find(([n]) => n === args.name);
        if (!bit) this.fail(`unknown flag ${args.name}`);
        if (v !== 0n && v !== 1n) this.fail(`${args.name} is one bit: 0 or 1`);
        const f = m.register(t, 'rflags')!;
        m.setRegister(t, 'rflags', v ? f | (1n << BigInt(bit[1])) : f & ~(1n << BigInt(bit[1])));
        shown = String((m.register(t, 'rflags')! >> BigInt(bit[1])) & 1n);
      } else if (ref.k === 'uintr' || ref.k === 'upid') {
        const field = args.name.toUpperCase();
        const ok = ref.k === 'uintr' ? ['UIF', 'UIRR', 'UIHANDLER', 'UISTACKADJUST'] : ['ON', 'SN', 'PIR'];
        if (!ok.includes(field)) this.fail(`${args.name} cannot be changed (changeable: ${ok.join(', ')})`);
        m.setUintr(t, field, v);
        const u = m.uintr(t);
        shown = field === 'UIF' ? String(u.uif) : field === 'UIRR' ? hex(u.uirr) : field === 'UIHANDLER' ? this.sym(u.handler) : field === 'UISTACKADJUST' ? hex(u.stackAdjust)
          : field === 'ON' ? String(u.upid!.on) : field === 'SN' ? String(u.upid!.sn) : hex(u.upid!.pir);
      } else this.fail(`${args.name} cannot be changed`);
      response.body = { value: shown };
      this.sendResponse(response);
      if (this.clientSupportsInvalidated) {
        if (stacks) this.frameCache.clear();
        this.sendEvent(new InvalidatedEvent(stacks ? ['stacks', 'variables'] : ['variables'], t.tid));
      }
    });
  }

  // ------------------------------------------------------------------ evaluate

  /** The C access-path environment of a frame (frame undefined: the thread's top frame, unwound on demand). */
  private cEnv(t: Thread, frame?: Frame, globals: (name: string) => boolean = () => true): CEnv {
    const m = this.machine!;
    const read = (a: number, n: number) => m.readMemory(t, a, n);
    let top: Frame | undefined = frame;
    const env: CEnv = {
      read,
      lookup: (n) => {
        if (!this.dbg?.info) return null;
        if (!top) top = unwind(m, t, this.syms, 2, this.dbg)[0];
        const v = findVariable(this.dbg, top, n, globals(n), read);
        if (!v) return null;
        if ('error' in v) throw new ExprError(v.error);
        if ('value' in v) return { kind: 'rv', type: v.type, value: v.value };
        if ('bytes' in v) {
          // a register / computed value: its integer value
          const rt = resolveType(v.type);
          const signed = rt?.kind === 'enum' || (rt?.kind === 'base' && (rt.encoding === 5 || rt.encoding === 6 || rt.encoding === 0x0d));
          let x = 0n;
          for (let i = v.bytes.length - 1; i >= 0; i--) x = (x << 8n) | BigInt(v.bytes[i]);
          return { kind: 'rv', type: v.type, value: signed ? BigInt.asIntN(v.bytes.length * 8, x) : x };
        }
        return { kind: 'lv', type: v.type, addr: v.addr };
      },
      index: (src) => {
        const v = evalCPath(src, env);
        return v ? intValue(v, read) : compileExpression(src).eval(this.evalContext(t, top));
      },
    };
    return env;
  }

  /**
   * The integer expression language's names (conditions, logpoints, evaluate's fallback): the frame's DWARF
   * locals/parameters with integer values (frame undefined: the top frame), registers, thread/pid/core, symbols
   * (a symbol's value is its address, also for a DWARF global), UIF/UIRR.
   */
  private evalContext(t: Thread, frame?: Frame): EvalContext {
    const m = this.machine!;
    const cenv = this.dbg?.info ? this.cEnv(t, frame, () => false) : undefined;
    return {
      name: (n) => {
        // a DWARF local/parameter of the frame (or global) with an integer value
        if (cenv && /^[A-Za-z_]\w*$/.test(n)) {
          try {
            const v = cenv.lookup(n);
            if (v) return intValue(v, cenv.read);
          } catch (e) {
            if (!(e instanceof ExprError)) throw e;
          }
        }
        const r = m.register(t, n);
        if (r !== undefined) return r;
        if (n === 'thread' || n === 'tid') return BigInt(t.tid);
        if (n === 'pid') return BigInt(t.proc.pid);
        if (n === 'core') return BigInt(m.coreOf(t));
        const s = this.syms.resolve(n);
        if (s.length) return BigInt(s[0].addr);
        const up = n.toUpperCase();
        if (up === 'UIF' || up === 'UIRR') return up === 'UIF' ? BigInt(t.cpu.ui.uif) : t.cpu.ui.uirr;
        return undefined;
      },
      read: (a, size) => {
        const b = m.readMemory(t, Number(a), size);
        if (b.length < size) throw new ExprError(`cannot read ${size} bytes at ${hex(a)}`);
        let v = 0n;
        for (let i = size - 1; i >= 0; i--) v = (v << 8n) | BigInt(b[i]);
        return v;
      },
    };
  }

  /** An evaluate result for a C value, formatted like the Locals scope. */
  private cResult(t: Thread, v: CVal): DebugProtocol.EvaluateResponse['body'] {
    const read = (a: number, n: number) => this.machine!.readMemory(t, a, n);
    if (v.kind === 'rv') {
      const rt = resolveType(v.type);
      const type = v.type ? typeName(v.type) : 'void';
      if (rt?.kind === 'pointer') return { result: hex(BigInt.asUintN(64, v.value)), type, variablesReference: 0, memoryReference: hex(BigInt.asUintN(64, v.value)) };
      const size = rt && rt.size > 0 && rt.size <= 8 ? rt.size : 8;
      const bytes = new Uint8Array(size);
      let u = BigInt.asUintN(64, v.value);
      for (let i = 0; i < size; i++, u >>= 8n) bytes[i] = Number(u & 0xffn);
      const fv = formatValue(v.type, 0, (a, n) => (a + n <= size ? bytes.slice(a, a + n) : new Uint8Array(0)));
      return { result: fv.value, type, variablesReference: 0 };
    }
    const f = formatValue(v.type, v.addr, read, v.bits);
    return {
      result: f.value,
      type: f.type,
      variablesReference: f.expandable && v.type ? this.vars.create({ k: 'value', tid: t.tid, type: v.type, addr: v.addr }) : 0,
      memoryReference: f.memoryReference ?? (v.bits ? undefined : hex(v.addr)),
    };
  }

  protected override evaluateRequest(response: DebugProtocol.EvaluateResponse, args: DebugProtocol.EvaluateArguments): void {
    this.guard(response, () => {
      const m = this.need();
      let t: Thread = this.focus();
      let frame: Frame | undefined;
      if (args.frameId !== undefined) {
        const fr = this.frames.get(args.frameId);
        if (fr) {
          t = m.thread(fr.tid) ?? t;
          frame = this.framesOf(t)[fr.index];
        }
      }
      frame ??= this.framesOf(t)[0];
      // in the repl a global's bare name keeps its assembly-level meaning (its address, as in `*(u32*)(name)`);
      // hover / watch show the C value
      const bare = args.context === 'repl' || args.context === undefined ? args.expression.trim() : '';
      const env = this.cEnv(t, frame, (n) => n !== bare);
      let v: bigint;
      try {
        const cv = evalCPath(args.expression, env);
        if (cv) {
          response.body = this.cResult(t, cv);
          this.sendResponse(response);
          return;
        }
        v = compileExpression(args.expression).eval(this.evalContext(t, frame));
      } catch (e) {
        if (e instanceof ExprError) this.fail(`${args.expression}: ${e.message}`);
        throw e;
      }
      const u = BigInt.asUintN(64, v);
      const s = this.syms.format(Number(u));
      response.body = { result: `${hex(u)} (${BigInt.asIntN(64, v)})${s && u >= 0x1000n ? ` <${s}>` : ''}`, variablesReference: 0, memoryReference: hex(u) };
      this.sendResponse(response);
    });
  }

  // ------------------------------------------------------------------ breakpoints

  protected override setBreakPointsRequest(response: DebugProtocol.SetBreakpointsResponse, args: DebugProtocol.SetBreakpointsArguments): void {
    this.guard(response, () => {
      const bps = args.breakpoints ?? (args.lines ?? []).map((line) => ({ line } as DebugProtocol.SourceBreakpoint));
      const srcPath = args.source.path ?? args.source.name ?? '';
      const dbg = this.dbg;
      const file = dbg && this.machine ? dbg.resolveFile(srcPath) : null;
      const list: { id: number; addr: number; cond: ((t: Thread) => boolean) | null }[] = [];
      const out: DebugProtocol.Breakpoint[] = [];
      for (const b of bps) {
        const id = this.nextBpId++;
        if (!this.machine) {
          out.push({ id, verified: false, line: b.line, message: 'the program is not loaded yet' });
          continue;
        }
        if (!dbg || !dbg.hasLines) {
          out.push({ id, verified: false, line: b.line, message: 'the program has no DWARF line table (compile with -g): use function or instruction breakpoints' });
          continue;
        }
        if (!file) {
          out.push({ id, verified: false, line: b.line, message: `${path.basename(srcPath)} is not in the program's line table` });
          continue;
        }
        const loc = dbg.breakpointLocations(file, b.line);
        if (!loc || !loc.addresses.length) {
          out.push({ id, verified: false, line: b.line, message: `no code at or after line ${b.line} of ${path.basename(file)}` });
          continue;
        }
        let cond: ((t: Thread) => boolean) | null;
        try {
          cond = this.bpPredicate(b.condition, b.hitCondition, b.logMessage);
        } catch (e) {
          out.push({ id, verified: false, line: b.line, message: (e as Error).message });
          continue;
        }
        for (const a of loc.addresses) list.push({ id, addr: a, cond });
        out.push({ id, verified: true, line: loc.line, source: args.source, instructionReference: hex(loc.addresses[0]) });
      }
      this.lineBps.set(file ?? srcPath, list);
      this.applyBreakpoints();
      response.body = { breakpoints: out };
      this.sendResponse(response);
    });
  }

  /**
   * A breakpoint condition (registers, thread, symbols, memory), hit condition and log message, as a predicate;
   * throws ExprError. A logpoint (logMessage) prints its interpolated message as an `output` event (category
   * console) when the condition and hit condition hold, and never stops. Usable for every breakpoint kind
   * (instruction, function, source line, data: `extra` adds names such as `old`/`new`).
   */
  private bpPredicate(cond?: string, hit?: string, logMessage?: string, extra?: (t: Thread, n: string) => bigint | undefined): ((t: Thread) => boolean) | null {
    const c = cond && cond.trim() ? compileCondition(cond) : null;
    const h = hit && hit.trim() ? compileHitCondition(hit) : null;
    const log = logMessage !== undefined && logMessage !== '' ? compileLogMessage(logMessage) : null;
    if (!c && !h && !log) return null;
    let hits = 0, epoch = this.hitEpoch;
    const ctx = (t: Thread): EvalContext => {
      const base = this.evalContext(t);
      return extra ? { name: (n) => extra(t, n) ?? base.name(n), read: base.read } : base;
    };
    return (t: Thread) => {
      try {
        if (c && c.eval(ctx(t)) === 0n) return false;
      } catch (e) {
        this.output('console', `breakpoint condition '${cond}': ${(e as Error).message}: stopping\n`);
        return true;
      }
      if (epoch !== this.hitEpoch) {
        epoch = this.hitEpoch;
        hits = 0;
      }
      hits++;
      if (h && !h(hits)) return false;
      if (log) {
        this.output('console', log.format(ctx(t)) + '\n');
        return false;
      }
      return true;
    };
  }

  /**
   * A .uasm case's `; @break [CONDITION]` annotations become breakpoints when it is debugged (uintr-test
   * ignores them). A bad condition or an annotation with no code after it is reported on the console and
   * skipped, like an unverified breakpoint.
   */
  private uasmBreaks(uasm: UasmSource): { id: number; addr: number; line: number; cond: ((t: Thread) => boolean) | null }[] {
    const out: { id: number; addr: number; line: number; cond: ((t: Thread) => boolean) | null }[] = [];
    for (const b of uasm.breakAnnotations()) {
      const where = `${path.basename(uasm.file)}:${b.line}`;
      if (b.addr === null) {
        this.output('console', `uintr-debug: @break at ${where}: no instruction follows it; ignored\n`);
        continue;
      }
      let cond: ((t: Thread) => boolean) | null = null;
      try {
        cond = b.condition ? this.bpPredicate(b.condition) : null;
      } catch (e) {
        this.output('console', `uintr-debug: @break at ${where}: ${(e as Error).message}; ignored\n`);
        continue;
      }
      out.push({ id: this.nextBpId++, addr: b.addr, line: b.line, cond });
    }
    return out;
  }

  /** Install the breakpoints on m (all = false: only the hooks, which change guest state and never stop). */
  private applyBreakpoints(m: Machine | null = this.machine, all = true): void {
    // several breakpoints at one address (e.g. a function breakpoint and a logpoint): every predicate runs
    // (each logpoint logs, each hit count counts); the machine stops if any of them says so
    const byAddr = new Map<number, (((t: Thread) => boolean) | null)[]>();
    const user = all ? [...this.instrBps, ...this.funcBps, ...[...this.lineBps.values()].flat(), ...this.annotationBps] : [];
    for (const b of [...user, ...this.hooks]) {
      const l = byAddr.get(b.addr);
      if (l) l.push(b.cond);
      else byAddr.set(b.addr, [b.cond]);
    }
    m?.setBreakpoints(
      [...byAddr].map(([addr, cs]) => {
        if (cs.length === 1) return [addr, cs[0]] as [number, ((t: Thread) => boolean) | null];
        return [addr, (t: Thread) => cs.reduce<boolean>((stop, c) => (c === null || c(t)) || stop, false)] as [number, (t: Thread) => boolean];
      }),
    );
  }

  protected override setInstructionBreakpointsRequest(response: DebugProtocol.SetInstructionBreakpointsResponse, args: DebugProtocol.SetInstructionBreakpointsArguments): void {
    this.guard(response, () => {
      const m = this.need();
      const out: DebugProtocol.Breakpoint[] = [];
      this.instrBps = [];
      for (const b of args.breakpoints) {
        const id = this.nextBpId++;
        let addr: number;
        try {
          addr = Number(BigInt(b.instructionReference)) + (b.offset ?? 0);
        } catch {
          out.push({ id, verified: false, message: `bad instruction reference '${b.instructionReference}'` });
          continue;
        }
        let cond: ((t: Thread) => boolean) | null;
        try {
          cond = this.bpPredicate(b.condition, b.hitCondition, (b as { logMessage?: string }).logMessage);
        } catch (e) {
          out.push({ id, verified: false, instructionReference: hex(addr), message: (e as Error).message });
          continue;
        }
        const mapped = m.readMemory(m.mainThread, addr, 1).length === 1 && (m.mainThread.proc.mem.prot[Math.floor(addr / 4096)] & 4) !== 0;
        this.instrBps.push({ id, addr, cond });
        out.push({ id, verified: mapped, instructionReference: hex(addr), message: mapped ? undefined : `${hex(addr)} is not in executable memory (yet)` });
      }
      this.applyBreakpoints();
      response.body = { breakpoints: out };
      this.sendResponse(response);
    });
  }

  protected override setFunctionBreakPointsRequest(response: DebugProtocol.SetFunctionBreakpointsResponse, args: DebugProtocol.SetFunctionBreakpointsArguments): void {
    this.guard(response, () => {
      this.need();
      const out: DebugProtocol.Breakpoint[] = [];
      this.funcBps = [];
      for (const b of args.breakpoints) {
        const name = b.name.trim();
        let addrs: number[] = this.syms.resolve(name).map((s) => s.addr);
        if (!addrs.length && /^(0x[0-9a-f]+|\d+)$/i.test(name)) addrs = [Number(BigInt(name))];
        let cond: ((t: Thread) => boolean) | null = null;
        let err: string | undefined;
        try {
          cond = this.bpPredicate(b.condition, b.hitCondition, (b as { logMessage?: string }).logMessage);
        } catch (e) {
          err = (e as Error).message;
        }
        if (!addrs.length || err) {
          out.push({ id: this.nextBpId++, verified: false, message: err ?? `no function named '${name}' in the program's symbol table` });
          continue;
        }
        // one DAP breakpoint per name; all its addresses share the id
        const id = this.nextBpId++;
        for (const a of addrs) this.funcBps.push({ id, addr: a, cond });
        out.push({ id, verified: true, instructionReference: hex(addrs[0]) });
      }
      this.applyBreakpoints();
      response.body = { breakpoints: out };
      this.sendResponse(response);
    });
  }

  // ------------------------------------------------------------------ data breakpoints

  /** `Data breakpoint on 0x4a72d8 <counter> (8 bytes): 0x0 → 0x7, written by 0x401727 <bump+0x17>: mov ... in thread 1000`. */
  private describeHit(h: WatchHit): string {
    const w = h.watch;
    let writer = h.writer;
    if (h.rip !== undefined) writer = writer.replace(/^0x[0-9a-f]+:/, `${this.sym(h.rip)}:`);
    if (w.size === 16) {
      // a UPID: decoded (status ON SN NV, NDST, PIR)
      const upid = (v: bigint) => {
        const ctl = Number(v & 0xffffffffn), ndst = Number((v >> 32n) & 0xffffffffn);
        return `{ON ${ctl & 1} SN ${(ctl >> 1) & 1} NV ${hex((ctl >>> 16) & 0xff)} NDST ${hex(ndst)} PIR ${hex(v >> 64n)}}`;
      };
      return `UPID ${hex(w.addr)}: ${upid(h.old)} → ${upid(h.value)}, written by ${writer}`;
    }
    return `${this.sym(w.addr)} (${w.size} bytes): ${hex(h.old)} → ${hex(h.value)}, written by ${writer}`;
  }

  protected override dataBreakpointInfoRequest(response: DebugProtocol.DataBreakpointInfoResponse, args: DebugProtocol.DataBreakpointInfoArguments): void {
    this.guard(response, () => {
      const m = this.need();
      const a = args;
      const none = (why: string) => {
        response.body = { dataId: null, description: why };
        this.sendResponse(response);
      };
      const offer = (t: Thread, addr: number, size: number, what: string) => {
        if (![1, 2, 4, 8, 16].includes(size)) return none(`${what}: a data breakpoint watches 1, 2, 4 or 8 bytes (got ${size})`);
        if (!t.proc.mem.rangeMapped(addr, size)) return none(`${what}: ${hex(addr)} is not mapped in process ${t.proc.pid}`);
        response.body = {
          dataId: `${t.proc.pid}:${hex(addr)}:${size}`,
          description: `${what} (${this.sym(addr)}, ${size} bytes, process ${t.proc.pid})`,
          accessTypes: ['write'],
          canPersist: false,
        };
        this.sendResponse(response);
      };
      let t = this.focus();
      if (args.frameId !== undefined) {
        const fr = this.frames.get(args.frameId);
        if (fr) t = m.thread(fr.tid) ?? t;
      }
      if (args.variablesReference) {
        const ref = this.vars.get(args.variablesReference);
        if (!ref) return none('unknown variable (stale reference)');
        const th = m.thread(ref.tid);
        if (!th) return none(`thread ${ref.tid} has exited`);
        if (ref.k === 'uintr' || ref.k === 'upid') {
          const u = m.uintr(th);
          const up = u.upid?.addr;
          const n = args.name;
          if (ref.k === 'uintr' && (n === 'UPID' || n === 'UPIDADDR')) {
            if (!up) return none(`thread ${th.tid} has no UPID (not a receiver)`);
            return offer(th, up, 16, `UPID of thread ${th.tid}`);
          }
          if (ref.k === 'upid' && up) {
            const f: Record<string, [number, number]> = { ON: [0, 4], SN: [0, 4], NV: [0, 4], BLKD: [0, 4], NDST: [4, 4], PIR: [8, 8] };
            if (f[n]) return offer(th, up + f[n][0], f[n][1], `UPID.${n === 'NDST' || n === 'PIR' ? n : 'status (ON SN NV)'} of thread ${th.tid}`);
          }
          return none(`${n} is not in memory (a register or MSR of the thread): no data breakpoint`);
        }
        if (ref.k === 'regs' || ref.k === 'rflags' || ref.k === 'xmm') return none(`${args.name} is a register, not memory: watch the memory it points to with an expression such as *(u64*)(${args.name})`);
        return none(`${args.name}: no data breakpoint for this variable`);
      }
      // an expression or address typed by the user
      let addr: bigint, size: number, what = args.name.trim();
      try {
        if (a.asAddress) {
          addr = compileExpression(args.name).eval(this.evalContext(t));
          size = a.bytes ?? 8;
        } else {
          const lv = compileLvalue(args.name);
          addr = lv.addr(this.evalContext(t));
          size = lv.size ?? 8;
          if (lv.kind === 'name') {
            const s = this.syms.resolve(lv.name!);
            if (s.length && [1, 2, 4, 8].includes(s[0].size)) size = s[0].size;
          }
        }
      } catch (e) {
        if (e instanceof ExprError) return none(`${args.name}: ${e.message}`);
        throw e;
      }
      addr = BigInt.asUintN(64, addr);
      if (addr >= 1n << 32n) return none(`${what}: ${hex(addr)} is outside the guest address space`);
      if (what.length > 40) what = what.slice(0, 40) + '…';
      offer(t, Number(addr), size, what);
    });
  }

  protected override setDataBreakpointsRequest(response: DebugProtocol.SetDataBreakpointsResponse, args: DebugProtocol.SetDataBreakpointsArguments): void {
    this.guard(response, () => {
      const m = this.need();
      const out: DebugProtocol.Breakpoint[] = [];
      const keep: { id: number; dataId: string; watch: DataWatch }[] = [];
      for (const b of args.breakpoints) {
        const old = this.dataBps.find((d) => d.dataId === b.dataId);
        const id = old?.id ?? this.nextBpId++;
        const bad = (message: string) => out.push({ id, verified: false, message });
        const mm = /^(\d+):0x([0-9a-f]+):(\d+)$/i.exec(b.dataId ?? '');
        if (!mm) {
          bad(`bad dataId '${b.dataId}' (get one from dataBreakpointInfo)`);
          continue;
        }
        if (b.accessType && b.accessType !== 'write') {
          bad(`access type '${b.accessType}' is not supported: data breakpoints stop on writes that change the value`);
          continue;
        }
        const pid = Number(mm[1]), addr = parseInt(mm[2], 16), size = Number(mm[3]) as DataWatch['size'];
        const p = m.process(pid);
        if (!p || !p.alive) {
          bad(`process ${pid} does not exist (any more)`);
          continue;
        }
        if (![1, 2, 4, 8, 16].includes(size) || !p.mem.rangeMapped(addr, size)) {
          bad(`${hex(addr)} (${size} bytes) is not watchable in process ${pid}`);
          continue;
        }
        let pred: ((t: Thread) => boolean) | null;
        let cur: WatchHit | null = null;
        try {
          pred = this.bpPredicate(b.condition, b.hitCondition, undefined, (_t, n) => (cur === null ? undefined : n === 'old' ? cur.old : n === 'new' || n === 'value' ? cur.value : undefined));
        } catch (e) {
          bad((e as Error).message);
          continue;
        }
        const watch: DataWatch = {
          id, pid, addr, size,
          cond: pred
            ? (t, h) => {
              cur = h;
              try {
                return pred!(t);
              } finally {
                cur = null;
              }
            }
            : null,
        };
        keep.push({ id, dataId: b.dataId, watch });
        out.push({ id, verified: true, message: `watching ${this.sym(addr)} (${size} bytes) in process ${pid} for writes` });
      }
      m.setDataWatches(keep.map((k) => k.watch));
      this.dataBps = keep;
      response.body = { breakpoints: out };
      this.sendResponse(response);
    });
  }

  protected override setExceptionBreakPointsRequest(response: DebugProtocol.SetExceptionBreakpointsResponse, args: DebugProtocol.SetExceptionBreakpointsArguments): void {
    this.guard(response, () => {
      const m = this.need();
      const list: { filterId: string; condition?: string }[] = [...(args.filters ?? []).map((f) => ({ filterId: f })), ...(args.filterOptions ?? [])];
      const on: [StopFilter, StopCondition | null][] = [];
      const out: DebugProtocol.Breakpoint[] = [];
      for (const f of list) {
        if (!STOP_FILTERS.includes(f.filterId as StopFilter)) {
          out.push({ verified: false, message: `unknown filter '${f.filterId}' (known: ${STOP_FILTERS.join(', ')})` });
          continue;
        }
        let cond: StopCondition | null = null;
        if (f.condition && f.condition.trim()) {
          try {
            const c = compileCondition(f.condition);
            const fields = f.filterId === 'signal' ? ['signal', 'thread', 'pid', 'core'] : ['vector', 'thread', 'pid', 'core', 'index', 'target', 'mismatch'];
            const badName = c.names.find((n) => !fields.includes(n));
            if (badName) throw new ExprError(`unknown field '${badName}' (fields: ${fields.join(', ')})`);
            cond = (facts) => {
              try {
                return c.eval({
                  name: (n) => {
                    const v = (facts as unknown as Record<string, number | undefined>)[n];
                    if (v === undefined) throw new ExprError('absent');
                    return BigInt(v);
                  },
                  read: () => {
                    throw new ExprError('no memory in filter conditions');
                  },
                }) !== 0n;
              } catch {
                return false; // a field this event does not have: no match
              }
            };
          } catch (e) {
            out.push({ verified: false, message: `${f.filterId}: ${(e as Error).message}` });
            continue;
          }
        }
        on.push([f.filterId as StopFilter, cond]);
        out.push({ verified: true });
      }
      m.setStopFilters(on);
      this.filters = on;
      response.body = { breakpoints: out };
      this.sendResponse(response);
    });
  }

  protected override exceptionInfoRequest(response: DebugProtocol.ExceptionInfoResponse, args: DebugProtocol.ExceptionInfoArguments): void {
    this.guard(response, () => {
      const s = this.lastStop;
      if (!s || s.reason !== 'exception' || s.thread.tid !== args.threadId) this.fail('no exception in this thread');
      response.body = { exceptionId: s.filter ?? 'exception', description: s.description, breakMode: 'always', details: s.event ? { message: s.description, typeName: s.event.kind } : undefined };
      this.sendResponse(response);
    });
  }

  // ------------------------------------------------------------------ memory and disassembly

  protected override readMemoryRequest(response: DebugProtocol.ReadMemoryResponse, args: DebugProtocol.ReadMemoryArguments): void {
    this.guard(response, () => {
      const m = this.need();
      const a = Number(BigInt(args.memoryReference)) + (args.offset ?? 0);
      const n = Math.min(args.count, 1 << 20);
      const data = a >= 0 ? m.readMemory(this.focus(), a, n) : new Uint8Array(0);
      response.body = { address: hex(Math.max(0, a)), data: Buffer.from(data).toString('base64'), unreadableBytes: args.count - data.length };
      this.sendResponse(response);
    });
  }

  protected override writeMemoryRequest(response: DebugProtocol.WriteMemoryResponse, args: DebugProtocol.WriteMemoryArguments): void {
    this.guard(response, () => {
      const m = this.need();
      this.requireStopped();
      const a = Number(BigInt(args.memoryReference)) + (args.offset ?? 0);
      const data = new Uint8Array(Buffer.from(args.data, 'base64'));
      const n = m.writeMemory(this.focus(), a, data);
      if (n < data.length && !args.allowPartial) this.fail(`only ${n} of ${data.length} bytes at ${hex(a)} are writable (mapped)`);
      response.body = { offset: args.offset ?? 0, bytesWritten: n };
      this.sendResponse(response);
      this.frameCache.clear();
    });
  }

  protected override disassembleRequest(response: DebugProtocol.DisassembleResponse, args: DebugProtocol.DisassembleArguments): void {
    this.guard(response, () => {
      this.need();
      response.body = { instructions: this.dis!.disassemble(this.focus(), args) };
      this.sendResponse(response);
    });
  }

  // ------------------------------------------------------------------ custom requests (uintr/*)

  protected override customRequest(command: string, response: DebugProtocol.Response, args: Record<string, unknown> | undefined): void {
    this.guard(response, () => {
      const m = this.need();
      switch (command) {
        case 'uintr/state':
          response.body = this.uintrState();
          break;
        case 'uintr/events': {
          const all = m.kernel.uintrLog.events;
          const start = args?.start ?? 0;
          const count = args?.count ?? 1000;
          if (!Number.isInteger(start) || (start as number) < 0) this.fail(`uintr/events: 'start' must be a non-negative integer`);
          if (!Number.isInteger(count) || (count as number) < 0) this.fail(`uintr/events: 'count' must be a non-negative integer`);
          response.body = { events: all.slice(start as number, (start as number) + Math.min(count as number, 10000)), total: all.length, start };
          break;
        }
        case 'uintr/goto': {
          // back to an earlier UINTR event (the UINTR Events view's "Go Back to This Event"): a replay
          const seq = args?.seq, n = m.kernel.uintrLog.events.length;
          if (!Number.isInteger(seq)) this.fail(`uintr/goto: 'seq' must be an event number`);
          if ((seq as number) < 0 || (seq as number) >= n) this.fail(`uintr/goto: no event #${seq} yet (the log has ${n} events)`);
          this.reverse(response, m.mainThread.tid, (mm, host) => goToEvent(host, mm, seq as number));
          return;
        }
        case 'uintr/post': {
          const tid = args?.threadId, vector = args?.vector;
          if (!Number.isInteger(tid)) this.fail(`uintr/post: 'threadId' must be a thread id`);
          if (!Number.isInteger(vector)) this.fail(`uintr/post: 'vector' must be an integer 0..63`);
          const t = this.thread(tid as number);
          const outcome = m.post(t, vector as number);
          response.body = { outcome };
          this.sendResponse(response);
          this.flush();
          if (this.clientSupportsInvalidated && this.state === 'stopped') this.sendEvent(new InvalidatedEvent(['variables']));
          return;
        }
        default:
          this.fail(`unknown request '${command}'`);
      }
      this.sendResponse(response);
    });
  }

  /** `uintr/state`: every thread's UINTR state, plus the route table (who can send what to whom). */
  private uintrState(): unknown {
    const m = this.machine!;
    const threads = m.threads().map((t) => {
      const u = m.uintr(t);
      return {
        id: t.tid,
        pid: t.proc.pid,
        name: t.proc.comm,
        core: m.coreOf(t),
        state: m.threadState(t),
        ...uintrJson(u, (a) => this.syms.format(a)),
      };
    });
    // routes: one per valid UITT entry of every table some thread can use (MSR or kernel table)
    const seen = new Set<number>();
    const routes: unknown[] = [];
    for (const t of m.threads()) {
      const u = m.uintr(t);
      if (u.uittSource === 'none' || seen.has(u.uittTable)) continue;
      seen.add(u.uittTable);
      const users = m.threads().filter((x) => {
        const v = m.uintr(x);
        return v.uittSource !== 'none' && v.uittTable === u.uittTable;
      });
      for (const e of u.uitt) routes.push({ uitt: hex(u.uittTable), senders: users.map((x) => x.tid), pid: t.proc.pid, index: e.index, vector: e.vector, upid: hex(e.upid), target: e.target ?? null });
    }
    return { threads, routes, time: m.kernel.now, instructions: m.kernel.totalInsns, events: m.kernel.uintrLog.events.length, running: this.state === 'running' };
  }
}

// ------------------------------------------------------------------ formatting helpers

function flagNames(f: number): string {
  const on = RFLAGS_BITS.filter(([, b]) => (f >> b) & 1).map(([n]) => n);
  return `[${on.join(' ')}]`;
}

function vecList(m: bigint): number[] {
  const out: number[] = [];
  for (let v = 63; v >= 0; v--) if ((m >> BigInt(v)) & 1n) out.push(v);
  return out;
}

function upidSummary(u: UintrView): string {
  const p = u.upid!;
  return `${hex(p.addr)}: ON=${p.on} SN=${p.sn} NV=${hex(p.nv)} NDST=APIC ${p.apic} PIR=${hex(p.pir)}${p.blkd ? ' BLKD' : ''}`;
}

function uintrJson(u: UintrView, sym: (a: number) => string | null): Record<string, unknown> {
  return {
    uif: u.uif,
    uirr: hex(u.uirr),
    pending: u.pending,
    handler: hex(u.handler),
    handlerSymbol: u.handler ? sym(u.handler) : null,
    stackAdjust: hex(u.stackAdjust),
    uinv: u.uinv,
    uittsz: u.uittsz,
    uittAddr: hex(u.uittAddr),
    ttValid: u.ttValid,
    upidAddr: hex(u.upidAddr),
    upid: u.upid ? { addr: hex(u.upid.addr), on: u.upid.on, sn: u.upid.sn, nv: u.upid.nv, ndst: hex(u.upid.ndst), apic: u.upid.apic, pir: hex(u.upid.pir), blkd: u.upid.blkd, owner: u.upid.owner ?? null } : null,
    uitt: u.uitt.map((e) => ({ index: e.index, vector: e.vector, upid: hex(e.upid), target: e.target ?? null })),
    uittSource: u.uittSource,
    receiver: u.receiver ? { upid: hex(u.receiver.upid), vectors: u.receiver.vectors } : null,
    active: u.active.map((d) => ({ vector: d.vector, frame: hex(d.frame), rip: hex(d.rip), rsp: hex(d.rsp), rflags: hex(d.rflags) })),
    delivery: u.delivery,
  };
}

/** The bytes of a value typed in the Variables view for a base / enum / pointer type (throws DapError-like Error). */
function encodeValue(t0: TypeInfo | null, text: string): Uint8Array {
  const t = resolveType(t0);
  const s = text.trim();
  if (!t || (t.kind !== 'base' && t.kind !== 'enum' && t.kind !== 'pointer')) throw new ExprError(`only numbers, characters, enums and pointers can be changed (not ${t0 ? typeName(t0) : 'void'})`);
  const size = t.kind === 'pointer' ? 8 : t.size;
  const out = new Uint8Array(size);
  const dv = new DataView(out.buffer);
  if (t.kind === 'base' && t.encoding === 4) {
    const x = Number(s);
    if (!s || Number.isNaN(x) && !/^nan$/i.test(s)) throw new ExprError(`not a number: '${text}'`);
    if (size === 4) dv.setFloat32(0, x, true);
    else if (size === 8) dv.setFloat64(0, x, true);
    else throw new ExprError(`${size}-byte floats cannot be changed`);
    return out;
  }
  let v: bigint | undefined;
  const ch = /^'(?:\\([0ntr\\'])|([^\\]))'$/.exec(s);
  if (ch) v = BigInt(ch[2] !== undefined ? ch[2].charCodeAt(0) : ({ '0': 0, n: 10, t: 9, r: 13, '\\': 92, "'": 39 } as Record<string, number>)[ch[1]]);
  else if (t.kind === 'enum') {
    for (const [k, n] of t.values) if (n === s) v = BigInt(k);
  } else if (t.kind === 'base' && t.encoding === 2) {
    if (s === 'true' || s === 'false') v = s === 'true' ? 1n : 0n;
  }
  if (v === undefined) {
    if (!/^-?\s*(0x[0-9a-f_]+|0b[01_]+|0o[0-7_]+|\d[\d_]*)$/i.test(s)) throw new ExprError(`not a number: '${text}'`);
    v = parseNumber(s);
  }
  const signed = t.kind === 'enum' || (t.kind === 'base' && (t.encoding === 5 || t.encoding === 6 || t.encoding === 0x0d));
  const bits = BigInt(size * 8);
  if (signed ? v < -(1n << (bits - 1n)) || v >= 1n << bits : v < -(1n << (bits - 1n)) || v >= 1n << bits) throw new ExprError(`${text} does not fit in ${size} byte${size === 1 ? '' : 's'}`);
  let u = BigInt.asUintN(size * 8, v);
  for (let i = 0; i < size; i++, u >>= 8n) out[i] = Number(u & 0xffn);
  return out;
}
