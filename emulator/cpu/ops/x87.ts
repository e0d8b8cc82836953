/** x87 FPU instructions. */
export {};
