// What the losses share: options with their defaults, the reduction, and the
// checks of predictions, targets and labels, each run before anything is
// computed and naming the loss.
import { checkInteger, checkNumber, checkTensor as checkTensorOf, type DTypeKind, show } from '../check.js';
import { ArgumentError, ShapeError } from '../errors.js';
import { add, mul, permute, reshape, sum } from '../ops/index.js';
import { fmt, sameShape, sizeOf } from '../shape.js';
import { Storage } from '../storage.js';
import { Tensor, tensor, type NestedArray } from '../tensor.js';

export type Reduction = 'mean' | 'sum' | 'none';

export interface ReductionOptions {
  /** 'mean' (default) averages, 'sum' adds, 'none' returns the unreduced losses. */
  reduction?: Reduction;
}

/** Labels: a tensor, or plain (nested) numbers. */
export type Labels = Tensor | NestedArray | ArrayLike<number>;

const REDUCTIONS: readonly string[] = ['mean', 'sum', 'none'];

/**
 * The given options over the defaults. An unknown key is an error (a typo
 * would otherwise be ignored silently), and so is a reduction not in `reductions`.
 */
export function options<T extends object>(name: string, given: unknown, defaults: T, reductions = REDUCTIONS): T {
  if (given !== undefined && (given === null || typeof given !== 'object')) {
    throw new ArgumentError(name, `options must be an object, got ${String(given)}`);
  }
  const out = { ...defaults } as Record<string, unknown>;
  for (const [key, value] of Object.entries(given ?? {})) {
    if (!(key in defaults)) throw new ArgumentError(name, `unknown option '${key}'; valid options are ${Object.keys(defaults).join(', ')}`);
    if (value !== undefined) out[key] = value;
  }
  if ('reduction' in out && !reductions.includes(out.reduction as string)) {
    throw new ArgumentError(name, `reduction must be ${reductions.map((r) => `'${r}'`).join(', ')}, got ${show(out.reduction)}`);
  }
  return out as T;
}

/**
 * The reduction of unreduced losses; 'mean' divides by `count` (default: how
 * many there are). A mean over nothing (every target ignored) is NaN with a
 * zero gradient, as in PyTorch.
 */
export function reduce(loss: Tensor, reduction: string, count = loss.size): Tensor {
  if (reduction === 'none') return loss;
  if (reduction === 'sum') return sum(loss);
  return count > 0 ? mul(sum(loss), 1 / count) : add(mul(sum(loss), 0), NaN);
}

/** A finite number in (lo, hi] or [lo, hi] (when `closed`), else an error naming the option. */
export function checkRange(name: string, what: string, value: unknown, lo: number, hi = Infinity, closed = false): number {
  checkNumber(name, what, value, { ...(closed ? { min: lo } : { above: lo }), ...(hi === Infinity ? {} : { max: hi }) });
  return value;
}

/** Throws unless x is a live tensor (float unless `dtype` says otherwise) on like's backend with at least one element. */
export function checkTensor(name: string, x: unknown, what: string, like?: Tensor, dtype: DTypeKind = 'float'): Tensor {
  checkTensorOf(name, what, x, { dtype, backend: like?.backend });
  if (x.size === 0) throw new ShapeError(name, `empty batch: ${what} has shape ${fmt(x.shape)}`);
  return x;
}

/** A prediction and its target (or any tensors that must share one shape). */
export function samePair(name: string, input: unknown, target: unknown, what = 'target'): [Tensor, Tensor] {
  const x = checkTensor(name, input, 'input');
  const y = checkTensor(name, target, what, x);
  if (!sameShape(x.shape, y.shape)) {
    throw new ShapeError(name, `${what} has shape ${fmt(y.shape)} but the input has shape ${fmt(x.shape)}; they must match`);
  }
  return [x, y];
}

/** Scores of shape [B, C] with B, C >= 1. */
export function checkBatch(name: string, input: unknown): Tensor {
  const x = checkTensor(name, input, 'input');
  if (x.rank !== 2) throw new ShapeError(name, `expects a [batch, classes] tensor, got shape ${fmt(x.shape)}`);
  return x;
}

/** Scores [B, C] or [B, C, d1, …] (a class axis 1, as PyTorch's N-D losses). */
export function checkClassScores(name: string, input: unknown): Tensor {
  const x = checkTensor(name, input, 'input');
  if (x.rank < 2) throw new ShapeError(name, `expects a [batch, classes] or [batch, classes, d1, …] tensor, got shape ${fmt(x.shape)}`);
  return x;
}

/** [B, C, d1, …] as [B·d1·…, C], one row per target (the class axis moved last: a copy); [B, C] as it is. */
export function classesLast(x: Tensor): Tensor {
  if (x.rank === 2) return x;
  const axes = x.shape.map((_, i) => (i === 0 ? 0 : i < x.rank - 1 ? i + 1 : 1));
  return reshape(permute(x, axes), [-1, x.shape[1]]);
}

/** The shape of one loss per target of [B, C, d1, …] scores: [B, d1, …]. */
export const targetShape = (x: Tensor): number[] => [x.shape[0], ...x.shape.slice(2)];

/** PyTorch's ignore_index: any integer (default −100); targets equal to it give no loss and no gradient. */
export function checkIgnoreIndex(name: string, ignoreIndex: unknown): number {
  checkInteger(name, 'ignoreIndex', ignoreIndex, Number.MIN_SAFE_INTEGER);
  return ignoreIndex;
}

/** Label values of the expected shape, from a tensor or from plain numbers. */
function labelValues(name: string, labels: Labels, shape: readonly number[], like: Tensor): Tensor {
  let t: Tensor;
  if (labels instanceof Tensor) t = checkTensor(name, labels, 'labels', like, 'any');
  else if (Array.isArray(labels) || ArrayBuffer.isView(labels)) t = tensor(labels as NestedArray, undefined, { backend: like.backend });
  else throw new ArgumentError(name, `labels must be a Tensor or an array of numbers, got ${labels === null ? 'null' : typeof labels}`);
  const size = sizeOf(shape);
  if (!sameShape(t.shape, shape) && !(t.rank === 1 && t.size === size && shape.length > 1)) {
    throw new ShapeError(name, `labels have shape ${fmt(t.shape)} but shape ${fmt(shape)} is expected for an input of shape ${fmt(like.shape)}`);
  }
  return t;
}

export interface ClassTargets {
  /** int32 [N], −1 at each ignored target (the kernels' mark of a row without one). */
  labels: Tensor;
  /** How many targets are not ignored: the divisor of an unweighted mean. */
  kept: number;
}

/**
 * Class indices of `shape` (default: one per row of a [rows, classes]
 * input), integers in [0, classes), as int32 [N] on like's backend; those
 * equal to ignoreIndex (when given) become −1.
 */
export function classTargets(
  name: string, labels: Labels, like: Tensor, classes = like.shape[1], shape: readonly number[] = [like.shape[0]], ignoreIndex?: number,
): ClassTargets {
  const t = labelValues(name, labels, shape, like);
  const values = t.data();
  let ignored = 0;
  for (let r = 0; r < values.length; r++) {
    const v = values[r];
    if (v === ignoreIndex) ignored++;
    else if (!(v >= 0 && v < classes && Number.isInteger(v))) {
      const at = shape.length > 1 ? `index ${r}` : `row ${r}`;
      if (!Number.isInteger(v)) throw new ArgumentError(name, `label ${v} at ${at} is not an integer class index`);
      throw new ArgumentError(name, `label ${v} at ${at} is out of range [0, ${classes})${ignoreIndex === undefined ? '' : ` and is not ignoreIndex ${ignoreIndex}`}`);
    }
  }
  // int32 labels without targets to mark (or marked already) are used as they are, flattened.
  const asIs = t.dtype === 'int32' && (ignored === 0 || ignoreIndex === -1);
  const int32 = !asIs
    ? tensor(Int32Array.from(values, (v) => (v === ignoreIndex ? -1 : v)), undefined, { backend: like.backend })
    : t.rank === 1 ? t : new Tensor([t.size], 'int32', Storage.view(t.storage));
  return { labels: int32, kept: values.length - ignored };
}

/** Class indices, one per row of a [rows, classes] input: integers in [0, classes), as int32 on like's backend. */
export function classLabels(name: string, labels: Labels, like: Tensor): Tensor {
  return classTargets(name, labels, like).labels;
}

/** Labels from a fixed set (±1 for hinge losses, 0/1 for contrastive) as floats of the given shape. */
export function setLabels(name: string, labels: Labels, shape: readonly number[], allowed: readonly number[], like: Tensor): Tensor {
  const t = labelValues(name, labels, shape, like);
  const values = t.data();
  for (let i = 0; i < values.length; i++) {
    if (!allowed.includes(values[i])) {
      throw new ArgumentError(name, `label ${values[i]} at index ${i} must be ${allowed.join(' or ')}`);
    }
  }
  return t.dtype !== 'int32' && sameShape(t.shape, shape) ? t : tensor(Float64Array.from(values), [...shape], { backend: like.backend });
}

/** Throws at the first value of x that is not `ok` (flat index and value named). */
export function checkValues(name: string, x: Tensor, what: string, ok: (v: number) => boolean, expected: string): void {
  const values = x.data();
  for (let i = 0; i < values.length; i++) {
    if (!ok(values[i])) throw new ArgumentError(name, `${what}[${i}] = ${values[i]}: ${expected}`);
  }
}

/** The subgradient every hinge in the losses returns at its margin: 0, whatever relu's global default. */
export const AT_ZERO = { subgradientAtZero: 0 } as const;

/** A class weight vector for [B, C] scores, checked, as a [1, C] row. */
export function classWeight(name: string, weight: Tensor, like: Tensor): Tensor {
  checkTensor(name, weight, 'weight', like);
  const classes = like.shape[1];
  if (weight.rank !== 1 || weight.size !== classes) {
    throw new ShapeError(name, `weight must have shape [${classes}] (one per class), got ${fmt(weight.shape)}`);
  }
  return reshape(weight, [1, classes]);
}

/** Each row's class weight w[label] (0 for an ignored row; a constant, from a checked weight) and their sum, the divisor of a weighted mean. */
export function rowWeights(weight: Tensor, labels: Tensor, like: Tensor): { perRow: Tensor; total: number } {
  const w = weight.data();
  const picked = Array.from(labels.data(), (c) => (c < 0 ? 0 : w[c]));
  return { perRow: tensor(picked, undefined, { backend: like.backend }), total: picked.reduce((a, b) => a + b, 0) };
}

/** A tensor list (or one tensor) of parameters on one backend. */
export function parameterList(name: string, params: unknown): Tensor[] {
  const list = params instanceof Tensor ? [params] : params;
  if (!Array.isArray(list) || list.length === 0) throw new ArgumentError(name, 'needs a tensor or a non-empty array of tensors');
  list.forEach((p, i) => checkTensor(name, p, `params[${i}]`, list[0]));
  return list;
}
