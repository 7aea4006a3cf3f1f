// Minibatches. An epoch yields Batch objects that hold only row indices (JS
// memory); a batch's tensors are gathered from the dataset when first read,
// so reading them inside the training step's scope() puts them in that
// step's arena and an epoch does not grow memory per batch.
import { checkBoolean, checkInteger, checkOptions, show } from '../check.js';
import { ArgumentError } from '../errors.js';
import { gather } from '../ops/index.js';
import { Generator as Rng, defaultGenerator } from '../random.js';
import { Tensor, tensor } from '../tensor.js';
import { Dataset, labelsOf } from './dataset.js';

export class Batch {
  #index: Tensor | null = null;
  #x: Tensor | null = null;
  #y: Tensor | null = null;

  constructor(
    readonly dataset: Dataset,
    /** The source rows (indices into dataset.source.x) of this batch. */
    readonly rows: Int32Array,
  ) {}

  get size(): number {
    return this.rows.length;
  }

  /** The rows as an int32 tensor, e.g. to gather further per-sample tensors. */
  get index(): Tensor {
    if (!this.#index?.storage.alive) this.#index = tensor(this.rows, undefined, { backend: this.dataset.source.x.backend });
    return this.#index;
  }

  /** Features [batch, ...], made in the current scope on first read. */
  get x(): Tensor {
    if (!this.#x?.storage.alive) this.#x = gather(this.dataset.source.x, this.index);
    return this.#x;
  }

  /** Labels [batch] (int32 or float) or targets [batch, ...], made in the current scope on first read. */
  get y(): Tensor {
    if (!this.#y?.storage.alive) this.#y = labelsOf(this.dataset.source, this.rows, () => this.index);
    return this.#y;
  }
}

export interface DataLoaderOptions {
  batchSize: number;
  /** Draw a new order every epoch (default false, as PyTorch). */
  shuffle?: boolean;
  /** Seed of the shuffling order; without it the default generator (manualSeed) is used. */
  seed?: number;
  /** Skip the last batch when it is smaller than batchSize (default false). */
  dropLast?: boolean;
}

/**
 * Iterates a dataset in minibatches:
 * `for (const batch of loader.epoch()) scope(() => { const { x, y } = batch; ... })`.
 */
export class DataLoader {
  readonly batchSize: number;
  readonly shuffle: boolean;
  readonly dropLast: boolean;
  readonly #rng: Rng;

  constructor(
    readonly dataset: Dataset,
    options: DataLoaderOptions,
  ) {
    const op = 'DataLoader';
    if (!(dataset instanceof Dataset)) throw new ArgumentError(op, `dataset must be a Dataset (data.dataset(features, labels)), got ${show(dataset)}`);
    const { batchSize, shuffle = false, dropLast = false, seed } = checkOptions(op, options, ['batchSize', 'shuffle', 'seed', 'dropLast']);
    checkInteger(op, 'batchSize', batchSize, 1);
    checkBoolean(op, 'shuffle', shuffle);
    checkBoolean(op, 'dropLast', dropLast);
    if (seed !== undefined) checkInteger(op, 'seed', seed, 0);
    if (dropLast && batchSize > dataset.length) {
      throw new ArgumentError('DataLoader', `dropLast with batchSize ${batchSize} > ${dataset.length} samples would yield no batches`);
    }
    this.batchSize = batchSize;
    this.shuffle = shuffle;
    this.dropLast = dropLast;
    this.#rng = rngFor(seed);
  }

  /** Batches per epoch. */
  get length(): number {
    const n = this.dataset.length / this.batchSize;
    return this.dropLast ? Math.floor(n) : Math.ceil(n);
  }

  /** One pass over the data; with shuffle, each call draws a new order from the seeded generator. */
  *epoch(): IterableIterator<Batch> {
    const rows = this.dataset.indices.slice();
    if (this.shuffle) shuffleInPlace(rows, this.#rng);
    for (let b = 0; b < this.length; b++) {
      yield new Batch(this.dataset, rows.subarray(b * this.batchSize, (b + 1) * this.batchSize));
    }
  }

  [Symbol.iterator](): IterableIterator<Batch> {
    return this.epoch();
  }
}

/** A generator for an optional seed: without one, the default generator (manualSeed), as rand() does. */
export function rngFor(seed: number | undefined): Rng {
  return seed === undefined ? defaultGenerator : new Rng(seed);
}

/** Fisher–Yates shuffle. */
export function shuffleInPlace(a: Int32Array, rng: Rng): Int32Array {
  for (let i = a.length - 1; i > 0; i--) {
    const j = rng.int(i + 1);
    const t = a[i];
    a[i] = a[j];
    a[j] = t;
  }
  return a;
}
