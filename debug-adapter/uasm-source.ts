/**
 * Debugging an annotated-assembly file (.uasm, docs/uasm.md): the adapter assembles it in memory (the same
 * assembler and annotation checker as `uintr-test`), loads the ELF image, and maps addresses to source lines
 * with the assembler's line table instead of DWARF.
 *
 * `UasmSource` is a DebugInfo (dwarf/index.ts) built from that line table, so the session's breakpoints,
 * stack frames and line stepping (linestep.ts) work unchanged: one row per source line (a macro's expansion
 * is one row), every row a statement; no CFI (the unwinder's heuristics apply) and no locals. Its
 * `functionAt` gives a pseudo function per label so that stepping into a `call` stops at the callee's first
 * line. The symbol table (labels) names frames and disassembly; `threadStartHooks` applies the `uintr THREAD,
 * ...` architecture directives and the declared thread names when each thread starts, as the runner does.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { compileCase, applyArchState, Compiled } from '../emulator/asm/runner';
import { AsmError } from '../emulator/asm/parse';
import { SECTIONS } from '../emulator/asm/assembler';
import type { Machine, Thread, RunResult } from '../emulator/machine';
import { DebugInfo, LineEntry } from './dwarf/index';
import type { Subprogram } from './dwarf/info';
import { SymbolTable, Sym } from './symbols';

export const isUasm = (file: string): boolean => /\.uasm$/i.test(file);

/** Stub labels kept in the symbol table (frames in the generated start-up code); other __uasm_ names are hidden. */
const STUB_SYMBOLS = new Set(['__uasm_start', '__uasm_main_exit', '__uasm_thread_exit']);

export class UasmSource extends DebugInfo {
  readonly file: string;
  readonly compiled: Compiled;
  readonly elf: Uint8Array;
  readonly symbols: SymbolTable;
  /** Pseudo functions (one per label in .text), sorted by address. */
  private fns: Subprogram[] = [];

  /** Read and assemble a .uasm file; throws Error with `file:line:col: message` for assembly/annotation errors. */
  static load(file: string): UasmSource {
    let src: string;
    try {
      src = fs.readFileSync(file, 'utf8');
    } catch (e) {
      throw new Error(`cannot read ${file}: ${(e as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (e as Error).message}`);
    }
    return new UasmSource(file, src);
  }

  constructor(file: string, src: string) {
    super(new Uint8Array(0)); // no ELF: an empty DebugInfo, filled from the assembler's line table below
    this.file = path.normalize(file);
    try {
      this.compiled = compileCase(src, this.file);
    } catch (e) {
      if (e instanceof AsmError) throw new Error(e.message);
      throw e;
    }
    this.elf = this.compiled.elf;
    const prog = this.compiled.prog;
    const lines = prog.parsed.lines;
    // one row per run of instructions of the same line (a macro's expansion, `times N insn`)
    const rows = [...prog.lineTable].sort((a, b) => a.addr - b.addr);
    const merged: LineEntry[] = [];
    for (const r of rows) {
      const last = merged[merged.length - 1];
      if (last && last.line === r.line && last.end === r.addr) {
        last.end = r.addr + r.len;
        continue;
      }
      const text = lines[r.line - 1] ?? '';
      merged.push({ address: r.addr, end: r.addr + r.len, file: this.file, line: r.line, column: Math.max(1, text.search(/\S/) + 1), isStmt: true });
    }
    if (merged.length) this.files.add(this.file);
    for (const e of merged) {
      this.stmts.push(e);
      if (e.end > e.address) this.ranges.push(e);
      this.stmtStarts.add(e.address);
    }
    this.starts = this.ranges.map((r) => r.address);

    // symbols: the user's labels (and a few stub labels), as the ELF's symbol table would give them
    const textLo = SECTIONS['.text'].base, textHi = SECTIONS['.rodata'].base;
    const syms: Sym[] = [];
    for (const [name, addr] of prog.symbols) {
      if (name.startsWith('__uasm_') && !STUB_SYMBOLS.has(name)) continue;
      const code = addr >= textLo && addr < textHi;
      // STT_FUNC for code labels, STT_OBJECT for data; local labels (.x / a.x) and stub labels rank last
      syms.push({ name, addr, size: 0, type: code ? 2 : 1, bind: name.includes('.') || name.startsWith('__uasm_') ? 0 : 1 });
    }
    this.symbols = SymbolTable.fromList(syms);
    const labelLine = new Map<string, number>();
    for (const items of prog.parsed.items.values()) for (const it of items) if (it.k === 'label') labelLine.set(it.name, it.pos.line);
    const code = syms.filter((s) => s.type === 2 && !s.name.startsWith('__uasm_')).sort((a, b) => a.addr - b.addr);
    const textEnd = Math.max(textLo, ...rows.map((r) => r.addr + r.len));
    for (let i = 0; i < code.length; i++) {
      if (i + 1 < code.length && code[i + 1].addr === code[i].addr) continue; // several labels at one address: the last one
      const next = code.slice(i + 1).find((s) => s.addr > code[i].addr);
      this.fns.push({ name: code[i].name, low: code[i].addr, high: next ? next.addr : textEnd, frameBase: null, vars: [], line: labelLine.get(code[i].name) ?? 0 });
    }
  }

  /**
   * The case's `; @break [CONDITION]` annotations as breakpoints: each at the first instruction on or after its
   * line (an annotation on a line of its own applies to the code that follows it). Null address: no code follows.
   */
  breakAnnotations(): { line: number; addr: number | null; condition: string | null }[] {
    return this.compiled.ann.breaks.map((b) => {
      let best: LineEntry | null = null;
      for (const e of this.stmts) if (e.line >= b.pos.line && e.end > e.address && (best === null || e.line < best.line || (e.line === best.line && e.address < best.address))) best = e;
      return { line: b.pos.line, addr: best ? best.address : null, condition: b.condition };
    });
  }

  /** @cores / @seed of the case: used when the launch configuration does not set cores / seed. */
  launchDefaults(raw: Record<string, unknown> | undefined): { cores?: number; seed?: number } {
    const a = this.compiled.ann;
    const out: { cores?: number; seed?: number } = {};
    if (raw?.cores === undefined && a.cores !== undefined && a.cores !== null) out.cores = a.cores;
    if (raw?.seed === undefined && a.seed !== undefined && a.seed !== null) out.seed = a.seed;
    return out;
  }

  /** A label's code up to the next label: so that stepping into a call stops at the callee's first line. */
  override functionAt(pc: number): Subprogram | null {
    const f = this.fns;
    let lo = 0, hi = f.length - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      if (f[mid].low <= pc) lo = mid + 1;
      else hi = mid - 1;
    }
    return hi >= 0 && pc < f[hi].high ? f[hi] : null;
  }

  /** No prologues in assembly: a function's code starts at its label. */
  override prologueEnd(fn: Subprogram): number {
    return fn.low;
  }

  /**
   * Instruction-breakpoint hooks that never stop: at each declared thread's start (its jump to the entry)
   * name the thread and apply its `uintr THREAD, ...` directives. The session adds them to its breakpoints.
   */
  threadStartHooks(onError: (msg: string) => void): { addr: number; cond: (t: Thread) => boolean }[] {
    const seen = new Set<number>();
    const prog = this.compiled.prog;
    return prog.threads.map((td) => ({
      addr: td.go,
      cond: (t: Thread) => {
        if (!seen.has(t.tid)) {
          seen.add(t.tid);
          t.name = td.name;
          applyArchState(prog, t, td.name, onError);
        }
        return false;
      },
    }));
  }

  /**
   * stopOnEntry: run the generated start-up code (thread creation) until the first thread reaches its entry
   * label. Returns the machine's result: a step stop at the entry, or whatever stopped it before (a
   * breakpoint in another thread, an exception filter), or the end.
   */
  runToEntry(m: Machine): RunResult {
    const entry = this.compiled.prog.threads[0].entry;
    m.stepInstruction(m.mainThread, 'out', { address: entry, rsp: 0 });
    let r: RunResult = { kind: 'running' };
    for (let i = 0; i < 200 && r.kind === 'running'; i++) r = m.run(20_000);
    return r;
  }

  /** The entry label's address of the first thread. */
  get entry(): number {
    return this.compiled.prog.threads[0].entry;
  }
}
