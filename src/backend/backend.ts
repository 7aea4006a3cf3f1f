// A backend = kernels + the linear memory they work on. Both implementations
// share this class; only the kernels and the raw memory differ.
import type { Kernels } from './kernels.js';
import { Memory, type MemoryStats } from './memory.js';

export type BackendName = 'wasm' | 'js';
export type KernelVariant = 'relaxed' | 'simd' | 'scalar';
export type FloatDType = 'float32' | 'float64';

export class Backend {
  /** Scratch for matmul's packed panels, allocated once. */
  readonly matmulWork: number;
  readonly bytesPerElement: number;

  constructor(
    readonly name: BackendName,
    /** Kernel variant for wasm; 'reference' for js. */
    readonly variant: KernelVariant | 'reference',
    readonly dtype: FloatDType,
    readonly kernels: Kernels,
    readonly memory: Memory,
  ) {
    this.bytesPerElement = dtype === 'float64' ? 8 : 4;
    this.matmulWork = memory.alloc(kernels.matmulWorkBytes(), 'scratch');
  }

  /** Float view of the whole memory (re-derived after growth: never cache it across allocations). */
  get floats(): Float32Array | Float64Array {
    return this.dtype === 'float64' ? this.memory.f64 : this.memory.f32;
  }

  get label(): string {
    return this.name === 'wasm' ? `wasm-${this.variant}` : `js-${this.dtype}`;
  }

  stats(): MemoryStats {
    return this.memory.stats();
  }
}
