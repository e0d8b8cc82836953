/**
 * Hover texts for the UINTR parts of .uasm: the five instructions, the UINTR MSRs (0x985-0x98A), the UPID
 * and UITT entry fields, the `uintr` directive keys, macros, directives and annotations. Written in our own
 * words from the spec digest (../shared/uintr-spec.md §1) and docs/uasm.md. Plain data: no iced, no LSP.
 */

export interface Doc {
  title: string;
  body: string;
}

export const UINTR_INSNS: Record<string, Doc> = {
  senduipi: {
    title: 'SENDUIPI r64 — send a user interprocessor interrupt',
    body: [
      'Encoding `F3 [REX] 0F C7 /6` with a register operand (ModRM.rm; `r8`–`r15` need REX.B). The full 64-bit register is the **UITT index**.',
      '',
      '- `#UD` if IA32_UINTR_TT bit 0 (SENDUIPI enable) is 0, with LOCK, or without UINTR support.',
      '- `#GP(0)` if the index is above UITTSZ, the UITT entry is not valid, has reserved bits set or a user vector ≥ 64, the target UPID address is not 64-byte aligned, or the UPID has reserved bits set.',
      '- Otherwise sets PIR bit *UV* in the target UPID; if both ON and SN were 0 it also sets ON and sends the notification vector NV to the APIC in NDST. With SN=1 or ON=1 nothing is sent (the post is merged).',
      '',
      'No flags change and the sender learns nothing about delivery. A faulting SENDUIPI leaves the UPID untouched.',
    ].join('\n'),
  },
  uiret: {
    title: 'UIRET — return from a user-interrupt handler',
    body: [
      'Encoding `F3 0F 01 EC`. Pops nothing by itself: reads RIP from `[rsp]`, RFLAGS from `[rsp+8]` and RSP from `[rsp+16]` (so the handler must drop the vector slot first, e.g. `add rsp, 8`).',
      '',
      '- `#GP(0)` if the saved RIP is not canonical (nothing changes).',
      '- Only CF PF AF ZF SF TF DF OF NT RF AC ID are taken from the saved RFLAGS (mask `0x254DD5`); IF and IOPL stay.',
      '- RSP is loaded with the saved value verbatim; UIF becomes 1 (or bit 1 of the saved RFLAGS with the flexible-UIRET feature).',
      '',
      'If more vectors are pending, the next one is delivered right after UIRET, before the interrupted code runs. Legal outside handlers too.',
    ].join('\n'),
  },
  stui: {
    title: 'STUI — set the user-interrupt flag (UIF := 1)',
    body: 'Encoding `F3 0F 01 EF` (without F3 the bytes are WRPKRU). Takes effect at once: unlike STI there is **no one-instruction shadow**, so a pending user interrupt is delivered on the very next boundary. STUI inside a handler allows nesting (no priority masking).',
  },
  clui: {
    title: 'CLUI — clear the user-interrupt flag (UIF := 0)',
    body: 'Encoding `F3 0F 01 EE` (without F3 the bytes are RDPKRU). Immediately effective: no delivery on the boundary after CLUI. Posts still reach UIRR (notification processing does not look at UIF); only delivery waits for STUI/UIRET.',
  },
  testui: {
    title: 'TESTUI — copy UIF to CF',
    body: 'Encoding `F3 0F 01 ED`. CF := UIF; ZF, SF, OF, AF and PF := 0; other flags unchanged. Read it with `setc al` / `jc`.',
  },
};

export const COMMON_UD = 'All five UINTR instructions are 64-bit-mode only, `#UD` with a LOCK prefix or when UINTR is not enabled (CR4.UINTR / CPUID.7.0:EDX[5]), and have no CPL restriction.';

export interface Msr extends Doc {
  addr: number;
  name: string;
  /** `uintr` directive keys that write it. */
  keys: string[];
}

export const MSRS: Msr[] = [
  { addr: 0x985, name: 'IA32_UINTR_RR', keys: ['uirr'], title: 'IA32_UINTR_RR (0x985) — user-interrupt request register', body: 'Bit *v* = user vector *v* is pending (UIRR). The highest set bit is delivered first. Writing it re-evaluates recognition, so a non-zero value with UIF=1 delivers.' },
  { addr: 0x986, name: 'IA32_UINTR_HANDLER', keys: ['handler'], title: 'IA32_UINTR_HANDLER (0x986) — handler address', body: 'Linear address loaded into RIP on delivery (UIHANDLER). WRMSR faults on a non-canonical value.' },
  { addr: 0x987, name: 'IA32_UINTR_STACKADJUST', keys: ['stackadjust'], title: 'IA32_UINTR_STACKADJUST (0x987) — handler stack', body: 'Bit 0 = 1: RSP is *loaded* with the value; bit 0 = 0: the value is *subtracted* from RSP (Linux uses 128, the red zone). Either way RSP is then aligned down to 16 before the frame (saved RSP, RFLAGS, RIP, vector) is pushed. WRMSR faults on a non-canonical value.' },
  { addr: 0x988, name: 'IA32_UINTR_MISC', keys: ['uittsz', 'uinv'], title: 'IA32_UINTR_MISC (0x988) — UITTSZ and UINV', body: 'Bits 31:0 = UITTSZ, the highest valid UITT index (the table has UITTSZ+1 entries); bits 39:32 = UINV, the notification vector this thread accepts as a user-interrupt notification. Bits 63:40 are reserved (WRMSR faults if set).' },
  { addr: 0x989, name: 'IA32_UINTR_PD', keys: ['upid'], title: 'IA32_UINTR_PD (0x989) — UPID address', body: 'Linear address of the receiving thread\'s UPID (UPIDADDR). Must be canonical and 64-byte aligned (bits 5:0 zero) or WRMSR faults. Notification processing clears ON in this UPID and moves its PIR into UIRR.' },
  { addr: 0x98a, name: 'IA32_UINTR_TT', keys: ['uitt', 'tt_valid'], title: 'IA32_UINTR_TT (0x98A) — UITT address and SENDUIPI enable', body: 'Bit 0 = SENDUIPI enable (`tt_valid`; SENDUIPI is #UD without it), bits 3:1 reserved, bits 63:4 = UITT address (16-byte aligned). WRMSR faults on reserved bits or a non-canonical address.' },
];

export const UINTR_KEY_DOCS: Record<string, string> = {
  uif: '**UIF** — the user-interrupt flag: 0 blocks delivery. Set by STUI/UIRET, cleared by CLUI and by delivery; not an MSR. Threads start with UIF = 0.',
  handler: MSRS[1].body,
  stackadjust: MSRS[2].body,
  uirr: MSRS[0].body,
  uinv: '**UINV** (IA32_UINTR_MISC bits 39:32): the ordinary interrupt vector treated as a user-interrupt notification for this thread. A self-IPI needs it equal to the UPID\'s NV.',
  uittsz: '**UITTSZ** (IA32_UINTR_MISC bits 31:0): highest valid UITT index; SENDUIPI with a larger index is #GP.',
  upid: MSRS[4].body,
  uitt: 'UITT address (IA32_UINTR_TT bits 63:4, 16-byte aligned). `tt_valid` defaults to 1 when `uitt` is given.',
  tt_valid: 'IA32_UINTR_TT bit 0: SENDUIPI enable. With 0, SENDUIPI raises #UD.',
};

/** UPID fields (16 bytes, 64-byte aligned) as the `upid` macro and `upid.*` expectations name them. */
export const UPID_FIELDS: Record<string, Doc> = {
  on: { title: 'UPID.ON — outstanding notification (bit 0)', body: 'Set by a SENDUIPI that sends a notification; cleared by notification processing on the receiver. While ON=1 further posts only set PIR bits (merged).' },
  sn: { title: 'UPID.SN — suppress notification (bit 1)', body: 'While set, SENDUIPI only records the vector in PIR and sends no notification (the kernel sets it for threads that are switched out).' },
  nv: { title: 'UPID.NV — notification vector (bits 23:16)', body: 'The vector of the ordinary interrupt SENDUIPI sends to the receiver\'s CPU. It is recognised as a user-interrupt notification when it equals the receiving CPU\'s UINV. The `upid` macro defaults it to 0xec.' },
  ndst: { title: 'UPID.NDST — notification destination (bits 63:32)', body: 'Physical APIC ID of the CPU to notify. xAPIC mode uses bits 47:40 (the `upid` macro\'s `apic=` puts the ID there); core N has APIC ID N.' },
  apic: { title: 'UPID.NDST via `apic=`', body: 'The `upid` macro writes `apic << 8` into the NDST dword (xAPIC layout): the core whose APIC gets the notification.' },
  pir: { title: 'UPID.PIR — posted-interrupt requests (bits 127:64)', body: 'Bit *v* = user vector *v* was posted and not yet moved to UIRR. Notification processing exchanges it with 0 and ORs it into UIRR.' },
  ctl: { title: 'UPID control dword (bits 31:0)', body: 'ON (bit 0), SN (bit 1), reserved bits 15:2, NV (23:16), reserved 31:24. SENDUIPI raises #GP if a reserved bit is set.' },
  reserved: { title: 'Reserved bits', body: 'Value ORed into the first dword (UPID) or qword (UITT entry) as is — use it to preset reserved bits, which make SENDUIPI raise #GP.' },
};

/** UITT entry fields (16 bytes) as the `uitte` macro names them. */
export const UITT_FIELDS: Record<string, Doc> = {
  valid: { title: 'UITTE.V — valid (bit 0)', body: 'SENDUIPI through an entry with V=0 raises #GP. The `uitte` macro defaults it to 1.' },
  vector: { title: 'UITTE.UV — user vector (bits 15:8)', body: 'The user vector (0–63) posted into the target UPID\'s PIR. UV ≥ 64 makes SENDUIPI raise #GP.' },
  upid: { title: 'UITTE.UPIDADDR (bits 127:64)', body: 'Address of the receiver\'s UPID; its low 6 bits must be zero or SENDUIPI raises #GP.' },
  reserved: UPID_FIELDS.reserved,
};

export const MACRO_DOCS: Record<string, { usage: string; body: string }> = {
  exit: { usage: 'exit STATUS', body: '`mov edi, STATUS` · `mov eax, 60` · `syscall` — ends this thread.' },
  exit_group: { usage: 'exit_group STATUS', body: '`mov edi, STATUS` · `mov eax, 231` · `syscall` — ends the process.' },
  print: { usage: 'print "text"', body: 'The string goes to `.rodata`; `mov edi, 1` · `lea rsi, [rel str]` · `mov edx, len` · `mov eax, 1` · `syscall` (write to stdout).' },
  uintr_register_handler: { usage: 'uintr_register_handler HANDLER [, FLAGS]', body: '`lea rdi, [rel HANDLER]` · `mov esi, FLAGS` · `mov eax, 471` · `syscall` — uintr_register_handler(2).' },
  uintr_unregister_handler: { usage: 'uintr_unregister_handler', body: '`xor edi, edi` · `mov eax, 472` · `syscall`.' },
  uintr_vector_fd: { usage: 'uintr_vector_fd VECTOR', body: '`mov edi, VECTOR` · `xor esi, esi` · `mov eax, 473` · `syscall` — the fd comes back in `rax`.' },
  uintr_register_sender: { usage: 'uintr_register_sender FD', body: '`mov rdi, FD` · `xor esi, esi` · `mov eax, 474` · `syscall` — the UITT index comes back in `rax`.' },
  uintr_wait: { usage: 'uintr_wait USEC', body: '`mov rdi, USEC` · `xor esi, esi` · `mov eax, 476` · `syscall`.' },
  wait_nonzero: { usage: 'wait_nonzero LABEL', body: '`L: pause` · `cmp qword [rel LABEL], 0` · `je L` — spin until the qword at LABEL is non-zero.' },
  upid: { usage: 'upid on=, sn=, nv=, apic=, pir=, reserved=', body: 'A 16-byte UPID: `dd ON | SN<<1 | NV<<16 | reserved` · `dd APIC<<8` · `dq PIR`. Defaults 0, `nv=0xec`. Put `align 64` before its label.' },
  uitte: { usage: 'uitte valid=, vector=, upid=, reserved=', body: 'A 16-byte UITT entry: `dq VALID | VECTOR<<8 | reserved` · `dq UPID`. Default `valid=1`. Put `align 16` before the table.' },
};

export const DIRECTIVE_DOCS: Record<string, string> = {
  section: '`section .text|.rodata|.data|.bss` — .text (r-x) at 0x401000, .rodata at 0x500000, .data at 0x600000, .bss (zero-filled) at 0x700000.',
  segment: 'Same as `section`.',
  thread: '`thread NAME, ENTRY [, core=N]` — a thread that exists when the program starts. The first one is the initial thread: returning from it is exit_group(eax).',
  uintr: '`uintr THREAD, key=value, ...` — architecture-level UINTR state placed in the thread before its first instruction (keys: handler, stackadjust, upid, uitt, tt_valid, uittsz, uinv, uirr, uif).',
  align: '`align N` — pad to a multiple of N (nop in .text, zeros elsewhere).',
  times: '`times N <instruction or data>` — repeat N times.',
  equ: '`NAME equ expression` — a constant.',
  global: 'Accepted and ignored.',
  extern: 'Accepted and ignored.',
  bits: '`bits 64` — accepted (only 64).',
  default: '`default rel` — every `[label]` without registers is RIP-relative; `default abs` undoes it.',
  db: '`db` — bytes: expressions and strings.',
  dw: '`dw` — words (2 bytes); strings are padded to the element size.',
  dd: '`dd` — dwords (4 bytes).',
  dq: '`dq` — qwords (8 bytes).',
  resb: '`resb N` — N zero bytes (the only data allowed in .bss).',
  resw: '`resw N` — N zero words.',
  resd: '`resd N` — N zero dwords.',
  resq: '`resq N` — N zero qwords.',
};

export const ANNOTATION_DOCS: Record<string, string> = {
  test: '`@test NAME...` — the test case\'s name (one per file).',
  cores: '`@cores N` — virtual cores, 1–64 (default 2).',
  seed: '`@seed N` — scheduler seed (default 1); same file, seed and cores give the same run.',
  'max-insns': '`@max-insns N` — instruction budget (default 2,000,000).',
  expect: [
    '`@expect ...` — an expectation:',
    '- `exit N` · `fault SIGNAL [at LABEL]` · `stdout "text"`',
    '- `[THREAD:] WHAT ==|!= VALUE [at LABEL]` — WHAT: a register, `[addr]`/`byte|word|dword|qword [addr]`, or a UINTR field (`uif uirr handler stackadjust uinv uittsz uitt tt_valid upid upid.on upid.sn upid.nv upid.ndst upid.pir upid.ctl`)',
    '- `event KIND [field=value...] [count=N]` · `order F1 then F2 ...`',
  ].join('\n'),
};

export const EXPECT_WORDS = ['exit', 'fault', 'stdout', 'event', 'order', 'then', 'at', 'count'];

export function msrByAddr(v: bigint): Msr | undefined {
  return MSRS.find((m) => BigInt(m.addr) === v);
}
