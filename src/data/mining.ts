// Triplet mining for metric learning: pick (anchor, positive, negative) rows
// of a batch of embeddings, as int32 index tensors to gather with. Distances
// come from ops (no gradient); only the choosing happens in JS.
import { checkBoolean, checkNumber, checkOptions, checkTensor, show } from '../check.js';
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
  checkBoolean(op, 'squared', squared);
  if (embeddings instanceof Tensor) embeddings.storage.assertAlive(op);
  if (labels instanceof Tensor) checkTensor(op, 'labels', labels, { dtype: 'int32', backend: embeddings instanceof Tensor ? embeddings.backend : undefined });
  else if (!Array.isArray(labels) && !ArrayBuffer.isView(labels)) throw new ArgumentError(op, `labels must be an int32 Tensor or an array of integers, got ${show(labels)}`);
  if (!(embeddings instanceof Tensor) || embeddings.rank !== 2 || embeddings.dtype === 'int32') {
    throw new ShapeError(op, `embeddings must be a float [batch, dim] tensor, got ${embeddings instanceof Tensor ? `${embeddings.dtype} ${fmt(embeddings.shape)}` : typeof embeddings}`);
  }
  const y = labels instanceof Tensor ? labels.data() : labels;
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
export function batchHardTriplets(embeddings: Tensor, labels: Tensor | ArrayLike<number>, options?: MiningOptions): Triplets {
  const { squared = false } = checkOptions('batchHardTriplets', options, ['squared']);
  const { n, y, d } = prepare('batchHardTriplets', embeddings, labels, squared);
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
  const { margin, squared = false } = checkOptions(op, options, ['margin', 'squared']);
  checkNumber(op, 'options.margin', margin, { above: 0 });
  const { n, y, d } = prepare(op, embeddings, labels, squared);
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
