// Synchronous faults turned into signals and recovered from:
//   SIGSEGV  null read, write to a PROT_READ page (si_code MAPERR/ACCERR,
//            si_addr = the faulting address), write to a string literal,
//            jump into a non-executable page, stack overflow handled on a
//            sigaltstack;
//   SIGFPE   integer divide by zero and INT64_MIN / -1 (#DE, FPE_INTDIV);
//   SIGILL   ud2 (ILL_ILLOPN);
//   SIGTRAP  int3 (execution resumes after it).
// Recovery uses sigsetjmp/siglongjmp (mask restored, so the same signal can
// fault again), or edits the saved context (RIP += 2 past ud2, RAX changed)
// and returns through sigreturn.
#define _GNU_SOURCE
#include <setjmp.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <ucontext.h>
#include <unistd.h>

static sigjmp_buf jb;
static volatile int got_sig, got_code, addr_ok, on_alt;
static volatile uintptr_t expect_addr;
static char *alt_lo, *alt_hi;

static void jump_handler(int sig, siginfo_t *si, void *uc) {
    (void)uc;
    char local;
    got_sig = sig;
    got_code = si->si_code;
    addr_ok = (uintptr_t)si->si_addr == expect_addr;
    on_alt = &local >= alt_lo && &local < alt_hi;
    siglongjmp(jb, 1);
}

/* returns normally after editing the context */
static void skip_handler(int sig, siginfo_t *si, void *ucv) {
    ucontext_t *uc = ucv;
    got_sig = sig;
    got_code = si->si_code;
    if (sig == SIGILL) uc->uc_mcontext.gregs[REG_RIP] += 2; /* skip ud2 */
    uc->uc_mcontext.gregs[REG_RAX] = 0x1234;                   /* visible after return */
}

static void install(int sig, void (*h)(int, siginfo_t *, void *), int onstack) {
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_sigaction = h;
    sa.sa_flags = SA_SIGINFO | (onstack ? SA_ONSTACK : 0);
    sigaction(sig, &sa, NULL);
}

static const char *code_name(int sig, int code) {
    if (sig == SIGSEGV) return code == SEGV_MAPERR ? "MAPERR" : code == SEGV_ACCERR ? "ACCERR" : "other";
    if (sig == SIGFPE) return code == FPE_INTDIV ? "INTDIV" : "other";
    if (sig == SIGILL) return code == ILL_ILLOPN ? "ILLOPN" : "other";
    if (sig == SIGTRAP) return code == SI_KERNEL ? "KERNEL" : code == TRAP_BRKPT ? "BRKPT" : "other";
    return "?";
}

#define TRY(label, body)                                                                         \
    do {                                                                                         \
        got_sig = 0;                                                                             \
        if (sigsetjmp(jb, 1) == 0) {                                                             \
            body;                                                                                \
            printf("%s: no fault\n", label);                                                     \
        } else {                                                                                 \
            printf("%s: sig=%d code=%s addr_ok=%d\n", label, got_sig, code_name(got_sig, got_code), \
                   addr_ok);                                                                     \
        }                                                                                        \
    } while (0)

static volatile long sink;
__attribute__((noinline)) static long overflow(long n) {
    volatile char pad[256];
    pad[n % 256] = (char)n;
    if (n > 1000000000) return 0; /* never: the stack runs out long before */
    return overflow(n + 1) + pad[(n + 1) % 256];
}

int main(void) {
    install(SIGSEGV, jump_handler, 1);
    install(SIGFPE, jump_handler, 0);

    volatile int *nullp = NULL;
    expect_addr = 0;
    TRY("null read", sink = *nullp);
    volatile uintptr_t low = 16;
    expect_addr = 16;
    TRY("address 16 write", *(volatile int *)low = 1);

    long pg = sysconf(_SC_PAGESIZE);
    char *ro = mmap(NULL, (size_t)pg, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    expect_addr = (uintptr_t)(ro + 100);
    TRY("write PROT_READ", *(volatile char *)(ro + 100) = 1);
    TRY("read PROT_READ (ok)", sink = ro[100]);
    mprotect(ro, (size_t)pg, PROT_NONE);
    expect_addr = (uintptr_t)(ro + 8);
    TRY("read PROT_NONE", sink = *(volatile char *)(ro + 8));
    mprotect(ro, (size_t)pg, PROT_READ | PROT_WRITE);
    TRY("write after mprotect RW (ok)", ro[8] = 5);

    char *lit = (char *)"string literal";
    expect_addr = (uintptr_t)lit;
    TRY("write string literal", *(volatile char *)lit = 'S');

    /* jump into a readable, non-executable page holding a `ret` */
    char *nx = mmap(NULL, (size_t)pg, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    nx[0] = (char)0xc3;
    expect_addr = (uintptr_t)nx;
    TRY("call non-exec page", ((void (*)(void))nx)());
    /* the same page made executable works */
    mprotect(nx, (size_t)pg, PROT_READ | PROT_EXEC);
    TRY("call exec page (ok)", ((void (*)(void))nx)());

    volatile long zero = 0, minus1 = -1, big = INT64_MIN;
    expect_addr = 0; /* not compared for SIGFPE: it is the instruction address */
    TRY("divide by zero", sink = 100 / zero);
    TRY("INT64_MIN / -1", sink = big / minus1);
    TRY("32-bit divide by zero", sink = (int)(7 / (int)zero));

    /* stack overflow, handled on the alternate stack */
    static char altstack[64 * 1024];
    stack_t ss = {.ss_sp = altstack, .ss_size = sizeof altstack, .ss_flags = 0};
    sigaltstack(&ss, NULL);
    alt_lo = altstack;
    alt_hi = altstack + sizeof altstack;
    on_alt = 0;
    got_sig = 0;
    if (sigsetjmp(jb, 1) == 0) {
        sink = overflow(0);
        printf("stack overflow: no fault\n");
    } else {
        printf("stack overflow: sig=%d handled_on_altstack=%d\n", got_sig, on_alt);
    }
    /* and the process is still healthy: another fault works */
    expect_addr = 0;
    TRY("null read again", sink = *nullp);

    /* context editing: skip ud2, change RAX */
    install(SIGILL, skip_handler, 0);
    install(SIGTRAP, skip_handler, 0);
    long rax = 0;
    got_sig = 0;
    __asm__ volatile("movq $1, %%rax\n\tud2\n\tmovq %%rax, %0" : "=r"(rax) : : "rax", "memory");
    printf("ud2: sig=%d code=%s rax_after=%lx\n", got_sig, code_name(got_sig, got_code), rax);
    got_sig = 0;
    __asm__ volatile("movq $1, %%rax\n\tint3\n\tmovq %%rax, %0" : "=r"(rax) : : "rax", "memory");
    printf("int3: sig=%d code=%s rax_after=%lx\n", got_sig, code_name(got_sig, got_code), rax);
    return 0;
}
