import { describe, expect, it } from 'vitest';
import * as sg from '../../src/index.js';
import { dataset } from '../../src/data/index.js';
import { js64 } from '../helpers/backends.js';

const backend = js64;

describe('dataset', () => {
  it("a subset's x and y are its own rows, in its order, gathered into the current scope on each read", () => {
    const d = dataset([[0, 1], [10, 11], [20, 21], [30, 31]], [0, 1, 2, 3], { backend });
    const s = d.subset([3, 0, 2]);
    expect(s.x.toArray()).toEqual([[30, 31], [0, 1], [20, 21]]);
    expect(s.y.dtype).toBe('int32');
    expect(Array.from(s.y.data())).toEqual([3, 0, 2]);
    const targets = dataset([[0], [1], [2]], [[0.5, 1], [2, 3], [4, 5]], { backend }).subset([2, 0]);
    expect(targets.y.toArray()).toEqual([[4, 5], [0.5, 1]]);
    let inside: sg.Tensor | null = null;
    sg.scope(() => {
      inside = s.x;
    });
    expect(inside!.storage.alive).toBe(false); // a copy of the scope: the source stays
    expect(d.source.x.storage.alive).toBe(true);
    expect(s.x).not.toBe(s.x);
  });

  it('refuses unknown options, listing the valid ones', () => {
    expect(() => dataset([[1]], [0], { backend, featureshape: [1] } as never)).toThrow(
      "dataset: unknown option 'featureshape'; valid options are featureShape, labelDType, allowNonFinite, backend",
    );
  });

  it('from nested arrays: shapes, int32 class labels, persistent storage', () => {
    const d = sg.scope(() => dataset([[1, 2], [3, 4], [5, 6]], [0, 2, 1], { backend }));
    expect(d.length).toBe(3);
    expect(d.x.shape).toEqual([3, 2]);
    expect(d.x.toArray()).toEqual([[1, 2], [3, 4], [5, 6]]);
    expect(d.y.dtype).toBe('int32');
    expect(Array.from(d.labels())).toEqual([0, 2, 1]);
    expect(d.source.x.storage.alive && d.source.y.storage.alive).toBe(true);
    d.dispose();
    expect(d.source.x.storage.alive).toBe(false);
  });

  it('from flat typed arrays with a feature shape; float labels from Float32Array', () => {
    const features = Float32Array.from({ length: 2 * 3 * 2 }, (_, i) => i);
    const d = dataset(features, new Float32Array([0.5, 1.5]), { featureShape: [3, 2], backend });
    expect(d.x.shape).toEqual([2, 3, 2]);
    expect(d.x.toArray()).toEqual([[[0, 1], [2, 3], [4, 5]], [[6, 7], [8, 9], [10, 11]]]);
    expect(d.y.dtype).toBe('float64');
    expect(Array.from(d.y.data())).toEqual([0.5, 1.5]);
    expect(() => d.labels('kFold')).toThrow(/kFold: needs int32 class labels/);
  });

  it('infers flat features per sample from the label count; labelDType overrides', () => {
    const d = dataset([1, 2, 3, 4, 5, 6], [1, 2, 3], { labelDType: 'float', backend });
    expect(d.x.shape).toEqual([3, 2]);
    expect(d.y.dtype).toBe('float64');
    const targets = dataset([[0], [1]], [[0.5, 1], [2, 3]], { backend });
    expect(targets.y.shape).toEqual([2, 2]);
  });

  it('subset shares the source and maps positions to rows', () => {
    const d = dataset([[0], [10], [20], [30]], [0, 1, 0, 1], { backend });
    const s = d.subset([3, 1]).subset([1]);
    expect(s.source).toBe(d.source);
    expect(s.x.toArray()).toEqual([[10]]);
    expect(Array.from(s.indices)).toEqual([1]);
    expect(Array.from(s.labels())).toEqual([1]);
    expect(() => d.subset([4])).toThrow(/position 4 \(at 0\) is out of range \[0, 4\)/);
  });

  it('features and labels of different lengths are rejected', () => {
    expect(() => dataset([[1], [2], [3]], [0, 1], { backend })).toThrow(sg.ShapeError);
    expect(() => dataset([[1], [2], [3]], [0, 1], { backend })).toThrow('dataset: features have 3 samples but labels have 2');
    expect(() => dataset(new Float32Array(7), [0, 1], { backend })).toThrow(/features \(7 values\) and labels \(2 samples\) have different lengths/);
    expect(() => dataset(new Float32Array(8), [0, 1], { featureShape: [3], backend })).toThrow(/samples of shape \[3\]/);
    expect(() => dataset([], [], { backend })).toThrow(/needs at least one sample/);
  });

  it('NaN and Infinity are rejected by default, naming the sample, and allowed on request', () => {
    const before = sg.memoryStats(backend).persistentBytes;
    expect(() => dataset([[1, 2], [3, NaN]], [0, 1], { backend })).toThrow(
      'dataset: features contain NaN at sample 1 (flat index 3); clean the data or pass { allowNonFinite: true }',
    );
    expect(() => dataset([[1], [2]], new Float64Array([0, -Infinity]), { backend })).toThrow(/labels contain -Infinity at sample 1/);
    // The rejected data's tensors were freed.
    expect(sg.memoryStats(backend).persistentBytes).toBe(before);
    const d = dataset([[1, Infinity]], [0], { allowNonFinite: true, backend });
    expect(d.x.toArray()).toEqual([[1, Infinity]]);
  });

  it('int32 labels must be flat integers', () => {
    expect(() => dataset([[1], [2]], [[0], [1]], { labelDType: 'int32', backend })).toThrow(/int32 class labels must be a flat array/);
    expect(() => dataset([[1], [2]], [0, 0.5], { labelDType: 'int32', backend })).toThrow(/needs integers in \[-2\^31, 2\^31 - 1\], got 0.5/);
  });
});
