// `npm test`: build the bundles, build the C fixtures, then run every test file with node:test + tsx.
// Test files are listed explicitly (node --test does not expand quoted globs on Node 20).
import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
process.chdir(root);
execFileSync(process.execPath, ['scripts/build.mjs'], { stdio: 'inherit' });
// strict type check of the whole project (tests included)
execFileSync(process.execPath, ['node_modules/typescript/bin/tsc', '--noEmit', '-p', '.'], { stdio: 'inherit' });
if (fs.existsSync('scripts/build-fixtures.mjs')) execFileSync(process.execPath, ['scripts/build-fixtures.mjs'], { stdio: 'inherit' });

function walk(dir) {
  if (!fs.existsSync(dir)) return [];
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) return walk(p);
    return e.name.endsWith('.test.ts') ? [p] : [];
  });
}
const only = process.argv.slice(2);
const files = only.length ? only : walk('test').sort();
const r = spawnSync(process.execPath, ['--import', 'tsx', '--test', '--test-reporter=spec', ...files], { stdio: 'inherit' });
// then the real-UI end-to-end tests (the packaged .vsix in code-server + Chromium; e2e/run.mjs skips them with a
// message when e2e/ is not installed and CI is not set); not when only some test files were asked for
let e2e = 0;
if (!only.length) e2e = spawnSync(process.execPath, ['e2e/run.mjs'], { stdio: 'inherit' }).status ?? 1;
process.exit(r.status !== 0 ? r.status ?? 1 : e2e);
