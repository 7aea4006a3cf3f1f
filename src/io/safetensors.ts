// The safetensors format, to and from bytes (portable: no file system here).
// Layout: an 8-byte little-endian header length N, N bytes of JSON
// { name: { dtype, shape, data_offsets: [begin, end] }, __metadata__?: { string: string } },
// then the raw little-endian data, offsets relative to its start. The reader
// treats the file as hostile: every number is checked before use, and the
// tensors must tile the data exactly (no gaps, no overlap), as the reference
// implementation requires; that also catches a duplicated JSON key.
import { ArgumentError, CheckpointError } from '../errors.js';
import { checkBoolean, checkObject, checkOptions, isPrototypeKey, show } from '../check.js';
import { Module } from '../nn/module.js';
import { Optimizer, type OptimizerStateDict } from '../optim/optimizer.js';
import { scope } from '../storage.js';
import { Tensor } from '../tensor.js';

export type SafetensorsDType = 'F32' | 'F64' | 'I32';

/** A tensor as plain values: what decodeSafetensors returns and what encoders accept besides Tensors. */
export interface TensorRecord {
  dtype: SafetensorsDType;
  shape: number[];
  data: Float32Array | Float64Array | Int32Array;
}

export interface Safetensors {
  tensors: Record<string, TensorRecord>;
  metadata: Record<string, string>;
}

const ELEMENT_BYTES: Record<SafetensorsDType, number> = { F32: 4, F64: 8, I32: 4 };
/** Valid safetensors dtypes that subgrad does not read. */
const OTHER_DTYPES = ['BOOL', 'U8', 'I8', 'F8_E5M2', 'F8_E4M3', 'I16', 'U16', 'F16', 'BF16', 'U32', 'I64', 'U64'];
/** The reference implementation's limit on the header size. */
const MAX_HEADER_BYTES = 100 * 1024 * 1024;
const METADATA = '__metadata__';

function toRecord(value: Tensor | TensorRecord, name: string): TensorRecord {
  if (value instanceof Tensor) {
    value.storage.assertAlive('encodeSafetensors');
    const dtype = value.dtype === 'int32' ? 'I32' : value.dtype === 'float64' ? 'F64' : 'F32';
    return { dtype, shape: [...value.shape], data: value.data() };
  }
  if (value === null || typeof value !== 'object' || !(value.dtype in ELEMENT_BYTES) || !ArrayBuffer.isView(value.data)) {
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

function readValues(view: DataView, at: number, dtype: SafetensorsDType, count: number): TensorRecord['data'] {
  if (dtype === 'F64') {
    const out = new Float64Array(count);
    for (let i = 0; i < count; i++) out[i] = view.getFloat64(at + 8 * i, true);
    return out;
  }
  const out = dtype === 'F32' ? new Float32Array(count) : new Int32Array(count);
  const get = dtype === 'F32' ? view.getFloat32.bind(view) : view.getInt32.bind(view);
  for (let i = 0; i < count; i++) out[i] = get(at + 4 * i, true);
  return out;
}

/** Serialises named tensors (Tensors or records) and string metadata to safetensors bytes. */
export function encodeSafetensors(tensors: Record<string, Tensor | TensorRecord>, metadata: Record<string, string> = {}): ArrayBuffer {
  const op = 'encodeSafetensors';
  checkObject(op, 'tensors', tensors);
  checkObject(op, 'metadata', metadata);
  for (const [k, v] of Object.entries(metadata)) {
    if (isPrototypeKey(k)) throw new ArgumentError(op, `invalid metadata key ${JSON.stringify(k)} (a property every object has)`);
    if (typeof v !== 'string') throw new ArgumentError(op, `metadata values must be strings; '${k}' is ${typeof v}`);
  }
  const header: Record<string, unknown> = Object.keys(metadata).length > 0 ? { [METADATA]: metadata } : {};
  const records: [number, TensorRecord][] = [];
  let offset = 0;
  for (const [name, value] of Object.entries(tensors)) {
    if (name === '' || name === METADATA || isPrototypeKey(name)) throw new ArgumentError(op, `invalid tensor name ${JSON.stringify(name)}`);
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

function checkModule(op: string, model: unknown): void {
  if (!(model instanceof Module)) throw new ArgumentError(op, `model must be an nn.Module, got ${show(model)}`);
}

function checkOptimizer(op: string, optimizer: unknown): void {
  if (!(optimizer instanceof Optimizer)) throw new ArgumentError(op, `optimizer must be an optim optimizer, got ${show(optimizer)}`);
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
  const entries: { name: string; dtype: SafetensorsDType; shape: number[]; begin: number; end: number }[] = [];
  for (const [name, info] of Object.entries(header)) {
    if (name === METADATA) continue;
    if (!isObject(info)) return fail(`entry '${name}' must be an object with dtype, shape and data_offsets`);
    const { dtype, shape, data_offsets: offsets } = info;
    if (typeof dtype !== 'string' || !(dtype in ELEMENT_BYTES)) {
      fail(OTHER_DTYPES.includes(dtype as string)
        ? `tensor '${name}' has dtype ${dtype}, which subgrad does not read (F32, F64, I32)`
        : `tensor '${name}' has unknown dtype ${JSON.stringify(dtype)}`);
    }
    if (!Array.isArray(shape) || !shape.every(isCount)) fail(`tensor '${name}' has an invalid shape ${JSON.stringify(shape)}`);
    if (!Array.isArray(offsets) || offsets.length !== 2 || !offsets.every(isCount)) {
      fail(`tensor '${name}' has invalid data_offsets ${JSON.stringify(offsets)} (expected [begin, end])`);
    }
    const [begin, end] = offsets as number[];
    if (begin > end || end > dataBytes) {
      fail(`tensor '${name}' has data_offsets [${begin}, ${end}] outside the data (${dataBytes} bytes)`);
    }
    const d = dtype as SafetensorsDType;
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
  for (const e of entries) {
    const count = (e.end - e.begin) / ELEMENT_BYTES[e.dtype];
    tensors[e.name] = { dtype: e.dtype, shape: e.shape, data: readValues(view, dataStart + e.begin, e.dtype, count) };
  }
  return { tensors, metadata: metadata as Record<string, string> };
}

/** Extra tensors are stored under this prefix, which no parameter name can have. */
export const EXTRA_PREFIX = 'extra/';
/** An optimizer's state buffers are stored as optimizer/0, optimizer/1, … and its header in the metadata. */
export const OPTIMIZER_PREFIX = 'optimizer/';
const OPTIMIZER_HEADER = 'optimizer';

export interface CheckpointOptions {
  /** More named tensors to store, e.g. a scheduler's numbers; returned by decodeCheckpoint as `extra`. */
  extra?: Record<string, Tensor | TensorRecord>;
  /** Strings stored in the header's __metadata__ (with format: 'pt', which Hugging Face loaders expect). */
  metadata?: Record<string, string>;
  /** An optimizer whose state (moments, step counts, options) is saved with the model, so training resumes exactly. */
  optimizer?: Optimizer<{ lr: number }>;
}

export interface Checkpoint {
  extra: Record<string, TensorRecord>;
  metadata: Record<string, string>;
}

/**
 * A model's state dict (PyTorch layout: `model.load_state_dict(load_file(path))`
 * works for the equivalent torch.nn model once the extra/ and optimizer/ keys
 * are filtered out) plus extra tensors and optimizer state, as safetensors bytes.
 */
export function encodeCheckpoint(model: Module<any, any>, options: CheckpointOptions = {}): ArrayBuffer {
  const op = 'encodeCheckpoint';
  checkModule(op, model);
  const o = checkOptions(op, options, ['extra', 'metadata', 'optimizer']);
  if (o.extra !== undefined) checkObject(op, 'extra', o.extra);
  if (o.optimizer !== undefined) checkOptimizer(op, o.optimizer);
  // The state dict's transposed copies live only as long as this scope.
  return scope(() => {
    const tensors: Record<string, Tensor | TensorRecord> = model.stateDict();
    const metadata: Record<string, string> = { format: 'pt', ...options.metadata };
    for (const [name, t] of Object.entries(options.extra ?? {})) tensors[EXTRA_PREFIX + name] = t;
    if (options.optimizer) {
      const { header, buffers } = options.optimizer.stateDict();
      buffers.forEach((data, i) => {
        tensors[OPTIMIZER_PREFIX + i] = { dtype: data instanceof Float64Array ? 'F64' : 'F32', shape: [data.length], data };
      });
      metadata[OPTIMIZER_HEADER] = JSON.stringify(header);
    }
    return encodeSafetensors(tensors, metadata);
  });
}

/**
 * Loads checkpoint bytes into `model` (and its optimizer state into
 * `options.optimizer`) and returns the rest. All or nothing: a malformed file,
 * a model mismatch or an optimizer mismatch throws and leaves both unchanged.
 */
export interface DecodeCheckpointOptions {
  /** Every parameter must be in the file and every model tensor in the file must be a parameter (default true). */
  strict?: boolean;
  /** Restore this optimizer's state from the file too (it must have been saved with { optimizer }). */
  optimizer?: Optimizer<{ lr: number }>;
}

export function decodeCheckpoint(bytes: ArrayBuffer | ArrayBufferView, model: Module<any, any>, options: DecodeCheckpointOptions = {}): Checkpoint {
  const op = 'decodeCheckpoint';
  checkModule(op, model);
  const { strict = true, optimizer } = checkOptions(op, options, ['strict', 'optimizer']);
  checkBoolean(op, 'strict', strict);
  if (optimizer !== undefined) checkOptimizer(op, optimizer);
  const { tensors, metadata } = decodeSafetensors(bytes);
  const state: Record<string, TensorRecord> = {};
  const extra: Record<string, TensorRecord> = {};
  const buffers: (Float32Array | Float64Array)[] = [];
  for (const [name, r] of Object.entries(tensors)) {
    if (name.startsWith(EXTRA_PREFIX)) {
      const key = name.slice(EXTRA_PREFIX.length);
      if (isPrototypeKey(key)) throw new CheckpointError(op, `the name '${name}' is refused: '${key}' is a property every object has`);
      extra[key] = r;
    } else if (name.startsWith(OPTIMIZER_PREFIX)) {
      // optimizer/0, optimizer/1, ...: the index exactly as encodeCheckpoint writes it.
      const index = name.slice(OPTIMIZER_PREFIX.length);
      if (!/^(0|[1-9]\d{0,8})$/.test(index)) throw new CheckpointError(op, `optimizer state '${name}' is not named ${OPTIMIZER_PREFIX}<index>`);
      if (r.dtype === 'I32') throw new CheckpointError(op, `optimizer state '${name}' holds integers; expected F32 or F64`);
      buffers[Number(index)] = r.data as Float32Array | Float64Array;
    } else state[name] = r;
  }
  if (!optimizer) {
    model.loadStateDict(state, { strict });
    return { extra, metadata };
  }
  if (metadata[OPTIMIZER_HEADER] === undefined) throw new CheckpointError(op, 'the checkpoint holds no optimizer state (save it with { optimizer })');
  let header: unknown;
  try {
    header = JSON.parse(metadata[OPTIMIZER_HEADER]);
  } catch {
    throw new CheckpointError(op, 'the optimizer header in the metadata is not valid JSON');
  }
  // Each load checks everything before it writes; if the model's fails after the optimizer's, put the optimizer back.
  const before = optimizer.stateDict();
  optimizer.loadStateDict({ header, buffers } as OptimizerStateDict);
  try {
    model.loadStateDict(state, { strict });
  } catch (e) {
    optimizer.loadStateDict(before);
    throw e;
  }
  return { extra, metadata };
}
