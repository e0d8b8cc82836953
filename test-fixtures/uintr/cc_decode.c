/*
 * cc_decode: UINTR opcodes, their neighbours and the "no UINTR" machine (spec §1.7.1-1.7.2, §2.2, §2.7,
 * §6 items 1-4). Each byte sequence runs in its own small assembly function; a SIGILL/SIGSEGV handler
 * records the fault and resumes after the instruction.
 *
 * With UINTR (default): CPUID.(7,0):EDX[5] = 1; RDMSR/WRMSR of a UINTR MSR in user mode: #GP (SIGSEGV, si_code
 * SI_KERNEL, si_addr 0); F3 0F 01 EF / EE / ED are STUI / CLUI / TESTUI (checked via
 * TESTUI's CF); a LOCK prefix on any of the five UINTR instructions, and F2 0F 01 EE, raise #UD (SIGILL,
 * si_code ILL_ILLOPN = 2, si_addr = the instruction); the same bytes without F3 are RDPKRU / WRPKRU / RDRAND,
 * which #UD when CPUID reports no PKU / RDRAND; F3 0F C7 /6 with a memory operand is VMXON, which faults in
 * user mode.
 * Without UINTR (uintr-run --no-uintr: CR4.UINTR = 0, a kernel without the patches): each of the five
 * instructions raises SIGILL, si_code 2, with RIP unchanged (si_addr = RIP = the instruction), and the system
 * calls 471-479 and 449-454 fail (printed with their errno).
 */
#include "uintr_test.h"

volatile unsigned long insn_rip;

#define TRY(name, bytes)                                                                                                      \
  void name(void);                                                                                                            \
  __asm__(".text\n\t.globl " #name "\n\t.type " #name ", @function\n" #name ":\n\t"                                         \
          "push %rbx\n\t"                                                                                                   \
          "lea 1f(%rip), %rax\n\t"                                                                                          \
          "mov %rax, insn_rip(%rip)\n\t"                                                                                    \
          "xor %eax, %eax\n\t"                                                                                              \
          "xor %ecx, %ecx\n\t"                                                                                              \
          "xor %edx, %edx\n\t"                                                                                              \
          "lea -64(%rsp), %rbx\n\t"                                                                                         \
          "mov %rbx, %rax\n1:\t"                                                                                            \
          ".byte " bytes "\n\t"                                                                                             \
          "pop %rbx\n\t"                                                                                                    \
          "ret\n\t.size " #name ", .-" #name "\n");

TRY(raw_stui, "0xf3, 0x0f, 0x01, 0xef")
TRY(raw_clui, "0xf3, 0x0f, 0x01, 0xee")
TRY(raw_testui, "0xf3, 0x0f, 0x01, 0xed")
TRY(raw_senduipi_rax, "0xf3, 0x0f, 0xc7, 0xf0")
TRY(raw_uiret, "0xf3, 0x0f, 0x01, 0xec")
TRY(lock_stui, "0xf0, 0xf3, 0x0f, 0x01, 0xef")
TRY(lock_clui, "0xf0, 0xf3, 0x0f, 0x01, 0xee")
TRY(lock_testui, "0xf0, 0xf3, 0x0f, 0x01, 0xed")
TRY(lock_uiret, "0xf0, 0xf3, 0x0f, 0x01, 0xec")
TRY(lock_senduipi, "0xf0, 0xf3, 0x0f, 0xc7, 0xf0")
TRY(f2_0f01ee, "0xf2, 0x0f, 0x01, 0xee")
TRY(rdpkru, "0x0f, 0x01, 0xee")
TRY(wrpkru, "0x0f, 0x01, 0xef")
TRY(rdrand_rax, "0x0f, 0xc7, 0xf0")
TRY(vmxon_mem, "0xf3, 0x0f, 0xc7, 0x30") /* vmxon (%rax), rax -> scratch stack memory */

static const char *outcome(void (*fn)(void), unsigned long *len);

/* RDMSR / WRMSR of IA32_UINTR_RR (0x985): CPL0 only */
void rdmsr_uirr(void);
void wrmsr_uirr(void);
__asm__(".text\n\t.globl rdmsr_uirr\n\t.type rdmsr_uirr, @function\nrdmsr_uirr:\n\t"
        "lea 1f(%rip), %rax\n\t"
        "mov %rax, insn_rip(%rip)\n\t"
        "mov $0x985, %ecx\n1:\t"
        "rdmsr\n\t"
        "ret\n\t.size rdmsr_uirr, .-rdmsr_uirr\n");
__asm__(".text\n\t.globl wrmsr_uirr\n\t.type wrmsr_uirr, @function\nwrmsr_uirr:\n\t"
        "lea 1f(%rip), %rax\n\t"
        "mov %rax, insn_rip(%rip)\n\t"
        "mov $0x985, %ecx\n\t"
        "mov $1, %eax\n\t"
        "xor %edx, %edx\n1:\t"
        "wrmsr\n\t"
        "ret\n\t.size wrmsr_uirr, .-wrmsr_uirr\n");

static void expect_gp(const char *what, void (*fn)(void), unsigned long want_len) {
  unsigned long len;
  const char *o = outcome(fn, &len);
  int ok = t_fault.count == 1 && t_fault.signo == SIGSEGV && t_fault.code == 0x80 && t_fault.addr == 0 && t_fault.rip == insn_rip &&
           len == want_len;
  t_check(ok, "%s: %s", what, o);
}

static int uif(void) {
  return _testui();
}

/* Run fn; return a text for the fault (with si_addr/RIP relative to the instruction) */
static const char *outcome(void (*fn)(void), unsigned long *len) {
  static char buf[128];
  t_fault_reset();
  fn();
  *len = t_fault.len;
  if (!t_fault.count) return "no fault";
  const char *where = t_fault.rip == insn_rip ? "at the instruction" : "elsewhere";
  if (t_fault.signo == SIGILL)
    snprintf(buf, sizeof buf, "SIGILL si_code %d %s, si_addr %s", t_fault.code, where, t_fault.addr == insn_rip ? "= RIP" : "≠ RIP");
  else snprintf(buf, sizeof buf, "%s %s", t_fault_str(), where);
  return buf;
}

static void expect_ud(const char *what, void (*fn)(void), unsigned long want_len) {
  unsigned long len;
  const char *o = outcome(fn, &len);
  int ok = t_fault.count == 1 && t_fault.signo == SIGILL && t_fault.code == 2 && t_fault.rip == insn_rip && t_fault.addr == insn_rip &&
           len == want_len;
  t_check(ok, "%s: %s", what, o);
}

static void cpuid7(unsigned *ecx, unsigned *edx) {
  unsigned a = 7, b, c = 0, d;
  __asm__ volatile("cpuid" : "+a"(a), "=b"(b), "+c"(c), "=d"(d));
  *ecx = c;
  *edx = d;
}
static unsigned cpuid1_ecx(void) {
  unsigned a = 1, b, c = 0, d;
  __asm__ volatile("cpuid" : "+a"(a), "=b"(b), "+c"(c), "=d"(d));
  return c;
}

static void with_uintr(void) {
  unsigned ecx7, edx7;
  cpuid7(&ecx7, &edx7);
  t_check(edx7 & (1u << 5), "CPUID.(EAX=7,ECX=0):EDX[5] (UINTR) = %u", (edx7 >> 5) & 1);

  t_run("F3 0F 01 EF / EE / ED are STUI / CLUI / TESTUI");
  unsigned long len;
  raw_stui();
  int a = uif();
  raw_clui();
  int b = uif();
  t_check(a == 1 && b == 0, "UIF after F3 0F 01 EF: %d, after F3 0F 01 EE: %d", a, b);
  const char *o = outcome(raw_testui, &len);
  t_check(!t_fault.count, "F3 0F 01 ED: %s", o);

  t_run("LOCK prefix on the UINTR instructions");
  expect_ud("lock stui (F0 F3 0F 01 EF)", lock_stui, 5);
  expect_ud("lock clui (F0 F3 0F 01 EE)", lock_clui, 5);
  expect_ud("lock testui (F0 F3 0F 01 ED)", lock_testui, 5);
  expect_ud("lock uiret (F0 F3 0F 01 EC)", lock_uiret, 5);
  expect_ud("lock senduipi %rax (F0 F3 0F C7 F0)", lock_senduipi, 5);
  t_check(uif() == 0, "UIF unchanged by the faulting lock stui: %d", uif());

  t_run("The UINTR MSRs from user mode");
  expect_gp("rdmsr IA32_UINTR_RR (0x985)", rdmsr_uirr, 2);
  expect_gp("wrmsr IA32_UINTR_RR (0x985)", wrmsr_uirr, 2);

  t_run("Neighbouring encodings");
  expect_ud("F2 0F 01 EE (invalid)", f2_0f01ee, 4);
  int pku = (ecx7 >> 4) & 1; /* OSPKE */
  if (!pku) {
    expect_ud("0F 01 EE (RDPKRU; CPUID reports OSPKE = 0)", rdpkru, 3);
    expect_ud("0F 01 EF (WRPKRU; CPUID reports OSPKE = 0)", wrpkru, 3);
  } else {
    o = outcome(rdpkru, &len);
    t_check(!t_fault.count, "0F 01 EE (RDPKRU, OSPKE = 1): %s", o);
  }
  if (!(cpuid1_ecx() & (1u << 30))) expect_ud("0F C7 F0 (RDRAND %eax; CPUID reports no RDRAND)", rdrand_rax, 3);
  else {
    o = outcome(rdrand_rax, &len);
    t_check(!t_fault.count, "0F C7 F0 (RDRAND, supported): %s", o);
  }
  if (!(cpuid1_ecx() & (1u << 5))) expect_ud("F3 0F C7 30 (VMXON with a memory operand; CPUID reports no VMX)", vmxon_mem, 4);
  else {
    o = outcome(vmxon_mem, &len);
    t_check(t_fault.count == 1 && (t_fault.signo == SIGILL || t_fault.signo == SIGSEGV) && t_fault.rip == insn_rip,
            "F3 0F C7 30 (VMXON with a memory operand) faults in user mode: %s", t_fault.count ? "yes" : "no");
  }
}

static void without_uintr(void) {
  t_run("UINTR instructions on a kernel without UINTR (CR4.UINTR = 0)");
  expect_ud("stui (F3 0F 01 EF)", raw_stui, 4);
  expect_ud("clui (F3 0F 01 EE)", raw_clui, 4);
  expect_ud("testui (F3 0F 01 ED)", raw_testui, 4);
  expect_ud("uiret (F3 0F 01 EC)", raw_uiret, 4);
  expect_ud("senduipi %rax (F3 0F C7 F0)", raw_senduipi_rax, 4);
  t_run("UINTR system calls on a kernel without UINTR");
  char line[512] = "";
  for (int nr = 471; nr <= 479; nr++) {
    errno = 0;
    long r = syscall(nr, 0, 0, 0);
    snprintf(line + strlen(line), sizeof line - strlen(line), "%s%d: %s", nr == 471 ? "" : ", ", nr, t_res(r, errno));
  }
  printf("\t%s\n", line);
  line[0] = 0;
  for (int nr = 449; nr <= 454; nr++) {
    errno = 0;
    long r = syscall(nr, nr == 454 ? 0 : 0x401000, 0, 0);
    snprintf(line + strlen(line), sizeof line - strlen(line), "%s%d: %s", nr == 449 ? "" : ", ", nr, t_res(r, errno));
  }
  printf("\t%s\n", line);
}

int main(void) {
  uintr_test_init();
  t_catch_faults();
  /* UINTR present: the handler registration works with either system-call numbering */
  int rfc = 0;
  if (syscall(449, t_dummy_handler, 0) == 0) {
    syscall(450, 0);
    rfc = 1;
  }
  if (uintr_supported() || rfc) with_uintr();
  else without_uintr();
  return t_exit_status();
}
