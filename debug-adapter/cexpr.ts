/**
 * C access paths on DWARF variables for evaluate (hover / watch / repl): `name`, `a.b`, `a[i]`, `p->b`, `*p`,
 * `&x`, parentheses. The root name must be a DWARF local/parameter of the frame or a DWARF global; an index
 * `[i]` is any integer expression (evaluated by the caller: another access path or a conditions.ts
 * expression). Anything else returns null so that the caller falls back to the register/symbol expressions.
 */
import type { TypeInfo } from './dwarf/info';
import { resolveType, typeName } from './dwarf/info';
import type { ReadFn } from './dwarf/values';
import { ExprError } from './conditions';

/** An object in guest memory (lvalue) or a computed value (rvalue: `&x`, a DW_AT_const_value). */
export type CVal =
  | { kind: 'lv'; type: TypeInfo | null; addr: number; bits?: { bitOffset: number; bitSize: number } }
  | { kind: 'rv'; type: TypeInfo | null; value: bigint };

export interface CEnv {
  /** A variable by name; null: not a DWARF variable. Throws ExprError when it exists but has no value. */
  lookup(name: string): CVal | null;
  read: ReadFn;
  /** The value of an index expression. */
  index(src: string): bigint;
}

const TOK = /\s*(?:([A-Za-z_]\w*)|(0x[0-9a-f]+|\d+)|(->|[.*&()]))/iy;

function le(b: Uint8Array, signed: boolean): bigint {
  let v = 0n;
  for (let i = b.length - 1; i >= 0; i--) v = (v << 8n) | BigInt(b[i]);
  return signed ? BigInt.asIntN(b.length * 8, v) : v;
}

/** The integer value of a scalar (integer, char, bool, enum, pointer; an array decays to its address). */
export function intValue(v: CVal, read: ReadFn): bigint {
  if (v.kind === 'rv') return v.value;
  const t = resolveType(v.type);
  if (!t) throw new ExprError('void value');
  if (t.kind === 'array') return BigInt(v.addr);
  if (t.kind !== 'base' && t.kind !== 'enum' && t.kind !== 'pointer') throw new ExprError(`${typeName(t)} is not a number`);
  if (t.kind === 'base' && t.encoding === 4) throw new ExprError('floating-point values are not supported here');
  const signed = t.kind === 'enum' || (t.kind === 'base' && (t.encoding === 5 || t.encoding === 6 || t.encoding === 0x0d));
  if (v.bits) {
    const n = Math.ceil((v.bits.bitOffset + v.bits.bitSize) / 8);
    const b = read(v.addr, n);
    if (b.length < n) throw new ExprError(`cannot read memory at 0x${v.addr.toString(16)}`);
    const x = (le(b, false) >> BigInt(v.bits.bitOffset)) & ((1n << BigInt(v.bits.bitSize)) - 1n);
    return signed ? BigInt.asIntN(v.bits.bitSize, x) : x;
  }
  const size = t.kind === 'pointer' ? 8 : t.size;
  const b = read(v.addr, size);
  if (b.length < size) throw new ExprError(`cannot read memory at 0x${v.addr.toString(16)}`);
  return le(b, signed);
}

/** Evaluate a C access path; null when src is not one (or its root is not a DWARF variable). Throws ExprError. */
export function evalCPath(src: string, env: CEnv): CVal | null {
  const toks: { t: string; pos: number; kind: 'name' | 'num' | 'op'; idx?: string }[] = [];
  let pos = 0;
  while (pos < src.length && !/^\s*$/.test(src.slice(pos))) {
    const ws = src.slice(pos).length - src.slice(pos).trimStart().length;
    if (src[pos + ws] === '[') {
      // an index: any expression up to the matching ']'
      let depth = 0, j = pos + ws;
      for (; j < src.length; j++) {
        if (src[j] === '[') depth++;
        else if (src[j] === ']' && --depth === 0) break;
      }
      if (j >= src.length) return null;
      toks.push({ t: '[', pos: pos + ws, kind: 'op', idx: src.slice(pos + ws + 1, j) });
      pos = j + 1;
      continue;
    }
    TOK.lastIndex = pos;
    const m = TOK.exec(src);
    if (!m) return null;
    const x = m[1] ?? m[2] ?? m[3];
    toks.push({ t: x, pos: TOK.lastIndex - x.length, kind: m[1] ? 'name' : m[2] ? 'num' : 'op' });
    pos = TOK.lastIndex;
  }
  if (!toks.length) return null;
  let i = 0;
  const peek = () => toks[i]?.t;
  const expect = (t: string) => {
    if (toks[i]?.t !== t) throw new ExprError(`expected '${t}'${toks[i] ? ` at column ${toks[i].pos + 1}` : ' at the end'}`);
    i++;
  };
  const ptrTo = (t: TypeInfo | null): TypeInfo => ({ kind: 'pointer', name: `${t ? typeName(t) : 'void'} *`, size: 8, target: t });
  const deref = (v: CVal): CVal => {
    const t = resolveType(v.type);
    if (t?.kind === 'array') return { kind: 'lv', type: elemOf(t), addr: v.kind === 'lv' ? v.addr : Number(v.value) };
    if (t?.kind !== 'pointer') throw new ExprError(`cannot dereference ${t ? typeName(t) : 'void'}`);
    const p = Number(intValue(v, env.read));
    if (!p) throw new ExprError('null pointer');
    return { kind: 'lv', type: t.target, addr: p };
  };
  const member = (v: CVal, name: string): CVal => {
    const t = resolveType(v.type);
    if (t?.kind !== 'struct' || v.kind !== 'lv') throw new ExprError(`'${name}': ${t ? typeName(t) : 'void'} is not a struct or union`);
    const m = t.members.find((x) => x.name === name);
    if (!m) throw new ExprError(`${typeName(t)} has no member '${name}'`);
    return { kind: 'lv', type: m.type, addr: v.addr + m.offset, bits: m.bitSize !== undefined ? { bitOffset: m.bitOffset ?? 0, bitSize: m.bitSize } : undefined };
  };
  const unary = (): CVal | null => {
    const t = peek();
    if (t === '*') {
      i++;
      const v = unary();
      return v && deref(v);
    }
    if (t === '&') {
      i++;
      const v = unary();
      if (!v) return null;
      if (v.kind !== 'lv' || v.bits) throw new ExprError('cannot take the address of this value');
      return { kind: 'rv', type: ptrTo(v.type), value: BigInt(v.addr) };
    }
    return postfix();
  };
  const postfix = (): CVal | null => {
    let v: CVal | null;
    const x = toks[i];
    if (!x) throw new ExprError('unexpected end of expression');
    if (x.t === '(') {
      i++;
      v = unary();
      if (!v) return null;
      expect(')');
    } else if (x.kind === 'name') {
      i++;
      v = env.lookup(x.t);
      if (!v) return null;
    } else return null;
    for (;;) {
      const op = peek();
      if (op === '.' || op === '->') {
        i++;
        const n = toks[i];
        if (!n || n.kind !== 'name') throw new ExprError(`expected a member name after '${op}'`);
        i++;
        v = member(op === '->' ? deref(v) : v, n.t);
      } else if (op === '[') {
        const k = env.index(toks[i].idx ?? '');
        i++;
        const t = resolveType(v.type);
        if (t?.kind === 'array') {
          const e = elemOf(t);
          v = { kind: 'lv', type: e, addr: (v.kind === 'lv' ? v.addr : Number(v.value)) + Number(k) * e.size };
        } else if (t?.kind === 'pointer') {
          const p = deref(v);
          const size = resolveType(t.target)?.size ?? 0;
          if (!size) throw new ExprError(`cannot index ${typeName(t)}`);
          v = { kind: 'lv', type: t.target, addr: (p.kind === 'lv' ? p.addr : 0) + Number(k) * size };
        } else throw new ExprError(`cannot index ${t ? typeName(t) : 'void'}`);
      } else return v;
    }
  };
  const v = unary();
  if (!v) return null;
  if (i < toks.length) {
    // e.g. `x + 1`: not an access path (the caller's expression language may handle it)
    return null;
  }
  return v;
}

function elemOf(t: Extract<TypeInfo, { kind: 'array' }>): TypeInfo {
  if (t.dims.length <= 1) return t.elem;
  const dims = t.dims.slice(1);
  return { kind: 'array', name: `${typeName(t.elem)} ${dims.map((x) => `[${x}]`).join('')}`, elem: t.elem, dims, size: dims.reduce((a, b) => a * b, 1) * t.elem.size };
}
