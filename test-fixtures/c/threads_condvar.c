// link: -pthread
// Condition variables: a bounded queue (8 slots) with 4 producers and 4
// consumers (pthread_cond_wait/signal/broadcast), a start gate released by
// broadcast, and pthread_cond_timedwait with a deadline in the past
// (ETIMEDOUT). Only order-independent totals are printed.
#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <time.h>

#define QSIZE 8
#define NPROD 4
#define NCONS 4
#define PER_PROD 500

static pthread_mutex_t m = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t not_full = PTHREAD_COND_INITIALIZER, not_empty = PTHREAD_COND_INITIALIZER;
static pthread_cond_t gate_cv = PTHREAD_COND_INITIALIZER;
static int gate_open, waiting_at_gate;
static long queue[QSIZE];
static int head, tail, count, producers_done;

static void wait_gate(void) {
    pthread_mutex_lock(&m);
    waiting_at_gate++;
    while (!gate_open) pthread_cond_wait(&gate_cv, &m);
    pthread_mutex_unlock(&m);
}

static void *producer(void *arg) {
    long id = (long)(intptr_t)arg;
    wait_gate();
    for (int k = 0; k < PER_PROD; k++) {
        pthread_mutex_lock(&m);
        while (count == QSIZE) pthread_cond_wait(&not_full, &m);
        queue[tail] = id * 100000 + k;
        tail = (tail + 1) % QSIZE;
        count++;
        pthread_cond_signal(&not_empty);
        pthread_mutex_unlock(&m);
    }
    pthread_mutex_lock(&m);
    producers_done++;
    pthread_cond_broadcast(&not_empty); /* wake consumers so they can see the end */
    pthread_mutex_unlock(&m);
    return NULL;
}

struct cres {
    long sum, n;
};
static void *consumer(void *arg) {
    struct cres *r = arg;
    wait_gate();
    for (;;) {
        pthread_mutex_lock(&m);
        while (count == 0 && producers_done < NPROD) pthread_cond_wait(&not_empty, &m);
        if (count == 0) {
            pthread_mutex_unlock(&m);
            break;
        }
        long v = queue[head];
        head = (head + 1) % QSIZE;
        count--;
        pthread_cond_signal(&not_full);
        pthread_mutex_unlock(&m);
        r->sum += v;
        r->n++;
    }
    return NULL;
}

int main(void) {
    pthread_t p[NPROD], c[NCONS];
    struct cres res[NCONS] = {{0, 0}};
    for (int i = 0; i < NCONS; i++) pthread_create(&c[i], NULL, consumer, &res[i]);
    for (long i = 0; i < NPROD; i++) pthread_create(&p[i], NULL, producer, (void *)(intptr_t)i);
    /* open the gate once everybody is waiting at it */
    for (;;) {
        pthread_mutex_lock(&m);
        int w = waiting_at_gate;
        if (w == NPROD + NCONS) {
            gate_open = 1;
            pthread_cond_broadcast(&gate_cv);
            pthread_mutex_unlock(&m);
            break;
        }
        pthread_mutex_unlock(&m);
        sched_yield();
    }
    for (int i = 0; i < NPROD; i++) pthread_join(p[i], NULL);
    long total = 0, n = 0;
    for (int i = 0; i < NCONS; i++) {
        pthread_join(c[i], NULL);
        total += res[i].sum;
        n += res[i].n;
    }
    printf("consumed n=%ld sum=%ld queue_left=%d\n", n, total, count);

    /* timed wait with an absolute deadline in the past */
    struct timespec ts = {0, 0};
    pthread_mutex_lock(&m);
    int r = pthread_cond_timedwait(&not_empty, &m, &ts);
    pthread_mutex_unlock(&m);
    printf("timedwait past deadline: %s\n", r == ETIMEDOUT ? "ETIMEDOUT" : "unexpected");
    /* and one slightly in the future on CLOCK_REALTIME */
    clock_gettime(CLOCK_REALTIME, &ts);
    ts.tv_nsec += 2000000;
    if (ts.tv_nsec >= 1000000000) {
        ts.tv_sec++;
        ts.tv_nsec -= 1000000000;
    }
    pthread_mutex_lock(&m);
    r = pthread_cond_timedwait(&not_empty, &m, &ts);
    pthread_mutex_unlock(&m);
    printf("timedwait 2ms: %s\n", r == ETIMEDOUT ? "ETIMEDOUT" : "unexpected");
    return 0;
}
