/**
 * SSE/SSE2 instruction emitters (legacy encodings only: SSE3+, SSSE3, SSE4 and AVX are left unregistered,
 * matching the emulated CPUID). MMX forms of shared mnemonics (paddb mm0, mm1...) are rejected as unsupported.
 *
 * XMM n is X[4n..4n+3] (dword k at X[4n+k]). Hot instructions of glibc's SSE2 string functions (moves, logic,
 * pcmpeqb/pmovmskb/pminub, paddb/psubb, pshufd, punpckl*, byte shifts) are emitted inline on the dwords with
 * SWAR bit tricks; floating point and the less common integer operations call sse-runtime.ts helpers.
 *
 * Memory operands: all loads happen before any register or memory write (precise faults); 128-bit operands of
 * the aligned forms raise #GP (SIGSEGV, SI_KERNEL) when not 16-byte aligned, as the hardware does; a 16-byte
 * store that crosses a page is probed first so it never completes half-way.
 */
import { Mnemonic, OpK, RC, Insn, Operand } from '../decode';
import { Gen, reg, Emitter } from '../gen';
import { SSE_FALLBACK } from './string';
import { FOp, PI } from '../sse-runtime';

const M = Mnemonic;

// ------------------------------------------------------------------ operand helpers

function isX(o: Operand): boolean {
  return o.k === OpK.Reg && o.rc === RC.Xmm;
}
function isMem(o: Operand): boolean {
  return o.k === OpK.Mem;
}
function isGpr(o: Operand): boolean {
  return o.k === OpK.Reg && o.rc === RC.Gpr;
}
/** Destination/source that must be an XMM register (MMX forms are not supported). */
function xr(o: Operand): number {
  if (!isX(o)) throw new Error('operand form not supported (MMX registers are not emulated)');
  return 4 * o.reg;
}
/** XMM register or memory. */
function xm(o: Operand): void {
  if (!isX(o) && !isMem(o)) throw new Error('operand form not supported (MMX registers are not emulated)');
}

/** Instructions whose 128-bit memory operand may be unaligned. */
const UNALIGNED = new Set<number>([M.Movups, M.Movupd, M.Movdqu]);

/** Emit the address of a memory operand (with the 16-byte alignment check when required). */
function addr(g: Gen, i: Insn, o: Operand): string {
  const a = g.ea(o);
  if (o.size === 16 && !UNALIGNED.has(i.mnem)) g.emit(`if(${a}&15)throw h.GP_FAULT;`);
  return a;
}

/**
 * Source operand as dword expressions. Register: X[...] references (read them before writing anything that
 * could alias, i.e. lane-wise only). Memory: loaded into fresh locals (n = bytes/4 dwords).
 */
function srcDwords(g: Gen, i: Insn, o: Operand, bytes = 16): string[] {
  if (isX(o)) {
    const b = 4 * o.reg;
    return [0, 1, 2, 3].slice(0, bytes / 4).map((k) => `X[${b + k}]`);
  }
  xm(o);
  const a = addr(g, i, o);
  const out: string[] = [];
  if (bytes === 4) {
    const t = g.t('s');
    g.emit(`const ${t}=m.r32(${a});`);
    return [t];
  }
  for (let k = 0; k < bytes / 8; k++) {
    const l = g.t('s'), h = g.t('s');
    g.emit(`const ${l}=m.r64(${k === 0 ? a : `${a}+${8 * k}`}),${h}=m.t;`);
    out.push(l, h);
  }
  return out;
}
/** Source snapshot into locals (for permutations where the source may alias the destination). */
function srcLocals(g: Gen, i: Insn, o: Operand, bytes = 16): string[] {
  if (!isX(o)) return srcDwords(g, i, o, bytes);
  const b = 4 * o.reg;
  const out: string[] = [];
  for (let k = 0; k < bytes / 4; k++) {
    const t = g.t('s');
    g.emit(`const ${t}=X[${b + k}];`);
    out.push(t);
  }
  return out;
}
/** Source as (array, index) for runtime helpers: a register, or memory copied into h.T. */
function srcRef(g: Gen, i: Insn, o: Operand, bytes: number): [string, string] {
  if (isX(o)) return ['X', String(4 * o.reg)];
  xm(o);
  const a = addr(g, i, o);
  if (bytes === 4) g.emit(`const T=h.T;T[0]=m.r32(${a});`);
  else if (bytes === 8) g.emit(`const T=h.T;T[0]=m.r64(${a});T[1]=m.t;`);
  else g.emit(`const T=h.T;T[0]=m.r64(${a});T[1]=m.t;T[2]=m.r64(${a}+8);T[3]=m.t;`);
  return ['T', '0'];
}
/** Store dword expressions (2 or 4) to memory. */
function store(g: Gen, i: Insn, o: Operand, vals: string[]): void {
  const a = addr(g, i, o);
  if (vals.length === 1) g.emit(`m.w32(${a},${vals[0]});`);
  else if (vals.length === 2) g.emit(`m.w64(${a},${vals[0]},${vals[1]});`);
  else {
    if (UNALIGNED.has(i.mnem)) g.emit(`if((${a}&4095)>4080)m.probeWrite(${a},16);`);
    g.emit(`m.w64(${a},${vals[0]},${vals[1]});m.w64(${a}+8,${vals[2]},${vals[3]});`);
  }
}

// ------------------------------------------------------------------ moves

/** Full 128-bit moves (movaps movups movapd movupd movdqa movdqu movnt*). */
const mov128: Emitter = (i, g) => {
  const [d, s] = i.ops;
  if (isX(d)) {
    const D = xr(d);
    if (isX(s)) {
      if (s.reg === d.reg) return;
      const S = 4 * s.reg;
      g.emit(`X[${D}]=X[${S}];X[${D + 1}]=X[${S + 1}];X[${D + 2}]=X[${S + 2}];X[${D + 3}]=X[${S + 3}];`);
      return;
    }
    const v = srcDwords(g, i, s);
    g.emit(`X[${D}]=${v[0]};X[${D + 1}]=${v[1]};X[${D + 2}]=${v[2]};X[${D + 3}]=${v[3]};`);
    return;
  }
  const S = xr(s);
  store(g, i, d, [`X[${S}]`, `X[${S + 1}]`, `X[${S + 2}]`, `X[${S + 3}]`]);
};
reg([M.Movaps, M.Movups, M.Movapd, M.Movupd, M.Movdqa, M.Movdqu, M.Movntps, M.Movntpd, M.Movntdq], mov128);

reg(M.Movnti, (i, g) => {
  const [d, s] = i.ops;
  if (s.size === 8) {
    const [l, h] = g.read64(s);
    g.write64(d, l, h);
  } else g.write(d, g.read(s));
});

reg(M.Movd, (i, g) => {
  const [d, s] = i.ops;
  if (isX(d)) {
    const D = 4 * d.reg;
    if (!isGpr(s) && !isMem(s)) throw new Error('MMX form not supported');
    const v = g.t();
    g.emit(`const ${v}=${g.read({ ...s, size: 4 })};X[${D}]=${v};X[${D + 1}]=0;X[${D + 2}]=0;X[${D + 3}]=0;`);
    return;
  }
  const S = xr(s);
  g.write({ ...d, size: 4 }, `X[${S}]`);
});

reg(M.Movq, (i, g) => {
  const [d, s] = i.ops;
  if (isX(d)) {
    const D = 4 * d.reg;
    if (isX(s)) {
      g.emit(`X[${D}]=X[${4 * s.reg}];X[${D + 1}]=X[${4 * s.reg + 1}];X[${D + 2}]=0;X[${D + 3}]=0;`);
      return;
    }
    if (!isGpr(s) && !isMem(s)) throw new Error('MMX form not supported');
    const [l, h] = g.read64({ ...s, size: 8 });
    g.emit(`X[${D}]=${l};X[${D + 1}]=${h};X[${D + 2}]=0;X[${D + 3}]=0;`);
    return;
  }
  const S = xr(s);
  if (!isGpr(d) && !isMem(d)) throw new Error('MMX form not supported');
  g.write64({ ...d, size: 8 }, `X[${S}]`, `X[${S + 1}]`);
});

reg(M.Movss, (i, g) => {
  const [d, s] = i.ops;
  if (isX(d)) {
    const D = 4 * d.reg;
    if (isX(s)) g.emit(`X[${D}]=X[${4 * s.reg}];`);
    else {
      const [v] = srcDwords(g, i, s, 4);
      g.emit(`X[${D}]=${v};X[${D + 1}]=0;X[${D + 2}]=0;X[${D + 3}]=0;`);
    }
    return;
  }
  store(g, i, d, [`X[${xr(s)}]`]);
});

SSE_FALLBACK.set(M.Movsd, (i, g) => {
  const [d, s] = i.ops;
  if (isX(d)) {
    const D = 4 * d.reg;
    if (isX(s)) g.emit(`X[${D}]=X[${4 * s.reg}];X[${D + 1}]=X[${4 * s.reg + 1}];`);
    else {
      const v = srcDwords(g, i, s, 8);
      g.emit(`X[${D}]=${v[0]};X[${D + 1}]=${v[1]};X[${D + 2}]=0;X[${D + 3}]=0;`);
    }
    return;
  }
  const S = xr(s);
  store(g, i, d, [`X[${S}]`, `X[${S + 1}]`]);
});

/** movhps/movhpd (high qword) and movlps/movlpd (low qword) with memory. */
function movHalf(high: boolean): Emitter {
  return (i, g) => {
    const [d, s] = i.ops;
    const o = high ? 2 : 0;
    if (isX(d)) {
      if (!isMem(s)) throw new Error('register form is movlhps/movhlps');
      const D = 4 * d.reg;
      const v = srcDwords(g, i, s, 8);
      g.emit(`X[${D + o}]=${v[0]};X[${D + o + 1}]=${v[1]};`);
      return;
    }
    const S = xr(s);
    store(g, i, d, [`X[${S + o}]`, `X[${S + o + 1}]`]);
  };
}
reg([M.Movhps, M.Movhpd], movHalf(true));
reg([M.Movlps, M.Movlpd], movHalf(false));
reg(M.Movhlps, (i, g) => {
  const D = xr(i.ops[0]), S = xr(i.ops[1]);
  g.emit(`X[${D}]=X[${S + 2}];X[${D + 1}]=X[${S + 3}];`);
});
reg(M.Movlhps, (i, g) => {
  const D = xr(i.ops[0]), S = xr(i.ops[1]);
  g.emit(`X[${D + 2}]=X[${S}];X[${D + 3}]=X[${S + 1}];`);
});

reg(M.Movmskps, (i, g) => {
  const S = xr(i.ops[1]);
  const d = i.ops[0];
  g.emit(`R[${2 * d.reg}]=(X[${S}]>>>31)|((X[${S + 1}]>>>31)<<1)|((X[${S + 2}]>>>31)<<2)|((X[${S + 3}]>>>31)<<3);R[${2 * d.reg + 1}]=0;`);
});
reg(M.Movmskpd, (i, g) => {
  const S = xr(i.ops[1]);
  const d = i.ops[0];
  g.emit(`R[${2 * d.reg}]=(X[${S + 1}]>>>31)|((X[${S + 3}]>>>31)<<1);R[${2 * d.reg + 1}]=0;`);
});
/** Gather the byte sign bits of a dword expression into 4 bits. */
const msk4 = (v: string) => `((Math.imul((${v}&0x80808080)>>>7,0x204081)>>>21)&15)`;
reg(M.Pmovmskb, (i, g) => {
  const S = xr(i.ops[1]);
  const d = i.ops[0];
  g.emit(`R[${2 * d.reg}]=${msk4(`X[${S}]`)}|(${msk4(`X[${S + 1}]`)}<<4)|(${msk4(`X[${S + 2}]`)}<<8)|(${msk4(`X[${S + 3}]`)}<<12);R[${2 * d.reg + 1}]=0;`);
});

reg(M.Maskmovdqu, (i, g) => {
  const regs = i.ops.filter(isX);
  if (regs.length !== 2) throw new Error('MMX form not supported');
  g.emit(`h.maskmov(c,m,${4 * regs[0].reg},${4 * regs[1].reg},(R[14]>>>0)+R[15]*4294967296);`);
});

// ------------------------------------------------------------------ lane-wise integer/logic ops (inline)

/** dst[k] = f(dst[k], src[k]) for the 4 dwords (pre: statements computing temporaries from a, b). */
function pbin(f: (a: string, b: string) => string, zeroSame = false, pre = ''): Emitter {
  return (i, g) => {
    const [d, s] = i.ops;
    const D = xr(d);
    if (zeroSame && isX(s) && s.reg === d.reg) {
      g.emit(`X[${D}]=0;X[${D + 1}]=0;X[${D + 2}]=0;X[${D + 3}]=0;`);
      return;
    }
    const src = srcDwords(g, i, s);
    for (let k = 0; k < 4; k++) g.emit(`{const a=X[${D + k}],b=${src[k]};${pre}X[${D + k}]=${f('a', 'b')};}`);
  };
}

reg([M.Pand, M.Andps, M.Andpd], pbin((a, b) => `${a}&${b}`));
reg([M.Pandn, M.Andnps, M.Andnpd], pbin((a, b) => `~${a}&${b}`, true));
reg([M.Por, M.Orps, M.Orpd], pbin((a, b) => `${a}|${b}`));
reg([M.Pxor, M.Xorps, M.Xorpd], pbin((a, b) => `${a}^${b}`, true));

reg(M.Paddb, pbin((a, b) => `((${a}&0x7f7f7f7f)+(${b}&0x7f7f7f7f))^((${a}^${b})&0x80808080)`));
reg(M.Psubb, pbin((a, b) => `((${a}|0x80808080)-(${b}&0x7f7f7f7f))^((${a}^~${b})&0x80808080)`, true));
reg(M.Paddw, pbin((a, b) => `((${a}&0x7fff7fff)+(${b}&0x7fff7fff))^((${a}^${b})&0x80008000)`));
reg(M.Psubw, pbin((a, b) => `((${a}|0x80008000)-(${b}&0x7fff7fff))^((${a}^~${b})&0x80008000)`, true));
reg(M.Paddd, pbin((a, b) => `(${a}+${b})|0`));
reg(M.Psubd, pbin((a, b) => `(${a}-${b})|0`, true));
reg(M.Pcmpeqd, pbin((a, b) => `${a}===${b}?-1:0`));
reg(M.Pcmpgtd, pbin((a, b) => `${a}>${b}?-1:0`));
reg(M.Pcmpeqw, pbin((a, b) => `((((${a}^${b})&0xffff)===0?0xffff:0)|(((${a}^${b})>>>16)===0?-65536:0))`));
// per byte: t has 0x80 where a^b is zero, then 0x80 -> 0xff
reg(M.Pcmpeqb, pbin(() => `(t-(t>>>7))|t`, false, 'const x=a^b;const t=~(((x&0x7f7f7f7f)+0x7f7f7f7f)|x)&0x80808080;'));
// per-byte unsigned a>=b mask (see header): D has the high bit of each byte set when a&0x7f >= b&0x7f
const geMask = (a: string, b: string) =>
  `const ge=((${a}&~${b})|(~(${a}^${b})&((${a}|0x80808080)-(${b}&0x7f7f7f7f))))&0x80808080;const mk=(ge-(ge>>>7))|ge;`;
reg(M.Pminub, (i, g) => {
  const [d, s] = i.ops;
  const D = xr(d);
  const src = srcDwords(g, i, s);
  for (let k = 0; k < 4; k++) g.emit(`{const a=X[${D + k}],b=${src[k]};${geMask('a', 'b')}X[${D + k}]=(b&mk)|(a&~mk);}`);
});
reg(M.Pmaxub, (i, g) => {
  const [d, s] = i.ops;
  const D = xr(d);
  const src = srcDwords(g, i, s);
  for (let k = 0; k < 4; k++) g.emit(`{const a=X[${D + k}],b=${src[k]};${geMask('a', 'b')}X[${D + k}]=(a&mk)|(b&~mk);}`);
});
function wordMinMax(max: boolean): Emitter {
  const op = max ? '>' : '<';
  return (i, g) => {
    const [d, s] = i.ops;
    const D = xr(d);
    const src = srcDwords(g, i, s);
    for (let k = 0; k < 4; k++) {
      g.emit(`{const a=X[${D + k}],b=${src[k]};const al=(a<<16)>>16,bl=(b<<16)>>16,ah=a>>16,bh=b>>16;` +
        `X[${D + k}]=((al${op}bl?al:bl)&0xffff)|((ah${op}bh?ah:bh)<<16);}`);
    }
  };
}
reg(M.Pminsw, wordMinMax(false));
reg(M.Pmaxsw, wordMinMax(true));

/** 64-bit lanes add/sub. */
function qaddsub(sub: boolean): Emitter {
  return (i, g) => {
    const [d, s] = i.ops;
    const D = xr(d);
    if (sub && isX(s) && s.reg === d.reg) {
      g.emit(`X[${D}]=0;X[${D + 1}]=0;X[${D + 2}]=0;X[${D + 3}]=0;`);
      return;
    }
    const src = srcDwords(g, i, s);
    for (let q = 0; q < 2; q++) {
      const L = D + 2 * q;
      if (sub) g.emit(`{const al=X[${L}],bl=${src[2 * q]},bh=${src[2 * q + 1]};const s=(al>>>0)-(bl>>>0);X[${L}]=s|0;X[${L + 1}]=(X[${L + 1}]-bh-(s<0?1:0))|0;}`);
      else g.emit(`{const al=X[${L}],bl=${src[2 * q]},bh=${src[2 * q + 1]};const s=(al>>>0)+(bl>>>0);X[${L}]=s|0;X[${L + 1}]=(X[${L + 1}]+bh+(s>4294967295?1:0))|0;}`);
    }
  };
}
reg(M.Paddq, qaddsub(false));
reg(M.Psubq, qaddsub(true));

/** Less common integer ops via the runtime (h.pint). */
function pint(op: number): Emitter {
  return (i, g) => {
    const [d, s] = i.ops;
    const D = xr(d);
    const [S, si] = srcRef(g, i, s, 16);
    g.emit(`h.pint(c,${op},${D},${S},${si});`);
  };
}
const PINT: [number, number][] = [
  [M.Paddsb, PI.Paddsb], [M.Paddsw, PI.Paddsw], [M.Paddusb, PI.Paddusb], [M.Paddusw, PI.Paddusw],
  [M.Psubsb, PI.Psubsb], [M.Psubsw, PI.Psubsw], [M.Psubusb, PI.Psubusb], [M.Psubusw, PI.Psubusw],
  [M.Pmullw, PI.Pmullw], [M.Pmulhw, PI.Pmulhw], [M.Pmulhuw, PI.Pmulhuw], [M.Pmaddwd, PI.Pmaddwd],
  [M.Psadbw, PI.Psadbw], [M.Pavgb, PI.Pavgb], [M.Pavgw, PI.Pavgw], [M.Pcmpgtb, PI.Pcmpgtb], [M.Pcmpgtw, PI.Pcmpgtw],
  [M.Packsswb, PI.Packsswb], [M.Packssdw, PI.Packssdw], [M.Packuswb, PI.Packuswb], [M.Pmuludq, PI.Pmuludq],
];
for (const [mn, op] of PINT) reg(mn, pint(op));

// ------------------------------------------------------------------ unpack / shuffle

/** Interleave low (hi=false) or high halves: unit 1 (bytes, low half only inline), 2 (words), 4, 8. */
function unpack(unit: number, high: boolean): Emitter {
  return (i, g) => {
    const [d, s] = i.ops;
    const D = xr(d);
    const b = srcLocals(g, i, s);
    const base = high ? 2 : 0;
    g.emit(`const u0=X[${D + base}],u1=X[${D + base + 1}];`);
    const a = ['u0', 'u1'];
    const bb = [b[base], b[base + 1]];
    const out: string[] = [];
    for (let k = 0; k < 4; k++) {
      const j = k >> 1, half = k & 1;
      if (unit === 1) {
        const sp = (v: string) => `((((${v}>>>${16 * half})&0xffff)|(((${v}>>>${16 * half})&0xffff)<<8))&0x00ff00ff)`;
        out.push(`${sp(a[j])}|(${sp(bb[j])}<<8)`);
      } else if (unit === 2) {
        out.push(half === 0 ? `(${a[j]}&0xffff)|(${bb[j]}<<16)` : `(${a[j]}>>>16)|(${bb[j]}&-65536)`);
      } else if (unit === 4) {
        out.push(half === 0 ? a[j] : bb[j]);
      } else {
        out.push([a[0], a[1], bb[0], bb[1]][k]);
      }
    }
    g.emit(out.map((v, k) => `X[${D + k}]=${v};`).join(''));
  };
}
reg(M.Punpcklbw, unpack(1, false));
reg(M.Punpcklwd, unpack(2, false));
reg([M.Punpckldq, M.Unpcklps], unpack(4, false));
reg([M.Punpcklqdq, M.Unpcklpd], unpack(8, false));
reg(M.Punpckhbw, unpack(1, true));
reg(M.Punpckhwd, unpack(2, true));
reg([M.Punpckhdq, M.Unpckhps], unpack(4, true));
reg([M.Punpckhqdq, M.Unpckhpd], unpack(8, true));

reg(M.Pshufd, (i, g) => {
  const [d, s, im] = i.ops;
  const D = xr(d);
  const v = srcLocals(g, i, s);
  const imm = im.imm & 0xff;
  g.emit([0, 1, 2, 3].map((k) => `X[${D + k}]=${v[(imm >> (2 * k)) & 3]};`).join(''));
});
function shufHelper(which: number): Emitter {
  return (i, g) => {
    const [d, s, im] = i.ops;
    const D = xr(d);
    const [S, si] = srcRef(g, i, s, 16);
    g.emit(`h.pshuf(c,${which},${D},${S},${si},${im.imm & 0xff});`);
  };
}
reg(M.Shufps, shufHelper(0));
reg(M.Shufpd, shufHelper(1));
reg(M.Pshuflw, shufHelper(2));
reg(M.Pshufhw, shufHelper(3));

reg(M.Pextrw, (i, g) => {
  const [d, s, im] = i.ops;
  const S = xr(s);
  if (!isGpr(d)) throw new Error('form not supported');
  const k = im.imm & 7;
  g.emit(`R[${2 * d.reg}]=(X[${S + (k >> 1)}]>>>${16 * (k & 1)})&0xffff;R[${2 * d.reg + 1}]=0;`);
});
reg(M.Pinsrw, (i, g) => {
  const [d, s, im] = i.ops;
  const D = xr(d);
  const k = im.imm & 7;
  const v = g.read({ ...s, size: 2 });
  const L = `X[${D + (k >> 1)}]`;
  g.emit(k & 1 ? `${L}=(${L}&0xffff)|(${v}<<16);` : `${L}=(${L}&-65536)|${v};`);
});

/** PSLLDQ/PSRLDQ imm: byte shift of the whole register. */
function byteShift(left: boolean): Emitter {
  return (i, g) => {
    const [d, im] = i.ops;
    const D = xr(d);
    const n = im.imm & 0xff;
    if (n >= 16) {
      g.emit(`X[${D}]=0;X[${D + 1}]=0;X[${D + 2}]=0;X[${D + 3}]=0;`);
      return;
    }
    g.emit(`const v0=X[${D}],v1=X[${D + 1}],v2=X[${D + 2}],v3=X[${D + 3}];`);
    const v = (j: number) => (j >= 0 && j < 4 ? `v${j}` : '0');
    const out: string[] = [];
    for (let k = 0; k < 4; k++) {
      const start = 4 * k + (left ? -n : n);
      const j = Math.floor(start / 4), r = start - 4 * j;
      if (r === 0) out.push(v(j));
      else {
        const lo = v(j), hi = v(j + 1);
        const parts = [];
        if (lo !== '0') parts.push(`(${lo}>>>${8 * r})`);
        if (hi !== '0') parts.push(`(${hi}<<${32 - 8 * r})`);
        out.push(parts.length ? parts.join('|') : '0');
      }
    }
    g.emit(out.map((x, k) => `X[${D + k}]=${x};`).join(''));
  };
}
reg(M.Pslldq, byteShift(true));
reg(M.Psrldq, byteShift(false));

/** Bit shifts: kind 0 logical right, 1 arithmetic right, 2 left; width in bytes. */
function bitShift(kind: number, width: number): Emitter {
  return (i, g) => {
    const [d, s] = i.ops;
    const D = xr(d);
    if (s.k === OpK.Imm) {
      const n = s.imm & 0xff;
      if (width === 4) {
        // inline the common dword forms
        const bits = 32;
        let f: (v: string) => string;
        if (kind === 1) f = (v) => `${v}>>${Math.min(n, 31)}`;
        else if (n >= bits) f = () => '0';
        else f = (v) => (kind === 2 ? `${v}<<${n}` : `${v}>>>${n}`);
        g.emit([0, 1, 2, 3].map((k) => `X[${D + k}]=${f(`X[${D + k}]`)};`).join(''));
        return;
      }
      g.emit(`h.pshift(c,${kind},${width},${D},${n},0);`);
      return;
    }
    const v = srcDwords(g, i, s);
    g.emit(`h.pshift(c,${kind},${width},${D},${v[0]},${v[1]});`);
  };
}
reg(M.Psrlw, bitShift(0, 2));
reg(M.Psrld, bitShift(0, 4));
reg(M.Psrlq, bitShift(0, 8));
reg(M.Psraw, bitShift(1, 2));
reg(M.Psrad, bitShift(1, 4));
reg(M.Psllw, bitShift(2, 2));
reg(M.Pslld, bitShift(2, 4));
reg(M.Psllq, bitShift(2, 8));

// ------------------------------------------------------------------ floating point arithmetic

/** kind: 0 sd, 1 pd, 2 ss, 3 ps. */
function farith(kind: number, op: number): Emitter {
  const bytes = kind === 0 ? 8 : kind === 2 ? 4 : 16;
  return (i, g) => {
    const [d, s] = i.ops;
    const D = xr(d);
    const [S, si] = srcRef(g, i, s, bytes);
    if (kind === 0 && op <= FOp.Div) g.emit(`h.sdop(c,${op},${D},${S},${si});`);
    else g.emit(`h.farith(c,${kind},${op},${D},${S},${si});`);
  };
}
const FARITH: [string, number][] = [['Add', FOp.Add], ['Sub', FOp.Sub], ['Mul', FOp.Mul], ['Div', FOp.Div], ['Min', FOp.Min], ['Max', FOp.Max], ['Sqrt', FOp.Sqrt]];
const SUFFIX = ['sd', 'pd', 'ss', 'ps'];
for (const [name, op] of FARITH) {
  for (let kind = 0; kind < 4; kind++) {
    const mn = (M as unknown as Record<string, number>)[name + SUFFIX[kind]];
    if (mn === undefined) throw new Error(`no mnemonic ${name}${SUFFIX[kind]}`);
    reg(mn, farith(kind, op));
  }
}
function rcp(sqrt: boolean, lanes: number): Emitter {
  return (i, g) => {
    const [d, s] = i.ops;
    const D = xr(d);
    const [S, si] = srcRef(g, i, s, lanes * 4);
    g.emit(`h.frcp(c,${sqrt},${lanes},${D},${S},${si});`);
  };
}
reg(M.Rcpss, rcp(false, 1));
reg(M.Rcpps, rcp(false, 4));
reg(M.Rsqrtss, rcp(true, 1));
reg(M.Rsqrtps, rcp(true, 4));

function fcmp(kind: number): Emitter {
  const bytes = kind === 0 ? 8 : kind === 2 ? 4 : 16;
  return (i, g) => {
    const [d, s, im] = i.ops;
    const D = xr(d);
    const [S, si] = srcRef(g, i, s, bytes);
    g.emit(`h.fcmp(c,${kind},${im.imm & 7},${D},${S},${si});`);
  };
}
SSE_FALLBACK.set(M.Cmpsd, fcmp(0));
reg(M.Cmppd, fcmp(1));
reg(M.Cmpss, fcmp(2));
reg(M.Cmpps, fcmp(3));

function comi(dbl: boolean, signal: boolean): Emitter {
  return (i, g) => {
    const [d, s] = i.ops;
    const D = xr(d);
    const [S, si] = srcRef(g, i, s, dbl ? 8 : 4);
    g.emit(`h.comi(c,${dbl},${signal},${D},${S},${si});`);
  };
}
reg(M.Ucomisd, comi(true, false));
reg(M.Ucomiss, comi(false, false));
reg(M.Comisd, comi(true, true));
reg(M.Comiss, comi(false, true));

// ------------------------------------------------------------------ conversions

function cvtsi2f(dbl: boolean): Emitter {
  return (i, g) => {
    const [d, s] = i.ops;
    const D = xr(d);
    if (s.size === 8) {
      const [l, h] = g.read64(s);
      g.emit(`h.cvtsi2f(c,${D},${l},${h},${dbl});`);
    } else {
      const v = g.t();
      g.emit(`const ${v}=${g.read(s)};h.cvtsi2f(c,${D},${v},${v}>>31,${dbl});`);
    }
  };
}
reg(M.Cvtsi2sd, cvtsi2f(true));
reg(M.Cvtsi2ss, cvtsi2f(false));

function cvtf2si(dbl: boolean, trunc: boolean): Emitter {
  return (i, g) => {
    const [d, s] = i.ops;
    if (!isGpr(d)) throw new Error('MMX form not supported');
    const is64 = d.size === 8;
    const v = srcDwords(g, i, s, dbl ? 8 : 4);
    const call = dbl ? `h.cvtsd2si(c,${v[0]},${v[1]},${trunc},${is64})` : `h.cvtss2si(c,${v[0]},${trunc},${is64})`;
    if (is64) g.emit(`R[${2 * d.reg}]=${call};R[${2 * d.reg + 1}]=h.W[0];`);
    else g.emit(`R[${2 * d.reg}]=${call};R[${2 * d.reg + 1}]=0;`);
  };
}
reg(M.Cvtsd2si, cvtf2si(true, false));
reg(M.Cvttsd2si, cvtf2si(true, true));
reg(M.Cvtss2si, cvtf2si(false, false));
reg(M.Cvttss2si, cvtf2si(false, true));

function fcvt(which: number, bytes: number): Emitter {
  return (i, g) => {
    const [d, s] = i.ops;
    const D = xr(d);
    const [S, si] = srcRef(g, i, s, bytes);
    g.emit(`h.fcvt(c,${which},${D},${S},${si});`);
  };
}
reg(M.Cvtss2sd, fcvt(0, 4));
reg(M.Cvtsd2ss, fcvt(1, 8));
reg(M.Cvtps2pd, fcvt(2, 8));
reg(M.Cvtpd2ps, fcvt(3, 16));
reg(M.Cvtdq2pd, fcvt(4, 8));
reg(M.Cvtdq2ps, fcvt(5, 16));
reg(M.Cvtps2dq, fcvt(6, 16));
reg(M.Cvttps2dq, fcvt(7, 16));
reg(M.Cvtpd2dq, fcvt(8, 16));
reg(M.Cvttpd2dq, fcvt(9, 16));

// ------------------------------------------------------------------ MXCSR and state save

reg(M.Ldmxcsr, (i, g) => {
  const a = g.ea(i.ops[0]);
  g.emit(`if(!h.ldmxcsr(c,m.r32(${a})))throw h.GP_FAULT;`);
});
reg(M.Stmxcsr, (i, g) => {
  const a = g.ea(i.ops[0]);
  g.emit(`m.w32(${a},c.mxcsr);`);
});
reg([M.Fxsave, M.Fxsave64], (i, g) => {
  const a = g.ea(i.ops[0]);
  g.emit(`if(${a}&15)throw h.GP_FAULT;h.fxsaveTo(c,m,${a});`);
});
reg([M.Fxrstor, M.Fxrstor64], (i, g) => {
  const a = g.ea(i.ops[0]);
  g.emit(`if(${a}&15)throw h.GP_FAULT;if(!h.fxrstorFrom(c,m,${a}))throw h.GP_FAULT;`);
});
