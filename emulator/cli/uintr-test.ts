#!/usr/bin/env node
/**
 * uintr-test [FILES|DIRS...]: run annotated-assembly (.uasm) test cases (directories are searched
 * recursively; default: the current directory). One line per case, details for failures, a closing
 * `N passed, N failed` line; exit status 1 if any case failed, 2 for usage errors.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { runCaseFile } from '../asm/runner';

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
    write('usage: uintr-test [FILES|DIRS...]\n');
    return 0;
  }
  let files: string[];
  try {
    files = findCases(argv);
  } catch (e) {
    process.stderr.write(`uintr-test: ${(e as Error).message}\n`);
    return 2;
  }
  let pass = 0, fail = 0;
  for (const f of files) {
    const r = runCaseFile(f);
    if (r.passed) {
      pass++;
      write(`ok   ${f}: ${r.name}\n`);
    } else {
      fail++;
      write(`FAIL ${f}: ${r.name}\n`);
      for (const m of r.failures) write(`    ${m.replace(/\n/g, '\n    ')}\n`);
    }
  }
  write(`${pass} passed, ${fail} failed\n`);
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
