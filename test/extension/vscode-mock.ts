/**
 * A recording stand-in for the `vscode` module, enough to load dist/extension.js and run activate() outside
 * VS Code: it records registered commands, views, debug types, task types and status bar items.
 */
import Module from 'node:module';
import { spawnSync } from 'node:child_process';
import { makeTestsApi, newTestsMock, TestsMock } from './vscode-tests-mock';

export interface Recorded {
  commands: Map<string, (...a: unknown[]) => unknown>;
  /** Objects passed to the register* functions, by kind. */
  registered: { kind: string; type: string; obj: any }[];
  /** Listeners of vscode.debug events, by event name. */
  listeners: Map<string, ((e: unknown) => void)[]>;
  executed: { command: string; args: unknown[] }[];
  messages: { level: string; text: string }[];
  clipboard: string;
  /** Answers for showQuickPick (a function of the items). */
  quickPick?: (items: any[]) => unknown;
  treeViews: Map<string, { revealed: unknown[]; description?: string; selection: unknown[] }>;
  debug: { activeDebugSession: unknown; activeStackItem: unknown };
  activeTextEditor?: unknown;
  tasks: any[];
  taskOutput: string[];
  /** Extension ids vscode.extensions.getExtension finds. */
  installed: string[];
  /** Webview panels created (html, posted messages, the page's message listener). */
  panels: { viewType: string; options: any; html: string; posted: any[]; receive?: (m: unknown) => void }[];
  views: Map<string, { treeDataProvider: unknown }>;
  debugFactories: string[];
  configProviders: string[];
  trackers: string[];
  taskProviders: string[];
  statusBar: { text: string; tooltip: unknown; shown: boolean }[];
  /** Documents shown in an editor (showTextDocument): path and the selection's 1-based line. */
  shownDocs?: { path: string; line: number }[];
  /** The Testing API stand-in's records (vscode-tests-mock.ts). */
  testing?: TestsMock;
}

const disposable = () => ({ dispose() {} });

class EventEmitter<T> {
  private ls: ((e: T) => void)[] = [];
  event = (l: (e: T) => void) => {
    this.ls.push(l);
    return disposable();
  };
  fire(e: T) {
    for (const l of this.ls) l(e);
  }
  dispose() {}
}

export function makeVscode(rec: Recorded): Record<string, unknown> {
  const ev = (name?: string) => (l: (e: unknown) => void) => {
    if (name) rec.listeners.set(name, [...(rec.listeners.get(name) ?? []), l]);
    return disposable();
  };
  const reg = (kind: string) => (type: string, obj: unknown) => {
    rec.registered.push({ kind, type, obj });
    return disposable();
  };
  class TabInputText { constructor(public uri: unknown) {} }
  class TabInputCustom { constructor(public uri: unknown, public viewType: string) {} }
  const { workspaceExtras, debugExtras, ...testsApi } = makeTestsApi((rec.testing ??= newTestsMock()));
  return {
    ...testsApi,
    EventEmitter,
    Disposable: class { dispose() {} },
    TreeItem: class { constructor(public label: unknown, public collapsibleState?: number) {} },
    TreeItemCollapsibleState: { None: 0, Collapsed: 1, Expanded: 2 },
    ThemeIcon: class { constructor(public id: string, public color?: unknown) {} },
    ThemeColor: class { constructor(public id: string) {} },
    MarkdownString: class { value = ''; appendText(t: string) { this.value += t; return this; } appendMarkdown(t: string) { this.value += t; return this; } },
    StatusBarAlignment: { Left: 1, Right: 2 },
    DebugConfigurationProviderTriggerKind: { Initial: 1, Dynamic: 2 },
    TaskScope: { Global: 1, Workspace: 2 },
    TaskGroup: { Build: {} },
    TaskRevealKind: { Always: 1, Silent: 2, Never: 3 },
    DebugAdapterInlineImplementation: class { constructor(public implementation: unknown) {} },
    Uri: { file: (p: string) => ({ fsPath: p, scheme: 'file' }), from: (c: unknown) => c, joinPath: (u: any, ...p: string[]) => ({ ...u, path: [u?.path ?? '', ...p].join('/') }) },
    ViewColumn: { Active: -1, Beside: -2, One: 1 },
    TabInputText,
    TabInputCustom,
    debug: {
      registerDebugAdapterDescriptorFactory: (t: string, o: unknown) => (rec.debugFactories.push(t), reg('descriptorFactory')(t, o)),
      registerDebugConfigurationProvider: (t: string, o: unknown) => (rec.configProviders.push(t), reg('configProvider')(t, o)),
      registerDebugAdapterTrackerFactory: (t: string, o: unknown) => (rec.trackers.push(t), reg('trackerFactory')(t, o)),
      onDidChangeActiveDebugSession: ev('activeSession'),
      onDidTerminateDebugSession: ev('terminate'),
      onDidChangeActiveStackItem: ev('activeStackItem'),
      onDidReceiveDebugSessionCustomEvent: ev('customEvent'),
      get activeDebugSession() { return rec.debug.activeDebugSession; },
      get activeStackItem() { return rec.debug.activeStackItem; },
      ...(debugExtras as object),
    },
    Task: class { group: unknown; presentationOptions: unknown; constructor(public definition: unknown, public scope: unknown, public name: string, public source: string, public execution: any, public problemMatchers: string[]) {} },
    ProcessExecution: class { constructor(public process: string, public args: string[]) {} },
    tasks: {
      registerTaskProvider: (t: string, o: unknown) => (rec.taskProviders.push(t), reg('taskProvider')(t, o)),
      onDidEndTaskProcess: ev('endTask'),
      /** Runs a ProcessExecution task for real, then fires onDidEndTaskProcess. */
      executeTask: async (task: any) => {
        const execution = { task };
        rec.tasks.push(task);
        setTimeout(() => {
          const r = spawnSync(task.execution.process, task.execution.args, { encoding: 'utf8', env: { ...process.env } });
          rec.taskOutput.push((r.stdout ?? '') + (r.stderr ?? ''));
          for (const l of rec.listeners.get('endTask') ?? []) l({ execution, exitCode: r.status ?? 127 });
        }, 0);
        return execution;
      },
    },
    commands: {
      registerCommand: (id: string, f: (...a: unknown[]) => unknown) => {
        if (rec.commands.has(id)) throw new Error(`command ${id} registered twice`);
        rec.commands.set(id, f);
        return disposable();
      },
      executeCommand: async (command: string, ...args: unknown[]) => {
        rec.executed.push({ command, args });
        const f = rec.commands.get(command);
        return f ? f(...args) : undefined;
      },
    },
    window: {
      showTextDocument: async (doc: { uri: { fsPath: string } }, o?: { selection?: { start: { line: number } } }) => {
        (rec.shownDocs ??= []).push({ path: doc.uri.fsPath, line: (o?.selection?.start.line ?? 0) + 1 });
        return {};
      },
      createTreeView: (id: string, o: { treeDataProvider: unknown }) => {
        rec.views.set(id, o);
        const v = { ...disposable(), revealed: [] as unknown[], selection: [] as unknown[], description: undefined as string | undefined, reveal: async (x: unknown) => { v.revealed.push(x); } };
        rec.treeViews.set(id, v);
        return v;
      },
      createStatusBarItem: () => {
        const item = { text: '', tooltip: '' as unknown, shown: false, show() { item.shown = true; }, hide() { item.shown = false; }, dispose() {} };
        rec.statusBar.push(item);
        return item;
      },
      showErrorMessage: async (text: string) => void rec.messages.push({ level: 'error', text }),
      showWarningMessage: async (text: string) => void rec.messages.push({ level: 'warning', text }),
      showInformationMessage: async (text: string) => void rec.messages.push({ level: 'info', text }),
      setStatusBarMessage: (text: string) => (rec.messages.push({ level: 'status', text }), disposable()),
      showQuickPick: async (items: any[]) => rec.quickPick?.(await items),
      createWebviewPanel: (viewType: string, _title: string, _col: unknown, options: any) => {
        const rec_ = { viewType, options, html: '', posted: [] as any[], receive: undefined as ((m: unknown) => void) | undefined };
        rec.panels.push(rec_);
        return {
          webview: {
            cspSource: 'vscode-webview://test',
            set html(h: string) { rec_.html = h; },
            get html() { return rec_.html; },
            postMessage: async (m: unknown) => (rec_.posted.push(m), true),
            onDidReceiveMessage: (l: (m: unknown) => void) => ((rec_.receive = l), disposable()),
          },
          onDidDispose: () => disposable(),
          reveal() {},
          iconPath: undefined,
        };
      },
      get activeTextEditor() { return rec.activeTextEditor; },
      tabGroups: { activeTabGroup: { activeTab: undefined } },
    },
    workspace: {
      getConfiguration: () => ({ get: (_k: string, d: unknown) => d }),
      getWorkspaceFolder: () => undefined,
      openTextDocument: async (u: { fsPath: string }) => ({ uri: u }),
      ...(workspaceExtras as object),
    },
    extensions: { getExtension: (id: string) => (rec.installed.includes(id) ? { id } : undefined) },
    env: { clipboard: { writeText: async (t: string) => { rec.clipboard = t; } } },
  };
}

/** `require(file)` afresh (out of the module cache) with `require('vscode')` answered by `vscode`. */
export function requireWithVscode<T>(file: string, vscode: unknown): T {
  const M = Module as unknown as { _load: (req: string, ...a: unknown[]) => unknown };
  const orig = M._load;
  M._load = function (req: string, ...a: unknown[]) {
    if (req === 'vscode') return vscode;
    return orig.call(this, req, ...a);
  };
  try {
    delete require.cache[require.resolve(file)];
    return require(file) as T;
  } finally {
    M._load = orig;
  }
}

/** Load a CommonJS bundle with `require('vscode')` answered by the mock. */
export function loadWithMock(file: string, rec: Recorded): { activate(ctx: unknown): void; deactivate(): void } {
  return requireWithVscode(file, makeVscode(rec));
}

export function newRecorded(): Recorded {
  return {
    commands: new Map(), views: new Map(), debugFactories: [], configProviders: [], trackers: [], taskProviders: [], statusBar: [],
    tasks: [], taskOutput: [], panels: [], installed: ['ms-vscode.hexeditor'], registered: [], listeners: new Map(), executed: [], messages: [], clipboard: '', treeViews: new Map(), debug: { activeDebugSession: undefined, activeStackItem: undefined },
  };
}
