// link: -lm
// Double and float arithmetic printed as exact bit patterns (so it runs on
// musl too, no float formatting): + - * / with specials (inf, nan, -0,
// subnormals), NaN propagation, comparisons with NaN (ucomisd/comisd and
// every C relational operator), sqrt/fabs/floor/ceil/round/trunc/rint/
// nearbyint/fmod/remainder/fmin/fmax/copysign/ldexp/frexp/modf/nextafter,
// conversions int<->double<->float incl. unsigned 64-bit, and the x86
// "integer indefinite" result of cvttsd2si on out-of-range inputs.
#include <emmintrin.h>
#include <float.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

static uint64_t db(double d) {
    uint64_t u;
    memcpy(&u, &d, 8);
    return u;
}
static uint32_t fb(float f) {
    uint32_t u;
    memcpy(&u, &f, 4);
    return u;
}
static double bd(uint64_t u) {
    double d;
    memcpy(&d, &u, 8);
    return d;
}

static volatile double vals[20];
static void init(void) {
    const double v[] = {0.0, -0.0, 1.0, -1.0, 0.5, 1.5, 2.5, -2.5, 3.7, -3.7, 1e300, -1e-300, DBL_MIN,
                        4.9406564584124654e-324, DBL_MAX, INFINITY, -INFINITY, 0.0, 4503599627370497.0, 9.2e18};
    for (int i = 0; i < 20; i++) vals[i] = v[i];
    vals[17] = bd(0x7ff8000000000123ull); /* quiet NaN with payload */
}
#define NV 20

int main(void) {
    init();
    volatile double zero = 0.0;
    printf("0/0=%016llx -(0/0)=%016llx 1/0=%016llx -1/0=%016llx inf-inf=%016llx 0*inf=%016llx\n",
           (unsigned long long)db(zero / zero), (unsigned long long)db(-(zero / zero)),
           (unsigned long long)db(1.0 / zero), (unsigned long long)db(-1.0 / zero),
           (unsigned long long)db(vals[15] + vals[16]), (unsigned long long)db(zero * vals[15]));

    for (int i = 0; i < NV; i++) {
        double a = vals[i];
        int iclass = fpclassify(a);
        printf("v=%016llx sqrt=%016llx fabs=%016llx neg=%016llx floor=%016llx ceil=%016llx round=%016llx "
               "trunc=%016llx rint=%016llx nearbyint=%016llx f=%08x cls=%d nan=%d inf=%d fin=%d sign=%d "
               "cvtt64=%016llx cvt64=%016llx cvtt32=%08x",
               (unsigned long long)db(a), (unsigned long long)db(sqrt(a)), (unsigned long long)db(fabs(a)),
               (unsigned long long)db(-a), (unsigned long long)db(floor(a)), (unsigned long long)db(ceil(a)),
               (unsigned long long)db(round(a)), (unsigned long long)db(trunc(a)), (unsigned long long)db(rint(a)),
               (unsigned long long)db(nearbyint(a)), fb((float)a),
               iclass == FP_NAN ? 0 : iclass == FP_INFINITE ? 1 : iclass == FP_ZERO ? 2 : iclass == FP_SUBNORMAL ? 3 : 4,
               isnan(a) != 0, isinf(a) != 0, isfinite(a) != 0, signbit(a) != 0,
               (unsigned long long)_mm_cvttsd_si64(_mm_set_sd(a)), (unsigned long long)_mm_cvtsd_si64(_mm_set_sd(a)),
               (unsigned)_mm_cvttsd_si32(_mm_set_sd(a)));
        if (fabs(a) < 9.2e18) printf(" l=%lld", (long long)a); /* in range: defined in C */
        if (a >= 0 && a < 1.8e19) printf(" ul=%llu", (unsigned long long)a);
        int ex;
        double ip, fr = frexp(a, &ex), mf = modf(a, &ip);
        printf(" frexp=%016llx,%d modf=%016llx,%016llx ldexp=%016llx next=%016llx\n", (unsigned long long)db(fr),
               isfinite(a) ? ex : 0, (unsigned long long)db(mf), (unsigned long long)db(ip),
               (unsigned long long)db(ldexp(a, -1074)), (unsigned long long)db(nextafter(a, 0.0)));
    }

    unsigned long long cmphash = 0;
    for (int i = 0; i < NV; i++) {
        for (int j = 0; j < NV; j++) {
            double a = vals[i], b = vals[j];
            unsigned c = (unsigned)(a == b) | (unsigned)(a != b) << 1 | (unsigned)(a < b) << 2 |
                         (unsigned)(a <= b) << 3 | (unsigned)(a > b) << 4 | (unsigned)(a >= b) << 5 |
                         (unsigned)isunordered(a, b) << 6 | (unsigned)isless(a, b) << 7 |
                         (unsigned)islessgreater(a, b) << 8 | (unsigned)_mm_comilt_sd(_mm_set_sd(a), _mm_set_sd(b)) << 9 |
                         (unsigned)_mm_ucomige_sd(_mm_set_sd(a), _mm_set_sd(b)) << 10;
            cmphash = cmphash * 1000003 ^ c;
            if ((i + j) % 3 != 0) continue; /* print a third of the pairs */
            printf("a=%016llx b=%016llx add=%016llx sub=%016llx mul=%016llx div=%016llx fmod=%016llx rem=%016llx "
                   "min=%016llx max=%016llx copysign=%016llx fadd=%08x fmul=%08x fdiv=%08x cmp=%03x\n",
                   (unsigned long long)db(a), (unsigned long long)db(b), (unsigned long long)db(a + b),
                   (unsigned long long)db(a - b), (unsigned long long)db(a * b), (unsigned long long)db(a / b),
                   (unsigned long long)db(fmod(a, b)), (unsigned long long)db(remainder(a, b)),
                   (unsigned long long)db(fmin(a, b)), (unsigned long long)db(fmax(a, b)),
                   (unsigned long long)db(copysign(a, b)), fb((float)a + (float)b), fb((float)a * (float)b),
                   fb((float)a / (float)b), c);
        }
    }
    printf("cmphash=%016llx\n", cmphash);

    /* integer -> floating conversions */
    static volatile int64_t iv[] = {0, 1, -1, 3, 9007199254740993LL, -9007199254740993LL, INT64_MAX, INT64_MIN,
                                    0x7fffffff, -2147483647 - 1, 123456789012345LL};
    static volatile uint64_t uv[] = {0, 1, 0x8000000000000000ull, 0xffffffffffffffffull, 0x8000000000000401ull,
                                     0x20000000000001ull, 0xfffffffffffff800ull};
    for (unsigned i = 0; i < sizeof iv / sizeof iv[0]; i++)
        printf("i64=%lld d=%016llx f=%08x i32d=%016llx\n", (long long)iv[i], (unsigned long long)db((double)iv[i]),
               fb((float)iv[i]), (unsigned long long)db((double)(int32_t)iv[i]));
    for (unsigned i = 0; i < sizeof uv / sizeof uv[0]; i++) {
        double d = (double)uv[i];
        printf("u64=%llu d=%016llx f=%08x back=%llu u32d=%016llx\n", (unsigned long long)uv[i],
               (unsigned long long)db(d), fb((float)uv[i]), d < 1.8446744073709552e19 ? (unsigned long long)d : 0ull,
               (unsigned long long)db((double)(uint32_t)uv[i]));
    }

    /* float (single precision) arithmetic and sqrtf */
    float fs = 0.0f;
    for (int k = 1; k <= 1000; k++) fs += sqrtf((float)k) / (float)k - 1.0f / 3.0f;
    double ds = 0.0;
    for (int k = 1; k <= 1000; k++) ds += sqrt((double)k) * 1.0000001 - (double)k / 7.0;
    printf("sums f=%08x d=%016llx\n", fb(fs), (unsigned long long)db(ds));
    return 0;
}
