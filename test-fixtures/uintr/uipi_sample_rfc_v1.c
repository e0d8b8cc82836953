/*
 * uipi_sample_rfc_v1: the uipi sample for the RFC v1 ABI (spec §2.9: system calls 449-453,
 * uintr_create_fd, uintr_unregister_sender(uintr_fd, 0)); run with `uintr-run --uintr-abi rfc-v1`.
 * Same output as the later sample: "Receiver enabled interrupts", "Sending IPI from sender thread",
 * "\t-- User Interrupt handler --" (write(2) from the handler) and "Success".
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <x86gprintrin.h>

#define uintr_register_handler(h, flags) syscall(449, h, flags)
#define uintr_unregister_handler(flags) syscall(450, flags)
#define uintr_create_fd(vector, flags) syscall(451, vector, flags)
#define uintr_register_sender(fd, flags) syscall(452, fd, flags)
#define uintr_unregister_sender(fd, flags) syscall(453, fd, flags)

static volatile int got_interrupt;
static int uintr_fd;

static void __attribute__((interrupt)) on_uintr(struct __uintr_frame *frame, unsigned long long vector) {
  static const char msg[] = "\t-- User Interrupt handler --\n";
  (void)frame;
  (void)vector;
  write(STDOUT_FILENO, msg, sizeof msg - 1);
  got_interrupt = 1;
}

static void *sender(void *unused) {
  (void)unused;
  long index = uintr_register_sender(uintr_fd, 0);
  if (index < 0) {
    printf("Sender register error\n");
    exit(EXIT_FAILURE);
  }
  printf("Sending IPI from sender thread\n");
  _senduipi(index);
  uintr_unregister_sender(uintr_fd, 0);
  return NULL;
}

int main(void) {
  if (uintr_register_handler(on_uintr, 0)) {
    printf("Interrupt handler register error\n");
    exit(EXIT_FAILURE);
  }
  uintr_fd = uintr_create_fd(0, 0);
  if (uintr_fd < 0) {
    printf("Interrupt vector registration error\n");
    exit(EXIT_FAILURE);
  }
  _stui();
  printf("Receiver enabled interrupts\n");
  pthread_t thread;
  if (pthread_create(&thread, NULL, sender, NULL)) {
    printf("Error creating sender thread\n");
    exit(EXIT_FAILURE);
  }
  while (!got_interrupt) usleep(1);
  pthread_join(thread, NULL);
  close(uintr_fd);
  uintr_unregister_handler(0);
  printf("Success\n");
  return EXIT_SUCCESS;
}
