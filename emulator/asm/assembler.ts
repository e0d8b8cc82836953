/**
 * The .uasm assembler: source -> statements -> a laid-out program (sections at fixed addresses, symbols,
 * a line table) -> a static ELF64 executable that the emulated kernel loads like any other program.
 *
 * Sections: .text 0x401000 (r-x), .rodata 0x500000 (r--), .data 0x600000 (rw-), .bss 0x700000 (rw-),
 * each at most 1 MiB. Branch sizes are relaxed over several passes (each instruction is encoded by iced
 * at its final address; see encode.ts).
 */
import { AsmError, Cursor, EvalCtx, Expr, Pos, Tok, evalExpr, tokenize } from './parse';
import { EncOperand, EncodeError, encodeInstruction, isMnemonic, lookupRegister } from './encode';
import { Register } from 'iced-x86';

export const SECTIONS = {
  '.text': { base: 0x401000, flags: 5 },
  '.rodata': { base: 0x500000, flags: 4 },
  '.data': { base: 0x600000, flags: 6 },
  '.bss': { base: 0x700000, flags: 6 },
} as const;
export type SectionName = keyof typeof SECTIONS;
const SECTION_LIMIT = 0x100000;

// ------------------------------------------------------------------ statements

export type MemSpec = { size: number; seg: string | null; base: string | null; index: string | null; scale: number; disp: Expr | null; rel: boolean; pos: Pos };
export type Operand = { k: 'reg'; name: string; pos: Pos } | { k: 'mem'; m: MemSpec; pos: Pos } | { k: 'imm'; e: Expr; pos: Pos };

export type Item =
  | { k: 'label'; name: string; pos: Pos }
  | { k: 'insn'; mnemonic: string; prefixes: string[]; ops: Operand[]; pos: Pos; text: string }
  | { k: 'data'; width: number; vals: (Expr | string)[]; pos: Pos }
  | { k: 'align'; n: Expr; pos: Pos }
  | { k: 'res'; width: number; n: Expr; pos: Pos }
  | { k: 'times'; n: Expr; item: Item; pos: Pos };

export interface ThreadDecl {
  name: string;
  entry: Expr;
  core: number | null;
  pos: Pos;
}

/** Architecture-level state for a thread, applied when it starts (`uintr` directive). */
export interface ArchDecl {
  thread: string;
  fields: { key: string; e: Expr; pos: Pos }[];
  pos: Pos;
}

export interface Comment {
  text: string;
  pos: Pos; // position of the ';'
}

export interface Parsed {
  file: string;
  items: Map<SectionName, Item[]>;
  equs: Map<string, { e: Expr; pos: Pos }>;
  threads: ThreadDecl[];
  arch: ArchDecl[];
  comments: Comment[];
  defaultRel: boolean;
  lines: string[];
}

const SIZE_WORDS: Record<string, number> = { byte: 1, word: 2, dword: 4, qword: 8, tword: 10, tbyte: 10, fword: 6, oword: 16, xmmword: 16, ymmword: 32, zmmword: 64 };
const DATA_WIDTH: Record<string, number> = { db: 1, dw: 2, dd: 4, dq: 8 };
const RES_WIDTH: Record<string, number> = { resb: 1, resw: 2, resd: 4, resq: 8 };
const PREFIXES = new Set(['lock', 'rep', 'repe', 'repz', 'repne', 'repnz']);

export const MACROS = ['exit', 'exit_group', 'print', 'uintr_register_handler', 'uintr_unregister_handler', 'uintr_vector_fd', 'uintr_register_sender', 'uintr_wait', 'wait_nonzero', 'upid', 'uitte'];
export const DIRECTIVES = ['section', 'segment', 'thread', 'uintr', 'align', 'times', 'equ', 'global', 'extern', 'bits', 'default', ...Object.keys(DATA_WIDTH), ...Object.keys(RES_WIDTH)];

/** Split `a, b, [c, d]` at top-level commas. */
function splitArgs(c: Cursor): Tok[][] {
  const out: Tok[][] = [];
  let cur: Tok[] = [];
  let depth = 0;
  while (!c.done) {
    const t = c.next();
    if (t.t === 'op' && (t.s === '[' || t.s === '(')) depth++;
    if (t.t === 'op' && (t.s === ']' || t.s === ')')) depth--;
    if (depth === 0 && t.t === 'op' && t.s === ',') {
      out.push(cur);
      cur = [];
      continue;
    }
    cur.push(t);
  }
  if (cur.length || out.length) out.push(cur);
  return out;
}

function sub(toks: Tok[], pos: Pos, endCol: number): Cursor {
  return new Cursor([...toks, { t: 'eol', s: '', col: endCol }], pos);
}

export function parseOperand(toks: Tok[], pos: Pos, endCol: number): Operand {
  const c = sub(toks, pos, endCol);
  const first = c.peek();
  const opPos = c.posOf(first);
  if (first.t === 'eol') throw new AsmError(opPos, 'missing operand');
  let size = 0;
  if (first.t === 'id' && SIZE_WORDS[first.s.toLowerCase()] !== undefined && (c.peek(1).s.toLowerCase() === 'ptr' || (c.peek(1).t === 'op' && c.peek(1).s === '['))) {
    size = SIZE_WORDS[first.s.toLowerCase()];
    c.next();
    if (c.peek().t === 'id' && c.peek().s.toLowerCase() === 'ptr') c.next();
  }
  // segment override: fs:[...]
  let seg: string | null = null;
  if (c.peek().t === 'id' && /^[c-gs]s$/i.test(c.peek().s) && c.peek(1).s === ':') {
    seg = c.next().s.toLowerCase();
    c.next();
  }
  if (c.at('[')) {
    c.next();
    const m: MemSpec = { size, seg, base: null, index: null, scale: 1, disp: null, rel: false, pos: opPos };
    if (c.peek().t === 'id' && c.peek().s.toLowerCase() === 'rel') {
      c.next();
      m.rel = true;
    } else if (c.peek().t === 'id' && c.peek().s.toLowerCase() === 'abs') c.next();
    if (c.peek().t === 'id' && /^[c-gs]s$/i.test(c.peek().s) && c.peek(1).s === ':') {
      m.seg = c.next().s.toLowerCase();
      c.next();
    }
    // terms: reg, reg*scale, scale*reg, expressions
    let neg = false;
    let first = true;
    for (;;) {
      const t = c.peek();
      if (!first) {
        if (c.at(']')) break;
        if (c.at('+')) neg = false;
        else if (c.at('-')) neg = true;
        else throw c.err(t, t.t === 'eol' ? "expected ']'" : `expected '+', '-' or ']', found '${t.s}'`);
        c.next();
      }
      first = false;
      const a = c.peek();
      const r = a.t === 'id' ? lookupRegister(a.s) : undefined;
      if (r && r.cls !== 'other' && !(c.peek(1).t === 'op' && c.peek(1).s === ':')) {
        if (neg) throw c.err(a, 'a register cannot be subtracted');
        c.next();
        if (c.eat('*')) {
          const st = c.next();
          if (st.t !== 'num' || ![1n, 2n, 4n, 8n].includes(st.v!)) throw c.err(st, 'scale must be 1, 2, 4 or 8');
          if (m.index) throw c.err(a, 'two index registers');
          m.index = r.name;
          m.scale = Number(st.v);
        } else if (!m.base) m.base = r.name;
        else if (!m.index) m.index = r.name;
        else throw c.err(a, 'too many registers in memory operand');
        continue;
      }
      if (a.t === 'num' && c.peek(1).s === '*' && c.peek(2).t === 'id' && lookupRegister(c.peek(2).s)) {
        const st = c.next();
        c.next();
        const rr = c.next();
        if (![1n, 2n, 4n, 8n].includes(st.v!)) throw c.err(st, 'scale must be 1, 2, 4 or 8');
        if (m.index) throw c.err(rr, 'two index registers');
        m.index = lookupRegister(rr.s)!.name;
        m.scale = Number(st.v);
        continue;
      }
      // an expression term: parse up to the next top-level + or - followed by a register, or ]
      const e = termExpr(c);
      const term: Expr = neg ? { k: 'un', op: '-', a: e, pos: e.pos } : e;
      m.disp = m.disp ? { k: 'bin', op: '+', a: m.disp, b: term, pos: term.pos } : term;
    }
    c.expect(']');
    if (!c.done) throw c.err(c.peek(), `unexpected '${c.peek().s}' after memory operand`);
    if (m.base === 'rip') {
      m.base = null;
      m.rel = true;
    }
    return { k: 'mem', m, pos: opPos };
  }
  if (size) throw new AsmError(opPos, "expected '[' after the size keyword");
  if (first.t === 'id') {
    const lw = first.s.toLowerCase();
    if (lw === 'st' && c.peek(1).s === '(') {
      c.next();
      c.next();
      const n = c.next();
      c.expect(')');
      return { k: 'reg', name: 'st' + String(n.v ?? ''), pos: opPos };
    }
    if ((lw === 'short' || lw === 'near') && c.peek(1).t !== 'eol') c.next();
    const r = lookupRegister(first.s);
    if (r && c.peek(1).t === 'eol') {
      c.next();
      return { k: 'reg', name: r.name, pos: opPos };
    }
  }
  const e = c.expr();
  if (!c.done) throw c.err(c.peek(), `unexpected '${c.peek().s}' in operand`);
  return { k: 'imm', e, pos: opPos };
}

/** An expression inside [...] that stops before `+ reg`, `- reg` or `]`. */
function termExpr(c: Cursor): Expr {
  // collect tokens of this term
  const toks: Tok[] = [];
  let depth = 0;
  while (!c.done) {
    const t = c.peek();
    if (depth === 0 && t.t === 'op' && t.s === ']') break;
    if (depth === 0 && t.t === 'op' && (t.s === '+' || t.s === '-') && toks.length > 0) {
      const n = c.peek(1);
      const isReg = n.t === 'id' && !!lookupRegister(n.s) && lookupRegister(n.s)!.cls !== 'other';
      const isScaled = n.t === 'num' && c.peek(2).s === '*' && c.peek(3).t === 'id' && !!lookupRegister(c.peek(3).s);
      if (isReg || isScaled) break;
    }
    if (t.t === 'op' && t.s === '(') depth++;
    if (t.t === 'op' && t.s === ')') depth--;
    toks.push(c.next());
  }
  const end = c.peek().col;
  const sc = new Cursor([...toks, { t: 'eol', s: '', col: end }], c.pos);
  const e = sc.expr();
  if (!sc.done) throw sc.err(sc.peek(), `unexpected '${sc.peek().s}' in memory operand`);
  return e;
}

function parseKeyVals(args: Tok[][], c: Cursor, endCol: number, from: number): { key: string; e: Expr; pos: Pos }[] {
  const out: { key: string; e: Expr; pos: Pos }[] = [];
  for (let i = from; i < args.length; i++) {
    const a = args[i];
    if (a.length < 3 || a[0].t !== 'id' || a[1].s !== '=') throw new AsmError(c.posOf(a[0] ?? c.peek()), 'expected key=value');
    const sc = sub(a.slice(2), c.pos, endCol);
    const e = sc.expr();
    if (!sc.done) throw sc.err(sc.peek(), `unexpected '${sc.peek().s}'`);
    out.push({ key: a[0].s.toLowerCase(), e, pos: c.posOf(a[0]) });
  }
  return out;
}

let macroCounter = 0;

/** Parse a whole file. Throws AsmError (file:line:col) on the first error. */
export function parseSource(src: string, file: string): Parsed {
  const lines = src.split('\n');
  const p: Parsed = { file, items: new Map(), equs: new Map(), threads: [], arch: [], comments: [], defaultRel: false, lines };
  for (const s of Object.keys(SECTIONS) as SectionName[]) p.items.set(s, []);
  let section: SectionName = '.text';
  let lastGlobal = '';
  macroCounter = 0;
  const emit = (it: Item) => p.items.get(section)!.push(it);
  const qualify = (name: string, pos: Pos): string => {
    if (name.startsWith('.') && !name.startsWith('..')) {
      if (!lastGlobal) throw new AsmError(pos, `local label '${name}' before any global label`);
      return lastGlobal + name;
    }
    return name;
  };
  // qualify local symbol references inside an expression
  const qexpr = (e: Expr): Expr => {
    if (e.k === 'sym') return e.name.startsWith('.') && lastGlobal ? { ...e, name: lastGlobal + e.name } : e;
    if (e.k === 'un') return { ...e, a: qexpr(e.a) };
    if (e.k === 'bin') return { ...e, a: qexpr(e.a), b: qexpr(e.b) };
    return e;
  };
  const qop = (o: Operand): Operand => (o.k === 'imm' ? { ...o, e: qexpr(o.e) } : o.k === 'mem' && o.m.disp ? { ...o, m: { ...o.m, disp: qexpr(o.m.disp) } } : o);

  const handleLine = (text: string, pos: Pos, raw: string, depth = 0): void => {
    const toks = tokenize(text, pos);
    const c = new Cursor(toks, pos);
    const endCol = toks[toks.length - 1].col;
    if (c.done) return;
    // label:
    let t = c.peek();
    if (t.t === 'id' && c.peek(1).s === ':' && !lookupRegister(t.s)) {
      c.next();
      c.next();
      const name = qualify(t.s, c.posOf(t));
      if (!t.s.startsWith('.') && !t.s.startsWith('__uasm')) lastGlobal = t.s;
      emit({ k: 'label', name, pos: c.posOf(t) });
      if (c.done) return;
      t = c.peek();
    }
    if (t.t !== 'id') throw c.err(t, `expected an instruction or directive, found '${t.s}'`);
    // NAME equ expr
    if (c.peek(1).t === 'id' && c.peek(1).s.toLowerCase() === 'equ') {
      c.next();
      c.next();
      const e = c.expr();
      if (!c.done) throw c.err(c.peek(), `unexpected '${c.peek().s}'`);
      if (p.equs.has(t.s)) throw c.err(t, `'${t.s}' is already defined`);
      p.equs.set(t.s, { e, pos: c.posOf(t) });
      return;
    }
    const word = t.s.toLowerCase();
    const wpos = c.posOf(t);
    c.next();
    const rest = () => splitArgs(c);
    switch (word) {
      case 'section':
      case 'segment': {
        const n = c.next();
        const name = (n.t === 'id' ? n.s : '').toLowerCase() as SectionName;
        if (!(name in SECTIONS)) throw c.err(n, `unknown section '${n.s}' (use .text, .rodata, .data or .bss)`);
        section = name;
        return;
      }
      case 'global':
      case 'extern':
        return;
      case 'bits': {
        const n = c.next();
        if (n.v !== 64n) throw c.err(n, 'only bits 64 is supported');
        return;
      }
      case 'default': {
        const n = c.next();
        if (n.s.toLowerCase() === 'rel') p.defaultRel = true;
        else if (n.s.toLowerCase() === 'abs') p.defaultRel = false;
        else throw c.err(n, "expected 'rel' or 'abs'");
        return;
      }
      case 'thread': {
        const args = rest();
        if (args.length < 2 || args[0].length !== 1 || args[0][0].t !== 'id') throw new AsmError(wpos, 'usage: thread NAME, ENTRY [, core=N]');
        const name = args[0][0].s;
        if (p.threads.some((x) => x.name === name)) throw c.err(args[0][0], `thread '${name}' is already declared`);
        const sc = sub(args[1], pos, endCol);
        const entry = qexpr(sc.expr());
        let core: number | null = null;
        for (const kv of parseKeyVals(args, c, endCol, 2)) {
          if (kv.key !== 'core' || kv.e.k !== 'num') throw new AsmError(kv.pos, 'expected core=N');
          core = Number(kv.e.v);
        }
        p.threads.push({ name, entry, core, pos: wpos });
        return;
      }
      case 'uintr': {
        const args = rest();
        if (args.length < 2 || args[0].length !== 1 || args[0][0].t !== 'id') throw new AsmError(wpos, 'usage: uintr THREAD, key=value...');
        const fields = parseKeyVals(args, c, endCol, 1).map((f) => ({ ...f, e: qexpr(f.e) }));
        const known = ['uif', 'uirr', 'handler', 'stackadjust', 'uinv', 'upid', 'uitt', 'uittsz', 'tt_valid'];
        for (const f of fields) if (!known.includes(f.key)) throw new AsmError(f.pos, `unknown uintr field '${f.key}' (known: ${known.join(', ')})`);
        p.arch.push({ thread: args[0][0].s, fields, pos: wpos });
        return;
      }
      case 'align': {
        const e = c.expr();
        emit({ k: 'align', n: e, pos: wpos });
        return;
      }
      case 'times': {
        const n = c.expr();
        const restText = text.slice(c.peek().col - pos.col);
        const before = p.items.get(section)!.length;
        handleLine(restText, { ...pos, col: c.peek().col }, raw, depth + 1);
        const added = p.items.get(section)!.splice(before);
        if (added.length !== 1 || added[0].k === 'label') throw new AsmError(wpos, 'times needs one instruction or data directive');
        emit({ k: 'times', n: qexpr(n), item: added[0], pos: wpos });
        return;
      }
    }
    if (word in DATA_WIDTH) {
      const vals: (Expr | string)[] = [];
      for (const a of rest()) {
        if (a.length === 0) throw new AsmError(wpos, 'empty value');
        if (a.length === 1 && a[0].t === 'str' && (a[0].s.length > 1 || DATA_WIDTH[word] === 1)) vals.push(a[0].s);
        else {
          const sc = sub(a, pos, endCol);
          vals.push(qexpr(sc.expr()));
          if (!sc.done) throw sc.err(sc.peek(), `unexpected '${sc.peek().s}'`);
        }
      }
      if (vals.length === 0) throw new AsmError(wpos, `${word} needs at least one value`);
      emit({ k: 'data', width: DATA_WIDTH[word], vals, pos: wpos });
      return;
    }
    if (word in RES_WIDTH) {
      emit({ k: 'res', width: RES_WIDTH[word], n: qexpr(c.expr()), pos: wpos });
      return;
    }
    if (MACROS.includes(word) && depth < 4) {
      const args = rest();
      const argText = args.map((a) => (a.length ? text.slice(a[0].col - pos.col, (a[a.length - 1].col - pos.col) + a[a.length - 1].s.length + (a[a.length - 1].t === 'str' ? 2 : 0)) : ''));
      const expansion = expandMacro(word, args, argText, wpos, (s) => p.items.get('.rodata')!.push(...s));
      for (const l of expansion) handleLine(l, { ...wpos }, raw, depth + 1);
      return;
    }
    // instruction with optional prefixes
    const prefixes: string[] = [];
    let mn = word;
    while (PREFIXES.has(mn) && c.peek().t === 'id') {
      prefixes.push(mn);
      mn = c.next().s.toLowerCase();
    }
    if (!isMnemonic(mn) && !(PREFIXES.has(mn) && c.done)) throw new AsmError(wpos, `unknown instruction or directive '${mn}'`);
    if (PREFIXES.has(mn)) throw new AsmError(wpos, `prefix '${mn}' without an instruction`);
    const ops = rest().map((a, i, all) => {
      if (a.length === 0) throw new AsmError(wpos, `operand ${i + 1} is empty`);
      const next = all[i + 1];
      return qop(parseOperand(a, pos, next?.length ? next[0].col - 1 : endCol));
    });
    emit({ k: 'insn', mnemonic: mn, prefixes, ops, pos: wpos, text: text.trim() });
  };

  for (let i = 0; i < lines.length; i++) {
    const raw = lines[i];
    const pos: Pos = { file, line: i + 1, col: 1 };
    // split off the comment (outside strings)
    let code = raw;
    let q: string | null = null;
    for (let j = 0; j < raw.length; j++) {
      const ch = raw[j];
      if (q) {
        if (ch === '\\') j++;
        else if (ch === q) q = null;
      } else if (ch === '"' || ch === "'" || ch === '`') q = ch;
      else if (ch === ';') {
        code = raw.slice(0, j);
        p.comments.push({ text: raw.slice(j + 1), pos: { file, line: i + 1, col: j + 1 } });
        break;
      }
    }
    handleLine(code, pos, raw);
  }
  return p;
}

function argExpr(a: Tok[], pos: Pos): string {
  void pos;
  return a.map((t) => (t.t === 'str' ? JSON.stringify(t.s) : t.s)).join(' ');
}

/** Expand a convenience macro into source lines (documented in docs/uasm.md). */
function expandMacro(word: string, args: Tok[][], _argText: string[], pos: Pos, addRodata: (items: Item[]) => void): string[] {
  const A = (i: number, what: string): string => {
    if (!args[i] || args[i].length === 0) throw new AsmError(pos, `${word}: missing ${what}`);
    return argExpr(args[i], pos);
  };
  const n = (k: number) => args.length === k;
  switch (word) {
    case 'exit':
    case 'exit_group':
      if (!n(1)) throw new AsmError(pos, `usage: ${word} STATUS`);
      return [`mov edi, ${A(0, 'status')}`, `mov eax, ${word === 'exit' ? 60 : 231}`, 'syscall'];
    case 'print': {
      if (!n(1) || args[0].length !== 1 || args[0][0].t !== 'str') throw new AsmError(pos, 'usage: print "text"');
      const s = args[0][0].s;
      const label = `__uasm_str${macroCounter++}`;
      addRodata([{ k: 'label', name: label, pos }, { k: 'data', width: 1, vals: s.length ? [s] : [{ k: 'num', v: 0n, pos }], pos }]);
      return ['mov edi, 1', `lea rsi, [rel ${label}]`, `mov edx, ${Buffer.byteLength(s, 'latin1')}`, 'mov eax, 1', 'syscall'];
    }
    case 'uintr_register_handler':
      if (args.length < 1 || args.length > 2) throw new AsmError(pos, 'usage: uintr_register_handler HANDLER [, FLAGS]');
      return [`lea rdi, [rel ${A(0, 'handler')}]`, `mov esi, ${args[1] ? A(1, 'flags') : '0'}`, 'mov eax, 471', 'syscall'];
    case 'uintr_unregister_handler':
      return ['xor edi, edi', 'mov eax, 472', 'syscall'];
    case 'uintr_vector_fd':
      if (!n(1)) throw new AsmError(pos, 'usage: uintr_vector_fd VECTOR');
      return [`mov edi, ${A(0, 'vector')}`, 'xor esi, esi', 'mov eax, 473', 'syscall'];
    case 'uintr_register_sender':
      if (!n(1)) throw new AsmError(pos, 'usage: uintr_register_sender FD');
      return [`mov rdi, ${A(0, 'fd')}`, 'xor esi, esi', 'mov eax, 474', 'syscall'];
    case 'uintr_wait':
      if (!n(1)) throw new AsmError(pos, 'usage: uintr_wait USEC');
      return [`mov rdi, ${A(0, 'usec')}`, 'xor esi, esi', 'mov eax, 476', 'syscall'];
    case 'wait_nonzero': {
      if (!n(1)) throw new AsmError(pos, 'usage: wait_nonzero LABEL');
      const l = `__uasm_wait${macroCounter++}`;
      return [`${l}: pause`, `cmp qword [rel ${A(0, 'label')}], 0`, `je ${l}`];
    }
    case 'upid':
    case 'uitte': {
      const vals: Record<string, string> = {};
      for (const a of args) {
        if (a.length < 3 || a[0].t !== 'id' || a[1].s !== '=') throw new AsmError(pos, `${word}: expected key=value`);
        vals[a[0].s.toLowerCase()] = argExpr(a.slice(2), pos);
      }
      const get = (k: string, d: string) => {
        const v = vals[k];
        delete vals[k];
        return `(${v ?? d})`;
      };
      let out: string[];
      if (word === 'upid') {
        const on = get('on', '0'), sn = get('sn', '0'), nv = get('nv', '0xec'), apic = get('apic', '0'), pir = get('pir', '0'), rsv = get('reserved', '0');
        out = [`dd (${on} & 1) | ((${sn} & 1) << 1) | ((${nv} & 0xff) << 16) | ${rsv}`, `dd (${apic} & 0xff) << 8`, `dq ${pir}`];
      } else {
        const valid = get('valid', '1'), vec = get('vector', '0'), upid = get('upid', '0'), rsv = get('reserved', '0');
        out = [`dq (${valid} & 1) | ((${vec} & 0xff) << 8) | ${rsv}`, `dq ${upid}`];
      }
      const left = Object.keys(vals);
      if (left.length) throw new AsmError(pos, `${word}: unknown key '${left[0]}'`);
      return out;
    }
  }
  throw new AsmError(pos, `unknown macro ${word}`);
}

// ------------------------------------------------------------------ layout and encoding

export interface LineEntry {
  addr: number;
  len: number;
  line: number;
}

export interface Program {
  file: string;
  parsed: Parsed;
  symbols: Map<string, number>;
  sections: { name: SectionName; base: number; bytes: Uint8Array; size: number }[];
  entry: number;
  /** Instruction addresses -> source lines (user code only; line 0 = generated). */
  lineTable: LineEntry[];
  /** Threads in creation order, with their trampolines (see runtimeStub). */
  threads: { name: string; entry: number; core: number | null; go: number; pos: Pos }[];
  /** Addresses of the exit stubs (main return / thread return). */
  mainExit: number;
  threadExit: number;
}

/** The generated start-up code: create the declared threads, zero registers, jump to each entry. */
function runtimeStub(p: Parsed): { src: string; order: ThreadDecl[] } {
  let threads = p.threads;
  if (threads.length === 0) {
    const entry: Expr = { k: 'sym', name: '__uasm_default_entry', pos: { file: p.file, line: 1, col: 1 } };
    threads = [{ name: 'main', entry, core: null, pos: { file: p.file, line: 1, col: 1 } }];
  }
  // creation order: the first declared thread is the process's initial thread (core 0 unless it asks
  // otherwise); threads asking for core N are created N-th so that, with enough cores, they start there
  const order: ThreadDecl[] = new Array(threads.length).fill(null);
  const free: ThreadDecl[] = [];
  for (const t of threads) {
    if (t.core !== null && t.core < threads.length && !order[t.core]) order[t.core] = t;
    else free.push(t);
  }
  for (let i = 0; i < order.length; i++) if (!order[i]) order[i] = free.shift()!;
  const zero = ['eax', 'ebx', 'ecx', 'edx', 'esi', 'edi', 'ebp', 'r8d', 'r9d', 'r10d', 'r11d', 'r12d', 'r13d', 'r14d', 'r15d'].map((r) => `xor ${r}, ${r}`);
  const L: string[] = ['section .text', '__uasm_start:'];
  for (let i = 1; i < order.length; i++) {
    L.push('mov eax, 9', 'xor edi, edi', 'mov esi, 0x10000', 'mov edx, 3', 'mov r10d, 0x22', 'mov r8, -1', 'xor r9d, r9d', 'syscall');
    L.push('lea rsi, [rax + 0x10000 - 8]', 'lea rcx, [rel __uasm_thread_exit]', 'mov [rsi], rcx');
    L.push('mov edi, 0x50f00', 'xor edx, edx', 'xor r10d, r10d', 'xor r8d, r8d', 'mov eax, 56', 'syscall');
    L.push('test eax, eax', `jz __uasm_enter${i}`);
  }
  L.push('lea rcx, [rel __uasm_main_exit]', 'push rcx', ...zero, '__uasm_go0:', 'jmp __uasm_entry0');
  for (let i = 1; i < order.length; i++) L.push(`__uasm_enter${i}:`, ...zero, `__uasm_go${i}:`, `jmp __uasm_entry${i}`);
  L.push('__uasm_main_exit:', 'mov edi, eax', 'mov eax, 231', 'syscall', 'hlt');
  L.push('__uasm_thread_exit:', 'xor edi, edi', 'mov eax, 60', 'syscall', 'hlt');
  return { src: L.join('\n'), order };
}

interface Slot {
  item: Item;
  section: SectionName;
  len: number;
  bytes: Uint8Array;
}

/** Assemble a parsed file (throws AsmError). */
export function assemble(p: Parsed): Program {
  const stub = runtimeStub(p);
  const sp = parseSource(stub.src, '<runtime>');
  // the stub goes after the user's text
  const text = [...p.items.get('.text')!, ...sp.items.get('.text')!];
  const secItems = new Map<SectionName, Item[]>([...p.items]);
  secItems.set('.text', text);
  for (const [s, items] of secItems) {
    if (s === '.bss') for (const it of items) if (it.k === 'insn' || it.k === 'data') throw new AsmError(it.pos, 'only resb/resw/resd/resq, align and labels are allowed in .bss');
  }
  // symbols: labels (checked unique) and equs
  const labelPos = new Map<string, Pos>();
  for (const items of secItems.values())
    for (const it of items)
      if (it.k === 'label') {
        if (labelPos.has(it.name) || p.equs.has(it.name)) throw new AsmError(it.pos, `label '${it.name}' is already defined${labelPos.has(it.name) ? ` (at line ${labelPos.get(it.name)!.line})` : ''}`);
        if (lookupRegister(it.name)) throw new AsmError(it.pos, `'${it.name}' is a register name`);
        labelPos.set(it.name, it.pos);
      }
  const syms = new Map<string, number>();
  const entryName = labelPos.has('_start') ? '_start' : labelPos.has('main') ? 'main' : null;
  const slots: Slot[] = [];
  for (const [s, items] of secItems) for (const it of items) slots.push({ item: it, section: s, len: 0, bytes: new Uint8Array(0) });

  const equVal = (name: string, pos: Pos, depth: number, strict: boolean): bigint | undefined => {
    const q = p.equs.get(name)!;
    if (depth > 32) throw new AsmError(pos, `equ '${name}' refers to itself`);
    return evalExpr(q.e, ctx(0n, 0n, depth + 1, strict), strict);
  };
  let pass = 0;
  const ctx = (here: bigint, sect: bigint, depth = 0, strict = false): EvalCtx => ({
    here,
    sect,
    sym(name, pos) {
      if (p.equs.has(name)) return equVal(name, pos, depth, strict);
      if (name.startsWith('__uasm_entry')) {
        const i = Number(name.slice(12));
        const t = stub.order[i];
        return evalExpr(t.entry, ctx(here, sect, depth + 1, strict), strict);
      }
      if (name === '__uasm_default_entry') return BigInt(syms.get(entryName ?? '') ?? SECTIONS['.text'].base);
      const v = syms.get(name);
      if (v === undefined && labelPos.has(name)) return BigInt(SECTIONS['.text'].base); // not yet placed (first pass)
      if (v === undefined && strict) throw new AsmError(pos, `undefined symbol '${name}'`);
      return v === undefined ? undefined : BigInt(v);
    },
  });

  const resolveOps = (it: Extract<Item, { k: 'insn' }>, here: bigint, strict: boolean): EncOperand[] => {
    const out: EncOperand[] = [];
    for (const o of it.ops) {
      if (o.k === 'reg') {
        const r = lookupRegister(o.name)!;
        out.push({ k: 'reg', r });
      } else if (o.k === 'imm') {
        const v = evalExpr(o.e, ctx(here, 0n, 0, strict), strict) ?? here;
        out.push({ k: 'imm', v });
      } else {
        const m = o.m;
        const reg = (n: string | null): Register => (n ? lookupRegister(n)!.reg : Register.None);
        const disp = m.disp ? evalExpr(m.disp, ctx(here, 0n, 0, strict), strict) ?? here : 0n;
        const rel = m.rel || (p.defaultRel && !m.base && !m.index && m.disp !== null);
        if (rel && (m.base || m.index)) throw new AsmError(o.pos, "'rel' memory operands take no registers");
        if (m.index === 'rsp') throw new AsmError(o.pos, 'rsp cannot be an index register');
        out.push({ k: 'mem', size: m.size, base: rel ? Register.RIP : reg(m.base), index: reg(m.index), scale: m.scale, disp, seg: m.seg ? lookupRegister(m.seg)!.reg : Register.None, rel });
      }
    }
    return out;
  };

  const dataBytes = (it: Extract<Item, { k: 'data' }>, here: bigint, strict: boolean): Uint8Array => {
    const out: number[] = [];
    for (const v of it.vals) {
      if (typeof v === 'string') {
        for (let i = 0; i < v.length; i++) out.push(v.charCodeAt(i) & 0xff);
        while (out.length % it.width) out.push(0);
        continue;
      }
      const x = evalExpr(v, ctx(here + BigInt(out.length), 0n, 0, strict), strict) ?? 0n;
      const bits = BigInt(it.width * 8);
      if (strict && (x >= 1n << bits || x < -(1n << (bits - 1n)))) throw new AsmError(v.pos, `value ${x} does not fit in ${it.width} byte${it.width > 1 ? 's' : ''}`);
      let u = BigInt.asUintN(Number(bits), x);
      for (let i = 0; i < it.width; i++) {
        out.push(Number(u & 0xffn));
        u >>= 8n;
      }
    }
    return Uint8Array.from(out);
  };

  const constant = (e: Expr, here: bigint, strict: boolean, what: string): number => {
    const v = evalExpr(e, ctx(here, 0n, 0, strict), strict);
    if (v === undefined) return 0;
    if (v < 0n || v > 0x100000n) throw new AsmError(e.pos, `${what} must be between 0 and 0x100000`);
    return Number(v);
  };

  const place = (it: Item, sec: SectionName, addr: number, strict: boolean, prevLen: number): Uint8Array => {
    const here = BigInt(addr);
    switch (it.k) {
      case 'label':
        return new Uint8Array(0);
      case 'insn': {
        try {
          return encodeInstruction({ mnemonic: it.mnemonic, prefixes: it.prefixes, ops: resolveOps(it, here, strict) }, here, pass > 6 ? prevLen : 0);
        } catch (e) {
          if (e instanceof EncodeError) {
            if (!strict && /out of range|Invalid|immediate|displacement|Branch/i.test(e.message)) return new Uint8Array(Math.max(prevLen, 1));
            throw new AsmError(it.pos, e.message);
          }
          if (e instanceof AsmError) throw e;
          throw new AsmError(it.pos, String((e as Error).message ?? e));
        }
      }
      case 'data':
        return dataBytes(it, here, strict);
      case 'align': {
        const n = constant(it.n, here, true, 'alignment');
        if (n === 0 || (n & (n - 1)) !== 0) throw new AsmError(it.pos, 'alignment must be a power of two');
        const pad = (n - (addr % n)) % n;
        return new Uint8Array(pad).fill(sec === '.text' ? 0x90 : 0);
      }
      case 'res':
        return new Uint8Array(constant(it.n, here, true, 'reservation') * it.width);
      case 'times': {
        const n = constant(it.n, here, true, 'times count');
        const parts: Uint8Array[] = [];
        let a = addr;
        for (let i = 0; i < n; i++) {
          const b = place(it.item, sec, a, strict, 0);
          parts.push(b);
          a += b.length;
        }
        const out = new Uint8Array(a - addr);
        let o = 0;
        for (const b of parts) {
          out.set(b, o);
          o += b.length;
        }
        return out;
      }
    }
  };

  let prev = '';
  let final = false;
  for (pass = 0; pass < 24; pass++) {
    const strict = final;
    const cursor = new Map<SectionName, number>();
    for (const s of Object.keys(SECTIONS) as SectionName[]) cursor.set(s, SECTIONS[s].base);
    for (const sl of slots) {
      const addr = cursor.get(sl.section)!;
      if (sl.item.k === 'label') syms.set(sl.item.name, addr);
      const b = place(sl.item, sl.section, addr, strict, sl.len);
      sl.bytes = b;
      sl.len = b.length;
      cursor.set(sl.section, addr + b.length);
    }
    for (const [s, end] of cursor) if (end - SECTIONS[s].base > SECTION_LIMIT) throw new AsmError({ file: p.file, line: 1, col: 1 }, `section ${s} is larger than 1 MiB`);
    const sig = [...syms].map(([k, v]) => k + '=' + v).join(',') + '|' + slots.map((s) => s.len).join(',');
    if (final) break;
    if (sig === prev) final = true; // one more (strict) pass over a stable layout
    prev = sig;
  }
  if (!final) throw new AsmError({ file: p.file, line: 1, col: 1 }, 'the layout did not converge (branch sizes keep changing)');

  const sections: Program['sections'] = [];
  const lineTable: LineEntry[] = [];
  for (const s of Object.keys(SECTIONS) as SectionName[]) {
    const mine = slots.filter((x) => x.section === s);
    const size = mine.reduce((n, x) => n + x.len, 0);
    const bytes = new Uint8Array(s === '.bss' ? 0 : size);
    let o = 0;
    for (const x of mine) {
      if (s !== '.bss') bytes.set(x.bytes, o);
      if (x.item.k === 'insn' && x.item.pos.file === p.file) lineTable.push({ addr: SECTIONS[s].base + o, len: x.len, line: x.item.pos.line });
      o += x.len;
    }
    if (size > 0) sections.push({ name: s, base: SECTIONS[s].base, bytes, size });
  }
  const sym = (n: string) => syms.get(n)!;
  const threads = stub.order.map((t, i) => {
    const v = evalExpr(t.entry, ctx(0n, 0n, 0, true), true)!;
    return { name: t.name, entry: Number(v), core: t.core, go: sym(`__uasm_go${i}`), pos: t.pos };
  });
  for (const a of p.arch) if (!threads.some((t) => t.name === a.thread)) throw new AsmError(a.pos, `unknown thread '${a.thread}'${p.threads.length === 0 ? " (without thread directives the only thread is 'main')" : ''}`);
  return { file: p.file, parsed: p, symbols: syms, sections, entry: sym('__uasm_start'), lineTable, threads, mainExit: sym('__uasm_main_exit'), threadExit: sym('__uasm_thread_exit') };
}

/** Evaluate an expression against a program's symbols (annotations, arch directives). */
export function evalWithProgram(prog: Program, e: Expr): bigint {
  const p = prog.parsed;
  const c: EvalCtx = {
    here: 0n,
    sect: 0n,
    sym(name, pos) {
      const q = p.equs.get(name);
      if (q) return evalExpr(q.e, c, true);
      const v = prog.symbols.get(name);
      if (v === undefined) throw new AsmError(pos, `undefined symbol '${name}'`);
      return BigInt(v);
    },
  };
  return evalExpr(e, c, true)!;
}

// ------------------------------------------------------------------ ELF

/** A static ELF64 executable (ET_EXEC) with one PT_LOAD per non-empty section and a symbol table. */
export function toElf(prog: Program): Uint8Array {
  const segs = prog.sections;
  const phoff = 64;
  const phnum = segs.length;
  let off = 0x1000;
  const placed = segs.map((s) => {
    const o = off;
    off += Math.ceil(s.bytes.length / 0x1000) * 0x1000 || 0;
    return { s, off: o };
  });
  // symbol table (.symtab, .strtab, .shstrtab) after the segments
  const names = [...prog.symbols.keys()].filter((n) => !n.startsWith('__uasm_'));
  const strtab: number[] = [0];
  const nameOff: number[] = [];
  for (const n of names) {
    nameOff.push(strtab.length);
    for (const ch of Buffer.from(n, 'utf8')) strtab.push(ch);
    strtab.push(0);
  }
  const shstr = '\0.symtab\0.strtab\0.shstrtab\0';
  const symOff = off;
  const symSize = 24 * (names.length + 1);
  const strOff = symOff + symSize;
  const shstrOff = strOff + strtab.length;
  const shOff = Math.ceil((shstrOff + shstr.length) / 8) * 8;
  const total = shOff + 64 * 4;
  const buf = new Uint8Array(total);
  const dv = new DataView(buf.buffer);
  buf.set([0x7f, 0x45, 0x4c, 0x46, 2, 1, 1, 0]);
  dv.setUint16(16, 2, true); // ET_EXEC
  dv.setUint16(18, 62, true); // x86-64
  dv.setUint32(20, 1, true);
  dv.setBigUint64(24, BigInt(prog.entry), true);
  dv.setBigUint64(32, BigInt(phoff), true);
  dv.setBigUint64(40, BigInt(shOff), true);
  dv.setUint16(52, 64, true);
  dv.setUint16(54, 56, true);
  dv.setUint16(56, phnum, true);
  dv.setUint16(58, 64, true);
  dv.setUint16(60, 4, true);
  dv.setUint16(62, 3, true);
  placed.forEach(({ s, off: o }, i) => {
    const h = phoff + i * 56;
    dv.setUint32(h, 1, true);
    dv.setUint32(h + 4, SECTIONS[s.name].flags, true);
    dv.setBigUint64(h + 8, BigInt(o), true);
    dv.setBigUint64(h + 16, BigInt(s.base), true);
    dv.setBigUint64(h + 24, BigInt(s.base), true);
    dv.setBigUint64(h + 32, BigInt(s.bytes.length), true);
    dv.setBigUint64(h + 40, BigInt(s.size), true);
    dv.setBigUint64(h + 48, 0x1000n, true);
    buf.set(s.bytes, o);
  });
  names.forEach((n, i) => {
    const e = symOff + 24 * (i + 1);
    const v = prog.symbols.get(n)!;
    dv.setUint32(e, nameOff[i], true);
    buf[e + 4] = v >= SECTIONS['.text'].base && v < SECTIONS['.rodata'].base ? 0x12 : 0x11; // GLOBAL FUNC / OBJECT
    dv.setUint16(e + 6, 0xfff1, true); // SHN_ABS
    dv.setBigUint64(e + 8, BigInt(v), true);
  });
  buf.set(strtab, strOff);
  buf.set(Buffer.from(shstr, 'latin1'), shstrOff);
  const sh = (i: number, name: number, type: number, o: number, size: number, link: number, entsize: number, info = 0) => {
    const b = shOff + 64 * i;
    dv.setUint32(b, name, true);
    dv.setUint32(b + 4, type, true);
    dv.setBigUint64(b + 24, BigInt(o), true);
    dv.setBigUint64(b + 32, BigInt(size), true);
    dv.setUint32(b + 40, link, true);
    dv.setUint32(b + 44, info, true);
    dv.setBigUint64(b + 48, 1n, true);
    dv.setBigUint64(b + 56, BigInt(entsize), true);
  };
  sh(1, 1, 2, symOff, symSize, 2, 24, 1);
  sh(2, 9, 3, strOff, strtab.length, 0, 0);
  sh(3, 17, 3, shstrOff, shstr.length, 0, 0);
  return buf;
}

/** Parse + assemble + ELF in one call. */
export function assembleSource(src: string, file: string): { prog: Program; elf: Uint8Array } {
  const prog = assemble(parseSource(src, file));
  return { prog, elf: toElf(prog) };
}
