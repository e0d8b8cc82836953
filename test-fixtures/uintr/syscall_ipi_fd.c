/*
 * syscall_ipi_fd: re-creation of the Intel uintr selftest "syscall_ipi_fd" (spec §2.2 479, §2.10): the
 * parent registers vector 0 on itself with uintr_register_self (index 0), creates a uipi fd for its UITT
 * and passes it over a socketpair (SCM_RIGHTS) to a child forked before the parent had a UITT. The child
 * adopts the table with ioctl(UIPI_SET_TARGET_TABLE) and sends index 0: the parent must receive it.
 * Also: a second UIPI_SET_TARGET_TABLE in the child is EBUSY. Inheriting the fd: disabled -> SKIP.
 */
#include "uintr_test.h"
#include "uintr_fdpass.h"
#include <sys/ioctl.h>

static volatile unsigned long received;

static void __attribute__((interrupt)) uintr_handler(struct __uintr_frame *f, unsigned long long vector) {
  (void)f;
  (void)vector;
  received = 1;
}

static void test_share_ipi_fd(void) {
  t_run("Share the UITT with another process through a uipi fd");
  int sv[2];
  socketpair(AF_UNIX, SOCK_STREAM, 0, sv);
  pid_t pid = fork();
  if (pid == 0) {
    close(sv[0]);
    int ipi_fd = fdpass_recv(sv[1]);
    if (ipi_fd < 0) _exit(2);
    if (ioctl(ipi_fd, UIPI_SET_TARGET_TABLE)) _exit(3);
    if (ioctl(ipi_fd, UIPI_SET_TARGET_TABLE) == 0 || errno != EBUSY) _exit(4);
    _senduipi(0);
    _exit(0);
  }
  close(sv[1]);
  received = 0;
  uintr_register_handler(uintr_handler, 0);
  long idx = uintr_register_self(0, 0);
  int ipi_fd = uintr_ipi_fd(0);
  _stui();
  if (idx != 0 || ipi_fd < 0 || fdpass_send(sv[0], ipi_fd)) t_fail("setup: index %ld, uipi fd %d", idx, ipi_fd);
  int got = t_wait_flag_sleep(&received, 1000000);
  int st = 0;
  waitpid(pid, &st, 0);
  _clui();
  if (got && WIFEXITED(st) && WEXITSTATUS(st) == 0) t_ok("interrupt received from the child");
  else t_fail("received %d, child %s", got, t_status_str(st));
  close(ipi_fd);
  close(sv[0]);
  uintr_unregister_sender(idx, 0);
  uintr_unregister_handler(0);
}

int main(void) {
  uintr_test_init();
  if (!uintr_supported()) {
    t_skip("User interrupts are not supported (%s)", t_errname(errno));
    return EXIT_SUCCESS;
  }
  test_share_ipi_fd();
  t_skip("Inherit the uipi fd over fork: disabled");
  return t_exit_status();
}
