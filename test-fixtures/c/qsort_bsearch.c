// qsort and bsearch: integers (incl. duplicates, sorted and reverse-sorted
// input), strings through an array of pointers, and structs with a
// multi-key comparison (a total order, so the result does not depend on
// qsort's stability); bsearch hits and misses; a self-check that the output
// is sorted.
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int cmp_int(const void *a, const void *b) {
    int x = *(const int *)a, y = *(const int *)b;
    return (x > y) - (x < y);
}
static int cmp_str(const void *a, const void *b) { return strcmp(*(const char *const *)a, *(const char *const *)b); }

struct rec {
    int key;
    unsigned id;
    char name[12];
};
static int cmp_rec(const void *a, const void *b) {
    const struct rec *x = a, *y = b;
    if (x->key != y->key) return x->key < y->key ? -1 : 1;
    int c = strcmp(x->name, y->name);
    if (c) return c;
    return (x->id > y->id) - (x->id < y->id);
}

static unsigned rng = 12345;
static unsigned next(void) {
    rng = rng * 1103515245u + 12345u;
    return (rng >> 8) & 0xffffff;
}

static void check_sorted(const char *what, const int *a, int n) {
    unsigned long long h = 0;
    int ok = 1;
    for (int i = 0; i < n; i++) {
        if (i && a[i - 1] > a[i]) ok = 0;
        h = h * 31 + (unsigned)a[i];
    }
    printf("%s n=%d sorted=%d hash=%llx first=%d last=%d\n", what, n, ok, h, n ? a[0] : 0, n ? a[n - 1] : 0);
}

int main(void) {
    static int a[2000];
    int sizes[] = {0, 1, 2, 3, 7, 16, 100, 1000, 2000};
    for (unsigned s = 0; s < sizeof sizes / sizeof sizes[0]; s++) {
        int n = sizes[s];
        for (int i = 0; i < n; i++) a[i] = (int)(next() % 1000) - 500;
        qsort(a, (size_t)n, sizeof a[0], cmp_int);
        check_sorted("random", a, n);
    }
    for (int i = 0; i < 1000; i++) a[i] = 1000 - i;
    qsort(a, 1000, sizeof a[0], cmp_int);
    check_sorted("reverse", a, 1000);
    qsort(a, 1000, sizeof a[0], cmp_int);
    check_sorted("presorted", a, 1000);
    for (int i = 0; i < 1000; i++) a[i] = i % 3;
    qsort(a, 1000, sizeof a[0], cmp_int);
    check_sorted("dups", a, 1000);

    /* bsearch in a sorted array of distinct values */
    for (int i = 0; i < 1000; i++) a[i] = i * 3 + 1;
    int hits = 0, misses = 0;
    long long possum = 0;
    for (int k = -5; k < 3010; k++) {
        int *p = bsearch(&k, a, 1000, sizeof a[0], cmp_int);
        if (p) {
            hits++;
            possum += p - a;
        } else {
            misses++;
        }
    }
    printf("bsearch hits=%d misses=%d possum=%lld\n", hits, misses, possum);

    /* strings */
    const char *words[] = {"pear", "apple", "fig", "banana", "Cherry", "apple", "date", "", "zebra", "apricot", "figs", "a"};
    size_t nw = sizeof words / sizeof words[0];
    qsort(words, nw, sizeof words[0], cmp_str);
    for (size_t i = 0; i < nw; i++) printf("%s%s", i ? "," : "words: ", words[i]);
    printf("\n");
    const char *key = "date";
    const char **f = bsearch(&key, words, nw, sizeof words[0], cmp_str);
    printf("bsearch date -> %d\n", f ? (int)(f - words) : -1);

    /* structs */
    static struct rec recs[300];
    for (unsigned i = 0; i < 300; i++) {
        recs[i].key = (int)(next() % 20);
        recs[i].id = i;
        snprintf(recs[i].name, sizeof recs[i].name, "n%u", next() % 7);
    }
    qsort(recs, 300, sizeof recs[0], cmp_rec);
    unsigned long long h = 0;
    for (int i = 0; i < 300; i++) h = h * 1000003 + (unsigned)recs[i].key * 1000 + recs[i].id;
    printf("structs first=%d/%s/%u last=%d/%s/%u hash=%llx\n", recs[0].key, recs[0].name, recs[0].id, recs[299].key,
           recs[299].name, recs[299].id, h);
    return 0;
}
