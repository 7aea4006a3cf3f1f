import type { Memory } from '../memory.js';

/**
 * What the reference kernels see of memory: the float view (Float32Array or
 * Float64Array, re-derived after growth) with the shift that turns a byte
 * offset into its index, and the int32 view for labels and indices.
 */
export class JsViews {
  readonly shift: number;
  constructor(
    private readonly memory: Memory,
    readonly dtype: 'float32' | 'float64',
  ) {
    this.shift = dtype === 'float64' ? 3 : 2;
  }
  get f(): Float32Array | Float64Array {
    return this.dtype === 'float64' ? this.memory.f64 : this.memory.f32;
  }
  get i32(): Int32Array {
    return this.memory.i32;
  }
  /** The index into f of byte offset `ptr` (a division: exact for every offset). */
  at(ptr: number): number {
    return ptr / (this.dtype === 'float64' ? 8 : 4);
  }
  /** The index into i32 of byte offset `ptr`. */
  at32(ptr: number): number {
    return ptr / 4;
  }
}
