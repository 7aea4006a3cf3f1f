// Margin and embedding losses: hinges (binary and multiclass), perceptron,
// triplet, contrastive, cosine. Compositions of core ops; every hinge is relu
// with the subgradient at its margin pinned to 0 ("hinge at the margin 0"),
// so relu's global default cannot change a loss.
import { composite, type Kink } from '../ops/define.js';
import {
  abs, add, clamp, div, minimum, mul, oneHot, pick, pow, relu, reshape, sqrt, square, sub, sum, where,
} from '../ops/index.js';
import { ArgumentError, ShapeError } from '../errors.js';
import { normalizeAxis } from '../shape.js';
import type { Tensor } from '../tensor.js';
import {
  AT_ZERO, checkBatch, checkRange, checkTensor, classLabels, classWeight, options, reduce, rowWeights, samePair, setLabels,
  type Labels, type Reduction, type ReductionOptions,
} from './common.js';

type BinaryMarginLoss = (scores: Tensor, labels: Labels, options?: ReductionOptions) => Tensor;

/** max(0, margin - y·s) (squared) per element, labels y in {-1, +1} of the scores' shape. */
function binaryMargin(name: string, margin: number, squared: boolean): BinaryMarginLoss {
  return (scores, labels, opts) => {
    const o = options(name, opts, { reduction: 'mean' as Reduction });
    const s = checkTensor(name, scores, 'scores');
    const y = setLabels(name, labels, s.shape, [-1, 1], s);
    const h = relu(sub(margin, mul(y, s)), AT_ZERO);
    return reduce(squared ? square(h) : h, o.reduction);
  };
}

/** The SVM hinge max(0, 1 - y·s) with labels in {-1, +1}. */
export const hinge: BinaryMarginLoss = composite(
  'hinge',
  [
    {
      at: 'y·s = 1 (on the margin)',
      returns: '0 (hinge at the margin 0)',
      probe: { inputs: [[1, -1]], call: (s) => hinge(s, [1, -1], { reduction: 'sum' }), grads: [[0, 0]] },
    },
  ],
  binaryMargin('hinge', 1, false),
);

/** max(0, 1 - y·s)²: differentiable (C¹) at the margin, where its gradient is 0. */
export const squaredHinge = binaryMargin('squaredHinge', 1, true);

/** The perceptron criterion max(0, -y·s). */
export const perceptron: BinaryMarginLoss = composite(
  'perceptron',
  [
    {
      at: 'y·s = 0',
      returns: '0 (hinge at the margin 0)',
      probe: { inputs: [[0, 0]], call: (s) => perceptron(s, [1, -1], { reduction: 'sum' }), grads: [[0, 0]] },
    },
  ],
  binaryMargin('perceptron', 0, false),
);

/** Per sample Σ_{j ≠ y} max(0, s_j - s_y + margin) (each term squared when asked), shape [B]. */
function westonWatkins(name: string, scores: Tensor, labels: Labels, margin: unknown, squared: boolean): Tensor {
  const x = checkBatch(name, scores);
  const y = classLabels(name, labels, x);
  const delta = checkRange(name, 'margin', margin, 0);
  const [rows, classes] = x.shape;
  // The label's own term (always margin > 0) is masked out.
  const others = sub(1, oneHot(y, classes));
  const terms = mul(relu(add(sub(x, reshape(pick(x, y), [rows, 1])), delta), AT_ZERO), others);
  return sum(squared ? square(terms) : terms, 1);
}

/** Both Weston–Watkins losses' kink: scores [0, 1, -5] with label 1 put class 0 exactly on the margin. */
function tieAtMargin(returns: string, call: (s: Tensor) => Tensor): Kink {
  return { at: 's_j - s_y + margin = 0 (a tie at the margin)', returns, probe: { inputs: [[[0, 1, -5]]], call, grads: [[[0, 0, 0]]] } };
}

export interface MulticlassHingeOptions extends ReductionOptions {
  /** Δ > 0 (default 1). */
  margin?: number;
  /** Square each term (the L2-SVM). */
  squared?: boolean;
}

/**
 * The lectures' multiclass SVM loss (Weston–Watkins): per sample
 * Σ_{j ≠ y} max(0, s_j - s_y + Δ), then averaged over the batch. Unlike
 * multiMargin it is not divided by the number of classes.
 */
export const multiclassHinge: (scores: Tensor, labels: Labels, options?: MulticlassHingeOptions) => Tensor = composite(
  'multiclassHinge',
  [tieAtMargin('0 for that term (hinge at the margin 0)', (s) => multiclassHinge(s, [1], { reduction: 'sum' }))],
  (scores, labels, opts) => {
    const o = options('multiclassHinge', opts, { reduction: 'mean' as Reduction, margin: 1, squared: false });
    return reduce(westonWatkins('multiclassHinge', scores, labels, o.margin, o.squared === true), o.reduction);
  },
);

export interface MultiMarginOptions extends ReductionOptions {
  /** 1 (default) or 2: the power of each term. */
  p?: 1 | 2;
  margin?: number;
  /** A weight per class, applied by each sample's label. */
  weight?: Tensor;
}

/**
 * torch's multi_margin_loss: Σ_{j ≠ y} w[y]·max(0, margin - s_y + s_j)^p / C
 * per sample, the Weston–Watkins sum divided by the number of classes C.
 */
export const multiMargin: (scores: Tensor, labels: Labels, options?: MultiMarginOptions) => Tensor = composite(
  'multiMargin',
  [tieAtMargin('0 for that term, as multiclassHinge', (s) => multiMargin(s, [1], { reduction: 'sum' }))],
  (scores, labels, opts) => {
    const o = options('multiMargin', opts, { reduction: 'mean' as Reduction, p: 1 as 1 | 2, margin: 1, weight: undefined as Tensor | undefined });
    if (o.p !== 1 && o.p !== 2) throw new ArgumentError('multiMargin', `p must be 1 or 2, got ${String(o.p)}`);
    const x = checkBatch('multiMargin', scores);
    const w = o.weight && classWeight('multiMargin', o.weight, x);
    const perSample = mul(westonWatkins('multiMargin', x, labels, o.margin, o.p === 2), 1 / x.shape[1]);
    if (!w) return reduce(perSample, o.reduction);
    return reduce(mul(perSample, rowWeights(w, classLabels('multiMargin', labels, x), x).perRow), o.reduction);
  },
);

/** ‖x1 - x2 + eps‖_p along the last dimension (torch's pairwise_distance adds eps to the difference). */
function pairwiseDistance(x1: Tensor, x2: Tensor, p: number, eps: number): Tensor {
  const d = add(sub(x1, x2), eps);
  if (p === 2) return sqrt(sum(square(d), -1));
  if (p === 1) return sum(abs(d), -1);
  return pow(sum(pow(abs(d), p), -1), 1 / p);
}

function vectors(name: string, x: Tensor): Tensor {
  if (x.rank === 0) throw new ShapeError(name, `expects vectors along the last dimension, got a scalar`);
  return x;
}

export interface TripletMarginOptions extends ReductionOptions {
  margin?: number;
  /** The norm of the distance (default 2). */
  p?: number;
  /** Added to each difference before the norm (default 1e-6, as PyTorch). */
  eps?: number;
  /** Use min(d(a, n), d(p, n)) as the negative distance. */
  swap?: boolean;
}

/** max(0, d(a, p) - d(a, n) + margin) per sample, d the p-norm distance along the last dimension. */
export const tripletMargin: (anchor: Tensor, positive: Tensor, negative: Tensor, options?: TripletMarginOptions) => Tensor = composite(
  'tripletMargin',
  [
    {
      at: 'd(a, p) - d(a, n) + margin = 0 (zero slack)',
      returns: '0 (hinge at the margin 0)',
      probe: {
        inputs: [[[0, 0]], [[3, 4]], [[6, 8]]],
        call: (a, p, n) => tripletMargin(a, p, n, { margin: 5, eps: 0, reduction: 'sum' }),
        grads: [[[0, 0]], [[0, 0]], [[0, 0]]],
      },
    },
  ],
  (anchor, positive, negative, opts) => {
    const name = 'tripletMargin';
    const o = options(name, opts, { reduction: 'mean' as Reduction, margin: 1, p: 2, eps: 1e-6, swap: false });
    const [a, pos] = samePair(name, anchor, positive, 'positive');
    const [, neg] = samePair(name, a, negative, 'negative');
    vectors(name, a);
    const margin = checkRange(name, 'margin', o.margin, 0);
    const p = checkRange(name, 'p', o.p, 0);
    const eps = checkRange(name, 'eps', o.eps, 0, Infinity, true);
    let far = pairwiseDistance(a, neg, p, eps);
    if (o.swap) far = minimum(far, pairwiseDistance(pos, neg, p, eps));
    return reduce(relu(add(sub(pairwiseDistance(a, pos, p, eps), far), margin), AT_ZERO), o.reduction);
  },
);

export interface ContrastiveOptions extends ReductionOptions {
  margin?: number;
  eps?: number;
}

/**
 * Hadsell–Chopra–LeCun contrastive loss for pairs, label Y = 1 for
 * dissimilar: (1 - Y)·½D² + Y·½·max(0, m - D)², D = ‖x1 - x2 + eps‖ along the
 * last dimension. The D² term is the sum of squares itself (no square root),
 * so identical similar pairs get gradient 0, not NaN.
 */
export function contrastive(x1: Tensor, x2: Tensor, labels: Labels, opts?: ContrastiveOptions): Tensor {
  const name = 'contrastive';
  const o = options(name, opts, { reduction: 'mean' as Reduction, margin: 1, eps: 1e-6 });
  const [a, b] = samePair(name, x1, x2, 'x2');
  vectors(name, a);
  const y = setLabels(name, labels, a.shape.slice(0, -1), [0, 1], a);
  const margin = checkRange(name, 'margin', o.margin, 0);
  const sq = sum(square(add(sub(a, b), checkRange(name, 'eps', o.eps, 0, Infinity, true))), -1);
  const near = mul(sub(1, y), sq);
  const far = mul(y, square(relu(sub(margin, sqrt(sq)), AT_ZERO)));
  return reduce(mul(add(near, far), 0.5), o.reduction);
}

/**
 * x1·x2 / (max(‖x1‖, eps)·max(‖x2‖, eps)) along dim (default 1), as
 * torch.nn.functional.cosine_similarity. A similarity, not a loss: no reduction.
 */
export function cosineSimilarity(x1: Tensor, x2: Tensor, opts?: { dim?: number; eps?: number }): Tensor {
  const name = 'cosineSimilarity';
  const o = options(name, opts, { dim: 1, eps: 1e-8 });
  const [a, b] = samePair(name, x1, x2, 'x2');
  const dim = normalizeAxis(o.dim, a.rank, name);
  const eps = checkRange(name, 'eps', o.eps, 0);
  // max(‖x‖, ε) as √max(Σx², ε²): the same value, and a zero vector gets gradient 0 rather than NaN.
  const norm = (x: Tensor) => sqrt(clamp(sum(square(x), dim), eps * eps));
  return div(sum(mul(a, b), dim), mul(norm(a), norm(b)));
}

/** 1 - cos(x1, x2) for y = 1, max(0, cos(x1, x2) - margin) for y = -1; cos along the last dimension. */
export const cosineEmbedding: (x1: Tensor, x2: Tensor, labels: Labels, options?: ReductionOptions & { margin?: number }) => Tensor = composite(
  'cosineEmbedding',
  [
    {
      at: 'cos(x1, x2) = margin with y = -1',
      returns: '0 (hinge at the margin 0)',
      probe: { inputs: [[[1, 0]], [[0, 1]]], call: (a, b) => cosineEmbedding(a, b, [-1], { reduction: 'sum' }), grads: [[[0, 0]], [[0, 0]]] },
    },
  ],
  (x1, x2, labels, opts) => {
    const name = 'cosineEmbedding';
    const o = options(name, opts, { reduction: 'mean' as Reduction, margin: 0 });
    const [a, b] = samePair(name, x1, x2, 'x2');
    vectors(name, a);
    const margin = checkRange(name, 'margin', o.margin, -1, 1, true);
    const cos = cosineSimilarity(a, b, { dim: -1 });
    const y = setLabels(name, labels, cos.shape, [-1, 1], a);
    return reduce(where(add(y, 1), sub(1, cos), relu(sub(cos, margin), AT_ZERO)), o.reduction);
  },
);
