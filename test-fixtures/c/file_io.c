// args: c/file_io.c build/fileio-tmp-XXXXXX
// File I/O relative to the working directory (the harness runs every
// fixture in test-fixtures/): reads its own source (argv[1]) with
// open/read/fstat/lseek/pread, then works on a fresh temporary file made by
// mkstemp from the template argv[2]: write/pwrite/O_APPEND/ftruncate/
// rename/unlink/symlink/readlink, dup/dup2 shared offsets, fcntl flags,
// stdio (fopen/fgets/fseek/ftell/fprintf), directory listing, chdir/fchdir,
// and errno for missing files and directories.
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static uint64_t fnv(uint64_t h, const void *p, size_t n) {
    const unsigned char *b = p;
    for (size_t i = 0; i < n; i++) h = (h ^ b[i]) * 0x100000001b3ull;
    return h;
}

int main(int argc, char **argv) {
    if (argc < 3) {
        fprintf(stderr, "usage: file_io SOURCE TEMPLATE\n");
        return 2;
    }
    /* 1. read our own source */
    int fd = open(argv[1], O_RDONLY);
    if (fd < 0) {
        perror(argv[1]);
        return 1;
    }
    struct stat st;
    fstat(fd, &st);
    char buf[4096];
    ssize_t n;
    long total = 0, lines = 0;
    uint64_t h = 0xcbf29ce484222325ull;
    while ((n = read(fd, buf, 1000)) > 0) {
        total += n;
        h = fnv(h, buf, (size_t)n);
        for (ssize_t i = 0; i < n; i++) lines += buf[i] == '\n';
    }
    printf("source: bytes=%ld size_matches=%d lines=%ld regular=%d hash=%016llx\n", total, st.st_size == total, lines,
           S_ISREG(st.st_mode), (unsigned long long)h);
    off_t end = lseek(fd, 0, SEEK_END);
    off_t mid = lseek(fd, -100, SEEK_CUR);
    char first[16] = {0};
    ssize_t pr = pread(fd, first, 11, 3); /* pread does not move the offset */
    off_t after = lseek(fd, 0, SEEK_CUR);
    printf("lseek end=%d mid=%d pread=%zd [%s] offset_unchanged=%d\n", end == total, mid == total - 100, pr, first,
           after == mid);
    close(fd);

    /* 2. temporary file */
    char path[256];
    snprintf(path, sizeof path, "%s", argv[2]);
    fd = mkstemp(path);
    if (fd < 0) {
        perror("mkstemp");
        return 1;
    }
    for (int i = 0; i < 100; i++) {
        char line[64];
        int len = snprintf(line, sizeof line, "record %03d %s\n", i, i % 2 ? "odd" : "even");
        write(fd, line, (size_t)len);
    }
    pwrite(fd, "RECORD", 6, 0);
    fstat(fd, &st);
    printf("tmp size=%lld\n", (long long)st.st_size);
    lseek(fd, 0, SEEK_SET);
    h = 0xcbf29ce484222325ull;
    total = 0;
    while ((n = read(fd, buf, sizeof buf)) > 0) {
        h = fnv(h, buf, (size_t)n);
        total += n;
    }
    printf("tmp read back=%ld hash=%016llx\n", total, (unsigned long long)h);

    /* dup shares the offset; fcntl flags */
    int fd2 = dup(fd);
    lseek(fd, 10, SEEK_SET);
    printf("dup shares offset=%d cloexec=%d\n", lseek(fd2, 0, SEEK_CUR) == 10, fcntl(fd2, F_GETFD) & FD_CLOEXEC);
    int fd3 = fcntl(fd, F_DUPFD_CLOEXEC, 50);
    printf("F_DUPFD_CLOEXEC fd>=50=%d cloexec=%d\n", fd3 >= 50, (fcntl(fd3, F_GETFD) & FD_CLOEXEC) != 0);
    dup2(fd, 40);
    printf("dup2 -> 40 offset=%lld\n", (long long)lseek(40, 0, SEEK_CUR));
    close(40);
    close(fd3);
    close(fd2);

    ftruncate(fd, 50);
    fstat(fd, &st);
    printf("truncated size=%lld\n", (long long)st.st_size);
    close(fd);

    /* O_APPEND always writes at the end */
    fd = open(path, O_WRONLY | O_APPEND);
    lseek(fd, 0, SEEK_SET);
    write(fd, "appended\n", 9);
    fstat(fd, &st);
    printf("append size=%lld\n", (long long)st.st_size);
    close(fd);

    /* stdio on the same file */
    FILE *f = fopen(path, "r+");
    char line[128];
    fgets(line, sizeof line, f);
    printf("fgets: %s", line);
    fseek(f, -9, SEEK_END);
    printf("ftell=%ld\n", ftell(f));
    fgets(line, sizeof line, f);
    printf("tail: %s", line);
    fseek(f, 0, SEEK_END);
    fprintf(f, "%s %d\n", "fprintf", 123);
    fclose(f);

    /* rename, symlink, readlink, unlink */
    char path2[300], link[300];
    snprintf(path2, sizeof path2, "%s.renamed", path);
    snprintf(link, sizeof link, "%s.link", path);
    int rr = rename(path, path2);
    errno = 0;
    int gone = access(path, F_OK) != 0 && errno == ENOENT;
    printf("rename=%d old_gone=%d\n", rr, gone);
    const char *target = strrchr(path2, '/') ? strrchr(path2, '/') + 1 : path2;
    printf("symlink=%d\n", symlink(target, link));
    char lbuf[300];
    ssize_t ll = readlink(link, lbuf, sizeof lbuf - 1);
    lbuf[ll > 0 ? ll : 0] = 0;
    printf("readlink matches=%d\n", strcmp(lbuf, target) == 0);
    struct stat lst, fst;
    lstat(link, &lst);
    stat(link, &fst);
    printf("lstat is_link=%d stat size=%lld\n", S_ISLNK(lst.st_mode), (long long)fst.st_size);
    int u1 = unlink(link);
    int u2 = unlink(path2);
    printf("unlink=%d,%d\n", u1, u2);

    /* errors */
    errno = 0;
    int mfd = open("c/does-not-exist.c", O_RDONLY);
    printf("open missing: %d ENOENT=%d\n", mfd, errno == ENOENT);
    fd = open("c", O_RDONLY | O_DIRECTORY);
    errno = 0;
    n = read(fd, buf, 10);
    printf("read dir: %zd EISDIR=%d\n", n, errno == EISDIR);

    /* directory listing and chdir/fchdir */
    DIR *d = opendir("c");
    int found = 0, cfiles = 0;
    struct dirent *e;
    while ((e = readdir(d))) {
        if (strcmp(e->d_name, "file_io.c") == 0) found = 1;
        size_t len = strlen(e->d_name);
        if (len > 2 && strcmp(e->d_name + len - 2, ".c") == 0) cfiles++;
    }
    closedir(d);
    printf("readdir found_self=%d has_many_c_files=%d\n", found, cfiles >= 30);
    int here = open(".", O_RDONLY | O_DIRECTORY);
    chdir("c");
    printf("after chdir open relative ok=%d\n", access("file_io.c", R_OK) == 0);
    char cwd[4096];
    getcwd(cwd, sizeof cwd);
    printf("cwd ends with /test-fixtures/c: %d\n",
           strlen(cwd) > 16 && strcmp(cwd + strlen(cwd) - 16, "/test-fixtures/c") == 0);
    fchdir(here);
    close(here);
    close(fd);
    printf("fchdir back ok=%d\n", access("c/file_io.c", R_OK) == 0);
    return 0;
}
