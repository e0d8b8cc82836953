// link: -pthread
// More pthread primitives: barriers (exactly one PTHREAD_BARRIER_SERIAL_THREAD
// per round), rwlocks, pthread_once, thread-specific data with destructors,
// POSIX semaphores, spinlocks, a detached thread signalling through a
// semaphore, and a thread with a small explicit stack size.
#include <pthread.h>
#include <semaphore.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define NT 8
#define ROUNDS 5

static pthread_barrier_t bar;
static int serials;
static pthread_mutex_t m = PTHREAD_MUTEX_INITIALIZER;
static int round_sum[ROUNDS];

static void *barrier_worker(void *arg) {
    int id = (int)(intptr_t)arg;
    for (int r = 0; r < ROUNDS; r++) {
        pthread_mutex_lock(&m);
        round_sum[r] += id + r;
        pthread_mutex_unlock(&m);
        int rc = pthread_barrier_wait(&bar);
        if (rc == PTHREAD_BARRIER_SERIAL_THREAD) {
            pthread_mutex_lock(&m);
            serials++;
            pthread_mutex_unlock(&m);
        } else if (rc != 0) {
            return (void *)1;
        }
    }
    return NULL;
}

static pthread_rwlock_t rw = PTHREAD_RWLOCK_INITIALIZER;
static long table[16];
static void *rw_worker(void *arg) {
    int id = (int)(intptr_t)arg;
    long seen = 0;
    for (int i = 0; i < 300; i++) {
        if (i % 10 == id % 10) {
            pthread_rwlock_wrlock(&rw);
            for (int k = 0; k < 16; k++) table[k]++;
            pthread_rwlock_unlock(&rw);
        } else {
            pthread_rwlock_rdlock(&rw);
            long first = table[0];
            for (int k = 1; k < 16; k++)
                if (table[k] != first) seen++; /* torn update: must never happen */
            pthread_rwlock_unlock(&rw);
        }
    }
    return (void *)(intptr_t)seen;
}

static pthread_once_t once = PTHREAD_ONCE_INIT;
static int once_count;
static void once_fn(void) { once_count++; }

static pthread_key_t key;
static int destructor_calls;
static long destructor_sum;
static void destructor(void *p) {
    pthread_mutex_lock(&m);
    destructor_calls++;
    destructor_sum += *(long *)p;
    pthread_mutex_unlock(&m);
    free(p);
}
static void *key_worker(void *arg) {
    pthread_once(&once, once_fn);
    long *v = malloc(sizeof *v);
    *v = (long)(intptr_t)arg * 11;
    pthread_setspecific(key, v);
    long *back = pthread_getspecific(key);
    return (void *)(intptr_t)(back == v);
}

static sem_t sem_items, sem_done;
static long sem_total;
static void *sem_worker(void *arg) {
    (void)arg;
    for (int i = 0; i < 100; i++) {
        sem_wait(&sem_items);
        pthread_mutex_lock(&m);
        sem_total += i;
        pthread_mutex_unlock(&m);
    }
    sem_post(&sem_done);
    return NULL;
}

static pthread_spinlock_t spin;
static long spin_counter;
static void *spin_worker(void *arg) {
    (void)arg;
    for (int i = 0; i < 1000; i++) {
        pthread_spin_lock(&spin);
        spin_counter++;
        pthread_spin_unlock(&spin);
    }
    return NULL;
}

static void *small_stack_worker(void *arg) {
    (void)arg;
    char buf[16 * 1024];
    memset(buf, 7, sizeof buf);
    long s = 0;
    for (unsigned i = 0; i < sizeof buf; i += 512) s += buf[i];
    return (void *)(intptr_t)s;
}

int main(void) {
    pthread_t th[NT];
    void *ret;
    pthread_barrier_init(&bar, NULL, NT);
    for (int i = 0; i < NT; i++) pthread_create(&th[i], NULL, barrier_worker, (void *)(intptr_t)i);
    int bad = 0;
    for (int i = 0; i < NT; i++) {
        pthread_join(th[i], &ret);
        bad += ret != NULL;
    }
    printf("barrier serials=%d bad=%d sums=%d,%d,%d,%d,%d\n", serials, bad, round_sum[0], round_sum[1], round_sum[2],
           round_sum[3], round_sum[4]);
    pthread_barrier_destroy(&bar);

    for (int i = 0; i < NT; i++) pthread_create(&th[i], NULL, rw_worker, (void *)(intptr_t)i);
    long torn = 0;
    for (int i = 0; i < NT; i++) {
        pthread_join(th[i], &ret);
        torn += (long)(intptr_t)ret;
    }
    printf("rwlock table0=%ld torn=%ld\n", table[0], torn);

    pthread_key_create(&key, destructor);
    for (int i = 0; i < NT; i++) pthread_create(&th[i], NULL, key_worker, (void *)(intptr_t)(i + 1));
    int same = 0;
    for (int i = 0; i < NT; i++) {
        pthread_join(th[i], &ret);
        same += (int)(intptr_t)ret;
    }
    printf("once_count=%d specific_ok=%d destructor_calls=%d destructor_sum=%ld main_specific_null=%d\n", once_count,
           same, destructor_calls, destructor_sum, pthread_getspecific(key) == NULL);

    sem_init(&sem_items, 0, 0);
    sem_init(&sem_done, 0, 0);
    pthread_t det;
    pthread_attr_t at;
    pthread_attr_init(&at);
    pthread_attr_setdetachstate(&at, PTHREAD_CREATE_DETACHED);
    pthread_create(&det, &at, sem_worker, NULL);
    pthread_attr_destroy(&at);
    for (int i = 0; i < 100; i++) sem_post(&sem_items);
    sem_wait(&sem_done);
    int v = -1;
    sem_getvalue(&sem_items, &v);
    printf("semaphore total=%ld items_left=%d\n", sem_total, v);
    printf("sem_trywait on empty: %d\n", sem_trywait(&sem_items));

    pthread_spin_init(&spin, PTHREAD_PROCESS_PRIVATE);
    for (int i = 0; i < 4; i++) pthread_create(&th[i], NULL, spin_worker, NULL);
    for (int i = 0; i < 4; i++) pthread_join(th[i], NULL);
    printf("spin counter=%ld\n", spin_counter);

    pthread_attr_init(&at);
    int rc = pthread_attr_setstacksize(&at, 64 * 1024);
    size_t sz = 0;
    pthread_attr_getstacksize(&at, &sz);
    pthread_create(&th[0], &at, small_stack_worker, NULL);
    pthread_join(th[0], &ret);
    printf("small stack rc=%d size=%zu result=%ld\n", rc, sz, (long)(intptr_t)ret);
    return 0;
}
