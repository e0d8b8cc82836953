/**
 * Hover for .uasm: UINTR instructions, MSR numbers (0x985-0x98A), `uintr` directive keys, UPID/UITT fields,
 * macros, directives, annotations; other instructions show their operand forms from iced-x86's OpCodeInfo;
 * registers; labels, constants and threads (with their address/value when the file assembles).
 */
import { CodeExt } from 'iced-x86';
import { codesOf, isMnemonic, lookupRegister } from '../emulator/asm/encode';
import { tokenize } from '../emulator/asm/parse';
import { evalWithProgram } from '../emulator/asm/assembler';
import { ANNOTATION_KEYS, EVENT_KINDS, UINTR_FIELDS } from '../emulator/asm/annotations';
import { ANNOTATION_DOCS, COMMON_UD, DIRECTIVE_DOCS, MACRO_DOCS, MSRS, UINTR_INSNS, UINTR_KEY_DOCS, UITT_FIELDS, UPID_FIELDS, msrByAddr } from './docs';
import { Scan, Span, Tok, findDefs, isRegister, lex, symbolAt } from './symbols';
import type { Analysis } from './analysis';

export interface HoverResult {
  markdown: string;
  span: Span;
}

const formsCache = new Map<string, string[]>();

/** `opcode | instruction` lines for every iced Code of a mnemonic (OpCodeInfo objects are freed). */
export function instructionForms(mnemonic: string): string[] {
  const m = mnemonic.toLowerCase();
  let rows = formsCache.get(m);
  if (rows) return rows;
  rows = [];
  const seen = new Set<string>();
  for (const code of codesOf(m)) {
    const oc = CodeExt.opCode(code);
    try {
      const row = `${oc.opCodeString.padEnd(28)} ${oc.instructionString}`;
      if (!seen.has(row)) {
        seen.add(row);
        rows.push(row);
      }
    } finally {
      oc.free();
    }
  }
  formsCache.set(m, rows);
  return rows;
}

function formsBlock(mn: string, max = 24): string {
  const rows = instructionForms(mn);
  if (rows.length === 0) return '';
  const shown = rows.slice(0, max);
  return '```\n' + shown.join('\n') + '\n```' + (rows.length > max ? `\n…and ${rows.length - max} more forms` : '');
}

function regClassText(cls: string): string {
  return ({ gpr8: '8-bit general-purpose register', gpr16: '16-bit general-purpose register', gpr32: '32-bit general-purpose register (writes zero-extend to 64 bits)', gpr64: '64-bit general-purpose register', xmm: '128-bit SSE/AVX register', ymm: '256-bit AVX register', zmm: '512-bit AVX-512 register', mm: 'MMX register', k: 'AVX-512 opmask register', seg: 'segment register', st: 'x87 register', cr: 'control register', dr: 'debug register', rip: 'instruction pointer (use `[rel label]` or `[rip + label]`)' } as Record<string, string>)[cls] ?? 'register';
}

function tokenAt(toks: Tok[], ch: number): Tok | undefined {
  return toks.find((t) => ch >= t.start && ch < t.end) ?? toks.find((t) => ch === t.end && (t.t === 'id' || t.t === 'num'));
}

function numValue(s: string): bigint | undefined {
  try {
    const t = tokenize(s, { file: '', line: 1, col: 1 })[0];
    return t.t === 'num' ? t.v : undefined;
  } catch {
    return undefined;
  }
}

const hex = (v: number | bigint) => '0x' + v.toString(16);

function uintrInsnDoc(mn: string): string {
  const d = UINTR_INSNS[mn];
  return `**${d.title}**\n\n${d.body}\n\n${COMMON_UD}\n\n${formsBlock(mn)}`;
}

function symbolDoc(scan: Scan, an: Analysis | null, name: string, ns: 'thread' | 'symbol'): string | null {
  const defs = findDefs(scan, name, ns);
  if (ns === 'thread') {
    const d = defs[0];
    if (!d && name !== 'main') return null;
    return `**thread** \`${name}\`${d ? ` — entry \`${d.detail ?? '?'}\`, declared on line ${d.span.line + 1}` : ' (the implicit thread of a file without `thread` directives)'}`;
  }
  const d = defs[0];
  if (!d) return null;
  const prog = an?.program;
  if (d.kind === 'equ') {
    let v = '';
    const q = prog?.parsed.equs.get(name);
    if (prog && q) {
      try {
        const x = evalWithProgram(prog, q.e);
        v = ` = ${x} (${hex(BigInt.asUintN(64, x))})`;
      } catch {
        /* not evaluable */
      }
    }
    return `**constant** \`${name}\`${v} — line ${d.span.line + 1}`;
  }
  const addr = prog?.symbols.get(name);
  return `**${d.kind === 'local' ? 'local label' : 'label'}** \`${name}\` in \`${d.section}\`${addr !== undefined ? ` at ${hex(addr)}` : ''} — line ${d.span.line + 1}`;
}

export function hover(text: string, scan: Scan, an: Analysis | null, line: number, ch: number): HoverResult | null {
  const raw = text.split(/\r?\n/)[line];
  const info = scan.lines[line];
  if (raw === undefined || !info) return null;
  const inComment = info.comment >= 0 && ch > info.comment;
  const toks = inComment ? lex(raw.slice(info.comment + 1), info.comment + 1) : info.toks;
  const t = tokenAt(toks, ch);
  if (!t) return null;
  const span: Span = { line, start: t.start, end: t.end };
  const out = (markdown: string | null): HoverResult | null => (markdown ? { markdown, span } : null);
  const lw = t.s.toLowerCase();
  const idx = toks.indexOf(t);
  const next = toks[idx + 1];

  if (t.t === 'num') {
    const v = numValue(t.s);
    const msr = v !== undefined ? msrByAddr(v) : undefined;
    if (msr) return out(`**${msr.title}**\n\n${msr.body}\n\nIn .uasm set it with the \`uintr\` directive: ${msr.keys.map((k) => `\`${k}=\``).join(', ')} (WRMSR is privileged).`);
    return v !== undefined ? out(`\`${t.s}\` = ${v} (${hex(BigInt.asUintN(64, v))})`) : null;
  }
  if (t.t !== 'id') return null;

  if (inComment) {
    if (!info.annotation) return null;
    if (t.start === info.annotation.start) {
      const k = info.annotation.key;
      return out(ANNOTATION_DOCS[k] ?? (ANNOTATION_KEYS.includes(k) ? `\`@${k}\` annotation` : `unknown annotation \`@${k}\` (known: ${ANNOTATION_KEYS.map((x) => '@' + x).join(', ')})`));
    }
    if (info.annotation.key !== 'expect') return null;
    if (lw.startsWith('upid.') && UPID_FIELDS[lw.slice(5)]) {
      const f = UPID_FIELDS[lw.slice(5)];
      return out(`**${f.title}**\n\n${f.body}\n\nRead from the thread's UPID (IA32_UINTR_PD, else its registered receiver UPID).`);
    }
    if (UINTR_FIELDS.includes(lw) && UINTR_KEY_DOCS[lw]) return out(UINTR_KEY_DOCS[lw]);
    if (EVENT_KINDS.includes(lw) && !(next?.s === ':')) return out(`**event kind** \`${lw}\` — an entry of the UINTR event log (see \`uintr-run --trace uintr\`); filter with \`field=value\` and \`count=N\`.`);
    const sym = symbolAt(scan, line, ch);
    if (sym) return out(symbolDoc(scan, an, sym.name, sym.ns));
    const r = lookupRegister(lw);
    if (r) return out(`**${lw}** — ${regClassText(r.cls)}`);
    return null;
  }

  // code
  if (info.word && t.start === info.word.start) {
    if (UINTR_INSNS[lw]) return out(uintrInsnDoc(lw));
    if (MACRO_DOCS[lw]) return out(`**macro** \`${MACRO_DOCS[lw].usage}\`\n\n${MACRO_DOCS[lw].body}`);
    if (DIRECTIVE_DOCS[lw]) return out(`**directive** ${DIRECTIVE_DOCS[lw]}`);
    if (isMnemonic(lw)) {
      const forms = formsBlock(lw);
      return out(`**${lw.toUpperCase()}** — operand forms (iced-x86 OpCodeInfo):\n\n${forms || '_string instruction: write it without operands (`rep movsb`)_'}`);
    }
    return null;
  }
  if (next?.s === '=' && info.word) {
    const w = info.word.s.toLowerCase();
    if (w === 'uintr') {
      const msr = MSRS.find((m) => m.keys.includes(lw));
      const d = UINTR_KEY_DOCS[lw];
      if (d) return out(`**uintr ${lw}=** — ${d}${msr ? `\n\n(${msr.name}, MSR ${hex(msr.addr)})` : ''}`);
    }
    if (w === 'upid' && UPID_FIELDS[lw]) return out(`**${UPID_FIELDS[lw].title}**\n\n${UPID_FIELDS[lw].body}`);
    if (w === 'uitte' && UITT_FIELDS[lw]) return out(`**${UITT_FIELDS[lw].title}**\n\n${UITT_FIELDS[lw].body}`);
    if (w === 'thread' && lw === 'core') return out('`core=N` — the core the thread starts on (honoured when `@cores` ≥ the number of threads).');
  }
  if (isRegister(lw)) return out(`**${lw}** — ${regClassText(lookupRegister(lw)!.cls)}`);
  if (PREFIX_DOCS[lw] && info.word && t.start < info.word.start) return out(PREFIX_DOCS[lw]);
  const sym = symbolAt(scan, line, ch);
  if (sym && findDefs(scan, sym.name, sym.ns).length) return out(symbolDoc(scan, an, sym.name, sym.ns));
  // the repeated statement of `times N insn`
  if (info.word?.s.toLowerCase() === 'times' && UINTR_INSNS[lw]) return out(uintrInsnDoc(lw));
  if (info.word?.s.toLowerCase() === 'times' && isMnemonic(lw)) return out(`**${lw.toUpperCase()}** — operand forms (iced-x86 OpCodeInfo):\n\n${formsBlock(lw)}`);
  return sym ? out(symbolDoc(scan, an, sym.name, sym.ns)) : null;
}

const PREFIX_DOCS: Record<string, string> = {
  lock: '**LOCK** prefix (F0): makes the read-modify-write of a memory destination atomic. The UINTR instructions raise #UD with it.',
  rep: '**REP** prefix (F3): repeat the string instruction RCX times.',
  repe: '**REPE/REPZ** prefix (F3): repeat while equal (ZF=1) and RCX ≠ 0.',
  repz: '**REPE/REPZ** prefix (F3): repeat while equal (ZF=1) and RCX ≠ 0.',
  repne: '**REPNE/REPNZ** prefix (F2): repeat while not equal (ZF=0) and RCX ≠ 0.',
  repnz: '**REPNE/REPNZ** prefix (F2): repeat while not equal (ZF=0) and RCX ≠ 0.',
};
