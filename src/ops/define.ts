// How an op is declared: its forward, its vector-Jacobian product and the
// subgradient it returns at each kink, in one spec (cf. PyTorch's
// derivatives.yaml). Every op registers its spec here, so the kink table in
// docs/kinks.md and the kink probes in test/ are generated from the same data.
import { anomaly, callSite, checkFinite } from '../anomaly.js';
import type { Unary } from '../backend/opcodes.js';
import { checkTensor } from '../check.js';
import { ArgumentError } from '../errors.js';
import { Storage, currentScope, runScope } from '../storage.js';
import { record, untracked } from '../tape.js';
import { Tensor, checkInputs, type NestedArray } from '../tensor.js';
import { unaryKernel } from './broadcast.js';

/** An exact evaluation at a kink: the op applied to `inputs` must return `grads` (upstream all ones). */
export interface KinkProbe {
  inputs: NestedArray[];
  call: (...inputs: Tensor[]) => Tensor;
  grads: NestedArray[];
}

export interface Kink {
  /** Where the op is not differentiable, e.g. "x = 0". */
  at: string;
  /** The element of the subdifferential returned there, and why. */
  returns: string;
  /** A jump rather than a corner: no one-sided-difference bounds to hold the value to. */
  discontinuous?: boolean;
  probe: KinkProbe;
}

export interface OpSpec<P> {
  name: string;
  /** Computes the output; runs without recording, so it may use other ops freely. */
  forward: (inputs: readonly Tensor[], params: P) => Tensor;
  /** One gradient per input (null where none flows), each of its input's shape. */
  vjp: (grad: Tensor, inputs: readonly Tensor[], out: Tensor, params: P) => readonly (Tensor | null)[];
  kinks?: readonly Kink[];
}

export interface OpInfo {
  name: string;
  kinks: readonly Kink[];
  /** Defined by the user with defineOp (gradcheck verifies its declared kinks). */
  custom: boolean;
}

/** Every declared op, built-in and custom, by name. */
export const opTable = new Map<string, OpInfo>();

function register(name: string, kinks: readonly Kink[] = [], custom = false): void {
  if (opTable.has(name)) throw new ArgumentError('defineOp', `an op named '${name}' already exists`);
  opTable.set(name, { name, kinks, custom });
}

const isTensor = (v: unknown): v is Tensor => v instanceof Tensor;
const none: readonly Tensor[] = [];

/** The tensors among an op's params (labels, indices, what forward keeps for backward): saved by the graph like its inputs. */
function tensorsIn(params: unknown): readonly Tensor[] {
  if (params instanceof Tensor) return [params];
  if (params === null || typeof params !== 'object') return none;
  const values = Array.isArray(params) ? params : Object.values(params);
  return values.some(isTensor) ? values.filter(isTensor) : none;
}

export function op<P = undefined>(spec: OpSpec<P>, custom = false): (inputs: readonly Tensor[], params: P) => Tensor {
  register(spec.name, spec.kinks, custom);
  const { name, forward, vjp } = spec;
  const apply = (inputs: readonly Tensor[], params: P): Tensor => {
    let out = untracked(forward, inputs, params);
    // An input handed back unchanged (identity, straight-through) must stay a leaf: the output is an alias.
    if (inputs.includes(out)) out = new Tensor(out.shape, out.dtype, Storage.view(out.storage));
    const site = anomaly ? callSite() : undefined;
    if (anomaly) checkFinite(out, name, 'forward', inputs, site);
    return record(out, name, inputs, tensorsIn(params), (g) => vjp(g, inputs, out, params), site);
  };
  return (inputs, params) => {
    checkInputs(name, inputs);
    if (currentScope()) return apply(inputs, params);
    // Outside any scope an op runs in one of its own: its output and what
    // backward needs survive it, the rest of its temporaries do not.
    return runScope(
      () => apply(inputs, params),
      (out, visit) => {
        visit(out.storage);
        for (const t of tensorsIn(params)) visit(t.storage);
      },
    );
  };
}

/** A map x -> f(x) by one unary kernel, its derivative given in terms of x, the output y and the upstream g. */
export function unaryOp(name: string, kernel: Unary, vjp: (g: Tensor, x: Tensor, y: Tensor) => Tensor, kinks?: readonly Kink[]) {
  const apply = op({ name, forward: ([x]) => unaryKernel(x, kernel), vjp: (g, [x], y) => [vjp(g, x, y)], kinks });
  return (x: Tensor): Tensor => {
    checkTensor(name, 'input', x);
    return apply([x], undefined);
  };
}

/**
 * Lists a function composed of declared ops (a loss, say) in the op table:
 * its gradient is theirs, but the kinks it inherits are stated and probed
 * under its own name like any op's.
 */
export function composite<F extends (...args: never[]) => Tensor>(name: string, kinks: readonly Kink[], fn: F): F {
  register(name, kinks);
  return fn;
}

export interface CustomOpSpec {
  name: string;
  forward: (...inputs: Tensor[]) => Tensor;
  vjp: (grad: Tensor, inputs: readonly Tensor[], out: Tensor) => readonly (Tensor | null)[];
  kinks?: readonly Kink[];
}

/**
 * Adds a user op with the same machinery as the built-ins:
 * `const cube = defineOp({ name: 'cube', forward: (x) => x.pow(3), vjp: (g, [x]) => [g.mul(x.square()).mul(3)] })`.
 */
export function defineOp(spec: CustomOpSpec): (...inputs: Tensor[]) => Tensor {
  for (const key of ['forward', 'vjp'] as const) {
    if (typeof spec?.[key] !== 'function') throw new ArgumentError('defineOp', `spec.${key} must be a function`);
  }
  if (typeof spec.name !== 'string' || spec.name === '') throw new ArgumentError('defineOp', 'spec.name must be a non-empty string');
  const apply = op<undefined>({
    name: spec.name,
    kinks: spec.kinks,
    forward: (inputs) => spec.forward(...inputs),
    vjp: (g, inputs, out) => spec.vjp(g, inputs, out),
  }, true);
  return (...inputs) => {
    inputs.forEach((t, i) => {
      if (!(t instanceof Tensor)) throw new ArgumentError(spec.name, `input ${i} must be a Tensor`);
    });
    return apply(inputs, undefined);
  };
}
