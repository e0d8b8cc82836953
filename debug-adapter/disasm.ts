/**
 * The `disassemble` request: iced-x86 Intel syntax, addresses annotated with symbols
 * (`call 434150h <__libc_write>`), and decoding backwards (negative instructionOffset) by starting from a
 * known instruction boundary: the start of the enclosing symbol, else the candidate start that lands
 * exactly on the requested address.
 */
import type { DebugProtocol } from '@vscode/debugprotocol';
import type { Machine, Thread } from '../emulator/machine';
import type { SymbolTable } from './symbols';
import type { DebugInfo } from './dwarf/index';

export const hex = (a: number | bigint) => '0x' + a.toString(16);

interface Ins {
  addr: number;
  len: number;
  text: string;
  bytes: Uint8Array;
}

export class Disassembler {
  /** `lines`: the program's line table (DWARF or .uasm): instructions get their source location and line. */
  constructor(private m: Machine, private syms: SymbolTable, private lines: DebugInfo | null = null) {}

  private decode(t: Thread, a: number): Ins | null {
    const d = this.m.decodeAt(t, a);
    if (!d) return null;
    return { addr: a, len: d.len, text: d.text, bytes: d.bytes };
  }

  /** Decode forward from start while addr < end; null if it does not land exactly on end. */
  private run(t: Thread, start: number, end: number): Ins[] | null {
    const out: Ins[] = [];
    let a = start;
    while (a < end) {
      const i = this.decode(t, a);
      if (!i) return null;
      out.push(i);
      a += i.len;
    }
    return a === end ? out : null;
  }

  /** Up to n instructions ending right before `end` (fewer if memory before is unreadable). */
  private before(t: Thread, end: number, n: number): Ins[] {
    let res: Ins[] = [];
    let e = end;
    for (let guard = 0; res.length < n && guard < 64; guard++) {
      const want = n - res.length;
      let chunk: Ins[] | null = null;
      // from the start of the symbol containing e-1 (a known boundary) if not too far
      const s = this.syms.lookup(e - 1);
      if (s && e - s.sym.addr <= 0x4000 && s.sym.addr < e) chunk = this.run(t, s.sym.addr, e);
      if (!chunk) {
        // else a start that re-synchronizes exactly on e (x86 decoding converges quickly)
        const base = e - Math.min(want * 8 + 16, 0x1000);
        for (let k = 0; k < 16 && !chunk; k++) chunk = this.run(t, base + k, e);
      }
      if (!chunk || chunk.length === 0) break;
      res = chunk.concat(res);
      e = chunk[0].addr;
    }
    return res.slice(Math.max(0, res.length - n));
  }

  private after(t: Thread, start: number, n: number): Ins[] {
    const out: Ins[] = [];
    let a = start;
    while (out.length < n) {
      const i = this.decode(t, a);
      if (!i) break;
      out.push(i);
      a += i.len;
    }
    return out;
  }

  disassemble(t: Thread, args: DebugProtocol.DisassembleArguments): DebugProtocol.DisassembledInstruction[] {
    const base = Number(BigInt(args.memoryReference)) + (args.offset ?? 0);
    const off = args.instructionOffset ?? 0;
    const count = args.instructionCount;
    let list: Ins[];
    let first: number; // index in list of the instruction at instructionOffset
    if (off < 0) {
      const back = this.before(t, base, -off);
      const fwd = this.after(t, base, Math.max(0, count + off));
      list = back.concat(fwd);
      first = back.length + off; // may be negative: pad in front
    } else {
      list = this.after(t, base, off + count);
      first = off;
    }
    const out: DebugProtocol.DisassembledInstruction[] = [];
    for (let k = 0; k < count; k++) {
      const i = first + k;
      if (i >= 0 && i < list.length) out.push(this.format(list[i], args.resolveSymbols !== false));
      else {
        // unreadable or not decodable: placeholders keep the count exact
        const a = i < 0 ? (list[0]?.addr ?? base) + i : (list.length ? list[list.length - 1].addr + list[list.length - 1].len : base) + (i - list.length);
        out.push({ address: hex(Math.max(0, a)), instruction: '??', presentationHint: 'invalid' } as DebugProtocol.DisassembledInstruction);
      }
    }
    return out;
  }

  format(i: Ins, symbols = true): DebugProtocol.DisassembledInstruction {
    let text = i.text;
    if (symbols) text = this.annotate(text);
    const r: DebugProtocol.DisassembledInstruction = {
      address: hex(i.addr),
      instructionBytes: Array.from(i.bytes, (b) => b.toString(16).padStart(2, '0')).join(' '),
      instruction: text,
    };
    const s = this.syms.lookup(i.addr);
    if (s) r.symbol = s.sym.name;
    const le = this.lines?.lineAt(i.addr);
    if (le) {
      r.location = { name: le.file.split('/').pop(), path: le.file };
      r.line = le.line;
      r.column = Math.max(1, le.column);
    }
    return r;
  }

  /** Append `<symbol+off>` for the first operand address that a symbol covers. */
  annotate(text: string): string {
    const re = /\b([0-9A-F]+)h\b/g;
    let m: RegExpExecArray | null;
    while ((m = re.exec(text))) {
      const v = parseInt(m[1], 16);
      if (v < 0x1000) continue;
      const f = this.syms.format(v);
      if (f) return `${text} <${f}>`;
    }
    return text;
  }
}
