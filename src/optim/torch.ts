// PyTorch's optimizer state_dict as plain data, so training moves between
// subgrad and torch.optim mid-run:
//   { state: { 0: { step, exp_avg, exp_avg_sq }, … }, param_groups: [{ lr, betas, eps, weight_decay, …, params: [0, 1] }] }
// Parameters are numbered across groups in order, as torch packs them; each
// tensor is a record in torch's layout (a parameter the model stores
// transposed, Linear's weight, has its state as [out, in]). Both directions go
// through our own state dict, so loading has one checked path.
import type { FloatDType } from '../backend/backend.js';
import { show } from '../check.js';
import { ArgumentError, CheckpointError } from '../errors.js';
import { checkRecord } from '../io/records.js';
import type { SafetensorsDType, TensorRecord } from '../io/safetensors.js';
import { Module } from '../nn/module.js';
import type { Tensor } from '../tensor.js';
import type { GroupState, OptimizerStateDict } from './optimizer.js';

export interface TorchOptimizerState {
  /** Per-parameter state by parameter number; a parameter that never took a step has none (except in Adagrad). */
  state: Record<string, Record<string, TensorRecord>>;
  param_groups: TorchParamGroup[];
}

/** A group's hyper-parameters under torch's names, and the numbers of its parameters. */
export interface TorchParamGroup {
  params: number[];
  [option: string]: unknown;
}

interface TorchSpec {
  /** Our option → torch's hyper-parameter of the same meaning. */
  options: Record<string, string>;
  /** Our options torch lacks, with the value torch's update matches. */
  ours: Record<string, unknown>;
  /** Group keys of some torch versions with the one value this class agrees with. */
  fixed?: Record<string, unknown>;
  /** Our state blocks → torch's per-parameter state names. */
  blocks: Record<string, string>;
  /** Our per-parameter scalars that torch keeps as 0-dim tensors, and their dtype. */
  scalars: Record<string, { name: string; dtype: SafetensorsDType }>;
  /** The scalar whose non-zero value means torch keeps state for the parameter (default 'step'). */
  started?: string;
  /** Torch creates every parameter's state in the constructor (Adagrad), not at its first step. */
  eager?: boolean;
}

// Torch ≥ 1.12 keeps step as a float32 tensor. NAdam's mu_product is written
// as F64, our float64 running product, so a run resumed here is exact
// (torch's load_state_dict casts it to the parameter's dtype).
const STEP = { step: { name: 'step', dtype: 'F32' as const } };
const common = { lr: 'lr', weightDecay: 'weight_decay', maximize: 'maximize' };
const moments = { expAvg: 'exp_avg', expAvgSq: 'exp_avg_sq', maxExpAvgSq: 'max_exp_avg_sq' };
const adam = (decoupled: boolean): TorchSpec => ({
  options: { ...common, betas: 'betas', eps: 'eps', amsgrad: 'amsgrad' },
  ours: { epsInsideSqrt: false, l1: 0 },
  fixed: { decoupled_weight_decay: decoupled },
  blocks: moments,
  scalars: STEP,
});

const SPECS: Record<string, TorchSpec> = {
  SGD: {
    options: { ...common, momentum: 'momentum', dampening: 'dampening', nesterov: 'nesterov' },
    ours: { velocity: false, l1: 0 },
    blocks: { momentumBuffer: 'momentum_buffer' },
    scalars: {},
    started: 'buffered',
  },
  Adagrad: {
    options: { ...common, lrDecay: 'lr_decay', eps: 'eps', initialAccumulatorValue: 'initial_accumulator_value' },
    ours: { epsInsideSqrt: false, l1: 0 },
    blocks: { sum: 'sum' },
    scalars: STEP,
    eager: true,
  },
  RMSprop: {
    options: { ...common, alpha: 'alpha', eps: 'eps', momentum: 'momentum', centered: 'centered' },
    ours: { epsInsideSqrt: false, l1: 0 },
    blocks: { squareAvg: 'square_avg', momentumBuffer: 'momentum_buffer', gradAvg: 'grad_avg' },
    scalars: STEP,
  },
  Adadelta: {
    options: { ...common, rho: 'rho', eps: 'eps' },
    ours: { l1: 0 },
    blocks: { squareAvg: 'square_avg', accDelta: 'acc_delta' },
    scalars: STEP,
  },
  Adam: adam(false),
  AdamW: adam(true),
  NAdam: {
    options: { ...common, betas: 'betas', eps: 'eps', momentumDecay: 'momentum_decay', decoupledWeightDecay: 'decoupled_weight_decay' },
    ours: { epsInsideSqrt: false, l1: 0 },
    blocks: { expAvg: 'exp_avg', expAvgSq: 'exp_avg_sq' },
    scalars: { ...STEP, muProduct: { name: 'mu_product', dtype: 'F64' } },
  },
};

/** Torch group keys that choose an implementation, not the update: accepted and ignored. */
const IMPLEMENTATION_KEYS = ['foreach', 'fused', 'capturable', 'differentiable', 'param_names'];

/** What the conversions need to know about the optimizer. */
export interface TorchContext {
  type: string;
  op: string;
  dtype: FloatDType;
  /** Each group's parameters and their names. */
  groups: readonly (readonly Tensor[])[];
  names: readonly (readonly string[])[];
  /** The model whose parameters the optimizer holds, for their layout; null for tensors outside a model. */
  model: unknown;
  /** The state blocks a step with these options keeps, with their initial values. */
  stateInit: (options: Record<string, unknown>) => Record<string, number>;
  /** Every per-parameter scalar with its value before a first step. */
  scalarDefaults: Record<string, number>;
}

function specFor(c: TorchContext): TorchSpec {
  const spec = SPECS[c.type];
  if (!spec) {
    // LBFGS keeps lists of flat history vectors and Python numbers on its first parameter, tied to torch's internals.
    throw new ArgumentError(c.op, `${c.type} has no PyTorch state form here; PyTorch's form exists for ${Object.keys(SPECS).join(', ')} (save ${c.type} in subgrad's own form)`);
  }
  return spec;
}

/** Which of the optimizer's parameters the model stores transposed. */
function layouts(c: TorchContext): boolean[] {
  const params = c.groups.flat();
  if (c.model === null) return params.map(() => false);
  if (!(c.model instanceof Module)) {
    throw new ArgumentError(c.op, `model must be the nn.Module whose parameters the optimizer holds (or null for tensors outside any model), got ${show(c.model)}`);
  }
  const model = c.model;
  const flipped = model.transposedParameters();
  const transposed = new Map(model.parameters().map((p) => [p, flipped.has(p)]));
  const names = c.names.flat();
  return params.map((p, i) => {
    const t = transposed.get(p);
    if (t === undefined) throw new ArgumentError(c.op, `the optimizer's parameter '${names[i]}' (shape [${p.shape.join(', ')}]) is not a parameter of the model`);
    return t;
  });
}

/** [rows, cols] values as [cols, rows], in a new array of the same kind. */
function transposeValues<A extends Float32Array | Float64Array>(v: ArrayLike<number>, rows: number, cols: number, out: A, at = 0): A {
  for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) out[at + c * rows + r] = v[r * cols + c];
  return out;
}

const floatArray = (dtype: FloatDType, n: number) => (dtype === 'float64' ? new Float64Array(n) : new Float32Array(n));

/** Our state dict in torch's form; options torch has no counterpart for must be at torch's values. */
export function toTorchState(native: OptimizerStateDict, c: TorchContext): TorchOptimizerState {
  const spec = specFor(c);
  const transposed = layouts(c);
  const state: TorchOptimizerState['state'] = {};
  const started = spec.started ?? 'step';
  let index = 0;
  const param_groups = native.header.groups.map((g, gi): TorchParamGroup => {
    const { initialLr, ...options } = g.options;
    for (const [name, value] of Object.entries(spec.ours)) {
      if (options[name] !== value) {
        throw new ArgumentError(c.op, `group ${gi} has ${name}: ${show(options[name])}, which PyTorch's ${c.type} has no counterpart for (it needs ${show(value)}); save in subgrad's own form`);
      }
    }
    const group: TorchParamGroup = { params: [] };
    for (const [ours, theirs] of Object.entries(spec.options)) group[theirs] = options[ours];
    if (initialLr !== undefined) group.initial_lr = initialLr;
    const blocks = c.stateInit(options);
    let offset = 0;
    g.shapes.forEach((shape, i) => {
      const n = shape.reduce((a, d) => a * d, 1);
      const id = index++;
      group.params.push(id);
      if (spec.eager || g.scalars[started][i] !== 0) {
        const entry: Record<string, TensorRecord> = {};
        for (const [ours, { name, dtype }] of Object.entries(spec.scalars)) {
          entry[name] = { dtype, shape: [], data: dtype === 'F64' ? new Float64Array([g.scalars[ours][i]]) : new Float32Array([g.scalars[ours][i]]) };
        }
        for (const [block, initial] of Object.entries(blocks)) {
          const at = g.buffers[block];
          const values = at === undefined ? floatArray(c.dtype, n).fill(initial) : native.buffers[at].slice(offset, offset + n);
          const torchShape = transposed[id] ? [...shape].reverse() : [...shape];
          const data = transposed[id] ? transposeValues(values, shape[0], shape[1], floatArray(c.dtype, n)) : values;
          entry[spec.blocks[block]] = { dtype: c.dtype === 'float64' ? 'F64' : 'F32', shape: torchShape, data };
        }
        state[id] = entry;
      }
      offset += n;
    });
    return group;
  });
  return { state, param_groups };
}

/** A torch state_dict as our state dict, checked against this optimizer; loadStateDict checks the rest. */
export function fromTorchState(torch: unknown, c: TorchContext): OptimizerStateDict {
  const spec = specFor(c);
  const transposed = layouts(c);
  const fail = (message: string): never => {
    throw new CheckpointError(c.op, message);
  };
  const t = torch as Partial<TorchOptimizerState> | null;
  if (t === null || typeof t !== 'object' || t.state === null || typeof t.state !== 'object' || !Array.isArray(t.param_groups)) {
    return fail(`expected PyTorch's optimizer state_dict { state, param_groups }, got ${show(torch)}`);
  }
  if (t.param_groups.length !== c.groups.length) fail(`the state has ${t.param_groups.length} parameter groups, this optimizer ${c.groups.length}`);
  // torch.optim matches parameters by position: the i-th number a group lists is that group's i-th parameter here.
  const listed = new Set<string>();
  t.param_groups.forEach((g, gi) => {
    const ids = (g as Partial<TorchParamGroup> | null)?.params;
    if (!Array.isArray(ids) || ids.length !== c.groups[gi].length) {
      fail(`group ${gi} lists ${Array.isArray(ids) ? ids.length : 'no'} params in the state but has ${c.groups[gi].length} parameters here`);
    }
    for (const id of ids as unknown[]) {
      if (!Number.isSafeInteger(id) || (id as number) < 0 || listed.has(String(id))) fail(`group ${gi} has an invalid or repeated parameter number ${show(id)}`);
      listed.add(String(id));
    }
  });
  const unknownIds = Object.keys(t.state).filter((id) => !listed.has(id));
  if (unknownIds.length) fail(`the state has entries for parameters ${unknownIds.join(', ')}, which no group lists`);

  const stateNames = new Set([...Object.values(spec.scalars).map((s) => s.name), ...Object.values(spec.blocks)]);
  const optionKeys = [...Object.values(spec.options), ...Object.keys(spec.fixed ?? {}), ...IMPLEMENTATION_KEYS, 'initial_lr', 'params'];
  const started = spec.started ?? 'step';
  const buffers: (Float32Array | Float64Array)[] = [];
  let index = 0;
  const groups = t.param_groups.map((g, gi): GroupState => {
    const unknown = Object.keys(g).filter((k) => !optionKeys.includes(k));
    if (unknown.length) fail(`group ${gi} has option '${unknown[0]}', which PyTorch's ${c.type} as read here does not have; valid: ${optionKeys.join(', ')}`);
    for (const [key, value] of Object.entries(spec.fixed ?? {})) {
      if (key in g && g[key] !== value) fail(`group ${gi} has ${key}: ${show(g[key])}; ${c.type} needs ${show(value)}`);
    }
    const options: Record<string, unknown> = {};
    for (const [ours, theirs] of Object.entries(spec.options)) if (theirs in g) options[ours] = g[theirs];
    if ('initial_lr' in g) options.initialLr = g.initial_lr;
    const params = c.groups[gi];
    const shapes = params.map((p) => [...p.shape]);
    const scalars: Record<string, number[]> = Object.fromEntries(Object.entries(c.scalarDefaults).map(([k, v]) => [k, params.map(() => v)]));
    const blocks = c.stateInit(options);
    const entries = params.map((_, i) => t.state![String(g.params[i])] as Record<string, unknown> | undefined);
    // A block is kept when these options need it or some parameter's state has it.
    const kept = Object.keys(spec.blocks).filter((b) => b in blocks || entries.some((e) => e && spec.blocks[b] in e));
    const numel = params.reduce((n, p) => n + p.size, 0);
    const blockIndex: Record<string, number> = {};
    for (const b of kept) blockIndex[b] = buffers.push(floatArray(c.dtype, numel).fill(blocks[b] ?? 0)) - 1;
    let offset = 0;
    params.forEach((p, i) => {
      const id = index++;
      const entry = entries[i];
      const what = `the state of parameter ${g.params[i]} (group ${gi}, shape [${p.shape.join(', ')}])`;
      if (entry !== undefined) {
        if (entry === null || typeof entry !== 'object') fail(`${what} must be an object of tensors, got ${show(entry)}`);
        const extra = Object.keys(entry).filter((k) => !stateNames.has(k));
        if (extra.length) fail(`${what} has '${extra[0]}'; PyTorch's ${c.type} keeps ${[...stateNames].join(', ')}`);
        for (const [ours, { name }] of Object.entries(spec.scalars)) {
          if (!(name in entry)) fail(`${what} lacks '${name}'`);
          const r = checkRecord(c.op, `'${name}' of ${what}`, entry[name]);
          const v = r.data[0];
          if (r.data.length !== 1 || !Number.isFinite(v) || (name === 'step' && !(Number.isInteger(v) && v >= 0))) {
            fail(`'${name}' of ${what} must be one finite number${name === 'step' ? ' (a count >= 0)' : ''}, got ${show(Array.from(r.data))}`);
          }
          scalars[ours][i] = v;
        }
        if (!(started in spec.scalars)) scalars[started][i] = 1;
        const torchShape = transposed[id] ? [...p.shape].reverse() : [...p.shape];
        for (const b of kept) {
          const name = spec.blocks[b];
          if (!(name in entry)) {
            if (b in blocks) fail(`${what} lacks '${name}', which ${c.type} with these options keeps`);
            continue;
          }
          const r = checkRecord(c.op, `'${name}' of ${what}`, entry[name]);
          if (r.kind !== 'float' || r.shape.length !== torchShape.length || r.shape.some((d, k) => d !== torchShape[k])) {
            fail(`'${name}' of ${what} must be a float tensor of shape [${torchShape.join(', ')}] (PyTorch's layout), got ${r.kind} [${r.shape.join(', ')}]`);
          }
          const out = buffers[blockIndex[b]];
          if (transposed[id]) transposeValues(r.data, torchShape[0], torchShape[1], out, offset);
          else for (let k = 0; k < p.size; k++) out[offset + k] = r.data[k];
        }
      }
      offset += p.size;
    });
    return { options, shapes, scalars, buffers: blockIndex };
  });
  return { header: { type: c.type, format: 1, dtype: c.dtype, groups }, buffers };
}
