import { describe, expect, it } from 'vitest';
import * as sg from '../../src/index.js';
import { ELU, LeakyReLU, Linear, MLP, Module, PReLU, ReLU, Sequential, Sigmoid, Softplus, Tanh } from '../../src/nn/index.js';
import { biasAdd } from '../../src/nn/module.js';
import { describeOpTable } from '../helpers/optable.js';
import { js64, wasmBackends } from '../helpers/backends.js';

const backends = [...wasmBackends, js64].map((b) => [b.label, b] as const);
const values = (t: sg.Tensor) => Array.from(t.data());

/** y[b][o] = Σ_i x[b][i]·W[o][i] + bias[o] with W in PyTorch's [out, in] layout, in plain JS. */
function referenceLinear(x: number[][], w: number[][], bias: number[]): number[][] {
  return x.map((row) => w.map((wo, o) => wo.reduce((s, wi, i) => s + wi * row[i], bias[o])));
}

// Linear's bias add, one op: gradcheck and every Wasm variant against js float64, 2-D and 3-D.
describeOpTable("biasAdd (Linear's bias)", [
  { name: 'rows of n', fn: (y, b) => biasAdd([y, b], undefined), shapes: (n) => [[3, n], [n]] },
  { name: 'a batch of sequences', fn: (y, b) => biasAdd([y, b], undefined), shapes: (n) => [[2, 3, n], [n]] },
  { name: 'one row', fn: (y, b) => biasAdd([y, b], undefined), shapes: (n) => [[1, n], [n]] },
]);

describe('Linear', () => {
  it.each(backends)("backpropagates x·W + b: dW = xᵀg, db = the column sums of g, dx = g·Wᵀ, for every batch size (%s)", (_l, backend) => {
    for (const batch of [0, 1, 3, 17]) {
      const layer = new Linear(5, 3, { seed: 2, backend });
      layer.loadStateDict({ bias: sg.tensor([0.5, -1, 2], undefined, { backend }) }, { strict: false });
      const w = layer.weight.toArray() as number[][];
      const xs = Array.from({ length: batch }, (_, r) => Array.from({ length: 5 }, (_, i) => Math.fround(Math.sin(3 * r + i))));
      const gs = Array.from({ length: batch }, (_, r) => [1, -2, 0.5].map((v) => v * (r + 1)));
      const x = sg.tensor(xs.flat(), [batch, 5], { backend, requiresGrad: true });
      sg.scope(() => {
        const y = layer.forward(x);
        const want = xs.map((row) => [0, 1, 2].map((o) => row.reduce((s, v, i) => s + v * w[i][o], [0.5, -1, 2][o])));
        expect(values(y).map((v, i) => Math.abs(v - want.flat()[i]) < 1e-5)).toEqual(want.flat().map(() => true));
        y.backward(sg.tensor(gs.flat(), [batch, 3], { backend }));
      });
      const close = (got: sg.Tensor, want: number[]) => values(got).forEach((v, i) => expect(v).toBeCloseTo(want[i], 4));
      close(layer.bias!.grad!, [0, 1, 2].map((o) => gs.reduce((s, g) => s + g[o], 0)));
      close(layer.weight.grad!, w.flatMap((_, i) => [0, 1, 2].map((o) => xs.reduce((s, row, r) => s + row[i] * gs[r][o], 0))));
      if (batch > 0) close(x.grad!, xs.flatMap((_, r) => [0, 1, 2, 3, 4].map((i) => gs[r].reduce((s, g, o) => s + g * w[i][o], 0))));
      layer.dispose();
    }
  });

  it.each(backends)('computes x·Wᵀ + b with the state dict weight in [out, in] layout (%s)', (_l, backend) => {
    const layer = new Linear(3, 2, { seed: 7, backend });
    const state = layer.stateDict();
    expect(state.weight.shape).toEqual([2, 3]);
    expect(state.bias.shape).toEqual([2]);
    const w = state.weight.toArray() as number[][];
    const bias = [0.5, -1.5];
    layer.loadStateDict({ weight: state.weight, bias: sg.tensor(bias, undefined, { backend }) });
    const x = [[1, 2, 3], [-1, 0.5, 4]];
    const y = layer.forward(sg.tensor(x, undefined, { backend })).toArray() as number[][];
    const expected = referenceLinear(x, w, bias);
    y.flat().forEach((v, i) => expect(v).toBeCloseTo(expected.flat()[i], 5));
    // The internal weight is the transpose of the exported one.
    expect(layer.weight.shape).toEqual([3, 2]);
    expect(layer.weight.toArray()).toEqual(w[0].map((_, i) => w.map((row) => row[i])));
    layer.dispose();
  });

  it('He init: normal with std √(2/in); Xavier: uniform within ±√(6/(in+out)); biases 0', () => {
    const he = new Linear(400, 300, { seed: 1, backend: js64 });
    const w = values(he.weight);
    const mean = w.reduce((a, b) => a + b, 0) / w.length;
    const std = Math.sqrt(w.reduce((a, b) => a + (b - mean) ** 2, 0) / w.length);
    expect(Math.abs(mean)).toBeLessThan(0.002);
    expect(std / Math.sqrt(2 / 400)).toBeGreaterThan(0.99);
    expect(std / Math.sqrt(2 / 400)).toBeLessThan(1.01);
    expect(values(he.bias!)).toEqual(new Array(300).fill(0));

    const xavier = new Linear(400, 300, { seed: 1, init: 'xavier', backend: js64 });
    const bound = Math.sqrt(6 / 700);
    const u = values(xavier.weight);
    expect(Math.max(...u.map(Math.abs))).toBeLessThanOrEqual(bound);
    expect(Math.max(...u.map(Math.abs))).toBeGreaterThan(0.99 * bound);
    const variance = u.reduce((a, b) => a + b * b, 0) / u.length;
    expect(variance / (bound ** 2 / 3)).toBeGreaterThan(0.98);
    expect(variance / (bound ** 2 / 3)).toBeLessThan(1.02);
  });

  it("PyTorch's init: weight and bias uniform within ±1/√in (kaiming_uniform with a = √5), variance bound²/3", () => {
    const torchLike = new Linear(400, 300, { seed: 2, init: 'pytorch', backend: js64 });
    const bound = 1 / Math.sqrt(400);
    for (const [t, n] of [[torchLike.weight, 120_000], [torchLike.bias!, 300]] as const) {
      const u = values(t);
      expect(u.length).toBe(n);
      expect(Math.max(...u.map(Math.abs))).toBeLessThanOrEqual(bound);
      expect(Math.max(...u.map(Math.abs))).toBeGreaterThan(0.95 * bound);
      const variance = u.reduce((a, b) => a + b * b, 0) / u.length;
      expect(variance / (bound ** 2 / 3)).toBeGreaterThan(n > 1000 ? 0.98 : 0.8);
      expect(variance / (bound ** 2 / 3)).toBeLessThan(n > 1000 ? 1.02 : 1.2);
    }
    // The weights do not depend on whether a bias is drawn after them.
    expect(values(new Linear(400, 300, { seed: 2, init: 'pytorch', bias: false, backend: js64 }).weight)).toEqual(values(torchLike.weight));
  });

  it('the same seed gives the same weights; another seed, others', () => {
    const a = new Linear(5, 4, { seed: 3, backend: js64 });
    const b = new Linear(5, 4, { seed: 3, backend: js64 });
    const c = new Linear(5, 4, { seed: 4, backend: js64 });
    expect(values(a.weight)).toEqual(values(b.weight));
    expect(values(a.weight)).not.toEqual(values(c.weight));
  });

  it('without bias has only a weight; rejects bad sizes, init and inputs', () => {
    expect(new Linear(2, 2, { bias: false, backend: js64 }).namedParameters().map(([n]) => n)).toEqual(['weight']);
    expect(() => new Linear(0, 3)).toThrow(sg.ArgumentError);
    expect(() => new Linear(2, 1.5)).toThrow(/outFeatures must be an integer in \[1, 1073741824\], got 1.5/);
    expect(() => new Linear(2, 3, { init: 'kaiming' as 'he' })).toThrow(/init must be one of 'he', 'xavier', 'pytorch', got 'kaiming'/);
    const layer = new Linear(3, 2, { backend: js64 });
    expect(() => layer.forward(sg.tensor([[1, 2]], undefined, { backend: js64 }))).toThrow(/Linear\(3, 2\) expects input \[batch, 3\], got \[1, 2\]/);
  });

  it('parameters made inside a scope outlive it', () => {
    const layer = sg.scope(() => new Linear(2, 2, { seed: 1, backend: js64 }));
    expect(layer.weight.storage.alive).toBe(true);
    expect(layer.weight.requiresGrad).toBe(true);
    expect(values(layer.weight)).toEqual(values(new Linear(2, 2, { seed: 1, backend: js64 }).weight));
  });
});

describe('Module', () => {
  it('MLP names its parameters like torch.nn.Sequential(Linear, ReLU, Linear, ReLU, Linear)', () => {
    const mlp = new MLP([4, 8, 6, 3], { seed: 1, backend: js64 });
    expect(mlp.namedParameters().map(([n, t]) => [n, t.shape])).toEqual([
      ['0.weight', [4, 8]], ['0.bias', [8]], ['2.weight', [8, 6]], ['2.bias', [6]], ['4.weight', [6, 3]], ['4.bias', [3]],
    ]);
    expect(Object.entries(mlp.stateDict()).map(([n, t]) => [n, t.shape])).toEqual([
      ['0.weight', [8, 4]], ['0.bias', [8]], ['2.weight', [6, 8]], ['2.bias', [6]], ['4.weight', [3, 6]], ['4.bias', [3]],
    ]);
    expect(mlp.layers.map((m) => m.constructor.name)).toEqual(['Linear', 'ReLU', 'Linear', 'ReLU', 'Linear']);
    expect(mlp.parameters()).toEqual(mlp.namedParameters().map(([, t]) => t));
    // One seed, one generator: the layers get different weights.
    expect(values((mlp.layers[0] as Linear).weight).slice(0, 6)).not.toEqual(values((mlp.layers[2] as Linear).weight).slice(0, 6));
  });

  it.each(backends)('MLP forward equals the layers written out by hand, and gradients reach every parameter (%s)', (_l, backend) => {
    const mlp = new MLP([3, 4, 2], { seed: 2, backend });
    const x = sg.tensor([[1, -2, 0.5], [0.3, 0.1, -1]], undefined, { backend });
    const s = mlp.stateDict();
    const [w0, b0, w1, b1] = ['0.weight', '0.bias', '2.weight', '2.bias'].map((k) => s[k].toArray());
    const hidden = referenceLinear(x.toArray() as number[][], w0 as number[][], b0 as number[]).map((r) => r.map((v) => Math.max(v, 0)));
    const expected = referenceLinear(hidden, w1 as number[][], b1 as number[]).flat();
    const y = sg.scope(() => {
      const out = mlp.forward(x);
      out.sum().backward();
      return out;
    });
    values(y).forEach((v, i) => expect(v).toBeCloseTo(expected[i], 5));
    for (const [name, p] of mlp.namedParameters()) expect(p.grad?.shape, name).toEqual(p.shape);
    // d(sum y)/d b1 = batch size for each output.
    expect(values(mlp.parameters()[3].grad!)).toEqual([2, 2]);
    mlp.zeroGrad();
    expect(values(mlp.parameters()[3].grad!)).toEqual([0, 0]);
  });

  it('train() and eval() set the mode of every submodule', () => {
    const model = new Sequential(new Linear(2, 2), new Sequential(new ReLU(), new Linear(2, 1)));
    const modes = () => [model, ...model.layers, ...(model.layers[1] as Sequential).layers].map((m) => m.training);
    expect(modes()).toEqual([true, true, true, true, true]);
    expect(model.eval()).toBe(model);
    expect(modes()).toEqual([false, false, false, false, false]);
    model.train();
    expect(modes()).toEqual([true, true, true, true, true]);
  });

  it('a custom multi-task module: shared trunk, two heads, nested names', () => {
    class TwoHeads extends Module<sg.Tensor, { logits: sg.Tensor; value: sg.Tensor }> {
      trunk = this.registerModule('trunk', new MLP([4, 5], { backend: js64 }));
      cls = this.registerModule('cls', new Linear(5, 3, { backend: js64 }));
      reg = this.registerModule('reg', new Linear(5, 1, { backend: js64 }));
      forward(x: sg.Tensor) {
        const h = sg.relu(this.trunk.forward(x));
        return { logits: this.cls.forward(h), value: this.reg.forward(h) };
      }
    }
    const m = new TwoHeads();
    expect(m.namedParameters().map(([n]) => n)).toEqual(['trunk.0.weight', 'trunk.0.bias', 'cls.weight', 'cls.bias', 'reg.weight', 'reg.bias']);
    const out = m.forward(sg.ones([2, 4], { backend: js64 }));
    expect([out.logits.shape, out.value.shape]).toEqual([[2, 3], [2, 1]]);
    expect(m.namedChildren().map(([n]) => n)).toEqual(['trunk', 'cls', 'reg']);
  });

  it('registering a bad or duplicate name fails', () => {
    class Bad extends Module {
      constructor(name: string) {
        super();
        this.registerModule('a', new ReLU());
        this.registerModule(name, new ReLU());
      }
      forward(x: sg.Tensor) {
        return x;
      }
    }
    expect(() => new Bad('a')).toThrow(/the name 'a' is already registered/);
    expect(() => new Bad('x.y')).toThrow(/without '\.'/);
  });

  it('MLP rejects bad sizes and unknown activations', () => {
    expect(() => new MLP([3])).toThrow(/at least the input and output sizes/);
    expect(() => new MLP([3, 0, 2])).toThrow(/sizes\[1\] must be an integer in \[1, 1073741824\], got 0/);
    expect(() => new MLP([3, 2], { activation: 'swish' as 'relu' })).toThrow(/unknown activation 'swish'/);
    const custom = new MLP([2, 3, 1], { activation: () => new ReLU({ subgradientAtZero: 1 }), backend: js64 });
    expect((custom.layers[1] as ReLU).options.subgradientAtZero).toBe(1);
  });
});

describe('activation modules', () => {
  const xs = [-3, -0.5, 0, 0.7, 4];
  it.each([
    ['ReLU', new ReLU(), (v: number) => Math.max(v, 0)],
    ['Tanh', new Tanh(), Math.tanh],
    ['Sigmoid', new Sigmoid(), (v: number) => 1 / (1 + Math.exp(-v))],
    ['Softplus', new Softplus(), (v: number) => Math.log(1 + Math.exp(v))],
    ['LeakyReLU(0.1)', new LeakyReLU(0.1), (v: number) => (v > 0 ? v : 0.1 * v)],
    ['ELU(0.5)', new ELU(0.5), (v: number) => (v > 0 ? v : 0.5 * Math.expm1(v))],
  ] as const)('%s computes its formula', (_name, module, f) => {
    const y = values(module.forward(sg.tensor(xs, undefined, { backend: js64 })));
    y.forEach((v, i) => expect(v).toBeCloseTo(f(xs[i]), 12));
    expect(module.parameters()).toEqual([]);
  });

  it('PReLU learns its slope: weight [1] at 0.25, gradient Σ x over x < 0', () => {
    const p = new PReLU(1, { backend: js64 });
    expect(p.namedParameters().map(([n, t]) => [n, values(t)])).toEqual([['weight', [0.25]]]);
    const x = sg.tensor([[-2, 1], [3, -0.5]], undefined, { backend: js64 });
    sg.scope(() => {
      const y = p.forward(x);
      expect(y.toArray()).toEqual([[-0.5, 1], [3, -0.125]]);
      y.sum().backward();
    });
    expect(values(p.weight.grad!)).toEqual([-2.5]);
  });

  it('PReLU per channel (dimension 1), and in an MLP under torch.nn names', () => {
    const p = new PReLU(2, { init: 0.5, backend: js64 });
    const x = sg.tensor([[-2, -4], [-1, 3]], undefined, { backend: js64 });
    sg.scope(() => p.forward(x).sum().backward());
    expect(values(p.weight.grad!)).toEqual([-3, -4]);
    const mlp = new MLP([3, 4, 2], { activation: 'prelu', backend: js64 });
    expect(mlp.namedParameters().map(([n]) => n)).toEqual(['0.weight', '0.bias', '1.weight', '2.weight', '2.bias']);
    expect(mlp.parameters()[2].backend).toBe(js64);
    expect(() => new PReLU(0)).toThrow(/numParameters must be an integer in \[1, /);
  });
});

describe('stateDict / loadStateDict', () => {
  it.each(backends)('loading one model\'s state into another gives identical predictions (%s)', (_l, backend) => {
    const a = new MLP([5, 7, 3], { seed: 1, backend });
    const b = new MLP([5, 7, 3], { seed: 2, backend });
    const x = sg.randn([4, 5], { seed: 9, backend });
    expect(values(b.forward(x))).not.toEqual(values(a.forward(x)));
    const weightBefore = b.parameters()[0];
    b.loadStateDict(a.stateDict());
    expect(values(b.forward(x))).toEqual(values(a.forward(x)));
    expect(b.parameters()[0]).toBe(weightBefore); // in place: optimizers keep their references
  });

  it('entries that share storage with other parameters are read before anything is written', () => {
    const model = new Sequential(new Linear(1, 1, { backend: js64 }), new Linear(1, 1, { backend: js64 }));
    const [b0, b1] = [(model.layers[0] as Linear).bias!, (model.layers[1] as Linear).bias!];
    model.loadStateDict({ ...model.stateDict(), '0.bias': sg.tensor([2], undefined, { backend: js64 }), '1.bias': sg.tensor([3], undefined, { backend: js64 }) });
    const state = model.stateDict();
    // Swap the biases: each entry is the other parameter's own storage.
    model.loadStateDict({ ...state, '0.bias': state['1.bias'], '1.bias': state['0.bias'] });
    expect([values(b0), values(b1)]).toEqual([[3], [2]]);
  });

  it('loads raw records (as decodeSafetensors returns) and converts float32 into a float64 model', () => {
    const layer = new Linear(2, 2, { backend: js64 });
    layer.loadStateDict({
      weight: { dtype: 'F32', shape: [2, 2], data: new Float32Array([1, 2, 3, 4]) },
      bias: { dtype: 'F32', shape: [2], data: new Float32Array([0.5, 0.25]) },
    });
    expect(layer.weight.toArray()).toEqual([[1, 3], [2, 4]]);
    expect(values(layer.forward(sg.tensor([[1, 1]], undefined, { backend: js64 })))).toEqual([1 + 2 + 0.5, 3 + 4 + 0.25]);
  });

  it('a shape mismatch names the tensor and both shapes, and changes nothing', () => {
    const model = new MLP([3, 4, 2], { seed: 1, backend: js64 });
    const before = model.parameters().map(values);
    const other = new MLP([3, 4, 5], { seed: 2, backend: js64 }).stateDict();
    const err = (() => {
      try {
        model.loadStateDict(other);
      } catch (e) {
        return e;
      }
    })();
    expect(err).toBeInstanceOf(sg.CheckpointError);
    expect((err as Error).message).toBe("loadStateDict: tensor '2.weight' has shape [5, 4] in the state but [2, 4] in the model");
    // '0.*' matched and came first, yet nothing was written.
    expect(model.parameters().map(values)).toEqual(before);
  });

  it('missing and unexpected keys are named; strict: false loads the common ones', () => {
    const model = new MLP([2, 2], { seed: 1, backend: js64 });
    const source = new MLP([2, 2], { seed: 5, backend: js64 }).stateDict();
    const before = values(model.parameters()[0]);
    expect(() => model.loadStateDict({ '0.weight': source['0.weight'], extra: source['0.bias'] })).toThrow(
      "loadStateDict: the state does not match the model: missing '0.bias'; unexpected 'extra'",
    );
    expect(values(model.parameters()[0])).toEqual(before);
    model.loadStateDict({ '0.weight': source['0.weight'], extra: source['0.bias'] }, { strict: false });
    expect(model.stateDict()['0.weight'].toArray()).toEqual(source['0.weight'].toArray());
    expect(values(model.parameters()[1])).toEqual([0, 0]);
  });

  it('rejects int32 entries and records whose data does not fit their shape', () => {
    const layer = new Linear(1, 2, { backend: js64 });
    expect(() => layer.loadStateDict({ weight: sg.tensor(new Int32Array([1, 2]), [2, 1], { backend: js64 }), bias: layer.bias! })).toThrow(
      /'weight' holds integers/,
    );
    expect(() => layer.loadStateDict({ weight: { dtype: 'F32', shape: [2, 1], data: new Float32Array(3) }, bias: layer.bias! })).toThrow(
      /entry 'weight' has 3 values but shape \[2, 1\] needs 2/,
    );
  });
});
