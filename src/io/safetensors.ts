// The safetensors format, to and from bytes (portable: no file system here).
// Layout: an 8-byte little-endian header length N, N bytes of JSON
// { name: { dtype, shape, data_offsets: [begin, end] }, __metadata__?: { string: string } },
// then the raw little-endian data, offsets relative to its start. The reader
// treats the file as hostile: every number is checked before use, and the
// tensors must tile the data exactly (no gaps, no overlap), as the reference
// implementation requires; that also catches a duplicated JSON key.
import { checkBoolean, checkObject, checkOneOf, checkOptions, isPrototypeKey, show, withDefaults } from '../check.js';
import { ArgumentError, CheckpointError } from '../errors.js';
import { Module } from '../nn/module.js';
import { Optimizer, type OptimizerStateDict } from '../optim/optimizer.js';
import { LRScheduler, type SchedulerStateDict } from '../optim/schedulers.js';
import type { TorchOptimizerState } from '../optim/torch.js';
import { scope } from '../storage.js';
import { Tensor } from '../tensor.js';

/** The dtypes of the values subgrad holds: what encoders write and decoders return. */
export type SafetensorsDType = 'F32' | 'F64' | 'I32';

/** A tensor as plain values: what decodeSafetensors returns and what encoders accept besides Tensors. */
export interface TensorRecord {
  dtype: SafetensorsDType;
  shape: number[];
  data: Float32Array | Float64Array | Int32Array;
}

/** A tensor subgrad does not read (a dtype such as U8 or BOOL, or I64 values beyond int32): its bytes as stored, little-endian. */
export interface RawTensor {
  dtype: string;
  shape: number[];
  bytes: Uint8Array;
  /** Why it was not read. */
  reason: string;
}

export interface Safetensors {
  tensors: Record<string, TensorRecord>;
  /** The tensors that could not be read as numbers, by name. */
  raw: Record<string, RawTensor>;
  metadata: Record<string, string>;
}

/** Bytes per element of every dtype the format defines (sub-byte dtypes aside). */
const ELEMENT_BYTES: Record<string, number> = {
  BOOL: 1, U8: 1, I8: 1, F8_E5M2: 1, F8_E4M3: 1, I16: 2, U16: 2, F16: 2, BF16: 2, I32: 4, U32: 4, F32: 4, I64: 8, U64: 8, F64: 8,
};
/** The reference implementation's limit on the header size. */
const MAX_HEADER_BYTES = 100 * 1024 * 1024;
const METADATA = '__metadata__';

function fill<A extends Float32Array | Float64Array | Int32Array>(out: A, value: (i: number) => number): A {
  for (let i = 0; i < out.length; i++) out[i] = value(i);
  return out;
}

/** An IEEE half as a number (exact: every half is a float32). */
function halfToNumber(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exponent = (h >> 10) & 0x1f;
  const mantissa = h & 0x3ff;
  if (exponent === 0) return sign * mantissa * 2 ** -24;
  if (exponent === 0x1f) return mantissa ? NaN : sign * Infinity;
  return sign * (1 + mantissa / 1024) * 2 ** (exponent - 15);
}

const INT32_MIN = -(2n ** 31n);
const INT32_MAX = 2n ** 31n - 1n;

/**
 * How each readable stored dtype becomes values: F16 and BF16 widen exactly to
 * F32; I64 (PyTorch's default integer) narrows to I32 when every value fits,
 * else the tensor is not read and the reason is returned.
 */
const READERS: Record<string, (view: DataView, at: number, count: number) => Omit<TensorRecord, 'shape'> | string> = {
  F64: (v, at, n) => ({ dtype: 'F64', data: fill(new Float64Array(n), (i) => v.getFloat64(at + 8 * i, true)) }),
  F32: (v, at, n) => ({ dtype: 'F32', data: fill(new Float32Array(n), (i) => v.getFloat32(at + 4 * i, true)) }),
  I32: (v, at, n) => ({ dtype: 'I32', data: fill(new Int32Array(n), (i) => v.getInt32(at + 4 * i, true)) }),
  F16: (v, at, n) => ({ dtype: 'F32', data: fill(new Float32Array(n), (i) => halfToNumber(v.getUint16(at + 2 * i, true))) }),
  // A bfloat16 is the upper half of a float32.
  BF16: (v, at, n) => {
    const bits = new Uint32Array(n);
    for (let i = 0; i < n; i++) bits[i] = v.getUint16(at + 2 * i, true) * 0x10000;
    return { dtype: 'F32', data: new Float32Array(bits.buffer) };
  },
  I64: (v, at, n) => {
    const out = new Int32Array(n);
    for (let i = 0; i < n; i++) {
      const x = v.getBigInt64(at + 8 * i, true);
      if (x < INT32_MIN || x > INT32_MAX) return `its value ${x} (element ${i}) is outside the int32 range subgrad reads I64 into`;
      out[i] = Number(x);
    }
    return { dtype: 'I32', data: out };
  },
};

const WRITERS = new Set<string>(['F32', 'F64', 'I32']);

function toRecord(value: Tensor | TensorRecord, name: string): TensorRecord {
  if (value instanceof Tensor) {
    value.storage.assertAlive('encodeSafetensors');
    const dtype = value.dtype === 'int32' ? 'I32' : value.dtype === 'float64' ? 'F64' : 'F32';
    return { dtype, shape: [...value.shape], data: value.data() };
  }
  if (value === null || typeof value !== 'object' || !WRITERS.has(value.dtype) || !ArrayBuffer.isView(value.data)) {
    throw new ArgumentError('encodeSafetensors', `tensor '${name}' must be a Tensor or { dtype: 'F32' | 'F64' | 'I32', shape, data }`);
  }
  const size = value.shape.reduce((n, d) => n * d, 1);
  if (value.data.length !== size) {
    throw new ArgumentError('encodeSafetensors', `tensor '${name}' has ${value.data.length} values but shape [${value.shape.join(', ')}] needs ${size}`);
  }
  return value;
}

function writeValues(view: DataView, at: number, r: TensorRecord): void {
  const d = r.data;
  if (r.dtype === 'F64') for (let i = 0; i < d.length; i++) view.setFloat64(at + 8 * i, d[i], true);
  else if (r.dtype === 'F32') for (let i = 0; i < d.length; i++) view.setFloat32(at + 4 * i, d[i], true);
  else for (let i = 0; i < d.length; i++) view.setInt32(at + 4 * i, d[i], true);
}

/** Serialises named tensors (Tensors or records) and string metadata to safetensors bytes. */
export function encodeSafetensors(tensors: Record<string, Tensor | TensorRecord>, metadata: Record<string, string> = {}): ArrayBuffer {
  const op = 'encodeSafetensors';
  checkObject(op, 'tensors', tensors);
  checkObject(op, 'metadata', metadata);
  for (const [k, v] of Object.entries(metadata)) {
    if (isPrototypeKey(k)) throw new ArgumentError(op, `invalid metadata key ${show(k)} (a property every object has)`);
    if (typeof v !== 'string') throw new ArgumentError(op, `metadata values must be strings; '${k}' is ${typeof v}`);
  }
  const header: Record<string, unknown> = Object.keys(metadata).length > 0 ? { [METADATA]: metadata } : {};
  const records: [number, TensorRecord][] = [];
  let offset = 0;
  for (const [name, value] of Object.entries(tensors)) {
    if (name === '' || name === METADATA || isPrototypeKey(name)) throw new ArgumentError(op, `invalid tensor name ${show(name)}`);
    const r = toRecord(value, name);
    const bytes = r.data.length * ELEMENT_BYTES[r.dtype];
    header[name] = { dtype: r.dtype, shape: r.shape, data_offsets: [offset, offset + bytes] };
    records.push([offset, r]);
    offset += bytes;
  }
  const json = new TextEncoder().encode(JSON.stringify(header));
  // Spaces pad the header so the data starts 8-byte aligned (allowed by the format).
  const headerBytes = Math.ceil(json.length / 8) * 8;
  const out = new ArrayBuffer(8 + headerBytes + offset);
  const view = new DataView(out);
  view.setUint32(0, headerBytes, true);
  new Uint8Array(out, 8, headerBytes).fill(0x20).set(json);
  for (const [at, r] of records) writeValues(view, 8 + headerBytes + at, r);
  return out;
}

const isObject = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);
const isCount = (v: unknown): v is number => Number.isSafeInteger(v) && (v as number) >= 0;

/** Parses safetensors bytes; a malformed file throws a CheckpointError saying what is wrong. */
export function decodeSafetensors(bytes: ArrayBuffer | ArrayBufferView): Safetensors {
  const fail = (message: string): never => {
    throw new CheckpointError('decodeSafetensors', message);
  };
  if (!(bytes instanceof ArrayBuffer) && !ArrayBuffer.isView(bytes)) {
    throw new ArgumentError('decodeSafetensors', `bytes must be an ArrayBuffer or a typed array, got ${show(bytes)}`);
  }
  const u8 = bytes instanceof ArrayBuffer ? new Uint8Array(bytes) : new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (u8.length < 8) fail(`the file has ${u8.length} bytes, fewer than the 8-byte header length`);
  const view = new DataView(u8.buffer, u8.byteOffset, u8.byteLength);
  const headerBytes = view.getUint32(4, true) * 2 ** 32 + view.getUint32(0, true);
  if (headerBytes > u8.length - 8) fail(`the header length ${headerBytes} goes beyond the file (${u8.length - 8} bytes follow the length)`);
  if (headerBytes > MAX_HEADER_BYTES) fail(`the header length ${headerBytes} exceeds the limit of ${MAX_HEADER_BYTES} bytes`);

  let header: unknown;
  try {
    header = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(u8.subarray(8, 8 + headerBytes)));
  } catch (e) {
    fail(`the header is not valid UTF-8 JSON (${(e as Error).message})`);
  }
  if (!isObject(header)) return fail('the header must be a JSON object');

  const metadata = header[METADATA] ?? {};
  if (!isObject(metadata) || Object.values(metadata).some((v) => typeof v !== 'string')) {
    fail(`${METADATA} must be an object of strings`);
  }
  // JSON.parse makes '__proto__' an own key; copied into a record it would replace the record's prototype.
  const prototypeKey = [...Object.keys(header), ...Object.keys(metadata as object)].find(isPrototypeKey);
  if (prototypeKey !== undefined) fail(`the name ${JSON.stringify(prototypeKey)} is refused: it is a property every object has`);
  const dataStart = 8 + headerBytes;
  const dataBytes = u8.length - dataStart;
  const entries: { name: string; dtype: string; shape: number[]; begin: number; end: number }[] = [];
  for (const [name, info] of Object.entries(header)) {
    if (name === METADATA) continue;
    if (!isObject(info)) return fail(`entry '${name}' must be an object with dtype, shape and data_offsets`);
    const { dtype, shape, data_offsets: offsets } = info;
    if (typeof dtype !== 'string' || !Object.hasOwn(ELEMENT_BYTES, dtype)) fail(`tensor '${name}' has unknown dtype ${JSON.stringify(dtype)}`);
    if (!Array.isArray(shape) || !shape.every(isCount)) fail(`tensor '${name}' has an invalid shape ${JSON.stringify(shape)}`);
    if (!Array.isArray(offsets) || offsets.length !== 2 || !offsets.every(isCount)) {
      fail(`tensor '${name}' has invalid data_offsets ${JSON.stringify(offsets)} (expected [begin, end])`);
    }
    const [begin, end] = offsets as number[];
    if (begin > end || end > dataBytes) {
      fail(`tensor '${name}' has data_offsets [${begin}, ${end}] outside the data (${dataBytes} bytes)`);
    }
    const d = dtype as string;
    const expected = (shape as number[]).reduce((n, k) => n * k, 1) * ELEMENT_BYTES[d];
    if (end - begin !== expected) {
      fail(`tensor '${name}' of dtype ${d} and shape [${(shape as number[]).join(', ')}] needs ${expected} bytes but data_offsets span ${end - begin}`);
    }
    entries.push({ name, dtype: d, shape: shape as number[], begin, end });
  }

  const sorted = [...entries].sort((a, b) => a.begin - b.begin || a.end - b.end);
  let covered = 0;
  let previous = '';
  for (const e of sorted) {
    if (e.begin < covered) fail(`tensors '${previous}' and '${e.name}' overlap (byte ${e.begin} < ${covered})`);
    if (e.begin > covered) fail(`bytes [${covered}, ${e.begin}) of the data belong to no tensor`);
    covered = e.end;
    previous = e.name;
  }
  if (covered !== dataBytes) fail(`bytes [${covered}, ${dataBytes}) of the data belong to no tensor`);

  const tensors: Record<string, TensorRecord> = {};
  const raw: Record<string, RawTensor> = {};
  for (const e of entries) {
    const read = READERS[e.dtype];
    const values = read ? read(view, dataStart + e.begin, (e.end - e.begin) / ELEMENT_BYTES[e.dtype]) : `subgrad does not read ${e.dtype} (it reads ${Object.keys(READERS).join(', ')})`;
    if (typeof values !== 'string') tensors[e.name] = { ...values, shape: e.shape };
    else raw[e.name] = { dtype: e.dtype, shape: e.shape, bytes: u8.slice(dataStart + e.begin, dataStart + e.end), reason: values };
  }
  return { tensors, raw, metadata: metadata as Record<string, string> };
}

/** Extra tensors are stored under this prefix, which no parameter name can have. */
export const EXTRA_PREFIX = 'extra/';
/**
 * An optimizer's state is stored under this prefix. In subgrad's form: its
 * buffers as optimizer/0, optimizer/1, … and its header as JSON in the
 * metadata key 'optimizer'. In PyTorch's form: each state tensor as
 * optimizer/state/<parameter>/<name> and the param_groups as JSON in the
 * metadata key 'optimizer/param_groups' (docs/optimizers.md).
 */
export const OPTIMIZER_PREFIX = 'optimizer/';
const OPTIMIZER_HEADER = 'optimizer';
const TORCH_GROUPS = `${OPTIMIZER_PREFIX}param_groups`;
const TORCH_STATE = /^state\/(0|[1-9]\d*)\/([^/]+)$/;
/** A scheduler's state dict, as JSON in the metadata. */
const SCHEDULER = 'scheduler';
const RESERVED_METADATA = [OPTIMIZER_HEADER, TORCH_GROUPS, SCHEDULER];

export interface CheckpointOptions {
  /** More named tensors to store; returned by decodeCheckpoint as `extra`. */
  extra?: Record<string, Tensor | TensorRecord>;
  /** Strings stored in the header's __metadata__ (with format: 'pt', which Hugging Face loaders expect). */
  metadata?: Record<string, string>;
  /** An optimizer whose state (moments, step counts, options) is saved with the model, so training resumes exactly. */
  optimizer?: Optimizer<{ lr: number }>;
  /** 'subgrad' (default: every option kept) or 'pytorch' (torch.optim's state_dict, which torch loads: docs/optimizers.md). */
  optimizerFormat?: 'subgrad' | 'pytorch';
  /** A scheduler whose state (step count, base lrs) is saved too, so a resumed run continues its schedule. */
  scheduler?: LRScheduler;
}

export interface Checkpoint {
  extra: Record<string, TensorRecord>;
  /** Extra tensors subgrad does not read (a dtype such as U8, or I64 values beyond int32), as their bytes. */
  rawExtra: Record<string, RawTensor>;
  metadata: Record<string, string>;
}

function checkStateOwners(op: string, o: { optimizer?: unknown; scheduler?: unknown }): void {
  if (o.optimizer !== undefined && !(o.optimizer instanceof Optimizer)) throw new ArgumentError(op, `optimizer must be an optim optimizer, got ${show(o.optimizer)}`);
  if (o.scheduler === undefined) return;
  if (!(o.scheduler instanceof LRScheduler)) throw new ArgumentError(op, `scheduler must be an optim scheduler, got ${show(o.scheduler)}`);
  if (o.optimizer !== undefined && o.scheduler.optimizer !== o.optimizer) throw new ArgumentError(op, 'scheduler drives a different optimizer than options.optimizer');
}

function checkModel(op: string, model: unknown): asserts model is Module<any, any> {
  if (!(model instanceof Module)) throw new ArgumentError(op, `model must be an nn.Module, got ${show(model)}`);
}

/**
 * A model's state dict (PyTorch layout: `model.load_state_dict(load_file(path))`
 * works for the equivalent torch.nn model once the keys with a '/' — extra/
 * and optimizer/ — are filtered out) plus extra tensors, optimizer and
 * scheduler state, as safetensors bytes.
 */
export function encodeCheckpoint(model: Module<any, any>, options: CheckpointOptions = {}): ArrayBuffer {
  const op = 'encodeCheckpoint';
  checkModel(op, model);
  const o = checkOptions(op, options, ['extra', 'metadata', 'optimizer', 'optimizerFormat', 'scheduler']);
  checkStateOwners(op, o);
  const format = o.optimizerFormat ?? 'subgrad';
  checkOneOf(op, 'optimizerFormat', format, ['subgrad', 'pytorch']);
  if (o.extra !== undefined) checkObject(op, 'extra', o.extra);
  if (o.metadata !== undefined) checkObject(op, 'metadata', o.metadata);
  const reserved = Object.keys(o.metadata ?? {}).filter((k) => RESERVED_METADATA.includes(k));
  if (reserved.length) throw new ArgumentError(op, `metadata key '${reserved[0]}' is reserved for the optimizer and scheduler state (${RESERVED_METADATA.join(', ')})`);
  // The state dicts' transposed copies live only as long as this scope.
  return scope(() => {
    const tensors: Record<string, Tensor | TensorRecord> = model.stateDict();
    const metadata: Record<string, string> = { format: 'pt', ...o.metadata };
    for (const [name, t] of Object.entries(o.extra ?? {})) tensors[EXTRA_PREFIX + name] = t;
    if (o.optimizer && format === 'pytorch') {
      const torch = o.optimizer.stateDict({ format: 'pytorch', model });
      for (const [id, entry] of Object.entries(torch.state)) {
        for (const [name, r] of Object.entries(entry)) tensors[`${OPTIMIZER_PREFIX}state/${id}/${name}`] = r;
      }
      metadata[TORCH_GROUPS] = JSON.stringify(torch.param_groups);
    } else if (o.optimizer) {
      const { header, buffers } = o.optimizer.stateDict();
      buffers.forEach((data, i) => {
        tensors[OPTIMIZER_PREFIX + i] = { dtype: data instanceof Float64Array ? 'F64' : 'F32', shape: [data.length], data };
      });
      metadata[OPTIMIZER_HEADER] = JSON.stringify(header);
    }
    if (o.scheduler) metadata[SCHEDULER] = JSON.stringify(o.scheduler.stateDict());
    return encodeSafetensors(tensors, metadata);
  });
}

export interface DecodeCheckpointOptions {
  /** Every parameter must be in the file and every model tensor in the file must be a parameter (default true). */
  strict?: boolean;
  /** Restore this optimizer's state from the file too (saved with { optimizer }, in either form). */
  optimizer?: Optimizer<{ lr: number }>;
  /** Restore this scheduler's state from the file too (saved with { scheduler }). */
  scheduler?: LRScheduler;
}

function parseJson(text: string, what: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    throw new CheckpointError('decodeCheckpoint', `${what} in the metadata is not valid JSON`);
  }
}

/** What loads the optimizer state found in the file, in whichever form it was saved. */
function optimizerLoad(metadata: Record<string, string>, tensors: Record<string, TensorRecord>, optimizer: Optimizer<{ lr: number }>, model: Module<any, any>): () => void {
  const fail = (message: string): never => {
    throw new CheckpointError('decodeCheckpoint', message);
  };
  if (metadata[OPTIMIZER_HEADER] !== undefined) {
    const header = parseJson(metadata[OPTIMIZER_HEADER], 'the optimizer header');
    const buffers: (Float32Array | Float64Array)[] = [];
    for (const [name, r] of Object.entries(tensors)) {
      if (!/^(0|[1-9]\d{0,8})$/.test(name)) fail(`'${OPTIMIZER_PREFIX}${name}' is not a buffer of the optimizer state saved in subgrad's form`);
      if (r.dtype === 'I32') fail(`optimizer state '${OPTIMIZER_PREFIX}${name}' holds integers; expected F32 or F64`);
      buffers[Number(name)] = r.data as Float32Array | Float64Array;
    }
    return () => optimizer.loadStateDict({ header, buffers } as OptimizerStateDict);
  }
  if (metadata[TORCH_GROUPS] !== undefined) {
    const param_groups = parseJson(metadata[TORCH_GROUPS], `'${TORCH_GROUPS}'`);
    const state: Record<string, Record<string, TensorRecord>> = {};
    for (const [name, r] of Object.entries(tensors)) {
      const m = TORCH_STATE.exec(name) ?? fail(`'${OPTIMIZER_PREFIX}${name}' is not named ${OPTIMIZER_PREFIX}state/<parameter>/<name>`);
      if (isPrototypeKey(m[2])) fail(`the name '${OPTIMIZER_PREFIX}${name}' is refused: '${m[2]}' is a property every object has`);
      (state[m[1]] ??= {})[m[2]] = r;
    }
    return () => optimizer.loadStateDict({ state, param_groups } as TorchOptimizerState, { format: 'pytorch', model });
  }
  return fail('the checkpoint holds no optimizer state (save it with { optimizer })');
}

/**
 * Runs each load in order; if one throws, those before it are undone
 * (latest first) and the error is rethrown. Each load checks everything
 * before it writes, so the failing one changed nothing itself.
 */
function allOrNothing(loads: { load: () => void; undo: () => void }[]): void {
  const done: typeof loads = [];
  try {
    for (const l of loads) {
      l.load();
      done.push(l);
    }
  } catch (e) {
    for (const l of done.reverse()) l.undo();
    throw e;
  }
}

/**
 * Loads checkpoint bytes into `model` (and the optimizer and scheduler state
 * into `options.optimizer` and `options.scheduler`) and returns the rest. All
 * or nothing: a malformed file or any mismatch throws and leaves every one of
 * them unchanged.
 */
export function decodeCheckpoint(bytes: ArrayBuffer | ArrayBufferView, model: Module<any, any>, options: DecodeCheckpointOptions = {}): Checkpoint {
  const op = 'decodeCheckpoint';
  checkModel(op, model);
  const { strict, optimizer, scheduler } = withDefaults(op, { strict: true, optimizer: undefined, scheduler: undefined } as DecodeCheckpointOptions, options);
  checkBoolean(op, 'strict', strict);
  checkStateOwners(op, { optimizer, scheduler });
  const { tensors, raw, metadata } = decodeSafetensors(bytes);
  const state: Record<string, TensorRecord> = {};
  const extra: Record<string, TensorRecord> = {};
  const optimizerTensors: Record<string, TensorRecord> = {};
  const extraKey = (name: string) => {
    const key = name.slice(EXTRA_PREFIX.length);
    if (isPrototypeKey(key)) throw new CheckpointError(op, `the name '${name}' is refused: '${key}' is a property every object has`);
    return key;
  };
  for (const [name, r] of Object.entries(tensors)) {
    if (name.startsWith(EXTRA_PREFIX)) extra[extraKey(name)] = r;
    else if (name.startsWith(OPTIMIZER_PREFIX)) {
      // optimizer/<index> (subgrad's form) or optimizer/state/<i>/<name> (torch's), exactly as encodeCheckpoint writes them.
      const key = name.slice(OPTIMIZER_PREFIX.length);
      if (!/^(0|[1-9]\d{0,8})$/.test(key) && !TORCH_STATE.test(key)) {
        throw new CheckpointError(op, `'${name}' is not named ${OPTIMIZER_PREFIX}<index> or ${OPTIMIZER_PREFIX}state/<parameter>/<name>`);
      }
      optimizerTensors[key] = r;
    }
    else state[name] = r;
  }
  const rawExtra: Record<string, RawTensor> = {};
  const parameters = new Set(model.namedParameters().map(([name]) => name));
  for (const [name, r] of Object.entries(raw)) {
    if (name.startsWith(EXTRA_PREFIX)) rawExtra[extraKey(name)] = r;
    // Without strict, a tensor that is no parameter is ignored, whatever its dtype.
    else if (strict || parameters.has(name) || name.startsWith(OPTIMIZER_PREFIX)) {
      throw new CheckpointError(op, `tensor '${name}' has dtype ${r.dtype}, which cannot be loaded: ${r.reason}`);
    }
  }
  const loads: { load: () => void; undo: () => void }[] = [];
  if (optimizer) {
    const load = optimizerLoad(metadata, optimizerTensors, optimizer, model);
    const before = optimizer.stateDict();
    loads.push({ load, undo: () => optimizer.loadStateDict(before) });
  }
  if (scheduler) {
    if (metadata[SCHEDULER] === undefined) throw new CheckpointError(op, 'the checkpoint holds no scheduler state (save it with { scheduler })');
    const saved = parseJson(metadata[SCHEDULER], 'the scheduler state') as SchedulerStateDict;
    const before = scheduler.stateDict();
    loads.push({ load: () => scheduler.loadStateDict(saved), undo: () => scheduler.loadStateDict(before) });
  }
  loads.push({ load: () => model.loadStateDict(state, { strict }), undo: () => {} });
  allOrNothing(loads);
  return { extra, rawExtra, metadata };
}
