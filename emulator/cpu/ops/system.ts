/**
 * System-ish instructions: SYSCALL (hands control to the emulated kernel), CPUID, RDTSC (virtual cycles),
 * and the faulting ones (UD2, INT3, HLT, INT n) that become guest signals.
 */
import { Mnemonic } from '../decode';
import { reg } from '../gen';

const M = Mnemonic;

reg(M.Syscall, (i, g) => {
  // RCX := next RIP, R11 := RFLAGS (as the hardware does), then exit to the kernel.
  g.emit(`R[2]=${i.next % 4294967296 | 0};R[3]=${Math.floor(i.next / 4294967296)};R[22]=h.getRflags(c);R[23]=0;c.exit=1;return ${i.next};`);
  g.terminated = true;
});

reg(M.Cpuid, (_i, g) => g.emit('h.cpuid(c);'));
reg(M.Rdtsc, (_i, g) => g.emit('{const t=c.env.now(c);R[0]=t%4294967296|0;R[1]=0;R[4]=Math.floor(t/4294967296)|0;R[5]=0;}'));
reg(M.Rdtscp, (_i, g) => g.emit('{const t=c.env.now(c);R[0]=t%4294967296|0;R[1]=0;R[4]=Math.floor(t/4294967296)|0;R[5]=0;R[2]=c.env.coreOf(c);R[3]=0;}'));
reg(M.Xgetbv, (_i, g) => g.emit('throw h.UD_FAULT;')); // CPUID reports no OSXSAVE: #UD like hardware

// Instructions that raise a signal at this instruction.
reg(M.Ud2, (_i, g) => { g.emit('throw h.UD_FAULT;'); });
reg(M.Ud0, (_i, g) => { g.emit('throw h.UD_FAULT;'); });
reg(M.Ud1, (_i, g) => { g.emit('throw h.UD_FAULT;'); });
reg(M.Hlt, (_i, g) => { g.emit('throw h.GP_FAULT;'); }); // privileged: #GP -> SIGSEGV
reg(M.Int3, (i, g) => { g.emit(`throw h.trap(${i.next});`); g.terminated = true; });
reg(M.Int, (_i, g) => { g.emit('throw h.GP_FAULT;'); });
reg([M.Cli, M.Sti, M.In, M.Out, M.Insb, M.Outsb], (_i, g) => { g.emit('throw h.GP_FAULT;'); });
