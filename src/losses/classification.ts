// Probabilistic classification losses: cross-entropy from logits (fused),
// negative log-likelihood, KL divergence, binary cross-entropy on
// probabilities and from logits (fused). Formulas follow torch.nn.functional.
import { Unary } from '../backend/opcodes.js';
import { ShapeError } from '../errors.js';
import { unaryKernel } from '../ops/broadcast.js';
import { op } from '../ops/define.js';
import { add, clamp, div, exp, log, log1p, maximum, mul, neg, oneHot, pick, reshape, sub, where } from '../ops/index.js';
import { fmt } from '../shape.js';
import { Tensor, full } from '../tensor.js';
import {
  checkBatch, checkRange, checkTensor, checkValues, classLabels, classWeight, options, reduce, rowWeights, samePair,
  type Labels, type Reduction, type ReductionOptions,
} from './common.js';
import { fusedBceWithLogits, fusedCrossEntropy, fusedCrossEntropyDense, type Fused } from './fused.js';

export interface CrossEntropyOptions extends ReductionOptions {
  /** A rescaling weight per class, shape [C]. */
  weight?: Tensor;
  /** ε in [0, 1]: the target becomes (1 - ε)·target + ε/C. */
  labelSmoothing?: number;
}

/** The fused kernels' reduction: a scaled total, or per-row losses. */
function fusedReduction(reduction: Reduction, divisor: number): Fused {
  return reduction === 'none' ? { scale: 1, total: false } : { scale: reduction === 'mean' ? 1 / divisor : 1, total: true };
}

/**
 * Cross-entropy of [B, C] logits, as torch.nn.functional.cross_entropy. The
 * target is either class indices (B integers in [0, C): an int32 tensor or
 * plain numbers) or a [B, C] matrix of class probabilities. Computed by one
 * fused kernel from the logits (max subtracted: logits of ±1000 are fine).
 * 'mean' divides by B, or by Σ weight[label] for class indices with weights.
 */
export function crossEntropy(logits: Tensor, target: Labels, opts?: CrossEntropyOptions): Tensor {
  const o = options('crossEntropy', opts, { reduction: 'mean' as Reduction, weight: undefined as Tensor | undefined, labelSmoothing: 0 });
  const x = checkBatch('crossEntropy', logits);
  const [rows, classes] = x.shape;
  const eps = checkRange('crossEntropy', 'labelSmoothing', o.labelSmoothing, 0, 1, true);
  const w = o.weight && classWeight('crossEntropy', o.weight, x);
  if (target instanceof Tensor && target.rank === 2) {
    const [, t] = samePair('crossEntropy', x, target);
    const smoothed = eps === 0 ? t : add(mul(t, 1 - eps), eps / classes);
    return fusedCrossEntropyDense(x, w ? mul(smoothed, w) : smoothed, fusedReduction(o.reduction, rows));
  }
  const labels = classLabels('crossEntropy', target, x);
  if (!w) return fusedCrossEntropy(x, labels, eps, fusedReduction(o.reduction, rows));
  // With class weights the sparse target is the weighted smoothed one-hot row.
  const t = mul(add(mul(oneHot(labels, classes), 1 - eps), eps / classes), w);
  return fusedCrossEntropyDense(x, t, fusedReduction(o.reduction, rowWeights(w, labels, x).total));
}

/**
 * Negative log-likelihood of [B, C] log-probabilities at the labels:
 * -weight[y]·x[n, y]; 'mean' divides by Σ weight[y] (B without weights).
 */
export function nllLoss(logProbs: Tensor, labels: Labels, opts?: ReductionOptions & { weight?: Tensor }): Tensor {
  const o = options('nllLoss', opts, { reduction: 'mean' as Reduction, weight: undefined as Tensor | undefined });
  const x = checkBatch('nllLoss', logProbs);
  const y = classLabels('nllLoss', labels, x);
  const picked = neg(pick(x, y));
  if (!o.weight) return reduce(picked, o.reduction);
  const { perRow, total } = rowWeights(classWeight('nllLoss', o.weight, x), y, x);
  return reduce(mul(picked, perRow), o.reduction, total);
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
  const loss = fusedBceWithLogits(x, y, pw, fusedReduction(weight ? 'none' : o.reduction, x.size));
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
