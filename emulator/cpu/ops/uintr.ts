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
// RDRAND/RDSEED): they raise #UD exactly as on such a processor, never confused with the UINTR forms.
reg([M.Rdpkru, M.Wrpkru, M.Rdrand, M.Rdseed], (_i, g) => {
  g.emit('throw h.UD_FAULT;');
});
