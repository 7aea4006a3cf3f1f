// A backend = kernels + the linear memory they work on. Both implementations
// share this class; only the kernels and the raw memory differ. A threaded
// backend's kernels are split across a pool of workers on shared memory.
import type { KernelExports, Kernels } from './kernels.js';
import { Memory, type MemoryStats } from './memory.js';
import { parallelKernels } from './parallel.js';
import type { Pool } from './pool.js';

export type BackendName = 'wasm' | 'js';
export type KernelVariant = 'relaxed' | 'simd' | 'scalar';
export type FloatDType = 'float32' | 'float64';

/** Pools of backends that were collected without dispose(): their workers are stopped. */
const pools = new FinalizationRegistry<Pool>((pool) => pool.close());

export class Backend {
  readonly bytesPerElement: number;
  /** The kernels ops call (src/backend/parallel.ts over the kernel exports). */
  readonly kernels: Kernels;
  /** Threads the kernels run on, the calling thread included. */
  readonly threads: number;
  /** Set by dispose(): every tensor of the backend then throws BackendError. */
  disposed = false;

  constructor(
    readonly name: BackendName,
    /** Kernel variant for wasm; 'reference' for js. */
    readonly variant: KernelVariant | 'reference',
    readonly dtype: FloatDType,
    exports: KernelExports,
    readonly memory: Memory,
    /** The worker threads the kernels are split across; null: the calling thread alone. */
    readonly pool: Pool | null = null,
    /** Scales the sizes below which a call stays on the calling thread (0: split every call). */
    threadThreshold = 1,
  ) {
    this.bytesPerElement = dtype === 'float64' ? 8 : 4;
    this.threads = pool ? pool.threads : 1;
    this.kernels = parallelKernels(exports, memory, this.bytesPerElement, pool, threadThreshold);
    if (pool) pools.register(this, pool, this);
  }

  /** Float view of the whole memory (re-derived after growth: never cache it across allocations). */
  get floats(): Float32Array | Float64Array {
    return this.dtype === 'float64' ? this.memory.f64 : this.memory.f32;
  }

  get label(): string {
    const base = this.name === 'wasm' ? `wasm-${this.variant}` : `js-${this.dtype}`;
    return this.threads > 1 ? `${base} (${this.threads} threads)` : base;
  }

  stats(): MemoryStats {
    return this.memory.stats();
  }

  /** Stops the backend's worker threads; its tensors then throw BackendError. */
  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    if (this.pool) {
      pools.unregister(this);
      this.pool.close();
    }
  }
}
