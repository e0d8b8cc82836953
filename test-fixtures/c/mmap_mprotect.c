// args: c/mmap_mprotect.c
// Memory mappings: anonymous mmap touched page by page, partial munmap (a
// hole in the middle faults, the rest stays valid), MAP_FIXED over an
// existing mapping, mremap growth preserving contents, MADV_DONTNEED
// zero-filling a private mapping, mprotect round trips, a read-only
// file-backed mapping of this source compared with read(), MAP_SHARED
// memory written by a forked child, and the brk system call.
#define _GNU_SOURCE
#include <fcntl.h>
#include <setjmp.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

static sigjmp_buf jb;
static void on_segv(int sig) {
    (void)sig;
    siglongjmp(jb, 1);
}
static int probe(volatile char *p) { /* 1 if reading p faults */
    if (sigsetjmp(jb, 1) == 0) {
        (void)*p;
        return 0;
    }
    return 1;
}

int main(int argc, char **argv) {
    signal(SIGSEGV, on_segv);
    long pg = sysconf(_SC_PAGESIZE);
    size_t len = 64 * (size_t)pg;
    char *m = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (m == MAP_FAILED) return 1;
    unsigned long sum = 0;
    for (size_t i = 0; i < len; i += (size_t)pg) sum += (unsigned char)m[i]; /* fresh pages are zero */
    for (size_t i = 0; i < len; i += 64) m[i] = (char)(i / 64);
    for (size_t i = 0; i < len; i += 64) sum += (unsigned char)m[i];
    printf("anon: zero_sum_then=%lu\n", sum);

    munmap(m + 10 * pg, (size_t)pg * 2);
    printf("hole faults=%d,%d neighbours ok=%d,%d\n", probe(m + 10 * pg), probe(m + 11 * pg + 5), probe(m + 9 * pg),
           probe(m + 12 * pg));

    char *fx = mmap(m + 20 * pg, (size_t)pg, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
    printf("MAP_FIXED same addr=%d zeroed=%d\n", fx == m + 20 * pg, fx[0] == 0 && fx[64] == 0);

    char *small = mmap(NULL, (size_t)pg, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    memset(small, 'q', (size_t)pg);
    char *grown = mremap(small, (size_t)pg, 16 * (size_t)pg, MREMAP_MAYMOVE);
    int kept = grown != MAP_FAILED;
    for (long i = 0; kept && i < pg; i++) kept &= grown[i] == 'q';
    printf("mremap ok=%d kept=%d new_tail_zero=%d\n", grown != MAP_FAILED, kept, grown[15 * pg] == 0);
    munmap(grown, 16 * (size_t)pg);

    memset(m, 0x5a, (size_t)pg * 4);
    madvise(m, (size_t)pg * 4, MADV_DONTNEED);
    printf("MADV_DONTNEED zero=%d\n", m[0] == 0 && m[3 * pg + 100] == 0);

    mprotect(m, (size_t)pg, PROT_NONE);
    int f1 = probe(m);
    mprotect(m, (size_t)pg, PROT_READ);
    int f2 = probe(m);
    printf("mprotect NONE faults=%d READ faults=%d\n", f1, f2);
    munmap(m, len);

    /* file-backed, read-only */
    if (argc > 1) {
        int fd = open(argv[1], O_RDONLY);
        struct stat st;
        fstat(fd, &st);
        char *fm = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
        static char rb[1 << 16];
        ssize_t n = pread(fd, rb, sizeof rb, 0);
        printf("file map ok=%d equal=%d first=%.24s\n", fm != MAP_FAILED, n == st.st_size && memcmp(fm, rb, (size_t)n) == 0,
               fm);
        /* a private writable mapping of the file does not change the file */
        char *pw = mmap(NULL, (size_t)st.st_size, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
        pw[0] = 'X';
        pread(fd, rb, 2, 0);
        printf("private write visible in file=%d\n", rb[0] == 'X');
        munmap(fm, (size_t)st.st_size);
        munmap(pw, (size_t)st.st_size);
        close(fd);
    }

    /* MAP_SHARED anonymous memory is shared with a child */
    volatile long *shared = mmap(NULL, (size_t)pg, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    long *priv = mmap(NULL, (size_t)pg, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    shared[0] = 1;
    priv[0] = 1;
    fflush(stdout);
    pid_t c = fork();
    if (c == 0) {
        shared[0] = 42;
        priv[0] = 42;
        _exit(0);
    }
    int st;
    waitpid(c, &st, 0);
    printf("shared=%ld private=%ld\n", shared[0], priv[0]);

    /* the program break through the raw system call (musl's sbrk only supports 0) */
    uintptr_t b0 = (uintptr_t)syscall(SYS_brk, 0);
    uintptr_t b1 = (uintptr_t)syscall(SYS_brk, b0 + 8 * (uintptr_t)pg);
    memset((void *)b0, 1, 8 * (size_t)pg);
    printf("brk grew by=%ld pages\n", (long)(b1 - b0) / pg);
    uintptr_t b2 = (uintptr_t)syscall(SYS_brk, b0 + 4 * (uintptr_t)pg);
    printf("brk shrank to=%ld pages\n", (long)(b2 - b0) / pg);
    printf("brk(0) agrees=%d\n", (uintptr_t)syscall(SYS_brk, 0) == b2);
    return 0;
}
