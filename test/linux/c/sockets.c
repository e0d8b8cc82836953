// AF_UNIX socketpairs: SOCK_STREAM, SOCK_DGRAM and SOCK_SEQPACKET with send/recv, sendto/recvfrom,
// sendmsg/recvmsg (iovecs, MSG_PEEK, MSG_DONTWAIT, MSG_TRUNC, MSG_WAITALL), shutdown, peer close (EOF,
// ECONNRESET, EPIPE/SIGPIPE, ECONNREFUSED), socket options, and SCM_RIGHTS passing descriptors between
// processes after fork (a pipe end, an eventfd and a socket travel both ways; MSG_CTRUNC when the control
// buffer is too small). A 512 KiB stream transfer to a child checks blocking sends complete in full.
#include "common.h"
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <sys/wait.h>

static int send_fds(int s, const int *fds, int n, const char *msg) {
    struct iovec iov = {(void *)msg, strlen(msg)};
    union {
        char buf[CMSG_SPACE(sizeof(int) * 8)];
        struct cmsghdr align;
    } u;
    memset(&u, 0, sizeof u);
    struct msghdr mh = {0};
    mh.msg_iov = &iov;
    mh.msg_iovlen = 1;
    mh.msg_control = u.buf;
    mh.msg_controllen = CMSG_SPACE(sizeof(int) * n);
    struct cmsghdr *cm = CMSG_FIRSTHDR(&mh);
    cm->cmsg_level = SOL_SOCKET;
    cm->cmsg_type = SCM_RIGHTS;
    cm->cmsg_len = CMSG_LEN(sizeof(int) * n);
    memcpy(CMSG_DATA(cm), fds, sizeof(int) * n);
    return (int)sendmsg(s, &mh, 0);
}

/* receives up to `max` descriptors; returns the count or -1; *flags gets msg_flags */
static int recv_fds(int s, int *fds, int max, char *msg, size_t len, size_t ctl, int *flags) {
    struct iovec iov = {msg, len - 1};
    union {
        char buf[CMSG_SPACE(sizeof(int) * 8)];
        struct cmsghdr align;
    } u;
    struct msghdr mh = {0};
    mh.msg_iov = &iov;
    mh.msg_iovlen = 1;
    mh.msg_control = u.buf;
    mh.msg_controllen = ctl;
    ssize_t n = recvmsg(s, &mh, 0);
    if (n < 0) return -1;
    msg[n] = 0;
    *flags = mh.msg_flags;
    int count = 0;
    for (struct cmsghdr *cm = CMSG_FIRSTHDR(&mh); cm; cm = CMSG_NXTHDR(&mh, cm))
        if (cm->cmsg_level == SOL_SOCKET && cm->cmsg_type == SCM_RIGHTS) {
            int k = (int)((cm->cmsg_len - CMSG_LEN(0)) / sizeof(int));
            for (int i = 0; i < k && count < max; i++) memcpy(&fds[count++], CMSG_DATA(cm) + i * sizeof(int), sizeof(int));
        }
    return count;
}

static volatile sig_atomic_t sigpipes;
static void on_pipe(int s) { (void)s; sigpipes++; }

int main(void) {
    setvbuf(stdout, NULL, _IONBF, 0);
    int sv[2];
    char buf[512];
    ssize_t n;
    int st;

    /* stream */
    CHECK(socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == 0);
    struct stat sst;
    fstat(sv[0], &sst);
    int type = 0;
    socklen_t tl = sizeof type;
    getsockopt(sv[0], SOL_SOCKET, SO_TYPE, &type, &tl);
    printf("stream: S_ISSOCK=%d SO_TYPE=%d len=%u\n", S_ISSOCK(sst.st_mode), type, (unsigned)tl);
    send(sv[0], "hello ", 6, 0);
    write(sv[0], "world", 5);
    int avail = -1;
    ioctl(sv[1], FIONREAD, &avail);
    printf("FIONREAD %d\n", avail);
    n = recv(sv[1], buf, 4, MSG_PEEK);
    printf("peek %zd [%.4s]\n", n, buf);
    n = recv(sv[1], buf, sizeof buf, 0);
    printf("recv glued %zd [%.*s]\n", n, (int)n, buf);
    SHOW("recv empty MSG_DONTWAIT", recv(sv[1], buf, 1, MSG_DONTWAIT));
    struct iovec iov[3] = {{"ab", 2}, {"", 0}, {"cdef", 4}};
    struct msghdr mh = {0};
    mh.msg_iov = iov;
    mh.msg_iovlen = 3;
    printf("sendmsg iovecs %zd\n", sendmsg(sv[1], &mh, 0));
    char x1[3] = {0}, x2[8] = {0};
    struct iovec riov[2] = {{x1, 3}, {x2, 8}};
    struct msghdr rm = {0};
    rm.msg_iov = riov;
    rm.msg_iovlen = 2;
    n = recvmsg(sv[0], &rm, 0);
    printf("recvmsg scatter %zd [%.3s|%s] flags=%d\n", n, x1, x2, rm.msg_flags);
    struct sockaddr_storage ss;
    socklen_t sl = sizeof ss;
    send(sv[0], "from", 4, 0);
    n = recvfrom(sv[1], buf, sizeof buf, 0, (struct sockaddr *)&ss, &sl);
    printf("recvfrom %zd addrlen=%u\n", n, (unsigned)sl);
    SHOW("sendto with address on stream", sendto(sv[0], "x", 1, 0, (struct sockaddr *)&ss, sizeof(sa_family_t) + 2));
    SHOW("send on a pipe", ({ int pp[2]; pipe(pp); send(pp[1], "x", 1, 0); }));
    sl = sizeof ss;
    SHOW("getsockname", getsockname(sv[0], (struct sockaddr *)&ss, &sl));
    printf("  family=%d len=%u\n", ss.ss_family, (unsigned)sl);
    sl = sizeof ss;
    SHOW("getpeername", getpeername(sv[0], (struct sockaddr *)&ss, &sl));

    /* MSG_WAITALL: the child sends in three pieces */
    pid_t c = fork();
    if (c == 0) {
        for (int i = 0; i < 3; i++) {
            sleep_ms(5);
            send(sv[1], "12345", 5, 0);
        }
        _exit(0);
    }
    n = recv(sv[0], buf, 15, MSG_WAITALL);
    printf("MSG_WAITALL %zd [%.15s]\n", n, buf);
    waitpid(c, &st, 0);

    /* shutdown */
    send(sv[0], "last", 4, 0);
    SHOW("shutdown SHUT_WR", shutdown(sv[0], SHUT_WR));
    n = recv(sv[1], buf, sizeof buf, 0);
    printf("data before EOF %zd, then", n);
    n = recv(sv[1], buf, sizeof buf, 0);
    printf(" %zd\n", n);
    signal(SIGPIPE, on_pipe);
    SHOW("send after SHUT_WR", send(sv[0], "x", 1, 0));
    SHOW("send after SHUT_WR, MSG_NOSIGNAL", send(sv[0], "x", 1, MSG_NOSIGNAL));
    printf("SIGPIPEs: %d\n", (int)sigpipes);
    SHOW("peer can still send", send(sv[1], "back", 4, 0));
    SHOW("shutdown bad how", shutdown(sv[0], 7));
    close(sv[0]);
    close(sv[1]);

    /* peer close with unread data: ECONNRESET, then EOF */
    socketpair(AF_UNIX, SOCK_STREAM, 0, sv);
    send(sv[0], "unread", 6, 0);
    close(sv[1]);
    SHOW("send to closed peer", send(sv[0], "x", 1, MSG_NOSIGNAL));
    SHOW("recv after reset", recv(sv[0], buf, sizeof buf, 0));
    SHOW("recv again", recv(sv[0], buf, sizeof buf, 0));
    close(sv[0]);

    /* datagrams and seqpackets keep boundaries */
    int types[2] = {SOCK_DGRAM, SOCK_SEQPACKET};
    for (int ti = 0; ti < 2; ti++) {
        socketpair(AF_UNIX, types[ti], 0, sv);
        const char *nm = ti ? "seqpacket" : "dgram";
        send(sv[0], "one", 3, 0);
        send(sv[0], "twotwo", 6, 0);
        send(sv[0], "", 0, 0);
        send(sv[0], "three", 5, 0);
        n = recv(sv[1], buf, sizeof buf, 0);
        printf("%s: msg1 %zd", nm, n);
        n = recv(sv[1], buf, 3, 0);
        printf(" msg2(truncated) %zd [%.3s]", n, buf);
        n = recv(sv[1], buf, sizeof buf, 0);
        printf(" empty %zd", n);
        char small[2];
        struct iovec si = {small, 2};
        struct msghdr tm = {0};
        tm.msg_iov = &si;
        tm.msg_iovlen = 1;
        n = recvmsg(sv[1], &tm, MSG_PEEK);
        printf(" peek %zd trunc=%d", n, (tm.msg_flags & MSG_TRUNC) != 0);
        n = recv(sv[1], small, 2, MSG_TRUNC);
        printf(" MSG_TRUNC real length %zd\n", n);
        close(sv[1]);
        errno = 0;
        n = send(sv[0], "x", 1, MSG_NOSIGNAL);
        printf("  send after peer closed: %zd %s", n, ename(errno));
        errno = 0;
        n = send(sv[0], "x", 1, MSG_NOSIGNAL);
        printf(", again: %zd %s\n", n, ename(errno));
        if (types[ti] == SOCK_SEQPACKET) SHOW("  seqpacket recv after peer closed", recv(sv[0], buf, 1, 0));
        close(sv[0]);
    }
    socketpair(AF_UNIX, SOCK_DGRAM, 0, sv);
    static char huge[300000];
    SHOW("oversized datagram", send(sv[0], huge, sizeof huge, 0));
    close(sv[0]);
    close(sv[1]);
    SHOW("socketpair AF_INET", socketpair(AF_INET, SOCK_STREAM, 0, sv));
    SHOW("socketpair bad type", socketpair(AF_UNIX, 9, 0, sv));
    SHOW("recv on a pipe", ({ int pp[2]; pipe(pp); recv(pp[0], buf, 1, MSG_DONTWAIT); }));
    SHOW("socketpair nonblock|cloexec", socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0, sv));
    printf("  nonblock=%d cloexec=%d\n", (fcntl(sv[0], F_GETFL) & O_NONBLOCK) != 0, fcntl(sv[1], F_GETFD));
    close(sv[0]);
    close(sv[1]);

    /* SCM_RIGHTS across fork: the child receives a pipe's write end, an eventfd and one end of a new
     * socketpair, uses them, and sends back a descriptor of its own */
    CHECK(socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == 0);
    fflush(stdout);
    c = fork();
    if (c == 0) {
        close(sv[0]);
        int got[8], flags = 0;
        char msg[64];
        int k = recv_fds(sv[1], got, 8, msg, sizeof msg, CMSG_SPACE(sizeof(int) * 8), &flags);
        if (k != 3) _exit(10 + k);
        write(got[0], "via passed pipe", 15);
        uint64_t one = 42;
        write(got[1], &one, 8);
        send(got[2], msg, strlen(msg), 0);
        int mine[2];
        pipe(mine);
        write(mine[1], "child pipe data", 15);
        close(mine[1]);
        send_fds(sv[1], &mine[0], 1, "back");
        close(mine[0]);
        _exit(0);
    }
    close(sv[1]);
    int p[2], inner[2];
    pipe(p);
    int efd = eventfd(0, 0);
    socketpair(AF_UNIX, SOCK_DGRAM, 0, inner);
    int pass[3] = {p[1], efd, inner[1]};
    printf("sendmsg with 3 fds: %d\n", send_fds(sv[0], pass, 3, "payload"));
    close(p[1]);
    close(inner[1]);
    n = read(p[0], buf, sizeof buf);
    printf("parent read from pipe written by child: %zd [%.*s]\n", n, (int)n, buf);
    n = read(p[0], buf, sizeof buf);
    printf("pipe EOF once the child's copy is closed: %zd\n", n);
    uint64_t ev = 0;
    read(efd, &ev, 8);
    printf("eventfd value from child: %llu\n", (unsigned long long)ev);
    n = recv(inner[0], buf, sizeof buf, 0);
    printf("datagram via passed socket: %zd [%.*s]\n", n, (int)n, buf);
    int back[8], flags = 0;
    char msg[64];
    int k = recv_fds(sv[0], back, 8, msg, sizeof msg, CMSG_SPACE(sizeof(int) * 8), &flags);
    printf("received %d fd(s) with [%s] flags=%d cloexec=%d\n", k, msg, flags, k > 0 ? fcntl(back[0], F_GETFD) : -1);
    n = read(back[0], buf, sizeof buf);
    printf("read from the child's pipe: %zd [%.*s]\n", n, (int)n, buf);
    waitpid(c, &st, 0);
    printf("child exit %d\n", WEXITSTATUS(st));

    /* control buffer too small: MSG_CTRUNC, the descriptors that do not fit are dropped */
    int fds4[4] = {p[0], efd, inner[0], back[0]};
    send_fds(sv[0], fds4, 4, "four");
    close(sv[0]);
    int fdA[2];
    socketpair(AF_UNIX, SOCK_STREAM, 0, fdA);
    send_fds(fdA[0], fds4, 4, "four");
    k = recv_fds(fdA[1], back, 8, msg, sizeof msg, CMSG_SPACE(sizeof(int) * 2), &flags);
    printf("small control buffer: %d fds, MSG_CTRUNC=%d, [%s]\n", k, (flags & MSG_CTRUNC) != 0, msg);
    send_fds(fdA[0], fds4, 1, "cloexec");
    struct iovec ci = {msg, sizeof msg};
    union {
        char b[CMSG_SPACE(sizeof(int))];
        struct cmsghdr align;
    } cu;
    struct msghdr cm = {0};
    cm.msg_iov = &ci;
    cm.msg_iovlen = 1;
    cm.msg_control = cu.b;
    cm.msg_controllen = sizeof cu.b;
    recvmsg(fdA[1], &cm, MSG_CMSG_CLOEXEC);
    int cfd;
    memcpy(&cfd, CMSG_DATA(CMSG_FIRSTHDR(&cm)), sizeof cfd);
    printf("MSG_CMSG_CLOEXEC -> FD_CLOEXEC=%d\n", fcntl(cfd, F_GETFD));
    send_fds(fdA[0], fds4, 1, "plain read drops fds");
    n = read(fdA[1], buf, sizeof buf);
    printf("read() of a message with fds: %zd\n", n);
    int bad = 555;
    SHOW("SCM_RIGHTS with a bad fd", send_fds(fdA[0], &bad, 1, "bad"));

    /* 512 KiB through a stream socket to a child that reads slowly */
    socketpair(AF_UNIX, SOCK_STREAM, 0, sv);
    c = fork();
    if (c == 0) {
        close(sv[0]);
        unsigned long sum = 0, total = 0;
        char rb[3000];
        for (;;) {
            ssize_t r = recv(sv[1], rb, sizeof rb, 0);
            if (r <= 0) break;
            for (ssize_t i = 0; i < r; i++) sum = sum * 131 + (unsigned char)rb[i];
            total += (unsigned long)r;
        }
        printf("child received %lu bytes, sum %lu\n", total, sum);
        _exit(0);
    }
    close(sv[1]);
    static char big[512 << 10];
    for (size_t i = 0; i < sizeof big; i++) big[i] = (char)(i ^ (i >> 11));
    n = send(sv[0], big, sizeof big, 0);
    printf("big send returned %zd\n", n);
    close(sv[0]);
    waitpid(c, &st, 0);
    return 0;
}
