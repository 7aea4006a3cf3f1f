// Triplet mining for metric learning: choose (anchor, positive, negative)
// rows of a batch of embeddings and return them as int32 row indices, to
// gather the embeddings with. Distances are cdist's (exact, no gradient);
// only the choosing happens in JS, and losses.batchHardTripletLoss chooses
// with the same function.
import { checkBoolean, checkNumber, checkOptions, checkTensor, show } from '../check.js';
import { ArgumentError, ShapeError } from '../errors.js';
import { cdist, square } from '../ops/index.js';
import { scope } from '../storage.js';
import { noGrad } from '../tape.js';
import { Tensor, tensor } from '../tensor.js';

/**
 * Triplets as row indices into the embeddings (int32 tensors of one length T,
 * 0 when the batch holds no valid triplet): the vectors are
 * gather(embeddings, t.anchor), gather(embeddings, t.positive) and
 * gather(embeddings, t.negative), the inputs of losses.tripletMargin.
 */
export interface Triplets {
  /** Row index of each triplet's anchor. */
  anchor: Tensor;
  /** Row index of each triplet's positive (same label as its anchor, another row). */
  positive: Tensor;
  /** Row index of each triplet's negative (another label). */
  negative: Tensor;
}

export interface MiningOptions {
  /** Compare squared Euclidean distances instead of Euclidean ones (default false). */
  squared?: boolean;
}

export type TripletLabels = Tensor | ArrayLike<number>;

/** The miners' inputs, checked: float [n, dim] embeddings and n integer labels (int32 tensor or numbers); returns the labels' values. */
export function miningInputs(op: string, embeddings: unknown, labels: unknown): ArrayLike<number> {
  checkTensor(op, 'embeddings', embeddings, { rank: 2 });
  let y: ArrayLike<number>;
  if (labels instanceof Tensor) {
    checkTensor(op, 'labels', labels, { dtype: 'int32', rank: 1, backend: embeddings.backend });
    y = labels.data();
  } else if (Array.isArray(labels) || ArrayBuffer.isView(labels)) {
    y = labels as ArrayLike<number>;
  } else {
    throw new ArgumentError(op, `labels must be an int32 Tensor or an array of integers, got ${show(labels)}`);
  }
  const n = embeddings.shape[0];
  if (y.length !== n) throw new ShapeError(op, `labels have ${y.length} entries but embeddings have ${n} rows`);
  for (let i = 0; i < n; i++) {
    if (!Number.isInteger(y[i])) throw new ArgumentError(op, `labels[${i}] = ${show(y[i])} is not an integer class label`);
  }
  return y;
}

/** The n × n distances between the rows (no gradient), squared when asked. */
function distances(embeddings: Tensor, squared: boolean): ArrayLike<number> {
  return scope(() => noGrad(() => {
    const d = cdist(embeddings, embeddings);
    return (squared ? square(d) : d).data();
  }));
}

export interface TripletRows {
  anchors: number[];
  positives: number[];
  negatives: number[];
}

/**
 * Batch-hard choice from the n × n distances d: for every anchor with a
 * positive and a negative, its furthest positive and nearest negative, the
 * first (lowest row) of ties, as torch.max and torch.min along a dimension.
 */
export function hardestTriplets(y: ArrayLike<number>, d: ArrayLike<number>): TripletRows {
  const n = y.length;
  const rows: TripletRows = { anchors: [], positives: [], negatives: [] };
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
      rows.anchors.push(a);
      rows.positives.push(p);
      rows.negatives.push(neg);
    }
  }
  return rows;
}

function result(backend: Tensor['backend'], rows: TripletRows): Triplets {
  const t = (v: number[]) => tensor(Int32Array.from(v), undefined, { backend });
  return { anchor: t(rows.anchors), positive: t(rows.positives), negative: t(rows.negatives) };
}

/**
 * Batch-hard mining (Hermans et al., 2017): for every anchor with a positive
 * and a negative in the batch, its furthest positive and nearest negative
 * (the first row of ties). Returns row indices; anchors without a positive
 * or a negative are left out, so a batch of one class (or of singletons)
 * gives empty indices, which tripletMargin refuses as an empty batch:
 * losses.batchHardTripletLoss returns 0 for such a batch instead.
 */
export function batchHardTriplets(embeddings: Tensor, labels: TripletLabels, options?: MiningOptions): Triplets {
  const op = 'batchHardTriplets';
  const { squared = false } = checkOptions(op, options, ['squared']);
  checkBoolean(op, 'squared', squared);
  const y = miningInputs(op, embeddings, labels);
  return result(embeddings.backend, hardestTriplets(y, distances(embeddings, squared)));
}

/**
 * Semi-hard mining (Schroff et al., FaceNet, 2015): for every anchor–positive
 * pair, the nearest negative that is farther than the positive but within the
 * margin (d(a,p) < d(a,n) < d(a,p) + margin); pairs without one are skipped.
 * Returns row indices, as batchHardTriplets (empty when nothing qualifies).
 */
export function semiHardTriplets(embeddings: Tensor, labels: TripletLabels, options: MiningOptions & { margin: number }): Triplets {
  const op = 'semiHardTriplets';
  const { squared = false, margin } = checkOptions(op, options, ['squared', 'margin']);
  checkNumber(op, 'margin', margin, { above: 0 });
  checkBoolean(op, 'squared', squared);
  const y = miningInputs(op, embeddings, labels);
  const d = distances(embeddings, squared);
  const n = y.length;
  const rows: TripletRows = { anchors: [], positives: [], negatives: [] };
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
        rows.anchors.push(a);
        rows.positives.push(p);
        rows.negatives.push(neg);
      }
    }
  }
  return result(embeddings.backend, rows);
}
