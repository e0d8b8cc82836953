// eventfd counter semantics (accumulating writes, EFD_SEMAPHORE, EFD_NONBLOCK
// and EAGAIN, overflow guard), poll() readiness on eventfds and pipes with
// timeout 0, a finite timeout expiring, and blocking poll woken by a forked
// child writing the eventfd; select() and epoll on the same descriptors.
#define _GNU_SOURCE
#include <errno.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/select.h>
#include <sys/wait.h>
#include <unistd.h>

static void pr_revents(const char *what, short r) {
    printf("%s:%s%s%s%s\n", what, (r & POLLIN) ? " IN" : "", (r & POLLOUT) ? " OUT" : "", (r & POLLHUP) ? " HUP" : "",
           (r & POLLERR) ? " ERR" : "");
}

int main(void) {
    int efd = eventfd(0, 0);
    uint64_t v = 3;
    write(efd, &v, 8);
    v = 4;
    write(efd, &v, 8);
    uint64_t got = 0;
    ssize_t n = read(efd, &got, 8);
    printf("eventfd accumulate: n=%zd value=%llu\n", n, (unsigned long long)got);

    int sfd = eventfd(3, EFD_SEMAPHORE | EFD_NONBLOCK);
    for (int i = 0; i < 4; i++) {
        errno = 0;
        got = 0;
        n = read(sfd, &got, 8);
        printf("semaphore read %d: n=%zd value=%llu EAGAIN=%d\n", i, n, (unsigned long long)got, errno == EAGAIN);
    }
    errno = 0;
    n = read(efd, &got, 4);
    printf("short read: n=%zd EINVAL=%d\n", n, errno == EINVAL);
    int nfd = eventfd(0, EFD_NONBLOCK);
    v = 0xfffffffffffffffeull;
    write(nfd, &v, 8);
    v = 1;
    errno = 0;
    n = write(nfd, &v, 8);
    printf("overflow write: n=%zd EAGAIN=%d\n", n, errno == EAGAIN);

    /* poll with timeout 0 */
    int p[2];
    pipe(p);
    struct pollfd fds[4] = {{efd, POLLIN | POLLOUT, 0}, {sfd, POLLIN, 0}, {p[0], POLLIN, 0}, {p[1], POLLOUT, 0}};
    int r = poll(fds, 4, 0);
    printf("poll r=%d\n", r);
    pr_revents(" efd(empty)", fds[0].revents);
    pr_revents(" sfd(empty)", fds[1].revents);
    pr_revents(" pipe-r(empty)", fds[2].revents);
    pr_revents(" pipe-w", fds[3].revents);
    v = 9;
    write(efd, &v, 8);
    write(p[1], "x", 1);
    r = poll(fds, 4, 0);
    printf("poll after writes r=%d\n", r);
    pr_revents(" efd", fds[0].revents);
    pr_revents(" pipe-r", fds[2].revents);
    close(p[1]);
    char c;
    read(p[0], &c, 1);
    r = poll(&fds[2], 1, 0);
    pr_revents(" pipe-r after writer closed", fds[2].revents);

    /* finite timeout with nothing ready */
    read(efd, &got, 8);
    struct pollfd one = {efd, POLLIN, 0};
    r = poll(&one, 1, 20);
    printf("poll 20ms timeout r=%d\n", r);

    /* select */
    fd_set rs;
    FD_ZERO(&rs);
    FD_SET(efd, &rs);
    FD_SET(p[0], &rs);
    struct timeval tv = {0, 0};
    r = select((efd > p[0] ? efd : p[0]) + 1, &rs, NULL, NULL, &tv);
    printf("select r=%d efd=%d pipe=%d\n", r, FD_ISSET(efd, &rs) != 0, FD_ISSET(p[0], &rs) != 0);

    /* epoll */
    int ep = epoll_create1(EPOLL_CLOEXEC);
    struct epoll_event ev = {.events = EPOLLIN, .data.u64 = 1111};
    epoll_ctl(ep, EPOLL_CTL_ADD, efd, &ev);
    struct epoll_event out[4];
    r = epoll_wait(ep, out, 4, 0);
    printf("epoll empty r=%d\n", r);
    v = 1;
    write(efd, &v, 8);
    r = epoll_wait(ep, out, 4, 0);
    printf("epoll r=%d data=%llu in=%d\n", r, (unsigned long long)out[0].data.u64, (out[0].events & EPOLLIN) != 0);
    read(efd, &got, 8);

    /* blocking poll woken by a child */
    fflush(stdout);
    pid_t ch = fork();
    if (ch == 0) {
        usleep(10000);
        uint64_t one_v = 77;
        write(efd, &one_v, 8);
        _exit(0);
    }
    one.revents = 0;
    r = poll(&one, 1, -1);
    read(efd, &got, 8);
    int st;
    waitpid(ch, &st, 0);
    printf("blocking poll r=%d value=%llu\n", r, (unsigned long long)got);
    r = epoll_wait(ep, out, 4, 0);
    printf("epoll after drain r=%d\n", r);
    return 0;
}
