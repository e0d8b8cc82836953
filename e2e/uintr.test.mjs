// End-to-end, in the real VS Code workbench (code-server) driven through Chromium: the freshly packaged .vsix
// debugging the uipi sample. Run by e2e/run.mjs, which packages the .vsix and passes it in E2E_VSIX; the tests
// share one VS Code instance and run in order.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { startVSCode, runCommand, extHostLogs, saveFailure, widenSideBar } from './harness.mjs';
import { makeWorkspace } from './workspace.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const OUT = process.env.E2E_OUT || path.join(here, '.out');
const SHOTS = path.join(OUT, 'screenshots');
const VSIX = process.env.E2E_VSIX;

let vs;
let page;
const timings = {};
const t0 = Date.now();

const sidebar = () => page.locator('.part.sidebar');
/** A view pane of the side bar by its title ("UINTR State"). */
const pane = (title) => sidebar().locator('.pane', { has: page.locator(`.pane-header[aria-label="${title} Section"]`) });
const rows = (title) => pane(title).locator('.pane-body .monaco-list-row');
const text = async (loc) => (await loc.innerText()).replace(/\s+/g, ' ').trim();

async function setPane(title, expanded) {
  const h = sidebar().locator(`.pane-header[aria-label="${title} Section"]`);
  await h.waitFor({ timeout: 20000 });
  if ((await h.getAttribute('aria-expanded')) !== String(expanded)) await h.click();
  await page.waitForFunction(([t, e]) => document.querySelector(`.part.sidebar .pane-header[aria-label="${t} Section"]`)?.getAttribute('aria-expanded') === String(e), [title, expanded]);
}

/** Drags the sash above a pane's header to y (makes an expanded pane taller at the expense of the ones above). */
async function dragPaneTop(title, y) {
  for (let attempt = 0; attempt < 3; attempt++) {
    // the split view's sash nearest to the top of the pane's header
    const at = await page.evaluate((t) => {
      const h = document.querySelector(`.part.sidebar .pane-header[aria-label="${t} Section"]`)?.getBoundingClientRect();
      if (!h) return null;
      let best = null;
      for (const s of document.querySelectorAll('.part.sidebar .monaco-sash.horizontal')) {
        const r = s.getBoundingClientRect();
        if (!r.width) continue;
        const d = Math.abs(r.top + r.height / 2 - h.top);
        if (!best || d < best.d) best = { d, x: h.left + h.width / 2, y: r.top + r.height / 2 };
      }
      return best && best.d < 6 ? best : { x: h.left + h.width / 2, y: h.top + 1 };
    }, title);
    if (!at) return;
    await page.mouse.move(at.x, at.y);
    await page.mouse.down();
    await page.mouse.move(at.x, y, { steps: 8 });
    await page.mouse.up();
    const b = await sidebar().locator(`.pane-header[aria-label="${title} Section"]`).boundingBox();
    if (b && b.y < y + 40) return;
  }
}

async function shot(name) {
  fs.mkdirSync(SHOTS, { recursive: true });
  await page.mouse.move(1000, 990); // no stray hovers (status bar gap)
  await page.waitForTimeout(400);
  await page.screenshot({ path: path.join(SHOTS, name) });
}

/** Runs a test step; on failure saves a screenshot and the DOM next to the logs. */
async function step(name, fn) {
  try {
    await fn();
    timings[name] = Date.now() - t0;
  } catch (e) {
    await saveFailure(page, OUT, name);
    throw e;
  }
}

/** The Call Stack rows (text). */
const callStack = async () => (await rows('Call Stack').allInnerTexts()).map((s) => s.replace(/\s+/g, ' ').trim());

before(async () => {
  assert.ok(VSIX && fs.existsSync(VSIX), 'E2E_VSIX: the packaged .vsix (run e2e/run.mjs)');
  const ws = makeWorkspace(path.join(OUT, 'ws', 'uipi-sample'));
  vs = await startVSCode({ runDir: path.join(OUT, 'run'), workspace: ws, vsix: [VSIX], viewport: { width: 1600, height: 1000 } });
  page = vs.page;
  timings.workbench = Date.now() - t0;
});

after(async () => {
  await vs?.stop();
  fs.writeFileSync(path.join(OUT, 'timings.json'), JSON.stringify({ ...timings, total: Date.now() - t0 }, null, 2));
  console.log('# e2e timings (ms since start):', JSON.stringify(timings));
  if (vs) for (const f of extHostLogs(vs.dataDir)) fs.copyFileSync(f, path.join(OUT, path.basename(f)));
});

test('F5 stops on entry; the delivery exception breakpoint stops in the handler', () => step('delivery-stop', async () => {
  await runCommand(page, 'View: Show Run and Debug');
  await sidebar().locator('.pane-header[aria-label="Breakpoints Section"]').waitFor({ timeout: 30000 });
  await widenSideBar(page); // so the decoded UPID fits
  await page.keyboard.press('F5');
  // (the keypress can be lost while the sash just dragged still has the focus on a busy machine: then the
  // command F5 is bound to)
  if (!(await page.locator('.debug-toolbar').waitFor({ timeout: 10000 }).then(() => true, () => false))) {
    await runCommand(page, 'Debug: Start Debugging');
    await page.locator('.debug-toolbar').waitFor({ timeout: 30000 });
  }
  await runCommand(page, 'View: Hide Panel').catch(() => {}); // more room for the editor and the views
  await page.waitForFunction(() => /Paused/.test(document.querySelector('.part.sidebar .pane-header[aria-label="Call Stack Section"]')?.textContent ?? ''), null, { timeout: 30000 });
  timings.stoppedOnEntry = Date.now() - t0;
  // the UINTR stops of the adapter are exception filters in the Breakpoints view
  const delivery = rows('Breakpoints').filter({ has: page.locator('.name', { hasText: /^User-interrupt delivery$/ }) }).first();
  await delivery.waitFor({ timeout: 20000 });
  await delivery.locator('input[type=checkbox]').click();
  await page.waitForFunction(() => document.querySelector('.part.sidebar .monaco-list-row[aria-label="User-interrupt delivery"]')?.getAttribute('aria-checked') === 'true');
  await setPane('Variables', false);
  await setPane('Watch', false);
  await setPane('Breakpoints', false);
  await setPane('UINTR State', true);
  await setPane('UINTR Events', false);
  await runCommand(page, 'Debug: Continue');
  const handlerFrame = rows('Call Stack').filter({ hasText: 'uintr_handler' }).first();
  await handlerFrame.waitFor({ timeout: 30000 });
  timings.deliveryStop = Date.now() - t0;
  const frames = await callStack();
  assert.ok(frames.some((f) => /uintr_handler.*uipi_sample\.c/.test(f)), `the handler frame with its source: ${frames.join(' | ')}`);
  const header = await text(sidebar().locator('.pane-header[aria-label="Call Stack Section"]'));
  assert.match(header, /User interrupt delivered: vector 0 → thread \d+ .*handler uintr_handler/);
  // the editor shows the handler's source with the top-frame line
  await page.locator('.monaco-editor .debug-top-stack-frame-line').first().waitFor({ state: 'attached', timeout: 20000 });
  assert.match(await text(page.locator('.tabs-container .tab.active')), /uipi_sample\.c/);
}));

test('UINTR State shows UIF 0 and the decoded UPID in the handler', () => step('uintr-state', async () => {
  await dragPaneTop('UINTR State', 330);
  const state = rows('UINTR State');
  const receiver = state.filter({ hasText: /uipi_sample \d+\/(\d+)/ }).first();
  await receiver.waitFor({ timeout: 20000 });
  // the receiver (main thread) is inside the handler: UIF 0, the UPID decoded below it
  const uif = state.filter({ has: page.locator('.label-name', { hasText: /^UIF$/ }) }).first();
  await uif.waitFor({ timeout: 20000 });
  assert.equal(await text(uif.locator('.label-description')), '0');
  const upid = state.filter({ has: page.locator('.label-name', { hasText: /^UPID$/ }) }).first();
  // (the state is fetched after the stop: wait until the UPID is decoded)
  await upid.locator('.label-description', { hasText: /ON=/ }).waitFor({ timeout: 20000 });
  const upidText = await text(upid.locator('.label-description'));
  assert.match(upidText, /^0x[0-9a-f]+ · ON=[01] SN=[01] NV=0x[0-9a-f]+ NDST=APIC \d+ PIR=0x[0-9a-f]+/);
  for (const f of ['ON', 'SN', 'NV', 'NDST']) {
    await state.filter({ has: page.locator('.label-name', { hasText: new RegExp(`^${f}$`) }) }).first().waitFor({ timeout: 5000 });
  }
  const ndst = await text(state.filter({ has: page.locator('.label-name', { hasText: /^NDST$/ }) }).first().locator('.label-description'));
  assert.match(ndst, /→ APIC \d+/);
  const handling = state.filter({ has: page.locator('.label-name', { hasText: /^Handling$/ }) }).first();
  assert.match(await text(handling), /vector 0/);
  // status bar item of the focused thread
  assert.match(await text(page.locator('.part.statusbar')), /UINTR \d+: UIF 0/);
  await shot('uintr-state.png');
}));

test('UINTR Events lists the delivery', () => step('uintr-events', async () => {
  await setPane('UINTR State', false);
  await setPane('Call Stack', false);
  await setPane('UINTR Events', true);
  const ev = rows('UINTR Events');
  const deliver = ev.filter({ hasText: /DELIVER vector 0 → handler 0x[0-9a-f]+/ }).first();
  await deliver.waitFor({ timeout: 20000 });
  assert.match(await text(deliver), /t=\d+ · core \d+ · \d+\/\d+/);
  assert.ok((await ev.filter({ hasText: /SENDUIPI \d+ → vector 0/ }).count()) >= 1, 'the SENDUIPI is listed');
  // a delivery expands into the SENDUIPI that caused it
  await deliver.locator('.monaco-tl-twistie').click();
  await ev.filter({ hasText: /caused by #\d+ SENDUIPI/ }).first().waitFor({ timeout: 10000 });
  await shot('uintr-events.png');
}));

/** The Interrupt Timeline webview's document (two nested iframes). */
const timelineFrame = () => page.frameLocator('iframe.webview.ready').frameLocator('iframe#active-frame');

test('the Interrupt Timeline draws the interrupt with its latency', () => step('timeline', async () => {
  await runCommand(page, 'UINTR: Show Interrupt Timeline');
  const tl = timelineFrame();
  await tl.locator('svg.timeline').waitFor({ timeout: 30000 });
  await tl.locator('svg.timeline .interrupt .deliver').first().waitFor({ timeout: 20000 });
  assert.ok((await tl.locator('svg.timeline .interrupt .send').count()) >= 1, 'SENDUIPI mark');
  assert.ok((await tl.locator('svg.timeline .interrupt .link').count()) >= 1, 'SENDUIPI → delivery link');
  assert.match(await tl.locator('svg.timeline .interrupt .latency').first().textContent(), /^\d+ ns$/);
  assert.ok((await tl.locator('svg.timeline .lane').count()) >= 1, 'core lanes');
  assert.match(await tl.locator('#summary').innerText(), /1 interrupt delivered · latency min \d+ ns/);
  timings.timeline = Date.now() - t0;
  // the timeline's editor group full width (the SVG is at least 800 px wide), the side bar stays
  await runCommand(page, 'View: Toggle Maximize Editor Group').catch(() => {});
  await page.waitForTimeout(500);
  await shot('interrupt-timeline.png');
}));

test('Step Back (debug toolbar) goes back before the delivery; Continue delivers it again', () => step('step-back', async () => {
  await setPane('UINTR Events', false);
  await setPane('Call Stack', true);
  await setPane('UINTR State', true);
  const callHeader = () => text(sidebar().locator('.pane-header[aria-label="Call Stack Section"]'));
  assert.match(await callHeader(), /User interrupt delivered/);
  // the adapter says supportsStepBack: VS Code shows Step Back and Reverse Continue in the toolbar
  const back = page.locator('.debug-toolbar .action-label.codicon-debug-step-back');
  await back.waitFor({ timeout: 10000 });
  assert.equal(await page.locator('.debug-toolbar .action-label.codicon-debug-reverse-continue').count(), 1);
  await back.click();
  // one instruction back from the handler's first one: before the delivery, at the interrupted instruction
  await page.waitForFunction(() => !/User interrupt delivered/.test(document.querySelector('.part.sidebar .pane-header[aria-label="Call Stack Section"]')?.textContent ?? '') &&
    /Paused/.test(document.querySelector('.part.sidebar .pane-header[aria-label="Call Stack Section"]')?.textContent ?? ''), null, { timeout: 30000 });
  await page.waitForFunction(() => {
    const pane = document.querySelector('.part.sidebar .pane-header[aria-label="Call Stack Section"]')?.parentElement;
    const rows = [...(pane?.querySelectorAll('.pane-body .monaco-list-row') ?? [])].map((r) => r.textContent ?? '');
    return rows.length > 0 && !rows.some((r) => /uintr_handler|user interrupt/.test(r));
  }, null, { timeout: 20000 });
  const stack = await callStack();
  assert.ok(!stack.some((f) => /uintr_handler|user interrupt/.test(f)), `no handler frame before the delivery: ${stack.join(' | ')}`);
  assert.ok(stack.some((f) => /^main\b/.test(f)), `the interrupted code's frames: ${stack.join(' | ')}`);
  const uif = rows('UINTR State').filter({ has: page.locator('.label-name', { hasText: /^UIF$/ }) }).first();
  await page.waitForFunction(() => [...document.querySelectorAll('.part.sidebar .monaco-list-row')].some((r) => r.querySelector('.label-name')?.textContent === 'UIF' && r.querySelector('.label-description')?.textContent === '1'), null, { timeout: 20000 });
  assert.equal(await text(uif.locator('.label-description')), '1');
  await page.waitForFunction(() => [...document.querySelectorAll('.part.sidebar .monaco-list-row')].some((r) => /UIRR/.test(r.textContent ?? '') && /pending 0/.test(r.textContent ?? '')), null, { timeout: 20000 });
  const tl = timelineFrame();
  await tl.locator('#summary', { hasText: /^0 interrupts delivered/ }).waitFor({ timeout: 20000 });
  await shot('step-back.png');
  timings.stepBack = Date.now() - t0;
  // forward again: the same delivery
  await runCommand(page, 'Debug: Continue');
  await page.waitForFunction(() => /User interrupt delivered: vector 0/.test(document.querySelector('.part.sidebar .pane-header[aria-label="Call Stack Section"]')?.textContent ?? ''), null, { timeout: 30000 });
  await rows('Call Stack').filter({ hasText: 'uintr_handler' }).first().waitFor({ timeout: 20000 });
  await tl.locator('#summary', { hasText: /^1 interrupt delivered/ }).waitFor({ timeout: 20000 });
  // the UINTR State view has re-read the state at this stop (in the handler: UIF 0) before the next test uses it
  await page.waitForFunction(() => [...document.querySelectorAll('.part.sidebar .monaco-list-row')].some((r) => r.querySelector('.label-name')?.textContent === 'UIF' && r.querySelector('.label-description')?.textContent === '0') &&
    [...document.querySelectorAll('.part.sidebar .monaco-list-row')].some((r) => r.querySelector('.label-name')?.textContent === 'Handling'), null, { timeout: 20000 });
  await page.waitForTimeout(500); // and has finished re-rendering
}));

test('Post User Interrupt… from the UINTR State context menu is delivered', () => step('post', async () => {
  await setPane('UINTR Events', false);
  await setPane('Call Stack', true);
  await setPane('UINTR State', true);
  const receiver = rows('UINTR State').filter({ hasText: /uipi_sample \d+\/\d+/ }).first();
  const item = page.locator('.context-view .monaco-menu .action-item', { hasText: 'Post User Interrupt…' }).first();
  // (a right-click that lands while the tree re-renders opens another row's menu: close it and retry)
  for (let attempt = 1; ; attempt++) {
    await receiver.click({ button: 'right' });
    if (await item.waitFor({ timeout: 5000 }).then(() => true, () => false)) break;
    if (attempt >= 3) assert.fail('the receiver row\'s context menu has no Post User Interrupt…');
    await page.keyboard.press('Escape');
    await page.waitForTimeout(500);
  }
  await shot('post-interrupt-menu.png');
  await item.click();
  const pick = page.locator('.quick-input-widget .monaco-list-row').filter({ has: page.locator('.label-name', { hasText: /^vector 0$/ }) }).first();
  await pick.click({ timeout: 10000 });
  await page.locator('.notifications-toasts .notification-list-item', { hasText: /Posted vector 0 to thread \d+/ }).first().waitFor({ timeout: 10000 });
  // pending in UIRR while the handler runs (UIF 0); continue: UIRET, then it is delivered again
  await page.waitForFunction(() => [...document.querySelectorAll('.part.sidebar .monaco-list-row')].some((r) => /UIRR/.test(r.textContent ?? '') && /pending 0/.test(r.textContent ?? '')), null, { timeout: 10000 });
  await runCommand(page, 'Debug: Continue');
  // stopped again at the delivery of the posted vector: nothing pending any more
  await page.waitForFunction(() => /User interrupt delivered: vector 0/.test(document.querySelector('.part.sidebar .pane-header[aria-label="Call Stack Section"]')?.textContent ?? '') &&
    [...document.querySelectorAll('.part.sidebar .monaco-list-row')].some((r) => /UIRR/.test(r.textContent ?? '') && !/pending/.test(r.textContent ?? '')), null, { timeout: 30000 });
  await rows('Call Stack').filter({ hasText: 'uintr_handler' }).first().waitFor({ timeout: 20000 });
  const tl = timelineFrame();
  await tl.locator('#summary', { hasText: /^2 interrupts delivered/ }).waitFor({ timeout: 20000 });
  assert.equal(await tl.locator('svg.timeline .interrupt .deliver').count(), 2);
  await setPane('UINTR State', false);
  await setPane('UINTR Events', true);
  await rows('UINTR Events').filter({ hasText: /POST vector 0 → thread \d+/ }).first().waitFor({ timeout: 20000 });
  assert.equal(await rows('UINTR Events').filter({ hasText: /DELIVER vector 0/ }).count(), 2);
  await page.locator('.tabs-container .tab', { hasText: 'Interrupt Timeline' }).first().click();
  await runCommand(page, 'View: Toggle Maximize Editor Group').catch(() => {});
  await page.waitForTimeout(500);
  await shot('post-interrupt-delivered.png');
  await runCommand(page, 'Debug: Stop');
  await page.locator('.debug-toolbar').waitFor({ state: 'hidden', timeout: 20000 });
}));

test('activation time (Developer: Show Running Extensions)', () => step('activation', async () => {
  await runCommand(page, 'Developer: Show Running Extensions');
  const row = page.locator('.runtime-extensions-editor .monaco-list-row', { hasText: 'UINTR Debug' }).first();
  await row.waitFor({ timeout: 20000 });
  const t = await text(row);
  const m = /(\d+)\s*ms/.exec(t);
  assert.ok(m, `activation time in "${t}"`);
  timings.activationMs = Number(m[1]);
  console.log(`# extension activation: ${m[1]} ms (${t})`);
}));
