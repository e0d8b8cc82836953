// Integer ALU operations at 8/16/32/64 bits (and __int128) on edge values,
// observed through the C-level results, comparisons (setcc), branches,
// conditional moves (min/max) and __builtin_*_overflow (jo/jc/seto/setc).
// Inputs come from volatile arrays so gcc cannot constant-fold them.
#include <stdint.h>
#include <stdio.h>

static volatile uint64_t edge[] = {
    0, 1, 2, 0x7f, 0x80, 0xff, 0x7fff, 0x8000, 0xffff, 0x7fffffff, 0x80000000ull, 0xffffffffull,
    0x7fffffffffffffffull, 0x8000000000000000ull, 0xffffffffffffffffull, 0xfffffffffffffffeull,
    0x0123456789abcdefull,
};
#define NEDGE (sizeof(edge) / sizeof(edge[0]))

/* Predicate bits from comparisons; each comparison becomes a setcc/jcc. */
#define PREDS(S, U, a, b)                                                               \
    ((unsigned)((S)(a) < (S)(b)) | (unsigned)((S)(a) <= (S)(b)) << 1 |                  \
     (unsigned)((S)(a) > (S)(b)) << 2 | (unsigned)((S)(a) >= (S)(b)) << 3 |             \
     (unsigned)((U)(a) < (U)(b)) << 4 | (unsigned)((U)(a) <= (U)(b)) << 5 |             \
     (unsigned)((U)(a) > (U)(b)) << 6 | (unsigned)((U)(a) >= (U)(b)) << 7 |             \
     (unsigned)((U)(a) == (U)(b)) << 8 | (unsigned)((U)(a) != (U)(b)) << 9 |            \
     (unsigned)((S)(a) < 0) << 10 | (unsigned)((U)(a) == 0) << 11)

/* Overflow bits from the checked-arithmetic builtins. */
#define OVF(S, U, a, b)                                                                 \
    ({                                                                                  \
        S s_;                                                                           \
        U u_;                                                                           \
        (unsigned)__builtin_add_overflow((S)(a), (S)(b), &s_) |                         \
            (unsigned)__builtin_add_overflow((U)(a), (U)(b), &u_) << 1 |                \
            (unsigned)__builtin_sub_overflow((S)(a), (S)(b), &s_) << 2 |                \
            (unsigned)__builtin_sub_overflow((U)(a), (U)(b), &u_) << 3 |                \
            (unsigned)__builtin_mul_overflow((S)(a), (S)(b), &s_) << 4 |                \
            (unsigned)__builtin_mul_overflow((U)(a), (U)(b), &u_) << 5;                 \
    })

#define ROW(W, S, U)                                                                    \
    static void row##W(uint64_t a64, uint64_t b64) {                                    \
        U a = (U)a64, b = (U)b64;                                                       \
        U add = (U)(a + b), sub = (U)(a - b), and_ = a & b, or_ = a | b, xor_ = a ^ b;  \
        U neg = (U)-a, not_ = (U)~a, inc = (U)(a + 1), dec = (U)(a - 1);                \
        S smin = (S)a < (S)b ? (S)a : (S)b; /* cmov */                                 \
        U umax = a > b ? a : b;                                                         \
        unsigned p = PREDS(S, U, a, b), o = OVF(S, U, a, b);                            \
        int br = 0; /* explicit branches */                                             \
        if ((S)a < (S)b) br += 1;                                                       \
        if (a < b) br += 2;                                                             \
        if ((S)(U)(a - b) < 0) br += 4;                                                 \
        if ((a & b) == 0) br += 8;                                                      \
        printf("%d a=%llx b=%llx add=%llx sub=%llx and=%llx or=%llx xor=%llx neg=%llx not=%llx " \
               "inc=%llx dec=%llx smin=%llx umax=%llx p=%03x o=%02x br=%x\n",           \
               W, (unsigned long long)a, (unsigned long long)b, (unsigned long long)add, \
               (unsigned long long)sub, (unsigned long long)and_, (unsigned long long)or_, \
               (unsigned long long)xor_, (unsigned long long)neg, (unsigned long long)not_, \
               (unsigned long long)inc, (unsigned long long)dec, (unsigned long long)(U)smin, \
               (unsigned long long)umax, p, o, br);                                     \
    }
ROW(8, int8_t, uint8_t)
ROW(16, int16_t, uint16_t)
ROW(32, int32_t, uint32_t)
ROW(64, int64_t, uint64_t)

typedef __int128 i128;
typedef unsigned __int128 u128;
static void p128(const char *k, u128 v) {
    printf(" %s=%016llx%016llx", k, (unsigned long long)(v >> 64), (unsigned long long)v);
}

int main(void) {
    /* a subset of pairs per width keeps the output readable */
    for (unsigned i = 0; i < NEDGE; i++) {
        for (unsigned j = i % 3; j < NEDGE; j += 3) {
            row8(edge[i], edge[j]);
            row16(edge[i], edge[j]);
            row32(edge[i], edge[j]);
            row64(edge[i], edge[j]);
        }
    }
    /* 128-bit: add/adc, sub/sbb, neg, compare chains */
    for (unsigned i = 0; i < NEDGE; i += 2) {
        for (unsigned j = 1; j < NEDGE; j += 3) {
            u128 a = ((u128)edge[i] << 64) | edge[j];
            u128 b = ((u128)edge[j] << 64) | edge[NEDGE - 1 - i];
            printf("128");
            p128("a", a);
            p128("b", b);
            p128("add", a + b);
            p128("sub", a - b);
            p128("neg", -a);
            p128("xor", a ^ b);
            printf(" lt_s=%d lt_u=%d eq=%d\n", (i128)a < (i128)b, a < b, a == b);
        }
    }
    /* running sum with carries across many iterations */
    u128 acc = 0;
    uint64_t x = 0x9e3779b97f4a7c15ull;
    for (int i = 0; i < 2000; i++) {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        acc += (u128)x * 3 + (acc >> 100);
        acc -= (u128)(x >> 3);
    }
    p128("acc", acc);
    printf("\n");
    return 0;
}
