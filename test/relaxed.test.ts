import { describe, expect, it } from 'vitest';
import { wasmVariants } from './helpers/backends.js';

describe('kernel variants', () => {
  it('runs relaxed SIMD exactly when the runtime enables it', () => {
    expect(wasmVariants).toContain('simd');
    expect(wasmVariants).toContain('scalar');
    expect(wasmVariants.includes('relaxed')).toBe(process.env.SUBGRAD_RELAXED === '1');
  });
});
