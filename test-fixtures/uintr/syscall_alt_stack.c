/*
 * syscall_alt_stack: re-creation of the Intel uintr selftest "syscall_alt_stack" (spec §2.2 478, §2.10,
 * §6 item 17). Positions are printed relative to the stack they belong to:
 *   - after uintr_alt_stack(sp, 4096, 0) the handler's frame lies in (sp - 4096, sp)
 *   - after uintr_alt_stack(NULL, 0, 0) it lies just below the interrupted stack (below its red zone)
 */
#include "uintr_test.h"

static volatile unsigned long received, frame_addr, interrupted_rsp;

static void __attribute__((interrupt)) uintr_handler(struct __uintr_frame *f, unsigned long long vector) {
  (void)vector;
  frame_addr = (unsigned long)f;
  interrupted_rsp = f->rsp;
  received = 1;
}

static long idx;
static char alt_stack[4096] __attribute__((aligned(64)));

static void send_and_wait(void) {
  received = 0;
  _senduipi(idx);
  usleep(1);
}

static void test_alt_stack(void) {
  t_run("Handler on an alternate stack");
  unsigned long sp = (unsigned long)alt_stack + sizeof alt_stack;
  if (uintr_alt_stack((void *)sp, sizeof alt_stack, 0)) {
    t_fail("uintr_alt_stack: %s", t_errname(errno));
    return;
  }
  send_and_wait();
  printf("\texpected stack: (sp-4096, sp); actual: frame at sp-%lu\n", sp - frame_addr);
  if (received && frame_addr < sp && frame_addr > sp - 4096) t_ok("handler ran on the alternate stack");
  else t_fail("handler did not run on the alternate stack (received %lu)", received);
}

static void test_clear_alt_stack(void) {
  t_run("Alternate stack cleared");
  if (uintr_alt_stack(NULL, 0, 0)) {
    t_fail("uintr_alt_stack(NULL): %s", t_errname(errno));
    return;
  }
  send_and_wait();
  unsigned long below = interrupted_rsp - frame_addr;
  unsigned long want = interrupted_rsp - (((interrupted_rsp - 128) & ~15ul) - 32 + 8);
  printf("\texpected stack: just below the interrupted RSP and its red zone; actual: frame at ((RSP-128) & ~15) - 24: %s\n",
         below == want ? "yes" : "no");
  if (received && below > 128 && below < 4096) t_ok("handler ran on the interrupted stack");
  else t_fail("handler frame not below the interrupted stack (received %lu)", received);
}

int main(void) {
  uintr_test_init();
  if (!uintr_supported()) {
    t_skip("User interrupts are not supported (%s)", t_errname(errno));
    return EXIT_SUCCESS;
  }
  uintr_register_handler(uintr_handler, 0);
  idx = uintr_register_self(0, 0);
  _stui();
  test_alt_stack();
  test_clear_alt_stack();
  _clui();
  uintr_unregister_sender(idx, 0);
  uintr_unregister_handler(0);
  return t_exit_status();
}
