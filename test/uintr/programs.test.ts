/**
 * UINTR C programs under the emulator.
 *
 *   node --import tsx --test test/uintr/programs.test.ts
 *
 * Every program in test-fixtures/uintr/ is compiled with `gcc -static -pthread -muintr -mgeneral-regs-only`
 * at -O2 (and -O0 -g for the main ones) into test-fixtures/build/uintr/ (rebuilt when a source, a header or
 * this file is newer), then run with `node dist/uintr-run.js [options] PROGRAM`, stdout a pipe.
 *
 * The host CPU has no UINTR, so these programs cannot run natively: every expected output below is written
 * from the project's UINTR spec digest (/work/shared/uintr-spec.md; section numbers in the comments), never
 * captured from the emulator. Most programs print one `[OK]`/`[FAIL]` line per checked fact with the
 * observed value in it, and exit 1 on any FAIL, so a deviation shows up both as a text diff and a status.
 *
 * Programs with several threads or processes run under several schedules: --cores 1/2/4 x --seed 1..4
 * (FULL: the uipi sample, ipc_base, cc_blocking) or four combinations covering every core count and seed
 * (SOME); their output must not change. The uipi sample is also run
 * with --trace uintr and a few facts of the UINTR event log are checked.
 *
 * The before hook runs `node scripts/build.mjs` when dist/uintr-run.js is missing or older than emulator/.
 * Environment: UINTR_SKIP_BUILD=1 never builds the bundle. gcc with -muintr (GCC >= 11) is required.
 */
import { describe, it, before } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync, execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import { runCommand, RunResult } from '../spawn-run';
import * as path from 'node:path';

const ROOT = path.resolve(__dirname, '..', '..');
const SRC = path.join(ROOT, 'test-fixtures', 'uintr');
const OUT = path.join(ROOT, 'test-fixtures', 'build', 'uintr');
const CLI = path.join(ROOT, 'dist', 'uintr-run.js');
const RUN_TIMEOUT_MS = 60_000;

const CFLAGS = ['-static', '-pthread', '-muintr', '-mgeneral-regs-only', '-Wall'];
const VARIANT_FLAGS: Record<Variant, string[]> = { O2: ['-O2'], O0: ['-O0', '-g'] };
type Variant = 'O2' | 'O0';

// ---------------------------------------------------------------------------------------------- schedules

const cfg = (cores: number, seed: number) => ['--cores', String(cores), '--seed', String(seed)];
/** cores 1, 2, 4 x seeds 1..4 */
const FULL: string[][] = [1, 2, 4].flatMap((c) => [1, 2, 3, 4].map((s) => cfg(c, s)));
/** every core count and every seed at least once */
const SOME: string[][] = [cfg(1, 1), cfg(2, 2), cfg(4, 3), cfg(2, 4)];
/** single-threaded programs: the default schedule and one other */
const ONE: string[][] = [[], cfg(1, 3)];

// ---------------------------------------------------------------------------------------------- expected output

const out = (...lines: string[]) => lines.map((l) => l + '\n').join('');
const NOT_SUPPORTED = out('[SKIP]\tUser interrupts are not supported (ENOSYS)');

/** §2.9, §6.35: stdout is a pipe, so the handler's write(2) comes before the buffered printf lines. */
const UIPI_SAMPLE = out('\t-- User Interrupt handler --', 'Receiver enabled interrupts', 'Sending IPI from sender thread', 'Success');
/** §2.9, §6.35: a kernel without UINTR (or without these system-call numbers): ENOSYS -> error, exit 1. */
const UIPI_SAMPLE_NO_UINTR = out('Interrupt handler register error');

/** §2.10 ipc_base; blocking: §2.6, §6.25 (-1/EINTR with the handler already run); processes: §2.8, SCM_RIGHTS. */
const IPC_BASE = out(
  '[OK]\tUser interrupts supported by this CPU and kernel',
  '[RUN]\tBase UIPI test: a thread sends to the spinning main thread (uvec fd)',
  '[OK]\tUser interrupt received (vector 0)',
  '[RUN]\tUIPI test without an fd: uintr_register_self(0), another thread sends',
  '[OK]\tUser interrupt received (vector 0)',
  '[RUN]\tBlocking in uintr_wait(100000, 0) with WAITING_RECEIVER',
  '[OK]\tuintr_wait returned -1/EINTR with the interrupt handled',
  '[RUN]\tBlocking in uintr_wait(100000, 0) with WAITING_SENDER',
  '[OK]\tuintr_wait returned -1/EINTR with the interrupt handled',
  '[RUN]\tBlocking in nanosleep(10 s) with WAITING_RECEIVER',
  '[OK]\tnanosleep returned -1/EINTR early with the interrupt handled',
  '[RUN]\tBlocking in nanosleep(10 s) with WAITING_SENDER',
  '[OK]\tnanosleep returned -1/EINTR early with the interrupt handled',
  '[RUN]\tProcess IPI, unidirectional: a forked child sends through the inherited uvec fd',
  '[OK]\tUser interrupt received from the child',
  '[RUN]\tProcess IPI, bidirectional: uvec fd passed back with SCM_RIGHTS, 3 round trips',
  '[OK]\t3 pings and 3 pongs (vectors 1 and 0)',
);

/** §2.10 syscall_handler; §2.2 471/472 (EINVAL, EBUSY; §6.27); §6.22 (ordinary function as handler -> SIGSEGV). */
const SYSCALL_HANDLER = out(
  '[RUN]\tUnregister a handler when none is registered',
  '[OK]\tuintr_unregister_handler failed (EINVAL)',
  '[RUN]\tRegister a handler twice',
  '[OK]\tsecond uintr_register_handler failed (EBUSY)',
  '[SKIP]\tInvalid handler addresses (0xabcd, non-canonical, kernel, random): disabled, the kernel does not validate them',
  '[RUN]\tAn ordinary function as the handler (forked child)',
  '[OK]\tchild terminated by SIGSEGV',
);

/** §2.10 syscall_vector; §2.2 473, §6.28 (EINVAL without handler, ENOSPC for vector >= 64 incl. -1). */
const SYSCALL_VECTOR = out(
  '[RUN]\tuintr_vector_fd without a handler',
  '[OK]\tuintr_vector_fd failed (EINVAL)',
  '[RUN]\tVectors beyond the range 0..63',
  '[OK]\tuintr_vector_fd(-1) failed (ENOSPC)',
  '[OK]\tuintr_vector_fd(64) failed (ENOSPC)',
  '[OK]\tuintr_vector_fd(100) failed (ENOSPC)',
  '[SKIP]\tRegistering the same vector twice: disabled',
  '[SKIP]\tdup() of a uvec fd: disabled',
);

/** §2.10 syscall_sender; §2.2 474, §6.29 (EBADF, EOPNOTSUPP, ENOSPC for the 257th entry). */
const SYSCALL_SENDER = out(
  '[RUN]\tuintr_register_sender(-1)',
  '[OK]\tuintr_register_sender(-1) failed (EBADF)',
  '[RUN]\tuintr_register_sender on an eventfd',
  '[OK]\tuintr_register_sender(eventfd) failed (EOPNOTSUPP)',
  '[RUN]\tUITT exhaustion: 4 threads x 64 vectors, then one more registration (forked child)',
  '[OK]\t256 registrations succeeded, registration 257 failed (ENOSPC)',
  '[SKIP]\tRegistering the same uvec fd again: disabled',
);

/** §2.10 syscall_flags (bits 0-3 only, as in the original loop); §2.2, §6.27, §6.28: flags != 0 -> EINVAL. */
const SYSCALL_FLAGS = out(
  '[RUN]\tuintr_register_handler flags',
  '[OK]\tuintr_register_handler rejects flag bits 0-3',
  '[RUN]\tuintr_unregister_handler flags',
  '[OK]\tuintr_unregister_handler rejects flag bits 0-3',
  '[RUN]\tuintr_vector_fd flags',
  '[OK]\tuintr_vector_fd rejects flag bits 0-3',
  '[RUN]\tuintr_register_sender flags',
  '[OK]\tuintr_register_sender rejects flag bits 0-3',
  '[RUN]\tuintr_unregister_sender flags',
  '[OK]\tuintr_unregister_sender rejects flag bits 0-3',
);

/** §2.10 senduipi_instr; §2.7, §6.5, §6.7 (#UD -> SIGILL, #GP -> SIGSEGV); §2.8, §6.30 (threads and fork children can send). */
const SENDUIPI_INSTR = out(
  '[RUN]\tSENDUIPI without a sender registration',
  '[OK]\tSIGILL',
  '[RUN]\tSENDUIPI with an index that is not registered',
  '[OK]\tSIGSEGV',
  '[RUN]\tSENDUIPI after uintr_unregister_sender',
  '[OK]\tSIGILL or SIGSEGV',
  '[SKIP]\tSENDUIPI after closing the uvec fd: disabled (closing the fd does not unregister the sender)',
  '[RUN]\tSENDUIPI from another thread with the registered index',
  '[OK]\tno SIGILL, interrupt received',
  '[RUN]\tSENDUIPI from a fork child with the registered index',
  '[OK]\tno SIGILL in the child, interrupt received',
);

/** §2.10 senduipi_self_ipi; §6.32. */
const SENDUIPI_SELF_IPI = out(
  '[SKIP]\tSelf-IPI checked right after SENDUIPI: disabled',
  '[SKIP]\tSelf-IPI checked after a short delay: disabled',
  '[RUN]\tSelf-IPI, checked after a long busy loop',
  '[OK]\tinterrupt received',
  '[RUN]\tSelf-IPI, checked after usleep(1)',
  '[OK]\tinterrupt received',
  '[SKIP]\tSelf-IPI twice to different destinations: disabled',
);

/** §2.2 478, §2.10, §6.16, §6.17: sp 16-byte aligned -> frame (ui_frame = RSP_h + 8) at sp - 32 + 8. */
const SYSCALL_ALT_STACK = out(
  '[RUN]\tHandler on an alternate stack',
  '\texpected stack: (sp-4096, sp); actual: frame at sp-24',
  '[OK]\thandler ran on the alternate stack',
  '[RUN]\tAlternate stack cleared',
  '\texpected stack: just below the interrupted RSP and its red zone; actual: frame at ((RSP-128) & ~15) - 24: yes',
  '[OK]\thandler ran on the interrupted stack',
);

/** §2.2 479 (uipi fd, UIPI_SET_TARGET_TABLE, EBUSY when the process already has a table), §2.10. */
const SYSCALL_IPI_FD = out(
  '[RUN]\tShare the UITT with another process through a uipi fd',
  '[OK]\tinterrupt received from the child',
  '[SKIP]\tInherit the uipi fd over fork: disabled',
);

/** §2.6, §2.10 syscall_blocking. */
const SYSCALL_BLOCKING = out(
  '[RUN]\tProcess IPI to a blocked receiver (WAITING_RECEIVER), unidirectional',
  '[OK]\tinterrupt received',
  '[RUN]\tProcess IPI to a blocked receiver (WAITING_SENDER), unidirectional',
  '[OK]\tinterrupt received',
  '[RUN]\tProcess IPI to a blocked receiver (WAITING_RECEIVER), bidirectional, 3 rounds',
  '[OK]\t3 round trips',
  '[RUN]\tProcess IPI to a blocked receiver (WAITING_SENDER), bidirectional, 3 rounds',
  '[OK]\t3 round trips',
);

/** §0, §2.3, §2.10 (RFC selftest texts), §6.26 (uintr_wait(0) ends with EINTR), §6.30 (per-thread UITT -> SIGILL). */
const RFC_V1_BASE = out(
  '[RUN]\tSpin in userspace (waiting for interrupts)',
  '\tother thread: sending IPI',
  '[OK]\tUser interrupt received',
  '[RUN]\tBlock in the kernel (waiting for interrupts)',
  '\tother thread: sending IPI',
  '[OK]\tUser interrupt received (uintr_wait(0) = -1 EINTR)',
  '[RUN]\tRFC v1 system-call semantics',
  '[OK]\tuintr_create_fd(0) while vector 0 is registered = -1 EBUSY',
  '[OK]\tuintr_register_sender(fd) = 0',
  '[OK]\tuintr_register_sender(fd) again in the same thread = -1 EISCONN',
  '[OK]\tuintr_register_sender(eventfd) = -1 EOPNOTSUPP',
  '[OK]\tuintr_unregister_sender(-1) = -1 EBADF',
  '[OK]\tuintr_unregister_sender(eventfd) = -1 EOPNOTSUPP',
  "[OK]\tanother thread's SENDUIPI with index 0: signal 4 si_code 2 (SIGILL: no UITT in that thread)",
  '[OK]\tthat thread registers itself: index 0 (its own table), delivered 1',
  '[OK]\tuintr_unregister_sender(fd) = 0',
  '[OK]\tSENDUIPI with the unregistered index: SIGSEGV code 128 addr 0',
  '[OK]\tuintr_unregister_sender(fd) again = -1 EINVAL',
  '[OK]\tSENDUIPI after the receiver closed the uintr fd: SIGSEGV code 128 addr 0',
  '[OK]\tuintr_unregister_handler(0) = 0',
  '[OK]\tuintr_register_sender after the receiver unregistered = -1 ESHUTDOWN',
  '[OK]\tuintr_register_handler(h, WAITING_RECEIVER) = -1 EINVAL',
  '[OK]\tsystem calls 471-479 return ENOSYS: all',
);

/** §1.9, §6.11, §6.12, §6.13, §6.14, §6.16, §6.17, §6.18. Frame: RSP_h = ((S-128) & ~15) - 32, so S - RSP_h = 160 + (S mod 16). */
const CC_DELIVERY = out(
  '[RUN]\tVectors 3 and 60 pending when STUI executes',
  '[OK]\thandler runs 2: vector 60 first, then 3',
  '[OK]\tboth interrupted the instruction right after STUI: yes',
  '[OK]\tinterrupted code ran no instruction between the two deliveries (counter 0, 0; after: 1)',
  '[OK]\tsame frame address for both: yes',
  '[RUN]\tFive SENDUIPIs of vector 7 before STUI',
  '[OK]\thandler runs: 1 (vector 7)',
  '[RUN]\tVectors 1 and 2, three SENDUIPIs each, before STUI',
  '[OK]\thandler runs: 2 (vectors 2, 1)',
  '[RUN]\tCLUI blocks delivery; the interrupt is delivered right after STUI',
  '[OK]\truns while UIF = 0: 0',
  '[OK]\tdelivered at the boundary after STUI: yes',
  '[RUN]\tDelivery frame with UISTACKADJUST = 128',
  '[OK]\tS % 16 =  0: frame at S-160 = ((S-128) & ~15) - 32, [+0] vector 5, [+8] RIP after STUI, [+24] S: yes',
  '[OK]\tS % 16 =  0: red zone and padding untouched: yes',
  '[OK]\tsaved RFLAGS has bit 1 and DF set: yes',
  '[OK]\tDF still set in the handler (delivery clears only UIF, TF, RF): yes',
  '[OK]\tTESTUI in the handler: UIF = 0',
  '[OK]\tS % 16 = 15: frame at S-175 = ((S-128) & ~15) - 32, [+0] vector 5, [+8] RIP after STUI, [+24] S: yes',
  '[OK]\tS % 16 = 15: red zone and padding untouched: yes',
  '[OK]\tS % 16 =  8: frame at S-168 = ((S-128) & ~15) - 32, [+0] vector 5, [+8] RIP after STUI, [+24] S: yes',
  '[OK]\tS % 16 =  8: red zone and padding untouched: yes',
  '[OK]\tS % 16 =  3: frame at S-163 = ((S-128) & ~15) - 32, [+0] vector 5, [+8] RIP after STUI, [+24] S: yes',
  '[OK]\tS % 16 =  3: red zone and padding untouched: yes',
  '[RUN]\tDelivery frame with uintr_alt_stack',
  '[OK]\tuintr_alt_stack(sp, 4096, 0) = 0',
  // sp = a 64-aligned buffer + 4096 - 5, so sp & 15 = 11 and RSP_h = sp - 11 - 32
  '[OK]\tframe at (sp & ~15) - 32 = sp-43: yes',
  '[OK]\tsaved RSP is the interrupted stack, not the alternate one: yes',
  '[OK]\tuintr_alt_stack(NULL, 0, 0) = 0',
  '[OK]\tframe back at ((S-128) & ~15) - 32: yes',
);

/** §1.7.3 (TESTUI), §1.7.5 (UIRET: mask 0x254DD5, RSP verbatim, UIF := 1, #GP on non-canonical RIP), §6.15, §6.19, §6.20, §6.21. */
const CC_FLAGS = out(
  '[RUN]\tTESTUI flags',
  '[OK]\tUIF=0, flags set before: CF=0 ZF=0 SF=0 OF=0 AF=0 PF=0 DF=1 IF=1',
  '[OK]\tUIF=0, flags clear before: CF=0, other status flags 0, DF=0',
  '[OK]\tUIF=1, flags set before: CF=1 ZF=0 SF=0 OF=0 AF=0 PF=0 DF=1 IF=1',
  '[OK]\tUIF=1, flags clear before: CF=1, other status flags 0, DF=0',
  '[RUN]\tUIRET executed outside any handler',
  '[OK]\tRSP loaded verbatim from the frame: yes',
  '[OK]\tCF ZF SF OF DF loaded from the image: yes',
  '[OK]\tIF and IOPL kept (IF=1 IOPL=0)',
  '[OK]\tUIF after UIRET: 1',
  '[RUN]\tHandler rewrites ui_frame->rip, ->rflags and ->rsp',
  '[OK]\tresumed at the new RIP (the instruction after STUI skipped): yes',
  '[OK]\tresumed with the new RSP (S-64): yes',
  '[OK]\tRFLAGS after UIRET: CF=1 DF=1 ZF=1 IF=1 IOPL=0',
  '[RUN]\tUIRET with a non-canonical saved RIP',
  '[OK]\tfault: SIGSEGV code 128 addr 0',
  '[OK]\treported at the UIRET with RSP unchanged: yes',
  '[OK]\tafter skipping it: RSP unchanged yes, UIF 0',
);

/** §1.7.1, §1.7.4, §2.7, §6.2, §6.5, §6.6, §6.7: #UD -> SIGILL ILL_ILLOPN at the insn; #GP -> SIGSEGV SI_KERNEL (0x80), si_addr 0. */
const CC_SENDUIPI_REGS = out(
  '[RUN]\tSENDUIPI before the process has a UITT (IA32_UINTR_TT[0] = 0)',
  '[OK]\tindex 0, no UITT: SIGILL si_code 2 si_addr = RIP = the SENDUIPI, through the 15 registers rax..r15 other than rsp',
  '[OK]\tuintr_register_self(5) = 0',
  '[RUN]\tSENDUIPI with a valid index',
  '[OK]\tindex 0 (vector 5): delivered once, no fault, through the 15 registers rax..r15 other than rsp',
  '[OK]\t66 F3 0F C7 F1 (data16 senduipi %rcx), index 0: fault none, instruction length 5, delivered 1',
  '[OK]\tF3 48 0F C7 F2 (rex.W senduipi %rdx), index 0: fault none, instruction length 5, delivered 1',
  '[RUN]\tSENDUIPI with an invalid index',
  '[OK]\tindex 256 (> UITTSZ 255): SIGSEGV si_code 128 si_addr 0 at the SENDUIPI, nothing delivered, through the 15 registers rax..r15 other than rsp',
  '[OK]\tindex 2^32: SIGSEGV si_code 128 si_addr 0 at the SENDUIPI, nothing delivered, through the 15 registers rax..r15 other than rsp',
  '[OK]\tindex -1: SIGSEGV si_code 128 si_addr 0 at the SENDUIPI, nothing delivered, through the 15 registers rax..r15 other than rsp',
  '[OK]\tindex 9 (not allocated): SIGSEGV si_code 128 si_addr 0 at the SENDUIPI, nothing delivered, through the 15 registers rax..r15 other than rsp',
  '[OK]\tsenduipi %rsp (a stack address): fault SIGSEGV code 128 addr 0, instruction length 4, delivered 0',
  '[OK]\t66 F3 0F C7 F1 (data16 senduipi %rcx), index 256: fault SIGSEGV code 128 addr 0, instruction length 5, delivered 0',
  '[OK]\tF3 48 0F C7 F2 (rex.W senduipi %rdx), index -1: fault SIGSEGV code 128 addr 0, instruction length 5, delivered 0',
  '[RUN]\tSENDUIPI after uintr_unregister_sender',
  '[OK]\tuintr_unregister_sender(0) = 0',
  '[OK]\tindex 0 after unregister: SIGSEGV si_code 128 si_addr 0 at the SENDUIPI, nothing delivered, through the 15 registers rax..r15 other than rsp',
);

/** §1.7.1-2, §6.1, §6.2, §6.3: the emulated CPU reports UINTR but neither PKU, RDRAND nor VMX in CPUID. */
const CC_DECODE = out(
  '[OK]\tCPUID.(EAX=7,ECX=0):EDX[5] (UINTR) = 1',
  '[RUN]\tF3 0F 01 EF / EE / ED are STUI / CLUI / TESTUI',
  '[OK]\tUIF after F3 0F 01 EF: 1, after F3 0F 01 EE: 0',
  '[OK]\tF3 0F 01 ED: no fault',
  '[RUN]\tLOCK prefix on the UINTR instructions',
  '[OK]\tlock stui (F0 F3 0F 01 EF): SIGILL si_code 2 at the instruction, si_addr = RIP',
  '[OK]\tlock clui (F0 F3 0F 01 EE): SIGILL si_code 2 at the instruction, si_addr = RIP',
  '[OK]\tlock testui (F0 F3 0F 01 ED): SIGILL si_code 2 at the instruction, si_addr = RIP',
  '[OK]\tlock uiret (F0 F3 0F 01 EC): SIGILL si_code 2 at the instruction, si_addr = RIP',
  '[OK]\tlock senduipi %rax (F0 F3 0F C7 F0): SIGILL si_code 2 at the instruction, si_addr = RIP',
  '[OK]\tUIF unchanged by the faulting lock stui: 0',
  // §1.3: the UINTR MSRs are RDMSR/WRMSR-only, CPL0: #GP in user mode
  '[RUN]\tThe UINTR MSRs from user mode',
  '[OK]\trdmsr IA32_UINTR_RR (0x985): SIGSEGV code 128 addr 0 at the instruction',
  '[OK]\twrmsr IA32_UINTR_RR (0x985): SIGSEGV code 128 addr 0 at the instruction',
  '[RUN]\tNeighbouring encodings',
  '[OK]\tF2 0F 01 EE (invalid): SIGILL si_code 2 at the instruction, si_addr = RIP',
  '[OK]\t0F 01 EE (RDPKRU; CPUID reports OSPKE = 0): SIGILL si_code 2 at the instruction, si_addr = RIP',
  '[OK]\t0F 01 EF (WRPKRU; CPUID reports OSPKE = 0): SIGILL si_code 2 at the instruction, si_addr = RIP',
  '[OK]\t0F C7 F0 (RDRAND %eax; CPUID reports no RDRAND): SIGILL si_code 2 at the instruction, si_addr = RIP',
  '[OK]\tF3 0F C7 30 (VMXON with a memory operand; CPUID reports no VMX): SIGILL si_code 2 at the instruction, si_addr = RIP',
);
/** §2.2 ("not supported": ENOSYS later, EOPNOTSUPP in RFC v1; unassigned numbers ENOSYS), §2.7, §6.4. */
const CC_DECODE_NO_UINTR = (rfc: boolean) =>
  out(
    '[RUN]\tUINTR instructions on a kernel without UINTR (CR4.UINTR = 0)',
    '[OK]\tstui (F3 0F 01 EF): SIGILL si_code 2 at the instruction, si_addr = RIP',
    '[OK]\tclui (F3 0F 01 EE): SIGILL si_code 2 at the instruction, si_addr = RIP',
    '[OK]\ttestui (F3 0F 01 ED): SIGILL si_code 2 at the instruction, si_addr = RIP',
    '[OK]\tuiret (F3 0F 01 EC): SIGILL si_code 2 at the instruction, si_addr = RIP',
    '[OK]\tsenduipi %rax (F3 0F C7 F0): SIGILL si_code 2 at the instruction, si_addr = RIP',
    '[RUN]\tUINTR system calls on a kernel without UINTR',
    '\t' + [471, 472, 473, 474, 475, 476, 477, 478, 479].map((n) => `${n}: -1 ENOSYS`).join(', '),
    '\t' + [449, 450, 451, 452, 453, 454].map((n) => `${n}: -1 ${rfc ? 'EOPNOTSUPP' : 'ENOSYS'}`).join(', '),
  );

/** §2.2 errno lists, §6.26, §6.27, §6.28, §6.29 (each line below names its case). */
const CC_SYSCALL_ERRNO = out(
  '[RUN]\tWithout a handler',
  '[OK]\tuintr_unregister_handler(0) = -1 EINVAL', // §6.27
  '[OK]\tuintr_vector_fd(0, 0) = -1 EINVAL', // §6.28
  '[OK]\tuintr_register_self(0, 0) = -1 EINVAL',
  '[OK]\tuintr_alt_stack(sp, 4096, 0) = -1 EOPNOTSUPP',
  '[OK]\tuintr_wait(0, 0) = 0', // §6.26
  '[OK]\tuintr_wait(1000, 0) = -1 EOPNOTSUPP', // §6.26
  '[OK]\tuintr_wait(1000000001, 0) = -1 EINVAL', // §6.26
  '[OK]\tuintr_wait(1000, 1) = -1 EINVAL', // §6.26
  '[OK]\tuintr_unregister_sender(0, 0) with no UITT = -1 EINVAL',
  '[RUN]\tuintr_register_handler / uintr_unregister_handler',
  '[OK]\tuintr_register_handler(NULL, 0) = -1 EFAULT', // §6.27
  '[OK]\tuintr_register_handler(h, 0x1) = -1 EINVAL', // §6.27
  '[OK]\tuintr_register_handler(h, 0x4000) = -1 EINVAL', // §6.27
  '[OK]\tuintr_register_handler(h, 0x1001) = -1 EINVAL', // §6.27
  '[OK]\tuintr_register_handler(h, WAITING_RECEIVER) = 0', // §6.27
  '[OK]\tuintr_register_handler(h, 0) again = -1 EBUSY', // §6.27
  '[OK]\tuintr_unregister_handler(1) = -1 EINVAL', // §6.27
  '[OK]\tuintr_unregister_handler(0) = 0', // §6.27
  '[OK]\tuintr_unregister_handler(0) again = -1 EINVAL', // §6.27
  '[OK]\tuintr_register_handler(h, WAITING_SENDER) = 0', // §6.27
  '[OK]\tuintr_unregister_handler(0) = 0', // §6.27
  '[OK]\tuintr_register_handler(h, WAITING_ANY) = 0', // §6.27
  '[OK]\tuintr_unregister_handler(0) = 0', // §6.27
  '[OK]\tuintr_register_handler(h, 0) = 0', // §6.27
  // §2.2 471 "does not touch UIF", 472 "UIF is not changed"
  '[OK]\tUIF after uintr_register_handler (not touched): 0',
  '[OK]\tuintr_unregister_handler(0) with UIF = 1 = 0', // §6.27
  '[OK]\tUIF after uintr_unregister_handler (not touched): 1',
  '[OK]\tuintr_register_handler(h, 0) = 0', // §6.27
  '[RUN]\tuintr_vector_fd',
  '[OK]\tuintr_vector_fd(64, 0) = -1 ENOSPC', // §6.28
  '[OK]\tuintr_vector_fd(100, 0) = -1 ENOSPC', // §6.28
  '[OK]\tuintr_vector_fd(-1, 0) = -1 ENOSPC', // §6.28
  '[OK]\tuintr_vector_fd(2^32, 0) = -1 ENOSPC', // §6.28
  '[OK]\tuintr_vector_fd(0, 1) = -1 EINVAL', // §6.28
  '[OK]\tuintr_vector_fd(63, 0) returns an fd: yes', // §6.28
  '[OK]\tfcntl(F_GETFD) = FD_CLOEXEC: yes', // §6.28
  '[OK]\tfcntl(F_GETFL): O_RDONLY yes, O_NONBLOCK yes',
  '[OK]\t/proc/self/fd/N -> anon_inode:[uvecfd]',
  '[OK]\tthe same vector again gives a second fd: yes', // §6.28
  '[OK]\tioctl(uvec fd, 0x5500) = -1 ENOTTY',
  '[RUN]\tuintr_register_sender / uintr_unregister_sender', // §6.29
  '[OK]\tuintr_register_sender(-1, 0) = -1 EBADF', // §6.29
  '[OK]\tuintr_register_sender(1000, 0) = -1 EBADF', // §6.29
  '[OK]\tuintr_register_sender(eventfd, 0) = -1 EOPNOTSUPP', // §6.29
  '[OK]\tuintr_register_sender(pipe, 0) = -1 EOPNOTSUPP', // §6.29
  '[OK]\tuintr_register_sender(fd, 1) = -1 EINVAL', // §6.29
  '[OK]\tuintr_register_sender(fd, 0) = 0', // §6.29
  '[OK]\tuintr_register_sender(fd, 0) again (no duplicate check) = 1', // §6.29
  '[OK]\tregistrations 3 to 256 return indexes 2 to 255: yes', // §6.29
  '[OK]\tthe 257th uintr_register_sender = -1 ENOSPC', // §6.29
  '[OK]\tuintr_unregister_sender(3, 1) = -1 EINVAL',
  '[OK]\tuintr_unregister_sender(256, 0) = -1 EINVAL',
  '[OK]\tuintr_unregister_sender(-1, 0) = -1 EINVAL',
  '[OK]\tuintr_unregister_sender(100, 0) = 0',
  '[OK]\tuintr_unregister_sender(3, 0) = 0',
  '[OK]\tuintr_unregister_sender(3, 0) again = -1 EINVAL',
  '[OK]\tuintr_register_sender (lowest free index) = 3', // §6.29
  '[OK]\tuintr_register_sender (next lowest free index) = 100', // §6.29
  '[OK]\tuintr_register_sender with the table full again = -1 ENOSPC', // §6.29
  '[RUN]\tuintr_register_self, uintr_alt_stack, uintr_wait, uintr_ipi_fd',
  '[OK]\tuintr_register_self(64, 0) = -1 ENOSPC',
  '[OK]\tuintr_register_self(0, 1) = -1 EINVAL',
  '[OK]\tuintr_register_self(0, 0) (lowest free index) = 0',
  '[OK]\tuintr_unregister_sender(0, 0) = 0',
  '[OK]\tuintr_alt_stack(sp, 4096, 1) = -1 EINVAL',
  '[OK]\tuintr_alt_stack(sp, 4096, 0) = 0',
  '[OK]\tuintr_alt_stack(NULL, 0, 0) = 0',
  '[OK]\tuintr_wait(0, 0) = 0', // §6.26
  '[OK]\tuintr_wait(1000, 0) with nothing sent (timeout) = 0', // §6.26
  '[OK]\tuintr_wait(1000, 0) slept at least 1000 us: yes', // §6.26
  '[OK]\tuintr_ipi_fd(1) = -1 EINVAL',
  '[OK]\tuintr_ipi_fd(0) returns an fd with FD_CLOEXEC: yes', // §6.28
  '[OK]\tioctl(uipi fd, 0x7501) = -1 EINVAL',
  '[OK]\tioctl(uipi fd, UIPI_SET_TARGET_TABLE) in the process that owns the table = -1 EBUSY',
);

/** §1.10, §2.5, §2.6, §6.9, §6.24, §6.25. */
const CC_BLOCKING = out(
  '[RUN]\tInterrupt posted while the receiver is blocked in read() (no WAITING flags)',
  '[OK]\tread returned 5; handler runs before the next instruction: 1 (vector 6)', // §6.24
  '[OK]\tinterrupted RIP is the instruction after SYSCALL: yes', // §6.24
  '[OK]\tRAX at delivery holds the system call\'s result: 5', // §6.24
  '[OK]\tdelivered after the read returned, not when sent (sender phase seen by the handler: 2)', // §6.24
  '[RUN]\tBlocked receivers registered with WAITING flags',
  ...['nanosleep(10 s)', 'read(empty pipe)', 'futex(FUTEX_WAIT, no timeout)', 'uintr_wait(5 s)'].flatMap((call) =>
    ['WAITING_RECEIVER', 'WAITING_SENDER'].map((f) => `[OK]\t${f}, ${call}: -1 EINTR, handler already run: 1, returned early: yes`), // §6.25
  ),
  '[OK]\tWAITING_RECEIVER, vectors 0 and 1 sent back to back: nanosleep -1 EINTR, handler runs 2: vector 1 then 0', // §6.25
  '[OK]\tWAITING_SENDER, vectors 0 and 1 sent back to back: nanosleep -1 EINTR, handler runs 2: vector 1 then 0', // §6.25
  '[RUN]\tReceiver without WAITING flags in nanosleep(20 ms)',
  '[OK]\tnanosleep returned 0 after the full 20 ms: yes', // §6.25
  '[OK]\thandler runs seen by the sender 1 ms after sending (receiver asleep): 0', // §6.25
  '[OK]\thandler runs right after nanosleep returned: 1', // §6.25
);

/** §2.2 472, §2.4, §2.8, §6.30, §6.31, §6.36, §8.16. */
const CC_LIFECYCLE = out(
  '[RUN]\tA new thread',
  '[OK]\tUIF in the new thread: 0', // §6.30
  '[OK]\tno handler in the new thread: uintr_unregister_handler = -1 EINVAL, uintr_vector_fd = -1 EINVAL', // §6.30
  "[OK]\tSENDUIPI with the main thread's index without registering: fault none, main thread got vector 2", // §6.30
  '[RUN]\tA fork child',
  '[OK]\tchild: UIF 0', // §6.30
  '[OK]\tchild: no handler: uintr_unregister_handler = -1 EINVAL', // §6.30
  "[OK]\tchild: SENDUIPI with the parent's index: fault none", // §6.30
  '[OK]\tchild: exit 0', // §6.30
  '[OK]\tparent received vector 2 from the child (runs 1)',
  '[OK]\tparent UIF after fork: 1',
  '[RUN]\tuintr_unregister_handler with an interrupt pending, then register again',
  '[OK]\tpending vector 4 discarded: handler runs after unregister + STUI: 0', // §6.31
  '[OK]\tSENDUIPI to the unregistered receiver: fault none, handler runs 0', // §6.31
  '[OK]\tregistered again: handler runs 1, vector 9 (posted while unregistered)',
  '[RUN]\tTwo receiver threads, vector 0 each', // §6.36
  '[OK]\tsecond handler in the same thread: -1 EBUSY, -1 EBUSY', // §6.36
  '[OK]\tsend to B then A: delivered to thread 20 (vector 0), then thread 10 (vector 0)', // §6.36
  // §2.2 474 (ESHUTDOWN once the receiver thread has exited), §2.8 (senders to a dead receiver do not fault)
  '[RUN]\tA receiver thread that has exited',
  '[OK]\tSENDUIPI to it: fault none',
  '[OK]\tuintr_register_sender with its uvec fd = -1 ESHUTDOWN',
  '[RUN]\texecve',
  "[OK]\texec'd: uvec fd closed (O_CLOEXEC)",
  "[OK]\texec'd: UIF 0",
  "[OK]\texec'd: no handler: uintr_unregister_handler = -1 EINVAL",
  "[OK]\texec'd: SENDUIPI with the old index: SIGILL code 2 (no UITT)",
  "[OK]\texec'd child: exit 0",
);

/** §1.7.5, §2.7, §6.19 (UIRET pops the vector as RIP), §6.22 (ret pops the vector 0: SIGSEGV at RIP 0), §6.23. */
const CC_BAD_HANDLER = out(
  '[RUN]\tHandler that executes UIRET without discarding the vector (vector 9)',
  '[OK]\tchild: SIGSEGV (signal 11) at RIP 0x9, si_addr 0x9, si_code 1, handler body ran: no',
  '[OK]\tchild: exit 0',
  '[RUN]\tOrdinary C function as the handler (vector 0)',
  '[OK]\tchild: SIGSEGV (signal 11) at RIP 0, si_addr 0, si_code 1, handler body ran: yes',
  '[OK]\tchild: exit 0',
  '[RUN]\tOrdinary C function as the handler, no signal handler',
  '[OK]\tchild: signal 11',
  // §1.9 (a fault while pushing the frame), §6.23
  '[RUN]\tDelivery frame on an unmapped alternate stack',
  '[OK]\tchild: signal 11 (the frame push faulted, the handler never ran)',
);

/**
 * §1.9 item 7 and "Single-step interplay", §6.34 (with §1.7.5, §2.7, §7). 1: after STUI both the single-step
 * #DB trap (STUI began with TF = 1) and the user interrupt are pending; the trap goes first, so the kernel
 * sets up the SIGTRAP frame and the still pending user interrupt is delivered on the return to user mode,
 * before the SIGTRAP handler's first instruction; then the handler reports the trap after STUI; sigreturn
 * restores TF, so every instruction up to and including the POPF that clears TF traps. 2: UIRET loads TF
 * (mask 0x254DD5) and sets UIF; the boundary after it has no trap (UIRET began with TF = 0), so vector 7 is
 * delivered there with TF = 1 in the frame and TF = 0 in the handler, whose UIRET restores TF.
 */
const CC_SINGLESTEP = out(
  '[RUN]\tTF set by POPF, vector 5 pending, then STUI: single-step trap and user interrupt at the same boundary',
  "[OK]\tfirst the #DB trap is taken: the user interrupt then interrupts the SIGTRAP handler's first instruction: yes", // §6.34
  '[OK]\tuser-interrupt handler ran with TF = 0', // §6.34
  '[OK]\tevery SIGTRAP: si_code TRAP_TRACE (2), si_addr = RIP in the signal context: yes',
  '[OK]\tevents: U5@sigtrap_handler T@after_stui T@after_nop T@after_pushfq T@after_and T@after_popf', // §6.34
  '[RUN]\tUIRET with TF in its RFLAGS image, vector 7 pending (UIF = 0)',
  '[OK]\tframe RFLAGS TF = 1 (loaded by UIRET), TF in the handler = 0', // §6.34, §6.18
  '[OK]\tevery SIGTRAP: si_code TRAP_TRACE (2), si_addr = RIP in the signal context: yes',
  '[OK]\tevents: U7@uiret_target T@after_nop T@after_pushfq T@after_and T@after_popf', // §6.34: UIRET restores TF
);

// ---------------------------------------------------------------------------------------------- the table

interface Program {
  /** source test-fixtures/uintr/<name>.c */
  name: string;
  variants: Variant[];
  runs: Run[];
}
interface Run {
  label: string;
  /** emulator options common to every schedule of this run */
  opts?: string[];
  schedules: string[][];
  stdout: string;
  status?: number;
}

const RFC = ['--uintr-abi', 'rfc-v1'];
const NOUINTR = ['--no-uintr'];
const noUintr = (stdout = NOT_SUPPORTED): Run => ({ label: 'no UINTR', opts: NOUINTR, schedules: [[]], stdout });

const PROGRAMS: Program[] = [
  {
    name: 'uipi_sample',
    variants: ['O2', 'O0'],
    runs: [
      { label: 'UINTR', opts: ['--trace', 'uintr'], schedules: FULL, stdout: UIPI_SAMPLE },
      { label: 'no UINTR', opts: NOUINTR, schedules: [[]], stdout: UIPI_SAMPLE_NO_UINTR, status: 1 },
      { label: 'RFC v1 kernel (no 471-475)', opts: RFC, schedules: [[]], stdout: UIPI_SAMPLE_NO_UINTR, status: 1 },
    ],
  },
  {
    name: 'uipi_sample_rfc_v1',
    variants: ['O2'],
    runs: [
      { label: 'RFC v1', opts: RFC, schedules: SOME, stdout: UIPI_SAMPLE },
      { label: 'later-ABI kernel (no 449-453)', schedules: [[]], stdout: UIPI_SAMPLE_NO_UINTR, status: 1 },
      { label: 'RFC v1, no UINTR', opts: [...RFC, ...NOUINTR], schedules: [[]], stdout: UIPI_SAMPLE_NO_UINTR, status: 1 },
    ],
  },
  { name: 'ipc_base', variants: ['O2', 'O0'], runs: [{ label: 'UINTR', schedules: FULL, stdout: IPC_BASE }, noUintr()] },
  { name: 'syscall_handler', variants: ['O2'], runs: [{ label: 'UINTR', schedules: SOME, stdout: SYSCALL_HANDLER }, noUintr()] },
  { name: 'syscall_vector', variants: ['O2'], runs: [{ label: 'UINTR', schedules: ONE, stdout: SYSCALL_VECTOR }, noUintr()] },
  { name: 'syscall_sender', variants: ['O2'], runs: [{ label: 'UINTR', schedules: SOME, stdout: SYSCALL_SENDER }, noUintr()] },
  { name: 'syscall_flags', variants: ['O2'], runs: [{ label: 'UINTR', schedules: ONE, stdout: SYSCALL_FLAGS }, noUintr()] },
  { name: 'senduipi_instr', variants: ['O2'], runs: [{ label: 'UINTR', schedules: SOME, stdout: SENDUIPI_INSTR }, noUintr()] },
  { name: 'senduipi_self_ipi', variants: ['O2'], runs: [{ label: 'UINTR', schedules: ONE, stdout: SENDUIPI_SELF_IPI }, noUintr()] },
  { name: 'syscall_alt_stack', variants: ['O2'], runs: [{ label: 'UINTR', schedules: ONE, stdout: SYSCALL_ALT_STACK }, noUintr()] },
  { name: 'syscall_ipi_fd', variants: ['O2'], runs: [{ label: 'UINTR', schedules: SOME, stdout: SYSCALL_IPI_FD }, noUintr()] },
  { name: 'syscall_blocking', variants: ['O2'], runs: [{ label: 'UINTR', schedules: SOME, stdout: SYSCALL_BLOCKING }, noUintr()] },
  {
    name: 'rfc_v1_base',
    variants: ['O2', 'O0'],
    runs: [
      { label: 'RFC v1', opts: RFC, schedules: SOME, stdout: RFC_V1_BASE },
      { label: 'RFC v1, no UINTR', opts: [...RFC, ...NOUINTR], schedules: [[]], stdout: out('[SKIP]\tUser interrupts are not supported (EOPNOTSUPP)') },
    ],
  },
  { name: 'cc_delivery', variants: ['O2', 'O0'], runs: [{ label: 'UINTR', schedules: ONE, stdout: CC_DELIVERY }, noUintr()] },
  { name: 'cc_flags', variants: ['O2', 'O0'], runs: [{ label: 'UINTR', schedules: ONE, stdout: CC_FLAGS }, noUintr()] },
  { name: 'cc_senduipi_regs', variants: ['O2', 'O0'], runs: [{ label: 'UINTR', schedules: ONE, stdout: CC_SENDUIPI_REGS }, noUintr()] },
  {
    name: 'cc_decode',
    variants: ['O2'],
    runs: [
      { label: 'UINTR', schedules: [[]], stdout: CC_DECODE },
      { label: 'UINTR, RFC v1 numbering', opts: RFC, schedules: [[]], stdout: CC_DECODE },
      noUintr(CC_DECODE_NO_UINTR(false)),
      { label: 'RFC v1, no UINTR', opts: [...RFC, ...NOUINTR], schedules: [[]], stdout: CC_DECODE_NO_UINTR(true) },
    ],
  },
  { name: 'cc_syscall_errno', variants: ['O2'], runs: [{ label: 'UINTR', schedules: [[]], stdout: CC_SYSCALL_ERRNO }, noUintr()] },
  { name: 'cc_blocking', variants: ['O2', 'O0'], runs: [{ label: 'UINTR', schedules: FULL, stdout: CC_BLOCKING }, noUintr()] },
  { name: 'cc_lifecycle', variants: ['O2', 'O0'], runs: [{ label: 'UINTR', schedules: SOME, stdout: CC_LIFECYCLE }, noUintr()] },
  { name: 'cc_bad_handler', variants: ['O2', 'O0'], runs: [{ label: 'UINTR', schedules: SOME, stdout: CC_BAD_HANDLER }, noUintr()] },
  { name: 'cc_singlestep', variants: ['O2', 'O0'], runs: [{ label: 'UINTR', schedules: ONE, stdout: CC_SINGLESTEP }, noUintr()] },
];

// ---------------------------------------------------------------------------------------------- running

function run(cmd: string, args: string[], cwd: string, env: NodeJS.ProcessEnv): Promise<RunResult> {
  return runCommand(cmd, args, cwd, env, RUN_TIMEOUT_MS, 'utf8');
}

const binPath = (name: string, v: Variant) => path.join(OUT, `${name}.${v}`);

function runEmu(name: string, v: Variant, opts: string[]): Promise<RunResult> {
  return run(process.execPath, [CLI, ...opts, binPath(name, v)], OUT, { PATH: process.env.PATH ?? '' });
}

/** The UINTR event log lines of a `--trace uintr` run, without the "uintr-run: uintr: t=... coreN pid/tid " prefix. */
function traceEvents(stderr: string): string[] {
  return stderr
    .split('\n')
    .filter((l) => l.startsWith('uintr-run: uintr: '))
    .map((l) => l.replace(/^uintr-run: uintr: t=\d+ core\d+ \d+\/\d+ /, ''));
}

const haveGcc = spawnSync('gcc', ['--version'], { stdio: 'ignore' }).status === 0;
const PARALLEL = Math.max(2, Math.min(4, os.availableParallelism?.() ?? os.cpus().length));

function newest(files: string[]): number {
  return Math.max(...files.map((f) => fs.statSync(f).mtimeMs));
}
function newestSource(dir: string): number {
  let t = 0;
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    t = Math.max(t, e.isDirectory() ? newestSource(p) : e.name.endsWith('.ts') ? fs.statSync(p).mtimeMs : 0);
  }
  return t;
}

async function compileAll(): Promise<void> {
  fs.mkdirSync(OUT, { recursive: true });
  const headers = fs.readdirSync(SRC).filter((f) => f.endsWith('.h')).map((f) => path.join(SRC, f));
  const jobs: (() => Promise<void>)[] = [];
  for (const p of PROGRAMS) {
    for (const v of p.variants) {
      const src = path.join(SRC, `${p.name}.c`), bin = binPath(p.name, v);
      const inputs = newest([src, ...headers, __filename]);
      if (fs.existsSync(bin) && fs.statSync(bin).mtimeMs > inputs) continue;
      jobs.push(async () => {
        const tmp = `${bin}.tmp${process.pid}`;
        const r = await run('gcc', [...VARIANT_FLAGS[v], ...CFLAGS, '-o', tmp, src], SRC, { ...process.env, LC_ALL: 'C' });
        if (r.status !== 0) throw new Error(`gcc ${p.name}.c (${v}) failed:\n${r.stderr}`);
        fs.renameSync(tmp, bin);
      });
    }
  }
  let next = 0;
  await Promise.all(
    Array.from({ length: PARALLEL }, async () => {
      while (next < jobs.length) await jobs[next++]();
    }),
  );
}

before(async () => {
  if (!haveGcc) return;
  const stale = !fs.existsSync(CLI) || fs.statSync(CLI).mtimeMs < newestSource(path.join(ROOT, 'emulator'));
  if (process.env.UINTR_SKIP_BUILD !== '1' && stale) execFileSync(process.execPath, [path.join(ROOT, 'scripts', 'build.mjs')], { cwd: ROOT, stdio: 'inherit' });
  await compileAll();
});

const skip = !haveGcc && 'gcc not available';

describe('UINTR programs: stdout and exit status against the spec', { concurrency: PARALLEL }, () => {
  for (const p of PROGRAMS) {
    for (const v of p.variants) {
      // -O0 builds: the first run, first schedule only (code generation differs; schedules and the machine
      // variants are covered by -O2)
      for (const r of v === 'O2' ? p.runs : p.runs.slice(0, 1)) {
        const schedules = v === 'O2' ? r.schedules : r.schedules.slice(0, 1);
        for (const s of schedules) {
          const opts = [...(r.opts ?? []), ...s];
          it(`${p.name} [${v}] ${r.label}${s.length ? ' ' + s.join(' ') : ''}`, { skip }, async () => {
            const res = await runEmu(p.name, v, opts);
            const diag = `\n--- stderr ---\n${res.stderr.split('\n').filter((l) => !l.startsWith('uintr-run: uintr: ')).join('\n')}`;
            assert.equal(res.stdout, r.stdout, `stdout differs${diag}`);
            assert.equal(res.status, r.status ?? 0, `exit status${diag}`);
            if (p.name === 'uipi_sample' && opts.includes('--trace')) checkSampleTrace(traceEvents(res.stderr));
          });
        }
      }
    }
  }
});

/**
 * Facts of the uipi sample's event log that hold under every schedule (spec §1.7.4, §1.9, §2.2, §2.9): the five
 * system calls with their results, exactly one SENDUIPI (index 0, vector 0) whose outcome is one of the three
 * non-faulting ones, exactly one delivery of vector 0 to the registered handler, after the STUI and the
 * SENDUIPI, followed by one UIRET back to the interrupted RIP.
 */
function checkSampleTrace(ev: string[]): void {
  const idx = (re: RegExp) => ev.findIndex((l) => re.test(l));
  const reg = ev.find((l) => l.startsWith('uintr_register_handler('));
  assert.match(reg ?? '', /^uintr_register_handler\((0x[0-9a-f]+), 0x0, .*\) = 0$/);
  const handler = /^uintr_register_handler\((0x[0-9a-f]+)/.exec(reg!)![1];
  assert.ok(ev.some((l) => /^uintr_vector_fd\(0x0, 0x0, .*\) = 3$/.test(l)), 'uintr_vector_fd(0, 0) = 3');
  assert.ok(ev.some((l) => /^uintr_register_sender\(0x3, 0x0, .*\) = 0$/.test(l)), 'uintr_register_sender(3, 0) = 0');
  assert.ok(ev.some((l) => /^uintr_unregister_sender\(0x0, 0x0, .*\) = 0$/.test(l)), 'uintr_unregister_sender(0, 0) = 0');
  assert.ok(ev.some((l) => /^uintr_unregister_handler\(0x0, .*\) = 0$/.test(l)), 'uintr_unregister_handler(0) = 0');
  const sends = ev.filter((l) => l.startsWith('SENDUIPI'));
  assert.equal(sends.length, 1, `one SENDUIPI:\n${sends.join('\n')}`);
  assert.match(sends[0], /^SENDUIPI index 0 -> vector 0 upid 0x[0-9a-f]+: (notified|suppressed \(SN=1\)|merged \(ON=1\))$/);
  const delivers = ev.filter((l) => l.startsWith('DELIVER'));
  assert.equal(delivers.length, 1, `one delivery:\n${delivers.join('\n')}`);
  const m = /^DELIVER vector 0 -> handler (0x[0-9a-f]+), frame 0x[0-9a-f]+, interrupted rip (0x[0-9a-f]+)$/.exec(delivers[0]);
  assert.ok(m, delivers[0]);
  assert.equal(m[1], handler, 'delivered to the registered handler');
  const iStui = idx(/^STUI at /), iSend = idx(/^SENDUIPI/), iDeliver = idx(/^DELIVER/), iUiret = idx(/^UIRET -> rip /);
  assert.ok(iStui >= 0 && iStui < iSend && iSend < iDeliver && iDeliver < iUiret, 'order: STUI, SENDUIPI, DELIVER, UIRET');
  assert.equal(ev[iUiret], `UIRET -> rip ${m[2]}, ${/rsp 0x[0-9a-f]+$/.exec(ev[iUiret])![0]}`, 'UIRET returns to the interrupted RIP');
  assert.equal(ev.filter((l) => l.startsWith('UIRET')).length, 1);
  assert.ok(!ev.some((l) => /^#(UD|GP)/.test(l)), 'no UINTR fault');
}

describe('UINTR programs: event-log facts (--trace uintr)', { concurrency: PARALLEL }, () => {
  it('uipi sample, default schedule: the receiver sleeps in nanosleep, so the SENDUIPI finds SN=1 and the kernel replays PIR (§2.9 step 8, §2.5)', { skip }, async () => {
    const res = await runEmu('uipi_sample', 'O2', ['--trace', 'uintr']);
    assert.equal(res.stdout, UIPI_SAMPLE);
    const ev = traceEvents(res.stderr);
    const iSend = ev.findIndex((l) => l.startsWith('SENDUIPI'));
    assert.match(ev[iSend], /: suppressed \(SN=1\)$/);
    assert.ok(!ev.some((l) => l.startsWith('notification IPI')), 'no notification IPI while SN=1');
    const iReplay = ev.findIndex((l) => l.startsWith('kernel replay on return to user: PIR 0x1 -> UIRR 0x1'));
    const iDeliver = ev.findIndex((l) => l.startsWith('DELIVER vector 0'));
    assert.ok(iSend < iReplay && iReplay < iDeliver, 'SENDUIPI, then the replay of PIR bit 0, then the delivery');
    const iSwitchOut = ev.findIndex((l) => l.startsWith('receiver switched out: SN := 1'));
    assert.ok(iSwitchOut >= 0 && iSwitchOut < iSend, 'SN set when the receiver blocked, before the SENDUIPI');
  });

  it('cc_delivery: vectors 60 then 3 delivered back to back, one UIRET between them (§1.9, §6.12)', { skip }, async () => {
    const res = await runEmu('cc_delivery', 'O2', ['--trace', 'uintr']);
    assert.equal(res.stdout, CC_DELIVERY);
    const ev = traceEvents(res.stderr);
    const i = ev.findIndex((l) => l.startsWith('DELIVER vector 60 '));
    assert.ok(i >= 0, 'vector 60 delivered');
    assert.match(ev[i + 1], /^UIRET -> rip /);
    assert.match(ev[i + 2], /^DELIVER vector 3 /);
    const rip = (l: string) => /interrupted rip (0x[0-9a-f]+)/.exec(l)![1];
    assert.equal(rip(ev[i + 2]), rip(ev[i]), 'both interrupt the same instruction');
    assert.ok(ev[i + 1].startsWith(`UIRET -> rip ${rip(ev[i])},`), 'the first UIRET targets that instruction');
    // five sends of vector 7 (UIF = 0) -> one delivery of vector 7 (§6.11)
    assert.equal(ev.filter((l) => /^SENDUIPI .*-> vector 7 /.test(l)).length, 5);
    assert.equal(ev.filter((l) => l.startsWith('DELIVER vector 7 ')).length, 1);
  });

  it('cc_blocking: SN=1 suppresses the notification; receiver-pays uses vector 0xEB; sender-pays #GP is absorbed by the kernel, a second send merges (ON=1) (§1.7.4, §2.6, §6.8, §6.9, §6.10)', { skip }, async () => {
    const res = await runEmu('cc_blocking', 'O2', ['--trace', 'uintr']);
    assert.equal(res.stdout, CC_BLOCKING);
    const ev = traceEvents(res.stderr);
    const sends = ev.filter((l) => l.startsWith('SENDUIPI'));
    assert.match(sends[0], /-> vector 6 .*: suppressed \(SN=1\)$/, 'receiver blocked in read without WAITING flags');
    // WAITING_SENDER: nanosleep, read, futex, uintr_wait, and the back-to-back pair: 5 absorbed #GPs
    assert.equal(ev.filter((l) => /^#GP at .*UPID has reserved bits set/.test(l)).length, 5);
    assert.equal(ev.filter((l) => /kernel: receiver blocked \(sender pays\): posted and woken$/.test(l)).length, 5);
    assert.equal(ev.filter((l) => /^receiver woken by a user interrupt \(sender pays/.test(l)).length, 5);
    // WAITING_RECEIVER: 5 notifications with the kernel vector 0xEB, each waking the receiver
    assert.equal(ev.filter((l) => /^notification IPI vector 0xeb /.test(l)).length, 5);
    assert.equal(ev.filter((l) => /^receiver woken by a user interrupt \(receiver-pays/.test(l)).length, 5);
    // the back-to-back pair: receiver pays -> the waker set SN, the 2nd send is suppressed; sender pays -> ON=1, merged
    assert.equal(ev.filter((l) => /-> vector 1 .*: suppressed \(SN=1\)$/.test(l)).length, 1);
    assert.equal(ev.filter((l) => /-> vector 1 .*: merged \(ON=1\)$/.test(l)).length, 1);
    assert.ok(!ev.some((l) => /^#UD/.test(l)), 'no #UD');
  });

  it('cc_lifecycle: SENDUIPI to a receiver that unregistered its handler finds SN=1 (§2.2 472, §6.31)', { skip }, async () => {
    const res = await runEmu('cc_lifecycle', 'O2', ['--trace', 'uintr']);
    assert.equal(res.stdout, CC_LIFECYCLE);
    const ev = traceEvents(res.stderr);
    const send9 = ev.filter((l) => /^SENDUIPI .*-> vector 9 /.test(l));
    assert.equal(send9.length, 1);
    assert.match(send9[0], /: suppressed \(SN=1\)$/);
    const i = ev.indexOf(send9[0]);
    assert.ok(!ev[i + 1]?.startsWith('notification IPI'), 'no notification IPI for it');
    // vector 9 is delivered once, only after the handler is registered again
    const iReg = ev.findIndex((l, k) => k > i && l.startsWith('uintr_register_handler('));
    const iDel = ev.findIndex((l) => l.startsWith('DELIVER vector 9 '));
    assert.ok(iReg > i && iDel > iReg, 'registered again, then delivered');
  });
});
