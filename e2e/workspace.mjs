// The workspace the e2e tests open: the uipi sample (test-fixtures/uintr/uipi_sample.c) compiled with
// gcc -O0 -g -static -pthread -muintr -mgeneral-regs-only (the handler must not use SSE), and a launch.json of type uintr that stops on entry (so that the test
// can enable the delivery exception breakpoint before the program runs).
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

export function makeWorkspace(dir) {
  fs.rmSync(dir, { recursive: true, force: true });
  fs.mkdirSync(path.join(dir, '.vscode'), { recursive: true });
  fs.copyFileSync(path.join(root, 'test-fixtures/uintr/uipi_sample.c'), path.join(dir, 'uipi_sample.c'));
  execFileSync('gcc', ['-O0', '-g', '-static', '-pthread', '-muintr', '-mgeneral-regs-only', '-o', 'uipi_sample', 'uipi_sample.c'], { cwd: dir, stdio: 'inherit' });
  fs.writeFileSync(path.join(dir, '.vscode/launch.json'), JSON.stringify({
    version: '0.2.0',
    configurations: [{ type: 'uintr', request: 'launch', name: 'UINTR: uipi_sample', program: '${workspaceFolder}/uipi_sample', cwd: '${workspaceFolder}', stopOnEntry: true, cores: 2, seed: 1 }],
  }, null, 2) + '\n');
  return dir;
}
