/**
 * F5 support: initial launch configurations, defaults from the settings, and F5 without a launch.json on a static
 * ELF (debug it), on a C file (build it first with gcc through the `uintr-gcc` task, diagnostics in Problems) or
 * on a .uasm file (debug it: the adapter assembles it).
 */
import * as vscode from 'vscode';
import * as fs from 'node:fs';
import { resolveConfig, gccArgs, findOnPath, extraFlagsFor, Settings, Config } from './model/config-model';

export const TASK_TYPE = 'uintr-gcc';

interface GccTaskDefinition extends vscode.TaskDefinition {
  type: typeof TASK_TYPE;
  source: string;
  output: string;
  args?: string[];
  compiler?: string;
}

export function settings(): Settings {
  const c = vscode.workspace.getConfiguration('uintr');
  const abi = c.get<string>('abi', 'v2');
  return { cores: c.get<number>('cores', 2), seed: c.get<number>('seed', 1), abi: abi === 'rfc-v1' ? 'rfc-v1' : 'v2' };
}

function readHead(p: string): Uint8Array | null {
  try {
    const fd = fs.openSync(p, 'r');
    try {
      const b = Buffer.alloc(4096);
      const n = fs.readSync(fd, b, 0, b.length, 0);
      return b.subarray(0, n);
    } finally {
      fs.closeSync(fd);
    }
  } catch {
    return null;
  }
}

/** The file of the active editor tab (text, or a binary shown by a custom editor). */
export function activeFile(): string | undefined {
  const ed = vscode.window.activeTextEditor;
  if (ed && ed.document.uri.scheme === 'file') return ed.document.uri.fsPath;
  const input = vscode.window.tabGroups.activeTabGroup.activeTab?.input;
  if (input instanceof vscode.TabInputText || input instanceof vscode.TabInputCustom) return input.uri.scheme === 'file' ? input.uri.fsPath : undefined;
  return undefined;
}

export function gccTask(def: GccTaskDefinition, scope: vscode.WorkspaceFolder | vscode.TaskScope = vscode.TaskScope.Workspace): vscode.Task {
  const compiler = def.compiler ?? 'gcc';
  const task = new vscode.Task(def, scope, `build ${def.source}`, TASK_TYPE, new vscode.ProcessExecution(compiler, gccArgs(def.source, def.output, def.args ?? [])), ['$uintr-gcc']);
  task.group = vscode.TaskGroup.Build;
  task.presentationOptions = { reveal: vscode.TaskRevealKind.Silent, clear: true };
  return task;
}

export class GccTaskProvider implements vscode.TaskProvider {
  provideTasks(): vscode.Task[] {
    return [];
  }
  resolveTask(task: vscode.Task): vscode.Task | undefined {
    const d = task.definition as GccTaskDefinition;
    if (!d.source) return undefined;
    return gccTask({ ...d, output: d.output ?? d.source.replace(/\.c$/i, '') }, task.scope as vscode.WorkspaceFolder | vscode.TaskScope);
  }
}

/** Run the gcc task; resolves with gcc's exit code. */
async function runBuild(source: string, output: string, folder: vscode.WorkspaceFolder | undefined): Promise<number> {
  let text = '';
  try {
    text = fs.readFileSync(source, 'utf8');
  } catch {
    // unreadable: gcc reports it in the task's terminal
  }
  const task = gccTask({ type: TASK_TYPE, source, output, args: extraFlagsFor(text) }, folder ?? vscode.TaskScope.Workspace);
  const exec = await vscode.tasks.executeTask(task);
  return new Promise((resolve) => {
    const d = vscode.tasks.onDidEndTaskProcess((e) => {
      if (e.execution === exec) {
        d.dispose();
        resolve(e.exitCode ?? 1);
      }
    });
  });
}

/** Dynamic configurations (the Run and Debug view's "uintr…" list): the active file, if it is debuggable. */
export class UintrDynamicProvider implements vscode.DebugConfigurationProvider {
  provideDebugConfigurations(): vscode.DebugConfiguration[] {
    const f = activeFile();
    if (!f) return [];
    const name = f.split(/[\\/]/).pop()!;
    if (/\.c$/i.test(f)) return [{ type: 'uintr', request: 'launch', name: `UINTR: build and debug ${name}`, program: f }];
    if (/\.uasm$/i.test(f)) return [{ type: 'uintr', request: 'launch', name: `UINTR: debug ${name}`, program: f }];
    const head = readHead(f);
    return head && head[0] === 0x7f && head[1] === 0x45 ? [{ type: 'uintr', request: 'launch', name: `UINTR: debug ${name}`, program: f }] : [];
  }
}

export class UintrConfigurationProvider implements vscode.DebugConfigurationProvider {
  provideDebugConfigurations(): vscode.DebugConfiguration[] {
    return [
      { type: 'uintr', request: 'launch', name: 'UINTR: debug program', program: '${workspaceFolder}/a.out', stopOnEntry: false },
    ];
  }

  async resolveDebugConfiguration(folder: vscode.WorkspaceFolder | undefined, config: vscode.DebugConfiguration): Promise<vscode.DebugConfiguration | undefined | null> {
    const r = resolveConfig(config as Config, activeFile(), settings(), readHead);
    switch (r.action) {
      case 'error':
        void vscode.window.showErrorMessage(r.message);
        return undefined;
      case 'cancel':
        return undefined;
      case 'launch':
        return r.config as vscode.DebugConfiguration;
      case 'build': {
        const gcc = findOnPath('gcc', process.env.PATH, (p) => fs.existsSync(p));
        if (!gcc) {
          void vscode.window.showErrorMessage(`UINTR Debug: gcc was not found on PATH, so ${r.source} cannot be built (install gcc 11 or newer for -muintr, e.g. \`apt-get install gcc\`), or debug an already built static ELF.`);
          return undefined;
        }
        const code = await runBuild(r.source, r.output, folder);
        if (code !== 0) {
          void vscode.window.showErrorMessage(`UINTR Debug: building ${r.source} failed (gcc exit code ${code}); see the Problems view and the task's terminal.`);
          return undefined;
        }
        return r.config as vscode.DebugConfiguration;
      }
    }
  }
}
