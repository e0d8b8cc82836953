/*
 * syscall_flags: re-creation of the Intel uintr selftest "syscall_flags" (spec §2.10): each of
 * register_handler, unregister_handler, vector_fd, register_sender and unregister_sender must reject a
 * single set flag bit. As in the original, the loop runs `bit < sizeof(unsigned int)`, i.e. bits 0-3 only.
 */
#include "uintr_test.h"

static void __attribute__((interrupt)) uintr_handler(struct __uintr_frame *f, unsigned long long vector) {
  (void)f;
  (void)vector;
}

static void report(const char *call, int accepted) {
  if (accepted) t_fail("%s accepted a flag bit", call);
  else t_ok("%s rejects flag bits 0-%u", call, (unsigned)sizeof(unsigned int) - 1);
}

int main(void) {
  uintr_test_init();
  if (!uintr_supported()) {
    t_skip("User interrupts are not supported (%s)", t_errname(errno));
    return EXIT_SUCCESS;
  }
  int accepted;
  unsigned int bit;

  t_run("uintr_register_handler flags");
  accepted = 0;
  for (bit = 0; bit < sizeof(unsigned int); bit++)
    if (uintr_register_handler(uintr_handler, 1u << bit) == 0) {
      accepted = 1;
      uintr_unregister_handler(0);
    }
  report("uintr_register_handler", accepted);

  if (uintr_register_handler(uintr_handler, 0)) {
    t_fail("uintr_register_handler: %s", t_errname(errno));
    return EXIT_FAILURE;
  }
  t_run("uintr_unregister_handler flags");
  accepted = 0;
  for (bit = 0; bit < sizeof(unsigned int); bit++)
    if (uintr_unregister_handler(1u << bit) == 0) {
      accepted = 1;
      uintr_register_handler(uintr_handler, 0);
    }
  report("uintr_unregister_handler", accepted);

  t_run("uintr_vector_fd flags");
  accepted = 0;
  for (bit = 0; bit < sizeof(unsigned int); bit++) {
    int fd = uintr_vector_fd(0, 1u << bit);
    if (fd >= 0) {
      accepted = 1;
      close(fd);
    }
  }
  report("uintr_vector_fd", accepted);

  int fd = uintr_vector_fd(0, 0);
  t_run("uintr_register_sender flags");
  accepted = 0;
  for (bit = 0; bit < sizeof(unsigned int); bit++) {
    long idx = uintr_register_sender(fd, 1u << bit);
    if (idx >= 0) {
      accepted = 1;
      uintr_unregister_sender(idx, 0);
    }
  }
  report("uintr_register_sender", accepted);

  long idx = uintr_register_sender(fd, 0);
  t_run("uintr_unregister_sender flags");
  accepted = 0;
  for (bit = 0; bit < sizeof(unsigned int); bit++)
    if (uintr_unregister_sender(idx, 1u << bit) == 0) {
      accepted = 1;
      idx = uintr_register_sender(fd, 0);
    }
  report("uintr_unregister_sender", accepted);

  uintr_unregister_sender(idx, 0);
  close(fd);
  uintr_unregister_handler(0);
  return t_exit_status();
}
