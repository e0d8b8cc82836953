/**
 * x87 FPU instruction emitters. Everything runs in x87-runtime.ts helpers (an exact 80-bit soft-float);
 * the emitters only decode operand forms: memory formats (m32fp/m64fp/m80fp, m16/m32/m64 integers) and
 * register operands ST(i). Not supported (reported as unsupported instructions): FBLD/FBSTP (packed BCD) and
 * the 287 leftovers FNENI/FNDISI/FNSETPM.
 */
import { Mnemonic, OpK, RC, Insn, Operand } from '../decode';
import { Gen, reg, Emitter } from '../gen';

const M = Mnemonic;

function st(o: Operand): number {
  if (o.k !== OpK.Reg || o.rc !== RC.St) throw new Error('expected an x87 register operand');
  return o.reg;
}
/** The ST(i) operand that is not ST(0) in a two-register form (or the single one). */
function other(i: Insn): number {
  const regs = i.ops.filter((o) => o.k === OpK.Reg && o.rc === RC.St);
  if (regs.length === 0) return 1;
  if (regs.length === 1) return regs[0].reg;
  return regs[0].reg === 0 ? regs[1].reg : regs[0].reg;
}
function mem(i: Insn): Operand | undefined {
  return i.ops.find((o) => o.k === OpK.Mem);
}
const FP_FMT: Record<number, number> = { 4: 0, 8: 1, 10: 5 };
const INT_FMT: Record<number, number> = { 2: 2, 4: 3, 8: 4 };

// ------------------------------------------------------------------ loads and stores

reg(M.Fld, (i, g) => {
  const o = mem(i);
  if (o) g.emit(`h.x87LoadMem(c,m,${g.addrExpr(o)},${FP_FMT[o.size]});`);
  else g.emit(`h.x87LoadReg(c,${st(i.ops[0])});`);
});
reg(M.Fild, (i, g) => {
  const o = mem(i)!;
  g.emit(`h.x87LoadMem(c,m,${g.addrExpr(o)},${INT_FMT[o.size]});`);
});
function fst(doPop: boolean): Emitter {
  return (i, g) => {
    const o = mem(i);
    if (o) g.emit(`h.x87StoreMem(c,m,${g.addrExpr(o)},${FP_FMT[o.size]},${doPop});`);
    else g.emit(`h.x87StoreReg(c,${st(i.ops[0])},${doPop});`);
  };
}
reg(M.Fst, fst(false));
reg(M.Fstp, fst(true));
reg([M.Fstpnce], fst(true));
function fist(doPop: boolean, trunc: boolean): Emitter {
  return (i, g) => {
    const o = mem(i)!;
    g.emit(`h.x87StoreInt(c,m,${g.addrExpr(o)},${o.size * 8},${doPop},${trunc});`);
  };
}
reg(M.Fist, fist(false, false));
reg(M.Fistp, fist(true, false));
reg(M.Fisttp, fist(true, true));

const CONSTS: [number, number][] = [[M.Fld1, 0], [M.Fldl2t, 1], [M.Fldl2e, 2], [M.Fldpi, 3], [M.Fldlg2, 4], [M.Fldln2, 5], [M.Fldz, 6]];
for (const [mn, k] of CONSTS) reg(mn, (_i, g) => g.emit(`h.x87LoadConst(c,${k});`));

// ------------------------------------------------------------------ arithmetic

/** op: 0 add 1 mul 4 sub 5 subr 6 div 7 divr (the x87 opcode /reg field). */
function arith(op: number, doPop: boolean): Emitter {
  return (i, g) => {
    const o = mem(i);
    if (o) {
      g.emit(`h.x87ArithMem(c,m,${op},${g.addrExpr(o)},${FP_FMT[o.size]});`);
      return;
    }
    const regs = i.ops.filter((x) => x.k === OpK.Reg);
    let d: number, s: number;
    if (regs.length === 2) { d = st(regs[0]); s = st(regs[1]); }
    else if (regs.length === 1) { d = st(regs[0]); s = 0; } // faddp st(i) (st0 implied)
    else { d = 1; s = 0; } // faddp with no operands = faddp st(1), st(0)
    g.emit(`h.x87Arith(c,${op},${d},${s},${doPop});`);
  };
}
const ARITH: [number, number, number, number][] = [
  // mnemonic, popping form, integer form, op
  [M.Fadd, M.Faddp, M.Fiadd, 0], [M.Fmul, M.Fmulp, M.Fimul, 1], [M.Fsub, M.Fsubp, M.Fisub, 4],
  [M.Fsubr, M.Fsubrp, M.Fisubr, 5], [M.Fdiv, M.Fdivp, M.Fidiv, 6], [M.Fdivr, M.Fdivrp, M.Fidivr, 7],
];
for (const [mn, mp, mi, op] of ARITH) {
  reg(mn, arith(op, false));
  reg(mp, arith(op, true));
  reg(mi, (i, g) => {
    const o = mem(i)!;
    g.emit(`h.x87ArithMem(c,m,${op},${g.addrExpr(o)},${INT_FMT[o.size]});`);
  });
}

reg(M.Fchs, (_i, g) => g.emit('h.x87SignOp(c,false);'));
reg(M.Fabs, (_i, g) => g.emit('h.x87SignOp(c,true);'));
reg(M.Fsqrt, (_i, g) => g.emit('h.x87Sqrt(c);'));
reg(M.Frndint, (_i, g) => g.emit('h.x87Rndint(c);'));
reg(M.Fscale, (_i, g) => g.emit('h.x87Scale(c);'));
reg(M.Fxtract, (_i, g) => g.emit('h.x87Xtract(c);'));
reg(M.Fprem, (_i, g) => g.emit('h.x87Prem(c,false);'));
reg(M.Fprem1, (_i, g) => g.emit('h.x87Prem(c,true);'));
const TRANS: [number, number][] = [[M.F2xm1, 0], [M.Fyl2x, 1], [M.Fyl2xp1, 2], [M.Fptan, 3], [M.Fpatan, 4], [M.Fsin, 5], [M.Fcos, 6], [M.Fsincos, 7]];
for (const [mn, k] of TRANS) reg(mn, (_i, g) => g.emit(`h.x87Trans(c,${k});`));

// ------------------------------------------------------------------ compares

function fcom(pops: number, unordered: boolean, eflags: boolean): Emitter {
  return (i, g) => {
    const o = mem(i);
    if (o) {
      g.emit(`h.x87ComMem(c,m,${g.addrExpr(o)},${FP_FMT[o.size]},${pops});`);
      return;
    }
    g.emit(`h.x87Com(c,${other(i)},${pops},${unordered},${eflags});`);
  };
}
reg(M.Fcom, fcom(0, false, false));
reg(M.Fcomp, fcom(1, false, false));
reg(M.Fcompp, fcom(2, false, false));
reg(M.Fucom, fcom(0, true, false));
reg(M.Fucomp, fcom(1, true, false));
reg(M.Fucompp, fcom(2, true, false));
reg(M.Fcomi, fcom(0, false, true));
reg(M.Fcomip, fcom(1, false, true));
reg(M.Fucomi, fcom(0, true, true));
reg(M.Fucomip, fcom(1, true, true));
reg(M.Ficom, (i, g) => g.emit(`h.x87ComMem(c,m,${g.addrExpr(mem(i)!)},${INT_FMT[mem(i)!.size]},0);`));
reg(M.Ficomp, (i, g) => g.emit(`h.x87ComMem(c,m,${g.addrExpr(mem(i)!)},${INT_FMT[mem(i)!.size]},1);`));
reg(M.Ftst, (_i, g) => g.emit('h.x87Tst(c);'));
reg(M.Fxam, (_i, g) => g.emit('h.x87Xam(c);'));

// ------------------------------------------------------------------ register file

reg(M.Fxch, (i, g) => g.emit(`h.x87Xch(c,${other(i)});`));
// FCMOVcc: iced condition codes (3 b, 4 ae, 5 e, 6 ne, 7 be, 8 a, 11 p, 12 np)
const FCMOV: [number, number][] = [[M.Fcmovb, 3], [M.Fcmovnb, 4], [M.Fcmove, 5], [M.Fcmovne, 6], [M.Fcmovbe, 7], [M.Fcmovnbe, 8], [M.Fcmovu, 11], [M.Fcmovnu, 12]];
for (const [mn, cc] of FCMOV) reg(mn, (i, g) => g.emit(`h.x87Cmov(c,${cc},${other(i)});`));
reg(M.Ffree, (i, g) => g.emit(`h.x87Free(c,${st(i.ops[0])},false);`));
reg(M.Ffreep, (i, g) => g.emit(`h.x87Free(c,${st(i.ops[0])},true);`));
reg(M.Fincstp, (_i, g) => g.emit('h.x87IncTop(c,1);'));
reg(M.Fdecstp, (_i, g) => g.emit('h.x87IncTop(c,-1);'));

// ------------------------------------------------------------------ control

reg([M.Wait, M.Fnop], (_i, g) => g.emit('h.x87Wait(c);'));
reg(M.Fninit, (_i, g) => g.emit('h.x87Init(c);'));
reg(M.Finit, (_i, g) => g.emit('h.x87Wait(c);h.x87Init(c);'));
reg(M.Fnclex, (_i, g) => g.emit('h.x87Clex(c);'));
reg(M.Fclex, (_i, g) => g.emit('h.x87Wait(c);h.x87Clex(c);'));
reg(M.Fnstcw, (i, g) => g.emit(`m.w16(${g.addrExpr(mem(i)!)},c.fpuCw);`));
reg(M.Fstcw, (i, g) => g.emit(`h.x87Wait(c);m.w16(${g.addrExpr(mem(i)!)},c.fpuCw);`));
reg(M.Fldcw, (i, g) => g.emit(`h.x87Ldcw(c,m.r16(${g.addrExpr(mem(i)!)}));`));
function fstsw(wait: boolean): Emitter {
  return (i, g) => {
    if (wait) g.emit('h.x87Wait(c);');
    const o = mem(i);
    if (o) g.emit(`m.w16(${g.addrExpr(o)},h.x87Sw(c));`);
    else g.emit('R[0]=(R[0]&-65536)|h.x87Sw(c);');
  };
}
reg(M.Fnstsw, fstsw(false));
reg(M.Fstsw, fstsw(true));
reg(M.Fnstenv, (i, g) => g.emit(`h.x87Stenv(c,m,${g.addrExpr(mem(i)!)},false);`));
reg(M.Fstenv, (i, g) => g.emit(`h.x87Wait(c);h.x87Stenv(c,m,${g.addrExpr(mem(i)!)},false);`));
reg(M.Fnsave, (i, g) => g.emit(`h.x87Stenv(c,m,${g.addrExpr(mem(i)!)},true);`));
reg(M.Fsave, (i, g) => g.emit(`h.x87Wait(c);h.x87Stenv(c,m,${g.addrExpr(mem(i)!)},true);`));
reg(M.Fldenv, (i, g) => g.emit(`h.x87Ldenv(c,m,${g.addrExpr(mem(i)!)},false);`));
reg(M.Frstor, (i, g) => g.emit(`h.x87Ldenv(c,m,${g.addrExpr(mem(i)!)},true);`));

void ({} as Gen);
