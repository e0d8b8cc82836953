// args: parent
// tags: exec
// expect-exit: 7
// The parent forks a child that re-executes this binary (argv[0])
// with new arguments and a new environment, waits for it, then replaces
// itself with a third image that exits with status 7. Also checks that
// FD_CLOEXEC descriptors are closed across exec and others are kept.
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

int main(int argc, char **argv, char **envp) {
    (void)envp;
    if (argc > 1 && strcmp(argv[1], "child") == 0) {
        printf("child image: argc=%d argv2=[%s] EXEC_TEST=%s fd10_open=%d fd11_open=%d\n", argc,
               argc > 2 ? argv[2] : "", getenv("EXEC_TEST") ? getenv("EXEC_TEST") : "(null)",
               fcntl(10, F_GETFD) != -1, fcntl(11, F_GETFD) != -1);
        return 3;
    }
    if (argc > 1 && strcmp(argv[1], "final") == 0) {
        printf("final image: argc=%d\n", argc);
        exit(7);
    }
    printf("parent image: argc=%d\n", argc);
    dup2(1, 10);                          /* kept across exec */
    fcntl(dup2(1, 11), F_SETFD, FD_CLOEXEC); /* closed by exec */
    fflush(stdout);
    pid_t c = fork();
    if (c == 0) {
        char *args[] = {argv[0], "child", "two words", NULL};
        char *env[] = {"EXEC_TEST=from-parent", NULL};
        execve(argv[0], args, env);
        perror("execve");
        _exit(127);
    }
    int st;
    waitpid(c, &st, 0);
    printf("child exited %d\n", WEXITSTATUS(st));
    fflush(stdout);
    char *args[] = {argv[0], "final", NULL};
    execv(argv[0], args);
    perror("execv");
    return 1;
}
