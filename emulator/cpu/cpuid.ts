/**
 * CPUID of the emulated processor: a baseline x86-64 CPU (SSE, SSE2; no SSE3+, no AVX, no XSAVE/OSXSAVE, no
 * BMI) so glibc selects its SSE2 string routines, plus UINTR (leaf 7 subleaf 0, EDX bit 5), which this
 * emulator implements. Vendor "UintrDbgEmu!" and a brand string naming the emulator.
 */
import { CpuState } from './state';

const VENDOR = 'UintrDbgEmu!'; // 12 bytes: EBX, EDX, ECX
const BRAND = 'uintr-debug x86-64 emulator (UINTR)'.padEnd(48, '\0');

function str4(s: string, i: number): number {
  return (s.charCodeAt(i) | (s.charCodeAt(i + 1) << 8) | (s.charCodeAt(i + 2) << 16) | (s.charCodeAt(i + 3) << 24)) | 0;
}

export function cpuidValues(leaf: number, sub: number): [number, number, number, number] {
  leaf >>>= 0;
  switch (leaf) {
    case 0:
      return [7, str4(VENDOR, 0), str4(VENDOR, 8), str4(VENDOR, 4)];
    case 1: {
      // family 6 model 0x8f (Sapphire Rapids-like signature), stepping 8
      const eax = (0x8 | (0xf << 4) | (6 << 8) | (0x8 << 16));
      // EDX: FPU TSC CX8 CMOV FXSR MMX SSE SSE2 (+ PSE, MSR-less basics); ECX: CX16 only (no SSE3+, no OSXSAVE)
      const edx = (1 << 0) | (1 << 4) | (1 << 8) | (1 << 15) | (1 << 23) | (1 << 24) | (1 << 25) | (1 << 26);
      const ecx = 1 << 13;
      return [eax, 0x00010800, ecx, edx];
    }
    case 7:
      if (sub === 0) return [0, 0, 0, 1 << 5]; // EDX[5] = UINTR
      return [0, 0, 0, 0];
    case 0x80000000:
      return [0x80000004 | 0, 0, 0, 0];
    case 0x80000001:
      // LAHF/SAHF in 64-bit mode; SYSCALL, NX, LM
      return [0, 0, 1, (1 << 11) | (1 << 20) | (1 << 29)];
    case 0x80000002:
    case 0x80000003:
    case 0x80000004: {
      const o = (leaf - 0x80000002) * 16;
      return [str4(BRAND, o), str4(BRAND, o + 4), str4(BRAND, o + 8), str4(BRAND, o + 12)];
    }
    default:
      return [0, 0, 0, 0];
  }
}

export function cpuid(c: CpuState): void {
  const R = c.r;
  const [a, b, cc, d] = cpuidValues(R[0], R[2]);
  R[0] = a; R[1] = 0; R[6] = b; R[7] = 0; R[2] = cc; R[3] = 0; R[4] = d; R[5] = 0;
}
