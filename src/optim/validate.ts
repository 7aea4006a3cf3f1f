// Checks of optimizer and scheduler options. Each throws an ArgumentError that
// names the option, the value and what was expected, before anything changes.
import { ArgumentError } from '../errors.js';

const show = (v: unknown): string => (typeof v === 'string' ? `'${v}'` : (JSON.stringify(v) ?? String(v)));

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

export function checkNumber(op: string, name: string, v: unknown, range: Range = {}): void {
  if (typeof v !== 'number' || !Number.isFinite(v) || !inRange(v, range)) {
    throw new ArgumentError(op, `${name} must be a finite number${rangeText(range)}, got ${show(v)}`);
  }
}

export function checkInteger(op: string, name: string, v: unknown, min: number): void {
  if (!Number.isInteger(v) || (v as number) < min) throw new ArgumentError(op, `${name} must be an integer >= ${min}, got ${show(v)}`);
}

export function checkBoolean(op: string, name: string, v: unknown): void {
  if (typeof v !== 'boolean') throw new ArgumentError(op, `${name} must be true or false, got ${show(v)}`);
}

export function checkOneOf<T>(op: string, name: string, v: unknown, values: readonly T[]): void {
  if (!values.includes(v as T)) throw new ArgumentError(op, `${name} must be one of ${values.map(show).join(', ')}, got ${show(v)}`);
}

/** lr > 0 when given; a schedule may take it down to 0 between steps. */
export function checkLr(op: string, lr: unknown, atStep: boolean): void {
  checkNumber(op, 'lr', lr, atStep ? { min: 0 } : { above: 0 });
}

export function checkBetas(op: string, betas: unknown): void {
  const ok = Array.isArray(betas) && betas.length === 2 && betas.every((b) => typeof b === 'number' && b >= 0 && b < 1);
  if (!ok) throw new ArgumentError(op, `betas must be two numbers in [0, 1), got ${show(betas)}`);
}

/** The defaults overridden by the given options; an unknown key is refused with the list of valid ones. */
export function withDefaults<O extends object>(op: string, defaults: O, given: object, ignore: readonly string[] = []): O {
  if (given === null || typeof given !== 'object') throw new ArgumentError(op, `options must be an object, got ${show(given)}`);
  const out = { ...defaults } as Record<string, unknown>;
  for (const [key, value] of Object.entries(given)) {
    if (ignore.includes(key) || value === undefined) continue;
    if (!(key in defaults)) {
      throw new ArgumentError(op, `unknown option '${key}'; valid options are ${[...Object.keys(defaults), ...ignore].join(', ')}`);
    }
    out[key] = value;
  }
  return out as O;
}
