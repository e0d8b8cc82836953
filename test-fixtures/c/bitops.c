// Bit operations: __builtin_clz/ctz/ffs/popcount/parity/clrsb at 32 and 64
// bits (at -O2 without -mpopcnt gcc calls libgcc fallbacks; bsr/bsf/tzcnt
// "rep bsf" appear for clz/ctz), bswap 16/32/64, manual bit reversal and
// bit-field extract/insert.
#include <stdint.h>
#include <stdio.h>
#include <strings.h>

static volatile uint64_t pats[] = {1,
                                   2,
                                   3,
                                   0x80,
                                   0xff,
                                   0x100,
                                   0x8000,
                                   0x10000,
                                   0x7fffffff,
                                   0x80000000ull,
                                   0xffffffffull,
                                   0x100000000ull,
                                   0x0123456789abcdefull,
                                   0x8000000000000000ull,
                                   0xffffffffffffffffull,
                                   0xaaaaaaaaaaaaaaaaull,
                                   0x5555555555555555ull,
                                   0x00f0000000000000ull,
                                   0x0000000000000000ull};

static uint64_t rev64(uint64_t x) {
    x = ((x >> 1) & 0x5555555555555555ull) | ((x & 0x5555555555555555ull) << 1);
    x = ((x >> 2) & 0x3333333333333333ull) | ((x & 0x3333333333333333ull) << 2);
    x = ((x >> 4) & 0x0f0f0f0f0f0f0f0full) | ((x & 0x0f0f0f0f0f0f0f0full) << 4);
    return __builtin_bswap64(x);
}

struct bits {
    unsigned a : 3;
    signed b : 5;
    unsigned c : 13;
    signed d : 11;
    unsigned long long e : 31;
};

int main(void) {
    for (unsigned i = 0; i < sizeof pats / sizeof pats[0]; i++) {
        uint64_t v = pats[i];
        uint32_t w = (uint32_t)v;
        printf("v=%016llx", (unsigned long long)v);
        if (v) printf(" clzll=%d ctzll=%d", __builtin_clzll(v), __builtin_ctzll(v));
        if (w) printf(" clz=%d ctz=%d", __builtin_clz(w), __builtin_ctz(w));
        printf(" ffsll=%d ffs=%d ffs_libc=%d pcll=%d pc=%d parll=%d par=%d clrsbll=%d clrsb=%d",
               __builtin_ffsll((long long)v), __builtin_ffs((int)w), ffs((int)w), __builtin_popcountll(v),
               __builtin_popcount(w), __builtin_parityll(v), __builtin_parity(w),
               __builtin_clrsbll((long long)v), __builtin_clrsb((int)w));
        printf(" bswap64=%016llx bswap32=%08x bswap16=%04x rev=%016llx\n",
               (unsigned long long)__builtin_bswap64(v), __builtin_bswap32(w),
               (unsigned)__builtin_bswap16((uint16_t)w), (unsigned long long)rev64(v));
    }
    /* every single-bit value: clz+ctz must add to 63 */
    unsigned long long acc = 0;
    for (volatile int b = 0; b < 64; b++) {
        uint64_t v = 1ull << b;
        acc = acc * 131 + (unsigned)__builtin_clzll(v) * 64 + (unsigned)__builtin_ctzll(v);
        acc = acc * 131 + (unsigned)__builtin_popcountll(v - 1) + (unsigned)__builtin_ffsll((long long)v);
    }
    printf("single-bit acc=%llx\n", acc);
    /* popcount over a range (exercises the fallback loops) */
    unsigned long total = 0;
    uint64_t x = 0x9e3779b97f4a7c15ull;
    for (int k = 0; k < 20000; k++) {
        x = x * 6364136223846793005ull + 1442695040888963407ull;
        total += (unsigned long)__builtin_popcountll(x) + (unsigned long)__builtin_popcount((unsigned)(x >> 7)) +
                 (unsigned long)(__builtin_clzll(x | 1) ^ __builtin_ctzll(x | (1ull << 63)));
    }
    printf("popcount total=%lu\n", total);
    /* bit-fields: extract/insert with sign extension */
    volatile struct bits bf = {0};
    for (int k = -20; k < 20; k += 3) {
        bf.a = (unsigned)k;
        bf.b = k;
        bf.c = (unsigned)(k * 1000);
        bf.d = k * 97;
        bf.e = (unsigned long long)(k * 123456789LL);
        printf("bf k=%d a=%u b=%d c=%u d=%d e=%llu\n", k, bf.a, bf.b, bf.c, bf.d, (unsigned long long)bf.e);
    }
    return 0;
}
