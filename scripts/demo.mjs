// `npm start`: compile the demo program with gcc (static) and run it in the embedded emulator.
import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const src = path.join(root, 'test-fixtures/demo/demo.c');
const out = path.join(root, 'test-fixtures/build/demo');
fs.mkdirSync(path.dirname(out), { recursive: true });
try {
  execFileSync('gcc', ['-O2', '-g', '-static', '-pthread', '-o', out, src], { stdio: 'inherit' });
} catch {
  console.error('demo: could not compile the demo with gcc (is gcc installed? apt-get install gcc)');
  process.exit(1);
}
console.log(`$ uintr-run --cores 2 ${path.relative(process.cwd(), out)}`);
const r = spawnSync(process.execPath, [path.join(root, 'dist/uintr-run.js'), '--cores', '2', out], { stdio: 'inherit' });
process.exit(r.status ?? 1);
