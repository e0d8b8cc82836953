/*
 * senduipi_instr: re-creation of the Intel uintr selftest "senduipi_instr" (spec §2.10, §2.7), later ABI:
 *   - SENDUIPI before the process has registered any sender: SIGILL
 *   - SENDUIPI with an index one past the registered one: SIGSEGV
 *   - SENDUIPI after uintr_unregister_sender: SIGILL or SIGSEGV (both accepted)
 *   - closing the uvec fd: disabled in the original (closing does not unregister the sender) -> SKIP
 *   - another thread, and a fork child, SENDUIPI with the registered index: no SIGILL, delivered
 */
#include "uintr_test.h"

static volatile unsigned long received;

static void __attribute__((interrupt)) uintr_handler(struct __uintr_frame *f, unsigned long long vector) {
  (void)f;
  (void)vector;
  received = 1;
}

static int uvec_fd;

static void test_no_registration(void) {
  t_run("SENDUIPI without a sender registration");
  t_fault_reset();
  _senduipi(0);
  if (t_fault.count == 1 && t_fault.signo == SIGILL) t_ok("SIGILL");
  else t_fail("expected SIGILL, got %s", t_fault_str());
}

static void test_invalid_handle(void) {
  t_run("SENDUIPI with an index that is not registered");
  long idx = uintr_register_sender(uvec_fd, 0);
  if (idx < 0) {
    t_fail("uintr_register_sender: %s", t_errname(errno));
    return;
  }
  t_fault_reset();
  _senduipi(idx + 1);
  if (t_fault.count == 1 && t_fault.signo == SIGSEGV) t_ok("SIGSEGV");
  else t_fail("expected SIGSEGV, got %s", t_fault_str());
  uintr_unregister_sender(idx, 0);
}

static void test_after_unregister(void) {
  t_run("SENDUIPI after uintr_unregister_sender");
  long idx = uintr_register_sender(uvec_fd, 0);
  uintr_unregister_sender(idx, 0);
  t_fault_reset();
  _senduipi(idx);
  if (t_fault.count == 1 && (t_fault.signo == SIGILL || t_fault.signo == SIGSEGV)) t_ok("SIGILL or SIGSEGV");
  else t_fail("expected SIGILL or SIGSEGV, got %s", t_fault_str());
}

static long shared_idx;
static volatile int thread_faults = -1;

static void *sending_thread(void *p) {
  (void)p;
  t_fault_reset();
  _senduipi(shared_idx);
  thread_faults = t_fault.count;
  return NULL;
}

static void test_separate_thread(void) {
  t_run("SENDUIPI from another thread with the registered index");
  received = 0;
  shared_idx = uintr_register_sender(uvec_fd, 0);
  pthread_t pt;
  pthread_create(&pt, NULL, sending_thread, NULL);
  pthread_join(pt, NULL);
  int got = t_wait_flag_sleep(&received, 100000);
  if (thread_faults == 0 && got) t_ok("no SIGILL, interrupt received");
  else t_fail("thread faults %d (%s), received %d", thread_faults, t_fault_str(), got);
  uintr_unregister_sender(shared_idx, 0);
}

static void test_separate_process(void) {
  t_run("SENDUIPI from a fork child with the registered index");
  received = 0;
  long idx = uintr_register_sender(uvec_fd, 0);
  pid_t pid = fork();
  if (pid == 0) {
    t_fault_reset();
    _senduipi(idx);
    _exit(t_fault.count == 0 ? 0 : 1);
  }
  int st = 0;
  waitpid(pid, &st, 0);
  int got = t_wait_flag_sleep(&received, 100000);
  if (WIFEXITED(st) && WEXITSTATUS(st) == 0 && got) t_ok("no SIGILL in the child, interrupt received");
  else t_fail("child %s, received %d", t_status_str(st), got);
  uintr_unregister_sender(idx, 0);
}

int main(void) {
  uintr_test_init();
  t_catch_faults();
  if (!uintr_supported()) {
    t_skip("User interrupts are not supported (%s)", t_errname(errno));
    return EXIT_SUCCESS;
  }
  test_no_registration();
  if (uintr_register_handler(uintr_handler, 0)) {
    t_fail("uintr_register_handler: %s", t_errname(errno));
    return EXIT_FAILURE;
  }
  uvec_fd = uintr_vector_fd(0, 0);
  _stui();
  test_invalid_handle();
  test_after_unregister();
  t_skip("SENDUIPI after closing the uvec fd: disabled (closing the fd does not unregister the sender)");
  test_separate_thread();
  test_separate_process();
  _clui();
  close(uvec_fd);
  uintr_unregister_handler(0);
  return t_exit_status();
}
