/**
 * Integer instruction emitters: data movement, ALU, multiply/divide, shifts, bit operations, control flow.
 * Each emitter writes JavaScript for one instruction (see gen.ts for the conventions).
 */
import { Mnemonic, OpK, Insn, Operand, Code } from '../decode';
import { Gen, reg } from '../gen';
import { FlagOp } from '../flagops';
import { Sh } from '../runtime';

const M = Mnemonic;

// ------------------------------------------------------------------ helpers

/** Emit `const sp = rsp + delta` (as a double) and return 'sp'. */
function spExpr(delta: number): string {
  return `((R[8]>>>0)+R[9]*4294967296${delta >= 0 ? '+' : ''}${delta})`;
}
function setRsp(g: Gen, v: string): void {
  g.emit(`R[8]=${v}|0;R[9]=Math.floor(${v}/4294967296)|0;`);
}
/** Push a 64-bit (lo, hi) pair. */
export function push64(g: Gen, lo: string, hi: string): void {
  g.emit(`const sp=${spExpr(-8)};m.w64(sp,${lo},${hi});`);
  setRsp(g, 'sp');
}
/** Expression for a 64-bit value as a number (branch targets). */
function num64(lo: string, hi: string): string {
  return `((${lo}>>>0)+${hi}*4294967296)`;
}

function isMem(op: Operand): boolean {
  return op.k === OpK.Mem;
}

// ------------------------------------------------------------------ MOV family

reg(M.Mov, (i, g) => {
  const [d, s] = i.ops;
  if (d.size === 8) {
    if (s.k === OpK.Reg && d.k === OpK.Reg) {
      g.emit(`R[${2 * d.reg}]=R[${2 * s.reg}];R[${2 * d.reg + 1}]=R[${2 * s.reg + 1}];`);
      return;
    }
    const [lo, hi] = g.read64(s);
    g.write64(d, lo, hi);
    return;
  }
  if (d.k === OpK.Reg && d.rc !== 1 || s.k === OpK.Reg && s.rc !== 1) {
    // mov to/from segment registers: only reading them is meaningful in user mode
    if (d.k === OpK.Reg && d.rc === 3) {
      const v = g.read({ ...s, size: 2 });
      g.emit(`h.movToSeg(c,${d.reg},${v});`);
      return;
    }
    const sel = [0, 0x33, 0x2b, 0, 0, 0][s.reg] ?? 0;
    if (d.size >= 4 && d.k === OpK.Reg) g.write({ ...d, size: 4 }, String(sel));
    else g.write({ ...d, size: 2 }, String(sel));
    if (d.k === OpK.Reg && d.size === 8) g.emit(`R[${2 * d.reg + 1}]=0;`);
    return;
  }
  g.write(d, g.readAs(s, d.size));
});

reg(M.Movzx, (i, g) => {
  const [d, s] = i.ops;
  const v = g.read(s);
  if (d.size === 8) g.emit(`R[${2 * d.reg}]=${v};R[${2 * d.reg + 1}]=0;`);
  else g.write(d, v);
});

reg([M.Movsx, M.Movsxd], (i, g) => {
  const [d, s] = i.ops;
  let v = g.read(s);
  if (s.size === 1) v = `((${v}<<24)>>24)`;
  else if (s.size === 2) v = `((${v}<<16)>>16)`;
  if (d.size === 8) {
    const t = g.t();
    g.emit(`const ${t}=${v};R[${2 * d.reg}]=${t};R[${2 * d.reg + 1}]=${t}>>31;`);
  } else g.write(d, v);
});

reg(M.Lea, (i, g) => {
  const [d, s] = i.ops;
  if (d.size === 8 && !s.addr32) {
    // exact 64-bit arithmetic (gcc uses LEA for general integer math)
    const lo: string[] = [], hi: string[] = [];
    if (s.base >= 0) { lo.push(`(R[${2 * s.base}]>>>0)`); hi.push(`R[${2 * s.base + 1}]`); }
    if (s.index >= 0) {
      const sh = Math.log2(s.scale);
      lo.push(`(R[${2 * s.index}]>>>0)*${s.scale}`);
      // the low word's overflow into the high word is carried by Math.floor(s/2^32) below
      hi.push(sh === 0 ? `R[${2 * s.index + 1}]` : `(R[${2 * s.index + 1}]<<${sh})`);
    }
    if (s.disp !== 0 || lo.length === 0) {
      const dl = s.disp % 4294967296, dh = Math.floor(s.disp / 4294967296);
      lo.push(String((dl < 0 ? dl + 4294967296 : dl) >>> 0));
      hi.push(String(dl < 0 ? dh : dh));
    }
    g.emit(`const s=${lo.join('+')};R[${2 * d.reg}]=s|0;R[${2 * d.reg + 1}]=(${hi.join('+')}+Math.floor(s/4294967296))|0;`);
    return;
  }
  // 32/16-bit: low bits of the address arithmetic
  const parts: string[] = [];
  if (s.base >= 0) parts.push(`R[${2 * s.base}]`);
  if (s.index >= 0) parts.push(s.scale === 1 ? `R[${2 * s.index}]` : `(R[${2 * s.index}]<<${Math.log2(s.scale)})`);
  if (s.disp !== 0 || parts.length === 0) parts.push(String(s.disp | 0));
  if (d.size === 8) g.emit(`R[${2 * d.reg}]=(${parts.join('+')})|0;R[${2 * d.reg + 1}]=0;`); // 0x67 + REX.W: zero-extended 32-bit address
  else g.write(d, `((${parts.join('+')})|0)`);
});

reg(M.Xchg, (i, g) => {
  const [a, b] = i.ops;
  if (a.size === 8) {
    const ea = isMem(a) ? g.ea(a) : undefined;
    const eb = isMem(b) ? g.ea(b) : undefined;
    const [al, ah] = g.read64(a, ea);
    const [bl, bh] = g.read64(b, eb);
    g.write64(a, bl, bh, ea);
    g.write64(b, al, ah, eb);
    return;
  }
  const ea = isMem(a) ? g.ea(a) : undefined;
  const eb = isMem(b) ? g.ea(b) : undefined;
  g.emit(`const x=${g.read(a, ea)},y=${g.read(b, eb)};`);
  g.write(a, 'y', ea);
  g.write(b, 'x', eb);
});

// sign extensions of the accumulator
reg(M.Cbw, (_i, g) => g.emit(`R[0]=(R[0]&-65536)|(((R[0]<<24)>>24)&0xffff);`));
reg(M.Cwde, (_i, g) => g.emit(`R[0]=(R[0]<<16)>>16;R[1]=0;`));
reg(M.Cdqe, (_i, g) => g.emit(`R[1]=R[0]>>31;`));
reg(M.Cwd, (_i, g) => g.emit(`R[4]=(R[4]&-65536)|(((R[0]<<16)>>31)&0xffff);`));
reg(M.Cdq, (_i, g) => g.emit(`R[4]=R[0]>>31;R[5]=0;`));
reg(M.Cqo, (_i, g) => g.emit(`R[4]=R[1]>>31;R[5]=R[4];`));

reg(M.Bswap, (i, g) => {
  const d = i.ops[0];
  const sw = (v: string) => `((${v}>>>24)|((${v}>>8)&0xff00)|((${v}<<8)&0xff0000)|(${v}<<24))`;
  if (d.size === 8) g.emit(`const l=R[${2 * d.reg}],h=R[${2 * d.reg + 1}];R[${2 * d.reg}]=${sw('h')};R[${2 * d.reg + 1}]=${sw('l')};`);
  else if (d.size === 2) g.emit(`R[${2 * d.reg}]&=-65536;`); // BSWAP r16: undefined; Intel and AMD clear the low word
  else g.emit(`const v=R[${2 * d.reg}];R[${2 * d.reg}]=${sw('v')};R[${2 * d.reg + 1}]=0;`);
});

// ------------------------------------------------------------------ stack

reg(M.Push, (i, g) => {
  const s = i.ops[0];
  if (i.code === Code.Push_imm16 || i.code === Code.Pushw_imm8) {
    g.emit(`const sp=${spExpr(-2)};m.w16(sp,${s.imm & 0xffff});`);
    setRsp(g, 'sp');
    return;
  }
  if (s.size === 2 && s.k !== OpK.Imm) {
    const v = g.read(s);
    g.emit(`const v=${v};const sp=${spExpr(-2)};m.w16(sp,v);`);
    setRsp(g, 'sp');
    return;
  }
  if (s.k === OpK.Reg && s.rc === 3) {
    push64(g, String([0, 0x33, 0x2b, 0, 0, 0][s.reg] ?? 0), '0');
    return;
  }
  const [lo, hi] = g.read64(s.k === OpK.Imm ? { ...s, size: 8 } : s);
  push64(g, lo, hi);
});

reg(M.Pop, (i, g) => {
  const d = i.ops[0];
  const n = d.size === 2 ? 2 : 8;
  g.emit(`const sp=${spExpr(0)};`);
  if (n === 2) g.emit(`const v=m.r16(sp);`);
  else g.emit(`const lo=m.r64(sp),hi=m.t;`);
  if (isMem(d)) {
    // the address is computed with the incremented RSP, but a faulting store must leave RSP unchanged
    g.emit(`const o0=R[8],o1=R[9];`);
    setRsp(g, `(sp+${n})`);
    const a = g.ea(d);
    g.emit(`R[8]=o0;R[9]=o1;`);
    if (n === 2) g.write(d, 'v', a);
    else g.write64(d, 'lo', 'hi', a);
    setRsp(g, `(sp+${n})`);
    return;
  }
  setRsp(g, `(sp+${n})`);
  if (n === 2) g.write(d, 'v');
  else g.write64(d, 'lo', 'hi');
});

// ENTER size, level (64-bit operand size): push rbp; copy level-1 frame pointers; push the new frame pointer
reg(M.Enter, (i, g) => {
  if (i.code !== Code.Enterq_imm16_imm8) throw new Error('16-bit ENTER');
  const size = i.ops[0].imm & 0xffff, level = i.ops[1].imm & 31;
  g.emit(`const sp0=${spExpr(0)};const ft=sp0-8;m.w64(ft,R[10],R[11]);let sp=ft;`);
  if (level > 0) {
    g.emit(`let bp=(R[10]>>>0)+R[11]*4294967296;`);
    for (let k = 1; k < level; k++) g.emit(`bp-=8;{const l=m.r64(bp),hh=m.t;sp-=8;m.w64(sp,l,hh);}`);
    g.emit(`sp-=8;m.w64(sp,ft|0,Math.floor(ft/4294967296)|0);`);
  }
  g.emit(`sp-=${size};R[10]=ft|0;R[11]=Math.floor(ft/4294967296)|0;`);
  setRsp(g, 'sp');
});

// XLATB: AL = [RBX + AL] (iced describes the operand as [rbx+al])
reg(M.Xlatb, (i, g) => {
  const op = i.ops[0];
  const seg = op.seg === 1 ? '+c.fsBase' : op.seg === 2 ? '+c.gsBase' : '';
  const base = op.addr32 ? `(R[6]>>>0)` : `((R[6]>>>0)+R[7]*4294967296)`;
  const sum = op.addr32 ? `((R[6]+(R[0]&0xff))>>>0)` : `(${base}+(R[0]&0xff))`;
  g.emit(`R[0]=(R[0]&-256)|m.r8(${sum}${seg});`);
});

reg(M.Leave, (_i, g) => {
  g.emit(`const sp=((R[10]>>>0)+R[11]*4294967296);const lo=m.r64(sp),hi=m.t;`);
  setRsp(g, '(sp+8)');
  g.emit(`R[10]=lo;R[11]=hi;`);
});

reg([M.Pushfq, M.Pushf], (i, g) => {
  g.emit(`const f=h.getRflags(c)&0xfcffff;`);
  if (i.mnem === M.Pushf) {
    g.emit(`const sp=${spExpr(-2)};m.w16(sp,f);`);
    setRsp(g, 'sp');
  } else push64(g, 'f', '0');
});
reg([M.Popfq, M.Popf], (i, g) => {
  const n = i.mnem === M.Popf ? 2 : 8;
  g.emit(`const sp=${spExpr(0)};const f=${n === 2 ? 'm.r16(sp)' : 'm.r32(sp)'};`);
  setRsp(g, `(sp+${n})`);
  // user mode may change only the status flags, DF, TF, AC and ID (IF/IOPL are silently kept)
  g.emit(`h.setRflags(c,(h.getRflags(c)&~0x254dd5)|(f&0x254dd5));`);
});

// ------------------------------------------------------------------ ALU

type AluKind = 'add' | 'adc' | 'sub' | 'sbb' | 'and' | 'or' | 'xor' | 'cmp' | 'test';

function alu(kind: AluKind) {
  return (i: Insn, g: Gen) => {
    const [d, s] = i.ops;
    const size = d.size;
    const writes = kind !== 'cmp' && kind !== 'test';
    const a = isMem(d) ? g.ea(d) : undefined;
    // xor r,r / sub r,r: zero idiom
    if ((kind === 'xor' || kind === 'sub') && d.k === OpK.Reg && s.k === OpK.Reg && d.reg === s.reg && d.high8 === s.high8) {
      if (size === 8) g.emit(`R[${2 * d.reg}]=0;R[${2 * d.reg + 1}]=0;`);
      else g.write(d, '0');
      if (kind === 'xor') g.logicFlags(size, '0');
      else g.flags(FlagOp.Sub, size, '0', '0', '0');
      g.fuseOut(kind === 'xor' ? 'logic' : 'sub', size, '0', '0', '0');
      return;
    }
    if (size === 8) {
      const [al, ah] = g.read64(d, a);
      const [bl, bh] = g.read64(s);
      let rl = 'rl', rh = 'rh';
      switch (kind) {
        case 'add':
          g.emit(`const rl=(${al}+${bl})|0,rh=(${ah}+${bh}+((rl>>>0)<(${al}>>>0)?1:0))|0;`);
          break;
        case 'adc':
          g.emit(`const ci=h.getCF(c);const s=(${al}>>>0)+(${bl}>>>0)+ci;const rl=s|0,rh=(${ah}+${bh}+(s>4294967295?1:0))|0;`);
          break;
        case 'sub': case 'cmp':
          g.emit(`const rl=(${al}-${bl})|0,rh=(${ah}-${bh}-((${al}>>>0)<(${bl}>>>0)?1:0))|0;`);
          break;
        case 'sbb':
          g.emit(`const ci=h.getCF(c);const s=(${al}>>>0)-(${bl}>>>0)-ci;const rl=s|0,rh=(${ah}-${bh}-(s<0?1:0))|0;`);
          break;
        case 'and': case 'test': rl = `(${al}&${bl})`; rh = `(${ah}&${bh})`; break;
        case 'or': rl = `(${al}|${bl})`; rh = `(${ah}|${bh})`; break;
        case 'xor': rl = `(${al}^${bl})`; rh = `(${ah}^${bh})`; break;
      }
      if (rl !== 'rl') { g.emit(`const rl=${rl},rh=${rh};`); rl = 'rl'; rh = 'rh'; }
      if (writes) g.write64(d, 'rl', 'rh', a);
      fuseAlu(g, kind, 8, al, bl, 'rl', ah, bh, 'rh');
      if (kind === 'and' || kind === 'or' || kind === 'xor' || kind === 'test') g.logicFlags(8, 'rl', 'rh');
      else {
        const fk = kind === 'add' ? FlagOp.Add : kind === 'adc' ? FlagOp.Adc : kind === 'sbb' ? FlagOp.Sbb : FlagOp.Sub;
        if (g.flagsLive && (kind === 'adc' || kind === 'sbb')) g.emit('c.fc=ci;');
        g.flags(fk, 8, al, bl, 'rl', ah, bh, 'rh');
      }
      return;
    }
    const av = g.t('x'), bv = g.t('y');
    g.emit(`const ${av}=${g.read(d, a)},${bv}=${g.readAs(s, size)};`);
    let r: string;
    const wrap = size === 4 ? '|0' : '';
    switch (kind) {
      case 'add': r = `(${av}+${bv})${wrap}`; break;
      case 'adc': g.emit('const ci=h.getCF(c);'); r = `(${av}+${bv}+ci)${wrap}`; break;
      case 'sub': case 'cmp': r = `(${av}-${bv})${wrap}`; break;
      case 'sbb': g.emit('const ci=h.getCF(c);'); r = `(${av}-${bv}-ci)${wrap}`; break;
      case 'and': case 'test': r = `(${av}&${bv})`; break;
      case 'or': r = `(${av}|${bv})`; break;
      case 'xor': r = `(${av}^${bv})`; break;
    }
    g.emit(`const r=${r!};`);
    if (writes) g.write(d, 'r', a);
    fuseAlu(g, kind, size, av, bv, 'r');
    if (kind === 'and' || kind === 'or' || kind === 'xor' || kind === 'test') g.logicFlags(size, 'r');
    else {
      const fk = kind === 'add' ? FlagOp.Add : kind === 'adc' ? FlagOp.Adc : kind === 'sbb' ? FlagOp.Sbb : FlagOp.Sub;
      if (g.flagsLive && (kind === 'adc' || kind === 'sbb')) g.emit('c.fc=ci;');
      g.flags(fk, size, av, bv, 'r');
    }
  };
}
function fuseAlu(g: Gen, kind: AluKind, size: number, a: string, b: string, r: string, ah = '0', bh = '0', rh = '0'): void {
  if (!g.fuse) return;
  const k = kind === 'sub' || kind === 'cmp' ? 'sub' : kind === 'add' ? 'res' : kind === 'adc' || kind === 'sbb' ? null : 'logic';
  if (k) g.fuseOut(k, size, a, b, r, ah, bh, rh);
}
reg(M.Add, alu('add'));
reg(M.Adc, alu('adc'));
reg(M.Sub, alu('sub'));
reg(M.Sbb, alu('sbb'));
reg(M.And, alu('and'));
reg(M.Or, alu('or'));
reg(M.Xor, alu('xor'));
reg(M.Cmp, alu('cmp'));
reg(M.Test, alu('test'));

function incdec(inc: boolean) {
  return (i: Insn, g: Gen) => {
    const d = i.ops[0];
    const a = isMem(d) ? g.ea(d) : undefined;
    const kind = inc ? FlagOp.Inc : FlagOp.Dec;
    if (d.size === 8) {
      const [l, hh] = g.read64(d, a);
      if (inc) g.emit(`const rl=(${l}+1)|0,rh=(${hh}+(rl===0?1:0))|0;`);
      else g.emit(`const rl=(${l}-1)|0,rh=(${hh}-(${l}===0?1:0))|0;`);
      g.write64(d, 'rl', 'rh', a);
      if (g.flagsLive) g.emit('c.fc=h.getCF(c);');
      g.flags(kind, 8, l, '1', 'rl', hh, '0', 'rh');
      g.fuseOut('res', 8, l, '1', 'rl', hh, '0', 'rh');
      return;
    }
    g.emit(`const x=${g.read(d, a)};const r=(x${inc ? '+' : '-'}1)${d.size === 4 ? '|0' : ''};`);
    g.write(d, 'r', a);
    if (g.flagsLive) g.emit('c.fc=h.getCF(c);');
    g.flags(kind, d.size, 'x', '1', 'r');
    g.fuseOut('res', d.size, 'x', '1', 'r');
  };
}
reg(M.Inc, incdec(true));
reg(M.Dec, incdec(false));

reg(M.Neg, (i, g) => {
  const d = i.ops[0];
  const a = isMem(d) ? g.ea(d) : undefined;
  if (d.size === 8) {
    const [l, hh] = g.read64(d, a);
    g.emit(`const rl=(-${l})|0,rh=(-${hh}-(${l}!==0?1:0))|0;`);
    g.write64(d, 'rl', 'rh', a);
    g.flags(FlagOp.Sub, 8, '0', l, 'rl', '0', hh, 'rh');
    g.fuseOut('res', 8, '0', l, 'rl', '0', hh, 'rh');
    return;
  }
  g.emit(`const x=${g.read(d, a)};const r=(0-x)${d.size === 4 ? '|0' : ''};`);
  g.write(d, 'r', a);
  g.flags(FlagOp.Sub, d.size, '0', 'x', 'r');
  g.fuseOut('res', d.size, '0', 'x', 'r');
});

reg(M.Not, (i, g) => {
  const d = i.ops[0];
  const a = isMem(d) ? g.ea(d) : undefined;
  if (d.size === 8) {
    const [l, hh] = g.read64(d, a);
    g.write64(d, `~${l}`, `~${hh}`, a);
    return;
  }
  g.write(d, `~${g.read(d, a)}`, a);
});

// ------------------------------------------------------------------ multiply / divide

reg(M.Imul, (i, g) => {
  const n = i.ops.length;
  if (n === 1) return mulOne(i, g, true);
  const d = i.ops[0];
  const s = n === 2 ? i.ops[0] : i.ops[1];
  const t = n === 2 ? i.ops[1] : i.ops[2];
  const size = d.size;
  if (size === 8) {
    const [al, ah] = g.read64(s);
    const [bl, bh] = g.read64(t.k === OpK.Imm ? { ...t, size: 8 } : t);
    g.emit(`h.muls64(${al},${ah},${bl},${bh});const W=h.W,rl=W[0],rh=W[1];`);
    g.emit(`R[${2 * d.reg}]=rl;R[${2 * d.reg + 1}]=rh;`);
    if (g.flagsLive) g.emit(`h.setMulFlags(c,!(W[3]===(rh>>31)&&W[2]===(rh>>31)),rl);`);
    return;
  }
  const a = g.read(s), b = g.readAs(t, size);
  if (size === 4) {
    g.emit(`const x=${a},y=${b};const r=Math.imul(x,y);`);
    g.write(d, 'r');
    if (g.flagsLive) g.emit(`h.setMulFlags(c,(x*y)!==r,r);`); // exact: |x*y| < 2^62 is representable enough to compare
    return;
  }
  // 16-bit
  g.emit(`const x=(${a}<<16)>>16,y=(${b}<<16)>>16;const p=x*y;const r=p&0xffff;`);
  g.write(d, 'r');
  if (g.flagsLive) g.emit(`h.setMulFlags(c,((p<<16)>>16)!==p,r);`);
});
reg(M.Mul, (i, g) => mulOne(i, g, false));

function mulOne(i: Insn, g: Gen, signed: boolean): void {
  const s = i.ops[0];
  const size = s.size;
  if (size === 8) {
    const [bl, bh] = g.read64(s);
    g.emit(`h.${signed ? 'muls64' : 'mulu64'}(R[0],R[1],${bl},${bh});const W=h.W;R[0]=W[0];R[1]=W[1];R[4]=W[2];R[5]=W[3];`);
    if (g.flagsLive) {
      if (signed) g.emit(`h.setMulFlags(c,!(W[3]===(W[1]>>31)&&W[2]===(W[1]>>31)),W[0]);`);
      else g.emit(`h.setMulFlags(c,(W[2]|W[3])!==0,W[0]);`);
    }
    return;
  }
  const v = g.read(s);
  if (size === 4) {
    if (signed) {
      g.emit(`const y=${v};const x=R[0];const lo=Math.imul(x,y);h.muls64(x,x>>31,y,y>>31);const hi=h.W[1];`);
    } else g.emit(`const lo=h.mulu32(R[0],${v});const hi=h.W[0];`);
    g.emit(`R[0]=lo;R[1]=0;R[4]=hi;R[5]=0;`);
    if (g.flagsLive) g.emit(`h.setMulFlags(c,${signed ? 'hi!==(lo>>31)' : 'hi!==0'},lo);`);
    return;
  }
  if (size === 2) {
    if (signed) g.emit(`const p=((R[0]<<16)>>16)*((${v}<<16)>>16);`);
    else g.emit(`const p=(R[0]&0xffff)*${v};`);
    g.emit(`R[0]=(R[0]&-65536)|(p&0xffff);R[4]=(R[4]&-65536)|((p>>>16)&0xffff);`);
    if (g.flagsLive) g.emit(`h.setMulFlags(c,${signed ? '((p<<16)>>16)!==p' : '(p>>>16)!==0'},p);`);
    return;
  }
  if (signed) g.emit(`const p=((R[0]<<24)>>24)*((${v}<<24)>>24);`);
  else g.emit(`const p=(R[0]&0xff)*${v};`);
  g.emit(`R[0]=(R[0]&-65536)|(p&0xffff);`);
  if (g.flagsLive) g.emit(`h.setMulFlags(c,${signed ? '((p<<24)>>24)!==p' : '(p>>>8)!==0'},p);`);
}

function div(signed: boolean) {
  return (i: Insn, g: Gen) => {
    const s = i.ops[0];
    const size = s.size;
    // Division leaves all status flags undefined: set as AMD Zen does (runtime.setDivFlags).
    const fl = g.flagsLive ? 'h.setDivFlags(c);' : '';
    if (size === 8) {
      const [dl, dh] = g.read64(s);
      g.emit(`h.${signed ? 'divs64' : 'divu64'}(R[0],R[1],R[4],R[5],${dl},${dh});const W=h.W;R[0]=W[0];R[1]=W[1];R[4]=W[2];R[5]=W[3];${fl}`);
      return;
    }
    const v = g.read(s);
    if (size === 4) {
      if (signed) g.emit(`const d=${v};if(d===0)throw h.DIVIDE_ERROR;const n=R[4]*4294967296+(R[0]>>>0);const q=Math.trunc(n/d);`);
      else g.emit(`const d=${v}>>>0;if(d===0)throw h.DIVIDE_ERROR;const n=(R[4]>>>0)*4294967296+(R[0]>>>0);const q=Math.floor(n/d);`);
      // n may exceed 2^53 for 64-bit dividends: recheck with the exact helper when the quotient is large
      if (signed) g.emit(`let Q,Rm;if(n>-9007199254740992&&n<9007199254740992&&q>=-2147483648&&q<=2147483647){Q=q;Rm=n-q*d;if(Rm!==0&&((Rm<0)!==(n<0))){Q+=((n<0)===(d<0))?-1:1;Rm=n-Q*d;}else if(Math.abs(Rm)>=Math.abs(d)){Q+=((n<0)===(d<0))?1:-1;Rm=n-Q*d;}}else{h.divs64(R[0],R[4],R[4]>>31,R[4]>>31,d,d>>31);if(h.W[1]!==(h.W[0]>>31))throw h.DIVIDE_ERROR;Q=h.W[0];Rm=h.W[2];}if(Q<-2147483648||Q>2147483647)throw h.DIVIDE_ERROR;`);
      else g.emit(`let Q=q,Rm=n-q*d;if(n>=9007199254740992){h.divu64(R[0],R[4],0,0,d,0);Q=h.W[0]>>>0;Rm=h.W[2]>>>0;if(h.W[1]!==0)throw h.DIVIDE_ERROR;}else{if(Rm<0){Q--;Rm+=d;}else if(Rm>=d){Q++;Rm-=d;}}if(Q>4294967295)throw h.DIVIDE_ERROR;`);
      g.emit(`R[0]=Q|0;R[1]=0;R[4]=Rm|0;R[5]=0;${fl}`);
      return;
    }
    if (size === 2) {
      if (signed) g.emit(`const d=(${v}<<16)>>16;if(d===0)throw h.DIVIDE_ERROR;const n=((R[4]&0xffff)<<16)|(R[0]&0xffff);const Q=Math.trunc(n/d),Rm=n%d;if(Q<-32768||Q>32767)throw h.DIVIDE_ERROR;`);
      else g.emit(`const d=${v};if(d===0)throw h.DIVIDE_ERROR;const n=(((R[4]&0xffff)<<16)|(R[0]&0xffff))>>>0;const Q=Math.floor(n/d),Rm=n%d;if(Q>65535)throw h.DIVIDE_ERROR;`);
      g.emit(`R[0]=(R[0]&-65536)|(Q&0xffff);R[4]=(R[4]&-65536)|(Rm&0xffff);${fl}`);
      return;
    }
    if (signed) g.emit(`const d=(${v}<<24)>>24;if(d===0)throw h.DIVIDE_ERROR;const n=(R[0]<<16)>>16;const Q=Math.trunc(n/d),Rm=n%d;if(Q<-128||Q>127)throw h.DIVIDE_ERROR;`);
    else g.emit(`const d=${v};if(d===0)throw h.DIVIDE_ERROR;const n=R[0]&0xffff;const Q=Math.floor(n/d),Rm=n%d;if(Q>255)throw h.DIVIDE_ERROR;`);
    g.emit(`R[0]=(R[0]&-65536)|((Rm&0xff)<<8)|(Q&0xff);${fl}`);
  };
}
reg(M.Div, div(false));
reg(M.Idiv, div(true));

// ------------------------------------------------------------------ shifts and rotates

const SHIFT_KIND: Record<number, Sh> = {
  [M.Rol]: Sh.Rol, [M.Ror]: Sh.Ror, [M.Rcl]: Sh.Rcl, [M.Rcr]: Sh.Rcr,
  [M.Shl]: Sh.Shl, [M.Shr]: Sh.Shr, [M.Sal]: Sh.Sal, [M.Sar]: Sh.Sar,
};
reg([M.Rol, M.Ror, M.Rcl, M.Rcr, M.Shl, M.Shr, M.Sal, M.Sar], (i, g) => {
  const [d, s] = i.ops;
  const kind = SHIFT_KIND[i.mnem];
  const a = isMem(d) ? g.ea(d) : undefined;
  const cnt = s ? (s.k === OpK.Imm ? String(s.imm & 0xff) : g.read(s)) : '1';
  const immCount = s ? (s.k === OpK.Imm ? s.imm & (d.size === 8 ? 63 : 31) : -1) : 1;
  if (immCount === 0) {
    // no flags change, but a 32-bit register destination is still written (upper half cleared)
    if (isMem(d)) g.emit(`m.probeRead(${a},${d.size});`);
    else if (d.size === 4) g.emit(`R[${2 * d.reg + 1}]=0;`);
    return;
  }
  // Fast inline forms when flags are dead and the count is a constant.
  if (!g.flagsLive && immCount > 0 && (kind === Sh.Shl || kind === Sh.Sal || kind === Sh.Shr || kind === Sh.Sar)) {
    const n = immCount;
    if (d.size === 8) {
      const [l, hh] = g.read64(d, a);
      let rl: string, rh: string;
      if (kind === Sh.Shr) {
        if (n < 32) { rl = `((${l}>>>${n})|(${hh}<<${32 - n}))`; rh = `(${hh}>>>${n})`; } else { rl = `(${hh}>>>${n - 32})|0`; rh = '0'; }
      } else if (kind === Sh.Sar) {
        if (n < 32) { rl = `((${l}>>>${n})|(${hh}<<${32 - n}))`; rh = `(${hh}>>${n})`; } else { rl = `(${hh}>>${n - 32})`; rh = `(${hh}>>31)`; }
      } else {
        if (n < 32) { rl = `(${l}<<${n})`; rh = `((${hh}<<${n})|(${l}>>>${32 - n}))`; } else { rl = '0'; rh = `(${l}<<${n - 32})`; }
      }
      g.emit(`const rl=${rl},rh=${rh};`);
      g.write64(d, 'rl', 'rh', a);
      return;
    }
    if (d.size === 4) {
      const v = g.read(d, a);
      const op = kind === Sh.Shr ? '>>>' : kind === Sh.Sar ? '>>' : '<<';
      g.write(d, `(${v}${op}${n})|0`, a);
      return;
    }
  }
  if (d.size === 8) {
    const [l, hh] = g.read64(d, a);
    g.emit(`const rl=h.shift64(c,${kind},${l},${hh},${cnt});const rh=h.W[0];`);
    g.write64(d, 'rl', 'rh', a);
    return;
  }
  g.emit(`const r=h.shift32(c,${kind},${d.size},${g.read(d, a)},${cnt});`);
  g.write(d, 'r', a);
});

reg([M.Shld, M.Shrd], (i, g) => {
  const [d, s, cn] = i.ops;
  const left = i.mnem === M.Shld;
  const a = isMem(d) ? g.ea(d) : undefined;
  const cnt = cn.k === OpK.Imm ? String(cn.imm & 0xff) : g.read(cn);
  if (d.size === 8) {
    const [l, hh] = g.read64(d, a);
    const [sl, sh] = g.read64(s);
    g.emit(`const rl=h.shiftDouble64(c,${left},${l},${hh},${sl},${sh},${cnt});const rh=h.W[0];`);
    g.write64(d, 'rl', 'rh', a);
    return;
  }
  g.emit(`const r=h.shiftDouble32(c,${left},${d.size},${g.read(d, a)},${g.read(s)},${cnt});`);
  g.write(d, 'r', a);
});

// ------------------------------------------------------------------ bit operations

function bitop(kind: 'bt' | 'bts' | 'btr' | 'btc') {
  return (i: Insn, g: Gen) => {
    const [d, s] = i.ops;
    const size = d.size;
    const bits = size * 8;
    let a: string | undefined;
    let bit: string;
    if (isMem(d) && s.k === OpK.Reg) {
      // bit-string addressing: the register offset is signed and may select another operand-sized word
      const off = size === 8 ? `(R[${2 * s.reg}]>>>0)+R[${2 * s.reg + 1}]*4294967296` : size === 4 ? `R[${2 * s.reg}]` : `((R[${2 * s.reg}]<<16)>>16)`;
      g.emit(`const bo=${off};const a=${g.addrExpr(d)}+Math.floor(bo/${bits})*${size};const b=((bo%${bits})+${bits})%${bits};`);
      a = 'a'; bit = 'b';
    } else {
      if (isMem(d)) a = g.ea(d);
      bit = s.k === OpK.Imm ? String(s.imm & (bits - 1)) : `(${g.read({ ...s, size: Math.min(s.size, 4) })}&${bits - 1})`;
    }
    if (size === 8) {
      const [l, hh] = g.read64(d, a);
      g.emit(`const k=${bit};const lo=k<32;const mk=1<<(k&31);const cf=((lo?${l}:${hh})&mk)!==0;`);
      if (kind !== 'bt') {
        const op = kind === 'bts' ? '|mk' : kind === 'btr' ? '&~mk' : '^mk';
        g.emit(`const nl=lo?(${l}${op}):${l},nh=lo?${hh}:(${hh}${op});`);
        g.write64(d, 'nl', 'nh', a);
      }
    } else {
      g.emit(`const v=${g.read(d, a)};const mk=1<<${bit};const cf=(v&mk)!==0;`);
      if (kind !== 'bt') g.write(d, kind === 'bts' ? 'v|mk' : kind === 'btr' ? 'v&~mk' : 'v^mk', a);
    }
    if (g.flagsLive) g.emit(`h.setCF(c,cf);`);
  };
}
reg(M.Bt, bitop('bt'));
reg(M.Bts, bitop('bts'));
reg(M.Btr, bitop('btr'));
reg(M.Btc, bitop('btc'));

// BSF/BSR: ZF=1 and destination unchanged for a zero source. TZCNT/LZCNT decode as themselves, but the
// emulated CPU reports no BMI1/ABM, so like real pre-BMI CPUs it executes them as BSF/BSR (F3 ignored).
function bitscan(forward: boolean) {
  return (i: Insn, g: Gen) => {
    const [d, s] = i.ops;
    if (d.size === 8) {
      const [l, hh] = g.read64(s);
      g.emit(`const z=(${l}|${hh})===0;`);
      if (forward) g.emit(`const r=z?0:(${l}!==0?31-Math.clz32(${l}&-${l}):63-Math.clz32(${hh}&-${hh}));`);
      else g.emit(`const r=z?0:(${hh}!==0?63-Math.clz32(${hh}):31-Math.clz32(${l}));`);
      g.emit(`if(!z){R[${2 * d.reg}]=r;R[${2 * d.reg + 1}]=0;}`);
    } else {
      g.emit(`const v=${g.read(s)};const z=v===0;`);
      if (forward) g.emit(`const r=z?0:31-Math.clz32(v&-v);`);
      else g.emit(`const r=z?0:31-Math.clz32(v);`);
      g.emit(`if(!z){`);
      g.write(d, 'r');
      g.emit(`}`);
    }
    // ZF defined; the others as AMD Zen (runtime.setBsfFlags): PF from the bit index (0 for a zero source)
    if (g.flagsLive) g.emit(`h.setBsfFlags(c,z,r);`);
  };
}
reg([M.Bsf, M.Tzcnt], bitscan(true));
reg([M.Bsr, M.Lzcnt], bitscan(false));

// ------------------------------------------------------------------ conditional

reg([M.Sete, M.Setne, M.Seta, M.Setae, M.Setb, M.Setbe, M.Setg, M.Setge, M.Setl, M.Setle, M.Seto, M.Setno, M.Setp, M.Setnp, M.Sets, M.Setns], (i, g) => {
  g.write(i.ops[0], `(${g.cond(i.cc)}?1:0)`);
});

reg([M.Cmove, M.Cmovne, M.Cmova, M.Cmovae, M.Cmovb, M.Cmovbe, M.Cmovg, M.Cmovge, M.Cmovl, M.Cmovle, M.Cmovo, M.Cmovno, M.Cmovp, M.Cmovnp, M.Cmovs, M.Cmovns], (i, g) => {
  const [d, s] = i.ops;
  if (d.size === 8) {
    const [l, hh] = g.read64(s);
    g.emit(`if(${g.cond(i.cc)}){R[${2 * d.reg}]=${l};R[${2 * d.reg + 1}]=${hh};}`);
    return;
  }
  const v = g.read(s);
  if (d.size === 4) g.emit(`const v=${v};if(${g.cond(i.cc)})R[${2 * d.reg}]=v;R[${2 * d.reg + 1}]=0;`);
  else {
    g.emit(`const v=${v};if(${g.cond(i.cc)}){`);
    g.write(d, 'v');
    g.emit('}');
  }
});

// ------------------------------------------------------------------ control flow (these end the block)

reg([M.Je, M.Jne, M.Ja, M.Jae, M.Jb, M.Jbe, M.Jg, M.Jge, M.Jl, M.Jle, M.Jo, M.Jno, M.Jp, M.Jnp, M.Js, M.Jns], (i, g) => {
  g.emit(`return ${g.cond(i.cc)}?${i.ops[0].target}:${i.next};`);
  g.terminated = true;
});

reg([M.Jrcxz, M.Jecxz], (i, g) => {
  const z = i.mnem === M.Jrcxz ? '(R[2]|R[3])===0' : 'R[2]===0';
  g.emit(`return ${z}?${i.ops[0].target}:${i.next};`);
  g.terminated = true;
});
reg([M.Loop, M.Loope, M.Loopne], (i, g) => {
  const ecx = i.code === Code.Loop_rel8_64_ECX || i.code === Code.Loope_rel8_64_ECX || i.code === Code.Loopne_rel8_64_ECX;
  if (ecx) g.emit(`R[2]=(R[2]-1)|0;R[3]=0;const nz=R[2]!==0;`); // 0x67: ECX is the counter
  else g.emit(`const l=(R[2]-1)|0;R[3]=(R[3]-(R[2]===0?1:0))|0;R[2]=l;const nz=(R[2]|R[3])!==0;`);
  const extra = i.mnem === M.Loope ? '&&h.cond(c,5)' : i.mnem === M.Loopne ? '&&h.cond(c,6)' : '';
  g.emit(`return nz${extra}?${i.ops[0].target}:${i.next};`);
  g.terminated = true;
});

reg(M.Jmp, (i, g) => {
  const t = i.ops[0];
  if (t.k === OpK.Branch) g.emit(`return ${t.target};`);
  else {
    const [l, hh] = g.read64(t);
    g.emit(`return ${num64(l, hh)};`);
  }
  g.terminated = true;
});

reg(M.Call, (i, g) => {
  const t = i.ops[0];
  const lo = i.next % 4294967296 | 0, hi = Math.floor(i.next / 4294967296);
  if (t.k === OpK.Branch) {
    push64(g, String(lo), String(hi));
    g.emit(`return ${t.target};`);
  } else {
    const [l, hh] = g.read64(t);
    push64(g, String(lo), String(hi));
    g.emit(`return ${num64(l, hh)};`);
  }
  g.terminated = true;
});

reg(M.Ret, (i, g) => {
  const extra = i.ops.length ? i.ops[0].imm & 0xffff : 0;
  g.emit(`const sp=${spExpr(0)};const lo=m.r64(sp),hi=m.t;`);
  setRsp(g, `(sp+${8 + extra})`);
  g.emit(`return ${num64('lo', 'hi')};`);
  g.terminated = true;
});

// ------------------------------------------------------------------ flag instructions

reg(M.Clc, (_i, g) => g.emit('h.setCF(c,false);'));
reg(M.Stc, (_i, g) => g.emit('h.setCF(c,true);'));
reg(M.Cmc, (_i, g) => g.emit('h.setCF(c,!h.getCF(c));'));
reg(M.Cld, (_i, g) => g.emit('c.fl&=~0x400;'));
reg(M.Std, (_i, g) => g.emit('c.fl|=0x400;'));
reg(M.Lahf, (_i, g) => g.emit('R[0]=(R[0]&-65281)|((h.getRflags(c)&0xd5|2)<<8);'));
reg(M.Sahf, (_i, g) => g.emit('h.setRflags(c,(h.getRflags(c)&~0xd5)|((R[0]>>8)&0xd5));'));

// ------------------------------------------------------------------ exchange-and-modify (lock-able)

reg(M.Xadd, (i, g) => {
  const [d, s] = i.ops;
  const a = isMem(d) ? g.ea(d) : undefined;
  if (d.size === 8) {
    const [al, ah] = g.read64(d, a);
    const [bl, bh] = g.read64(s);
    g.emit(`const rl=(${al}+${bl})|0,rh=(${ah}+${bh}+((rl>>>0)<(${al}>>>0)?1:0))|0;`);
    if (a) { g.write64(d, 'rl', 'rh', a); g.write64(s, al, ah); } // memory first: a fault changes nothing
    else { g.write64(s, al, ah); g.write64(d, 'rl', 'rh'); }
    g.flags(FlagOp.Add, 8, al, bl, 'rl', ah, bh, 'rh');
    return;
  }
  g.emit(`const x=${g.read(d, a)},y=${g.read(s)};const r=(x+y)${d.size === 4 ? '|0' : ''};`);
  if (a) { g.write(d, 'r', a); g.write(s, 'x'); }
  else { g.write(s, 'x'); g.write(d, 'r'); }
  g.flags(FlagOp.Add, d.size, 'x', 'y', 'r');
});

reg(M.Cmpxchg, (i, g) => {
  const [d, s] = i.ops;
  const a = isMem(d) ? g.ea(d) : undefined;
  const acc = { ...s, k: OpK.Reg, rc: 1, reg: 0, high8: false } as Operand;
  if (d.size === 8) {
    const [dl, dh] = g.read64(d, a);
    g.emit(`const al=R[0],ah=R[1];const eq=al===${dl}&&ah===${dh};`);
    const [sl, sh] = g.read64(s);
    g.emit(`if(eq){`);
    g.write64(d, sl, sh, a);
    g.emit(`}else{`);
    if (a) g.write64(d, dl, dh, a); // the processor writes back the old value on failure
    g.emit(`R[0]=${dl};R[1]=${dh};}`);
    g.emit(`const rl=(al-${dl})|0,rh=(ah-${dh}-((al>>>0)<(${dl}>>>0)?1:0))|0;`);
    g.flags(FlagOp.Sub, 8, 'al', dl, 'rl', 'ah', dh, 'rh');
    return;
  }
  g.emit(`const dv=${g.read(d, a)},av=${g.read(acc)};const eq=dv===av;`);
  g.emit(`if(eq){`);
  g.write(d, g.read(s), a);
  g.emit(`}else{`);
  if (a) g.write(d, 'dv', a);
  g.write(acc, 'dv');
  g.emit(`}`);
  g.flags(FlagOp.Sub, d.size, 'av', 'dv', `(av-dv)${d.size === 4 ? '|0' : ''}`);
});

reg([M.Cmpxchg16b, M.Cmpxchg8b], (i, g) => {
  const d = i.ops[0];
  const a = g.ea(d);
  if (i.mnem === M.Cmpxchg16b) {
    g.emit(`if(${a}%16!==0)throw h.GP_FAULT;const l0=m.r64(${a}),h0=m.t,l1=m.r64(${a}+8),h1=m.t;`);
    g.emit(`const eq=l0===R[0]&&h0===R[1]&&l1===R[4]&&h1===R[5];`);
    g.emit(`if(eq){m.w64(${a},R[6],R[7]);m.w64(${a}+8,R[2],R[3]);}else{m.w64(${a},l0,h0);m.w64(${a}+8,l1,h1);R[0]=l0;R[1]=h0;R[4]=l1;R[5]=h1;}`);
  } else {
    g.emit(`const l0=m.r32(${a}),h0=m.r32(${a}+4);const eq=l0===R[0]&&h0===R[4];`);
    g.emit(`if(eq){m.w32(${a},R[6]);m.w32(${a}+4,R[2]);}else{m.w32(${a},l0);m.w32(${a}+4,h0);R[0]=l0;R[1]=0;R[4]=h0;R[5]=0;}`);
  }
  g.emit(`h.setZFonly(c,eq,0,true);`);
});

// ------------------------------------------------------------------ misc no-ops

reg([M.Nop, M.Endbr64, M.Endbr32, M.Pause, M.Lfence, M.Mfence, M.Sfence, M.Prefetchnta, M.Prefetcht0, M.Prefetcht1, M.Prefetcht2, M.Prefetchw], () => {});
