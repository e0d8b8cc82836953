#!/usr/bin/env node
/**
 * uintr-test [--json] [FILES|DIRS...]: run annotated-assembly (.uasm) test cases (directories are searched
 * recursively; default: the current directory). One line per case, details for failures, a closing
 * `N passed, N failed` line; exit status 1 if any case failed, 2 for usage errors.
 *
 * --json: machine-readable output (used by the VS Code Test Explorer), JSON Lines on stdout: one object per
 * case as it finishes, `{"type":"case","file","name","passed","durationMs","status","insns","failures":[
 * {"message","file"?,"line"?,"column"?,"expected"?,"actual"?}],"stdout"}`, then
 * `{"type":"summary","passed","failed"}`. Lines and columns are 1-based; `file`/`line`/`column` are absent
 * when a message has no source position. Exit status as without --json.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { runCaseFile, CaseResult } from '../asm/runner';

export interface JsonFailure {
  message: string;
  file?: string;
  line?: number;
  column?: number;
  expected?: string;
  actual?: string;
}

/** A failure message of the runner (`file:line:col: text`, possibly `expected X, actual Y`) as a JSON object. */
export function jsonFailure(msg: string, file: string): JsonFailure {
  const out: JsonFailure = { message: msg };
  const first = msg.split('\n')[0];
  const loc = /^(.*?):(\d+):(\d+): /.exec(first);
  if (loc && (loc[1] === file || loc[1].endsWith('.uasm'))) {
    out.file = loc[1];
    out.line = Number(loc[2]);
    out.column = Number(loc[3]);
  }
  const ea = /expected (.*?), actual:? (.*)$/.exec(first);
  if (ea) {
    out.expected = ea[1];
    out.actual = ea[2];
  }
  return out;
}

export function jsonCase(r: CaseResult, durationMs: number): Record<string, unknown> {
  return {
    type: 'case',
    file: r.file,
    name: r.name,
    passed: r.passed,
    durationMs: Math.round(durationMs * 10) / 10,
    status: r.status,
    insns: r.insns,
    failures: r.failures.map((m) => jsonFailure(m, r.file)),
    stdout: r.stdout,
  };
}

export function findCases(args: string[]): string[] {
  const out: string[] = [];
  const walk = (p: string) => {
    const st = fs.statSync(p);
    if (st.isDirectory()) {
      for (const e of fs.readdirSync(p).sort()) if (!e.startsWith('.') && e !== 'node_modules') walk(path.join(p, e));
    } else if (p.endsWith('.uasm')) out.push(p);
  };
  for (const a of args.length ? args : ['.']) {
    if (!fs.existsSync(a)) throw new Error(`${a}: no such file or directory`);
    const st = fs.statSync(a);
    if (st.isFile()) out.push(a);
    else walk(a);
  }
  return out;
}

export function main(argv: string[], write: (s: string) => void = (s) => process.stdout.write(s)): number {
  if (argv.includes('--help')) {
    write('usage: uintr-test [--json] [FILES|DIRS...]\n');
    return 0;
  }
  const json = argv.includes('--json');
  const bad = argv.find((a) => a.startsWith('--') && a !== '--json');
  if (bad) {
    process.stderr.write(`uintr-test: unknown option ${bad}\nusage: uintr-test [--json] [FILES|DIRS...]\n`);
    return 2;
  }
  let files: string[];
  try {
    files = findCases(argv.filter((a) => a !== '--json'));
  } catch (e) {
    process.stderr.write(`uintr-test: ${(e as Error).message}\n`);
    return 2;
  }
  let pass = 0, fail = 0;
  for (const f of files) {
    const t0 = performance.now();
    const r = runCaseFile(f);
    if (json) {
      if (r.passed) pass++;
      else fail++;
      write(JSON.stringify(jsonCase(r, performance.now() - t0)) + '\n');
      continue;
    }
    if (r.passed) {
      pass++;
      write(`ok   ${f}: ${r.name}\n`);
    } else {
      fail++;
      write(`FAIL ${f}: ${r.name}\n`);
      for (const m of r.failures) write(`    ${m.replace(/\n/g, '\n    ')}\n`);
    }
  }
  if (json) write(JSON.stringify({ type: 'summary', passed: pass, failed: fail }) + '\n');
  else write(`${pass} passed, ${fail} failed\n`);
  return fail ? 1 : 0;
}

if (require.main === module) {
  let code: number;
  try {
    code = main(process.argv.slice(2));
  } catch (e) {
    process.stderr.write(`uintr-test: internal error: ${(e as Error).stack ?? e}\n`);
    code = 70;
  }
  process.exitCode = code;
}
