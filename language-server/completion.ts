/**
 * Completion for .uasm, by context: the statement word (mnemonics from iced-x86, directives, macros),
 * operands (registers, labels, constants, size keywords), `uintr`/`upid`/`uitte` keys, section names,
 * annotation keys after `@`, and the words of `@expect` lines (fields, event kinds, threads, labels).
 */
import { allMnemonics } from '../emulator/asm/encode';
import { ANNOTATION_KEYS, EVENT_KINDS, UINTR_FIELDS } from '../emulator/asm/annotations';
import { DIRECTIVES, MACROS } from '../emulator/asm/assembler';
import { ANNOTATION_DOCS, DIRECTIVE_DOCS, EXPECT_WORDS, MACRO_DOCS, UINTR_INSNS, UINTR_KEY_DOCS, UITT_FIELDS, UPID_FIELDS } from './docs';
import { SIZE_WORDS, Scan, lex } from './symbols';

export type ItemKind = 'mnemonic' | 'uintr' | 'directive' | 'macro' | 'register' | 'label' | 'constant' | 'thread' | 'annotation' | 'keyword' | 'field' | 'event' | 'section';

export interface Item {
  label: string;
  kind: ItemKind;
  detail?: string;
  doc?: string;
  /** Lower sorts first. */
  rank?: number;
}

const GPR64 = ['rax', 'rbx', 'rcx', 'rdx', 'rsi', 'rdi', 'rbp', 'rsp', ...Array.from({ length: 8 }, (_, i) => `r${i + 8}`)];
const GPR32 = ['eax', 'ebx', 'ecx', 'edx', 'esi', 'edi', 'ebp', 'esp', ...Array.from({ length: 8 }, (_, i) => `r${i + 8}d`)];
const GPR16 = ['ax', 'bx', 'cx', 'dx', 'si', 'di', 'bp', 'sp', ...Array.from({ length: 8 }, (_, i) => `r${i + 8}w`)];
const GPR8 = ['al', 'bl', 'cl', 'dl', 'ah', 'bh', 'ch', 'dh', 'sil', 'dil', 'bpl', 'spl', ...Array.from({ length: 8 }, (_, i) => `r${i + 8}b`)];
const VEC = ['xmm', 'ymm', 'zmm'].flatMap((p) => Array.from({ length: 32 }, (_, i) => p + i));
export const REGISTERS = [...GPR64, ...GPR32, ...GPR16, ...GPR8, ...VEC, ...Array.from({ length: 8 }, (_, i) => 'k' + i), ...Array.from({ length: 8 }, (_, i) => 'mm' + i), 'cs', 'ds', 'es', 'fs', 'gs', 'ss', 'rip'];
const SIGNALS = ['SIGSEGV', 'SIGILL', 'SIGBUS', 'SIGFPE', 'SIGTRAP', 'SIGABRT', 'SIGKILL'];
const UINTR_KEYS = ['handler', 'stackadjust', 'upid', 'uitt', 'tt_valid', 'uittsz', 'uinv', 'uirr', 'uif'];
const PREFIXES = new Set(['lock', 'rep', 'repe', 'repz', 'repne', 'repnz']);

let mnemonicItems: Item[] | null = null;
function statementWords(): Item[] {
  if (!mnemonicItems) {
    const uintr = Object.keys(UINTR_INSNS);
    const seen = new Set<string>();
    mnemonicItems = [];
    for (const m of uintr) {
      seen.add(m);
      mnemonicItems.push({ label: m, kind: 'uintr', detail: UINTR_INSNS[m].title, doc: UINTR_INSNS[m].body, rank: 0 });
    }
    for (const m of MACROS) mnemonicItems.push({ label: m, kind: 'macro', detail: MACRO_DOCS[m]?.usage, doc: MACRO_DOCS[m]?.body, rank: 1 });
    for (const d of DIRECTIVES) if (d !== 'equ') mnemonicItems.push({ label: d, kind: 'directive', doc: DIRECTIVE_DOCS[d], rank: 1 });
    for (const m of [...allMnemonics(), 'movsb', 'movsw', 'movsq', 'stosb', 'stosw', 'stosd', 'stosq', 'lodsb', 'lodsq', 'scasb', 'cmpsb', 'lock', 'rep', 'repe', 'repne'].sort()) {
      if (seen.has(m)) continue;
      seen.add(m);
      mnemonicItems.push({ label: m, kind: 'mnemonic', rank: 2 });
    }
  }
  return mnemonicItems;
}

function labelItems(scan: Scan, scope: string): Item[] {
  const out: Item[] = [];
  for (const d of scan.defs) {
    if (d.name.startsWith('__uasm')) continue;
    if (d.kind === 'label') out.push({ label: d.name, kind: 'label', detail: `label (${d.section}, line ${d.span.line + 1})`, rank: 0 });
    else if (d.kind === 'equ') out.push({ label: d.name, kind: 'constant', detail: `equ (line ${d.span.line + 1})`, rank: 0 });
    else if (d.kind === 'local') {
      if (d.parent === scope && scope) out.push({ label: d.name.slice(scope.length), kind: 'label', detail: `local label of ${scope} (line ${d.span.line + 1})`, rank: 0 });
      out.push({ label: d.name, kind: 'label', detail: `local label (line ${d.span.line + 1})`, rank: 1 });
    }
  }
  return out;
}

function threadItems(scan: Scan): Item[] {
  const ts = scan.defs.filter((d) => d.kind === 'thread');
  return (ts.length ? ts.map((d) => d.name) : ['main']).map((n) => ({ label: n, kind: 'thread' as const, detail: 'thread', rank: 0 }));
}

const regItems = (rank = 1): Item[] => REGISTERS.map((r) => ({ label: r, kind: 'register' as const, rank }));

export function complete(text: string, scan: Scan, line: number, ch: number): Item[] {
  const raw = text.split(/\r?\n/)[line] ?? '';
  const info = scan.lines[line];
  if (!info) return [];
  const before = raw.slice(0, ch);
  // the word being typed is replaced by the client (word pattern); context is what precedes it
  const partial = /[A-Za-z_.?@][\w.?@$#-]*$/.exec(before)?.[0] ?? '';
  const head = before.slice(0, before.length - partial.length);

  if (info.comment >= 0 && ch > info.comment) {
    const ctext = head.slice(info.comment + 1);
    if (/^\s*$/.test(ctext) && (partial.startsWith('@') || partial === '')) {
      return ANNOTATION_KEYS.map((k) => ({ label: '@' + k, kind: 'annotation' as const, doc: ANNOTATION_DOCS[k], rank: 0 }));
    }
    const m = /^\s*@expect\b(.*)$/.exec(ctext);
    if (!m) return [];
    const toks = lex(m[1]);
    const last = toks[toks.length - 1];
    const words = (ws: string[], kind: ItemKind, rank = 0) => ws.map((w) => ({ label: w, kind, rank }));
    const fields = [...UINTR_FIELDS.map((f) => ({ label: f, kind: 'field' as const, doc: f.startsWith('upid.') ? UPID_FIELDS[f.slice(5)]?.body : UINTR_KEY_DOCS[f], rank: 0 }))];
    if (!last) return [...words(['exit', 'fault', 'stdout', 'event', 'order'], 'keyword'), ...threadItems(scan).map((t) => ({ ...t, label: t.label + ':' })), ...fields, ...regItems(), ...words(['byte', 'word', 'dword', 'qword'], 'keyword', 2)];
    const lw = last.s;
    if (lw === 'event' || lw === 'order' || lw === 'then') return words(EVENT_KINDS, 'event');
    if (lw === 'at') return labelItems(scan, '');
    if (lw === 'fault') return words(SIGNALS, 'keyword');
    if (lw === '=' && toks[toks.length - 2] && ['thread', 'target'].includes(toks[toks.length - 2].s)) return threadItems(scan);
    if (lw === ':' && toks.length === 2) return [...fields, ...regItems(0), ...words(['byte', 'word', 'dword', 'qword'], 'keyword', 2)];
    if (toks[0]?.s === 'event' || toks[0]?.s === 'order') return [...words(['thread=', 'target=', 'vector=', 'index=', 'rip=', 'handler=', 'outcome=', 'fault=', 'count='], 'keyword'), ...words(['then'], 'keyword', 1)];
    return [...labelItems(scan, ''), ...words(EXPECT_WORDS.filter((w) => w === 'at'), 'keyword', 1), ...fields, ...regItems(2)];
  }

  const toks = lex(head);
  let i = 0;
  if (toks[0]?.t === 'id' && toks[1]?.s === ':') i = 2;
  while (toks[i] && PREFIXES.has(toks[i].s.toLowerCase())) i++;
  if (i >= toks.length) {
    // statement word position (after an optional label and prefixes)
    return statementWords();
  }
  const word = toks[i].s.toLowerCase();
  const args = toks.slice(i + 1);
  const lastTok = args[args.length - 1];
  const afterComma = !lastTok || lastTok.s === ',';
  const keyItems = (keys: string[], doc: Record<string, { body: string } | string>) =>
    keys.map((k) => ({ label: k + '=', kind: 'field' as const, doc: typeof doc[k] === 'string' ? (doc[k] as string) : (doc[k] as { body: string } | undefined)?.body, rank: 0 }));
  switch (word) {
    case 'section':
    case 'segment':
      return ['.text', '.rodata', '.data', '.bss'].map((s) => ({ label: s, kind: 'section' as const }));
    case 'default':
      return [{ label: 'rel', kind: 'keyword' }, { label: 'abs', kind: 'keyword' }];
    case 'uintr':
      if (args.length === 0) return threadItems(scan);
      if (afterComma) return keyItems(UINTR_KEYS, UINTR_KEY_DOCS);
      return labelItems(scan, info.scope);
    case 'upid':
      if (afterComma) return keyItems(['on', 'sn', 'nv', 'apic', 'pir', 'reserved'], UPID_FIELDS);
      return labelItems(scan, info.scope);
    case 'uitte':
      if (afterComma) return keyItems(['valid', 'vector', 'upid', 'reserved'], UITT_FIELDS);
      return labelItems(scan, info.scope);
    case 'thread':
      if (args.length === 0) return [];
      if (args.length >= 3 && afterComma) return [{ label: 'core=', kind: 'field', rank: 0 }];
      return labelItems(scan, info.scope);
  }
  return [...labelItems(scan, info.scope), ...regItems(1), ...[...SIZE_WORDS.map((s) => s + ' ptr'), 'rel'].map((s) => ({ label: s, kind: 'keyword' as const, rank: 2 }))];
}
