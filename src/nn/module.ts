// Modules: containers of parameters with PyTorch's names ("0.weight") and
// state dicts, so a model saved here loads into the equivalent torch.nn model.
import type { Backend } from '../backend/backend.js';
import { Binary, Reduce } from '../backend/opcodes.js';
import { ArgumentError, CheckpointError, ShapeError } from '../errors.js';
import { checkRecord, type FLOAT_LABELS } from '../io/records.js';
import type { TensorRecord } from '../io/safetensors.js';
import { detach, matmul, relu, transpose, type ReluOptions } from '../ops/index.js';
import { reluSubgradient } from '../ops/elementwise.js';
import { Generator as Rng, defaultGenerator } from '../random.js';
import { checkBackend, checkBoolean, checkInteger, checkNumber, checkObject, checkOneOf, checkOptions, isPrototypeKey, show } from '../check.js';
import { fmt, sameShape } from '../shape.js';
import { noGrad } from '../tape.js';
import { op } from '../ops/define.js';
import { Tensor, empty, tensor } from '../tensor.js';
import * as F from './functional.js';
import { geluApproximation, hardtanhBounds, softplusOptions, type GeluOptions, type SoftplusOptions } from './options.js';

interface Param {
  tensor: Tensor;
  /** Stored as the transpose of its state-dict layout (Linear's weight). */
  transposed: boolean;
}

/** A state dict entry: a tensor, or values such as decodeSafetensors returns (data may also be a plain number[]). */
export type StateEntry = Tensor | TensorRecord | { dtype: (typeof FLOAT_LABELS)[number]; shape: readonly number[]; data: ArrayLike<number> };

export interface LoadStateDictOptions {
  /** Every parameter must be in the state and every state entry must be a parameter (default true). */
  strict?: boolean;
}

/** The base of every layer and model: override forward(), register parameters and submodules in the constructor. */
export abstract class Module<In = Tensor, Out = Tensor> {
  /** Set by train()/eval(); layers that act differently in training read it. */
  training = true;
  readonly #params = new Map<string, Param>();
  readonly #children = new Map<string, Module<any, any>>();

  abstract forward(input: In): Out;

  #checkName(name: string): void {
    if (typeof name !== 'string' || name === '' || name.includes('.') || name.includes('/') || isPrototypeKey(name)) {
      throw new ArgumentError('Module', `a parameter or submodule name must be a non-empty string without '.' or '/', and not a property every object has, got ${show(name)}`);
    }
    if (this.#params.has(name) || this.#children.has(name)) throw new ArgumentError('Module', `the name '${name}' is already registered`);
  }

  /**
   * Adds a parameter (a leaf with requiresGrad). `transposed` declares that the
   * state dict holds its transpose, as Linear does for PyTorch's [out, in] layout.
   */
  protected registerParameter(name: string, t: Tensor, options: { transposed?: boolean } = {}): Tensor {
    this.#checkName(name);
    if (!(t instanceof Tensor) || t.dtype === 'int32' || !t.requiresGrad) {
      throw new ArgumentError('Module', `parameter '${name}' must be a float Tensor created with requiresGrad: true`);
    }
    if (options.transposed && t.rank !== 2) throw new ShapeError('Module', `transposed parameter '${name}' must be 2-D, got shape ${fmt(t.shape)}`);
    this.#params.set(name, { tensor: t, transposed: options.transposed ?? false });
    return t;
  }

  protected registerModule<M extends Module<any, any>>(name: string, m: M): M {
    this.#checkName(name);
    if (!(m instanceof Module)) throw new ArgumentError('Module', `submodule '${name}' must be a Module`);
    this.#children.set(name, m);
    return m;
  }

  #walk(prefix: string, out: [string, Param][] = []): [string, Param][] {
    for (const [name, p] of this.#params) out.push([prefix + name, p]);
    for (const [name, m] of this.#children) m.#walk(`${prefix}${name}.`, out);
    return out;
  }

  /** Direct submodules with their names, in registration order. */
  namedChildren(): [string, Module<any, any>][] {
    return [...this.#children];
  }

  /** Every parameter with its dotted path ('0.weight'), own parameters before submodules'. */
  namedParameters(): [string, Tensor][] {
    return this.#walk('').map(([name, p]) => [name, p.tensor]);
  }

  /** The parameters whose state-dict entry is their transpose (Linear's weight: [in, out] here, [out, in] in PyTorch). */
  transposedParameters(): Set<Tensor> {
    return new Set(this.#walk('').filter(([, p]) => p.transposed).map(([, p]) => p.tensor));
  }

  parameters(): Tensor[] {
    return this.#walk('').map(([, p]) => p.tensor);
  }

  /** Sets training mode on this module and every submodule. */
  train(mode = true): this {
    checkBoolean('train', 'mode', mode);
    this.training = mode;
    for (const m of this.#children.values()) m.train(mode);
    return this;
  }

  eval(): this {
    return this.train(false);
  }

  zeroGrad(): void {
    for (const p of this.parameters()) p.zeroGrad();
  }

  /**
   * The parameters by dotted name in PyTorch's layout. Entries share storage
   * with the parameters, except transposed ones (Linear weights), which are
   * copies made in the current scope.
   */
  stateDict(): Record<string, Tensor> {
    const state: Record<string, Tensor> = {};
    for (const [name, p] of this.#walk('')) {
      state[name] = p.transposed ? noGrad(() => transpose(p.tensor)) : detach(p.tensor);
    }
    return state;
  }

  /**
   * Copies values into the parameters in place (optimizers holding them keep
   * working). An entry is a Tensor or a record { dtype, shape, data } whose
   * data is a typed array or a flat array of numbers (as read from JSON) and
   * whose dtype is 'F32', 'F64', 'float32' or 'float64'. Everything is checked
   * first; on any mismatch nothing changes.
   */
  loadStateDict(state: Record<string, StateEntry>, options?: LoadStateDictOptions): void {
    const op = 'loadStateDict';
    checkObject(op, 'state', state);
    const { strict = true } = checkOptions(op, options, ['strict']);
    checkBoolean(op, 'strict', strict);
    const own = this.#walk('');
    const names = new Set(own.map(([name]) => name));
    const missing = own.map(([name]) => name).filter((name) => !Object.hasOwn(state, name));
    const unexpected = Object.keys(state).filter((name) => !names.has(name));
    if (strict && (missing.length > 0 || unexpected.length > 0)) {
      const list = (xs: string[]) => (xs.length ? xs.map((x) => `'${x}'`).join(', ') : 'none');
      throw new CheckpointError(op, `the state does not match the model: missing ${list(missing)}; unexpected ${list(unexpected)} (pass { strict: false } to load only the tensors both have)`);
    }
    const loads: [Param, ArrayLike<number> | Tensor][] = [];
    for (const [name, p] of own) {
      if (!Object.hasOwn(state, name)) continue;
      p.tensor.storage.assertAlive(op);
      const { shape, kind, data } = readEntry(state[name], name);
      const expected = p.transposed ? [...p.tensor.shape].reverse() : p.tensor.shape;
      if (!sameShape(shape, expected)) {
        throw new CheckpointError(op, `tensor '${name}' has shape ${fmt(shape)} in the state but ${fmt(expected)} in the model`);
      }
      if (kind === 'int32') throw new CheckpointError(op, `tensor '${name}' holds integers; parameters need floats`);
      loads.push([p, data]);
    }
    // Read everything before writing: an entry may share storage with another parameter.
    const values = loads.map(([, data]) => (data instanceof Tensor ? data.data() : data));
    loads.forEach(([p], i) => writeParam(p, values[i]));
  }

  /** Frees every parameter's storage (and gradient) now. */
  dispose(): void {
    for (const p of this.parameters()) p.dispose();
  }
}

/** An entry's shape, kind and values (a Tensor stands for its own values, read once all entries checked out). */
function readEntry(entry: StateEntry, name: string): { shape: readonly number[]; kind: 'float' | 'int32'; data: ArrayLike<number> | Tensor } {
  if (entry instanceof Tensor) {
    entry.storage.assertAlive('loadStateDict');
    return { shape: entry.shape, kind: entry.dtype === 'int32' ? 'int32' : 'float', data: entry };
  }
  return checkRecord('loadStateDict', `entry '${name}'`, entry);
}

function writeParam(p: Param, values: ArrayLike<number>): void {
  const t = p.tensor;
  let src = values;
  if (p.transposed) {
    // The state holds [cols, rows] of our [rows, cols].
    const [rows, cols] = t.shape;
    const out = new Float64Array(t.size);
    for (let c = 0; c < cols; c++) for (let r = 0; r < rows; r++) out[r * cols + c] = values[c * rows + r];
    src = out;
  }
  t.storage.write(src, t.dtype);
}

/** A persistent trainable tensor, even when the model is built inside a scope. */
function parameter(values: ArrayLike<number>, shape: number[], backend?: Backend): Tensor {
  return tensor(values, shape, { backend, requiresGrad: true }).keep();
}

export type Init = 'he' | 'xavier' | 'pytorch';
const INITS: readonly Init[] = ['he', 'xavier', 'pytorch'];

export interface LinearOptions {
  /** Add a learnable bias (default true); it starts at 0, except with init 'pytorch'. */
  bias?: boolean;
  /**
   * 'he' (default): weights normal with std √(2/in) and biases 0, which keeps
   * the scale of ReLU activations (MLP's default) from layer to layer;
   * 'xavier': uniform in ±√(6/(in+out)), for tanh/sigmoid; 'pytorch':
   * torch.nn.Linear's default, weight and bias uniform in ±1/√in (the same
   * distribution, drawn from this library's generator, not torch's).
   */
  init?: Init;
  /** Seed for the initial weights; without it (and without generator) the default generator (manualSeed) is used. */
  seed?: number;
  /** Draw the weights from this generator (how MLP gives its layers different weights from one seed). */
  generator?: Rng;
  backend?: Backend;
}

/** The most values one tensor of weights can have: 2^30 float32s fill the 4 GiB a backend holds. */
const MAX_WEIGHTS = 2 ** 30;

function checkPositiveInt(value: number, what: string, op: string): void {
  checkInteger(op, what, value, 1, MAX_WEIGHTS);
}

function generatorFor(op: string, options: { seed?: number; generator?: Rng }): Rng {
  if (options.generator !== undefined && !(options.generator instanceof Rng)) {
    throw new ArgumentError(op, `generator must be a Generator, got ${show(options.generator)}`);
  }
  if (options.seed !== undefined) checkInteger(op, 'seed', options.seed, 0);
  return options.generator ?? (options.seed === undefined ? defaultGenerator : new Rng(options.seed));
}

/** Options of a layer that makes parameters: known keys, and a backend when given. */
function layerOptions<O extends { backend?: Backend }>(op: string, options: O | undefined, keys: readonly string[]): Partial<O> {
  const o = checkOptions(op, options, keys);
  if (o.backend !== undefined) checkBackend(op, 'backend', o.backend);
  return o;
}

/**
 * y + bias along y's last axis: Linear's bias as one op instead of a
 * broadcast add, so it costs one kernel forward (a row broadcast) and one
 * backward (the column sums of g), without the broadcasting machinery.
 */
export const biasAdd = op({
  name: 'biasAdd',
  forward: ([y, bias]) => {
    const n = bias.size;
    const out = empty(y.shape, y.backend, y.dtype);
    y.backend.kernels.binaryStrided(Binary.Add, y.ptr, bias.ptr, out.ptr, 1, 1, y.size / n, n, 0, 0, n, 1, 0, 0, 0, 1);
    return out;
  },
  vjp: (g, [, bias]) => {
    const db = empty(bias.shape, g.backend, g.dtype);
    const rows = g.size / bias.size;
    // A sum over no rows is 0 (the kernel reads a first row).
    if (rows === 0) g.backend.kernels.fill(db.ptr, db.size, 0);
    else g.backend.kernels.reduce(Reduce.Sum, g.ptr, db.ptr, 1, rows, bias.size);
    return [g, db];
  },
});

/**
 * y = x·W + b. The weight is stored [in, out] so the forward pass is one
 * matmul; its state dict entry is the transpose, PyTorch's [out, in].
 */
export class Linear extends Module {
  readonly weight: Tensor;
  readonly bias: Tensor | null;

  constructor(
    readonly inFeatures: number,
    readonly outFeatures: number,
    options?: LinearOptions,
  ) {
    super();
    const op = 'Linear';
    checkPositiveInt(inFeatures, 'inFeatures', op);
    checkPositiveInt(outFeatures, 'outFeatures', op);
    if (inFeatures * outFeatures > MAX_WEIGHTS) {
      throw new ArgumentError(op, `Linear(${inFeatures}, ${outFeatures}) would have ${inFeatures * outFeatures} weights, more than the ${MAX_WEIGHTS} (2^30) a backend holds`);
    }
    const o = layerOptions(op, options, ['bias', 'init', 'seed', 'generator', 'backend']);
    const { init = 'he', bias: hasBias = true } = o;
    checkOneOf(op, 'init', init, INITS);
    checkBoolean(op, 'bias', hasBias);
    const g = generatorFor(op, o);
    const fill = (values: Float64Array, draw: () => number) => values.forEach((_, i) => (values[i] = draw()));
    const uniform = (bound: number) => () => bound * (2 * g.uniform() - 1);
    const w = new Float64Array(inFeatures * outFeatures);
    const b = new Float64Array(outFeatures);
    if (init === 'he') fill(w, () => Math.sqrt(2 / inFeatures) * g.normal());
    else if (init === 'xavier') fill(w, uniform(Math.sqrt(6 / (inFeatures + outFeatures))));
    else {
      fill(w, uniform(1 / Math.sqrt(inFeatures)));
      if (hasBias) fill(b, uniform(1 / Math.sqrt(inFeatures)));
    }
    this.weight = this.registerParameter('weight', parameter(w, [inFeatures, outFeatures], o.backend), { transposed: true });
    this.bias = hasBias ? this.registerParameter('bias', parameter(b, [outFeatures], o.backend)) : null;
  }

  forward(x: Tensor): Tensor {
    if (!(x instanceof Tensor) || x.rank < 2 || x.shape[x.rank - 1] !== this.inFeatures) {
      const shape = x instanceof Tensor ? fmt(x.shape) : typeof x;
      throw new ShapeError('Linear', `Linear(${this.inFeatures}, ${this.outFeatures}) expects input [batch, ${this.inFeatures}], got ${shape}`);
    }
    const y = matmul(x, this.weight);
    return this.bias ? biasAdd([y, this.bias], undefined) : y;
  }
}

/** Runs its modules in order; they are named '0', '1', ... as in torch.nn.Sequential. */
export class Sequential extends Module {
  readonly layers: readonly Module[];

  constructor(...layers: Module[]) {
    super();
    layers.forEach((m, i) => this.registerModule(String(i), m));
    this.layers = layers;
  }

  forward(x: Tensor): Tensor {
    let y = x;
    for (const m of this.layers) y = m.forward(y);
    return y;
  }
}

export class ReLU extends Module {
  constructor(readonly options: ReluOptions = {}) {
    super();
    reluSubgradient('ReLU', options);
  }
  forward(x: Tensor): Tensor {
    return relu(x, this.options);
  }
}

export class Tanh extends Module {
  forward(x: Tensor): Tensor {
    return F.tanh(x);
  }
}

export class Sigmoid extends Module {
  forward(x: Tensor): Tensor {
    return F.sigmoid(x);
  }
}

/** softplus(βx)/β, exact at every x (the threshold is accepted for PyTorch compatibility, not used). */
export class Softplus extends Module {
  readonly options: Required<SoftplusOptions>;
  constructor(options: SoftplusOptions = {}) {
    super();
    this.options = softplusOptions('Softplus', options);
  }
  forward(x: Tensor): Tensor {
    return F.softplus(x, this.options);
  }
}

/** min(max(x, min), max), default [-1, 1], as torch.nn.Hardtanh. */
export class Hardtanh extends Module {
  readonly min: number;
  readonly max: number;
  constructor(min = -1, max = 1) {
    super();
    [this.min, this.max] = hardtanhBounds('Hardtanh', min, max);
  }
  forward(x: Tensor): Tensor {
    return F.hardtanh(x, this.min, this.max);
  }
}

/** x·σ(x). */
export class SiLU extends Module {
  forward(x: Tensor): Tensor {
    return F.silu(x);
  }
}

/** x·Φ(x), or its tanh approximation with { approximate: 'tanh' }, as torch.nn.GELU. */
export class GELU extends Module {
  readonly approximate: 'none' | 'tanh';
  constructor(options: GeluOptions = {}) {
    super();
    this.approximate = geluApproximation('GELU', options);
  }
  forward(x: Tensor): Tensor {
    return F.gelu(x, { approximate: this.approximate });
  }
}

/** x / (1 + |x|). */
export class Softsign extends Module {
  forward(x: Tensor): Tensor {
    return F.softsign(x);
  }
}

export class LeakyReLU extends Module {
  constructor(readonly negativeSlope = 0.01) {
    super();
    checkNumber('LeakyReLU', 'negativeSlope', negativeSlope);
  }
  forward(x: Tensor): Tensor {
    return F.leakyRelu(x, this.negativeSlope);
  }
}

export class ELU extends Module {
  constructor(readonly alpha = 1) {
    super();
    checkNumber('ELU', 'alpha', alpha);
  }
  forward(x: Tensor): Tensor {
    return F.elu(x, this.alpha);
  }
}

/** Leaky ReLU with learnable slopes: one shared, or one per channel (dimension 1), as torch.nn.PReLU. */
export class PReLU extends Module {
  readonly weight: Tensor;

  constructor(numParameters = 1, options?: { init?: number; backend?: Backend }) {
    super();
    checkPositiveInt(numParameters, 'numParameters', 'PReLU');
    const { init = 0.25, backend } = layerOptions('PReLU', options, ['init', 'backend']);
    checkNumber('PReLU', 'init', init);
    this.weight = this.registerParameter('weight', parameter(new Float64Array(numParameters).fill(init), [numParameters], backend));
  }

  forward(x: Tensor): Tensor {
    return F.prelu(x, this.weight);
  }
}

/** Activation modules MLP can place between its layers, by name. */
export const activations = {
  relu: () => new ReLU(),
  tanh: () => new Tanh(),
  sigmoid: () => new Sigmoid(),
  softplus: () => new Softplus(),
  leakyRelu: () => new LeakyReLU(),
  elu: () => new ELU(),
  prelu: (options) => new PReLU(1, options),
  hardtanh: () => new Hardtanh(),
  silu: () => new SiLU(),
  gelu: () => new GELU(),
  softsign: () => new Softsign(),
} satisfies Record<string, (options: { backend?: Backend }) => Module>;

export type ActivationName = keyof typeof activations;

export interface MLPOptions extends Omit<LinearOptions, 'generator'> {
  /** Between hidden layers (none after the last): a name or a factory (given the backend); default 'relu'. */
  activation?: ActivationName | ((options: { backend?: Backend }) => Module);
}

function mlpLayers(sizes: readonly number[], options: MLPOptions | undefined): Module[] {
  if (!Array.isArray(sizes) || sizes.length < 2) {
    throw new ArgumentError('MLP', `sizes must list at least the input and output sizes, e.g. [784, 128, 10], got ${show(sizes)}`);
  }
  sizes.forEach((n, i) => checkPositiveInt(n, `sizes[${i}]`, 'MLP'));
  const o = layerOptions('MLP', options, ['activation', 'bias', 'init', 'seed', 'backend']);
  const activation = o.activation ?? 'relu';
  const make = typeof activation === 'function' ? activation : Object.hasOwn(activations, activation) ? activations[activation] : undefined;
  if (typeof make !== 'function') {
    throw new ArgumentError('MLP', `unknown activation ${show(activation)}; valid: ${Object.keys(activations).join(', ')} or a function returning a Module`);
  }
  const { seed, activation: _, ...linear } = o;
  const generator = generatorFor('MLP', { seed });
  const layers: Module[] = [];
  for (let i = 0; i + 1 < sizes.length; i++) {
    if (i > 0) layers.push(make({ backend: o.backend }));
    layers.push(new Linear(sizes[i], sizes[i + 1], { ...linear, generator }));
  }
  return layers;
}

/** Linear layers of the given sizes with an activation between them: MLP([784, 128, 10]). */
export class MLP extends Sequential {
  constructor(sizes: readonly number[], options?: MLPOptions) {
    super(...mlpLayers(sizes, options));
  }
}
