// Feature detection without the kernels: the smallest module that uses every
// WebAssembly feature its target is compiled with. assembly/build.mjs builds
// it once per target, so WebAssembly.validate on about a hundred bytes tells
// whether that target's kernels would validate here.

/** An exported mutable global, as the kernels' heapBase is. */
export let probed: i32 = 0;

export function probe(p: usize, n: usize, x: f32): i32 {
  memory.copy(p, p + n, n); // bulk memory
  let r = <i32>x + <i32><i8>load<i32>(p); // non-trapping float-to-int, sign extension
  if (ASC_FEATURE_SIMD) {
    let v = v128.load(p);
    if (ASC_FEATURE_RELAXED_SIMD) v = f32x4.relaxed_madd(v, v, v);
    r += i32x4.extract_lane(i32x4.add(v, v), 0);
  }
  if (ASC_FEATURE_THREADS) r += atomic.add<i32>(p, 1); // the shared-memory builds
  probed = r;
  return r;
}
