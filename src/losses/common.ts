// What the losses share: options with their defaults, the reduction, and the
// checks of predictions, targets and labels, each run before anything is
// computed and naming the loss.
import { checkNumber } from '../check.js';
import { ArgumentError, BackendError, ShapeError } from '../errors.js';
import { mul, reshape, sum } from '../ops/index.js';
import { fmt, sameShape } from '../shape.js';
import { Tensor, assertTensor, tensor, type NestedArray } from '../tensor.js';

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
    throw new ArgumentError(name, `reduction must be ${reductions.map((r) => `'${r}'`).join(', ')}, got ${JSON.stringify(out.reduction)}`);
  }
  return out as T;
}

/** The reduction of unreduced losses; 'mean' divides by `count` (default: how many there are). */
export function reduce(loss: Tensor, reduction: string, count = loss.size): Tensor {
  if (reduction === 'none') return loss;
  if (reduction === 'sum') return sum(loss);
  return mul(sum(loss), 1 / count);
}

/** A finite number in (lo, hi] or [lo, hi] (when `closed`), else an error naming the option. */
export function checkRange(name: string, what: string, value: unknown, lo: number, hi = Infinity, closed = false): number {
  checkNumber(name, what, value, { ...(closed ? { min: lo } : { above: lo }), ...(hi === Infinity ? {} : { max: hi }) });
  return value;
}

/** Throws unless x is a live tensor on like's backend with at least one element. */
export function checkTensor(name: string, x: unknown, what: string, like?: Tensor): Tensor {
  assertTensor(x, name, what);
  x.storage.assertAlive(name);
  if (like && x.backend !== like.backend) {
    throw new BackendError(name, `${what} lives on ${x.backend.label} but the input on ${like.backend.label}; move one with toBackend()`);
  }
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

/** Label values of the expected shape, from a tensor or from plain numbers. */
function labelValues(name: string, labels: Labels, shape: readonly number[], like: Tensor): Tensor {
  let t: Tensor;
  if (labels instanceof Tensor) t = checkTensor(name, labels, 'labels', like);
  else if (Array.isArray(labels) || ArrayBuffer.isView(labels)) t = tensor(labels as NestedArray, undefined, { backend: like.backend });
  else throw new ArgumentError(name, `labels must be a Tensor or an array of numbers, got ${labels === null ? 'null' : typeof labels}`);
  const size = shape.reduce((a, b) => a * b, 1);
  if (!sameShape(t.shape, shape) && !(t.rank === 1 && t.size === size && shape.length > 1)) {
    throw new ShapeError(name, `labels have shape ${fmt(t.shape)} but shape ${fmt(shape)} is expected for an input of shape ${fmt(like.shape)}`);
  }
  return t;
}

/** Class indices, one per row of a [rows, classes] input: integers in [0, classes), as int32 on like's backend. */
export function classLabels(name: string, labels: Labels, like: Tensor): Tensor {
  const [rows, classes] = like.shape;
  const t = labelValues(name, labels, [rows], like);
  // int32 labels are read in place: this check runs on every training step.
  const values = t.dtype === 'int32' ? t.backend.memory.i32.subarray(t.ptr >> 2, (t.ptr >> 2) + t.size) : t.data();
  for (let r = 0; r < values.length; r++) {
    const v = values[r];
    if (v >= 0 && v < classes && Number.isInteger(v)) continue;
    if (!Number.isInteger(v)) throw new ArgumentError(name, `label ${v} at row ${r} is not an integer class index`);
    throw new ArgumentError(name, `label ${v} at row ${r} is out of range [0, ${classes})`);
  }
  return t.dtype === 'int32' ? t : tensor(Int32Array.from(values), undefined, { backend: like.backend });
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

/** Each row's class weight w[label] (a constant, from a checked weight) and their sum, the divisor of a weighted mean. */
export function rowWeights(weight: Tensor, labels: Tensor, like: Tensor): { perRow: Tensor; total: number } {
  const w = weight.data();
  const picked = Array.from(labels.data(), (c) => w[c]);
  return { perRow: tensor(picked, undefined, { backend: like.backend }), total: picked.reduce((a, b) => a + b, 0) };
}

/** A tensor list (or one tensor) of parameters on one backend. */
export function parameterList(name: string, params: unknown): Tensor[] {
  const list = params instanceof Tensor ? [params] : params;
  if (!Array.isArray(list) || list.length === 0) throw new ArgumentError(name, 'needs a tensor or a non-empty array of tensors');
  list.forEach((p, i) => checkTensor(name, p, `params[${i}]`, list[0]));
  return list;
}
