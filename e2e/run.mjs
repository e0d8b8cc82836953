#!/usr/bin/env node
// The real-UI end-to-end suite: packages the extension (`npm run package`), then runs e2e/*.test.mjs with
// node:test against code-server + Chromium (see harness.mjs). Everything it writes goes to e2e/.out/ (the .vsix,
// the workspace, code-server's user-data/extensions dirs, the Chromium profile, logs, screenshots, and on a
// failure a screenshot and the DOM of the failing step in e2e/.out/failures/).
//
//   node e2e/run.mjs [--update-screenshots]
//
// --update-screenshots (or E2E_UPDATE_SCREENSHOTS=1) copies the screenshots to docs/images/ for the README.
// When the e2e dependencies (e2e/node_modules: code-server, playwright-core; /usr/bin/chromium) are missing the
// suite is skipped with a message, unless CI is set: then that is a failure. The whole run is bounded
// (E2E_TIMEOUT_MS, default 300000): on timeout the test process group is killed, and any process still using
// e2e/.out (code-server, Chromium) is killed too.
import { execFileSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, '..');
const OUT = path.join(here, '.out');
const TIMEOUT = Number(process.env.E2E_TIMEOUT_MS || 300000);
const CI = !!process.env.CI && process.env.CI !== 'false' && process.env.CI !== '0';
const update = process.argv.includes('--update-screenshots') || process.env.E2E_UPDATE_SCREENSHOTS === '1';
const t0 = Date.now();

const missing = [];
if (!fs.existsSync(path.join(here, 'node_modules/code-server/out/node/entry.js'))) missing.push('code-server (npm ci --prefix e2e)');
if (!fs.existsSync(path.join(here, 'node_modules/playwright-core/package.json'))) missing.push('playwright-core (npm ci --prefix e2e)');
const chromium = process.env.E2E_CHROMIUM || '/usr/bin/chromium';
if (!fs.existsSync(chromium)) missing.push(`${chromium} (apt-get install chromium)`);
if (missing.length) {
  const msg = `e2e: missing ${missing.join(', ')}; install them as .ci/run does (apt-get install chromium libkrb5-dev pkg-config ripgrep; bash e2e/setup.sh)`;
  if (CI) {
    console.error(`${msg}. CI is set, so the real-UI end-to-end tests must run: failing.`);
    process.exit(1);
  }
  console.log(`# SKIPPED the real-UI end-to-end tests: ${msg}. (With CI=true this is a failure.)`);
  process.exit(0);
}

/** Kills every process whose command line or working directory lies under e2e/.out (left over by a killed run). */
function killLeftovers() {
  const ancestors = new Set();
  for (let p = process.pid; p > 1 && !ancestors.has(p);) {
    ancestors.add(p);
    try {
      p = Number(/^\d+ \(.*\) \S (\d+)/.exec(fs.readFileSync(`/proc/${p}/stat`, 'utf8'))?.[1] ?? 0);
    } catch {
      break;
    }
  }
  let n = 0;
  for (const pid of fs.readdirSync('/proc').filter((p) => /^\d+$/.test(p))) {
    if (ancestors.has(Number(pid))) continue;
    try {
      const cmd = fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8');
      if (cmd.includes(OUT + path.sep) || cmd.includes(OUT + '\0')) {
        // a group leader (Chromium and code-server run detached): its whole group
        const pgid = Number(/^\d+ \(.*\) \S \d+ (\d+)/.exec(fs.readFileSync(`/proc/${pid}/stat`, 'utf8'))?.[1]);
        process.kill(pgid === Number(pid) ? -pgid : Number(pid), 'SIGKILL');
        n++;
      }
    } catch {
      // gone, or not ours to read
    }
  }
  return n;
}

fs.mkdirSync(OUT, { recursive: true });
for (const d of ['screenshots', 'failures']) fs.rmSync(path.join(OUT, d), { recursive: true, force: true });
const vsix = path.join(OUT, 'uintr-debug.vsix');
fs.rmSync(vsix, { force: true });
console.log('# e2e: npm run package');
execFileSync('npm', ['run', 'package', '--', '-o', vsix], { cwd: root, stdio: 'inherit', timeout: 180000 });
const tPackaged = Date.now();

const files = fs.readdirSync(here).filter((f) => f.endsWith('.test.mjs')).sort().map((f) => path.join(here, f));
const left = Math.max(TIMEOUT - (Date.now() - t0), 10000);
const child = spawn(process.execPath, ['--test', '--test-reporter=spec', '--test-concurrency=1', `--test-timeout=${left}`, ...files], {
  cwd: root, stdio: 'inherit', detached: true, env: { ...process.env, E2E_VSIX: vsix, E2E_OUT: OUT },
});
let timedOut = false;
const killChild = (sig) => {
  try {
    process.kill(-child.pid, sig);
  } catch {
    // already gone
  }
};
const timer = setTimeout(() => {
  timedOut = true;
  console.error(`# e2e: timed out after ${TIMEOUT} ms, killing the tests`);
  killChild('SIGTERM');
  setTimeout(() => killChild('SIGKILL'), 10000).unref();
}, left);
for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
  process.on(sig, () => {
    killChild('SIGTERM');
    setTimeout(() => {
      killChild('SIGKILL');
      killLeftovers();
      process.exit(130);
    }, 3000);
  });
}
const code = await new Promise((resolve) => child.on('exit', (c, s) => resolve(c ?? (s ? 1 : 0))));
clearTimeout(timer);
killChild('SIGKILL');
const stray = killLeftovers();
if (stray) console.error(`# e2e: killed ${stray} leftover process(es)`);
if (code === 0 && update) {
  const dst = path.join(root, 'docs/images');
  fs.mkdirSync(dst, { recursive: true });
  for (const f of fs.readdirSync(path.join(OUT, 'screenshots'))) fs.copyFileSync(path.join(OUT, 'screenshots', f), path.join(dst, f));
  console.log(`# e2e: screenshots copied to ${path.relative(root, dst)}/`);
}
console.log(`# e2e: package ${((tPackaged - t0) / 1000).toFixed(1)} s, tests ${((Date.now() - tPackaged) / 1000).toFixed(1)} s, total ${((Date.now() - t0) / 1000).toFixed(1)} s${timedOut ? ' (TIMED OUT)' : ''}`);
process.exit(timedOut ? 1 : code);
