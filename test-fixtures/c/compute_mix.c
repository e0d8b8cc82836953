// Realistic integer/floating workloads in one program: SHA-256 of 8 KiB of
// generated data (rotates, shifts, adds), table-driven CRC-32, base64 round
// trip, sieve of Eratosthenes, 8-queens backtracking, an open-addressing
// hash table with string keys, and a 48x48 double matrix product
// (printed as bits).
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- SHA-256 ---- */
static const uint32_t K[64] = {
    0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5, 0xd807aa98,
    0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174, 0xe49b69c1, 0xefbe4786,
    0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da, 0x983e5152, 0xa831c66d, 0xb00327c8,
    0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967, 0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13,
    0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85, 0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819,
    0xd6990624, 0xf40e3585, 0x106aa070, 0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a,
    0x5b9cca4f, 0x682e6ff3, 0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7,
    0xc67178f2};
#define ROR(x, n) (((x) >> (n)) | ((x) << (32 - (n))))
static void sha256_block(uint32_t h[8], const unsigned char *p) {
    uint32_t w[64];
    for (int i = 0; i < 16; i++) w[i] = (uint32_t)p[4 * i] << 24 | (uint32_t)p[4 * i + 1] << 16 | (uint32_t)p[4 * i + 2] << 8 | p[4 * i + 3];
    for (int i = 16; i < 64; i++) {
        uint32_t s0 = ROR(w[i - 15], 7) ^ ROR(w[i - 15], 18) ^ (w[i - 15] >> 3);
        uint32_t s1 = ROR(w[i - 2], 17) ^ ROR(w[i - 2], 19) ^ (w[i - 2] >> 10);
        w[i] = w[i - 16] + s0 + w[i - 7] + s1;
    }
    uint32_t a = h[0], b = h[1], c = h[2], d = h[3], e = h[4], f = h[5], g = h[6], hh = h[7];
    for (int i = 0; i < 64; i++) {
        uint32_t t1 = hh + (ROR(e, 6) ^ ROR(e, 11) ^ ROR(e, 25)) + ((e & f) ^ (~e & g)) + K[i] + w[i];
        uint32_t t2 = (ROR(a, 2) ^ ROR(a, 13) ^ ROR(a, 22)) + ((a & b) ^ (a & c) ^ (b & c));
        hh = g, g = f, f = e, e = d + t1, d = c, c = b, b = a, a = t1 + t2;
    }
    h[0] += a, h[1] += b, h[2] += c, h[3] += d, h[4] += e, h[5] += f, h[6] += g, h[7] += hh;
}
static void sha256(const unsigned char *msg, size_t len, uint32_t h[8]) {
    static const uint32_t init[8] = {0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a,
                                     0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19};
    memcpy(h, init, sizeof init);
    size_t i = 0;
    for (; i + 64 <= len; i += 64) sha256_block(h, msg + i);
    unsigned char tail[128] = {0};
    size_t rem = len - i;
    memcpy(tail, msg + i, rem);
    tail[rem] = 0x80;
    size_t tl = rem + 9 <= 64 ? 64 : 128;
    uint64_t bits = (uint64_t)len * 8;
    for (int k = 0; k < 8; k++) tail[tl - 1 - k] = (unsigned char)(bits >> (8 * k));
    sha256_block(h, tail);
    if (tl == 128) sha256_block(h, tail + 64);
}

/* ---- CRC-32 ---- */
static uint32_t crc_table[256];
static uint32_t crc32(const unsigned char *p, size_t n) {
    if (!crc_table[1])
        for (uint32_t i = 0; i < 256; i++) {
            uint32_t c = i;
            for (int k = 0; k < 8; k++) c = c & 1 ? 0xedb88320u ^ (c >> 1) : c >> 1;
            crc_table[i] = c;
        }
    uint32_t c = 0xffffffffu;
    for (size_t i = 0; i < n; i++) c = crc_table[(c ^ p[i]) & 0xff] ^ (c >> 8);
    return c ^ 0xffffffffu;
}

/* ---- base64 ---- */
static const char b64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
static size_t b64enc(const unsigned char *in, size_t n, char *out) {
    size_t o = 0;
    for (size_t i = 0; i < n; i += 3) {
        uint32_t v = (uint32_t)in[i] << 16 | (i + 1 < n ? (uint32_t)in[i + 1] << 8 : 0) | (i + 2 < n ? in[i + 2] : 0);
        out[o++] = b64[v >> 18];
        out[o++] = b64[(v >> 12) & 63];
        out[o++] = i + 1 < n ? b64[(v >> 6) & 63] : '=';
        out[o++] = i + 2 < n ? b64[v & 63] : '=';
    }
    out[o] = 0;
    return o;
}
static size_t b64dec(const char *in, unsigned char *out) {
    size_t o = 0;
    for (size_t i = 0; in[i]; i += 4) {
        uint32_t v = 0;
        int pad = 0;
        for (int k = 0; k < 4; k++) {
            char c = in[i + k];
            const char *p = strchr(b64, c);
            if (c == '=') pad++;
            v = v << 6 | (c == '=' ? 0 : (uint32_t)(p - b64));
        }
        out[o++] = (unsigned char)(v >> 16);
        if (pad < 2) out[o++] = (unsigned char)(v >> 8);
        if (pad < 1) out[o++] = (unsigned char)v;
    }
    return o;
}

/* ---- 8 queens ---- */
static int queens(int row, int n, unsigned cols, unsigned d1, unsigned d2) {
    if (row == n) return 1;
    int count = 0;
    for (int c = 0; c < n; c++) {
        if ((cols >> c & 1) || (d1 >> (row + c) & 1) || (d2 >> (row - c + n) & 1)) continue;
        count += queens(row + 1, n, cols | 1u << c, d1 | 1u << (row + c), d2 | 1u << (row - c + n));
    }
    return count;
}

/* ---- hash table ---- */
#define HSIZE 8192
static char *keys[HSIZE];
static int vals[HSIZE];
static uint32_t fnv1a(const char *s) {
    uint32_t h = 2166136261u;
    while (*s) h = (h ^ (unsigned char)*s++) * 16777619u;
    return h;
}
static int *lookup(const char *k, int insert) {
    uint32_t i = fnv1a(k) & (HSIZE - 1);
    while (keys[i]) {
        if (strcmp(keys[i], k) == 0) return &vals[i];
        i = (i + 1) & (HSIZE - 1);
    }
    if (!insert) return NULL;
    keys[i] = strdup(k);
    return &vals[i];
}

int main(void) {
    static unsigned char data[8192];
    uint32_t x = 7;
    for (size_t i = 0; i < sizeof data; i++) {
        x = x * 1103515245u + 12345u;
        data[i] = (unsigned char)(x >> 16);
    }
    uint32_t h[8];
    sha256((const unsigned char *)"abc", 3, h);
    printf("sha256(abc)=%08x%08x%08x%08x%08x%08x%08x%08x\n", h[0], h[1], h[2], h[3], h[4], h[5], h[6], h[7]);
    sha256(data, sizeof data, h);
    printf("sha256(data)=%08x%08x%08x%08x%08x%08x%08x%08x\n", h[0], h[1], h[2], h[3], h[4], h[5], h[6], h[7]);
    printf("crc32(123456789)=%08x crc32(data)=%08x\n", crc32((const unsigned char *)"123456789", 9),
           crc32(data, sizeof data));

    static char enc[4096 * 2];
    static unsigned char dec[4096];
    int ok = 1;
    for (size_t n = 0; n < 64; n++) {
        b64enc(data + n, n, enc);
        size_t m = b64dec(enc, dec);
        ok &= m == n && memcmp(dec, data + n, n) == 0;
    }
    b64enc((const unsigned char *)"any carnal pleasure.", 20, enc);
    printf("base64=%s roundtrips_ok=%d\n", enc, ok);

    static char sieve[100001];
    int primes = 0;
    long psum = 0;
    for (int i = 2; i <= 100000; i++) {
        if (sieve[i]) continue;
        primes++;
        psum += i;
        for (long j = (long)i * i; j <= 100000; j += i) sieve[j] = 1;
    }
    printf("primes<=100000: %d sum=%ld\n", primes, psum);
    printf("queens 8=%d 6=%d\n", queens(0, 8, 0, 0, 0), queens(0, 6, 0, 0, 0));

    char key[32];
    for (int i = 0; i < 1500; i++) {
        snprintf(key, sizeof key, "key-%d", (i * 7919) % 2500);
        (*lookup(key, 1))++;
    }
    int found = 0, total = 0;
    for (int i = 0; i < 2500; i++) {
        snprintf(key, sizeof key, "key-%d", i);
        int *v = lookup(key, 0);
        if (v) {
            found++;
            total += *v;
        }
    }
    printf("hash table found=%d total=%d\n", found, total);

    enum { N = 48 };
    static double A[N][N], B[N][N], C[N][N];
    for (int i = 0; i < N; i++)
        for (int j = 0; j < N; j++) {
            A[i][j] = (double)((i * 31 + j * 17) % 97) / 7.0;
            B[i][j] = (double)((i * 13 + j * 29) % 89) / 3.0 - 10.0;
        }
    for (int i = 0; i < N; i++)
        for (int j = 0; j < N; j++) {
            double s = 0;
            for (int k = 0; k < N; k++) s += A[i][k] * B[k][j];
            C[i][j] = s;
        }
    uint64_t mh = 0;
    for (int i = 0; i < N; i++)
        for (int j = 0; j < N; j++) {
            uint64_t u;
            memcpy(&u, &C[i][j], 8);
            mh = mh * 1099511628211ull ^ u;
        }
    printf("matmul hash=%016llx\n", (unsigned long long)mh);
    return 0;
}
