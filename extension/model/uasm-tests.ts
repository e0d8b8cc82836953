/**
 * Pure parts of the Test Explorer for .uasm cases (extension/test-controller.ts): finding a file's `@test`
 * annotation, grouping cases by directory, the `uintr-test --json` command line and reading its JSON Lines
 * output (docs/uasm.md). No vscode import; the extension never runs the emulator itself.
 */
import * as path from 'node:path';

/** A case as discovered in a file: its `@test` name and where that annotation is (1-based; line 0: none). */
export interface CaseHeader {
  name: string | null;
  line: number;
  column: number;
}

/** The `; @test NAME` annotation of a .uasm source (the first one). */
export function parseCaseHeader(src: string): CaseHeader {
  const lines = src.split(/\r?\n/);
  for (let i = 0; i < lines.length; i++) {
    const m = /^(\s*(?:\S.*?)?);\s*@test\b[ \t]*(.*?)\s*$/.exec(lines[i]);
    if (!m) continue;
    // only in a comment: the ';' must not be inside a string before it
    const before = m[1];
    if ((before.match(/"/g) ?? []).length % 2 === 1) continue;
    const col = lines[i].indexOf('@test') + 1;
    return { name: m[2] || null, line: i + 1, column: col };
  }
  return { name: null, line: 0, column: 0 };
}

/** The label Test Explorer shows for a case: its @test name, else the file name. */
export function caseLabel(file: string, h: CaseHeader): string {
  return h.name ?? path.basename(file);
}

/** The directory item a case goes under: its directory relative to the workspace folder ('' at the top). */
export function caseGroup(root: string, file: string): string {
  const rel = path.relative(root, path.dirname(file));
  return rel === '' || rel.startsWith('..') ? '' : rel.split(path.sep).join('/');
}

/** Should this path be considered? (.uasm files outside node_modules and hidden directories) */
export function isCaseFile(root: string, file: string): boolean {
  if (!/\.uasm$/i.test(file)) return false;
  const rel = path.relative(root, file);
  return !rel.split(/[\\/]/).some((p) => p === 'node_modules' || (p.startsWith('.') && p !== '..' && p !== '.'));
}

/** The command that runs cases: the bundled CLI with --json (absolute file paths). */
export function testCommand(cli: string, files: readonly string[]): string[] {
  return [cli, '--json', ...files];
}

export interface CaseFailure {
  message: string;
  file?: string;
  line?: number;
  column?: number;
  expected?: string;
  actual?: string;
}

export interface CaseReport {
  file: string;
  name: string;
  passed: boolean;
  durationMs: number;
  status: number | null;
  insns: number;
  failures: CaseFailure[];
  stdout: string;
}

export type JsonRecord = { type: 'case'; report: CaseReport } | { type: 'summary'; passed: number; failed: number } | { type: 'error'; message: string };

const num = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);
const str = (v: unknown): v is string => typeof v === 'string';

/** One line of `uintr-test --json` output, validated (a line that is not a record gives `error`). */
export function parseJsonLine(line: string): JsonRecord | null {
  const t = line.trim();
  if (!t) return null;
  let o: Record<string, unknown>;
  try {
    o = JSON.parse(t);
  } catch {
    return { type: 'error', message: `uintr-test: not JSON: ${t.slice(0, 200)}` };
  }
  if (o && o.type === 'summary' && num(o.passed) && num(o.failed)) return { type: 'summary', passed: o.passed, failed: o.failed };
  if (!o || o.type !== 'case' || !str(o.file) || typeof o.passed !== 'boolean' || !Array.isArray(o.failures)) return { type: 'error', message: `uintr-test: unexpected record: ${t.slice(0, 200)}` };
  const failures: CaseFailure[] = [];
  for (const f of o.failures as Record<string, unknown>[]) {
    if (!f || !str(f.message)) continue;
    const x: CaseFailure = { message: f.message };
    if (str(f.file)) x.file = f.file;
    if (num(f.line) && f.line >= 1) x.line = f.line;
    if (num(f.column) && f.column >= 1) x.column = f.column;
    if (str(f.expected)) x.expected = f.expected;
    if (str(f.actual)) x.actual = f.actual;
    failures.push(x);
  }
  return {
    type: 'case',
    report: {
      file: o.file,
      name: str(o.name) ? o.name : path.basename(o.file),
      passed: o.passed,
      durationMs: num(o.durationMs) ? o.durationMs : 0,
      status: num(o.status) ? o.status : null,
      insns: num(o.insns) ? o.insns : 0,
      failures,
      stdout: str(o.stdout) ? o.stdout : '',
    },
  };
}

/** Splits a child process's stdout into records as chunks arrive. */
export class JsonLineReader {
  private buf = '';
  push(chunk: string): JsonRecord[] {
    this.buf += chunk;
    const out: JsonRecord[] = [];
    let i: number;
    while ((i = this.buf.indexOf('\n')) >= 0) {
      const r = parseJsonLine(this.buf.slice(0, i));
      this.buf = this.buf.slice(i + 1);
      if (r) out.push(r);
    }
    return out;
  }
  /** The rest at the end of the output. */
  end(): JsonRecord[] {
    const r = parseJsonLine(this.buf);
    this.buf = '';
    return r ? [r] : [];
  }
}

/** Where a failure is shown: its annotation's position (0-based line/column), else the case's @test line. */
export function failureLocation(f: CaseFailure, caseFile: string, header: CaseHeader): { file: string; line: number; column: number } {
  if (f.line !== undefined) return { file: f.file ?? caseFile, line: f.line - 1, column: (f.column ?? 1) - 1 };
  return { file: caseFile, line: Math.max(0, header.line - 1), column: Math.max(0, header.column - 1) };
}

/** The message text without the leading `file:line:col: ` (the location is shown by the editor). */
export function failureText(f: CaseFailure): string {
  return f.line !== undefined ? f.message.replace(/^.*?:\d+:\d+: /, '') : f.message;
}

/** Same path? (the CLI echoes the paths it was given; normalize both sides) */
export function samePath(a: string, b: string): boolean {
  return path.resolve(a) === path.resolve(b);
}
