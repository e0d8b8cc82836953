// strlen, strnlen, strchr, strrchr, strcmp, strncmp, strcpy, strncpy, strcat,
// strstr, strspn/strcspn at every string alignment 0..15 and every length
// 0..300, hashed per alignment; then strings whose terminator is the last
// byte before a PROT_NONE page (SIMD string routines read ahead in aligned
// blocks and must stay inside the page).
// Intentionally heavier than most fixtures: ~5M instructions with glibc -O2,
// ~11M at -O0 and ~33M with musl, whose string functions are plain C loops.
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#define MAXN 300
static char s1[1024] __attribute__((aligned(64)));
static char s2[1024] __attribute__((aligned(64)));
static char d[1024] __attribute__((aligned(64)));

static uint64_t hv(uint64_t h, int64_t v) { return ((h ^ (uint64_t)v) * 0x100000001b3ull) ^ (h >> 31); }
static uint64_t hash(uint64_t h, const char *p, size_t n) {
    while (n >= 8) {
        uint64_t w;
        memcpy(&w, p, 8);
        h = hv(h, (int64_t)w);
        p += 8;
        n -= 8;
    }
    while (n--) h = hv(h, (unsigned char)*p++);
    return h;
}
static int sgn(int v) { return (v > 0) - (v < 0); }

/* a string of n printable non-NUL bytes at p, from a seed */
static void mkstr(char *p, int n, uint32_t seed) {
    for (int i = 0; i < n; i++) {
        seed = seed * 1103515245u + 12345u;
        p[i] = (char)('a' + (seed >> 16) % 26);
    }
    p[n] = 0;
}

int main(void) {
    static char master[MAXN + 1];
    mkstr(master, MAXN, 12345); /* strings of length n are prefixes of this */
    memset(s1, 0x7f, sizeof s1); /* non-NUL garbage around every string */
    for (int a = 0; a < 16; a++) {
        uint64_t hl = 1, hch = 2, hcmp = 3, hcpy = 4, hstr = 5;
        for (int n = 0; n <= MAXN; n++) {
            int b = (a * 3 + n) & 15; /* second operand's alignment */
            char *p = s1 + 16 + a, *q = s2 + 16 + b;
            memcpy(p, master, (size_t)n);
            p[n] = 0;
            memcpy(q, p, (size_t)n + 1);

            hl = hv(hl, (int64_t)strlen(p));
            hl = hv(hl, (int64_t)strnlen(p, (size_t)n / 2));
            hl = hv(hl, (int64_t)strnlen(p, (size_t)n + 10));

            /* strchr/strrchr: present, absent, and the terminator */
            char c = n ? p[n * 2 / 3] : 'a';
            char *f = strchr(p, c);
            hch = hv(hch, f ? f - p : -1);
            f = strrchr(p, c);
            hch = hv(hch, f ? f - p : -1);
            f = strchr(p, 'A');
            hch = hv(hch, f ? f - p : -1);
            f = strrchr(p, 'A');
            hch = hv(hch, f ? f - p : -1);
            hch = hv(hch, strchr(p, 0) - p);
            hch = hv(hch, strrchr(p, 0) - p);
            if ((n & 3) == 0) {
                hch = hv(hch, (int64_t)strspn(p, "abcdefghijklm"));
                hch = hv(hch, (int64_t)strcspn(p, "xyz"));
            }

            /* strcmp/strncmp: equal, differing last byte, prefix (each length is
             * compared at 4 of the 16 alignments: full-length compares are slow in musl) */
            if ((n & 3) == (a & 3)) {
                hcmp = hv(hcmp, sgn(strcmp(p, q)));
                hcmp = hv(hcmp, sgn(strncmp(p, q, (size_t)n + 5)));
                if (n > 0) {
                    q[n - 1] = (char)(q[n - 1] + 1);
                    hcmp = hv(hcmp, sgn(strcmp(q, p)));
                    hcmp = hv(hcmp, sgn(strncmp(p, q, (size_t)n - 1)));
                    hcmp = hv(hcmp, sgn(strncmp(p, q, (size_t)n)));
                    q[n - 1] = 0; /* q is now a proper prefix of p */
                    hcmp = hv(hcmp, sgn(strcmp(p, q)));
                    q[n - 1] = p[n - 1];
                }
            }

            /* strcpy/strncpy/strcat into d; 8 guard bytes on each side are hashed */
            memset(d + 8 + b, 0x55, 8);
            memset(d + 17 + b + n, 0x55, 8);
            char *r = strcpy(d + 16 + b, p);
            hcpy = hv(hcpy, r - d);
            hcpy = hash(hcpy, d + 8 + b, (size_t)n + 17);
            if ((n & 7) == 0) {
                r = strncpy(d + 16 + a, p, (size_t)(n / 2 + (n & 15)));
                hcpy = hash(hcpy, d + 16 + a, (size_t)(n / 2 + (n & 15)));
                strcpy(d + 16 + b, "head:");
                r = strcat(d + 16 + b, p);
                hcpy = hash(hcpy, d + 16 + b, (size_t)n + 6);
            }

            /* strstr: needle from the tail of p (present), and absent */
            if ((n & 3) == a % 4) {
                int nl = n < 8 ? n : 1 + n % 8;
                char needle[16];
                memcpy(needle, p + n - nl, (size_t)nl);
                needle[nl] = 0;
                f = strstr(p, needle);
                hstr = hv(hstr, f ? f - p : -1);
                f = strstr(p, "zzzzzq");
                hstr = hv(hstr, f ? f - p : -1);
                f = strstr(p, "");
                hstr = hv(hstr, f ? f - p : -1);
            }
            p[n] = 0x7f; /* restore the garbage */
        }
        printf("align=%2d strlen=%016llx strchr=%016llx strcmp=%016llx strcpy=%016llx strstr=%016llx\n", a,
               (unsigned long long)hl, (unsigned long long)hch, (unsigned long long)hcmp, (unsigned long long)hcpy,
               (unsigned long long)hstr);
    }

    /* page edge: the terminator is the last byte of an accessible page */
    long pg = sysconf(_SC_PAGESIZE);
    char *map = mmap(NULL, (size_t)pg * 2, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (map == MAP_FAILED || mprotect(map + pg, (size_t)pg, PROT_NONE) != 0) {
        perror("mmap/mprotect");
        return 1;
    }
    uint64_t he = 9;
    for (int n = 0; n <= 100; n++) {
        char *p = map + pg - 1 - n;
        mkstr(p, n, (uint32_t)n + 77);
        char *q = map + pg - 1 - n - 200; /* copy at a different alignment */
        strcpy(q, p);
        he = hv(he, (int64_t)strlen(p));
        he = hv(he, sgn(strcmp(p, q)));
        he = hv(he, sgn(strncmp(p, q, 500)));
        char *f = strchr(p, 'A');
        he = hv(he, f ? f - p : -1);
        f = strrchr(p, n ? p[0] : 'a');
        he = hv(he, f ? f - p : -1);
        f = strstr(p, "qq");
        he = hv(he, f ? f - p : -1);
        he = hv(he, (int64_t)strnlen(p, 1000));
    }
    printf("page-edge=%016llx\n", (unsigned long long)he);
    return 0;
}
