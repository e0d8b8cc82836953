/**
 * The Locals scope of a frame from DWARF (-O0 -g): the function's parameters and the variables of the
 * lexical blocks containing the frame's PC, at frame base + DW_OP_fbreg offset (frame base = the frame's CFA
 * from the unwinder, or a register + offset), or at a static address. Values are read from guest memory.
 * At -O2: location lists and DWARF expressions evaluated against the frame's registers (placeOf). findVariable
 * is the same lookup by name for evaluate (cexpr.ts) and breakpoint conditions.
 */
import type { DebugProtocol } from '@vscode/debugprotocol';
import type { DebugInfo } from './dwarf/index';
import type { TypeInfo, VarInfo, Subprogram } from './dwarf/info';
import { resolveType } from './dwarf/info';
import { Reader } from './dwarf/elf-sections';
import { typeName } from './dwarf/info';
import { formatValue, childrenOf, ReadFn, Child } from './dwarf/values';
import { Frame, exactPc } from './unwind';

/** A value to expand later (the session stores it behind a variablesReference). */
export interface ValueRef {
  type: TypeInfo;
  addr: number;
  /** The value's bytes when it is not in memory (a register, DW_OP_stack_value). */
  bytes?: Uint8Array;
}

/** Does the frame have DWARF locals (a subprogram covers its PC)? */
export function hasLocals(dbg: DebugInfo | null, f: Frame): boolean {
  // dbg.info: DWARF subprograms (a .uasm file's pseudo functions, uasm-source.ts, have no locals)
  return !!dbg && !!dbg.info && f.kind === 'code' && !!dbg.functionAt(exactPc(f) ? f.pc : f.pc - 1);
}

function variable(name: string, type: TypeInfo | null, addr: number, read: ReadFn, ref: (v: ValueRef) => number, bits?: { bitOffset: number; bitSize: number }, bytes?: Uint8Array): DebugProtocol.Variable {
  const r = bytes ? overlay(read, addr, bytes) : read;
  const v = formatValue(type, addr, r, bits);
  return {
    name,
    value: v.value,
    type: v.type,
    variablesReference: v.expandable && type ? ref(bytes ? { type, addr, bytes } : { type, addr }) : 0,
    memoryReference: bytes ? v.memoryReference : (v.memoryReference ?? (bits ? undefined : '0x' + addr.toString(16))),
  };
}

/** A pseudo address for values that are not in memory (registers, DW_OP_stack_value): read from their bytes. */
const NOT_IN_MEMORY = 2 ** 52;

/** A read function serving `bytes` at addr, guest memory elsewhere. */
export function overlay(read: ReadFn, addr: number, bytes: Uint8Array): ReadFn {
  return (a, n) => (a >= addr && a + n <= addr + bytes.length ? bytes.slice(a - addr, a - addr + n) : read(a, n));
}

/** Where a variable's value is in a frame: memory, bytes (a register or computed value), a constant, or why not. */
export type Place = { addr: number } | { bytes: Uint8Array } | { value: bigint } | { error: string };

function frameBaseOf(fn: Subprogram, f: Frame): number | undefined {
  if (fn.frameBase === 'cfa') return f.cfa;
  if (fn.frameBase) {
    const r = f.regs?.[fn.frameBase.reg];
    if (r !== undefined) return r + fn.frameBase.off;
  }
  return undefined;
}

export function placeOf(v: VarInfo, fn: Subprogram | null, f: Frame | undefined, pc: number, read?: ReadFn): Place {
  if (v.constValue !== undefined) return { value: BigInt(v.constValue) };
  const loc = v.loc;
  switch (loc.k) {
    case 'addr': return { addr: loc.addr };
    case 'none': return { error: 'optimized out' };
    case 'unsupported': return { error: `unavailable: ${loc.why}` };
    case 'fbreg': {
      const base = fn && f ? frameBaseOf(fn, f) : undefined;
      return base !== undefined ? { addr: base + loc.off } : { error: 'unavailable: no frame base' };
    }
    case 'expr':
    case 'list': {
      const e = loc.k === 'expr' ? loc.expr : loc.entries.find((x) => pc >= x.lo && pc < x.hi)?.expr;
      if (!e || !e.length) return { error: 'optimized out' };
      if (!f) return { error: 'unavailable: no frame' };
      return evalExpr(e, f, fn ? frameBaseOf(fn, f) : undefined, v.type ? Math.max(1, resolveType(v.type)?.size ?? 8) : 8, read);
    }
  }
}

/**
 * A DWARF location expression against a frame's registers (the unwinder's: all in the top frame, the
 * callee-saved ones in callers): DW_OP_lit/const*, DW_OP_addr, DW_OP_reg0..31/regx, DW_OP_breg0..31/bregx,
 * DW_OP_fbreg, DW_OP_call_frame_cfa, arithmetic, DW_OP_deref / DW_OP_deref_size (guest memory), DW_OP_stack_value.
 */
function evalExpr(e: Uint8Array, f: Frame, fb: number | undefined, size: number, read?: ReadFn): Place {
  const st: bigint[] = [];
  const reg = (n: number): bigint => {
    const v = f.regs?.[n];
    if (v === undefined) throw new Error(n < 16 ? `register ${n} not saved in this frame` : `register ${n}`);
    return BigInt(v);
  };
  const bytesOf = (v: bigint) => {
    const out = new Uint8Array(size);
    let u = BigInt.asUintN(64, v);
    for (let i = 0; i < size && i < 8; i++, u >>= 8n) out[i] = Number(u & 0xffn);
    return out;
  };
  try {
    const r = new Reader(e, 0);
    while (!r.done) {
      const op = r.u8();
      if (op >= 0x30 && op <= 0x4f) st.push(BigInt(op - 0x30));
      else if (op >= 0x50 && op <= 0x6f) {
        if (!r.done) return { error: 'unavailable: DW_OP_piece' };
        return { bytes: bytesOf(reg(op - 0x50)) };
      } else if (op >= 0x70 && op <= 0x8f) st.push(reg(op - 0x70) + BigInt(r.sleb()));
      else {
        switch (op) {
          case 0x03: st.push(BigInt(r.u64())); break;
          case 0x08: st.push(BigInt(r.u8())); break;
          case 0x09: st.push(BigInt(r.i8())); break;
          case 0x0a: st.push(BigInt(r.u16())); break;
          case 0x0b: st.push(BigInt(r.i16())); break;
          case 0x0c: st.push(BigInt(r.u32())); break;
          case 0x0d: st.push(BigInt(r.i32())); break;
          case 0x0e: st.push(BigInt(r.u64())); break;
          case 0x0f: st.push(BigInt(r.i64())); break;
          case 0x10: st.push(BigInt(r.uleb())); break;
          case 0x11: st.push(BigInt(r.sleb())); break;
          case 0x90: {
            const n = r.uleb();
            if (!r.done) return { error: 'unavailable: DW_OP_piece' };
            return { bytes: bytesOf(reg(n)) };
          }
          case 0x92: { const n = r.uleb(); st.push(reg(n) + BigInt(r.sleb())); break; }
          case 0x91:
            if (fb === undefined) return { error: 'unavailable: no frame base' };
            st.push(BigInt(fb) + BigInt(r.sleb()));
            break;
          case 0x9c:
            if (f.cfa === undefined) return { error: 'unavailable: no CFA' };
            st.push(BigInt(f.cfa));
            break;
          case 0x23: st.push(st.pop()! + BigInt(r.uleb())); break;
          case 0x12: st.push(st[st.length - 1]); break; // dup
          case 0x13: st.pop(); break; // drop
          case 0x1c: case 0x22: case 0x1e: case 0x1a: case 0x21: case 0x27: case 0x24: case 0x25: case 0x26: {
            const b = st.pop()!, a = st.pop()!;
            if (a === undefined || b === undefined) throw new Error('stack underflow');
            const x = op === 0x1c ? a - b : op === 0x22 ? a + b : op === 0x1e ? a * b : op === 0x1a ? a & b : op === 0x21 ? a | b : op === 0x27 ? a ^ b
              : op === 0x24 ? a << b : op === 0x25 ? BigInt.asUintN(64, a) >> b : BigInt.asIntN(64, a) >> b;
            st.push(BigInt.asUintN(64, x));
            break;
          }
          case 0x06: case 0x94: { // deref, deref_size
            const n = op === 0x06 ? 8 : r.u8();
            const a = st.pop();
            if (a === undefined || !read) throw new Error('cannot read memory');
            const b = read(Number(a), n);
            if (b.length < n) throw new Error(`cannot read memory at 0x${a.toString(16)}`);
            let x = 0n;
            for (let i = n - 1; i >= 0; i--) x = (x << 8n) | BigInt(b[i]);
            st.push(x);
            break;
          }
          case 0x1f: st.push(-st.pop()!); break; // neg
          case 0x20: st.push(~st.pop()!); break; // not
          case 0x9f: {
            const v = st.pop();
            if (v === undefined) throw new Error('stack underflow');
            return { bytes: bytesOf(v) };
          }
          case 0xa3: case 0xf3: return { error: 'unavailable: entry value' };
          default: return { error: `unavailable: DW_OP 0x${op.toString(16)}` };
        }
      }
    }
    const a = st.pop();
    if (a === undefined) return { error: 'optimized out' };
    return { addr: Number(BigInt.asUintN(64, a)) };
  } catch (x) {
    return { error: `unavailable: ${(x as Error).message}` };
  }
}

export function localVariables(dbg: DebugInfo, f: Frame, read: ReadFn, ref: (v: ValueRef) => number): DebugProtocol.Variable[] {
  const pc = exactPc(f) ? f.pc : f.pc - 1;
  const fn = dbg.functionAt(pc);
  if (!fn) return [];
  const ro = { attributes: ['readOnly'] } as DebugProtocol.VariablePresentationHint;
  const seen = new Set<string>();
  // innermost blocks first so that a shadowing variable wins
  const vars = fn.vars.filter((v: VarInfo) => pc >= v.lo && pc < v.hi).sort((a, b) => (b.lo - a.lo) || (a.hi - b.hi));
  const shown: DebugProtocol.Variable[] = [];
  for (const v of vars) {
    if (seen.has(v.name)) continue;
    seen.add(v.name);
    const tn = v.type ? typeName(v.type) : 'void';
    const p = placeOf(v, fn, f, pc, read);
    if ('value' in p) shown.push({ name: v.name, value: String(p.value), type: tn, variablesReference: 0, presentationHint: ro });
    else if ('addr' in p) shown.push(variable(v.name, v.type, p.addr, read, ref));
    else if ('bytes' in p) shown.push({ ...variable(v.name, v.type, NOT_IN_MEMORY, read, ref, undefined, p.bytes), presentationHint: ro });
    else shown.push({ name: v.name, value: p.error === 'optimized out' ? '<optimized out>' : `<${p.error}>`, type: tn, variablesReference: 0, presentationHint: ro });
  }
  // declaration order: parameters, then locals (outer blocks first)
  const order = new Map(fn.vars.map((v, i) => [v.name, i]));
  shown.sort((a, b) => (order.get(a.name) ?? 0) - (order.get(b.name) ?? 0));
  return shown;
}

export function valueChildren(v: ValueRef, read0: ReadFn, ref: (v: ValueRef) => number): DebugProtocol.Variable[] {
  const read = v.bytes ? overlay(read0, v.addr, v.bytes) : read0;
  return childrenOf(v.type, v.addr, read).map((c: Child) => variable(c.name, c.type, c.addr, read, ref, c.bitSize !== undefined ? { bitOffset: c.bitOffset ?? 0, bitSize: c.bitSize } : undefined));
}

/** A variable visible in the frame by name (innermost block first), else a DWARF global; null: unknown. */
export function findVariable(dbg: DebugInfo | null, f: Frame | undefined, name: string, globals = true, read?: ReadFn): ({ type: TypeInfo | null } & Place) | null {
  if (!dbg || !dbg.info) return null;
  if (f && f.kind === 'code') {
    const pc = exactPc(f) ? f.pc : f.pc - 1;
    const fn = dbg.functionAt(pc);
    if (fn) {
      const v = fn.vars.filter((x) => x.name === name && pc >= x.lo && pc < x.hi).sort((a, b) => (b.lo - a.lo) || (a.hi - b.hi))[0];
      if (v) {
        const p = placeOf(v, fn, f, pc, read);
        return 'error' in p ? { type: v.type, error: `${name}: ${p.error}` } : { type: v.type, ...p };
      }
    }
  }
  const g = globals ? dbg.info.globals.get(name) : undefined;
  if (g && g.loc.k === 'addr') return { type: g.type, addr: g.loc.addr };
  return null;
}
