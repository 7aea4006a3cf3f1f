// A dataset: features and labels in persistent tensors, loaded once. Subsets
// (splits, folds) share those tensors and differ only in their row indices;
// a dataset's own x and y are gathered from them when read.
import type { Backend } from '../backend/backend.js';
import { checkBackend, checkBoolean, checkOptions, checkShape, checkString, show } from '../check.js';
import { ArgumentError, ShapeError } from '../errors.js';
import { gather } from '../ops/index.js';
import { fmt, sizeOf } from '../shape.js';
import { Tensor, tensor, type NestedArray } from '../tensor.js';

export type ArrayData = NestedArray[] | ArrayLike<number>;

export interface DatasetOptions {
  /** Shape of one sample when features are flat; default [features.length / samples]. */
  featureShape?: readonly number[];
  /**
   * 'int32' for class labels, 'float' for regression targets. Default: int32 for
   * Int32Array or a flat array of integers, float otherwise.
   */
  labelDType?: 'int32' | 'float';
  /** Accept NaN and ±Infinity in features and float labels (rejected by default). */
  allowNonFinite?: boolean;
  backend?: Backend;
}

/** What every subset of one dataset shares: all its rows, loaded once and never copied. */
export interface DataSource {
  /** Every sample's features, [N, ...]. */
  readonly x: Tensor;
  /** Every sample's label [N] (int32 or float) or target row [N, ...]. */
  readonly y: Tensor;
  /** The int32 labels as a JS array (batches and stratification read them here); null for float labels. */
  readonly classLabels: Int32Array | null;
}

/** Labels (or targets) of the given source rows, made in the current scope; int labels are picked from their JS copy (gather is a float op). */
export function labelsOf(source: DataSource, rows: Int32Array, index: () => Tensor): Tensor {
  const labels = source.classLabels;
  return labels ? tensor(rows.map((r) => labels[r]), undefined, { backend: source.y.backend }) : gather(source.y, index());
}

export class Dataset {
  /** @internal Use dataset() to build one and subset() to select rows. */
  constructor(
    /** All rows, shared with every subset: this dataset holds source rows `indices`. */
    readonly source: DataSource,
    /** The rows of the source this dataset holds, in order. */
    readonly indices: Int32Array,
  ) {}

  get length(): number {
    return this.indices.length;
  }

  #index(): Tensor {
    return tensor(this.indices, undefined, { backend: this.source.x.backend });
  }

  /**
   * This dataset's features [length, ...], in order. Each read gathers them
   * from the source into a new tensor of the current scope: a copy of
   * length × sample values. To train, batch with DataLoader, which gathers only a batch.
   */
  get x(): Tensor {
    return gather(this.source.x, this.#index());
  }

  /** This dataset's labels [length] or targets [length, ...], in order; gathered on each read as x is. */
  get y(): Tensor {
    return labelsOf(this.source, this.indices, () => this.#index());
  }

  /** The rows at the given positions of this dataset (no data is copied). */
  subset(positions: ArrayLike<number>): Dataset {
    if (!Array.isArray(positions) && !ArrayBuffer.isView(positions)) {
      throw new ArgumentError('subset', `positions must be an array of integers, got ${show(positions)}`);
    }
    const rows = new Int32Array(positions.length);
    for (let i = 0; i < rows.length; i++) {
      const p = positions[i];
      if (!Number.isInteger(p) || p < 0 || p >= this.length) {
        throw new ArgumentError('subset', `position ${p} (at ${i}) is out of range [0, ${this.length})`);
      }
      rows[i] = this.indices[p];
    }
    return new Dataset(this.source, rows);
  }

  /** The class label of each sample of this dataset, in order; throws for float labels. */
  labels(op = 'labels'): Int32Array {
    checkString('labels', 'op', op);
    const all = this.source.classLabels;
    if (!all) {
      throw new ArgumentError(op, `needs int32 class labels; this dataset has float labels (build it with labelDType: 'int32')`);
    }
    return this.indices.map((r) => all[r]);
  }

  /** Frees the source's features and labels, which every subset shares. */
  dispose(): void {
    this.source.x.dispose();
    this.source.y.dispose();
  }
}

function isFlat(data: ArrayData): data is ArrayLike<number> {
  return ArrayBuffer.isView(data) || (Array.isArray(data) && (data.length === 0 || !Array.isArray(data[0])));
}

function checkFinite(values: ArrayLike<number>, what: string, perSample: number): void {
  for (let i = 0; i < values.length; i++) {
    if (!Number.isFinite(values[i])) {
      throw new ArgumentError('dataset', `${what} contain ${values[i]} at sample ${Math.floor(i / perSample)} (flat index ${i}); clean the data or pass { allowNonFinite: true }`);
    }
  }
}

function labelTensor(labels: ArrayData, dtype: 'int32' | 'float' | undefined, backend: Backend | undefined): Tensor {
  const flat = isFlat(labels);
  const ints = flat && Array.from(labels as ArrayLike<number>).every(Number.isInteger);
  const d = dtype ?? (labels instanceof Int32Array || (Array.isArray(labels) && ints) ? 'int32' : 'float');
  if (d !== 'int32' && d !== 'float') throw new ArgumentError('dataset', `labelDType must be 'int32' or 'float', got ${show(d)}`);
  if (d === 'int32' && !flat) throw new ShapeError('dataset', 'int32 class labels must be a flat array, one label per sample');
  return tensor(labels, undefined, { backend, dtype: d });
}

/**
 * A dataset from arrays or typed arrays: features [N, ...] (nested arrays, or
 * flat with featureShape) and one label (or nested target row) per sample.
 * The data is copied once into persistent tensors.
 */
export function dataset(features: ArrayData, labels: ArrayData, options?: DatasetOptions): Dataset {
  const valid = (d: unknown) => ArrayBuffer.isView(d) || Array.isArray(d);
  if (!valid(features) || !valid(labels)) throw new ArgumentError('dataset', 'features and labels must be arrays or typed arrays');
  options = checkOptions('dataset', options, ['featureShape', 'labelDType', 'allowNonFinite', 'backend']);
  const { backend } = options;
  if (backend !== undefined) checkBackend('dataset', 'backend', backend);
  if (options.allowNonFinite !== undefined) checkBoolean('dataset', 'allowNonFinite', options.allowNonFinite);
  if (options.featureShape !== undefined) checkShape('dataset', 'featureShape', options.featureShape);
  const y = labelTensor(labels, options.labelDType, backend);
  const n = y.shape[0] ?? 0;
  let x: Tensor | undefined;
  try {
    if (n === 0) throw new ArgumentError('dataset', 'needs at least one sample');
    if (isFlat(features)) {
      const sample = options.featureShape ? [...options.featureShape] : [features.length / n];
      if (!sample.every(Number.isInteger) || features.length !== n * sizeOf(sample)) {
        const per = options.featureShape ? `samples of shape ${fmt(sample)}` : 'equal samples';
        throw new ShapeError('dataset', `features (${features.length} values) and labels (${n} samples) have different lengths: cannot split the features into ${n} ${per}`);
      }
      x = tensor(features, [n, ...sample], { backend });
    } else {
      if (features.length !== n) throw new ShapeError('dataset', `features have ${features.length} samples but labels have ${n}`);
      x = tensor(features as NestedArray[], undefined, { backend });
    }
    if (!options.allowNonFinite) {
      checkFinite(x.data(), 'features', x.size / n);
      if (y.dtype !== 'int32') checkFinite(y.data(), 'labels', y.size / n);
    }
  } catch (e) {
    x?.dispose();
    y.dispose();
    throw e;
  }
  const classLabels = y.dtype === 'int32' ? (y.data() as Int32Array) : null;
  // keep(): a dataset built inside a scope must outlive it.
  return new Dataset({ x: x.keep(), y: y.keep(), classLabels }, Int32Array.from({ length: n }, (_, i) => i));
}
