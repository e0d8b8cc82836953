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

/**
 * The workspace of views.test.mjs: only the uipi sample's C source, no launch.json and no binary (F5 on the C file
 * builds it through the extension's uintr-gcc task, then debugs it).
 */
export function makeSourceWorkspace(dir) {
  fs.rmSync(dir, { recursive: true, force: true });
  fs.mkdirSync(dir, { recursive: true });
  fs.copyFileSync(path.join(root, 'test-fixtures/uintr/uipi_sample.c'), path.join(dir, 'uipi_sample.c'));
  return dir;
}

/**
 * Packages e2e/hexeditor-stub (a stand-in for ms-vscode.hexeditor, which is not on npm: the hexEditor.hexedit custom
 * editor reading debug memory as the Hex Editor does) into OUT/hexeditor-stub.vsix with the project's vsce.
 */
export function packHexEditorStub(outDir) {
  const vsix = path.join(outDir, 'hexeditor-stub.vsix');
  fs.rmSync(vsix, { force: true });
  execFileSync(process.execPath, [path.join(root, 'node_modules/@vscode/vsce/vsce'), 'package', '--no-dependencies', '--allow-missing-repository', '--skip-license', '-o', vsix],
    { cwd: path.join(root, 'e2e/hexeditor-stub'), stdio: ['ignore', 'ignore', 'inherit'], timeout: 60000 });
  return vsix;
}
