/*
 * cc_syscall_errno: results and errno of the later-ABI uintr system calls (spec §2.2, §6 items 26-29), one line
 * per call: "call: result (expected)". Order matters: the calls that need "no UITT yet" come first.
 */
#include "uintr_test.h"
#include <fcntl.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>

static void __attribute__((interrupt)) handler(struct __uintr_frame *f, unsigned long long vector) {
  (void)f;
  (void)vector;
}

/* one call: its "r" or "-1 ERRNO" must equal `want` */
#define EXPECT(want, what, expr)                                                                                              \
  do {                                                                                                                        \
    const char *_got = T_CALL(expr);                                                                                          \
    t_check(strcmp(_got, want) == 0, "%s = %s", what, _got);                                                                  \
  } while (0)

static void no_handler_yet(void) {
  t_run("Without a handler");
  EXPECT("-1 EINVAL", "uintr_unregister_handler(0)", uintr_unregister_handler(0));
  EXPECT("-1 EINVAL", "uintr_vector_fd(0, 0)", uintr_vector_fd(0, 0));
  EXPECT("-1 EINVAL", "uintr_register_self(0, 0)", uintr_register_self(0, 0));
  EXPECT("-1 EOPNOTSUPP", "uintr_alt_stack(sp, 4096, 0)", uintr_alt_stack((void *)0x10000, 4096, 0));
  EXPECT("0", "uintr_wait(0, 0)", uintr_wait(0, 0));
  EXPECT("-1 EOPNOTSUPP", "uintr_wait(1000, 0)", uintr_wait(1000, 0));
  EXPECT("-1 EINVAL", "uintr_wait(1000000001, 0)", uintr_wait(1000000001, 0));
  EXPECT("-1 EINVAL", "uintr_wait(1000, 1)", uintr_wait(1000, 1));
  EXPECT("-1 EINVAL", "uintr_unregister_sender(0, 0) with no UITT", uintr_unregister_sender(0, 0));
}

static void handler_calls(void) {
  t_run("uintr_register_handler / uintr_unregister_handler");
  EXPECT("-1 EFAULT", "uintr_register_handler(NULL, 0)", uintr_register_handler(NULL, 0));
  EXPECT("-1 EINVAL", "uintr_register_handler(h, 0x1)", uintr_register_handler(handler, 0x1));
  EXPECT("-1 EINVAL", "uintr_register_handler(h, 0x4000)", uintr_register_handler(handler, 0x4000));
  EXPECT("-1 EINVAL", "uintr_register_handler(h, 0x1001)", uintr_register_handler(handler, 0x1001));
  EXPECT("0", "uintr_register_handler(h, WAITING_RECEIVER)", uintr_register_handler(handler, UINTR_HANDLER_FLAG_WAITING_RECEIVER));
  EXPECT("-1 EBUSY", "uintr_register_handler(h, 0) again", uintr_register_handler(handler, 0));
  EXPECT("-1 EINVAL", "uintr_unregister_handler(1)", uintr_unregister_handler(1));
  EXPECT("0", "uintr_unregister_handler(0)", uintr_unregister_handler(0));
  EXPECT("-1 EINVAL", "uintr_unregister_handler(0) again", uintr_unregister_handler(0));
  EXPECT("0", "uintr_register_handler(h, WAITING_SENDER)", uintr_register_handler(handler, UINTR_HANDLER_FLAG_WAITING_SENDER));
  EXPECT("0", "uintr_unregister_handler(0)", uintr_unregister_handler(0));
  EXPECT("0", "uintr_register_handler(h, WAITING_ANY)", uintr_register_handler(handler, UINTR_HANDLER_FLAG_WAITING_ANY));
  EXPECT("0", "uintr_unregister_handler(0)", uintr_unregister_handler(0));
  EXPECT("0", "uintr_register_handler(h, 0)", uintr_register_handler(handler, 0));
  t_check(_testui() == 0, "UIF after uintr_register_handler (not touched): %d", _testui());
  _stui();
  EXPECT("0", "uintr_unregister_handler(0) with UIF = 1", uintr_unregister_handler(0));
  t_check(_testui() == 1, "UIF after uintr_unregister_handler (not touched): %d", _testui());
  _clui();
  EXPECT("0", "uintr_register_handler(h, 0)", uintr_register_handler(handler, 0));
}

static int vector_fd_calls(void) {
  t_run("uintr_vector_fd");
  EXPECT("-1 ENOSPC", "uintr_vector_fd(64, 0)", uintr_vector_fd(64, 0));
  EXPECT("-1 ENOSPC", "uintr_vector_fd(100, 0)", uintr_vector_fd(100, 0));
  EXPECT("-1 ENOSPC", "uintr_vector_fd(-1, 0)", uintr_vector_fd(-1L, 0));
  EXPECT("-1 ENOSPC", "uintr_vector_fd(2^32, 0)", uintr_vector_fd(1L << 32, 0));
  EXPECT("-1 EINVAL", "uintr_vector_fd(0, 1)", uintr_vector_fd(0, 1));
  int fd = uintr_vector_fd(63, 0);
  t_check(fd >= 3, "uintr_vector_fd(63, 0) returns an fd: %s", fd >= 3 ? "yes" : "no");
  int fdflags = fcntl(fd, F_GETFD), flflags = fcntl(fd, F_GETFL);
  t_check(fdflags == FD_CLOEXEC, "fcntl(F_GETFD) = FD_CLOEXEC: %s", fdflags == FD_CLOEXEC ? "yes" : "no");
  t_check((flflags & O_ACCMODE) == O_RDONLY && (flflags & O_NONBLOCK), "fcntl(F_GETFL): O_RDONLY %s, O_NONBLOCK %s",
          (flflags & O_ACCMODE) == O_RDONLY ? "yes" : "no", flflags & O_NONBLOCK ? "yes" : "no");
  char path[64], link[64] = "";
  snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
  ssize_t n = readlink(path, link, sizeof link - 1);
  if (n > 0) link[n] = 0;
  t_check(strcmp(link, "anon_inode:[uvecfd]") == 0, "/proc/self/fd/N -> %s", link);
  int fd2 = uintr_vector_fd(63, 0);
  t_check(fd2 > fd, "the same vector again gives a second fd: %s", fd2 > fd ? "yes" : "no");
  EXPECT("-1 ENOTTY", "ioctl(uvec fd, 0x5500)", ioctl(fd, 0x5500));
  close(fd2);
  return fd;
}

static void sender_calls(int fd63) {
  t_run("uintr_register_sender / uintr_unregister_sender");
  int efd = eventfd(0, 0);
  int pfd[2];
  pipe(pfd);
  EXPECT("-1 EBADF", "uintr_register_sender(-1, 0)", uintr_register_sender(-1, 0));
  EXPECT("-1 EBADF", "uintr_register_sender(1000, 0)", uintr_register_sender(1000, 0));
  EXPECT("-1 EOPNOTSUPP", "uintr_register_sender(eventfd, 0)", uintr_register_sender(efd, 0));
  EXPECT("-1 EOPNOTSUPP", "uintr_register_sender(pipe, 0)", uintr_register_sender(pfd[0], 0));
  EXPECT("-1 EINVAL", "uintr_register_sender(fd, 1)", uintr_register_sender(fd63, 1));
  EXPECT("0", "uintr_register_sender(fd, 0)", uintr_register_sender(fd63, 0));
  EXPECT("1", "uintr_register_sender(fd, 0) again (no duplicate check)", uintr_register_sender(fd63, 0));
  int last = 1, fails = 0;
  for (int i = 2; i < 256; i++) {
    long r = uintr_register_sender(fd63, 0);
    if (r != i) fails++;
    else last = r;
  }
  t_check(fails == 0 && last == 255, "registrations 3 to 256 return indexes 2 to 255: %s", fails == 0 && last == 255 ? "yes" : "no");
  EXPECT("-1 ENOSPC", "the 257th uintr_register_sender", uintr_register_sender(fd63, 0));
  EXPECT("-1 EINVAL", "uintr_unregister_sender(3, 1)", uintr_unregister_sender(3, 1));
  EXPECT("-1 EINVAL", "uintr_unregister_sender(256, 0)", uintr_unregister_sender(256, 0));
  EXPECT("-1 EINVAL", "uintr_unregister_sender(-1, 0)", uintr_unregister_sender(-1, 0));
  EXPECT("0", "uintr_unregister_sender(100, 0)", uintr_unregister_sender(100, 0));
  EXPECT("0", "uintr_unregister_sender(3, 0)", uintr_unregister_sender(3, 0));
  EXPECT("-1 EINVAL", "uintr_unregister_sender(3, 0) again", uintr_unregister_sender(3, 0));
  EXPECT("3", "uintr_register_sender (lowest free index)", uintr_register_sender(fd63, 0));
  EXPECT("100", "uintr_register_sender (next lowest free index)", uintr_register_sender(fd63, 0));
  EXPECT("-1 ENOSPC", "uintr_register_sender with the table full again", uintr_register_sender(fd63, 0));
  for (int i = 0; i < 256; i++) uintr_unregister_sender(i, 0);
  close(efd);
  close(pfd[0]);
  close(pfd[1]);
}

static void self_alt_wait_ipi_calls(void) {
  t_run("uintr_register_self, uintr_alt_stack, uintr_wait, uintr_ipi_fd");
  EXPECT("-1 ENOSPC", "uintr_register_self(64, 0)", uintr_register_self(64, 0));
  EXPECT("-1 EINVAL", "uintr_register_self(0, 1)", uintr_register_self(0, 1));
  EXPECT("0", "uintr_register_self(0, 0) (lowest free index)", uintr_register_self(0, 0));
  EXPECT("0", "uintr_unregister_sender(0, 0)", uintr_unregister_sender(0, 0));
  EXPECT("-1 EINVAL", "uintr_alt_stack(sp, 4096, 1)", uintr_alt_stack((void *)0x10000, 4096, 1));
  EXPECT("0", "uintr_alt_stack(sp, 4096, 0)", uintr_alt_stack((void *)0x10000, 4096, 0));
  EXPECT("0", "uintr_alt_stack(NULL, 0, 0)", uintr_alt_stack(NULL, 0, 0));
  EXPECT("0", "uintr_wait(0, 0)", uintr_wait(0, 0));
  long t0 = t_now_us();
  EXPECT("0", "uintr_wait(1000, 0) with nothing sent (timeout)", uintr_wait(1000, 0));
  long dt = t_now_us() - t0;
  t_check(dt >= 1000, "uintr_wait(1000, 0) slept at least 1000 us: %s", dt >= 1000 ? "yes" : "no");
  EXPECT("-1 EINVAL", "uintr_ipi_fd(1)", uintr_ipi_fd(1));
  int fd = uintr_ipi_fd(0);
  t_check(fd >= 3 && fcntl(fd, F_GETFD) == FD_CLOEXEC, "uintr_ipi_fd(0) returns an fd with FD_CLOEXEC: %s",
          fd >= 3 && fcntl(fd, F_GETFD) == FD_CLOEXEC ? "yes" : "no");
  EXPECT("-1 EINVAL", "ioctl(uipi fd, 0x7501)", ioctl(fd, 0x7501));
  EXPECT("-1 EBUSY", "ioctl(uipi fd, UIPI_SET_TARGET_TABLE) in the process that owns the table", ioctl(fd, UIPI_SET_TARGET_TABLE));
  close(fd);
}

int main(void) {
  uintr_test_init();
  if (!uintr_supported()) {
    t_skip("User interrupts are not supported (%s)", t_errname(errno));
    return EXIT_SUCCESS;
  }
  no_handler_yet();
  handler_calls();
  int fd = vector_fd_calls();
  sender_calls(fd);
  self_alt_wait_ipi_calls();
  close(fd);
  uintr_unregister_handler(0);
  return t_exit_status();
}
