// Multiplication and division: mul/imul (incl. 64x64->128 high halves),
// div/idiv at 8/16/32/64 bits with every sign combination of the remainder,
// division by constants (gcc's multiply-by-reciprocal at -O2), and
// __int128 / unsigned __int128 multiply, divide and modulo (libgcc's
// __divti3/__udivti3/__modti3 use div instructions), printed in decimal.
#include <stdint.h>
#include <stdio.h>

typedef __int128 i128;
typedef unsigned __int128 u128;

static volatile int64_t sv[] = {0,  1,   -1,  2,   -2,  3,    -3,   7,    -7,    10, -10,
                                127, -128, 255, 32767, -32768, 2147483647, -2147483647 - 1,
                                4294967295LL, 1000000007, -999999937, 0x7fffffffffffffffLL,
                                -0x7fffffffffffffffLL - 1, 0x123456789abcdefLL, -0x123456789abcdefLL};
#define NSV (sizeof(sv) / sizeof(sv[0]))

/* decimal printing of 128-bit values (repeated division by 10) */
static void put_u128(u128 v) {
    char buf[48];
    int n = 0;
    do {
        buf[n++] = (char)('0' + (int)(v % 10));
        v /= 10;
    } while (v);
    while (n) putchar(buf[--n]);
}
static void put_i128(i128 v) {
    if (v < 0) {
        putchar('-');
        put_u128(-(u128)v);
    } else {
        put_u128((u128)v);
    }
}

int main(void) {
    /* signed/unsigned div and mod at each width; skip /0 and MIN/-1 (UB in C) */
    for (unsigned i = 0; i < NSV; i++) {
        for (unsigned j = i % 2; j < NSV; j += 2) { /* half of the pairs */
            int64_t a = sv[i], b = sv[j];
            if (b == 0) continue;
            printf("a=%lld b=%lld", (long long)a, (long long)b);
            if (!(a == INT64_MIN && b == -1)) printf(" q64=%lld r64=%lld", (long long)(a / b), (long long)(a % b));
            printf(" uq64=%llu ur64=%llu", (unsigned long long)((uint64_t)a / (uint64_t)b),
                   (unsigned long long)((uint64_t)a % (uint64_t)b));
            int32_t a32 = (int32_t)a, b32 = (int32_t)b;
            if (b32 != 0) {
                if (!(a32 == INT32_MIN && b32 == -1)) printf(" q32=%d r32=%d", a32 / b32, a32 % b32);
                printf(" uq32=%u ur32=%u", (uint32_t)a32 / (uint32_t)b32, (uint32_t)a32 % (uint32_t)b32);
            }
            int16_t a16 = (int16_t)a, b16 = (int16_t)b;
            if (b16 != 0) printf(" q16=%d r16=%d", a16 / b16, a16 % b16);
            int8_t a8 = (int8_t)a, b8 = (int8_t)b;
            if (b8 != 0) printf(" q8=%d r8=%d", a8 / b8, a8 % b8);
            /* products: low halves wrap; high halves via 128-bit */
            i128 p = (i128)a * b;
            u128 up = (u128)(uint64_t)a * (uint64_t)b;
            printf(" mul=%lld mulhs=%lld mulhu=%llu mul32=%d\n", (long long)(uint64_t)p, (long long)(p >> 64),
                   (unsigned long long)(up >> 64), (int32_t)((uint32_t)a32 * (uint32_t)b32));
        }
    }

    /* division by constants: gcc turns these into multiply/shift sequences */
    for (unsigned i = 0; i < NSV; i++) {
        int64_t a = sv[i];
        uint64_t u = (uint64_t)a;
        int32_t a32 = (int32_t)a;
        uint32_t u32 = (uint32_t)a;
        printf("const a=%lld %lld %lld %lld %lld %lld | %llu %llu %llu %llu | %d %d %d | %u %u %u\n",
               (long long)a, (long long)(a / 3), (long long)(a % 3), (long long)(a / 7), (long long)(a / 10),
               (long long)(a % 10), (unsigned long long)(u / 3), (unsigned long long)(u / 10),
               (unsigned long long)(u % 1000), (unsigned long long)(u / 0x100000001ull), a32 / 5, a32 % 16,
               a32 / -4, u32 / 7, u32 % 10, u32 / 641);
    }

    /* 128-bit multiply/divide/modulo */
    i128 big[] = {
        0,
        1,
        -1,
        (i128)0x7fffffffffffffffLL * 3,
        -((i128)1 << 100),
        ((i128)0x0123456789abcdefLL << 64) | 0x0fedcba987654321ULL,
        (i128)(((u128)1 << 127) - 1),  /* max */
        (i128)((u128)1 << 127),        /* min */
        (i128)1000000000000000000LL * 1000000000000000000LL,
        -(i128)12345678901234567LL * 98765,
    };
    int nb = (int)(sizeof big / sizeof big[0]);
    for (int i = 0; i < nb; i++) {
        for (int j = 0; j < nb; j++) {
            i128 a = big[i], b = big[j];
            printf("i128 ");
            put_i128(a);
            printf(" ");
            put_i128(b);
            printf(" mul=");
            put_i128((i128)((u128)a * (u128)b));
            if (b != 0 && !(a == big[7] && b == -1)) {
                printf(" q=");
                put_i128(a / b);
                printf(" r=");
                put_i128(a % b);
            }
            if (b != 0) {
                printf(" uq=");
                put_u128((u128)a / (u128)b);
                printf(" ur=");
                put_u128((u128)a % (u128)b);
            }
            printf("\n");
        }
    }

    /* factorials in u128 and a long multiply chain */
    u128 f = 1;
    for (int k = 1; k <= 34; k++) f *= (u128)k;
    printf("34!=");
    put_u128(f);
    printf("\n");
    uint64_t x = 1, y = 0x9e3779b97f4a7c15ull;
    for (int k = 0; k < 2000; k++) {
        u128 m = (u128)x * y;
        x = (uint64_t)(m >> 64) ^ (uint64_t)m ^ (uint64_t)k;
        y += x | 1;
    }
    printf("chain=%016llx %016llx\n", (unsigned long long)x, (unsigned long long)y);
    return 0;
}
