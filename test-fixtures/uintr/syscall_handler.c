/*
 * syscall_handler: re-creation of the Intel uintr selftest "syscall_handler" (spec §2.10, §2.2 471/472):
 *   - unregistering without a registered handler must fail
 *   - registering a second handler in the same thread must fail
 *   - invalid handler addresses: disabled in the original (the kernel does not validate them) -> SKIP
 *   - an ordinary function as the handler, in a forked child that sends itself an interrupt: SIGSEGV
 */
#include "uintr_test.h"

static void __attribute__((interrupt)) uintr_handler(struct __uintr_frame *f, unsigned long long vector) {
  (void)f;
  (void)vector;
}

static void test_handler_unregister(void) {
  t_run("Unregister a handler when none is registered");
  if (uintr_unregister_handler(0) == 0) t_fail("uintr_unregister_handler succeeded without a handler");
  else t_ok("uintr_unregister_handler failed (%s)", t_errname(errno));
}

static void test_handler_already_registered(void) {
  t_run("Register a handler twice");
  if (uintr_register_handler(uintr_handler, 0)) {
    t_fail("first uintr_register_handler: %s", t_errname(errno));
    return;
  }
  if (uintr_register_handler(uintr_handler, 0) == 0) t_fail("second uintr_register_handler succeeded");
  else t_ok("second uintr_register_handler failed (%s)", t_errname(errno));
  uintr_unregister_handler(0);
}

static void test_incorrect_handler(void) {
  t_skip("Invalid handler addresses (0xabcd, non-canonical, kernel, random): disabled, the kernel does not validate them");
}

static void regular_function(void) {}

static void test_regular_function_as_handler(void) {
  t_run("An ordinary function as the handler (forked child)");
  pid_t pid = fork();
  if (pid == 0) {
    if (uintr_register_handler(regular_function, 0)) _exit(2);
    long idx = uintr_register_self(0, 0);
    if (idx < 0) _exit(3);
    _stui();
    _senduipi(idx);
    usleep(1);
    _exit(0); /* not reached: the function's ret jumps to the vector (0) */
  }
  int st = 0;
  waitpid(pid, &st, 0);
  if (WIFSIGNALED(st) && WTERMSIG(st) == SIGSEGV) t_ok("child terminated by SIGSEGV");
  else t_fail("child: %s, expected SIGSEGV", t_status_str(st));
}

int main(void) {
  uintr_test_init();
  if (!uintr_supported()) {
    t_skip("User interrupts are not supported (%s)", t_errname(errno));
    return EXIT_SUCCESS;
  }
  test_handler_unregister();
  test_handler_already_registered();
  test_incorrect_handler();
  test_regular_function_as_handler();
  return t_exit_status();
}
