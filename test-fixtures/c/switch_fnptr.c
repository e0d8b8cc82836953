// Control flow: dense switch statements (jump tables through indirect jmp),
// sparse switches (compare trees), function-pointer tables and callbacks
// (indirect calls), a tiny bytecode interpreter using both, gcc's computed
// goto (labels as values), and tail calls through pointers.
#include <stdint.h>
#include <stdio.h>

__attribute__((noinline)) static int dense(int x) {
    switch (x) {
    case 0: return 11;
    case 1: return 22;
    case 2: return 33;
    case 3: return 44 + x;
    case 4: return -5;
    case 5: return 66;
    case 6: return 7 * x;
    case 7: return 88;
    case 8: return 99;
    case 9: return 1010;
    case 10: return 1111;
    case 11: return 1212;
    case 12: return x << 3;
    case 13: return 1414;
    case 14: return 1515;
    case 15: return 1616;
    default: return -1;
    }
}
__attribute__((noinline)) static const char *sparse(long x) {
    switch (x) {
    case -1000000: return "neg-million";
    case -1: return "minus-one";
    case 0: return "zero";
    case 7: return "seven";
    case 100: return "hundred";
    case 4096: return "page";
    case 65537: return "f4";
    case 1L << 40: return "tera";
    default: return "other";
    }
}

typedef long (*binop)(long, long);
static long op_add(long a, long b) { return a + b; }
static long op_sub(long a, long b) { return a - b; }
static long op_mul(long a, long b) { return a * b; }
static long op_div(long a, long b) { return b ? a / b : 0; }
static long op_mod(long a, long b) { return b ? a % b : 0; }
static long op_max(long a, long b) { return a > b ? a : b; }
static const binop ops[] = {op_add, op_sub, op_mul, op_div, op_mod, op_max};

/* bytecode: PUSH imm, BIN k (pops b and a, pushes ops[k](a, b)), DUP, SWAP,
 * OVER (copies the second element), JZ addr (pops; jumps if zero), JMP addr,
 * DEC, HALT (returns the top) */
enum { PUSH, BIN, DUP, SWAP, OVER, JZ, JMP, DEC, HALT };
static long run(const long *code) {
    long stack[64];
    int sp = 0;
    for (int pc = 0;;) {
        switch (code[pc]) {
        case PUSH: stack[sp++] = code[pc + 1]; pc += 2; break;
        case BIN: sp--; stack[sp - 1] = ops[code[pc + 1]](stack[sp - 1], stack[sp]); pc += 2; break;
        case DUP: stack[sp] = stack[sp - 1]; sp++; pc++; break;
        case SWAP: { long t = stack[sp - 1]; stack[sp - 1] = stack[sp - 2]; stack[sp - 2] = t; pc++; break; }
        case OVER: stack[sp] = stack[sp - 2]; sp++; pc++; break;
        case JZ: pc = stack[--sp] ? pc + 2 : (int)code[pc + 1]; break;
        case JMP: pc = (int)code[pc + 1]; break;
        case DEC: stack[sp - 1]--; pc++; break;
        case HALT: return stack[sp - 1];
        default: return -999;
        }
    }
}

/* computed goto version of a small state machine */
static int count_runs(const char *s) {
    static void *const table[] = {&&l_end, &&l_a, &&l_other};
    int runs = 0, prev = -1;
#define DISPATCH() goto *table[*s == 0 ? 0 : *s == 'a' ? 1 : 2]
    DISPATCH();
l_a:
    if (prev != 1) runs++;
    prev = 1;
    s++;
    DISPATCH();
l_other:
    prev = 2;
    s++;
    DISPATCH();
l_end:
    return runs;
}

static unsigned apply(int (*f)(int), int n) {
    unsigned acc = 0;
    for (int i = 0; i < n; i++) acc = acc * 3 + (unsigned)f(i);
    return acc;
}

int main(void) {
    volatile int base = 0;
    unsigned long acc = 0;
    for (int i = base - 3; i < 20; i++) acc = acc * 7 + (unsigned long)dense(i);
    printf("dense acc=%lu\n", acc);
    long keys[] = {-1000000, -1, 0, 1, 7, 99, 100, 4096, 65537, 1L << 40, 12345};
    for (unsigned i = 0; i < sizeof keys / sizeof keys[0]; i++) printf("sparse(%ld)=%s\n", keys[i], sparse(keys[i] + base));
    for (unsigned k = 0; k < sizeof ops / sizeof ops[0]; k++)
        printf("op%u(1000,-7)=%ld\n", k, ops[k + (unsigned)base](1000, -7));
    /* 20! : state [n acc]; loop while n != 0 { acc *= n; n-- } */
    const long fact[] = {/* 0 */ PUSH, 20, PUSH, 1,
                         /* 4 */ OVER, JZ, 15, OVER, BIN, 2, SWAP, DEC, SWAP, JMP, 4,
                         /* 15 */ HALT};
    printf("fact=%ld\n", run(fact));
    /* sum of i % 3 for i = 1000..1 : state [i sum] */
    const long sum[] = {/* 0 */ PUSH, 1000, PUSH, 0,
                        /* 4 */ OVER, JZ, 19, OVER, PUSH, 3, BIN, 4, BIN, 0, SWAP, DEC, SWAP, JMP, 4,
                        /* 19 */ HALT};
    printf("sum=%ld\n", run(sum));
    printf("runs=%d %d %d\n", count_runs("aaxaaayaxa"), count_runs(""), count_runs("bbb"));
    printf("apply=%u %u\n", apply(dense, 16), apply((int (*)(int))(uintptr_t)dense, 3));
    return 0;
}
