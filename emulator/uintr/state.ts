/** Per-thread UINTR architectural state (spec §1.2); see arch.ts for the behaviour. */
/** Per-thread UINTR architectural state (saved/restored with the thread, like the XSAVE component 14). */
export class UintrState {
  /** UIRR, 64 bits as two int32 halves. */
  uirrLo = 0;
  uirrHi = 0;
  uif = 0;
  handler = 0;
  /** UISTACKADJUST (bit 0 = load RSP instead of subtracting). */
  stackAdjust = 0;
  uinv = 0;
  uittsz = 0;
  upidAddr = 0;
  /** UITTADDR (bits 63:4) and the SENDUIPI enable bit (MSR bit 0). */
  uittAddr = 0;
  ttValid = 0;

  reset(): void {
    this.uirrLo = this.uirrHi = this.uif = this.handler = this.stackAdjust = 0;
    this.uinv = this.uittsz = this.upidAddr = this.uittAddr = this.ttValid = 0;
  }
  copyFrom(o: UintrState): void {
    Object.assign(this, o);
  }
  get uirr(): bigint {
    return (BigInt(this.uirrHi >>> 0) << 32n) | BigInt(this.uirrLo >>> 0);
  }
  set uirr(v: bigint) {
    this.uirrLo = Number(v & 0xffffffffn) | 0;
    this.uirrHi = Number((v >> 32n) & 0xffffffffn) | 0;
  }
  /** UIRRV: index of the most significant set bit (0 if none). */
  get uirrv(): number {
    if (this.uirrHi !== 0) return 63 - Math.clz32(this.uirrHi);
    if (this.uirrLo !== 0) return 31 - Math.clz32(this.uirrLo);
    return 0;
  }
  /** IA32_UINTR_MISC image: UITTSZ 31:0, UINV 39:32 (UIF lives in bit 63 only in the XSAVE image). */
  get misc(): bigint {
    return (BigInt(this.uinv & 0xff) << 32n) | BigInt(this.uittsz >>> 0);
  }
  get ttMsr(): number {
    return this.uittAddr + (this.ttValid ? 1 : 0);
  }
}

