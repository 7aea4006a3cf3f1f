// Module.loadStateDict with the records users have: plain number[] data (as
// read from JSON) and dtype labels that are checked, not trusted.
import { describe, expect, it } from 'vitest';
import * as sg from '../../src/index.js';
import { Linear } from '../../src/nn/index.js';
import { js32, js64, wasmBackends } from '../helpers/backends.js';

const values = (t: sg.Tensor) => Array.from(t.data());

describe('loadStateDict with plain arrays', () => {
  it.each([js64, js32, ...wasmBackends].map((b) => [b.label, b] as const))('a state dict read from JSON loads, in PyTorch layout (%s)', (_l, backend) => {
    const layer = new Linear(3, 2, { seed: 1, backend });
    // torch.nn.Linear(3, 2).state_dict() written with json.dumps(t.tolist()) and flattened: weight is [out, in].
    const json = '{"weight":{"dtype":"F32","shape":[2,3],"data":[1,2,3,4,5,6]},"bias":{"dtype":"float64","shape":[2],"data":[0.5,-0.25]}}';
    layer.loadStateDict(JSON.parse(json));
    expect(layer.weight.toArray()).toEqual([[1, 4], [2, 5], [3, 6]]); // stored [in, out]
    expect(values(layer.bias!)).toEqual([0.5, -0.25]);
    const y = sg.scope(() => values(layer.forward(sg.tensor([[1, 1, 1]], undefined, { backend }))));
    expect(y).toEqual([1 + 2 + 3 + 0.5, 4 + 5 + 6 - 0.25]);
  });

  it('accepts exactly the labels F32, F64, float32, float64 for parameters', () => {
    const layer = new Linear(1, 1, { backend: js64 });
    for (const dtype of ['F32', 'F64', 'float32', 'float64'] as const) {
      layer.loadStateDict({ weight: { dtype, shape: [1, 1], data: [2] }, bias: { dtype, shape: [1], data: [3] } });
      expect([values(layer.weight), values(layer.bias!)]).toEqual([[2], [3]]);
    }
  });

  type Bad = [string, unknown, RegExp];
  const bad: Bad[] = [
    ['an unknown label', { dtype: 'F16', shape: [1, 1], data: [1] }, /entry 'weight' has dtype 'F16'; expected 'F32', 'F64', 'float32', 'float64' \(floats\) or 'I32', 'int32' \(integers\)/],
    ['a label in the wrong case', { dtype: 'f64', shape: [1, 1], data: [1] }, /has dtype 'f64'; expected/],
    ['no label', { shape: [1, 1], data: [1] }, /has dtype undefined; expected/],
    ['a label the typed array contradicts', { dtype: 'F32', shape: [1, 1], data: new Float64Array([1]) }, /has dtype 'F32' but its data is a Float64Array/],
    ['an integer typed array labelled float', { dtype: 'float64', shape: [1, 1], data: new Int32Array([1]) }, /has dtype 'float64' but its data is a Int32Array/],
    ['integers', { dtype: 'I32', shape: [1, 1], data: [1] }, /tensor 'weight' holds integers; parameters need floats/],
    ['a string in the data', { dtype: 'F32', shape: [1, 1], data: ['1'] }, /data\[0\] is '1', not a number/],
    ['nested data', { dtype: 'F32', shape: [1, 1], data: [[1]] }, /data\[0\] is \[1\], not a number \(data is flat: the shape gives the layout\)/],
    ['too few values', { dtype: 'F64', shape: [1, 1], data: [] }, /entry 'weight' has 0 values but shape \[1, 1\] needs 1/],
    ['a bad shape', { dtype: 'F64', shape: [1, -1], data: [1] }, /entry 'weight' has an invalid shape \[1,-1\]/],
    ['data of another kind', { dtype: 'F64', shape: [1, 1], data: '1' }, /data must be a typed array or an array of numbers, got '1'/],
    ['not a record', 5, /entry 'weight' must be a Tensor or \{ dtype, shape, data \}, got 5/],
  ];

  it.each(bad)('refuses %s with a CheckpointError and changes nothing', (_what, weight, message) => {
    const layer = new Linear(1, 1, { seed: 3, backend: js64 });
    const before = [values(layer.weight), values(layer.bias!)];
    const state = { bias: { dtype: 'F64', shape: [1], data: [7] }, weight } as never;
    expect(() => layer.loadStateDict(state)).toThrow(sg.CheckpointError);
    expect(() => layer.loadStateDict(state)).toThrow(message);
    expect([values(layer.weight), values(layer.bias!)]).toEqual(before);
  });

  it('refuses unknown options, listing the valid one', () => {
    const layer = new Linear(1, 1, { backend: js64 });
    expect(() => layer.loadStateDict(layer.stateDict(), { strinct: false } as never)).toThrow("loadStateDict: unknown option 'strinct'; valid options are strict");
    expect(() => layer.loadStateDict(layer.stateDict(), { strict: 'no' } as never)).toThrow(/strict must be true or false, got 'no'/);
  });
});
