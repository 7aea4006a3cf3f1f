// Checks of options only optimizers have; the general vocabulary is src/check.ts.
import { ArgumentError } from '../errors.js';
import { checkNumber, show } from '../check.js';

/** The largest float32. The update kernels take every option as a float32: a larger one would be Infinity there. */
const F32_MAX = 3.4028234663852886e38;
/** The smallest positive float32: a smaller eps is 0 in the kernels. */
const F32_TINY = 2 ** -149;

/** lr > 0 when given; a schedule may take it down to 0 between steps. */
export function checkLr(op: string, lr: unknown, atStep: boolean): void {
  checkNumber(op, 'lr', lr, atStep ? { min: 0 } : { above: 0 });
}

export function checkBetas(op: string, betas: unknown): void {
  const ok = Array.isArray(betas) && betas.length === 2 && betas.every((b) => typeof b === 'number' && b >= 0 && b < 1);
  if (!ok) throw new ArgumentError(op, `betas must be two numbers in [0, 1), got ${show(betas)}`);
}

/** The ε of the adaptive optimizers' denominators: with ε = 0 a zero gradient makes the update 0/0. */
export function checkEps(op: string, eps: unknown): void {
  if (typeof eps !== 'number' || !(eps >= F32_TINY && eps <= F32_MAX)) {
    throw new ArgumentError(op, `eps must be a number > 0 that float32 holds (>= 2^-149), got ${show(eps)}: with eps 0 a zero gradient makes the update 0/0 = NaN`);
  }
}

/** Every numeric option: finite in float32 too, where the update kernels compute with it. */
export function checkFloat32(op: string, options: object): void {
  for (const [key, v] of Object.entries(options)) {
    if (typeof v === 'number' && Math.abs(v) > F32_MAX) {
      throw new ArgumentError(op, `${key} ${v} is beyond the float32 range (±${F32_MAX}) the update kernels compute in`);
    }
  }
}
