// Bundles the CLI(s) (and later the extension and debug adapter) with esbuild into dist/.
// iced-x86 loads its wasm with readFileSync(__dirname/...): we inline the wasm bytes instead, so every
// bundle is one self-contained file (see ../shared/reference/feasibility.md §1.5).
import * as esbuild from 'esbuild';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const inlineIcedWasm = {
  name: 'inline-iced-wasm',
  setup(b) {
    b.onLoad({ filter: /iced-x86[\\/]iced_x86\.js$/ }, async (a) => {
      let s = await fs.promises.readFile(a.path, 'utf8');
      const n = s.length;
      s = s.replace(/const path = require\('path'\)\.join\(__dirname, 'iced_x86_bg\.wasm'\);\s*const bytes = require\('fs'\)\.readFileSync\(path\);/,
        "const bytes = require('./iced_x86_bg.wasm');");
      if (s.length === n) throw new Error('iced-x86 loader pattern not found (iced-x86 version changed?)');
      return { contents: s, loader: 'js', resolveDir: path.dirname(a.path) };
    });
  },
};

const entries = [
  { in: 'emulator/cli/uintr-run.ts', out: 'dist/uintr-run.js' },
  { in: 'emulator/cli/uintr-test.ts', out: 'dist/uintr-test.js' },
  { in: 'debug-adapter/main.ts', out: 'dist/uintr-debug-adapter.js' },
  { in: 'extension/extension.ts', out: 'dist/extension.js' },
  { in: 'language-server/server.ts', out: 'dist/uintr-asm-server.js' },
];
for (const e of entries) {
  if (!fs.existsSync(path.join(root, e.in))) continue;
  const r = await esbuild.build({
    write: false, // written below with a rename, so a test running a bundle never sees a half-written file
    entryPoints: [path.join(root, e.in)],
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'cjs',
    outfile: path.join(root, e.out),
    external: ['vscode'],
    loader: { '.wasm': 'binary' },
    plugins: [inlineIcedWasm],
    sourcemap: 'linked',
    banner: e.banner ? { js: e.banner } : undefined,
    logLevel: 'warning',
  });
  for (const f of r.outputFiles) {
    const tmp = `${f.path}.${process.pid}.tmp`;
    fs.mkdirSync(path.dirname(f.path), { recursive: true });
    fs.writeFileSync(tmp, f.contents, { mode: f.path.endsWith('.js') ? 0o755 : 0o644 });
    fs.renameSync(tmp, f.path);
  }
}
