/*
 * cc_singlestep: single-step traps (RFLAGS.TF, set with POPF or UIRET) and user interrupts
 * (spec §1.9 item 7 and "Single-step interplay", §1.7.5, §2.7, §6 item 34).
 *   1. TF set by POPF, vector 5 pending with UIF = 0, then STUI: STUI began with TF = 1, so the boundary after
 *      it has both the single-step #DB trap and the (now recognized) user interrupt. The trap has priority:
 *      the kernel takes #DB and sets up the SIGTRAP frame; on the return to user mode the still pending user
 *      interrupt is delivered before the first instruction of the SIGTRAP handler (signal delivery changes
 *      neither UIF nor UIRR, §7). So the handler sees the SIGTRAP handler's entry as the interrupted RIP,
 *      then the SIGTRAP handler reports si_code TRAP_TRACE with si_addr = RIP = the instruction after STUI.
 *      sigreturn restores TF: the following instructions trap one by one until a POPF clears TF (that POPF
 *      began with TF = 1, so it traps too).
 *   2. UIRET executed outside a handler with TF in its RFLAGS image and vector 7 pending (UIF = 0): UIRET
 *      loads TF and sets UIF; the boundary after it has no trap (UIRET began with TF = 0), so vector 7 is
 *      delivered there: the frame's RFLAGS has TF = 1, the handler runs with TF = 0 (delivery clears TF) and
 *      its UIRET restores TF, so the instruction UIRET returned to is the first one to trap.
 * Events are logged as U<vector>@<where> (user interrupt, where = interrupted RIP) and T@<where> (SIGTRAP,
 * where = si_addr, which must equal the RIP in the signal context); addresses are printed as label names.
 */
#include "uintr_test.h"

#define TF 0x100ul
#define NLOG 32

static volatile unsigned long ev_kind[NLOG], ev_addr[NLOG], n_ev;
static volatile unsigned long u_tf_inside = ~0ul, u_tf_pushed = ~0ul, t_bad;

static void on_trap(int sig, siginfo_t *si, void *ucv) {
  ucontext_t *uc = ucv;
  unsigned long n = n_ev++;
  if (n < NLOG) {
    ev_kind[n] = 'T';
    ev_addr[n] = (unsigned long)si->si_addr;
  }
  if (sig != SIGTRAP || si->si_code != 2 /* TRAP_TRACE */ || (unsigned long)uc->uc_mcontext.gregs[REG_RIP] != (unsigned long)si->si_addr) t_bad++;
}

static void __attribute__((interrupt)) uhandler(struct __uintr_frame *f, unsigned long long vector) {
  unsigned long fl;
  __asm__ volatile("pushfq\n\tpop %0" : "=r"(fl));
  unsigned long n = n_ev++;
  if (n < NLOG) {
    ev_kind[n] = 'U' | vector << 8;
    ev_addr[n] = f->rip;
  }
  u_tf_inside = fl & TF;
  u_tf_pushed = f->rflags & TF;
}

struct sym {
  const char *name;
  unsigned long addr;
};
static struct sym syms[8];
static int nsyms;

static const char *events_str(void) {
  static char buf[512];
  size_t k = 0;
  buf[0] = 0;
  for (unsigned long i = 0; i < n_ev && i < NLOG; i++) {
    const char *name = NULL;
    for (int s = 0; s < nsyms; s++)
      if (syms[s].addr == ev_addr[i]) name = syms[s].name;
    char where[32];
    if (name) snprintf(where, sizeof where, "%s", name);
    else snprintf(where, sizeof where, "%#lx", ev_addr[i]);
    if ((ev_kind[i] & 0xff) == 'U') k += snprintf(buf + k, sizeof buf - k, "%sU%lu@%s", i ? " " : "", ev_kind[i] >> 8, where);
    else k += snprintf(buf + k, sizeof buf - k, "%sT@%s", i ? " " : "", where);
    if (k >= sizeof buf) break;
  }
  return buf;
}

static void test_popf_stui(long idx5) {
  t_run("TF set by POPF, vector 5 pending, then STUI: single-step trap and user interrupt at the same boundary");
  n_ev = 0;
  u_tf_inside = u_tf_pushed = ~0ul;
  _clui();
  _senduipi(idx5);
  syscall(SYS_getpid); /* vector 5 is in UIRR, UIF = 0 */
  unsigned long a_stui, a_nop, a_and, a_popf, a_end;
  __asm__ volatile("lea 1f(%%rip), %0\n\t"
                   "lea 2f(%%rip), %1\n\t"
                   "lea 3f(%%rip), %2\n\t"
                   "lea 4f(%%rip), %3\n\t"
                   "lea 5f(%%rip), %4\n\t"
                   "sub $128, %%rsp\n\t" /* keep the red zone intact */
                   "pushfq\n\t"
                   "orq $0x100, (%%rsp)\n\t"
                   "popfq\n\t" /* TF := 1 (no trap after this POPF: it began with TF = 0) */
                   "stui\n"
                   "1:\tnop\n" /* the instruction after STUI */
                   "2:\tpushfq\n"
                   "3:\tandq $~0x100, (%%rsp)\n"
                   "4:\tpopfq\n" /* began with TF = 1: traps after it; TF = 0 from here on */
                   "5:\tadd $128, %%rsp\n\t"
                   : "=&r"(a_stui), "=&r"(a_nop), "=&r"(a_and), "=&r"(a_popf), "=&r"(a_end)
                   :
                   : "memory", "cc");
  _clui();
  nsyms = 0;
  syms[nsyms++] = (struct sym){"sigtrap_handler", (unsigned long)on_trap};
  syms[nsyms++] = (struct sym){"after_stui", a_stui};
  syms[nsyms++] = (struct sym){"after_nop", a_nop};
  syms[nsyms++] = (struct sym){"after_pushfq", a_and};
  syms[nsyms++] = (struct sym){"after_and", a_popf};
  syms[nsyms++] = (struct sym){"after_popf", a_end};
  t_check(n_ev >= 1 && ev_kind[0] == ('U' | 5 << 8) && ev_addr[0] == (unsigned long)on_trap,
          "first the #DB trap is taken: the user interrupt then interrupts the SIGTRAP handler's first instruction: %s",
          n_ev >= 1 && ev_addr[0] == (unsigned long)on_trap ? "yes" : "no");
  t_check(u_tf_inside == 0, "user-interrupt handler ran with TF = %lu", u_tf_inside);
  t_check(t_bad == 0, "every SIGTRAP: si_code TRAP_TRACE (2), si_addr = RIP in the signal context: %s", t_bad ? "no" : "yes");
  t_check(strcmp(events_str(), "U5@sigtrap_handler T@after_stui T@after_nop T@after_pushfq T@after_and T@after_popf") == 0, "events: %s",
          events_str());
}

static void test_uiret_tf(long idx7) {
  t_run("UIRET with TF in its RFLAGS image, vector 7 pending (UIF = 0)");
  n_ev = 0;
  t_bad = 0;
  u_tf_inside = u_tf_pushed = ~0ul;
  _clui();
  _senduipi(idx7);
  syscall(SYS_getpid); /* vector 7 is in UIRR, UIF = 0 */
  unsigned long a_target, a_nop, a_and, a_popf, a_end;
  __asm__ volatile("lea 1f(%%rip), %0\n\t"
                   "lea 2f(%%rip), %1\n\t"
                   "lea 3f(%%rip), %2\n\t"
                   "lea 4f(%%rip), %3\n\t"
                   "lea 5f(%%rip), %4\n\t"
                   "sub $128, %%rsp\n\t"
                   "mov %%rsp, %%rcx\n\t"
                   "push %%rcx\n\t" /* frame: RSP to load */
                   "pushfq\n\t"
                   "orq $0x100, (%%rsp)\n\t" /* RFLAGS image with TF */
                   "push %0\n\t" /* RIP */
                   "uiret\n" /* TF := 1, UIF := 1; vector 7 delivered at the boundary after it */
                   "1:\tnop\n"
                   "2:\tpushfq\n"
                   "3:\tandq $~0x100, (%%rsp)\n"
                   "4:\tpopfq\n"
                   "5:\tadd $128, %%rsp\n\t"
                   : "=&r"(a_target), "=&r"(a_nop), "=&r"(a_and), "=&r"(a_popf), "=&r"(a_end)
                   :
                   : "rcx", "memory", "cc");
  _clui();
  nsyms = 0;
  syms[nsyms++] = (struct sym){"uiret_target", a_target};
  syms[nsyms++] = (struct sym){"after_nop", a_nop};
  syms[nsyms++] = (struct sym){"after_pushfq", a_and};
  syms[nsyms++] = (struct sym){"after_and", a_popf};
  syms[nsyms++] = (struct sym){"after_popf", a_end};
  t_check(u_tf_pushed == TF && u_tf_inside == 0, "frame RFLAGS TF = %lu (loaded by UIRET), TF in the handler = %lu", u_tf_pushed >> 8, u_tf_inside);
  t_check(t_bad == 0, "every SIGTRAP: si_code TRAP_TRACE (2), si_addr = RIP in the signal context: %s", t_bad ? "no" : "yes");
  t_check(strcmp(events_str(), "U7@uiret_target T@after_nop T@after_pushfq T@after_and T@after_popf") == 0, "events: %s", events_str());
}

int main(void) {
  uintr_test_init();
  if (!uintr_supported()) {
    t_skip("User interrupts are not supported (%s)", t_errname(errno));
    return EXIT_SUCCESS;
  }
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_sigaction = on_trap;
  sa.sa_flags = SA_SIGINFO;
  sigaction(SIGTRAP, &sa, NULL);
  uintr_register_handler(uhandler, 0);
  long idx5 = uintr_register_self(5, 0), idx7 = uintr_register_self(7, 0);
  test_popf_stui(idx5);
  test_uiret_tf(idx7);
  uintr_unregister_handler(0);
  return t_exit_status();
}
