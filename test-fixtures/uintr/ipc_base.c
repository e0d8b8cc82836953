/*
 * ipc_base: re-creation of the Intel uintr selftest "ipc_base" (spec §2.10), later ABI (471-479).
 *   - support check (always OK)
 *   - an IPI from a sender thread (registered through the uvec fd) to the spinning main thread
 *   - the same with uintr_register_self (no fd): another thread uses the index
 *   - blocking in uintr_wait(100000, 0) with WAITING_RECEIVER / WAITING_SENDER: -1/EINTR, handler run
 *   - blocking in nanosleep(10 s) with WAITING_RECEIVER / WAITING_SENDER: -1/EINTR, handler run
 *   - process IPI, unidirectional: a forked child registers as sender on the inherited uvec fd
 *   - process IPI, bidirectional: the child passes its own uvec fd back with SCM_RIGHTS; ping-pong
 */
#include "uintr_test.h"
#include "uintr_fdpass.h"

static volatile unsigned long received;
static volatile unsigned long last_vector = ~0ul;

static void __attribute__((interrupt)) handler(struct __uintr_frame *frame, unsigned long long vector) {
  (void)frame;
  last_vector = vector;
  received++;
}

static int setup_receiver(unsigned int flags, unsigned long vector) {
  if (uintr_register_handler(handler, flags)) {
    t_fail("register handler (flags %#x): %s", flags, t_errname(errno));
    return -1;
  }
  int fd = uintr_vector_fd(vector, 0);
  if (fd < 0) {
    t_fail("uintr_vector_fd(%lu): %s", vector, t_errname(errno));
    uintr_unregister_handler(0);
    return -1;
  }
  return fd;
}
static void teardown_receiver(int fd) {
  _clui();
  if (fd >= 0) close(fd);
  uintr_unregister_handler(0);
}

/* ---------------------------------------------------------------- support */

static void print_uintr_support(void) {
  t_ok("User interrupts supported by this CPU and kernel");
}

/* ---------------------------------------------------------------- thread IPI */

struct sender_arg {
  int uvec_fd;   /* register through this fd (>= 0), or */
  long index;    /* use this index directly (uintr_register_self) */
  long delay_us; /* sleep before sending */
};

static void *sender_thread(void *p) {
  struct sender_arg *a = p;
  long idx = a->index;
  if (a->uvec_fd >= 0) {
    idx = uintr_register_sender(a->uvec_fd, 0);
    if (idx < 0) {
      t_fail("sender: register_sender: %s", t_errname(errno));
      return NULL;
    }
  }
  if (a->delay_us) usleep(a->delay_us);
  _senduipi(idx);
  if (a->uvec_fd >= 0) uintr_unregister_sender(idx, 0);
  return NULL;
}

static void test_thread_ipi(void) {
  t_run("Base UIPI test: a thread sends to the spinning main thread (uvec fd)");
  received = 0;
  int fd = setup_receiver(0, 0);
  if (fd < 0) return;
  _stui();
  struct sender_arg a = {fd, -1, 100};
  pthread_t pt;
  pthread_create(&pt, NULL, sender_thread, &a);
  int got = t_wait_flag_spin(&received, 100000);
  pthread_join(pt, NULL);
  teardown_receiver(fd);
  if (got && last_vector == 0) t_ok("User interrupt received (vector 0)");
  else t_fail("User interrupt not received");
}

static void test_thread_ipi_no_fd(void) {
  t_run("UIPI test without an fd: uintr_register_self(0), another thread sends");
  received = 0;
  if (uintr_register_handler(handler, 0)) {
    t_fail("register handler: %s", t_errname(errno));
    return;
  }
  long idx = uintr_register_self(0, 0);
  if (idx < 0) {
    t_fail("uintr_register_self: %s", t_errname(errno));
    uintr_unregister_handler(0);
    return;
  }
  _stui();
  struct sender_arg a = {-1, idx, 100};
  pthread_t pt;
  pthread_create(&pt, NULL, sender_thread, &a);
  int got = t_wait_flag_spin(&received, 100000);
  pthread_join(pt, NULL);
  uintr_unregister_sender(idx, 0);
  teardown_receiver(-1);
  if (got && last_vector == 0) t_ok("User interrupt received (vector 0)");
  else t_fail("User interrupt not received");
}

/* ---------------------------------------------------------------- blocking */

static const char *flag_name(unsigned int f) {
  return f == UINTR_HANDLER_FLAG_WAITING_RECEIVER ? "WAITING_RECEIVER" : "WAITING_SENDER";
}

static void test_blocking_ipi_uintr_wait(unsigned int flags) {
  t_run("Blocking in uintr_wait(100000, 0) with %s", flag_name(flags));
  received = 0;
  if (uintr_register_handler(handler, flags)) {
    t_skip("register handler with %s: %s", flag_name(flags), t_errname(errno));
    return;
  }
  int fd = uintr_vector_fd(0, 0);
  _stui();
  struct sender_arg a = {fd, -1, 1000};
  pthread_t pt;
  pthread_create(&pt, NULL, sender_thread, &a);
  long r = uintr_wait(100000, 0);
  int e = errno;
  unsigned long seen = received; /* the handler must already have run */
  pthread_join(pt, NULL);
  teardown_receiver(fd);
  if (r == -1 && e == EINTR && seen == 1) t_ok("uintr_wait returned -1/EINTR with the interrupt handled");
  else t_fail("uintr_wait: %s, handler runs %lu", t_res(r, e), seen);
}

static void test_blocking_ipi_sleep(unsigned int flags) {
  t_run("Blocking in nanosleep(10 s) with %s", flag_name(flags));
  received = 0;
  if (uintr_register_handler(handler, flags)) {
    t_skip("register handler with %s: %s", flag_name(flags), t_errname(errno));
    return;
  }
  int fd = uintr_vector_fd(0, 0);
  _stui();
  struct sender_arg a = {fd, -1, 1000};
  pthread_t pt;
  pthread_create(&pt, NULL, sender_thread, &a);
  struct timespec ts = {10, 0}, rem = {0, 0};
  long t0 = t_now_us();
  long r = nanosleep(&ts, &rem);
  int e = errno;
  unsigned long seen = received;
  long slept = t_now_us() - t0;
  pthread_join(pt, NULL);
  teardown_receiver(fd);
  if (r == -1 && e == EINTR && seen == 1 && slept < 1000000) t_ok("nanosleep returned -1/EINTR early with the interrupt handled");
  else t_fail("nanosleep: %s after %ld us, handler runs %lu", t_res(r, e), slept, seen);
}

/* ---------------------------------------------------------------- processes */

static void test_process_ipi_unidirectional(void) {
  t_run("Process IPI, unidirectional: a forked child sends through the inherited uvec fd");
  received = 0;
  int fd = setup_receiver(0, 0);
  if (fd < 0) return;
  _stui();
  pid_t pid = fork();
  if (pid == 0) {
    long idx = uintr_register_sender(fd, 0);
    if (idx < 0) _exit(2);
    usleep(100);
    _senduipi(idx);
    uintr_unregister_sender(idx, 0);
    _exit(0);
  }
  int got = t_wait_flag_sleep(&received, 1000000);
  int st = 0;
  waitpid(pid, &st, 0);
  teardown_receiver(fd);
  if (got && WIFEXITED(st) && WEXITSTATUS(st) == 0) t_ok("User interrupt received from the child");
  else t_fail("received %lu, child %s", received, t_status_str(st));
}

#define PINGS 3

static void test_process_ipi_bidirectional(void) {
  t_run("Process IPI, bidirectional: uvec fd passed back with SCM_RIGHTS, %d round trips", PINGS);
  received = 0;
  int fd0 = setup_receiver(0, 0);
  if (fd0 < 0) return;
  _stui();
  int sv[2];
  socketpair(AF_UNIX, SOCK_STREAM, 0, sv);
  pid_t pid = fork();
  if (pid == 0) {
    close(sv[0]);
    /* the child starts with no handler: register its own and create vector 1 */
    if (uintr_register_handler(handler, 0)) _exit(2);
    int fd1 = uintr_vector_fd(1, 0);
    if (fd1 < 0) _exit(3);
    _stui();
    long to_parent = uintr_register_sender(fd0, 0);
    if (to_parent < 0) _exit(4);
    if (fdpass_send(sv[1], fd1)) _exit(5);
    for (int i = 0; i < PINGS; i++) {
      if (!t_wait_flag_sleep(&received, 1000000) || last_vector != 1) _exit(10 + i);
      received = 0;
      _senduipi(to_parent);
    }
    _exit(0);
  }
  close(sv[1]);
  int fd1 = fdpass_recv(sv[0]);
  long to_child = fd1 >= 0 ? uintr_register_sender(fd1, 0) : -1;
  int pongs = 0;
  if (to_child >= 0) {
    for (int i = 0; i < PINGS; i++) {
      received = 0;
      _senduipi(to_child);
      if (!t_wait_flag_sleep(&received, 1000000) || last_vector != 0) break;
      pongs++;
    }
  }
  int st = 0;
  waitpid(pid, &st, 0);
  teardown_receiver(fd0);
  if (fd1 >= 0) close(fd1);
  close(sv[0]);
  if (pongs == PINGS && WIFEXITED(st) && WEXITSTATUS(st) == 0) t_ok("%d pings and %d pongs (vectors 1 and 0)", PINGS, pongs);
  else t_fail("fd %d index %ld, pongs %d, child %s", fd1, to_child, pongs, t_status_str(st));
}

int main(void) {
  uintr_test_init();
  if (!uintr_supported()) {
    t_skip("User interrupts are not supported (%s)", t_errname(errno));
    return EXIT_SUCCESS;
  }
  print_uintr_support();
  test_thread_ipi();
  test_thread_ipi_no_fd();
  test_blocking_ipi_uintr_wait(UINTR_HANDLER_FLAG_WAITING_RECEIVER);
  test_blocking_ipi_uintr_wait(UINTR_HANDLER_FLAG_WAITING_SENDER);
  test_blocking_ipi_sleep(UINTR_HANDLER_FLAG_WAITING_RECEIVER);
  test_blocking_ipi_sleep(UINTR_HANDLER_FLAG_WAITING_SENDER);
  test_process_ipi_unidirectional();
  test_process_ipi_bidirectional();
  return t_exit_status();
}
