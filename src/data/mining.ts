// Triplet mining for metric learning: pick (anchor, positive, negative) rows
// of a batch of embeddings, as int32 index tensors to gather with. Distances
// come from ops (no gradient); only the choosing happens in JS.
import { ArgumentError, ShapeError } from '../errors.js';
import { matmul, maximum, mul, sqrt, square, sub, sum, transpose, add } from '../ops/index.js';
import { fmt } from '../shape.js';
import { scope } from '../storage.js';
import { noGrad } from '../tape.js';
import { Tensor, tensor } from '../tensor.js';

export interface Triplets {
  anchor: Tensor;
  positive: Tensor;
  negative: Tensor;
}

export interface MiningOptions {
  /** Compare squared Euclidean distances instead of Euclidean ones (default false). */
  squared?: boolean;
}

function prepare(op: string, embeddings: Tensor, labels: Tensor | ArrayLike<number>, squared: boolean) {
  if (!(embeddings instanceof Tensor) || embeddings.rank !== 2 || embeddings.dtype === 'int32') {
    throw new ShapeError(op, `embeddings must be a float [batch, dim] tensor, got ${embeddings instanceof Tensor ? `${embeddings.dtype} ${fmt(embeddings.shape)}` : typeof embeddings}`);
  }
  const y = labels instanceof Tensor ? labels.data() : labels;
  if (labels instanceof Tensor && labels.dtype !== 'int32') throw new ArgumentError(op, `labels must be int32, got ${labels.dtype}`);
  const n = embeddings.shape[0];
  if (y?.length !== n) throw new ShapeError(op, `labels have ${y?.length} entries but embeddings have ${n} rows`);
  // ‖a−b‖² = ‖a‖² + ‖b‖² − 2a·b, clamped at 0 against rounding.
  const d = scope(() =>
    noGrad(() => {
      const norms = sum(square(embeddings), 1, true);
      const d2 = maximum(sub(add(norms, transpose(norms)), mul(matmul(embeddings, transpose(embeddings)), 2)), 0);
      return (squared ? d2 : sqrt(d2)).data();
    }),
  );
  return { n, y, d };
}

function result(backend: Tensor['backend'], a: number[], p: number[], n: number[]): Triplets {
  const t = (v: number[]) => tensor(Int32Array.from(v), undefined, { backend });
  return { anchor: t(a), positive: t(p), negative: t(n) };
}

/**
 * Batch-hard mining (Hermans et al., 2017): for every anchor with a positive
 * and a negative in the batch, its furthest positive and nearest negative.
 */
export function batchHardTriplets(embeddings: Tensor, labels: Tensor | ArrayLike<number>, options: MiningOptions = {}): Triplets {
  const { n, y, d } = prepare('batchHardTriplets', embeddings, labels, options.squared ?? false);
  const [as, ps, ns]: number[][] = [[], [], []];
  for (let a = 0; a < n; a++) {
    let p = -1;
    let neg = -1;
    for (let j = 0; j < n; j++) {
      const dj = d[a * n + j];
      if (y[j] === y[a]) {
        if (j !== a && (p < 0 || dj > d[a * n + p])) p = j;
      } else if (neg < 0 || dj < d[a * n + neg]) neg = j;
    }
    if (p >= 0 && neg >= 0) {
      as.push(a);
      ps.push(p);
      ns.push(neg);
    }
  }
  return result(embeddings.backend, as, ps, ns);
}

/**
 * Semi-hard mining (Schroff et al., FaceNet, 2015): for every anchor–positive
 * pair, the nearest negative that is farther than the positive but within the
 * margin (d(a,p) < d(a,n) < d(a,p) + margin); pairs without one are skipped.
 */
export function semiHardTriplets(embeddings: Tensor, labels: Tensor | ArrayLike<number>, options: MiningOptions & { margin: number }): Triplets {
  const op = 'semiHardTriplets';
  const margin = options?.margin;
  if (typeof margin !== 'number' || !(margin > 0) || !Number.isFinite(margin)) {
    throw new ArgumentError(op, `options.margin must be a finite number > 0 (the triplet loss margin), got ${margin}`);
  }
  const { n, y, d } = prepare(op, embeddings, labels, options.squared ?? false);
  const [as, ps, ns]: number[][] = [[], [], []];
  for (let a = 0; a < n; a++) {
    for (let p = 0; p < n; p++) {
      if (p === a || y[p] !== y[a]) continue;
      const dp = d[a * n + p];
      let neg = -1;
      for (let j = 0; j < n; j++) {
        const dj = d[a * n + j];
        if (y[j] !== y[a] && dj > dp && dj < dp + margin && (neg < 0 || dj < d[a * n + neg])) neg = j;
      }
      if (neg >= 0) {
        as.push(a);
        ps.push(p);
        ns.push(neg);
      }
    }
  }
  return result(embeddings.backend, as, ps, ns);
}
