/*
 * cc_senduipi_regs: SENDUIPI with every general register as its operand (spec §1.7.1, §1.7.4, §2.7,
 * §6 items 2, 5-7), each through a small assembly function `send_via_REG(value)` that loads the register
 * and executes `senduipi %REG` (4 bytes for rax..rdi, 5 with the REX prefix for r8..r15):
 *   1. no UITT in the process yet: #UD -> SIGILL, si_code ILL_ILLOPN (2), si_addr = RIP = the SENDUIPI
 *   2. a valid index (0): the interrupt is delivered, no fault, the register keeps its value
 *   3. index 256 (> UITTSZ), 2^32, -1 and an unallocated index 9: #GP -> SIGSEGV, si_code SI_KERNEL (128),
 *      si_addr 0, reported at the SENDUIPI; nothing delivered
 *   4. `senduipi %rsp` (a stack address, > 255): #GP
 *   5. 66 and REX.W prefixes are ignored (66 F3 0F C7 F1 = senduipi %rcx, F3 48 0F C7 F2 = senduipi %rdx)
 *   6. after uintr_unregister_sender(0): SIGSEGV (this thread still has its sender MSRs)
 * The fault handler resumes after the instruction (RIP += 4 or 5).
 */
#include "uintr_test.h"

#define SEND_VIA_SCRATCH(r)                                                                                                   \
  __asm__(".text\n\t.globl send_via_" #r "\n\t.type send_via_" #r ", @function\nsend_via_" #r ":\n\t"                         \
          "lea 1f(%rip), %rax\n\t"                                                                                          \
          "mov %rax, send_rip(%rip)\n\t"                                                                                    \
          "mov %rdi, %" #r "\n1:\t"                                                                                         \
          "senduipi %" #r "\n\t"                                                                                            \
          "mov %" #r ", send_after(%rip)\n\t"                                                                               \
          "ret\n\t.size send_via_" #r ", .-send_via_" #r "\n");
#define SEND_VIA_SAVED(r)                                                                                                     \
  __asm__(".text\n\t.globl send_via_" #r "\n\t.type send_via_" #r ", @function\nsend_via_" #r ":\n\t"                         \
          "push %" #r "\n\t"                                                                                                \
          "lea 1f(%rip), %rax\n\t"                                                                                          \
          "mov %rax, send_rip(%rip)\n\t"                                                                                    \
          "mov %rdi, %" #r "\n1:\t"                                                                                         \
          "senduipi %" #r "\n\t"                                                                                            \
          "mov %" #r ", send_after(%rip)\n\t"                                                                               \
          "pop %" #r "\n\t"                                                                                                 \
          "ret\n\t.size send_via_" #r ", .-send_via_" #r "\n");

/* address of the last SENDUIPI executed and the register's value after it */
volatile unsigned long send_rip, send_after;

SEND_VIA_SCRATCH(rcx)
SEND_VIA_SCRATCH(rdx)
SEND_VIA_SCRATCH(rsi)
SEND_VIA_SCRATCH(r8)
SEND_VIA_SCRATCH(r9)
SEND_VIA_SCRATCH(r10)
SEND_VIA_SCRATCH(r11)
SEND_VIA_SAVED(rbx)
SEND_VIA_SAVED(rbp)
SEND_VIA_SAVED(r12)
SEND_VIA_SAVED(r13)
SEND_VIA_SAVED(r14)
SEND_VIA_SAVED(r15)

/* rax and rdi need their own forms (rax is the scratch register above; rdi is the argument) */
__asm__(".text\n\t.globl send_via_rax\n\t.type send_via_rax, @function\nsend_via_rax:\n\t"
        "lea 1f(%rip), %rax\n\t"
        "mov %rax, send_rip(%rip)\n\t"
        "mov %rdi, %rax\n1:\t"
        "senduipi %rax\n\t"
        "mov %rax, send_after(%rip)\n\t"
        "ret\n\t.size send_via_rax, .-send_via_rax\n");
__asm__(".text\n\t.globl send_via_rdi\n\t.type send_via_rdi, @function\nsend_via_rdi:\n\t"
        "lea 1f(%rip), %rax\n\t"
        "mov %rax, send_rip(%rip)\n1:\t"
        "senduipi %rdi\n\t"
        "mov %rdi, send_after(%rip)\n\t"
        "ret\n\t.size send_via_rdi, .-send_via_rdi\n");
/* senduipi %rsp: the operand is the stack pointer itself */
__asm__(".text\n\t.globl send_via_rsp\n\t.type send_via_rsp, @function\nsend_via_rsp:\n\t"
        "lea 1f(%rip), %rax\n\t"
        "mov %rax, send_rip(%rip)\n1:\t"
        "senduipi %rsp\n\t"
        "mov %rsp, send_after(%rip)\n\t"
        "ret\n\t.size send_via_rsp, .-send_via_rsp\n");
/* 66 F3 0F C7 F1: data16 senduipi %rcx; F3 48 0F C7 F2: rex.W senduipi %rdx */
__asm__(".text\n\t.globl send_66_rcx\n\t.type send_66_rcx, @function\nsend_66_rcx:\n\t"
        "lea 1f(%rip), %rax\n\t"
        "mov %rax, send_rip(%rip)\n\t"
        "mov %rdi, %rcx\n1:\t"
        ".byte 0x66, 0xf3, 0x0f, 0xc7, 0xf1\n\t"
        "mov %rcx, send_after(%rip)\n\t"
        "ret\n\t.size send_66_rcx, .-send_66_rcx\n");
__asm__(".text\n\t.globl send_rexw_rdx\n\t.type send_rexw_rdx, @function\nsend_rexw_rdx:\n\t"
        "lea 1f(%rip), %rax\n\t"
        "mov %rax, send_rip(%rip)\n\t"
        "mov %rdi, %rdx\n1:\t"
        ".byte 0xf3, 0x48, 0x0f, 0xc7, 0xf2\n\t"
        "mov %rdx, send_after(%rip)\n\t"
        "ret\n\t.size send_rexw_rdx, .-send_rexw_rdx\n");

typedef void (*sender_fn)(unsigned long);
#define DECL(r) void send_via_##r(unsigned long);
DECL(rax) DECL(rcx) DECL(rdx) DECL(rbx) DECL(rsp) DECL(rbp) DECL(rsi) DECL(rdi)
DECL(r8) DECL(r9) DECL(r10) DECL(r11) DECL(r12) DECL(r13) DECL(r14) DECL(r15)
void send_66_rcx(unsigned long);
void send_rexw_rdx(unsigned long);

static const struct {
  const char *name;
  sender_fn fn;
  unsigned long len;
} regs[] = {
    {"rax", send_via_rax, 4}, {"rcx", send_via_rcx, 4}, {"rdx", send_via_rdx, 4}, {"rbx", send_via_rbx, 4},
    {"rbp", send_via_rbp, 4}, {"rsi", send_via_rsi, 4}, {"rdi", send_via_rdi, 4}, {"r8", send_via_r8, 5},
    {"r9", send_via_r9, 5},   {"r10", send_via_r10, 5}, {"r11", send_via_r11, 5}, {"r12", send_via_r12, 5},
    {"r13", send_via_r13, 5}, {"r14", send_via_r14, 5}, {"r15", send_via_r15, 5},
};
#define NREGS (sizeof regs / sizeof regs[0])

static volatile unsigned long received, last_vector;

static void __attribute__((interrupt)) handler(struct __uintr_frame *f, unsigned long long vector) {
  (void)f;
  last_vector = vector;
  received++;
}

/*
 * Send `value` through every register; expect a fault with signal `sig` / code `code` (0 = no fault: one
 * delivery each). Prints one line for the case and one per deviating register.
 */
static void case_all_regs(const char *what, unsigned long value, int sig, int code) {
  int bad = 0;
  for (unsigned i = 0; i < NREGS; i++) {
    t_fault_reset();
    received = 0;
    regs[i].fn(value);
    syscall(SYS_getpid); /* a self-IPI has certainly been delivered once a system call returns */
    int ok;
    if (sig == 0) ok = t_fault.count == 0 && received == 1 && last_vector == 5;
    else
      ok = t_fault.count == 1 && t_fault.signo == sig && t_fault.code == code && t_fault.rip == send_rip && t_fault.len == regs[i].len &&
           received == 0 && (sig == SIGILL ? t_fault.addr == send_rip : t_fault.addr == 0);
    ok = ok && send_after == value;
    if (!ok) {
      bad++;
      t_fail("%s via %s: fault %s at %s, length %lu, delivered %lu, register after %#lx", what, regs[i].name, t_fault_str(),
             t_fault.rip == send_rip ? "the SENDUIPI" : "another address", t_fault.len, received, send_after);
    }
  }
  if (!bad) {
    if (sig == SIGILL)
      t_ok("%s: SIGILL si_code %d si_addr = RIP = the SENDUIPI, through the %u registers rax..r15 other than rsp", what, code, (unsigned)NREGS);
    else if (sig == SIGSEGV)
      t_ok("%s: SIGSEGV si_code %d si_addr 0 at the SENDUIPI, nothing delivered, through the %u registers rax..r15 other than rsp", what, code,
           (unsigned)NREGS);
    else t_ok("%s: delivered once, no fault, through the %u registers rax..r15 other than rsp", what, (unsigned)NREGS);
  }
}

static void case_one(const char *what, sender_fn fn, unsigned long value, unsigned long len, int sig) {
  t_fault_reset();
  received = 0;
  fn(value);
  syscall(SYS_getpid);
  int ok = sig == 0 ? t_fault.count == 0 && received == 1
                    : t_fault.count == 1 && t_fault.signo == sig && t_fault.rip == send_rip && t_fault.len == len && received == 0;
  t_check(ok, "%s: fault %s, instruction length %lu, delivered %lu", what, t_fault_str(), sig ? t_fault.len : len, received);
}

int main(void) {
  uintr_test_init();
  t_catch_faults();
  if (!uintr_supported()) {
    t_skip("User interrupts are not supported (%s)", t_errname(errno));
    return EXIT_SUCCESS;
  }
  t_run("SENDUIPI before the process has a UITT (IA32_UINTR_TT[0] = 0)");
  case_all_regs("index 0, no UITT", 0, SIGILL, 2);

  if (uintr_register_handler(handler, 0)) {
    t_fail("register handler: %s", t_errname(errno));
    return EXIT_FAILURE;
  }
  long idx = uintr_register_self(5, 0);
  t_check(idx == 0, "uintr_register_self(5) = %ld", idx);
  _stui();

  t_run("SENDUIPI with a valid index");
  case_all_regs("index 0 (vector 5)", 0, 0, 0);
  case_one("66 F3 0F C7 F1 (data16 senduipi %rcx), index 0", send_66_rcx, 0, 5, 0);
  case_one("F3 48 0F C7 F2 (rex.W senduipi %rdx), index 0", send_rexw_rdx, 0, 5, 0);

  t_run("SENDUIPI with an invalid index");
  case_all_regs("index 256 (> UITTSZ 255)", 256, SIGSEGV, 0x80);
  case_all_regs("index 2^32", 1ul << 32, SIGSEGV, 0x80);
  case_all_regs("index -1", ~0ul, SIGSEGV, 0x80);
  case_all_regs("index 9 (not allocated)", 9, SIGSEGV, 0x80);
  case_one("senduipi %rsp (a stack address)", send_via_rsp, 0, 4, SIGSEGV);
  case_one("66 F3 0F C7 F1 (data16 senduipi %rcx), index 256", send_66_rcx, 256, 5, SIGSEGV);
  case_one("F3 48 0F C7 F2 (rex.W senduipi %rdx), index -1", send_rexw_rdx, ~0ul, 5, SIGSEGV);

  t_run("SENDUIPI after uintr_unregister_sender");
  long r = uintr_unregister_sender(idx, 0);
  t_check(r == 0, "uintr_unregister_sender(0) = %ld", r);
  case_all_regs("index 0 after unregister", 0, SIGSEGV, 0x80);

  _clui();
  uintr_unregister_handler(0);
  return t_exit_status();
}
