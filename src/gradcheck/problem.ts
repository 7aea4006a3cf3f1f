// The function under test as a map from one flat vector (every input's
// elements one after another) to the flat output, evaluated on a float64
// backend. Everything else in gradcheck works on these flat vectors.
import type { Backend } from '../backend/backend.js';
import { ArgumentError } from '../errors.js';
import { createBackend } from '../runtime.js';
import { scope } from '../storage.js';
import { noGrad } from '../tape.js';
import { checkTensor } from '../check.js';
import { Tensor, tensor, type NestedArray } from '../tensor.js';

export type Fn = (...xs: Tensor[]) => Tensor;

export class Problem {
  /** Where each input starts in the flat vector (and, last, the total length n). */
  readonly offsets: number[];
  readonly f0: Float64Array;
  /** Names of the ops fn records at x0 (for their declared kinks and discontinuities). */
  readonly ops = new Set<string>();
  /** Evaluations of fn so far (forward only). */
  evaluations = 0;

  constructor(
    private readonly fn: Fn,
    readonly shapes: number[][],
    readonly x0: Float64Array,
    private readonly backend: Backend,
  ) {
    this.offsets = [0];
    for (const s of shapes) this.offsets.push(this.offsets[this.offsets.length - 1] + s.reduce((a, b) => a * b, 1));
    // Recorded once, to learn which ops fn uses.
    this.f0 = scope(() => {
      const y = this.call(this.leaves(x0, true));
      this.collectOps(y);
      return Float64Array.from(y.data());
    });
  }

  get n(): number {
    return this.x0.length;
  }

  get m(): number {
    return this.f0.length;
  }

  /** Which input a flat coordinate belongs to, and its flat index there. */
  locate(j: number): { input: number; index: number } {
    let input = 0;
    while (this.offsets[input + 1] <= j) input++;
    return { input, index: j - this.offsets[input] };
  }

  private leaves(x: Float64Array, requiresGrad: boolean): Tensor[] {
    return this.shapes.map((shape, i) =>
      tensor(x.subarray(this.offsets[i], this.offsets[i + 1]), shape, { backend: this.backend, requiresGrad }));
  }

  private call(ls: Tensor[]): Tensor {
    const y = this.fn(...ls);
    if (!(y instanceof Tensor)) throw new ArgumentError('gradcheck', `fn must return a Tensor, got ${typeof y}`);
    return y;
  }

  evaluate(x: Float64Array): Float64Array {
    this.evaluations++;
    return scope(() => noGrad(() => Float64Array.from(this.call(this.leaves(x, false)).data())));
  }

  /** The vector-Jacobian products uᵀJ(x) for each upstream u, as flat vectors over all inputs. */
  gradients(x: Float64Array, upstreams: readonly Float64Array[]): Float64Array[] {
    return scope(() => {
      const ls = this.leaves(x, true);
      const y = this.call(ls);
      return upstreams.map((u) => {
        const g = new Float64Array(this.n);
        if (!y.requiresGrad) return g;
        y.backward(tensor(u, y.shape, { backend: this.backend }), { retainGraph: true });
        ls.forEach((l, i) => {
          if (l.grad) g.set(l.grad.data(), this.offsets[i]);
          l.grad?.dispose();
          l.grad = null;
        });
        return g;
      });
    });
  }

  /** The rows of J(x) for the given outputs. */
  rows(x: Float64Array, outputs: readonly number[]): Float64Array[] {
    return this.gradients(x, outputs.map((o) => {
      const u = new Float64Array(this.m);
      u[o] = 1;
      return u;
    }));
  }

  private collectOps(y: Tensor): void {
    const stack = [y];
    const seen = new Set<Tensor>(stack);
    while (stack.length > 0) {
      const node = stack.pop()!.node;
      if (!node) continue;
      this.ops.add(node.op);
      for (const t of node.inputs) {
        if (!seen.has(t)) {
          seen.add(t);
          stack.push(t);
        }
      }
    }
  }
}

/** One input's values and shape: a float Tensor or nested arrays of numbers (finite ones unless `finite` is false). */
export function readInput(op: string, x: unknown, i: number, backend: Backend, finite = true): { values: Float64Array; shape: number[] } {
  const read = (t: Tensor) => ({ values: Float64Array.from(t.data()), shape: [...t.shape] });
  let out: { values: Float64Array; shape: number[] };
  if (x instanceof Tensor) {
    checkTensor(op, `input ${i}`, x);
    out = read(x);
  } else if (typeof x === 'number' || Array.isArray(x)) {
    out = scope(() => read(tensor(x as NestedArray, undefined, { backend })));
  } else {
    throw new ArgumentError(op, `input ${i} must be a Tensor or a (nested) array of numbers, got ${typeof x}`);
  }
  if (out.values.length === 0) throw new ArgumentError(op, `input ${i} is empty`);
  const bad = finite ? out.values.findIndex((v) => !Number.isFinite(v)) : -1;
  if (bad >= 0) throw new ArgumentError(op, `input ${i} holds ${out.values[bad]} at index ${bad}; check at a finite point`);
  return out;
}

let reference: Backend | null = null;
/** The float64 js backend gradcheck runs on by default. */
export function float64(): Backend {
  reference ??= createBackend({ backend: 'js', dtype: 'float64' });
  return reference;
}
