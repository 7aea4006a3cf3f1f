// The kernel module: every export is a plain function on byte offsets into
// linear memory. The JavaScript reference (src/backend/js/) has the same
// names and argument order.
export { fill, unary, binary, binaryStrided, select, stridedCopy, reluBackward, accumulate } from './elementwise';
export { reduce, argReduce } from './reduce';
export { gatherRows, scatterAddRows, pick, pickBackward, oneHot } from './indexing';
export { matmul, matmulWorkBytes } from './matmul';
export { sgd, adagrad, rmsprop, adadelta, adam, firstNonFinite } from './optim';
export {
  softmaxXentSparse, softmaxXentSparseBackward, softmaxXentDense, softmaxXentDenseBackward, bceWithLogits, bceWithLogitsBackward, sumPartials,
} from './softmax_xent';

/** First byte past the module's static data: where the JS-side heap may start. */
export const heapBase: usize = __heap_base;
