// Tensor records ({ dtype, shape, data }) that come from outside — a decoded
// file, a JSON document, a torch state — checked before anything reads them.
import { CheckpointError } from '../errors.js';
import { show } from '../check.js';

/** The dtype labels a record may carry: safetensors' names or subgrad's tensor dtypes. */
export const FLOAT_LABELS = ['F32', 'F64', 'float32', 'float64'] as const;
export const INT_LABELS = ['I32', 'int32'] as const;

type Label = (typeof FLOAT_LABELS)[number] | (typeof INT_LABELS)[number];

/** The typed array each label allows besides a plain array of numbers. */
const ARRAY_OF: Record<Label, Float32ArrayConstructor | Float64ArrayConstructor | Int32ArrayConstructor> = {
  F32: Float32Array, float32: Float32Array, F64: Float64Array, float64: Float64Array, I32: Int32Array, int32: Int32Array,
};

export interface CheckedRecord {
  kind: 'float' | 'int32';
  shape: number[];
  data: ArrayLike<number>;
}

/**
 * A record whose dtype label is known and agrees with its data (a typed array
 * or a flat array of numbers) and whose data fills its shape. Throws a
 * CheckpointError naming `what` otherwise.
 */
export function checkRecord(op: string, what: string, entry: unknown): CheckedRecord {
  const fail = (message: string): never => {
    throw new CheckpointError(op, `${what} ${message}`);
  };
  if (entry === null || typeof entry !== 'object') return fail(`must be a Tensor or { dtype, shape, data }, got ${show(entry)}`);
  const { dtype, shape, data } = entry as Record<string, unknown>;
  if (!Object.hasOwn(ARRAY_OF, dtype as string)) {
    fail(`has dtype ${show(dtype)}; expected ${FLOAT_LABELS.map(show).join(', ')} (floats) or ${INT_LABELS.map(show).join(', ')} (integers)`);
  }
  const label = dtype as Label;
  if (!Array.isArray(shape) || !shape.every((d) => Number.isSafeInteger(d) && d >= 0)) fail(`has an invalid shape ${show(shape)}`);
  const kind = (INT_LABELS as readonly string[]).includes(label) ? 'int32' : 'float';
  if (ArrayBuffer.isView(data)) {
    if (!(data instanceof ARRAY_OF[label])) fail(`has dtype '${label}' but its data is a ${data.constructor.name}`);
  } else if (Array.isArray(data)) {
    const bad = data.findIndex((v) => typeof v !== 'number' || (kind === 'int32' && !Number.isInteger(v)));
    if (bad >= 0) fail(`data[${bad}] is ${show(data[bad])}, not ${kind === 'int32' ? 'an integer' : 'a number'} (data is flat: the shape gives the layout)`);
  } else {
    fail(`data must be a typed array or an array of numbers, got ${show(data)}`);
  }
  const values = data as ArrayLike<number>;
  const size = (shape as number[]).reduce((n, d) => n * d, 1);
  if (values.length !== size) fail(`has ${values.length} values but shape [${(shape as number[]).join(', ')}] needs ${size}`);
  return { kind, shape: [...(shape as number[])], data: values };
}
