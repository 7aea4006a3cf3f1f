// Anomaly mode, like torch.autograd.detect_anomaly: every op's output in
// forward and every gradient a vjp returns in backward is checked for NaN
// (and ±Infinity when asked), and the first one found throws a NonFiniteError
// naming the op, the pass, its input shapes and where the op was called.
// Off (the default) it costs one test per op.
import { checkBoolean, checkFunction, checkOptions } from './check.js';
import { ArgumentError, NonFiniteError } from './errors.js';
import { fmt, type Shape } from './shape.js';
import type { Tensor } from './tensor.js';

export interface AnomalyOptions {
  /** Also report ±Infinity (default false: -Infinity logits, say, are legitimate input). */
  inf?: boolean;
}

/** Null when off; else whether infinities count as anomalies. */
export let anomaly: { inf: boolean } | null = null;

function modeOf(op: string, options: AnomalyOptions | undefined): { inf: boolean } {
  const o = checkOptions(op, options, ['inf']);
  if (o.inf !== undefined) checkBoolean(op, 'inf', o.inf);
  return { inf: o.inf ?? false };
}

/** Runs fn (synchronous) with anomaly mode on; see setDetectAnomaly for async code. */
export function detectAnomaly<T>(fn: () => T, options?: AnomalyOptions): T {
  checkFunction('detectAnomaly', 'fn', fn);
  const mode = modeOf('detectAnomaly', options);
  const previous = anomaly;
  anomaly = mode;
  try {
    const result = fn();
    if (result instanceof Promise) {
      throw new ArgumentError('detectAnomaly', 'fn returned a Promise: for async code turn the mode on with setDetectAnomaly(true) and off after');
    }
    return result;
  } finally {
    anomaly = previous;
  }
}

/** Turns anomaly mode on or off for everything that follows. */
export function setDetectAnomaly(enabled: boolean, options?: AnomalyOptions): void {
  checkBoolean('setDetectAnomaly', 'enabled', enabled);
  anomaly = enabled ? modeOf('setDetectAnomaly', options) : null;
}

/** Where an op was called, captured in forward when anomaly mode is on. */
export function callSite(): string {
  const lines = (new Error().stack ?? '').split('\n').slice(1);
  // Drop subgrad's own frames so the first line is the caller's.
  const user = lines.filter((l) => !/[\\/](src|dist)[\\/](ops[\\/]|tape\.|storage\.|anomaly\.|tensor\.)/.test(l));
  return (user.length > 0 ? user : lines).map((l) => l.trim()).join('\n');
}

/** Throws a NonFiniteError if t holds a value the mode reports. */
export function checkFinite(t: Tensor, op: string, pass: 'forward' | 'backward', inputs: readonly { shape: Shape }[], site: string | undefined, what = 'output'): void {
  const mode = anomaly!;
  const values = t.data();
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (Number.isNaN(v) || (mode.inf && !Number.isFinite(v))) {
      throw new NonFiniteError(
        op,
        `anomaly mode: ${pass} produced ${v} in its ${what} (shape ${fmt(t.shape)}, element ${i}); ` +
          `inputs ${inputs.map((x) => fmt(x.shape)).join(', ')}` + (site ? `; the op was called at\n${site}` : ''),
      );
    }
  }
}
