/**
 * Test Explorer for .uasm cases: the pure model (extension/model/uasm-tests.ts: @test discovery, grouping,
 * `uintr-test --json` records and failure locations), the CLI's --json output itself, F5 on a .uasm file
 * (config-model), and the controller (extension/test-controller.ts) against the vscode stand-in: discovery,
 * watcher updates, a run with a passing and a failing case (messages at the annotation's line, expected vs
 * actual, durations) and the Debug profile.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { execFileSync, spawnSync } from 'node:child_process';
import { parseCaseHeader, caseLabel, caseGroup, isCaseFile, testCommand, parseJsonLine, JsonLineReader, failureLocation, failureText } from '../../extension/model/uasm-tests';
import { resolveConfig } from '../../extension/model/config-model';
import { makeVscode, newRecorded, requireWithVscode } from './vscode-mock';
import type { MockController, MockItem } from './vscode-tests-mock';

const root = path.resolve(__dirname, '../..');
const cli = path.join(root, 'dist/uintr-test.js');
function ensureCli(): void {
  if (!fs.existsSync(cli)) execFileSync(process.execPath, [path.join(root, 'scripts/build.mjs')], { stdio: 'inherit' });
}

const PASSING = ['; @test adds two', '; @expect r12 == 5', 'main:', '        mov r12, 2', '        add r12, 3', '        xor eax, eax', '        ret', ''].join('\n');
const FAILING = ['; @test wrong on purpose', '; @cores 1', '; @expect r12 == 6', '; @expect stdout "hi\\n"', 'main:', '        mov r12, 5', '        print "hi\\n"', '        xor eax, eax', '        ret', ''].join('\n');

function workspace(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'uasm-tests-'));
  fs.mkdirSync(path.join(dir, 'cases/sub'), { recursive: true });
  fs.mkdirSync(path.join(dir, 'node_modules/x'), { recursive: true });
  fs.writeFileSync(path.join(dir, 'top.uasm'), PASSING);
  fs.writeFileSync(path.join(dir, 'cases/sub/fail.uasm'), FAILING);
  fs.writeFileSync(path.join(dir, 'node_modules/x/skip.uasm'), PASSING);
  return dir;
}

test('@test discovery: name and position; comments only; no annotation', () => {
  assert.deepEqual(parseCaseHeader('; a case\n  ;  @test  priority order  \nmain: ret\n'), { name: 'priority order', line: 2, column: 6 });
  assert.deepEqual(parseCaseHeader('main: ret ; @test trailing\n'), { name: 'trailing', line: 1, column: 13 });
  assert.deepEqual(parseCaseHeader('db "; @test not a comment"\n; @test real\n'), { name: 'real', line: 2, column: 3 });
  assert.deepEqual(parseCaseHeader('; @tested\nmain: ret\n'), { name: null, line: 0, column: 0 });
  assert.deepEqual(parseCaseHeader('; @test\n'), { name: null, line: 1, column: 3 });
  assert.equal(caseLabel('/w/a/b.uasm', { name: null, line: 0, column: 0 }), 'b.uasm');
  assert.equal(caseLabel('/w/a/b.uasm', { name: 'x', line: 1, column: 3 }), 'x');
  assert.equal(caseGroup('/w', '/w/b.uasm'), '');
  assert.equal(caseGroup('/w', '/w/t/u/b.uasm'), 't/u');
  assert.equal(caseGroup('/w', '/elsewhere/b.uasm'), '');
  assert.equal(isCaseFile('/w', '/w/t/b.uasm'), true);
  assert.equal(isCaseFile('/w', '/w/t/b.asm'), false);
  assert.equal(isCaseFile('/w', '/w/node_modules/p/b.uasm'), false);
  assert.equal(isCaseFile('/w', '/w/.git/b.uasm'), false);
  assert.deepEqual(testCommand('/ext/dist/uintr-test.js', ['/w/a.uasm']), ['/ext/dist/uintr-test.js', '--json', '/w/a.uasm']);
});

test('--json records: cases, summary, validation, split chunks; failure locations and text', () => {
  const rec = parseJsonLine(JSON.stringify({ type: 'case', file: '/w/a.uasm', name: 'n', passed: false, durationMs: 3.5, status: 0, insns: 10, failures: [{ message: '/w/a.uasm:3:3: main: r12 at exit: expected 0x6, actual 0x5', file: '/w/a.uasm', line: 3, column: 3, expected: '0x6', actual: '0x5' }, { message: '(ending: exit status 0)', line: 'x' }, { nope: 1 }], stdout: 'hi\n' }));
  assert.ok(rec && rec.type === 'case');
  const r = rec.report;
  assert.equal(r.durationMs, 3.5);
  assert.equal(r.failures.length, 2);
  assert.deepEqual(r.failures[1], { message: '(ending: exit status 0)' });
  const h = { name: 'n', line: 1, column: 3 };
  assert.deepEqual(failureLocation(r.failures[0], '/w/a.uasm', h), { file: '/w/a.uasm', line: 2, column: 2 });
  assert.deepEqual(failureLocation(r.failures[1], '/w/a.uasm', h), { file: '/w/a.uasm', line: 0, column: 2 });
  assert.equal(failureText(r.failures[0]), 'main: r12 at exit: expected 0x6, actual 0x5');
  assert.equal(failureText(r.failures[1]), '(ending: exit status 0)');
  assert.deepEqual(parseJsonLine('{"type":"summary","passed":3,"failed":1}'), { type: 'summary', passed: 3, failed: 1 });
  assert.equal(parseJsonLine('   '), null);
  assert.equal(parseJsonLine('garbage')!.type, 'error');
  assert.equal(parseJsonLine('{"type":"case"}')!.type, 'error');
  const rd = new JsonLineReader();
  const line = JSON.stringify({ type: 'case', file: '/w/b.uasm', passed: true, failures: [] });
  assert.deepEqual(rd.push(line.slice(0, 10)), []);
  const got = rd.push(line.slice(10) + '\n{"type":"summary","passed":1,');
  assert.equal(got.length, 1);
  assert.equal(got[0].type === 'case' && got[0].report.name, 'b.uasm');
  assert.deepEqual(rd.push('"failed":0}'), []);
  assert.deepEqual(rd.end(), [{ type: 'summary', passed: 1, failed: 0 }]);
});

test('uintr-test --json: one record per case, then the summary; exit status 1 on a failure', () => {
  ensureCli();
  const dir = workspace();
  const r = spawnSync(process.execPath, testCommand(cli, [path.join(dir, 'top.uasm'), path.join(dir, 'cases')]), { encoding: 'utf8' });
  assert.equal(r.status, 1, r.stderr);
  const recs = new JsonLineReader().push(r.stdout);
  assert.deepEqual(recs.map((x) => x.type), ['case', 'case', 'summary']);
  const [a, b, s] = recs;
  assert.ok(a.type === 'case' && b.type === 'case' && s.type === 'summary');
  assert.equal(a.report.passed, true);
  assert.equal(a.report.name, 'adds two');
  assert.ok(a.report.durationMs > 0);
  assert.equal(b.report.passed, false);
  assert.equal(b.report.stdout, 'hi\n');
  const f = b.report.failures[0];
  assert.equal(f.file, path.join(dir, 'cases/sub/fail.uasm'));
  assert.equal(f.line, 3);
  assert.equal(f.expected, '0x6');
  assert.equal(f.actual, '0x5');
  assert.deepEqual(s, { type: 'summary', passed: 1, failed: 1 });
  const bad = spawnSync(process.execPath, [cli, '--jsn', dir], { encoding: 'utf8' });
  assert.equal(bad.status, 2);
  assert.match(bad.stderr, /unknown option --jsn/);
});

test('F5 on a .uasm file: launched as is (no build), annotations keep cores/seed, the ABI from the settings', () => {
  const settings = { cores: 4, seed: 7, abi: 'rfc-v1' as const };
  assert.deepEqual(resolveConfig({}, '/w/case.uasm', settings, () => null), { action: 'launch', config: { type: 'uintr', request: 'launch', name: 'Debug case.uasm', program: '/w/case.uasm', uintrAbi: 'rfc-v1' } });
  const r = resolveConfig({ type: 'uintr', request: 'launch', name: 'x', program: '/w/c.uasm', cores: 3, uintrAbi: 'v2' }, undefined, settings, () => null);
  assert.deepEqual(r, { action: 'launch', config: { type: 'uintr', request: 'launch', name: 'x', program: '/w/c.uasm', cores: 3, uintrAbi: 'v2' } });
});

/** extension/test-controller.ts (TypeScript, through tsx) with `vscode` answered by the stand-in. */
function loadController(dir: string) {
  const rec = newRecorded();
  const vscode = makeVscode(rec) as any;
  vscode.workspace.getWorkspaceFolder = (u: { fsPath: string }) => (u.fsPath.startsWith(dir) ? { uri: { fsPath: dir } } : undefined);
  vscode.Uri.file = (p: string) => ({ fsPath: p, scheme: 'file' });
  const mod = requireWithVscode<typeof import('../../extension/test-controller')>(require.resolve('../../extension/test-controller'), vscode);
  return { rec, vscode, mod };
}

const ids = (c: { forEach(f: (i: MockItem) => void): void }) => {
  const out: string[] = [];
  c.forEach((i) => out.push(i.id));
  return out.sort();
};

test('controller: discovers cases by directory, follows the watcher, runs them (pass/fail at the annotation), debugs', async () => {
  ensureCli();
  const dir = workspace();
  const { rec, mod } = loadController(dir);
  const subs: { dispose(): void }[] = [];
  const c = mod.registerTestController({ subscriptions: subs, extensionPath: root } as any);
  const ctrl = rec.testing!.controllers[0] as MockController;
  assert.equal(ctrl.id, 'uintrUasm');
  assert.deepEqual(ctrl.profiles.map((p) => [p.label, p.kind, p.isDefault]), [['Run', 1, true], ['Debug', 2, true]]);
  const top = path.join(dir, 'top.uasm'), fail = path.join(dir, 'cases/sub/fail.uasm'), skip = path.join(dir, 'node_modules/x/skip.uasm');
  rec.testing!.files = [top, fail, skip];
  await ctrl.resolveHandler!(undefined);
  assert.deepEqual(ids(ctrl.items), [`dir:${path.join(dir, 'cases/sub')}`, top].sort());
  const t = ctrl.items.get(top)!;
  assert.equal(t.label, 'adds two');
  assert.equal(t.description, 'top.uasm');
  assert.deepEqual({ ...(t.range as object) }, { startLine: 0, startCharacter: 0, endLine: 0, endCharacter: 0 });
  const group = ctrl.items.get(`dir:${path.join(dir, 'cases/sub')}`)!;
  assert.equal(group.label, 'cases/sub');
  assert.equal(group.children.get(fail)!.label, 'wrong on purpose');

  // watcher: a new file appears, one is renamed by its @test, one is deleted
  const w = rec.testing!.watchers[0];
  const extra = path.join(dir, 'cases/sub/extra.uasm');
  fs.writeFileSync(extra, PASSING.replace('adds two', 'extra case'));
  w.listeners.get('create')![0]({ fsPath: extra });
  assert.equal(group.children.get(extra)!.label, 'extra case');
  fs.writeFileSync(extra, PASSING.replace('adds two', 'renamed'));
  w.listeners.get('change')![0]({ fsPath: extra });
  assert.equal(group.children.get(extra)!.label, 'renamed');
  fs.rmSync(extra);
  w.listeners.get('delete')![0]({ fsPath: extra });
  assert.equal(group.children.get(extra), undefined);

  // run everything
  const token = { isCancellationRequested: false, onCancellationRequested: () => ({ dispose() {} }) };
  const runP = ctrl.profiles[0];
  await runP.run({ include: undefined, exclude: [] }, token);
  const run = ctrl.runs[0];
  assert.equal(run.ended, true);
  const kinds = (id: string) => run.events.filter((e) => e.id === id && e.kind !== 'output').map((e) => e.kind);
  assert.deepEqual(kinds(top), ['enqueued', 'started', 'passed']);
  assert.deepEqual(kinds(fail), ['enqueued', 'started', 'failed']);
  const passed = run.events.find((e) => e.id === top && e.kind === 'passed')!;
  assert.ok(passed.duration! > 0);
  const failed = run.events.find((e) => e.id === fail && e.kind === 'failed')!;
  const m0 = failed.messages![0];
  assert.equal(m0.message, 'main: r12 at exit: expected 0x6, actual 0x5');
  assert.equal(m0.expectedOutput, '0x6');
  assert.equal(m0.actualOutput, '0x5');
  assert.equal(m0.location.uri.fsPath, fail);
  assert.deepEqual({ ...m0.location.range }, { line: 2, character: 2 });
  assert.ok(run.events.some((e) => e.id === fail && e.kind === 'output' && e.output === 'hi\r\n'));

  // only the group, excluding nothing: the failing case alone
  await runP.run({ include: [group], exclude: [] }, token);
  assert.deepEqual(ctrl.runs[1].events.filter((e) => e.kind !== 'output').map((e) => [e.id, e.kind]), [[fail, 'enqueued'], [fail, 'started'], [fail, 'failed']]);

  // a case that cannot be run at all (the file vanished after discovery): errored, not hanging
  fs.rmSync(top);
  await runP.run({ include: [t], exclude: [] }, token);
  assert.deepEqual(ctrl.runs[2].events.map((e) => e.kind), ['enqueued', 'started', 'errored']);
  assert.match(ctrl.runs[2].events[2].messages![0].message, /no such file|uintr-test/);

  // Debug profile: a uintr launch of the file, the run ends when that session terminates
  const dbgP = ctrl.profiles[1].run({ include: [group.children.get(fail)], exclude: [] }, token);
  for (let i = 0; i < 50 && !rec.testing!.debugStarts.length; i++) await new Promise((r) => setTimeout(r, 10));
  assert.deepEqual(rec.testing!.debugStarts, [{ type: 'uintr', request: 'launch', name: 'Debug wrong on purpose', program: fail }]);
  for (const l of rec.listeners.get('terminate') ?? []) l({ configuration: { program: fail } });
  await dbgP;
  assert.equal(ctrl.runs[3].ended, true);
  c.dispose();
});
