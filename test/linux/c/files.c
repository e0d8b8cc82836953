// Files and descriptors: open/openat/read/pread/lseek/close, fstat/newfstatat/statx, in-memory files
// created by the guest, dup/dup2/dup3, fcntl (FD_CLOEXEC, O_NONBLOCK, F_DUPFD*), /dev/null, /dev/zero,
// /dev/urandom, /proc/self/exe, getdents64 (via readdir, names sorted by the program), getcwd/chdir/
// fchdir, uname and ids. Working directory: the test's data directory (data.txt, sub/{a.txt,b.txt,c/}).
#include "common.h"
#include <dirent.h>
#include <fcntl.h>
#include <limits.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/utsname.h>

static int cmpstr(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

static void list_dir(const char *path) {
    DIR *d = opendir(path);
    CHECK(d != NULL);
    char *names[64];
    int n = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL && n < 64) {
        char buf[300];
        snprintf(buf, sizeof buf, "%s%s", e->d_name, e->d_type == DT_DIR ? "/" : e->d_type == DT_REG ? "" : "?");
        names[n++] = strdup(buf);
    }
    qsort(names, n, sizeof names[0], cmpstr);
    printf("ls %s:", path);
    for (int i = 0; i < n; i++) printf(" %s", names[i]);
    printf("\n");
    rewinddir(d);
    int again = 0;
    while (readdir(d)) again++;
    printf("  after rewind: %d entries\n", again);
    closedir(d);
}

int main(int argc, char **argv) {
    (void)argc;
    char buf[256];
    /* read, pread, lseek */
    int fd = open("data.txt", O_RDONLY);
    CHECK(fd >= 0);
    ssize_t n = read(fd, buf, 5);
    printf("read %zd [%.5s]\n", n, buf);
    n = pread(fd, buf, 4, 10);
    printf("pread %zd [%.4s] pos=%ld\n", n, buf, (long)lseek(fd, 0, SEEK_CUR));
    printf("lseek end=%ld set=%ld\n", (long)lseek(fd, 0, SEEK_END), (long)lseek(fd, 2, SEEK_SET));
    n = read(fd, buf, sizeof buf);
    printf("rest %zd\n", n);
    n = read(fd, buf, sizeof buf);
    printf("eof %zd\n", n);
    SHOW("lseek negative", lseek(fd, -100, SEEK_SET));
    struct stat st;
    CHECK(fstat(fd, &st) == 0);
    printf("fstat size=%ld reg=%d\n", (long)st.st_size, S_ISREG(st.st_mode));
    SHOW("write to O_RDONLY", write(fd, "x", 1));
    close(fd);
    SHOW("close again", close(fd));
    SHOW("read bad fd", read(fd, buf, 1));
    SHOW("open missing", open("nonexistent.txt", O_RDONLY));
    SHOW("open dir as file then read", ({ int d = open("sub", O_RDONLY); read(d, buf, 1); }));
    SHOW("O_DIRECTORY on file", open("data.txt", O_RDONLY | O_DIRECTORY));

    /* openat relative to a directory fd, newfstatat, statx */
    int dfd = open("sub", O_RDONLY | O_DIRECTORY);
    CHECK(dfd >= 0);
    fd = openat(dfd, "a.txt", O_RDONLY);
    n = read(fd, buf, sizeof buf);
    printf("openat read %zd [%.*s]\n", n, (int)n, buf);
    close(fd);
    CHECK(fstatat(dfd, "b.txt", &st, 0) == 0);
    printf("fstatat b.txt size=%ld\n", (long)st.st_size);
    CHECK(fstatat(dfd, "c", &st, 0) == 0);
    printf("fstatat c dir=%d\n", S_ISDIR(st.st_mode));
    /* statx via syscall (older musl has no wrapper): stx_mode at 28 (u16), stx_size at 40 (u64) */
    unsigned char sx[256];
    CHECK(syscall(SYS_statx, AT_FDCWD, "data.txt", 0, 0x7ff, sx) == 0);
    printf("statx size=%llu reg=%d\n", (unsigned long long)*(unsigned long long *)(sx + 40), S_ISREG(*(unsigned short *)(sx + 28)));
    CHECK(syscall(SYS_statx, dfd, "", AT_EMPTY_PATH, 0x7ff, sx) == 0);
    printf("statx empty path dir=%d\n", S_ISDIR(*(unsigned short *)(sx + 28)));
    SHOW("stat missing", stat("nope/nope", &st));

    /* a file created by the guest: written, read back, truncated, unlinked */
    fd = open("created.tmp", O_CREAT | O_RDWR | O_TRUNC, 0644);
    CHECK(fd >= 0);
    printf("write new %zd\n", write(fd, "hello file\n", 11));
    printf("lseek 0 -> %ld\n", (long)lseek(fd, 0, SEEK_SET));
    n = read(fd, buf, sizeof buf);
    printf("read back %zd [%.*s]\n", n, (int)n - 1, buf);
    int fd2 = open("created.tmp", O_RDONLY);
    n = read(fd2, buf, 5);
    printf("second open %zd [%.5s]\n", n, buf);
    CHECK(fstat(fd, &st) == 0);
    printf("size %ld\n", (long)st.st_size);
    SHOW("O_EXCL existing", open("created.tmp", O_CREAT | O_EXCL | O_WRONLY, 0644));
    close(fd2);
    fd2 = open("created.tmp", O_WRONLY | O_APPEND);
    write(fd2, "more\n", 5);
    close(fd2);
    CHECK(stat("created.tmp", &st) == 0);
    printf("after append size %ld\n", (long)st.st_size);
    close(fd);
    SHOW("unlink", unlink("created.tmp"));
    SHOW("open unlinked", open("created.tmp", O_RDONLY));

    /* rename, link, symlink, readlink, lstat (the guest's files live in memory) */
    fd = open("r1.tmp", O_CREAT | O_WRONLY | O_TRUNC, 0644);
    write(fd, "12345", 5);
    close(fd);
    SHOW("rename", rename("r1.tmp", "r2.tmp"));
    SHOW("old name gone", access("r1.tmp", F_OK));
    SHOW("link", link("r2.tmp", "r3.tmp"));
    CHECK(stat("r3.tmp", &st) == 0);
    printf("hard link size %ld\n", (long)st.st_size);
    SHOW("symlink", symlink("r2.tmp", "s.tmp"));
    SHOW("symlink existing", symlink("whatever", "s.tmp"));
    n = readlink("s.tmp", buf, sizeof buf);
    printf("readlink %zd [%.*s]\n", n, (int)(n > 0 ? n : 0), buf);
    SHOW("readlink non-link", readlink("r2.tmp", buf, sizeof buf));
    CHECK(lstat("s.tmp", &st) == 0);
    printf("lstat link=%d size=%ld\n", S_ISLNK(st.st_mode), (long)st.st_size);
    CHECK(stat("s.tmp", &st) == 0);
    printf("stat through link reg=%d size=%ld\n", S_ISREG(st.st_mode), (long)st.st_size);
    fd = open("s.tmp", O_RDONLY);
    n = read(fd, buf, sizeof buf);
    printf("read through link %zd [%.*s]\n", n, (int)n, buf);
    close(fd);
    SHOW("O_NOFOLLOW on a link", open("s.tmp", O_RDONLY | O_NOFOLLOW));
    SHOW("rename missing", rename("missing.tmp", "x.tmp"));
    SHOW("renameat2 NOREPLACE onto existing", syscall(SYS_renameat2, AT_FDCWD, "r2.tmp", AT_FDCWD, "r3.tmp", 1));
    SHOW("rename over existing", rename("r3.tmp", "r2.tmp"));
    SHOW("dangling after unlink", ({ unlink("r2.tmp"); open("s.tmp", O_RDONLY); }));
    SHOW("unlink link", unlink("s.tmp"));
    SHOW("unlink r3 (rename between links of one file did nothing)", unlink("r3.tmp"));

    /* dup family and fcntl */
    int p[2];
    CHECK(pipe(p) == 0);
    int d1 = dup(p[1]);
    printf("dup lowest: %d\n", d1 == p[1] + 1);
    int d2 = dup2(p[1], 40);
    printf("dup2 -> %d\n", d2);
    SHOW("dup2 same", dup2(40, 40));
    SHOW("dup3 same", syscall(SYS_dup3, 40, 40, 0));
    int d3 = dup3(p[1], 41, O_CLOEXEC);
    printf("dup3 cloexec: fd=%d FD_CLOEXEC=%d dup2 FD_CLOEXEC=%d\n", d3, fcntl(d3, F_GETFD) & FD_CLOEXEC, fcntl(d2, F_GETFD));
    SHOW("dup3 bad flags", syscall(SYS_dup3, p[1], 42, 1));
    SHOW("dup2 bad old", dup2(77, 42));
    write(d2, "via dup2", 8);
    n = read(p[0], buf, sizeof buf);
    printf("read through dup %zd\n", n);
    printf("F_GETFL pipe read end: acc=%d nonblock=%d\n", fcntl(p[0], F_GETFL) & O_ACCMODE, (fcntl(p[0], F_GETFL) & O_NONBLOCK) != 0);
    fcntl(p[0], F_SETFL, O_NONBLOCK);
    printf("after F_SETFL nonblock=%d\n", (fcntl(p[0], F_GETFL) & O_NONBLOCK) != 0);
    SHOW("nonblocking read empty pipe", read(p[0], buf, 1));
    fcntl(p[0], F_SETFD, FD_CLOEXEC);
    printf("F_SETFD -> %d\n", fcntl(p[0], F_GETFD));
    int d4 = fcntl(p[0], F_DUPFD, 50);
    int d5 = fcntl(p[0], F_DUPFD_CLOEXEC, 50);
    printf("F_DUPFD %d (cloexec %d), F_DUPFD_CLOEXEC %d (cloexec %d)\n", d4, fcntl(d4, F_GETFD), d5, fcntl(d5, F_GETFD));
    printf("shared status flags: dup nonblock=%d\n", (fcntl(d4, F_GETFL) & O_NONBLOCK) != 0);
    SHOW("fcntl bad fd", fcntl(99, F_GETFD));

    /* devices */
    fd = open("/dev/null", O_RDWR);
    printf("/dev/null write %zd read %zd\n", write(fd, "abc", 3), read(fd, buf, 10));
    close(fd);
    fd = open("/dev/zero", O_RDONLY);
    memset(buf, 0x55, 16);
    n = read(fd, buf, 16);
    int zeros = 0;
    for (int i = 0; i < 16; i++) zeros += buf[i] == 0;
    printf("/dev/zero read %zd zeros=%d\n", n, zeros);
    close(fd);
    fd = open("/dev/urandom", O_RDONLY);
    printf("/dev/urandom read %zd\n", read(fd, buf, 32));
    close(fd);
    char exe[PATH_MAX], real[PATH_MAX];
    n = readlink("/proc/self/exe", exe, sizeof exe - 1);
    CHECK(n > 0);
    exe[n] = 0;
    CHECK(realpath(argv[0], real) != NULL);
    printf("/proc/self/exe matches argv[0]: %d\n", strcmp(exe, real) == 0);
    fd = open("/proc/self/exe", O_RDONLY);
    n = read(fd, buf, 4);
    printf("/proc/self/exe magic: %zd %d%c%c%c\n", n, buf[0], buf[1], buf[2], buf[3]);
    close(fd);

    /* directories */
    list_dir("sub");
    list_dir("sub/c");
    fd = open("sub/new.tmp", O_CREAT | O_WRONLY, 0644);
    close(fd);
    list_dir("sub");
    unlink("sub/new.tmp");

    /* cwd */
    char cwd[PATH_MAX];
    CHECK(getcwd(cwd, sizeof cwd) != NULL);
    printf("getcwd ends with data dir: %d\n", strstr(cwd, "/data") != NULL && strcmp(strrchr(cwd, '/'), "/data") == 0);
    SHOW("getcwd tiny buffer", getcwd(cwd, 2) == NULL ? -1 : 0);
    SHOW("chdir sub", chdir("sub"));
    fd = open("a.txt", O_RDONLY);
    printf("open after chdir ok=%d\n", fd >= 0);
    close(fd);
    getcwd(cwd, sizeof cwd);
    printf("cwd now ends with /data/sub: %d\n", strlen(cwd) > 9 && strcmp(cwd + strlen(cwd) - 9, "/data/sub") == 0);
    SHOW("chdir file", chdir("a.txt"));
    SHOW("fchdir", fchdir(dfd));
    SHOW("fchdir file", ({ int f = open("a.txt", O_RDONLY); fchdir(f); }));
    SHOW("chdir ..", chdir(".."));
    getcwd(cwd, sizeof cwd);
    printf("back: %d\n", strcmp(strrchr(cwd, '/'), "/data") == 0);

    /* identity */
    struct utsname u;
    CHECK(uname(&u) == 0);
    printf("uname %s %s\n", u.sysname, u.machine);
    printf("pid==tid %d ppid>0 %d uid==euid %d gid==egid %d\n", getpid() == (pid_t)syscall(SYS_gettid), getppid() > 0,
           getuid() == geteuid(), getgid() == getegid());
    errno = 0;
    long r = syscall(666, 1, 2, 3);
    printf("unknown syscall r=%ld %s\n", r, ename(errno));
    return 0;
}
