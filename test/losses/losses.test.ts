// Every loss: the lecture values, closed forms written out here, gradcheck
// (float64 js) at random points and at the exact kinks, Wasm float32 against
// js float64 at awkward sizes, and the typed errors for bad input.
import { describe, expect, it } from 'vitest';
import {
  ArgumentError, BackendError, ShapeError, gradcheck, losses, nn, scope, tensor, type Tensor,
} from '../../src/index.js';
import { describeOpTable } from '../helpers/optable.js';
import { js32, js64, wasmBackends } from '../helpers/backends.js';

const F = nn.functional;
const backends = [js64, ...wasmBackends].map((b) => [b.label, b] as const);
const on = (x: Tensor, values: number[], shape?: number[]) => tensor(values, shape, { backend: x.backend });
const values = (t: Tensor) => Array.from(t.data());

/** Deterministic labels for a size: class indices and ±1 / 0-1 labels. */
const classesFor = (rows: number, classes: number) => Array.from({ length: rows }, (_, i) => (i * 5 + 2) % classes);
const signsFor = (n: number) => Array.from({ length: n }, (_, i) => (i % 3 === 0 ? -1 : 1));
const bitsFor = (n: number) => Array.from({ length: n }, (_, i) => i % 2);
/** Every third label replaced by −100, PyTorch's default ignoreIndex. */
const ignoring = (labels: number[]) => labels.map((c, i) => (i % 3 === 1 ? -100 : c));
const positive = (g: { uniform(): number }) => 0.2 + 3 * g.uniform();

describeOpTable('regression losses', [
  { name: 'mse', fn: (x, y) => losses.mse(x, y), shapes: (n) => [[n], [n]] },
  { name: "mse, 'none'", fn: (x, y) => losses.mse(x, y, { reduction: 'none' }), shapes: (n) => [[2, n], [2, n]] },
  { name: 'mae', fn: (x, y) => losses.mae(x, y, { reduction: 'sum' }), shapes: (n) => [[n], [n]], kinks: [[[1, 2, 0], [1, 0, 0]]] },
  { name: 'msle', fn: (x, y) => losses.msle(x, y), shapes: (n) => [[n], [n]], sample: positive },
  { name: 'msle, base 10', fn: (x, y) => losses.msle(x, y, { base: 10, reduction: 'sum' }), shapes: (n) => [[n], [n]], sample: positive },
  { name: 'huber', fn: (x, y) => losses.huber(x, y, { delta: 0.5 }), shapes: (n) => [[n], [n]] },
  { name: 'smoothL1', fn: (x, y) => losses.smoothL1(x, y, { beta: 0.5 }), shapes: (n) => [[n], [n]] },
  {
    name: 'smoothL1, beta 0',
    fn: (x, y) => losses.smoothL1(x, y, { beta: 0, reduction: 'sum' }),
    shapes: (n) => [[n], [n]],
    kinks: [[[0.5, 2], [0.5, 1]]],
  },
  {
    name: 'gaussianNll, one variance per row',
    fn: (x, y, v) => losses.gaussianNll(x, y, F.softplus(v), { full: true }),
    shapes: (n) => [[n, 2], [n, 2], [n, 1]],
  },
  { name: 'gaussianNll, per element', fn: (x, y, v) => losses.gaussianNll(x, y, v.square().add(0.1)), shapes: (n) => [[n], [n], [n]] },
  {
    name: 'gaussianNllPrecision (learnable β)',
    fn: (x, y, b) => losses.gaussianNllPrecision(x, y, b.exp(), { reduction: 'sum' }),
    shapes: (n) => [[n], [n], [1]],
  },
]);

describeOpTable('classification losses', [
  { name: 'crossEntropy, sparse', fn: (x) => losses.crossEntropy(x, classesFor(x.shape[0], 4)), shapes: (n) => [[n, 4]] },
  {
    name: "crossEntropy, sparse, label smoothing, 'none'",
    fn: (x) => losses.crossEntropy(x, classesFor(2, x.shape[1]), { labelSmoothing: 0.1, reduction: 'none' }),
    shapes: (n) => [[2, n + 1]],
  },
  {
    name: 'crossEntropy, sparse, class weights and smoothing',
    fn: (x) => losses.crossEntropy(x, classesFor(x.shape[0], 3), { weight: on(x, [0.5, 2, 1]), labelSmoothing: 0.2 }),
    shapes: (n) => [[n, 3]],
  },
  { name: 'crossEntropy, dense target', fn: (x, t) => losses.crossEntropy(x, F.softmax(t), { reduction: 'sum' }), shapes: (n) => [[n, 3], [n, 3]] },
  {
    name: 'crossEntropy, dense target, weights and smoothing',
    fn: (x, t) => losses.crossEntropy(x, F.softmax(t), { weight: on(x, [1, 3]), labelSmoothing: 0.3, reduction: 'none' }),
    shapes: (n) => [[n, 2], [n, 2]],
  },
  {
    name: 'crossEntropy, [B, C, d] with ignored targets',
    fn: (x) => losses.crossEntropy(x, ignoring(classesFor(2 * x.shape[2], 3)), { labelSmoothing: 0.1 }),
    shapes: (n) => [[2, 3, n]],
  },
  {
    name: "crossEntropy, [B, C, h, w], weights, ignoreIndex 1, 'none'",
    fn: (x) => losses.crossEntropy(x, tensor(new Int32Array(classesFor(2 * x.shape[2] * 2, 4)), [2, x.shape[2], 2], { backend: x.backend }), {
      weight: on(x, [0.5, 2, 1, 3]), ignoreIndex: 1, reduction: 'none',
    }),
    shapes: (n) => [[2, 4, n, 2]],
  },
  {
    name: 'crossEntropy, dense target [B, C, d]',
    fn: (x, t) => losses.crossEntropy(x, F.softmax(t, 1), { labelSmoothing: 0.2 }),
    shapes: (n) => [[2, 3, n], [2, 3, n]],
  },
  { name: 'nllLoss', fn: (x) => losses.nllLoss(F.logSoftmax(x), classesFor(x.shape[0], 3)), shapes: (n) => [[n, 3]] },
  {
    name: 'nllLoss, [B, C, d], weighted, with ignored targets',
    fn: (x) => losses.nllLoss(x, ignoring(classesFor(2 * x.shape[2], 3)), { weight: on(x, [0.2, 1, 4]) }),
    shapes: (n) => [[2, 3, n]],
  },
  {
    name: 'nllLoss, weighted',
    fn: (x) => losses.nllLoss(x, classesFor(x.shape[0], 3), { weight: on(x, [0.2, 1, 4]) }),
    shapes: (n) => [[n, 3]],
  },
  {
    name: "klDiv, 'batchmean'",
    fn: (x, t) => losses.klDiv(F.logSoftmax(x), F.softmax(t), { reduction: 'batchmean' }),
    shapes: (n) => [[n, 3], [n, 3]],
  },
  {
    name: 'klDiv, log target',
    fn: (x, t) => losses.klDiv(F.logSoftmax(x), F.logSoftmax(t), { logTarget: true, reduction: 'none' }),
    shapes: (n) => [[2, n], [2, n]],
  },
  {
    name: 'binaryCrossEntropy',
    fn: (p, y) => losses.binaryCrossEntropy(F.sigmoid(p), F.sigmoid(y), { weight: on(p, [2]) }),
    shapes: (n) => [[n], [n]],
  },
  {
    name: 'binaryCrossEntropyWithLogits, posWeight per class',
    fn: (x, y) => losses.binaryCrossEntropyWithLogits(x, F.sigmoid(y), { posWeight: on(x, [0.5, 3]) }),
    shapes: (n) => [[n, 2], [n, 2]],
  },
  {
    name: "binaryCrossEntropyWithLogits, 'none', weight",
    fn: (x, y) => losses.binaryCrossEntropyWithLogits(x, F.sigmoid(y), { reduction: 'none', weight: on(x, [3]), posWeight: 2 }),
    shapes: (n) => [[n], [n]],
  },
]);

describeOpTable('margin losses', [
  { name: 'hinge', fn: (s) => losses.hinge(s, signsFor(s.size)), shapes: (n) => [[n]], kinks: [[[-1, 1, 0.5]]] },
  { name: 'squaredHinge', fn: (s) => losses.squaredHinge(s, signsFor(s.size)), shapes: (n) => [[n]] },
  { name: 'perceptron', fn: (s) => losses.perceptron(s, signsFor(s.size)), shapes: (n) => [[n]], kinks: [[[0, 0, 1]]] },
  { name: 'softMargin', fn: (s) => losses.softMargin(s, signsFor(s.size)), shapes: (n) => [[2, n]], sample: (g) => 5 * g.normal() },
  {
    name: 'crammerSingerHinge',
    fn: (s) => losses.crammerSingerHinge(s, classesFor(s.shape[0], 3)),
    shapes: (n) => [[n, 3]],
    // labels [2, 1]: row 0 on the margin (0 − 1 + 1 = 0), row 1 a tie of classes 0 and 2.
    kinks: [[[[0, -5, 1], [2, 1, 2]]]],
  },
  {
    name: "crammerSingerHinge, margin 2, 'none'",
    fn: (s) => losses.crammerSingerHinge(s, classesFor(s.shape[0], 5), { margin: 2, reduction: 'none' }),
    shapes: (n) => [[n, 5]],
  },
  {
    name: 'multiclassHinge',
    fn: (s) => losses.multiclassHinge(s, classesFor(s.shape[0], 3)),
    shapes: (n) => [[n, 3]],
    // labels [2, 1]: row 0 ties s_0 - s_2 + 1 = 0, row 1 ties s_2 - s_1 + 1 = 0.
    kinks: [[[[0, -5, 1], [2, 1, 0]]]],
  },
  {
    name: 'multiclassHinge, squared, margin 2',
    fn: (s) => losses.multiclassHinge(s, classesFor(s.shape[0], 4), { squared: true, margin: 2, reduction: 'none' }),
    shapes: (n) => [[n, 4]],
  },
  {
    name: 'multiMargin, p = 2, weighted',
    fn: (s) => losses.multiMargin(s, classesFor(s.shape[0], 3), { p: 2, weight: on(s, [1, 0.5, 2]) }),
    shapes: (n) => [[n, 3]],
  },
  { name: 'multiMargin', fn: (s) => losses.multiMargin(s, classesFor(s.shape[0], 3)), shapes: (n) => [[n, 3]], kinks: [[[[0, -5, 1], [2, 1, 0]]]] },
  {
    name: 'tripletMargin',
    fn: (a, p, n) => losses.tripletMargin(a, p, n, { margin: 5, eps: 0 }),
    shapes: (n) => [[n, 2], [n, 2], [n, 2]],
    kinks: [[[[0, 0]], [[3, 4]], [[6, 8]]]],
  },
  {
    name: 'tripletMargin, p = 1, swap',
    fn: (a, p, n) => losses.tripletMargin(a, p, n, { p: 1, swap: true, margin: 2, reduction: 'none' }),
    shapes: (n) => [[n, 3], [n, 3], [n, 3]],
  },
  {
    name: 'tripletMargin, a = p with eps 0',
    fn: (a, p, n) => losses.tripletMargin(a, p, n, { margin: 10, eps: 0, reduction: 'sum' }),
    shapes: (n) => [[n, 2], [n, 2], [n, 2]],
    kinks: [[[[1, 1]], [[1, 1]], [[4, 5]]]],
  },
  {
    name: 'batchHardTripletLoss',
    fn: (e) => losses.batchHardTripletLoss(e, Array.from({ length: e.shape[0] }, (_, i) => i % 3), { margin: 2 }),
    shapes: (n) => [[n + 5, 2]],
    // Anchor 0: positive 1 at distance 1, negative 2 at 3, zero slack at margin 2; rows 0 and 3 coincide.
    kinks: [[[[0, 0], [1, 0], [3, 0], [0, 0], [5, 5]]]],
  },
  { name: 'contrastive', fn: (a, b) => losses.contrastive(a, b, bitsFor(a.shape[0]), { margin: 2 }), shapes: (n) => [[n, 3], [n, 3]] },
  {
    name: 'contrastive, eps 0, at D = 0',
    fn: (a, b) => losses.contrastive(a, b, bitsFor(a.shape[0]), { margin: 2, eps: 0 }),
    shapes: (n) => [[n, 3], [n, 3]],
    // Pair 0 similar and pair 1 dissimilar, both at D = 0.
    kinks: [[[[1, 2, 3], [0, 1, 0]], [[1, 2, 3], [0, 1, 0]]]],
  },
  { name: 'pairwiseDistance', fn: (a, b) => losses.pairwiseDistance(a, b), shapes: (n) => [[n, 3], [n, 3]] },
  {
    name: 'pairwiseDistance, p = 1, eps 0, keepdim',
    fn: (a, b) => losses.pairwiseDistance(a, b, { p: 1, eps: 0, keepdim: true }),
    shapes: (n) => [[n, 3], [n, 3]],
    kinks: [[[[1, 2, 3]], [[1, 0, 3]]]],
  },
  { name: 'cosineSimilarity', fn: (a, b) => losses.cosineSimilarity(a, b), shapes: (n) => [[n, 4], [n, 4]] },
  {
    name: 'cosineEmbedding',
    fn: (a, b) => losses.cosineEmbedding(a, b, signsFor(a.shape[0]), { reduction: 'sum' }),
    shapes: (n) => [[n, 3], [n, 3]],
    kinks: [[[[1, 0]], [[0, 1]]]],
  },
]);

describeOpTable('regularizers', [
  { name: 'l1', fn: (p, q) => losses.l1([p, q], 0.3), shapes: (n) => [[n], [2, n]], kinks: [[[0, 1], [[0, -2], [3, 0]]]] },
  { name: 'l2', fn: (p, q) => losses.l2([p, q], 0.3), shapes: (n) => [[n], [2, n]] },
  { name: 'l2, with ½', fn: (p) => losses.l2(p, 0.3, { half: true }), shapes: (n) => [[n]] },
  { name: 'elasticNet', fn: (p) => losses.elasticNet(p, 0.3, 0.1), shapes: (n) => [[n]], kinks: [[[0, 1, -1]]] },
]);

describe('the lectures’ values', () => {
  it.each(backends)('cross-entropy of scores [3.2, 5.1, -1.7] for class 0 is 2.04 (%s)', (_l, backend) => {
    scope(() => {
      const s = tensor([[3.2, 5.1, -1.7]], undefined, { backend, requiresGrad: true });
      const loss = losses.crossEntropy(s, [0]);
      const z = Math.exp(3.2) + Math.exp(5.1) + Math.exp(-1.7);
      expect(loss.item()).toBeCloseTo(2.04, 2);
      expect(loss.item()).toBeCloseTo(-Math.log(Math.exp(3.2) / z), 5);
      loss.backward();
      // softmax - onehot
      values(s.grad!).forEach((g, j) => expect(g).toBeCloseTo(Math.exp([3.2, 5.1, -1.7][j]) / z - (j === 0 ? 1 : 0), 6));
      s.grad!.dispose();
    });
  });

  it.each(backends)('multiclass hinge with Δ = 1: 2.9, 0 and 12.9, batch mean 5.27; doubling image 2 still gives 0 (%s)', (_l, backend) => {
    scope(() => {
      const s = tensor([[3.2, 5.1, -1.7], [1.3, 4.9, 2.0], [2.2, 2.5, -3.1]], undefined, { backend });
      const each = values(losses.multiclassHinge(s, [0, 1, 2], { reduction: 'none' }));
      // Σ_{j≠y} max(0, s_j - s_y + 1), written out:
      expect(each[0]).toBeCloseTo(Math.max(0, 5.1 - 3.2 + 1) + Math.max(0, -1.7 - 3.2 + 1), 5);
      expect(each[0]).toBeCloseTo(2.9, 5);
      expect(each[1]).toBe(0);
      expect(each[2]).toBeCloseTo(Math.max(0, 2.2 + 3.1 + 1) + Math.max(0, 2.5 + 3.1 + 1), 5);
      expect(each[2]).toBeCloseTo(12.9, 5);
      expect(losses.multiclassHinge(s, [0, 1, 2]).item()).toBeCloseTo(5.27, 2);
      expect(losses.multiclassHinge(tensor([[2.6, 9.8, 4.0]], undefined, { backend }), [1]).item()).toBe(0);
      // PyTorch's multiMargin is the same sum divided by C = 3.
      expect(losses.multiMargin(s, [0, 1, 2]).item()).toBeCloseTo(5.266667 / 3, 5);
    });
  });

  it.each(backends)('scores [10,-2,3], [10,9,9], [10,-100,-100], label 0: hinge 0; cross-entropy positive, finite, ≈ 0 for the last (%s)', (_l, backend) => {
    scope(() => {
      const s = tensor([[10, -2, 3], [10, 9, 9], [10, -100, -100]], undefined, { backend, requiresGrad: true });
      expect(values(losses.multiclassHinge(s, [0, 0, 0], { reduction: 'none' }))).toEqual([0, 0, 0]);
      const ce = losses.crossEntropy(s, [0, 0, 0], { reduction: 'none' });
      const [a, b, c] = values(ce);
      expect(a).toBeCloseTo(Math.log1p(Math.exp(-12) + Math.exp(-7)), 6);
      expect(b).toBeCloseTo(Math.log1p(2 * Math.exp(-1)), 6);
      expect(a).toBeGreaterThan(0);
      expect(b).toBeGreaterThan(0);
      expect(Number.isNaN(c)).toBe(false);
      expect(c).toBeCloseTo(0, 6);
      ce.sum().backward();
      expect(values(s.grad!).every(Number.isFinite)).toBe(true);
      s.grad!.dispose();
    });
  });

  it.each(backends)('coin: p = [0.3, 0.7], y = [0, 1] gives likelihood 0.7 and cross-entropy -ln 0.7 (%s)', (_l, backend) => {
    scope(() => {
      const p = tensor([[0.3, 0.7]], undefined, { backend });
      const y = tensor([[0, 1]], undefined, { backend });
      const nll = losses.nllLoss(p.log(), [1]).item();
      expect(Math.exp(-nll)).toBeCloseTo(0.7, 6);
      expect(nll).toBeCloseTo(-Math.log(0.7), 6);
      // From logits ln p (softmax(ln p) = p), dense and sparse targets, and as one binary outcome.
      expect(losses.crossEntropy(p.log(), y).item()).toBeCloseTo(-Math.log(0.7), 6);
      expect(losses.crossEntropy(p.log(), [1]).item()).toBeCloseTo(-Math.log(0.7), 6);
      expect(losses.binaryCrossEntropy(tensor([0.7], undefined, { backend }), tensor([1], undefined, { backend })).item()).toBeCloseTo(-Math.log(0.7), 6);
    });
  });

  it.each(backends)('MSLE with base-10 logs: 0.02861, 0.03101, 0.07886, 0.02861 (%s)', (_l, backend) => {
    scope(() => {
      const truth = tensor([30, 30000, 20, 20], undefined, { backend });
      const pred = tensor([20, 20000, 10, 30], undefined, { backend });
      const got = values(losses.msle(pred, truth, { base: 10, reduction: 'none' }));
      [0.02861, 0.03101, 0.07886, 0.02861].forEach((want, i) => expect(got[i]).toBeCloseTo(want, 5));
      const natural = values(losses.msle(pred, truth, { reduction: 'none' }));
      natural.forEach((v, i) => expect(v).toBeCloseTo(got[i] * Math.LN10 ** 2, 5));
    });
  });

  it.each(backends)('logits of ±1000: cross-entropy and BCE with logits are finite and exact, with exact gradients (%s)', (_l, backend) => {
    scope(() => {
      const s = tensor([[1000, -1000], [1000, -1000]], undefined, { backend, requiresGrad: true });
      const ce = losses.crossEntropy(s, [0, 1], { reduction: 'none' });
      expect(values(ce)).toEqual([0, 2000]);
      ce.sum().backward();
      expect(values(s.grad!)).toEqual([0, 0, 1, -1]);
      s.grad!.dispose();

      const x = tensor([1000, -1000, 1000, -1000], undefined, { backend, requiresGrad: true });
      const bce = losses.binaryCrossEntropyWithLogits(x, tensor([1, 1, 0, 0], undefined, { backend }), { reduction: 'none' });
      expect(values(bce)).toEqual([0, 1000, 1000, 0]);
      bce.sum().backward();
      // σ(x) - y
      expect(values(x.grad!)).toEqual([0, -1, 1, 0]);
      x.grad!.dispose();
    });
  });

  it.each(backends)('BCE at p = 0 and 1: logs clamped at -100, gradients finite as PyTorch, (p - y) / max(p(1 - p), 1e-12) (%s)', (_l, backend) => {
    scope(() => {
      const p = tensor([0, 1, 0, 1, 0.25], undefined, { backend, requiresGrad: true });
      const y = tensor([0, 1, 1, 0, 1], undefined, { backend });
      const l = losses.binaryCrossEntropy(p, y, { reduction: 'none' });
      const got = values(l);
      [0, 0, 100, 100, -Math.log(0.25)].forEach((want, i) => expect(got[i]).toBeCloseTo(want, 5));
      l.sum().backward();
      const g = values(p.grad!);
      expect(g.slice(0, 2)).toEqual([0, 0]);
      expect(g[2] / -1e12).toBeCloseTo(1, 5);
      expect(g[3] / 1e12).toBeCloseTo(1, 5);
      expect(g[4]).toBeCloseTo(-1 / 0.25, 5);
      p.grad!.dispose();
    });
  });
});

describe('closed forms and equivalences', () => {
  const x = [[0.5, -1, 2, 0], [1, 1, -3, 0.25]];
  const labels = [2, 0];

  it.each(backends)('sparse cross-entropy = dense one-hot = nllLoss(logSoftmax); smoothing and class weights as PyTorch defines them (%s)', (_l, backend) => {
    scope(() => {
      const s = tensor(x, undefined, { backend });
      const C = 4;
      const logp = x.map((row) => row.map((v) => v - Math.log(row.reduce((a, b) => a + Math.exp(b), 0))));
      const plain = -(logp[0][2] + logp[1][0]) / 2;
      expect(losses.crossEntropy(s, labels).item()).toBeCloseTo(plain, 5);
      expect(losses.crossEntropy(s, tensor([[0, 0, 1, 0], [1, 0, 0, 0]], undefined, { backend })).item()).toBeCloseTo(plain, 5);
      expect(losses.nllLoss(F.logSoftmax(s), labels).item()).toBeCloseTo(plain, 5);
      expect(losses.crossEntropy(s, labels, { reduction: 'sum' }).item()).toBeCloseTo(2 * plain, 5);
      // Smoothing ε: (1 - ε)·nll + (ε / C)·Σ_c -log p_c, per row.
      const eps = 0.2;
      const smooth = (r: number, y: number) => (1 - eps) * -logp[r][y] + (eps / C) * logp[r].reduce((a, b) => a - b, 0);
      expect(losses.crossEntropy(s, labels, { labelSmoothing: eps }).item()).toBeCloseTo((smooth(0, 2) + smooth(1, 0)) / 2, 5);
      // Weights w: Σ_n w[y_n]·nll_n / Σ_n w[y_n] for the mean.
      const w = [0.5, 1, 3, 2];
      const weighted = (w[2] * -logp[0][2] + w[0] * -logp[1][0]) / (w[2] + w[0]);
      expect(losses.crossEntropy(s, labels, { weight: tensor(w, undefined, { backend }) }).item()).toBeCloseTo(weighted, 5);
      expect(losses.nllLoss(F.logSoftmax(s), labels, { weight: tensor(w, undefined, { backend }) }).item()).toBeCloseTo(weighted, 5);
      // Weights with smoothing: (1 - ε)·w[y]·nll + (ε / C)·Σ_c w[c]·(-log p_c), divided by Σ w[y_n].
      const both = (r: number, y: number) => (1 - eps) * w[y] * -logp[r][y] + (eps / C) * logp[r].reduce((a, b, c) => a - w[c] * b, 0);
      expect(losses.crossEntropy(s, labels, { weight: tensor(w, undefined, { backend }), labelSmoothing: eps }).item())
        .toBeCloseTo((both(0, 2) + both(1, 0)) / (w[2] + w[0]), 5);
    });
  });

  it.each(backends)('regression losses equal their formulas (%s)', (_l, backend) => {
    scope(() => {
      const p = [0.5, -2, 3, 0.1];
      const t = [1, 1, -1, 0.1];
      const [pt, tt] = [tensor(p, undefined, { backend }), tensor(t, undefined, { backend })];
      const r = p.map((v, i) => v - t[i]);
      const mean = (f: (v: number) => number) => r.reduce((a, v) => a + f(v), 0) / r.length;
      expect(losses.mse(pt, tt).item()).toBeCloseTo(mean((v) => v * v), 5);
      expect(losses.mae(pt, tt).item()).toBeCloseTo(mean(Math.abs), 5);
      expect(losses.l1Loss(pt, tt, { reduction: 'sum' }).item()).toBeCloseTo(4 * mean(Math.abs), 5);
      const huber = (d: number) => (v: number) => (Math.abs(v) < d ? 0.5 * v * v : d * (Math.abs(v) - 0.5 * d));
      expect(losses.huber(pt, tt, { delta: 1.5 }).item()).toBeCloseTo(mean(huber(1.5)), 5);
      expect(losses.smoothL1(pt, tt, { beta: 2 }).item()).toBeCloseTo(mean((v) => huber(2)(v) / 2), 5);
      expect(losses.smoothL1(pt, tt, { beta: 0 }).item()).toBeCloseTo(mean(Math.abs), 5);
      // gaussianNll, variance form: ½(ln v + r²/v), v clamped at eps; full adds ½ ln 2π.
      const v = [0.5, 2, 1e-9, 1];
      const nll = r.map((ri, i) => 0.5 * (Math.log(Math.max(v[i], 1e-6)) + (ri * ri) / Math.max(v[i], 1e-6)));
      const got = values(losses.gaussianNll(pt, tt, tensor(v, undefined, { backend }), { reduction: 'none' }));
      got.forEach((g, i) => expect(Math.abs(g - nll[i])).toBeLessThan(1e-5 * Math.max(1, Math.abs(nll[i]))));
      expect(losses.gaussianNll(pt, tt, 2, { full: true }).item())
        .toBeCloseTo(mean((ri) => 0.5 * (Math.log(2) + (ri * ri) / 2)) + 0.5 * Math.log(2 * Math.PI), 5);
      // Fixed precision β, summed: ½β Σ r² - (M/2) ln β + (M/2) ln 2π.
      const beta = 4;
      const M = r.length;
      const lecture = 0.5 * beta * r.reduce((a, ri) => a + ri * ri, 0) - (M / 2) * Math.log(beta) + (M / 2) * Math.log(2 * Math.PI);
      expect(losses.gaussianNllPrecision(pt, tt, beta, { reduction: 'sum' }).item()).toBeCloseTo(lecture, 4);
    });
  });

  it.each(backends)('klDiv: Σ t (ln t - x), 0 where t = 0; batchmean divides by the batch (%s)', (_l, backend) => {
    scope(() => {
      const logq = [[Math.log(0.2), Math.log(0.8)], [Math.log(0.5), Math.log(0.5)]];
      const t = [[0, 1], [0.25, 0.75]];
      const kl = t.flat().reduce((a, ti, i) => a + (ti > 0 ? ti * (Math.log(ti) - logq.flat()[i]) : 0), 0);
      const [lq, tt] = [tensor(logq, undefined, { backend }), tensor(t, undefined, { backend })];
      expect(losses.klDiv(lq, tt, { reduction: 'batchmean' }).item()).toBeCloseTo(kl / 2, 5);
      expect(losses.klDiv(lq, tt, { reduction: 'sum' }).item()).toBeCloseTo(kl, 5);
      expect(losses.klDiv(lq, tt).item()).toBeCloseTo(kl / 4, 5);
      // With logTarget, e^t·(t - x); a zero probability would be ln 0 = -inf there, so the target has none.
      const t2 = [[0.1, 0.9], [0.25, 0.75]];
      const kl2 = t2.flat().reduce((a, ti, i) => a + ti * (Math.log(ti) - logq.flat()[i]), 0);
      expect(losses.klDiv(lq, tensor(t2, undefined, { backend }).log(), { logTarget: true, reduction: 'sum' }).item()).toBeCloseTo(kl2, 5);
    });
  });

  it.each(backends)('hinge family, triplet, contrastive and cosine losses equal their formulas (%s)', (_l, backend) => {
    scope(() => {
      const s = [2, 0.5, -0.3, 1];
      const y = [1, 1, -1, -1];
      const st = tensor(s, undefined, { backend });
      const mean = (f: (v: number, i: number) => number) => s.reduce((a, v, i) => a + f(v, i), 0) / s.length;
      expect(losses.hinge(st, y).item()).toBeCloseTo(mean((v, i) => Math.max(0, 1 - y[i] * v)), 5);
      expect(losses.squaredHinge(st, y).item()).toBeCloseTo(mean((v, i) => Math.max(0, 1 - y[i] * v) ** 2), 5);
      expect(losses.perceptron(st, y).item()).toBeCloseTo(mean((v, i) => Math.max(0, -y[i] * v)), 5);

      const a = [[0, 0], [1, 1]];
      const p = [[3, 4], [1, 2]];
      const n = [[1, 0], [4, 5]];
      const dist = (u: number[], v: number[]) => Math.hypot(u[0] - v[0], u[1] - v[1]);
      const triplet = a.map((ai, i) => Math.max(0, dist(ai, p[i]) - dist(ai, n[i]) + 1));
      const [at, pt, nt] = [a, p, n].map((v) => tensor(v, undefined, { backend }));
      values(losses.tripletMargin(at, pt, nt, { eps: 0, reduction: 'none' })).forEach((v, i) => expect(v).toBeCloseTo(triplet[i], 5));

      // Y = 1 for dissimilar: (1 - Y)·½D² + Y·½ max(0, m - D)².
      const contrast = [0.5 * dist(a[0], p[0]) ** 2, 0.5 * Math.max(0, 2 - dist(a[1], p[1])) ** 2];
      values(losses.contrastive(at, pt, [0, 1], { margin: 2, eps: 0, reduction: 'none' })).forEach((v, i) => expect(v).toBeCloseTo(contrast[i], 5));

      const cos = (u: number[], v: number[]) => (u[0] * v[0] + u[1] * v[1]) / (Math.hypot(...u) * Math.hypot(...v));
      const c = [cos(p[0], n[0]), cos(p[1], n[1])];
      values(losses.cosineSimilarity(pt, nt)).forEach((v, i) => expect(v).toBeCloseTo(c[i], 6));
      values(losses.cosineEmbedding(pt, nt, [1, -1], { margin: 0.5, reduction: 'none' }))
        .forEach((v, i) => expect(v).toBeCloseTo(i === 0 ? 1 - c[0] : Math.max(0, c[1] - 0.5), 6));
    });
  });

  it.each(backends)('regularizers: λΣ|p|, λΣp² (½λΣp² with half) and their sum (%s)', (_l, backend) => {
    scope(() => {
      const p = tensor([1, -2], undefined, { backend });
      const q = tensor([[0.5], [3]], undefined, { backend });
      expect(losses.l1([p, q], 0.1).item()).toBeCloseTo(0.1 * 6.5, 6);
      expect(losses.l2([p, q], 0.1).item()).toBeCloseTo(0.1 * 14.25, 5);
      expect(losses.l2(p, 0.1, { half: true }).item()).toBeCloseTo(0.05 * 5, 6);
      expect(losses.elasticNet([p, q], 0.1, 0.2, { half: true }).item()).toBeCloseTo(0.1 * 6.5 + 0.1 * 14.25, 5);
    });
  });

  it('huber and squaredHinge are smooth where their formulas switch: no kink at |r| = delta or y·s = 1', () => {
    for (const point of [[[1.5, -0.5], [1, 0]], [[2, 1], [0.5, 0]]]) {
      const report = gradcheck((a, b) => losses.huber(a, b, { delta: 0.5, reduction: 'sum' }), point);
      expect(report.failures).toEqual([]);
      expect(report.kinks).toEqual([]);
    }
    const sq = gradcheck((s) => losses.squaredHinge(s, [1, -1], { reduction: 'sum' }), [[1, -1]]);
    expect(sq.failures).toEqual([]);
    expect(sq.kinks).toEqual([]);
  });

  it('reductions: none keeps one loss per sample, sum adds them, mean averages', () => {
    scope(() => {
      const s = tensor([[1, 2, 0], [0, 0, 3], [2, -1, 1]], undefined, { backend: js64 });
      for (const f of [
        (r: 'none' | 'sum' | 'mean') => losses.crossEntropy(s, [0, 2, 1], { reduction: r }),
        (r: 'none' | 'sum' | 'mean') => losses.multiclassHinge(s, [0, 2, 1], { reduction: r }),
        (r: 'none' | 'sum' | 'mean') => losses.binaryCrossEntropyWithLogits(s, F.sigmoid(s), { reduction: r }),
      ]) {
        const each = values(f('none'));
        const total = each.reduce((a, b) => a + b, 0);
        expect(f('sum').item()).toBeCloseTo(total, 10);
        expect(f('mean').item()).toBeCloseTo(total / each.length, 10);
      }
    });
  });
});

describe('bad input: typed errors naming the loss and the offending value, before anything is computed', () => {
  const s = tensor([[1, 2, 3], [4, 5, 6]], undefined, { backend: js64 });
  const v = tensor([0.5, 0.2], undefined, { backend: js64 });

  it('class labels out of range or not integers, named by row', () => {
    expect(() => losses.crossEntropy(s, [0, 3])).toThrow(/crossEntropy: label 3 at row 1 is out of range \[0, 3\)/);
    expect(() => losses.crossEntropy(s, [-1, 0])).toThrow(ArgumentError);
    expect(() => losses.crossEntropy(s, [0, 1.5])).toThrow(/crossEntropy: label 1.5 at row 1 is not an integer/);
    expect(() => losses.nllLoss(s, tensor(new Int32Array([0, 7]), undefined, { backend: js64 }))).toThrow(/nllLoss: label 7 at row 1/);
    expect(() => losses.multiclassHinge(s, [5, 0])).toThrow(/multiclassHinge: label 5 at row 0/);
    expect(() => losses.crossEntropy(s, [0, 1, 2])).toThrow(ShapeError);
    expect(() => losses.crossEntropy(s, 'cat' as unknown as number[])).toThrow(/crossEntropy: labels must be a Tensor or an array/);
  });

  it('hinge labels not in {-1, +1}, contrastive labels not in {0, 1}', () => {
    expect(() => losses.hinge(v, [1, 0])).toThrow(/hinge: label 0 at index 1 must be -1 or 1/);
    expect(() => losses.perceptron(v, [2, 1])).toThrow(/perceptron: label 2 at index 0/);
    expect(() => losses.cosineEmbedding(s, s, [1, 0])).toThrow(/cosineEmbedding: label 0 at index 1/);
    expect(() => losses.contrastive(s, s, [1, -1])).toThrow(/contrastive: label -1 at index 1 must be 0 or 1/);
  });

  it('shape mismatches, empty batches, other backends', () => {
    expect(() => losses.mse(s, v)).toThrow(/mse: target has shape \[2\] but the input has shape \[2, 3\]/);
    expect(() => losses.crossEntropy(v, [0, 1])).toThrow(/crossEntropy: expects a \[batch, classes\] or \[batch, classes, d1, …\] tensor, got shape \[2\]/);
    expect(() => losses.crossEntropy(s, tensor([[1, 0], [0, 1]], undefined, { backend: js64 }))).toThrow(ShapeError);
    const empty = tensor([], [0, 3], { backend: js64 });
    expect(() => losses.crossEntropy(empty, [])).toThrow(/crossEntropy: empty batch/);
    expect(() => losses.mse(tensor([], undefined, { backend: js64 }), tensor([], undefined, { backend: js64 }))).toThrow(/mse: empty batch/);
    expect(() => losses.mse(v, tensor([1, 2], undefined, { backend: js32 }))).toThrow(BackendError);
    expect(() => losses.crossEntropy(s, [0, 1], { weight: tensor([1, 2], undefined, { backend: js64 }) })).toThrow(/weight must have shape \[3\]/);
    expect(() => losses.gaussianNll(s, s, tensor([1, 2, 3], undefined, { backend: js64 }))).toThrow(/gaussianNll: var has shape \[3\]/);
  });

  it('probabilities outside [0, 1], negative variance, msle below -1', () => {
    expect(() => losses.binaryCrossEntropy(tensor([0.5, 1.2], undefined, { backend: js64 }), v)).toThrow(/binaryCrossEntropy: input\[1\] = 1.2/);
    expect(() => losses.binaryCrossEntropy(tensor([NaN, 0], undefined, { backend: js64 }), v)).toThrow(/input\[0\] = NaN/);
    expect(() => losses.gaussianNll(v, v, tensor([1, -0.5], undefined, { backend: js64 }))).toThrow(/gaussianNll: var\[1\] = -0.5: variances must be >= 0/);
    expect(() => losses.gaussianNllPrecision(v, v, 0)).toThrow(/gaussianNllPrecision: precision must be a finite number > 0/);
    expect(() => losses.msle(tensor([-1, 2], undefined, { backend: js64 }), v)).toThrow(/msle: input\[0\] = -1: must be > -1/);
  });

  it('margins, deltas and other options out of range; unknown options and reductions', () => {
    expect(() => losses.huber(v, v, { delta: 0 })).toThrow(/huber: delta must be a finite number > 0, got 0/);
    expect(() => losses.smoothL1(v, v, { beta: -1 })).toThrow(/smoothL1: beta/);
    expect(() => losses.multiclassHinge(s, [0, 1], { margin: -1 })).toThrow(/multiclassHinge: margin/);
    expect(() => losses.tripletMargin(s, s, s, { margin: 0 })).toThrow(/tripletMargin: margin/);
    expect(() => losses.contrastive(s, s, [0, 1], { margin: 0 })).toThrow(/contrastive: margin/);
    expect(() => losses.multiMargin(s, [0, 1], { p: 3 as 1 })).toThrow(/multiMargin: p must be 1 or 2/);
    expect(() => losses.crossEntropy(s, [0, 1], { labelSmoothing: 1.5 })).toThrow(/labelSmoothing must be a finite number in \[0, 1\]/);
    expect(() => losses.l2(v, -1)).toThrow(/l2: lambda/);
    expect(() => losses.l1([], 1)).toThrow(/l1: needs a tensor or a non-empty array/);
    expect(() => losses.mse(v, v, { reduce: 'sum' } as never)).toThrow(/mse: unknown option 'reduce'; valid options are reduction/);
    expect(() => losses.mse(v, v, { reduction: 'avg' as 'mean' })).toThrow(/mse: reduction must be 'mean', 'sum', 'none'/);
    expect(() => losses.klDiv(v, v, { reduction: 'batchmean' })).not.toThrow();
    expect(() => losses.msle(v, v, { base: 2 as 10 })).toThrow(/msle: base must be 'e' or 10/);
  });
});
