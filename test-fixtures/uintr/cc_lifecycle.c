/*
 * cc_lifecycle: threads, fork, exec and (un)registration (spec §2.2, §2.4, §2.8, §6 items 30, 31, 36):
 *   1. a new pthread starts with UIF = 0 and no handler, yet (later ABI, per-process UITT) can SENDUIPI with
 *      an index the main thread registered, without SIGILL
 *   2. a fork child: UIF = 0, no handler, and SENDUIPI with the parent's index reaches the parent; the parent's
 *      UIF is unchanged by fork
 *   3. uintr_unregister_handler discards a pending (UIRR) interrupt; later SENDUIPIs do not fault and deliver
 *      nothing; after registering again, the vector posted while unregistered (kept in UPID.PIR) is delivered
 *   4. two receiver threads both use vector 0: each uvec fd targets the thread that created it; a second
 *      handler in the same thread is EBUSY
 *   5. a receiver thread that exited: SENDUIPI through an existing entry does not fault; a new
 *      uintr_register_sender with its uvec fd is ESHUTDOWN
 *   6. execve: nothing is inherited (uvec fd closed by O_CLOEXEC, UIF = 0, no handler, no UITT: SIGILL)
 */
#include "uintr_test.h"
#include <fcntl.h>

#define NLOG 8
static volatile unsigned long log_vec[NLOG], log_tag[NLOG], log_n;
static __thread unsigned long my_tag;

static void __attribute__((interrupt)) handler(struct __uintr_frame *f, unsigned long long vector) {
  (void)f;
  unsigned long n = __atomic_fetch_add(&log_n, 1, __ATOMIC_SEQ_CST);
  if (n < NLOG) {
    log_vec[n] = vector;
    log_tag[n] = my_tag;
  }
}

static long main_idx;

/* ------------------------------------------------------------------ 1. pthread */

static volatile int thr_uif = -1;
static const char *thr_unreg, *thr_vecfd;
static volatile int thr_fault = -1;

static void *new_thread(void *p) {
  (void)p;
  thr_uif = _testui();
  thr_unreg = T_CALL(uintr_unregister_handler(0));
  thr_vecfd = T_CALL(uintr_vector_fd(0, 0));
  t_fault_reset();
  _senduipi(main_idx);
  thr_fault = t_fault.count;
  return NULL;
}

static void test_thread(void) {
  t_run("A new thread");
  log_n = 0;
  pthread_t pt;
  pthread_create(&pt, NULL, new_thread, NULL);
  pthread_join(pt, NULL);
  t_wait_flag_sleep(&log_n, 100000);
  t_check(thr_uif == 0, "UIF in the new thread: %d", thr_uif);
  t_check(strcmp(thr_unreg, "-1 EINVAL") == 0 && strcmp(thr_vecfd, "-1 EINVAL") == 0,
          "no handler in the new thread: uintr_unregister_handler = %s, uintr_vector_fd = %s", thr_unreg, thr_vecfd);
  t_check(thr_fault == 0 && log_n == 1 && log_vec[0] == 2 && log_tag[0] == 1,
          "SENDUIPI with the main thread's index without registering: fault %s, main thread got vector %lu",
          thr_fault ? "yes" : "none", log_vec[0]);
}

/* ------------------------------------------------------------------ 2. fork */

static void test_fork(void) {
  t_run("A fork child");
  log_n = 0;
  pid_t pid = fork();
  if (pid == 0) {
    int uif = _testui();
    const char *unreg = T_CALL(uintr_unregister_handler(0));
    t_fault_reset();
    _senduipi(main_idx);
    t_check(uif == 0, "child: UIF %d", uif);
    t_check(strcmp(unreg, "-1 EINVAL") == 0, "child: no handler: uintr_unregister_handler = %s", unreg);
    t_check(t_fault.count == 0, "child: SENDUIPI with the parent's index: fault %s", t_fault_str());
    _exit(t_exit_status());
  }
  int st = 0;
  waitpid(pid, &st, 0);
  t_wait_flag_sleep(&log_n, 100000);
  t_check(WIFEXITED(st) && WEXITSTATUS(st) == 0, "child: %s", t_status_str(st));
  t_check(log_n == 1 && log_vec[0] == 2 && log_tag[0] == 1, "parent received vector %lu from the child (runs %lu)", log_vec[0], log_n);
  t_check(_testui() == 1, "parent UIF after fork: %d", _testui());
}

/* ------------------------------------------------------------------ 3. unregister / register again */

static void test_unregister(void) {
  t_run("uintr_unregister_handler with an interrupt pending, then register again");
  int fd4 = uintr_vector_fd(4, 0), fd9 = uintr_vector_fd(9, 0);
  long i4 = uintr_register_sender(fd4, 0), i9 = uintr_register_sender(fd9, 0);
  log_n = 0;
  _clui();
  _senduipi(i4);
  syscall(SYS_getpid); /* vector 4 is now in UIRR */
  long r = uintr_unregister_handler(0);
  _stui();
  syscall(SYS_getpid);
  for (int i = 0; i < 1000; i++) cpu_delay();
  t_check(r == 0 && log_n == 0, "pending vector 4 discarded: handler runs after unregister + STUI: %lu", log_n);
  t_fault_reset();
  _senduipi(i9);
  syscall(SYS_getpid);
  t_check(t_fault.count == 0 && log_n == 0, "SENDUIPI to the unregistered receiver: fault %s, handler runs %lu", t_fault_str(), log_n);
  r = uintr_register_handler(handler, 0);
  syscall(SYS_getpid);
  t_check(r == 0 && log_n == 1 && log_vec[0] == 9, "registered again: handler runs %lu, vector %lu (posted while unregistered)", log_n,
          log_vec[0]);
  uintr_unregister_sender(i4, 0);
  uintr_unregister_sender(i9, 0);
  close(fd4);
  close(fd9);
}

/* ------------------------------------------------------------------ 4. two receivers, vector 0 each */

struct recv_thread {
  unsigned long tag;
  volatile int fd;
  const char *second;
  volatile unsigned long done;
};

static void *receiver_thread(void *p) {
  struct recv_thread *rt = p;
  my_tag = rt->tag;
  uintr_register_handler(handler, 0);
  rt->second = T_CALL(uintr_register_handler(handler, 0));
  _stui();
  rt->fd = uintr_vector_fd(0, 0);
  t_wait_flag_sleep(&rt->done, 10000000);
  _clui();
  uintr_unregister_handler(0);
  return NULL;
}

static void test_two_receivers(void) {
  t_run("Two receiver threads, vector 0 each");
  struct recv_thread a = {10, -1, NULL, 0}, b = {20, -1, NULL, 0};
  pthread_t ta, tb;
  pthread_create(&ta, NULL, receiver_thread, &a);
  pthread_create(&tb, NULL, receiver_thread, &b);
  while (a.fd < 0 || b.fd < 0) usleep(10);
  long ia = uintr_register_sender(a.fd, 0), ib = uintr_register_sender(b.fd, 0);
  log_n = 0;
  _senduipi(ib);
  t_wait_flag_sleep(&log_n, 1000000);
  unsigned long first_n = log_n;
  _senduipi(ia);
  while (log_n < 2 && first_n == 1) usleep(10);
  a.done = b.done = 1;
  pthread_join(ta, NULL);
  pthread_join(tb, NULL);
  t_check(strcmp(a.second, "-1 EBUSY") == 0 && strcmp(b.second, "-1 EBUSY") == 0, "second handler in the same thread: %s, %s", a.second,
          b.second);
  t_check(log_n == 2 && log_tag[0] == 20 && log_vec[0] == 0 && log_tag[1] == 10 && log_vec[1] == 0,
          "send to B then A: delivered to thread %lu (vector %lu), then thread %lu (vector %lu)", log_tag[0], log_vec[0], log_tag[1],
          log_vec[1]);
  uintr_unregister_sender(ia, 0);
  uintr_unregister_sender(ib, 0);
  close(a.fd);
  close(b.fd);
}

/* ------------------------------------------------------------------ 5. a receiver that exited */

static volatile unsigned long dead_ready, dead_go;
static volatile int dead_fd = -1;

static void *short_lived_receiver(void *p) {
  (void)p;
  uintr_register_handler(handler, 0);
  dead_fd = uintr_vector_fd(0, 0);
  dead_ready = 1;
  t_wait_flag_sleep(&dead_go, 10000000);
  return NULL; /* exits with its handler registered */
}

static void test_dead_receiver(void) {
  t_run("A receiver thread that has exited");
  pthread_t pt;
  pthread_create(&pt, NULL, short_lived_receiver, NULL);
  t_wait_flag_sleep(&dead_ready, 10000000);
  long idx = uintr_register_sender(dead_fd, 0);
  dead_go = 1;
  pthread_join(pt, NULL);
  t_fault_reset();
  _senduipi(idx);
  syscall(SYS_getpid);
  t_check(idx >= 0 && t_fault.count == 0, "SENDUIPI to it: fault %s", t_fault_str());
  const char *r = T_CALL(uintr_register_sender(dead_fd, 0));
  t_check(strcmp(r, "-1 ESHUTDOWN") == 0, "uintr_register_sender with its uvec fd = %s", r);
  uintr_unregister_sender(idx, 0);
  close(dead_fd);
}

/* ------------------------------------------------------------------ 6. exec */

static int exec_child(int fd, long idx) {
  t_catch_faults();
  int r = fcntl(fd, F_GETFD);
  t_check(r == -1 && errno == EBADF, "exec'd: uvec fd %s (O_CLOEXEC)", r == -1 ? "closed" : "still open");
  t_check(_testui() == 0, "exec'd: UIF %d", _testui());
  const char *unreg = T_CALL(uintr_unregister_handler(0));
  t_check(strcmp(unreg, "-1 EINVAL") == 0, "exec'd: no handler: uintr_unregister_handler = %s", unreg);
  t_fault_reset();
  _senduipi(idx);
  t_check(t_fault.count == 1 && t_fault.signo == SIGILL, "exec'd: SENDUIPI with the old index: %s (no UITT)", t_fault_str());
  return t_exit_status();
}

static void test_exec(const char *self) {
  t_run("execve");
  int fd = uintr_vector_fd(3, 0);
  long idx = uintr_register_sender(fd, 0);
  char a1[16], a2[16];
  snprintf(a1, sizeof a1, "%d", fd);
  snprintf(a2, sizeof a2, "%ld", idx);
  pid_t pid = fork();
  if (pid == 0) {
    char *argv[] = {(char *)self, "exec-child", a1, a2, NULL};
    char *envp[] = {NULL};
    execve(self, argv, envp);
    _exit(99);
  }
  int st = 0;
  waitpid(pid, &st, 0);
  t_check(WIFEXITED(st) && WEXITSTATUS(st) == 0, "exec'd child: %s", t_status_str(st));
  uintr_unregister_sender(idx, 0);
  close(fd);
}

int main(int argc, char **argv) {
  uintr_test_init();
  if (argc == 4 && strcmp(argv[1], "exec-child") == 0) return exec_child(atoi(argv[2]), atol(argv[3]));
  t_catch_faults();
  if (!uintr_supported()) {
    t_skip("User interrupts are not supported (%s)", t_errname(errno));
    return EXIT_SUCCESS;
  }
  my_tag = 1;
  uintr_register_handler(handler, 0);
  main_idx = uintr_register_self(2, 0);
  _stui();
  test_thread();
  test_fork();
  test_unregister();
  test_two_receivers();
  test_dead_receiver();
  test_exec(argv[0]);
  _clui();
  uintr_unregister_handler(0);
  return t_exit_status();
}
