import { describe, expect, it } from 'vitest';
import * as sg from '../src/index.js';
import { js32, js64, wasmBackends, wasmVariants } from './helpers/backends.js';

describe('tensor basics', () => {
  it('builds from nested arrays, flat arrays with a shape, and typed arrays', () => {
    const a = sg.tensor([[1, 2, 3], [4, 5, 6]]);
    expect(a.shape).toEqual([2, 3]);
    expect(a.size).toBe(6);
    expect(a.dtype).toBe('float32');
    expect(a.toArray()).toEqual([[1, 2, 3], [4, 5, 6]]);
    expect(sg.tensor([1, 2, 3, 4], [2, 2]).toArray()).toEqual([[1, 2], [3, 4]]);
    expect(sg.tensor(new Float32Array([0.5, 1.5])).toArray()).toEqual([0.5, 1.5]);
    expect(sg.tensor(7).item()).toBe(7);
    expect(sg.tensor(7).shape).toEqual([]);
  });

  it('makes int32 tensors for class labels', () => {
    const y = sg.tensor(new Int32Array([2, 0, 1]));
    expect(y.dtype).toBe('int32');
    expect(y.data()).toBeInstanceOf(Int32Array);
    expect(sg.tensor([3, 1], undefined, { dtype: 'int32' }).toArray()).toEqual([3, 1]);
    expect(() => sg.tensor([1.5], undefined, { dtype: 'int32' })).toThrow(/needs integers in \[-2\^31, 2\^31 - 1\], got 1.5/);
    expect(() => sg.exp(y)).toThrow(sg.BackendError);
  });

  it('refuses int32 values that would wrap instead of storing them wrapped', () => {
    expect(() => sg.tensor([2 ** 31, 1e10], undefined, { dtype: 'int32' })).toThrow(sg.ArgumentError);
    expect(() => sg.tensor([-(2 ** 31) - 1], undefined, { dtype: 'int32' })).toThrow(/got -2147483649 at index 0/);
    expect(() => sg.full([2], 2 ** 31, { dtype: 'int32' })).toThrow(sg.ArgumentError);
    expect(sg.tensor([2 ** 31 - 1, -(2 ** 31)], undefined, { dtype: 'int32' }).toArray()).toEqual([2 ** 31 - 1, -(2 ** 31)]);
  });

  it('toArray and data are copies', () => {
    const a = sg.tensor([1, 2]);
    const d = a.data();
    d[0] = 99;
    expect(a.toArray()).toEqual([1, 2]);
  });

  it('zeros, ones, full', () => {
    expect(sg.zeros([2, 2]).toArray()).toEqual([[0, 0], [0, 0]]);
    expect(sg.ones([3]).toArray()).toEqual([1, 1, 1]);
    expect(sg.full([2], -2.5).toArray()).toEqual([-2.5, -2.5]);
  });

  it('the same seed gives the same numbers on every backend', () => {
    const ref = Array.from(sg.randn([33], { seed: 42, backend: js64 }).data());
    for (const backend of [...wasmBackends, js32]) {
      const got = Array.from(sg.randn([33], { seed: 42, backend }).data());
      got.forEach((v, i) => expect(v).toBe(Math.fround(ref[i])));
    }
    const u = Array.from(sg.rand([1000], { seed: 3, backend: js64, low: -2, high: 5 }).data());
    expect(Math.min(...u)).toBeGreaterThanOrEqual(-2);
    expect(Math.max(...u)).toBeLessThan(5);
    const mean = u.reduce((a, b) => a + b, 0) / u.length;
    expect(mean).toBeCloseTo(1.5, 0);
  });

  it('manualSeed makes the default generator repeatable', () => {
    sg.manualSeed(5);
    const a = sg.rand([4]).toArray();
    sg.manualSeed(5);
    expect(sg.rand([4]).toArray()).toEqual(a);
  });
});

describe('bad input to tensors', () => {
  it('data length that does not fit the shape', () => {
    expect(() => sg.tensor([1, 2, 3], [2, 2])).toThrow(sg.ShapeError);
    expect(() => sg.tensor([1, 2, 3], [2, 2])).toThrow(/3 values but shape \[2, 2\] needs 4/);
  });

  it('ragged nested arrays', () => {
    expect(() => sg.tensor([[1, 2], [3]])).toThrow(/ragged/);
  });

  it('item on a tensor of more than one element', () => {
    expect(() => sg.tensor([1, 2]).item()).toThrow(/one element, got shape \[2\]/);
  });

  it('bad shapes', () => {
    expect(() => sg.zeros([2, -1])).toThrow(sg.ShapeError);
    expect(() => sg.reshape(sg.zeros([6]), [4, -1])).toThrow(/cannot reshape \[6\]/);
  });

  it('matmul with mismatched inner dimensions names both shapes', () => {
    expect(() => sg.matmul(sg.zeros([2, 3]), sg.zeros([4, 5]))).toThrow(sg.ShapeError);
    expect(() => sg.matmul(sg.zeros([2, 3]), sg.zeros([4, 5]))).toThrow(/\[2, 3\] · \[4, 5\]/);
  });

  it('index tensors out of range or of the wrong type', () => {
    const x = sg.zeros([3, 2]);
    expect(() => sg.gather(x, sg.tensor(new Int32Array([0, 3])))).toThrow(/index\[1\] = 3 is out of range \[0, 3\)/);
    expect(() => sg.pick(x, sg.tensor([0, 1, 1]))).toThrow(/must be an int32 tensor/);
    expect(() => sg.pick(x, sg.tensor(new Int32Array([0, 1])))).toThrow(/2 entries but x has 3 rows/);
  });
});

describe('init and backendInfo', () => {
  it('picks the best variant the runtime validates and says why', () => {
    const info = sg.initSync();
    expect(info.backend).toBe('wasm');
    expect(info.kernels).toBe(info.supported[0]);
    expect(info.reason).toMatch(/best variant/);
    expect(sg.backendInfo()).toEqual(info);
  });

  it('honours overrides', async () => {
    expect(await sg.init({ kernels: 'scalar' })).toMatchObject({ backend: 'wasm', kernels: 'scalar', reason: "kernels 'scalar' requested" });
    expect(sg.tensor([1]).backend.variant).toBe('scalar');
    expect(await sg.init({ backend: 'js', dtype: 'float64' })).toMatchObject({ backend: 'js', dtype: 'float64' });
    expect(sg.tensor([1]).dtype).toBe('float64');
    sg.initSync();
  });

  it('invalid options list the valid ones', () => {
    expect(() => sg.initSync({ kernels: 'fast' as never })).toThrow("initSync: kernels must be one of 'relaxed', 'simd', 'scalar', got 'fast'");
    expect(() => sg.initSync({ backend: 'gpu' as never })).toThrow("backend must be one of 'wasm', 'js', got 'gpu'");
    expect(() => sg.initSync({ workers: 2 } as never)).toThrow("unknown option 'workers'; valid options are backend, kernels, dtype, maxMemoryMB, fallback, guardBytes, threads, threadThreshold");
    expect(() => sg.initSync({ maxMemoryMB: 0 })).toThrow('maxMemoryMB must be a finite number in [1, 4096], got 0');
    expect(() => sg.initSync({ fallback: 'wasm' as never })).toThrow("fallback must be one of 'js', got 'wasm'");
    expect(() => sg.initSync({ dtype: 'float64' })).toThrow(/wasm backend stores float32/);
    expect(() => sg.initSync({ kernels: 'fast' as never })).toThrow(sg.ArgumentError);
  });

  it.skipIf(wasmVariants.includes('relaxed'))('relaxed SIMD is refused with the reason when the runtime lacks it', () => {
    expect(() => sg.initSync({ kernels: 'relaxed' })).toThrow(/--experimental-wasm-relaxed-simd/);
  });
});
