// fork + waitpid: concurrent children exiting with different codes (reaped
// in a fixed order), exit(256) truncation, children killed by SIGTERM,
// SIGKILL and SIGABRT (WIFSIGNALED/WTERMSIG), copy-on-write isolation of
// memory, getppid in the child, WNOHANG on a running child, wait() and
// ECHILD. Children that print run one at a time, so output order is fixed.
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static int global = 1;
static char heap_marker[32] = "parent";

static void report(const char *what, int status) {
    if (WIFEXITED(status))
        printf("%s: exited %d\n", what, WEXITSTATUS(status));
    else if (WIFSIGNALED(status))
        printf("%s: killed by signal %d\n", what, WTERMSIG(status));
    else
        printf("%s: other status\n", what);
}

int main(void) {
    /* 1. several children at once, reaped in creation order */
    pid_t pids[6];
    fflush(stdout);
    for (int i = 0; i < 6; i++) {
        pids[i] = fork();
        if (pids[i] < 0) {
            perror("fork");
            return 1;
        }
        if (pids[i] == 0) {
            switch (i) {
            case 0: _exit(0);
            case 1: exit(42);
            case 2: exit(256 + 3); /* only the low 8 bits survive */
            case 3: raise(SIGTERM); break;
            case 4: kill(getpid(), SIGKILL); break;
            case 5: abort();
            }
            _exit(99);
        }
    }
    for (int i = 0; i < 6; i++) {
        int st;
        pid_t r = waitpid(pids[i], &st, 0);
        char what[32];
        snprintf(what, sizeof what, "child %d (pid match %d)", i, r == pids[i]);
        report(what, st);
    }

    /* 2. copy-on-write: the child's changes are invisible to the parent */
    pid_t me = getpid();
    fflush(stdout);
    pid_t c = fork();
    if (c == 0) {
        global = 2;
        strcpy(heap_marker, "child");
        char *m = malloc(100);
        strcpy(m, "child heap");
        printf("in child: global=%d marker=%s ppid_ok=%d pid_differs=%d %s\n", global, heap_marker, getppid() == me,
               getpid() != me, m);
        exit(global);
    }
    int st;
    waitpid(c, &st, 0);
    report("cow child", st);
    printf("in parent: global=%d marker=%s\n", global, heap_marker);

    /* 3. WNOHANG on a child blocked on a pipe, then release it */
    int p[2];
    if (pipe(p) != 0) return 1;
    fflush(stdout);
    c = fork();
    if (c == 0) {
        close(p[1]);
        char b;
        ssize_t n = read(p[0], &b, 1);
        _exit(n == 1 ? b : 100);
    }
    close(p[0]);
    pid_t r = waitpid(c, &st, WNOHANG);
    printf("WNOHANG while running: %d\n", (int)r);
    write(p[1], "\x07", 1);
    close(p[1]);
    r = wait(&st);
    printf("wait() returned the child: %d\n", r == c);
    report("pipe child", st);

    /* 4. no children left */
    errno = 0;
    r = waitpid(-1, &st, 0);
    printf("waitpid with no children: %d ECHILD=%d\n", (int)r, errno == ECHILD);

    /* 5. nested fork: grandchild's status flows back through the child */
    fflush(stdout);
    c = fork();
    if (c == 0) {
        pid_t g = fork();
        if (g == 0) _exit(5);
        int gs;
        waitpid(g, &gs, 0);
        _exit(WIFEXITED(gs) ? WEXITSTATUS(gs) * 2 : 1);
    }
    waitpid(c, &st, 0);
    report("nested", st);
    return 0;
}
