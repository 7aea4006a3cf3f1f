// The fused loss kernels (assembly/softmax_xent.ts) and the polynomial exp
// behind them (assembly/exp.ts), on every Wasm variant: against the js
// float64 reference kernels on awkward shapes, against the composed
// reference (logSoftmax + pick, softplus), and exp's accuracy in ulp.
import { describe, expect, it } from 'vitest';
import { Unary } from '../../src/backend/opcodes.js';
import { Generator, losses, nn, pick, scope, sum, tensor, type Backend, type Tensor } from '../../src/index.js';
import { awkwardSizes, js32, js64, wasmBackends } from '../helpers/backends.js';

const F = nn.functional;
const shapes: [number, number][] = [[1, 1], [3, 7], [17, 33], [128, 10], [128, 1000], [2, 257], [5, 127]];
const byVariant = wasmBackends.map((b) => [b.label, b] as const);

/** Logits: normal·3, with a row of ±1000 and a tie in every third row. */
function logits(rows: number, cols: number, seed: number): number[] {
  const g = new Generator(seed);
  return Array.from({ length: rows * cols }, (_, i) => {
    const [r, c] = [Math.floor(i / cols), i % cols];
    if (r === 1) return c % 2 ? 1000 : -1000;
    if (r % 3 === 2 && c === 1) return 0.5;
    return r % 3 === 2 && c === 0 ? 0.5 : 3 * g.normal();
  });
}

const uniform = (n: number, seed: number, lo = 0, hi = 1) => {
  const g = new Generator(seed);
  return Array.from({ length: n }, () => lo + (hi - lo) * g.uniform());
};

/** Runs the same kernel calls on js float64 and on backend; the outputs must agree to tol · max(1, |reference|). */
function agree(backend: Backend, run: (b: Backend, t: (v: ArrayLike<number>, shape?: number[]) => Tensor) => Tensor[], tol = 2e-5): void {
  const on = (b: Backend) => scope(() => run(b, (v, s) => tensor(v, s, { backend: b })).map((t) => Array.from(t.data())));
  const want = on(js64);
  const got = on(backend);
  want.forEach((w, k) => {
    // The worst element only: one expect per output keeps large shapes fast.
    let worst = -1;
    let excess = 0;
    w.forEach((ref, i) => {
      // Equal infinities and NaN against NaN agree: the edge cases must match in kind, too.
      if (got[k][i] === ref || (Number.isNaN(got[k][i]) && Number.isNaN(ref))) return;
      const e = Math.abs(got[k][i] - ref) - tol * Math.max(1, Math.abs(ref));
      if (!(e <= excess)) [worst, excess] = [i, e];
    });
    expect(worst, `output ${k} [${worst}]: ${got[k][worst]} vs ${w[worst]}`).toBe(-1);
  });
}

const labelsFor = (b: Backend, rows: number, cols: number) =>
  tensor(Int32Array.from({ length: rows }, (_, r) => (r * 7 + 3) % cols), undefined, { backend: b });

describe('fused softmax cross-entropy kernels agree with the js reference', () => {
  it.each(byVariant)('sparse labels, forward (per row and total) and backward, with and without smoothing (%s)', (_l, backend) => {
    for (const [rows, cols] of shapes) {
      for (const smoothing of [0, 0.1]) {
        agree(backend, (b, t) => {
          const k = b.kernels;
          const x = t(logits(rows, cols, rows + cols), [rows, cols]);
          const labels = labelsFor(b, rows, cols);
          const [lse, each, total] = [t(new Array(rows).fill(0)), t(new Array(rows).fill(0)), t([0])];
          const probs = t(new Array(rows * cols).fill(0));
          k.softmaxXentSparse(x.ptr, labels.ptr, lse.ptr, probs.ptr, each.ptr, rows, cols, smoothing, 0.5, 0);
          k.softmaxXentSparse(x.ptr, labels.ptr, lse.ptr, probs.ptr, total.ptr, rows, cols, smoothing, 1 / rows, 1);
          const g = t(uniform(rows, 5, -1, 1));
          const [perRow, reduced] = [t(new Array(rows * cols).fill(0)), t(new Array(rows * cols).fill(0))];
          k.softmaxXentSparseBackward(probs.ptr, labels.ptr, g.ptr, 1, perRow.ptr, rows, cols, smoothing, 1);
          k.softmaxXentSparseBackward(probs.ptr, labels.ptr, g.ptr, 0, reduced.ptr, rows, cols, smoothing, 1 / rows);
          return [lse, probs, each, total, perRow, reduced];
        });
      }
    }
  });

  it.each([[js64.label, js64] as const, ...byVariant])('a negative label ignores its row: loss 0 and gradient 0 there, the other rows unchanged (%s)', (_l, backend) => {
    for (const [rows, cols] of shapes) {
      scope(() => {
        const k = backend.kernels;
        const t = (v: ArrayLike<number>) => tensor(v, undefined, { backend });
        const x = t(logits(rows, cols, rows + 2 * cols));
        const all = Int32Array.from({ length: rows }, (_, r) => (r * 7 + 3) % cols);
        const some = all.map((c, r) => (r % 4 === 1 ? -1 : c));
        const run = (labels: Int32Array) => {
          const y = tensor(labels, undefined, { backend });
          const [lse, each, total, probs] = [t(new Array(rows).fill(0)), t(new Array(rows).fill(0)), t([0]), t(new Array(rows * cols).fill(0))];
          k.softmaxXentSparse(x.ptr, y.ptr, lse.ptr, probs.ptr, each.ptr, rows, cols, 0.1, 1, 0);
          k.softmaxXentSparse(x.ptr, y.ptr, lse.ptr, probs.ptr, total.ptr, rows, cols, 0.1, 0.5, 1);
          const dx = t(new Array(rows * cols).fill(7));
          k.softmaxXentSparseBackward(probs.ptr, y.ptr, t(new Array(rows).fill(1)).ptr, 1, dx.ptr, rows, cols, 0.1, 1);
          return { each: Array.from(each.data()), total: total.item(), dx: Array.from(dx.data()) };
        };
        const [full, ignored] = [run(all), run(some)];
        ignored.each.forEach((v, r) => expect(v).toBe(some[r] < 0 ? 0 : full.each[r]));
        ignored.dx.forEach((v, i) => expect(v).toBe(some[Math.floor(i / cols)] < 0 ? 0 : full.dx[i]));
        const kept = full.each.reduce((a, v, r) => a + (some[r] < 0 ? 0 : v), 0);
        expect(Math.abs(ignored.total - 0.5 * kept)).toBeLessThanOrEqual(1e-5 * Math.max(1, kept));
      });
    }
  });

  it.each(byVariant)('dense targets (rows of any non-negative mass), forward and backward (%s)', (_l, backend) => {
    for (const [rows, cols] of shapes) {
      agree(backend, (b, t) => {
        const k = b.kernels;
        const x = t(logits(rows, cols, rows * cols), [rows, cols]);
        const target = t(uniform(rows * cols, 9), [rows, cols]);
        const [lse, each, total] = [t(new Array(rows).fill(0)), t(new Array(rows).fill(0)), t([0])];
        const probs = t(new Array(rows * cols).fill(0));
        k.softmaxXentDense(x.ptr, target.ptr, lse.ptr, probs.ptr, each.ptr, rows, cols, 1, 0);
        k.softmaxXentDense(x.ptr, target.ptr, lse.ptr, probs.ptr, total.ptr, rows, cols, 2, 1);
        const g = t(uniform(rows, 3, -1, 1));
        const dx = t(new Array(rows * cols).fill(0));
        k.softmaxXentDenseBackward(probs.ptr, target.ptr, g.ptr, 1, dx.ptr, rows, cols, 0.5);
        return [lse, probs, each, total, dx];
      }, 5e-5);
    }
  });

  it.each(byVariant)('BCE with logits, per element and total, backward with one upstream and per element (%s)', (_l, backend) => {
    for (const n of awkwardSizes) {
      for (const [rows, cols] of [[1, n], [3, n], [n, 2]]) {
        agree(backend, (b, t) => {
          const k = b.kernels;
          const x = t(logits(rows, cols, n).map((v, i) => (i % 11 === 0 ? 40 * Math.sign(v) : v)), [rows, cols]);
          const y = t(uniform(rows * cols, n + 1).map((v, i) => (i % 3 === 0 ? Math.round(v) : v)), [rows, cols]);
          const pw = t(uniform(cols, 4, 0.5, 3));
          const [each, total] = [t(new Array(rows * cols).fill(0)), t([0])];
          k.bceWithLogits(x.ptr, y.ptr, pw.ptr, each.ptr, rows, cols, 1, 0);
          k.bceWithLogits(x.ptr, y.ptr, pw.ptr, total.ptr, rows, cols, 1 / (rows * cols), 1);
          const g = t(uniform(rows * cols, 6, -1, 1));
          const [d1, d0] = [t(new Array(rows * cols).fill(0)), t(new Array(rows * cols).fill(0))];
          k.bceWithLogitsBackward(x.ptr, y.ptr, pw.ptr, g.ptr, 1, d1.ptr, rows, cols, 1);
          k.bceWithLogitsBackward(x.ptr, y.ptr, pw.ptr, g.ptr, 0, d0.ptr, rows, cols, 0.25);
          return [each, total, d1, d0];
        });
      }
    }
  });
});

describe('totals over many rows', () => {
  // Totals are summed in chunks of rows (410 rows of 10 classes); at 820 rows the last row ends the second chunk.
  it.each([[js64.label, js64] as const, ...byVariant])('a mean over 820 rows is the mean of the per-row losses (%s)', (_l, backend) => {
    scope(() => {
      const rows = 820;
      const x = tensor(logits(rows, 10, 5), [rows, 10], { backend });
      const y = tensor(Int32Array.from({ length: rows }, (_, i) => (i * 3) % 10), undefined, { backend });
      const each = Array.from(losses.crossEntropy(x, y, { reduction: 'none' }).data());
      const expected = each.reduce((a, v) => a + v, 0) / rows;
      expect(losses.crossEntropy(x, y).item()).toBeCloseTo(expected, backend === js64 ? 12 : 4);
      expect(losses.crossEntropy(x, y, { reduction: 'sum' }).item() / rows).toBeCloseTo(expected, backend === js64 ? 12 : 3);
    });
  });
});

describe('non-finite logits: the js reference does what the Wasm kernels and PyTorch do', () => {
  const every = [js64, js32, ...wasmBackends].map((b) => [b.label, b] as const);

  /** The loss values and logit gradients (upstream ones) of fn on backend, as plain numbers. */
  function run(backend: Backend, x: number[], shape: number[], fn: (x: Tensor) => Tensor) {
    return scope(() => {
      const t = tensor(x, shape, { backend, requiresGrad: true });
      const y = fn(t);
      sum(y).backward();
      const out = { loss: Array.from(y.data()), grad: Array.from(t.grad!.data()) };
      t.grad!.dispose();
      return out;
    });
  }
  const close = (got: number[], want: number[]) =>
    want.forEach((w, i) => (Number.isFinite(w) ? expect(got[i]).toBeCloseTo(w, 5) : expect(got[i]).toBe(w)));
  const none = { reduction: 'none' } as const;

  it.each(every)("crossEntropy with -Inf logits: the label's own logit decides (%s)", (_l, backend) => {
    // softmax([-Inf, 0]) = [0, 1]: loss -ln 1 = 0 at label 1, -ln 0 = Inf at label 0; the gradient is softmax - onehot.
    const ce = (labels: number[], o = {}) => (x: Tensor) => losses.crossEntropy(x, labels, { ...none, ...o });
    close(run(backend, [-Infinity, 0], [1, 2], ce([1])).loss, [0]);
    close(run(backend, [-Infinity, 0], [1, 2], ce([1])).grad, [0, 0]);
    close(run(backend, [-Infinity, 0], [1, 2], ce([0])).loss, [Infinity]);
    close(run(backend, [-Infinity, 0], [1, 2], ce([0])).grad, [-1, 1]);
    // With smoothing the target puts ε/C on the -Inf logit: Inf (PyTorch too).
    close(run(backend, [-Infinity, 0], [1, 2], ce([1], { labelSmoothing: 0.1 })).loss, [Infinity]);
    // Seven classes, so that the SIMD lanes and the overlapping tail see the -Inf logits.
    const row = [-Infinity, 0, -Infinity, 1, 2, -Infinity, 0.5];
    const finite = [0, 1, 2, 0.5];
    const lse = Math.log(finite.reduce((a, v) => a + Math.exp(v), 0));
    const r = run(backend, row, [1, 7], ce([3]));
    close(r.loss, [lse - 1]);
    close(r.grad, row.map((v, j) => Math.exp(v - lse) - (j === 3 ? 1 : 0)));
    // A row without a finite logit has no softmax: NaN, as in PyTorch.
    expect(run(backend, [-Infinity, -Infinity], [1, 2], ce([0])).loss[0]).toBeNaN();
    expect(run(backend, [Infinity, 0], [1, 2], ce([1])).loss[0]).toBeNaN();
  });

  it.each(every)('dense targets: a zero target on a -Inf logit is 0·Inf = NaN, as PyTorch (%s)', (_l, backend) => {
    const r = run(backend, [-Infinity, 0], [1, 2], (x) => losses.crossEntropy(x, tensor([[0, 1]], undefined, { backend }), none));
    expect(r.loss[0]).toBeNaN();
  });

  it.each(every)('binaryCrossEntropyWithLogits at ±Inf: Inf where the target disagrees, NaN (0·Inf) where it agrees, finite gradients σ(x) - y (%s)', (_l, backend) => {
    const x = [-Infinity, Infinity, -Infinity, Infinity, 0];
    const y = [1, 0, 0, 1, 0.5];
    const r = run(backend, x, [5], (t) => losses.binaryCrossEntropyWithLogits(t, tensor(y, undefined, { backend }), none));
    close(r.loss.filter((_, i) => i !== 2 && i !== 3), [Infinity, Infinity, Math.LN2]);
    expect(r.loss[2]).toBeNaN();
    expect(r.loss[3]).toBeNaN();
    close(r.grad, [-1, 1, 0, 0, 0]);
  });

  /** Rows of `cols` logits with one special value at each position (and a -Inf beside it), labels at every position. */
  function specialRows(cols: number): { x: number[]; rows: number; labels: number[] } {
    const x: number[] = [];
    const labels: number[] = [];
    for (const special of [-Infinity, Infinity, NaN, -1000, 1000])
      for (let at = 0; at < cols; at++)
        for (let label = 0; label < cols; label++) {
          x.push(...Array.from({ length: cols }, (_, j) => (j === at ? special : j === (at + 2) % cols && cols > 2 ? -Infinity : (j % 3) - 1)));
          labels.push(label);
        }
    return { x, rows: labels.length, labels };
  }

  it.each(byVariant)('sparse forward and backward agree with js float64 in kind (NaN, ±Inf) and value, special values at every position (%s)', (_l, backend) => {
    for (const cols of [1, 2, 3, 4, 5, 7, 9]) {
      const { x, rows, labels } = specialRows(cols);
      for (const smoothing of [0, 0.2]) {
        agree(backend, (b, t) => {
          const k = b.kernels;
          const xt = t(x, [rows, cols]);
          const lt = tensor(Int32Array.from(labels), undefined, { backend: b });
          const [lse, each, probs, dx] = [t(new Array(rows).fill(0)), t(new Array(rows).fill(0)), t(new Array(rows * cols).fill(0)), t(new Array(rows * cols).fill(0))];
          k.softmaxXentSparse(xt.ptr, lt.ptr, lse.ptr, probs.ptr, each.ptr, rows, cols, smoothing, 1, 0);
          k.softmaxXentSparseBackward(probs.ptr, lt.ptr, t([1]).ptr, 0, dx.ptr, rows, cols, smoothing, 1);
          return [lse, probs, each, dx];
        });
      }
    }
  });
});

describe('fused losses agree with the composed reference', () => {
  /** Loss values and logit gradients (upstream: ones) of fn on backend. */
  function lossAndGrad(backend: Backend, x: number[], shape: number[], fn: (x: Tensor) => Tensor) {
    return scope(() => {
      const t = tensor(x, shape, { backend, requiresGrad: true });
      const y = fn(t);
      sum(y).backward();
      const out = { y: Array.from(y.data()), g: Array.from(t.grad!.data()) };
      t.grad!.dispose();
      return out;
    });
  }

  function expectClose(a: number[], b: number[], tol: number) {
    const bad = a.findIndex((v, i) => !(Math.abs(v - b[i]) <= tol * Math.max(1, Math.abs(b[i]))));
    expect(bad, `[${bad}] ${a[bad]} vs ${b[bad]}`).toBe(-1);
  }

  it.each([[js64.label, js64] as const, ...byVariant])('crossEntropy = -pick(logSoftmax(x), y) and = -Σ t·logSoftmax(x) (%s)', (_l, backend) => {
    const tol = backend === js64 ? 1e-12 : 2e-5;
    for (const [rows, cols] of shapes) {
      const x = logits(rows, cols, 7 * rows + cols);
      const labels = Array.from({ length: rows }, (_, r) => (r * 7 + 3) % cols);
      const fused = lossAndGrad(backend, x, [rows, cols], (t) => losses.crossEntropy(t, labels, { reduction: 'none' }));
      const composed = lossAndGrad(backend, x, [rows, cols], (t) =>
        pick(F.logSoftmax(t), tensor(Int32Array.from(labels), undefined, { backend })).neg(),
      );
      expectClose(fused.y, composed.y, tol);
      expectClose(fused.g, composed.g, tol);
      const target = uniform(rows * cols, rows);
      const dense = lossAndGrad(backend, x, [rows, cols], (t) => losses.crossEntropy(t, tensor(target, [rows, cols], { backend })));
      const denseRef = lossAndGrad(backend, x, [rows, cols], (t) =>
        F.logSoftmax(t).mul(tensor(target, [rows, cols], { backend })).sum().neg().div(rows),
      );
      expectClose(dense.y, denseRef.y, tol * 10);
      expectClose(dense.g, denseRef.g, tol);
    }
  });

  it.each([[js64.label, js64] as const, ...byVariant])('binaryCrossEntropyWithLogits = p·y·softplus(-x) + (1 - y)·softplus(x) (%s)', (_l, backend) => {
    const tol = backend === js64 ? 1e-12 : 2e-5;
    for (const [rows, cols] of [[1, 1], [3, 7], [17, 33]]) {
      const x = logits(rows, cols, rows);
      const y = uniform(rows * cols, cols);
      const pw = uniform(cols, 2, 0.5, 2);
      const fused = lossAndGrad(backend, x, [rows, cols], (t) =>
        losses.binaryCrossEntropyWithLogits(t, tensor(y, [rows, cols], { backend }), { posWeight: tensor(pw, undefined, { backend }), reduction: 'sum' }),
      );
      const composed = lossAndGrad(backend, x, [rows, cols], (t) => {
        const [yt, p] = [tensor(y, [rows, cols], { backend }), tensor(pw, undefined, { backend })];
        return F.softplus(t.neg()).mul(yt.mul(p)).add(F.softplus(t).mul(yt.neg().add(1))).sum();
      });
      expectClose(fused.y, composed.y, tol * 10);
      expectClose(fused.g, composed.g, tol);
    }
  });
});

describe('polynomial exp (assembly/exp.ts)', () => {
  /** |got - exp(x)| in units in the last place of the float32 result. */
  function worstUlp(backend: Backend, op: Unary, f: (x: number) => number, lo: number, hi: number): number {
    const n = 100_003;
    const xs = Float32Array.from({ length: n }, (_, i) => lo + ((hi - lo) * i) / (n - 1));
    const ys = scope(() => {
      const [x, out] = [tensor(xs, undefined, { backend }), tensor(new Float32Array(n), undefined, { backend })];
      backend.kernels.unary(op, x.ptr, out.ptr, n, 0, 0);
      return out.data();
    });
    let worst = 0;
    xs.forEach((x, i) => {
      const want = f(x);
      const ulp = 2 ** (Math.floor(Math.log2(Math.abs(want))) - 23);
      worst = Math.max(worst, Math.abs(ys[i] - want) / ulp);
    });
    return worst;
  }

  it.each(byVariant)('e^x is within 2 ulp over [-86.9, 88.7], softplus within 4 ulp (%s)', (_l, backend) => {
    expect(worstUlp(backend, Unary.Exp, Math.exp, -86.9, 88.7)).toBeLessThanOrEqual(2);
    expect(worstUlp(backend, Unary.Exp, Math.exp, -1, 1)).toBeLessThanOrEqual(2);
    const softplus = (x: number) => Math.max(x, 0) + Math.log1p(Math.exp(-Math.abs(x)));
    expect(worstUlp(backend, Unary.Softplus, softplus, -30, 30)).toBeLessThanOrEqual(4);
  });

  it.each(byVariant)('inputs below -87 (results under 2e-38) give 0, large ones inf, NaN stays NaN (%s)', (_l, backend) => {
    const x = [-1000, -200, -104, -87.1, -Infinity, 88.7, 89, 1000, Infinity, NaN, 0, -0];
    // Padded to 16 so that the SIMD lanes (not only the scalar tail) see each value.
    const padded = [...x, 0, 0, 0, 0];
    const y = scope(() => {
      const [t, out] = [tensor(padded, undefined, { backend }), tensor(new Array(16).fill(7), undefined, { backend })];
      backend.kernels.unary(Unary.Exp, t.ptr, out.ptr, 16, 0, 0);
      return Array.from(out.data()).slice(0, x.length);
    });
    // The SIMD lanes flush below -87; the scalar variant (Mathf.exp) may return a denormal there instead.
    y.slice(0, 5).forEach((v) => expect(v).toBeLessThan(2e-38));
    expect(y.slice(0, 5).every((v) => v >= 0)).toBe(true);
    expect(y[5] / Math.exp(88.7)).toBeCloseTo(1, 5);
    expect(y.slice(6, 9)).toEqual([Infinity, Infinity, Infinity]);
    expect(y[9]).toBeNaN();
    expect(y.slice(10)).toEqual([1, 1]);
  });
});

// A probability e^(x - m) / s with s > 1 can be subnormal where e^(x - m) is
// not; float32 backends store it as 0 (no slow path for backward reading it),
// float64 keeps it. Rows of `cols` logits: `top` tied at 5 (s = top), the
// others `gap` below, so the small probabilities are e^-gap / top exactly.
describe('softmax probabilities below 2^-126 are stored as 0 on float32 backends', () => {
  const cases = [
    { cols: 10, top: 9, gap: 86.5 },
    { cols: 7, top: 3, gap: 86.9 },
    { cols: 37, top: 20, gap: 85.5 },
  ];
  it.each([js64, js32, ...wasmBackends].map((b) => [b.label, b] as const))('sparse and dense, forward and backward (%s)', (_l, backend) => {
    for (const { cols, top, gap } of [...cases, { cols: 10, top: 2, gap: 80 }]) {
      const rows = 3;
      const small = Math.exp(-gap) / top;
      // The same value as float32 computes it is within a few ulp: what matters is its side of 2^-126.
      const flushed = backend.dtype === 'float32' && small < 2 ** -126;
      const x = Array.from({ length: rows * cols }, (_, i) => (i % cols < top ? 5 : 5 - gap));
      const { probs, grad } = scope(() => {
        const k = backend.kernels;
        const t = (v: ArrayLike<number>, shape?: number[]) => tensor(v, shape, { backend });
        const xt = t(x, [rows, cols]);
        const labels = tensor(new Int32Array(rows), undefined, { backend });
        const [lse, out, p, dx] = [t(new Array(rows).fill(0)), t([0]), t(new Array(rows * cols).fill(7)), t(new Array(rows * cols).fill(7))];
        k.softmaxXentSparse(xt.ptr, labels.ptr, lse.ptr, p.ptr, out.ptr, rows, cols, 0, 1, 1);
        k.softmaxXentSparseBackward(p.ptr, labels.ptr, t([1]).ptr, 0, dx.ptr, rows, cols, 0, 1);
        const dense = t(new Array(rows * cols).fill(7));
        const targets = t(Array.from({ length: rows * cols }, (_, i) => (i % cols === 0 ? 1 : 0)), [rows, cols]);
        k.softmaxXentDense(xt.ptr, targets.ptr, lse.ptr, dense.ptr, out.ptr, rows, cols, 1, 1);
        expect(Array.from(dense.data())).toEqual(Array.from(p.data()));
        return { probs: Array.from(p.data()), grad: Array.from(dx.data()) };
      });
      for (let i = 0; i < rows * cols; i++) {
        const label = `${backend.label} cols ${cols} [${i}]`;
        if (i % cols < top) {
          expect(Math.abs(probs[i] - 1 / top), label).toBeLessThan(1e-6);
        } else if (flushed) {
          expect(probs[i], label).toBe(0);
          expect(grad[i], label).toBe(0);
        } else {
          expect(Math.abs(probs[i] / small - 1), `${label}: ${probs[i]} vs ${small}`).toBeLessThan(1e-5);
          expect(Math.abs(grad[i] / small - 1), label).toBeLessThan(1e-5);
        }
      }
    }
  });
});
