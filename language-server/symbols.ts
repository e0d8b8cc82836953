/**
 * A tolerant scan of a .uasm document for the editor: label / local label / `equ` / thread definitions,
 * references to them (in code and in annotations), the `@test` name, and per-line facts (where the
 * comment starts, which word is the mnemonic or directive). Unlike the assembler it never stops at an
 * error, so navigation keeps working while the file does not assemble. Positions are 0-based.
 */
import { lookupRegister } from '../emulator/asm/encode';

export interface Span {
  line: number;
  start: number;
  end: number;
}

export type DefKind = 'label' | 'local' | 'equ' | 'thread';

export interface SymDef {
  /** Qualified name (`worker.loop` for `.loop` after `worker:`). */
  name: string;
  kind: DefKind;
  span: Span;
  /** The section the definition is in. */
  section: string;
  /** For local labels: the owning global label. */
  parent: string | null;
  /** For threads: the entry expression's text. */
  detail?: string;
}

export interface SymRef {
  name: string;
  /** 'thread': a thread name; 'symbol': a label or equ constant. */
  ns: 'thread' | 'symbol';
  span: Span;
}

export interface Tok {
  t: 'id' | 'num' | 'str' | 'op';
  s: string;
  start: number;
  end: number;
}

export interface LineInfo {
  /** Index of the comment's ';' (or -1). */
  comment: number;
  /** Code tokens (before the comment). */
  toks: Tok[];
  /** The statement's first word (mnemonic, directive or macro), after a label and prefixes. */
  word: Tok | null;
  /** The annotation key if the comment is an annotation (`expect` for `; @expect ...`). */
  annotation: { key: string; start: number; end: number } | null;
  /** The last global label before (or on) this line, for local-label qualification. */
  scope: string;
  section: string;
}

export interface Scan {
  defs: SymDef[];
  refs: SymRef[];
  lines: LineInfo[];
  test: { name: string; span: Span } | null;
}

const TOKEN = /("(?:\\.|[^"\\])*"?|'(?:\\.|[^'\\])*'?|`(?:\\.|[^`\\])*`?)|([A-Za-z_.?@][\w.?@$#]*)|(\d[\w]*)|(<<|>>|==|!=|\$\$|\S)/g;

export function lex(text: string, offset = 0): Tok[] {
  const out: Tok[] = [];
  TOKEN.lastIndex = 0;
  for (let m = TOKEN.exec(text); m; m = TOKEN.exec(text)) {
    const t: Tok['t'] = m[1] ? 'str' : m[2] ? 'id' : m[3] ? 'num' : 'op';
    out.push({ t, s: m[0], start: m.index + offset, end: m.index + m[0].length + offset });
  }
  return out;
}

/** Index of the ';' that starts the comment (outside strings), or -1. */
export function commentStart(line: string): number {
  let q: string | null = null;
  for (let j = 0; j < line.length; j++) {
    const ch = line[j];
    if (q) {
      if (ch === '\\') j++;
      else if (ch === q) q = null;
    } else if (ch === '"' || ch === "'" || ch === '`') q = ch;
    else if (ch === ';') return j;
  }
  return -1;
}

const PREFIXES = new Set(['lock', 'rep', 'repe', 'repz', 'repne', 'repnz']);
export const SIZE_WORDS = ['byte', 'word', 'dword', 'qword', 'tword', 'tbyte', 'fword', 'oword', 'xmmword', 'ymmword', 'zmmword'];
const NOT_SYMBOLS = new Set([...SIZE_WORDS, 'ptr', 'rel', 'abs', 'short', 'near', 'st']);

export function isRegister(s: string): boolean {
  const r = lookupRegister(s);
  return !!r && r.cls !== 'other';
}

export function scan(text: string): Scan {
  const src = text.split(/\r?\n/);
  const defs: SymDef[] = [];
  const refs: SymRef[] = [];
  const lines: LineInfo[] = [];
  let test: Scan['test'] = null;
  let scope = '';
  let section = '.text';
  const qualify = (n: string) => (n.startsWith('.') && !n.startsWith('..') && scope ? scope + n : n);
  for (let ln = 0; ln < src.length; ln++) {
    const raw = src[ln];
    const ci = commentStart(raw);
    const code = ci >= 0 ? raw.slice(0, ci) : raw;
    const toks = lex(code);
    const info: LineInfo = { comment: ci, toks, word: null, annotation: null, scope, section };
    let i = 0;
    const span = (t: Tok): Span => ({ line: ln, start: t.start, end: t.end });
    if (toks[0]?.t === 'id' && toks[1]?.s === ':' && !isRegister(toks[0].s)) {
      const n = toks[0].s;
      const local = n.startsWith('.') && !n.startsWith('..');
      if (!local && !n.startsWith('__uasm')) scope = n;
      defs.push({ name: qualify(n), kind: local ? 'local' : 'label', span: span(toks[0]), section, parent: local ? scope || null : null });
      i = 2;
    }
    info.scope = scope;
    const rest = (from: number, skipFirstThread = false, to = toks.length) => {
      for (let k = from; k < to; k++) {
        const t = toks[k];
        if (t.t !== 'id') continue;
        if (toks[k + 1]?.s === '=') continue; // key=value
        if (toks[k + 1]?.s === ':' && toks[k + 2]?.s === '[') continue; // segment override
        if (isRegister(t.s) || NOT_SYMBOLS.has(t.s.toLowerCase())) continue;
        if (skipFirstThread && k === from) {
          refs.push({ name: t.s, ns: 'thread', span: span(t) });
          continue;
        }
        refs.push({ name: qualify(t.s), ns: 'symbol', span: span(t) });
      }
    };
    const w = toks[i];
    if (w?.t === 'id' && toks[i + 1]?.t === 'id' && toks[i + 1].s.toLowerCase() === 'equ') {
      defs.push({ name: w.s, kind: 'equ', span: span(w), section, parent: null });
      rest(i + 2);
    } else if (w?.t === 'id') {
      let j = i;
      while (PREFIXES.has(toks[j]?.s.toLowerCase() ?? '') && toks[j + 1]?.t === 'id') j++;
      const word = toks[j];
      info.word = word;
      const lw = word.s.toLowerCase();
      if (lw === 'section' || lw === 'segment') {
        if (toks[j + 1]) section = toks[j + 1].s.toLowerCase();
        info.section = section;
      } else if (lw === 'thread' && toks[j + 1]?.t === 'id') {
        const comma = code.indexOf(',', toks[j + 1].end);
        const entryEnd = comma >= 0 ? code.indexOf(',', comma + 1) : -1;
        const detail = comma >= 0 ? code.slice(comma + 1, entryEnd >= 0 ? entryEnd : undefined).trim() : undefined;
        defs.push({ name: toks[j + 1].s, kind: 'thread', span: span(toks[j + 1]), section, parent: null, detail });
        rest(j + 2);
      } else if (lw === 'uintr') rest(j + 1, true);
      else if (lw === 'times') {
        // times COUNT insn ...: the repeated statement's word follows the count without an operator
        let k = j + 2;
        while (k < toks.length && !(toks[k].t === 'id' && (toks[k - 1].t !== 'op' || toks[k - 1].s === ')'))) k++;
        rest(j + 1, false, k);
        rest(k + 1);
      } else rest(j + 1);
    }
    // annotations
    if (ci >= 0) {
      const ctext = raw.slice(ci + 1);
      const m = /^(\s*)@([A-Za-z][\w-]*)/.exec(ctext);
      if (m) {
        const kstart = ci + 1 + m[1].length;
        const key = m[2];
        info.annotation = { key, start: kstart, end: kstart + 1 + key.length };
        const restStart = ci + 1 + m[0].length;
        if (key === 'test') {
          const name = raw.slice(restStart).trim();
          const s = raw.indexOf(name, restStart);
          test = { name, span: { line: ln, start: name ? s : kstart, end: name ? s + name.length : info.annotation.end } };
        } else if (key === 'expect') {
          const at = lex(raw.slice(restStart), restStart);
          for (let k = 0; k < at.length; k++) {
            const t = at[k];
            if (t.t !== 'id') continue;
            const prev = at[k - 1], prev2 = at[k - 2];
            const sp = { line: ln, start: t.start, end: t.end };
            if (k === 0 && at[1]?.s === ':') refs.push({ name: t.s, ns: 'thread', span: sp });
            else if (prev?.s === '=' && (prev2?.s === 'thread' || prev2?.s === 'target')) refs.push({ name: t.s, ns: 'thread', span: sp });
            else if (at[k + 1]?.s === '=' && at[k + 1]?.s !== '==') continue;
            else refs.push({ name: t.s, ns: 'symbol', span: sp });
          }
        }
      }
    }
    lines.push(info);
  }
  // keep symbol references only to names that may be defined (labels, locals, equs); unknown words in
  // annotations (event kinds, field names) are dropped
  const known = new Set(defs.filter((d) => d.kind !== 'thread').map((d) => d.name));
  const threads = new Set(defs.filter((d) => d.kind === 'thread').map((d) => d.name));
  const filtered = refs.filter((r) => (r.ns === 'thread' ? threads.has(r.name) || threads.size === 0 : known.has(r.name) || !isAnnotationLine(lines[r.span.line], r.span.start)));
  return { defs, refs: filtered, lines, test };
}

function isAnnotationLine(l: LineInfo | undefined, col: number): boolean {
  return !!l && l.comment >= 0 && col > l.comment;
}

/** The definition or reference under a position. */
export function symbolAt(s: Scan, line: number, ch: number): { name: string; ns: 'thread' | 'symbol' } | null {
  for (const d of s.defs) if (d.span.line === line && ch >= d.span.start && ch <= d.span.end) return { name: d.name, ns: d.kind === 'thread' ? 'thread' : 'symbol' };
  for (const r of s.refs) if (r.span.line === line && ch >= r.span.start && ch <= r.span.end) return { name: r.name, ns: r.ns };
  return null;
}

export function findDefs(s: Scan, name: string, ns: 'thread' | 'symbol'): SymDef[] {
  return s.defs.filter((d) => d.name === name && (ns === 'thread') === (d.kind === 'thread'));
}

export function findRefs(s: Scan, name: string, ns: 'thread' | 'symbol'): SymRef[] {
  return s.refs.filter((r) => r.name === name && r.ns === ns);
}
