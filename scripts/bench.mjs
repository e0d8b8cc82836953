// `npm run bench`: the emulator speed benchmark (not a test). Runs bench/run.sh (a copy of the project's
// shared benchmark) with native, qemu-x86_64 and valgrind when installed, plus this emulator, and prints
// the Markdown table (median wall time, guest MIPS, slowdown vs native). Extra args go to run.sh.
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const cli = path.join(root, 'dist/uintr-run.js');
const r = spawnSync('bash', [path.join(root, 'bench/run.sh'), '--emu', `uintr-run=node ${cli}`, ...process.argv.slice(2)], { stdio: 'inherit' });
process.exit(r.status ?? 1);
