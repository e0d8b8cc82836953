// Signal delivery: SA_SIGINFO handlers for raise (tgkill: SI_TKILL) and
// kill (SI_USER, si_pid), blocking with sigprocmask + sigpending + delivery
// on unblock, sa_mask deferring a nested signal until the handler returns,
// SA_NODEFER re-entry, SA_RESETHAND, SIG_IGN, sigsuspend (EINTR),
// sigwaitinfo on a blocked signal, a handler running on a sigaltstack,
// SIGCHLD from an exiting child, and a handler interrupting a blocking
// read (EINTR without SA_RESTART). Handlers only record events; main prints.
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static volatile sig_atomic_t events[64];
static volatile sig_atomic_t nevents;
static volatile int last_code, last_pid_ok, depth, max_depth, on_alt;
static char *alt_lo, *alt_hi;

static void record(int v) {
    if (nevents < 64) events[nevents++] = v;
}

static void info_handler(int sig, siginfo_t *si, void *uc) {
    (void)uc;
    record(sig);
    last_code = si->si_code;
    last_pid_ok = si->si_pid == getpid();
}
static void usr1_raises_usr2(int sig) {
    record(sig * 100); /* entering */
    raise(SIGUSR2);    /* blocked by sa_mask: delivered after we return */
    record(sig * 100 + 1);
}
static void plain(int sig) { record(sig); }
static void nodefer(int sig) {
    depth++;
    if (depth > max_depth) max_depth = depth;
    if (depth < 3) raise(sig); /* re-entered immediately thanks to SA_NODEFER */
    depth--;
}
static void alt_handler(int sig) {
    char local;
    on_alt = &local >= alt_lo && &local < alt_hi;
    record(sig);
}

static void print_events(const char *what) {
    printf("%s:", what);
    for (int i = 0; i < nevents; i++) printf(" %d", (int)events[i]);
    printf("\n");
    nevents = 0;
}

int main(void) {
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_sigaction = info_handler;
    sa.sa_flags = SA_SIGINFO;
    sigaction(SIGUSR1, &sa, NULL);

    raise(SIGUSR1);
    printf("raise: code_is_tkill=%d pid_ok=%d\n", last_code == SI_TKILL, last_pid_ok);
    kill(getpid(), SIGUSR1);
    printf("kill: code_is_user=%d pid_ok=%d\n", last_code == SI_USER, last_pid_ok);
    print_events("events");

    /* block, raise twice (standard signals do not queue), check pending, unblock */
    sigset_t set, old, pend;
    sigemptyset(&set);
    sigaddset(&set, SIGUSR1);
    sigprocmask(SIG_BLOCK, &set, &old);
    raise(SIGUSR1);
    raise(SIGUSR1);
    sigpending(&pend);
    printf("blocked: delivered=%d pending=%d\n", (int)nevents, sigismember(&pend, SIGUSR1));
    sigprocmask(SIG_SETMASK, &old, NULL);
    printf("after unblock: delivered=%d\n", (int)nevents);
    print_events("events");

    /* sa_mask: SIGUSR2 raised inside the SIGUSR1 handler waits for it to return */
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = plain;
    sigaction(SIGUSR2, &sa, NULL);
    sa.sa_handler = usr1_raises_usr2;
    sigemptyset(&sa.sa_mask);
    sigaddset(&sa.sa_mask, SIGUSR2);
    sigaction(SIGUSR1, &sa, NULL);
    raise(SIGUSR1);
    print_events("nested (usr1=10 usr2=12)");

    /* SA_NODEFER: the handler re-enters itself */
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = nodefer;
    sa.sa_flags = SA_NODEFER;
    sigaction(SIGUSR1, &sa, NULL);
    raise(SIGUSR1);
    printf("nodefer max_depth=%d\n", max_depth);

    /* SA_RESETHAND: the second raise sees SIG_DFL; check via sigaction */
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = plain;
    sa.sa_flags = SA_RESETHAND;
    sigaction(SIGUSR2, &sa, NULL);
    raise(SIGUSR2);
    struct sigaction cur;
    sigaction(SIGUSR2, NULL, &cur);
    printf("resethand: now_default=%d\n", cur.sa_handler == SIG_DFL);
    print_events("events");

    /* SIG_IGN */
    signal(SIGUSR2, SIG_IGN);
    raise(SIGUSR2);
    printf("ignored ok\n");

    /* sigsuspend: pending SIGUSR1 delivered when the mask is swapped */
    signal(SIGUSR1, plain);
    sigprocmask(SIG_BLOCK, &set, &old);
    raise(SIGUSR1);
    sigset_t empty;
    sigemptyset(&empty);
    errno = 0;
    int r = sigsuspend(&empty);
    printf("sigsuspend r=%d EINTR=%d\n", r, errno == EINTR);
    print_events("events");

    /* sigwaitinfo: takes a blocked pending signal without running a handler */
    sigset_t w;
    sigemptyset(&w);
    sigaddset(&w, SIGUSR2);
    signal(SIGUSR2, plain);
    sigprocmask(SIG_BLOCK, &w, NULL);
    raise(SIGUSR2);
    siginfo_t si;
    r = sigwaitinfo(&w, &si);
    printf("sigwaitinfo r=%d signo=%d handler_ran=%d\n", r, si.si_signo, (int)nevents);
    sigprocmask(SIG_SETMASK, &old, NULL);

    /* sigaltstack */
    stack_t ss;
    static char altstack[64 * 1024];
    ss.ss_sp = altstack;
    ss.ss_size = sizeof altstack;
    ss.ss_flags = 0;
    alt_lo = altstack;
    alt_hi = altstack + sizeof altstack;
    printf("sigaltstack rc=%d\n", sigaltstack(&ss, NULL));
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = alt_handler;
    sa.sa_flags = SA_ONSTACK;
    sigaction(SIGUSR1, &sa, NULL);
    raise(SIGUSR1);
    stack_t now;
    sigaltstack(NULL, &now);
    printf("handler on altstack=%d disabled_now=%d\n", on_alt, (now.ss_flags & SS_DISABLE) != 0);
    print_events("events");

    /* SIGCHLD */
    signal(SIGCHLD, plain);
    fflush(stdout);
    pid_t c = fork();
    if (c == 0) _exit(3);
    int st;
    while (waitpid(c, &st, 0) < 0 && errno == EINTR) {
    }
    printf("child status=%d\n", WEXITSTATUS(st));
    print_events("after child (SIGCHLD=17)");
    signal(SIGCHLD, SIG_DFL);

    /* a signal interrupting a blocking read (no SA_RESTART): the child keeps
     * signalling every 2 ms, so whichever arrives while we are blocked in read
     * interrupts it (earlier ones just run the handler) */
    int p[2];
    if (pipe(p) != 0) return 1;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = plain;
    sa.sa_flags = 0;
    sigaction(SIGUSR2, &sa, NULL);
    fflush(stdout);
    c = fork();
    if (c == 0) {
        for (;;) {
            kill(getppid(), SIGUSR2);
            usleep(2000);
        }
    }
    char b;
    errno = 0;
    ssize_t n = read(p[0], &b, 1);
    int e = errno;
    kill(c, SIGKILL);
    waitpid(c, &st, 0);
    printf("read interrupted: n=%zd EINTR=%d handler_ran=%d child_killed=%d\n", n, e == EINTR, nevents > 0,
           WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL);
    return 0;
}
