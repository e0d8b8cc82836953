// link: -pthread
// pthreads: 8 threads incrementing shared counters under a mutex, a
// recursive mutex, pthread_mutex_trylock seeing EBUSY while another thread
// holds the lock, pthread_self/pthread_equal, join return values (both
// `return` and pthread_exit), joining threads that already finished, and
// creating more threads than cores in two waves.
#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>

#define NT 8
#define ITERS 1000

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static long counter, sumsq;
static pthread_mutex_t rec;

static void *incr(void *arg) {
    long id = (long)(intptr_t)arg;
    for (int i = 0; i < ITERS; i++) {
        pthread_mutex_lock(&lock);
        counter++;
        sumsq += id * id;
        pthread_mutex_unlock(&lock);
    }
    if (id % 2) pthread_exit((void *)(intptr_t)(id * 100 + 1));
    return (void *)(intptr_t)(id * 100);
}

static int recurse(int n) {
    pthread_mutex_lock(&rec);
    int r = n <= 0 ? 0 : 1 + recurse(n - 1);
    pthread_mutex_unlock(&rec);
    return r;
}
static void *rec_worker(void *arg) {
    (void)arg;
    return (void *)(intptr_t)recurse(10);
}

static void *try_worker(void *arg) {
    (void)arg;
    int r = pthread_mutex_trylock(&lock);
    if (r == 0) pthread_mutex_unlock(&lock);
    return (void *)(intptr_t)r;
}

static pthread_t main_thread;
static void *self_worker(void *arg) {
    (void)arg;
    int same_as_main = pthread_equal(pthread_self(), main_thread) != 0;
    int same_as_self = pthread_equal(pthread_self(), pthread_self()) != 0;
    return (void *)(intptr_t)(same_as_main * 2 + same_as_self);
}

int main(void) {
    pthread_t th[NT];
    main_thread = pthread_self();
    for (int wave = 0; wave < 2; wave++) {
        counter = sumsq = 0;
        for (long i = 0; i < NT; i++) pthread_create(&th[i], NULL, incr, (void *)(intptr_t)i);
        for (int i = 0; i < NT; i++) {
            void *ret;
            int rc = pthread_join(th[i], &ret);
            printf("wave %d join %d rc=%d ret=%ld\n", wave, i, rc, (long)(intptr_t)ret);
        }
        printf("wave %d counter=%ld sumsq=%ld\n", wave, counter, sumsq);
    }

    pthread_mutexattr_t at;
    pthread_mutexattr_init(&at);
    pthread_mutexattr_settype(&at, PTHREAD_MUTEX_RECURSIVE);
    pthread_mutex_init(&rec, &at);
    pthread_t t;
    void *ret;
    pthread_create(&t, NULL, rec_worker, NULL);
    pthread_join(t, &ret);
    printf("recursive depth=%ld\n", (long)(intptr_t)ret);

    pthread_mutex_lock(&lock);
    pthread_create(&t, NULL, try_worker, NULL);
    pthread_join(t, &ret);
    pthread_mutex_unlock(&lock);
    printf("trylock while held: %s\n", (intptr_t)ret == EBUSY ? "EBUSY" : "unexpected");
    pthread_create(&t, NULL, try_worker, NULL);
    pthread_join(t, &ret);
    printf("trylock when free: %ld\n", (long)(intptr_t)ret);

    pthread_create(&t, NULL, self_worker, NULL);
    pthread_join(t, &ret);
    printf("self: %ld main_equal_self=%d\n", (long)(intptr_t)ret, pthread_equal(pthread_self(), main_thread) != 0);
    return 0;
}
