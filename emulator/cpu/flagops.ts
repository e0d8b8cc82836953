/**
 * Lazy-flag operation kinds. cpu.fop = kind * 4 + size index (0: 8-bit, 1: 16, 2: 32, 3: 64).
 * Eager (0) means the status flags are materialized in cpu.fl.
 */
export const enum FlagOp {
  Eager = 0,
  Add = 4,
  Adc = 8,
  Sub = 12,
  Sbb = 16,
  Logic = 20,
  Inc = 24,
  Dec = 28,
}
export const SIZE_IDX: Record<number, number> = { 1: 0, 2: 1, 4: 2, 8: 3 };
