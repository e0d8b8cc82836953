#!/usr/bin/env node
// Builds the differential-test fixtures: every test-fixtures/c/<name>.c becomes
// test-fixtures/build/<name>.<variant> for each variant the fixture asks for.
//
//   node scripts/build-fixtures.mjs [--force] [-j N] [--list] [NAME ...]
//
//   --force   rebuild even if the output is newer than its inputs
//   -j N      parallel compiler jobs (default 2)
//   --list    print fixtures, variants and run metadata, build nothing
//   NAME      only these fixtures (default: all)
//
// Variants:
//   glibc-O0   gcc -O0 -g -static
//   glibc-O2   gcc -O2 -static
//   musl-O2    musl-gcc -O2 -static
// If musl-gcc is not installed the musl variants are skipped with a warning,
// unless CI=true, in which case that is an error.
//
// An output is up to date when it is newer than both its source and this
// script (the flags live here). Outputs are written to a temporary name and
// renamed, so an interrupted build never leaves a half-written binary.
//
// Besides the binaries, the build writes test-fixtures/build/manifest.json,
// which test/differential.test.ts reads: the parsed metadata of every fixture
// and the path of every binary it has.
//
// The metadata format (a header of `//` comment lines at the top of each
// fixture) is documented in test/differential.test.ts; parseFixture() below
// is its only parser.

import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
export const ROOT = path.resolve(here, '..');
export const FIXTURES_DIR = path.join(ROOT, 'test-fixtures');
export const SRC_DIR = path.join(FIXTURES_DIR, 'c');
export const BUILD_DIR = path.join(FIXTURES_DIR, 'build');
export const MANIFEST = path.join(BUILD_DIR, 'manifest.json');

/** Compiler and flags for each variant. */
export const VARIANTS = {
  'glibc-O0': { family: 'glibc', cc: 'gcc', flags: ['-O0', '-g', '-static'] },
  'glibc-O2': { family: 'glibc', cc: 'gcc', flags: ['-O2', '-static'] },
  'musl-O2': { family: 'musl', cc: 'musl-gcc', flags: ['-O2', '-static'] },
};
const COMMON_FLAGS = ['-Wall'];

const KEYS = new Set(['variants', 'args', 'env', 'stdin', 'link', 'cflags', 'expect-exit', 'timeout', 'tags']);

/**
 * Splits a string into words like a POSIX shell would, without expansions:
 * whitespace separates words; '...' is literal; "..." allows \" \\ \$ \`
 * escapes; a backslash outside quotes escapes the next character.
 */
export function splitWords(s) {
  const words = [];
  let cur = '';
  let inWord = false;
  for (let i = 0; i < s.length; i++) {
    const c = s[i];
    if (c === "'") {
      const j = s.indexOf("'", i + 1);
      if (j < 0) throw new Error(`unterminated ' in: ${s}`);
      cur += s.slice(i + 1, j);
      i = j;
      inWord = true;
    } else if (c === '"') {
      inWord = true;
      let j = i + 1;
      for (; j < s.length && s[j] !== '"'; j++) {
        if (s[j] === '\\' && j + 1 < s.length && '"\\$`'.includes(s[j + 1])) j++;
        cur += s[j];
      }
      if (j >= s.length) throw new Error(`unterminated " in: ${s}`);
      i = j;
    } else if (c === '\\' && i + 1 < s.length) {
      cur += s[++i];
      inWord = true;
    } else if (/\s/.test(c)) {
      if (inWord) words.push(cur);
      cur = '';
      inWord = false;
    } else {
      cur += c;
      inWord = true;
    }
  }
  if (inWord) words.push(cur);
  return words;
}

function editDistance(a, b) {
  const d = Array.from({ length: a.length + 1 }, (_, i) => [i, ...Array(b.length).fill(0)]);
  for (let j = 1; j <= b.length; j++) d[0][j] = j;
  for (let i = 1; i <= a.length; i++)
    for (let j = 1; j <= b.length; j++)
      d[i][j] = Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
  return d[a.length][b.length];
}

/** C-style escapes for `stdin:` lines: \n \t \r \0 \\ \xHH. */
function unescapeC(s) {
  return s.replace(/\\(x[0-9a-fA-F]{2}|.)/g, (_, e) => {
    if (e[0] === 'x') return String.fromCharCode(parseInt(e.slice(1), 16));
    return { n: '\n', t: '\t', r: '\r', 0: '\0', '\\': '\\' }[e] ?? e;
  });
}

function expandVariants(words, file) {
  const out = [];
  for (const w of words) {
    const names = w === 'all' ? Object.keys(VARIANTS)
      : VARIANTS[w] ? [w]
      : Object.keys(VARIANTS).filter((v) => VARIANTS[v].family === w);
    if (names.length === 0) throw new Error(`${file}: unknown variant '${w}' (known: all, glibc, musl, ${Object.keys(VARIANTS).join(', ')})`);
    for (const n of names) if (!out.includes(n)) out.push(n);
  }
  return out;
}

/** Parses the metadata header of one fixture source file. */
export function parseFixture(file) {
  const text = fs.readFileSync(file, 'utf8');
  const name = path.basename(file, '.c');
  const meta = {
    name,
    source: path.relative(ROOT, file),
    variants: Object.keys(VARIANTS),
    args: [],
    env: {},
    stdin: '',
    link: [],
    cflags: [],
    expectExit: null,
    timeout: null,
    tags: [],
  };
  let sawVariants = false;
  const lines = text.split('\n');
  for (let ln = 0; ln < lines.length; ln++) {
    const line = lines[ln];
    if (!line.startsWith('//')) break; // the header ends at the first non-`//` line
    const m = /^\/\/\s*([a-z][a-z0-9-]*):(?:\s(.*))?$/.exec(line);
    if (!m) continue; // free comment
    const [, key, rawValue = ''] = m;
    const where = `${path.relative(ROOT, file)}:${ln + 1}`;
    if (!KEYS.has(key)) {
      // prose that happens to start with "word:" is a free comment, but a near-miss of a known key is
      // almost certainly a typo
      const near = [...KEYS].find((k) => editDistance(k, key) <= 2);
      if (near) throw new Error(`${where}: unknown metadata key '${key}' (did you mean '${near}'?)`);
      continue;
    }
    const value = rawValue.trim();
    switch (key) {
      case 'variants':
        meta.variants = expandVariants(splitWords(value), where);
        sawVariants = true;
        break;
      case 'args':
        meta.args.push(...splitWords(value));
        break;
      case 'env':
        for (const w of splitWords(value)) {
          const eq = w.indexOf('=');
          if (eq <= 0) throw new Error(`${where}: env entry '${w}' is not NAME=VALUE`);
          meta.env[w.slice(0, eq)] = w.slice(eq + 1);
        }
        break;
      case 'stdin':
        meta.stdin += unescapeC(rawValue) + '\n'; // raw: leading spaces are kept
        break;
      case 'link':
        meta.link.push(...splitWords(value));
        break;
      case 'cflags':
        meta.cflags.push(...splitWords(value));
        break;
      case 'expect-exit':
        if (!/^\d+$/.test(value)) throw new Error(`${where}: expect-exit must be a number`);
        meta.expectExit = Number(value);
        break;
      case 'timeout':
        if (!/^\d+$/.test(value)) throw new Error(`${where}: timeout must be a number of seconds`);
        meta.timeout = Number(value);
        break;
      case 'tags':
        meta.tags.push(...splitWords(value));
        break;
    }
  }
  if (sawVariants && meta.variants.length === 0) throw new Error(`${file}: empty variants list`);
  return meta;
}

/** All fixtures, sorted by name. */
export function loadFixtures() {
  return fs
    .readdirSync(SRC_DIR)
    .filter((f) => f.endsWith('.c'))
    .sort()
    .map((f) => parseFixture(path.join(SRC_DIR, f)));
}

export function binaryPath(name, variant) {
  return path.join(BUILD_DIR, `${name}.${variant}`);
}

function onPath(cmd) {
  for (const dir of (process.env.PATH ?? '').split(path.delimiter)) {
    if (!dir) continue;
    const p = path.join(dir, cmd);
    try {
      fs.accessSync(p, fs.constants.X_OK);
      return p;
    } catch {}
  }
  return null;
}

function mtime(p) {
  try {
    return fs.statSync(p).mtimeMs;
  } catch {
    return -1;
  }
}

function compile(job) {
  return new Promise((resolve) => {
    const tmp = `${job.out}.tmp${process.pid}`;
    const argv = [...job.flags, ...COMMON_FLAGS, ...job.cflags, '-o', tmp, job.src, ...job.link];
    const child = spawn(job.cc, argv, { stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (d) => (output += d));
    child.stderr.on('data', (d) => (output += d));
    child.on('error', (err) => resolve({ ok: false, cmd: [job.cc, ...argv].join(' '), output: String(err) }));
    child.on('close', (code, signal) => {
      const ok = code === 0;
      if (ok) fs.renameSync(tmp, job.out);
      else fs.rmSync(tmp, { force: true });
      resolve({ ok, cmd: [job.cc, ...argv].join(' '), output: output + (signal ? `\n(killed by ${signal})` : '') });
    });
  });
}

async function pool(items, n, fn) {
  let next = 0;
  const workers = Array.from({ length: Math.min(n, items.length) }, async () => {
    while (next < items.length) await fn(items[next++]);
  });
  await Promise.all(workers);
}

/**
 * Builds what is out of date (of the fixtures named in `only`, or all). Returns
 * { ok, built, upToDate, failed, skipped }. Also writes the manifest, which always lists every fixture.
 */
export async function buildFixtures({ force = false, jobs = 2, only = [], log = console.log } = {}) {
  const ci = process.env.CI === 'true';
  let all;
  try {
    all = loadFixtures();
  } catch (err) {
    log(`build-fixtures: metadata error: ${err.message}`);
    return { ok: false, built: 0, upToDate: 0, failed: 1, skipped: 0 };
  }
  const unknown = only.filter((n) => !all.some((f) => f.name === n));
  if (unknown.length) {
    log(`build-fixtures: no such fixture: ${unknown.join(', ')}`);
    return { ok: false, built: 0, upToDate: 0, failed: unknown.length, skipped: 0 };
  }
  const selected = (f) => only.length === 0 || only.includes(f.name);
  const fixtures = all.filter(selected);
  fs.mkdirSync(BUILD_DIR, { recursive: true });

  const available = {};
  for (const [v, spec] of Object.entries(VARIANTS)) available[v] = onPath(spec.cc) !== null;
  let ok = true;
  for (const [v, spec] of Object.entries(VARIANTS)) {
    if (available[v]) continue;
    if (ci || spec.family !== 'musl') {
      log(`build-fixtures: error: ${spec.cc} not found on PATH (needed for ${v})`);
      ok = false;
    } else {
      log(`build-fixtures: warning: ${spec.cc} not found; skipping ${v} variants (apt-get install musl-tools)`);
    }
  }

  const scriptTime = mtime(fileURLToPath(import.meta.url));
  const jobsList = [];
  let upToDate = 0;
  let skipped = 0;
  for (const f of fixtures) {
    f.binaries = {}; // variant -> binary path (relative to the repository root)
    f.skipped = {}; // variant -> why it was not built
    const src = path.join(ROOT, f.source);
    for (const v of f.variants) {
      const out = binaryPath(f.name, v);
      if (!available[v]) {
        f.skipped[v] = `${VARIANTS[v].cc} is not installed`;
        skipped++;
        continue;
      }
      f.binaries[v] = path.relative(ROOT, out);
      const outTime = mtime(out);
      if (!force && outTime >= mtime(src) && outTime >= scriptTime) {
        upToDate++;
        continue;
      }
      const spec = VARIANTS[v];
      jobsList.push({ name: `${f.name}.${v}`, cc: spec.cc, flags: spec.flags, cflags: f.cflags, link: f.link, src, out });
    }
  }

  let built = 0;
  const failures = [];
  await pool(jobsList, jobs, async (job) => {
    const r = await compile(job);
    if (r.ok) {
      built++;
      if (r.output.trim()) log(`build-fixtures: ${job.name}: compiler output:\n${r.output.trimEnd()}`);
    } else {
      failures.push(job.name);
      log(`build-fixtures: FAILED ${job.name}\n  $ ${r.cmd}\n${r.output.trimEnd().replace(/^/gm, '  ')}`);
    }
  });

  // Failed binaries must not be picked up as stale-but-present by the tests.
  for (const f of fixtures) for (const v of Object.keys(f.binaries)) if (failures.includes(`${f.name}.${v}`)) delete f.binaries[v];
  // The manifest always lists every fixture; those not selected this time keep whatever binaries exist.
  for (const f of all) {
    if (selected(f)) continue;
    f.binaries = {};
    f.skipped = {};
    for (const v of f.variants) {
      if (!available[v]) f.skipped[v] = `${VARIANTS[v].cc} is not installed`;
      else if (fs.existsSync(binaryPath(f.name, v))) f.binaries[v] = path.relative(ROOT, binaryPath(f.name, v));
    }
  }
  fs.writeFileSync(MANIFEST, JSON.stringify({ generatedBy: 'scripts/build-fixtures.mjs', fixtures: all }, null, 2) + '\n');

  if (failures.length) ok = false;
  log(`build-fixtures: ${built} built, ${upToDate} up to date, ${failures.length} failed, ${skipped} skipped (${fixtures.length} fixtures)`);
  return { ok, built, upToDate, failed: failures.length, skipped };
}

async function main(argv) {
  let force = false;
  let jobs = 2;
  let list = false;
  const only = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--force') force = true;
    else if (a === '--list') list = true;
    else if (a === '-j' || a === '--jobs') jobs = Number(argv[++i]);
    else if (/^-j\d+$/.test(a)) jobs = Number(a.slice(2));
    else if (a === '-h' || a === '--help') {
      console.log('usage: node scripts/build-fixtures.mjs [--force] [-j N] [--list] [NAME ...]');
      return 0;
    } else if (a.startsWith('-')) {
      console.error(`build-fixtures: unknown option ${a}`);
      return 2;
    } else only.push(a.replace(/\.c$/, ''));
  }
  if (!(jobs >= 1)) {
    console.error('build-fixtures: -j needs a positive number');
    return 2;
  }
  if (list) {
    let all;
    try {
      all = loadFixtures();
    } catch (err) {
      console.error(`build-fixtures: metadata error: ${err.message}`);
      return 1;
    }
    for (const f of all) {
      if (only.length && !only.includes(f.name)) continue;
      const extra = [
        f.args.length ? `args=${JSON.stringify(f.args)}` : '',
        Object.keys(f.env).length ? `env=${JSON.stringify(f.env)}` : '',
        f.stdin ? `stdin=${JSON.stringify(f.stdin)}` : '',
        f.link.length ? `link=${f.link.join(' ')}` : '',
        f.expectExit !== null ? `expect-exit=${f.expectExit}` : '',
        f.tags.length ? `tags=${f.tags.join(',')}` : '',
      ].filter(Boolean);
      console.log(`${f.name}: ${f.variants.join(' ')}${extra.length ? '  ' + extra.join(' ') : ''}`);
    }
    return 0;
  }
  const r = await buildFixtures({ force, jobs, only });
  return r.ok ? 0 : 1;
}

if (process.argv[1] && import.meta.url === pathToFileURL(path.resolve(process.argv[1])).href) {
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (err) => {
      console.error(err);
      process.exit(1);
    },
  );
}
