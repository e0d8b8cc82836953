/**
 * Test Explorer for annotated-assembly cases (.uasm, docs/uasm.md): discovers the workspace's .uasm files
 * (one test item per file, labelled with its `@test` name, grouped by directory; kept up to date by a file
 * watcher and by edits of open documents), runs them with the bundled CLI (`dist/uintr-test.js --json` in a
 * child process: the extension never runs the emulator itself) and reports pass/fail, durations and every
 * failed expectation at its annotation's line (expected vs actual as a diff); the Debug profile starts a
 * `uintr` debug session on the case. Pure logic: model/uasm-tests.ts.
 */
import * as vscode from 'vscode';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { spawn } from 'node:child_process';
import { parseCaseHeader, caseLabel, caseGroup, isCaseFile, testCommand, JsonLineReader, failureLocation, failureText, CaseHeader, CaseReport } from './model/uasm-tests';

export const CONTROLLER_ID = 'uintrUasm';

export class UasmTestController implements vscode.Disposable {
  readonly ctrl: vscode.TestController;
  private headers = new Map<string, CaseHeader>();
  private subs: vscode.Disposable[] = [];

  constructor(private cli: string) {
    this.ctrl = vscode.tests.createTestController(CONTROLLER_ID, 'UINTR assembly (.uasm)');
    this.ctrl.resolveHandler = async (item) => {
      if (!item) await this.discoverAll();
    };
    this.ctrl.refreshHandler = async () => this.discoverAll();
    this.ctrl.createRunProfile('Run', vscode.TestRunProfileKind.Run, (req, token) => this.run(req, token), true);
    this.ctrl.createRunProfile('Debug', vscode.TestRunProfileKind.Debug, (req, token) => this.debug(req, token), true);
    const w = vscode.workspace.createFileSystemWatcher('**/*.uasm');
    this.subs.push(
      this.ctrl,
      w,
      w.onDidCreate((u) => this.update(u.fsPath)),
      w.onDidChange((u) => this.update(u.fsPath)),
      w.onDidDelete((u) => this.remove(u.fsPath)),
      vscode.workspace.onDidChangeTextDocument((e) => {
        if (e.document.uri.scheme === 'file' && /\.uasm$/i.test(e.document.uri.fsPath)) this.update(e.document.uri.fsPath, e.document.getText());
      }),
    );
  }

  dispose(): void {
    for (const s of this.subs) s.dispose();
  }

  // ------------------------------------------------------------------ discovery

  async discoverAll(): Promise<void> {
    const uris = await vscode.workspace.findFiles('**/*.uasm', '**/node_modules/**');
    for (const u of uris) this.update(u.fsPath);
  }

  private rootOf(file: string): string {
    return vscode.workspace.getWorkspaceFolder(vscode.Uri.file(file))?.uri.fsPath ?? path.dirname(file);
  }

  /** Add or refresh a case (text: the editor's unsaved content). */
  update(file: string, text?: string): void {
    const root = this.rootOf(file);
    if (!isCaseFile(root, file)) return;
    let src = text;
    if (src === undefined) {
      try {
        src = fs.readFileSync(file, 'utf8');
      } catch {
        return this.remove(file);
      }
    }
    const h = parseCaseHeader(src);
    this.headers.set(file, h);
    const group = caseGroup(root, file);
    const parent = group ? this.groupItem(root, group) : null;
    const coll = parent ? parent.children : this.ctrl.items;
    let item = coll.get(file);
    if (!item) {
      item = this.ctrl.createTestItem(file, caseLabel(file, h), vscode.Uri.file(file));
      coll.add(item);
    }
    item.label = caseLabel(file, h);
    item.description = h.name ? path.basename(file) : undefined;
    item.range = h.line ? new vscode.Range(h.line - 1, 0, h.line - 1, 0) : undefined;
  }

  private groupItem(root: string, group: string): vscode.TestItem {
    const id = `dir:${path.join(root, group)}`;
    let g = this.ctrl.items.get(id);
    if (!g) {
      g = this.ctrl.createTestItem(id, group, vscode.Uri.file(path.join(root, group)));
      this.ctrl.items.add(g);
    }
    return g;
  }

  remove(file: string): void {
    this.headers.delete(file);
    this.ctrl.items.delete(file);
    const empty: string[] = [];
    this.ctrl.items.forEach((g) => {
      if (!g.id.startsWith('dir:')) return;
      g.children.delete(file);
      if (g.children.size === 0) empty.push(g.id);
    });
    for (const id of empty) this.ctrl.items.delete(id);
  }

  /** The case items (files) a request covers. */
  private casesOf(req: vscode.TestRunRequest): vscode.TestItem[] {
    const out: vscode.TestItem[] = [];
    const excluded = new Set((req.exclude ?? []).map((i) => i.id));
    const visit = (i: vscode.TestItem) => {
      if (excluded.has(i.id)) return;
      if (i.id.startsWith('dir:')) i.children.forEach(visit);
      else out.push(i);
    };
    if (req.include) req.include.forEach(visit);
    else this.ctrl.items.forEach(visit);
    return out;
  }

  // ------------------------------------------------------------------ run

  async run(req: vscode.TestRunRequest, token: vscode.CancellationToken): Promise<void> {
    const run = this.ctrl.createTestRun(req);
    const items = this.casesOf(req);
    const byFile = new Map(items.map((i) => [path.resolve(i.uri!.fsPath), i]));
    for (const i of items) run.enqueued(i);
    if (!items.length) return run.end();
    const order = [...byFile.values()];
    let next = 0;
    const startNext = () => {
      while (next < order.length && !byFile.has(path.resolve(order[next].uri!.fsPath))) next++;
      if (next < order.length) run.started(order[next]);
    };
    startNext();
    const reader = new JsonLineReader();
    let stderr = '';
    const report = (r: CaseReport) => {
      const item = byFile.get(path.resolve(r.file));
      if (!item) return;
      byFile.delete(path.resolve(r.file));
      if (r.stdout) run.appendOutput(r.stdout.replace(/\r?\n/g, '\r\n'), undefined, item);
      if (r.passed) run.passed(item, r.durationMs);
      else run.failed(item, this.messages(r, item), r.durationMs);
      next++;
      startNext();
    };
    const handle = (recs: ReturnType<JsonLineReader['push']>) => {
      for (const x of recs) {
        if (x.type === 'case') report(x.report);
        else if (x.type === 'error') stderr += x.message + '\n';
      }
    };
    await new Promise<void>((resolve) => {
      const child = spawn(process.execPath, testCommand(this.cli, order.map((i) => i.uri!.fsPath)), {
        env: { ...process.env, ELECTRON_RUN_AS_NODE: '1' },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      const cancel = token.onCancellationRequested(() => child.kill());
      child.stdout.setEncoding('utf8');
      child.stderr.setEncoding('utf8');
      child.stdout.on('data', (d: string) => handle(reader.push(d)));
      child.stderr.on('data', (d: string) => (stderr += d));
      child.on('error', (e) => {
        stderr += `cannot run ${this.cli}: ${e.message}\n`;
      });
      child.on('close', (code, signal) => {
        cancel.dispose();
        handle(reader.end());
        for (const item of byFile.values()) {
          if (token.isCancellationRequested) run.skipped(item);
          else run.errored(item, new vscode.TestMessage(stderr.trim() || `uintr-test ended (${signal ?? `exit status ${code}`}) without a result for this case`));
        }
        resolve();
      });
    });
    run.end();
  }

  private messages(r: CaseReport, item: vscode.TestItem): vscode.TestMessage[] {
    const h = this.headers.get(item.uri!.fsPath) ?? { name: null, line: 0, column: 0 };
    return (r.failures.length ? r.failures : [{ message: 'failed' }]).map((f) => {
      const text = failureText(f);
      const m = f.expected !== undefined && f.actual !== undefined ? vscode.TestMessage.diff(text, f.expected, f.actual) : new vscode.TestMessage(text);
      const loc = failureLocation(f, item.uri!.fsPath, h);
      m.location = new vscode.Location(vscode.Uri.file(loc.file), new vscode.Position(loc.line, loc.column));
      return m;
    });
  }

  // ------------------------------------------------------------------ debug

  /** Debug profile: a `uintr` debug session per case, one after the other (F5 on the .uasm file). */
  async debug(req: vscode.TestRunRequest, token: vscode.CancellationToken): Promise<void> {
    const run = this.ctrl.createTestRun(req);
    for (const item of this.casesOf(req)) {
      if (token.isCancellationRequested) break;
      const file = item.uri!.fsPath;
      run.started(item);
      const ended = new Promise<void>((resolve) => {
        const d = vscode.debug.onDidTerminateDebugSession((s) => {
          if (s.configuration.program === file) {
            d.dispose();
            resolve();
          }
        });
        token.onCancellationRequested(() => {
          d.dispose();
          resolve();
        });
      });
      const ok = await vscode.debug.startDebugging(vscode.workspace.getWorkspaceFolder(item.uri!), { type: 'uintr', request: 'launch', name: `Debug ${item.label}`, program: file });
      if (!ok) {
        run.errored(item, new vscode.TestMessage(`could not start debugging ${file}`));
        continue;
      }
      await ended; // a debug session checks no expectations (no result is reported): Run gives the result
    }
    run.end();
  }
}

/** Register the controller (called from activate). */
export function registerTestController(ctx: vscode.ExtensionContext): UasmTestController {
  // the bundled CLI next to dist/extension.js
  const c = new UasmTestController(ctx.extensionPath ? path.join(ctx.extensionPath, 'dist', 'uintr-test.js') : path.join(__dirname, 'uintr-test.js'));
  ctx.subscriptions.push(c);
  return c;
}
