// `npm run bench`: the emulator speed benchmark (not a test). Runs bench/run.sh (a copy of the project's
// shared benchmark) with native, qemu-x86_64 and valgrind when installed, plus this emulator, and prints
// the Markdown table (median wall time, guest MIPS, slowdown vs native). Extra args go to run.sh.
// Then the debug adapter benchmark (scripts/bench-dap.mjs: step round trip, continue with 1,000
// breakpoints, launch to entry); `--no-dap` skips it, `--dap-only` runs only it.
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const cli = path.join(root, 'dist/uintr-run.js');
const args = process.argv.slice(2).filter((a) => a !== '--no-dap' && a !== '--dap-only');
let status = 0;
if (!process.argv.includes('--dap-only')) {
  const r = spawnSync('bash', [path.join(root, 'bench/run.sh'), '--emu', `uintr-run=node ${cli}`, ...args], { stdio: 'inherit' });
  status = r.status ?? 1;
}
if (!process.argv.includes('--no-dap')) {
  const d = spawnSync(process.execPath, [path.join(root, 'scripts/bench-dap.mjs')], { stdio: 'inherit' });
  status ||= d.status ?? 1;
}
process.exit(status);
