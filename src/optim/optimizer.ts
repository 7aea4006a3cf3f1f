// The base of every optimizer: parameter groups with their own options, each
// kept in contiguous storage (store.ts), zeroGrad, and stateDict() /
// loadStateDict() as a JSON-able header plus typed-array buffers.
import type { FloatDType } from '../backend/backend.js';
import { ArgumentError, BackendError, CheckpointError, NonFiniteGradientError, ReleasedTensorError } from '../errors.js';
import { fmt, sameShape } from '../shape.js';
import { scope, type Storage } from '../storage.js';
import { Tensor } from '../tensor.js';
import { GroupStore, type Run } from './store.js';
import { checkFloat32 } from './validate.js';
import { checkBoolean, checkInteger, checkNumber, checkOneOf, checkingState, show, withDefaults, type Range } from '../check.js';
import type { Module } from '../nn/module.js';
import { fromTorchState, toTorchState, type TorchContext, type TorchOptimizerState } from './torch.js';

export type NamedParams = Iterable<Tensor> | Iterable<readonly [string, Tensor]>;
/** A parameter group as given: its parameters and options overriding the optimizer's. */
export type GroupSpec<O> = Partial<O> & { params: NamedParams };
/** A parameter group: its options (which may be changed between steps, as schedulers do with lr) and parameters. */
export type ParamGroup<O> = O & { readonly params: readonly Tensor[]; initialLr?: number };

export interface OptimizerOptions {
  /** On a NaN or infinite gradient step() throws a NonFiniteGradientError (default) or skips the step; either way nothing changes. */
  nonFinite?: 'throw' | 'skip';
}

/** Computes the loss (calling backward() as needed); runs inside scope(), so the tensors it makes are released. */
export type Closure = () => number | Tensor;

export interface GroupState {
  options: Record<string, unknown>;
  shapes: number[][];
  /** Per-parameter scalars ('step', ...), one number per parameter. */
  scalars: Record<string, number[]>;
  /** State block name -> index into buffers; a block holds the group's values in parameter order. */
  buffers: Record<string, number>;
}

export interface OptimizerStateDict {
  header: { type: string; format: 1; dtype: FloatDType; groups: GroupState[]; extra?: unknown };
  /** Float32Array on float32 backends (Float64Array on js float64), so a resumed run is bit-identical. */
  buffers: (Float32Array | Float64Array)[];
}

/** The form of a state dict: subgrad's own (the default, every option kept) or PyTorch's, which torch.optim loads. */
export interface StateDictFormat {
  format?: 'subgrad' | 'pytorch';
  /** With 'pytorch': the model whose parameters the optimizer holds, for their layout (null for tensors outside any model). */
  model?: Module<any, any> | null;
}
export type TorchFormat = { format: 'pytorch'; model: Module<any, any> | null };

export function evaluate(closure: Closure, op: string): number {
  if (typeof closure !== 'function') throw new ArgumentError(op, `closure must be a function returning the loss, got ${show(closure)}`);
  return scope(() => {
    const loss = closure();
    if (loss instanceof Tensor) return loss.item();
    if (typeof loss !== 'number') throw new ArgumentError(op, `closure must return the loss as a number or a one-element Tensor, got ${typeof loss}`);
    return loss;
  });
}

function isGroupSpec(x: unknown): x is GroupSpec<object> {
  return x !== null && typeof x === 'object' && !(x instanceof Tensor) && !Array.isArray(x) && 'params' in x;
}

/** A per-parameter scalar of an optimizer's state: its initial value and the values a loaded state may hold. */
export interface ScalarSpec {
  initial: number;
  range: Range;
  integer?: boolean;
}

/** The step count every optimizer keeps per parameter. */
const STEP: ScalarSpec = { initial: 0, range: { min: 0 }, integer: true };

/** A group checked and ready to be committed. */
interface GroupPlan<O> {
  tensors: Tensor[];
  names: string[];
  options: O;
}

export abstract class Optimizer<O extends { lr: number }> {
  readonly paramGroups: ParamGroup<O>[] = [];
  readonly nonFinite: 'throw' | 'skip';
  /** Steps skipped for a non-finite gradient (with nonFinite: 'skip'). */
  skippedSteps = 0;
  protected readonly stores: GroupStore[] = [];
  protected readonly defaults: O;
  private disposed = false;

  constructor(
    /** The optimizer's name: in errors and in state dicts, which load only into the same type. */
    readonly type: string,
    params: NamedParams | readonly GroupSpec<O>[],
    defaults: O,
    options: Partial<O> & OptimizerOptions,
  ) {
    this.defaults = withDefaults(type, defaults, options, ['nonFinite']);
    this.check(this.defaults, type, false);
    this.nonFinite = options.nonFinite ?? 'throw';
    checkOneOf(type, 'nonFinite', this.nonFinite, ['throw', 'skip']);
    if (params === null || typeof params !== 'object' || !(Symbol.iterator in params)) {
      throw new ArgumentError(type, `params must be an array of tensors, of [name, tensor] pairs or of parameter groups, got ${show(params)}`);
    }
    const list = [...(params as Iterable<unknown>)];
    if (list.length === 0) throw new ArgumentError(type, 'got an empty parameter list');
    this.addGroups(list.every(isGroupSpec) ? list : [{ params: list }], type);
  }

  /** Throws an ArgumentError for a bad option; at a step, lr may be 0 (where a schedule can take it). */
  protected abstract validate(o: O, op: string, atStep: boolean): void;

  /** validate(), and the rule all numeric options share: finite in the float32 the kernels compute in. */
  protected check(o: O, op: string, atStep: boolean): void {
    this.validate(o, op, atStep);
    checkFloat32(op, o);
  }

  /** The state blocks a step with options o keeps, with their initial values. */
  protected stateInit(_o: O): Record<string, number> {
    return {};
  }

  /** Per-parameter scalar state besides 'step'. */
  protected scalarState(): Record<string, ScalarSpec> {
    return {};
  }

  /** Every state block this optimizer may keep, with the values it may hold: a state dict naming others is refused. */
  protected abstract readonly stateKeys: Readonly<Record<string, Range>>;

  /** Whether this optimizer takes only one parameter group. */
  protected get oneGroup(): boolean {
    return false;
  }

  abstract step(closure?: Closure): number | undefined;

  addParamGroup(spec: GroupSpec<O>): void {
    const op = `${this.type}.addParamGroup`;
    this.assertUsable(op);
    this.addGroups([spec], op);
  }

  /**
   * Checks every group, then allocates every group's blocks, then moves the
   * parameters in: a refusal (or an OutOfMemoryError) changes nothing.
   */
  private addGroups(specs: readonly unknown[], op: string): void {
    if (this.oneGroup && this.paramGroups.length + specs.length > 1) throw new ArgumentError(op, `${this.type} takes one parameter group (no per-group options)`);
    const taken = new Set<Storage>(this.stores.flatMap((s) => s.tensors.map((t) => t.storage)));
    const plans = specs.map((spec) => this.planGroup(spec, op, taken));
    const initial = Object.fromEntries(Object.entries(this.scalarState()).map(([k, v]) => [k, v.initial]));
    const stores: GroupStore[] = [];
    try {
      for (const plan of plans) stores.push(new GroupStore(plan.tensors, plan.names, initial));
    } catch (e) {
      stores.forEach((s) => s.free());
      throw e;
    }
    stores.forEach((s, i) => {
      s.adopt();
      this.stores.push(s);
      this.paramGroups.push({ ...plans[i].options, params: plans[i].tensors });
    });
  }

  /** Checks one group spec (its parameters are added to `taken`); changes nothing else. */
  private planGroup(spec: unknown, op: string, taken: Set<Storage>): GroupPlan<O> {
    if (!isGroupSpec(spec)) throw new ArgumentError(op, `a parameter group must be an object with a params list, got ${show(spec)}`);
    if (spec.params === null || typeof spec.params !== 'object' || !(Symbol.iterator in spec.params)) {
      throw new ArgumentError(op, `a group's params must be an array of tensors or of [name, tensor] pairs, got ${show(spec.params)}`);
    }
    const tensors: Tensor[] = [];
    const names: string[] = [];
    [...(spec.params as Iterable<unknown>)].forEach((entry, i) => {
      const [name, t] = Array.isArray(entry) ? entry : [`param ${i}`, entry];
      if (!(t instanceof Tensor)) throw new ArgumentError(op, `parameter ${i} must be a Tensor or a [name, Tensor] pair, got ${show(entry)}`);
      t.storage.assertAlive(op);
      if (t.dtype === 'int32') throw new BackendError(op, `parameter '${name}' is an int32 tensor; optimizers update float tensors`);
      if (t.node) throw new ArgumentError(op, `parameter '${name}' was computed by '${t.node.op}'; only leaf tensors can be optimized`);
      if (tensors.length > 0 && t.backend !== tensors[0].backend) {
        throw new BackendError(op, `parameters of a group must share a backend: '${name}' is on ${t.backend.label}, '${names[0]}' on ${tensors[0].backend.label}`);
      }
      if (taken.has(t.storage)) throw new ArgumentError(op, `parameter '${name}' appears twice (or shares storage with another parameter)`);
      if (t.storage.bytes !== t.size * t.backend.bytesPerElement) throw new ArgumentError(op, `parameter '${name}' shares storage with a larger tensor`);
      taken.add(t.storage);
      tensors.push(t);
      names.push(String(name));
    });
    if (tensors.length === 0) throw new ArgumentError(op, 'got an empty parameter list');
    const options = withDefaults(op, this.defaults, spec, ['params']);
    this.check(options, op, false);
    return { tensors, names, options };
  }

  /** Allocates the state blocks each group needs (name → initial value), all or nothing. */
  protected allocateState(needs: readonly Record<string, number>[]): void {
    const made: [GroupStore, string][] = [];
    try {
      needs.forEach((need, gi) => {
        const s = this.stores[gi];
        for (const [name, initial] of Object.entries(need)) {
          if (s.state.has(name)) continue;
          s.buffer(name, initial);
          made.push([s, name]);
        }
      });
    } catch (e) {
      for (const [s, name] of made) s.dropState(name);
      throw e;
    }
  }

  /**
   * Zeroes every gradient. With setToNone (default, as PyTorch) parameters
   * then have no gradient, and a step skips those that get none from backward.
   */
  zeroGrad(setToNone = true): void {
    this.assertUsable(`${this.type}.zeroGrad`);
    checkBoolean(`${this.type}.zeroGrad`, 'setToNone', setToNone);
    for (const s of this.stores) s.zeroGrad(setToNone);
  }

  /**
   * Checks every gradient the runs of each group will read: true when all are
   * finite; false (and one more skipped step) with nonFinite 'skip'; else throws naming the parameter.
   */
  protected gradientsFinite(plans: readonly (readonly Run[])[], op: string): boolean {
    for (let gi = 0; gi < plans.length; gi++) {
      const s = this.stores[gi];
      for (const run of plans[gi]) {
        for (let i = run.start; i < run.end; i++) {
          const index = s.firstNonFinite(i);
          if (index < 0) continue;
          if (this.nonFinite === 'skip') {
            this.skippedSteps++;
            return false;
          }
          const value = s.backend.floats[s.at(s.grads, s.offsets[i] + index) / s.bytesPerElement];
          throw new NonFiniteGradientError(
            op,
            `the gradient of ${s.describe(i, gi)} is ${value} at element ${index}; parameters and optimizer state were left unchanged ` +
              `(pass { nonFinite: 'skip' } to skip such steps)`,
            s.names[i],
            index,
            value,
          );
        }
      }
    }
    return true;
  }

  protected assertUsable(op: string): void {
    if (this.disposed) throw new ReleasedTensorError(op, 'the optimizer was disposed');
  }

  /** Optimizer-wide state beyond the groups' blocks (LBFGS): JSON-able, its arrays pushed to the buffers. */
  protected saveExtra(_push: (a: Float32Array | Float64Array) => number): unknown {
    return undefined;
  }

  /** Checks the extra state of a state dict and returns what applies it, run once everything checked out. */
  protected loadExtra(_extra: unknown, _buffers: readonly unknown[], _op: string): () => void {
    return () => {};
  }

  /** The checked format options, and what the PyTorch form needs to know. */
  #format(op: string, options: StateDictFormat | undefined): TorchContext | null {
    const { format, model } = withDefaults(op, { format: 'subgrad', model: undefined } as StateDictFormat, options);
    checkOneOf(op, 'format', format, ['subgrad', 'pytorch']);
    if (format === 'subgrad') {
      if (model !== undefined) throw new ArgumentError(op, "model is for format: 'pytorch' only");
      return null;
    }
    if (model === undefined) throw new ArgumentError(op, "format 'pytorch' needs model: the nn.Module whose parameters this optimizer holds (null for tensors outside any model)");
    return {
      type: this.type, op, model, dtype: this.stores[0].backend.dtype,
      groups: this.stores.map((s) => s.tensors), names: this.stores.map((s) => s.names),
      stateInit: (o) => this.stateInit({ ...this.defaults, ...o }),
      scalarDefaults: { step: 0, ...Object.fromEntries(Object.entries(this.scalarState()).map(([k, v]) => [k, v.initial])) },
    };
  }

  /**
   * The optimizer's state: subgrad's own form (default) or, with { format:
   * 'pytorch', model }, torch.optim's state_dict (docs/optimizers.md).
   */
  stateDict(): OptimizerStateDict;
  stateDict(options: StateDictFormat & { format?: 'subgrad' }): OptimizerStateDict;
  stateDict(options: TorchFormat): TorchOptimizerState;
  stateDict(options?: StateDictFormat): OptimizerStateDict | TorchOptimizerState {
    const op = `${this.type}.stateDict`;
    this.assertUsable(op);
    const torch = this.#format(op, options);
    if (torch) return toTorchState(this.stateDict(), torch);
    const buffers: (Float32Array | Float64Array)[] = [];
    const push = (a: Float32Array | Float64Array) => buffers.push(a) - 1;
    const groups = this.paramGroups.map((group, gi): GroupState => {
      const s = this.stores[gi];
      const { params: _, ...options } = group;
      const read = (b: Storage) => s.backend.floats.slice(b.ptr / s.bytesPerElement, b.ptr / s.bytesPerElement + s.numel);
      return {
        options: JSON.parse(JSON.stringify(options)),
        shapes: s.tensors.map((t) => [...t.shape]),
        scalars: Object.fromEntries(Object.entries(s.scalars).map(([k, v]) => [k, [...v]])),
        buffers: Object.fromEntries([...s.state].map(([name, b]) => [name, push(read(b))])),
      };
    });
    const extra = this.saveExtra(push);
    const dtype = this.stores[0].backend.dtype;
    return { header: { type: this.type, format: 1, dtype, groups, ...(extra === undefined ? {} : { extra }) }, buffers };
  }

  /**
   * Restores a state dict from stateDict() (options, step counts, state), or
   * torch.optim's with { format: 'pytorch', model }. Everything is checked
   * first: a different optimizer type, group count, parameter count or shape
   * throws a CheckpointError and changes nothing.
   */
  loadStateDict(state: OptimizerStateDict, options?: StateDictFormat & { format?: 'subgrad' }): void;
  loadStateDict(state: TorchOptimizerState, options: TorchFormat): void;
  loadStateDict(given: OptimizerStateDict | TorchOptimizerState, options?: StateDictFormat): void {
    const op = `${this.type}.loadStateDict`;
    this.assertUsable(op);
    const torch = this.#format(op, options);
    const state = torch ? fromTorchState(given, torch) : (given as OptimizerStateDict);
    const header = state?.header;
    if (!header || typeof header !== 'object' || !Array.isArray(state.buffers) || !Array.isArray(header.groups)) {
      throw new CheckpointError(op, 'expected { header, buffers } as returned by stateDict()');
    }
    if (header.type !== this.type) throw new CheckpointError(op, `the state is of a ${String(header.type)} optimizer, not ${this.type}`);
    if (header.format !== 1) throw new CheckpointError(op, `unknown state format ${show(header.format)}; expected 1`);
    if (header.groups.length !== this.stores.length) {
      throw new CheckpointError(op, `the state has ${header.groups.length} parameter groups, this optimizer ${this.stores.length}`);
    }
    const [plans, applyExtra] = checkingState(() => [
      header.groups.map((g, gi) => this.checkGroupState(g, gi, state.buffers, op)),
      this.loadExtra(header.extra, state.buffers, op),
    ] as const);
    // Allocation is the one step that can fail (out of memory): do it before changing anything.
    this.allocateState(plans.map((plan) => Object.fromEntries(plan.buffers.map(([name]) => [name, 0]))));
    plans.forEach((plan, gi) => {
      const s = this.stores[gi];
      const group = this.paramGroups[gi];
      Object.assign(group, plan.options);
      if (plan.initialLr === undefined) delete group.initialLr;
      else group.initialLr = plan.initialLr;
      for (const k of Object.keys(s.scalars)) s.scalars[k] = [...plan.scalars[k]];
      // A block the state lacks was never initialised there: drop it, to be made afresh.
      for (const name of [...s.state.keys()]) if (!plan.buffers.some(([n]) => n === name)) s.dropState(name);
      for (const [name, data] of plan.buffers) s.backend.floats.set(data, s.state.get(name)!.ptr / s.bytesPerElement);
    });
    applyExtra();
  }

  /** Checks one group of a state dict (ArgumentErrors here become CheckpointErrors); changes nothing. */
  private checkGroupState(g: GroupState, gi: number, buffers: readonly unknown[], op: string) {
    const s = this.stores[gi];
    if (!g || typeof g !== 'object' || !Array.isArray(g.shapes) || g.shapes.length !== s.tensors.length) {
      throw new CheckpointError(op, `group ${gi} has ${Array.isArray(g?.shapes) ? g.shapes.length : 'no'} parameters in the state but ${s.tensors.length} here`);
    }
    g.shapes.forEach((shape, i) => {
      if (!Array.isArray(shape) || !sameShape(shape, s.tensors[i].shape)) {
        throw new CheckpointError(op, `${s.describe(i, gi)} has shape ${Array.isArray(shape) ? fmt(shape) : show(shape)} in the state`);
      }
    });
    const { initialLr, ...rest } = checkObjectOrEmpty(op, `group ${gi}'s options`, g.options);
    const options = withDefaults(op, this.defaults, rest);
    this.check(options, op, true);
    if (initialLr !== undefined) checkNumber(op, 'initialLr', initialLr, { min: 0 });
    const scalars = checkObjectOrEmpty(op, `group ${gi}'s scalars`, g.scalars) as Record<string, number[]>;
    for (const [k, spec] of Object.entries({ step: STEP, ...this.scalarState() })) {
      const v = scalars[k];
      if (!Array.isArray(v) || v.length !== s.tensors.length) {
        throw new CheckpointError(op, `group ${gi} needs '${k}' as ${s.tensors.length} numbers, got ${show(v)}`);
      }
      v.forEach((x, i) => {
        const what = `'${k}' of ${s.describe(i, gi)}`;
        if (spec.integer) checkInteger(op, what, x, spec.range.min ?? 0, spec.range.max);
        else checkNumber(op, what, x, spec.range);
      });
    }
    const blocks = Object.entries(checkObjectOrEmpty(op, `group ${gi}'s buffers`, g.buffers)).map(([name, index]): [string, ArrayLike<number>] => {
      if (!Object.hasOwn(this.stateKeys, name)) {
        throw new CheckpointError(op, `group ${gi} has unknown state '${name}'; ${this.type} keeps ${Object.keys(this.stateKeys).join(', ') || 'none'}`);
      }
      return [name, checkBuffer(buffers, index, s.numel, `'${name}' of group ${gi}`, op, this.stateKeys[name])];
    });
    return { options, initialLr: initialLr as number | undefined, scalars, buffers: blocks };
  }

  /**
   * Frees the optimizer's blocks. Parameters (and gradients) get their own
   * storage back and stay usable; the optimizer does not.
   */
  dispose(): void {
    if (this.disposed) return;
    for (const s of this.stores) s.release();
    this.disposed = true;
  }
}

/** buffers[index], checked to be a float array of `length` finite numbers in `range`. */
export function checkBuffer(buffers: readonly unknown[], index: unknown, length: number, what: string, op: string, range: Range = {}): ArrayLike<number> {
  const b = Number.isSafeInteger(index) && (index as number) >= 0 ? buffers[index as number] : undefined;
  if (!(b instanceof Float32Array || b instanceof Float64Array) || b.length !== length) {
    throw new CheckpointError(op, `state ${what} must be a Float32Array or Float64Array of ${length} values (buffer ${show(index)})`);
  }
  for (let i = 0; i < b.length; i++) {
    const v = b[i];
    if (!(Number.isFinite(v) && (range.min === undefined || v >= range.min))) {
      throw new CheckpointError(op, `state ${what} holds ${v} at element ${i}; expected finite values${range.min === undefined ? '' : ` >= ${range.min}`}`);
    }
  }
  return b;
}

/** An object of a state dict, or {} when absent. */
function checkObjectOrEmpty(op: string, what: string, v: unknown): Record<string, unknown> {
  if (v === undefined) return {};
  if (v === null || typeof v !== 'object' || Array.isArray(v)) throw new CheckpointError(op, `${what} must be an object, got ${show(v)}`);
  return v as Record<string, unknown>;
}
