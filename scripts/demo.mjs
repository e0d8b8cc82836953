// `npm start`: compile the classic uipi sample (a receiver thread, a sender thread, one user interrupt)
// with gcc -muintr and run it in the embedded emulator, showing the UINTR event trace on stderr.
import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const src = path.join(root, 'test-fixtures/uintr/uipi_sample.c');
const out = path.join(root, 'test-fixtures/build/uipi_sample');
fs.mkdirSync(path.dirname(out), { recursive: true });
try {
  execFileSync('gcc', ['-O2', '-g', '-static', '-pthread', '-muintr', '-mgeneral-regs-only', '-o', out, src], { stdio: 'inherit' });
} catch {
  console.error('demo: could not compile the sample with gcc (needs gcc >= 11 for -muintr: apt-get install gcc)');
  process.exit(1);
}
console.log(`$ uintr-run --cores 2 --trace uintr ${path.relative(process.cwd(), out)}`);
console.log('(this machine has no UINTR hardware: the program runs in the emulator; the trace is on stderr)\n');
const r = spawnSync(process.execPath, [path.join(root, 'dist/uintr-run.js'), '--cores', '2', '--trace', 'uintr', out], { stdio: 'inherit' });
process.exit(r.status ?? 1);
