// Ten steps of every optimizer and option on a 5-D quadratic and a 5-D
// Rosenbrock function, on every backend, against the update rules of
// torch.optim's documentation written out again here, per coordinate, in
// float64. Gradients come from backward() through subgrad's ops on one side
// and from hand-written formulas on the other.
import { describe, expect, it } from 'vitest';
import type { Backend, Tensor } from '../../src/index.js';
import { Adadelta, Adagrad, Adam, AdamW, NAdam, RMSprop, SGD, type Optimizer } from '../../src/optim/index.js';
import { js32, js64, wasmBackends } from '../helpers/backends.js';
import { flat, makeParams, quadratic, relError, rosenbrock5, stepOn, type Problem } from './problems.js';

/** One coordinate's update: new value from value, gradient, its state, step t (from 1) and lr. */
type Rule = (w: number, g: number, s: Record<string, number>, t: number, lr: number) => number;
type Opts = Record<string, any>;

const prox = (w: number, t: number) => Math.sign(w) * Math.max(Math.abs(w) - t, 0);
const denom = (o: Opts, x: number) => (o.epsInsideSqrt ? Math.sqrt(x + o.eps) : Math.sqrt(x) + o.eps);
/** The gradient PyTorch steps on: negated first when maximizing, then L2 decay added. */
const grad = (o: Opts, g: number, w: number) => (o.maximize ? -g : g) + (o.weightDecay ?? 0) * w;

const sgd = (o: Opts): Rule => (w, g, s, t, lr) => {
  let d = grad(o, g, w);
  if (o.momentum) {
    s.b = t === 1 ? d : o.momentum * s.b + (1 - (o.dampening ?? 0)) * d;
    d = o.nesterov ? d + o.momentum * s.b : s.b;
  }
  return prox(w - lr * d, lr * (o.l1 ?? 0));
};

/** The lectures' form, literally: v ← μv − η∇L, w ← w + v; Nesterov evaluates ∇L at w + μv, the value the parameter holds. */
const velocity = (o: Opts): Rule => (x, g, s, t, lr) => {
  s.w ??= x;
  const d = grad(o, g, x);
  s.v = t === 1 ? -lr * d : o.momentum * s.v - lr * (1 - (o.dampening ?? 0)) * d;
  s.w += s.v;
  return o.nesterov ? s.w + o.momentum * s.v : s.w;
};

const adagrad = (o: Opts): Rule => (w, g, s, t, lr) => {
  const d = grad(o, g, w);
  s.sum = (t === 1 ? (o.initialAccumulatorValue ?? 0) : s.sum) + d * d;
  return w - ((lr / (1 + (t - 1) * (o.lrDecay ?? 0))) * d) / denom({ eps: 1e-10, ...o }, s.sum);
};

const rmsprop = (o: Opts): Rule => (w, g, s, t, lr) => {
  const alpha = o.alpha ?? 0.99;
  const d = grad(o, g, w);
  s.v = alpha * (s.v ?? 0) + (1 - alpha) * d * d;
  let x = s.v;
  if (o.centered) {
    s.a = alpha * (s.a ?? 0) + (1 - alpha) * d;
    x -= s.a * s.a;
  }
  const den = denom({ eps: 1e-8, ...o }, x);
  if (!o.momentum) return w - (lr * d) / den;
  s.b = o.momentum * (s.b ?? 0) + d / den;
  return w - lr * s.b;
};

const adadelta = (o: Opts): Rule => (w, g, s, t, lr) => {
  const [rho, eps] = [o.rho ?? 0.9, o.eps ?? 1e-6];
  const d = grad(o, g, w);
  s.v = rho * (s.v ?? 0) + (1 - rho) * d * d;
  const delta = (Math.sqrt((s.u ?? 0) + eps) / Math.sqrt(s.v + eps)) * d;
  s.u = rho * (s.u ?? 0) + (1 - rho) * delta * delta;
  return w - lr * delta;
};

const adam = (o: Opts, decoupled: boolean): Rule => (w, g, s, t, lr) => {
  const [b1, b2] = o.betas ?? [0.9, 0.999];
  if (decoupled) w *= 1 - lr * o.weightDecay;
  const d = decoupled ? (o.maximize ? -g : g) : grad(o, g, w);
  s.m = b1 * (s.m ?? 0) + (1 - b1) * d;
  s.v = b2 * (s.v ?? 0) + (1 - b2) * d * d;
  s.vmax = Math.max(s.vmax ?? 0, s.v);
  const vhat = (o.amsgrad ? s.vmax : s.v) / (1 - b2 ** t);
  return prox(w - (lr * s.m) / (1 - b1 ** t) / denom({ eps: 1e-8, ...o }, vhat), lr * (o.l1 ?? 0));
};

const nadam = (o: Opts): Rule => (w, g, s, t, lr) => {
  const [b1, b2] = o.betas ?? [0.9, 0.999];
  const psi = o.momentumDecay ?? 4e-3;
  const mu = (i: number) => b1 * (1 - 0.5 * 0.96 ** (i * psi));
  const product = (n: number) => Array.from({ length: n }, (_, i) => mu(i + 1)).reduce((a, m) => a * m, 1);
  if (o.decoupledWeightDecay) w *= 1 - lr * o.weightDecay;
  const d = o.decoupledWeightDecay ? g : grad(o, g, w);
  s.m = b1 * (s.m ?? 0) + (1 - b1) * d;
  s.v = b2 * (s.v ?? 0) + (1 - b2) * d * d;
  const mhat = (mu(t + 1) * s.m) / (1 - product(t + 1)) + ((1 - mu(t)) * d) / (1 - product(t));
  return w - (lr * mhat) / (Math.sqrt(s.v / (1 - b2 ** t)) + 1e-8);
};

interface Case {
  name: string;
  Ctor: new (params: any, options: any) => Optimizer<any>;
  options: Opts;
  rule: (o: Opts) => Rule;
  /** lr on the quadratic and on Rosenbrock. */
  lr: [number, number];
  /** Options of a second group holding the last three coordinates. */
  group?: Opts;
}

const sgdLr: [number, number] = [0.05, 0.004];
const cases: Case[] = [
  { name: 'SGD (gradient descent)', Ctor: SGD, options: {}, rule: sgd, lr: sgdLr },
  { name: 'SGD momentum', Ctor: SGD, options: { momentum: 0.9 }, rule: sgd, lr: sgdLr },
  { name: 'SGD momentum, dampening', Ctor: SGD, options: { momentum: 0.9, dampening: 0.3 }, rule: sgd, lr: sgdLr },
  { name: 'SGD nesterov', Ctor: SGD, options: { momentum: 0.9, nesterov: true }, rule: sgd, lr: sgdLr },
  { name: 'SGD weightDecay', Ctor: SGD, options: { momentum: 0.5, weightDecay: 0.1 }, rule: sgd, lr: sgdLr },
  { name: 'SGD maximize', Ctor: SGD, options: { momentum: 0.9, maximize: true }, rule: sgd, lr: sgdLr },
  { name: 'SGD l1 (proximal)', Ctor: SGD, options: { momentum: 0.9, l1: 2 }, rule: sgd, lr: sgdLr },
  { name: 'SGD velocity form', Ctor: SGD, options: { momentum: 0.9, dampening: 0.3, velocity: true }, rule: velocity, lr: sgdLr },
  { name: 'SGD velocity, look-ahead nesterov', Ctor: SGD, options: { momentum: 0.9, nesterov: true, velocity: true, weightDecay: 0.05 }, rule: velocity, lr: sgdLr },
  { name: 'SGD two groups', Ctor: SGD, options: { momentum: 0.9 }, group: { lr: 0.002, nesterov: true }, rule: sgd, lr: sgdLr },
  { name: 'Adagrad', Ctor: Adagrad, options: {}, rule: adagrad, lr: [0.3, 0.1] },
  { name: 'Adagrad lrDecay, initialAccumulatorValue, weightDecay', Ctor: Adagrad, options: { lrDecay: 0.1, initialAccumulatorValue: 0.5, weightDecay: 0.1 }, rule: adagrad, lr: [0.3, 0.1] },
  { name: 'Adagrad epsInsideSqrt, maximize', Ctor: Adagrad, options: { epsInsideSqrt: true, eps: 1e-3, maximize: true }, rule: adagrad, lr: [0.3, 0.1] },
  { name: 'RMSprop', Ctor: RMSprop, options: {}, rule: rmsprop, lr: [0.01, 0.01] },
  { name: 'RMSprop centered', Ctor: RMSprop, options: { centered: true }, rule: rmsprop, lr: [0.01, 0.01] },
  { name: 'RMSprop momentum', Ctor: RMSprop, options: { momentum: 0.8, alpha: 0.9 }, rule: rmsprop, lr: [0.01, 0.01] },
  { name: 'RMSprop centered, momentum, weightDecay', Ctor: RMSprop, options: { centered: true, momentum: 0.8, weightDecay: 0.1 }, rule: rmsprop, lr: [0.01, 0.01] },
  { name: 'RMSprop epsInsideSqrt, maximize', Ctor: RMSprop, options: { epsInsideSqrt: true, eps: 1e-3, maximize: true }, rule: rmsprop, lr: [0.01, 0.01] },
  { name: 'Adadelta', Ctor: Adadelta, options: {}, rule: adadelta, lr: [1, 1] },
  { name: 'Adadelta rho, eps, weightDecay, maximize', Ctor: Adadelta, options: { rho: 0.8, eps: 1e-4, weightDecay: 0.1, maximize: true }, rule: adadelta, lr: [1, 1] },
  { name: 'Adam', Ctor: Adam, options: {}, rule: (o) => adam(o, false), lr: [0.05, 0.05] },
  { name: 'Adam amsgrad', Ctor: Adam, options: { amsgrad: true, betas: [0.8, 0.9] }, rule: (o) => adam(o, false), lr: [0.05, 0.05] },
  { name: 'Adam weightDecay, maximize', Ctor: Adam, options: { weightDecay: 0.1, maximize: true }, rule: (o) => adam(o, false), lr: [0.05, 0.05] },
  { name: 'Adam epsInsideSqrt', Ctor: Adam, options: { epsInsideSqrt: true, eps: 1e-3 }, rule: (o) => adam(o, false), lr: [0.05, 0.05] },
  { name: 'Adam l1 (proximal)', Ctor: Adam, options: { l1: 0.5 }, rule: (o) => adam(o, false), lr: [0.05, 0.05] },
  { name: 'Adam two groups', Ctor: Adam, options: {}, group: { lr: 0.01, amsgrad: true, weightDecay: 0.2 }, rule: (o) => adam(o, false), lr: [0.05, 0.05] },
  { name: 'AdamW', Ctor: AdamW, options: { weightDecay: 0.1 }, rule: (o) => adam(o, true), lr: [0.05, 0.05] },
  { name: 'AdamW amsgrad, maximize', Ctor: AdamW, options: { weightDecay: 0.1, amsgrad: true, betas: [0.8, 0.9], maximize: true }, rule: (o) => adam(o, true), lr: [0.05, 0.05] },
  { name: 'NAdam', Ctor: NAdam, options: {}, rule: nadam, lr: [0.05, 0.05] },
  { name: 'NAdam weightDecay, momentumDecay', Ctor: NAdam, options: { weightDecay: 0.1, momentumDecay: 0.05 }, rule: nadam, lr: [0.05, 0.05] },
  { name: 'NAdam decoupledWeightDecay', Ctor: NAdam, options: { weightDecay: 0.1, decoupledWeightDecay: true }, rule: nadam, lr: [0.05, 0.05] },
];

const STEPS = 10;
const SIZES = [2, 3];

/** The optimizer's iterates: 10 steps from problem.start, parameters split in two tensors. */
function run(c: Case, problem: Problem, lr: number, backend: Backend): number[][] {
  const params = makeParams(problem.start, SIZES, backend);
  const spec: unknown = c.group ? [{ params: [params[0]] }, { params: [params[1]], ...c.group }] : params;
  const opt = new c.Ctor(spec, { ...c.options, lr });
  // Maximizing −f should follow the same path as minimizing f.
  const sign = c.options.maximize ? -1 : 1;
  const out: number[][] = [];
  for (let t = 1; t <= STEPS; t++) {
    stepOn(problem, params, opt, sign);
    out.push(flat(params));
  }
  opt.dispose();
  params.forEach((p: Tensor) => p.dispose());
  return out;
}

function reference(c: Case, problem: Problem, lr: number): number[][] {
  const coordOptions = problem.start.map((_, i) => ({ lr, ...c.options, ...(i >= SIZES[0] ? c.group : {}) }));
  const rules = coordOptions.map((o) => c.rule(o));
  const states = problem.start.map(() => ({}));
  const sign = c.options.maximize ? -1 : 1;
  let w = [...problem.start];
  const out: number[][] = [];
  for (let t = 1; t <= STEPS; t++) {
    const g = problem.grad(w).map((v) => sign * v);
    w = w.map((wi, i) => rules[i](wi, g[i], states[i], t, coordOptions[i].lr));
    out.push(w);
  }
  return out;
}

const backends: [Backend, number][] = [[js64, 1e-12], [js32, 2e-5], ...wasmBackends.map((b): [Backend, number] => [b, 2e-5])];

describe.each([
  [quadratic.name, quadratic, 0],
  [rosenbrock5.name, rosenbrock5, 1],
] as const)('10-step trajectories on %s', (_problem, problem, which) => {
  it.each(cases.map((c) => [c.name, c] as const))('%s', (_name, c) => {
    const want = reference(c, problem, c.lr[which]);
    // The trajectory must actually move, or agreement would prove nothing.
    expect(relError(want[STEPS - 1], problem.start)).toBeGreaterThan(1e-3);
    for (const [backend, tolerance] of backends) {
      const got = run(c, problem, c.lr[which], backend);
      got.forEach((w, t) => expect(relError(w, want[t]), `${backend.label} step ${t + 1}: ${w} vs ${want[t]}`).toBeLessThan(tolerance));
    }
  });
});
