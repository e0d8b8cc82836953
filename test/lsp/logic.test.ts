/** The language server's connection-free logic: analysis (diagnostics), the tolerant scan, hover, completion. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { analyze, spanAt } from '../../language-server/analysis';
import { scan, symbolAt, findRefs } from '../../language-server/symbols';
import { hover, instructionForms } from '../../language-server/hover';
import { complete } from '../../language-server/completion';

const msgs = (src: string) => analyze(src, 'f.uasm').problems.map((p) => `${p.span.line}:${p.span.start}-${p.span.end} ${p.message}`);

test('analysis: several independent errors, each at its token', () => {
  const src = ['_start: mov eax, 12q', '        frob rax', '; @expect rax = 1', '        ret'].join('\n');
  assert.deepEqual(msgs(src), ["0:17-20 bad number '12q'", "1:8-12 unknown instruction or directive 'frob'", "2:14-15 expected '==' or '!=', found '='"]);
});

test('analysis: a follow-up error about a symbol defined on a broken line is dropped', () => {
  const src = ['start:  mov eax, [rbx', '        jmp start', '        mov ebx, [rel nothere]'].join('\n');
  assert.deepEqual(msgs(src), ["0:20-21 expected ']'", "2:22-29 undefined symbol 'nothere'"]);
});

test('analysis: errors inside a macro expansion point at the symbol or the macro', () => {
  assert.deepEqual(msgs('        exit bar\n'), ["0:13-16 undefined symbol 'bar'"]);
  assert.deepEqual(msgs('        uintr_register_handler\n'), ['0:8-30 usage: uintr_register_handler HANDLER [, FLAGS]']);
});

test('analysis: a clean file gives the program (symbols) and annotations', () => {
  const a = analyze('; @test t\n_start: mov eax, 0\n        ret\n', 'f.uasm');
  assert.deepEqual(a.problems, []);
  assert.equal(a.program!.symbols.get('_start'), 0x401000);
  assert.equal(a.annotations!.name, 't');
});

test('spanAt: token extent, end of line, outside the file', () => {
  const lines = ['        mov rax, foo', ''];
  assert.deepEqual(spanAt(lines, 1, 9), { line: 0, start: 8, end: 11 });
  assert.deepEqual(spanAt(lines, 1, 40), { line: 0, start: 19, end: 20 });
  assert.deepEqual(spanAt(lines, 5, 1), { line: 1, start: 0, end: 0 });
});

test('scan: labels, local labels, equ, threads, references in code, directives, times and annotations', () => {
  const src = [
    '; @test scan',
    '; @expect t1: rax == N at w.loop',
    '; @expect event deliver thread=t1 target=t1',
    'N       equ 3',
    '        thread t1, w, core=1',
    '        uintr t1, handler=h, uirr=1<<N',
    'w:      mov ecx, N',
    '.loop:  dec ecx',
    '        jnz .loop',
    '        times N jmp w.loop',
    'h:      add rsp, 8',
    '        uiret',
  ].join('\n');
  const s = scan(src);
  assert.deepEqual(s.defs.map((d) => `${d.kind}:${d.name}@${d.span.line}`), ['equ:N@3', 'thread:t1@4', 'label:w@6', 'local:w.loop@7', 'label:h@10']);
  assert.equal(s.test!.name, 'scan');
  const refs = (name: string, ns: 'thread' | 'symbol') => findRefs(s, name, ns).map((r) => `${r.span.line}:${r.span.start}`);
  assert.deepEqual(refs('N', 'symbol'), ['1:21', '5:37', '6:17', '9:14']);
  assert.deepEqual(refs('w.loop', 'symbol'), ['1:26', '8:12', '9:20']);
  assert.deepEqual(refs('t1', 'thread'), ['1:10', '2:31', '2:41', '5:14']);
  assert.deepEqual(refs('h', 'symbol'), ['5:26']);
  assert.deepEqual(refs('w', 'symbol'), ['4:19']);
  assert.deepEqual(symbolAt(s, 8, 13), { name: 'w.loop', ns: 'symbol' });
  assert.equal(s.lines[9].word!.s, 'times');
  assert.equal(s.lines[11].word!.s, 'uiret');
});

test('scan tolerates broken lines (unterminated strings, stray characters)', () => {
  const s = scan('a:  db "abc\n    mov eax, ` \nb:  jmp a ; @expect\n');
  assert.deepEqual(s.defs.map((d) => d.name), ['a', 'b']);
  assert.deepEqual(findRefs(s, 'a', 'symbol').map((r) => r.span.line), [2]);
});

test('hover: operand forms from iced for senduipi, prefixes, repeated instruction of times', () => {
  assert.ok(instructionForms('senduipi').some((r) => /F3 0F C7 \/6/.test(r) && /SENDUIPI r64/.test(r)), instructionForms('senduipi').join('\n'));
  assert.ok(instructionForms('jz').some((r) => /JE rel8/.test(r)), 'aliases resolve');
  const src = '        lock inc qword [rax]\n        times 2 stui\n';
  const s = scan(src);
  assert.match(hover(src, s, null, 0, 9)!.markdown, /LOCK/);
  assert.match(hover(src, s, null, 0, 14)!.markdown, /INC r\/m64/);
  assert.match(hover(src, s, null, 1, 18)!.markdown, /no one-instruction shadow/);
  assert.equal(hover(src, s, null, 0, 0), null);
});

test('completion contexts', () => {
  const src = 'w:      \n        uintr main, \n        section \n; @expect fault \n; @expect main: rax == 1 at \n; @cores 2\n';
  const s = scan(src);
  const labels = (l: number, c: number) => complete(src, s, l, c).map((i) => i.label);
  assert.ok(labels(0, 8).includes('stui'));
  assert.ok(labels(1, 20).includes('handler='));
  assert.deepEqual(labels(2, 16), ['.text', '.rodata', '.data', '.bss']);
  assert.ok(labels(3, 16).includes('SIGSEGV'));
  assert.deepEqual(labels(4, 28), ['w']);
  assert.deepEqual(labels(5, 10), []);
});
