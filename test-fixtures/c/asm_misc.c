// Miscellaneous integer instructions through inline asm: bswap, movsx/movzx,
// cbw/cwde/cdqe/cwd/cdq/cqo, xchg (register and memory), cmpxchg on memory
// (success and failure), lock xadd/add/inc/or/and/bts, string instructions
// (rep movsb/movsq/stosb/stosq, repe cmpsb, repne scasb, lodsb) forwards and
// backwards (std/cld), loop/jrcxz, lea with scaled index, cmc/stc/clc,
// memory-destination ALU forms, xlat, push/pop, enter/leave, fences, pause,
// multi-byte nops and prefetch.
#include <stdint.h>
#include <stdio.h>
#include <string.h>

static void line(const char *k, uint64_t v) { printf("%s=%llx\n", k, (unsigned long long)v); }

int main(void) {
    volatile uint64_t seed = 0x8123456789abcdefull;
    uint64_t v = seed;

    /* bswap */
    uint64_t q = v;
    uint32_t d = (uint32_t)v;
    __asm__("bswapq %0" : "+r"(q));
    __asm__("bswapl %0" : "+r"(d));
    line("bswapq", q);
    line("bswapl", d);

    /* sign/zero extension */
    uint64_t r1, r2, r3, r4, r5, r6;
    __asm__("movsbq %b1, %0" : "=r"(r1) : "r"(v));
    __asm__("movswq %w1, %0" : "=r"(r2) : "r"(v));
    __asm__("movslq %k1, %0" : "=r"(r3) : "r"(v));
    __asm__("movzbl %b1, %k0" : "=r"(r4) : "r"(v));
    __asm__("movzwl %w1, %k0" : "=r"(r5) : "r"(v));
    __asm__("movl %k1, %k0" : "=r"(r6) : "r"(v)); /* 32-bit write zero-extends */
    printf("movsx %llx %llx %llx movzx %llx %llx mov32 %llx\n", (unsigned long long)r1, (unsigned long long)r2,
           (unsigned long long)r3, (unsigned long long)r4, (unsigned long long)r5, (unsigned long long)r6);

    /* cbw/cwde/cdqe/cwd/cdq/cqo */
    uint64_t ax, dx;
    ax = 0x1111111111111180ull;
    __asm__("cbtw" : "+a"(ax));
    line("cbw", ax);
    ax = 0x1111111111118000ull;
    __asm__("cwtl" : "+a"(ax));
    line("cwde", ax);
    ax = 0x1111111180000000ull;
    __asm__("cltq" : "+a"(ax));
    line("cdqe", ax);
    ax = 0x8000, dx = 0x2222222222222222ull;
    __asm__("cwtd" : "+a"(ax), "+d"(dx));
    line("cwd", dx);
    ax = 0x80000000ull, dx = 0x2222222222222222ull;
    __asm__("cltd" : "+a"(ax), "+d"(dx));
    line("cdq", dx);
    ax = 0x8000000000000000ull, dx = 0;
    __asm__("cqto" : "+a"(ax), "+d"(dx));
    line("cqo", dx);

    /* xchg, cmpxchg, lock ops on memory */
    uint64_t mem = 5, x = 9;
    __asm__ volatile("xchgq %0, %1" : "+r"(x), "+m"(mem));
    printf("xchg x=%llu mem=%llu\n", (unsigned long long)x, (unsigned long long)mem);
    uint32_t m32 = 100, expect = 100, nv = 200;
    uint8_t ok;
    __asm__ volatile("lock cmpxchgl %3, %1\n\tsete %2" : "+a"(expect), "+m"(m32), "=q"(ok) : "r"(nv) : "cc", "memory");
    printf("cmpxchg ok=%u mem=%u eax=%u\n", ok, m32, expect);
    expect = 7;
    __asm__ volatile("lock cmpxchgl %3, %1\n\tsete %2" : "+a"(expect), "+m"(m32), "=q"(ok) : "r"(nv) : "cc", "memory");
    printf("cmpxchg-fail ok=%u mem=%u eax=%u\n", ok, m32, expect);
    uint64_t add = 10;
    __asm__ volatile("lock xaddq %0, %1" : "+r"(add), "+m"(mem) : : "cc", "memory");
    printf("xadd old=%llu mem=%llu\n", (unsigned long long)add, (unsigned long long)mem);
    __asm__ volatile("lock addq $3, %0\n\tlock incq %0\n\tlock orq $0x100, %0\n\tlock andq $-2, %0" : "+m"(mem) : : "cc");
    line("lock-ops", mem);
    uint8_t cf;
    __asm__ volatile("lock btsq $40, %0\n\tsetc %1" : "+m"(mem), "=q"(cf) : : "cc");
    printf("lock bts mem=%llx cf=%u\n", (unsigned long long)mem, cf);
    __asm__ volatile("lock btsq $40, %0\n\tsetc %1" : "+m"(mem), "=q"(cf) : : "cc");
    printf("lock bts again cf=%u\n", cf);

    /* string instructions */
    char src[64], dst[64];
    for (int i = 0; i < 64; i++) src[i] = (char)('A' + i % 26), dst[i] = '.';
    {
        void *di = dst + 3, *si = src + 1;
        uint64_t cnt = 20;
        __asm__ volatile("cld\n\trep movsb" : "+D"(di), "+S"(si), "+c"(cnt) : : "memory");
        printf("rep movsb: %.30s di=+%d si=+%d cnt=%llu\n", dst, (int)((char *)di - dst), (int)((char *)si - src),
               (unsigned long long)cnt);
    }
    {
        /* backwards copy with DF=1: copies [src+10..src+1] onto [dst+40..dst+31] */
        void *di = dst + 40, *si = src + 10;
        uint64_t cnt = 10;
        __asm__ volatile("std\n\trep movsb\n\tcld" : "+D"(di), "+S"(si), "+c"(cnt) : : "memory");
        printf("std rep movsb: %.20s di=+%d si=+%d\n", dst + 28, (int)((char *)di - dst), (int)((char *)si - src));
    }
    {
        uint64_t qs[6] = {1, 2, 3, 4, 5, 6}, qd[6] = {0};
        void *di = qd + 1, *si = qs;
        uint64_t cnt = 4;
        __asm__ volatile("rep movsq" : "+D"(di), "+S"(si), "+c"(cnt) : : "memory");
        printf("rep movsq: %llu %llu %llu %llu %llu %llu\n", (unsigned long long)qd[0], (unsigned long long)qd[1],
               (unsigned long long)qd[2], (unsigned long long)qd[3], (unsigned long long)qd[4], (unsigned long long)qd[5]);
        di = qd + 2;
        cnt = 3;
        __asm__ volatile("rep stosq" : "+D"(di), "+c"(cnt) : "a"(0xabcdull) : "memory");
        printf("rep stosq: %llx %llx %llx %llx\n", (unsigned long long)qd[1], (unsigned long long)qd[2],
               (unsigned long long)qd[4], (unsigned long long)qd[5]);
    }
    {
        void *di = dst;
        uint64_t cnt = 5;
        __asm__ volatile("rep stosb" : "+D"(di), "+c"(cnt) : "a"('z') : "memory");
        printf("rep stosb: %.10s\n", dst);
        cnt = 0; /* rep with rcx=0 does nothing */
        __asm__ volatile("rep stosb" : "+D"(di), "+c"(cnt) : "a"('Q') : "memory");
        printf("rep stosb0: %.10s\n", dst);
    }
    {
        const char *s1 = "hello world", *s2 = "hello there";
        const void *si = s1, *di = s2;
        uint64_t cnt = 11;
        uint8_t eq;
        __asm__ volatile("cld\n\trepe cmpsb\n\tsete %3" : "+S"(si), "+D"(di), "+c"(cnt), "=q"(eq) : : "cc", "memory");
        printf("repe cmpsb: stop=%d cnt=%llu eq=%u\n", (int)((const char *)si - s1), (unsigned long long)cnt, eq);
        const void *p = s1;
        cnt = 100;
        __asm__ volatile("repne scasb" : "+D"(p), "+c"(cnt) : "a"('w') : "cc", "memory");
        printf("repne scasb: found at %d cnt=%llu\n", (int)((const char *)p - s1) - 1, (unsigned long long)cnt);
        p = s1 + 4;
        uint64_t al = 0;
        __asm__ volatile("lodsb\n\tlodsb" : "+S"(p), "+a"(al) : : "memory");
        printf("lodsb: %c next=%d\n", (char)al, (int)((const char *)p - s1));
    }

    /* loop / jrcxz */
    uint64_t c = 10, n = 0;
    __asm__ volatile("1:\n\tincq %1\n\tloop 1b" : "+c"(c), "+r"(n) : : "cc");
    printf("loop n=%llu rcx=%llu\n", (unsigned long long)n, (unsigned long long)c);
    uint64_t taken = 0;
    c = 0;
    __asm__ volatile("jrcxz 1f\n\tmovq $2, %0\n\tjmp 2f\n1:\n\tmovq $1, %0\n2:" : "=r"(taken) : "c"(c));
    printf("jrcxz rcx=0 -> %llu\n", (unsigned long long)taken);
    c = 5;
    __asm__ volatile("jrcxz 1f\n\tmovq $2, %0\n\tjmp 2f\n1:\n\tmovq $1, %0\n2:" : "=r"(taken) : "c"(c));
    printf("jrcxz rcx=5 -> %llu\n", (unsigned long long)taken);

    /* lea */
    uint64_t base = 0x1000, idx = 0x10, l1, l2, l3;
    __asm__("leaq 0x7f(%1,%2,8), %0" : "=r"(l1) : "r"(base), "r"(idx));
    __asm__("leaq -1(,%1,4), %0" : "=r"(l2) : "r"(idx));
    __asm__("leal 3(%1,%2,2), %k0" : "=r"(l3) : "r"(0xffffffffull), "r"(idx)); /* 32-bit wraps */
    printf("lea %llx %llx %llx\n", (unsigned long long)l1, (unsigned long long)l2, (unsigned long long)l3);

    /* carry flag instructions, sbb idiom, memory-destination ALU */
    uint64_t cfv;
    __asm__("stc\n\tcmc\n\tsbbq %0, %0" : "=r"(cfv) : : "cc");
    line("stc;cmc;sbb", cfv);
    __asm__("clc\n\tcmc\n\tsbbq %0, %0" : "=r"(cfv) : : "cc");
    line("clc;cmc;sbb", cfv);
    uint64_t mm[2] = {0xffffffffffffffffull, 1};
    __asm__ volatile("addq $1, %0\n\tadcq $0, %1" : "+m"(mm[0]), "+m"(mm[1]) : : "cc");
    printf("mem add/adc %llx %llx\n", (unsigned long long)mm[0], (unsigned long long)mm[1]);
    __asm__ volatile("negq %0\n\tnotq %1\n\tshlq $4, %1\n\tsarq %0" : "+m"(mm[0]), "+m"(mm[1]) : : "cc");
    printf("mem neg/not/shl/sar %llx %llx\n", (unsigned long long)mm[0], (unsigned long long)mm[1]);
    uint32_t m3 = 0x1234;
    uint32_t imr;
    __asm__("imull $-3, %1, %0" : "=r"(imr) : "m"(m3) : "cc");
    line("imul m,imm", imr);

    /* xlat */
    static const char table[] = "0123456789abcdef";
    uint64_t xl = 13;
    __asm__("xlatb" : "+a"(xl) : "b"(table));
    printf("xlat %c\n", (char)xl);

    /* push/pop, pushfq/popfq of DF and CF, enter/leave */
    uint64_t popped, fl;
    __asm__ volatile("lea -128(%%rsp), %%rsp\n\tpushq $-5\n\tpopq %0\n\tstc\n\tstd\n\tpushfq\n\tpopq %1\n\tcld\n\t"
                     "lea 128(%%rsp), %%rsp"
                     : "=r"(popped), "=r"(fl)
                     :
                     : "cc");
    printf("push imm=%lld flags CF=%llu DF=%llu\n", (long long)popped, (unsigned long long)(fl & 1),
           (unsigned long long)((fl >> 10) & 1));
    uint64_t rsp_delta;
    __asm__ volatile("lea -128(%%rsp), %%rsp\n\tmovq %%rsp, %%rax\n\tpushq %%rbp\n\tmovq %%rsp, %%rbp\n\t"
                     "subq $32, %%rsp\n\tleave\n\tsubq %%rsp, %%rax\n\tmovq %%rax, %0\n\tlea 128(%%rsp), %%rsp"
                     : "=r"(rsp_delta)
                     :
                     : "rax", "memory");
    printf("leave restores rsp: delta=%lld\n", (long long)rsp_delta);
    __asm__ volatile("lea -128(%%rsp), %%rsp\n\tmovq %%rsp, %%rax\n\tenter $16, $0\n\tleave\n\tsubq %%rsp, %%rax\n\t"
                     "movq %%rax, %0\n\tlea 128(%%rsp), %%rsp"
                     : "=r"(rsp_delta)
                     :
                     : "rax", "memory");
    printf("enter/leave delta=%lld\n", (long long)rsp_delta);

    /* fences, pause, nops, prefetch: no architectural effect */
    __asm__ volatile("mfence\n\tlfence\n\tsfence\n\tpause\n\tnop\n\txchgw %%ax, %%ax\n\tnopw 0x0(%%rax,%%rax,1)\n\t"
                     "nopl 0x12345678(%%rax)\n\tprefetcht0 (%0)\n\tprefetchnta 64(%0)"
                     :
                     : "r"(src)
                     : "memory");
    printf("fences ok\n");
    return 0;
}
