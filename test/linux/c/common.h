/* Shared helpers for the system-call test programs (test/linux/syscalls.test.ts). Every program prints
 * only deterministic facts (no pids, addresses or timings), so its native and emulated output match. */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define CHECK(cond) do { if (!(cond)) { printf("CHECK FAILED line %d: %s (errno=%d)\n", __LINE__, #cond, errno); fflush(stdout); _exit(99); } } while (0)

__attribute__((noipa)) static const char *ename(int e) {
    switch (e) {
    case 0: return "OK";
    case EPERM: return "EPERM";
    case ENOENT: return "ENOENT";
    case ESRCH: return "ESRCH";
    case EINTR: return "EINTR";
    case EBADF: return "EBADF";
    case ECHILD: return "ECHILD";
    case EAGAIN: return "EAGAIN";
    case EACCES: return "EACCES";
    case EFAULT: return "EFAULT";
    case EEXIST: return "EEXIST";
    case ENOTDIR: return "ENOTDIR";
    case EISDIR: return "EISDIR";
    case EINVAL: return "EINVAL";
    case EMFILE: return "EMFILE";
    case ENOTTY: return "ENOTTY";
    case ESPIPE: return "ESPIPE";
    case EPIPE: return "EPIPE";
    case ENOSYS: return "ENOSYS";
    case ENOTSOCK: return "ENOTSOCK";
    case EMSGSIZE: return "EMSGSIZE";
    case EOPNOTSUPP: return "EOPNOTSUPP";
    case ECONNRESET: return "ECONNRESET";
    case ECONNREFUSED: return "ECONNREFUSED";
    case ENOTCONN: return "ENOTCONN";
    case EISCONN: return "EISCONN";
    case ETIMEDOUT: return "ETIMEDOUT";
    case ENOSPC: return "ENOSPC";
    case EROFS: return "EROFS";
    case ERANGE: return "ERANGE";
    case ENOMEM: return "ENOMEM";
    case EAFNOSUPPORT: return "EAFNOSUPPORT";
    case EPROTONOSUPPORT: return "EPROTONOSUPPORT";
    case ESOCKTNOSUPPORT: return "ESOCKTNOSUPPORT";
    case EPROTOTYPE: return "EPROTOTYPE";
    case EDEADLK: return "EDEADLK";
    case ELOOP: return "ELOOP";
    default: return "E?";
    }
}
/* "r=<value> <ERRNAME>" for a system call result */
#define SHOW(label, expr) do { errno = 0; long _r = (long)(expr); printf("%s: r=%ld %s\n", label, _r, _r < 0 ? ename(errno) : "OK"); } while (0)

#include <time.h>
__attribute__((unused)) static long long now_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1000000000LL + ts.tv_nsec;
}
__attribute__((unused)) static void sleep_ms(int ms) {
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    while (nanosleep(&ts, &ts) != 0 && errno == EINTR) {}
}

#include <fcntl.h>
/* Wait until thread `tid` of process `pid` sleeps in the kernel (State: S in /proc/PID/task/TID/status),
 * so that a signal sent next interrupts the blocking call natively too, even on a loaded machine. */
__attribute__((unused)) static void wait_blocked(int pid, int tid) {
    char path[64], buf[512];
    snprintf(path, sizeof path, "/proc/%d/task/%d/status", pid, tid);
    for (int i = 0; i < 5000; i++) {
        int fd = open(path, O_RDONLY);
        if (fd < 0) return;
        ssize_t n = read(fd, buf, sizeof buf - 1);
        close(fd);
        buf[n > 0 ? n : 0] = 0;
        char *s = strstr(buf, "State:");
        if (s && strchr(s, 'S') && strchr(s, 'S') < strchr(s, '\n')) {
            sleep_ms(2);
            return;
        }
        sleep_ms(1);
    }
}
