// link: -lm
// cflags: -frounding-math
// Floating-point environment: fesetround/fegetround with all four rounding
// modes (they program MXCSR and the x87 control word), their effect on
// arithmetic, rint/nearbyint/lrint and cvtsd2si, and exception flags
// (fetestexcept after inexact, overflow, underflow, divide-by-zero, invalid).
// Results are printed as bits.
#include <fenv.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

static uint64_t db(double d) {
    uint64_t u;
    memcpy(&u, &d, 8);
    return u;
}

static volatile double va = 1.0, vb = 3.0, vbig = 1e308, vtiny = 1e-308, vzero = 0.0, vneg = -2.5, vhalf = 2.5;

static const char *flags_str(int f) {
    static char buf[64];
    snprintf(buf, sizeof buf, "%s%s%s%s%s", (f & FE_INEXACT) ? "I" : "-", (f & FE_OVERFLOW) ? "O" : "-",
             (f & FE_UNDERFLOW) ? "U" : "-", (f & FE_DIVBYZERO) ? "Z" : "-", (f & FE_INVALID) ? "V" : "-");
    return buf;
}

int main(void) {
    static const int modes[] = {FE_TONEAREST, FE_DOWNWARD, FE_UPWARD, FE_TOWARDZERO};
    static const char *names[] = {"nearest", "down", "up", "zero"};
    for (int m = 0; m < 4; m++) {
        if (fesetround(modes[m]) != 0) printf("fesetround failed\n");
        printf("%-7s get=%d div=%016llx ndiv=%016llx rint=%016llx/%016llx nearbyint=%016llx lrint=%ld/%ld "
               "llrint=%lld sum=%016llx\n",
               names[m], fegetround() == modes[m], (unsigned long long)db(va / vb),
               (unsigned long long)db(-va / vb), (unsigned long long)db(rint(vhalf)),
               (unsigned long long)db(rint(vneg)), (unsigned long long)db(nearbyint(3.5 + va)), lrint(vhalf),
               lrint(vneg), llrint(-vhalf), (unsigned long long)db(vbig * 10.0 + 1.0));
    }
    fesetround(FE_TONEAREST);

    feclearexcept(FE_ALL_EXCEPT);
    printf("clear: %s\n", flags_str(fetestexcept(FE_ALL_EXCEPT)));
    volatile double r = va / vb;
    printf("1/3: %s\n", flags_str(fetestexcept(FE_ALL_EXCEPT)));
    feclearexcept(FE_ALL_EXCEPT);
    r = vbig * vbig;
    printf("overflow: %s\n", flags_str(fetestexcept(FE_ALL_EXCEPT)));
    feclearexcept(FE_ALL_EXCEPT);
    r = vtiny * vtiny;
    printf("underflow: %s\n", flags_str(fetestexcept(FE_ALL_EXCEPT)));
    feclearexcept(FE_ALL_EXCEPT);
    r = va / vzero;
    printf("divbyzero: %s\n", flags_str(fetestexcept(FE_ALL_EXCEPT)));
    feclearexcept(FE_ALL_EXCEPT);
    r = vzero / vzero;
    printf("invalid: %s\n", flags_str(fetestexcept(FE_ALL_EXCEPT)));
    feclearexcept(FE_ALL_EXCEPT);
    r = sqrt(-va);
    printf("sqrt(-1): %s nan=%d\n", flags_str(fetestexcept(FE_ALL_EXCEPT)), isnan(r) != 0);
    feclearexcept(FE_ALL_EXCEPT);
    r = va + vb;
    printf("exact: %s\n", flags_str(fetestexcept(FE_ALL_EXCEPT)));
    (void)r;

    /* save/restore the whole environment */
    fenv_t env;
    fegetenv(&env);
    fesetround(FE_UPWARD);
    feraiseexcept(FE_OVERFLOW);
    fesetenv(&env);
    printf("restored: round=%d %s\n", fegetround() == FE_TONEAREST, flags_str(fetestexcept(FE_ALL_EXCEPT)));
    return 0;
}
