// Processes: fork and clone without CLONE_VM (raw syscall), exit/exit_group statuses, wait4 (blocking,
// WNOHANG, specific pid, -1), waitid (P_PID, P_ALL, WNOHANG, WNOWAIT, si_code/si_status), a child's exit
// waking a blocked wait4, SIGCHLD with SA_SIGINFO (CLD_EXITED / CLD_KILLED), ECHILD, SIGCHLD ignored
// (children reaped automatically), getppid in a child, memory separation after fork, kill/tgkill errors,
// exit_group from a second thread.
#include "common.h"
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <sys/syscall.h>
#include <sys/wait.h>

static volatile sig_atomic_t chld_count, chld_code, chld_status, chld_pid_ok;
static pid_t expect_pid;
static void on_chld(int s, siginfo_t *si, void *uc) {
    (void)s;
    (void)uc;
    chld_count++;
    chld_code = si->si_code;
    chld_status = si->si_status;
    chld_pid_ok = si->si_pid == expect_pid;
}

static int shared_value = 1;

static void *exiter(void *a) {
    (void)a;
    sleep_ms(5);
    fflush(stdout);
    syscall(SYS_exit_group, 7);
    return NULL;
}

int main(void) {
    setvbuf(stdout, NULL, _IONBF, 0);
    int st;

    /* fork: separate memory, getppid, exit codes */
    pid_t me = getpid();
    pid_t c = fork();
    if (c == 0) {
        shared_value = 99;
        _exit(getppid() == me ? 3 : 4);
    }
    pid_t w = waitpid(c, &st, 0);
    printf("fork child exit=%d (3 = saw parent's pid) same pid=%d parent value=%d\n", WEXITSTATUS(st), w == c, shared_value);

    /* clone without CLONE_VM behaves like fork */
    long r = syscall(SYS_clone, SIGCHLD, 0, 0, 0, 0);
    if (r == 0) {
        shared_value = 5;
        syscall(SYS_exit, 11);
    }
    w = waitpid((pid_t)r, &st, 0);
    printf("raw clone child exit=%d value=%d\n", WEXITSTATUS(st), shared_value);

    /* a blocked wait4 wakes when the child exits; exit status and signals */
    long long t0 = now_ns();
    c = fork();
    if (c == 0) {
        sleep_ms(20);
        exit(42);
    }
    w = wait4(c, &st, 0, NULL);
    printf("wait4 woke after child exit: exited=%d code=%d waited>=20ms=%d\n", WIFEXITED(st), WEXITSTATUS(st), now_ns() - t0 >= 20000000LL);
    c = fork();
    if (c == 0) {
        for (;;) pause();
    }
    SHOW("WNOHANG while running", waitpid(c, &st, WNOHANG));
    kill(c, SIGTERM);
    waitpid(c, &st, 0);
    printf("killed: signaled=%d sig=%d\n", WIFSIGNALED(st), WTERMSIG(st));
    c = fork();
    if (c == 0) {
        raise(SIGKILL);
        _exit(0);
    }
    waitpid(c, &st, 0);
    printf("raise(SIGKILL): sig=%d\n", WTERMSIG(st));
    c = fork();
    if (c == 0) {
        int *volatile bad = (int *)16; /* volatile pointer: no compile-time bounds warning */
        *bad = 1;
        _exit(0);
    }
    waitpid(c, &st, 0);
    printf("segfault: sig=%d\n", WTERMSIG(st));
    SHOW("wait with no children", wait(&st));

    /* several children, reaped in any order with wait(-1) */
    pid_t kids[3];
    for (int i = 0; i < 3; i++) {
        kids[i] = fork();
        if (kids[i] == 0) {
            sleep_ms(5 * (3 - i));
            _exit(20 + i);
        }
    }
    int sum = 0;
    for (int i = 0; i < 3; i++) {
        w = wait(&st);
        int idx = w == kids[0] ? 0 : w == kids[1] ? 1 : w == kids[2] ? 2 : -1;
        sum += WEXITSTATUS(st) == 20 + idx;
    }
    printf("wait(-1) reaped 3 children with matching codes: %d\n", sum);

    /* waitid */
    c = fork();
    if (c == 0) _exit(9);
    siginfo_t si;
    memset(&si, 0, sizeof si);
    SHOW("waitid P_PID WNOWAIT", waitid(P_PID, c, &si, WEXITED | WNOWAIT));
    printf("  signo=%d code=%d status=%d pid ok=%d\n", si.si_signo, si.si_code, si.si_status, si.si_pid == c);
    memset(&si, 0, sizeof si);
    SHOW("waitid P_ALL", waitid(P_ALL, 0, &si, WEXITED));
    printf("  code=%d status=%d pid ok=%d\n", si.si_code, si.si_status, si.si_pid == c);
    c = fork();
    if (c == 0) {
        sleep_ms(10);
        _exit(1);
    }
    memset(&si, 0, sizeof si);
    SHOW("waitid WNOHANG running", waitid(P_PID, c, &si, WEXITED | WNOHANG));
    printf("  pid field=%d\n", si.si_pid);
    SHOW("waitid blocking", waitid(P_PID, c, &si, WEXITED));
    printf("  status=%d\n", si.si_status);
    c = fork();
    if (c == 0) {
        abort();
    }
    memset(&si, 0, sizeof si);
    waitid(P_PID, c, &si, WEXITED);
    printf("waitid aborted child: killed_or_dumped=%d status=%d\n", si.si_code == CLD_KILLED || si.si_code == CLD_DUMPED, si.si_status);
    SHOW("waitid without WEXITED", waitid(P_ALL, 0, &si, 0));

    /* SIGCHLD with SA_SIGINFO */
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_sigaction = on_chld;
    sa.sa_flags = SA_SIGINFO | SA_RESTART;
    sigaction(SIGCHLD, &sa, NULL);
    sigset_t blk, old;
    sigemptyset(&blk);
    sigaddset(&blk, SIGCHLD);
    sigprocmask(SIG_BLOCK, &blk, &old);
    c = fork();
    if (c == 0) _exit(5);
    expect_pid = c;
    waitid(P_PID, c, &si, WEXITED | WNOWAIT);
    sigprocmask(SIG_SETMASK, &old, NULL);
    printf("SIGCHLD exited: count=%d code_exited=%d status=%d pid ok=%d\n", (int)chld_count, chld_code == CLD_EXITED, (int)chld_status, (int)chld_pid_ok);
    waitpid(c, &st, 0);
    sigprocmask(SIG_BLOCK, &blk, &old);
    c = fork();
    if (c == 0) {
        for (;;) pause();
    }
    expect_pid = c;
    kill(c, SIGUSR2);
    waitid(P_PID, c, &si, WEXITED | WNOWAIT);
    sigprocmask(SIG_SETMASK, &old, NULL);
    printf("SIGCHLD killed: count=%d code_killed=%d status=%d\n", (int)chld_count, chld_code == CLD_KILLED, (int)chld_status);
    waitpid(c, &st, 0);

    /* SIGCHLD ignored: children are reaped automatically and wait reports ECHILD */
    signal(SIGCHLD, SIG_IGN);
    c = fork();
    if (c == 0) _exit(0);
    sleep_ms(10);
    SHOW("wait after SIG_IGN auto-reap", waitpid(c, &st, 0));
    signal(SIGCHLD, SIG_DFL);

    /* kill/tgkill errors and signal 0 */
    SHOW("kill(self, 0)", kill(getpid(), 0));
    SHOW("kill bad signal", kill(getpid(), 65));
    c = fork();
    if (c == 0) _exit(0);
    waitpid(c, &st, 0);
    SHOW("kill reaped pid", kill(c, 0));
    SHOW("tgkill wrong tgid", syscall(SYS_tgkill, c, getpid(), SIGUSR1));

    /* exit_group from a second thread ends the whole process with that status */
    c = fork();
    if (c == 0) {
        pthread_t th;
        pthread_create(&th, NULL, exiter, NULL);
        for (;;) sched_yield();
    }
    waitpid(c, &st, 0);
    printf("exit_group from a thread: code=%d\n", WEXITSTATUS(st));
    fflush(stdout);
    return 12;
}
