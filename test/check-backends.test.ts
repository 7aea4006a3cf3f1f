// checkBackends (src/gradcheck.ts) with NaN: a NaN that both backends produce
// is agreement, a NaN on one side only is a disagreement, whether in the
// output or in a gradient.
import { describe, expect, it } from 'vitest';
import { checkBackends, clamp, exp, log, sub, type Tensor } from '../src/index.js';
import { wasmBackends } from './helpers/backends.js';

const byVariant = wasmBackends.map((b) => [b.label, b] as const);

describe('checkBackends with NaN', () => {
  it.each(byVariant)('NaN on both backends (log of a negative number) agrees (%s)', (_l, backend) => {
    // log(-1) is NaN in float32 and float64; the gradient 1/x = -1 is finite on both.
    const cmp = checkBackends((x: Tensor) => log(x), [[-1, 2]], { backend });
    expect(cmp.output).toBeLessThan(1e-6);
    expect(cmp.grads[0]).toBeLessThan(1e-6);
  });

  it.each(byVariant)('NaN in the output on one backend only is a disagreement (%s)', (_l, backend) => {
    // e^100 overflows float32 to Inf, and Inf - Inf is NaN there; float64 gives 0.
    const cmp = checkBackends((x: Tensor) => sub(exp(x), exp(x)), [[100, 1]], { backend });
    expect(cmp.output < 1).toBe(false);
    expect(cmp.worst < 1).toBe(false);
  });

  it.each(byVariant)('NaN in a gradient on one backend only is a disagreement (%s)', (_l, backend) => {
    // clamp(e^x, 0, 1) is 1 on both at x = 100, but its gradient 0·e^x is 0·Inf = NaN in float32 (0 in float64).
    const cmp = checkBackends((x: Tensor) => clamp(exp(x), 0, 1), [[100, -1]], { backend });
    expect(cmp.output).toBeLessThan(1e-6);
    expect(cmp.grads[0] < 1).toBe(false);
    expect(cmp.worst < 1).toBe(false);
  });
});
