/** SSE/SSE2 instructions. */
export {};
