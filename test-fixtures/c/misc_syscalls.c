// Small system calls, printing only machine-independent facts:
// clock_gettime monotonicity (CLOCK_MONOTONIC never goes backwards, and
// nanosleep advances it by at least the requested time), realtime sanity,
// gettimeofday/time, sched_yield, uname (sysname and machine), getpid vs
// gettid in the main thread, getppid, uid/euid consistency, getrlimit,
// sysconf(_SC_PAGESIZE), getrandom's byte count, prctl(PR_SET_NAME) round
// trip, umask round trip.
#define _GNU_SOURCE
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/random.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

static long long ns(const struct timespec *t) { return (long long)t->tv_sec * 1000000000LL + t->tv_nsec; }

int main(void) {
    struct timespec a, b;
    int mono = 1;
    clock_gettime(CLOCK_MONOTONIC, &a);
    for (int i = 0; i < 1000; i++) {
        clock_gettime(CLOCK_MONOTONIC, &b);
        if (ns(&b) < ns(&a)) mono = 0;
        a = b;
    }
    printf("monotonic=%d\n", mono);
    struct timespec req = {0, 2000000};
    clock_gettime(CLOCK_MONOTONIC, &a);
    int sr = nanosleep(&req, NULL);
    clock_gettime(CLOCK_MONOTONIC, &b);
    printf("nanosleep rc=%d slept_enough=%d\n", sr, ns(&b) - ns(&a) >= 2000000);
    clock_gettime(CLOCK_REALTIME, &a);
    struct timeval tv;
    gettimeofday(&tv, NULL);
    time_t t = time(NULL);
    printf("realtime_sane=%d gettimeofday_sane=%d time_sane=%d\n", a.tv_sec > 1600000000, tv.tv_sec > 1600000000,
           t > 1600000000);
    printf("cputime rc=%d monotonic_raw rc=%d\n", clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &a),
           clock_gettime(CLOCK_MONOTONIC_RAW, &b));
    struct timespec res;
    clock_getres(CLOCK_MONOTONIC, &res);
    printf("getres_le_1ms=%d\n", ns(&res) <= 1000000);

    int yields = 0;
    for (int i = 0; i < 10; i++) yields += sched_yield() == 0;
    printf("sched_yield ok=%d\n", yields);

    struct utsname u;
    uname(&u);
    printf("sysname=%s machine=%s\n", u.sysname, u.machine);

    printf("pid_is_tid=%d pid_stable=%d ppid_positive=%d\n", getpid() == (pid_t)syscall(SYS_gettid),
           getpid() == getpid(), getppid() > 0);
    printf("uid_eq_euid=%d gid_eq_egid=%d\n", getuid() == geteuid(), getgid() == getegid());
    struct rlimit rl;
    printf("getrlimit rc=%d\n", getrlimit(RLIMIT_STACK, &rl));
    printf("pagesize=%ld\n", sysconf(_SC_PAGESIZE));
    unsigned char rnd[16];
    printf("getrandom=%zd\n", getrandom(rnd, sizeof rnd, 0));

    char name[17] = {0};
    prctl(PR_SET_NAME, "fixture-thread", 0, 0, 0);
    prctl(PR_GET_NAME, name, 0, 0, 0);
    printf("prctl name=%s\n", name);
    mode_t old = umask(027);
    mode_t back = umask(old);
    printf("umask round trip=%o\n", (unsigned)back);
    char cwd[4096];
    printf("getcwd ok=%d\n", getcwd(cwd, sizeof cwd) != NULL);
    return 0;
}
