/**
 * Engine behaviour that the differential suite cannot isolate: self-modifying code invalidates translated
 * blocks, faults are precise (RIP of the faulting instruction, registers of earlier instructions committed,
 * nothing of the faulting one), unsupported instructions are reported distinctly from a guest #UD.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { assemble, runRaw, CODE, DATA } from './rawcpu';
import { Exit } from '../../emulator/cpu/state';
import { PROT_READ, PROT_WRITE, PROT_EXEC } from '../../emulator/memory/memory';

test('self-modifying code: a store into translated code is seen by the next execution', () => {
  // The loop body `mov eax, imm32` is patched by the code itself after the first pass.
  const code = assemble(`
    xor ecx, ecx
  again:
  patch:
    mov eax, 1
    add ebx, eax
    inc ecx
    lea rdx, [rip + patch + 1]
    mov dword ptr [rdx], 100
    cmp ecx, 3
    jne again
    hlt
  `);
  const r = runRaw(code, ({ mem }) => mem.protect(CODE, 4096, PROT_READ | PROT_WRITE | PROT_EXEC));
  assert.equal(r.cpu.exit, Exit.Fault); // hlt -> #GP
  assert.equal(r.cpu.getReg64(3), 1n + 100n + 100n);
});

test('precise memory fault: RIP at the faulting instruction, earlier instructions committed', () => {
  const code = assemble(`
    mov eax, 7
    mov rbx, 0x10
    add eax, 1
    mov ecx, [rbx]
    mov eax, 99
    hlt
  `);
  const r = runRaw(code);
  assert.equal(r.cpu.exit, Exit.Fault);
  assert.equal(r.cpu.faultSig, 11);
  assert.equal(r.cpu.faultAddr, 0x10);
  assert.equal(r.cpu.getReg64(0), 8n);
  assert.equal(r.cpu.rip, CODE + 5 + 7 + 3); // mov eax (5) + mov rbx (7) + add (3)
  assert.equal(r.cpu.icount, 3);
});

test('a faulting push leaves RSP unchanged', () => {
  const code = assemble(`
    mov rsp, 0x1000
    push rax
    hlt
  `);
  const r = runRaw(code);
  assert.equal(r.cpu.faultSig, 11);
  assert.equal(r.cpu.getReg64(4), 0x1000n);
});

test('ud2 is a guest #UD (SIGILL); an unimplemented instruction is reported as unsupported', () => {
  let r = runRaw(assemble('nop\nud2\nhlt'));
  assert.equal(r.cpu.exit, Exit.Fault);
  assert.equal(r.cpu.faultSig, 4);
  assert.equal(r.cpu.rip, CODE + 1);
  // vpxor (AVX) is beyond the advertised CPUID: not implemented, reported with address and disassembly
  r = runRaw(assemble('nop\nvpxor ymm0, ymm1, ymm2\nhlt'));
  assert.equal(r.cpu.exit, Exit.Halt);
  assert.ok(r.engine.unsupported);
  assert.equal(r.engine.unsupported!.ip, CODE + 1);
  assert.match(r.engine.unsupported!.message, /unsupported instruction at 0x400001: vpxor ymm0,ymm1,ymm2 \[c5 f5 ef c2\] \(not supported by the emulator\)/);
});

test('division by zero is #DE (SIGFPE) at the div', () => {
  const r = runRaw(assemble('xor ecx, ecx\nmov eax, 5\ncdq\nidiv ecx\nhlt'));
  assert.equal(r.cpu.faultSig, 8);
  assert.equal(r.cpu.rip, CODE + 2 + 5 + 1);
});

test('int3 traps after the instruction (SIGTRAP)', () => {
  const r = runRaw(assemble('nop\nint3\nhlt'));
  assert.equal(r.cpu.faultSig, 5);
  assert.equal(r.cpu.rip, CODE + 2);
});

test('cpuid: baseline SSE2, UINTR bit in leaf 7 EDX[5], emulator brand string', () => {
  const r = runRaw(assemble(`
    mov eax, 7
    xor ecx, ecx
    cpuid
    mov r8, rdx
    mov eax, 1
    cpuid
    mov r9, rdx
    mov r10, rcx
    mov eax, 0x80000002
    cpuid
    mov [${DATA}], eax
    mov [${DATA + 4}], ebx
    mov [${DATA + 8}], ecx
    mov [${DATA + 12}], edx
    hlt
  `));
  assert.equal(Number(r.cpu.getReg64(8)) & 0x20, 0x20, 'UINTR');
  const edx1 = Number(r.cpu.getReg64(9));
  assert.ok(edx1 & (1 << 26), 'SSE2');
  assert.equal(Number(r.cpu.getReg64(10)) & ((1 << 0) | (1 << 9) | (1 << 19) | (1 << 20) | (1 << 27) | (1 << 28)), 0, 'no SSE3/SSSE3/SSE4/OSXSAVE/AVX');
  assert.match(Buffer.from(r.mem.read(DATA, 16)).toString('latin1'), /^uintr-debug/);
});
