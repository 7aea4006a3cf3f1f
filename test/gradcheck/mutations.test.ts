// A wrong vjp in each op family must be rejected. Each row re-declares a
// built-in op with defineOp twice: with the op's own vjp written out (the
// control, which must pass) and with one realistic single-line bug (which
// must fail, in full and in fast mode, naming an entry).
import { describe, expect, it } from 'vitest';
import * as sg from '../../src/index.js';
import type { NestedArray, Tensor } from '../../src/index.js';

type Vjp = (g: Tensor, inputs: readonly Tensor[], out: Tensor) => Tensor[];

interface Mutation {
  family: string;
  bug: string;
  forward: (...xs: Tensor[]) => Tensor;
  right: Vjp;
  wrong: Vjp;
  inputs: NestedArray[];
  /** fn of the custom op (default: the op itself). */
  wrap?: (op: (...xs: Tensor[]) => Tensor) => (...xs: Tensor[]) => Tensor;
}

const F = sg.nn.functional;
const ints = (values: number[], like: Tensor) => sg.tensor(new Int32Array(values), undefined, { backend: like.backend });
const sq3 = [[0.5, -1.2, 2], [1.5, 0.3, -0.7], [-2, 0.9, 1.1]];
const sq3b = [[1.1, 0.4, -0.3], [-0.6, 2.2, 0.8], [0.2, -1.4, 0.5]];

const mutations: Mutation[] = [
  {
    family: 'arithmetic', bug: 'sub: the gradient of b keeps its sign',
    forward: (a, b) => sg.sub(a, b), inputs: [[1, -2, 3], [0.5, 4, -1]],
    right: (g) => [g, sg.neg(g)], wrong: (g) => [g, g],
  },
  {
    family: 'arithmetic', bug: 'mul: each input gets the gradient scaled by itself',
    forward: (a, b) => sg.mul(a, b), inputs: [[1, -2, 3], [0.5, 4, -1]],
    right: (g, [a, b]) => [sg.mul(g, b), sg.mul(g, a)], wrong: (g, [a, b]) => [sg.mul(g, a), sg.mul(g, b)],
  },
  {
    family: 'arithmetic', bug: 'div: d(a/b)/db loses its minus sign',
    forward: (a, b) => sg.div(a, b), inputs: [[1, -2, 3], [0.5, 4, -1.5]],
    right: (g, [, b], y) => [sg.div(g, b), sg.neg(sg.div(sg.mul(g, y), b))], wrong: (g, [, b], y) => [sg.div(g, b), sg.div(sg.mul(g, y), b)],
  },
  {
    family: 'broadcasting', bug: 'add with a row: the row gradient is the mean over rows instead of the sum',
    forward: (a, b) => sg.add(a, b), inputs: [[[1, 2], [3, 4], [5, 6]], [0.5, -0.5]],
    right: (g) => [g, sg.sum(g, 0)], wrong: (g) => [g, sg.mean(g, 0)],
  },
  {
    family: 'maps', bug: 'exp: g·x instead of g·exp(x)',
    forward: (x) => sg.exp(x), inputs: [[0.3, -1, 2]],
    right: (g, _x, y) => [sg.mul(g, y)], wrong: (g, [x]) => [sg.mul(g, x)],
  },
  {
    family: 'maps', bug: 'sqrt: g/sqrt(x), the factor 1/2 missing',
    forward: (x) => sg.sqrt(x), inputs: [[0.3, 1, 2.5]],
    right: (g, _x, y) => [sg.div(g, sg.mul(y, 2))], wrong: (g, _x, y) => [sg.div(g, y)],
  },
  {
    family: 'maps', bug: 'pow 3: 3·x instead of 3·x²',
    forward: (x) => sg.pow(x, 3), inputs: [[0.3, -1, 2]],
    right: (g, [x]) => [sg.mul(g, sg.mul(sg.square(x), 3))], wrong: (g, [x]) => [sg.mul(g, sg.mul(x, 3))],
  },
  {
    family: 'maps', bug: 'log1p: 1/x instead of 1/(1 + x)',
    forward: (x) => sg.log1p(x), inputs: [[0.3, 1, 2.5]],
    right: (g, [x]) => [sg.div(g, sg.add(x, 1))], wrong: (g, [x]) => [sg.div(g, x)],
  },
  {
    family: 'kinks', bug: 'maximum: a tie gives the whole gradient to both inputs',
    forward: (a, b) => sg.maximum(a, b), inputs: [[1, 2, -3], [1, 0, -3]],
    right: (g, [a, b]) => {
      const [x, y] = [Array.from(a.data()), Array.from(b.data())];
      const w = x.map((v, i) => (v > y[i] ? 1 : v < y[i] ? 0 : 0.5));
      return [sg.mul(g, sg.tensor(w, a.shape, { backend: a.backend })), sg.mul(g, sg.tensor(w.map((v) => 1 - v), b.shape, { backend: b.backend }))];
    },
    wrong: (g, [a, b]) => {
      const [x, y] = [Array.from(a.data()), Array.from(b.data())];
      const wa = x.map((v, i) => (v >= y[i] ? 1 : 0));
      const wb = x.map((v, i) => (v <= y[i] ? 1 : 0));
      return [sg.mul(g, sg.tensor(wa, a.shape, { backend: a.backend })), sg.mul(g, sg.tensor(wb, b.shape, { backend: b.backend }))];
    },
  },
  {
    family: 'kinks', bug: 'clamp: the gradient stops at the bounds and passes outside them',
    forward: (x) => sg.clamp(x, -1, 1), inputs: [[1, -1, 0.5, 3]],
    right: (g, [x]) => [sg.mul(g, sg.tensor(Array.from(x.data(), (v) => (Math.abs(v) <= 1 ? 1 : 0)), x.shape, { backend: x.backend }))],
    wrong: (g, [x]) => [sg.mul(g, sg.tensor(Array.from(x.data(), (v) => (Math.abs(v) < 1 ? 1 : 2)), x.shape, { backend: x.backend }))],
  },
  {
    family: 'reductions', bug: 'mean: the 1/n is missing',
    forward: (x) => sg.mean(x, 1), inputs: [[[1, 2, 3], [-1, 0.5, 4]]],
    right: (g, [x]) => [sg.expand(sg.div(sg.reshape(g, [2, 1]), 3), x.shape)], wrong: (g, [x]) => [sg.expand(sg.reshape(g, [2, 1]), x.shape)],
  },
  {
    family: 'reductions', bug: 'max over all: every tied element gets the whole gradient',
    forward: (x) => sg.max(x), inputs: [[3, 1, 3]],
    right: (g, [x], y) => {
      const [v, top] = [Array.from(x.data()), y.item()];
      const k = v.filter((a) => a === top).length;
      return [sg.mul(g, sg.tensor(v.map((a) => (a === top ? 1 / k : 0)), x.shape, { backend: x.backend }))];
    },
    wrong: (g, [x], y) => [sg.mul(g, sg.tensor(Array.from(x.data(), (a) => (a === y.item() ? 1 : 0)), x.shape, { backend: x.backend }))],
  },
  {
    family: 'matmul', bug: 'dB = A·G, the transpose of A missing',
    forward: (a, b) => sg.matmul(a, b), inputs: [sq3, sq3b],
    right: (g, [a, b]) => [sg.matmul(g, sg.transpose(b)), sg.matmul(sg.transpose(a), g)],
    wrong: (g, [a, b]) => [sg.matmul(g, sg.transpose(b)), sg.matmul(a, g)],
  },
  {
    family: 'shape', bug: 'transpose: the gradient is passed back untransposed',
    forward: (x) => sg.transpose(x), inputs: [sq3],
    right: (g) => [sg.transpose(g)], wrong: (g) => [g],
  },
  {
    family: 'shape', bug: 'slice: the gradient is padded in at offset 0 instead of begin',
    forward: (x) => sg.slice(x, [1], [2]), inputs: [[1, 2, 3, 4]],
    right: (g) => [sg.concat([sg.zeros([1], { backend: g.backend }), g, sg.zeros([1], { backend: g.backend })])],
    wrong: (g) => [sg.concat([g, sg.zeros([2], { backend: g.backend })])],
  },
  {
    family: 'shape', bug: 'concat: the gradient is split in the wrong order',
    forward: (a, b) => sg.concat([a, b]), inputs: [[1, 2], [3, 4]],
    right: (g) => [sg.slice(g, [0], [2]), sg.slice(g, [2], [2])], wrong: (g) => [sg.slice(g, [2], [2]), sg.slice(g, [0], [2])],
  },
  {
    family: 'indexing', bug: 'gather: the rows are scattered back one row off',
    forward: (x) => sg.gather(x, ints([0, 2, 2], x)), inputs: [[[1, 2], [3, 4], [5, 6]]],
    right: (g, [x]) => [sg.matmul(sg.transpose(sg.tensor([[1, 0, 0], [0, 0, 1], [0, 0, 1]], undefined, { backend: x.backend })), g)],
    wrong: (g, [x]) => [sg.matmul(sg.transpose(sg.tensor([[0, 1, 0], [1, 0, 0], [1, 0, 0]], undefined, { backend: x.backend })), g)],
  },
  {
    family: 'indexing', bug: 'pick: the gradient goes to the next column',
    forward: (x) => sg.pick(x, ints([1, 0], x)), inputs: [[[1, 2, 3], [4, 5, 6]]],
    right: (g, [x]) => [sg.mul(sg.reshape(g, [2, 1]), sg.tensor([[0, 1, 0], [1, 0, 0]], undefined, { backend: x.backend }))],
    wrong: (g, [x]) => [sg.mul(sg.reshape(g, [2, 1]), sg.tensor([[0, 0, 1], [0, 1, 0]], undefined, { backend: x.backend }))],
  },
  {
    family: 'losses', bug: 'cross-entropy (mean): softmax - one-hot without the 1/N',
    forward: (x) => sg.losses.crossEntropy(x, [2, 0]), inputs: [[[1, 2, 0.5], [0.3, -1, 2]]],
    right: (g, [x]) => [sg.mul(sg.sub(F.softmax(x), sg.tensor([[0, 0, 1], [1, 0, 0]], undefined, { backend: x.backend })), sg.div(g, 2))],
    wrong: (g, [x]) => [sg.mul(sg.sub(F.softmax(x), sg.tensor([[0, 0, 1], [1, 0, 0]], undefined, { backend: x.backend })), g)],
  },
  {
    family: 'losses', bug: 'hinge (sum): +y instead of -y on the violated margins',
    forward: (s) => sg.losses.hinge(s, [1, -1, 1], { reduction: 'sum' }), inputs: [[0.2, 0.5, 3]],
    right: (g, [s]) => [sg.mul(g, sg.tensor([-1, 1, 0], s.shape, { backend: s.backend }))],
    wrong: (g, [s]) => [sg.mul(g, sg.tensor([1, -1, 0], s.shape, { backend: s.backend }))],
  },
  {
    family: 'activations', bug: 'sigmoid: y(1 + y) instead of y(1 - y)',
    forward: (x) => F.sigmoid(x), inputs: [[0.3, -1, 2]],
    right: (g, _x, y) => [sg.mul(g, sg.mul(y, sg.sub(1, y)))], wrong: (g, _x, y) => [sg.mul(g, sg.mul(y, sg.add(y, 1)))],
  },
  {
    family: 'activations', bug: 'softmax: y·g, the -y·Σ(y·g) term missing',
    forward: (x) => F.softmax(x), inputs: [[0.3, -1, 2]],
    right: (g, _x, y) => [sg.mul(y, sg.sub(g, sg.sum(sg.mul(y, g))))], wrong: (g, _x, y) => [sg.mul(y, g)],
  },
  {
    family: 'activations', bug: 'leakyRelu: slope 1 below 0',
    forward: (x) => F.leakyRelu(x, 0.1), inputs: [[0.3, -1, 2, -0.5]],
    right: (g, [x]) => [sg.mul(g, sg.tensor(Array.from(x.data(), (v) => (v > 0 ? 1 : 0.1)), x.shape, { backend: x.backend }))],
    wrong: (g, [x]) => [sg.mul(g, sg.tensor(Array.from(x.data(), () => 1), x.shape, { backend: x.backend }))],
  },
  {
    family: 'composite', bug: 'a linear layer inside relu and a sum: dW·1.05',
    forward: (x, w) => sg.matmul(x, w), inputs: [[[1, 2]], [[1, -1], [1, 1]]],
    wrap: (op) => (x, w) => sg.sum(sg.relu(op(x, w))),
    right: (g, [x, w]) => [sg.matmul(g, sg.transpose(w)), sg.matmul(sg.transpose(x), g)],
    wrong: (g, [x, w]) => [sg.matmul(g, sg.transpose(w)), sg.mul(sg.matmul(sg.transpose(x), g), 1.05)],
  },
];

let count = 0;
const declare = (m: Mutation, vjp: Vjp) => {
  const op = sg.defineOp({ name: `mutation.${count++}`, forward: (...xs) => m.forward(...xs), vjp });
  return (m.wrap ?? ((f) => f))(op);
};

describe('a wrong vjp in each op family is rejected', () => {
  it.each(mutations.map((m) => [`${m.family}: ${m.bug}`, m] as const))('%s', (_name, m) => {
    const right = declare(m, m.right);
    const wrong = declare(m, m.wrong);
    for (const mode of ['full', 'fast'] as const) {
      expect(sg.gradcheck(right, m.inputs, { mode }).failures, `control, ${mode}`).toEqual([]);
      const report = sg.gradcheck(wrong, m.inputs, { mode });
      expect(report.ok, mode).toBe(false);
      expect(report.failures.length).toBeGreaterThan(0);
      // Re-run in full mode when fast fails: the failures name an input and an element.
      expect(report.failures.some((f) => f.input >= 0 && f.index >= 0 || (f.direction?.length ?? 0) > 0), mode).toBe(true);
    }
  });
});
