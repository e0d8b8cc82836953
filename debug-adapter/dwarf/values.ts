/**
 * Formatting DWARF-typed values read from guest memory for the Locals scope: base types (integers, chars,
 * bool, float/double), pointers (hex, char* with the string), enums, arrays and structs (a preview, and
 * children to expand). Unreadable memory shows as "<unreadable>".
 */
import { TypeInfo, resolveType, typeName } from './info';

export type ReadFn = (addr: number, n: number) => Uint8Array;

export interface Child {
  name: string;
  type: TypeInfo;
  addr: number;
  bitOffset?: number;
  bitSize?: number;
}

export interface ValueView {
  value: string;
  type: string;
  /** Has children (struct, union, array, pointer to a sized type). */
  expandable: boolean;
  memoryReference?: string;
}

const hex = (v: number | bigint) => '0x' + v.toString(16);
const MAX_CHILDREN = 1000;

function le(b: Uint8Array, signed: boolean): bigint {
  let v = 0n;
  for (let i = b.length - 1; i >= 0; i--) v = (v << 8n) | BigInt(b[i]);
  return signed ? BigInt.asIntN(b.length * 8, v) : v;
}

function charLit(c: number): string {
  if (c >= 0x20 && c < 0x7f) return c === 0x27 || c === 0x5c ? `'\\${String.fromCharCode(c)}'` : `'${String.fromCharCode(c)}'`;
  const esc: Record<number, string> = { 0: '\\0', 9: '\\t', 10: '\\n', 13: '\\r' };
  return `'${esc[c] ?? `\\x${(c & 0xff).toString(16).padStart(2, '0')}`}'`;
}

function cString(read: ReadFn, a: number, max = 64): string | null {
  const b = read(a, max);
  if (!b.length) return null;
  let s = '';
  for (let i = 0; i < b.length; i++) {
    if (b[i] === 0) return JSON.stringify(s);
    s += b[i] >= 0x20 && b[i] < 0x7f ? String.fromCharCode(b[i]) : `\\x${b[i].toString(16).padStart(2, '0')}`;
  }
  return JSON.stringify(s) + '...';
}

function isCharType(t: TypeInfo | null): boolean {
  const r = resolveType(t);
  return !!r && r.kind === 'base' && r.size === 1 && (r.encoding === 6 || r.encoding === 8);
}

/** One value, without children (the scalar, or a preview). */
export function formatValue(t0: TypeInfo | null, addr: number, read: ReadFn, bits?: { bitOffset: number; bitSize: number }, depth = 0): ValueView {
  const t = resolveType(t0);
  const type = t0 ? typeName(t0) : 'void';
  if (!t) return { value: 'void', type, expandable: false };
  const bytes = (n: number) => {
    const b = read(addr, n);
    return b.length === n ? b : null;
  };
  switch (t.kind) {
    case 'base':
    case 'enum': {
      if (bits) {
        const n = Math.ceil((bits.bitOffset + bits.bitSize) / 8);
        const b = read(addr + Math.floor(bits.bitOffset / 8) - Math.floor(bits.bitOffset / 8), n);
        if (b.length < n) return { value: '<unreadable>', type, expandable: false };
        let v = (le(b, false) >> BigInt(bits.bitOffset)) & ((1n << BigInt(bits.bitSize)) - 1n);
        if (t.kind === 'base' && (t.encoding === 5 || t.encoding === 6)) v = BigInt.asIntN(bits.bitSize, v);
        return { value: v.toString(), type, expandable: false };
      }
      const b = bytes(t.size);
      if (!b) return { value: '<unreadable>', type, expandable: false };
      if (t.kind === 'enum') {
        const v = Number(le(b, true));
        return { value: t.values.get(v) ?? String(v), type, expandable: false };
      }
      const dv = new DataView(b.buffer, b.byteOffset, b.length);
      switch (t.encoding) {
        case 2: return { value: b.some((x) => x) ? 'true' : 'false', type, expandable: false };
        case 4:
          if (t.size === 4) return { value: String(dv.getFloat32(0, true)), type, expandable: false };
          if (t.size === 8) return { value: String(dv.getFloat64(0, true)), type, expandable: false };
          return { value: `<${t.size}-byte float ${hex(le(b, false))}>`, type, expandable: false };
        case 6: case 8: {
          const v = Number(le(b, t.encoding === 6));
          return { value: t.size === 1 ? `${v} ${charLit(b[0])}` : String(v), type, expandable: false };
        }
        case 5: case 0x0d: return { value: le(b, true).toString(), type, expandable: false };
        default: return { value: le(b, false).toString(), type, expandable: false };
      }
    }
    case 'pointer': {
      const b = bytes(8);
      if (!b) return { value: '<unreadable>', type, expandable: false };
      const p = Number(le(b, false));
      let value = hex(p);
      if (p && isCharType(t.target)) {
        const s = cString(read, p);
        if (s) value += ` ${s}`;
      }
      const target = resolveType(t.target);
      return { value, type, expandable: p !== 0 && !!target && target.size > 0 && target.kind !== 'func', memoryReference: hex(p) };
    }
    case 'array': {
      if (isCharType(t.elem) && t.dims.length === 1) {
        const s = cString(read, addr, Math.min(t.dims[0], 256));
        return { value: s ?? '<unreadable>', type, expandable: t.dims[0] > 0, memoryReference: hex(addr) };
      }
      if (depth > 0) return { value: `[${t.dims[0]}]`, type, expandable: true, memoryReference: hex(addr) };
      const kids = childrenOf(t0, addr, read).slice(0, 8);
      const parts = kids.map((k) => formatValue(k.type, k.addr, read, undefined, depth + 1).value);
      return { value: `[${t.dims[0]}] {${parts.join(', ')}${t.dims[0] > kids.length ? ', ...' : ''}}`, type, expandable: t.dims[0] > 0, memoryReference: hex(addr) };
    }
    case 'struct': {
      if (depth > 0) return { value: '{...}', type, expandable: true, memoryReference: hex(addr) };
      const parts = t.members.slice(0, 8).map((m) => `${m.name}=${formatValue(m.type, addr + m.offset, read, m.bitSize !== undefined ? { bitOffset: m.bitOffset ?? 0, bitSize: m.bitSize } : undefined, depth + 1).value}`);
      return { value: `{${parts.join(', ')}${t.members.length > 8 ? ', ...' : ''}}`, type, expandable: t.members.length > 0, memoryReference: hex(addr) };
    }
    default:
      return { value: `<${t.kind === 'func' ? 'function' : 'unsupported type'}>`, type, expandable: false, memoryReference: hex(addr) };
  }
}

/** The children of an expandable value. */
export function childrenOf(t0: TypeInfo | null, addr: number, read: ReadFn): Child[] {
  const t = resolveType(t0);
  if (!t) return [];
  switch (t.kind) {
    case 'struct':
      return t.members.map((m) => ({ name: m.name, type: m.type, addr: addr + m.offset, bitOffset: m.bitOffset, bitSize: m.bitSize }));
    case 'array': {
      const n = t.dims[0];
      let elem: TypeInfo = t.elem;
      if (t.dims.length > 1) {
        const dims = t.dims.slice(1);
        const cnt = dims.reduce((a, b) => a * b, 1);
        elem = { kind: 'array', name: `${typeName(t.elem)} ${dims.map((x) => `[${x}]`).join('')}`, elem: t.elem, dims, size: cnt * t.elem.size };
      }
      const out: Child[] = [];
      for (let i = 0; i < Math.min(n, MAX_CHILDREN); i++) out.push({ name: `[${i}]`, type: elem, addr: addr + i * elem.size });
      return out;
    }
    case 'pointer': {
      const b = read(addr, 8);
      if (b.length < 8 || !t.target) return [];
      const p = Number(le(b, false));
      return p ? [{ name: '*', type: t.target, addr: p }] : [];
    }
  }
  return [];
}
