// expect-exit: 42
// Exit paths: atexit handlers run in reverse order of registration, a
// handler registering another handler, stdio buffers flushed by exit()
// (buffered stdout output without a trailing newline), stderr output, and
// the exit status 42 from exit() called in a nested function.
#include <stdio.h>
#include <stdlib.h>

static void h3(void) { printf("handler 3 (registered during exit) runs\n"); }
static void h1(void) { printf("handler 1 (registered first) runs last\n"); }
static void h2(void) {
    printf("handler 2 runs first, registers handler 3\n");
    atexit(h3);
}

static void leave(int code) {
    printf("leaving with %d, no newline yet...", code);
    fprintf(stderr, "stderr: about to exit\n");
    exit(code);
}

int main(void) {
    atexit(h1);
    atexit(h2);
    printf("main starts\n");
    leave(42);
    printf("not reached\n");
    return 0;
}
