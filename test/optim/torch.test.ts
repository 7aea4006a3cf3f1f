// Optimizer state in PyTorch's form: the layout torch.optim documents
// (written out below from its state_dict structure, not from our output), a
// torch state written by hand resumed with torch's update formula, and our
// export read back into a fresh optimizer giving the identical next step on
// every backend. No Python runs here.
import { describe, expect, it } from 'vitest';
import * as sg from '../../src/index.js';
import { ArgumentError, CheckpointError, type Backend, type Tensor } from '../../src/index.js';
import { Linear, MLP, type Module } from '../../src/nn/index.js';
import {
  Adadelta, Adagrad, Adam, AdamW, CosineAnnealingLR, LBFGS, NAdam, RMSprop, SGD, type Optimizer,
} from '../../src/optim/index.js';
import type { TorchOptimizerState } from '../../src/optim/torch.js';
import { js32, js64, wasmBackends } from '../helpers/backends.js';

const backends = [js64, js32, ...wasmBackends].map((b) => [b.label, b] as const);
const bits = (params: Tensor[]) => params.flatMap((p) => Array.from(new Uint32Array(p.data().buffer)));

/** A Linear(3, 2) with known weights and gradients: weight stored [in, out] = [3, 2], torch's [out, in] = [2, 3]. */
function layerWithGrads(backend: Backend = js64): Linear {
  const layer = new Linear(3, 2, { backend });
  layer.loadStateDict({ weight: { dtype: 'F64', shape: [2, 3], data: [0.1, 0.2, 0.3, 0.4, 0.5, 0.6] }, bias: { dtype: 'F64', shape: [2], data: [0, 0] } });
  return layer;
}
/** The gradients in our layout; gT is the weight's in torch's. */
const g = [[1, 2], [3, 4], [5, 6]];
const gT = [1, 3, 5, 2, 4, 6];
const gb = [0.5, -1];
function setGrads(layer: Linear): void {
  layer.weight.grad = sg.tensor(g, undefined, { backend: layer.weight.backend });
  layer.bias!.grad = sg.tensor(gb, undefined, { backend: layer.weight.backend });
}

const f32 = (v: number) => ({ dtype: 'F32', shape: [], data: new Float32Array([v]) });
const f64 = (shape: number[], data: number[]) => ({ dtype: 'F64', shape, data: Float64Array.from(data) });
const map = (xs: number[], f: (x: number) => number) => xs.map(f);

/** Structural equality, with float values compared to 1e-15 relative (the kernels' rounding order is theirs). */
function expectState(actual: TorchOptimizerState, expected: { state: Record<string, Record<string, { dtype: string; shape: number[]; data: ArrayLike<number> }>>; param_groups: unknown[] }): void {
  expect(actual.param_groups).toEqual(expected.param_groups);
  expect(Object.keys(actual.state)).toEqual(Object.keys(expected.state));
  for (const [id, entry] of Object.entries(expected.state)) {
    expect(Object.keys(actual.state[id]).sort()).toEqual(Object.keys(entry).sort());
    for (const [name, r] of Object.entries(entry)) {
      const a = actual.state[id][name];
      expect([name, a.dtype, a.shape, a.data.constructor]).toEqual([name, r.dtype, r.shape, r.data.constructor]);
      Array.from(r.data).forEach((v, i) => expect(Math.abs(a.data[i] - v)).toBeLessThanOrEqual(1e-15 * Math.abs(v)));
    }
  }
}

describe("the layout of torch.optim's state_dict", () => {
  // After one step from the gradients above, each optimizer's state by torch's update rules (torch/optim/*.py, ≥ 2.0).
  const cases: [string, (params: Tensor[]) => Optimizer<any>, (ids: string[]) => Record<string, Record<string, ReturnType<typeof f64> | ReturnType<typeof f32>>>, object][] = [
    [
      'Adam',
      (p) => new Adam(p, { lr: 0.01 }),
      () => ({
        0: { step: f32(1), exp_avg: f64([2, 3], map(gT, (x) => 0.1 * x)), exp_avg_sq: f64([2, 3], map(gT, (x) => 0.001 * x * x)) },
        1: { step: f32(1), exp_avg: f64([2], map(gb, (x) => 0.1 * x)), exp_avg_sq: f64([2], map(gb, (x) => 0.001 * x * x)) },
      }),
      { lr: 0.01, betas: [0.9, 0.999], eps: 1e-8, weight_decay: 0, amsgrad: false, maximize: false },
    ],
    [
      'Adam amsgrad: max_exp_avg_sq',
      (p) => new Adam(p, { lr: 0.01, amsgrad: true }),
      () => ({
        0: { step: f32(1), exp_avg: f64([2, 3], map(gT, (x) => 0.1 * x)), exp_avg_sq: f64([2, 3], map(gT, (x) => 0.001 * x * x)), max_exp_avg_sq: f64([2, 3], map(gT, (x) => 0.001 * x * x)) },
        1: { step: f32(1), exp_avg: f64([2], map(gb, (x) => 0.1 * x)), exp_avg_sq: f64([2], map(gb, (x) => 0.001 * x * x)), max_exp_avg_sq: f64([2], map(gb, (x) => 0.001 * x * x)) },
      }),
      { lr: 0.01, betas: [0.9, 0.999], eps: 1e-8, weight_decay: 0, amsgrad: true, maximize: false },
    ],
    [
      'AdamW',
      (p) => new AdamW(p, { lr: 0.01 }),
      () => ({
        0: { step: f32(1), exp_avg: f64([2, 3], map(gT, (x) => 0.1 * x)), exp_avg_sq: f64([2, 3], map(gT, (x) => 0.001 * x * x)) },
        1: { step: f32(1), exp_avg: f64([2], map(gb, (x) => 0.1 * x)), exp_avg_sq: f64([2], map(gb, (x) => 0.001 * x * x)) },
      }),
      { lr: 0.01, betas: [0.9, 0.999], eps: 1e-8, weight_decay: 0.01, amsgrad: false, maximize: false },
    ],
    [
      'NAdam: mu_product = μ₁ = β₁(1 − ½·0.96^ψ)',
      (p) => new NAdam(p),
      () => {
        const mu = 0.9 * (1 - 0.5 * 0.96 ** 0.004);
        const muProduct = { dtype: 'F64', shape: [], data: new Float64Array([mu]) };
        return {
          0: { step: f32(1), mu_product: muProduct, exp_avg: f64([2, 3], map(gT, (x) => 0.1 * x)), exp_avg_sq: f64([2, 3], map(gT, (x) => 0.001 * x * x)) },
          1: { step: f32(1), mu_product: muProduct, exp_avg: f64([2], map(gb, (x) => 0.1 * x)), exp_avg_sq: f64([2], map(gb, (x) => 0.001 * x * x)) },
        };
      },
      { lr: 2e-3, betas: [0.9, 0.999], eps: 1e-8, weight_decay: 0, momentum_decay: 4e-3, decoupled_weight_decay: false, maximize: false },
    ],
    [
      'SGD with momentum: momentum_buffer = g at the first step, no step count',
      (p) => new SGD(p, { lr: 0.1, momentum: 0.9 }),
      () => ({ 0: { momentum_buffer: f64([2, 3], gT) }, 1: { momentum_buffer: f64([2], gb) } }),
      { lr: 0.1, momentum: 0.9, dampening: 0, weight_decay: 0, nesterov: false, maximize: false },
    ],
    ['SGD without momentum keeps no state', (p) => new SGD(p, { lr: 0.1 }), () => ({}), { lr: 0.1, momentum: 0, dampening: 0, weight_decay: 0, nesterov: false, maximize: false }],
    [
      'Adagrad: sum = initial_accumulator_value + g²',
      (p) => new Adagrad(p, { initialAccumulatorValue: 0.5 }),
      () => ({
        0: { step: f32(1), sum: f64([2, 3], map(gT, (x) => 0.5 + x * x)) },
        1: { step: f32(1), sum: f64([2], map(gb, (x) => 0.5 + x * x)) },
      }),
      { lr: 0.01, lr_decay: 0, weight_decay: 0, initial_accumulator_value: 0.5, eps: 1e-10, maximize: false },
    ],
    [
      'RMSprop centered with momentum: square_avg, grad_avg, momentum_buffer',
      (p) => new RMSprop(p, { centered: true, momentum: 0.5 }),
      () => {
        // v = (1 − α)g², a = (1 − α)g, b = g / (√(v − a²) + ε)
        const buf = (x: number) => x / (Math.sqrt(0.01 * x * x - (0.01 * x) ** 2) + 1e-8);
        return {
          0: { step: f32(1), square_avg: f64([2, 3], map(gT, (x) => 0.01 * x * x)), grad_avg: f64([2, 3], map(gT, (x) => 0.01 * x)), momentum_buffer: f64([2, 3], map(gT, buf)) },
          1: { step: f32(1), square_avg: f64([2], map(gb, (x) => 0.01 * x * x)), grad_avg: f64([2], map(gb, (x) => 0.01 * x)), momentum_buffer: f64([2], map(gb, buf)) },
        };
      },
      { lr: 0.01, alpha: 0.99, eps: 1e-8, weight_decay: 0, momentum: 0.5, centered: true, maximize: false },
    ],
    [
      'Adadelta: square_avg, acc_delta',
      (p) => new Adadelta(p),
      () => {
        // v = (1 − ρ)g², Δ = √(0 + ε)/√(v + ε)·g, u = (1 − ρ)Δ²
        const delta = (x: number) => (Math.sqrt(1e-6) / Math.sqrt(0.1 * x * x + 1e-6)) * x;
        return {
          0: { step: f32(1), square_avg: f64([2, 3], map(gT, (x) => 0.1 * x * x)), acc_delta: f64([2, 3], map(gT, (x) => 0.1 * delta(x) ** 2)) },
          1: { step: f32(1), square_avg: f64([2], map(gb, (x) => 0.1 * x * x)), acc_delta: f64([2], map(gb, (x) => 0.1 * delta(x) ** 2)) },
        };
      },
      { lr: 1, rho: 0.9, eps: 1e-6, weight_decay: 0, maximize: false },
    ],
  ];

  it.each(cases)('%s', (_name, make, state, group) => {
    const layer = layerWithGrads();
    const opt = make(layer.parameters());
    setGrads(layer);
    opt.step();
    expectState(opt.stateDict({ format: 'pytorch', model: layer }), { state: state(['0', '1']), param_groups: [{ ...group, params: [0, 1] }] });
  });

  it('parameters are numbered across groups in order; a parameter that took no step has no state (Adagrad: step 0 and the initial sum)', () => {
    const model = new MLP([3, 2, 1], { seed: 1, backend: js64 });
    const [w0, b0, w1, b1] = model.parameters();
    const groups = (O: typeof Adam | typeof Adagrad) => new O([{ params: [w0, b0] }, { params: [w1, b1], lr: 0.5 }], { lr: 0.01 });
    for (const O of [Adam, Adagrad]) {
      const opt = groups(O);
      sg.scope(() => sg.sum(model.forward(sg.tensor([[1, 2, 3]], undefined, { backend: js64 }))).backward());
      b1.grad = null; // torch skips a parameter without a gradient
      opt.step();
      const torch = opt.stateDict({ format: 'pytorch', model });
      expect(torch.param_groups.map((pg) => [pg.params, pg.lr])).toEqual([[[0, 1], 0.01], [[2, 3], 0.5]]);
      expect(torch.state[2][O === Adam ? 'exp_avg' : 'sum'].shape).toEqual([1, 2]); // the second Linear's weight as [out, in]
      if (O === Adam) expect(Object.keys(torch.state)).toEqual(['0', '1', '2']);
      else expect(torch.state[3]).toEqual({ step: f32(0), sum: { dtype: 'F64', shape: [1], data: new Float64Array([0]) } });
    }
  });

  it("a scheduler's base lr is the group's initial_lr, as torch's LRScheduler records it", () => {
    const layer = layerWithGrads();
    const opt = new Adam(layer.parameters(), { lr: 0.1 });
    const sched = new CosineAnnealingLR(opt, { tMax: 4 });
    setGrads(layer);
    opt.step();
    sched.step();
    const [group] = opt.stateDict({ format: 'pytorch', model: layer }).param_groups;
    expect(group.initial_lr).toBe(0.1);
    expect(group.lr).toBeCloseTo(0.05 * (1 + Math.cos(Math.PI / 4)), 15);
  });
});

describe('a state written by torch resumes with torch’s update', () => {
  it('Adam after 3 steps in torch: our 4th step is torch’s formula in float64', () => {
    const layer = layerWithGrads();
    const opt = new Adam(layer.parameters(), { lr: 1 });
    const m = [0.3, -0.1, 0.2, 0.05, 0.4, -0.3];
    const v = [0.02, 0.01, 0.03, 0.005, 0.04, 0.02];
    // torch.optim.Adam(model.parameters(), lr=0.01, betas=(0.8, 0.99), weight_decay=0.1).state_dict(), tensors as torch holds them.
    const torch = {
      state: {
        0: { step: f32(3), exp_avg: f64([2, 3], m), exp_avg_sq: f64([2, 3], v) },
        1: { step: f32(3), exp_avg: f64([2], [0.1, 0.2]), exp_avg_sq: f64([2], [0.01, 0.02]) },
      },
      param_groups: [{ lr: 0.01, betas: [0.8, 0.99], eps: 1e-8, weight_decay: 0.1, amsgrad: false, maximize: false, foreach: null, capturable: false, differentiable: false, fused: null, params: [0, 1] }],
    } as unknown as TorchOptimizerState;
    opt.loadStateDict(torch, { format: 'pytorch', model: layer });
    expect(opt.paramGroups[0]).toMatchObject({ lr: 0.01, betas: [0.8, 0.99], weightDecay: 0.1 });
    const w = sg.scope(() => Array.from(layer.stateDict().weight.data())); // torch layout [2, 3]
    setGrads(layer);
    opt.step();
    // torch/optim/adam.py, _single_tensor_adam: g += λp; m ← β₁m + (1 − β₁)g; v ← β₂v + (1 − β₂)g²; t = 4;
    // p ← p − lr/(1 − β₁ᵗ) · m / (√v / √(1 − β₂ᵗ) + ε)
    const [b1, b2, lr, wd, eps, t] = [0.8, 0.99, 0.01, 0.1, 1e-8, 4];
    const expected = w.map((p, i) => {
      const gi = gT[i] + wd * p;
      const mi = b1 * m[i] + (1 - b1) * gi;
      const vi = b2 * v[i] + (1 - b2) * gi * gi;
      return p - (lr / (1 - b1 ** t)) * (mi / (Math.sqrt(vi) / Math.sqrt(1 - b2 ** t) + eps));
    });
    const got = sg.scope(() => Array.from(layer.stateDict().weight.data()));
    got.forEach((x, i) => expect(Math.abs(x - expected[i])).toBeLessThanOrEqual(1e-15 * Math.abs(expected[i])));
    expect(opt.stateDict().header.groups[0].scalars.step).toEqual([4, 4]);
  });
});

/** n steps of a fixed regression; the last bias gets no gradient on every second step (so step counts differ). */
function train(model: MLP, opt: Optimizer<any>, x: Tensor, y: Tensor, from: number, to: number): void {
  const last = model.parameters().at(-1)!;
  for (let t = from; t < to; t++) {
    opt.zeroGrad();
    sg.scope(() => sg.losses.mse(model.forward(x), y).backward());
    if (t % 2 === 1) last.grad = null;
    opt.step();
  }
}

/** What a trip through torch's format on disk keeps: JSON param_groups, copied tensors. */
function throughDisk(s: TorchOptimizerState): TorchOptimizerState {
  const state = Object.fromEntries(Object.entries(s.state).map(([id, e]) => [id, Object.fromEntries(Object.entries(e).map(([k, r]) => [k, { ...r, data: r.data.slice() }]))]));
  return { state, param_groups: JSON.parse(JSON.stringify(s.param_groups)) };
}

const twoGroups = <O extends { lr: number }>(Opt: new (g: any, o: any) => Optimizer<O>, options: object) => (m: Module) => {
  const [w0, b0, ...rest] = m.parameters();
  return new Opt([{ params: [w0, b0] }, { params: rest, lr: 0.003 }], options);
};

const setups: [string, (m: Module) => Optimizer<any>][] = [
  ['SGD', (m) => new SGD(m.parameters(), { lr: 0.05 })],
  ['SGD momentum, dampening, weight decay, two groups', twoGroups(SGD, { lr: 0.05, momentum: 0.9, dampening: 0.1, weightDecay: 0.01 })],
  ['SGD nesterov', (m) => new SGD(m.parameters(), { lr: 0.05, momentum: 0.9, nesterov: true })],
  ['Adagrad', (m) => new Adagrad(m.parameters(), { lrDecay: 0.01, initialAccumulatorValue: 0.1 })],
  ['RMSprop centered, momentum', (m) => new RMSprop(m.parameters(), { centered: true, momentum: 0.5 })],
  ['Adadelta', (m) => new Adadelta(m.parameters(), { weightDecay: 0.01 })],
  ['Adam amsgrad, two groups', twoGroups(Adam, { lr: 0.01, amsgrad: true })],
  ['AdamW', (m) => new AdamW(m.parameters(), { lr: 0.01 })],
  ['NAdam decoupled', (m) => new NAdam(m.parameters(), { decoupledWeightDecay: true, weightDecay: 0.01 })],
];

describe.each(backends)('our export read back into a fresh optimizer gives the identical next step (%s)', (_label, backend) => {
  const x = sg.randn([6, 3], { seed: 3, backend });
  const y = sg.randn([6, 2], { seed: 4, backend });

  it.each(setups)('%s', (_name, make) => {
    const straight = new MLP([3, 4, 2], { seed: 1, backend });
    const a = make(straight);
    train(straight, a, x, y, 0, 6);

    const first = new MLP([3, 4, 2], { seed: 1, backend });
    const b = make(first);
    train(first, b, x, y, 0, 5);
    const saved = throughDisk(b.stateDict({ format: 'pytorch', model: first }));
    const values = sg.scope(() => Object.fromEntries(Object.entries(first.stateDict()).map(([k, t]) => [k, { dtype: 'F64' as const, shape: [...t.shape], data: Float64Array.from(t.data()) }])));

    const resumed = new MLP([3, 4, 2], { seed: 7, backend });
    resumed.loadStateDict(values);
    const c = make(resumed);
    c.loadStateDict(saved, { format: 'pytorch', model: resumed });
    train(resumed, c, x, y, 5, 6);
    expect(bits(resumed.parameters())).toEqual(bits(straight.parameters()));
    expect(bits(resumed.parameters())).not.toEqual(bits(first.parameters()));
  });
});

describe('what the PyTorch form refuses', () => {
  const trained = () => {
    const layer = layerWithGrads();
    const opt = new Adam(layer.parameters(), { lr: 0.01 });
    setGrads(layer);
    opt.step();
    return { layer, opt, torch: opt.stateDict({ format: 'pytorch', model: layer }) };
  };

  it('optimizers and options torch has no counterpart for: a typed error naming them', () => {
    const layer = layerWithGrads();
    expect(() => new LBFGS(layer.parameters()).stateDict({ format: 'pytorch', model: layer })).toThrow(ArgumentError);
    expect(() => new LBFGS(layer.parameters()).stateDict({ format: 'pytorch', model: layer })).toThrow(/LBFGS has no PyTorch state form here/);
    expect(() => new SGD(layer.parameters(), { momentum: 0.9, velocity: true }).stateDict({ format: 'pytorch', model: layer })).toThrow(
      "SGD.stateDict: group 0 has velocity: true, which PyTorch's SGD has no counterpart for (it needs false); save in subgrad's own form",
    );
    expect(() => new Adam(layer.parameters(), { l1: 1e-3 }).stateDict({ format: 'pytorch', model: layer })).toThrow(/group 0 has l1: 0.001/);
    expect(() => new RMSprop(layer.parameters(), { epsInsideSqrt: true }).stateDict({ format: 'pytorch', model: layer })).toThrow(/epsInsideSqrt: true/);
  });

  it('the model is needed, and must hold every parameter', () => {
    const { layer, opt } = trained();
    expect(() => opt.stateDict({ format: 'pytorch' } as never)).toThrow(/format 'pytorch' needs model/);
    expect(() => opt.stateDict({ format: 'torch' } as never)).toThrow(/format must be one of 'subgrad', 'pytorch', got 'torch'/);
    expect(() => opt.stateDict({ format: 'pytorch', model: new Linear(3, 2, { backend: js64 }) })).toThrow(/the optimizer's parameter 'param 0' \(shape \[3, 2\]\) is not a parameter of the model/);
    expect(() => opt.stateDict({ format: 'pytorch', model: layer, modle: 1 } as never)).toThrow(/unknown option 'modle'; valid options are format, model/);
    // Tensors outside any model keep their own layout.
    const free = sg.tensor([1, 2], undefined, { backend: js64, requiresGrad: true });
    const sgd = new SGD([free], { momentum: 0.9 });
    free.grad = sg.tensor([3, 4], undefined, { backend: js64 });
    sgd.step();
    expect(sgd.stateDict({ format: 'pytorch', model: null }).state[0].momentum_buffer).toEqual({ dtype: 'F64', shape: [2], data: new Float64Array([3, 4]) });
  });

  type Edit = (t: TorchOptimizerState) => unknown;
  const refusals: [string, Edit, RegExp][] = [
    ['not a state_dict', () => ({ weights: [] }), /expected PyTorch's optimizer state_dict \{ state, param_groups \}/],
    ['another group count', (t) => ({ ...t, param_groups: [] }), /the state has 0 parameter groups, this optimizer 1/],
    ['another parameter count', (t) => ({ ...t, param_groups: [{ ...t.param_groups[0], params: [0] }] }), /group 0 lists 1 params in the state but has 2 parameters here/],
    ['a state for a parameter no group lists', (t) => ({ ...t, state: { ...t.state, 5: t.state[0] } }), /entries for parameters 5, which no group lists/],
    ['our layout instead of torch’s', (t) => ({ ...t, state: { ...t.state, 0: { ...t.state[0], exp_avg: { ...t.state[0].exp_avg, shape: [3, 2] } } } }), /'exp_avg' of the state of parameter 0 \(group 0, shape \[3, 2\]\) must be a float tensor of shape \[2, 3\] \(PyTorch's layout\), got float \[3, 2\]/],
    ['a missing moment', (t) => ({ ...t, state: { ...t.state, 1: { step: t.state[1].step, exp_avg: t.state[1].exp_avg } } }), /the state of parameter 1 .* lacks 'exp_avg_sq', which Adam with these options keeps/],
    ['a missing step', (t) => ({ ...t, state: { ...t.state, 1: { exp_avg: t.state[1].exp_avg, exp_avg_sq: t.state[1].exp_avg_sq } } }), /lacks 'step'/],
    ['a fractional step', (t) => ({ ...t, state: { ...t.state, 1: { ...t.state[1], step: f32(1.5) } } }), /'step' of the state of parameter 1 .* must be one finite number \(a count >= 0\), got \[1.5\]/],
    ['a state name Adam does not keep', (t) => ({ ...t, state: { ...t.state, 1: { ...t.state[1], momentum_buffer: t.state[1].exp_avg } } }), /has 'momentum_buffer'; PyTorch's Adam keeps step, exp_avg, exp_avg_sq, max_exp_avg_sq/],
    ['an option torch’s Adam lacks', (t) => ({ ...t, param_groups: [{ ...t.param_groups[0], nesterov: true }] }), /group 0 has option 'nesterov', which PyTorch's Adam as read here does not have; valid: lr, weight_decay, maximize, betas, eps, amsgrad, decoupled_weight_decay, foreach/],
    ['AdamW’s decoupled decay', (t) => ({ ...t, param_groups: [{ ...t.param_groups[0], decoupled_weight_decay: true }] }), /group 0 has decoupled_weight_decay: true; Adam needs false/],
    ['an unknown dtype label', (t) => ({ ...t, state: { ...t.state, 1: { ...t.state[1], exp_avg: { ...t.state[1].exp_avg, dtype: 'F16' } } } }), /'exp_avg' of the state of parameter 1 .* has dtype 'F16'/],
  ];

  it.each(refusals)('%s: a CheckpointError, and nothing changes', (_what, edit, message) => {
    const { torch } = trained();
    const { layer, opt } = trained();
    setGrads(layer);
    opt.step();
    const before = opt.stateDict();
    const params = layer.parameters().map((p) => Array.from(p.data()));
    expect(() => opt.loadStateDict(edit(throughDisk(torch)) as TorchOptimizerState, { format: 'pytorch', model: layer })).toThrow(CheckpointError);
    expect(() => opt.loadStateDict(edit(throughDisk(torch)) as TorchOptimizerState, { format: 'pytorch', model: layer })).toThrow(message);
    expect(opt.stateDict()).toEqual(before);
    expect(layer.parameters().map((p) => Array.from(p.data()))).toEqual(params);
  });

  it('invalid hyper-parameters are refused by the same checks as our own state dicts', () => {
    const { layer, opt, torch } = trained();
    const bad = { ...torch, param_groups: [{ ...torch.param_groups[0], betas: [0.9, 1] }] };
    expect(() => opt.loadStateDict(bad, { format: 'pytorch', model: layer })).toThrow(/betas must be two numbers in \[0, 1\), got \[0.9,1\]/);
  });
});
