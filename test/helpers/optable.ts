// The op-table driver: each row names an op expression, its input shapes for
// a size n, and optionally exact kink points. One table drives
// (a) gradcheck on the float64 js backend at random points and at the kinks,
// (b) agreement of every Wasm variant (float32) with js float64 on awkward sizes.
import { describe, expect, it } from 'vitest';
import { Generator, checkBackends, gradcheck, scope, tensor, type NestedArray, type Tensor } from '../../src/index.js';
import { awkwardSizes, js64, wasmBackends } from './backends.js';

export interface OpRow {
  name: string;
  fn: (...xs: Tensor[]) => Tensor;
  /** Input shapes for size n. */
  shapes: (n: number) => number[][];
  /** One random input value (default: standard normal, kept away from 0 by 0.05). */
  sample?: (g: Generator, input: number) => number;
  /** Exact points at the op's kinks, one array per input. */
  kinks?: NestedArray[][];
  /** Also check the subgradient inequality (scalar convex fns only). */
  convex?: boolean;
  /** Sizes for gradcheck (default [1, 3]); agreement always uses the awkward sizes. */
  gradSizes?: number[];
  /** Worst relative error allowed between Wasm float32 and js float64 (default 2e-4). */
  tolerance?: number;
}

function awayFromZero(g: Generator): number {
  const x = g.normal();
  return x + Math.sign(x) * 0.05;
}

export function randomInputs(row: OpRow, n: number, seed: number): { values: number[]; shape: number[] }[] {
  const g = new Generator(seed);
  return row.shapes(n).map((shape, i) => ({
    shape,
    values: Array.from({ length: shape.reduce((a, b) => a * b, 1) }, () => (row.sample ?? awayFromZero)(g, i)),
  }));
}

function asTensors(inputs: { values: number[]; shape: number[] }[]): Tensor[] {
  return inputs.map((x) => tensor(x.values, x.shape, { backend: js64 }));
}

export function describeOpTable(title: string, rows: OpRow[]): void {
  describe(title, () => {
    for (const row of rows) {
      describe(row.name, () => {
        it('passes gradcheck at random points (float64 js)', () => {
          for (const n of row.gradSizes ?? [1, 3]) {
            scope(() => {
              const report = gradcheck(row.fn, asTensors(randomInputs(row, n, 17 + n)), { convex: row.convex });
              expect(report.failures).toEqual([]);
              expect(report.checked).toBeGreaterThan(0);
            });
          }
        });
        if (row.kinks) {
          it('returns a subgradient between the one-sided differences at its kinks', () => {
            for (const point of row.kinks!) {
              const report = gradcheck(row.fn, point, { convex: row.convex });
              expect(report.failures).toEqual([]);
              expect(report.kinks.length).toBeGreaterThan(0);
            }
          });
        }
        it.each(wasmBackends.map((b) => [b.label, b] as const))('agrees with js float64 on %s at awkward sizes', (_label, backend) => {
          for (const n of awkwardSizes) {
            const inputs = randomInputs(row, n, 1000 + n);
            const cmp = scope(() => checkBackends(row.fn, asTensors(inputs), { backend }));
            expect(cmp.worst, `size ${n}`).toBeLessThan(row.tolerance ?? 2e-4);
          }
        });
      });
    }
  });
}
