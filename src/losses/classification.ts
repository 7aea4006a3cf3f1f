// Probabilistic classification losses: cross-entropy from logits (fused),
// negative log-likelihood, KL divergence, binary cross-entropy on
// probabilities and from logits (fused). Formulas follow torch.nn.functional.
import { Unary } from '../backend/opcodes.js';
import { ShapeError } from '../errors.js';
import { unaryKernel } from '../ops/broadcast.js';
import { op } from '../ops/define.js';
import { add, clamp, div, exp, log, log1p, maximum, mul, neg, oneHotLabels, pickLabels, reshape, sub, sum, where } from '../ops/index.js';
import { fmt } from '../shape.js';
import { Tensor, full } from '../tensor.js';
import {
  checkClassScores, checkIgnoreIndex, checkRange, checkTensor, checkValues, classTargets, classWeight, classesLast, options, reduce,
  rowWeights, samePair, targetShape, type Labels, type Reduction, type ReductionOptions,
} from './common.js';
import { fusedBceWithLogits, fusedCrossEntropy, fusedCrossEntropyDense, type Fused } from './fused.js';

export interface CrossEntropyOptions extends ReductionOptions {
  /** A rescaling weight per class, shape [C]. */
  weight?: Tensor;
  /** ε in [0, 1]: the target becomes (1 - ε)·target + ε/C. */
  labelSmoothing?: number;
  /** Class-index targets equal to it give no loss and no gradient, and do not count in the mean (default −100, as PyTorch). */
  ignoreIndex?: number;
}

/**
 * Runs a fused kernel with its reduction: a scaled total, or per-row losses.
 * A mean over no targets (all ignored) is NaN with no gradient, as PyTorch.
 */
function fused(reduction: Reduction, divisor: number, run: (f: Fused) => Tensor): Tensor {
  if (reduction === 'none') return run({ scale: 1, total: false });
  if (reduction === 'sum' || divisor > 0) return run({ scale: reduction === 'mean' ? 1 / divisor : 1, total: true });
  return add(run({ scale: 0, total: true }), NaN);
}

/** Per-target losses [N] of N-D scores back in the targets' shape [B, d1, …]; reduced or 2-D losses as they are. */
function perTarget(loss: Tensor, scores: Tensor): Tensor {
  return scores.rank > 2 && loss.rank === 1 ? reshape(loss, targetShape(scores)) : loss;
}

/**
 * Cross-entropy of [B, C] logits (or [B, C, d1, …], a class per position),
 * as torch.nn.functional.cross_entropy. The target is either class indices
 * (B integers in [0, C), or [B, d1, …] of them: an int32 tensor or plain
 * numbers) or class probabilities of the logits' shape. Computed by one
 * fused kernel from the logits (max subtracted: logits of ±1000 are fine).
 * 'mean' divides by the number of targets not ignored, or by Σ weight[label]
 * over them with class weights.
 */
export function crossEntropy(logits: Tensor, target: Labels, opts?: CrossEntropyOptions): Tensor {
  const name = 'crossEntropy';
  const o = options(name, opts, { reduction: 'mean' as Reduction, weight: undefined as Tensor | undefined, labelSmoothing: 0, ignoreIndex: -100 });
  const scores = checkClassScores(name, logits);
  const classes = scores.shape[1];
  const eps = checkRange(name, 'labelSmoothing', o.labelSmoothing, 0, 1, true);
  const ignoreIndex = checkIgnoreIndex(name, o.ignoreIndex);
  const w = o.weight && classWeight(name, o.weight, scores);
  if (target instanceof Tensor && target.rank === scores.rank) {
    const [, t0] = samePair(name, scores, target);
    const [x, t] = [classesLast(scores), classesLast(t0)];
    const smoothed = eps === 0 ? t : add(mul(t, 1 - eps), eps / classes);
    return perTarget(fused(o.reduction, x.shape[0], (f) => fusedCrossEntropyDense(x, w ? mul(smoothed, w) : smoothed, f)), scores);
  }
  const { labels, kept } = classTargets(name, target, scores, classes, targetShape(scores), ignoreIndex);
  const x = classesLast(scores);
  if (!w) return perTarget(fused(o.reduction, kept, (f) => fusedCrossEntropy(x, labels, eps, f)), scores);
  // With class weights the sparse target is the weighted smoothed one-hot row (a zero row where ignored).
  const hot = oneHotLabels(labels, classes);
  const t = mul(add(mul(hot, 1 - eps), mul(sum(hot, 1, true), eps / classes)), w);
  return perTarget(fused(o.reduction, rowWeights(w, labels, x).total, (f) => fusedCrossEntropyDense(x, t, f)), scores);
}

/**
 * Negative log-likelihood of [B, C] log-probabilities (or [B, C, d1, …]) at
 * the labels: -weight[y]·x[n, y]; 'mean' divides by Σ weight[y] over the
 * targets not ignored (their number without weights).
 */
export function nllLoss(logProbs: Tensor, labels: Labels, opts?: ReductionOptions & { weight?: Tensor; ignoreIndex?: number }): Tensor {
  const name = 'nllLoss';
  const o = options(name, opts, { reduction: 'mean' as Reduction, weight: undefined as Tensor | undefined, ignoreIndex: -100 });
  const scores = checkClassScores(name, logProbs);
  const ignoreIndex = checkIgnoreIndex(name, o.ignoreIndex);
  const w = o.weight && classWeight(name, o.weight, scores);
  const { labels: y, kept } = classTargets(name, labels, scores, scores.shape[1], targetShape(scores), ignoreIndex);
  const x = classesLast(scores);
  // An ignored row picks 0 and receives no gradient.
  const picked = neg(pickLabels(x, y));
  if (!w) return perTarget(reduce(picked, o.reduction, kept), scores);
  const { perRow, total } = rowWeights(w, y, x);
  return perTarget(reduce(mul(picked, perRow), o.reduction, total), scores);
}

const klDivOp = op<boolean>({
  name: 'klDiv',
  // target·(ln target - input), 0 where target = 0 (x ln x -> 0); with logTarget, e^t·(t - input).
  forward: ([x, t], logTarget) => {
    if (logTarget) return mul(exp(t), sub(t, x));
    const positive = unaryKernel(t, Unary.Step, 0);
    return mul(t, sub(log(where(positive, t, 1)), x));
  },
  vjp: (g, [x, t], _y, logTarget) => {
    const dx = neg(mul(g, logTarget ? exp(t) : t));
    if (!t.requiresGrad) return [dx, null];
    if (logTarget) return [dx, mul(g, mul(exp(t), add(sub(t, x), 1)))];
    // ln t + 1 - x, set to 0 where t = 0 as PyTorch does.
    const positive = unaryKernel(t, Unary.Step, 0);
    return [dx, mul(g, where(positive, add(sub(log(where(positive, t, 1)), x), 1), 0))];
  },
});

/**
 * KL(target ‖ exp(input)) pointwise: input holds log-probabilities, target
 * probabilities (or log-probabilities with logTarget). 'batchmean' divides
 * the sum by the batch size (the true KL divergence per sample); 'mean'
 * divides by the number of elements, as PyTorch does.
 */
export function klDiv(
  input: Tensor, target: Tensor,
  opts?: { reduction?: Reduction | 'batchmean'; logTarget?: boolean },
): Tensor {
  const o = options('klDiv', opts, { reduction: 'mean' as Reduction | 'batchmean', logTarget: false }, ['mean', 'sum', 'none', 'batchmean']);
  const [x, t] = samePair('klDiv', input, target);
  const loss = klDivOp([x, t], o.logTarget === true);
  return o.reduction === 'batchmean' ? reduce(loss, 'mean', x.rank === 0 ? 1 : x.shape[0]) : reduce(loss, o.reduction);
}

const LOG_FLOOR = -100;

/** ln p and ln(1 - p), each clamped at -100 as PyTorch does, so p = 0 or 1 gives finite values. */
function clampedLogs(p: Tensor): [Tensor, Tensor] {
  return [clamp(log(p), LOG_FLOOR), clamp(log1p(neg(p)), LOG_FLOOR)];
}

const bceOp = op({
  name: 'binaryCrossEntropy',
  forward: ([p, y]) => {
    const [lp, lq] = clampedLogs(p);
    return neg(add(mul(y, lp), mul(sub(1, y), lq)));
  },
  // PyTorch's gradient: (p - y) / max(p(1 - p), 1e-12), finite at p = 0 and 1.
  vjp: (g, [p, y]) => {
    const dp = mul(g, div(sub(p, y), maximum(mul(p, sub(1, p)), 1e-12)));
    if (!y.requiresGrad) return [dp, null];
    const [lp, lq] = clampedLogs(p);
    return [dp, mul(g, sub(lq, lp))];
  },
});

/**
 * Binary cross-entropy of probabilities p in [0, 1] against targets y:
 * -w·(y ln p + (1 - y) ln(1 - p)) with the logs clamped at -100 (PyTorch).
 * Prefer binaryCrossEntropyWithLogits: it is exact where p rounds to 0 or 1.
 */
export function binaryCrossEntropy(input: Tensor, target: Tensor, opts?: ReductionOptions & { weight?: Tensor }): Tensor {
  const o = options('binaryCrossEntropy', opts, { reduction: 'mean' as Reduction, weight: undefined as Tensor | undefined });
  const [p, y] = samePair('binaryCrossEntropy', input, target);
  checkValues('binaryCrossEntropy', p, 'input', (v) => v >= 0 && v <= 1, 'probabilities must lie in [0, 1]');
  const weight = o.weight && checkTensor('binaryCrossEntropy', o.weight, 'weight', p);
  const loss = bceOp([p, y], undefined);
  return reduce(weight ? mul(loss, weight) : loss, o.reduction);
}

export interface BceWithLogitsOptions extends ReductionOptions {
  /** Weight of the positive term per class (broadcast along the last dimension): > 1 raises recall. */
  posWeight?: Tensor | number;
  /** A rescaling weight broadcast against the loss. */
  weight?: Tensor;
}

/**
 * Binary cross-entropy from logits x: p·y·softplus(-x) + (1 - y)·softplus(x),
 * which is -(p·y ln σ(x) + (1 - y) ln(1 - σ(x))) without ever forming σ(x):
 * finite and exact for logits of ±1000. One fused kernel.
 */
export function binaryCrossEntropyWithLogits(input: Tensor, target: Tensor, opts?: BceWithLogitsOptions): Tensor {
  const name = 'binaryCrossEntropyWithLogits';
  const o = options(name, opts, { reduction: 'mean' as Reduction, posWeight: undefined as Tensor | number | undefined, weight: undefined as Tensor | undefined });
  const [x0, y0] = samePair(name, input, target);
  // A scalar logit is a batch of one.
  const [x, y] = x0.rank === 0 ? [reshape(x0, [1]), reshape(y0, [1])] : [x0, y0];
  const cols = x.shape[x.rank - 1];
  const pw = positiveWeights(name, o.posWeight, cols, x);
  const weight = o.weight && checkTensor(name, o.weight, 'weight', x);
  const loss = fused(weight ? 'none' : o.reduction, x.size, (f) => fusedBceWithLogits(x, y, pw, f));
  const reduced = weight ? reduce(mul(loss, weight), o.reduction) : loss;
  return x0.rank === 0 && o.reduction === 'none' ? reshape(reduced, []) : reduced;
}

function positiveWeights(name: string, posWeight: Tensor | number | undefined, cols: number, like: Tensor): Tensor {
  if (posWeight === undefined || typeof posWeight === 'number') {
    return full([cols], posWeight === undefined ? 1 : checkRange(name, 'posWeight', posWeight, 0, Infinity, true), { backend: like.backend });
  }
  checkTensor(name, posWeight, 'posWeight', like);
  if (posWeight.size === cols && posWeight.rank === 1) return posWeight;
  if (posWeight.size === 1) return full([cols], posWeight.data()[0], { backend: like.backend });
  throw new ShapeError(name, `posWeight must have shape [${cols}] (one per class along the last dimension) or [1], got ${fmt(posWeight.shape)}`);
}
