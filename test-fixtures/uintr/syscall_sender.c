/*
 * syscall_sender: re-creation of the Intel uintr selftest "syscall_sender" (spec §2.10, §2.2 474):
 *   - uintr_register_sender(-1) must fail
 *   - uintr_register_sender on an eventfd must fail
 *   - in a forked child: 4 threads each register a handler and 64 vectors; the child registers as sender
 *     for all 256 uvec fds (one UITT, 256 entries) and the 257th registration must fail
 *   - registering the same uvec fd again: disabled in the original -> SKIP
 */
#include "uintr_test.h"
#include <sys/eventfd.h>

#define THREADS 4
#define VECS 64

static void __attribute__((interrupt)) uintr_handler(struct __uintr_frame *f, unsigned long long vector) {
  (void)f;
  (void)vector;
}

static void test_no_uvec_fd(void) {
  t_run("uintr_register_sender(-1)");
  if (uintr_register_sender(-1, 0) >= 0) t_fail("uintr_register_sender(-1) succeeded");
  else t_ok("uintr_register_sender(-1) failed (%s)", t_errname(errno));
}

static void test_invalid_uvec_fd(void) {
  t_run("uintr_register_sender on an eventfd");
  int efd = eventfd(0, 0);
  if (uintr_register_sender(efd, 0) >= 0) t_fail("uintr_register_sender(eventfd) succeeded");
  else t_ok("uintr_register_sender(eventfd) failed (%s)", t_errname(errno));
  close(efd);
}

static int fds[THREADS][VECS];
static volatile unsigned long ready[THREADS], done;

static void *receiver(void *p) {
  long t = (long)p;
  if (uintr_register_handler(uintr_handler, 0)) _exit(10);
  for (int v = 0; v < VECS; v++) {
    fds[t][v] = uintr_vector_fd(v, 0);
    if (fds[t][v] < 0) _exit(11);
  }
  ready[t] = 1;
  t_wait_flag_sleep(&done, 100000000);
  uintr_unregister_handler(0);
  return NULL;
}

static void test_out_of_uitte(void) {
  t_run("UITT exhaustion: %d threads x %d vectors, then one more registration (forked child)", THREADS, VECS);
  pid_t pid = fork();
  if (pid == 0) {
    pthread_t pt[THREADS];
    for (long t = 0; t < THREADS; t++) pthread_create(&pt[t], NULL, receiver, (void *)t);
    for (int t = 0; t < THREADS; t++) t_wait_flag_sleep(&ready[t], 100000000);
    int ok = 0;
    for (int t = 0; t < THREADS; t++)
      for (int v = 0; v < VECS; v++)
        if (uintr_register_sender(fds[t][v], 0) >= 0) ok++;
    long extra = uintr_register_sender(fds[0][0], 0);
    int e = errno;
    done = 1;
    for (int t = 0; t < THREADS; t++) pthread_join(pt[t], NULL);
    if (ok != THREADS * VECS) t_fail("only %d of %d registrations succeeded", ok, THREADS * VECS);
    else if (extra >= 0) t_fail("registration %d succeeded (index %ld)", THREADS * VECS + 1, extra);
    else t_ok("%d registrations succeeded, registration %d failed (%s)", ok, ok + 1, t_errname(e));
    _exit(t_exit_status());
  }
  int st = 0;
  waitpid(pid, &st, 0);
  if (!WIFEXITED(st) || WEXITSTATUS(st) != 0) t_fail("child: %s", t_status_str(st));
}

int main(void) {
  uintr_test_init();
  if (!uintr_supported()) {
    t_skip("User interrupts are not supported (%s)", t_errname(errno));
    return EXIT_SUCCESS;
  }
  test_no_uvec_fd();
  test_invalid_uvec_fd();
  test_out_of_uitte();
  t_skip("Registering the same uvec fd again: disabled");
  return t_exit_status();
}
