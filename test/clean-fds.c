/*
 * clean-fds [--fresh-table] PROGRAM ARGS...: exec PROGRAM with every descriptor above 2 closed and the
 * environment untouched. With --fresh-table it forks first, so PROGRAM also gets a descriptor table of the
 * default size (Linux never shrinks a table; fork sizes the copy by the open descriptors), and reports the
 * child's status as its own (128 + N for signal N). See clean-fds.ts.
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

int main(int argc, char **argv) {
    int fresh = argc > 1 && !strcmp(argv[1], "--fresh-table");
    char **prog = argv + 1 + fresh;
    if (!*prog) {
        fprintf(stderr, "usage: clean-fds [--fresh-table] PROGRAM ARGS...\n");
        return 2;
    }
    if (close_range(3, ~0U, 0) != 0) {
        perror("clean-fds: close_range");
        return 2;
    }
    if (fresh) {
        pid_t pid = fork();
        if (pid < 0) { perror("clean-fds: fork"); return 2; }
        if (pid > 0) {
            int st;
            if (waitpid(pid, &st, 0) < 0) { perror("clean-fds: waitpid"); return 2; }
            return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
        }
    }
    execve(prog[0], prog, environ);
    perror("clean-fds: execve");
    return 127;
}
