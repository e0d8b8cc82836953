// Pipes between processes: a child streaming 200 KB (more than the pipe
// buffer, so writes block) to the parent, a request/response ping-pong over
// two pipes, a child whose stdout is dup2'ed into a pipe, pipe2(O_CLOEXEC)
// flags, non-blocking reads (EAGAIN), EOF, and EPIPE when the reader is
// gone (SIGPIPE ignored).
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static void die(const char *m) {
    perror(m);
    exit(1);
}

int main(void) {
    int p[2];
    int st;

    /* 1. bulk transfer */
    if (pipe(p) != 0) die("pipe");
    fflush(stdout);
    pid_t c = fork();
    if (c == 0) {
        close(p[0]);
        unsigned char buf[4096];
        uint32_t x = 1;
        for (int blk = 0; blk < 50; blk++) {
            for (int i = 0; i < 4096; i++) {
                x = x * 1664525u + 1013904223u;
                buf[i] = (unsigned char)(x >> 24);
            }
            size_t off = 0;
            while (off < sizeof buf) {
                ssize_t n = write(p[1], buf + off, sizeof buf - off);
                if (n <= 0) _exit(2);
                off += (size_t)n;
            }
        }
        _exit(0);
    }
    close(p[1]);
    unsigned long long total = 0, sum = 0;
    unsigned char rb[1000];
    ssize_t n;
    while ((n = read(p[0], rb, sizeof rb)) > 0) {
        for (ssize_t i = 0; i < n; i++) sum = sum * 31 + rb[i];
        total += (unsigned long long)n;
    }
    close(p[0]);
    waitpid(c, &st, 0);
    printf("bulk: bytes=%llu hash=%llx last_read=%zd child_status=%d\n", total, sum, n, WEXITSTATUS(st));

    /* 2. ping-pong */
    int to_child[2], to_parent[2];
    if (pipe(to_child) || pipe(to_parent)) die("pipe");
    fflush(stdout);
    c = fork();
    if (c == 0) {
        close(to_child[1]);
        close(to_parent[0]);
        long v;
        while (read(to_child[0], &v, sizeof v) == (ssize_t)sizeof v) {
            v = v * 2 + 1;
            write(to_parent[1], &v, sizeof v);
        }
        _exit(0);
    }
    close(to_child[0]);
    close(to_parent[1]);
    long acc = 0;
    for (long i = 0; i < 100; i++) {
        long v = i + acc % 7, back = 0;
        write(to_child[1], &v, sizeof v);
        read(to_parent[0], &back, sizeof back);
        acc += back;
    }
    close(to_child[1]);
    waitpid(c, &st, 0);
    close(to_parent[0]);
    printf("pingpong acc=%ld child_status=%d\n", acc, WEXITSTATUS(st));

    /* 3. dup2 the child's stdout into a pipe */
    if (pipe(p) != 0) die("pipe");
    fflush(stdout);
    c = fork();
    if (c == 0) {
        dup2(p[1], STDOUT_FILENO);
        close(p[0]);
        close(p[1]);
        for (int i = 0; i < 5; i++) printf("line %d from child\n", i);
        fflush(stdout);
        _exit(0);
    }
    close(p[1]);
    char text[512];
    size_t got = 0;
    while ((n = read(p[0], text + got, sizeof text - 1 - got)) > 0) got += (size_t)n;
    text[got] = 0;
    close(p[0]);
    waitpid(c, &st, 0);
    printf("captured %zu bytes:\n%s", got, text);

    /* 4. pipe2 flags, non-blocking read, EOF */
    if (pipe2(p, O_CLOEXEC | O_NONBLOCK) != 0) die("pipe2");
    printf("cloexec=%d nonblock=%d\n", (fcntl(p[0], F_GETFD) & FD_CLOEXEC) != 0,
           (fcntl(p[0], F_GETFL) & O_NONBLOCK) != 0);
    errno = 0;
    n = read(p[0], text, 10);
    printf("empty nonblocking read: %zd EAGAIN=%d\n", n, errno == EAGAIN);
    write(p[1], "abc", 3);
    n = read(p[0], text, 10);
    printf("read %zd bytes\n", n);
    close(p[1]);
    n = read(p[0], text, 10);
    printf("after writer closed: %zd\n", n);
    close(p[0]);

    /* 5. EPIPE */
    signal(SIGPIPE, SIG_IGN);
    if (pipe(p) != 0) die("pipe");
    close(p[0]);
    errno = 0;
    n = write(p[1], "x", 1);
    printf("write without reader: %zd EPIPE=%d\n", n, errno == EPIPE);
    close(p[1]);
    return 0;
}
