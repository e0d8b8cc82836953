// Shifts and rotates: C-level shl/shr/sar with variable and constant counts,
// rotate idioms (gcc emits rol/ror), __int128 shifts by every count 0..127
// (shld/shrd + cmov sequences), and inline-asm shl/shr/sar/rol/ror/rcl/rcr/
// shld/shrd by %cl with counts 0..70 (x86 masks the count; 8/16-bit rcl/rcr
// rotate modulo 9/17).
#include <stdint.h>
#include <stdio.h>

static volatile uint64_t seeds[] = {0x8000000000000001ull, 0x0123456789abcdefull, 0xfedcba9876543210ull, 1,
                                    0xffffffffffffffffull};
static volatile int counts[] = {0, 1, 2, 7, 8, 15, 16, 31, 32, 33, 63};

static uint64_t h = 1469598103934665603ull; /* FNV-1a over every result */
static void mix(uint64_t v) {
    for (int i = 0; i < 8; i++) {
        h ^= (v >> (8 * i)) & 0xff;
        h *= 1099511628211ull;
    }
}

static uint32_t rotl32(uint32_t x, unsigned n) { return (x << (n & 31)) | (x >> (-n & 31)); }
static uint64_t rotr64(uint64_t x, unsigned n) { return (x >> (n & 63)) | (x << (-n & 63)); }
static uint16_t rotl16(uint16_t x, unsigned n) { return (uint16_t)((x << (n & 15)) | (x >> (-n & 15))); }
static uint8_t rotr8(uint8_t x, unsigned n) { return (uint8_t)((x >> (n & 7)) | (x << (-n & 7))); }

/* asm by %cl: returns the destination; carry in is CF=cf */
#define ASM_SH(NAME, INSN, T)                                                        \
    static T NAME(T x, uint8_t c, int cf) {                                          \
        if (cf)                                                                      \
            __asm__("stc\n\t" INSN " %%cl, %0" : "+r"(x) : "c"(c) : "cc");           \
        else                                                                         \
            __asm__("clc\n\t" INSN " %%cl, %0" : "+r"(x) : "c"(c) : "cc");           \
        return x;                                                                    \
    }
ASM_SH(shl8, "shlb", uint8_t)
ASM_SH(shr16, "shrw", uint16_t)
ASM_SH(sar32, "sarl", uint32_t)
ASM_SH(shl64, "shlq", uint64_t)
ASM_SH(rol8, "rolb", uint8_t)
ASM_SH(ror16, "rorw", uint16_t)
ASM_SH(rcl8, "rclb", uint8_t)
ASM_SH(rcr8, "rcrb", uint8_t)
ASM_SH(rcl16, "rclw", uint16_t)
ASM_SH(rcr16, "rcrw", uint16_t)
ASM_SH(rcl32, "rcll", uint32_t)
ASM_SH(rcr32, "rcrl", uint32_t)
ASM_SH(rcl64, "rclq", uint64_t)
ASM_SH(rcr64, "rcrq", uint64_t)
#define ASM_SHD(NAME, INSN, T)                                                       \
    static T NAME(T x, T y, uint8_t c) {                                             \
        __asm__(INSN " %%cl, %1, %0" : "+r"(x) : "r"(y), "c"(c) : "cc");             \
        return x;                                                                    \
    }
ASM_SHD(shld32, "shldl", uint32_t)
ASM_SHD(shrd32, "shrdl", uint32_t)
ASM_SHD(shld64, "shldq", uint64_t)
ASM_SHD(shrd64, "shrdq", uint64_t)
ASM_SHD(shld16, "shldw", uint16_t)

int main(void) {
    /* C shifts: count always < width (C semantics) */
    for (unsigned i = 0; i < sizeof seeds / sizeof seeds[0]; i++) {
        uint64_t v = seeds[i];
        for (unsigned k = 0; k < sizeof counts / sizeof counts[0]; k++) {
            int c = counts[k];
            uint64_t shl = v << c, shr = v >> c;
            int64_t sar = (int64_t)v >> c;
            uint32_t v32 = (uint32_t)v;
            int c32 = c & 31;
            printf("c=%2d v=%016llx shl=%016llx shr=%016llx sar=%016llx | shl32=%08x shr32=%08x sar32=%08x"
                   " rotl32=%08x rotr64=%016llx rotl16=%04x rotr8=%02x\n",
                   c, (unsigned long long)v, (unsigned long long)shl, (unsigned long long)shr,
                   (unsigned long long)sar, v32 << c32, v32 >> c32, (uint32_t)((int32_t)v32 >> c32),
                   rotl32(v32, (unsigned)c), (unsigned long long)rotr64(v, (unsigned)c),
                   rotl16((uint16_t)v, (unsigned)c), rotr8((uint8_t)v, (unsigned)c));
        }
        /* constant shifts (immediate forms), incl. 8/16-bit ones */
        uint8_t b = (uint8_t)v;
        uint16_t w = (uint16_t)v;
        int8_t sb = (int8_t)v;
        int16_t sw = (int16_t)v;
        printf("const v=%016llx %llx %llx %llx %x %x %x %x %x %x\n", (unsigned long long)v,
               (unsigned long long)(v << 1), (unsigned long long)(v >> 63),
               (unsigned long long)((int64_t)v >> 17), (unsigned)(uint8_t)(b << 3), (unsigned)(b >> 5),
               (unsigned)(uint8_t)(sb >> 2), (unsigned)(uint16_t)(w << 9), (unsigned)(w >> 15),
               (unsigned)(uint16_t)(sw >> 4));
    }

    /* __int128 shifts by every count */
    unsigned __int128 u = ((unsigned __int128)0x8123456789abcdefull << 64) | 0xfedcba9876543211ull;
    __int128 s = (__int128)u;
    for (volatile int c = 0; c < 128; c++) {
        unsigned __int128 l = u << c, r = u >> c;
        __int128 sr = s >> c;
        mix((uint64_t)l);
        mix((uint64_t)(l >> 64));
        mix((uint64_t)r);
        mix((uint64_t)(r >> 64));
        mix((uint64_t)sr);
        mix((uint64_t)((unsigned __int128)sr >> 64));
        if (c % 16 == 15)
            printf("i128 c=%d l=%016llx%016llx r=%016llx%016llx sr=%016llx%016llx h=%016llx\n", c,
                   (unsigned long long)(l >> 64), (unsigned long long)l, (unsigned long long)(r >> 64),
                   (unsigned long long)r, (unsigned long long)((unsigned __int128)sr >> 64),
                   (unsigned long long)sr, (unsigned long long)h);
    }

    /* x86 semantics via asm: counts 0..70 (masked by the CPU) */
    uint64_t v = 0x8000000000000001ull ^ 0x0123456789abcdefull;
    for (int cf = 0; cf < 2; cf++) {
        for (int c = 0; c <= 70; c++) {
            uint8_t cc = (uint8_t)c;
            uint64_t r[19];
            r[0] = shl8((uint8_t)v, cc, cf);
            r[1] = shr16((uint16_t)v, cc, cf);
            r[2] = sar32((uint32_t)v, cc, cf);
            r[3] = shl64(v, cc, cf);
            r[4] = rol8((uint8_t)v, cc, cf);
            r[5] = ror16((uint16_t)v, cc, cf);
            r[6] = rcl8((uint8_t)v, cc, cf);
            r[7] = rcr8((uint8_t)v, cc, cf);
            r[8] = rcl16((uint16_t)v, cc, cf);
            r[9] = rcr16((uint16_t)v, cc, cf);
            r[10] = rcl32((uint32_t)v, cc, cf);
            r[11] = rcr32((uint32_t)v, cc, cf);
            r[12] = rcl64(v, cc, cf);
            r[13] = rcr64(v, cc, cf);
            r[14] = shld32((uint32_t)v, (uint32_t)(v >> 32), cc);
            r[15] = shrd32((uint32_t)v, (uint32_t)(v >> 32), cc);
            r[16] = shld64(v, ~v, cc);
            r[17] = shrd64(v, ~v, cc);
            r[18] = (c & 31) <= 16 ? shld16((uint16_t)v, (uint16_t)(v >> 16), cc) : 0; /* >16: undefined */
            printf("asm cf=%d c=%2d", cf, c);
            for (int k = 0; k < 19; k++) {
                printf(" %llx", (unsigned long long)r[k]);
                mix(r[k]);
            }
            printf("\n");
        }
    }
    printf("hash=%016llx\n", (unsigned long long)h);
    return 0;
}
