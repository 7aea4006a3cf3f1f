// Reductions along one axis of a tensor viewed as [outer, len, inner].
import { Reduce } from '../src/backend/opcodes';
import { hsum } from './simd';

// @ts-ignore: decorator
@inline function combine(op: i32, acc: f32, x: f32): f32 {
  // NaN wins, as in PyTorch's max/min.
  if (op == Reduce.Sum) return acc + x;
  if (op == Reduce.Max) return x > acc || x != x ? x : acc;
  return x < acc || x != x ? x : acc;
}

// @ts-ignore: decorator
@inline function combineVector(op: i32, acc: v128, x: v128): v128 {
  if (op == Reduce.Sum) return f32x4.add(acc, x);
  if (op == Reduce.Max) return f32x4.max(acc, x);
  return f32x4.min(acc, x);
}

// @ts-ignore: decorator
@inline function finish(op: i32, v: v128): f32 {
  if (op == Reduce.Sum) return hsum(v);
  let r = f32x4.extract_lane(v, 0);
  r = combine(op, r, f32x4.extract_lane(v, 1));
  r = combine(op, r, f32x4.extract_lane(v, 2));
  return combine(op, r, f32x4.extract_lane(v, 3));
}

/** out[o, i] = reduce over l of x[o, l, i]. */
export function reduce(op: i32, x: usize, out: usize, outer: i32, len: i32, inner: i32): void {
  const rowBytes = <usize>len * <usize>inner << 2;
  for (let o = 0; o < outer; o++) {
    const xo = x + <usize>o * rowBytes;
    const oo = out + (<usize>(o * inner) << 2);
    if (inner == 1) {
      store<f32>(oo, reduceContiguous(op, xo, len));
    } else {
      reduceStrided(op, xo, oo, len, inner);
    }
  }
}

// @ts-ignore: decorator
@inline function reduceContiguous(op: i32, x: usize, n: i32): f32 {
  let i = 0;
  let acc: f32 = load<f32>(x);
  if (op == Reduce.Sum) acc = 0;
  if (ASC_FEATURE_SIMD) {
    if (n >= 8) {
      // Two accumulators hide the add latency.
      let v0 = v128.load(x);
      let v1 = v128.load(x + 16);
      i = 8;
      for (; i + 8 <= n; i += 8) {
        v0 = combineVector(op, v0, v128.load(x + (<usize>i << 2)));
        v1 = combineVector(op, v1, v128.load(x + (<usize>i << 2) + 16));
      }
      acc = finish(op, combineVector(op, v0, v1));
    }
  }
  for (; i < n; i++) acc = combine(op, acc, load<f32>(x + (<usize>i << 2)));
  return acc;
}

// @ts-ignore: decorator
@inline function reduceStrided(op: i32, x: usize, out: usize, len: i32, inner: i32): void {
  const stride = <usize>inner << 2;
  let i = 0;
  if (ASC_FEATURE_SIMD) {
    for (; i + 4 <= inner; i += 4) {
      let p = x + (<usize>i << 2);
      let acc = v128.load(p);
      for (let l = 1; l < len; l++) {
        p += stride;
        acc = combineVector(op, acc, v128.load(p));
      }
      v128.store(out + (<usize>i << 2), acc);
    }
  }
  for (; i < inner; i++) {
    let p = x + (<usize>i << 2);
    let acc = load<f32>(p);
    for (let l = 1; l < len; l++) {
      p += stride;
      acc = combine(op, acc, load<f32>(p));
    }
    store<f32>(out + (<usize>i << 2), acc);
  }
}

/**
 * out[o, i] = the index along l of the first maximum (op Max) or minimum
 * (Min) of x[o, l, i], as int32; a NaN counts as the extreme (PyTorch's argmax/argmin).
 */
export function argReduce(op: i32, x: usize, out: usize, outer: i32, len: i32, inner: i32): void {
  const stride = <usize>inner << 2;
  for (let o = 0; o < outer; o++) {
    for (let i = 0; i < inner; i++) {
      let p = x + <usize>o * <usize>len * stride + (<usize>i << 2);
      let best = load<f32>(p);
      let at = 0;
      for (let l = 1; l < len && best == best; l++) {
        p += stride;
        const v = load<f32>(p);
        if (v != v || (op == Reduce.Max ? v > best : v < best)) {
          best = v;
          at = l;
        }
      }
      store<i32>(out + (<usize>(o * inner + i) << 2), at);
    }
  }
}
