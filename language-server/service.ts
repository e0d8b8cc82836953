/**
 * The .uasm language server's LSP wiring: given a Connection (stdio/IPC in server.ts, in-memory streams in
 * the tests), keep the open documents, publish diagnostics from the real assembler as they change, and
 * answer hover, completion, definition, references and document symbols. The logic lives in analysis.ts,
 * symbols.ts, hover.ts and completion.ts (no connection needed there).
 */
import {
  CompletionItem,
  CompletionItemKind,
  Connection,
  Diagnostic,
  DiagnosticSeverity,
  DocumentSymbol,
  InitializeResult,
  Location,
  MarkupKind,
  Range,
  SymbolKind,
  TextDocumentSyncKind,
  TextDocuments,
} from 'vscode-languageserver';
import { TextDocument } from 'vscode-languageserver-textdocument';
import { Analysis, analyze } from './analysis';
import { Scan, Span, findDefs, findRefs, scan, symbolAt } from './symbols';
import { hover } from './hover';
import { Item, complete } from './completion';

const range = (s: Span): Range => ({ start: { line: s.line, character: s.start }, end: { line: s.line, character: s.end } });

function fileOf(uri: string): string {
  try {
    const u = new URL(uri);
    return u.protocol === 'file:' ? decodeURIComponent(u.pathname).split('/').pop() || uri : uri.split('/').pop() || uri;
  } catch {
    return uri;
  }
}

const KIND: Record<Item['kind'], CompletionItemKind> = {
  mnemonic: CompletionItemKind.Keyword,
  uintr: CompletionItemKind.Keyword,
  directive: CompletionItemKind.Keyword,
  macro: CompletionItemKind.Snippet,
  register: CompletionItemKind.Variable,
  label: CompletionItemKind.Reference,
  constant: CompletionItemKind.Constant,
  thread: CompletionItemKind.Class,
  annotation: CompletionItemKind.Property,
  keyword: CompletionItemKind.Keyword,
  field: CompletionItemKind.Field,
  event: CompletionItemKind.EnumMember,
  section: CompletionItemKind.Module,
};

/** Document symbols: the test case, threads, constants, labels (local labels nested under theirs). */
export function documentSymbols(s: Scan, lineCount: number, lineLength: (l: number) => number): DocumentSymbol[] {
  const out: DocumentSymbol[] = [];
  const full = (a: number, b: number): Range => ({ start: { line: a, character: 0 }, end: { line: b, character: lineLength(b) } });
  if (s.test) out.push({ name: s.test.name || '(unnamed test)', detail: '@test', kind: SymbolKind.Event, range: full(s.test.span.line, s.test.span.line), selectionRange: range(s.test.span) });
  for (const d of s.defs) {
    if (d.kind === 'thread') out.push({ name: d.name, detail: `thread, entry ${d.detail ?? '?'}`, kind: SymbolKind.Class, range: full(d.span.line, d.span.line), selectionRange: range(d.span) });
    else if (d.kind === 'equ') out.push({ name: d.name, detail: 'equ', kind: SymbolKind.Constant, range: full(d.span.line, d.span.line), selectionRange: range(d.span) });
  }
  const globals = s.defs.filter((d) => d.kind === 'label' && !d.name.startsWith('__uasm'));
  globals.forEach((g, i) => {
    // a label's range runs to the line before the next global label (or the end of its section)
    let end = (globals[i + 1]?.span.line ?? lineCount) - 1;
    for (let l = g.span.line + 1; l <= end; l++) if (s.lines[l]?.section !== g.section) {
      end = l - 1;
      break;
    }
    end = Math.max(end, g.span.line);
    const children: DocumentSymbol[] = s.defs
      .filter((d) => d.kind === 'local' && d.parent === g.name && d.span.line <= end)
      .map((d) => ({ name: d.name.slice(g.name.length), detail: d.name, kind: SymbolKind.Key, range: full(d.span.line, d.span.line), selectionRange: range(d.span) }));
    out.push({ name: g.name, detail: g.section, kind: g.section === '.text' ? SymbolKind.Function : SymbolKind.Variable, range: full(g.span.line, end), selectionRange: range(g.span), children });
  });
  for (const d of s.defs) if (d.kind === 'local' && !d.parent) out.push({ name: d.name, kind: SymbolKind.Key, range: full(d.span.line, d.span.line), selectionRange: range(d.span) });
  return out;
}

export interface ServerOptions {
  /** Delay between an edit and its diagnostics (ms). */
  debounceMs?: number;
}

export function startServer(connection: Connection, opts: ServerOptions = {}): void {
  const documents = new TextDocuments(TextDocument);
  const cache = new Map<string, { version: number; scan: Scan; analysis: Analysis | null; good: Analysis | null }>();
  const timers = new Map<string, NodeJS.Timeout>();
  const debounce = opts.debounceMs ?? 250;

  const state = (doc: TextDocument) => {
    let c = cache.get(doc.uri);
    if (!c || c.version !== doc.version) {
      c = { version: doc.version, scan: scan(doc.getText()), analysis: null, good: c?.good ?? null };
      cache.set(doc.uri, c);
    }
    return c;
  };

  /** The assembler's view of the current version (computed once per version). */
  const analysisOf = (doc: TextDocument): Analysis => {
    const c = state(doc);
    if (!c.analysis) {
      c.analysis = analyze(doc.getText(), fileOf(doc.uri));
      // keep the last good program for hovers (addresses, values) while the file has errors
      if (c.analysis.program) c.good = c.analysis;
    }
    return c.analysis;
  };

  const validate = (doc: TextDocument) => {
    const an = analysisOf(doc);
    const diagnostics: Diagnostic[] = an.problems.map((p) => ({ range: range(p.span), message: p.message, severity: DiagnosticSeverity.Error, source: 'uasm' }));
    void connection.sendDiagnostics({ uri: doc.uri, version: doc.version, diagnostics });
  };

  const schedule = (doc: TextDocument, delay: number) => {
    clearTimeout(timers.get(doc.uri));
    const t = setTimeout(() => {
      timers.delete(doc.uri);
      const cur = documents.get(doc.uri);
      try {
        if (cur) validate(cur);
      } catch (e) {
        connection.console.error(`uasm diagnostics failed: ${(e as Error)?.stack ?? e}`);
      }
    }, delay);
    timers.set(doc.uri, t);
  };

  connection.onInitialize(
    (): InitializeResult => ({
      capabilities: {
        textDocumentSync: TextDocumentSyncKind.Incremental,
        hoverProvider: true,
        completionProvider: { triggerCharacters: ['@', '.'] },
        definitionProvider: true,
        referencesProvider: true,
        documentSymbolProvider: true,
      },
      serverInfo: { name: 'uintr-asm-language-server', version: '0.1.0' },
    }),
  );

  // TextDocuments reports an open as an open and a content change: diagnose an opened document at once
  const opened = new Map<string, number>();
  documents.onDidOpen((e) => {
    opened.set(e.document.uri, e.document.version);
    schedule(e.document, 0);
  });
  documents.onDidChangeContent((e) => {
    if (opened.get(e.document.uri) === e.document.version) return;
    schedule(e.document, debounce);
  });
  documents.onDidClose((e) => {
    clearTimeout(timers.get(e.document.uri));
    timers.delete(e.document.uri);
    cache.delete(e.document.uri);
    opened.delete(e.document.uri);
    void connection.sendDiagnostics({ uri: e.document.uri, diagnostics: [] });
  });

  connection.onHover((p) => {
    const doc = documents.get(p.textDocument.uri);
    if (!doc) return null;
    const c = state(doc);
    analysisOf(doc);
    const h = hover(doc.getText(), c.scan, c.good, p.position.line, p.position.character);
    return h ? { contents: { kind: MarkupKind.Markdown, value: h.markdown }, range: range(h.span) } : null;
  });

  connection.onCompletion((p) => {
    const doc = documents.get(p.textDocument.uri);
    if (!doc) return [];
    const c = state(doc);
    return complete(doc.getText(), c.scan, p.position.line, p.position.character).map(
      (it): CompletionItem => ({
        label: it.label,
        kind: KIND[it.kind],
        detail: it.detail,
        documentation: it.doc ? { kind: MarkupKind.Markdown, value: it.doc } : undefined,
        sortText: `${it.rank ?? 1}${it.label}`,
      }),
    );
  });

  connection.onDefinition((p) => {
    const doc = documents.get(p.textDocument.uri);
    if (!doc) return null;
    const c = state(doc);
    const sym = symbolAt(c.scan, p.position.line, p.position.character);
    if (!sym) return null;
    return findDefs(c.scan, sym.name, sym.ns).map((d): Location => ({ uri: doc.uri, range: range(d.span) }));
  });

  connection.onReferences((p) => {
    const doc = documents.get(p.textDocument.uri);
    if (!doc) return null;
    const c = state(doc);
    const sym = symbolAt(c.scan, p.position.line, p.position.character);
    if (!sym) return null;
    const spans = findRefs(c.scan, sym.name, sym.ns).map((r) => r.span);
    if (p.context.includeDeclaration) spans.unshift(...findDefs(c.scan, sym.name, sym.ns).map((d) => d.span));
    return spans.map((s): Location => ({ uri: doc.uri, range: range(s) }));
  });

  connection.onDocumentSymbol((p) => {
    const doc = documents.get(p.textDocument.uri);
    if (!doc) return null;
    const c = state(doc);
    const lines = doc.getText().split(/\r?\n/);
    return documentSymbols(c.scan, lines.length, (l) => (lines[l] ?? '').length);
  });

  connection.onShutdown(() => {
    for (const t of timers.values()) clearTimeout(t);
    timers.clear();
  });

  documents.listen(connection);
  connection.listen();
}
