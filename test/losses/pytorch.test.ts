// The losses added or changed to match PyTorch, against PyTorch's formulas
// written out here in float64 (values and gradients): js float64 to 1e-12
// relative, float32 Wasm to 1e-4 (test/helpers/reference.ts), and the edge
// cases PyTorch defines: ignored targets, N-D inputs, the order of the
// triplet slack, zero distances, torch's cosine.
import { describe, expect, it } from 'vitest';
import {
  ArgumentError, BackendError, Generator, ShapeError, data, gather, losses, scope, tensor, type Backend, type NestedArray, type Tensor,
} from '../../src/index.js';
import { js64, wasmBackends } from '../helpers/backends.js';
import { expectReference } from '../helpers/reference.js';

const backends = [js64, ...wasmBackends].map((b) => [b.label, b] as const);
const ints = (values: number[], backend: Backend, shape?: number[]) => tensor(new Int32Array(values), shape, { backend });

/** The loss's values and the gradients of their sum with respect to each input. */
function lossAndGrads(backend: Backend, inputs: NestedArray[], f: (...xs: Tensor[]) => Tensor): { y: number[]; g: number[][] } {
  return scope(() => {
    const xs = inputs.map((v) => tensor(v, undefined, { backend, requiresGrad: true }));
    const y = f(...xs);
    y.sum().backward();
    const out = { y: Array.from(y.data()), g: xs.map((x) => Array.from(x.grad?.data() ?? new Float64Array(x.size))) };
    xs.forEach((x) => x.grad?.dispose());
    return out;
  });
}

const logSoftmax = (row: number[]) => {
  const m = Math.max(...row);
  const lse = m + Math.log(row.reduce((a, v) => a + Math.exp(v - m), 0));
  return row.map((v) => v - lse);
};

describe('crossEntropy and nllLoss: ignoreIndex and N-D inputs as PyTorch', () => {
  const x = [[0.5, -1, 2, 0], [1, 1, -3, 0.25], [3, 0, -1, 2]];
  const C = 4;
  const logp = x.map(logSoftmax);
  const p = logp.map((r) => r.map(Math.exp));
  const w = [0.5, 1, 3, 2];

  /** PyTorch's loss (class indices, smoothing ε, weights w): per row and divisor, gradient d mean / dx. */
  function reference(labels: number[], ignore: number, eps: number, weight?: number[]) {
    const wc = (c: number) => (weight ? weight[c] : 1);
    const kept = labels.map((y) => y !== ignore);
    const perRow = labels.map((y, r) =>
      kept[r] ? (1 - eps) * wc(y) * -logp[r][y] + (eps / C) * logp[r].reduce((a, v, c) => a - wc(c) * v, 0) : 0,
    );
    const divisor = labels.reduce((a, y, r) => a + (kept[r] ? wc(y) : 0), 0);
    // d row / dx_j = T·p_j − t_j for the target t = ((1 − ε)·onehot + ε/C)·w, T = Σ t.
    const grad = labels.flatMap((y, r) => {
      if (!kept[r]) return new Array(C).fill(0);
      const t = Array.from({ length: C }, (_, c) => ((1 - eps) * (c === y ? 1 : 0) + eps / C) * wc(c));
      const T = t.reduce((a, v) => a + v, 0);
      return p[r].map((pj, j) => (T * pj - t[j]) / divisor);
    });
    return { perRow, mean: perRow.reduce((a, v) => a + v, 0) / divisor, grad };
  }

  it.each(backends)('ignored targets give no loss and no gradient and leave the mean, with smoothing and class weights too (%s)', (_l, backend) => {
    for (const [labels, ignoreIndex] of [[[2, -100, 0], -100], [[2, 0, 0], 0], [[-1, 3, 1], -1]] as const) {
      for (const eps of [0, 0.1]) {
        for (const weight of [undefined, w]) {
          const want = reference([...labels], ignoreIndex, eps, weight);
          const opts = { labelSmoothing: eps, ignoreIndex, weight: weight && tensor(weight, undefined, { backend }) };
          const { y, g } = lossAndGrads(backend, [x], (s) => losses.crossEntropy(s, [...labels], opts));
          const what = `labels ${labels} ignore ${ignoreIndex} ε ${eps} ${weight ? 'weighted' : ''}`;
          expectReference(y, [want.mean], backend, what);
          expectReference(g[0], want.grad, backend, what);
          const none = lossAndGrads(backend, [x], (s) => losses.crossEntropy(s, [...labels], { ...opts, reduction: 'none' }));
          expectReference(none.y, want.perRow, backend, what);
        }
      }
    }
  });

  it.each(backends)('every target ignored: the mean is NaN and the gradient 0, the sum 0 (PyTorch) (%s)', (_l, backend) => {
    const all = [-100, -100, -100];
    for (const weight of [undefined, tensor(w, undefined, { backend })]) {
      const mean = lossAndGrads(backend, [x], (s) => losses.crossEntropy(s, all, { weight, labelSmoothing: 0.1 }));
      expect(mean.y[0]).toBeNaN();
      expect(mean.g[0]).toEqual(new Array(12).fill(0));
      const sum = lossAndGrads(backend, [x], (s) => losses.crossEntropy(s, all, { weight, reduction: 'sum' }));
      expect(sum.y).toEqual([0]);
      expect(sum.g[0]).toEqual(new Array(12).fill(0));
      const nll = lossAndGrads(backend, [x], (s) => losses.nllLoss(s, all, { weight }));
      expect(nll.y[0]).toBeNaN();
      expect(nll.g[0]).toEqual(new Array(12).fill(0));
    }
  });

  // [B, C, d] = [2, 3, 2]: the class of position (b, k) is read along axis 1.
  const nd = [[[0.5, -2], [1, 0.25], [-1, 3]], [[2, 2], [0, -1], [1.5, 0.5]]];
  const ndLabels = [[2, 0], [-100, 1]];
  const column = (b: number, k: number) => nd[b].map((row) => row[k]);

  it.each(backends)('[B, C, d] scores with [B, d] targets: the mean over positions not ignored; "none" keeps [B, d] (%s)', (_l, backend) => {
    const loss: number[] = [];
    const grad = nd.map((rows) => rows.map((row) => row.map(() => 0)));
    const kept = ndLabels.flat().filter((c) => c !== -100).length;
    ndLabels.forEach((row, b) =>
      row.forEach((c, k) => {
        if (c === -100) return loss.push(0);
        const lp = logSoftmax(column(b, k));
        loss.push(-lp[c]);
        lp.forEach((v, j) => (grad[b][j][k] = (Math.exp(v) - (j === c ? 1 : 0)) / kept));
      }),
    );
    const { y, g } = lossAndGrads(backend, [nd], (s) => losses.crossEntropy(s, tensor(new Int32Array(ndLabels.flat()), [2, 2], { backend })));
    expectReference(y, [loss.reduce((a, v) => a + v, 0) / kept], backend, 'mean');
    expectReference(g[0], grad.flat(2), backend, 'gradient');
    scope(() => {
      const s = tensor(nd, undefined, { backend });
      const none = losses.crossEntropy(s, ndLabels, { reduction: 'none' });
      expect(none.shape).toEqual([2, 2]);
      expectReference(none.data(), loss, backend, 'none');
      // nllLoss of log-probabilities along axis 1 is the same loss.
      const lp = tensor(nd.map((_, b) => [0, 1, 2].map((j) => [0, 1].map((k) => logSoftmax(column(b, k))[j]))), undefined, { backend });
      expectReference(losses.nllLoss(lp, ndLabels, { reduction: 'none' }).data(), loss, backend, 'nllLoss');
    });
  });

  it.each(backends)('[B, C, d] weighted nllLoss: −w[y]·x[b, y, k] over Σ w[y] of the targets kept (%s)', (_l, backend) => {
    const wc = [0.2, 1, 4];
    const total = ndLabels.flat().reduce((a, c) => a + (c < 0 ? 0 : wc[c]), 0);
    const want = ndLabels.flatMap((row, b) => row.map((c, k) => (c < 0 ? 0 : -wc[c] * nd[b][c][k]))).reduce((a, v) => a + v, 0) / total;
    const grad = nd.map((rows, b) => rows.map((row, j) => row.map((_, k) => (ndLabels[b][k] === j ? -wc[j] / total : 0))));
    const { y, g } = lossAndGrads(backend, [nd], (s) => losses.nllLoss(s, ndLabels, { weight: tensor(wc, undefined, { backend }) }));
    expectReference(y, [want], backend);
    expectReference(g[0], grad.flat(2), backend);
  });

  it.each(backends)('[B, C, d] probability targets: −Σ_c t·log softmax over B·d positions (%s)', (_l, backend) => {
    const t = [[[0.2, 1], [0.3, 0], [0.5, 0]], [[0, 0.1], [1, 0.6], [0, 0.3]]];
    let want = 0;
    for (let b = 0; b < 2; b++) for (let k = 0; k < 2; k++) logSoftmax(column(b, k)).forEach((v, j) => (want -= t[b][j][k] * v));
    const { y } = lossAndGrads(backend, [nd], (s) => losses.crossEntropy(s, tensor(t, undefined, { backend })));
    expectReference(y, [want / 4], backend);
  });

  it('rejects a bad ignoreIndex, labels out of range that are not it, and targets of the wrong shape', () => {
    const s = tensor(nd, undefined, { backend: js64 });
    expect(() => losses.crossEntropy(s, ndLabels, { ignoreIndex: 0.5 })).toThrow(/crossEntropy: ignoreIndex must be an integer/);
    expect(() => losses.nllLoss(s, [[3, 0], [0, 0]])).toThrow(/nllLoss: label 3 at index 0 is out of range \[0, 3\) and is not ignoreIndex -100/);
    expect(() => losses.crossEntropy(s, [0, 1])).toThrow(ShapeError);
    expect(() => losses.crossEntropy(s, tensor(nd, undefined, { backend: js64 }).slice([0, 0, 0], [2, 2, 2]))).toThrow(ShapeError);
    expect(() => losses.crossEntropy(tensor([[1, 2]], undefined, { backend: js64 }), [-100], { ignoreIndex: -100 })).not.toThrow();
  });
});

describe('softMargin, crammerSingerHinge', () => {
  it.each(backends)('softMargin = mean ln(1 + e^(−y·x)), finite at |x| = 1000 where PyTorch overflows; gradient −y·σ(−y·x)/n (%s)', (_l, backend) => {
    const x = [2, -0.5, 30, -1000, 1000, 0];
    const y = [1, -1, -1, 1, -1, 1];
    // ln(1 + e^z) written so that it does not overflow: PyTorch's log1p(exp(z)) where that is finite.
    const softplus = (z: number) => (z > 0 ? z + Math.log1p(Math.exp(-z)) : Math.log1p(Math.exp(z)));
    const sigma = (z: number) => 1 / (1 + Math.exp(-z));
    const n = x.length;
    const { y: loss, g } = lossAndGrads(backend, [x], (s) => losses.softMargin(s, y));
    expectReference(loss, [x.reduce((a, v, i) => a + softplus(-y[i] * v), 0) / n], backend);
    expectReference(g[0], x.map((v, i) => (-y[i] * sigma(-y[i] * v)) / n), backend);
    const none = lossAndGrads(backend, [x], (s) => losses.softMargin(s, y, { reduction: 'none' }));
    expectReference(none.y, x.map((v, i) => softplus(-y[i] * v)), backend);
    expect(none.y[3]).toBe(1000);
  });

  it.each(backends)('crammerSingerHinge = mean max(0, Δ − s_y + max_{j≠y} s_j): the lecture scores (%s)', (_l, backend) => {
    const s = [[3.2, 5.1, -1.7], [1.3, 4.9, 2.0], [2.2, 2.5, -3.1]];
    const labels = [0, 1, 2];
    for (const margin of [1, 3]) {
      const grad = s.map((r) => r.map(() => 0));
      const per = s.map((r, i) => {
        const y = labels[i];
        let best = -1;
        r.forEach((v, j) => (j !== y && (best < 0 || v > r[best]) ? (best = j) : 0));
        const slack = margin - r[y] + r[best];
        if (slack > 0) [grad[i][y], grad[i][best]] = [-1 / 3, 1 / 3];
        return Math.max(0, slack);
      });
      const { y, g } = lossAndGrads(backend, [s], (t) => losses.crammerSingerHinge(t, labels, { margin }));
      expectReference(y, [per.reduce((a, v) => a + v, 0) / 3], backend);
      expectReference(g[0], grad.flat(), backend);
    }
    // Rows: 2.9, 0 and 6.6 with Δ = 1 (Weston–Watkins sums 2.9, 0, 12.9).
    expectReference(lossAndGrads(backend, [s], (t) => losses.crammerSingerHinge(t, labels, { reduction: 'none' })).y, [2.9, 0, 6.6], backend);
  });
});

describe('distances: contrastive, tripletMargin, batchHardTripletLoss, pairwiseDistance, cosineEmbedding', () => {
  it.each(backends)('contrastive at D = 0 with eps 0: gradient 0 for a similar and a dissimilar pair (no NaN); eps > 0 adds eps to the difference (%s)', (_l, backend) => {
    const pts = [[1, 2], [3, 4]];
    const zero = lossAndGrads(backend, [pts, pts], (a, b) => losses.contrastive(a, b, [0, 1], { eps: 0, margin: 1.5, reduction: 'none' }));
    expectReference(zero.y, [0, 0.5 * 1.5 ** 2], backend);
    expect(zero.g.flat().map((v) => v + 0)).toEqual([0, 0, 0, 0, 0, 0, 0, 0]); // + 0: the sign of a zero gradient is not part of the claim
    // eps 1e-6 (default): D = ‖x1 − x2 + eps‖ = √2·1e-6 for identical points.
    const eps = 1e-6;
    const D = Math.SQRT2 * eps;
    const withEps = lossAndGrads(backend, [pts, pts], (a, b) => losses.contrastive(a, b, [0, 1], { margin: 1.5, reduction: 'none' }));
    expectReference(withEps.y, [0.5 * D * D, 0.5 * (1.5 - D) ** 2], backend);
    // d/dx1: (1 − Y)·(x1 − x2 + eps) − Y·(m − D)·(x1 − x2 + eps)/D.
    expectReference(withEps.g[0], [eps, eps, -(1.5 - D) * (eps / D), -(1.5 - D) * (eps / D)], backend);
  });

  it('tripletMargin forms the slack as (margin + d_pos) − d_neg, PyTorch\'s order, so rounding lands on the same side (js float64)', () => {
    // (1.1 + 0.6) − 1.7 = 2.2e-16 > 0, while (0.6 − 1.7) + 1.1 = 0.
    const above = lossAndGrads(js64, [[[0]], [[0.6]], [[1.7]]], (a, p, n) => losses.tripletMargin(a, p, n, { margin: 1.1, eps: 0 }));
    expect(above.y).toEqual([1.1 + 0.6 - 1.7]);
    expect(above.y[0]).toBeGreaterThan(0);
    expect(above.g).toEqual([[0], [1], [-1]]);
    // (0.1 + 0.4) − 0.5 = 0 exactly, the kink, where the hinge returns 0 (the other order gives 2.8e-17 > 0).
    const at = lossAndGrads(js64, [[[0]], [[0.4]], [[0.5]]], (a, p, n) => losses.tripletMargin(a, p, n, { margin: 0.1, eps: 0 }));
    expect(at.y).toEqual([0]);
    expect(at.g.map((g) => g.map((v) => v + 0))).toEqual([[0], [0], [0]]);
  });

  it.each(backends)('tripletMargin at a = p (eps 0): the zero distance contributes gradient 0 (%s)', (_l, backend) => {
    const { y, g } = lossAndGrads(backend, [[[1, 1]], [[1, 1]], [[4, 5]]], (a, p, n) => losses.tripletMargin(a, p, n, { margin: 10, eps: 0 }));
    expectReference(y, [5], backend);
    expectReference(g.flat(), [0.6, 0.8, 0, 0, -0.6, -0.8], backend);
  });

  /** The batch-hard triplet loss written out: distances by Math.hypot, hardest positive and negative (first of ties). */
  function batchHardReference(e: number[][], labels: number[], margin: number) {
    const n = e.length;
    const d = (i: number, j: number) => Math.hypot(...e[i].map((v, k) => v - e[j][k]));
    const per: number[] = [];
    const terms: [number, number, number][] = [];
    for (let a = 0; a < n; a++) {
      let [p, q] = [-1, -1];
      for (let j = 0; j < n; j++) {
        if (labels[j] === labels[a]) {
          if (j !== a && (p < 0 || d(a, j) > d(a, p))) p = j;
        } else if (q < 0 || d(a, j) < d(a, q)) q = j;
      }
      if (p < 0 || q < 0) continue;
      per.push(Math.max(0, margin + d(a, p) - d(a, q)));
      terms.push([a, p, q]);
    }
    const grad = e.map((row) => row.map(() => 0));
    for (const [i, [a, p, q]] of terms.entries()) {
      if (per[i] <= 0) continue;
      e[a].forEach((_, k) => {
        const up = (e[a][k] - e[p][k]) / d(a, p) / per.length;
        const un = (e[a][k] - e[q][k]) / d(a, q) / per.length;
        grad[a][k] += up - un;
        grad[p][k] -= up;
        grad[q][k] += un;
      });
    }
    return { per, mean: per.reduce((s, v) => s + v, 0) / per.length, grad: grad.flat() };
  }

  it.each(backends)('batchHardTripletLoss = mean over anchors of max(0, margin + max_p d(a, p) − min_n d(a, n)), the gradient through the chosen rows (%s)', (_l, backend) => {
    const g = new Generator(5);
    const e = Array.from({ length: 12 }, () => [g.normal(), g.normal(), g.normal()]);
    const labels = e.map((_, i) => i % 3);
    for (const margin of [0.5, 4]) {
      const want = batchHardReference(e, labels, margin);
      const got = lossAndGrads(backend, [e], (t) => losses.batchHardTripletLoss(t, labels, { margin }));
      expectReference(got.y, [want.mean], backend, `margin ${margin}`);
      expectReference(got.g[0], want.grad, backend, `margin ${margin}`);
      const none = lossAndGrads(backend, [e], (t) => losses.batchHardTripletLoss(t, ints(labels, backend), { margin, reduction: 'none' }));
      expectReference(none.y, want.per, backend);
    }
  });

  it.each(backends)('batchHardTripletLoss equals tripletMargin (eps 0) on data.batchHardTriplets; no valid triplet gives 0 with gradient 0 (%s)', (_l, backend) => {
    scope(() => {
      const e = tensor([[0, 0], [1, 0], [5, 0], [2, 0], [10, 0]], undefined, { backend });
      const labels = [0, 0, 0, 1, 1];
      const t = data.batchHardTriplets(e, labels);
      const mined = losses.tripletMargin(gather(e, t.anchor), gather(e, t.positive), gather(e, t.negative), { eps: 0, margin: 2 });
      expectReference(losses.batchHardTripletLoss(e, labels, { margin: 2 }).data(), [mined.item()], backend);
    });
    for (const labels of [[1, 1, 1], [0, 1, 2]]) {
      const none = lossAndGrads(backend, [[[0, 1], [2, 3], [4, 5]]], (t) => losses.batchHardTripletLoss(t, labels));
      expect(none.y).toEqual([0]);
      expect(none.g[0]).toEqual([0, 0, 0, 0, 0, 0]);
      expect(scope(() => losses.batchHardTripletLoss(tensor([[0], [1], [2]], undefined, { backend }), labels, { reduction: 'none' }).shape)).toEqual([0]);
    }
  });

  it.each(backends)('pairwiseDistance = ‖x1 − x2 + eps‖_p along the last dimension (%s)', (_l, backend) => {
    const a = [[1, 2, 3], [0, 0, 0]];
    const b = [[0, 2, 5], [0, 0, 0]];
    for (const [p, eps] of [[2, 1e-6], [1, 0], [3, 0.5]]) {
      const want = a.map((u, i) => u.reduce((s, v, k) => s + Math.abs(v - b[i][k] + eps) ** p, 0) ** (1 / p));
      const got = lossAndGrads(backend, [a, b], (x, y) => losses.pairwiseDistance(x, y, { p, eps }));
      expectReference(got.y, want, backend, `p ${p}`);
      // At x1 = x2 with eps 0 the gradient is 0.
      if (eps === 0) expect(got.g[0].slice(3)).toEqual([0, 0, 0]);
    }
  });

  it.each(backends)('cosineEmbedding uses PyTorch\'s cos = x1·x2 / √((‖x1‖² + 1e-12)(‖x2‖² + 1e-12)), a zero vector included (%s)', (_l, backend) => {
    const x1 = [[1, 2, 3], [0.5, 1, 0], [0, 0, 0]];
    const x2 = [[-1, 0.5, 2], [1, 1, 1], [1, -2, 2]];
    const y = [1, -1, 1];
    const margin = 0.2;
    const dot = (u: number[], v: number[]) => u.reduce((s, ui, k) => s + ui * v[k], 0);
    const want: number[] = [];
    const g1: number[] = [];
    x1.forEach((u, i) => {
      const v = x2[i];
      const [n1, n2] = [dot(u, u) + 1e-12, dot(v, v) + 1e-12];
      const den = Math.sqrt(n1 * n2);
      const cos = dot(u, v) / den;
      const dcos = u.map((uk, k) => v[k] / den - (cos * uk) / n1);
      const active = y[i] === 1 || cos - margin > 0;
      want.push(y[i] === 1 ? 1 - cos : Math.max(0, cos - margin));
      g1.push(...dcos.map((d) => (!active ? 0 : y[i] === 1 ? -d : d) / 3));
    });
    const { y: got, g } = lossAndGrads(backend, [x1, x2], (a, b) => losses.cosineEmbedding(a, b, y, { margin }));
    expectReference(got, [want.reduce((s, v) => s + v, 0) / 3], backend);
    expectReference(g[0], g1, backend);
  });

  it('rejects bad options and inputs with typed errors naming the loss', () => {
    const e = tensor([[0, 0], [1, 0], [2, 1]], undefined, { backend: js64 });
    expect(() => losses.tripletMargin(e, e, e, { p: 0.5 })).toThrow(/tripletMargin: p must be a finite number >= 1, got 0.5/);
    expect(() => losses.batchHardTripletLoss(e, [0, 1])).toThrow(/batchHardTripletLoss: labels have 2 entries but embeddings have 3 rows/);
    expect(() => losses.batchHardTripletLoss(e, [0, 0, 1], { margin: 0 })).toThrow(/batchHardTripletLoss: margin must be a finite number > 0, got 0/);
    expect(() => losses.batchHardTripletLoss(ints([0, 1, 2], js64, [3, 1]), [0, 0, 1])).toThrow(BackendError);
    expect(() => losses.softMargin(tensor([1, 2], undefined, { backend: js64 }), [1, 0])).toThrow(/softMargin: label 0 at index 1 must be -1 or 1/);
    expect(() => losses.crammerSingerHinge(e, [0, 3, 1])).toThrow(/crammerSingerHinge: label 3 at row 1 is out of range \[0, 2\)/);
    expect(() => losses.crammerSingerHinge(e, [0, 1, 1], { margin: -1 })).toThrow(ArgumentError);
    expect(() => losses.pairwiseDistance(e, e, { p: 2, epsilon: 1 } as never)).toThrow(/pairwiseDistance: unknown option 'epsilon'/);
  });
});
