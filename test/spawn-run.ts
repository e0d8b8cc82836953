/** Run a command to completion and collect its output (shared by the program test suites). */
import { spawn } from 'node:child_process';
import * as os from 'node:os';

export interface RunResult {
  stdout: string;
  stderr: string;
  /** The exit code, or 128 + the signal number. */
  status: number;
}

/** stdin closed; killed with SIGKILL after `timeoutMs`. */
export function runCommand(cmd: string, args: string[], cwd: string, env: NodeJS.ProcessEnv, timeoutMs: number, encoding: BufferEncoding): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const p = spawn(cmd, args, { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '', stderr = '';
    p.stdout.setEncoding(encoding).on('data', (d: string) => (stdout += d));
    p.stderr.setEncoding(encoding).on('data', (d: string) => (stderr += d));
    const timer = setTimeout(() => p.kill('SIGKILL'), timeoutMs);
    p.on('error', reject);
    p.on('close', (code, sig) => {
      clearTimeout(timer);
      resolve({ stdout, stderr, status: code ?? 128 + (sig ? os.constants.signals[sig] : 0) });
    });
  });
}
