// link: -pthread
// GCC atomic builtins: __atomic_* (load/store/exchange/compare_exchange
// strong and weak/fetch_add/sub/and/or/xor/nand/add_fetch/test_and_set/
// clear) and legacy __sync_* at 8/16/32/64 bits, single-threaded with exact
// return values, then contended by 8 threads (lock xadd, lock cmpxchg
// loops, a test-and-set spinlock guarding a plain counter, lock or/and/xor
// bit flipping).
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>

#define SINGLE(T, fmt)                                                                                        \
    do {                                                                                                      \
        T v = (T)0x5a, e, r;                                                                                  \
        printf("%-8s", #T);                                                                                   \
        r = __atomic_fetch_add(&v, (T)200, __ATOMIC_SEQ_CST);                                                 \
        printf(" fadd=" fmt "/" fmt, r, v);                                                                   \
        r = __atomic_fetch_sub(&v, (T)300, __ATOMIC_ACQ_REL);                                                 \
        printf(" fsub=" fmt "/" fmt, r, v);                                                                   \
        r = __atomic_fetch_and(&v, (T)0xf0f0, __ATOMIC_RELAXED);                                              \
        printf(" fand=" fmt "/" fmt, r, v);                                                                   \
        r = __atomic_fetch_or(&v, (T)0x0303, __ATOMIC_RELEASE);                                               \
        printf(" for=" fmt "/" fmt, r, v);                                                                    \
        r = __atomic_fetch_xor(&v, (T)-1, __ATOMIC_SEQ_CST);                                                  \
        printf(" fxor=" fmt "/" fmt, r, v);                                                                   \
        r = __atomic_fetch_nand(&v, (T)0x7777, __ATOMIC_SEQ_CST);                                             \
        printf(" fnand=" fmt "/" fmt, r, v);                                                                  \
        r = __atomic_add_fetch(&v, (T)1, __ATOMIC_SEQ_CST);                                                   \
        printf(" addf=" fmt, r);                                                                              \
        r = __atomic_exchange_n(&v, (T)77, __ATOMIC_SEQ_CST);                                                 \
        printf(" xchg=" fmt "/" fmt, r, v);                                                                   \
        e = (T)76;                                                                                            \
        int ok = __atomic_compare_exchange_n(&v, &e, (T)99, 0, __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST);           \
        printf(" cas_fail=%d/" fmt "/" fmt, ok, e, v);                                                        \
        ok = __atomic_compare_exchange_n(&v, &e, (T)99, 0, __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST);               \
        printf(" cas_ok=%d/" fmt "/" fmt, ok, e, v);                                                          \
        do {                                                                                                  \
            e = __atomic_load_n(&v, __ATOMIC_ACQUIRE);                                                        \
        } while (!__atomic_compare_exchange_n(&v, &e, (T)(e * 3), 1, __ATOMIC_SEQ_CST, __ATOMIC_RELAXED));   \
        __atomic_store_n(&v, (T)(v + 1), __ATOMIC_RELEASE);                                                   \
        printf(" weak=" fmt, v);                                                                              \
        r = __sync_fetch_and_add(&v, (T)5);                                                                   \
        printf(" sfadd=" fmt "/" fmt, r, v);                                                                  \
        r = __sync_sub_and_fetch(&v, (T)2);                                                                   \
        printf(" ssubf=" fmt, r);                                                                             \
        r = __sync_val_compare_and_swap(&v, (T)0, (T)1);                                                      \
        printf(" svcas=" fmt "/" fmt, r, v);                                                                  \
        ok = __sync_bool_compare_and_swap(&v, v, (T)12);                                                      \
        printf(" sbcas=%d/" fmt, ok, v);                                                                      \
        r = __sync_lock_test_and_set(&v, (T)3);                                                               \
        __sync_lock_release(&v);                                                                              \
        printf(" stas=" fmt "/" fmt "\n", r, v);                                                              \
    } while (0)

#define NT 8
#define ITERS 3000
static uint64_t c64;
static uint32_t c32_cas;
static uint16_t c16;
static uint8_t c8_or;
static char spin_flag;
static long plain_counter;
static uint64_t bits;

static void *worker(void *arg) {
    int id = (int)(intptr_t)arg;
    for (int i = 0; i < ITERS; i++) {
        __atomic_fetch_add(&c64, (uint64_t)(id + 1), __ATOMIC_SEQ_CST);
        uint32_t e = __atomic_load_n(&c32_cas, __ATOMIC_RELAXED);
        while (!__atomic_compare_exchange_n(&c32_cas, &e, e + 2, 0, __ATOMIC_SEQ_CST, __ATOMIC_RELAXED)) {
        }
        __sync_fetch_and_add(&c16, 1);
        while (__atomic_test_and_set(&spin_flag, __ATOMIC_ACQUIRE)) {
        }
        plain_counter++;
        __atomic_clear(&spin_flag, __ATOMIC_RELEASE);
        __atomic_fetch_xor(&bits, 1ull << (i % 64), __ATOMIC_RELAXED);
    }
    __atomic_fetch_or(&c8_or, (uint8_t)(1u << id), __ATOMIC_SEQ_CST);
    return NULL;
}

int main(void) {
    SINGLE(uint8_t, "%u");
    SINGLE(uint16_t, "%u");
    SINGLE(uint32_t, "%u");
    SINGLE(unsigned long long, "%llu");
    SINGLE(int32_t, "%d");
    printf("lock-free: %d %d %d %d\n", __atomic_always_lock_free(1, 0), __atomic_always_lock_free(2, 0),
           __atomic_always_lock_free(4, 0), __atomic_always_lock_free(8, 0));
    __sync_synchronize();
    __atomic_thread_fence(__ATOMIC_SEQ_CST);

    pthread_t th[NT];
    for (int i = 0; i < NT; i++) pthread_create(&th[i], NULL, worker, (void *)(intptr_t)i);
    for (int i = 0; i < NT; i++) pthread_join(th[i], NULL);
    printf("c64=%llu c32_cas=%u c16=%u c8_or=%x plain=%ld bits=%llx\n", (unsigned long long)c64, c32_cas, c16, c8_or,
           plain_counter, (unsigned long long)bits);
    return 0;
}
