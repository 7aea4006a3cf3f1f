// The vocabulary every public entry checks its arguments with. Each checker
// throws a typed error naming the op, the argument, the value it got and what
// was expected, before anything changes; none of them allocates or mutates.
import { ArgumentError, BackendError, CheckpointError, ShapeError } from './errors.js';
import { Backend } from './backend/backend.js';
import { Tensor } from './tensor.js';

/** An instance of a class (a Dataset, a Module, a Backend): named, never serialised (it may hold all of memory). */
const isInstance = (v: unknown): v is object =>
  v !== null && typeof v === 'object' && !Array.isArray(v) && ![null, Object.prototype].includes(Object.getPrototypeOf(v));

/** A short description of any value for an error message. */
export function show(v: unknown): string {
  if (v instanceof Tensor) return v.toString();
  if (typeof v === 'string') return `'${v}'`;
  if (typeof v === 'function') return 'a function';
  if (typeof v === 'bigint') return `${v}n`;
  if (typeof v === 'symbol') return v.toString();
  if (ArrayBuffer.isView(v)) return `a ${v.constructor.name} of length ${(v as unknown as ArrayLike<number>).length}`;
  if (isInstance(v)) return `a ${v.constructor?.name ?? 'object'}`;
  try {
    const s = JSON.stringify(v, (_key, x) => (x instanceof Tensor ? x.toString() : isInstance(x) || typeof x === 'bigint' || typeof x === 'function' ? show(x) : x));
    if (s === undefined) return String(v);
    return s.length > 80 ? `${s.slice(0, 77)}...` : s;
  } catch {
    return Object.prototype.toString.call(v);
  }
}

export interface Range {
  /** Inclusive lower bound. */
  min?: number;
  /** Exclusive lower bound. */
  above?: number;
  /** Inclusive upper bound. */
  max?: number;
  /** Exclusive upper bound. */
  below?: number;
}

function rangeText(r: Range): string {
  const lo = r.min !== undefined ? `[${r.min}` : r.above !== undefined ? `(${r.above}` : '';
  const hi = r.max !== undefined ? `${r.max}]` : r.below !== undefined ? `${r.below})` : '';
  if (lo && hi) return ` in ${lo}, ${hi}`;
  if (lo) return r.min !== undefined ? ` >= ${r.min}` : ` > ${r.above}`;
  if (hi) return r.max !== undefined ? ` <= ${r.max}` : ` < ${r.below}`;
  return '';
}

const inRange = (v: number, r: Range) =>
  (r.min === undefined || v >= r.min) && (r.above === undefined || v > r.above) &&
  (r.max === undefined || v <= r.max) && (r.below === undefined || v < r.below);

/** A finite number in the range. */
export function checkNumber(op: string, name: string, v: unknown, range: Range = {}): asserts v is number {
  if (typeof v !== 'number' || !Number.isFinite(v) || !inRange(v, range)) {
    throw new ArgumentError(op, `${name} must be a finite number${rangeText(range)}, got ${show(v)}`);
  }
}

/** A number that may be ±Infinity (bounds such as clamp's), never NaN. */
export function checkExtendedNumber(op: string, name: string, v: unknown): asserts v is number {
  if (typeof v !== 'number' || Number.isNaN(v)) throw new ArgumentError(op, `${name} must be a number (±Infinity allowed), got ${show(v)}`);
}

/** A safe integer >= min (and <= max when given). */
export function checkInteger(op: string, name: string, v: unknown, min: number, max = Number.MAX_SAFE_INTEGER): asserts v is number {
  if (!Number.isSafeInteger(v) || (v as number) < min || (v as number) > max) {
    const range = max === Number.MAX_SAFE_INTEGER ? `>= ${min}` : `in [${min}, ${max}]`;
    throw new ArgumentError(op, `${name} must be an integer ${range}, got ${show(v)}`);
  }
}

export function checkBoolean(op: string, name: string, v: unknown): asserts v is boolean {
  if (typeof v !== 'boolean') throw new ArgumentError(op, `${name} must be true or false, got ${show(v)}`);
}

export function checkString(op: string, name: string, v: unknown): asserts v is string {
  if (typeof v !== 'string') throw new ArgumentError(op, `${name} must be a string, got ${show(v)}`);
}

export function checkOneOf<T>(op: string, name: string, v: unknown, values: readonly T[]): asserts v is T {
  if (!values.includes(v as T)) throw new ArgumentError(op, `${name} must be one of ${values.map(show).join(', ')}, got ${show(v)}`);
}

export function checkFunction(op: string, name: string, v: unknown): asserts v is (...args: never[]) => unknown {
  if (typeof v !== 'function') throw new ArgumentError(op, `${name} must be a function, got ${show(v)}`);
}

/** A plain object (options, records): not null, not an array, not a tensor. */
/**
 * Whether a name would replace or shadow a property every plain object has
 * ('__proto__', 'constructor', 'toString', ...): such names are refused as keys
 * of the records subgrad builds (tensor names, state dicts, metadata).
 */
export function isPrototypeKey(name: string): boolean {
  return name in Object.prototype;
}

export function checkObject(op: string, name: string, v: unknown): asserts v is Record<string, unknown> {
  if (v === null || typeof v !== 'object' || Array.isArray(v) || v instanceof Tensor) {
    throw new ArgumentError(op, `${name} must be an object, got ${show(v)}`);
  }
}

/**
 * An options object whose keys are all known (undefined is {}); returns it.
 * A misspelt key is refused with the list of valid ones, as PyTorch's
 * keyword arguments are.
 */
export function checkOptions<O extends object>(op: string, v: O | undefined, keys: readonly string[], name = 'options'): Partial<O> {
  if (v === undefined) return {};
  checkObject(op, name, v);
  for (const key of Object.keys(v)) {
    if (!keys.includes(key)) {
      throw new ArgumentError(op, `unknown option '${key}'; valid options are ${keys.join(', ') || 'none'}`);
    }
  }
  return v;
}

/** The defaults overridden by the given options; an unknown key is refused with the list of valid ones. */
export function withDefaults<O extends object>(op: string, defaults: O, given: object | undefined, ignore: readonly string[] = []): O {
  const keys = [...Object.keys(defaults), ...ignore];
  checkOptions(op, given, keys);
  const out = { ...defaults } as Record<string, unknown>;
  for (const [key, value] of Object.entries(given ?? {})) {
    if (ignore.includes(key) || value === undefined) continue;
    out[key] = value;
  }
  return out as O;
}

export type DTypeKind = 'float' | 'int32' | 'any';

export interface TensorCheck {
  /** 'float' (default), 'int32' or 'any'. */
  dtype?: DTypeKind;
  /** The backend it must live on (data of another op, say). */
  backend?: Backend;
  /** The rank it must have. */
  rank?: number;
}

const ANY_FLOAT: TensorCheck = {};

/** A live Tensor of the right dtype (and backend and rank when asked). */
export function checkTensor(op: string, name: string, v: unknown, want: TensorCheck = ANY_FLOAT): asserts v is Tensor {
  // Every op's inputs pass here: the common case is one test, without allocating.
  const dtypeOk = want.dtype === 'any' || (v instanceof Tensor && (v.dtype === 'int32') === (want.dtype === 'int32'));
  if (v instanceof Tensor && dtypeOk && v.storage.alive && (!want.backend || v.backend === want.backend) && (want.rank === undefined || v.rank === want.rank)) return;
  if (!(v instanceof Tensor)) throw new ArgumentError(op, `${name} must be a Tensor, got ${show(v)}`);
  v.storage.assertAlive(op);
  const kind = want.dtype ?? 'float';
  if (kind === 'float' && v.dtype === 'int32') {
    throw new BackendError(op, `${name} must be a float tensor, got an int32 tensor of shape [${v.shape.join(', ')}]`);
  }
  if (kind === 'int32' && v.dtype !== 'int32') {
    throw new BackendError(op, `${name} must be an int32 tensor (e.g. tensor(new Int32Array(...))), got a ${v.dtype} tensor`);
  }
  if (want.backend && v.backend !== want.backend) {
    throw new BackendError(op, `${name} lives on ${v.backend.label} but the other operands on ${want.backend.label}; move it with toBackend()`);
  }
  if (want.rank !== undefined && v.rank !== want.rank) {
    throw new ShapeError(op, `${name} must be ${want.rank}-D, got shape [${v.shape.join(', ')}]`);
  }
}

/** A backend (an option saying where to make tensors). */
export function checkBackend(op: string, name: string, v: unknown): asserts v is Backend {
  if (!(v instanceof Backend)) throw new ArgumentError(op, `${name} must be a Backend (from createBackend or getBackend), got ${show(v)}`);
}

/** A Tensor or a number (the operands of arithmetic). */
export function checkTensorLike(op: string, name: string, v: unknown): asserts v is Tensor | number {
  if (typeof v === 'number') return;
  if (!(v instanceof Tensor)) throw new ArgumentError(op, `${name} must be a Tensor or a number, got ${show(v)}`);
  checkTensor(op, name, v);
}

/** An array of tensors (concat, optimizer params, ...). */
export function checkTensorArray(op: string, name: string, v: unknown, want: TensorCheck = {}): asserts v is Tensor[] {
  if (!Array.isArray(v)) throw new ArgumentError(op, `${name} must be an array of tensors, got ${show(v)}`);
  v.forEach((t, i) => checkTensor(op, `${name}[${i}]`, t, want));
}

/**
 * A shape: an array of non-negative safe integers whose product is a safe
 * integer. Returns a copy, so later changes to the caller's array cannot
 * change a tensor.
 */
export function checkShape(op: string, name: string, v: unknown): number[] {
  if (!Array.isArray(v)) throw new ShapeError(op, `${name} must be an array of non-negative integers, got ${show(v)}`);
  let size = 1;
  for (let i = 0; i < v.length; i++) {
    const d = v[i];
    if (!Number.isSafeInteger(d) || d < 0) {
      throw new ShapeError(op, `${name} must be an array of non-negative integers, got ${show(v)} (dimension ${i})`);
    }
    size *= d;
  }
  if (!Number.isSafeInteger(size)) {
    throw new ArgumentError(op, `${name} ${show(v)} has ${size} elements, more than ${Number.MAX_SAFE_INTEGER} (2^53 - 1)`);
  }
  return [...v];
}

/**
 * Runs the checks of a state that came from a file or a state dict: what
 * they refuse is a CheckpointError (the state is bad, not the call), with the
 * same op and reason.
 */
export function checkingState<T>(check: () => T): T {
  try {
    return check();
  } catch (e) {
    if (e instanceof ArgumentError || e instanceof ShapeError) throw new CheckpointError(e.op, e.reason);
    throw e;
  }
}
