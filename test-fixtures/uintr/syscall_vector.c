/*
 * syscall_vector: re-creation of the Intel uintr selftest "syscall_vector" (spec §2.10, §2.2 473):
 *   - uintr_vector_fd without a registered handler must fail
 *   - vectors beyond the range 0..63 (-1, 64, 100) must fail
 *   - registering the same vector twice and dup'ing the fd: disabled in the original -> SKIP
 */
#include "uintr_test.h"

static void __attribute__((interrupt)) uintr_handler(struct __uintr_frame *f, unsigned long long vector) {
  (void)f;
  (void)vector;
}

static void test_no_handler(void) {
  t_run("uintr_vector_fd without a handler");
  int fd = uintr_vector_fd(0, 0);
  if (fd >= 0) {
    t_fail("uintr_vector_fd succeeded without a handler");
    close(fd);
  } else t_ok("uintr_vector_fd failed (%s)", t_errname(errno));
}

static void test_vectors_beyond_range(void) {
  t_run("Vectors beyond the range 0..63");
  if (uintr_register_handler(uintr_handler, 0)) {
    t_fail("uintr_register_handler: %s", t_errname(errno));
    return;
  }
  const long vectors[] = {-1, 64, 100};
  for (int i = 0; i < 3; i++) {
    int fd = uintr_vector_fd(vectors[i], 0);
    if (fd >= 0) {
      t_fail("uintr_vector_fd(%ld) succeeded", vectors[i]);
      close(fd);
    } else t_ok("uintr_vector_fd(%ld) failed (%s)", vectors[i], t_errname(errno));
  }
  uintr_unregister_handler(0);
}

int main(void) {
  uintr_test_init();
  if (!uintr_supported()) {
    t_skip("User interrupts are not supported (%s)", t_errname(errno));
    return EXIT_SUCCESS;
  }
  test_no_handler();
  test_vectors_beyond_range();
  t_skip("Registering the same vector twice: disabled");
  t_skip("dup() of a uvec fd: disabled");
  return t_exit_status();
}
