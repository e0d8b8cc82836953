/**
 * UINTR instruction emitters (the architecture is in emulator/uintr/arch.ts). Every UINTR instruction #UDs
 * with a LOCK prefix. STUI, SENDUIPI and UIRET end their block so that the engine's boundary check can
 * deliver a now-deliverable user interrupt right after them (STUI has no shadow; a self-IPI may be
 * delivered at the sender's next boundary).
 */
import { Mnemonic } from '../decode';
import { reg } from '../gen';

const M = Mnemonic;

reg(M.Stui, (i, g) => {
  if (i.lock) return void g.emit('throw h.UD_FAULT;');
  g.emit(`h.uintr.stui(c,${i.ip});return ${i.next};`);
  g.terminated = true;
});
reg(M.Clui, (i, g) => {
  if (i.lock) return void g.emit('throw h.UD_FAULT;');
  g.emit(`h.uintr.clui(c,${i.ip});`);
});
reg(M.Testui, (i, g) => {
  if (i.lock) return void g.emit('throw h.UD_FAULT;');
  g.emit('h.uintr.testui(c);');
});
reg(M.Senduipi, (i, g) => {
  if (i.lock) return void g.emit('throw h.UD_FAULT;');
  const r = i.ops[0].reg; // ModRM.rm (REX.B extends); always the full 64-bit register
  g.emit(`h.uintr.senduipi(c,m,R[${2 * r}],R[${2 * r + 1}],${i.ip},${r});return ${i.next};`);
  g.terminated = true;
});
reg(M.Uiret, (i, g) => {
  if (i.lock) return void g.emit('throw h.UD_FAULT;');
  g.emit('return h.uintr.uiret(c,m);');
  g.terminated = true;
});

// Neighbours in the same opcode space that this CPU does not implement (CPUID reports neither PKU nor
// RDRAND/RDSEED nor VMX): they raise #UD exactly as on such a processor, never confused with the UINTR forms
// (F3 0F C7 /6 with a memory operand is VMXON, 66 0F C7 /6 VMCLEAR, 0F C7 /6 memory VMPTRLD, /7 VMPTRST).
reg([M.Rdpkru, M.Wrpkru, M.Rdrand, M.Rdseed, M.Vmxon, M.Vmclear, M.Vmptrld, M.Vmptrst], (_i, g) => {
  g.emit('throw h.UD_FAULT;');
});

// RDMSR / WRMSR (the UINTR MSRs 0x985-0x98A included) are CPL0-only: #GP(0) -> SIGSEGV (SI_KERNEL) in user mode.
reg([M.Rdmsr, M.Wrmsr], (_i, g) => {
  g.emit('throw h.GP_FAULT;');
});
