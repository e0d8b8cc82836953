/*
 * cc_bad_handler: handlers that do not follow the UINTR frame convention (spec §1.7.5, §2.7, §6 items 19, 22),
 * each in a forked child whose SIGSEGV handler runs on an alternate signal stack and reports RIP / si_addr:
 *   - an assembly handler that executes UIRET without first discarding the vector (`add $8, %rsp`): UIRET pops
 *     the vector (9) as RIP -> the instruction fetch at address 9 faults: SIGSEGV, RIP = si_addr = 0x9
 *   - an ordinary C function registered as the handler: its `ret` pops the vector (0) as the return address
 *     -> SIGSEGV at RIP 0 (the function body did run)
 *   - for comparison, the same ordinary function with no signal handler: the child dies of SIGSEGV
 *   - uintr_alt_stack pointing into unmapped memory: pushing the delivery frame faults, the child dies of
 *     SIGSEGV and the handler never runs (§1.9, §6.23)
 */
#include "uintr_test.h"
#include <sys/mman.h>

void forgets_add8(void);
__asm__(".text\n\t.globl forgets_add8\n\t.type forgets_add8, @function\nforgets_add8:\n\t"
        "uiret\n\t.size forgets_add8, .-forgets_add8\n");

static volatile int plain_ran;
static unsigned long expected_rip; /* the vector: UIRET / ret jump there */
static void __attribute__((noinline)) plain_function(void) {
  plain_ran = 1;
  __asm__ volatile("" ::: "memory");
}

static void segv_report(int sig, siginfo_t *si, void *ucv) {
  ucontext_t *uc = ucv;
  char buf[160];
  unsigned long rip = uc->uc_mcontext.gregs[REG_RIP];
  int ok = rip == expected_rip && (unsigned long)si->si_addr == expected_rip;
  int n = snprintf(buf, sizeof buf, "[%s]\tchild: SIGSEGV (signal %d) at RIP %#llx, si_addr %#lx, si_code %d, handler body ran: %s\n", ok ? "OK" : "FAIL", sig,
                   (unsigned long long)uc->uc_mcontext.gregs[REG_RIP], (unsigned long)si->si_addr, si->si_code,
                   plain_ran ? "yes" : "no");
  write(STDOUT_FILENO, buf, n);
  _exit(ok ? 0 : 1);
}

static void catch_segv_on_altstack(void) {
  static char altstack[65536];
  stack_t ss = {.ss_sp = altstack, .ss_size = sizeof altstack, .ss_flags = 0};
  sigaltstack(&ss, NULL);
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_sigaction = segv_report;
  sa.sa_flags = SA_SIGINFO | SA_ONSTACK;
  sigaction(SIGSEGV, &sa, NULL);
}

/* child: register h, send vector `vec` to itself with UIF = 1, then wait for the fault */
static void child(void (*h)(void), unsigned long vec, int catch) {
  expected_rip = vec;
  if (catch) catch_segv_on_altstack();
  if (uintr_register_handler(h, 0)) _exit(2);
  long idx = uintr_register_self(vec, 0);
  if (idx < 0) _exit(3);
  _stui();
  _senduipi(idx);
  usleep(1);
  for (int i = 0; i < 100000; i++) cpu_delay();
  printf("[FAIL]\tchild: no fault\n");
  _exit(1);
}

static void run(const char *what, void (*h)(void), unsigned long vec, int catch) {
  t_run("%s", what);
  plain_ran = 0;
  pid_t pid = fork();
  if (pid == 0) child(h, vec, catch);
  int st = 0;
  waitpid(pid, &st, 0);
  if (catch) t_check(WIFEXITED(st) && WEXITSTATUS(st) == 0, "child: %s", t_status_str(st));
  else t_check(WIFSIGNALED(st) && WTERMSIG(st) == SIGSEGV, "child: %s", t_status_str(st));
}

/* delivery with UISTACKADJUST pointing at unmapped memory: pushing the frame faults (#PF -> SIGSEGV) */
static volatile int alt_handler_ran;
static void __attribute__((interrupt)) writing_handler(struct __uintr_frame *f, unsigned long long vector) {
  static const char msg[] = "[FAIL]\tchild: the handler ran\n";
  (void)f;
  (void)vector;
  alt_handler_ran = 1;
  write(STDOUT_FILENO, msg, sizeof msg - 1);
}

static void test_push_fault(void) {
  t_run("Delivery frame on an unmapped alternate stack");
  pid_t pid = fork();
  if (pid == 0) {
    void *p = mmap(NULL, 8192, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    munmap(p, 8192);
    if (uintr_register_handler(writing_handler, 0)) _exit(2);
    if (uintr_alt_stack((char *)p + 4096, 4096, 0)) _exit(3);
    long idx = uintr_register_self(1, 0);
    _stui();
    _senduipi(idx);
    usleep(1);
    _exit(1);
  }
  int st = 0;
  waitpid(pid, &st, 0);
  t_check(WIFSIGNALED(st) && WTERMSIG(st) == SIGSEGV, "child: %s (the frame push faulted, the handler never ran)", t_status_str(st));
}

int main(void) {
  uintr_test_init();
  if (!uintr_supported()) {
    t_skip("User interrupts are not supported (%s)", t_errname(errno));
    return EXIT_SUCCESS;
  }
  run("Handler that executes UIRET without discarding the vector (vector 9)", forgets_add8, 9, 1);
  run("Ordinary C function as the handler (vector 0)", plain_function, 0, 1);
  run("Ordinary C function as the handler, no signal handler", plain_function, 0, 0);
  test_push_fault();
  return t_exit_status();
}
