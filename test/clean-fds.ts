/**
 * Native runs are the oracle, so they must start as the emulated process does: with descriptors 0–2 only.
 * Node hands a child every descriptor its own parent leaked without FD_CLOEXEC (CI's harness leaks fd 77,
 * for instance), and such a descriptor changes what open(), dup2() and select() return natively. These
 * wrappers run a binary through clean-fds.c (built here once with gcc), which closes descriptors >= 3 and
 * execs it with the environment unchanged.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

let launcher = '';

function cleanFdsBinary(): string {
  if (launcher) return launcher;
  const out = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'uintr-clean-fds-')), 'clean-fds');
  const r = spawnSync('gcc', ['-O2', '-Wall', '-o', out, path.join(__dirname, 'clean-fds.c')], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`building test/clean-fds.c failed:\n${r.stderr ?? r.error}`);
  process.on('exit', () => fs.rmSync(path.dirname(out), { recursive: true, force: true }));
  return (launcher = out);
}

/** [command, args] that exec `file args...` with every descriptor above 2 closed. */
export function withCleanFds(file: string, args: string[]): [string, string[]] {
  return [cleanFdsBinary(), [file, ...args]];
}

/**
 * As withCleanFds, and the program also gets a new descriptor table of the default size (64): select()
 * ignores descriptors beyond the table, so only such a run shows what a freshly started program sees.
 */
export function withFreshFdTable(file: string, args: string[]): [string, string[]] {
  return [cleanFdsBinary(), ['--fresh-table', file, ...args]];
}
