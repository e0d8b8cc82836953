/*
 * cc_delivery: recognition and delivery corner cases (spec §1.9, §6 items 11-14, 16-18), with self-IPIs
 * (uintr_register_self) so the order of events is fixed by the program:
 *   - vectors 3 and 60 pending when STUI executes: 60 first, then 3 right after UIRET, both interrupting the
 *     instruction after STUI (the interrupted code has not run another instruction in between)
 *   - five SENDUIPIs of one vector before STUI: one handler run; 3+3 sends of two vectors: two runs
 *   - CLUI blocks at once; the interrupt stays pending and is delivered right after STUI
 *   - the frame with UISTACKADJUST = 128 for four alignments of the interrupted RSP S:
 *     RSP_h = ((S-128) & ~15) - 32, [RSP_h] = vector, [+8] = RIP, [+16] = RFLAGS (bit 1 set), [+24] = S,
 *     red zone and alignment padding untouched; DF is not cleared by delivery; UIF = 0 in the handler
 *   - uintr_alt_stack(sp): RSP_h = (sp & ~15) - 32; uintr_alt_stack(NULL) restores the 128-byte layout
 */
#include "uintr_test.h"

struct hlog {
  unsigned long vector, rip, rflags, rsp, frame, progress, hflags, uif;
};
#define NLOG 16
static volatile struct hlog hlog[NLOG];
static volatile unsigned long hcount;
static volatile unsigned long progress;

static void __attribute__((interrupt)) log_handler(struct __uintr_frame *f, unsigned long long vector) {
  unsigned long n = hcount, fl;
  __asm__ volatile("lea -128(%%rsp), %%rsp\n\tpushfq\n\tpopq %0\n\tlea 128(%%rsp), %%rsp" : "=r"(fl));
  if (n < NLOG) {
    hlog[n].vector = vector;
    hlog[n].rip = f->rip;
    hlog[n].rflags = f->rflags;
    hlog[n].rsp = f->rsp;
    hlog[n].frame = (unsigned long)f - 8; /* RSP at handler entry: the vector slot */
    hlog[n].progress = progress;
    hlog[n].hflags = fl;
    hlog[n].uif = _testui();
  }
  hcount = n + 1;
}

static long idx_of[64];

/* Make sure every posted vector has reached UIRR: the return from a system call replays UPID.PIR. */
static void settle(void) {
  syscall(SYS_getpid);
}

/* STUI followed by one counted instruction; returns the address right after STUI. */
static unsigned long stui_then_progress(void) {
  unsigned long where;
  __asm__ volatile("lea 1f(%%rip), %0\n\t"
                   "stui\n"
                   "1:\tincq %1"
                   : "=&r"(where), "+m"(progress)
                   :
                   : "memory");
  return where;
}

static void test_priority(void) {
  t_run("Vectors 3 and 60 pending when STUI executes");
  _clui();
  _senduipi(idx_of[3]);
  _senduipi(idx_of[60]);
  settle();
  hcount = 0;
  progress = 0;
  unsigned long where = stui_then_progress();
  t_check(hcount == 2 && hlog[0].vector == 60 && hlog[1].vector == 3, "handler runs %lu: vector %lu first, then %lu", hcount,
          hlog[0].vector, hlog[1].vector);
  t_check(hlog[0].rip == where && hlog[1].rip == where, "both interrupted the instruction right after STUI: %s",
          hlog[0].rip == where && hlog[1].rip == where ? "yes" : "no");
  t_check(hlog[0].progress == 0 && hlog[1].progress == 0 && progress == 1,
          "interrupted code ran no instruction between the two deliveries (counter %lu, %lu; after: %lu)", hlog[0].progress,
          hlog[1].progress, progress);
  t_check(hlog[0].frame == hlog[1].frame && hlog[0].rsp == hlog[1].rsp, "same frame address for both: %s",
          hlog[0].frame == hlog[1].frame ? "yes" : "no");
}

static void test_coalescing(void) {
  t_run("Five SENDUIPIs of vector 7 before STUI");
  _clui();
  for (int i = 0; i < 5; i++) _senduipi(idx_of[7]);
  settle();
  hcount = 0;
  _stui();
  settle();
  t_check(hcount == 1 && hlog[0].vector == 7, "handler runs: %lu (vector %lu)", hcount, hlog[0].vector);

  t_run("Vectors 1 and 2, three SENDUIPIs each, before STUI");
  _clui();
  for (int i = 0; i < 3; i++) {
    _senduipi(idx_of[1]);
    _senduipi(idx_of[2]);
  }
  settle();
  hcount = 0;
  _stui();
  settle();
  t_check(hcount == 2 && hlog[0].vector == 2 && hlog[1].vector == 1, "handler runs: %lu (vectors %lu, %lu)", hcount, hlog[0].vector,
          hlog[1].vector);
}

static void test_clui_blocks(void) {
  t_run("CLUI blocks delivery; the interrupt is delivered right after STUI");
  _stui();
  hcount = 0;
  progress = 0;
  _clui();
  _senduipi(idx_of[5]);
  settle();
  for (int i = 0; i < 1000; i++) cpu_delay();
  progress = 1;
  unsigned long before = hcount;
  unsigned long where = stui_then_progress();
  t_check(before == 0, "runs while UIF = 0: %lu", before);
  t_check(hcount == 1 && hlog[0].rip == where && hlog[0].progress == 1, "delivered at the boundary after STUI: %s",
          hcount == 1 && hlog[0].rip == where && hlog[0].progress == 1 ? "yes" : "no");
}

/* ------------------------------------------------------------------ frame layout */

static unsigned char stk[8192] __attribute__((aligned(64)));

static int all_bytes(unsigned long from, unsigned long to, unsigned char v) {
  for (unsigned long a = from; a < to; a++)
    if (*(unsigned char *)a != v) return 0;
  return 1;
}

static void frame_at(unsigned long k) {
  unsigned long S = (unsigned long)stk + 6144 - k, where;
  memset(stk, 0xa5, sizeof stk);
  _clui();
  _senduipi(idx_of[5]);
  settle();
  hcount = 0;
  /* switch to S, set DF, enable user interrupts: delivery happens right after STUI */
  __asm__ volatile("mov %%rsp, %%rbx\n\t"
                   "mov %1, %%rsp\n\t"
                   "lea 1f(%%rip), %0\n\t"
                   "std\n\t"
                   "stui\n"
                   "1:\tcld\n\t"
                   "mov %%rbx, %%rsp"
                   : "=&r"(where)
                   : "r"(S)
                   : "rbx", "memory");
  unsigned long rsph = ((S - 128) & ~15ul) - 32;
  const unsigned long *fr = (const unsigned long *)rsph;
  int ok = hcount == 1 && hlog[0].frame == rsph && fr[0] == 5 && fr[1] == where && fr[2] == hlog[0].rflags && fr[3] == S &&
           hlog[0].rsp == S && hlog[0].rip == where;
  t_check(ok, "S %% 16 = %2lu: frame at S-%lu = ((S-128) & ~15) - 32, [+0] vector %lu, [+8] RIP after STUI, [+24] S: %s", S % 16,
          S - hlog[0].frame, fr[0], ok ? "yes" : "no");
  t_check(all_bytes(S - 128, S, 0xa5) && all_bytes(rsph + 32, S - 128, 0xa5), "S %% 16 = %2lu: red zone and padding untouched: %s",
          S % 16, all_bytes(S - 128, S, 0xa5) && all_bytes(rsph + 32, S - 128, 0xa5) ? "yes" : "no");
  if (k == 0) {
    t_check((hlog[0].rflags & 0x402) == 0x402, "saved RFLAGS has bit 1 and DF set: %s", (hlog[0].rflags & 0x402) == 0x402 ? "yes" : "no");
    t_check(hlog[0].hflags & 0x400, "DF still set in the handler (delivery clears only UIF, TF, RF): %s", hlog[0].hflags & 0x400 ? "yes" : "no");
    t_check(hlog[0].uif == 0, "TESTUI in the handler: UIF = %lu", hlog[0].uif);
  }
}

static void test_frame_layout(void) {
  t_run("Delivery frame with UISTACKADJUST = 128");
  frame_at(0);
  frame_at(1);
  frame_at(8);
  frame_at(13);
  _stui();
}

static unsigned char alt[8192] __attribute__((aligned(64)));

static void test_alt_stack(void) {
  t_run("Delivery frame with uintr_alt_stack");
  unsigned long sp = (unsigned long)alt + 4096 - 5;
  long r = uintr_alt_stack((void *)sp, 4096, 0);
  t_check(r == 0, "uintr_alt_stack(sp, 4096, 0) = %ld", r);
  hcount = 0;
  _stui();
  _senduipi(idx_of[5]);
  settle();
  unsigned long S = hlog[0].rsp;
  t_check(hcount == 1 && hlog[0].frame == (sp & ~15ul) - 32, "frame at (sp & ~15) - 32 = sp-%lu: %s", sp - hlog[0].frame,
          hcount == 1 && hlog[0].frame == (sp & ~15ul) - 32 ? "yes" : "no");
  t_check(!(S >= (unsigned long)alt && S < (unsigned long)alt + sizeof alt), "saved RSP is the interrupted stack, not the alternate one: %s",
          !(S >= (unsigned long)alt && S < (unsigned long)alt + sizeof alt) ? "yes" : "no");
  r = uintr_alt_stack(NULL, 0, 0);
  t_check(r == 0, "uintr_alt_stack(NULL, 0, 0) = %ld", r);
  hcount = 0;
  _senduipi(idx_of[5]);
  settle();
  S = hlog[0].rsp;
  t_check(hcount == 1 && hlog[0].frame == ((S - 128) & ~15ul) - 32, "frame back at ((S-128) & ~15) - 32: %s",
          hcount == 1 && hlog[0].frame == ((S - 128) & ~15ul) - 32 ? "yes" : "no");
}

int main(void) {
  uintr_test_init();
  if (uintr_register_handler(log_handler, 0)) {
    t_skip("User interrupts are not supported (%s)", t_errname(errno));
    return EXIT_SUCCESS;
  }
  const int vecs[] = {1, 2, 3, 5, 7, 60};
  for (unsigned i = 0; i < sizeof vecs / sizeof vecs[0]; i++) {
    idx_of[vecs[i]] = uintr_register_self(vecs[i], 0);
    if (idx_of[vecs[i]] < 0) {
      t_fail("uintr_register_self(%d): %s", vecs[i], t_errname(errno));
      return EXIT_FAILURE;
    }
  }
  test_priority();
  test_coalescing();
  test_clui_blocks();
  test_frame_layout();
  test_alt_stack();
  _clui();
  uintr_unregister_handler(0);
  return t_exit_status();
}
