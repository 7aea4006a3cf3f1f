// How optimizers hold parameters: contiguous per group (one kernel call per
// group), gradients written by backward() straight into the group's block,
// parameters without a gradient skipped as in PyTorch, and memory that stops
// growing after the first step.
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createBackend, scope, sum, tensor, type Tensor } from '../../src/index.js';
import { ArgumentError } from '../../src/errors.js';
import { Adam, SGD } from '../../src/optim/index.js';
import { js32, js64, wasmBackends } from '../helpers/backends.js';
import { flat, makeParams } from './problems.js';

afterEach(() => vi.restoreAllMocks());

describe('contiguous groups', () => {
  it('moves each group into one block, keeps values, and steps it with one kernel call per group', () => {
    const backend = createBackend({ backend: 'js', dtype: 'float32' });
    const params = makeParams([1, 2, 3, 4, 5], [2, 3], backend);
    const extra = makeParams([6, 7], [2], backend);
    const opt = new Adam([{ params }, { params: extra, lr: 0.01 }]);
    expect(params[1].ptr).toBe(params[0].ptr + 2 * 4);
    expect(flat([...params, ...extra])).toEqual([1, 2, 3, 4, 5, 6, 7]);
    const adam = vi.spyOn(backend.kernels, 'adam');
    scope(() => sum(params[0].add(1).square()).add(sum(params[1].square())).add(sum(extra[0].square())).backward());
    expect(params[1].grad!.ptr).toBe(params[0].grad!.ptr + 2 * 4);
    opt.step();
    expect(adam).toHaveBeenCalledTimes(2);
    expect(adam.mock.calls.map((c) => c[5])).toEqual([5, 2]);
  });

  it('lets tensors that share a parameter storage (reshape views) follow it', () => {
    const [w] = makeParams([1, 2, 3, 4], [4], js64);
    const view = w.reshape([2, 2]);
    new SGD([w], { lr: 0.5 });
    expect(view.ptr).toBe(w.ptr);
    expect(view.toArray()).toEqual([[1, 2], [3, 4]]);
  });

  it('keeps an existing gradient, moved into the block', () => {
    const [w] = makeParams([1, 2], [2], js64);
    scope(() => sum(w.square()).backward());
    const grad = w.grad!;
    const opt = new SGD([w], { lr: 0.5 });
    expect(w.grad).toBe(grad);
    expect(Array.from(grad.data())).toEqual([2, 4]);
    opt.step();
    expect(flat([w])).toEqual([0, 0]);
  });

  it('a second optimizer takes the parameters over; the first then refuses to step', () => {
    const params = makeParams([1, 2], [2], js64);
    const first = new SGD(params, { lr: 0.1 });
    const second = new SGD(params, { lr: 0.1 });
    scope(() => sum(params[0].square()).backward());
    second.step();
    expect(flat(params)).toEqual([0.8, 1.6]);
    expect(() => first.step()).toThrow(ArgumentError);
    expect(() => first.step()).toThrow(/parameter 'param 0' \(group 0, shape \[2\]\) was moved by another optimizer/);
  });
});

describe('parameters without a gradient', () => {
  const twoParams = () => {
    const [used, unused] = makeParams([1, 2, 3], [2, 1], js64);
    const opt = new Adam([used, unused], { lr: 0.1 });
    const stepUsed = () => {
      opt.zeroGrad();
      scope(() => sum(used.square()).backward());
      opt.step();
    };
    return { used, unused, opt, stepUsed };
  };

  it('are skipped as in PyTorch: no update, no step count, no state', () => {
    const { used, unused, opt, stepUsed } = twoParams();
    stepUsed();
    stepUsed();
    expect(unused.grad).toBeNull();
    expect(flat([unused])).toEqual([3]);
    const { scalars, buffers } = opt.stateDict().header.groups[0];
    expect(scalars.step).toEqual([2, 0]);
    expect(Array.from(opt.stateDict().buffers[buffers.expAvg])).toEqual([expect.any(Number), expect.any(Number), 0]);
    expect(flat([used])).not.toEqual([1, 2]);
  });

  it('take their first bias-corrected step when they first get a gradient', () => {
    const { used, unused, opt } = twoParams();
    for (let i = 0; i < 3; i++) {
      opt.zeroGrad();
      scope(() => sum(used.square()).backward());
      opt.step();
    }
    opt.zeroGrad();
    scope(() => sum(used.square()).add(sum(unused.square())).backward());
    opt.step();
    // Its first step is Adam's first, m̂ = g and v̂ = g² (g = 6): lr·g/(|g| + ε).
    expect(flat([unused])[0]).toBeCloseTo(3 - (0.1 * 6) / (6 + 1e-8), 14);
    expect(opt.stateDict().header.groups[0].scalars.step).toEqual([4, 1]);
  });

  it('zeroGrad(false) keeps zero gradients, which are stepped (momentum carries on)', () => {
    const [w] = makeParams([1], [1], js64);
    const opt = new SGD([w], { lr: 0.1, momentum: 0.9 });
    scope(() => sum(w.square()).backward());
    opt.step();
    opt.zeroGrad(false);
    expect(Array.from(w.grad!.data())).toEqual([0]);
    const before = flat([w])[0];
    opt.step();
    expect(flat([w])[0]).not.toBe(before);
    opt.zeroGrad();
    const still = flat([w])[0];
    opt.step();
    expect(flat([w])[0]).toBe(still);
  });

  it('a gradient assigned by hand is used', () => {
    const [w] = makeParams([1, 2], [2], js64);
    const opt = new SGD([w], { lr: 0.5 });
    w.grad = tensor([2, -2], undefined, { backend: js64 }) as Tensor;
    opt.step();
    expect(flat([w])).toEqual([0, 3]);
  });
});

describe('memory', () => {
  it.each([js32, ...wasmBackends].map((b) => [b.label, b] as const))('stops growing after the first step (%s)', (_label, backend) => {
    const params = makeParams(new Array(1000).fill(0.5), [600, 400], backend);
    const opt = new Adam(params, { lr: 0.01, amsgrad: true });
    const train = () => {
      opt.zeroGrad();
      scope(() => sum(params[0].square()).add(sum(params[1].square())).backward());
      opt.step();
    };
    train();
    const after = backend.stats();
    for (let i = 0; i < 50; i++) train();
    expect(backend.stats().persistentBytes).toBe(after.persistentBytes);
    expect(backend.stats().pages).toBe(after.pages);
    opt.dispose();
    params.forEach((p) => p.dispose());
  });

  it('dispose() frees the blocks; parameters and gradients stay usable with their values', () => {
    const backend = createBackend({ backend: 'js', dtype: 'float64' });
    const base = backend.stats().persistentBytes;
    const params = makeParams([1, 2, 3], [1, 2], backend);
    const opt = new Adam(params, { lr: 0.1 });
    scope(() => sum(params[0].square()).add(sum(params[1].square())).backward());
    opt.step();
    const values = flat(params);
    const grads = params.map((p) => Array.from(p.grad!.data()));
    opt.dispose();
    expect(flat(params)).toEqual(values);
    expect(params.map((p) => Array.from(p.grad!.data()))).toEqual(grads);
    expect(scope(() => sum(params[1].mul(2)).item())).toBe(2 * (values[1] + values[2]));
    params.forEach((p) => p.dispose());
    expect(backend.stats().persistentBytes).toBe(base);
  });
});
