import { describe, expect, it } from 'vitest';
import { wasmVariants } from './helpers/backends.js';

describe('kernel variants', () => {
  it('every runtime with WebAssembly SIMD runs the simd and scalar variants', () => {
    expect(wasmVariants).toContain('simd');
    expect(wasmVariants).toContain('scalar');
  });

  // Node 20 validates relaxed SIMD only behind the flag that npm run test:relaxed passes (later Nodes need none).
  it.runIf(process.env.SUBGRAD_RELAXED === '1')('runs the relaxed variant under npm run test:relaxed', () => {
    expect(wasmVariants[0]).toBe('relaxed');
  });
});
