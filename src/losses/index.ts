// Losses and regularizers under torch.nn.functional's names (camelCase).
// Each loss takes { reduction: 'mean' | 'sum' | 'none' } (default 'mean');
// see docs/losses.md for the formulas and the subgradient at each kink.
export { mse, mae, l1Loss, msle, huber, smoothL1, gaussianNll, gaussianNllPrecision } from './regression.js';
export type { GaussianNllOptions, PointwiseLoss } from './regression.js';
export { crossEntropy, nllLoss, klDiv, binaryCrossEntropy, binaryCrossEntropyWithLogits } from './classification.js';
export type { CrossEntropyOptions, BceWithLogitsOptions } from './classification.js';
export {
  hinge, squaredHinge, softMargin, perceptron, multiclassHinge, crammerSingerHinge, multiMargin, tripletMargin, batchHardTripletLoss,
  contrastive, pairwiseDistance, cosineSimilarity, cosineEmbedding,
} from './margin.js';
export type { MulticlassHingeOptions, MultiMarginOptions, TripletMarginOptions, ContrastiveOptions } from './margin.js';
export { l1, l2, elasticNet } from './regularizers.js';
export type { L2Options } from './regularizers.js';
export type { Reduction, ReductionOptions, Labels } from './common.js';
