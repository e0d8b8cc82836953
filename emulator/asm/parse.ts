/**
 * The .uasm parser: source text -> statements with positions (file:line:column), expressions, operands.
 * Intel syntax as iced-x86's Intel formatter prints it (`mov rax,[rbx+8]`, `qword ptr [rsp]`, `[rel label]`).
 * No iced objects here (so the language server can parse without the wasm).
 */

export interface Pos {
  file: string;
  line: number; // 1-based
  col: number; // 1-based
}

export class AsmError extends Error {
  constructor(readonly pos: Pos, readonly detail: string) {
    super(`${pos.file}:${pos.line}:${pos.col}: ${detail}`);
  }
}

// ------------------------------------------------------------------ expressions

export type Expr =
  | { k: 'num'; v: bigint; pos: Pos }
  | { k: 'sym'; name: string; pos: Pos }
  | { k: 'here'; pos: Pos } // $
  | { k: 'sect'; pos: Pos } // $$
  | { k: 'un'; op: string; a: Expr; pos: Pos }
  | { k: 'bin'; op: string; a: Expr; b: Expr; pos: Pos };

export interface EvalCtx {
  /** Symbol value, or undefined if not (yet) known. */
  sym(name: string, pos: Pos): bigint | undefined;
  here: bigint;
  sect: bigint;
}

/** Evaluate; returns undefined if a symbol is unknown (and `strict` is false). */
export function evalExpr(e: Expr, c: EvalCtx, strict: boolean): bigint | undefined {
  switch (e.k) {
    case 'num':
      return e.v;
    case 'here':
      return c.here;
    case 'sect':
      return c.sect;
    case 'sym': {
      const v = c.sym(e.name, e.pos);
      if (v === undefined && strict) throw new AsmError(e.pos, `undefined symbol '${e.name}'`);
      return v;
    }
    case 'un': {
      const a = evalExpr(e.a, c, strict);
      if (a === undefined) return undefined;
      return e.op === '-' ? -a : e.op === '~' ? ~a : e.op === '!' ? (a === 0n ? 1n : 0n) : a;
    }
    case 'bin': {
      const a = evalExpr(e.a, c, strict), b = evalExpr(e.b, c, strict);
      if (a === undefined || b === undefined) return undefined;
      switch (e.op) {
        case '+': return a + b;
        case '-': return a - b;
        case '*': return a * b;
        case '/':
        case '%':
          if (b === 0n) throw new AsmError(e.pos, 'division by zero');
          return e.op === '/' ? a / b : a % b;
        case '<<': return BigInt.asIntN(64, a << b);
        case '>>': return BigInt.asUintN(64, a) >> b;
        case '&': return a & b;
        case '|': return a | b;
        case '^': return a ^ b;
      }
      throw new AsmError(e.pos, `bad operator ${e.op}`);
    }
  }
}

/** Symbols an expression mentions. */
export function exprSymbols(e: Expr, out: string[] = []): string[] {
  if (e.k === 'sym') out.push(e.name);
  else if (e.k === 'un') exprSymbols(e.a, out);
  else if (e.k === 'bin') {
    exprSymbols(e.a, out);
    exprSymbols(e.b, out);
  }
  return out;
}

// ------------------------------------------------------------------ tokens

export interface Tok {
  t: 'id' | 'num' | 'str' | 'op' | 'eol';
  s: string;
  v?: bigint;
  col: number; // 1-based
}

const ID_START = /[A-Za-z_.?@]/;
const ID_CHAR = /[A-Za-z0-9_.?@$#]/;

function unescape(s: string, pos: Pos): string {
  let out = '';
  for (let i = 0; i < s.length; i++) {
    const ch = s[i];
    if (ch !== '\\') {
      out += ch;
      continue;
    }
    const n = s[++i];
    switch (n) {
      case 'n': out += '\n'; break;
      case 't': out += '\t'; break;
      case 'r': out += '\r'; break;
      case '0': out += '\0'; break;
      case 'e': out += '\x1b'; break;
      case '\\': out += '\\'; break;
      case '"': out += '"'; break;
      case "'": out += "'"; break;
      case '`': out += '`'; break;
      case 'x': {
        const h = /^[0-9a-fA-F]{1,2}/.exec(s.slice(i + 1));
        if (!h) throw new AsmError(pos, 'bad \\x escape in string');
        out += String.fromCharCode(parseInt(h[0], 16));
        i += h[0].length;
        break;
      }
      default:
        throw new AsmError(pos, `unknown escape \\${n ?? ''} in string`);
    }
  }
  return out;
}

export function tokenize(text: string, pos: Pos): Tok[] {
  const toks: Tok[] = [];
  let i = 0;
  const base = pos.col;
  while (i < text.length) {
    const ch = text[i];
    const col = base + i;
    if (ch === ' ' || ch === '\t' || ch === '\r') {
      i++;
      continue;
    }
    if (ch === ';') break;
    if (ch === '"' || ch === "'" || ch === '`') {
      let j = i + 1;
      while (j < text.length && text[j] !== ch) j += text[j] === '\\' ? 2 : 1;
      if (j >= text.length) throw new AsmError({ ...pos, col }, 'unterminated string');
      const raw = text.slice(i + 1, j);
      toks.push({ t: 'str', s: unescape(raw, { ...pos, col }), col });
      i = j + 1;
      continue;
    }
    if (/[0-9]/.test(ch)) {
      const m = /^(0[xX][0-9a-fA-F_]+|0[bB][01_]+|0[oO][0-7_]+|[0-9][0-9a-fA-F_]*[hH]|[0-9][0-9_]*)/.exec(text.slice(i))!;
      let w = m[0];
      let v: bigint;
      const clean = w.replace(/_/g, '');
      if (/^[0-9][0-9a-fA-F]*[hH]$/.test(clean) && !/^0[xX]/.test(clean)) v = BigInt('0x' + clean.slice(0, -1));
      else if (/^0[xX][0-9a-fA-F]+$/.test(clean)) v = BigInt(clean);
      else if (/^0[bB][01]+$/.test(clean)) v = BigInt(clean);
      else if (/^0[oO][0-7]+$/.test(clean)) v = BigInt('0o' + clean.slice(2));
      else if (/^[0-9]+$/.test(clean)) v = BigInt(clean);
      else throw new AsmError({ ...pos, col }, `bad number '${w}'`);
      if (i + w.length < text.length && ID_CHAR.test(text[i + w.length])) {
        const m2 = /^[A-Za-z0-9_.]+/.exec(text.slice(i))!;
        w = m2[0];
        throw new AsmError({ ...pos, col }, `bad number '${w}'`);
      }
      toks.push({ t: 'num', s: w, v, col });
      i += w.length;
      continue;
    }
    if (ch === '$') {
      if (text[i + 1] === '$') {
        toks.push({ t: 'op', s: '$$', col });
        i += 2;
      } else {
        toks.push({ t: 'op', s: '$', col });
        i++;
      }
      continue;
    }
    if (ID_START.test(ch)) {
      let j = i + 1;
      while (j < text.length && ID_CHAR.test(text[j])) j++;
      toks.push({ t: 'id', s: text.slice(i, j), col });
      i = j;
      continue;
    }
    const two = text.slice(i, i + 2);
    if (two === '<<' || two === '>>' || two === '==' || two === '!=' || two === '<=' || two === '>=') {
      toks.push({ t: 'op', s: two, col });
      i += 2;
      continue;
    }
    if ('+-*/%&|^~!()[],:=<>{}#'.includes(ch)) {
      toks.push({ t: 'op', s: ch, col });
      i++;
      continue;
    }
    throw new AsmError({ ...pos, col }, `unexpected character '${ch}'`);
  }
  toks.push({ t: 'eol', s: '', col: base + text.replace(/\s+$/, '').length });
  return toks;
}

/** A cursor over one line's tokens. */
export class Cursor {
  i = 0;
  constructor(readonly toks: Tok[], readonly pos: Pos) {}
  peek(o = 0): Tok {
    return this.toks[Math.min(this.i + o, this.toks.length - 1)];
  }
  next(): Tok {
    return this.toks[Math.min(this.i++, this.toks.length - 1)];
  }
  at(s: string): boolean {
    const t = this.peek();
    return t.t === 'op' && t.s === s;
  }
  eat(s: string): boolean {
    if (this.at(s)) {
      this.i++;
      return true;
    }
    return false;
  }
  expect(s: string, what?: string): Tok {
    const t = this.peek();
    if (t.t !== 'op' || t.s !== s) throw this.err(t, `expected ${what ?? `'${s}'`}${t.t === 'eol' ? ' at end of line' : `, found '${t.s}'`}`);
    return this.next();
  }
  get done(): boolean {
    return this.peek().t === 'eol';
  }
  posOf(t: Tok): Pos {
    return { ...this.pos, col: t.col };
  }
  err(t: Tok, msg: string): AsmError {
    return new AsmError(this.posOf(t), msg);
  }
  /** Expression (precedence: | ^ & << >> + - * / % unary). */
  expr(): Expr {
    return this.binary(0);
  }
  private static LEVELS = [['|'], ['^'], ['&'], ['<<', '>>'], ['+', '-'], ['*', '/', '%']];
  private binary(level: number): Expr {
    if (level >= Cursor.LEVELS.length) return this.unary();
    let a = this.binary(level + 1);
    for (;;) {
      const t = this.peek();
      if (t.t === 'op' && Cursor.LEVELS[level].includes(t.s)) {
        this.next();
        const b = this.binary(level + 1);
        a = { k: 'bin', op: t.s, a, b, pos: this.posOf(t) };
      } else return a;
    }
  }
  private unary(): Expr {
    const t = this.peek();
    if (t.t === 'op' && (t.s === '-' || t.s === '+' || t.s === '~' || t.s === '!')) {
      this.next();
      return { k: 'un', op: t.s, a: this.unary(), pos: this.posOf(t) };
    }
    return this.primary();
  }
  private primary(): Expr {
    const t = this.next();
    const pos = this.posOf(t);
    if (t.t === 'num') return { k: 'num', v: t.v!, pos };
    if (t.t === 'str') {
      // character constant: little-endian bytes
      if (t.s.length === 0 || t.s.length > 8) throw this.err(t, 'character constant must have 1 to 8 characters');
      let v = 0n;
      for (let i = t.s.length - 1; i >= 0; i--) v = (v << 8n) | BigInt(t.s.charCodeAt(i) & 0xff);
      return { k: 'num', v, pos };
    }
    if (t.t === 'id') return { k: 'sym', name: t.s, pos };
    if (t.t === 'op' && t.s === '$') return { k: 'here', pos };
    if (t.t === 'op' && t.s === '$$') return { k: 'sect', pos };
    if (t.t === 'op' && t.s === '(') {
      const e = this.expr();
      this.expect(')');
      return e;
    }
    throw this.err(t, t.t === 'eol' ? 'expected an expression at end of line' : `expected an expression, found '${t.s}'`);
  }
}
