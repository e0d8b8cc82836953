// A fresh re-creation of the classic uipi sample (spec §2.9): the receiver registers a handler and
// vector 0, enables user interrupts, a sender thread registers as sender and sends; the handler writes a
// line with write(2) and main prints "Success".
// Build: gcc -O2 -static -pthread -muintr -mgeneral-regs-only uipi_sample.c
#define _GNU_SOURCE
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <x86gprintrin.h>

#define __NR_uintr_register_handler 471
#define __NR_uintr_unregister_handler 472
#define __NR_uintr_vector_fd 473
#define __NR_uintr_register_sender 474
#define __NR_uintr_unregister_sender 475

#define uintr_register_handler(handler, flags) syscall(__NR_uintr_register_handler, handler, flags)
#define uintr_unregister_handler(flags) syscall(__NR_uintr_unregister_handler, flags)
#define uintr_vector_fd(vector, flags) syscall(__NR_uintr_vector_fd, vector, flags)
#define uintr_register_sender(fd, flags) syscall(__NR_uintr_register_sender, fd, flags)
#define uintr_unregister_sender(ipi_idx, flags) syscall(__NR_uintr_unregister_sender, ipi_idx, flags)

unsigned int uintr_received;
unsigned int uvec_fd;

void __attribute__((interrupt)) uintr_handler(struct __uintr_frame *ui_frame, unsigned long long vector) {
  static const char print[] = "\t-- User Interrupt handler --\n";
  write(STDOUT_FILENO, print, sizeof(print) - 1);
  uintr_received = 1;
}

void *sender_thread(void *arg) {
  long uipi_index = uintr_register_sender(uvec_fd, 0);
  if (uipi_index < 0) {
    printf("Sender register error\n");
    exit(EXIT_FAILURE);
  }
  printf("Sending IPI from sender thread\n");
  _senduipi(uipi_index);
  uintr_unregister_sender(uipi_index, 0);
  return NULL;
}

int main(void) {
  pthread_t pt;
  if (uintr_register_handler(uintr_handler, 0)) {
    printf("Interrupt handler register error\n");
    exit(EXIT_FAILURE);
  }
  int ret = uintr_vector_fd(0, 0);
  if (ret < 0) {
    printf("Interrupt vector registration error\n");
    exit(EXIT_FAILURE);
  }
  uvec_fd = ret;
  _stui();
  printf("Receiver enabled interrupts\n");
  if (pthread_create(&pt, NULL, &sender_thread, NULL)) {
    printf("Error creating sender thread\n");
    exit(EXIT_FAILURE);
  }
  /* Do some other work */
  while (!uintr_received)
    usleep(1);
  pthread_join(pt, NULL);
  close(uvec_fd);
  uintr_unregister_handler(0);
  printf("Success\n");
  exit(EXIT_SUCCESS);
}
