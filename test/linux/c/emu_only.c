// Emulator-specific behaviour (expected output is fixed, not compared with a native run):
//   sandbox   host files outside the allowed roots are refused; writes stay in memory
//   random    prints /dev/urandom and getrandom bytes (a function of the seed)
//   yield     with one core, sched_yield hands the core to the other runnable thread at once
//   cpus      the CPU count seen through sched_getaffinity, sysconf and /sys
//   readdir   raw readdir order (sorted by the emulator)
//   maps      /proc/self/maps names the program and [stack]
//   unknown   an unknown system call (for --trace syscalls)
#include "common.h"
#include <dirent.h>
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <sys/select.h>
#include <sys/syscall.h>
#include <sys/wait.h>

static volatile int flag;
static void *setter(void *a) {
    (void)a;
    flag = 1;
    return NULL;
}

int main(int argc, char **argv) {
    const char *mode = argc > 1 ? argv[1] : "";
    if (!strcmp(mode, "sandbox")) {
        SHOW("open /etc/passwd", open("/etc/passwd", O_RDONLY));
        SHOW("open ../outside.txt", open("../outside.txt", O_RDONLY));
        SHOW("open a symlink leading outside", open("escape", O_RDONLY));
        char real[4096];
        printf("realpath of the program works: %d\n", realpath(argv[0], real) != NULL);
        SHOW("stat /etc/hostname", ({ struct stat st; stat("/etc/hostname", &st); }));
        SHOW("create /tmp file", open("/tmp/uintr-should-not-exist", O_CREAT | O_WRONLY, 0644));
        int fd = open("written.tmp", O_CREAT | O_WRONLY | O_TRUNC, 0644);
        printf("create in cwd ok=%d write=%zd\n", fd >= 0, write(fd, "guest data\n", 11));
        close(fd);
        fd = open("data.txt", O_WRONLY | O_TRUNC);
        printf("truncate+write existing host file: ok=%d write=%zd\n", fd >= 0, write(fd, "X", 1));
        close(fd);
        char b[64] = {0};
        fd = open("data.txt", O_RDONLY);
        printf("guest sees its version: [%s]\n", read(fd, b, sizeof b - 1) > 0 ? b : "");
        close(fd);
        if (argc > 2) {
            fd = open(argv[2], O_RDONLY);
            printf("--allow path readable: %d\n", fd >= 0 && read(fd, b, sizeof b) > 0);
        }
        return 0;
    }
    if (!strcmp(mode, "random")) {
        unsigned char b[8];
        int fd = open("/dev/urandom", O_RDONLY);
        read(fd, b, 8);
        for (int i = 0; i < 8; i++) printf("%02x", b[i]);
        getrandom(b, 8, 0);
        printf(" ");
        for (int i = 0; i < 8; i++) printf("%02x", b[i]);
        printf("\n");
        return 0;
    }
    if (!strcmp(mode, "yield")) {
        pthread_t th;
        pthread_create(&th, NULL, setter, NULL);
        long n = 0;
        while (!flag) {
            sched_yield();
            n++;
        }
        pthread_join(th, NULL);
        printf("yields before the other thread ran: %s\n", n <= 2 ? "at most 2" : "too many");
        return 0;
    }
    if (!strcmp(mode, "cpus")) {
        cpu_set_t set;
        CPU_ZERO(&set);
        sched_getaffinity(0, sizeof set, &set);
        char b[32] = {0};
        int fd = open("/sys/devices/system/cpu/online", O_RDONLY);
        read(fd, b, sizeof b - 1);
        printf("affinity=%d sysconf=%ld online=%s", CPU_COUNT(&set), sysconf(_SC_NPROCESSORS_ONLN), b);
        return 0;
    }
    if (!strcmp(mode, "readdir")) {
        DIR *d = opendir("sub");
        struct dirent *e;
        while ((e = readdir(d)) != NULL) printf("%s ", e->d_name);
        printf("\n");
        return 0;
    }
    if (!strcmp(mode, "maps")) {
        FILE *f = fopen("/proc/self/maps", "r");
        char line[512];
        int exe = 0, stack = 0, lines = 0;
        while (fgets(line, sizeof line, f)) {
            lines++;
            exe |= strstr(line, "emu_only") != NULL;
            stack |= strstr(line, "[stack]") != NULL;
        }
        printf("maps: lines>2=%d exe=%d stack=%d\n", lines > 2, exe, stack);
        return 0;
    }
    if (!strcmp(mode, "fdtable")) {
        /* select() clamps nfds to the fd table's size (64 in a new process, 128 once a descriptor
         * >= 64 was used, never shrinking) and ignores bits beyond it; fork sizes the child's table by
         * its highest open descriptor. Only checked here: a native run inherits the harness's table. */
        fd_set rs;
        struct timeval tv = {0, 0};
        FD_ZERO(&rs);
        FD_SET(100, &rs);
        int r = select(101, &rs, NULL, NULL, &tv);
        printf("fresh table, fd 100: r=%d %s\n", r, r < 0 ? ename(errno) : "OK");
        dup2(1, 100);
        close(100);
        FD_ZERO(&rs);
        FD_SET(100, &rs);
        r = select(101, &rs, NULL, NULL, &tv);
        printf("after fd 100 was used: r=%d %s\n", r, r < 0 ? ename(errno) : "OK");
        FD_ZERO(&rs);
        FD_SET(200, &rs);
        r = select(201, &rs, NULL, NULL, &tv);
        printf("fd 200 beyond 128: r=%d %s\n", r, r < 0 ? ename(errno) : "OK");
        fflush(stdout);
        pid_t c = fork();
        if (c == 0) {
            FD_ZERO(&rs);
            FD_SET(100, &rs);
            r = select(101, &rs, NULL, NULL, &tv);
            printf("forked child, fd 100: r=%d %s\n", r, r < 0 ? ename(errno) : "OK");
            fflush(stdout);
            _exit(0);
        }
        waitpid(c, NULL, 0);
        return 0;
    }
    if (!strcmp(mode, "unknown")) {
        errno = 0;
        long r = syscall(1000, 0);
        printf("syscall 1000: %ld %s\n", r, ename(errno));
        return 0;
    }
    return 2;
}
