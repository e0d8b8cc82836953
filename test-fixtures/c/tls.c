// link: -pthread
// Thread-local storage: initialized (.tdata) and zero-initialized (.tbss)
// __thread / _Thread_local variables, arrays and over-aligned TLS; every
// thread must see the initial values (not the main thread's changes), get
// its own addresses, and its own errno. Results are returned through
// pthread_join and printed in join order.
#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

static __thread int counter = 5;
static __thread long arr[100];
static _Thread_local char name[16] = "init";
static __thread __attribute__((aligned(64))) char aligned_tls[64];
static __thread uint64_t big_init = 0x1122334455667788ull;

struct result {
    int saw_counter, saw_name_ok, aligned, distinct, errno_ok;
    long arr_sum;
    uint64_t big;
};

static int *main_counter_addr;

static void *worker(void *arg) {
    int id = (int)(intptr_t)arg;
    struct result *r = calloc(1, sizeof *r);
    r->saw_counter = counter; /* must be 5, not main's value */
    r->saw_name_ok = name[0] == 'i' && name[3] == 't' && name[4] == 0;
    r->aligned = ((uintptr_t)aligned_tls % 64) == 0;
    r->distinct = &counter != main_counter_addr;
    r->big = big_init;
    for (int i = 0; i < 100; i++) arr[i] = id * 1000 + i; /* tbss starts at zero */
    counter += id;
    name[0] = (char)('A' + id);
    /* errno is thread-local: a failing call here must not change main's errno */
    errno = 0;
    if (close(-1) != 0 && errno == EBADF) r->errno_ok = 1;
    long s = 0;
    for (int i = 0; i < 100; i++) s += arr[i];
    r->arr_sum = s + counter;
    big_init += (uint64_t)id;
    return r;
}

int main(void) {
    counter = 100;
    name[0] = 'M';
    arr[0] = -1;
    main_counter_addr = &counter;
    errno = 1234;
    pthread_t th[8];
    for (int i = 0; i < 8; i++) pthread_create(&th[i], NULL, worker, (void *)(intptr_t)i);
    for (int i = 0; i < 8; i++) {
        struct result *r;
        pthread_join(th[i], (void **)&r);
        printf("thread %d: counter=%d name_ok=%d aligned=%d distinct=%d errno_ok=%d arr_sum=%ld big=%llx\n", i,
               r->saw_counter, r->saw_name_ok, r->aligned, r->distinct, r->errno_ok, r->arr_sum,
               (unsigned long long)r->big);
        free(r);
    }
    printf("main: counter=%d name=%c arr0=%ld errno=%d aligned=%d big=%llx\n", counter, name[0], arr[0], errno,
           ((uintptr_t)aligned_tls % 64) == 0, (unsigned long long)big_init);
    return 0;
}
