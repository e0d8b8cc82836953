/**
 * Small condition and expression languages (until the full expression language of issue 4 lands):
 *
 *  - conditions: comparisons joined by `&&` / `||` (no parentheses): `vector == 3 && thread == 1001`.
 *    Each side is an expression; names are looked up in a context (event fields for exception filters,
 *    registers / `thread` / `pid` / `core` for breakpoint conditions).
 *  - expressions: numbers (decimal, 0x hex, 0b binary), names, `+ - *` arithmetic, parentheses, and memory
 *    reads `*(u8|u16|u32|u64 *)(expr)` or `[expr]` (64-bit).
 *  - hit conditions: `N` (from the N-th hit on), `== N`, `>= N`, `> N`, `< N`, `<= N`, `% N` (every N-th).
 *  - logpoint messages: text with `{expr}` / `{expr,x}` parts (compileLogMessage); data breakpoint
 *    locations: a symbol, an address or `*(uN*)(expr)` (compileLvalue).
 *
 * Parse errors are reported with the position, so a bad condition can be shown on the breakpoint.
 */
export class ExprError extends Error {}

export interface EvalContext {
  /** Value of a name (register, field, symbol); undefined if unknown. */
  name(n: string): bigint | undefined;
  /** Read `size` bytes little-endian at addr; throws ExprError if unreadable. */
  read(addr: bigint, size: number): bigint;
}

type Node =
  | { k: 'num'; v: bigint }
  | { k: 'name'; n: string }
  | { k: 'bin'; op: string; a: Node; b: Node }
  | { k: 'neg'; a: Node }
  | { k: 'deref'; size: number; a: Node };

const TOKEN = /\s*(?:(0x[0-9a-f]+|0b[01]+|\d+)|([A-Za-z_$.][\w$.]*)|(==|!=|>=|<=|&&|\|\||[-+*()<>%\[\]]))/iy;

function tokenize(s: string): { t: string; kind: 'num' | 'name' | 'op'; pos: number }[] {
  const out: { t: string; kind: 'num' | 'name' | 'op'; pos: number }[] = [];
  TOKEN.lastIndex = 0;
  let pos = 0;
  while (pos < s.length) {
    if (/^\s*$/.test(s.slice(pos))) break;
    TOKEN.lastIndex = pos;
    const m = TOKEN.exec(s);
    if (!m) throw new ExprError(`unexpected '${s.slice(pos).trim()[0]}' at column ${pos + 1 + (s.slice(pos).length - s.slice(pos).trimStart().length)}`);
    const at = pos + m[0].length - (m[1] ?? m[2] ?? m[3]).length;
    if (m[1] !== undefined) out.push({ t: m[1], kind: 'num', pos: at });
    else if (m[2] !== undefined) out.push({ t: m[2], kind: 'name', pos: at });
    else out.push({ t: m[3], kind: 'op', pos: at });
    pos = TOKEN.lastIndex;
  }
  return out;
}

class Parser {
  private i = 0;
  constructor(private toks: ReturnType<typeof tokenize>, private src: string) {}
  private peek(): string | undefined {
    return this.toks[this.i]?.t;
  }
  private take(t?: string): string {
    const x = this.toks[this.i];
    if (!x) throw new ExprError(t ? `expected '${t}' at the end` : 'unexpected end of expression');
    if (t !== undefined && x.t !== t) throw new ExprError(`expected '${t}' at column ${x.pos + 1}, found '${x.t}'`);
    this.i++;
    return x.t;
  }
  done(): void {
    const x = this.toks[this.i];
    if (x) throw new ExprError(`unexpected '${x.t}' at column ${x.pos + 1}`);
  }
  /** cond := cmp (('&&'|'||') cmp)* */
  cond(): Node {
    let a = this.cmp();
    while (this.peek() === '&&' || this.peek() === '||') {
      const op = this.take();
      a = { k: 'bin', op, a, b: this.cmp() };
    }
    return a;
  }
  cmp(): Node {
    const a = this.sum();
    const op = this.peek();
    if (op === '==' || op === '!=' || op === '<' || op === '>' || op === '<=' || op === '>=') {
      this.take();
      return { k: 'bin', op, a, b: this.sum() };
    }
    return a;
  }
  sum(): Node {
    let a = this.prod();
    while (this.peek() === '+' || this.peek() === '-') {
      const op = this.take();
      a = { k: 'bin', op, a, b: this.prod() };
    }
    return a;
  }
  prod(): Node {
    let a = this.unary();
    while (this.peek() === '*' || this.peek() === '%') {
      const op = this.take();
      a = { k: 'bin', op, a, b: this.unary() };
    }
    return a;
  }
  unary(): Node {
    const t = this.toks[this.i];
    if (!t) throw new ExprError('unexpected end of expression');
    if (t.t === '-') {
      this.i++;
      return { k: 'neg', a: this.unary() };
    }
    if (t.t === '*') {
      // *(u32*)(expr) or *expr (64-bit)
      this.i++;
      let size = 8;
      if (this.peek() === '(' && /^u(8|16|32|64)$/.test(this.toks[this.i + 1]?.t ?? '') && this.toks[this.i + 2]?.t === '*') {
        this.i++;
        size = Number(this.take().slice(1)) / 8;
        this.take('*');
        this.take(')');
      }
      return { k: 'deref', size, a: this.unary() };
    }
    if (t.t === '[') {
      this.i++;
      const a = this.sum();
      this.take(']');
      return { k: 'deref', size: 8, a };
    }
    if (t.t === '(') {
      this.i++;
      const a = this.cond();
      this.take(')');
      return a;
    }
    this.i++;
    if (t.kind === 'num') return { k: 'num', v: BigInt(t.t) };
    if (t.kind === 'name') return { k: 'name', n: t.t.replace(/^\$/, '') };
    throw new ExprError(`unexpected '${t.t}' at column ${t.pos + 1}`);
    void this.src;
  }
}

export interface Compiled {
  source: string;
  eval(ctx: EvalContext): bigint;
  /** Names the expression uses (to check them against what a context offers). */
  names: string[];
}

/** Conditions and value expressions share one grammar (a condition is true when non-zero). */
function compile(src: string): Compiled {
  if (src.trim() === '') throw new ExprError('empty expression');
  const p = new Parser(tokenize(src), src);
  const n = p.cond();
  p.done();
  const names: string[] = [];
  const walk = (x: Node): void => {
    if (x.k === 'name') names.push(x.n);
    else if (x.k === 'bin') {
      walk(x.a);
      walk(x.b);
    } else if (x.k === 'neg' || x.k === 'deref') walk(x.a);
  };
  walk(n);
  return { source: src, eval: (c) => evalNode(n, c), names };
}

/** A condition (true when non-zero). */
export function compileCondition(src: string): Compiled {
  return compile(src);
}
export function compileExpression(src: string): Compiled {
  return compile(src);
}

/** Hit condition: returns a predicate on the hit count (1 = first hit). */
export function compileHitCondition(src: string): (hits: number) => boolean {
  const m = /^\s*(==|>=|<=|>|<|%)?\s*(\d+)\s*$/.exec(src);
  if (!m) throw new ExprError(`bad hit condition '${src}' (use N, == N, >= N, > N, < N, <= N or % N)`);
  const n = Number(m[2]);
  switch (m[1]) {
    case '==': return (h) => h === n;
    case '>': return (h) => h > n;
    case '<': return (h) => h < n;
    case '<=': return (h) => h <= n;
    case '%':
      if (n === 0) throw new ExprError('% 0 in hit condition');
      return (h) => h % n === 0;
    default: return (h) => h >= n;
  }
}

/** Parse a number as a user types it in the Variables view ("0x1f", "31", "-1", "0b101", "1 (…)"). */
export function parseNumber(s: string): bigint {
  const m = /^\s*(-)?\s*(0x[0-9a-f_]+|0b[01_]+|0o[0-7_]+|\d[\d_]*)/i.exec(s);
  if (!m) throw new ExprError(`not a number: '${s}'`);
  const v = BigInt(m[2].replace(/_/g, ''));
  return m[1] ? -v : v;
}

/**
 * What a data breakpoint expression names: `*(u32*)(expr)` / `*expr` / `[expr]` (the read's address and
 * size), a symbol or register-free name (`counter`: its address; size from the caller), or a number (an
 * address). Throws ExprError for anything else.
 */
export interface Lvalue {
  kind: 'deref' | 'name' | 'number';
  /** The address (for a name: the name's value, i.e. a symbol's address). */
  addr(ctx: EvalContext): bigint;
  /** Bytes read by a deref; undefined for a name or number. */
  size?: number;
  name?: string;
}
export function compileLvalue(src: string): Lvalue {
  if (src.trim() === '') throw new ExprError('empty expression');
  const p = new Parser(tokenize(src), src);
  const n = p.cond();
  p.done();
  if (n.k === 'deref') {
    const a = n.a;
    return { kind: 'deref', addr: (c) => BigInt.asUintN(64, evalNode(a, c)), size: n.size };
  }
  if (n.k === 'name') return { kind: 'name', name: n.n, addr: (c) => BigInt.asUintN(64, evalNode(n, c)) };
  if (n.k === 'num') return { kind: 'number', addr: () => BigInt.asUintN(64, n.v) };
  throw new ExprError(`'${src.trim()}' is not a memory location (use a symbol, an address or *(u8|u16|u32|u64*)(address))`);
}

function evalNode(x: Node, c: EvalContext): bigint {
  // the small parsed tree is walked directly (conditions are evaluated only at breakpoint hits)
  switch (x.k) {
    case 'num':
      return x.v;
    case 'name': {
      const v = c.name(x.n);
      if (v === undefined) throw new ExprError(`unknown name '${x.n}'`);
      return v;
    }
    case 'neg':
      return -evalNode(x.a, c);
    case 'deref':
      return c.read(BigInt.asUintN(64, evalNode(x.a, c)), x.size);
    case 'bin': {
      if (x.op === '&&') return evalNode(x.a, c) !== 0n && evalNode(x.b, c) !== 0n ? 1n : 0n;
      if (x.op === '||') return evalNode(x.a, c) !== 0n || evalNode(x.b, c) !== 0n ? 1n : 0n;
      const a = evalNode(x.a, c), b = evalNode(x.b, c);
      switch (x.op) {
        case '+': return a + b;
        case '-': return a - b;
        case '*': return a * b;
        case '%':
          if (b === 0n) throw new ExprError('% by zero');
          return a % b;
        case '==': return BigInt.asUintN(64, a) === BigInt.asUintN(64, b) ? 1n : 0n;
        case '!=': return BigInt.asUintN(64, a) !== BigInt.asUintN(64, b) ? 1n : 0n;
        case '<': return a < b ? 1n : 0n;
        case '>': return a > b ? 1n : 0n;
        case '<=': return a <= b ? 1n : 0n;
        case '>=': return a >= b ? 1n : 0n;
      }
    }
  }
  throw new ExprError('bad expression');
}

/**
 * A logpoint message: text with `{expression}` parts (the expression language above), `{expression,x}` for
 * hex (`,d` decimal, the default), `{{` and `}}` for literal braces. Compiling checks every expression
 * (throws ExprError naming the bad one); a part that fails when the logpoint is hit prints `<error: ...>`.
 */
export interface LogMessage {
  source: string;
  format(ctx: EvalContext): string;
}
export function compileLogMessage(src: string): LogMessage {
  const parts: (string | { e: Compiled; hex: boolean })[] = [];
  let text = '';
  let i = 0;
  while (i < src.length) {
    const ch = src[i];
    if (ch === '{' && src[i + 1] === '{') {
      text += '{';
      i += 2;
    } else if (ch === '}' && src[i + 1] === '}') {
      text += '}';
      i += 2;
    } else if (ch === '{') {
      const end = src.indexOf('}', i + 1);
      if (end < 0) throw new ExprError(`unclosed '{' at column ${i + 1} of the log message`);
      let expr = src.slice(i + 1, end);
      let hexOut = false;
      const f = /,\s*([xd])\s*$/i.exec(expr);
      if (f) {
        hexOut = f[1].toLowerCase() === 'x';
        expr = expr.slice(0, f.index);
      }
      let e: Compiled;
      try {
        e = compileExpression(expr);
      } catch (err) {
        throw new ExprError(`log message part {${expr}}: ${(err as Error).message}`);
      }
      if (text) parts.push(text);
      text = '';
      parts.push({ e, hex: hexOut });
      i = end + 1;
    } else if (ch === '}') {
      throw new ExprError(`unmatched '}' at column ${i + 1} of the log message (write }} for a brace)`);
    } else {
      text += ch;
      i++;
    }
  }
  if (text) parts.push(text);
  return {
    source: src,
    format: (ctx) =>
      parts
        .map((p) => {
          if (typeof p === 'string') return p;
          try {
            const v = p.e.eval(ctx);
            return p.hex ? '0x' + BigInt.asUintN(64, v).toString(16) : BigInt.asIntN(64, v).toString();
          } catch (err) {
            return `<error: ${(err as Error).message}>`;
          }
        })
        .join(''),
  };
}
