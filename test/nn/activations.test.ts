// Activations: values from their formulas, gradients by gradcheck at random
// points and at the exact kinks, every Wasm variant against js float64, and
// the overflow cases (softplus at ±1000).
import { describe, expect, it } from 'vitest';
import { ArgumentError, nn, scope, tensor, type Backend, type Tensor } from '../../src/index.js';
import { describeOpTable } from '../helpers/optable.js';
import { js64, wasmBackends } from '../helpers/backends.js';

const F = nn.functional;
const backends = [js64, ...wasmBackends].map((b) => [b.label, b] as const);

/** Runs f on backend with x requiring grad, backpropagates the sum; returns values and gradient. */
function valueAndGrad(backend: Backend, x: number[], f: (t: Tensor) => Tensor): { y: number[]; g: number[] } {
  return scope(() => {
    const t = tensor(x, undefined, { backend, requiresGrad: true });
    const y = f(t);
    y.sum().backward();
    const result = { y: Array.from(y.data()), g: Array.from(t.grad!.data()) };
    t.grad!.dispose();
    return result;
  });
}

const sigma = (x: number) => 1 / (1 + Math.exp(-x));

describeOpTable('activations', [
  { name: 'sigmoid', fn: (x) => F.sigmoid(x), shapes: (n) => [[n]] },
  { name: 'tanh', fn: (x) => F.tanh(x), shapes: (n) => [[n]] },
  { name: 'softplus', fn: (x) => F.softplus(x), shapes: (n) => [[n]], sample: (g) => 8 * g.normal() },
  { name: 'logSigmoid (softminus)', fn: (x) => F.logSigmoid(x), shapes: (n) => [[n]], sample: (g) => 8 * g.normal() },
  { name: 'softmax, last dim', fn: (x) => F.softmax(x), shapes: (n) => [[3, n]] },
  { name: 'softmax, dim 0', fn: (x) => F.softmax(x, 0), shapes: (n) => [[n, 2]] },
  { name: 'logSoftmax', fn: (x) => F.logSoftmax(x, 1), shapes: (n) => [[2, n]] },
  { name: 'relu', fn: (x) => F.relu(x), shapes: (n) => [[n]], kinks: [[[0, 1, -1]]] },
  { name: 'leakyRelu', fn: (x) => F.leakyRelu(x, 0.1), shapes: (n) => [[n]], kinks: [[[0, 2, -2]]] },
  {
    name: 'prelu, one slope per channel',
    fn: (x, w) => F.prelu(x, w),
    shapes: (n) => [[n, 2, 3], [2]],
    kinks: [[[[[0, 1, -1], [0, 0, 2]]], [0.2, 0.7]]],
  },
  {
    name: 'relu6',
    fn: (x) => F.relu6(x),
    shapes: (n) => [[n]],
    sample: (g) => 9 * g.uniform() - 1.5,
    kinks: [[[0, 6, 3, -1, 7]]],
  },
  { name: 'crelu', fn: (x) => F.crelu(x), shapes: (n) => [[2, n]], kinks: [[[[0, 1], [-1, 0]]]] },
  { name: 'elu', fn: (x) => F.elu(x, 0.5), shapes: (n) => [[n]], kinks: [[[0, 1, -1]]] },
]);

describe('activation values', () => {
  it('softmax([3.2, 5.1, -1.7]) ≈ [0.13, 0.87, 0.00] (the lecture) and equals e^x / Σ e^x', () => {
    const z = [3.2, 5.1, -1.7];
    const total = z.reduce((s, v) => s + Math.exp(v), 0);
    for (const [, backend] of backends) {
      const p = scope(() => Array.from(F.softmax(tensor(z, undefined, { backend })).data()));
      expect(p.map((v) => Number(v.toFixed(2)))).toEqual([0.13, 0.87, 0]);
      p.forEach((v, i) => expect(v).toBeCloseTo(Math.exp(z[i]) / total, 6));
      const lp = scope(() => Array.from(F.logSoftmax(tensor(z, undefined, { backend })).data()));
      lp.forEach((v, i) => expect(v).toBeCloseTo(z[i] - Math.log(total), 5));
    }
  });

  it.each(backends)('softmax and logSoftmax stay finite and exact at logits of ±1000 (%s)', (_l, backend) => {
    const { y, g } = valueAndGrad(backend, [1000, -1000, 999], (x) => F.logSoftmax(x));
    // ln(e^1000 + e^999) = 1000 + ln(1 + e^-1)
    const lse = 1000 + Math.log1p(Math.exp(-1));
    [1000 - lse, -1000 - lse, 999 - lse].forEach((want, i) => expect(y[i]).toBeCloseTo(want, 3));
    // d Σ logSoftmax / dx = 1 - 3·softmax
    const p = [1 / (1 + Math.exp(-1)), 0, Math.exp(-1) / (1 + Math.exp(-1))];
    g.forEach((v, i) => expect(v).toBeCloseTo(1 - 3 * p[i], 5));
    const s = scope(() => Array.from(F.softmax(tensor([1000, -1000], undefined, { backend })).data()));
    expect(s).toEqual([1, 0]);
  });

  it.each(backends)('softplus(±1000) = 1000 and 0 with gradients σ(±1000) = 1 and 0; logSigmoid is -softplus(-x) (%s)', (_l, backend) => {
    const sp = valueAndGrad(backend, [1000, -1000, 0, 2], (x) => F.softplus(x));
    expect(sp.y[0]).toBe(1000);
    expect(sp.y[1]).toBe(0);
    expect(sp.y[2]).toBeCloseTo(Math.LN2, 6);
    expect(sp.y[3]).toBeCloseTo(Math.log1p(Math.exp(2)), 6);
    sp.g.forEach((v, i) => expect(v).toBeCloseTo(sigma([1000, -1000, 0, 2][i]), 6));
    const ls = valueAndGrad(backend, [1000, -1000, 0], (x) => F.softminus(x));
    expect(Math.abs(ls.y[0])).toBe(0);
    expect(ls.y[1]).toBe(-1000);
    expect(ls.y[2]).toBeCloseTo(-Math.LN2, 6);
    ls.g.forEach((v, i) => expect(v).toBeCloseTo(sigma(-[1000, -1000, 0][i]), 6));
  });

  it.each(backends)('piecewise activations follow their formulas (%s)', (_l, backend) => {
    const x = [-3, -0.5, 0, 0.5, 5, 6, 7];
    const run = (f: (t: Tensor) => Tensor) => scope(() => Array.from(f(tensor(x, undefined, { backend })).data()));
    expect(run((t) => F.relu6(t))).toEqual([0, 0, 0, 0.5, 5, 6, 6]);
    run((t) => F.leakyRelu(t, 0.1)).forEach((v, i) => expect(v).toBeCloseTo(x[i] > 0 ? x[i] : 0.1 * x[i], 6));
    run((t) => F.leakyRelu(t)).forEach((v, i) => expect(v).toBeCloseTo(x[i] > 0 ? x[i] : 0.01 * x[i], 6));
    run((t) => F.elu(t, 2)).forEach((v, i) => expect(v).toBeCloseTo(x[i] > 0 ? x[i] : 2 * Math.expm1(x[i]), 6));
    run((t) => F.sigmoid(t)).forEach((v, i) => expect(v).toBeCloseTo(sigma(x[i]), 6));
    run((t) => F.tanh(t)).forEach((v, i) => expect(v).toBeCloseTo(Math.tanh(x[i]), 6));
    // relu(-0) is -0; + 0 compares values, not signs of zero.
    expect(run((t) => F.crelu(t)).map((v) => v + 0)).toEqual([0, 0, 0, 0.5, 5, 6, 7, 3, 0.5, 0, 0, 0, 0, 0]);
  });

  it.each(backends)('subgradients at the kinks: leaky and prelu return the slope, relu6 0 at 0 and 6, elu alpha (%s)', (_l, backend) => {
    expect(valueAndGrad(backend, [0, 1, -1], (x) => F.leakyRelu(x, 0.2)).g.map((v) => Number(v.toFixed(6)))).toEqual([0.2, 1, 0.2]);
    expect(valueAndGrad(backend, [0, 6, 3, -1, 7], (x) => F.relu6(x)).g).toEqual([0, 0, 1, 0, 0]);
    expect(valueAndGrad(backend, [0, 1], (x) => F.elu(x, 0.5)).g).toEqual([0.5, 1]);
    expect(valueAndGrad(backend, [0, -2], (x) => F.relu(x, { subgradientAtZero: 0.5 })).g).toEqual([0.5, 0]);
  });

  it.each(backends)('prelu learns one slope per channel (dimension 1): dw = Σ x over its non-positive entries (%s)', (_l, backend) => {
    scope(() => {
      const x = tensor([[-1, -3], [2, -4], [0, 5]], undefined, { backend, requiresGrad: true });
      const w = tensor([0.1, 0.2], undefined, { backend, requiresGrad: true });
      const y = F.prelu(x, w);
      expect(Array.from(y.data()).map((v) => Number(v.toFixed(6)))).toEqual([-0.1, -0.6, 2, -0.8, 0, 5]);
      y.sum().backward();
      expect(Array.from(w.grad!.data()).map((v) => Number(v.toFixed(6)))).toEqual([-1, -7]);
      // 1 above 0, the channel's slope at or below it.
      expect(Array.from(x.grad!.data()).map((v) => Number(v.toFixed(6)))).toEqual([0.1, 0.2, 1, 0.2, 0.1, 1]);
      // [2, 3] has 3 channels, not 2.
      expect(() => F.prelu(tensor([[1, 2, 3], [4, 5, 6]], undefined, { backend }), w)).toThrow(/prelu: weight must have shape \[1\] or \[3\]/);
      [x, w].forEach((t) => t.grad?.dispose());
    });
  });

  it('rejects bad arguments with typed errors naming the activation', () => {
    const x = tensor([1, 2], undefined, { backend: js64 });
    expect(() => F.softmax(tensor(1, undefined, { backend: js64 }))).toThrow(/softmax: needs a tensor of rank >= 1/);
    expect(() => F.softmax(x, 2)).toThrow(ArgumentError);
    expect(() => F.leakyRelu(x, NaN)).toThrow(/leakyRelu: negativeSlope must be a finite number/);
    expect(() => F.elu(x, Infinity)).toThrow(/elu: alpha/);
    expect(() => F.relu(x, { subgradientAtZero: 2 })).toThrow(ArgumentError);
    expect(() => F.sigmoid([1, 2] as unknown as Tensor)).toThrow(/sigmoid: input must be a Tensor/);
  });
});
