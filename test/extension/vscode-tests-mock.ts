/**
 * The Testing API part of the `vscode` stand-in (vscode-mock.ts): test controllers with item collections, run
 * profiles and runs that record what the extension reports, TestMessage (with diff), Location/Position/Range,
 * file system watchers and findFiles over a directory (`TestsMock.files`).
 */

const disposable = () => ({ dispose() {} });

export class MockCollection {
  private m = new Map<string, MockItem>();
  constructor(private parent: MockItem | undefined) {}
  get size(): number {
    return this.m.size;
  }
  add(i: MockItem): void {
    i.parent = this.parent;
    this.m.set(i.id, i);
  }
  delete(id: string): void {
    this.m.delete(id);
  }
  get(id: string): MockItem | undefined {
    return this.m.get(id);
  }
  replace(items: MockItem[]): void {
    this.m.clear();
    for (const i of items) this.add(i);
  }
  forEach(f: (i: MockItem, c: MockCollection) => void): void {
    for (const i of [...this.m.values()]) f(i, this);
  }
  [Symbol.iterator](): IterableIterator<[string, MockItem]> {
    return this.m.entries();
  }
}

export class MockItem {
  children: MockCollection;
  parent: MockItem | undefined;
  range: unknown;
  description: string | undefined;
  constructor(readonly id: string, public label: string, readonly uri: { fsPath: string } | undefined) {
    this.children = new MockCollection(this);
  }
}

export interface RunRecord {
  request: any;
  events: { kind: string; id: string; messages?: any[]; duration?: number; output?: string }[];
  ended: boolean;
}

export interface MockController {
  id: string;
  label: string;
  items: MockCollection;
  profiles: { label: string; kind: number; run: (req: any, token: any) => Promise<void> | void; isDefault: boolean }[];
  runs: RunRecord[];
  resolveHandler?: (item?: MockItem) => Promise<void> | void;
  refreshHandler?: () => Promise<void> | void;
}

export interface TestsMock {
  controllers: MockController[];
  /** What findFiles returns (absolute paths of .uasm files). */
  files: string[];
  /** Fire a file watcher event ('create' | 'change' | 'delete'). */
  watchers: { kind: string; listeners: Map<string, ((u: unknown) => void)[]> }[];
  debugStarts: any[];
}

export function newTestsMock(): TestsMock {
  return { controllers: [], files: [], watchers: [], debugStarts: [] };
}

export function makeTestsApi(t: TestsMock): Record<string, unknown> {
  class TestMessage {
    location: unknown;
    expectedOutput?: string;
    actualOutput?: string;
    constructor(public message: string) {}
    static diff(message: string, expected: string, actual: string) {
      const m = new TestMessage(message);
      m.expectedOutput = expected;
      m.actualOutput = actual;
      return m;
    }
  }
  return {
    TestRunProfileKind: { Run: 1, Debug: 2, Coverage: 3 },
    TestMessage,
    TestRunRequest: class { constructor(public include?: unknown[], public exclude?: unknown[], public profile?: unknown) {} },
    Position: class { constructor(public line: number, public character: number) {} },
    // like vscode.Range: (startLine, startCharacter, endLine, endCharacter) or (start: Position, end: Position)
    Range: class {
      startLine: number; startCharacter: number; endLine: number; endCharacter: number;
      constructor(a: number | { line: number; character: number }, b: number | { line: number; character: number }, c?: number, d?: number) {
        if (typeof a === 'object' && typeof b === 'object') {
          this.startLine = a.line; this.startCharacter = a.character; this.endLine = b.line; this.endCharacter = b.character;
        } else {
          this.startLine = a as number; this.startCharacter = b as number; this.endLine = c ?? 0; this.endCharacter = d ?? 0;
        }
      }
      get start() { return { line: this.startLine, character: this.startCharacter }; }
      get end() { return { line: this.endLine, character: this.endCharacter }; }
    },
    Location: class { constructor(public uri: unknown, public range: unknown) {} },
    tests: {
      createTestController(id: string, label: string) {
        const c: MockController & Record<string, unknown> = {
          id,
          label,
          items: new MockCollection(undefined),
          profiles: [],
          runs: [],
          createTestItem: (iid: string, l: string, uri?: { fsPath: string }) => new MockItem(iid, l, uri),
          createRunProfile(l: string, kind: number, run: MockController['profiles'][0]['run'], isDefault = false) {
            const p = { label: l, kind, run, isDefault, dispose() {} };
            c.profiles.push(p);
            return p;
          },
          createTestRun(request: unknown) {
            const r: RunRecord = { request, events: [], ended: false };
            c.runs.push(r);
            const ev = (kind: string) => (item: MockItem, a?: unknown, b?: unknown) => {
              const e: RunRecord['events'][0] = { kind, id: item.id };
              if (kind === 'failed' || kind === 'errored') {
                e.messages = Array.isArray(a) ? a : [a];
                e.duration = b as number | undefined;
              } else if (kind === 'passed') e.duration = a as number | undefined;
              r.events.push(e);
            };
            return {
              enqueued: ev('enqueued'),
              started: ev('started'),
              passed: ev('passed'),
              failed: ev('failed'),
              errored: ev('errored'),
              skipped: ev('skipped'),
              appendOutput: (output: string, _loc?: unknown, item?: MockItem) => r.events.push({ kind: 'output', id: item?.id ?? '', output }),
              end: () => {
                r.ended = true;
              },
            };
          },
          dispose() {},
        };
        t.controllers.push(c);
        return c;
      },
    },
    workspaceExtras: {
      createFileSystemWatcher: () => {
        const w = { kind: 'watcher', listeners: new Map<string, ((u: unknown) => void)[]>() };
        t.watchers.push(w);
        const on = (k: string) => (l: (u: unknown) => void) => (w.listeners.set(k, [...(w.listeners.get(k) ?? []), l]), disposable());
        return { onDidCreate: on('create'), onDidChange: on('change'), onDidDelete: on('delete'), dispose() {} };
      },
      findFiles: async () => t.files.map((f) => ({ fsPath: f, scheme: 'file' })),
      onDidChangeTextDocument: () => disposable(),
    },
    debugExtras: {
      startDebugging: async (_folder: unknown, config: unknown) => (t.debugStarts.push(config), true),
    },
  };
}
