/* The demo run by `npm start` until the UINTR sample lands: two threads hand work over a mutex/condvar,
 * a child process reports through a pipe, and the result is checked. Built with gcc -static. */
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cond = PTHREAD_COND_INITIALIZER;
static long total;
static int turn;

static void *worker(void *arg) {
  long id = (long)arg;
  for (int i = 0; i < 5; i++) {
    pthread_mutex_lock(&lock);
    while (turn != id) pthread_cond_wait(&cond, &lock);
    total += id * 100 + i;
    printf("thread %ld: step %d, total %ld\n", id, i, total);
    turn = 1 - turn;
    pthread_cond_broadcast(&cond);
    pthread_mutex_unlock(&lock);
  }
  return (void *)(id + 40);
}

int main(void) {
  printf("uintr-debug demo: threads, a child process and a pipe, in the embedded emulator\n");
  pthread_t t[2];
  for (long i = 0; i < 2; i++) pthread_create(&t[i], NULL, worker, (void *)i);
  for (int i = 0; i < 2; i++) {
    void *r;
    pthread_join(t[i], &r);
    printf("joined thread %d -> %ld\n", i, (long)r);
  }
  int fd[2];
  pipe(fd);
  pid_t pid = fork();
  if (pid == 0) {
    char msg[64];
    snprintf(msg, sizeof msg, "child computed %ld", total * 2);
    write(fd[1], msg, strlen(msg));
    _exit(7);
  }
  close(fd[1]);
  char buf[64] = {0};
  read(fd[0], buf, sizeof buf - 1);
  int st;
  waitpid(pid, &st, 0);
  printf("parent read \"%s\"; child exit status %d\n", buf, WEXITSTATUS(st));
  printf("%s\n", total == 520 ? "demo OK" : "demo FAILED");
  return total == 520 ? 0 : 1;
}
