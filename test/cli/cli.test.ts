/**
 * uintr-run command-line behaviour: bad input gets one clear line and a shell-like status, never a stack
 * trace; fatal signals report 128+signal with the signal, RIP, address and instruction; --max-insns stops
 * with 124; same seed => same run (determinism), different seeds may interleave differently.
 */
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync, execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const root = path.resolve(__dirname, '../..');
const cli = path.join(root, 'dist/uintr-run.js');
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'uintr-cli-'));

function run(args: string[], input?: string) {
  const r = spawnSync(process.execPath, [cli, ...args], { input, encoding: 'utf8', timeout: 120_000 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}
function cc(name: string, src: string, flags: string[] = []): string {
  const c = path.join(dir, name + '.c'), out = path.join(dir, name);
  fs.writeFileSync(c, src);
  execFileSync('gcc', ['-O2', '-static', '-o', out, c, ...flags]);
  return out;
}
function noStack(s: string) {
  assert.doesNotMatch(s, /\n\s+at .*\(.*:\d+:\d+\)/, 'no JS stack trace');
  assert.doesNotMatch(s, /internal error/);
}

before(() => {
  if (!fs.existsSync(cli)) execFileSync(process.execPath, [path.join(root, 'scripts/build.mjs')]);
});

test('missing program: 127 and one line', () => {
  const r = run([path.join(dir, 'nope')]);
  assert.equal(r.status, 127);
  assert.match(r.stderr, /^uintr-run: .*nope: No such file or directory\n$/);
});

test('not an ELF file: 126', () => {
  const f = path.join(dir, 'text.sh');
  fs.writeFileSync(f, '#!/bin/sh\necho hi\n');
  const r = run([f]);
  assert.equal(r.status, 126);
  assert.match(r.stderr, /^uintr-run: .*text\.sh: not an ELF file \(bad magic\)\n$/);
});

test('truncated and corrupt headers: 126', () => {
  const good = cc('tiny', 'int main(void){return 0;}');
  const bytes = fs.readFileSync(good);
  const trunc = path.join(dir, 'trunc');
  fs.writeFileSync(trunc, bytes.subarray(0, 40));
  let r = run([trunc]);
  assert.equal(r.status, 126);
  assert.match(r.stderr, /truncated ELF header/);
  const cut = path.join(dir, 'cut');
  fs.writeFileSync(cut, bytes.subarray(0, 4096));
  r = run([cut]);
  assert.equal(r.status, 126);
  assert.match(r.stderr, /^uintr-run: .*cut: truncated file/);
  const bad = Buffer.from(bytes);
  bad.writeUInt16LE(0x99, 54); // e_phentsize
  const badp = path.join(dir, 'badph');
  fs.writeFileSync(badp, bad);
  r = run([badp]);
  assert.equal(r.status, 126);
  assert.match(r.stderr, /bad program header size/);
  noStack(r.stderr);
});

test('32-bit and non-x86 ELF: 126', () => {
  const e32 = Buffer.alloc(64);
  e32.set([0x7f, 0x45, 0x4c, 0x46, 1, 1, 1]);
  fs.writeFileSync(path.join(dir, 'e32'), e32);
  let r = run([path.join(dir, 'e32')]);
  assert.equal(r.status, 126);
  assert.match(r.stderr, /32-bit ELF programs are not supported/);
  const arm = Buffer.alloc(64);
  arm.set([0x7f, 0x45, 0x4c, 0x46, 2, 1, 1]);
  arm.writeUInt16LE(2, 16);
  arm.writeUInt16LE(183, 18); // EM_AARCH64
  fs.writeFileSync(path.join(dir, 'arm'), arm);
  r = run([path.join(dir, 'arm')]);
  assert.equal(r.status, 126);
  assert.match(r.stderr, /not an x86-64 program \(ELF machine 183\)/);
});

test('dynamically linked program: clear error', () => {
  const c = path.join(dir, 'dyn.c');
  fs.writeFileSync(c, 'int main(void){return 0;}');
  execFileSync('gcc', ['-o', path.join(dir, 'dyn'), c]);
  const r = run([path.join(dir, 'dyn')]);
  assert.equal(r.status, 126);
  assert.match(r.stderr, /dynamically linked programs are not supported yet; link with -static/);
});

test('a directory: 126', () => {
  const r = run([dir]);
  assert.equal(r.status, 126);
  assert.match(r.stderr, /is a directory/);
});

test('bad options: usage and status 2', () => {
  let r = run(['--cores', 'x', '/bin/true']);
  assert.equal(r.status, 2);
  assert.match(r.stderr, /--cores needs a non-negative integer/);
  r = run(['--bogus', '/bin/true']);
  assert.equal(r.status, 2);
  assert.match(r.stderr, /unknown option --bogus/);
  r = run([]);
  assert.equal(r.status, 2);
  assert.match(r.stderr, /missing PROGRAM/);
});

test('exit status and argv/env pass through; guest env is exactly --env', () => {
  const p = cc('args', `#include <stdio.h>
#include <stdlib.h>
extern char **environ;
int main(int c, char **v){ for (int i=1;i<c;i++) printf("[%s]", v[i]); printf("\\n");
  int n=0; for (char **e=environ; *e; e++) { printf("%s\\n", *e); n++; } return n + 40; }`);
  const r = run(['--env', 'A=1', '--env', 'B=two words', p, 'x', 'y z']);
  assert.equal(r.stdout, '[x][y z]\nA=1\nB=two words\n');
  assert.equal(r.status, 42);
});

test('SIGSEGV: 139 and one line naming signal, rip, address and instruction', () => {
  const p = cc('segv', 'int main(void){ volatile int *p = (int*)0x10; return *p; }');
  const r = run([p]);
  assert.equal(r.status, 139);
  assert.match(r.stderr, /^uintr-run: .*segv: terminated by SIGSEGV \(core dumped\) at rip 0x[0-9a-f]+, address 0x10: mov eax,\[.*\]\n$/);
});

test('abort(): 134 (SIGABRT)', () => {
  const p = cc('abrt', '#include <stdlib.h>\nint main(void){ abort(); }');
  const r = run([p]);
  assert.equal(r.status, 134);
  assert.match(r.stderr, /terminated by SIGABRT/);
});

test('--max-insns: 124 and a clear message', () => {
  const p = cc('spin', 'int main(void){ for(volatile long i=0;;i++); }');
  const r = run(['--max-insns', '100000', p]);
  assert.equal(r.status, 124);
  assert.match(r.stderr, /stopped after --max-insns 100000 instructions/);
});

test('--trace syscalls lists unknown system calls as ENOSYS', () => {
  const p = cc('unk', '#include <unistd.h>\n#include <sys/syscall.h>\n#include <stdio.h>\nint main(void){ long r = syscall(999); printf("%ld\\n", r); return 0; }');
  const r = run(['--trace', 'syscalls', p]);
  assert.equal(r.status, 0);
  assert.equal(r.stdout, '-1\n');
  assert.match(r.stderr, /syscall_999\(.*\) = -38 \(unknown system call: ENOSYS\)/);
});

test('--trace uintr says when a UIRET does not return through the frame its delivery pushed', () => {
  const bad = run(['--trace', 'uintr', path.join(root, 'test-fixtures/uasm/forgot-add8.uasm')]);
  assert.equal(bad.status, 128 + 11);
  assert.match(bad.stderr, /UIRET -> rip 0x5, rsp 0x\w+ — not through the frame its delivery pushed at 0x\w+ \(rip 0x401004, rsp 0x\w+\): RSP is 8 bytes below the frame's RIP slot \(the vector was not popped\)/);
  const good = run(['--trace', 'uintr', path.join(root, 'test-fixtures/uasm/priority.uasm')]);
  assert.equal(good.status, 0);
  assert.equal(good.stderr.match(/UIRET -> /g)?.length, 2);
  assert.doesNotMatch(good.stderr, /not through the frame/);
});

const racy = `#include <pthread.h>
#include <stdio.h>
static volatile int order[64]; static volatile int n;
static void *w(void *a){ for (int i=0;i<8;i++){ for (volatile int k=0;k<2000;k++); order[__sync_fetch_and_add(&n,1)] = (int)(long)a; } return 0; }
int main(void){ pthread_t t[4]; for (long i=0;i<4;i++) pthread_create(&t[i],0,w,(void*)i);
  for (int i=0;i<4;i++) pthread_join(t[i],0); for (int i=0;i<32;i++) printf("%d", order[i]); printf("\\n"); return 0; }`;

test('determinism: same seed gives the same output and instruction stream; seeds can interleave differently', () => {
  const p = cc('racy', racy, ['-pthread']);
  const a = run(['--seed', '1', '--stats', p]);
  const b = run(['--seed', '1', '--stats', p]);
  assert.equal(a.status, 0, a.stderr);
  assert.equal(a.stdout, b.stdout);
  const count = (s: string) => /stats: (\d+) instructions, virtual time (\d+)/.exec(s)!.slice(1).join('/');
  assert.equal(count(a.stderr), count(b.stderr), 'same instruction count and virtual time');
  const outs = new Set<string>();
  for (let s = 1; s <= 6; s++) outs.add(run(['--seed', String(s), '--cores', '2', p]).stdout);
  assert.ok(outs.size > 1, `expected different interleavings across seeds, got ${[...outs].join(' | ')}`);
});
