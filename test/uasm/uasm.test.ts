/**
 * The annotated-assembly language: every case in test-fixtures/uasm passes; the assembler agrees with GNU as
 * (both decoded by iced and compared as text); assembly and annotation errors carry file:line:col; a wrong
 * expectation fails with expected vs actual; the CLIs (uintr-test, uintr-run FILE.uasm) behave.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { execFileSync, spawnSync } from 'node:child_process';
import { runCaseFile, runCaseSource, compileCase } from '../../emulator/asm/runner';
import { assembleSource, parseSource, assemble } from '../../emulator/asm/assembler';
import { AsmError } from '../../emulator/asm/parse';
import { disassemble } from '../../emulator/cpu/decode';
import { parseElf } from '../../emulator/linux/elf';
import { main as uintrTest, findCases } from '../../emulator/cli/uintr-test';

const root = path.resolve(__dirname, '../..');
const FIXTURES = path.join(root, 'test-fixtures/uasm');

test('every annotated case in test-fixtures/uasm passes (at least 30)', () => {
  const files = findCases([FIXTURES]);
  assert.ok(files.length >= 30, `${files.length} cases`);
  const failed: string[] = [];
  for (const f of files) {
    const r = runCaseFile(f);
    if (!r.passed) failed.push(`${path.basename(f)}:\n  ${r.failures.join('\n  ')}`);
  }
  assert.deepEqual(failed, []);
});

// ------------------------------------------------------------------ the assembler

function textOf(bytes: Uint8Array, base: number): string[] {
  const out: string[] = [];
  let o = 0;
  while (o < bytes.length) {
    const d = disassemble(bytes.subarray(o, o + 15), base + o);
    out.push(d.text);
    o += d.len;
  }
  return out;
}

const SAMPLE = [
  'mov rax, rbx', 'mov eax, 0xffffffff', 'mov rax, 0x123456789a', 'mov rax, -1', 'mov r8b, 3', 'mov ah, bl', 'mov word ptr [rax], 5',
  'mov qword ptr [rsp+8], -2', 'mov rcx, [rbx+rsi*8+0x40]', 'mov [r13], r12d', 'movzx eax, byte ptr [rdi]', 'movsx rax, word ptr [rsi+2]', 'movsxd rax, ecx',
  'lea rax, [rbx+rcx*4-8]', 'add rax, 5', 'add rax, 0x1000', 'sub esp, 12', 'and r9, -16', 'or byte ptr [rax], 0x80', 'xor r15d, r15d', 'cmp qword ptr [rbp-8], 0',
  'test al, 1', 'inc qword ptr [rax]', 'dec r14', 'neg rax', 'not ecx', 'imul rax, rbx, 7', 'imul rcx', 'div r8', 'shl rax, 1', 'shr rdx, cl', 'sar r9d, 5', 'rol ax, 3',
  'push rbx', 'push r12', 'push 0x40603', 'push -1', 'pop r15', 'pushfq', 'popfq', 'call rax', 'jmp r11', 'ret', 'ret 8', 'syscall', 'nop', 'pause', 'hlt', 'cqo', 'cdqe',
  'xchg rcx, rdx', 'lock cmpxchg [rdx], rcx', 'lock xadd [rdi], eax', 'rep movsb', 'rep stosq', 'setb al', 'sete r10b', 'cmovne rax, rdx', 'bt rax, 5', 'bsf rcx, rdx',
  'mov ax, ss', 'mov ss, ax', 'stui', 'clui', 'testui', 'uiret', 'senduipi rax', 'senduipi r8', 'senduipi r15', 'senduipi rdi', 'rdtsc', 'cpuid', 'endbr64',
  'movdqa xmm0, xmm1', 'movq xmm2, rax', 'pxor xmm3, xmm3', 'movups xmmword ptr [rsp], xmm0', 'addsd xmm0, qword ptr [rax]',
];

test('the assembler agrees with GNU as on a broad sample (decoded and compared as text)', (t) => {
  try {
    execFileSync('as', ['--version'], { stdio: 'ignore' });
  } catch {
    t.skip('GNU as not installed');
    return;
  }
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'uasm-as-'));
  try {
    fs.writeFileSync(path.join(dir, 'a.s'), '.intel_syntax noprefix\n' + SAMPLE.join('\n') + '\n');
    execFileSync('as', ['--64', '-o', path.join(dir, 'a.o'), path.join(dir, 'a.s')]);
    execFileSync('objcopy', ['-O', 'binary', '-j', '.text', path.join(dir, 'a.o'), path.join(dir, 'a.bin')]);
    const gas = textOf(new Uint8Array(fs.readFileSync(path.join(dir, 'a.bin'))), 0x401000);
    // each instruction alone (so branch/rip-relative addresses do not matter)
    const ours = SAMPLE.map((s) => {
      const p = assemble(parseSource(`main:\n ${s}\n`, 'x.uasm'));
      const text = p.sections.find((x) => x.name === '.text')!;
      return textOf(text.bytes, text.base)[0];
    });
    assert.deepEqual(ours, gas);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('branches are relaxed (short when in range, near otherwise); labels, local labels, rel addressing', () => {
  const src = `
main:
.top:   dec ecx
        jnz .top
        jmp far_away
        times 200 nop
far_away:
        lea rsi, [rel msg]
        mov rdi, msg
        call main
        section .data
msg:    db "x", 0
`;
  const { prog } = assembleSource(src, 'b.uasm');
  const text = prog.sections.find((s) => s.name === '.text')!;
  const lines = textOf(text.bytes, text.base);
  assert.match(lines[1], /^jne short 0*401000h$/);
  assert.match(lines[2], /^jmp 0*4010d1h$/i, 'near jump over 200 bytes (2 + 2 + 5 + 200 bytes from main)');
  assert.equal(lines[203], 'lea rsi,[600000h]');
  assert.equal(prog.symbols.get('main.top'), 0x401000);
  assert.equal(prog.symbols.get('msg'), 0x600000);
});

test('disassembly reads as source: every instruction of the fixtures, formatted by iced, assembles to the same instruction', () => {
  let n = 0;
  for (const f of findCases([FIXTURES])) {
    const { prog } = assembleSource(fs.readFileSync(f, 'utf8'), f);
    const text = prog.sections.find((s) => s.name === '.text')!;
    let o = 0;
    while (o < text.bytes.length) {
      const ip = text.base + o;
      const d = disassemble(text.bytes.subarray(o, o + 15), ip);
      o += d.len;
      if (d.text === '(bad)' || /^\(bad\)|^db /.test(d.text)) continue;
      // re-assemble the formatted text at the same address (`$` = that address; org by padding)
      const again = assemble(parseSource(`main:\n times ${ip - text.base} nop\n ${d.text}\n`, 'rt.uasm'));
      const t2 = again.sections.find((s) => s.name === '.text')!;
      const d2 = disassemble(t2.bytes.subarray(ip - text.base, ip - text.base + 15), ip);
      assert.equal(d2.text, d.text, `${path.basename(f)} at 0x${ip.toString(16)}`);
      n++;
    }
  }
  assert.ok(n > 500, `${n} instructions`);
});

test('the output is a static ELF64 the loader accepts, with a symbol table', () => {
  const { elf, prog } = assembleSource('main:\n ret\n section .bss\nbuf: resb 64\n', 'e.uasm');
  const img = parseElf(elf);
  assert.equal(img.entry, prog.entry);
  assert.ok(img.phdrs.some((p) => p.vaddr === 0x700000 && p.memsz === 64 && p.filesz === 0), 'bss segment');
  assert.ok(Buffer.from(elf).includes(Buffer.from('buf\0')), 'symbol names');
});

// ------------------------------------------------------------------ errors with positions

function errorOf(src: string): string {
  try {
    compileCase(src, 'bad.uasm');
  } catch (e) {
    assert.ok(e instanceof AsmError, String(e));
    return e.message;
  }
  assert.fail('no error');
}

test('assembly errors carry file:line:col and a precise message', () => {
  const cases: [string, string][] = [
    ['main:\n  movx rax, 1\n', "bad.uasm:2:3: unknown instruction or directive 'movx'"],
    ['main:\n  mov [rax], 5\n', 'bad.uasm:2:3: operand size is ambiguous: write byte/word/dword/qword ptr before the memory operand'],
    ['main:\n  jmp nowhere\n', "bad.uasm:2:7: undefined symbol 'nowhere'"],
    ['main:\n  mov eax, rbx\n', "bad.uasm:2:3: invalid operands for 'mov' (register eax, register rbx)"],
    ['main:\n  db "abc\n', 'bad.uasm:2:6: unterminated string'],
    ['main:\n  mov rax, [rbx+\n', 'bad.uasm:2:17: expected an expression at end of line'],
    ['main:\n  mov rax, [rsp*2]\n', 'bad.uasm:2:12: rsp cannot be an index register'],
    ['main:\nmain:\n  ret\n', "bad.uasm:2:1: label 'main' is already defined (at line 1)"],
    ['.x:\n ret\n', "bad.uasm:1:1: local label '.x' before any global label"],
    ['main:\n  section .foo\n', "bad.uasm:2:11: unknown section '.foo' (use .text, .rodata, .data or .bss)"],
    ['main:\n  add al, 300\n', "bad.uasm:2:3: cannot encode 'add': Invalid unsigned immediate"],
    ['main:\n  ret\n  uintr nobody, uif=1\n', "bad.uasm:3:3: unknown thread 'nobody' (without thread directives the only thread is 'main')"],
    ['main:\n  uintr main, foo=1\n', "bad.uasm:2:15: unknown uintr field 'foo' (known: uif, uirr, handler, stackadjust, uinv, upid, uitt, uittsz, tt_valid)"],
    ['main:\n  upid on=1, colour=2\n', "bad.uasm:2:3: upid: unknown key 'colour'"],
  ];
  for (const [src, msg] of cases) assert.equal(errorOf(src), msg, src);
});

test('annotation errors carry file:line:col and a precise message', () => {
  const body = '        thread main, start\nstart:\n        ret\n';
  const cases: [string, string][] = [
    ['; @expect main: rax = 3', "bad.uasm:1:21: expected '==' or '!=', found '='"],
    ['; @expect foo: rax == 3', "bad.uasm:1:3: unknown thread 'foo' (threads: main)"],
    ['; @expect event deliverx', 'bad.uasm:1:17: unknown event kind'],
    ['; @expect rax == nowhere', "bad.uasm:1:18: undefined symbol 'nowhere'"],
    ['; @bogus 3', "bad.uasm:1:3: unknown annotation '@bogus'"],
    ['; @expect fault SIGSEGV at nolabel', "bad.uasm:1:3: unknown label 'nolabel'"],
    ['; @expect stdout hello', 'bad.uasm:1:18: expected a quoted string'],
    ['; @expect main: zz == 1', "bad.uasm:1:17: unknown register or UINTR field 'zz'"],
    ['; @cores 0', 'bad.uasm:1:3: @cores must be between 1 and 64'],
    ['; @expect order deliver', "bad.uasm:1:3: @expect order needs at least two events joined by 'then'"],
  ];
  for (const [ann, msg] of cases) assert.ok(errorOf(ann + '\n' + body).startsWith(msg), `${ann}: ${errorOf(ann + '\n' + body)}`);
  // two threads: an expectation must name its thread
  assert.match(errorOf('; @expect rax == 1\n thread a, s\n thread b, s\ns: ret\n'), /^bad\.uasm:1:3: say which thread/);
});

// ------------------------------------------------------------------ failing expectations

test('a wrong expectation fails with expected vs actual and the relevant events', () => {
  const src = fs.readFileSync(path.join(FIXTURES, 'priority.uasm'), 'utf8').replace('r12 == 60', 'r12 == 61').replace('then deliver vector=3', 'then deliver vector=4');
  const r = runCaseSource(src, 'wrong.uasm');
  assert.equal(r.passed, false);
  const all = r.failures.join('\n');
  assert.match(all, /wrong\.uasm:3:3: main: r12 at exit: expected 0x3d, actual 0x3c/);
  assert.match(all, /wrong\.uasm:\d+:3: order: matched 2 of 3; first unmatched: deliver vector=4/);
  assert.match(all, /DELIVER vector 60 -> handler/);
  assert.match(all, /DELIVER vector 3 -> handler/);
});

test('wrong exit status, stdout, event count and fault are reported', () => {
  const base = '        thread main, start\nstart:\n        print "hi"\n        mov eax, 3\n        ret\n';
  const r = runCaseSource('; @test w\n; @expect exit 4\n; @expect stdout "ho"\n; @expect event deliver count=1\n' + base, 'w.uasm');
  const all = r.failures.join('\n');
  assert.match(all, /w\.uasm:2:3: expected exit status 4, actual: exit status 3/);
  assert.match(all, /w\.uasm:3:3: stdout: expected "ho", actual "hi"/);
  assert.match(all, /w\.uasm:4:3: event deliver: expected 1, actual 0/);
  const f = runCaseSource('; @test f\n; @expect fault SIGILL at start\n' + base, 'f.uasm');
  assert.match(f.failures.join('\n'), /f\.uasm:2:3: expected SIGILL at start, actual: exit status 3/);
  const l = runCaseSource('; @test l\n; @expect main: rax == 1 at never\n' + base + 'never: ret\n', 'l.uasm');
  assert.match(l.failures.join('\n'), /l\.uasm:2:3: main never reached never/);
});

// ------------------------------------------------------------------ CLIs

test('uintr-test: one line per case, a closing count, exit 1 on failure', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'uasm-cli-'));
  try {
    fs.copyFileSync(path.join(FIXTURES, 'priority.uasm'), path.join(dir, 'a.uasm'));
    fs.writeFileSync(path.join(dir, 'b.uasm'), '; @test fails\n; @expect exit 1\nmain:\n xor eax, eax\n ret\n');
    let out = '';
    const code = uintrTest([dir], (s) => (out += s));
    assert.equal(code, 1);
    const lines = out.trimEnd().split('\n');
    assert.match(lines[0], /^ok   .*a\.uasm: vectors 3 and 60/);
    assert.match(lines[1], /^FAIL .*b\.uasm: fails$/);
    assert.match(lines[2], /b\.uasm:2:3: expected exit status 1, actual: exit status 0/);
    assert.equal(lines[lines.length - 1], '1 passed, 1 failed');
    out = '';
    assert.equal(uintrTest([path.join(dir, 'a.uasm')], (s) => (out += s)), 0);
    assert.match(out, /1 passed, 0 failed\n$/);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('the bundled CLIs: uintr-test over the fixtures, uintr-run FILE.uasm', (t) => {
  const test = path.join(root, 'dist/uintr-test.js'), run = path.join(root, 'dist/uintr-run.js');
  if (!fs.existsSync(test) || !fs.existsSync(run)) {
    t.skip('dist not built');
    return;
  }
  const r = spawnSync(process.execPath, [run, '--trace', 'uintr', path.join(FIXTURES, 'stdout-and-exit.uasm')], { encoding: 'utf8' });
  assert.equal(r.status, 42);
  assert.equal(r.stdout, 'a\tb\n');
  // architecture-level directives apply under uintr-run too
  const p = spawnSync(process.execPath, [run, '--trace', 'uintr', path.join(FIXTURES, 'priority.uasm')], { encoding: 'utf8' });
  assert.equal(p.status, 0);
  assert.match(p.stderr, /DELIVER vector 60[^]*DELIVER vector 3/);
  const bad = path.join(os.tmpdir(), `uasm-bad-${process.pid}.uasm`);
  fs.writeFileSync(bad, 'main:\n  movx rax, 1\n');
  try {
    const b = spawnSync(process.execPath, [run, bad], { encoding: 'utf8' });
    assert.equal(b.status, 126);
    assert.equal(b.stderr, `${bad}:2:3: unknown instruction or directive 'movx'\n`);
  } finally {
    fs.rmSync(bad);
  }
  const all = spawnSync(process.execPath, [test, FIXTURES], { encoding: 'utf8' });
  assert.equal(all.status, 0, all.stdout);
  assert.match(all.stdout, /^\d+ passed, 0 failed$/m);
});
