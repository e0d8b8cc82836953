/*
 * syscall_blocking: re-creation of the Intel uintr selftest "syscall_blocking" (spec §2.6, §2.10): process
 * IPIs to receivers registered with UINTR_HANDLER_FLAG_WAITING_RECEIVER or _SENDER that wait with usleep(1)
 * loops, i.e. are blocked in the kernel when the interrupt arrives:
 *   - unidirectional: a forked child registers as sender on the inherited uvec fd and sends
 *   - bidirectional: the child registers its own handler (same flags) and vector 1, passes that uvec fd back
 *     with SCM_RIGHTS, and the two processes ping-pong
 */
#include "uintr_test.h"
#include "uintr_fdpass.h"

#define ROUNDS 3

static volatile unsigned long received, last_vector;

static void __attribute__((interrupt)) uintr_handler(struct __uintr_frame *f, unsigned long long vector) {
  (void)f;
  last_vector = vector;
  received = 1;
}

static const char *flag_name(unsigned int f) {
  return f == UINTR_HANDLER_FLAG_WAITING_RECEIVER ? "WAITING_RECEIVER" : "WAITING_SENDER";
}

static void test_unidirectional(unsigned int flags) {
  t_run("Process IPI to a blocked receiver (%s), unidirectional", flag_name(flags));
  received = 0;
  if (uintr_register_handler(uintr_handler, flags)) {
    t_skip("uintr_register_handler with %s: %s", flag_name(flags), t_errname(errno));
    return;
  }
  int fd = uintr_vector_fd(0, 0);
  _stui();
  pid_t pid = fork();
  if (pid == 0) {
    long idx = uintr_register_sender(fd, 0);
    if (idx < 0) _exit(2);
    usleep(1000);
    _senduipi(idx);
    _exit(0);
  }
  int got = t_wait_flag_sleep(&received, 1000000);
  int st = 0;
  waitpid(pid, &st, 0);
  _clui();
  close(fd);
  uintr_unregister_handler(0);
  if (got && WIFEXITED(st) && WEXITSTATUS(st) == 0) t_ok("interrupt received");
  else t_fail("received %d, child %s", got, t_status_str(st));
}

static void test_bidirectional(unsigned int flags) {
  t_run("Process IPI to a blocked receiver (%s), bidirectional, %d rounds", flag_name(flags), ROUNDS);
  received = 0;
  if (uintr_register_handler(uintr_handler, flags)) {
    t_skip("uintr_register_handler with %s: %s", flag_name(flags), t_errname(errno));
    return;
  }
  int fd0 = uintr_vector_fd(0, 0);
  _stui();
  int sv[2];
  socketpair(AF_UNIX, SOCK_STREAM, 0, sv);
  pid_t pid = fork();
  if (pid == 0) {
    close(sv[0]);
    if (uintr_register_handler(uintr_handler, flags)) _exit(2);
    int fd1 = uintr_vector_fd(1, 0);
    _stui();
    long to_parent = uintr_register_sender(fd0, 0);
    if (fd1 < 0 || to_parent < 0 || fdpass_send(sv[1], fd1)) _exit(3);
    for (int i = 0; i < ROUNDS; i++) {
      if (!t_wait_flag_sleep(&received, 1000000) || last_vector != 1) _exit(10 + i);
      received = 0;
      _senduipi(to_parent);
    }
    _exit(0);
  }
  close(sv[1]);
  int fd1 = fdpass_recv(sv[0]);
  long to_child = fd1 >= 0 ? uintr_register_sender(fd1, 0) : -1;
  int rounds = 0;
  for (int i = 0; i < ROUNDS && to_child >= 0; i++) {
    received = 0;
    _senduipi(to_child);
    if (!t_wait_flag_sleep(&received, 1000000) || last_vector != 0) break;
    rounds++;
  }
  int st = 0;
  waitpid(pid, &st, 0);
  _clui();
  close(fd0);
  if (fd1 >= 0) close(fd1);
  close(sv[0]);
  uintr_unregister_sender(to_child, 0);
  uintr_unregister_handler(0);
  if (rounds == ROUNDS && WIFEXITED(st) && WEXITSTATUS(st) == 0) t_ok("%d round trips", rounds);
  else t_fail("%d round trips, child %s", rounds, t_status_str(st));
}

int main(void) {
  uintr_test_init();
  if (!uintr_supported()) {
    t_skip("User interrupts are not supported (%s)", t_errname(errno));
    return EXIT_SUCCESS;
  }
  test_unidirectional(UINTR_HANDLER_FLAG_WAITING_RECEIVER);
  test_unidirectional(UINTR_HANDLER_FLAG_WAITING_SENDER);
  test_bidirectional(UINTR_HANDLER_FLAG_WAITING_RECEIVER);
  test_bidirectional(UINTR_HANDLER_FLAG_WAITING_SENDER);
  return t_exit_status();
}
