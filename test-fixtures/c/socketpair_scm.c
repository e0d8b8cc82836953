// AF_UNIX socketpairs: SOCK_STREAM both ways (send/recv, MSG_PEEK,
// MSG_DONTWAIT + EAGAIN, shutdown -> EOF), SOCK_DGRAM and SOCK_SEQPACKET
// keeping message boundaries, getsockopt(SO_TYPE), and sendmsg/recvmsg with
// SCM_RIGHTS passing a pipe's write end and an eventfd to a forked child,
// which uses the received descriptors.
#define _GNU_SOURCE
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

static int send_fds(int sock, const int *fds, int nfds, const char *msg) {
    struct iovec iov = {(void *)msg, strlen(msg)};
    union {
        char buf[CMSG_SPACE(sizeof(int) * 4)];
        struct cmsghdr align;
    } u;
    memset(&u, 0, sizeof u);
    struct msghdr mh = {0};
    mh.msg_iov = &iov;
    mh.msg_iovlen = 1;
    mh.msg_control = u.buf;
    mh.msg_controllen = CMSG_SPACE(sizeof(int) * (size_t)nfds);
    struct cmsghdr *cm = CMSG_FIRSTHDR(&mh);
    cm->cmsg_level = SOL_SOCKET;
    cm->cmsg_type = SCM_RIGHTS;
    cm->cmsg_len = CMSG_LEN(sizeof(int) * (size_t)nfds);
    memcpy(CMSG_DATA(cm), fds, sizeof(int) * (size_t)nfds);
    return (int)sendmsg(sock, &mh, 0);
}

static int recv_fds(int sock, int *fds, int max, char *msg, size_t msglen) {
    struct iovec iov = {msg, msglen - 1};
    union {
        char buf[CMSG_SPACE(sizeof(int) * 4)];
        struct cmsghdr align;
    } u;
    struct msghdr mh = {0};
    mh.msg_iov = &iov;
    mh.msg_iovlen = 1;
    mh.msg_control = u.buf;
    mh.msg_controllen = sizeof u.buf;
    ssize_t n = recvmsg(sock, &mh, 0);
    if (n < 0) return -1;
    msg[n] = 0;
    int count = 0;
    for (struct cmsghdr *cm = CMSG_FIRSTHDR(&mh); cm; cm = CMSG_NXTHDR(&mh, cm)) {
        if (cm->cmsg_level == SOL_SOCKET && cm->cmsg_type == SCM_RIGHTS) {
            int k = (int)((cm->cmsg_len - CMSG_LEN(0)) / sizeof(int));
            for (int i = 0; i < k && count < max; i++) memcpy(&fds[count++], CMSG_DATA(cm) + i * sizeof(int), sizeof(int));
        }
    }
    return count;
}

int main(void) {
    int sv[2];
    char buf[256];
    ssize_t n;

    /* stream */
    socketpair(AF_UNIX, SOCK_STREAM, 0, sv);
    send(sv[0], "hello ", 6, 0);
    send(sv[0], "world", 5, 0);
    n = recv(sv[1], buf, 3, MSG_PEEK);
    buf[n] = 0;
    printf("peek=%zd [%s]\n", n, buf);
    size_t got = 0;
    while (got < 11) {
        n = recv(sv[1], buf + got, sizeof buf - got, 0);
        if (n <= 0) break;
        got += (size_t)n;
    }
    buf[got] = 0;
    printf("stream got=%zu [%s]\n", got, buf);
    write(sv[1], "back", 4);
    n = read(sv[0], buf, sizeof buf);
    printf("reverse n=%zd\n", n);
    errno = 0;
    n = recv(sv[1], buf, sizeof buf, MSG_DONTWAIT);
    printf("empty dontwait n=%zd EAGAIN=%d\n", n, errno == EAGAIN || errno == EWOULDBLOCK);
    shutdown(sv[0], SHUT_WR);
    n = recv(sv[1], buf, sizeof buf, 0);
    printf("after shutdown n=%zd\n", n);
    int type = 0;
    socklen_t tl = sizeof type;
    getsockopt(sv[0], SOL_SOCKET, SO_TYPE, &type, &tl);
    printf("SO_TYPE stream=%d\n", type == SOCK_STREAM);
    close(sv[0]);
    close(sv[1]);

    /* datagram and seqpacket: boundaries kept */
    int types[2] = {SOCK_DGRAM, SOCK_SEQPACKET};
    for (int t = 0; t < 2; t++) {
        socketpair(AF_UNIX, types[t], 0, sv);
        send(sv[0], "a", 1, 0);
        send(sv[0], "bbbbbbbb", 8, 0);
        send(sv[0], "cccc", 4, 0);
        printf("%s sizes:", t ? "seqpacket" : "dgram");
        for (int i = 0; i < 3; i++) printf(" %zd", recv(sv[1], buf, sizeof buf, 0));
        /* a short buffer truncates the datagram */
        send(sv[0], "0123456789", 10, 0);
        n = recv(sv[1], buf, 4, 0);
        printf(" truncated=%zd\n", n);
        close(sv[0]);
        close(sv[1]);
    }

    /* SCM_RIGHTS to a child */
    socketpair(AF_UNIX, SOCK_STREAM, 0, sv);
    int p[2];
    pipe(p);
    int efd = eventfd(0, 0);
    fflush(stdout);
    pid_t c = fork();
    if (c == 0) {
        close(sv[0]);
        close(p[1]); /* the child only has the pipe's write end through the socket */
        int fds[4] = {-1, -1, -1, -1};
        char msg[64];
        int k = recv_fds(sv[1], fds, 4, msg, sizeof msg);
        char out[128];
        int len = snprintf(out, sizeof out, "child got %d fds with message '%s'\n", k, msg);
        write(fds[0], out, (size_t)len);
        uint64_t v = 5;
        write(fds[1], &v, 8);
        _exit(k == 2 ? 0 : 1);
    }
    close(sv[1]);
    int pass[2] = {p[1], efd};
    int sent = send_fds(sv[0], pass, 2, "take these");
    close(p[1]); /* our copy; the child's copy keeps the pipe open */
    got = 0;
    while ((n = read(p[0], buf + got, sizeof buf - 1 - got)) > 0) got += (size_t)n;
    buf[got] = 0;
    uint64_t ev = 0;
    read(efd, &ev, 8);
    int st;
    waitpid(c, &st, 0);
    printf("sendmsg=%d\n%seventfd value=%llu child_status=%d\n", sent, buf, (unsigned long long)ev, WEXITSTATUS(st));
    return 0;
}
