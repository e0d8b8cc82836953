// malloc/calloc/realloc/free churn with a deterministic pseudo-random
// pattern: small, medium and large (mmap-threshold-crossing, >= 128 KiB)
// blocks, growing and shrinking reallocs, and content verification of every
// block before it is freed (each block is filled with a pattern derived
// from its id). Prints only counts and checksums, never addresses.
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SLOTS 256
static unsigned char *blk[SLOTS];
static size_t len[SLOTS];
static unsigned tag[SLOTS];

static uint32_t rng = 2463534242u;
static uint32_t next(void) {
    rng ^= rng << 13;
    rng ^= rng >> 17;
    rng ^= rng << 5;
    return rng;
}
static size_t pick_size(void) {
    uint32_t r = next() % 100;
    if (r < 60) return next() % 64;             /* tiny */
    if (r < 90) return 64 + next() % 2000;      /* small */
    if (r < 98) return 4096 + next() % 60000;   /* medium */
    return 128 * 1024 + next() % (256 * 1024);  /* large: mmap'd by most mallocs */
}
/* fills sparsely for blocks above 256 bytes to keep the work modest */
static void fill(unsigned char *p, size_t n, unsigned t) {
    size_t step = n > 256 ? 61 : 1;
    for (size_t i = 0; i < n; i += step) p[i] = (unsigned char)(t * 31 + i * 7);
    if (n) p[n - 1] = (unsigned char)t;
}
static int verify(const unsigned char *p, size_t n, unsigned t) {
    size_t step = n > 256 ? 61 : 1;
    for (size_t i = 0; i < n; i += step) {
        unsigned char want = (i == n - 1) ? (unsigned char)t : (unsigned char)(t * 31 + i * 7);
        if (p[i] != want) return 0;
    }
    return !n || p[n - 1] == (unsigned char)t;
}

int main(void) {
    unsigned long mallocs = 0, frees = 0, reallocs = 0, callocs = 0, bad = 0, nulls = 0;
    unsigned long long bytes = 0;
    unsigned next_tag = 1;
    for (int it = 0; it < 2500; it++) {
        unsigned s = next() % SLOTS;
        uint32_t op = next() % 10;
        if (blk[s] && op < 4) { /* free */
            if (!verify(blk[s], len[s], tag[s])) bad++;
            free(blk[s]);
            blk[s] = NULL;
            frees++;
        } else if (blk[s] && op < 7) { /* realloc: keep the common prefix */
            size_t nl = pick_size();
            if (!verify(blk[s], len[s], tag[s])) bad++;
            unsigned char *p = realloc(blk[s], nl ? nl : 1);
            if (!p) {
                nulls++;
                continue;
            }
            size_t keep = nl < len[s] ? nl : len[s];
            /* the prefix must have survived (check a few bytes) */
            for (size_t i = 0; i + 1 < keep; i += 97)
                if (p[i] != (unsigned char)(tag[s] * 31 + i * 7) && !(len[s] > 256 && i % 61)) bad++;
            blk[s] = p;
            len[s] = nl;
            tag[s] = next_tag++;
            fill(p, nl, tag[s]);
            reallocs++;
            bytes += nl;
        } else if (!blk[s]) { /* malloc or calloc */
            size_t n = pick_size();
            unsigned char *p;
            if (op == 9) {
                p = calloc(1, n);
                callocs++;
                if (p)
                    for (size_t i = 0; i < n; i += 509)
                        if (p[i]) bad++;
            } else {
                p = malloc(n);
                mallocs++;
            }
            if (!p) {
                nulls++;
                continue;
            }
            blk[s] = p;
            len[s] = n;
            tag[s] = next_tag++;
            fill(p, n, tag[s]);
            bytes += n;
        }
    }
    unsigned live = 0;
    for (int s = 0; s < SLOTS; s++) {
        if (!blk[s]) continue;
        if (!verify(blk[s], len[s], tag[s])) bad++;
        free(blk[s]);
        live++;
    }
    printf("mallocs=%lu callocs=%lu reallocs=%lu frees=%lu live_at_end=%u bytes=%llu nulls=%lu bad=%lu\n", mallocs,
           callocs, reallocs, frees, live, bytes, nulls, bad);

    /* alignment guarantees and zero-size behaviour that both libcs share */
    int misaligned = 0;
    void *ps[64];
    for (int i = 0; i < 64; i++) {
        ps[i] = malloc((size_t)i * 3 + 1);
        if ((uintptr_t)ps[i] % 16) misaligned++;
    }
    for (int i = 0; i < 64; i++) free(ps[i]);
    void *al = aligned_alloc(4096, 8192);
    printf("misaligned=%d aligned_alloc_ok=%d\n", misaligned, al && (uintptr_t)al % 4096 == 0);
    free(al);
    void *pm = NULL;
    int pr = posix_memalign(&pm, 256, 1000);
    printf("posix_memalign rc=%d ok=%d\n", pr, pm && (uintptr_t)pm % 256 == 0);
    free(pm);
    free(NULL);
    return bad ? 1 : 0;
}
