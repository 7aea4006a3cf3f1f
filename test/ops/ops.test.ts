// The core op table: every op of src/ops at random points, at its kinks, and
// on every Wasm variant against the float64 reference.
import { describe, expect, it } from 'vitest';
import * as sg from '../../src/index.js';
import { scope, type Generator, type Tensor } from '../../src/index.js';
import { js64, wasmBackends } from '../helpers/backends.js';
import { describeOpTable, type OpRow } from '../helpers/optable.js';
import { expectReference } from '../helpers/reference.js';

const positive = (g: Generator) => 0.2 + Math.abs(g.normal());
const int32 = (values: number[], like: Tensor) => sg.tensor(new Int32Array(values), undefined, { backend: like.backend });
/** Row indices 0, 2, 4, … (wrapping), repeats included: exercises scatter-add in gather's backward. */
const everyOther = (rows: number, count: number) => Array.from({ length: count }, (_, i) => (2 * i) % rows);

const rows: OpRow[] = [
  { name: 'add (row broadcast)', fn: (a, b) => sg.add(a, b), shapes: (n) => [[n, 4], [4]] },
  { name: 'add (number)', fn: (a) => sg.add(a, 2.5), shapes: (n) => [[n]] },
  { name: 'number - number × tensor', fn: (a) => sg.sub(3, sg.mul(-1.5, a)), shapes: (n) => [[n]] },
  { name: 'tensor - number, number + tensor', fn: (a) => sg.add(0.5, sg.sub(a, 2)), shapes: (n) => [[n]] },
  { name: 'add (rank-0 tensor)', fn: (a, b) => sg.add(a, b), shapes: (n) => [[n], []] },
  { name: 'sub (both broadcast)', fn: (a, b) => sg.sub(a, b), shapes: (n) => [[n, 1], [1, 3]] },
  { name: 'mul (column broadcast)', fn: (a, b) => sg.mul(a, b), shapes: (n) => [[2, n], [2, 1]] },
  { name: 'mul (rank 5 broadcast)', fn: (a, b) => sg.mul(a, b), shapes: (n) => [[2, 1, 3, n, 2], [2, 2, 1, 1, 2]], gradSizes: [1, 2] },
  { name: 'div', fn: (a, b) => sg.div(a, b), shapes: (n) => [[n], [n]], sample: (g, i) => (i === 1 ? Math.sign(g.normal()) * positive(g) : g.normal()) },
  { name: 'neg', fn: (a) => sg.neg(a), shapes: (n) => [[n]] },
  { name: 'matmul', fn: (a, b) => sg.matmul(a, b), shapes: (n) => [[n, 4], [4, 3]] },
  { name: 'matmul (batched)', fn: (a, b) => sg.matmul(a, b), shapes: (n) => [[2, n, 3], [2, 3, 2]] },
  { name: 'matmul (batch · matrix)', fn: (a, b) => sg.matmul(a, b), shapes: (n) => [[2, n, 3], [3, 2]] },
  { name: 'sum (all)', fn: (a) => sg.sum(a), shapes: (n) => [[n, 3]], convex: true },
  { name: 'sum (axis 0, keepdims)', fn: (a) => sg.sum(a, 0, true), shapes: (n) => [[n, 3]] },
  { name: 'sum (axes 0 and 2)', fn: (a) => sg.sum(a, [0, 2]), shapes: (n) => [[2, n, 3]] },
  { name: 'mean (axis -1)', fn: (a) => sg.mean(a, -1), shapes: (n) => [[3, n]] },
  {
    name: 'max (all)', fn: (a) => sg.max(a), shapes: (n) => [[n, 2]], convex: true,
    kinks: [[[2, 2, 1]], [[5, -1, 5, 5]]],
  },
  { name: 'max (axis 1)', fn: (a) => sg.max(a, 1), shapes: (n) => [[n, 5]], kinks: [[[[1, 3, 3], [0, 0, -1]]]] },
  { name: 'min (axis 0, keepdims)', fn: (a) => sg.min(a, 0, true), shapes: (n) => [[5, n]], kinks: [[[[1, -2], [1, -2]]]] },
  { name: 'maximum', fn: (a, b) => sg.maximum(a, b), shapes: (n) => [[n], [n]], kinks: [[[1, 2, -3], [1, 0, -3]]] },
  { name: 'minimum (broadcast)', fn: (a, b) => sg.minimum(a, b), shapes: (n) => [[n, 2], [2]], kinks: [[[[0.5, 1]], [0.5, 2]]] },
  { name: 'exp', fn: (a) => sg.exp(a), shapes: (n) => [[n]] },
  { name: 'log', fn: (a) => sg.log(a), shapes: (n) => [[n]], sample: positive },
  { name: 'log1p', fn: (a) => sg.log1p(a), shapes: (n) => [[n]], sample: (g) => positive(g) - 0.9 },
  { name: 'expm1', fn: (a) => sg.expm1(a), shapes: (n) => [[n]] },
  { name: 'sqrt', fn: (a) => sg.sqrt(a), shapes: (n) => [[n]], sample: positive },
  { name: 'square', fn: (a) => sg.square(a), shapes: (n) => [[n]] },
  { name: 'pow 2.5', fn: (a) => sg.pow(a, 2.5), shapes: (n) => [[n]], sample: positive },
  { name: 'pow 3', fn: (a) => sg.pow(a, 3), shapes: (n) => [[n]] },
  { name: 'abs', fn: (a) => sg.abs(a), shapes: (n) => [[n]], kinks: [[[0, 1.5, -2]]] },
  { name: 'sum(abs) is convex at 0', fn: (a) => sg.sum(sg.abs(a)), shapes: (n) => [[n]], convex: true, kinks: [[[0, 0, 3]]] },
  { name: 'sign', fn: (a) => sg.sign(a), shapes: (n) => [[n]] },
  // Both sides of the switch from series to continued fraction at |x| = 1.5.
  { name: 'erf', fn: (a) => sg.erf(a), shapes: (n) => [[n]], sample: (g) => 2 * g.normal() },
  { name: 'erfc', fn: (a) => sg.erfc(a), shapes: (n) => [[n]], sample: (g) => 3 * g.normal() },
  { name: 'norm (all)', fn: (a) => sg.norm(a), shapes: (n) => [[n, 3]], convex: true, kinks: [[[0, 0, 0]]] },
  // Row 0 is the zero vector (a kink), row 1 has a zero element (smooth for p = 2).
  { name: 'norm (axis 1)', fn: (a) => sg.norm(a, 1), shapes: (n) => [[n, 3]], kinks: [[[[0, 0, 0], [3, 4, 0]]]] },
  { name: 'norm (axes 0 and 2, keepdims)', fn: (a) => sg.norm(a, [0, 2], true), shapes: (n) => [[2, n, 3]] },
  { name: 'norm, p = 1', fn: (a) => sg.norm(a, -1, false, 1), shapes: (n) => [[2, n]], kinks: [[[[0, 2, -1], [0, 0, 0]]]] },
  { name: 'norm, p = 3', fn: (a) => sg.norm(a, -1, false, 3), shapes: (n) => [[2, n]], kinks: [[[[0, 0], [1, -2]]]] },
  // Point 0 of x1 coincides with point 0 of x2.
  { name: 'cdist', fn: (a, b) => sg.cdist(a, b), shapes: (n) => [[n, 3], [2, 3]], kinks: [[[[1, 2, 3]], [[1, 2, 3], [0, 1, -1]]]] },
  { name: 'cdist (batched), p = 1', fn: (a, b) => sg.cdist(a, b, 1), shapes: (n) => [[2, n, 2], [2, 3, 2]] },
  { name: 'clamp', fn: (a) => sg.clamp(a, -0.5, 0.7), shapes: (n) => [[n]], kinks: [[[-0.5, 0.7, 0.1]]] },
  { name: 'relu', fn: (a) => sg.relu(a), shapes: (n) => [[n]], kinks: [[[0, -1, 2]]] },
  { name: 'relu (subgradientAtZero 0.7)', fn: (a) => sg.relu(a, { subgradientAtZero: 0.7 }), shapes: (n) => [[n]], kinks: [[[0, 0.5]]] },
  {
    name: 'where',
    fn: (a, b) => sg.where(sg.tensor(Array.from({ length: a.size }, (_, i) => i % 2), a.shape, { backend: a.backend }), a, b),
    shapes: (n) => [[n], [n]],
  },
  { name: 'where (broadcast scalar branch)', fn: (a) => sg.where(sg.tensor([1, 0, 1], [3, 1], { backend: a.backend }), a, -1), shapes: (n) => [[3, n]] },
  { name: 'reshape', fn: (a) => sg.reshape(a, [-1, 2]).mul(sg.tensor([1, -2], undefined, { backend: a.backend })), shapes: (n) => [[n, 2]] },
  { name: 'transpose', fn: (a) => sg.transpose(a).mul(sg.tensor([[1], [-2], [3]], undefined, { backend: a.backend })), shapes: (n) => [[n, 3]] },
  { name: 'permute [2, 0, 1]', fn: (a) => sg.permute(a, [2, 0, 1]), shapes: (n) => [[2, n, 3]] },
  { name: 'permute, rank 5, negative axes', fn: (a) => sg.permute(a, [-1, 0, 3, 1, 2]), shapes: (n) => [[2, n, 1, 3, 2]], gradSizes: [1, 2] },
  { name: 'concat (axis 1)', fn: (a, b) => sg.concat([a, b], 1), shapes: (n) => [[n, 2], [n, 3]] },
  { name: 'concat (axis 0)', fn: (a, b) => sg.concat([a, b, a]), shapes: (n) => [[n, 2], [1, 2]] },
  { name: 'slice', fn: (a) => sg.slice(a, [1, 0], [-1, 2]), shapes: (n) => [[n + 1, 3]] },
  { name: 'expand', fn: (a) => sg.expand(a, [2, 3, a.shape[1]]), shapes: (n) => [[3, n]] },
  { name: 'gather rows', fn: (a) => sg.gather(a, int32(everyOther(a.shape[0], a.shape[0] + 1), a)), shapes: (n) => [[n, 3]] },
  { name: 'pick', fn: (a) => sg.pick(a, int32(Array.from({ length: a.shape[0] }, (_, i) => i % 4), a)), shapes: (n) => [[n, 4]] },
  {
    name: 'composite sum(relu(x·W + b)²)',
    fn: (x, w, b) => sg.sum(sg.square(sg.relu(sg.add(sg.matmul(x, w), b)))),
    shapes: (n) => [[n, 3], [3, 4], [4]],
    convex: false,
  },
  {
    name: 'composite at relu kink: sum(relu(x·W + b))',
    fn: (x, w, b) => sg.sum(sg.relu(sg.add(sg.matmul(x, w), b))),
    shapes: (n) => [[n, 2], [2, 2], [2]],
    kinks: [[[[1, 2]], [[1, 0], [1, 1]], [-3, 1]]],
  },
];

describeOpTable('core ops', rows);

const backends = [js64, ...wasmBackends].map((b) => [b.label, b] as const);
const close = (got: ArrayLike<number>, want: number[], tol: number) =>
  want.forEach((w, i) => expect(Math.abs(got[i] - w), `[${i}] ${got[i]} vs ${w}`).toBeLessThanOrEqual(tol * Math.max(1, Math.abs(w))));

describe('norm, cdist, permute, argmax and argmin: values from their definitions', () => {
  it.each(backends)('norm is (Σ|x|^p)^(1/p); its gradient x/‖x‖ for p = 2, sign(x)|x|^(p−1)/‖x‖^(p−1) otherwise, 0 at the zero vector (%s)', (_l, backend) => {
    const tol = backend === js64 ? 1e-15 : 1e-6;
    const x = [[3, -4, 0], [0, 0, 0], [1, 2, -2]];
    for (const p of [1, 2, 3]) {
      scope(() => {
        const t = sg.tensor(x, undefined, { backend, requiresGrad: true });
        const n = sg.norm(t, 1, false, p);
        const want = x.map((r) => r.reduce((a, v) => a + Math.abs(v) ** p, 0) ** (1 / p));
        close(n.data(), want, tol);
        n.sum().backward();
        const grad = x.flatMap((r, i) => r.map((v) => (want[i] === 0 ? 0 : (Math.sign(v) * Math.abs(v) ** (p - 1)) / want[i] ** (p - 1))));
        close(t.grad!.data(), grad, tol);
        t.grad!.dispose();
      });
    }
    expect(scope(() => sg.norm(sg.tensor([[3, 4], [6, 8]], undefined, { backend })).item())).toBeCloseTo(Math.sqrt(125), 5);
    expect(scope(() => sg.norm(sg.tensor([[3, 4]], undefined, { backend }), -1, true).shape)).toEqual([1, 1]);
  });

  it.each(backends)('cdist is ‖x1_i − x2_j‖ for every pair, batched too; coincident points give gradient 0 (%s)', (_l, backend) => {
    const tol = backend === js64 ? 1e-15 : 1e-6;
    const a = [[0, 0], [1, 1], [3, 4]];
    const b = [[0, 0], [4, 5]];
    scope(() => {
      const [ta, tb] = [a, b].map((v) => sg.tensor(v, undefined, { backend, requiresGrad: true }));
      const d = sg.cdist(ta, tb);
      expect(d.shape).toEqual([3, 2]);
      const want = a.flatMap((u) => b.map((v) => Math.hypot(u[0] - v[0], u[1] - v[1])));
      close(d.data(), want, tol);
      d.sum().backward();
      // d/da_i = Σ_j (a_i − b_j)/d_ij over the pairs with d_ij > 0.
      const dist = (u: number[], v: number[]) => Math.hypot(u[0] - v[0], u[1] - v[1]);
      const ga = a.flatMap((u) => [0, 1].map((k) => b.reduce((s, v) => s + (dist(u, v) > 0 ? (u[k] - v[k]) / dist(u, v) : 0), 0)));
      close(ta.grad!.data(), ga, tol);
      [ta, tb].forEach((t) => t.grad!.dispose());
      const batched = sg.cdist(sg.tensor([a, a], undefined, { backend }), sg.tensor([b, b], undefined, { backend }), 1);
      expect(batched.shape).toEqual([2, 3, 2]);
      const manhattan = a.flatMap((u) => b.map((v) => Math.abs(u[0] - v[0]) + Math.abs(u[1] - v[1])));
      close(batched.data(), [...manhattan, ...manhattan], tol);
    });
  });

  it.each(backends)('permute moves axes: out[i, j, k] = x[j, k, i]; its gradient permutes back (%s)', (_l, backend) => {
    scope(() => {
      const x = sg.tensor(Array.from({ length: 24 }, (_, i) => i), [2, 3, 4], { backend, requiresGrad: true });
      const y = x.permute([2, 0, 1]);
      expect(y.shape).toEqual([4, 2, 3]);
      const v = y.data();
      for (let i = 0; i < 4; i++) for (let j = 0; j < 2; j++) for (let k = 0; k < 3; k++) expect(v[(i * 2 + j) * 3 + k]).toBe(j * 12 + k * 4 + i);
      const w = sg.tensor(Array.from({ length: 24 }, (_, i) => i % 5), [4, 2, 3], { backend });
      y.mul(w).sum().backward();
      const g = x.grad!.data();
      for (let j = 0; j < 2; j++) for (let k = 0; k < 3; k++) for (let i = 0; i < 4; i++) expect(g[j * 12 + k * 4 + i]).toBe(((i * 2 + j) * 3 + k) % 5);
      x.grad!.dispose();
    });
  });

  it.each(backends)('argmax and argmin: int32 indices, the first of ties, NaN counted as the extreme, along an axis or over all (%s)', (_l, backend) => {
    scope(() => {
      const x = sg.tensor([[1, 3, 3, -2], [5, 5, 0, 5], [-1, NaN, 7, NaN]], undefined, { backend });
      const am = sg.argmax(x, 1);
      expect(am.dtype).toBe('int32');
      expect(Array.from(am.data())).toEqual([1, 0, 1]);
      expect(Array.from(sg.argmin(x, 1).data())).toEqual([3, 2, 1]);
      expect(Array.from(sg.argmax(x, 0).data())).toEqual([1, 2, 2, 2]);
      expect(sg.argmax(x, -1, true).shape).toEqual([3, 1]);
      const finite = sg.tensor([[1, 3, 3, -2], [5, 5, 0, 5]], undefined, { backend });
      expect(sg.argmax(finite).item()).toBe(4);
      expect(sg.argmin(finite).shape).toEqual([]);
      expect(sg.argmin(finite).item()).toBe(3);
      expect(finite.argmax(undefined, true).shape).toEqual([1, 1]);
    });
  });

  it.each(backends)("erf' = (2/√π)e^(−x²), erfc' its negative; expm1' = e^x from x, not y + 1 (%s)", (_l, backend) => {
    const x = [-3, -0.5, 0, 1.2, 4];
    const slope = x.map((v) => (2 / Math.sqrt(Math.PI)) * Math.exp(-v * v));
    for (const [f, sign] of [[sg.erf, 1], [sg.erfc, -1]] as const) {
      scope(() => {
        const t = sg.tensor(x, undefined, { backend, requiresGrad: true });
        f(t).sum().backward();
        expectReference(t.grad!.data(), slope.map((v) => sign * v), backend);
        t.grad!.dispose();
      });
    }
    scope(() => {
      // expm1(−40) rounds to −1, so y + 1 would give 0 instead of e^−40 = 4.2e-18.
      const t = sg.tensor([-40, -1, 0.5], undefined, { backend, requiresGrad: true });
      sg.expm1(t).sum().backward();
      expectReference(t.grad!.data(), [-40, -1, 0.5].map(Math.exp), backend);
      if (backend === js64) expect(t.grad!.data()[0] / Math.exp(-40)).toBeCloseTo(1, 14);
      t.grad!.dispose();
    });
  });

  it('rejects bad arguments with typed errors naming the op', () => {
    const x = sg.tensor([[1, 2], [3, 4]], undefined, { backend: js64 });
    expect(() => sg.norm(x, 0, false, 0.5)).toThrow(/norm: p must be a finite number >= 1, got 0.5/);
    expect(() => sg.norm(x, 2)).toThrow(sg.ArgumentError);
    expect(() => sg.norm([1, 2] as unknown as sg.Tensor)).toThrow(/norm: input must be a Tensor/);
    expect(() => sg.cdist(x, sg.tensor([[1, 2, 3]], undefined, { backend: js64 }))).toThrow(/cdist: expects \[N, D\] and \[M, D\]/);
    expect(() => sg.cdist(x, x, 0)).toThrow(/cdist: p must be/);
    expect(() => sg.permute(x, [0])).toThrow(/permute: dims must list each of the 2 axes/);
    expect(() => sg.permute(x, [1, -1])).toThrow(/permute: dims \[1, -1\] repeat an axis/);
    expect(() => sg.permute(x, [0, 2])).toThrow(sg.ArgumentError);
    expect(() => sg.argmax(x, 2)).toThrow(sg.ArgumentError);
    expect(() => sg.argmax(sg.tensor([], [0], { backend: js64 }))).toThrow(/argmax: needs a non-empty tensor/);
    expect(() => sg.argmin(sg.tensor(new Int32Array([1, 2]), undefined, { backend: js64 }))).toThrow(sg.BackendError);
    expect(() => sg.erf(sg.tensor(new Int32Array([1]), undefined, { backend: js64 }))).toThrow(/erf: input must be a float tensor/);
  });
});

describe('shapes and indices at their limits', () => {
  it('shapes that do not broadcast are refused with a ShapeError naming both', () => {
    const [a, b] = [sg.zeros([2, 3], { backend: js64 }), sg.zeros([4], { backend: js64 })];
    for (const f of [sg.add, sg.sub, sg.mul, sg.div, sg.maximum, sg.minimum]) {
      expect(() => f(a, b)).toThrow(sg.ShapeError);
    }
    expect(() => sg.add(a, b)).toThrow(/shapes \[2, 3\] and \[4\] cannot be broadcast together/);
    expect(() => sg.where(sg.ones([3, 1], { backend: js64 }), a, a)).toThrow(sg.ShapeError);
    expect(sg.add(a, sg.zeros([3], { backend: js64 })).shape).toEqual([2, 3]);
  });

  it('an index or label equal to its bound is out of range', () => {
    const x = sg.zeros([3, 2], { backend: js64 });
    const int = (v: number[]) => sg.tensor(new Int32Array(v), undefined, { backend: js64 });
    expect(() => sg.gather(x, int([0, 3]))).toThrow(/gather: index\[1\] = 3 is out of range \[0, 3\)/);
    expect(() => sg.pick(x, int([0, 2, 1]))).toThrow(/pick: labels\[1\] = 2 is out of range \[0, 2\)/);
    expect(() => sg.oneHot(int([4]), 4)).toThrow(sg.ArgumentError);
    expect(sg.gather(x, int([2, 0])).shape).toEqual([2, 2]);
  });
});
