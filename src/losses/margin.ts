// Margin and embedding losses: hinges (binary and multiclass), soft margin,
// perceptron, triplet (also on batch-hard triplets), contrastive, cosine.
// Compositions of core ops; every hinge is relu with the subgradient at its
// margin pinned to 0 ("hinge at the margin 0"), so relu's global default
// cannot change a loss. Every distance is norm's, whose gradient at 0 is 0.
import { hardestTriplets, miningInputs, type TripletLabels } from '../data/mining.js';
import { composite, type Kink } from '../ops/define.js';
import {
  add, cdist, clamp, div, gather, max, minimum, mul, neg, norm, oneHotLabels, pickLabels, relu, reshape, sqrt, square, sub, sum, where,
} from '../ops/index.js';
import { softplus } from '../nn/functional.js';
import { ArgumentError, ShapeError } from '../errors.js';
import { normalizeAxis } from '../shape.js';
import { tensor, type Tensor } from '../tensor.js';
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

/** torch's soft_margin_loss: ln(1 + e^(−y·s)) per element, as softplus(−y·s), finite for any |s|; labels y in {−1, +1}. */
export const softMargin: BinaryMarginLoss = (scores, labels, opts) => {
  const name = 'softMargin';
  const o = options(name, opts, { reduction: 'mean' as Reduction });
  const s = checkTensor(name, scores, 'input');
  const y = setLabels(name, labels, s.shape, [-1, 1], s);
  return reduce(softplus(neg(mul(y, s))), o.reduction);
};

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
  const others = sub(1, oneHotLabels(y, classes));
  const terms = mul(relu(add(sub(x, reshape(pickLabels(x, y), [rows, 1])), delta), AT_ZERO), others);
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

/**
 * The Crammer–Singer multiclass hinge: per sample max(0, Δ − s_y + max_{j≠y} s_j),
 * the margin violated by the best wrong class only, then averaged over the
 * batch. Where several wrong classes tie for the max, the gradient is split
 * evenly between them (max's policy, the subgradient of least norm).
 */
export const crammerSingerHinge: (scores: Tensor, labels: Labels, options?: ReductionOptions & { margin?: number }) => Tensor = composite(
  'crammerSingerHinge',
  [
    tieAtMargin('0 (hinge at the margin 0)', (s) => crammerSingerHinge(s, [1], { reduction: 'sum' })),
    {
      at: 'ties: several wrong classes j share the max of s_j',
      returns: '1/k of the gradient to each of the k tied classes (max splits ties evenly)',
      probe: { inputs: [[[2, 0, 2]]], call: (s) => crammerSingerHinge(s, [1], { reduction: 'sum' }), grads: [[[0.5, -1, 0.5]]] },
    },
  ],
  (scores, labels, opts) => {
    const name = 'crammerSingerHinge';
    const o = options(name, opts, { reduction: 'mean' as Reduction, margin: 1 });
    const x = checkBatch(name, scores);
    const y = classLabels(name, labels, x);
    const delta = checkRange(name, 'margin', o.margin, 0);
    // The best wrong class: the label's own score masked with −∞ (with one class only the loss is 0).
    const rival = max(where(oneHotLabels(y, x.shape[1]), -Infinity, x), 1);
    return reduce(relu(add(sub(rival, pickLabels(x, y)), delta), AT_ZERO), o.reduction);
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

function vectors(name: string, x: Tensor): Tensor {
  if (x.rank === 0) throw new ShapeError(name, `expects vectors along the last dimension, got a scalar`);
  return x;
}

/** ‖x1 − x2 + eps‖_p along the last dimension (torch's pairwise_distance adds eps to the difference). */
const distance = (x1: Tensor, x2: Tensor, p: number, eps: number, keepdim = false) => norm(add(sub(x1, x2), eps), -1, keepdim, p);

/**
 * ‖x1 − x2 + eps‖_p along the last dimension, as
 * torch.nn.functional.pairwise_distance (p >= 1, default 2; eps default
 * 1e-6). A distance, not a loss: no reduction. With eps = 0 the gradient at
 * x1 = x2 is 0 (norm's choice at the zero vector).
 */
export function pairwiseDistance(x1: Tensor, x2: Tensor, opts?: { p?: number; eps?: number; keepdim?: boolean }): Tensor {
  const name = 'pairwiseDistance';
  const o = options(name, opts, { p: 2, eps: 1e-6, keepdim: false });
  const [a, b] = samePair(name, x1, x2, 'x2');
  vectors(name, a);
  const p = checkRange(name, 'p', o.p, 1, Infinity, true);
  const eps = checkRange(name, 'eps', o.eps, 0, Infinity, true);
  return distance(a, b, p, eps, o.keepdim === true);
}

export interface TripletMarginOptions extends ReductionOptions {
  margin?: number;
  /** The norm of the distance, p >= 1 (default 2). */
  p?: number;
  /** Added to each difference before the norm (default 1e-6, as PyTorch). */
  eps?: number;
  /** Use min(d(a, n), d(p, n)) as the negative distance. */
  swap?: boolean;
}

/** The triplet hinge max(0, (margin + d_pos) − d_neg), in PyTorch's order of operations, 0 at zero slack. */
const tripletHinge = (margin: number, near: Tensor, far: Tensor) => relu(sub(add(margin, near), far), AT_ZERO);

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
    {
      at: 'a = p with eps = 0 (a zero distance)',
      returns: "0 from that distance, norm's choice at the zero vector",
      probe: {
        inputs: [[[1, 1]], [[1, 1]], [[4, 5]]],
        call: (a, p, n) => tripletMargin(a, p, n, { margin: 10, eps: 0, reduction: 'sum' }),
        grads: [[[0.6, 0.8]], [[0, 0]], [[-0.6, -0.8]]],
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
    const p = checkRange(name, 'p', o.p, 1, Infinity, true);
    const eps = checkRange(name, 'eps', o.eps, 0, Infinity, true);
    let far = distance(a, neg, p, eps);
    if (o.swap) far = minimum(far, distance(pos, neg, p, eps));
    return reduce(tripletHinge(margin, distance(a, pos, p, eps), far), o.reduction);
  },
);

/**
 * The triplet loss on batch-hard triplets, as metric-learning recipes use it:
 * for each anchor with a positive and a negative in the batch,
 * max(0, margin + d(a, p) − d(a, n)) with its furthest positive and nearest
 * negative (Hermans et al., 2017; chosen as data.batchHardTriplets does), d
 * the Euclidean distance (cdist, no eps). 'mean' averages over those anchors;
 * a batch with none (one class only, or only singletons) gives a loss of 0
 * with a zero gradient, so a training loop goes on.
 */
export const batchHardTripletLoss: (embeddings: Tensor, labels: TripletLabels, options?: ReductionOptions & { margin?: number }) => Tensor = composite(
  'batchHardTripletLoss',
  [
    {
      at: 'margin + d(a, p) − d(a, n) = 0 (zero slack)',
      returns: '0 (hinge at the margin 0)',
      // Anchor 0 has zero slack (2 + 1 − 3), anchor 1 slack 1; row 2 has no positive.
      probe: { inputs: [[[0], [1], [3]]], call: (e) => batchHardTripletLoss(e, [0, 0, 1], { margin: 2, reduction: 'sum' }), grads: [[[-1], [2], [-1]]] },
    },
    {
      at: 'ties for the furthest positive or the nearest negative',
      returns: 'the gradient through the first (lowest) row, as torch.max/torch.min along a dimension',
      // Anchor 0: positives 1 and 2 both at distance 1; the first, row 1, is used.
      probe: { inputs: [[[0], [1], [-1], [5]]], call: (e) => batchHardTripletLoss(e, [0, 0, 0, 1], { margin: 10, reduction: 'none' }).slice([0], [1]), grads: [[[0], [1], [0], [-1]]] },
    },
  ],
  (embeddings, labels, opts) => {
    const name = 'batchHardTripletLoss';
    const o = options(name, opts, { reduction: 'mean' as Reduction, margin: 1 });
    const margin = checkRange(name, 'margin', o.margin, 0);
    const y = miningInputs(name, embeddings, labels);
    const d = cdist(embeddings, embeddings);
    const { anchors, positives, negatives } = hardestTriplets(y, d.data());
    const rows = (v: number[]) => tensor(Int32Array.from(v), undefined, { backend: embeddings.backend });
    const fromAnchor = gather(d, rows(anchors));
    const loss = tripletHinge(margin, pickLabels(fromAnchor, rows(positives)), pickLabels(fromAnchor, rows(negatives)));
    return reduce(loss, o.reduction, Math.max(anchors.length, 1));
  },
);

export interface ContrastiveOptions extends ReductionOptions {
  margin?: number;
  eps?: number;
}

/**
 * Hadsell–Chopra–LeCun contrastive loss for pairs, label Y = 1 for
 * dissimilar: (1 - Y)·½D² + Y·½·max(0, m - D)², D = ‖x1 - x2 + eps‖ along the
 * last dimension. At D = 0 (identical points, eps = 0) the gradient is 0 for
 * both kinds of pair: norm's choice at the zero vector.
 */
export const contrastive: (x1: Tensor, x2: Tensor, labels: Labels, options?: ContrastiveOptions) => Tensor = composite(
  'contrastive',
  [
    {
      at: 'D = 0 with Y = 1 (identical dissimilar points, eps = 0)',
      returns: "0, norm's choice at the zero vector (not the NaN of d√s at 0)",
      probe: { inputs: [[[1, 2]], [[1, 2]]], call: (a, b) => contrastive(a, b, [1], { eps: 0, reduction: 'sum' }), grads: [[[0, 0]], [[0, 0]]] },
    },
  ],
  (x1, x2, labels, opts) => {
    const name = 'contrastive';
    const o = options(name, opts, { reduction: 'mean' as Reduction, margin: 1, eps: 1e-6 });
    const [a, b] = samePair(name, x1, x2, 'x2');
    vectors(name, a);
    const y = setLabels(name, labels, a.shape.slice(0, -1), [0, 1], a);
    const margin = checkRange(name, 'margin', o.margin, 0);
    const d = distance(a, b, 2, checkRange(name, 'eps', o.eps, 0, Infinity, true));
    const near = mul(sub(1, y), square(d));
    const far = mul(y, square(relu(sub(margin, d), AT_ZERO)));
    return reduce(mul(add(near, far), 0.5), o.reduction);
  },
);

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
  const clampedNorm = (x: Tensor) => sqrt(clamp(sum(square(x), dim), eps * eps));
  return div(sum(mul(a, b), dim), mul(clampedNorm(a), clampedNorm(b)));
}

/**
 * 1 - cos(x1, x2) for y = 1, max(0, cos(x1, x2) - margin) for y = -1, cos
 * along the last dimension as PyTorch's cosine_embedding_loss forms it.
 */
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
    // PyTorch's formula: x1·x2 / √((‖x1‖² + 1e-12)(‖x2‖² + 1e-12)), no max(‖x‖, eps).
    const squaredNorm = (x: Tensor) => add(sum(square(x), -1), 1e-12);
    const cos = div(sum(mul(a, b), -1), sqrt(mul(squaredNorm(a), squaredNorm(b))));
    const y = setLabels(name, labels, cos.shape, [-1, 1], a);
    return reduce(where(add(y, 1), sub(1, cos), relu(sub(cos, margin), AT_ZERO)), o.reduction);
  },
);
