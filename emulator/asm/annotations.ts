/**
 * Annotations in .uasm comments: `; @test name`, `; @cores N`, `; @seed N`, `; @max-insns N`, `; @expect ...`.
 * Parsed into plain records with positions (errors are AsmError with file:line:col). See docs/uasm.md.
 */
import { AsmError, Cursor, Expr, Pos, tokenize } from './parse';
import { Comment } from './assembler';

export type Cmp = '==' | '!=';

export type Expectation =
  | { k: 'exit'; status: number; pos: Pos }
  | { k: 'fault'; signal: string; at: string | null; pos: Pos }
  | { k: 'stdout'; text: string; pos: Pos }
  /** A register / UINTR field / memory value of a thread, at its exit or when it reaches a label. */
  | { k: 'value'; thread: string | null; what: ValueRef; cmp: Cmp; value: Expr; at: string | null; pos: Pos }
  | { k: 'event'; filter: EventFilter; count: number | null; pos: Pos }
  | { k: 'order'; filters: EventFilter[]; pos: Pos };

export type ValueRef = { k: 'reg'; name: string } | { k: 'uintr'; field: string } | { k: 'mem'; size: number; addr: Expr };

export interface EventFilter {
  kind: string;
  fields: { key: string; value: string | Expr; pos: Pos }[];
  pos: Pos;
}

export interface Annotations {
  name: string | null;
  cores: number | null;
  seed: number | null;
  maxInsns: number | null;
  expects: Expectation[];
  /**
   * `; @break [CONDITION]`: a breakpoint for the debugger at the first instruction on or after the annotation's
   * line (CONDITION in the adapter's expression language). uintr-test ignores them: they only ask a debugger to stop.
   */
  breaks: { pos: Pos; condition: string | null }[];
  /** Position of @test (or line 1). */
  pos: Pos;
}

export const ANNOTATION_KEYS = ['test', 'cores', 'seed', 'max-insns', 'expect', 'break'];
export const UINTR_FIELDS = ['uif', 'uirr', 'handler', 'stackadjust', 'uinv', 'uittsz', 'uitt', 'upid', 'tt_valid', 'upid.on', 'upid.sn', 'upid.nv', 'upid.ndst', 'upid.pir', 'upid.ctl'];
export const EVENT_KINDS = ['senduipi', 'notify', 'notify-processed', 'notify-spurious', 'recognized', 'deliver', 'uiret', 'stui', 'clui', 'replay', 'switch-out', 'syscall', 'block', 'wake', 'fault'];
const SIZES: Record<string, number> = { byte: 1, word: 2, dword: 4, qword: 8 };
const REG_RE = /^(r[a-d]x|r[sd]i|r[sb]p|r\d+|e[a-d]x|e[sd]i|e[sb]p|r\d+[dwb]|[a-d]x|[a-d][lh]|[sd]il?|[sb]pl?|rip|rflags|eflags|xmm\d+|fs_base|gs_base)$/;

function num(c: Cursor, what: string): number {
  const t = c.next();
  if (t.t !== 'num') throw c.err(t, `${what} needs a number`);
  return Number(t.v);
}

function endOf(c: Cursor): void {
  if (!c.done) throw c.err(c.peek(), `unexpected '${c.peek().s}'`);
}

/** Event kinds are words with '-' (notify-processed): join the tokens. */
function word(c: Cursor): { s: string; pos: Pos } {
  const t = c.next();
  if (t.t !== 'id') throw c.err(t, t.t === 'eol' ? 'expected a word at end of line' : `expected a word, found '${t.s}'`);
  let s = t.s;
  while (c.at('-') && c.peek(1).t === 'id' && c.peek(1).col === c.peek().col + 1) {
    c.next();
    s += '-' + c.next().s;
  }
  return { s, pos: c.posOf(t) };
}

function eventFilter(c: Cursor): EventFilter {
  const k = word(c);
  if (!EVENT_KINDS.includes(k.s)) throw new AsmError(k.pos, `unknown event kind '${k.s}' (known: ${EVENT_KINDS.join(', ')})`);
  const f: EventFilter = { kind: k.s, fields: [], pos: k.pos };
  while (!c.done && !(c.peek().t === 'id' && (c.peek().s === 'then' || c.peek().s === 'count'))) {
    const key = word(c);
    c.expect('=', "'=' after the field name");
    const v = c.peek();
    if (v.t === 'id' && !(c.peek(1).t === 'op' && '+-*/'.includes(c.peek(1).s))) {
      let s = word(c).s;
      if (key.s === 'fault' && c.at('#')) s = '#' + s;
      f.fields.push({ key: key.s, value: s, pos: key.pos });
    } else if (v.t === 'op' && v.s === '#') {
      c.next();
      f.fields.push({ key: key.s, value: '#' + word(c).s, pos: key.pos });
    } else if (v.t === 'str') {
      c.next();
      f.fields.push({ key: key.s, value: v.s, pos: key.pos });
    } else f.fields.push({ key: key.s, value: c.expr(), pos: key.pos });
  }
  return f;
}

export function parseAnnotations(comments: Comment[], file: string): Annotations {
  const a: Annotations = { name: null, cores: null, seed: null, maxInsns: null, expects: [], breaks: [], pos: { file, line: 1, col: 1 } };
  for (const cm of comments) {
    const m = /^(\s*)@([A-Za-z-]+)/.exec(cm.text);
    if (!m) continue;
    const keyCol = cm.pos.col + 1 + m[1].length;
    const key = m[2];
    const pos: Pos = { file, line: cm.pos.line, col: keyCol };
    const restStart = m[0].length;
    const rest = cm.text.slice(restStart);
    const rpos: Pos = { file, line: cm.pos.line, col: cm.pos.col + 1 + restStart };
    if (key === 'break') {
      // the condition is checked by the debugger that honours it (its expression language), not here
      a.breaks.push({ pos, condition: rest.trim() || null });
      continue;
    }
    if (key === 'test') {
      if (a.name !== null) throw new AsmError(pos, 'a file holds one test case: @test given twice');
      a.name = rest.trim();
      a.pos = pos;
      if (!a.name) throw new AsmError(pos, '@test needs a name');
      continue;
    }
    // tokenize; ';' inside the rest is not a comment any more
    const c = new Cursor(tokenize(rest.replace(/;/g, ' '), rpos), rpos);
    switch (key) {
      case 'cores':
        a.cores = num(c, '@cores');
        if (a.cores < 1 || a.cores > 64) throw new AsmError(pos, '@cores must be between 1 and 64');
        endOf(c);
        break;
      case 'seed':
        a.seed = num(c, '@seed');
        endOf(c);
        break;
      case 'max-insns':
        a.maxInsns = num(c, '@max-insns');
        endOf(c);
        break;
      case 'expect':
        a.expects.push(parseExpect(c, pos));
        break;
      default:
        throw new AsmError(pos, `unknown annotation '@${key}' (known: ${ANNOTATION_KEYS.map((k) => '@' + k).join(', ')})`);
    }
  }
  return a;
}

function parseExpect(c: Cursor, pos: Pos): Expectation {
  const first = c.peek();
  if (first.t === 'eol') throw c.err(first, '@expect needs an expectation');
  if (first.t === 'id') {
    switch (first.s) {
      case 'exit': {
        c.next();
        const s = num(c, 'exit');
        endOf(c);
        return { k: 'exit', status: s, pos };
      }
      case 'fault': {
        c.next();
        const sig = c.next();
        if (sig.t !== 'id' || !/^SIG[A-Z]+$/.test(sig.s)) throw c.err(sig, 'expected a signal name such as SIGSEGV or SIGILL');
        let at: string | null = null;
        if (c.peek().t === 'id' && c.peek().s === 'at') {
          c.next();
          const l = c.next();
          if (l.t !== 'id') throw c.err(l, 'expected a label after at');
          at = l.s;
        }
        endOf(c);
        return { k: 'fault', signal: sig.s, at, pos };
      }
      case 'stdout': {
        c.next();
        const t = c.next();
        if (t.t !== 'str') throw c.err(t, 'expected a quoted string ("...", escapes \\n \\t \\\\ \\")');
        endOf(c);
        return { k: 'stdout', text: t.s, pos };
      }
      case 'event': {
        c.next();
        const f = eventFilter(c);
        let count: number | null = null;
        if (c.peek().t === 'id' && c.peek().s === 'count') {
          c.next();
          c.expect('=');
          count = num(c, 'count');
        }
        endOf(c);
        return { k: 'event', filter: f, count, pos };
      }
      case 'order': {
        c.next();
        const filters = [eventFilter(c)];
        while (c.peek().t === 'id' && c.peek().s === 'then') {
          c.next();
          filters.push(eventFilter(c));
        }
        endOf(c);
        if (filters.length < 2) throw new AsmError(pos, "@expect order needs at least two events joined by 'then'");
        return { k: 'order', filters, pos };
      }
    }
  }
  // [THREAD:] WHAT == VALUE [at LABEL]
  let thread: string | null = null;
  if (first.t === 'id' && c.peek(1).s === ':') {
    thread = first.s;
    c.next();
    c.next();
  }
  let what: ValueRef;
  const t = c.peek();
  if (t.t === 'op' && t.s === '[') {
    c.next();
    const addr = c.expr();
    c.expect(']');
    what = { k: 'mem', size: 8, addr };
  } else if (t.t === 'id' && SIZES[t.s] && c.peek(1).s === '[') {
    c.next();
    c.next();
    const addr = c.expr();
    c.expect(']');
    what = { k: 'mem', size: SIZES[t.s], addr };
  } else if (t.t === 'id') {
    c.next();
    const n = t.s.toLowerCase();
    if (UINTR_FIELDS.includes(n)) what = { k: 'uintr', field: n };
    else if (REG_RE.test(n)) what = { k: 'reg', name: n };
    else throw c.err(t, `unknown register or UINTR field '${t.s}' (UINTR fields: ${UINTR_FIELDS.join(', ')}); other expectations: exit, fault, stdout, event, order`);
  } else throw c.err(t, 'expected a register, a UINTR field, [address], exit, fault, stdout, event or order');
  const op = c.next();
  if (op.t !== 'op' || (op.s !== '==' && op.s !== '!=')) throw c.err(op, op.t === 'eol' ? "expected '==' or '!=' at end of line" : `expected '==' or '!=', found '${op.s}'`);
  const value = c.expr();
  let at: string | null = null;
  if (c.peek().t === 'id' && c.peek().s === 'at') {
    c.next();
    const l = c.next();
    if (l.t !== 'id') throw c.err(l, 'expected a label after at');
    at = l.s;
  }
  endOf(c);
  return { k: 'value', thread, what, cmp: op.s as Cmp, value, at, pos };
}
