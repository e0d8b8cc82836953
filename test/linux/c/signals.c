// Signal delivery to guest handlers: SA_SIGINFO fields (kill: SI_USER + si_pid, tgkill: SI_TKILL,
// sigqueue: SI_QUEUE + value), SA_RESTART vs EINTR on a blocking read, a blocking futex wait and
// nanosleep (always EINTR, with the remaining time), SA_ONSTACK on a sigaltstack (SS_ONSTACK inside the
// handler), SIGSEGV handler + siglongjmp (SEGV_MAPERR/SEGV_ACCERR, si_addr), SIGFPE on division by zero,
// a signal to a thread blocked in read, rt_sigsuspend, sigprocmask blocking then unblocking delivers,
// SA_RESETHAND, a handler's sa_mask, and the mask restored after a handler returns.
#include "common.h"
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <stdint.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/wait.h>

#define FUTEX_WAIT 0
#define FUTEX_WAKE 1

static volatile sig_atomic_t hits, last_sig, last_code, last_pid_ok, last_val, on_alt, alt_flag, in_thread;
static char *alt_lo, *alt_hi;
static pid_t main_tid;

static void info_handler(int sig, siginfo_t *si, void *uc) {
    (void)uc;
    hits++;
    last_sig = sig;
    last_code = si->si_code;
    last_pid_ok = si->si_pid == getpid() || si->si_pid == getppid();
    last_val = si->si_value.sival_int;
    in_thread = (pid_t)syscall(SYS_gettid) != main_tid;
}
static void alt_handler(int sig) {
    (void)sig;
    char local;
    on_alt = &local >= alt_lo && &local < alt_hi;
    stack_t cur;
    sigaltstack(NULL, &cur);
    alt_flag = (cur.ss_flags & SS_ONSTACK) != 0;
    hits++;
}

static sigjmp_buf jb;
static volatile void *fault_addr;
static volatile int fault_code;
static void segv_handler(int sig, siginfo_t *si, void *uc) {
    (void)uc;
    fault_addr = si->si_addr;
    fault_code = si->si_code;
    siglongjmp(jb, sig);
}

static void install(int sig, void (*h)(int, siginfo_t *, void *), int flags) {
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_sigaction = h;
    sa.sa_flags = SA_SIGINFO | flags;
    sigaction(sig, &sa, NULL);
}

/* a child that sends `sig` to the parent after `ms`, then writes to `fd` after another `ms` */
static pid_t poke(int sig, int ms, int fd) {
    pid_t parent = getpid();
    pid_t c = fork();
    if (c == 0) {
        sleep_ms(ms);
        wait_blocked(parent, parent);
        kill(parent, sig);
        if (fd >= 0) {
            sleep_ms(ms);
            write(fd, "D", 1);
        }
        _exit(0);
    }
    return c;
}

static int rfd;
static volatile int thread_read_result, thread_read_errno, reader_tid;
static void *blocked_reader(void *a) {
    (void)a;
    char b;
    reader_tid = (int)syscall(SYS_gettid);
    errno = 0;
    thread_read_result = (int)read(rfd, &b, 1);
    thread_read_errno = errno;
    return NULL;
}

static volatile int helper_sleep_result = -2;
static void *sleeper(void *a) {
    (void)a;
    struct timespec ts = {0, 150000000};
    helper_sleep_result = nanosleep(&ts, NULL);
    return NULL;
}

static uint32_t futex_word;
static void *futex_waker(void *a) {
    (void)a;
    while (!hits) sleep_ms(1);       /* the handler ran in the main thread */
    wait_blocked(getpid(), main_tid); /* which is back in the (restarted) futex wait */
    __atomic_store_n(&futex_word, 1, __ATOMIC_SEQ_CST);
    syscall(SYS_futex, &futex_word, FUTEX_WAKE, 1, NULL, NULL, 0);
    return NULL;
}
static void *futex_signaller(void *a) {
    sleep_ms(15);
    wait_blocked(getpid(), main_tid);
    pthread_kill(*(pthread_t *)a, SIGUSR1);
    return NULL;
}

int main(void) {
    setvbuf(stdout, NULL, _IONBF, 0);
    main_tid = (pid_t)syscall(SYS_gettid);
    int st;

    /* siginfo fields */
    install(SIGUSR1, info_handler, 0);
    kill(getpid(), SIGUSR1);
    printf("kill: hits=%d sig=%d SI_USER=%d pid ok=%d\n", (int)hits, (int)last_sig, last_code == SI_USER, (int)last_pid_ok);
    syscall(SYS_tgkill, getpid(), main_tid, SIGUSR1);
    printf("tgkill: SI_TKILL=%d\n", last_code == SI_TKILL);
    union sigval sv = {.sival_int = 1234};
    sigqueue(getpid(), SIGUSR1, sv);
    printf("sigqueue: SI_QUEUE=%d value=%d\n", last_code == SI_QUEUE, (int)last_val);

    /* SA_RESTART vs EINTR on a blocking pipe read */
    int p[2];
    pipe(p);
    char b;
    for (int restart = 0; restart < 2; restart++) {
        install(SIGUSR1, info_handler, restart ? SA_RESTART : 0);
        hits = 0;
        pid_t c = poke(SIGUSR1, 15, p[1]);
        errno = 0;
        ssize_t n = read(p[0], &b, 1);
        printf("read %s SA_RESTART: n=%zd %s handler=%d\n", restart ? "with" : "without", n, n < 0 ? ename(errno) : "", (int)hits);
        waitpid(c, &st, 0);
        if (n < 0) read(p[0], &b, 1);
    }

    /* futex wait without timeout: EINTR without SA_RESTART, restarted with it */
    for (int restart = 0; restart < 2; restart++) {
        install(SIGUSR1, info_handler, restart ? SA_RESTART : 0);
        hits = 0;
        futex_word = 0;
        pthread_t self = pthread_self(), t1, t2;
        pthread_create(&t1, NULL, futex_signaller, &self);
        if (restart) pthread_create(&t2, NULL, futex_waker, NULL);
        errno = 0;
        long r = syscall(SYS_futex, &futex_word, FUTEX_WAIT, 0, NULL, NULL, 0);
        printf("futex wait %s SA_RESTART: r=%ld %s handler=%d word=%u\n", restart ? "with" : "without", r, r < 0 ? ename(errno) : "", (int)hits, futex_word);
        pthread_join(t1, NULL);
        if (restart) pthread_join(t2, NULL);
    }

    /* nanosleep: EINTR even with SA_RESTART, remaining time reported */
    install(SIGUSR1, info_handler, SA_RESTART);
    pid_t c = poke(SIGUSR1, 10, -1);
    struct timespec req = {0, 500000000}, rem = {0, 0};
    errno = 0;
    int r = nanosleep(&req, &rem);
    printf("nanosleep: r=%d %s remaining in (0.3s,0.5s)=%d\n", r, ename(errno), rem.tv_sec == 0 && rem.tv_nsec > 300000000 && rem.tv_nsec < 500000000);
    waitpid(c, &st, 0);

    /* sigaltstack + SA_ONSTACK */
    stack_t ss;
    static char altstack[64 * 1024];
    ss.ss_sp = altstack;
    ss.ss_size = sizeof altstack;
    ss.ss_flags = 0;
    alt_lo = altstack;
    alt_hi = altstack + sizeof altstack;
    SHOW("sigaltstack", sigaltstack(&ss, NULL));
    stack_t small = {.ss_sp = altstack, .ss_size = 100, .ss_flags = 0};
    SHOW("sigaltstack too small", sigaltstack(&small, NULL));
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = alt_handler;
    sa.sa_flags = SA_ONSTACK;
    sigaction(SIGUSR2, &sa, NULL);
    raise(SIGUSR2);
    stack_t now;
    sigaltstack(NULL, &now);
    printf("SA_ONSTACK: on alt stack=%d SS_ONSTACK inside=%d outside=%d\n", (int)on_alt, (int)alt_flag, (now.ss_flags & SS_ONSTACK) != 0);
    sa.sa_flags = 0;
    sigaction(SIGUSR2, &sa, NULL);
    raise(SIGUSR2);
    printf("without SA_ONSTACK: on alt stack=%d\n", (int)on_alt);

    /* SIGSEGV handler + siglongjmp, twice (the mask is restored by siglongjmp) */
    install(SIGSEGV, segv_handler, 0);
    volatile int *nul = (int *)0;
    if (sigsetjmp(jb, 1) == 0) {
        *nul = 1;
        printf("not reached\n");
    } else
        printf("SIGSEGV caught: addr=%p SEGV_MAPERR=%d\n", (void *)fault_addr, fault_code == SEGV_MAPERR);
    char *ro = mmap(NULL, 4096, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (sigsetjmp(jb, 1) == 0) {
        ro[100] = 1;
    } else
        printf("SIGSEGV on read-only page: addr ok=%d SEGV_ACCERR=%d\n", fault_addr == ro + 100, fault_code == SEGV_ACCERR);
    sigset_t cur;
    sigprocmask(SIG_BLOCK, NULL, &cur);
    printf("SIGSEGV unblocked after siglongjmp: %d\n", !sigismember(&cur, SIGSEGV));
    install(SIGFPE, segv_handler, 0);
    volatile int zero = 0;
    if (sigsetjmp(jb, 1) == 0) {
        printf("%d\n", 7 / zero);
    } else
        printf("SIGFPE caught: FPE_INTDIV=%d\n", fault_code == FPE_INTDIV);

    /* a signal to a thread blocked in read: EINTR in that thread, handler ran there */
    install(SIGUSR1, info_handler, 0);
    int tp[2];
    pipe(tp);
    rfd = tp[0];
    pthread_t th;
    in_thread = 0;
    hits = 0;
    pthread_create(&th, NULL, blocked_reader, NULL);
    sleep_ms(10);
    while (!reader_tid) sleep_ms(1);
    wait_blocked(getpid(), reader_tid);
    pthread_kill(th, SIGUSR1);
    pthread_join(th, NULL);
    printf("thread blocked in read: r=%d %s handler ran in thread=%d\n", thread_read_result, ename(thread_read_errno), (int)in_thread);

    /* a process-directed signal goes to the main thread (it does not block it), interrupting its read,
     * not to a second thread sleeping in nanosleep */
    hits = 0;
    in_thread = 1;
    pthread_t helper;
    pthread_create(&helper, NULL, sleeper, NULL);
    c = poke(SIGUSR1, 10, -1);
    errno = 0;
    ssize_t rn = read(tp[0], &b, 1);
    printf("process signal: main read r=%zd %s handler=%d in other thread=%d\n", rn, ename(errno), (int)hits, (int)in_thread);
    pthread_join(helper, NULL);
    printf("  helper's nanosleep not interrupted: %d\n", helper_sleep_result);
    waitpid(c, &st, 0);

    /* a signal interrupting a blocking write that already wrote part of its data returns that count */
    int wp[2];
    pipe(wp);
    static char chunk[200000];
    install(SIGUSR1, info_handler, SA_RESTART);
    c = poke(SIGUSR1, 10, -1);
    errno = 0;
    ssize_t wn = write(wp[1], chunk, sizeof chunk);
    printf("interrupted partial write: %zd %s\n", wn, wn < 0 ? ename(errno) : "");
    waitpid(c, &st, 0);
    install(SIGUSR1, info_handler, 0);

    /* sigprocmask: blocked signals stay pending, unblocking delivers before sigprocmask returns */
    sigset_t set, old, pend;
    sigemptyset(&set);
    sigaddset(&set, SIGUSR1);
    sigprocmask(SIG_BLOCK, &set, &old);
    hits = 0;
    raise(SIGUSR1);
    kill(getpid(), SIGUSR1);
    sigpending(&pend);
    printf("blocked: hits=%d pending=%d\n", (int)hits, sigismember(&pend, SIGUSR1));
    sigprocmask(SIG_SETMASK, &old, NULL);
    printf("unblocked: hits=%d (one thread-directed + one process-directed)\n", (int)hits);

    /* rt_sigsuspend: wait with SIGUSR1 unblocked, old mask back afterwards */
    sigprocmask(SIG_BLOCK, &set, &old);
    hits = 0;
    c = poke(SIGUSR1, 10, -1);
    sigset_t empty;
    sigemptyset(&empty);
    errno = 0;
    r = sigsuspend(&empty);
    sigprocmask(SIG_BLOCK, NULL, &cur);
    printf("sigsuspend: r=%d %s hits=%d still blocked after=%d\n", r, ename(errno), (int)hits, sigismember(&cur, SIGUSR1));
    waitpid(c, &st, 0);
    sigprocmask(SIG_SETMASK, &old, NULL);

    /* SA_RESETHAND, and sa_mask blocks during the handler */
    install(SIGUSR2, info_handler, SA_RESETHAND);
    raise(SIGUSR2);
    sigaction(SIGUSR2, NULL, &sa);
    printf("SA_RESETHAND: now SIG_DFL=%d\n", sa.sa_handler == SIG_DFL);
    c = fork();
    if (c == 0) {
        raise(SIGUSR2);
        _exit(0);
    }
    waitpid(c, &st, 0);
    printf("default SIGUSR2 kills: %d\n", WIFSIGNALED(st) && WTERMSIG(st) == SIGUSR2);
    sigprocmask(SIG_BLOCK, NULL, &cur);
    printf("mask empty at the end: USR1=%d USR2=%d\n", sigismember(&cur, SIGUSR1), sigismember(&cur, SIGUSR2));
    SHOW("sigaction SIGKILL", sigaction(SIGKILL, &sa, NULL));
    SHOW("sigaction bad signal", syscall(SYS_rt_sigaction, 65, NULL, NULL, 8));
    return 0;
}
