// memcpy, memmove (overlapping, both directions), memset, memcmp, memchr at
// every destination alignment 0..15 and every length 0..300 (the source
// alignment varies with the length), hashed per alignment; then the same
// functions on buffers that end exactly at a page followed by a PROT_NONE
// page (the libc SIMD routines must not touch the guard page).
// Intentionally heavier than most fixtures: ~6M instructions with glibc -O2,
// ~10M at -O0 and ~15M with musl.
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#define MAXN 300
static unsigned char src[1024] __attribute__((aligned(64)));
static unsigned char cmpbuf[1024] __attribute__((aligned(64)));
static unsigned char dst[1024] __attribute__((aligned(64)));

/* word-at-a-time FNV-style hash of [p, p+n) */
static uint64_t hash(uint64_t h, const unsigned char *p, size_t n) {
    while (n >= 8) {
        uint64_t w;
        memcpy(&w, p, 8);
        h = (h ^ w) * 0x100000001b3ull;
        h ^= h >> 29;
        p += 8;
        n -= 8;
    }
    while (n--) h = (h ^ *p++) * 0x100000001b3ull;
    return h;
}
static uint64_t hv(uint64_t h, int64_t v) { return ((h ^ (uint64_t)v) * 0x100000001b3ull) ^ (h >> 31); }

static void fill(unsigned char *p, size_t n, uint32_t seed) {
    for (size_t i = 0; i < n; i++) {
        seed = seed * 1103515245u + 12345u;
        p[i] = (unsigned char)(seed >> 16);
    }
}

int main(void) {
    fill(src, sizeof src, 1);
    fill(dst, sizeof dst, 2);
    memcpy(cmpbuf, src, sizeof src);

    for (int a = 0; a < 16; a++) {
        uint64_t hc = 1, hm = 2, hs = 3, hcmp = 4, hchr = 5;
        for (int n = 0; n <= MAXN; n++) {
            int sa = (a * 5 + n) & 15;
            /* memcpy: hash the destination plus 16 guard bytes on each side */
            void *r = memcpy(dst + 32 + a, src + 16 + sa, (size_t)n);
            hc = hv(hc, (unsigned char *)r - dst);
            hc = hash(hc, dst + 16 + a, (size_t)n + 32);

            /* memmove within dst: overlap forwards and backwards */
            int d = ((n * 7 + a) % 33) - 16;
            r = memmove(dst + 64 + a, dst + 64 + a + d, (size_t)n);
            hm = hv(hm, (unsigned char *)r - dst);
            hm = hash(hm, dst + 32 + a, (size_t)n + 64);

            /* memset */
            r = memset(dst + 32 + a, n & 0xff, (size_t)n);
            hs = hv(hs, (unsigned char *)r - dst);
            hs = hash(hs, dst + 16 + a, (size_t)n + 32);

            /* memcmp: equal, then a difference at 1/4 of the length */
            hcmp = hv(hcmp, memcmp(src + 16 + a, cmpbuf + 16 + a, (size_t)n));
            if (n > 0) {
                int p = 16 + a + n / 4;
                cmpbuf[p] ^= (unsigned char)(0x80 | n);
                int c1 = memcmp(src + 16 + a, cmpbuf + 16 + a, (size_t)n);
                int c2 = memcmp(cmpbuf + 16 + a, src + 16 + a, (size_t)n);
                hcmp = hv(hcmp, (c1 > 0) - (c1 < 0));
                hcmp = hv(hcmp, (c2 > 0) - (c2 < 0));
                cmpbuf[p] = src[p];
                /* misaligned relative to each other */
                int c3 = memcmp(src + 16 + a, src + 16 + sa, (size_t)n);
                hcmp = hv(hcmp, (c3 > 0) - (c3 < 0));
            }

            /* memchr: a byte that is present (first occurrence) and one that is not */
            if (n > 0) {
                unsigned char want = src[16 + a + n / 2];
                unsigned char *f = memchr(src + 16 + a, want, (size_t)n);
                hchr = hv(hchr, f ? f - src : -1);
            }
            unsigned char *g = memchr(dst + 32 + a, 0x100 - 1 - (n & 0xff), (size_t)n);
            hchr = hv(hchr, g ? g - dst : -1);
        }
        printf("align=%2d memcpy=%016llx memmove=%016llx memset=%016llx memcmp=%016llx memchr=%016llx\n", a,
               (unsigned long long)hc, (unsigned long long)hm, (unsigned long long)hs, (unsigned long long)hcmp,
               (unsigned long long)hchr);
    }

    /* page edge: data ends at the last byte before a PROT_NONE page */
    long pg = sysconf(_SC_PAGESIZE);
    unsigned char *map = mmap(NULL, (size_t)pg * 2, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (map == MAP_FAILED) {
        perror("mmap");
        return 1;
    }
    if (mprotect(map + pg, (size_t)pg, PROT_NONE) != 0) {
        perror("mprotect");
        return 1;
    }
    unsigned char *end = map + pg;
    uint64_t he = 7;
    for (int n = 0; n <= 200; n++) {
        unsigned char *p = end - n;
        memset(p, 'x', (size_t)n);
        memcpy(p, src + (n & 15), (size_t)n);
        he = hash(he, p, (size_t)n);
        he = hv(he, memcmp(p, src + (n & 15), (size_t)n));
        unsigned char *f = memchr(p, 0x100 - 1, (size_t)n);
        he = hv(he, f ? f - p : -1);
        memmove(p, p + (n > 0), n > 0 ? (size_t)n - 1 : 0);
        he = hash(he, p, (size_t)n);
    }
    printf("page-edge=%016llx\n", (unsigned long long)he);
    munmap(map, (size_t)pg * 2);
    return 0;
}
