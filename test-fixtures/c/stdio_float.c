// variants: glibc
// Floating-point formatting and parsing (glibc only: musl formats doubles
// through 80-bit long double, i.e. x87; see printf_float_musl.c):
// printf %f %e %g %a %.17g with widths/precisions/flags, special values
// (inf, nan, -0.0, subnormals, DBL_MAX), rounding of halfway cases;
// sscanf %f %lf %g %e; strtod/strtof on decimal, hex, inf/nan, overflow and
// underflow (errno) and endptr.
#include <errno.h>
#include <float.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static uint64_t bits(double d) {
    uint64_t u;
    memcpy(&u, &d, 8);
    return u;
}

static volatile double vals[] = {0.0, -0.0, 1.0, -1.0, 0.1, 0.5, 1.5, 2.5, -2.5, 0.125, 1e-5, 123456.789,
                                 3.141592653589793, 2.718281828459045, 1e21, 1e22, 1e100, 1.7976931348623157e308,
                                 2.2250738585072014e-308, 4.9406564584124654e-324, 9.999999999999999e22,
                                 1.0 / 3.0, 2.0 / 3.0, 1234567.0, 0.000123456};

int main(void) {
    for (unsigned i = 0; i < sizeof vals / sizeof vals[0]; i++) {
        double d = vals[i];
        printf("%f|%.0f|%.1f|%.3f|%e|%.0e|%.3E|%g|%G|%.3g|%.17g|%a|%A|%.2a\n", d, d, d, d, d, d, d, d, d, d, d, d, d,
               d);
        printf("%12.4f|%-12.4f|%+f|% f|%012.3f|%#.0f|%#g|%+.2e|%*.*f\n", d, d, d, d, d, d, d, d, 10, 2, d);
    }
    double inf = INFINITY, nan = NAN;
    volatile double z = 0.0;
    printf("%f %f %e %g %F %E %5.1f|%-6f|\n", inf, -inf, inf, -inf, inf, -inf, inf, nan);
    printf("%f %g %e %+f\n", nan, -nan, nan, z / z == z / z ? 1.0 : 0.0);
    /* rounding of halfway cases in formatting (round-half-even on exact binary values) */
    printf("%.0f %.0f %.0f %.0f %.1f %.1f %.2f %.2f\n", 0.5, 1.5, 2.5, 3.5, 0.25, 0.35, 1.005, 2.675);
    float fv = 1.1f;
    printf("float %f %.10f %g %a\n", fv, fv, (double)fv * 3, fv);

    /* strtod */
    const char *inputs[] = {"0", "-0", "1e308", "1e309", "-1e309", "1e-320", "1e-400", "0x1.8p3", "0X1P-1074",
                            "inf", "-Infinity", "nan", "NAN(123)", "  +3.25xyz", ".5", "5.", "1e", "e5", "",
                            "0.1", "2.2250738585072011e-308", "123456789012345678901234567890",
                            "4.9406564584124654e-324", "2.4703282292062327e-324", "0x.8", "1_000"};
    for (unsigned i = 0; i < sizeof inputs / sizeof inputs[0]; i++) {
        char *end;
        errno = 0;
        double d = strtod(inputs[i], &end);
        int e = errno;
        errno = 0;
        float f = strtof(inputs[i], NULL);
        int ef = errno;
        printf("strtod(\"%s\") = %.17g bits=%016llx end=+%d erange=%d | strtof %.9g erange=%d\n", inputs[i], d,
               (unsigned long long)bits(d), (int)(end - inputs[i]), e == ERANGE, (double)f, ef == ERANGE);
    }
    printf("atof=%.17g\n", atof("  -12.5e-1junk"));

    /* sscanf floating */
    float f1 = 0;
    double d1 = 0, d2 = 0, d3 = 0;
    int cnt = sscanf("3.5 -1e-3 0x1p4 inf", "%f %lf %lg %le", &f1, &d1, &d2, &d3);
    printf("sscanf cnt=%d %.9g %.17g %.17g %g\n", cnt, (double)f1, d1, d2, d3);
    cnt = sscanf("1.25e+2xyz 7", "%lf%*s %lf", &d1, &d2);
    printf("sscanf cnt=%d %g %g\n", cnt, d1, d2);
    /* round trip of many values through %.17g */
    uint64_t x = 0x3ff0000000000001ull;
    int bad = 0;
    for (int k = 0; k < 200; k++) {
        double d;
        x = x * 6364136223846793005ull + 1442695040888963407ull;
        uint64_t u = (x >> 2) | 0x0010000000000000ull;
        memcpy(&d, &u, 8);
        char buf[40];
        snprintf(buf, sizeof buf, "%.17g", d);
        if (bits(strtod(buf, NULL)) != bits(d)) bad++;
        if (k % 40 == 0) printf("rt %s\n", buf);
    }
    printf("roundtrip bad=%d\n", bad);
    return 0;
}
