// Example: assemble a snippet and run it on the bare CPU (no kernel). Run: npx tsx test/unit/scratch.ts
import { assemble, runRaw } from './rawcpu';
const code = assemble(`
  mov rax, 5
  mov rcx, 7
  imul rax, rcx
  hlt
`);
const r = runRaw(code);
console.log('exit', r.cpu.exit, 'rip', r.cpu.rip.toString(16), r.cpu.faultMsg, 'rax', r.cpu.getReg64(0).toString(16));
console.log(r.engine.cache.sourceOf(0x400000));
