// Chromium validates all three kernel variants, so the kernel and op-table
// files of this project run on relaxed, simd and scalar here.
import { expect, it } from 'vitest';
import { init } from '../../src/index.js';
import { wasmVariants } from '../helpers/backends.js';

it('Chromium runs the relaxed, simd and scalar kernels, and init() picks relaxed', async () => {
  expect(wasmVariants).toEqual(['relaxed', 'simd', 'scalar']);
  expect(await init()).toMatchObject({ backend: 'wasm', kernels: 'relaxed' });
});
