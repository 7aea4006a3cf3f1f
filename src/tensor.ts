// The Tensor: a shape, a dtype and storage on one backend, plus what the tape
// needs (requiresGrad, grad, the node that created it). Arithmetic lives in
// src/ops/; the methods here only forward to it.
import type { Backend } from './backend/backend.js';
import { checkBackend, checkBoolean, checkExtendedNumber, checkInteger, checkNumber, checkOneOf, checkOptions, checkShape, checkTensor, show } from './check.js';
import { ArgumentError, ShapeError } from './errors.js';
import * as ops from './ops/index.js';
import { Generator, defaultGenerator } from './random.js';
import { getBackend } from './runtime.js';
import { fmt, sizeOf, type Shape } from './shape.js';
import { Storage, allocForValues, allocStorage } from './storage.js';
import { backward, type BackwardOptions, type Node } from './tape.js';

export type DType = 'float32' | 'float64' | 'int32';
export type NestedArray = number | NestedArray[];
export type TensorLike = Tensor | number;

export class Tensor {
  readonly size: number;
  requiresGrad: boolean;
  /** Accumulated gradient of a leaf with requiresGrad (lives as long as the leaf's bytes: see docs/memory.md). */
  grad: Tensor | null = null;
  /** The operation that produced this tensor while recording; null for leaves. */
  node: Node | null = null;

  constructor(
    readonly shape: Shape,
    readonly dtype: DType,
    readonly storage: Storage,
    requiresGrad = false,
  ) {
    if (!(storage instanceof Storage) || !Array.isArray(shape)) {
      throw new ArgumentError('Tensor', 'tensors are made by tensor(), zeros(), full(), rand(), randn() or by ops, not by new Tensor()');
    }
    this.size = sizeOf(shape);
    this.requiresGrad = requiresGrad;
  }

  get backend(): Backend {
    return this.storage.backend;
  }
  /** Byte offset of the data in the backend's linear memory, valid until the current scope ends. */
  get ptr(): number {
    return this.storage.ptr;
  }
  get rank(): number {
    return this.shape.length;
  }

  /** A flat copy of the values (Float32Array, Float64Array or Int32Array). */
  data(): Float32Array | Float64Array | Int32Array {
    return this.storage.read(this.dtype);
  }

  /** A copy of the values as nested arrays (a number for rank 0). */
  toArray(): NestedArray {
    const flat = Array.from(this.data());
    if (this.rank === 0) return flat[0];
    const build = (dim: number, offset: number): NestedArray[] => {
      const n = this.shape[dim];
      const step = sizeOf(this.shape.slice(dim + 1));
      const out: NestedArray[] = [];
      for (let i = 0; i < n; i++) out.push(dim === this.rank - 1 ? flat[offset + i] : build(dim + 1, offset + i * step));
      return out;
    };
    return build(0, 0);
  }

  /** The value of a one-element tensor. */
  item(): number {
    if (this.size !== 1) throw new ShapeError('item', `needs a tensor of one element, got shape ${fmt(this.shape)}`);
    return this.data()[0];
  }

  /** Backpropagates from this tensor; see tape.backward. */
  backward(grad?: Tensor, options?: BackwardOptions): void {
    backward(this, grad, options);
  }

  /** Sets the accumulated gradient to zero (keeps its storage: no allocation per step); a disposed gradient is dropped. */
  zeroGrad(): void {
    if (!this.grad) return;
    if (this.grad.storage.alive) this.grad.storage.fill(0);
    else this.grad = null;
  }

  /** Frees the tensor's bytes now (a view only drops itself; arena bytes go with their scope). */
  dispose(): void {
    this.storage.dispose();
    this.grad?.dispose();
    this.grad = null;
    this.node = null;
  }

  /** Makes this tensor owned: it outlives every scope and lives until dispose(). */
  keep(): this {
    this.storage.assertAlive('keep');
    this.storage.own();
    if (this.grad?.storage.alive) this.grad.storage.own();
    return this;
  }

  toBackend(backend: Backend, options?: { requiresGrad?: boolean }): Tensor {
    return toBackend(this, backend, options);
  }

  toString(): string {
    return `Tensor(${fmt(this.shape)}, ${this.dtype}, ${this.backend.label}${this.requiresGrad ? ', requiresGrad' : ''})`;
  }

  add(b: TensorLike) { return ops.add(this, b); }
  sub(b: TensorLike) { return ops.sub(this, b); }
  mul(b: TensorLike) { return ops.mul(this, b); }
  div(b: TensorLike) { return ops.div(this, b); }
  neg() { return ops.neg(this); }
  maximum(b: TensorLike) { return ops.maximum(this, b); }
  minimum(b: TensorLike) { return ops.minimum(this, b); }
  matmul(b: Tensor) { return ops.matmul(this, b); }
  exp() { return ops.exp(this); }
  log() { return ops.log(this); }
  log1p() { return ops.log1p(this); }
  expm1() { return ops.expm1(this); }
  sqrt() { return ops.sqrt(this); }
  square() { return ops.square(this); }
  pow(p: number) { return ops.pow(this, p); }
  abs() { return ops.abs(this); }
  sign() { return ops.sign(this); }
  clamp(min: number, max: number) { return ops.clamp(this, min, max); }
  relu(options?: ops.ReluOptions) { return ops.relu(this, options); }
  erf() { return ops.erf(this); }
  erfc() { return ops.erfc(this); }
  sum(axis?: ops.Axis, keepdims = false) { return ops.sum(this, axis, keepdims); }
  mean(axis?: ops.Axis, keepdims = false) { return ops.mean(this, axis, keepdims); }
  max(axis?: ops.Axis, keepdims = false) { return ops.max(this, axis, keepdims); }
  min(axis?: ops.Axis, keepdims = false) { return ops.min(this, axis, keepdims); }
  argmax(axis?: number, keepdims = false) { return ops.argmax(this, axis, keepdims); }
  argmin(axis?: number, keepdims = false) { return ops.argmin(this, axis, keepdims); }
  norm(axis?: ops.Axis, keepdims = false, p = 2) { return ops.norm(this, axis, keepdims, p); }
  reshape(shape: readonly number[]) { return ops.reshape(this, shape); }
  transpose() { return ops.transpose(this); }
  permute(dims: readonly number[]) { return ops.permute(this, dims); }
  slice(begin: readonly number[], size: readonly number[]) { return ops.slice(this, begin, size); }
  gather(index: Tensor) { return ops.gather(this, index); }
  pick(labels: Tensor) { return ops.pick(this, labels); }
  detach() { return ops.detach(this); }
}

export interface TensorOptions {
  requiresGrad?: boolean;
  /** Defaults to the default backend (see init). */
  backend?: Backend;
  /** 'int32' for class labels and indices; float tensors take the backend's dtype. */
  dtype?: 'float' | 'int32';
}

const bytesOf = (shape: Shape, dtype: DType) => sizeOf(shape) * (dtype === 'float64' ? 8 : 4);

/** An uninitialised tensor for a kernel to write: in the current scope's arena (see allocStorage). */
export function empty(shape: Shape, backend: Backend, dtype: DType = backend.dtype, requiresGrad = false): Tensor {
  return new Tensor(shape, dtype, allocStorage(backend, bytesOf(shape, dtype)), requiresGrad);
}

/** A tensor whose values JS writes: in the current scope's arena, or host memory outside scopes. */
function fresh(shape: Shape, backend: Backend, dtype: DType, requiresGrad: boolean): Tensor {
  return new Tensor(shape, dtype, allocForValues(backend, bytesOf(shape, dtype)), requiresGrad);
}

function flatten(data: NestedArray, op: string): { values: number[]; shape: number[] } {
  const shape: number[] = [];
  for (let d: NestedArray = data; Array.isArray(d); d = d[0]) shape.push(d.length);
  const values: number[] = [];
  const walk = (d: NestedArray, dim: number) => {
    if (dim === shape.length) {
      if (typeof d !== 'number') throw new ShapeError(op, `expected a number at depth ${dim}, got ${show(d)}`);
      values.push(d);
      return;
    }
    if (!Array.isArray(d) || d.length !== shape[dim]) {
      throw new ShapeError(op, `ragged nested array: expected length ${shape[dim]} at depth ${dim}, got ${Array.isArray(d) ? d.length : typeof d}`);
    }
    for (const e of d) walk(e, dim + 1);
  };
  walk(data, 0);
  return { values, shape };
}

const TENSOR_OPTIONS = ['requiresGrad', 'backend', 'dtype'];

/** The checked options of a creation function, with its backend and dtype resolved. */
function resolve<O extends TensorOptions>(op: string, given: O | undefined, int: boolean, more: readonly string[] = []) {
  const options = checkOptions(op, given, [...TENSOR_OPTIONS, ...more]);
  if (options.requiresGrad !== undefined) checkBoolean(op, 'requiresGrad', options.requiresGrad);
  if (options.backend !== undefined) checkBackend(op, 'backend', options.backend);
  if (options.dtype !== undefined) checkOneOf(op, 'dtype', options.dtype, ['float', 'int32']);
  const backend = options.backend ?? getBackend();
  const dtype: DType = options.dtype === 'int32' || (options.dtype === undefined && int) ? 'int32' : backend.dtype;
  return { backend, dtype, requiresGrad: options.requiresGrad ?? false, options };
}

function checkInt32(v: number, op: string, where: string): void {
  if (!Number.isInteger(v) || v < -(2 ** 31) || v > 2 ** 31 - 1) {
    throw new ArgumentError(op, `int32 tensor needs integers in [-2^31, 2^31 - 1], got ${v}${where}`);
  }
}

function fromValues(values: ArrayLike<number>, shape: number[], dtype: DType, backend: Backend, requiresGrad: boolean, op = 'tensor'): Tensor {
  if (dtype === 'int32' && requiresGrad) throw new ArgumentError(op, 'int32 tensors cannot require gradients');
  if (dtype === 'int32' && !(values instanceof Int32Array)) {
    for (let i = 0; i < values.length; i++) checkInt32(values[i], op, ` at index ${i}`);
  }
  const t = fresh(shape, backend, dtype, requiresGrad);
  t.storage.write(values, dtype);
  return t;
}

/**
 * A tensor from nested arrays, a flat array or a typed array (with `shape`).
 * Int32Array data makes an int32 tensor unless options.dtype says otherwise.
 */
export function tensor(data: NestedArray | ArrayLike<number>, shape?: readonly number[], options: TensorOptions = {}): Tensor {
  let values: ArrayLike<number>;
  let inferred: number[];
  if (typeof data === 'number' || Array.isArray(data)) {
    ({ values, shape: inferred } = flatten(data as NestedArray, 'tensor'));
  } else if (ArrayBuffer.isView(data) || (typeof data === 'object' && data !== null && 'length' in data)) {
    values = data as ArrayLike<number>;
    inferred = [values.length];
  } else {
    throw new ArgumentError('tensor', `data must be a number, a (nested) array or a typed array, got ${typeof data}`);
  }
  let finalShape = inferred;
  if (shape !== undefined) {
    finalShape = checkShape('tensor', 'shape', shape);
    if (sizeOf(finalShape) !== values.length) {
      throw new ShapeError('tensor', `data has ${values.length} values but shape ${fmt(finalShape)} needs ${sizeOf(finalShape)}`);
    }
  }
  const { backend, dtype, requiresGrad } = resolve('tensor', options, data instanceof Int32Array);
  return fromValues(values, finalShape, dtype, backend, requiresGrad);
}

export function full(shape: readonly number[], value: number, options: TensorOptions = {}): Tensor {
  const dims = checkShape('full', 'shape', shape);
  const { backend, dtype, requiresGrad } = resolve('full', options, false);
  checkExtendedNumber('full', 'value', value);
  if (dtype === 'int32') {
    checkInt32(value, 'full', '');
    if (requiresGrad) throw new ArgumentError('full', 'int32 tensors cannot require gradients');
  }
  const t = fresh(dims, backend, dtype, requiresGrad);
  if (dtype === 'int32') t.storage.write(new Int32Array(t.size).fill(value), 'int32');
  else t.storage.fill(value);
  return t;
}

export const zeros = (shape: readonly number[], options?: TensorOptions) => full(shape, 0, options);
export const ones = (shape: readonly number[], options?: TensorOptions) => full(shape, 1, options);

export interface RandomOptions extends TensorOptions {
  /** A seed for this call only; without it the default generator (manualSeed) is used. */
  seed?: number;
}

/** Draws `shape` values with `draw(generator, a, b)`, a and b being the two named options (checked finite, with defaults). */
function random(
  op: string, shape: readonly number[], given: RandomOptions | undefined,
  [a, b]: readonly [[string, number], [string, number]], draw: (g: Generator, a: number, b: number) => number,
): Tensor {
  const dims = checkShape(op, 'shape', shape);
  const { backend, dtype, requiresGrad, options } = resolve(op, given, false, ['seed', a[0], b[0]]);
  if (dtype === 'int32') throw new ArgumentError(op, 'draws floats; dtype must be float');
  const values = options as Record<string, unknown>;
  const [p, q] = [a, b].map(([name, initial]) => {
    const v = values[name] ?? initial;
    checkNumber(op, name, v);
    return v;
  });
  if (options.seed !== undefined) checkInteger(op, 'seed', options.seed, 0);
  backend.memory.sizeFor(bytesOf(dims, backend.dtype), op);
  const g = options.seed === undefined ? defaultGenerator : new Generator(options.seed);
  const out = new Float64Array(sizeOf(dims));
  for (let i = 0; i < out.length; i++) out[i] = draw(g, p, q);
  return fromValues(out, dims, backend.dtype, backend, requiresGrad, op);
}

/** Uniform in [low, high) (default [0, 1)); the same seed gives the same numbers on every backend. */
export function rand(shape: readonly number[], options?: RandomOptions & { low?: number; high?: number }): Tensor {
  return random('rand', shape, options, [['low', 0], ['high', 1]], (g, low, high) => low + (high - low) * g.uniform());
}

/** Normal with the given mean and std (default 0 and 1). */
export function randn(shape: readonly number[], options?: RandomOptions & { mean?: number; std?: number }): Tensor {
  return random('randn', shape, options, [['mean', 0], ['std', 1]], (g, mean, std) => mean + std * g.normal());
}

export function assertTensor(x: unknown, op: string, what = 'input'): asserts x is Tensor {
  if (!(x instanceof Tensor)) throw new ArgumentError(op, `${what} must be a Tensor, got ${show(x)}`);
}

/** Throws unless every input is a live float Tensor, all on one backend (the inputs of differentiable ops). */
export function checkInputs(op: string, inputs: readonly unknown[]): Backend {
  const first = inputs[0];
  const backend = first instanceof Tensor ? first.backend : undefined;
  for (let i = 0; i < inputs.length; i++) {
    const t = inputs[i];
    // Every op call passes here: only a bad input goes on to checkTensor, for its error.
    if (!(t instanceof Tensor) || t.dtype === 'int32' || t.backend !== backend || !t.storage.alive) {
      checkTensor(op, inputs.length === 1 ? 'input' : `input ${i}`, t, { backend });
    }
  }
  return backend!;
}

/** A copy of x on another backend (converting float32/float64 as needed); a leaf. */
export function toBackend(x: Tensor, backend: Backend, options?: { requiresGrad?: boolean }): Tensor {
  checkTensor('toBackend', 'x', x, { dtype: 'any' });
  checkBackend('toBackend', 'backend', backend);
  const { requiresGrad = false } = checkOptions('toBackend', options, ['requiresGrad']);
  checkBoolean('toBackend', 'requiresGrad', requiresGrad);
  return fromValues(x.data(), [...x.shape], x.dtype === 'int32' ? 'int32' : backend.dtype, backend, requiresGrad, 'toBackend');
}
