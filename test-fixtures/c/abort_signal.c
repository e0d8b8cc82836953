// expect-exit: 134
// A program that dies from a signal: abort() after a SIGABRT handler that
// returns (abort must still terminate the process with SIGABRT, i.e.
// status 128+6 = 134). Output written before abort is flushed explicitly
// (abort does not flush stdio).
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const char msg[] = "SIGABRT handler ran and returns\n";
static void on_abrt(int sig) {
    (void)sig;
    write(STDERR_FILENO, msg, sizeof msg - 1);
}

int main(void) {
    printf("before abort\n");
    fflush(stdout);
    fprintf(stderr, "stderr before abort\n");
    signal(SIGABRT, on_abrt);
    printf("this buffered line is lost\n"); /* not flushed: abort does not flush */
    abort();
}
