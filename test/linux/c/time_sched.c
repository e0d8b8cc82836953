// Time and scheduling: clock_gettime (MONOTONIC, REALTIME, BOOTTIME, CPU clocks, bad clock),
// gettimeofday/time agree with CLOCK_REALTIME, nanosleep/clock_nanosleep (relative and TIMER_ABSTIME)
// sleep at least as long as asked, EINVAL for bad timespecs, sched_yield, sched_getaffinity, getcpu.
#include "common.h"
#include <sched.h>
#include <sys/syscall.h>
#include <sys/time.h>

int main(void) {
    struct timespec a, b;
    clock_gettime(CLOCK_MONOTONIC, &a);
    clock_gettime(CLOCK_MONOTONIC, &b);
    printf("monotonic non-decreasing: %d\n", b.tv_sec > a.tv_sec || (b.tv_sec == a.tv_sec && b.tv_nsec >= a.tv_nsec));
    clock_gettime(CLOCK_REALTIME, &a);
    struct timeval tv;
    gettimeofday(&tv, NULL);
    time_t t = time(NULL);
    printf("realtime after 2020: %d, gettimeofday within 1s: %d, time() within 1s: %d\n", a.tv_sec > 1577836800,
           tv.tv_sec - a.tv_sec <= 1 && tv.tv_sec >= a.tv_sec, t - a.tv_sec <= 1 && t >= a.tv_sec);
    SHOW("CLOCK_BOOTTIME", clock_gettime(CLOCK_BOOTTIME, &a));
    SHOW("CLOCK_PROCESS_CPUTIME_ID", clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &a));
    SHOW("CLOCK_THREAD_CPUTIME_ID", clock_gettime(CLOCK_THREAD_CPUTIME_ID, &a));
    SHOW("CLOCK_MONOTONIC_COARSE", clock_gettime(CLOCK_MONOTONIC_COARSE, &a));
    SHOW("bad clock", syscall(SYS_clock_gettime, 77, &a));
    SHOW("clock_getres", clock_getres(CLOCK_MONOTONIC, &a));

    long long t0 = now_ns();
    struct timespec req = {0, 30000000};
    SHOW("nanosleep 30ms", nanosleep(&req, NULL));
    printf("  elapsed >= 30ms: %d\n", now_ns() - t0 >= 30000000LL);
    struct timespec bad = {0, 1000000000};
    SHOW("nanosleep bad nsec", syscall(SYS_nanosleep, &bad, NULL));
    struct timespec neg = {-1, 0};
    SHOW("nanosleep negative", syscall(SYS_nanosleep, &neg, NULL));
    t0 = now_ns();
    req.tv_nsec = 20000000;
    printf("clock_nanosleep relative: %d\n", clock_nanosleep(CLOCK_MONOTONIC, 0, &req, NULL));
    printf("  elapsed >= 20ms: %d\n", now_ns() - t0 >= 20000000LL);
    clock_gettime(CLOCK_MONOTONIC, &a);
    a.tv_nsec += 25000000;
    if (a.tv_nsec >= 1000000000) {
        a.tv_sec++;
        a.tv_nsec -= 1000000000;
    }
    printf("clock_nanosleep absolute: %d\n", clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &a, NULL));
    clock_gettime(CLOCK_MONOTONIC, &b);
    printf("  woke after the target: %d\n", b.tv_sec > a.tv_sec || (b.tv_sec == a.tv_sec && b.tv_nsec >= a.tv_nsec));
    clock_gettime(CLOCK_REALTIME, &a);
    a.tv_nsec += 10000000;
    if (a.tv_nsec >= 1000000000) {
        a.tv_sec++;
        a.tv_nsec -= 1000000000;
    }
    printf("clock_nanosleep absolute realtime: %d\n", clock_nanosleep(CLOCK_REALTIME, TIMER_ABSTIME, &a, NULL));
    clock_gettime(CLOCK_MONOTONIC, &a); /* "now" is already in the past when the call starts */
    printf("absolute time in the past returns at once: %d\n", clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &a, NULL));
    printf("clock_nanosleep bad clock: %d\n", clock_nanosleep(77, 0, &req, NULL) == EINVAL);

    SHOW("sched_yield", sched_yield());
    cpu_set_t set;
    CPU_ZERO(&set);
    SHOW("sched_getaffinity ok", sched_getaffinity(0, sizeof set, &set) < 0 ? -1 : 0);
    printf("  at least one cpu: %d\n", CPU_COUNT(&set) >= 1);
    SHOW("sched_getaffinity tiny", syscall(SYS_sched_getaffinity, 0, 1, &set));
    unsigned cpu = 999, node = 999;
    SHOW("getcpu", syscall(SYS_getcpu, &cpu, &node, NULL));
    printf("  cpu in set: %d node=%u\n", CPU_ISSET(cpu, &set) != 0, node);
    return 0;
}
