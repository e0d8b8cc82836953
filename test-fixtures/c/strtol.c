// strtol/strtoul/strtoll/strtoull/atoi/atol: bases 0, 2, 8, 10, 16, 36,
// leading whitespace and signs, "0x" prefixes, overflow clamping with
// errno == ERANGE, endptr positions and invalid input.
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

static const char *inputs[] = {"0", "-0", "42", "  -42", "+17xyz", "0x1f", "0X1F", "0x", "0755", "08", "1010",
                               "zz", "ZZ", "9223372036854775807", "9223372036854775808", "-9223372036854775808",
                               "-9223372036854775809", "18446744073709551615", "18446744073709551616", "-1",
                               "2147483648", "   \t\n  123", "abc", "", "-", "+", "0b101", "777777777777777777777777",
                               "-0x8000000000000000", "12 34"};
static const int bases[] = {0, 2, 8, 10, 16, 36};

int main(void) {
    for (unsigned i = 0; i < sizeof inputs / sizeof inputs[0]; i++) {
        const char *s = inputs[i];
        printf("\"%s\":", s);
        for (unsigned b = 0; b < sizeof bases / sizeof bases[0]; b++) {
            char *end;
            errno = 0;
            long l = strtol(s, &end, bases[b]);
            int e1 = errno == ERANGE;
            int p1 = (int)(end - s);
            errno = 0;
            unsigned long long ull = strtoull(s, &end, bases[b]);
            int e2 = errno == ERANGE;
            int p2 = (int)(end - s);
            printf(" b%d=%ld/%d/%d,%llu/%d/%d", bases[b], l, p1, e1, ull, p2, e2);
        }
        errno = 0;
        long long ll = strtoll(s, NULL, 10);
        int e3 = errno == ERANGE;
        errno = 0;
        unsigned long ul = strtoul(s, NULL, 0);
        int e4 = errno == ERANGE;
        printf(" ll=%lld/%d ul=%lu/%d atol=%ld\n", ll, e3, ul, e4, atol(s));
    }
    printf("atoi: %d %d %d %d\n", atoi("123"), atoi("-99 bottles"), atoi("x1"), atoi(" +7"));
    /* EINVAL for a bad base is implementation-defined: only check the value */
    char *end;
    long r = strtol("123", &end, 37);
    printf("base37 r=%ld\n", r);
    return 0;
}
