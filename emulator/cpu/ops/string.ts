/**
 * String instructions (MOVS, STOS, LODS, CMPS, SCAS) with REP/REPE/REPNE. They run in a runtime helper
 * (strings.ts) because a REP form is a loop; RSI/RDI/RCX are updated as the loop progresses so a fault in
 * the middle leaves the registers where the hardware would (the instruction restarts after the handler).
 */
import { Mnemonic } from '../decode';
import { reg } from '../gen';

const M = Mnemonic;
const KIND: Record<number, [number, number]> = {
  [M.Movsb]: [0, 1], [M.Movsw]: [0, 2], [M.Movsd]: [0, 4], [M.Movsq]: [0, 8],
  [M.Stosb]: [1, 1], [M.Stosw]: [1, 2], [M.Stosd]: [1, 4], [M.Stosq]: [1, 8],
  [M.Lodsb]: [2, 1], [M.Lodsw]: [2, 2], [M.Lodsd]: [2, 4], [M.Lodsq]: [2, 8],
  [M.Cmpsb]: [3, 1], [M.Cmpsw]: [3, 2], [M.Cmpsd]: [3, 4], [M.Cmpsq]: [3, 8],
  [M.Scasb]: [4, 1], [M.Scasw]: [4, 2], [M.Scasd]: [4, 4], [M.Scasq]: [4, 8],
};
for (const k of Object.keys(KIND)) {
  const mn = Number(k);
  reg(mn, (i, g) => {
    // Movsd/Cmpsd share mnemonics with the SSE2 scalar-double forms; those have operands of xmm kind.
    if ((mn === M.Movsd || mn === M.Cmpsd) && i.ops.some((o) => o.rc === 2)) {
      const sse = SSE_FALLBACK.get(mn);
      if (!sse) throw new Error('SSE form not registered');
      sse(i, g);
      return;
    }
    const [kind, size] = KIND[mn];
    const rep = i.rep ? 1 : i.repne ? 2 : 0;
    const seg = i.ops.find((o) => o.seg !== 0)?.seg ?? 0;
    g.emit(`h.str(c,m,${kind},${size},${rep},${seg}${addr32(i.bytes) ? ',1' : ''});`);
  });
}

/** Does the instruction carry a 0x67 (address-size) prefix among its legacy prefixes? */
function addr32(b: Uint8Array): boolean {
  for (let k = 0; k < b.length; k++) {
    const x = b[k];
    if (x === 0x67) return true;
    if (x !== 0xf2 && x !== 0xf3 && x !== 0x66 && x !== 0x2e && x !== 0x3e && x !== 0x26 && x !== 0x36 && x !== 0x64 && x !== 0x65 && x !== 0xf0) return false;
  }
  return false;
}

/** SSE emitters for mnemonics shared with string instructions (registered by sse.ts). */
export const SSE_FALLBACK = new Map<number, (i: import('../decode').Insn, g: import('../gen').Gen) => void>();
