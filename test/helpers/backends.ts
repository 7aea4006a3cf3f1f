// Backends the tests run on: every Wasm kernel variant this runtime validates,
// and the js reference in float32 and float64.
import { createBackend, type Backend, type KernelVariant } from '../../src/index.js';
import { supportedVariants } from '../../src/backend/wasm.js';

export const wasmVariants: KernelVariant[] = supportedVariants();
export const wasmBackends: Backend[] = wasmVariants.map((kernels) => createBackend({ backend: 'wasm', kernels }));
export const js32 = createBackend({ backend: 'js', dtype: 'float32' });
export const js64 = createBackend({ backend: 'js', dtype: 'float64' });

/** Sizes that exercise every SIMD tail. */
export const awkwardSizes = [1, 3, 7, 17, 33, 127, 257];
