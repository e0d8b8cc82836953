// args: alpha "two words" "" --flag=1 'single $quoted' "tab	inside" ünïcødé
// env: HOME=/nonexistent LANG=C UINTR_TEST=hello "SPACED=a b  c" EMPTY= Z_LAST=zzz
// argv and the environment exactly as passed (the harness runs natively with
// exactly this env, and the emulator with the same --env values), getenv,
// setenv/unsetenv/putenv, environ iteration (sorted), argv[argc] == NULL,
// and auxiliary-vector values that do not depend on the machine.
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/auxv.h>
#include <unistd.h>

extern char **environ;

static int cmp(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

static void show_env(const char *k) {
    const char *v = getenv(k);
    if (v)
        printf("getenv(%s)=[%s]\n", k, v);
    else
        printf("getenv(%s)=NULL\n", k);
}

int main(int argc, char **argv) {
    const char *base = strrchr(argv[0], '/');
    base = base ? base + 1 : argv[0];
    /* argv[0] is the binary path; print only its name without the variant suffix */
    printf("argc=%d argv0_prefix=%.9s argv_null=%d\n", argc, base, argv[argc] == NULL);
    for (int i = 1; i < argc; i++) printf("argv[%d]=[%s] len=%zu\n", i, argv[i], strlen(argv[i]));

    int n = 0;
    while (environ[n]) n++;
    char **copy = malloc(sizeof(char *) * (size_t)(n + 1));
    for (int i = 0; i < n; i++) copy[i] = environ[i];
    qsort(copy, (size_t)n, sizeof copy[0], cmp);
    printf("environ count=%d\n", n);
    for (int i = 0; i < n; i++) printf("env: %s\n", copy[i]);
    free(copy);

    show_env("HOME");
    show_env("LANG");
    show_env("UINTR_TEST");
    show_env("SPACED");
    show_env("EMPTY");
    show_env("PATH");
    show_env("Z_LAST");

    setenv("NEWVAR", "new value", 1);
    setenv("HOME", "not-overwritten", 0);
    setenv("LANG", "overwritten", 1);
    unsetenv("Z_LAST");
    static char put[] = "PUTVAR=via putenv";
    putenv(put);
    show_env("NEWVAR");
    show_env("HOME");
    show_env("LANG");
    show_env("Z_LAST");
    show_env("PUTVAR");
    clearenv();
    printf("after clearenv environ_empty=%d\n", environ == NULL || environ[0] == NULL);

    /* auxiliary vector */
    printf("AT_PAGESZ=%lu AT_RANDOM_set=%d AT_ENTRY_set=%d AT_PHDR_set=%d AT_PHNUM_set=%d AT_SECURE=%lu\n",
           getauxval(AT_PAGESZ), getauxval(AT_RANDOM) != 0, getauxval(AT_ENTRY) != 0, getauxval(AT_PHDR) != 0,
           getauxval(AT_PHNUM) != 0, getauxval(AT_SECURE));
    printf("AT_UID_ok=%d AT_EGID_ok=%d\n", getauxval(AT_UID) == (unsigned long)getuid(),
           getauxval(AT_EGID) == (unsigned long)getegid());
    const char *execfn = (const char *)getauxval(AT_EXECFN);
    printf("AT_EXECFN_matches_argv0=%d\n", execfn && strcmp(execfn, argv[0]) == 0);
    return 0;
}
