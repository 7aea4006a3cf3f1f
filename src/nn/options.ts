// The options of the activations that have any, checked once for the
// function (each call) and for its module (at construction).
import { checkNumber, checkOneOf, withDefaults } from '../check.js';
import { ArgumentError } from '../errors.js';

export interface SoftplusOptions {
  /** β > 0 (default 1): softplus(βx)/β. */
  beta?: number;
  /**
   * Accepted for PyTorch compatibility (default 20) and not used: PyTorch
   * returns x where βx > threshold, an error of up to e^-20 relative; this
   * softplus stays exact at every x.
   */
  threshold?: number;
}

/** Checked softplus options: β > 0 and a finite threshold. */
export function softplusOptions(op: string, options: SoftplusOptions | undefined): Required<SoftplusOptions> {
  const o = withDefaults(op, { beta: 1, threshold: 20 }, options);
  checkNumber(op, 'beta', o.beta, { above: 0 });
  checkNumber(op, 'threshold', o.threshold);
  return o;
}

/** Checked hardtanh bounds: finite, min < max. */
export function hardtanhBounds(op: string, min: unknown, max: unknown): [number, number] {
  checkNumber(op, 'min', min);
  checkNumber(op, 'max', max);
  if (!(min < max)) throw new ArgumentError(op, `needs min < max, got min ${min} and max ${max}`);
  return [min, max];
}

export interface GeluOptions {
  /** 'none' (default): x·Φ(x), Φ the standard normal CDF; 'tanh': ½x(1 + tanh(√(2/π)(x + 0.044715x³))). */
  approximate?: 'none' | 'tanh';
}

/** The checked approximation of gelu. */
export function geluApproximation(op: string, options: GeluOptions | undefined): 'none' | 'tanh' {
  const { approximate } = withDefaults(op, { approximate: 'none' as 'none' | 'tanh' }, options);
  checkOneOf(op, 'approximate', approximate, ['none', 'tanh'] as const);
  return approximate;
}
