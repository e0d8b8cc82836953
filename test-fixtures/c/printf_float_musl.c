// variants: musl-O2
// tags: x87
// musl's printf formats doubles through 80-bit long double arithmetic (x87
// instructions), unlike glibc: %f %e %g %.17g %a on a few values, and a
// strtod round trip (musl's strtod also computes in long double).
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static volatile double vals[] = {0.0, -0.0, 1.0, 0.1, 2.5, -2.5, 1.0 / 3.0, 123456.789, 1e21, 1e-7,
                                 1.7976931348623157e308, 4.9406564584124654e-324};

int main(void) {
    for (unsigned i = 0; i < sizeof vals / sizeof vals[0]; i++) {
        double d = vals[i];
        printf("%f|%.3f|%e|%.2e|%g|%.17g|%a|%10.4f|%-+8.1f|\n", d, d, d, d, d, d, d, d, d);
        char buf[64];
        snprintf(buf, sizeof buf, "%.17g", d);
        double back = strtod(buf, NULL);
        printf("roundtrip %s ok=%d\n", buf, memcmp(&back, (const void *)&vals[i], sizeof back) == 0);
    }
    printf("%f %f %g\n", INFINITY, -INFINITY, NAN);
    return 0;
}
