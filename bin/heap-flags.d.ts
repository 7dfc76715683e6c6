/** See heap-flags.js. */
export function heapFlags(argv: string[]): string[];
