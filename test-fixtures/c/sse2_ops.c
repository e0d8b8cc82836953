// SSE2 through intrinsics (what glibc's string routines and gcc's
// vectorizer use): packed integer add/sub (wrapping and saturating),
// compares, pmovmskb, shuffles (pshufd/pshuflw/pshufhw), unpacks, packs,
// shifts by immediate and by register (counts >= element width zero or
// sign-fill), pmaddwd, pmuludq, pavg, pmin/pmax, psadbw, logic ops,
// byte shifts (pslldq/psrldq), movd/movq, and packed double/single
// arithmetic, min/max (NaN operand order), conversions (cvttps2dq on
// out-of-range inputs gives 0x80000000) and shufps/shufpd.
#include <emmintrin.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

static void pr(const char *name, __m128i v) {
    uint64_t q[2];
    _mm_storeu_si128((__m128i *)q, v);
    printf("%s=%016llx%016llx\n", name, (unsigned long long)q[1], (unsigned long long)q[0]);
}
static __m128i fromd(__m128d v) { return _mm_castpd_si128(v); }
static __m128i froms(__m128 v) { return _mm_castps_si128(v); }

int main(void) {
    static volatile uint8_t ab[16] = {0, 1, 2, 0x7f, 0x80, 0x81, 0xfe, 0xff, 0x10, 0x20, 0x40, 0x55, 0xaa, 0xc0, 0x33, 0xcc};
    static volatile uint8_t bb[16] = {0xff, 0x01, 0x80, 0x7f, 0x7f, 0x80, 0x02, 0xff, 0xf0, 0x20, 0xc0, 0xaa, 0x55, 0x40, 0x33, 0x11};
    uint8_t ta[16], tb[16];
    for (int i = 0; i < 16; i++) ta[i] = ab[i], tb[i] = bb[i];
    __m128i a = _mm_loadu_si128((const __m128i *)ta), b = _mm_loadu_si128((const __m128i *)tb);

    pr("paddb", _mm_add_epi8(a, b));
    pr("paddw", _mm_add_epi16(a, b));
    pr("paddd", _mm_add_epi32(a, b));
    pr("paddq", _mm_add_epi64(a, b));
    pr("psubb", _mm_sub_epi8(a, b));
    pr("psubq", _mm_sub_epi64(a, b));
    pr("paddsb", _mm_adds_epi8(a, b));
    pr("paddusb", _mm_adds_epu8(a, b));
    pr("psubsw", _mm_subs_epi16(a, b));
    pr("psubusw", _mm_subs_epu16(a, b));
    pr("pcmpeqb", _mm_cmpeq_epi8(a, b));
    pr("pcmpgtb", _mm_cmpgt_epi8(a, b));
    pr("pcmpeqw", _mm_cmpeq_epi16(a, b));
    pr("pcmpgtd", _mm_cmpgt_epi32(a, b));
    printf("pmovmskb=%04x %04x\n", _mm_movemask_epi8(a), _mm_movemask_epi8(_mm_cmpeq_epi8(a, b)));
    pr("pand", _mm_and_si128(a, b));
    pr("pandn", _mm_andnot_si128(a, b));
    pr("por", _mm_or_si128(a, b));
    pr("pxor", _mm_xor_si128(a, b));
    pr("pshufd", _mm_shuffle_epi32(a, 0x1b));
    pr("pshuflw", _mm_shufflelo_epi16(a, 0xb1));
    pr("pshufhw", _mm_shufflehi_epi16(a, 0x4e));
    pr("punpcklbw", _mm_unpacklo_epi8(a, b));
    pr("punpckhbw", _mm_unpackhi_epi8(a, b));
    pr("punpcklwd", _mm_unpacklo_epi16(a, b));
    pr("punpckhdq", _mm_unpackhi_epi32(a, b));
    pr("punpcklqdq", _mm_unpacklo_epi64(a, b));
    pr("punpckhqdq", _mm_unpackhi_epi64(a, b));
    pr("packsswb", _mm_packs_epi16(a, b));
    pr("packuswb", _mm_packus_epi16(a, b));
    pr("packssdw", _mm_packs_epi32(a, b));
    pr("pmaddwd", _mm_madd_epi16(a, b));
    pr("pmuludq", _mm_mul_epu32(a, b));
    pr("pmullw", _mm_mullo_epi16(a, b));
    pr("pmulhw", _mm_mulhi_epi16(a, b));
    pr("pmulhuw", _mm_mulhi_epu16(a, b));
    pr("pavgb", _mm_avg_epu8(a, b));
    pr("pavgw", _mm_avg_epu16(a, b));
    pr("pminub", _mm_min_epu8(a, b));
    pr("pmaxub", _mm_max_epu8(a, b));
    pr("pminsw", _mm_min_epi16(a, b));
    pr("pmaxsw", _mm_max_epi16(a, b));
    pr("psadbw", _mm_sad_epu8(a, b));
    pr("pslldq3", _mm_slli_si128(a, 3));
    pr("psrldq5", _mm_srli_si128(a, 5));
    pr("pslldq15", _mm_slli_si128(a, 15));
    pr("pextrw/pinsrw", _mm_insert_epi16(a, _mm_extract_epi16(b, 3), 6));

    /* shifts: immediate and register counts, incl. >= element width */
    static volatile int counts[] = {0, 1, 7, 15, 16, 31, 32, 63, 64, 200};
    for (unsigned i = 0; i < sizeof counts / sizeof counts[0]; i++) {
        int c = counts[i];
        __m128i cv = _mm_cvtsi32_si128(c);
        char name[32];
        snprintf(name, sizeof name, "c%d psllw", c);
        pr(name, _mm_sll_epi16(a, cv));
        snprintf(name, sizeof name, "c%d psrlw", c);
        pr(name, _mm_srl_epi16(a, cv));
        snprintf(name, sizeof name, "c%d psraw", c);
        pr(name, _mm_sra_epi16(a, cv));
        snprintf(name, sizeof name, "c%d pslld", c);
        pr(name, _mm_sll_epi32(a, cv));
        snprintf(name, sizeof name, "c%d psrad", c);
        pr(name, _mm_sra_epi32(a, cv));
        snprintf(name, sizeof name, "c%d psllq", c);
        pr(name, _mm_sll_epi64(a, cv));
        snprintf(name, sizeof name, "c%d psrlq", c);
        pr(name, _mm_srl_epi64(a, cv));
    }
    pr("psllwi", _mm_slli_epi16(a, 3));
    pr("psradi", _mm_srai_epi32(a, 31));
    pr("psrlqi", _mm_srli_epi64(a, 33));

    /* movd/movq between general and xmm registers */
    static volatile long long gq = 0x1122334455667788LL;
    __m128i mq = _mm_cvtsi64_si128(gq);
    pr("movq", mq);
    printf("movq back=%llx movd back=%x\n", (unsigned long long)_mm_cvtsi128_si64(b), (unsigned)_mm_cvtsi128_si32(a));
    pr("movq-zero-upper", _mm_move_epi64(a));

    /* packed double / single */
    static volatile double dv[4] = {1.5, -0.0, 1e308, 3.0};
    static volatile float fv[8] = {1.5f, -2.25f, 3e9f, -3e9f, 0.5f, 2.5f, -0.0f, 16777217.0f};
    __m128d d1 = _mm_set_pd(dv[1], dv[0]), d2 = _mm_set_pd(dv[3], dv[2]);
    __m128d nan = _mm_castsi128_pd(_mm_set_epi64x(0x7ff8000000000001LL, 0x7ff8000000000002LL));
    pr("addpd", fromd(_mm_add_pd(d1, d2)));
    pr("mulpd", fromd(_mm_mul_pd(d1, d2)));
    pr("divpd", fromd(_mm_div_pd(d2, d1)));
    pr("sqrtpd", fromd(_mm_sqrt_pd(d2)));
    pr("minpd", fromd(_mm_min_pd(d1, d2)));
    pr("maxpd", fromd(_mm_max_pd(d1, d2)));
    pr("minpd-nan1", fromd(_mm_min_pd(nan, d1)));
    pr("minpd-nan2", fromd(_mm_min_pd(d1, nan)));
    pr("maxsd-zero", fromd(_mm_max_sd(_mm_set_sd(0.0), _mm_set_sd(-0.0))));
    pr("addpd-nan", fromd(_mm_add_pd(nan, d1)));
    pr("cmppd-lt", fromd(_mm_cmplt_pd(d1, d2)));
    pr("cmppd-unord", fromd(_mm_cmpunord_pd(nan, d1)));
    pr("cmppd-neq", fromd(_mm_cmpneq_pd(nan, nan)));
    pr("andnpd", fromd(_mm_andnot_pd(_mm_set1_pd(-0.0), d1)));
    pr("unpcklpd", fromd(_mm_unpacklo_pd(d1, d2)));
    pr("shufpd", fromd(_mm_shuffle_pd(d1, d2, 1)));
    printf("movmskpd=%x\n", _mm_movemask_pd(d1));
    __m128 f1 = _mm_set_ps(fv[3], fv[2], fv[1], fv[0]), f2 = _mm_set_ps(fv[7], fv[6], fv[5], fv[4]);
    pr("addps", froms(_mm_add_ps(f1, f2)));
    pr("mulps", froms(_mm_mul_ps(f1, f2)));
    pr("divps", froms(_mm_div_ps(f1, f2)));
    pr("sqrtps", froms(_mm_sqrt_ps(f2)));
    pr("minps", froms(_mm_min_ps(f1, f2)));
    pr("shufps", froms(_mm_shuffle_ps(f1, f2, 0x9c)));
    pr("unpckhps", froms(_mm_unpackhi_ps(f1, f2)));
    pr("cvttps2dq", _mm_cvttps_epi32(f1));
    pr("cvtps2dq", _mm_cvtps_epi32(f2));
    pr("cvtdq2ps", froms(_mm_cvtepi32_ps(a)));
    pr("cvtdq2pd", fromd(_mm_cvtepi32_pd(a)));
    pr("cvtpd2ps", froms(_mm_cvtpd_ps(d2)));
    pr("cvtps2pd", fromd(_mm_cvtps_pd(f1)));
    pr("cvttpd2dq", _mm_cvttpd_epi32(d2));
    printf("movmskps=%x\n", _mm_movemask_ps(f1));

    /* a vectorizable loop (gcc -O2 uses SSE2 here) */
    static int32_t xs[1000], ys[1000];
    for (int i = 0; i < 1000; i++) xs[i] = i * 7 - 3000, ys[i] = (i * 13) ^ 0x55;
    long long dot = 0;
    int32_t mx = -2147483647 - 1;
    for (int i = 0; i < 1000; i++) {
        dot += (long long)xs[i] * ys[i];
        mx = xs[i] + ys[i] > mx ? xs[i] + ys[i] : mx;
        xs[i] = (xs[i] >> 1) + (ys[i] & 0xf);
    }
    long long s2 = 0;
    for (int i = 0; i < 1000; i++) s2 += xs[i];
    printf("loop dot=%lld max=%d sum=%lld\n", dot, mx, s2);
    return 0;
}
