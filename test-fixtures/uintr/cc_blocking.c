/*
 * cc_blocking: user interrupts and system calls (spec §1.10, §2.5, §2.6, §6 items 9, 24, 25):
 *   1. posted while the receiver (no WAITING flags) is blocked in read(): the sender's SENDUIPI finds SN = 1
 *      (suppressed, trace), nothing happens until the read returns; then the handler runs at the first user
 *      boundary: its saved RIP is the instruction after SYSCALL and RAX already holds read's result (5). The
 *      handler sees the sender's later progress marker (phase 2), so it did not run at send time (phase 1).
 *   2. registered with WAITING_RECEIVER or WAITING_SENDER and blocked in nanosleep(10 s), read() on an empty
 *      pipe, FUTEX_WAIT without timeout, or uintr_wait(5 s): the call returns -1/EINTR early (never
 *      restarted), and the handler has already run when the program looks at the result.
 *      Two SENDUIPIs in a row (vectors 0, 1) to such a blocked receiver: the first wakes it (receiver pays:
 *      notification vector 0xEB, the kernel then sets SN; sender pays: #GP on the BLKD bit, absorbed by the
 *      kernel, which posts and sets ON), the second is only posted (SN=1 / ON=1); both are delivered, 1 first.
 *   3. without WAITING flags nanosleep(20 ms) runs to completion (returns 0); the handler runs right after it
 *      returns, not while it sleeps.
 */
#include "uintr_test.h"
#include <linux/futex.h>

/* ------------------------------------------------------------------ 1. posted during read() */

volatile unsigned long h_rax, h_rip, h_phase, h_vec, h_count, phase;
void raw_handler(void);
/* records the interrupted RAX and RIP, the sender's phase marker and the vector; preserves every register */
__asm__(".text\n\t.globl raw_handler\n\t.type raw_handler, @function\nraw_handler:\n\t"
        "mov %rax, h_rax(%rip)\n\t"
        "mov 8(%rsp), %rax\n\t"
        "mov %rax, h_rip(%rip)\n\t"
        "mov phase(%rip), %rax\n\t"
        "mov %rax, h_phase(%rip)\n\t"
        "mov (%rsp), %rax\n\t"
        "mov %rax, h_vec(%rip)\n\t"
        "mov h_rax(%rip), %rax\n\t"
        "lock incq h_count(%rip)\n\t"
        "add $8, %rsp\n\t"
        "uiret\n\t.size raw_handler, .-raw_handler\n");

static int uvec_fd, pipefd[2];

static void *sender_during_read(void *p) {
  (void)p;
  long idx = uintr_register_sender(uvec_fd, 0);
  usleep(2000); /* the receiver is blocked in read() by now */
  phase = 1;
  _senduipi(idx);
  usleep(2000);
  phase = 2;
  write(pipefd[1], "hello", 5);
  uintr_unregister_sender(idx, 0);
  return NULL;
}

static void test_posted_during_read(void) {
  t_run("Interrupt posted while the receiver is blocked in read() (no WAITING flags)");
  h_count = 0;
  phase = 0;
  pipe(pipefd);
  uintr_register_handler(raw_handler, 0);
  uvec_fd = uintr_vector_fd(6, 0);
  _stui();
  pthread_t pt;
  pthread_create(&pt, NULL, sender_during_read, NULL);
  char buf[16];
  long r;
  unsigned long after;
  __asm__ volatile("lea 1f(%%rip), %1\n\t"
                   "syscall\n"
                   "1:"
                   : "=a"(r), "=&r"(after)
                   : "a"((long)SYS_read), "D"((long)pipefd[0]), "S"(buf), "d"(5L)
                   : "rcx", "r11", "memory");
  unsigned long count = h_count; /* already delivered when the program sees read's result */
  pthread_join(pt, NULL);
  _clui();
  close(uvec_fd);
  close(pipefd[0]);
  close(pipefd[1]);
  uintr_unregister_handler(0);
  t_check(r == 5 && count == 1 && h_vec == 6, "read returned %ld; handler runs before the next instruction: %lu (vector %lu)", r, count, h_vec);
  t_check(h_rip == after, "interrupted RIP is the instruction after SYSCALL: %s", h_rip == after ? "yes" : "no");
  t_check(h_rax == 5, "RAX at delivery holds the system call's result: %ld", (long)h_rax);
  t_check(h_phase == 2, "delivered after the read returned, not when sent (sender phase seen by the handler: %lu)", h_phase);
}

/* ------------------------------------------------------------------ 2. WAITING flags */

static volatile unsigned long received, sender_saw, vec_log[4];

static void __attribute__((interrupt)) handler(struct __uintr_frame *f, unsigned long long vector) {
  (void)f;
  if (received < 4) vec_log[received] = vector;
  received++;
}

static void *sender_after_delay(void *p) {
  long delay = (long)p;
  long idx = uintr_register_sender(uvec_fd, 0);
  usleep(delay);
  _senduipi(idx);
  usleep(1000);
  sender_saw = received;
  uintr_unregister_sender(idx, 0);
  return NULL;
}

static volatile int futex_word;

enum { NANOSLEEP, READ, FUTEX, UINTR_WAIT };
static const char *const call_names[] = {"nanosleep(10 s)", "read(empty pipe)", "futex(FUTEX_WAIT, no timeout)", "uintr_wait(5 s)"};

static long blocking_call(int which) {
  struct timespec ts = {10, 0};
  char c;
  switch (which) {
  case NANOSLEEP: return nanosleep(&ts, NULL);
  case READ: return read(pipefd[0], &c, 1);
  case FUTEX: return syscall(SYS_futex, &futex_word, FUTEX_WAIT_PRIVATE, 0, NULL, NULL, 0);
  default: return uintr_wait(5000000, 0);
  }
}

static void test_waiting(unsigned int flags, int which) {
  const char *fname = flags == UINTR_HANDLER_FLAG_WAITING_RECEIVER ? "WAITING_RECEIVER" : "WAITING_SENDER";
  received = 0;
  futex_word = 0;
  pipe(pipefd);
  uintr_register_handler(handler, flags);
  uvec_fd = uintr_vector_fd(0, 0);
  _stui();
  pthread_t pt;
  pthread_create(&pt, NULL, sender_after_delay, (void *)2000L);
  long t0 = t_now_us();
  errno = 0;
  long r = blocking_call(which);
  int e = errno;
  unsigned long seen = received;
  long dt = t_now_us() - t0;
  pthread_join(pt, NULL);
  _clui();
  close(uvec_fd);
  close(pipefd[0]);
  close(pipefd[1]);
  uintr_unregister_handler(0);
  t_check(r == -1 && e == EINTR && seen == 1 && dt < 1000000, "%s, %s: %s, handler already run: %lu, returned early: %s", fname,
          call_names[which], t_res(r, e), seen, dt < 1000000 ? "yes" : "no");
}

/* two SENDUIPIs in a row (vectors 0 then 1) to a blocked receiver: both are delivered when it returns */
static int uvec_fd1;
static void *two_sends(void *p) {
  (void)p;
  long i0 = uintr_register_sender(uvec_fd, 0), i1 = uintr_register_sender(uvec_fd1, 0);
  usleep(2000);
  _senduipi(i0);
  _senduipi(i1);
  uintr_unregister_sender(i0, 0);
  uintr_unregister_sender(i1, 0);
  return NULL;
}

static void test_two_sends(unsigned int flags) {
  const char *fname = flags == UINTR_HANDLER_FLAG_WAITING_RECEIVER ? "WAITING_RECEIVER" : "WAITING_SENDER";
  received = 0;
  uintr_register_handler(handler, flags);
  uvec_fd = uintr_vector_fd(0, 0);
  uvec_fd1 = uintr_vector_fd(1, 0);
  _stui();
  pthread_t pt;
  pthread_create(&pt, NULL, two_sends, NULL);
  struct timespec ts = {10, 0};
  long r = nanosleep(&ts, NULL);
  int e = errno;
  unsigned long seen = received;
  pthread_join(pt, NULL);
  _clui();
  close(uvec_fd);
  close(uvec_fd1);
  uintr_unregister_handler(0);
  t_check(r == -1 && e == EINTR && seen == 2 && vec_log[0] == 1 && vec_log[1] == 0,
          "%s, vectors 0 and 1 sent back to back: nanosleep %s, handler runs %lu: vector %lu then %lu", fname, t_res(r, e), seen,
          vec_log[0], vec_log[1]);
}

/* ------------------------------------------------------------------ 3. no flags: the sleep completes */

static void test_sleep_without_flags(void) {
  t_run("Receiver without WAITING flags in nanosleep(20 ms)");
  received = 0;
  sender_saw = ~0ul;
  uintr_register_handler(handler, 0);
  uvec_fd = uintr_vector_fd(0, 0);
  _stui();
  pthread_t pt;
  pthread_create(&pt, NULL, sender_after_delay, (void *)1000L);
  struct timespec ts = {0, 20000000};
  long t0 = t_now_us();
  long r = nanosleep(&ts, NULL);
  unsigned long seen = received;
  long dt = t_now_us() - t0;
  pthread_join(pt, NULL);
  _clui();
  close(uvec_fd);
  uintr_unregister_handler(0);
  t_check(r == 0 && dt >= 20000, "nanosleep returned %ld after the full 20 ms: %s", r, dt >= 20000 ? "yes" : "no");
  t_check(sender_saw == 0, "handler runs seen by the sender 1 ms after sending (receiver asleep): %lu", sender_saw);
  t_check(seen == 1, "handler runs right after nanosleep returned: %lu", seen);
}

int main(void) {
  uintr_test_init();
  if (!uintr_supported()) {
    t_skip("User interrupts are not supported (%s)", t_errname(errno));
    return EXIT_SUCCESS;
  }
  test_posted_during_read();
  t_run("Blocked receivers registered with WAITING flags");
  for (int which = NANOSLEEP; which <= UINTR_WAIT; which++) {
    test_waiting(UINTR_HANDLER_FLAG_WAITING_RECEIVER, which);
    test_waiting(UINTR_HANDLER_FLAG_WAITING_SENDER, which);
  }
  test_two_sends(UINTR_HANDLER_FLAG_WAITING_RECEIVER);
  test_two_sends(UINTR_HANDLER_FLAG_WAITING_SENDER);
  test_sleep_without_flags();
  return t_exit_status();
}
