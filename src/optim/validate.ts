// Checks of options only optimizers have; the general vocabulary is src/check.ts.
import { ArgumentError } from '../errors.js';
import { checkNumber, show } from '../check.js';

/** lr > 0 when given; a schedule may take it down to 0 between steps. */
export function checkLr(op: string, lr: unknown, atStep: boolean): void {
  checkNumber(op, 'lr', lr, atStep ? { min: 0 } : { above: 0 });
}

export function checkBetas(op: string, betas: unknown): void {
  const ok = Array.isArray(betas) && betas.length === 2 && betas.every((b) => typeof b === 'number' && b >= 0 && b < 1);
  if (!ok) throw new ArgumentError(op, `betas must be two numbers in [0, 1), got ${show(betas)}`);
}
