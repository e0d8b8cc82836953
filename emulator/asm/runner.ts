/**
 * Runs one .uasm test case: assemble to an ELF, load it into a Machine (the kernel loads it like any static
 * program), apply the architecture-level `uintr` directives when each thread starts, run to the end (or
 * @max-insns) while capturing thread states at labels and at exit, then check every expectation.
 */
import * as fs from 'node:fs';
import { Machine } from '../machine';
import { Thread } from '../linux/process';
import { signalName, Kernel, KernelDebugger } from '../linux/kernel';
import { writeMsr, updatePending, MSR_UINTR_RR, MSR_UINTR_HANDLER, MSR_UINTR_STACKADJUST, MSR_UINTR_MISC, MSR_UINTR_PD, MSR_UINTR_TT } from '../uintr/arch';
import { UintrEvent, formatEvent } from '../uintr/events';
import { AsmError, Expr, Pos } from './parse';
import { Program, assemble, evalWithProgram, parseSource, toElf } from './assembler';
import { Annotations, EventFilter, Expectation, parseAnnotations } from './annotations';

export interface CaseResult {
  file: string;
  name: string;
  passed: boolean;
  /** One message per failed expectation (with file:line:col), or the assembly error. */
  failures: string[];
  stdout: string;
  stderr: string;
  status: number | null;
  events: UintrEvent[];
  insns: number;
}

export interface Compiled {
  prog: Program;
  ann: Annotations;
  elf: Uint8Array;
}

/** Assemble + check annotations (throws AsmError). */
export function compileCase(src: string, file: string): Compiled {
  const parsed = parseSource(src, file);
  const ann = parseAnnotations(parsed.comments, file);
  const prog = assemble(parsed);
  // labels and thread names in annotations must exist
  const names = new Set(prog.threads.map((t) => t.name));
  for (const e of ann.expects) {
    const lab = e.k === 'value' || e.k === 'fault' ? e.at : null;
    if (lab && !prog.symbols.has(lab)) throw new AsmError(e.pos, `unknown label '${lab}'`);
    if (e.k === 'value' && e.thread && !names.has(e.thread)) throw new AsmError(e.pos, `unknown thread '${e.thread}' (threads: ${[...names].join(', ')})`);
    if (e.k === 'value' && !e.thread && names.size > 1) throw new AsmError(e.pos, `say which thread: '@expect THREAD: ...' (threads: ${[...names].join(', ')})`);
    if (e.k === 'value') evalWithProgram(prog, e.value);
    if (e.k === 'value' && e.what.k === 'mem') evalWithProgram(prog, e.what.addr);
    const filters = e.k === 'event' ? [e.filter] : e.k === 'order' ? e.filters : [];
    for (const f of filters)
      for (const fl of f.fields) {
        if (fl.key === 'thread' && typeof fl.value === 'string' && !names.has(fl.value)) throw new AsmError(fl.pos, `unknown thread '${fl.value}'`);
        if (typeof fl.value !== 'string') evalWithProgram(prog, fl.value);
      }
  }
  return { prog, ann, elf: toElf(prog) };
}

const hex = (v: bigint) => '0x' + BigInt.asUintN(64, v).toString(16);
const where = (p: Pos) => `${p.file}:${p.line}:${p.col}`;

interface Snap {
  get(what: Extract<Expectation, { k: 'value' }>['what']): bigint | string;
}

/** Run a compiled case. */
export function runCompiled(c: Compiled, file: string, opts: { onStdout?: (s: string) => void } = {}): CaseResult {
  const { prog, ann, elf } = c;
  let stdout = '', stderr = '';
  const dec = new TextDecoder('latin1');
  const m = new Machine({
    cores: ann.cores ?? 2,
    seed: ann.seed ?? 1,
    io: {
      write: (fd, d) => {
        const s = dec.decode(d);
        if (fd === 1) {
          stdout += s;
          opts.onStdout?.(s);
        } else stderr += s;
      },
      readStdin: () => new Uint8Array(0),
      isatty: () => false,
    },
  });
  const k = m.kernel;
  k.spawn(file, [file], [], elf);
  const failures: string[] = [];
  const tname = new Map<number, string>();
  const byName = new Map<string, Thread>();
  const sym = (n: string) => prog.symbols.get(n)!;
  const nameOf = (t: Thread) => tname.get(t.tid) ?? `tid ${t.tid}`;
  const single = prog.threads.length === 1 ? prog.threads[0].name : null;

  const snapshot = (t: Thread): Snap => {
    const view = m.uintr(t);
    const regs = new Map<string, bigint>();
    return {
      get(w) {
        if (w.k === 'reg') {
          if (!regs.has(w.name)) regs.set(w.name, m.register(t, w.name) ?? 0n);
          return regs.get(w.name)!;
        }
        if (w.k === 'mem') {
          const a = Number(BigInt.asUintN(64, evalWithProgram(prog, w.addr)));
          const b = m.readMemory(t, a, w.size);
          if (b.length < w.size) return `unreadable memory at 0x${a.toString(16)}`;
          let v = 0n;
          for (let i = w.size - 1; i >= 0; i--) v = (v << 8n) | BigInt(b[i]);
          return v;
        }
        const u = view;
        switch (w.field) {
          case 'uif': return BigInt(u.uif);
          case 'uirr': return u.uirr;
          case 'handler': return BigInt(u.handler);
          case 'stackadjust': return BigInt(u.stackAdjust);
          case 'uinv': return BigInt(u.uinv);
          case 'uittsz': return BigInt(u.uittsz);
          case 'uitt': return BigInt(u.uittAddr);
          case 'tt_valid': return BigInt(u.ttValid);
          case 'upid': return BigInt(u.upidAddr);
        }
        if (!u.upid) return 'no UPID (UPIDADDR is 0 and the thread is not a registered receiver)';
        switch (w.field) {
          case 'upid.on': return BigInt(u.upid.on);
          case 'upid.sn': return BigInt(u.upid.sn);
          case 'upid.nv': return BigInt(u.upid.nv);
          case 'upid.ndst': return BigInt(u.upid.ndst);
          case 'upid.pir': return u.upid.pir;
          case 'upid.ctl': {
            const b = m.readMemory(t, u.upid.addr, 4);
            return BigInt((b[0] | (b[1] << 8) | (b[2] << 16) | (b[3] << 24)) >>> 0);
          }
        }
        return 'unknown field';
      },
    };
  };

  const valueExp = ann.expects.filter((e): e is Extract<Expectation, { k: 'value' }> => e.k === 'value');
  const done = new Set<Expectation>();
  const check = (e: Extract<Expectation, { k: 'value' }>, s: Snap, when: string) => {
    done.add(e);
    const actual = s.get(e.what);
    const want = BigInt.asUintN(64, evalWithProgram(prog, e.value));
    const label = e.what.k === 'reg' ? e.what.name : e.what.k === 'uintr' ? e.what.field : `${['', 'byte', 'word', '', 'dword', '', '', '', 'qword'][e.what.size]} [0x${Number(BigInt.asUintN(64, evalWithProgram(prog, e.what.addr))).toString(16)}]`;
    if (typeof actual === 'string') {
      failures.push(`${where(e.pos)}: ${e.thread ?? single}: ${label} ${when}: ${actual}`);
      return;
    }
    const ok = e.cmp === '==' ? actual === want : actual !== want;
    if (!ok) failures.push(`${where(e.pos)}: ${e.thread ?? single}: ${label} ${when}: expected ${e.cmp === '!=' ? 'not ' : ''}${hex(want)}, actual ${hex(actual)}`);
  };
  const exited = new Set<Thread>();
  const atExit = (t: Thread) => {
    if (exited.has(t)) return;
    exited.add(t);
    const n = nameOf(t);
    const s = snapshot(t);
    for (const e of valueExp) if (!e.at && (e.thread ?? single) === n) check(e, s, 'at exit');
  };
  // snapshots at exit: the exit stubs (breakpoints), exit(2), exit_group(2) and fatal signals
  const origExitThread = k.exitThread.bind(k);
  k.exitThread = (t, code) => {
    atExit(t);
    origExitThread(t, code);
  };
  const origExitGroup = k.exitGroup.bind(k);
  k.exitGroup = (p, status) => {
    for (const t of p.threads) if (tname.has(t.tid)) atExit(t);
    origExitGroup(p, status);
  };

  // breakpoints: thread trampolines, exit stubs, labels of expectations
  const labelAddrs = new Map<number, Extract<Expectation, { k: 'value' }>[]>();
  for (const e of valueExp)
    if (e.at) {
      const a = sym(e.at);
      if (!labelAddrs.has(a)) labelAddrs.set(a, []);
      labelAddrs.get(a)!.push(e);
    }
  const go = new Map(prog.threads.map((t, i) => [t.go, i]));
  const bps: [number, null][] = [...go.keys(), prog.mainExit, prog.threadExit, ...labelAddrs.keys()].map((a) => [a, null]);
  m.setBreakpoints(bps);

  const applyArch = (t: Thread, name: string) => applyArchState(prog, t, name, (msg) => failures.push(msg));

  const maxInsns = ann.maxInsns ?? 2_000_000;
  let outcome: string | null = null;
  for (;;) {
    const left = maxInsns - k.totalInsns;
    if (left <= 0) {
      outcome = 'budget';
      break;
    }
    const r = m.run(Math.min(left, 1_000_000));
    if (r.kind === 'running') continue;
    if (r.kind === 'ended') {
      outcome = r.outcome.kind;
      break;
    }
    const st = r.stop;
    if (st.reason !== 'breakpoint') continue;
    const t = st.thread;
    const a = st.address!;
    const gi = go.get(a);
    if (gi !== undefined && !tname.has(t.tid)) {
      const td = prog.threads[gi];
      tname.set(t.tid, td.name);
      byName.set(td.name, t);
      t.name = td.name;
      applyArch(t, td.name);
      if (td.core !== null && m.coreOf(t) !== td.core) failures.push(`${where(td.pos)}: thread ${td.name} started on core ${m.coreOf(t)}, not on core ${td.core} (give it a free core: @cores ≥ number of threads)`);
    }
    if (a === prog.mainExit || a === prog.threadExit) atExit(t);
    const exps = labelAddrs.get(a);
    if (exps) {
      const s = snapshot(t);
      for (const e of exps) if (!done.has(e) && (e.thread ?? single) === nameOf(t)) check(e, s, `at ${e.at}`);
    }
  }
  // threads still alive at the end (budget): their state now
  if (outcome === 'budget') for (const t of k.threads) if (tname.has(t.tid) && t.proc.alive) atExit(t);
  for (const e of valueExp) if (!done.has(e)) failures.push(`${where(e.pos)}: ${e.thread ?? single} never ${e.at ? `reached ${e.at}` : 'exited'}`);

  // exit status / fault
  const res = k.outcome;
  const status = res && res.kind === 'exited' ? res.status : null;
  const fatal = k.lastFatal;
  const faultExp = ann.expects.find((e): e is Extract<Expectation, { k: 'fault' }> => e.k === 'fault');
  const exitExp = ann.expects.find((e): e is Extract<Expectation, { k: 'exit' }> => e.k === 'exit');
  const ending = outcome === 'budget' ? `stopped after @max-insns ${maxInsns} instructions` : res?.kind === 'exited' ? (res.signal ? `terminated by ${signalName(res.signal)}${fatal ? ` at 0x${fatal.ip.toString(16)} (${labelAt(prog, fatal.ip)}): ${fatal.insn}` : ''}` : `exit status ${res.status}`) : res?.kind === 'deadlock' ? res.message : res?.kind === 'unsupported' ? res.message : String(outcome);
  if (faultExp) {
    if (!res || res.kind !== 'exited' || !res.signal) failures.push(`${where(faultExp.pos)}: expected ${faultExp.signal}${faultExp.at ? ` at ${faultExp.at}` : ''}, actual: ${ending}`);
    else {
      const sigOk = signalName(res.signal) === faultExp.signal;
      const atOk = !faultExp.at || (fatal !== null && fatal.ip === sym(faultExp.at));
      if (!sigOk || !atOk) failures.push(`${where(faultExp.pos)}: expected ${faultExp.signal}${faultExp.at ? ` at ${faultExp.at} (0x${sym(faultExp.at).toString(16)})` : ''}, actual: ${ending}`);
    }
  } else {
    const want = exitExp?.status ?? 0;
    if (status !== want || (res?.kind === 'exited' && res.signal)) failures.push(`${exitExp ? where(exitExp.pos) : file}: expected exit status ${want}, actual: ${ending}`);
  }
  const events = k.uintrLog.events;
  for (const e of ann.expects) {
    if (e.k === 'stdout' && stdout !== e.text) failures.push(`${where(e.pos)}: stdout: expected ${JSON.stringify(e.text)}, actual ${JSON.stringify(stdout)}`);
    if (e.k === 'event') {
      const n = events.filter((ev) => matchEvent(prog, tname, e.filter, ev)).length;
      const ok = e.count === null ? n >= 1 : n === e.count;
      if (!ok) failures.push(`${where(e.pos)}: event ${describeFilter(e.filter)}: expected ${e.count === null ? 'at least 1' : e.count}, actual ${n}${relevant(events, [e.filter.kind], tname)}`);
    }
    if (e.k === 'order') {
      let i = 0;
      for (const ev of events) if (i < e.filters.length && matchEvent(prog, tname, e.filters[i], ev)) i++;
      if (i < e.filters.length) failures.push(`${where(e.pos)}: order: matched ${i} of ${e.filters.length}; first unmatched: ${describeFilter(e.filters[i])}${relevant(events, e.filters.map((f) => f.kind), tname)}`);
    }
  }
  if (failures.length && !failures.some((f) => f.includes('events:'))) {
    const rel = relevant(events, ['senduipi', 'deliver', 'uiret', 'fault', 'notify-processed'], tname);
    if (rel) failures.push(`(ending: ${ending})${rel}`);
  }
  return { file, name: ann.name ?? file, passed: failures.length === 0, failures, stdout, stderr, status, events, insns: k.totalInsns };
}

/**
 * Apply the `uintr THREAD, key=value...` directives of thread `name` to t (MSR writes with their #GP checks;
 * a value WRMSR would reject is reported through `fail`).
 */
export function applyArchState(prog: Program, t: Thread, name: string, fail: (msg: string) => void): void {
  const c = t.cpu;
  for (const d of prog.parsed.arch) {
    if (d.thread !== name) continue;
    let tt: bigint | null = null, ttValid = 1n, misc = BigInt(c.ui.uittsz >>> 0), uinv = BigInt(c.ui.uinv);
    for (const f of d.fields) {
      const v = evalWithProgram(prog, f.e);
      const bad = (what: string) => fail(`${where(f.pos)}: ${what}: WRMSR would raise #GP for ${hex(v)}`);
      switch (f.key) {
        case 'uif': c.ui.uif = v ? 1 : 0; break;
        case 'uirr': writeMsr(c, MSR_UINTR_RR, v); break;
        case 'handler': if (!writeMsr(c, MSR_UINTR_HANDLER, v)) bad('IA32_UINTR_HANDLER'); break;
        case 'stackadjust': if (!writeMsr(c, MSR_UINTR_STACKADJUST, v)) bad('IA32_UINTR_STACKADJUST'); break;
        case 'upid': if (!writeMsr(c, MSR_UINTR_PD, v)) bad('IA32_UINTR_PD'); break;
        case 'uitt': tt = v; break;
        case 'tt_valid': ttValid = v & 1n; break;
        case 'uittsz': misc = v; break;
        case 'uinv': uinv = v; break;
      }
    }
    if (!writeMsr(c, MSR_UINTR_MISC, (uinv << 32n) | BigInt.asUintN(32, misc))) fail(`${where(d.pos)}: IA32_UINTR_MISC: WRMSR would raise #GP`);
    if (tt !== null && !writeMsr(c, MSR_UINTR_TT, tt | ttValid)) fail(`${where(d.pos)}: IA32_UINTR_TT: WRMSR would raise #GP`);
    updatePending(c);
  }
}

/**
 * For `uintr-run FILE.uasm` (a Kernel without a Machine): apply the architecture-level directives when each
 * declared thread starts. Installs a minimal Kernel.debugger that never stops the machine.
 */
export function installUasmStart(k: Kernel, prog: Program, onError: (msg: string) => void): void {
  if (!prog.parsed.arch.length) return;
  const go = new Map(prog.threads.map((t, i) => [t.go, i]));
  const seen = new Set<number>();
  const engine = k.init!.engine;
  for (const a of go.keys()) engine.cache.stops.add(a);
  engine.cache.flush();
  const dbg: KernelDebugger = {
    singleStep: null,
    boundary(t) {
      const i = go.get(t.cpu.rip);
      if (i !== undefined && !seen.has(t.tid)) {
        seen.add(t.tid);
        applyArchState(prog, t, prog.threads[i].name, onError);
      }
      return false;
    },
    fault: () => false,
  };
  k.debugger = dbg;
}

function labelAt(prog: Program, a: number): string {
  let best = '';
  let bv = -1;
  for (const [n, v] of prog.symbols) if (!n.startsWith('__uasm') && v <= a && v > bv) ((best = n), (bv = v));
  return best ? (a === bv ? best : `${best}+0x${(a - bv).toString(16)}`) : '?';
}

function exprText(e: Expr): string {
  switch (e.k) {
    case 'num': return e.v > 9n ? '0x' + e.v.toString(16) : String(e.v);
    case 'sym': return e.name;
    case 'here': return '$';
    case 'sect': return '$$';
    case 'un': return e.op + exprText(e.a);
    case 'bin': return `(${exprText(e.a)}${e.op}${exprText(e.b)})`;
  }
}

function describeFilter(f: EventFilter): string {
  return [f.kind, ...f.fields.map((x) => `${x.key}=${typeof x.value === 'string' ? x.value : exprText(x.value)}`)].join(' ');
}

function matchEvent(prog: Program, tname: Map<number, string>, f: EventFilter, ev: UintrEvent): boolean {
  if (ev.kind !== f.kind) return false;
  const d = ev as Record<string, unknown>;
  for (const fl of f.fields) {
    if (fl.key === 'thread') {
      if (tname.get(ev.tid) !== fl.value) return false;
      continue;
    }
    if (fl.key === 'target') {
      const tt = d.target as number | undefined;
      if (tt === undefined || tname.get(tt) !== fl.value) return false;
      continue;
    }
    const v = d[fl.key];
    if (typeof fl.value === 'string' && typeof v === 'number' && (prog.symbols.has(fl.value) || prog.parsed.equs.has(fl.value))) {
      // a label or constant name: compare numerically
      if (BigInt(v) !== evalWithProgram(prog, { k: 'sym', name: fl.value, pos: fl.pos })) return false;
    } else if (typeof fl.value === 'string') {
      if (v === undefined || !String(v).toLowerCase().startsWith(fl.value.toLowerCase())) return false;
    } else {
      const want = evalWithProgram(prog, fl.value);
      if (typeof v !== 'number' && typeof v !== 'bigint') return false;
      if (BigInt(v) !== want) return false;
    }
  }
  return true;
}

function relevant(events: UintrEvent[], kinds: string[], tname: Map<number, string>): string {
  const rel = events.filter((e) => kinds.includes(e.kind) || e.kind === 'fault').slice(-12);
  if (!rel.length) return '\n    events: (none of kind ' + kinds.join(', ') + ')';
  return '\n    events:\n' + rel.map((e) => `      ${formatEvent(e)}${tname.has(e.tid) ? ` [${tname.get(e.tid)}]` : ''}`).join('\n');
}

/** Read, compile and run one file; assembly/annotation errors become a failed result. */
export function runCaseFile(file: string): CaseResult {
  const src = fs.readFileSync(file, 'utf8');
  return runCaseSource(src, file);
}

export function runCaseSource(src: string, file: string): CaseResult {
  let c: Compiled;
  try {
    c = compileCase(src, file);
  } catch (e) {
    if (e instanceof AsmError) return { file, name: file, passed: false, failures: [e.message], stdout: '', stderr: '', status: null, events: [], insns: 0 };
    throw e;
  }
  return runCompiled(c, file);
}
