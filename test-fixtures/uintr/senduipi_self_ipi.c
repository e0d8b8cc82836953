/*
 * senduipi_self_ipi: re-creation of the Intel uintr selftest "senduipi_self_ipi" (spec §2.10, §6 item 32): the
 * receiver sends to itself with UIF = 1. A self-IPI need not be visible right after SENDUIPI, so the
 * no-delay / short-delay / "twice" variants are disabled (SKIP); it must have arrived after a long busy loop,
 * and after any system call returns.
 */
#include "uintr_test.h"

static volatile unsigned long received;

static void __attribute__((interrupt)) uintr_handler(struct __uintr_frame *f, unsigned long long vector) {
  (void)f;
  (void)vector;
  received++;
}

static long idx;

static void test_self_ipi_long_delay(void) {
  t_run("Self-IPI, checked after a long busy loop");
  received = 0;
  _senduipi(idx);
  for (volatile long i = 0; i < 1000000; i++)
    ;
  if (received == 1) t_ok("interrupt received");
  else t_fail("received %lu", received);
}

static void test_self_ipi_syscall_delay(void) {
  t_run("Self-IPI, checked after usleep(1)");
  received = 0;
  _senduipi(idx);
  usleep(1);
  if (received == 1) t_ok("interrupt received");
  else t_fail("received %lu", received);
}

int main(void) {
  uintr_test_init();
  if (!uintr_supported()) {
    t_skip("User interrupts are not supported (%s)", t_errname(errno));
    return EXIT_SUCCESS;
  }
  uintr_register_handler(uintr_handler, 0);
  int fd = uintr_vector_fd(0, 0);
  idx = uintr_register_sender(fd, 0);
  _stui();
  t_skip("Self-IPI checked right after SENDUIPI: disabled");
  t_skip("Self-IPI checked after a short delay: disabled");
  test_self_ipi_long_delay();
  test_self_ipi_syscall_delay();
  t_skip("Self-IPI twice to different destinations: disabled");
  _clui();
  uintr_unregister_sender(idx, 0);
  close(fd);
  uintr_unregister_handler(0);
  return t_exit_status();
}
