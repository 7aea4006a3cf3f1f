// The losses the page draws, each a function of one number per element: the
// residual r = ŷ − y for regression, the margin m = y·s (label y = +1, score
// s = m) for classification. Built from subgrad's losses and ops, so the
// curves and their derivatives are the engine's; the hinges are written as
// relu with the page's subgradient at 0, as losses.hinge is (which pins it to 0).
import { concat, full, losses, neg, relu, reshape, square, sub, tensor, zeros, type Tensor } from 'subgrad';

export interface Settings {
  /** Huber's δ. */
  delta: number;
  /** The Gaussian NLL's variance σ². */
  variance: number;
  /** relu'(0): any g in [0, 1]. */
  g: number;
}

export interface Loss {
  key: string;
  label: string;
  color: string;
  dash?: number[];
  /** The loss of each element of x (a 1-D tensor), on x's backend. */
  fn: (x: Tensor, s: Settings) => Tensor;
  /** Where its pieces join: each is probed for a kink. */
  joins?: (s: Settings) => number[];
  /** Probed at the joins but not drawn (the library's own form of a drawn loss). */
  probeOnly?: boolean;
}

/** MSLE needs ŷ, y > −1: the page fixes the target at y = 3, so r ∈ [−3, 3] keeps ŷ ≥ 0. */
export const MSLE_TARGET = 3;

const zerosLike = (x: Tensor) => zeros(x.shape, { backend: x.backend });
const onesLike = (x: Tensor) => full(x.shape, 1, { backend: x.backend });
const relu0 = (x: Tensor, s: Settings) => relu(x, { subgradientAtZero: s.g });

export const REGRESSION: Loss[] = [
  { key: 'mse', label: 'MSE r²', color: '#2563eb', fn: (r) => losses.mse(r, zerosLike(r), { reduction: 'none' }) },
  { key: 'mae', label: 'MAE |r|', color: '#ea580c', fn: (r) => losses.mae(r, zerosLike(r), { reduction: 'none' }), joins: () => [0] },
  {
    key: 'huber', label: 'Huber (δ)', color: '#16a34a',
    fn: (r, s) => losses.huber(r, zerosLike(r), { delta: s.delta, reduction: 'none' }), joins: (s) => [-s.delta, s.delta],
  },
  {
    key: 'msle', label: `MSLE (y = ${MSLE_TARGET})`, color: '#9333ea',
    fn: (r) => losses.msle(r.add(MSLE_TARGET), full(r.shape, MSLE_TARGET, { backend: r.backend }), { reduction: 'none' }),
  },
  { key: 'nll', label: 'Gaussian NLL (σ²)', color: '#0891b2', fn: (r, s) => losses.gaussianNll(r, zerosLike(r), s.variance, { reduction: 'none' }) },
];

export const CLASSIFICATION: Loss[] = [
  { key: 'hinge', label: 'hinge', color: '#2563eb', fn: (m, s) => relu0(sub(1, m), s), joins: () => [1] },
  { key: 'squaredHinge', label: 'squared hinge', color: '#ea580c', fn: (m, s) => square(relu0(sub(1, m), s)), joins: () => [1] },
  { key: 'perceptron', label: 'perceptron', color: '#dc2626', fn: (m, s) => relu0(neg(m), s), joins: () => [0] },
  { key: 'softMargin', label: 'logistic (soft margin)', color: '#16a34a', fn: (m) => losses.softMargin(m, onesLike(m), { reduction: 'none' }) },
  {
    // Two classes with logits [m, 0] and label 0: the same function of the margin as the soft margin, by another kernel.
    key: 'crossEntropy', label: 'cross-entropy, 2 classes', color: '#9333ea', dash: [5, 4],
    fn: (m) => {
      const logits = concat([reshape(m, [m.size, 1]), zeros([m.size, 1], { backend: m.backend })], 1);
      return losses.crossEntropy(logits, tensor(new Int32Array(m.size), undefined, { backend: m.backend }), { reduction: 'none' });
    },
  },
  { key: 'hingeLibrary', label: 'losses.hinge', color: '#2563eb', fn: (m) => losses.hinge(m, onesLike(m), { reduction: 'none' }), joins: () => [1], probeOnly: true },
  {
    key: 'perceptronLibrary', label: 'losses.perceptron', color: '#dc2626',
    fn: (m) => losses.perceptron(m, onesLike(m), { reduction: 'none' }), joins: () => [0], probeOnly: true,
  },
];

/** The 0-1 loss, misclassified at m ≤ 0: no op (its gradient is 0 wherever it exists), a reference curve only. */
export const zeroOne = (m: number) => (m <= 0 ? 1 : 0);
