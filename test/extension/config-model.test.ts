import test from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { resolveConfig, gccArgs, elfProblem, findOnPath, applyDefaults, outputFor, extraFlagsFor } from '../../extension/model/config-model';

const settings = { cores: 4, seed: 7, abi: 'rfc-v1' as const };

function elfHeader(o: { cls?: number; machine?: number; interp?: boolean } = {}): Uint8Array {
  const b = Buffer.alloc(64 + 56 * 2);
  b.set([0x7f, 0x45, 0x4c, 0x46, o.cls ?? 2, 1, 1], 0);
  b.writeUInt16LE(o.machine ?? 62, 18);
  b.writeBigUInt64LE(64n, 32);
  b.writeUInt16LE(56, 54);
  b.writeUInt16LE(2, 56);
  b.writeUInt32LE(1, 64); // PT_LOAD
  b.writeUInt32LE(o.interp ? 3 : 1, 64 + 56);
  return b;
}

test('ELF check: static x86-64 ok; not ELF, 32-bit, other machine, dynamic rejected', () => {
  assert.equal(elfProblem(elfHeader()), null);
  assert.equal(elfProblem(Buffer.from('#!/bin/sh\necho hi\n'.padEnd(80))), 'not an ELF file');
  assert.match(elfProblem(elfHeader({ cls: 1 }))!, /32-bit/);
  assert.match(elfProblem(elfHeader({ machine: 183 }))!, /not an x86-64 ELF \(e_machine 183\)/);
  assert.match(elfProblem(elfHeader({ interp: true }))!, /dynamically linked/);
});

test('F5 without launch.json: static ELF → launch with the settings\' defaults', () => {
  const r = resolveConfig({}, '/w/prog', settings, () => elfHeader());
  assert.deepEqual(r, { action: 'launch', config: { type: 'uintr', request: 'launch', name: 'Debug prog', program: '/w/prog', cores: 4, seed: 7, uintrAbi: 'rfc-v1' } });
});

test('F5 on a C file → build with gcc -O0 -g -static -pthread -muintr, then debug the output', () => {
  const r = resolveConfig({}, '/w/src/uipi.c', settings, () => null);
  assert.equal(r.action, 'build');
  if (r.action !== 'build') return;
  assert.equal(r.source, '/w/src/uipi.c');
  assert.equal(r.output, '/w/src/uipi');
  assert.equal(r.config.program, '/w/src/uipi');
  assert.deepEqual(gccArgs(r.source, r.output), ['-O0', '-g', '-static', '-pthread', '-muintr', '-o', '/w/src/uipi', '/w/src/uipi.c']);
  assert.equal(outputFor('a/b.C'), path.join('a', 'b'));
});

test('errors: no active file, no program, a non-ELF; launch.json values win over settings', () => {
  assert.match((resolveConfig({}, undefined, settings, () => null) as { message: string }).message, /open a static x86-64 ELF or a C file/);
  assert.match((resolveConfig({ type: 'uintr', request: 'launch', name: 'x' }, '/w/a', settings, () => null) as { message: string }).message, /needs a "program"/);
  assert.match((resolveConfig({}, '/w/notes.txt', settings, () => Buffer.from('hello'.padEnd(100))) as { message: string }).message, /cannot debug \/w\/notes\.txt: not an ELF file/);
  assert.deepEqual(applyDefaults({ cores: 1, seed: 0 }, settings), { cores: 1, seed: 0, uintrAbi: 'rfc-v1' });
  // unreadable (relative to the adapter's cwd): left to the adapter
  assert.equal(resolveConfig({ type: 'uintr', request: 'launch', name: 'x', program: 'rel/prog' }, undefined, settings, () => null).action, 'launch');
});

test('gcc lookup on PATH', () => {
  const have = new Set(['/usr/bin/gcc']);
  assert.equal(findOnPath('gcc', '/nope:/usr/bin', (p) => have.has(p)), '/usr/bin/gcc');
  assert.equal(findOnPath('gcc', '/nope', (p) => have.has(p)), null);
  assert.equal(findOnPath('gcc', undefined, (p) => have.has(p)), null);
});

test('the gcc command line builds a static UINTR program that the ELF check accepts', { skip: !findOnPath('gcc', process.env.PATH, fs.existsSync) && 'no gcc' }, () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'uintr-ext-'));
  const src = path.join(dir, 'u.c');
  fs.writeFileSync(src, '#include <x86gprintrin.h>\nint main(void) { _clui(); return _testui(); }\n');
  execFileSync('gcc', gccArgs(src, outputFor(src)));
  const r = resolveConfig({ type: 'uintr', request: 'launch', name: 'u', program: outputFor(src) }, undefined, settings, (p) => fs.readFileSync(p).subarray(0, 4096));
  assert.equal(r.action, 'launch');
  fs.rmSync(dir, { recursive: true, force: true });
});

test('a C file with a user-interrupt handler (the uipi sample) builds with the flags the provider chooses', { skip: !findOnPath('gcc', process.env.PATH, fs.existsSync) && 'no gcc' }, () => {
  const sample = path.join(__dirname, '../../test-fixtures/uintr/uipi_sample.c');
  const text = fs.readFileSync(sample, 'utf8');
  assert.deepEqual(extraFlagsFor(text), ['-mgeneral-regs-only']);
  // a handler mentioned only in a comment, or no handler at all: plain flags (floating point stays usable)
  assert.deepEqual(extraFlagsFor('/* __attribute__((interrupt)) */\n// __attribute__ ((interrupt))\nint main(void) { return 0; }\n'), []);
  assert.deepEqual(extraFlagsFor('void __attribute__ ((__interrupt__)) h(struct __uintr_frame *f, unsigned long long v) {}\n'), ['-mgeneral-regs-only']);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'uintr-ext-'));
  const out = path.join(dir, 'uipi');
  execFileSync('gcc', gccArgs(sample, out, extraFlagsFor(text)), { stdio: 'pipe' });
  const r = resolveConfig({ type: 'uintr', request: 'launch', name: 'u', program: out }, undefined, settings, (p) => fs.readFileSync(p).subarray(0, 4096));
  assert.equal(r.action, 'launch');
  fs.rmSync(dir, { recursive: true, force: true });
});
