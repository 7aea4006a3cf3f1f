import type { Memory } from '../memory.js';

const FLT_MIN = 2 ** -126;

/**
 * What the reference kernels see of memory: the float view (Float32Array or
 * Float64Array, re-derived after growth) with the element size that turns a
 * byte offset into its index (exact division: addresses reach 4 GiB), and the
 * int32 view for labels and indices, and the float64 view for the loss
 * kernels' partial sums.
 */
export class JsViews {
  readonly bytes: number;
  /**
   * A value the kernels store flushed of subnormals (optimizer state, softmax
   * probabilities), as it is kept: 0 where float32 would hold a subnormal, as
   * the Wasm kernels store it; float64 keeps every value, so its results match
   * PyTorch's to the last bit.
   */
  readonly flush: (x: number) => number;
  constructor(
    private readonly memory: Memory,
    readonly dtype: 'float32' | 'float64',
  ) {
    this.bytes = dtype === 'float64' ? 8 : 4;
    this.flush = dtype === 'float32' ? (x) => (Math.abs(Math.fround(x)) < FLT_MIN ? 0 : x) : (x) => x;
  }
  get f(): Float32Array | Float64Array {
    return this.dtype === 'float64' ? this.memory.f64 : this.memory.f32;
  }
  get i32(): Int32Array {
    return this.memory.i32;
  }
  get f64(): Float64Array {
    return this.memory.f64;
  }
  /** The index into f of byte offset `ptr` (a division: exact for every offset). */
  at(ptr: number): number {
    return ptr / this.bytes;
  }
  /** The index into i32 of byte offset `ptr`. */
  at32(ptr: number): number {
    return ptr / 4;
  }
}
