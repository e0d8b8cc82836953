// setjmp/longjmp: jumping out of nested calls, longjmp(env, 0) returning 1,
// volatile locals keeping their values, re-entering the same jmp_buf many
// times, and _setjmp/_longjmp plus sigsetjmp/siglongjmp (with and without
// saving the signal mask, checked through sigprocmask).
#include <setjmp.h>
#include <signal.h>
#include <stdio.h>

static jmp_buf env;
static int depth_reached;

__attribute__((noinline)) static void dive(int n, int target) {
    volatile char pad[64];
    pad[0] = (char)n;
    depth_reached = n + pad[0] - (char)n;
    if (n == target) longjmp(env, n * 10);
    if (n > 1000) return; /* never: target is always reached first */
    dive(n + 1, target);
    pad[1] = 0; /* not reached */
}

static sigjmp_buf senv;

int main(void) {
    for (int target = 0; target < 5; target++) {
        volatile int local = 1000 + target;
        int r = setjmp(env);
        if (r == 0) {
            local++;
            dive(0, target * 7);
            printf("not reached\n");
        } else {
            printf("target=%d r=%d depth=%d local=%d\n", target, r, depth_reached, local);
        }
    }
    /* longjmp with value 0 makes setjmp return 1 */
    volatile int count = 0;
    int r = setjmp(env);
    count++;
    if (count < 3) longjmp(env, 0);
    printf("value0: r=%d count=%d\n", r, count);

    /* many round trips through the same buffer */
    volatile long acc = 0;
    volatile int i = 0;
    if (_setjmp(env) < 100000) {
        acc += i;
        i++;
        if (i <= 100) _longjmp(env, i);
    }
    printf("loop acc=%ld i=%d\n", acc, i);

    /* sigsetjmp(…, 1) restores the mask; sigsetjmp(…, 0) does not */
    sigset_t set, cur;
    for (int save = 0; save <= 1; save++) {
        sigemptyset(&set);
        sigprocmask(SIG_SETMASK, &set, NULL);
        if (sigsetjmp(senv, save) == 0) {
            sigaddset(&set, SIGUSR2);
            sigprocmask(SIG_BLOCK, &set, NULL);
            siglongjmp(senv, 1);
        }
        sigprocmask(SIG_SETMASK, NULL, &cur);
        printf("sigsetjmp save=%d usr2_blocked_after=%d\n", save, sigismember(&cur, SIGUSR2));
    }
    return 0;
}
