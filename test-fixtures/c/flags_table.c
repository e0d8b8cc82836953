// The flags oracle: executes each flag-setting integer instruction through
// inline asm over a grid of edge operands (and shift/rotate counts) at
// 8/16/32/64 bits, and prints the result plus the RFLAGS bits that the Intel
// SDM defines for that instruction (undefined bits are masked out, so native
// and emulated tables must be identical).
//
// Line format:  <op><width> a=<hex> b=<hex> fi=<hex> r=<hex> [r2=<hex>] f=<hex>
//   a, b   operands (b is the count for shifts/rotates, the bit offset for bt*)
//   fi     RFLAGS loaded (popfq) right before the instruction
//   r      destination after the instruction ("undef" where the SDM leaves
//          it undefined: bsf/bsr of 0), r2 a second result (mul high half,
//          xadd source, cmpxchg accumulator)
//   f      RFLAGS after the instruction, masked to the defined bits
//          (CF=1 PF=4 AF=10 ZF=40 SF=80 OF=800)
// Other lines: "src=<hex> shld.." (the second shld/shrd source comes first),
// "cond fi=.. set=.. cmov=.. jcc=.." (one nibble per condition code, o no b
// ae e ne be a s ns p np l ge le g from the right), "div<w>/idiv<w> .. q=..
// r=.." (no flags are defined for div) and "btmem off=.. f=.." (bt* on a
// memory bit string with register offsets that reach outside the operand).
//
// Intentionally heavier than most fixtures (~9M instructions, ~15M at -O0;
// ~12,700 output lines).
//
// Inline-asm note: pushfq/popfq write below %rsp, where gcc may keep locals
// (the red zone), so every block first moves %rsp down by 128 bytes.
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#define CF 0x001u
#define PF 0x004u
#define AF 0x010u
#define ZF 0x040u
#define SF 0x080u
#define OF 0x800u
#define ALL6 (CF | PF | AF | ZF | SF | OF)

/* ------------------------------------------------------------------ */
/* Output: hand-rolled hex formatting into a buffer (cheap, libc-free). */
static char obuf[1 << 16];
static size_t olen;
static unsigned long nlines;

static void out_flush(void) {
    fwrite(obuf, 1, olen, stdout);
    olen = 0;
}
static void out_str(const char *s) {
    while (*s) obuf[olen++] = *s++;
}
static void out_hex(uint64_t v) {
    char tmp[16];
    int n = 0;
    do {
        tmp[n++] = "0123456789abcdef"[v & 15];
        v >>= 4;
    } while (v);
    while (n) obuf[olen++] = tmp[--n];
}
static void out_kv(const char *k, uint64_t v) {
    out_str(k);
    out_hex(v);
}
static void out_end(void) {
    obuf[olen++] = '\n';
    nlines++;
    if (olen > sizeof obuf - 512) out_flush();
}

/* ------------------------------------------------------------------ */
/* Instruction wrappers. All share one signature:
 *   r = fn(a, b, fi, &flags_out, &r2)                                  */
typedef uint64_t (*opfn)(uint64_t a, uint64_t b, uint64_t fi, uint64_t *fo, uint64_t *r2);

#define PRE "lea -128(%%rsp), %%rsp\n\tpushq %[fi]\n\tpopfq\n\t"
#define POST "\n\tpushfq\n\tpopq %[fo]\n\tlea 128(%%rsp), %%rsp"

/* two-operand ALU: x = x OP y */
#define DEF_BIN(NAME, INSN, T)                                                       \
    static uint64_t NAME(uint64_t a, uint64_t b, uint64_t fi, uint64_t *fo, uint64_t *r2) { \
        T x = (T)a, y = (T)b;                                                        \
        uint64_t f;                                                                  \
        (void)r2;                                                                    \
        __asm__ volatile(PRE INSN " %[y], %[x]" POST                                 \
                         : [x] "+r"(x), [fo] "=&r"(f)                                \
                         : [y] "r"(y), [fi] "r"(fi)                                  \
                         : "cc");                                                    \
        *fo = f;                                                                     \
        return (uint64_t)x;                                                          \
    }
#define DEF_BIN4(op)                          \
    DEF_BIN(op##8, #op "b", uint8_t)          \
    DEF_BIN(op##16, #op "w", uint16_t)        \
    DEF_BIN(op##32, #op "l", uint32_t)        \
    DEF_BIN(op##64, #op "q", uint64_t)
#define DEF_BIN3(op)                          \
    DEF_BIN(op##16, #op "w", uint16_t)        \
    DEF_BIN(op##32, #op "l", uint32_t)        \
    DEF_BIN(op##64, #op "q", uint64_t)

DEF_BIN4(add)
DEF_BIN4(adc)
DEF_BIN4(sub)
DEF_BIN4(sbb)
DEF_BIN4(and)
DEF_BIN4(or)
DEF_BIN4(xor)
DEF_BIN4(cmp)
DEF_BIN4(test)
DEF_BIN3(imul) /* imul r, r/m (two-operand form) */
DEF_BIN3(bt)
DEF_BIN3(bts)
DEF_BIN3(btr)
DEF_BIN3(btc)
DEF_BIN3(bsf) /* a is the destination's previous value (kept if b == 0 on most CPUs: undefined) */
DEF_BIN3(bsr)

/* one-operand: x = OP x */
#define DEF_UN(NAME, INSN, T)                                                        \
    static uint64_t NAME(uint64_t a, uint64_t b, uint64_t fi, uint64_t *fo, uint64_t *r2) { \
        T x = (T)a;                                                                  \
        uint64_t f;                                                                  \
        (void)b;                                                                     \
        (void)r2;                                                                    \
        __asm__ volatile(PRE INSN " %[x]" POST : [x] "+r"(x), [fo] "=&r"(f) : [fi] "r"(fi) : "cc"); \
        *fo = f;                                                                     \
        return (uint64_t)x;                                                          \
    }
#define DEF_UN4(op)                           \
    DEF_UN(op##8, #op "b", uint8_t)           \
    DEF_UN(op##16, #op "w", uint16_t)         \
    DEF_UN(op##32, #op "l", uint32_t)         \
    DEF_UN(op##64, #op "q", uint64_t)
DEF_UN4(inc)
DEF_UN4(dec)
DEF_UN4(neg)
DEF_UN4(not)

/* shift/rotate by %cl */
#define DEF_SH(NAME, INSN, T)                                                        \
    static uint64_t NAME(uint64_t a, uint64_t b, uint64_t fi, uint64_t *fo, uint64_t *r2) { \
        T x = (T)a;                                                                  \
        uint8_t c = (uint8_t)b;                                                      \
        uint64_t f;                                                                  \
        (void)r2;                                                                    \
        __asm__ volatile(PRE INSN " %%cl, %[x]" POST                                 \
                         : [x] "+r"(x), [fo] "=&r"(f)                                \
                         : "c"(c), [fi] "r"(fi)                                      \
                         : "cc");                                                    \
        *fo = f;                                                                     \
        return (uint64_t)x;                                                          \
    }
/* shift/rotate by an immediate (D0/D1 form for 1, C0/C1 form otherwise) */
#define DEF_SHI(NAME, INSN, T, N)                                                    \
    static uint64_t NAME(uint64_t a, uint64_t b, uint64_t fi, uint64_t *fo, uint64_t *r2) { \
        T x = (T)a;                                                                  \
        uint64_t f;                                                                  \
        (void)b;                                                                     \
        (void)r2;                                                                    \
        __asm__ volatile(PRE INSN " $" #N ", %[x]" POST                              \
                         : [x] "+r"(x), [fo] "=&r"(f)                                \
                         : [fi] "r"(fi)                                              \
                         : "cc");                                                    \
        *fo = f;                                                                     \
        return (uint64_t)x;                                                          \
    }
#define DEF_SH4(op)                                                                  \
    DEF_SH(op##8, #op "b", uint8_t) DEF_SH(op##16, #op "w", uint16_t)                \
    DEF_SH(op##32, #op "l", uint32_t) DEF_SH(op##64, #op "q", uint64_t)              \
    DEF_SHI(op##8_i1, #op "b", uint8_t, 1) DEF_SHI(op##16_i1, #op "w", uint16_t, 1)  \
    DEF_SHI(op##32_i1, #op "l", uint32_t, 1) DEF_SHI(op##64_i1, #op "q", uint64_t, 1) \
    DEF_SHI(op##8_i13, #op "b", uint8_t, 13) DEF_SHI(op##16_i13, #op "w", uint16_t, 13) \
    DEF_SHI(op##32_i13, #op "l", uint32_t, 13) DEF_SHI(op##64_i13, #op "q", uint64_t, 13)
DEF_SH4(shl)
DEF_SH4(shr)
DEF_SH4(sar)
DEF_SH4(rol)
DEF_SH4(ror)
DEF_SH4(rcl)
DEF_SH4(rcr)

/* double-precision shifts: shld/shrd %cl, src(r2 input = a2), dst(a) */
static uint64_t shd_src; /* the second source operand for shld/shrd */
#define DEF_SHD(NAME, INSN, T)                                                       \
    static uint64_t NAME(uint64_t a, uint64_t b, uint64_t fi, uint64_t *fo, uint64_t *r2) { \
        T x = (T)a, y = (T)shd_src;                                                  \
        uint8_t c = (uint8_t)b;                                                      \
        uint64_t f;                                                                  \
        (void)r2;                                                                    \
        __asm__ volatile(PRE INSN " %%cl, %[y], %[x]" POST                           \
                         : [x] "+r"(x), [fo] "=&r"(f)                                \
                         : [y] "r"(y), "c"(c), [fi] "r"(fi)                          \
                         : "cc");                                                    \
        *fo = f;                                                                     \
        return (uint64_t)x;                                                          \
    }
DEF_SHD(shld16, "shldw", uint16_t)
DEF_SHD(shld32, "shldl", uint32_t)
DEF_SHD(shld64, "shldq", uint64_t)
DEF_SHD(shrd16, "shrdw", uint16_t)
DEF_SHD(shrd32, "shrdl", uint32_t)
DEF_SHD(shrd64, "shrdq", uint64_t)

/* one-operand mul/imul: rDX:rAX = rAX * y  (8-bit: AX = AL * y) */
#define DEF_MUL8(NAME, INSN)                                                         \
    static uint64_t NAME(uint64_t a, uint64_t b, uint64_t fi, uint64_t *fo, uint64_t *r2) { \
        uint16_t ax = (uint16_t)(0xab00u | (uint8_t)a); /* AH garbage must be ignored */ \
        uint8_t y = (uint8_t)b;                                                      \
        uint64_t f;                                                                  \
        __asm__ volatile(PRE INSN " %[y]" POST                                       \
                         : "+a"(ax), [fo] "=&r"(f)                                   \
                         : [y] "q"(y), [fi] "r"(fi)                                  \
                         : "cc");                                                    \
        *fo = f;                                                                     \
        *r2 = 0;                                                                     \
        return ax;                                                                   \
    }
#define DEF_MULW(NAME, INSN, T)                                                      \
    static uint64_t NAME(uint64_t a, uint64_t b, uint64_t fi, uint64_t *fo, uint64_t *r2) { \
        T x = (T)a, y = (T)b, hi;                                                    \
        uint64_t f;                                                                  \
        __asm__ volatile(PRE INSN " %[y]" POST                                       \
                         : "+a"(x), "=&d"(hi), [fo] "=&r"(f)                         \
                         : [y] "r"(y), [fi] "r"(fi)                                  \
                         : "cc");                                                    \
        *fo = f;                                                                     \
        *r2 = (uint64_t)hi;                                                          \
        return (uint64_t)x;                                                          \
    }
DEF_MUL8(mul8, "mulb")
DEF_MULW(mul16, "mulw", uint16_t)
DEF_MULW(mul32, "mull", uint32_t)
DEF_MULW(mul64, "mulq", uint64_t)
DEF_MUL8(imul1_8, "imulb")
DEF_MULW(imul1_16, "imulw", uint16_t)
DEF_MULW(imul1_32, "imull", uint32_t)
DEF_MULW(imul1_64, "imulq", uint64_t)

/* three-operand imul: x = y * imm (imm8 and imm16/32 encodings) */
#define DEF_IMUL3(NAME, INSN, T, N)                                                  \
    static uint64_t NAME(uint64_t a, uint64_t b, uint64_t fi, uint64_t *fo, uint64_t *r2) { \
        T x, y = (T)a;                                                               \
        uint64_t f;                                                                  \
        (void)b;                                                                     \
        (void)r2;                                                                    \
        __asm__ volatile(PRE INSN " $" #N ", %[y], %[x]" POST                        \
                         : [x] "=&r"(x), [fo] "=&r"(f)                               \
                         : [y] "r"(y), [fi] "r"(fi)                                  \
                         : "cc");                                                    \
        *fo = f;                                                                     \
        return (uint64_t)x;                                                          \
    }
DEF_IMUL3(imul3_16_m1, "imulw", uint16_t, -1)
DEF_IMUL3(imul3_32_m1, "imull", uint32_t, -1)
DEF_IMUL3(imul3_64_m1, "imulq", uint64_t, -1)
DEF_IMUL3(imul3_16_127, "imulw", uint16_t, 127)
DEF_IMUL3(imul3_32_127, "imull", uint32_t, 127)
DEF_IMUL3(imul3_64_127, "imulq", uint64_t, 127)
DEF_IMUL3(imul3_16_big, "imulw", uint16_t, 0x1234)
DEF_IMUL3(imul3_32_big, "imull", uint32_t, 0x12345)
DEF_IMUL3(imul3_64_big, "imulq", uint64_t, -0x12345)

/* xadd: x' = x + y, y' = old x */
#define DEF_XADD(NAME, INSN, T)                                                      \
    static uint64_t NAME(uint64_t a, uint64_t b, uint64_t fi, uint64_t *fo, uint64_t *r2) { \
        T x = (T)a, y = (T)b;                                                        \
        uint64_t f;                                                                  \
        __asm__ volatile(PRE INSN " %[y], %[x]" POST                                 \
                         : [x] "+r"(x), [y] "+r"(y), [fo] "=&r"(f)                   \
                         : [fi] "r"(fi)                                              \
                         : "cc");                                                    \
        *fo = f;                                                                     \
        *r2 = (uint64_t)y;                                                           \
        return (uint64_t)x;                                                          \
    }
DEF_XADD(xadd8, "xaddb", uint8_t)
DEF_XADD(xadd16, "xaddw", uint16_t)
DEF_XADD(xadd32, "xaddl", uint32_t)
DEF_XADD(xadd64, "xaddq", uint64_t)

/* cmpxchg: compares rAX (=b) with x (=a); equal: x = src, else rAX = x.
 * src is ~a so a successful exchange is visible. */
#define DEF_CMPXCHG(NAME, INSN, T)                                                   \
    static uint64_t NAME(uint64_t a, uint64_t b, uint64_t fi, uint64_t *fo, uint64_t *r2) { \
        T x = (T)a, acc = (T)b, src = (T)~a;                                         \
        uint64_t f;                                                                  \
        __asm__ volatile(PRE INSN " %[s], %[x]" POST                                 \
                         : [x] "+r"(x), "+a"(acc), [fo] "=&r"(f)                     \
                         : [s] "r"(src), [fi] "r"(fi)                                \
                         : "cc");                                                    \
        *fo = f;                                                                     \
        *r2 = (uint64_t)acc;                                                         \
        return (uint64_t)x;                                                          \
    }
DEF_CMPXCHG(cmpxchg8, "cmpxchgb", uint8_t)
DEF_CMPXCHG(cmpxchg16, "cmpxchgw", uint16_t)
DEF_CMPXCHG(cmpxchg32, "cmpxchgl", uint32_t)
DEF_CMPXCHG(cmpxchg64, "cmpxchgq", uint64_t)

/* ------------------------------------------------------------------ */
/* Flag masks (Intel SDM "Flags Affected").                            */
enum kind {
    K_ARITH,  /* add adc sub sbb cmp neg inc dec xadd cmpxchg: all six (inc/dec keep CF) */
    K_LOGIC,  /* and or xor test: AF undefined */
    K_NOT,    /* not: no flag changes (all preserved) */
    K_SHIFT,  /* shl shr sar */
    K_ROT,    /* rol ror */
    K_RCX,    /* rcl rcr */
    K_SHD,    /* shld shrd */
    K_MUL,    /* mul imul: only CF OF */
    K_BT,     /* bt bts btr btc: CF, ZF preserved */
    K_BSX,    /* bsf bsr: only ZF; destination undefined when source is 0 */
};

static unsigned width_of_count_mask(int w) { return w == 64 ? 63 : 31; }

/* Returns the defined-flags mask; *rmask gets the defined-result mask. */
static unsigned flag_mask(enum kind k, int w, uint64_t a, uint64_t b, uint64_t *rmask) {
    unsigned c = (unsigned)(b & width_of_count_mask(w)); /* masked count */
    *rmask = ~0ull;
    switch (k) {
    case K_ARITH: return ALL6;
    case K_LOGIC: return CF | PF | ZF | SF | OF;
    case K_NOT: return ALL6;
    case K_SHIFT:
        if (c == 0) return ALL6;
        if (c == 1) return CF | PF | ZF | SF | OF;
        return PF | ZF | SF | ((int)c < w ? CF : 0);
    case K_ROT:
    case K_RCX:
        if (c == 0) return ALL6;
        return PF | AF | ZF | SF | CF | (c == 1 ? OF : 0);
    case K_SHD:
        if (c == 0) return ALL6;
        return PF | ZF | SF | CF | (c == 1 ? OF : 0);
    case K_MUL: return CF | OF;
    case K_BT: return CF | ZF;
    case K_BSX:
        if (b == 0) *rmask = 0;
        (void)a;
        return ZF;
    }
    return 0;
}

/* ------------------------------------------------------------------ */
static uint64_t wmask(int w) { return w == 64 ? ~0ull : (1ull << w) - 1; }

/* Edge operands for width w: 0, 1, 0xf, 0x10, SMAX, SMIN, SMIN+1, UMAX-1, UMAX, pattern. */
static int edge_values(int w, uint64_t *v) {
    uint64_t m = wmask(w), smin = 1ull << (w - 1);
    int n = 0;
    v[n++] = 0;
    v[n++] = 1;
    v[n++] = 0xf;
    v[n++] = 0x10;
    v[n++] = smin - 1;
    v[n++] = smin;
    v[n++] = smin + 1;
    v[n++] = m - 1;
    v[n++] = m;
    v[n++] = 0x9e3779b97f4a7c15ull & m;
    return n;
}

/* Rotating pattern of input flags, so "flag not written" bugs show up. */
static const uint64_t fi_pattern[4] = {0, ALL6, CF | ZF | OF, PF | AF | SF};
static unsigned row;
static uint64_t next_fi(void) { return fi_pattern[row++ & 3]; }

static void emit(const char *name, int w, enum kind k, opfn fn, uint64_t a, uint64_t b, uint64_t fi,
                 int has_r2) {
    uint64_t fo = 0, r2 = 0, rmask;
    uint64_t r = fn(a, b, fi, &fo, &r2);
    unsigned fm = flag_mask(k, w, a, b, &rmask);
    out_str(name);
    out_kv(" a=", a);
    out_kv(" b=", b);
    out_kv(" fi=", fi);
    if (rmask)
        out_kv(" r=", r & rmask);
    else
        out_str(" r=undef");
    if (has_r2) out_kv(" r2=", r2);
    out_kv(" f=", fo & fm);
    out_end();
}

struct op {
    const char *name;
    int w;
    enum kind k;
    opfn fn;
    int carry_in; /* reads CF: run with CF=0 and CF=1 */
    int has_r2;
    int imm;      /* immediate shift count, or 0 */
};

#define OP4(n, k, ci, r2) \
    {#n "8", 8, k, n##8, ci, r2}, {#n "16", 16, k, n##16, ci, r2}, {#n "32", 32, k, n##32, ci, r2}, {#n "64", 64, k, n##64, ci, r2}
#define OP3(n, k, ci, r2) {#n "16", 16, k, n##16, ci, r2}, {#n "32", 32, k, n##32, ci, r2}, {#n "64", 64, k, n##64, ci, r2}

static const struct op binops[] = {
    OP4(add, K_ARITH, 0, 0), OP4(adc, K_ARITH, 1, 0), OP4(sub, K_ARITH, 0, 0), OP4(sbb, K_ARITH, 1, 0),
    OP4(and, K_LOGIC, 0, 0), OP4(or, K_LOGIC, 0, 0),  OP4(xor, K_LOGIC, 0, 0), OP4(cmp, K_ARITH, 0, 0),
    OP4(test, K_LOGIC, 0, 0), OP3(imul, K_MUL, 0, 0), OP4(xadd, K_ARITH, 0, 1), OP4(cmpxchg, K_ARITH, 0, 1),
    {"mul8", 8, K_MUL, mul8, 0, 1}, {"mul16", 16, K_MUL, mul16, 0, 1}, {"mul32", 32, K_MUL, mul32, 0, 1},
    {"mul64", 64, K_MUL, mul64, 0, 1}, {"imul1_8", 8, K_MUL, imul1_8, 0, 1},
    {"imul1_16", 16, K_MUL, imul1_16, 0, 1}, {"imul1_32", 32, K_MUL, imul1_32, 0, 1},
    {"imul1_64", 64, K_MUL, imul1_64, 0, 1},
};

static const struct op unops[] = {
    OP4(inc, K_ARITH, 0, 0), OP4(dec, K_ARITH, 0, 0), OP4(neg, K_ARITH, 0, 0), OP4(not, K_NOT, 0, 0),
    {"imul3_16_m1", 16, K_MUL, imul3_16_m1, 0, 0}, {"imul3_32_m1", 32, K_MUL, imul3_32_m1, 0, 0},
    {"imul3_64_m1", 64, K_MUL, imul3_64_m1, 0, 0}, {"imul3_16_127", 16, K_MUL, imul3_16_127, 0, 0},
    {"imul3_32_127", 32, K_MUL, imul3_32_127, 0, 0}, {"imul3_64_127", 64, K_MUL, imul3_64_127, 0, 0},
    {"imul3_16_big", 16, K_MUL, imul3_16_big, 0, 0}, {"imul3_32_big", 32, K_MUL, imul3_32_big, 0, 0},
    {"imul3_64_big", 64, K_MUL, imul3_64_big, 0, 0},
};

#define SHOPS(n, k, ci) OP4(n, k, ci, 0)
static const struct op shops[] = {
    SHOPS(shl, K_SHIFT, 0), SHOPS(shr, K_SHIFT, 0), SHOPS(sar, K_SHIFT, 0), SHOPS(rol, K_ROT, 0),
    SHOPS(ror, K_ROT, 0),   SHOPS(rcl, K_RCX, 1),   SHOPS(rcr, K_RCX, 1),
};
#define SHI(n, k, ci, N)                                                                        \
    {#n "8_i" #N, 8, k, n##8_i##N, ci, 0, N}, {#n "16_i" #N, 16, k, n##16_i##N, ci, 0, N},        \
        {#n "32_i" #N, 32, k, n##32_i##N, ci, 0, N}, {#n "64_i" #N, 64, k, n##64_i##N, ci, 0, N}
static const struct op shiops[] = {
    SHI(shl, K_SHIFT, 0, 1), SHI(shr, K_SHIFT, 0, 1), SHI(sar, K_SHIFT, 0, 1), SHI(rol, K_ROT, 0, 1),
    SHI(ror, K_ROT, 0, 1),   SHI(rcl, K_RCX, 1, 1),   SHI(rcr, K_RCX, 1, 1),   SHI(shl, K_SHIFT, 0, 13),
    SHI(shr, K_SHIFT, 0, 13), SHI(sar, K_SHIFT, 0, 13), SHI(rol, K_ROT, 0, 13), SHI(ror, K_ROT, 0, 13),
    SHI(rcl, K_RCX, 1, 13),  SHI(rcr, K_RCX, 1, 13),
};
static const struct op shdops[] = {
    {"shld16", 16, K_SHD, shld16, 0, 0}, {"shld32", 32, K_SHD, shld32, 0, 0},
    {"shld64", 64, K_SHD, shld64, 0, 0}, {"shrd16", 16, K_SHD, shrd16, 0, 0},
    {"shrd32", 32, K_SHD, shrd32, 0, 0}, {"shrd64", 64, K_SHD, shrd64, 0, 0},
};
static const struct op btops[] = {OP3(bt, K_BT, 0, 0), OP3(bts, K_BT, 0, 0), OP3(btr, K_BT, 0, 0),
                                  OP3(btc, K_BT, 0, 0)};
static const struct op bsops[] = {OP3(bsf, K_BSX, 0, 0), OP3(bsr, K_BSX, 0, 0)};

#define N(a) (sizeof(a) / sizeof((a)[0]))

static const uint64_t counts[] = {0, 1, 7, 8, 9, 15, 16, 17, 31, 32, 33, 63, 64, 65};

/* runs op once, or twice (CF clear / CF set) for carry-reading ops */
static void run(const struct op *op, uint64_t a, uint64_t b) {
    uint64_t fi = next_fi();
    if (op->carry_in) {
        emit(op->name, op->w, op->k, op->fn, a, b, fi & ~(uint64_t)CF, op->has_r2);
        emit(op->name, op->w, op->k, op->fn, a, b, fi | CF, op->has_r2);
    } else {
        emit(op->name, op->w, op->k, op->fn, a, b, fi, op->has_r2);
    }
}

/* ------------------------------------------------------------------ */
/* setcc / cmovcc / jcc for all 16 conditions over all CF PF ZF SF OF combinations */
static void cond_table(void) {
    for (unsigned combo = 0; combo < 32; combo++) {
        uint64_t fi = ((combo & 1) ? CF : 0) | ((combo & 2) ? PF : 0) | ((combo & 4) ? ZF : 0) |
                      ((combo & 8) ? SF : 0) | ((combo & 16) ? OF : 0);
        unsigned char s[16], j[16];
        uint32_t cm[16];
        uint64_t fo;
        memset(s, 0x55, sizeof s);
        __asm__ volatile(PRE
                         "seto 0(%[p])\n\tsetno 1(%[p])\n\tsetb 2(%[p])\n\tsetae 3(%[p])\n\t"
                         "sete 4(%[p])\n\tsetne 5(%[p])\n\tsetbe 6(%[p])\n\tseta 7(%[p])\n\t"
                         "sets 8(%[p])\n\tsetns 9(%[p])\n\tsetp 10(%[p])\n\tsetnp 11(%[p])\n\t"
                         "setl 12(%[p])\n\tsetge 13(%[p])\n\tsetle 14(%[p])\n\tsetg 15(%[p])" POST
                         : [fo] "=&r"(fo)
                         : [p] "r"(s), [fi] "r"(fi)
                         : "cc", "memory");
#define CMOV1(cc, i)                                                                 \
    "movl $0, %%eax\n\tcmov" cc " %%edx, %%eax\n\tmovl %%eax, " #i "*4(%[p])\n\t"
        __asm__ volatile(PRE "movl $1, %%edx\n\t" CMOV1("o", 0) CMOV1("no", 1) CMOV1("b", 2)
                             CMOV1("ae", 3) CMOV1("e", 4) CMOV1("ne", 5) CMOV1("be", 6) CMOV1("a", 7)
                                 CMOV1("s", 8) CMOV1("ns", 9) CMOV1("p", 10) CMOV1("np", 11)
                                     CMOV1("l", 12) CMOV1("ge", 13) CMOV1("le", 14) CMOV1("g", 15)
                         "nop" POST
                         : [fo] "=&r"(fo)
                         : [p] "r"(cm), [fi] "r"(fi)
                         : "cc", "memory", "rax", "rdx");
#define JCC1(cc, i) "movb $0, " #i "(%[p])\n\tj" cc " 1f\n\tjmp 2f\n1:\n\tmovb $1, " #i "(%[p])\n2:\n\t"
        __asm__ volatile(PRE JCC1("o", 0) JCC1("no", 1) JCC1("b", 2) JCC1("ae", 3) JCC1("e", 4)
                             JCC1("ne", 5) JCC1("be", 6) JCC1("a", 7) JCC1("s", 8) JCC1("ns", 9)
                                 JCC1("p", 10) JCC1("np", 11) JCC1("l", 12) JCC1("ge", 13)
                                     JCC1("le", 14) JCC1("g", 15) "nop" POST
                         : [fo] "=&r"(fo)
                         : [p] "r"(j), [fi] "r"(fi)
                         : "cc", "memory");
        uint64_t sm = 0, cmm = 0, jm = 0;
        for (int i = 0; i < 16; i++) {
            sm |= (uint64_t)(s[i] & 0xff) << (4 * i); /* setcc writes exactly 0 or 1 */
            cmm |= (uint64_t)(cm[i] & 0xf) << (4 * i);
            jm |= (uint64_t)(j[i] & 0xf) << (4 * i);
        }
        out_kv("cond fi=", fi);
        out_kv(" set=", sm);
        out_kv(" cmov=", cmm);
        out_kv(" jcc=", jm);
        out_kv(" f=", fo & ALL6); /* none of these instructions touches flags */
        out_end();
    }
}

/* ------------------------------------------------------------------ */
/* div / idiv (no defined flags): only inputs that cannot raise #DE. */
#define DEF_DIV(NAME, INSN, T)                                                        \
    static void NAME(T hi, T lo, T d, T *q, T *r) {                                   \
        __asm__ volatile(INSN " %[d]" : "+a"(lo), "+d"(hi) : [d] "r"(d) : "cc");      \
        *q = lo;                                                                      \
        *r = hi;                                                                      \
    }
DEF_DIV(div16, "divw", uint16_t)
DEF_DIV(div32, "divl", uint32_t)
DEF_DIV(div64, "divq", uint64_t)
DEF_DIV(idiv16, "idivw", uint16_t)
DEF_DIV(idiv32, "idivl", uint32_t)
DEF_DIV(idiv64, "idivq", uint64_t)
static void div8(uint16_t ax, uint8_t d, uint8_t *q, uint8_t *r, int sgn) {
    if (sgn)
        __asm__ volatile("idivb %[d]" : "+a"(ax) : [d] "q"(d) : "cc");
    else
        __asm__ volatile("divb %[d]" : "+a"(ax) : [d] "q"(d) : "cc");
    *q = (uint8_t)ax;
    *r = (uint8_t)(ax >> 8);
}

static int64_t sext(uint64_t v, int w) { return w == 64 ? (int64_t)v : (int64_t)(v << (64 - w)) >> (64 - w); }

static void div_table(void) {
    static const int ws[4] = {8, 16, 32, 64};
    for (int wi = 0; wi < 4; wi++) {
        int w = ws[wi];
        uint64_t m = wmask(w), v[16];
        int n = edge_values(w, v);
        for (int i = 0; i < n; i++) {
            for (int k = 0; k < n; k++) {
                uint64_t a = v[i], d = v[k];
                if (d == 0) continue;
                /* unsigned: hi = a % d keeps the quotient in range */
                uint64_t hi = (a * 7 + 3) % d, lo = (a ^ 0x5555555555555555ull) & m;
                uint64_t q = 0, r = 0;
                if (w == 8) {
                    uint8_t q8, r8;
                    div8((uint16_t)((hi << 8) | lo), (uint8_t)d, &q8, &r8, 0);
                    q = q8, r = r8;
                } else if (w == 16) {
                    uint16_t q16, r16;
                    div16((uint16_t)hi, (uint16_t)lo, (uint16_t)d, &q16, &r16);
                    q = q16, r = r16;
                } else if (w == 32) {
                    uint32_t q32, r32;
                    div32((uint32_t)hi, (uint32_t)lo, (uint32_t)d, &q32, &r32);
                    q = q32, r = r32;
                } else {
                    div64(hi, lo, d, &q, &r);
                }
                out_str(w == 8 ? "div8" : w == 16 ? "div16" : w == 32 ? "div32" : "div64");
                out_kv(" hi=", hi);
                out_kv(" lo=", lo);
                out_kv(" d=", d);
                out_kv(" q=", q);
                out_kv(" r=", r);
                out_end();
                /* signed: sign-extended dividend; skip MIN / -1 */
                int64_t sa = sext(a, w), sd = sext(d, w);
                if (sa == sext(1ull << (w - 1), w) && sd == -1) continue;
                uint64_t shi = sa < 0 ? m : 0;
                if (w == 8) {
                    uint8_t q8, r8;
                    div8((uint16_t)((shi << 8) | a), (uint8_t)d, &q8, &r8, 1);
                    q = q8, r = r8;
                } else if (w == 16) {
                    uint16_t q16, r16;
                    idiv16((uint16_t)shi, (uint16_t)a, (uint16_t)d, &q16, &r16);
                    q = q16, r = r16;
                } else if (w == 32) {
                    uint32_t q32, r32;
                    idiv32((uint32_t)shi, (uint32_t)a, (uint32_t)d, &q32, &r32);
                    q = q32, r = r32;
                } else {
                    idiv64(shi, a, d, &q, &r);
                }
                out_str(w == 8 ? "idiv8" : w == 16 ? "idiv16" : w == 32 ? "idiv32" : "idiv64");
                out_kv(" a=", a);
                out_kv(" d=", d);
                out_kv(" q=", q);
                out_kv(" r=", r);
                out_end();
            }
        }
    }
}

/* bt/bts/btr/btc with a memory bit string and a register bit offset:
 * the offset is NOT masked, it addresses memory around the base. */
#define DEF_BTM(NAME, INSN, T)                                                        \
    static uint64_t NAME(T *base, T off, uint64_t fi) {                               \
        uint64_t f;                                                                   \
        __asm__ volatile(PRE INSN " %[o], (%[p])" POST                                \
                         : [fo] "=&r"(f)                                              \
                         : [o] "r"(off), [p] "r"(base), [fi] "r"(fi)                  \
                         : "cc", "memory");                                           \
        return f;                                                                     \
    }
DEF_BTM(btm32, "btl", uint32_t)
DEF_BTM(btsm32, "btsl", uint32_t)
DEF_BTM(btrm32, "btrl", uint32_t)
DEF_BTM(btcm32, "btcl", uint32_t)
DEF_BTM(btm64, "btq", uint64_t)
DEF_BTM(btsm64, "btsq", uint64_t)
DEF_BTM(btrm64, "btrq", uint64_t)
DEF_BTM(btcm64, "btcq", uint64_t)

static void btmem_table(void) {
    static const int64_t offs[] = {-65, -33, -1, 0, 1, 31, 32, 63, 64, 100, 200};
    uint64_t buf[16];
    for (int i = 0; i < 16; i++) buf[i] = 0x0123456789abcdefull * (uint64_t)(i + 1);
    uint64_t *base64 = &buf[4];
    uint32_t *base32 = (uint32_t *)&buf[4];
    for (unsigned k = 0; k < N(offs); k++) {
        int64_t o = offs[k];
        uint64_t fi = next_fi(), f[8];
        f[0] = btm32(base32, (uint32_t)o, fi);
        f[1] = btsm32(base32, (uint32_t)o, fi);
        f[2] = btrm32(base32, (uint32_t)(o + 3), fi);
        f[3] = btcm32(base32, (uint32_t)(o + 5), fi);
        f[4] = btm64(base64, (uint64_t)o, fi);
        f[5] = btsm64(base64, (uint64_t)(o + 1), fi);
        f[6] = btrm64(base64, (uint64_t)(o + 2), fi);
        f[7] = btcm64(base64, (uint64_t)(o - 7), fi);
        out_kv("btmem off=", (uint64_t)o);
        out_kv(" fi=", fi);
        for (int i = 0; i < 8; i++) out_kv(i ? "," : " f=", f[i] & (CF | ZF));
        out_end();
    }
    uint64_t h = 0;
    for (int i = 0; i < 16; i++) h = h * 0x100000001b3ull ^ buf[i];
    out_kv("btmem hash=", h);
    out_end();
}

int main(void) {
    uint64_t v[16];

    for (unsigned i = 0; i < N(binops); i++) {
        int n = edge_values(binops[i].w, v);
        for (int x = 0; x < n; x++)
            for (int y = 0; y < n; y++) run(&binops[i], v[x], v[y]);
    }
    for (unsigned i = 0; i < N(unops); i++) {
        int n = edge_values(unops[i].w, v);
        for (int x = 0; x < n; x++) run(&unops[i], v[x], 0);
    }
    for (unsigned i = 0; i < N(shops); i++) {
        int n = edge_values(shops[i].w, v);
        for (int x = 0; x < n; x++) {
            if (x == 2 || x == 3 || x == 6 || x == 7) continue; /* fewer values: counts vary instead */
            for (unsigned c = 0; c < N(counts); c++) run(&shops[i], v[x], counts[c]);
        }
    }
    for (unsigned i = 0; i < N(shiops); i++) {
        int n = edge_values(shiops[i].w, v);
        /* the count is the immediate: pass it as b for the flag mask */
        for (int x = 0; x < n; x++) run(&shiops[i], v[x], (uint64_t)shiops[i].imm);
    }
    for (unsigned i = 0; i < N(shdops); i++) {
        int w = shdops[i].w;
        int n = edge_values(w, v);
        static const int srcs[3] = {0, 5, 9}; /* indices into edge values: 0, SMIN, pattern */
        for (int s = 0; s < 3; s++) {
            shd_src = v[srcs[s]];
            for (int x = 0; x < n; x += 3) {
                for (unsigned c = 0; c < N(counts); c++) {
                    unsigned mc = (unsigned)(counts[c] & width_of_count_mask(w));
                    if (w == 16 && mc > 16) continue; /* result undefined */
                    out_kv("src=", shd_src);
                    out_str(" ");
                    run(&shdops[i], v[x], counts[c]);
                }
            }
        }
    }
    for (unsigned i = 0; i < N(btops); i++) {
        int n = edge_values(btops[i].w, v);
        static const uint64_t offs[] = {0, 1, 7, 15, 16, 31, 32, 63, 64, 65, 100};
        for (int x = 0; x < n; x += 2)
            for (unsigned c = 0; c < N(offs); c++) run(&btops[i], v[x], offs[c]);
    }
    for (unsigned i = 0; i < N(bsops); i++) {
        int w = bsops[i].w;
        uint64_t m = wmask(w);
        /* sources: 0, single bits, mixed patterns; a = previous destination */
        uint64_t src[] = {0, 1, 2, 3, 0x80, 0x100 & m, (1ull << (w - 1)), m, 0x9e3779b97f4a7c15ull & m,
                          0x00f0000000000000ull & m, 0x10000 & m, 0x8000 & m};
        for (unsigned s = 0; s < N(src); s++) run(&bsops[i], 0x1234 & m, src[s]);
    }
    cond_table();
    div_table();
    btmem_table();
    out_str("lines=");
    out_hex(nlines);
    out_end();
    out_flush();
    return 0;
}
