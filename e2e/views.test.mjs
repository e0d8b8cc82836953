// End-to-end, in the real VS Code workbench (code-server) driven through Chromium: the features of the views that
// uintr.test.mjs does not cover. F5 on a C file without a launch.json (the configuration provider builds it with gcc
// through the uintr-gcc task, then debugs it); Toggle SN and Reveal UPID in Memory from the UINTR State context menu;
// the UINTR Events filters (kind, thread) and Go to Sender; the Interrupt Timeline after switching to a light
// theme. Its own code-server (node:test runs each test file in its own process) on a workspace with only the C
// source; the tests share it and run in order. Run by e2e/run.mjs (E2E_VSIX: the packaged .vsix).
//
// Reveal UPID in Memory opens the Hex Editor extension (ms-vscode.hexeditor) on VS Code's debug memory file system.
// The Hex Editor is not on npm and the tests have no network, so e2e/hexeditor-stub stands in for it: the same
// extension id and custom editor (hexEditor.hexedit), reading the memory the way the Hex Editor does
// (workspace.fs.readFile of vscode-debug-memory://SESSION/REF/NAME?range=FROM:TO, served by VS Code from the
// adapter's readMemory) and showing the bytes, which the test decodes and compares with the UINTR State view.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { startVSCode, runCommand, extHostLogs, saveFailure, widenSideBar } from './harness.mjs';
import { makeSourceWorkspace, packHexEditorStub } from './workspace.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const OUT = process.env.E2E_OUT || path.join(here, '.out');
const VSIX = process.env.E2E_VSIX;
const SRC = 'uipi_sample.c';
/** Lines of test-fixtures/uintr/uipi_sample.c: the breakpoint in the handler, the handler's definition. */
const HANDLER_LINE = 31;
const HANDLER_DEF_LINE = 28;

let vs;
let page;
let ws;
/** The first test got the session stopped in the handler (the others need it: they fail at once without). */
let stopped = false;
const timings = {};
const t0 = Date.now();
/** Console errors of the webviews (the Interrupt Timeline), with their frame's URL. */
const webviewErrors = [];

const sidebar = () => page.locator('.part.sidebar');
/** A view pane's header by its title ("UINTR Events"; its aria-label has the view's description too when set). */
const HEADER = (title) => `.pane-header[aria-label^="${title} "][aria-label$=" Section"]`;
const header = (title) => sidebar().locator(HEADER(title));
/** A view pane of the side bar by its title ("UINTR State"). */
const pane = (title) => sidebar().locator('.pane', { has: page.locator(HEADER(title)) });
const rows = (title) => pane(title).locator('.pane-body .monaco-list-row');
const text = async (loc) => (await loc.innerText()).replace(/\s+/g, ' ').trim();
/** The row of a tree whose label is exactly `label`. */
const rowNamed = (title, label) => rows(title).filter({ has: page.locator('.label-name', { hasText: new RegExp(`^${label}$`) }) }).first();
const descOf = async (row) => text(row.locator('.label-description'));
const menuItem = (label) => page.locator('.context-view .monaco-menu .action-item', { hasText: label }).first();

/**
 * Runs a context-menu entry of a tree row. (A click that lands while the menu is still fading in can be lost: the
 * menu then stays open, and the click is repeated.)
 */
async function contextMenu(row, label) {
  await row.click({ button: 'right' });
  const item = menuItem(label);
  await item.waitFor({ timeout: 10000 });
  for (let i = 0; ; i++) {
    await page.waitForTimeout(200);
    await item.click({ timeout: 10000 });
    try {
      await page.locator('.context-view .monaco-menu').waitFor({ state: 'detached', timeout: 3000 });
      return;
    } catch (e) {
      if (i >= 2) throw e;
    }
  }
}
const waitFor = (fn, arg, timeout = 30000) => page.waitForFunction(fn, arg, { timeout, polling: 100 });

async function setPane(title, expanded) {
  const h = header(title);
  await h.waitFor({ timeout: 30000 });
  if ((await h.getAttribute('aria-expanded')) !== String(expanded)) await h.click();
  await waitFor(([sel, e]) => document.querySelector(`.part.sidebar ${sel}`)?.getAttribute('aria-expanded') === String(e), [HEADER(title), expanded]);
}

/** Clicks an action of a view's title bar (they show while the header is hovered). */
async function viewAction(title, label) {
  await header(title).hover();
  await header(title).locator(`.actions .action-label[aria-label="${label}"]`).click({ timeout: 10000 });
}

/** Picks items of the open multi-select quick pick by their exact labels (checked by its "N Selected" count), then OK. */
async function pickMany(labels) {
  const widget = page.locator('.quick-input-widget');
  const count = async () => Number(/(\d+) Selected/.exec(await widget.locator('.quick-input-count').innerText().catch(() => ''))?.[1] ?? -1);
  await widget.locator('.monaco-list-row').first().waitFor({ timeout: 10000 });
  for (const [i, l] of labels.entries()) {
    const row = widget.locator('.monaco-list-row').filter({ has: page.locator('.label-name', { hasText: new RegExp(`^${l}$`) }) }).first();
    for (let attempt = 0; ; attempt++) {
      await row.locator('.monaco-checkbox').click({ timeout: 10000 });
      const end = Date.now() + 2000;
      while (Date.now() < end && (await count()) !== i + 1) await page.waitForTimeout(100);
      if ((await count()) === i + 1) break;
      if (attempt >= 2) assert.fail(`could not check "${l}" in the quick pick (${await count()} selected)`);
    }
  }
  await widget.locator('.quick-input-action .monaco-button', { hasText: /^OK$/ }).click({ timeout: 10000 });
  await widget.waitFor({ state: 'hidden', timeout: 10000 });
}

/** Runs a test step; on failure saves a screenshot and the DOM next to the logs. */
async function step(name, fn, needsSession = true) {
  if (needsSession && !stopped) throw new Error('no debug session stopped in the handler (the first test failed)');
  try {
    await fn();
    timings[name] = Date.now() - t0;
  } catch (e) {
    await saveFailure(page, OUT, `views-${name}`);
    throw e;
  }
}

/** The frame (of any webview) that has `selector`, polled until it appears. */
async function frameWith(selector, timeout = 30000) {
  const end = Date.now() + timeout;
  for (;;) {
    for (const f of page.frames()) {
      if (await f.locator(selector).count().catch(() => 0)) return f;
    }
    if (Date.now() > end) throw new Error(`no webview frame has ${selector}`);
    await page.waitForTimeout(200);
  }
}

/** The editor status bar's cursor position ("Ln 41, Col 3"). */
const cursorLine = async () => Number(/Ln (\d+)/.exec(await text(page.locator('.part.statusbar #status\\.editor\\.selection')))?.[1] ?? 0);

before(async () => {
  assert.ok(VSIX && fs.existsSync(VSIX), 'E2E_VSIX: the packaged .vsix (run e2e/run.mjs)');
  ws = makeSourceWorkspace(path.join(OUT, 'ws', 'c-source'));
  const stub = packHexEditorStub(OUT);
  vs = await startVSCode({ runDir: path.join(OUT, 'run-views'), workspace: ws, vsix: [VSIX, stub], viewport: { width: 1600, height: 1000 } });
  page = vs.page;
  page.on('console', (m) => {
    const url = m.location()?.url ?? '';
    if (m.type() === 'error' && /vscode-webview|webview/.test(url)) webviewErrors.push(`${url}: ${m.text()}`);
  });
  timings.workbench = Date.now() - t0;
});

after(async () => {
  await vs?.stop();
  fs.writeFileSync(path.join(OUT, 'timings-views.json'), JSON.stringify({ ...timings, total: Date.now() - t0 }, null, 2));
  console.log('# e2e views timings (ms since start):', JSON.stringify(timings));
  if (vs) for (const f of extHostLogs(vs.dataDir)) fs.copyFileSync(f, path.join(OUT, 'views-' + path.basename(f)));
});

test('F5 on a C file without a launch.json builds it with gcc (uintr-gcc task) and debugs it', () => step('f5-c-file', async () => {
  const exe = path.join(ws, 'uipi_sample');
  assert.ok(!fs.existsSync(exe) && !fs.existsSync(path.join(ws, '.vscode/launch.json')), 'no binary and no launch.json to start with');
  await runCommand(page, 'View: Show Explorer');
  await sidebar().locator('.explorer-folders-view .monaco-list-row', { hasText: SRC }).first().click({ timeout: 30000 });
  await page.locator('.tabs-container .tab.active', { hasText: SRC }).waitFor({ timeout: 30000 });
  // a breakpoint in the handler (the program runs to completion otherwise)
  await runCommand(page, 'Go to Line/Column...');
  await page.locator('.quick-input-widget input').fill(`:${HANDLER_LINE}`);
  await page.locator('.quick-input-widget .monaco-list-row', { hasText: `Go to line ${HANDLER_LINE}.` }).first().click({ timeout: 10000 });
  await waitFor((l) => new RegExp(`Ln ${l},`).test(document.querySelector('.part.statusbar #status\\.editor\\.selection')?.textContent ?? ''), HANDLER_LINE);
  await runCommand(page, 'Debug: Toggle Breakpoint');
  await page.locator('.monaco-editor .codicon-debug-breakpoint').first().waitFor({ timeout: 10000 });
  await runCommand(page, 'View: Show Run and Debug');
  await widenSideBar(page); // so the decoded UPID fits
  const started = Date.now();
  await page.locator('.monaco-editor .view-lines').first().click(); // the C file's editor focused (F5 takes the active file)
  await page.keyboard.press('F5');
  // a keypress can be lost on a busy machine: if after 15 s neither the build nor the session started, again
  const began = async () => fs.existsSync(exe) || (await page.locator('.debug-toolbar').isVisible());
  const deadline = Date.now() + 15000;
  while (!(await began()) && Date.now() < deadline) await page.waitForTimeout(250);
  if (!(await began())) {
    await page.locator('.monaco-editor .view-lines').first().click();
    await page.keyboard.press('F5');
  }
  await page.locator('.debug-toolbar').waitFor({ timeout: 60000 });
  timings.sessionStarted = Date.now() - t0;
  // the build went through the extension's task: the program exists now, next to its source
  assert.ok(fs.existsSync(exe) && fs.statSync(exe).mtimeMs >= started - 2000, `${exe} built by F5`);
  assert.ok(!fs.existsSync(path.join(ws, '.vscode/launch.json')), 'F5 did not need (or write) a launch.json');
  const handlerFrame = rows('Call Stack').filter({ hasText: 'uintr_handler' }).first();
  await handlerFrame.waitFor({ timeout: 60000 });
  assert.match(await text(handlerFrame), new RegExp(`uintr_handler.*${SRC.replace('.', '\\.')}.*${HANDLER_LINE}:\\d+`));
  assert.match(await text(header('Call Stack')), /Paused on breakpoint/);
  // the build task's terminal is there ("build …/uipi_sample.c", task uintr-gcc)
  await runCommand(page, 'Terminal: Focus Terminal');
  await page.locator('.part.panel', { hasText: `build ${path.join(ws, SRC)}` }).first().waitFor({ timeout: 20000 });
  await runCommand(page, 'View: Hide Panel').catch(() => {});
  timings.handlerStop = Date.now() - t0;
  stopped = true;
}, false));

/** Flips UPID.SN from the UINTR State context menu and waits until the view shows `want` (0 or 1). */
async function toggleSN(want) {
  const upid = rowNamed('UINTR State', 'UPID');
  await contextMenu(upid, 'Toggle SN (Suppress Notification)');
  // the UPID row and its SN child both show the new value (read back from the adapter after setVariable)
  await upid.locator('.label-description', { hasText: new RegExp(`SN=${want} `) }).waitFor({ timeout: 20000 });
  await rowNamed('UINTR State', 'SN').locator('.label-description', { hasText: new RegExp(`^${want}${want === '1' ? ' \\(notifications suppressed\\)' : '$'}`) }).waitFor({ timeout: 20000 });
}

test('Toggle SN from the UINTR State context menu changes the UPID and toggling again restores it', () => step('toggle-sn', async () => {
  for (const t of ['Variables', 'Watch', 'Call Stack', 'Breakpoints', 'UINTR Events']) await setPane(t, false);
  await setPane('UINTR State', true);
  const upid = rowNamed('UINTR State', 'UPID');
  await upid.locator('.label-description', { hasText: /SN=/ }).waitFor({ timeout: 30000 });
  const before = /SN=([01])/.exec(await descOf(upid))[1];
  assert.match(await descOf(rowNamed('UINTR State', 'SN')), new RegExp(`^${before}\\b`));
  await toggleSN(before === '1' ? '0' : '1');
  await toggleSN(before);
}));

test('clicking the Handler in UINTR State opens the handler\'s source line', () => step('handler-source', async () => {
  assert.equal(await cursorLine(), HANDLER_LINE, 'the editor is at the stop');
  const handler = rowNamed('UINTR State', 'Handler');
  assert.match(await descOf(handler), /^uintr_handler \(0x[0-9a-f]+\)$/);
  await handler.click();
  // uintr_handler's first instruction: its definition line
  await waitFor((l) => new RegExp(`Ln ${l},`).test(document.querySelector('.part.statusbar #status\\.editor\\.selection')?.textContent ?? ''), HANDLER_DEF_LINE, 20000);
  assert.match(await text(page.locator('.tabs-container .tab.active')), new RegExp(SRC.replace('.', '\\.')));
}));

/** Opens the UPID's memory from the UINTR State context menu; returns the hex editor's URI and bytes. */
async function revealUpid(addr) {
  await contextMenu(rowNamed('UINTR State', 'UPID'), 'Reveal UPID in Memory');
  // an editor tab on the debug memory of the UPID, in the hex editor
  const name = `UPID ${addr}.bin`;
  await page.locator('.tabs-container .tab.active', { hasText: name }).waitFor({ timeout: 30000 });
  const hex = await frameWith('#uri');
  await hex.locator('#bytes .byte, #error').first().waitFor({ timeout: 20000 });
  if (await hex.locator('#error').count()) assert.fail(`the hex editor could not read the memory: ${await hex.locator('#error').innerText()}`);
  const uri = await hex.locator('#uri').innerText();
  const bytes = (await hex.locator('#bytes .byte').allInnerTexts()).map((b) => parseInt(b, 16));
  await runCommand(page, 'View: Close Editor');
  await page.locator('.tabs-container .tab', { hasText: name }).waitFor({ state: 'detached', timeout: 10000 });
  return { uri, bytes };
}

test('Reveal UPID in Memory opens the hex editor on the UPID\'s debug memory', () => step('reveal-upid', async () => {
  const upid = rowNamed('UINTR State', 'UPID');
  const desc = await descOf(upid);
  const m = /^(0x[0-9a-f]+) · ON=([01]) SN=([01]) NV=0x([0-9a-f]+) NDST=APIC (\d+) PIR=(0x[0-9a-f]+)/.exec(desc);
  assert.ok(m, `decoded UPID: ${desc}`);
  const [, addr, on, sn, nv, , pir] = m;
  const ndst = /^(0x[0-9a-f]+)/.exec(await descOf(rowNamed('UINTR State', 'NDST')))[1];
  const { uri, bytes } = await revealUpid(addr);
  // VS Code's debug memory file system, this session, the UPID's address as the memory reference
  const u = new URL(uri);
  assert.equal(u.protocol, 'vscode-debug-memory:');
  assert.match(u.host, /^[0-9a-f-]{36}$/, 'the debug session id');
  assert.equal(decodeURIComponent(u.pathname.split('/')[1]), addr, 'the memory reference');
  assert.ok(bytes.length >= 16, `UPID bytes: ${bytes.length}`);
  // the 16-byte UPID as the Intel SDM lays it out: ON bit 0, SN bit 1, NV bits 23:16, NDST bits 63:32, PIR bits 127:64
  const u64 = (b, o) => b.slice(o, o + 8).reduceRight((a, x) => (a << 8n) | BigInt(x), 0n);
  const word = u64(bytes, 0);
  assert.equal(String(word & 1n), on, 'ON');
  assert.equal(String((word >> 1n) & 1n), sn, 'SN');
  assert.equal((word >> 16n) & 0xffn, BigInt('0x' + nv), 'NV');
  assert.equal(word >> 32n, BigInt(ndst), 'NDST');
  assert.equal(u64(bytes, 8), BigInt(pir), 'PIR');
  // Toggle SN writes the UPID in guest memory: the memory shows the other SN, and the rest unchanged
  const other = sn === '1' ? '0' : '1';
  await toggleSN(other);
  const after = (await revealUpid(addr)).bytes;
  assert.equal(String((u64(after, 0) >> 1n) & 1n), other, 'SN in memory after Toggle SN');
  assert.equal(u64(after, 0) & ~2n, word & ~2n, 'the other UPID bits unchanged');
  await toggleSN(sn);
}));

/** The texts of the UINTR Events rows, polled until `ok(texts)` holds (then returned; else the last texts). */
async function eventRows(ok, timeout = 20000) {
  const end = Date.now() + timeout;
  for (;;) {
    const texts = await page.evaluate(() => {
      const p = [...document.querySelectorAll('.part.sidebar .pane')].find((x) => /^UINTR Events .*Section$/.test(x.querySelector('.pane-header')?.getAttribute('aria-label') ?? ''));
      return [...(p?.querySelectorAll('.pane-body .monaco-list-row') ?? [])].map((r) => (r.textContent ?? '').replace(/\s+/g, ' ').trim());
    });
    if ((texts.length && texts.every((t) => t) && ok(texts)) || Date.now() > end) return texts;
    await page.waitForTimeout(100);
  }
}

test('UINTR Events: filters by kind and by thread; Go to Sender selects the SENDUIPI and opens its source line', () => step('events', async () => {
  await setPane('UINTR State', false);
  await setPane('UINTR Events', true);
  const ev = rows('UINTR Events');
  const deliver = ev.filter({ hasText: /DELIVER vector 0/ }).first();
  const send = ev.filter({ hasText: /SENDUIPI \d+ → vector 0/ }).first();
  await deliver.waitFor({ timeout: 30000 });
  await send.waitFor({ timeout: 30000 });
  const tidOf = (s) => Number(/· \d+\/(\d+)/.exec(s)?.[1]);
  const sender = tidOf(await text(send));
  const receiver = tidOf(await text(deliver));
  assert.ok(sender && receiver && sender !== receiver, `sender ${sender}, receiver ${receiver}`);
  const all = await eventRows((t) => t.some((r) => /DELIVER/.test(r)) && t.some((r) => /SENDUIPI/.test(r)));
  const description = () => text(header('UINTR Events'));
  const filtered = (re) => waitFor(([sel, src]) => new RegExp(src).test(document.querySelector(`.part.sidebar ${sel}`)?.textContent ?? ''), [HEADER('UINTR Events'), re.source], 10000);

  // by kind (the view's Filter Events by Kind… action, a multi-select quick pick): only the delivery
  await viewAction('UINTR Events', 'Filter Events by Kind…');
  await pickMany(['deliver']);
  await filtered(/filtered: deliver/);
  let now = await eventRows((t) => t.every((r) => /DELIVER/.test(r)));
  assert.ok(now.every((r) => /DELIVER vector 0/.test(r)), `only deliveries: ${now.join(' | ')}`);
  assert.ok(now.length < all.length, 'fewer rows than unfiltered');
  await viewAction('UINTR Events', 'Clear Event Filters');
  await filtered(/^(?!.*filtered)/);
  now = await eventRows((t) => t.length === all.length);
  assert.equal(now.length, all.length, 'all events again');

  // by thread: the sender's events only (its SENDUIPI, not the receiver's delivery)
  await viewAction('UINTR Events', 'Filter Events by Thread…');
  await pickMany([String(sender)]);
  await filtered(new RegExp(`filtered: thread ${sender}`));
  now = await eventRows((t) => t.every((r) => tidOf(r) === sender));
  assert.ok(now.every((r) => tidOf(r) === sender), `only thread ${sender}: ${now.join(' | ')}`);
  assert.ok(now.some((r) => /SENDUIPI \d+ → vector 0/.test(r)), `the sender's SENDUIPI: ${now.join(' | ')}`);
  assert.ok(!now.some((r) => /DELIVER/.test(r)), 'no delivery (the receiver\'s)');
  await viewAction('UINTR Events', 'Clear Event Filters');
  await filtered(/^(?!.*filtered)/);

  // Go to Sender on the delivery while a filter hides the SENDUIPI
  await viewAction('UINTR Events', 'Filter Events by Kind…');
  await pickMany(['deliver']);
  await filtered(/filtered: deliver/);
  await eventRows((t) => t.every((r) => /DELIVER/.test(r)));
  const lineBefore = await cursorLine();
  await contextMenu(deliver, 'Go to Sender');
  // the filter that hid the SENDUIPI is cleared and the SENDUIPI is selected…
  await ev.filter({ hasText: /SENDUIPI \d+ → vector 0/ }).and(page.locator('[aria-selected="true"]')).first().waitFor({ timeout: 20000 });
  assert.doesNotMatch(await description(), /filtered/);
  // …and the SENDUIPI's source line is open. gcc inlines the always-inline _senduipi() intrinsic, so the
  // instruction's line (DWARF line table, as gdb shows it) is the intrinsic's __builtin_ia32_senduipi line in gcc's
  // uintrintrin.h rather than the call in sender_thread (uipi_sample.c:41)
  const intrinsics = execFileSync('gcc', ['-print-file-name=include/uintrintrin.h'], { encoding: 'utf8' }).trim();
  const files = { [SRC]: path.join(ws, SRC), 'uintrintrin.h': intrinsics };
  const lines = (f) => fs.readFileSync(f, 'utf8').split('\n');
  let at = {};
  for (const end = Date.now() + 20000; Date.now() < end; await page.waitForTimeout(100)) {
    const tab = (await text(page.locator('.tabs-container .tab.active'))).split(' ')[0];
    at = { tab, file: files[tab], line: await cursorLine() };
    if (at.file && (tab !== SRC || at.line !== lineBefore) && /senduipi/.test(lines(at.file)[at.line - 1] ?? '')) break;
  }
  assert.ok(at.file, `the active editor (${at.tab}) is uipi_sample.c or uintrintrin.h`);
  assert.match(lines(at.file)[at.line - 1] ?? '', /senduipi/, `the cursor (${at.file}:${at.line}) is on the SENDUIPI's line`);
  await page.locator('.monaco-editor .view-line', { hasText: /senduipi/ }).first().waitFor({ timeout: 10000 });
}));

test('the Interrupt Timeline follows a switch to a light theme', () => step('timeline-light', async () => {
  await runCommand(page, 'UINTR: Show Interrupt Timeline');
  const tl = await frameWith('svg.timeline .interrupt .deliver');
  assert.match(await tl.locator('#summary').innerText(), /^1 interrupt delivered · latency min \d+ ns/);
  /** The webview's theme kind, its resolved theme variables and the colours the timeline is drawn with. */
  const colours = () => tl.evaluate(() => {
    const v = (n) => getComputedStyle(document.documentElement).getPropertyValue(n).trim();
    const css = (sel, p) => { const e = document.querySelector(sel); return e ? getComputedStyle(e)[p] : null; };
    // a variable's value as the browser resolves a colour (rgb(…)), to compare with computed styles
    const probe = document.createElement('span');
    document.body.appendChild(probe);
    const rgb = (n) => { probe.style.color = `var(${n})`; return getComputedStyle(probe).color; };
    const out = {
      kind: document.body.className, fgVar: v('--vscode-foreground'), bgVar: v('--vscode-editor-background'),
      fg: rgb('--vscode-foreground'), bg: rgb('--vscode-editor-background'), red: rgb('--vscode-charts-red'), orange: rgb('--vscode-charts-orange'),
      body: css('body', 'color'), deliver: css('svg.timeline .interrupt .deliver', 'fill'),
      send: css('svg.timeline .interrupt .send', 'fill'), label: css('svg.timeline .label', 'fill'), latency: css('svg.timeline .interrupt .latency', 'fill'),
    };
    probe.remove();
    return out;
  });
  const dark = await colours();
  assert.match(dark.kind, /vscode-dark/);
  await runCommand(page, 'Preferences: Color Theme');
  const input = page.locator('.quick-input-widget input');
  await input.fill('Light Modern');
  await page.locator('.quick-input-widget .monaco-list-row').filter({ has: page.locator('.label-name', { hasText: /^Light Modern$/ }) }).first().click({ timeout: 10000 });
  await page.locator('.monaco-workbench.vs').waitFor({ timeout: 20000 }); // the workbench in a light theme
  await tl.locator('body.vscode-light').waitFor({ timeout: 20000 });
  const light = await colours();
  const lum = (c) => { const [r, g, b] = c.match(/\d+/g).map(Number); return (0.2126 * r + 0.7152 * g + 0.0722 * b) / 255; };
  // the webview got the light theme's variables…
  assert.ok(lum(light.bg) > 0.8 && lum(light.fg) < 0.4, `light background ${light.bg}, dark text ${light.fg}`);
  assert.notEqual(light.fgVar, dark.fgVar);
  // …and the timeline is drawn with them: text in the foreground colour, marks in the chart colours
  assert.equal(light.body, light.fg);
  assert.equal(light.label, light.fg);
  assert.equal(light.deliver, light.red);
  assert.equal(light.send, light.orange);
  assert.equal(light.latency, light.orange);
  assert.notEqual(light.deliver, dark.deliver, 'the delivery mark changed colour with the theme');
  assert.ok(lum(light.bg) - lum(light.label) > 0.5, `readable labels: ${light.label} on ${light.bg}`);
  // still the same content, and no errors (CSP or script) from the webview
  assert.match(await tl.locator('#summary').innerText(), /^1 interrupt delivered/);
  assert.ok((await tl.locator('svg.timeline .interrupt .deliver').count()) >= 1);
  assert.deepEqual(webviewErrors, []);
  fs.mkdirSync(path.join(OUT, 'views'), { recursive: true });
  await page.screenshot({ path: path.join(OUT, 'views', 'timeline-light.png') });
  await runCommand(page, 'Debug: Stop');
  await page.locator('.debug-toolbar').waitFor({ state: 'hidden', timeout: 20000 });
}));
