/**
 * The program's debug information for the adapter: line table (pc -> file:line, file:line -> addresses),
 * call-frame information (.eh_frame) and subprograms/variables (.debug_info). Everything degrades to "not
 * known" (null / empty) when a section is missing or cannot be read.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parseElf } from '../../emulator/linux/elf';
import { ElfSections, DwarfError } from './elf-sections';
import { parseDebugLine } from './line';
import { CallFrameInfo } from './cfi';
import { DebugInfoReader, Subprogram } from './info';

export interface LineEntry {
  address: number;
  /** End of this row's range (the next row's address). */
  end: number;
  file: string;
  line: number;
  column: number;
  isStmt: boolean;
}

export class DebugInfo {
  /** Non-empty address ranges, sorted by address (for pc -> line). */
  readonly ranges: LineEntry[] = [];
  /** Every row (also those at the same address), for line -> address. */
  readonly stmts: LineEntry[] = [];
  cfi: CallFrameInfo | null = null;
  info: DebugInfoReader | null = null;
  readonly files = new Set<string>();
  readonly errors: string[] = [];
  protected starts: number[] = [];
  protected stmtStarts = new Set<number>();

  static fromFile(file: string): DebugInfo {
    try {
      return new DebugInfo(new Uint8Array(fs.readFileSync(file)));
    } catch {
      return new DebugInfo(new Uint8Array(0));
    }
  }

  constructor(buf: Uint8Array) {
    let bias = 0;
    try {
      bias = parseElf(buf).bias;
    } catch {
      return;
    }
    const s = new ElfSections(buf);
    const guard = (what: string, f: () => void) => {
      try {
        f();
      } catch (e) {
        if (e instanceof DwarfError || e instanceof RangeError) this.errors.push(`${what}: ${e.message}`);
        else throw e;
      }
    };
    const dl = s.get('.debug_line');
    if (dl) {
      guard('.debug_line', () => {
        for (const t of parseDebugLine(dl.data, s.get('.debug_line_str')?.data, s.get('.debug_str')?.data)) {
          const rows = t.rows;
          let seqStart = -1;
          for (let i = 0; i < rows.length; i++) {
            const r = rows[i];
            if (seqStart < 0) seqStart = r.address;
            if (r.endSequence) {
              seqStart = -1;
              continue;
            }
            if (seqStart === 0) continue; // a function the linker discarded
            const next = rows[i + 1];
            const end = next ? next.address : r.address;
            const file = path.normalize(t.files[r.file] ?? '?');
            this.files.add(file);
            const e: LineEntry = { address: r.address + bias, end: end + bias, file, line: r.line, column: r.column, isStmt: r.isStmt };
            this.stmts.push(e);
            if (r.isStmt) this.stmtStarts.add(e.address);
            if (end > r.address) this.ranges.push(e);
          }
        }
      });
      this.ranges.sort((a, b) => a.address - b.address);
      this.starts = this.ranges.map((r) => r.address);
    }
    const eh = s.get('.eh_frame');
    if (eh) guard('.eh_frame', () => (this.cfi = new CallFrameInfo(eh.data, eh.addr, bias)));
    const di = s.get('.debug_info');
    const da = s.get('.debug_abbrev');
    if (di && da) {
      guard('.debug_info', () => {
        this.info = new DebugInfoReader({ info: di.data, abbrev: da.data, str: s.get('.debug_str')?.data, lineStr: s.get('.debug_line_str')?.data, strOffsets: s.get('.debug_str_offsets')?.data, addr: s.get('.debug_addr')?.data, loclists: s.get('.debug_loclists')?.data, loc: s.get('.debug_loc')?.data }, bias);
      });
    }
  }

  get hasLines(): boolean {
    return this.ranges.length > 0;
  }

  /** The line row containing pc (null: no line information there). */
  lineAt(pc: number): LineEntry | null {
    const s = this.starts;
    let lo = 0, hi = s.length - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      if (s[mid] <= pc) lo = mid + 1;
      else hi = mid - 1;
    }
    if (hi < 0) return null;
    const e = this.ranges[hi];
    return pc < e.end ? e : null;
  }

  /** Does an is_stmt row start at pc? */
  isStmtStart(pc: number): boolean {
    return this.stmtStarts.has(pc);
  }

  /** The line table's name for a client path: the same normalized path, else a unique file with that base name / suffix. */
  resolveFile(p: string): string | null {
    const n = path.normalize(p);
    if (this.files.has(n)) return n;
    const cands = [...this.files].filter((f) => f.endsWith('/' + path.basename(n)) || f === path.basename(n));
    if (cands.length === 1) return cands[0];
    const best = cands.filter((f) => n.endsWith(f) || f.endsWith(n));
    return best.length === 1 ? best[0] : null;
  }

  /**
   * Where a breakpoint on file:line goes: the first line >= `line` with code (is_stmt rows), one address per
   * function (the lowest), moved past the prologue when it is a function's entry.
   */
  breakpointLocations(file: string, line: number): { line: number; addresses: number[] } | null {
    const rows = this.stmts.filter((e) => e.file === file && e.isStmt && e.line >= line);
    if (!rows.length) return null;
    const target = Math.min(...rows.map((e) => e.line));
    const byFn = new Map<string, number>();
    for (const e of rows) {
      if (e.line !== target) continue;
      const fn = this.info?.functionAt(e.address);
      const key = fn ? `${fn.low}` : `seq${e.address}`;
      const cur = byFn.get(key);
      if (cur === undefined || e.address < cur) byFn.set(key, e.address);
    }
    let resLine = target;
    const addrs = [...byFn.values()].map((a) => {
      const fn = this.info?.functionAt(a);
      if (fn && fn.low === a) {
        const pe = this.prologueEnd(fn);
        if (pe !== a) {
          resLine = this.lineAt(pe)?.line ?? resLine;
          return pe;
        }
      }
      return a;
    });
    return { line: resLine, addresses: [...new Set(addrs)].sort((a, b) => a - b) };
  }

  /** After the prologue: the address of the function's second line row (its low_pc if it has one row). */
  prologueEnd(fn: Subprogram): number {
    const first = this.lineAt(fn.low);
    if (!first) return fn.low;
    for (const e of this.ranges) {
      if (e.address > fn.low && e.address < fn.high && e.isStmt) return e.address;
    }
    return fn.low;
  }

  functionAt(pc: number): Subprogram | null {
    return this.info?.functionAt(pc) ?? null;
  }
}
