// The data pipeline: datasets, minibatches, held-out splits, hyper-parameter search, triplet mining.
export { Dataset, dataset } from './dataset.js';
export type { ArrayData, DataSource, DatasetOptions } from './dataset.js';
export { Batch, DataLoader } from './loader.js';
export type { DataLoaderOptions } from './loader.js';
export { trainValTestSplit, kFold } from './split.js';
export type { Fold, Fractions, SplitOptions } from './split.js';
export { gridSearch, randomSearch, uniform, logUniform, intUniform, Distribution } from './search.js';
export type { Evaluate, GridParams, GridSpace, Mode, RandomParams, RandomSpace, SearchResult } from './search.js';
export { batchHardTriplets, semiHardTriplets } from './mining.js';
export type { MiningOptions, TripletLabels, Triplets } from './mining.js';
