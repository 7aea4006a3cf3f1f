// Activations: values from their formulas, gradients by gradcheck at random
// points and at the exact kinks, every Wasm variant against js float64, and
// the overflow cases (softplus at ±1000).
import { describe, expect, it } from 'vitest';
import { ArgumentError, gradcheck, nn, scope, tensor, type Backend, type Tensor } from '../../src/index.js';
import { describeOpTable } from '../helpers/optable.js';
import { js64, wasmBackends } from '../helpers/backends.js';
import { expectReference } from '../helpers/reference.js';

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
  { name: 'hardtanh', fn: (x) => F.hardtanh(x), shapes: (n) => [[n]], sample: (g) => 3 * g.uniform() - 1.5, kinks: [[[-1, 1, 0.5, -3, 2]]] },
  { name: 'hardtanh [-0.5, 2]', fn: (x) => F.hardtanh(x, -0.5, 2), shapes: (n) => [[n]], sample: (g) => 4 * g.uniform() - 1.5, kinks: [[[-0.5, 2, 0]]] },
  { name: 'silu', fn: (x) => F.silu(x), shapes: (n) => [[n]], sample: (g) => 4 * g.normal() },
  { name: 'gelu', fn: (x) => F.gelu(x), shapes: (n) => [[n]], sample: (g) => 3 * g.normal() },
  { name: "gelu, approximate 'tanh'", fn: (x) => F.gelu(x, { approximate: 'tanh' }), shapes: (n) => [[n]], sample: (g) => 3 * g.normal() },
  { name: 'softsign', fn: (x) => F.softsign(x), shapes: (n) => [[n]], sample: (g) => 4 * g.normal() },
  { name: 'softplus, beta 2', fn: (x) => F.softplus(x, { beta: 2 }), shapes: (n) => [[n]], sample: (g) => 8 * g.normal() },
  { name: 'softplus, beta 0.5, threshold 1', fn: (x) => F.softplus(x, { beta: 0.5, threshold: 1 }), shapes: (n) => [[n]], sample: (g) => 8 * g.normal() },
]);

// PyTorch's formulas, in float64.
const torch = {
  hardtanh: (x: number, lo = -1, hi = 1) => Math.min(Math.max(x, lo), hi),
  hardtanhGrad: (x: number, lo = -1, hi = 1) => (x > lo && x < hi ? 1 : 0),
  silu: (x: number) => x / (1 + Math.exp(-x)),
  siluGrad: (x: number) => sigma(x) * (1 + x * (1 - sigma(x))),
  geluTanh: (x: number) => 0.5 * x * (1 + Math.tanh(Math.sqrt(2 / Math.PI) * (x + 0.044715 * x ** 3))),
  geluTanhGrad: (x: number) => {
    const t = Math.tanh(Math.sqrt(2 / Math.PI) * (x + 0.044715 * x ** 3));
    return 0.5 * (1 + t) + 0.5 * x * (1 - t * t) * Math.sqrt(2 / Math.PI) * (1 + 3 * 0.044715 * x * x);
  },
  softsign: (x: number) => x / (1 + Math.abs(x)),
  softsignGrad: (x: number) => 1 / (1 + Math.abs(x)) ** 2,
  // The exact softplus (PyTorch's without its threshold shortcut) and its derivative σ(βx).
  softplus: (x: number, beta: number) => (Math.max(beta * x, 0) + Math.log1p(Math.exp(-Math.abs(beta * x)))) / beta,
};

// gelu = x·Φ(x) and its derivative Φ(x) + x·φ(x) to 17 digits (a table computed in 50-digit arithmetic).
const geluTable: [number, number, number][] = [
  [-10, -7.6198530241605261e-23, -7.6184000964648141e-22], [-6, -5.9195258702261888e-9, -3.5468709453902015e-8],
  [-3, -0.0040496940948902836, -0.011945647204183927], [-1.5, -0.1002108019032871, -0.12746919222997953],
  [-0.5, -0.15426876936299345, 0.13250487534383716], [0, 0, 0.5], [0.3, 0.18537342665668579, 0.73232776682710986],
  [1, 0.84134474606854295, 1.0833154705876863], [2.5, 2.4844758366855597, 1.0376110859081452], [6, 5.9999999940804741, 1.0000000354687095],
];

describe('new activations against PyTorch', () => {
  const xs = [-30, -7, -2.5, -1, -0.25, 0, 0.25, 1, 1.5, 4, 12, 40];

  it.each(backends)('hardtanh, silu, gelu (tanh form), softsign: values and gradients from the formulas (%s)', (_l, backend) => {
    const cases: [string, (t: Tensor) => Tensor, (x: number) => number, (x: number) => number][] = [
      ['hardtanh', (t) => F.hardtanh(t), (x) => torch.hardtanh(x), (x) => torch.hardtanhGrad(x)],
      ['hardtanh [-2, 1.5]', (t) => F.hardtanh(t, -2, 1.5), (x) => torch.hardtanh(x, -2, 1.5), (x) => torch.hardtanhGrad(x, -2, 1.5)],
      ['silu', (t) => F.silu(t), torch.silu, torch.siluGrad],
      ['gelu tanh', (t) => F.gelu(t, { approximate: 'tanh' }), torch.geluTanh, torch.geluTanhGrad],
      ['softsign', (t) => F.softsign(t), torch.softsign, torch.softsignGrad],
    ];
    const points = [...xs, -2, 1.5];
    for (const [name, f, value, grad] of cases) {
      const { y, g } = valueAndGrad(backend, points, f);
      expectReference(y, points.map(value), backend, name);
      expectReference(g, points.map(grad), backend, `${name}'`);
    }
  });

  it.each(backends)('gelu = x·Φ(x), exact in the left tail (gelu(-10) = -7.6e-23): the table (%s)', (_l, backend) => {
    const { y, g } = valueAndGrad(backend, geluTable.map(([x]) => x), (t) => F.gelu(t));
    expectReference(y, geluTable.map(([, v]) => v), backend, 'gelu');
    expectReference(g, geluTable.map(([, , d]) => d), backend, "gelu'");
    // js float64 to 1e-14 relative even where PyTorch's ½x(1 + erf(x/√2)) has cancelled to 0.
    if (backend === js64) {
      expect(Math.abs(y[0] / geluTable[0][1] - 1)).toBeLessThan(1e-14);
      expect(Math.abs(g[0] / geluTable[0][2] - 1)).toBeLessThan(1e-14);
    }
  });

  it.each(backends)('softplus(x, { beta }) is exact beyond the threshold: (1/β)·ln(1 + e^(βx)), gradient σ(βx) (%s)', (_l, backend) => {
    for (const beta of [1, 2, 0.5]) {
      const points = [...xs, 25 / beta, 100];
      const { y, g } = valueAndGrad(backend, points, (t) => F.softplus(t, { beta }));
      expectReference(y, points.map((x) => torch.softplus(x, beta)), backend, `softplus β=${beta}`);
      expectReference(g, points.map((x) => sigma(beta * x)), backend, `softplus' β=${beta}`);
    }
    if (backend === js64) {
      // PyTorch's shortcut would return 25 and gradient 1: both off by e^-25 ≈ 1.4e-11.
      const { y, g } = valueAndGrad(backend, [25], (t) => F.softplus(t, { threshold: 20 }));
      expect(y[0]).toBe(25 + Math.log1p(Math.exp(-25)));
      expect(y[0]).toBeGreaterThan(25);
      expect(g[0]).toBe(1 / (1 + Math.exp(-25)));
      expect(g[0]).toBeLessThan(1);
    }
  });

  it('derivatives come from x where the output has rounded away what they need (js float64)', () => {
    // elu'(x) = α·e^x: from y + α it would be 0 for x below about -37.
    expect(valueAndGrad(js64, [-700, -40], (t) => F.elu(t, 0.5)).g.map((v, i) => v / (0.5 * Math.exp([-700, -40][i])))).toEqual([1, 1].map((v) => expect.closeTo(v, 14)));
    // σ'(x) = σ(x)σ(−x) and tanh'(x) = 1/cosh²(x): from y, 1 − y would be 0 at these x.
    const sg = valueAndGrad(js64, [40, -40], (t) => F.sigmoid(t)).g;
    sg.forEach((v) => expect(v / (Math.exp(-40) / (1 + Math.exp(-40)) ** 2)).toBeCloseTo(1, 14));
    const th = valueAndGrad(js64, [20, -20], (t) => F.tanh(t)).g;
    th.forEach((v) => expect(v / (1 / Math.cosh(20) ** 2)).toBeCloseTo(1, 13));
    // silu'(x) = σ(x)(1 + xσ(−x)) at −700: −6.9e-302, relative-exact.
    const si = valueAndGrad(js64, [-700], (t) => F.silu(t)).g[0];
    expect(si / (Math.exp(-700) * (1 - 700))).toBeCloseTo(1, 12);
  });

  it.each(wasmBackends.map((b) => [b.label, b] as const))('the same in float32: elu\'(-80) = α·e^-80, σ\'(30) (%s)', (_l, backend) => {
    expect(valueAndGrad(backend, [-80], (t) => F.elu(t)).g[0] / Math.exp(-80)).toBeCloseTo(1, 5);
    expect(valueAndGrad(backend, [30], (t) => F.sigmoid(t)).g[0] / Math.exp(-30)).toBeCloseTo(1, 5);
  });

  it('softsign is smooth at 0 (gradient 1 from both sides): no kink', () => {
    const report = gradcheck((x) => F.softsign(x), [[0, 1e-9]]);
    expect(report.failures).toEqual([]);
    expect(report.kinks).toEqual([]);
  });

  it('module forms and MLP activation names run the functions', () => {
    scope(() => {
      const x = tensor([[-2, -0.5, 0.5, 3]], undefined, { backend: js64 });
      const same = (m: nn.Module, f: (t: Tensor) => Tensor) => expect(Array.from(m.forward(x).data())).toEqual(Array.from(f(x).data()));
      same(new nn.Hardtanh(-1, 2), (t) => F.hardtanh(t, -1, 2));
      same(new nn.SiLU(), F.silu);
      same(new nn.GELU(), (t) => F.gelu(t));
      same(new nn.GELU({ approximate: 'tanh' }), (t) => F.gelu(t, { approximate: 'tanh' }));
      same(new nn.Softsign(), F.softsign);
      same(new nn.Softplus({ beta: 2 }), (t) => F.softplus(t, { beta: 2 }));
      for (const [name, M] of [['hardtanh', nn.Hardtanh], ['silu', nn.SiLU], ['gelu', nn.GELU], ['softsign', nn.Softsign]] as const) {
        const mlp = new nn.MLP([4, 3, 2], { activation: name, seed: 1, backend: js64 });
        expect(mlp.layers[1]).toBeInstanceOf(M);
        expect(mlp.forward(x).shape).toEqual([1, 2]);
        mlp.dispose();
      }
    });
  });

  it('rejects bad arguments, at construction for the modules', () => {
    const x = tensor([1, 2], undefined, { backend: js64 });
    expect(() => F.hardtanh(x, 1, 1)).toThrow(/hardtanh: needs min < max, got min 1 and max 1/);
    expect(() => F.hardtanh(x, NaN)).toThrow(/hardtanh: min must be a finite number/);
    expect(() => new nn.Hardtanh(2, -2)).toThrow(/Hardtanh: needs min < max/);
    expect(() => F.gelu(x, { approximate: 'fast' as 'tanh' })).toThrow(/gelu: approximate must be one of 'none', 'tanh', got 'fast'/);
    expect(() => new nn.GELU({ approx: 'tanh' } as never)).toThrow(/GELU: unknown option 'approx'; valid options are approximate/);
    expect(() => F.softplus(x, { beta: 0 })).toThrow(/softplus: beta must be a finite number > 0, got 0/);
    expect(() => F.softplus(x, { threshold: Infinity })).toThrow(/softplus: threshold must be a finite number/);
    expect(() => new nn.Softplus({ beta: -1 })).toThrow(ArgumentError);
    expect(() => F.silu(tensor(new Int32Array([1]), undefined, { backend: js64 }))).toThrow(/silu: input must be a float tensor/);
    expect(() => F.softsign(null as unknown as Tensor)).toThrow(/softsign: input must be a Tensor, got null/);
  });
});

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
