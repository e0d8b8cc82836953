// printf/snprintf/sscanf with integers and strings: %d %i %u %x %X %o %c %s %%
// with flags (- + space # 0), width, precision, '*' arguments and length
// modifiers (hh h l ll z j t); snprintf truncation and return values;
// sscanf conversions (%d %ld %x %u %o %i %n %s %[...] %c, literals and
// partial matches).
#include <limits.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

/* truncation is what the snprintf section tests */
#pragma GCC diagnostic ignored "-Wformat-truncation"

static volatile long long vals[] = {0, 1, -1, 42, -42, 127, -128, 255, 65535, -32768, INT_MAX, INT_MIN,
                                    UINT_MAX, LLONG_MAX, LLONG_MIN, 1000000007, 0x7f00ff00ff00ff00LL};

int main(void) {
    for (unsigned i = 0; i < sizeof vals / sizeof vals[0]; i++) {
        long long v = vals[i];
        int iv = (int)v;
        printf("[%d] [%i] [%u] [%x] [%X] [%o] [%lld] [%llu] [%llx]\n", iv, iv, (unsigned)iv, (unsigned)iv,
               (unsigned)iv, (unsigned)iv, v, (unsigned long long)v, (unsigned long long)v);
        printf("[%8d] [%-8d|] [%+d] [% d] [%08d] [%.5d] [%8.3d] [%-+8.4d|] [%#x] [%#o] [%#X] [%#.0x]\n", iv, iv, iv,
               iv, iv, iv, iv, iv, (unsigned)iv, (unsigned)iv, (unsigned)iv, (unsigned)iv);
        printf("[%hhd] [%hhu] [%hd] [%hu] [%ld] [%zu] [%zd] [%jd] [%td] [%*d] [%-*d|] [%.*d]\n", (signed char)iv,
               (unsigned char)iv, (short)iv, (unsigned short)iv, (long)v, (size_t)v, (ptrdiff_t)v, (intmax_t)v,
               (ptrdiff_t)iv, 6, iv, 6, iv, 3, iv);
    }
    printf("[%.0d] [%5.0d] [%+.0d] [%#.0o] [%c%c%c] [%5c] [%-3c|] [%%]\n", 0, 0, 0, 0, 'a', 'b', 'c', 'z', 'y');
    printf("[%s] [%10s] [%-10s|] [%.3s] [%10.2s] [%.*s] [%s]\n", "hello", "hi", "left", "truncate", "ab", 4,
           "star-precision", "");

    /* snprintf: return value is the full length; output is truncated and terminated */
    char buf[16];
    for (int n = 0; n <= 16; n += 3) {
        memset(buf, '#', sizeof buf);
        int r = snprintf(buf, (size_t)n, "%d-%s-%x", 123456, "abcdef", 0xbeef);
        printf("snprintf n=%2d r=%d buf=", n, r);
        for (int k = 0; k < 16; k++) putchar(buf[k] ? buf[k] : '0');
        putchar('\n');
    }
    char big[300];
    int r = snprintf(big, sizeof big, "%0200d|%-50s|%+.40lld", -7, "pad", 12345LL);
    printf("long r=%d len=%zu tail=%s\n", r, strlen(big), big + 190);

    /* sscanf */
    int a = 0, b = 0, n1 = 0, n2 = 0;
    long l = 0;
    unsigned u = 0, x = 0, o = 0;
    char word[32] = "", set[32] = "", ch = 0;
    int cnt = sscanf("  -123 4567890123 0x1F 0755 077 42 word  abcxyz! Q", "%d %ld %x %o %i %u %31s %31[a-z]%n%c %c",
                     &a, &l, &x, &o, &b, &u, word, set, &n1, &ch, &ch);
    printf("sscanf cnt=%d a=%d l=%ld x=%u o=%u b=%d u=%u word=%s set=%s n=%d ch=%c\n", cnt, a, l, x, o, b, u, word, set,
           n1, ch);
    cnt = sscanf("12abc", "%d%n", &a, &n2);
    printf("sscanf partial cnt=%d a=%d n=%d\n", cnt, a, n2);
    cnt = sscanf("abc", "%d", &a);
    printf("sscanf nomatch cnt=%d\n", cnt);
    cnt = sscanf("", "%d", &a);
    printf("sscanf empty cnt=%d\n", cnt);
    cnt = sscanf("0x10 010 10 -0x8", "%i %i %i %i", &a, &b, &n1, &n2);
    printf("sscanf %%i cnt=%d %d %d %d %d\n", cnt, a, b, n1, n2);
    cnt = sscanf("key=value;rest", "%31[^=]=%31[^;];", word, set);
    printf("sscanf sets cnt=%d [%s] [%s]\n", cnt, word, set);
    unsigned char hh = 0;
    short hs = 0;
    long long ll = 0;
    cnt = sscanf("300 70000 -9223372036854775807", "%hhu %hd %lld", &hh, &hs, &ll);
    printf("sscanf widths cnt=%d hh=%u hs=%d ll=%lld\n", cnt, hh, hs, ll);
    cnt = sscanf("12345678", "%3d%2d%d", &a, &b, &n1);
    printf("sscanf fieldwidth cnt=%d %d %d %d\n", cnt, a, b, n1);
    return 0;
}
