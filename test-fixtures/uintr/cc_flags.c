/*
 * cc_flags: TESTUI and UIRET (spec §1.7.3, §1.7.5, §6 items 15, 19-21).
 *   - TESTUI: CF := UIF; ZF SF OF AF PF := 0; DF (and IF) unchanged; with UIF = 0 and 1, flags set or clear
 *   - UIRET with no delivery (legal): pops RIP, RFLAGS, RSP; RSP is loaded verbatim (not frame + 24); only the
 *     RFLAGS bits of 0x254DD5 are loaded (IF and IOPL of the image are ignored); UIF := 1
 *   - a handler that rewrites its frame (ui_frame->rip, ->rflags, ->rsp): UIRET resumes at the new RIP
 *     with the new RSP, CF/DF/ZF from the image, IF still 1
 *   - UIRET with a non-canonical saved RIP: #GP -> SIGSEGV (si_code SI_KERNEL, si_addr 0) at the UIRET,
 *     RSP and UIF unchanged
 */
#include "uintr_test.h"

#define CF 0x1ul
#define PF 0x4ul
#define AF 0x10ul
#define ZF 0x40ul
#define SF 0x80ul
#define IF 0x200ul
#define DF 0x400ul
#define OF 0x800ul
#define IOPL 0x3000ul
#define ARITH (CF | PF | AF | ZF | SF | OF)

/* load RFLAGS (status flags + DF), TESTUI, return RFLAGS */
static unsigned long testui_with(unsigned long in) {
  unsigned long out;
  __asm__ volatile("lea -128(%%rsp), %%rsp\n\t"
                   "pushq %1\n\t"
                   "popfq\n\t"
                   "testui\n\t"
                   "pushfq\n\t"
                   "popq %0\n\t"
                   "cld\n\t"
                   "lea 128(%%rsp), %%rsp"
                   : "=r"(out)
                   : "r"(in)
                   : "cc", "memory");
  return out;
}

static void test_testui(void) {
  t_run("TESTUI flags");
  for (int uif = 0; uif <= 1; uif++) {
    if (uif) _stui();
    else _clui();
    unsigned long all = testui_with(0x202 | ARITH | DF);
    unsigned long none = testui_with(0x202);
    t_check((all & ARITH) == (unsigned long)uif && (all & DF) && (all & IF), "UIF=%d, flags set before: CF=%lu ZF=%lu SF=%lu OF=%lu AF=%lu PF=%lu DF=%lu IF=%lu",
            uif, all & CF, (all >> 6) & 1, (all >> 7) & 1, (all >> 11) & 1, (all >> 4) & 1, (all >> 2) & 1, (all >> 10) & 1, (all >> 9) & 1);
    t_check((none & ARITH) == (unsigned long)uif && !(none & DF), "UIF=%d, flags clear before: CF=%lu, other status flags %lu, DF=%lu", uif,
            none & CF, (none & ARITH & ~CF) ? 1ul : 0ul, (none >> 10) & 1);
  }
  _clui();
}

static void test_uiret_without_delivery(void) {
  t_run("UIRET executed outside any handler");
  unsigned long img = 0x2 | CF | ZF | SF | OF | DF | IOPL; /* IF = 0, IOPL = 3 in the image */
  unsigned long target_rsp, flags_after, rsp_after, uif_after;
  _clui();
  __asm__ volatile("mov %%rsp, %%rbx\n\t"
                   "lea -256(%%rsp), %%rsp\n\t"
                   "and $-16, %%rsp\n\t"
                   "lea -64(%%rsp), %0\n\t" /* the RSP to load: below the frame */
                   "pushq %0\n\t"
                   "pushq %4\n\t"
                   "lea 1f(%%rip), %%rax\n\t"
                   "pushq %%rax\n\t"
                   "uiret\n\t"
                   "ud2\n"
                   "1:\tpushfq\n\t"
                   "popq %1\n\t"
                   "mov %%rsp, %2\n\t"
                   "cld\n\t"
                   "testui\n\t"
                   "setb %%al\n\t"
                   "movzbl %%al, %%eax\n\t"
                   "mov %%rax, %3\n\t"
                   "mov %%rbx, %%rsp"
                   : "=&r"(target_rsp), "=&r"(flags_after), "=&r"(rsp_after), "=&r"(uif_after)
                   : "r"(img)
                   : "rax", "rbx", "cc", "memory");
  t_check(rsp_after == target_rsp, "RSP loaded verbatim from the frame: %s", rsp_after == target_rsp ? "yes" : "no");
  t_check((flags_after & (CF | ZF | SF | OF | DF)) == (CF | ZF | SF | OF | DF), "CF ZF SF OF DF loaded from the image: %s",
          (flags_after & (CF | ZF | SF | OF | DF)) == (CF | ZF | SF | OF | DF) ? "yes" : "no");
  t_check((flags_after & IF) && !(flags_after & IOPL), "IF and IOPL kept (IF=%lu IOPL=%lu)", (flags_after >> 9) & 1, (flags_after >> 12) & 3);
  t_check(uif_after == 1, "UIF after UIRET: %lu", uif_after);
  _clui();
}

/* ------------------------------------------------------------------ a handler rewriting its frame */

static volatile unsigned long redirect_to, handler_runs;

static void __attribute__((interrupt)) rewrite_handler(struct __uintr_frame *f, unsigned long long vector) {
  (void)vector;
  handler_runs++;
  f->rip = redirect_to;
  f->rflags = (f->rflags | CF | DF | ZF | IOPL) & ~IF;
  f->rsp -= 64;
}

static void test_handler_rewrites_frame(void) {
  t_run("Handler rewrites ui_frame->rip, ->rflags and ->rsp");
  if (uintr_register_handler(rewrite_handler, 0)) {
    t_fail("register handler: %s", t_errname(errno));
    return;
  }
  long idx = uintr_register_self(4, 0);
  _clui();
  _senduipi(idx);
  syscall(SYS_getpid);
  unsigned long s, flags_after, rsp_after, fell = 0;
  __asm__ volatile("lea 2f(%%rip), %%rax\n\t"
                   "mov %%rax, %[redir]\n\t"
                   "mov %%rsp, %%rbx\n\t"
                   "lea -512(%%rsp), %%rsp\n\t"
                   "and $-16, %%rsp\n\t"
                   "mov %%rsp, %[s]\n\t"
                   "clc\n\t"
                   "cld\n\t"
                   "stui\n\t"
                   "movq $1, %[fell]\n"
                   "2:\tpushfq\n\t"
                   "popq %[fl]\n\t"
                   "mov %%rsp, %[rsp]\n\t"
                   "cld\n\t"
                   "mov %%rbx, %%rsp"
                   : [s] "=&r"(s), [fl] "=&r"(flags_after), [rsp] "=&r"(rsp_after), [fell] "+r"(fell), [redir] "=m"(redirect_to)
                   :
                   : "rax", "rbx", "cc", "memory");
  t_check(handler_runs == 1 && fell == 0, "resumed at the new RIP (the instruction after STUI skipped): %s",
          handler_runs == 1 && fell == 0 ? "yes" : "no");
  t_check(rsp_after == s - 64, "resumed with the new RSP (S-64): %s", rsp_after == s - 64 ? "yes" : "no");
  t_check((flags_after & (CF | DF | ZF)) == (CF | DF | ZF) && (flags_after & IF) && !(flags_after & IOPL),
          "RFLAGS after UIRET: CF=%lu DF=%lu ZF=%lu IF=%lu IOPL=%lu", flags_after & CF, (flags_after >> 10) & 1, (flags_after >> 6) & 1,
          (flags_after >> 9) & 1, (flags_after >> 12) & 3);
  _clui();
  uintr_unregister_sender(idx, 0);
  uintr_unregister_handler(0);
}

/* ------------------------------------------------------------------ UIRET to a non-canonical RIP */

static void test_uiret_noncanonical(void) {
  t_run("UIRET with a non-canonical saved RIP");
  t_catch_faults();
  t_fault_reset();
  _clui();
  unsigned long at, rsp_at, rsp_after, uif_after;
  __asm__ volatile("mov %%rsp, %%rbx\n\t"
                   "lea -256(%%rsp), %%rsp\n\t"
                   "and $-16, %%rsp\n\t"
                   "pushq %%rsp\n\t"
                   "pushq $0x202\n\t"
                   "movabs $0x8000000000001000, %%rax\n\t"
                   "pushq %%rax\n\t"
                   "mov %%rsp, %1\n\t"
                   "lea 1f(%%rip), %0\n"
                   "1:\tuiret\n\t"
                   "mov %%rsp, %2\n\t"
                   "testui\n\t"
                   "setb %%al\n\t"
                   "movzbl %%al, %%eax\n\t"
                   "mov %%rax, %3\n\t"
                   "mov %%rbx, %%rsp"
                   : "=&r"(at), "=&r"(rsp_at), "=&r"(rsp_after), "=&r"(uif_after)
                   :
                   : "rax", "rbx", "cc", "memory");
  t_check(t_fault.count == 1 && t_fault.signo == SIGSEGV && t_fault.code == 0x80 && t_fault.addr == 0, "fault: %s", t_fault_str());
  t_check(t_fault.rip == at && t_fault.rsp == rsp_at, "reported at the UIRET with RSP unchanged: %s",
          t_fault.rip == at && t_fault.rsp == rsp_at ? "yes" : "no");
  t_check(rsp_after == rsp_at && uif_after == 0, "after skipping it: RSP unchanged %s, UIF %lu", rsp_after == rsp_at ? "yes" : "no", uif_after);
  signal(SIGSEGV, SIG_DFL);
  signal(SIGILL, SIG_DFL);
}

int main(void) {
  uintr_test_init();
  if (!uintr_supported()) {
    t_skip("User interrupts are not supported (%s)", t_errname(errno));
    return EXIT_SUCCESS;
  }
  test_testui();
  test_uiret_without_delivery();
  test_handler_rewrites_frame();
  test_uiret_noncanonical();
  return t_exit_status();
}
