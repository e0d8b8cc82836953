// Variadic functions: va_arg over mixed int/long/double/pointer arguments,
// more than 6 integer and 8 floating arguments (so some come from the
// stack), va_copy, passing a va_list down (vsnprintf), and
// register-save-area handling at -O0 and -O2. Doubles are printed as bits
// or scaled integers so that musl needs no x87.
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

static uint64_t db(double d) {
    uint64_t u;
    memcpy(&u, &d, 8);
    return u;
}

/* fmt letters: i=int l=long d=double s=string */
static void show(const char *fmt, ...) {
    va_list ap, ap2;
    va_start(ap, fmt);
    va_copy(ap2, ap);
    printf("show(%s):", fmt);
    for (const char *p = fmt; *p; p++) {
        switch (*p) {
        case 'i': printf(" i%d", va_arg(ap, int)); break;
        case 'l': printf(" l%ld", va_arg(ap, long)); break;
        case 'd': printf(" d%016llx", (unsigned long long)db(va_arg(ap, double))); break;
        case 's': printf(" s%s", va_arg(ap, const char *)); break;
        }
    }
    va_end(ap);
    /* second pass through the copy: sum everything numeric */
    double dsum = 0;
    long isum = 0;
    for (const char *p = fmt; *p; p++) {
        if (*p == 'i') isum += va_arg(ap2, int);
        else if (*p == 'l') isum += va_arg(ap2, long);
        else if (*p == 'd') dsum += va_arg(ap2, double);
        else (void)va_arg(ap2, const char *);
    }
    va_end(ap2);
    printf(" | isum=%ld dsum=%016llx\n", isum, (unsigned long long)db(dsum));
}

static long sum_ints(int n, ...) {
    va_list ap;
    va_start(ap, n);
    long s = 0;
    for (int i = 0; i < n; i++) s = s * 3 + va_arg(ap, int);
    va_end(ap);
    return s;
}
static long long sum_doubles_scaled(int n, ...) {
    va_list ap;
    va_start(ap, n);
    double s = 0;
    for (int i = 0; i < n; i++) s = s * 2 + va_arg(ap, double);
    va_end(ap);
    return (long long)(s * 16);
}

static int my_printf(char *buf, size_t n, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    int r = vsnprintf(buf, n, fmt, ap);
    va_end(ap);
    return r;
}

int main(void) {
    show("");
    show("i", 42);
    show("iiiiiiiii", 1, 2, 3, 4, 5, 6, 7, 8, 9);
    show("ddddddddddd", 0.5, 1.5, 2.5, 3.5, 4.5, 5.5, 6.5, 7.5, 8.5, 9.5, -10.25);
    show("idlsidlsidlsidls", -1, 0.1, 1L << 40, "a", 2, -0.0, -5L, "bb", 3, 1e300, 7L, "ccc", 4, 2.0, 9L, "end");
    printf("sum_ints=%ld\n", sum_ints(12, 1, -2, 3, -4, 5, -6, 7, -8, 9, -10, 11, -12));
    printf("sum_doubles=%lld\n", sum_doubles_scaled(10, 0.25, 0.5, 0.75, 1.0, 1.25, 1.5, 1.75, 2.0, 2.25, 2.5));
    char buf[128];
    int r = my_printf(buf, sizeof buf, "%d|%s|%5ld|%x|%c", -12, "str", 99L, 0xbeefu, 'Z');
    printf("vsnprintf r=%d buf=%s\n", r, buf);
    r = my_printf(buf, 5, "%s", "truncated-output");
    printf("vsnprintf r=%d buf=%s\n", r, buf);
    return 0;
}
