/** Guest exceptions raised by instructions (other than memory faults, which are GuestFault). */
export const SIGILL = 4, SIGTRAP = 5, SIGBUS = 7, SIGFPE = 8, SIGSEGV = 11;

export class CpuTrap extends Error {
  constructor(readonly sig: number, readonly code: number, readonly addr = -1, readonly nextIp = -1, msg = '') {
    super(msg || `trap ${sig}`);
  }
}

/** #UD: SIGILL, si_code ILL_ILLOPN, si_addr = RIP. */
export const UD_FAULT = new CpuTrap(SIGILL, 2, -1, -1, 'invalid opcode (#UD)');
/** #GP(0): SIGSEGV, si_code SI_KERNEL, si_addr 0. */
export const GP_FAULT = new CpuTrap(SIGSEGV, 0x80, 0, -1, 'general protection (#GP)');
