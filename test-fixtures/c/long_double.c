// link: -lm
// tags: x87
// 80-bit long double arithmetic (x87: fld/fstp m80, fadd/fsub/fmul/fdiv,
// fsqrt, fabs, fchs, fcomi/fucomi, fild/fistp, fprem via fmodl, frndint via
// floorl/rintl, conversions to/from double and integers). Results are printed
// as raw 80-bit patterns (sign+exponent, mantissa), never through printf's
// float formatting.
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

static void put(const char *k, long double v) {
    unsigned char b[16] = {0};
    memcpy(b, &v, 10);
    uint64_t mant;
    uint16_t se;
    memcpy(&mant, b, 8);
    memcpy(&se, b + 8, 2);
    printf(" %s=%04x:%016llx", k, se, (unsigned long long)mant);
}
static uint64_t db(double d) {
    uint64_t u;
    memcpy(&u, &d, 8);
    return u;
}

static volatile long double lv[] = {0.0L, -0.0L, 1.0L, -1.0L, 0.1L, 3.0L, 1e4000L, 1e-4000L,
                                    12345678901234567890.0L, -2.5L, 3.5L, 1.0L / 3.0L};
#define NL (sizeof lv / sizeof lv[0])

int main(void) {
    for (unsigned i = 0; i < NL; i++) {
        long double a = lv[i];
        printf("v");
        put("a", a);
        put("sqrt", sqrtl(fabsl(a)));
        put("neg", -a);
        put("floor", floorl(a));
        put("ceil", ceill(a));
        put("rint", rintl(a));
        put("trunc", truncl(a));
        double d = (double)a;
        printf(" d=%016llx", (unsigned long long)db(d));
        if (fabsl(a) < 9.2e18L) printf(" ll=%lld", (long long)a);
        printf(" nan=%d inf=%d sign=%d\n", isnan(a) != 0, isinf(a) != 0, signbit(a) != 0);
    }
    for (unsigned i = 0; i < NL; i++) {
        for (unsigned j = 0; j < NL; j += 2) {
            long double a = lv[i], b = lv[j];
            printf("p");
            put("add", a + b);
            put("sub", a - b);
            put("mul", a * b);
            if (b != 0) {
                put("div", a / b);
                if (fabsl(a) < 1e30L && fabsl(b) > 1e-30L) put("fmod", fmodl(a, b));
            }
            printf(" lt=%d eq=%d ge=%d\n", a < b, a == b, a >= b);
        }
    }
    /* integer conversions through fild/fistp */
    static volatile long long iv[] = {0, 1, -1, 0x7fffffffffffffffLL, -0x7fffffffffffffffLL - 1, 123456789};
    for (unsigned i = 0; i < sizeof iv / sizeof iv[0]; i++) {
        long double x = (long double)iv[i];
        printf("i=%lld", iv[i]);
        put("ld", x);
        printf(" back=%lld\n", (long long)(x / 2));
    }
    /* a series summed in extended precision */
    long double s = 0;
    for (int k = 1; k <= 2000; k++) s += 1.0L / ((long double)k * k);
    printf("series");
    put("s", s);
    printf(" d=%016llx\n", (unsigned long long)db((double)s));
    return 0;
}
