/**
 * The Locals scope of a frame from DWARF (-O0 -g): the function's parameters and the variables of the
 * lexical blocks containing the frame's PC, at frame base + DW_OP_fbreg offset (frame base = the frame's CFA
 * from the unwinder, or a register + offset), or at a static address. Values are read from guest memory.
 */
import type { DebugProtocol } from '@vscode/debugprotocol';
import type { DebugInfo } from './dwarf/index';
import type { TypeInfo, VarInfo } from './dwarf/info';
import { typeName } from './dwarf/info';
import { formatValue, childrenOf, ReadFn, Child } from './dwarf/values';
import { Frame, exactPc } from './unwind';

/** A value to expand later (the session stores it behind a variablesReference). */
export interface ValueRef {
  type: TypeInfo;
  addr: number;
}

/** Does the frame have DWARF locals (a subprogram covers its PC)? */
export function hasLocals(dbg: DebugInfo | null, f: Frame): boolean {
  // dbg.info: DWARF subprograms (a .uasm file's pseudo functions, uasm-source.ts, have no locals)
  return !!dbg && !!dbg.info && f.kind === 'code' && !!dbg.functionAt(exactPc(f) ? f.pc : f.pc - 1);
}

function variable(name: string, type: TypeInfo | null, addr: number, read: ReadFn, ref: (v: ValueRef) => number, bits?: { bitOffset: number; bitSize: number }): DebugProtocol.Variable {
  const v = formatValue(type, addr, read, bits);
  return {
    name,
    value: v.value,
    type: v.type,
    variablesReference: v.expandable && type ? ref({ type, addr }) : 0,
    memoryReference: v.memoryReference ?? (bits ? undefined : '0x' + addr.toString(16)),
  };
}

export function localVariables(dbg: DebugInfo, f: Frame, read: ReadFn, ref: (v: ValueRef) => number): DebugProtocol.Variable[] {
  const pc = exactPc(f) ? f.pc : f.pc - 1;
  const fn = dbg.functionAt(pc);
  if (!fn) return [];
  let base: number | undefined;
  if (fn.frameBase === 'cfa') base = f.cfa;
  else if (fn.frameBase) {
    const r = f.regs?.[fn.frameBase.reg];
    if (r !== undefined) base = r + fn.frameBase.off;
  }
  const ro = { attributes: ['readOnly'] } as DebugProtocol.VariablePresentationHint;
  const out: DebugProtocol.Variable[] = [];
  const seen = new Set<string>();
  // innermost blocks first so that a shadowing variable wins
  const vars = fn.vars.filter((v: VarInfo) => pc >= v.lo && pc < v.hi).sort((a, b) => (b.lo - a.lo) || (a.hi - b.hi));
  const shown: DebugProtocol.Variable[] = [];
  for (const v of vars) {
    if (seen.has(v.name)) continue;
    seen.add(v.name);
    const tn = v.type ? typeName(v.type) : 'void';
    if (v.constValue !== undefined) shown.push({ name: v.name, value: String(v.constValue), type: tn, variablesReference: 0, presentationHint: ro });
    else if (v.loc.k === 'fbreg' && base !== undefined) shown.push(variable(v.name, v.type, base + v.loc.off, read, ref));
    else if (v.loc.k === 'addr') shown.push(variable(v.name, v.type, v.loc.addr, read, ref));
    else shown.push({ name: v.name, value: v.loc.k === 'none' ? '<optimized out>' : `<unavailable: ${v.loc.k === 'unsupported' ? v.loc.why : 'no frame base'}>`, type: tn, variablesReference: 0, presentationHint: ro });
  }
  // declaration order: parameters, then locals (outer blocks first)
  const order = new Map(fn.vars.map((v, i) => [v.name, i]));
  shown.sort((a, b) => (order.get(a.name) ?? 0) - (order.get(b.name) ?? 0));
  out.push(...shown);
  return out;
}

export function valueChildren(v: ValueRef, read: ReadFn, ref: (v: ValueRef) => number): DebugProtocol.Variable[] {
  return childrenOf(v.type, v.addr, read).map((c: Child) => variable(c.name, c.type, c.addr, read, ref, c.bitSize !== undefined ? { bitOffset: c.bitOffset ?? 0, bitSize: c.bitSize } : undefined));
}
