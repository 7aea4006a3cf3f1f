// Backends the tests run on: every Wasm kernel variant this runtime validates,
// and the js reference in float32 and float64. With SUBGRAD_THREADS set to
// thread counts (npm run test:threads: "2,3"), the Wasm backends are threaded
// ones of every variant and count, splitting every call (threadThreshold 0)
// so that the smallest sizes cross thread boundaries too.
// worker_threads for the threaded backends, in Node only: the browser tests import this file too.
if (typeof window === 'undefined') await import('../../src/node/index.js');
import { createBackend, type Backend, type InitOptions, type KernelVariant } from '../../src/index.js';
import { supportedVariants } from '../../src/backend/wasm.js';

export const wasmVariants: KernelVariant[] = supportedVariants();
export const threadCounts: number[] = (process.env.SUBGRAD_THREADS ?? '').split(',').filter(Boolean).map(Number);

/** A Wasm backend of every variant (of every thread count under SUBGRAD_THREADS), with `options`. */
export function wasmBackendsWith(options: InitOptions = {}): Backend[] {
  return wasmVariants.flatMap((kernels) =>
    threadCounts.length === 0
      ? [createBackend({ backend: 'wasm', kernels, ...options })]
      : threadCounts.map((threads) => createBackend({ backend: 'wasm', kernels, threads, threadThreshold: 0, ...options })),
  );
}
export const wasmBackends: Backend[] = wasmBackendsWith();
export const js32 = createBackend({ backend: 'js', dtype: 'float32' });
export const js64 = createBackend({ backend: 'js', dtype: 'float64' });

/** Sizes that exercise every SIMD tail. */
export const awkwardSizes = [1, 3, 7, 17, 33, 127, 257];
