// Deep recursion (100,000 frames of a non-tail-recursive function that gcc
// cannot turn into a loop), mutual recursion, Ackermann(2, n), naive
// Fibonacci and a recursive permutation generator.
#include <stdio.h>
#include <string.h>

/* non-tail: uses the result after the call, and touches its frame */
__attribute__((noinline)) static long deep(long n, volatile long *sink) {
    volatile long local[2];
    local[0] = n;
    local[1] = n ^ 0x5a;
    if (n == 0) return *sink;
    long r = deep(n - 1, sink);
    return r + (local[0] & 7) + (local[1] & 1);
}

__attribute__((noinline)) static int is_odd(unsigned n);
__attribute__((noinline)) static int is_even(unsigned n) { return n == 0 ? 1 : is_odd(n - 1); }
__attribute__((noinline)) static int is_odd(unsigned n) { return n == 0 ? 0 : is_even(n - 1); }

static unsigned long ack(unsigned long m, unsigned long n) {
    if (m == 0) return n + 1;
    if (n == 0) return ack(m - 1, 1);
    return ack(m - 1, ack(m, n - 1));
}
static long fib(int n) { return n < 2 ? n : fib(n - 1) + fib(n - 2); }

static unsigned long perms, checksum;
static void permute(char *s, int k, int n) {
    if (k == n) {
        perms++;
        for (int i = 0; i < n; i++) checksum = checksum * 131 + (unsigned char)s[i];
        return;
    }
    for (int i = k; i < n; i++) {
        char t = s[k];
        s[k] = s[i];
        s[i] = t;
        permute(s, k + 1, n);
        s[i] = s[k];
        s[k] = t;
    }
}

int main(void) {
    volatile long sink = 1;
    printf("deep(100000)=%ld\n", deep(100000, &sink));
    printf("even(20001)=%d odd(20001)=%d\n", is_even(20001), is_odd(20001));
    printf("ack(2,300)=%lu ack(3,5)=%lu\n", ack(2, 300), ack(3, 5));
    printf("fib(20)=%ld\n", fib(20));
    char s[8];
    strcpy(s, "abcdefg");
    permute(s, 0, 7);
    printf("perms=%lu checksum=%lx\n", perms, checksum);
    return 0;
}
