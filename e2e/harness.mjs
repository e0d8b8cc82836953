// Starts code-server (the real VS Code workbench, from npm) on 127.0.0.1 with a random port and a throwaway
// user-data/extensions dir, installs .vsix files into it, and opens the workbench in Debian's Chromium through
// playwright-core. stop() closes the browser and kills code-server's whole process group; it also runs on
// process exit and on SIGINT/SIGTERM/SIGHUP. Recipe: ../shared/reference/e2e-feasibility.md (code-server 4.100.3
// on Node 20).
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

const here = path.dirname(fileURLToPath(import.meta.url));
export const CS_ENTRY = path.join(here, 'node_modules/code-server/out/node/entry.js');
export const CHROMIUM = process.env.E2E_CHROMIUM || '/usr/bin/chromium';

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** Every process group started here, killed on exit whatever happens. */
const groups = new Set();
function killGroup(pid, sig) {
  try {
    process.kill(-pid, sig);
    return true;
  } catch {
    return false;
  }
}
process.once('exit', () => {
  for (const pid of groups) killGroup(pid, 'SIGKILL');
});
for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
  process.once(sig, () => {
    for (const pid of groups) killGroup(pid, 'SIGKILL');
    process.exit(128 + ({ SIGINT: 2, SIGTERM: 15, SIGHUP: 1 })[sig]);
  });
}

function healthz(port) {
  return new Promise((resolve) => {
    const req = http.get({ host: '127.0.0.1', port, path: '/healthz', timeout: 2000, agent: false }, (res) => {
      res.resume();
      resolve(res.statusCode === 200);
    });
    req.on('error', () => resolve(false));
    req.on('timeout', () => {
      req.destroy();
      resolve(false);
    });
  });
}

const SETTINGS = {
  'workbench.startupEditor': 'none',
  'security.workspace.trust.enabled': false,
  'extensions.autoCheckUpdates': false,
  'extensions.autoUpdate': false,
  'extensions.ignoreRecommendations': true,
  'update.mode': 'none',
  'telemetry.telemetryLevel': 'off',
  'debug.openDebug': 'openOnSessionStart',
  'workbench.secondarySideBar.defaultVisibility': 'hidden',
  'workbench.tips.enabled': false,
  'workbench.enableExperiments': false,
  'chat.commandCenter.enabled': false,
  'window.commandCenter': false,
  'editor.minimap.enabled': false,
  'git.enabled': false,
  'workbench.colorTheme': 'Default Dark Modern',
};

/**
 * @param {{ runDir: string, workspace: string, vsix?: string[], settings?: object, viewport?: {width:number,height:number} }} o
 */
export async function startVSCode(o) {
  const { runDir, workspace } = o;
  fs.rmSync(runDir, { recursive: true, force: true });
  const dirs = { data: path.join(runDir, 'data'), exts: path.join(runDir, 'exts'), xdg: path.join(runDir, 'xdg'), chrome: path.join(runDir, 'chrome-profile'), chromeHome: path.join(runDir, 'chrome-home') };
  for (const d of Object.values(dirs)) fs.mkdirSync(d, { recursive: true });
  fs.mkdirSync(path.join(dirs.data, 'User'), { recursive: true });
  fs.writeFileSync(path.join(dirs.data, 'User/settings.json'), JSON.stringify({ ...SETTINGS, ...(o.settings ?? {}) }, null, 2));
  const config = path.join(runDir, 'config.yaml');
  fs.writeFileSync(config, 'auth: none\ncert: false\n');
  const env = {
    ...process.env,
    XDG_CONFIG_HOME: dirs.xdg, XDG_DATA_HOME: dirs.xdg, XDG_CACHE_HOME: dirs.xdg,
    EXTENSIONS_GALLERY: JSON.stringify({ serviceUrl: 'http://127.0.0.1:9/gallery', itemUrl: 'http://127.0.0.1:9/item' }),
  };
  delete env.VSCODE_IPC_HOOK_CLI;
  const common = ['--config', config, '--user-data-dir', dirs.data, '--extensions-dir', dirs.exts];
  for (const v of o.vsix ?? []) {
    const r = spawnSync(process.execPath, [CS_ENTRY, ...common, '--install-extension', v], { env, encoding: 'utf8', timeout: 60000 });
    if (r.status !== 0 || !/successfully installed/.test(r.stdout + r.stderr)) throw new Error(`installing ${v} failed (${r.status}):\n${r.stdout}\n${r.stderr}`);
  }
  const logPath = path.join(runDir, 'code-server.log');
  const log = fs.openSync(logPath, 'w');
  const cs = spawn(process.execPath, [CS_ENTRY, '--auth', 'none', '--bind-addr', '127.0.0.1:0', '--disable-telemetry', '--disable-update-check',
    '--disable-workspace-trust', '--disable-getting-started-override', ...common, workspace], { env, detached: true, stdio: ['ignore', log, log] });
  fs.closeSync(log);
  groups.add(cs.pid);
  let context;
  let stopped = false;
  const stop = async () => {
    if (stopped) return;
    stopped = true;
    if (context) {
      let timer;
      await Promise.race([context.close().catch(() => {}), new Promise((r) => (timer = setTimeout(r, 10000)))]);
      clearTimeout(timer);
    }
    // playwright's own chromium process group is closed by context.close(); code-server's is ours
    if (killGroup(cs.pid, 'SIGTERM')) {
      for (let i = 0; i < 30 && killGroup(cs.pid, 0); i++) await sleep(100);
      killGroup(cs.pid, 'SIGKILL');
    }
    groups.delete(cs.pid);
  };
  try {
    let port;
    const t0 = Date.now();
    while (!port) {
      if (Date.now() - t0 > 60000) throw new Error('code-server did not start in 60 s:\n' + fs.readFileSync(logPath, 'utf8'));
      if (cs.exitCode !== null) throw new Error(`code-server exited (${cs.exitCode}):\n` + fs.readFileSync(logPath, 'utf8'));
      const m = /HTTP server listening on http:\/\/127\.0\.0\.1:(\d+)/.exec(fs.readFileSync(logPath, 'utf8'));
      if (m && (await healthz(Number(m[1])))) port = Number(m[1]);
      else await sleep(100);
    }
    context = await chromium.launchPersistentContext(dirs.chrome, {
      executablePath: CHROMIUM,
      headless: true,
      viewport: o.viewport ?? { width: 1400, height: 900 },
      args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update',
        '--disable-sync', '--host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE localhost , EXCLUDE 127.0.0.1'],
      env: { ...process.env, HOME: dirs.chromeHome, XDG_CONFIG_HOME: path.join(dirs.chromeHome, '.config'), XDG_CACHE_HOME: path.join(dirs.chromeHome, '.cache') },
    });
    const page = context.pages()[0] ?? (await context.newPage());
    await page.goto(`http://127.0.0.1:${port}/?folder=${encodeURIComponent(workspace)}`);
    await page.locator('.monaco-workbench .part.statusbar').waitFor({ timeout: 60000 });
    return { page, context, port, stop, logPath, dataDir: dirs.data };
  } catch (e) {
    await stop();
    throw e;
  }
}

/** Runs a command palette entry by its exact label (Enter would take the top fuzzy match). */
export async function runCommand(page, label, attempts = 3) {
  const esc = label.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  for (let i = 1; ; i++) {
    try {
      await page.keyboard.press('F1');
      const input = page.locator('.quick-input-widget input');
      await input.waitFor({ timeout: 5000 });
      await input.fill('>' + label);
      await page.locator('.quick-input-widget .monaco-list-row')
        .filter({ has: page.locator('.label-name', { hasText: new RegExp(`^${esc}$`) }) }).first().click({ timeout: 5000 });
      return;
    } catch (e) {
      if (i >= attempts) throw e;
      await page.keyboard.press('Escape').catch(() => {});
      await sleep(500);
    }
  }
}

/** Every extension-host log file of a run (console output of the extension lands there). */
export function extHostLogs(dataDir) {
  const out = [];
  const walk = (d) => {
    if (!fs.existsSync(d)) return;
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) walk(p);
      else if (/exthost/i.test(p) && e.name.endsWith('.log')) out.push(p);
    }
  };
  walk(path.join(dataDir, 'logs'));
  return out;
}

/** Keep what a failing step left on screen: a screenshot and the DOM, in OUT/failures/NAME.{png,html}. */
export async function saveFailure(page, outDir, name) {
  if (!page) return;
  fs.mkdirSync(path.join(outDir, 'failures'), { recursive: true });
  await page.screenshot({ path: path.join(outDir, 'failures', `${name}.png`) }).catch(() => {});
  fs.writeFileSync(path.join(outDir, 'failures', `${name}.html`), await page.content().catch(() => ''));
}

/** Drag the side bar's edge to `width` pixels (the decoded UPID needs room). */
export async function widenSideBar(page, width = 560) {
  const box = await page.locator('.part.sidebar').boundingBox();
  if (!box) return;
  await page.mouse.move(box.x + box.width + 1, box.y + 300);
  await page.mouse.down();
  await page.mouse.move(box.x + width, box.y + 300, { steps: 5 });
  await page.mouse.up();
}
