/*
 * rfc_v1_base: the RFC v1 ABI (system calls 449-454, spec §0, §2.3, §2.10); run with
 * `uintr-run --uintr-abi rfc-v1`.
 *   - the RFC selftest x86/uintr.c: an IPI from a thread to the main thread spinning in user space, and to
 *     the main thread blocked in uintr_wait(0), which ends with -1/EINTR after the handler ran
 *   - RFC v1 semantics: no blocking flags (EINVAL); uintr_create_fd of a vector already registered: EBUSY;
 *     a second uintr_register_sender with the same fd in the same thread: EISCONN; the UITT is per thread,
 *     so another thread's SENDUIPI with the main thread's index raises SIGILL until that thread registers
 *     itself (it gets index 0 in its own table); uintr_unregister_sender takes the fd (then SENDUIPI with the
 *     old index: SIGSEGV); closing the last reference to the uintr fd unregisters the senders connected
 *     through it (SENDUIPI: SIGSEGV); after uintr_unregister_handler, uintr_register_sender is ESHUTDOWN;
 *     the later-ABI numbers 471-479 do not exist (ENOSYS)
 */
#define UINTR_RFC_V1
#include "uintr_test.h"
#include <sys/eventfd.h>

static volatile unsigned long received;

static void __attribute__((interrupt)) uintr_handler(struct __uintr_frame *f, unsigned long long vector) {
  (void)f;
  (void)vector;
  received++;
}

static int uintr_fd;

static void *base_sender(void *p) {
  long delay = (long)p;
  long idx = uintr_register_sender(uintr_fd, 0);
  if (idx < 0) {
    t_fail("other thread: uintr_register_sender: %s", t_errname(errno));
    return NULL;
  }
  if (delay) usleep(delay);
  printf("\tother thread: sending IPI\n");
  _senduipi(idx);
  uintr_unregister_sender(uintr_fd, 0);
  return NULL;
}

static void test_base_ipi(void) {
  t_run("Spin in userspace (waiting for interrupts)");
  received = 0;
  pthread_t pt;
  pthread_create(&pt, NULL, base_sender, (void *)0L);
  t_wait_flag_spin(&received, 1000000);
  pthread_join(pt, NULL);
  if (received) t_ok("User interrupt received");
  else t_fail("User interrupt not received");
}

static void test_blocking_ipi(void) {
  t_run("Block in the kernel (waiting for interrupts)");
  received = 0;
  pthread_t pt;
  pthread_create(&pt, NULL, base_sender, (void *)1000L);
  long r = uintr_wait(0);
  int e = errno;
  unsigned long seen = received;
  pthread_join(pt, NULL);
  if (r == -1 && e == EINTR && seen == 1) t_ok("User interrupt received (uintr_wait(0) = -1 EINTR)");
  else t_fail("uintr_wait(0) = %s, handler runs %lu", t_res(r, e), seen);
}

/* ------------------------------------------------------------------ RFC v1 semantics */

static long main_idx;
static const char *thr_register;
static volatile int thr_fault_sig = -1, thr_fault_code = -1;
static volatile unsigned long thr_delivered;

static void *per_thread_uitt(void *p) {
  (void)p;
  t_fault_reset();
  _senduipi(main_idx);
  thr_fault_sig = t_fault.count ? t_fault.signo : 0;
  thr_fault_code = t_fault.code;
  received = 0;
  thr_register = T_CALL(uintr_register_sender(uintr_fd, 0));
  _senduipi(0);
  t_wait_flag_sleep(&received, 100000);
  thr_delivered = received;
  uintr_unregister_sender(uintr_fd, 0);
  return NULL;
}

static volatile unsigned long closer_registered, fd_closed;
static const char *closer_result;

static void *sender_until_close(void *p) {
  int fd = (int)(long)p;
  long idx = uintr_register_sender(fd, 0);
  closer_registered = 1;
  t_wait_flag_sleep(&fd_closed, 1000000);
  t_fault_reset();
  _senduipi(idx);
  closer_result = t_fault_str();
  return NULL;
}

static void test_rfc_semantics(void) {
  t_run("RFC v1 system-call semantics");
  const char *r;
  r = T_CALL(uintr_vector_fd(0, 0));
  t_check(strcmp(r, "-1 EBUSY") == 0, "uintr_create_fd(0) while vector 0 is registered = %s", r);
  main_idx = uintr_register_sender(uintr_fd, 0);
  t_check(main_idx == 0, "uintr_register_sender(fd) = %ld", main_idx);
  r = T_CALL(uintr_register_sender(uintr_fd, 0));
  t_check(strcmp(r, "-1 EISCONN") == 0, "uintr_register_sender(fd) again in the same thread = %s", r);
  int efd = eventfd(0, 0);
  r = T_CALL(uintr_register_sender(efd, 0));
  t_check(strcmp(r, "-1 EOPNOTSUPP") == 0, "uintr_register_sender(eventfd) = %s", r);
  r = T_CALL(uintr_unregister_sender(-1, 0));
  t_check(strcmp(r, "-1 EBADF") == 0, "uintr_unregister_sender(-1) = %s", r);
  r = T_CALL(uintr_unregister_sender(efd, 0));
  t_check(strcmp(r, "-1 EOPNOTSUPP") == 0, "uintr_unregister_sender(eventfd) = %s", r);
  close(efd);

  pthread_t pt;
  pthread_create(&pt, NULL, per_thread_uitt, NULL);
  pthread_join(pt, NULL);
  t_check(thr_fault_sig == SIGILL && thr_fault_code == 2, "another thread's SENDUIPI with index %ld: signal %d si_code %d (SIGILL: no UITT in that thread)",
          main_idx, thr_fault_sig, thr_fault_code);
  t_check(strcmp(thr_register, "0") == 0 && thr_delivered == 1, "that thread registers itself: index %s (its own table), delivered %lu",
          thr_register, thr_delivered);

  r = T_CALL(uintr_unregister_sender(uintr_fd, 0));
  t_check(strcmp(r, "0") == 0, "uintr_unregister_sender(fd) = %s", r);
  t_fault_reset();
  _senduipi(main_idx);
  t_check(t_fault.count == 1 && t_fault.signo == SIGSEGV && t_fault.code == 0x80, "SENDUIPI with the unregistered index: %s", t_fault_str());
  r = T_CALL(uintr_unregister_sender(uintr_fd, 0));
  t_check(strcmp(r, "-1 EINVAL") == 0, "uintr_unregister_sender(fd) again = %s", r);

  int fd3 = uintr_vector_fd(3, 0);
  pthread_create(&pt, NULL, sender_until_close, (void *)(long)fd3);
  t_wait_flag_sleep(&closer_registered, 1000000);
  close(fd3);
  fd_closed = 1;
  pthread_join(pt, NULL);
  t_check(strncmp(closer_result, "SIGSEGV", 7) == 0, "SENDUIPI after the receiver closed the uintr fd: %s", closer_result);

  r = T_CALL(uintr_unregister_handler(0));
  t_check(strcmp(r, "0") == 0, "uintr_unregister_handler(0) = %s", r);
  r = T_CALL(uintr_register_sender(uintr_fd, 0));
  t_check(strcmp(r, "-1 ESHUTDOWN") == 0, "uintr_register_sender after the receiver unregistered = %s", r);
  r = T_CALL(uintr_register_handler(uintr_handler, UINTR_HANDLER_FLAG_WAITING_RECEIVER));
  t_check(strcmp(r, "-1 EINVAL") == 0, "uintr_register_handler(h, WAITING_RECEIVER) = %s", r);
  char line[256] = "";
  for (int nr = 471; nr <= 479; nr++) {
    errno = 0;
    long x = syscall(nr, 0, 0, 0);
    if (!(x == -1 && errno == ENOSYS)) snprintf(line + strlen(line), sizeof line - strlen(line), " %d", nr);
  }
  t_check(line[0] == 0, "system calls 471-479 return ENOSYS:%s", line[0] ? line : " all");
}

int main(void) {
  uintr_test_init();
  t_catch_faults();
  if (!uintr_supported()) {
    t_skip("User interrupts are not supported (%s)", t_errname(errno));
    return EXIT_SUCCESS;
  }
  if (uintr_register_handler(uintr_handler, 0)) {
    t_fail("uintr_register_handler: %s", t_errname(errno));
    return EXIT_FAILURE;
  }
  uintr_fd = uintr_vector_fd(0, 0);
  if (uintr_fd < 0) {
    t_fail("uintr_create_fd: %s", t_errname(errno));
    return EXIT_FAILURE;
  }
  _stui();
  test_base_ipi();
  test_blocking_ipi();
  test_rfc_semantics();
  _clui();
  close(uintr_fd);
  return t_exit_status();
}
