// Pipes and blocking: a reader blocked on an empty pipe wakes when a child writes; EOF only once every
// writer (including fork copies) is closed; a 256 KiB blocking write to a slower reader completes in full;
// O_NONBLOCK (EAGAIN), pipe2 flags; writing with no reader: EPIPE + SIGPIPE (handled), and SIGPIPE's
// default action kills a child; a writer blocked on a full pipe wakes when the reader drains it.
#include "common.h"
#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>

static volatile sig_atomic_t sigpipes;
static void on_pipe(int s) { (void)s; sigpipes++; }

int main(void) {
    setvbuf(stdout, NULL, _IONBF, 0);
    int p[2];
    char buf[4096];

    /* 1. blocked reader woken by a child's write (the child sleeps first) */
    CHECK(pipe(p) == 0);
    long long t0 = now_ns(); /* before fork: the child's sleep starts after this */
    pid_t c = fork();
    if (c == 0) {
        sleep_ms(20);
        write(p[1], "wake", 4);
        _exit(0);
    }
    ssize_t n = read(p[0], buf, sizeof buf);
    printf("blocked read woke: n=%zd [%.4s] waited>=20ms=%d\n", n, buf, now_ns() - t0 >= 20000000LL);
    int st;
    waitpid(c, &st, 0);

    /* 2. EOF only after all writers close: the child holds a copy of the write end */
    c = fork();
    if (c == 0) {
        sleep_ms(10);
        write(p[1], "x", 1);
        sleep_ms(10);
        _exit(0); /* closes its copy */
    }
    close(p[1]);
    n = read(p[0], buf, sizeof buf);
    printf("read while child holds writer: n=%zd\n", n);
    n = read(p[0], buf, sizeof buf);
    printf("EOF after last writer exits: n=%zd\n", n);
    waitpid(c, &st, 0);
    close(p[0]);

    /* 3. a 256 KiB write completes in full while a child reads slowly in small pieces */
    CHECK(pipe(p) == 0);
    c = fork();
    if (c == 0) {
        close(p[1]);
        unsigned long sum = 0, total = 0;
        for (;;) {
            ssize_t k = read(p[0], buf, 1000);
            if (k <= 0) break;
            for (ssize_t i = 0; i < k; i++) sum = sum * 31 + (unsigned char)buf[i];
            total += (unsigned long)k;
        }
        printf("child read total=%lu sum=%lu\n", total, sum);
        _exit(0);
    }
    close(p[0]);
    static char big[256 << 10];
    for (size_t i = 0; i < sizeof big; i++) big[i] = (char)(i * 7 + (i >> 9));
    n = write(p[1], big, sizeof big);
    printf("big write returned %zd\n", n);
    close(p[1]);
    waitpid(c, &st, 0);
    printf("child exit %d\n", WEXITSTATUS(st));

    /* 4. non-blocking ends and pipe2 flags */
    CHECK(pipe2(p, O_NONBLOCK | O_CLOEXEC) == 0);
    printf("pipe2: nonblock=%d cloexec=%d\n", (fcntl(p[0], F_GETFL) & O_NONBLOCK) != 0, fcntl(p[1], F_GETFD) & FD_CLOEXEC);
    SHOW("read empty nonblocking", read(p[0], buf, 10));
    int fills = 0;
    for (;;) {
        errno = 0;
        n = write(p[1], big, 4096);
        if (n < 0) break;
        fills += (int)n;
    }
    printf("filled %d bytes then %s\n", fills, ename(errno));
    struct stat pst;
    fstat(p[0], &pst);
    printf("fstat full pipe: fifo=%d size=%ld\n", S_ISFIFO(pst.st_mode), (long)pst.st_size);
    SHOW("pipe2 bad flags", pipe2(p, 0x1));

    /* 5. a writer blocked on a full pipe wakes when the reader drains it */
    int q[2];
    CHECK(pipe(q) == 0);
    for (int i = 0; i < 16; i++) CHECK(write(q[1], big, 4096) == 4096);
    t0 = now_ns();
    c = fork();
    if (c == 0) {
        sleep_ms(20);
        ssize_t got = 0;
        while (got < 8192) got += read(q[0], buf, sizeof buf);
        _exit(0);
    }
    n = write(q[1], "after-drain", 11);
    printf("blocked writer woke: n=%zd waited>=20ms=%d\n", n, now_ns() - t0 >= 20000000LL);
    waitpid(c, &st, 0);

    /* 6. EPIPE and SIGPIPE */
    signal(SIGPIPE, on_pipe);
    CHECK(pipe(p) == 0);
    close(p[0]);
    SHOW("write without reader", write(p[1], "x", 1));
    printf("SIGPIPE handled %d times\n", (int)sigpipes);
    signal(SIGPIPE, SIG_IGN);
    SHOW("write without reader, SIGPIPE ignored", write(p[1], "x", 1));
    signal(SIGPIPE, SIG_DFL);
    c = fork();
    if (c == 0) {
        write(p[1], "x", 1);
        _exit(0);
    }
    waitpid(c, &st, 0);
    printf("child killed by SIGPIPE: %d\n", WIFSIGNALED(st) && WTERMSIG(st) == SIGPIPE);
    close(p[1]);

    /* 7. a reader and a writer closing: the blocked reader sees EOF */
    CHECK(pipe(p) == 0);
    c = fork();
    if (c == 0) {
        close(p[0]);
        sleep_ms(15);
        close(p[1]);
        _exit(0);
    }
    close(p[1]);
    n = read(p[0], buf, 1);
    printf("blocked reader sees EOF when the only writer closes: n=%zd\n", n);
    waitpid(c, &st, 0);
    return 0;
}
