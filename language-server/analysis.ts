/**
 * Diagnostics for a .uasm document from the real assembler and annotation checker (compileCase: parse,
 * annotations, assemble, label/thread checks). The assembler stops at the first error; to show more than
 * one, the offending line is blanked and the file compiled again (up to MAX_ERRORS), dropping follow-up
 * errors that only name a symbol defined on a blanked line. Positions are 0-based (LSP style).
 */
import { AsmError } from '../emulator/asm/parse';
import { compileCase } from '../emulator/asm/runner';
import type { Program } from '../emulator/asm/assembler';
import type { Annotations } from '../emulator/asm/annotations';
import { Span, commentStart, lex } from './symbols';
import { MACROS } from '../emulator/asm/assembler';

export interface Problem {
  span: Span;
  message: string;
}

export interface Analysis {
  problems: Problem[];
  /** The assembled program when the file has no error. */
  program: Program | null;
  annotations: Annotations | null;
}

const MAX_ERRORS = 12;
const TOKEN_AT = /^(?:"(?:\\.|[^"\\])*"?|'(?:\\.|[^'\\])*'?|`(?:\\.|[^`\\])*`?|[A-Za-z_.?@][\w.?@$#-]*|\d[\w]*|<<|>>|==|!=|\S)/;

/** The span of the token starting at a 1-based line/column (the whole line when the position is outside). */
export function spanAt(lines: string[], line1: number, col1: number): Span {
  const line = Math.max(0, line1 - 1);
  const text = lines[line] ?? '';
  let start = Math.max(0, col1 - 1);
  if (line1 < 1 || line >= lines.length) return { line: Math.min(line, Math.max(0, lines.length - 1)), start: 0, end: (lines[Math.min(line, lines.length - 1)] ?? '').length };
  if (start >= text.trimEnd().length) {
    // "at end of line": mark the last character
    const end = text.trimEnd().length;
    return { line, start: Math.max(0, end - 1), end: Math.max(end, 1) };
  }
  const m = TOKEN_AT.exec(text.slice(start));
  let end = start + (m ? m[0].length : 1);
  if (m && /^\s/.test(text[start])) end = start + 1;
  if (start > text.length) start = text.length;
  return { line, start, end };
}

export function analyze(text: string, file: string): Analysis {
  const lines = text.split(/\r?\n/);
  const work = [...lines];
  const problems: Problem[] = [];
  const blanked: string[] = [];
  for (let round = 0; round < MAX_ERRORS; round++) {
    try {
      const c = compileCase(work.join('\n'), file);
      return { problems, program: round === 0 ? c.prog : null, annotations: round === 0 ? c.ann : null };
    } catch (e) {
      if (!(e instanceof AsmError)) {
        problems.push({ span: { line: 0, start: 0, end: (lines[0] ?? '').length }, message: `internal error: ${(e as Error)?.message ?? String(e)}` });
        break;
      }
      const ours = e.pos.file === file;
      const span = ours ? refine(lines, spanAt(lines, e.pos.line, e.pos.col), e.detail) : { line: 0, start: 0, end: (lines[0] ?? '').length };
      const named = /(?:undefined symbol|unknown label|unknown thread) '([^']+)'/.exec(e.detail);
      const followUp = round > 0 && !!named && blanked.some((l) => mentions(l, named[1]));
      if (!followUp) problems.push({ span, message: e.detail });
      if (!ours || work[span.line] === '') break;
      blanked.push(work[span.line]);
      work[span.line] = '';
    }
  }
  return { problems, program: null, annotations: null };
}

/**
 * Errors inside a macro's expansion carry columns of the expanded text: point them at the symbol the message
 * names (when it is on the line) or at the macro word.
 */
function refine(lines: string[], span: Span, detail: string): Span {
  const text = lines[span.line] ?? '';
  const ci = commentStart(text);
  const code = ci >= 0 ? text.slice(0, ci) : text;
  if (span.start >= code.length) return span;
  const toks = lex(code);
  let w = 0;
  if (toks[0]?.t === 'id' && toks[1]?.s === ':') w = 2;
  const word = toks[w];
  if (!word || word.t !== 'id' || !MACROS.includes(word.s.toLowerCase())) return span;
  const named = /(?:undefined symbol|unknown label) '([^']+)'/.exec(detail);
  if (named) {
    const dot = named[1].lastIndexOf('.');
    const short = dot > 0 ? named[1].slice(dot) : named[1];
    const t = toks.find((x) => x.t === 'id' && (x.s === named[1] || x.s === short));
    if (t) return { line: span.line, start: t.start, end: t.end };
  }
  if (toks.some((x) => x.start === span.start && x.start > word.start)) return span;
  return { line: span.line, start: word.start, end: word.end };
}

function mentions(line: string, name: string): boolean {
  const dot = name.lastIndexOf('.');
  const short = dot > 0 ? name.slice(dot) : name;
  const esc = short.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  return new RegExp(`(^|[^\\w.?@$#])${esc}(?![\\w.?@$#])`).test(line);
}
