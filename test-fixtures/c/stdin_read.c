// stdin: The quick brown fox
// stdin: jumps over   the lazy dog.
// stdin:
// stdin: numbers: 12 -7 0x1f 3.5e2 1000000
// stdin:   indented line with trailing spaces   
// stdin: tab\tseparated\tvalues
// stdin: last line
// Reads all of stdin (the harness feeds the `stdin:` lines above): line,
// word and character counts, each line reversed, numbers parsed with
// strtol, then EOF behaviour of fgets/getchar/read.
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int main(void) {
    char line[256];
    int lines = 0, words = 0;
    long chars = 0, numsum = 0;
    while (fgets(line, sizeof line, stdin)) {
        size_t n = strlen(line);
        chars += (long)n;
        lines++;
        int inword = 0;
        for (size_t i = 0; i < n; i++) {
            if (isspace((unsigned char)line[i]))
                inword = 0;
            else if (!inword) {
                inword = 1;
                words++;
            }
        }
        if (n && line[n - 1] == '\n') line[--n] = 0;
        printf("%2d [", lines);
        for (size_t i = n; i > 0; i--) putchar(line[i - 1]);
        printf("]\n");
        for (char *p = line; *p;) {
            char *end;
            long v = strtol(p, &end, 0);
            if (end != p) {
                numsum += v;
                p = end;
            } else {
                p++;
            }
        }
    }
    printf("lines=%d words=%d chars=%ld numsum=%ld\n", lines, words, chars, numsum);
    printf("feof=%d getchar=%d\n", feof(stdin) != 0, getchar());
    char b;
    printf("read at EOF=%zd\n", read(STDIN_FILENO, &b, 1));
    return 0;
}
