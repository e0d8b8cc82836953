/*
 * uintr_test.h: shared helpers of the UINTR test programs in test-fixtures/uintr/ (system-call wrappers,
 * [RUN]/[OK]/[FAIL]/[SKIP] reporting, a SIGILL/SIGSEGV recorder that skips the faulting UINTR instruction).
 * Written for uintr-debug from the project's UINTR spec digest (docs: ../../../shared/uintr-spec.md §2).
 *
 * Build every program with: gcc -O2 -static -pthread -muintr -mgeneral-regs-only PROG.c
 * Define UINTR_RFC_V1 before including this header for the RFC v1 system-call numbers (449-454).
 *
 * stdout is made unbuffered (uintr_test_init), so lines from handlers (write(2)), threads and forked
 * children appear in program order whether stdout is a terminal or a pipe.
 */
#ifndef UINTR_TEST_H
#define UINTR_TEST_H

#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <ucontext.h>
#include <unistd.h>
#include <x86gprintrin.h>

#ifdef UINTR_RFC_V1
#define NR_uintr_register_handler 449
#define NR_uintr_unregister_handler 450
#define NR_uintr_vector_fd 451 /* uintr_create_fd in RFC v1 */
#define NR_uintr_register_sender 452
#define NR_uintr_unregister_sender 453 /* first argument: the uintr fd */
#define NR_uintr_wait 454               /* uintr_wait(flags) */
#else
#define NR_uintr_register_handler 471
#define NR_uintr_unregister_handler 472
#define NR_uintr_vector_fd 473
#define NR_uintr_register_sender 474
#define NR_uintr_unregister_sender 475 /* first argument: the UITT index */
#define NR_uintr_wait 476               /* uintr_wait(usec, flags) */
#define NR_uintr_register_self 477
#define NR_uintr_alt_stack 478
#define NR_uintr_ipi_fd 479
#endif

#define UINTR_HANDLER_FLAG_WAITING_RECEIVER 0x1000
#define UINTR_HANDLER_FLAG_WAITING_SENDER 0x2000
#define UINTR_HANDLER_FLAG_WAITING_ANY 0x3000
#define UIPI_SET_TARGET_TABLE 0x7500

#define uintr_register_handler(h, flags) syscall(NR_uintr_register_handler, (h), (flags))
#define uintr_unregister_handler(flags) syscall(NR_uintr_unregister_handler, (flags))
#define uintr_vector_fd(vec, flags) syscall(NR_uintr_vector_fd, (vec), (flags))
#define uintr_register_sender(fd, flags) syscall(NR_uintr_register_sender, (fd), (flags))
#define uintr_unregister_sender(arg, flags) syscall(NR_uintr_unregister_sender, (arg), (flags))
#ifdef UINTR_RFC_V1
#define uintr_wait(flags) syscall(NR_uintr_wait, (flags))
#else
#define uintr_wait(usec, flags) syscall(NR_uintr_wait, (usec), (flags))
#define uintr_register_self(vec, flags) syscall(NR_uintr_register_self, (vec), (flags))
#define uintr_alt_stack(sp, size, flags) syscall(NR_uintr_alt_stack, (sp), (size), (flags))
#define uintr_ipi_fd(flags) syscall(NR_uintr_ipi_fd, (flags))
#endif

/* ------------------------------------------------------------------ reporting */

static int t_failures __attribute__((unused));

static __attribute__((unused)) void uintr_test_init(void) {
  setvbuf(stdout, NULL, _IONBF, 0);
}

static __attribute__((unused)) void __attribute__((format(printf, 2, 3))) t_line(const char *tag, const char *fmt, ...) {
  char buf[512];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(buf, sizeof buf, fmt, ap);
  va_end(ap);
  printf("[%s]\t%s\n", tag, buf);
}
#define t_run(...) t_line("RUN", __VA_ARGS__)
#define t_ok(...) t_line("OK", __VA_ARGS__)
#define t_skip(...) t_line("SKIP", __VA_ARGS__)
#define t_fail(...) (t_failures++, t_line("FAIL", __VA_ARGS__))
/* One fact: [OK] when cond holds, [FAIL] otherwise; the message shows the observed value either way. */
#define t_check(cond, ...) ((cond) ? t_line("OK", __VA_ARGS__) : (t_failures++, t_line("FAIL", __VA_ARGS__)))

static __attribute__((unused)) int t_exit_status(void) {
  return t_failures ? EXIT_FAILURE : EXIT_SUCCESS;
}

/* errno as a name ("0" for success) */
static __attribute__((unused)) const char *t_errname(int e) {
  switch (e) {
  case 0: return "0";
  case EPERM: return "EPERM";
  case ENOENT: return "ENOENT";
  case EINTR: return "EINTR";
  case EBADF: return "EBADF";
  case ENOMEM: return "ENOMEM";
  case EFAULT: return "EFAULT";
  case EBUSY: return "EBUSY";
  case EINVAL: return "EINVAL";
  case EMFILE: return "EMFILE";
  case ENOTTY: return "ENOTTY";
  case ENOSPC: return "ENOSPC";
  case ENOSYS: return "ENOSYS";
  case EOPNOTSUPP: return "EOPNOTSUPP";
  case EISCONN: return "EISCONN";
  case ESHUTDOWN: return "ESHUTDOWN";
  case ECONNRESET: return "ECONNRESET";
  case EAGAIN: return "EAGAIN";
  }
  static char other[32];
  snprintf(other, sizeof other, "errno %d", e);
  return other;
}

/* "r=-1 EINVAL" / "r=3": the result of a system call wrapper called right before (errno captured) */
static __attribute__((unused)) const char *t_res(long r, int e) {
  static char buf[4][48];
  static int k;
  char *b = buf[k++ & 3];
  if (r == -1) snprintf(b, 48, "-1 %s", t_errname(e));
  else snprintf(b, 48, "%ld", r);
  return b;
}
#define T_CALL(expr) ({ errno = 0; long _r = (long)(expr); t_res(_r, errno); })

/* UINTR supported by this CPU + kernel: register_handler succeeds (then unregistered) or is already registered. */
static __attribute__((unused)) void t_dummy_handler(void) {}
static __attribute__((unused)) int uintr_supported(void) {
  if (uintr_register_handler(t_dummy_handler, 0) == 0) {
    uintr_unregister_handler(0);
    return 1;
  }
  return errno == EBUSY;
}

/* ------------------------------------------------------------------ faults */

/*
 * A recorder for SIGILL / SIGSEGV raised by a UINTR instruction: it stores signo, si_code, si_addr and the
 * faulting RIP, then resumes after the instruction (prefixes F0/F2/F3/66, an optional REX, 0F, opcode,
 * ModRM(, disp); none for 0F 30-37) so the program goes on: 4 bytes for `senduipi %rax..%rdi`, 5 for `%r8..%r15`.
 */
struct t_fault {
  volatile int count, signo, code;
  volatile unsigned long addr, rip, rsp, len;
};
static struct t_fault t_fault __attribute__((unused));

static __attribute__((unused)) unsigned long t_insn_len(const unsigned char *p) {
  unsigned long n = 0;
  while (p[n] == 0xf0 || p[n] == 0xf2 || p[n] == 0xf3 || p[n] == 0x66) n++;
  if ((p[n] & 0xf0) == 0x40) n++;
  if (p[n] != 0x0f) return 1;
  if (p[n + 1] >= 0x30 && p[n + 1] <= 0x37) return n + 2; /* wrmsr, rdtsc, rdmsr...: no ModRM */
  n += 2; /* 0F op */
  unsigned char modrm = p[n++];
  unsigned mod = modrm >> 6, rm = modrm & 7;
  if (mod != 3 && rm == 4) n++; /* SIB */
  if (mod == 1) n += 1;
  else if (mod == 2 || (mod == 0 && rm == 5)) n += 4;
  return n;
}

static __attribute__((unused)) void t_fault_handler(int sig, siginfo_t *si, void *ucv) {
  ucontext_t *uc = ucv;
  unsigned long rip = uc->uc_mcontext.gregs[REG_RIP];
  if (rip < 4096 || t_fault.count > 1000) { /* not a UINTR instruction we can skip: give up */
    static const char msg[] = "[FAIL]\tunexpected fault (no instruction to skip)\n";
    write(STDOUT_FILENO, msg, sizeof msg - 1);
    _exit(98);
  }
  t_fault.count++;
  t_fault.signo = sig;
  t_fault.code = si->si_code;
  t_fault.addr = (unsigned long)si->si_addr;
  t_fault.rip = rip;
  t_fault.rsp = uc->uc_mcontext.gregs[REG_RSP];
  t_fault.len = t_insn_len((const unsigned char *)rip);
  uc->uc_mcontext.gregs[REG_RIP] = rip + t_fault.len;
}

static __attribute__((unused)) void t_catch_faults(void) {
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_sigaction = t_fault_handler;
  sa.sa_flags = SA_SIGINFO | SA_NODEFER;
  sigaction(SIGILL, &sa, NULL);
  sigaction(SIGSEGV, &sa, NULL);
}
static __attribute__((unused)) void t_fault_reset(void) {
  memset((void *)&t_fault, 0, sizeof t_fault);
}
/* "none", "SIGILL code 2", "SIGSEGV code 128 addr 0x0" */
static __attribute__((unused)) const char *t_fault_str(void) {
  static char buf[96];
  if (!t_fault.count) return "none";
  if (t_fault.signo == SIGILL) snprintf(buf, sizeof buf, "SIGILL code %d", t_fault.code);
  else if (t_fault.signo == SIGSEGV) snprintf(buf, sizeof buf, "SIGSEGV code %d addr %#lx", t_fault.code, t_fault.addr);
  else snprintf(buf, sizeof buf, "signal %d code %d", t_fault.signo, t_fault.code);
  return buf;
}

/* ------------------------------------------------------------------ misc */

static __attribute__((unused)) void cpu_delay(void) {
  for (int i = 0; i < 10; i++) __asm__ volatile("rep; nop" ::: "memory");
}

/* Monotonic microseconds. */
static __attribute__((unused)) long t_now_us(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec * 1000000L + ts.tv_nsec / 1000;
}

/* Wait (sleeping 1 µs at a time, at most `loops` times) until *flag becomes non-zero. */
static __attribute__((unused)) int t_wait_flag_sleep(volatile unsigned long *flag, long loops) {
  for (long i = 0; i < loops && !*flag; i++) usleep(1);
  return *flag != 0;
}
/* Spin in user space (cpu_delay) until *flag becomes non-zero. */
static __attribute__((unused)) int t_wait_flag_spin(volatile unsigned long *flag, long loops) {
  for (long i = 0; i < loops && !*flag; i++) cpu_delay();
  return *flag != 0;
}

/* The exit status of a child as text: "exit 0", "signal 11". */
static __attribute__((unused)) const char *t_status_str(int status) {
  static char buf[32];
  if (WIFEXITED(status)) snprintf(buf, sizeof buf, "exit %d", WEXITSTATUS(status));
  else if (WIFSIGNALED(status)) snprintf(buf, sizeof buf, "signal %d", WTERMSIG(status));
  else snprintf(buf, sizeof buf, "status %#x", status);
  return buf;
}

#endif
