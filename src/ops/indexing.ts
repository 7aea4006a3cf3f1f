// Integer indexing: gather rows (minibatches), pick one entry per row
// (sparse losses), one-hot encoding. Index tensors are int32 and validated
// before any kernel runs; they receive no gradient. pickLabels and
// oneHotLabels take labels a loss has already checked, in which −1 marks a
// row without one (an ignored target).
import { checkInteger, checkTensor, show } from '../check.js';
import { ArgumentError, BackendError, ShapeError } from '../errors.js';
import { fmt } from '../shape.js';
import { Tensor, empty, full } from '../tensor.js';
import { op } from './define.js';

/** Checks an int32 index tensor of rank 1 with every value in [0, bound). */
function checkIndex(index: Tensor, bound: number, name: string, what: string, backendOf: Tensor): void {
  if (!(index instanceof Tensor)) throw new ArgumentError(name, `${what} must be an int32 Tensor, got ${show(index)}`);
  index.storage.assertAlive(name);
  if (index.dtype !== 'int32') {
    throw new BackendError(name, `${what} must be an int32 tensor (e.g. tensor(new Int32Array(...)) or { dtype: 'int32' }), got ${index.dtype}`);
  }
  if (index.backend !== backendOf.backend) {
    throw new BackendError(name, `${what} lives on ${index.backend.label} but the data on ${backendOf.backend.label}`);
  }
  if (index.rank !== 1) throw new ShapeError(name, `${what} must be 1-D, got shape ${fmt(index.shape)}`);
  const values = index.data();
  for (let i = 0; i < values.length; i++) {
    if (values[i] < 0 || values[i] >= bound) {
      throw new ArgumentError(name, `${what}[${i}] = ${values[i]} is out of range [0, ${bound})`);
    }
  }
}

const gatherOp = op<Tensor>({
  name: 'gather',
  forward: ([x], index) => {
    const cols = x.size / x.shape[0];
    const out = empty([index.size, ...x.shape.slice(1)], x.backend, x.dtype);
    x.backend.kernels.gatherRows(x.ptr, index.ptr, out.ptr, index.size, cols);
    return out;
  },
  vjp: (g, [x], _out, index) => {
    const dx = full(x.shape, 0, { backend: x.backend });
    x.backend.kernels.scatterAddRows(g.ptr, index.ptr, dx.ptr, index.size, x.size / x.shape[0]);
    return [dx];
  },
});
/** Rows x[index[i]] stacked (repeats allowed): how a minibatch is drawn. */
export function gather(x: Tensor, index: Tensor): Tensor {
  checkTensor('gather', 'x', x);
  if (x.rank < 1) throw new ShapeError('gather', `needs a tensor of rank >= 1, got shape ${fmt(x.shape)}`);
  checkIndex(index, x.shape[0], 'gather', 'index', x);
  return gatherOp([x], index);
}

const pickOp = op<Tensor>({
  name: 'pick',
  forward: ([x], labels) => {
    const [rows, cols] = x.shape;
    const out = empty([rows], x.backend, x.dtype);
    x.backend.kernels.pick(x.ptr, labels.ptr, out.ptr, rows, cols);
    return out;
  },
  vjp: (g, [x], _out, labels) => {
    const dx = full(x.shape, 0, { backend: x.backend });
    x.backend.kernels.pickBackward(g.ptr, labels.ptr, dx.ptr, x.shape[0], x.shape[1]);
    return [dx];
  },
});
/** x[i, labels[i]] for each row i of a [B, C] tensor: the score of each sample's class. */
export function pick(x: Tensor, labels: Tensor): Tensor {
  checkTensor('pick', 'x', x);
  if (x.rank !== 2) throw new ShapeError('pick', `expects a [B, C] tensor, got shape ${fmt(x.shape)}`);
  checkIndex(labels, x.shape[1], 'pick', 'labels', x);
  if (labels.size !== x.shape[0]) {
    throw new ShapeError('pick', `labels has ${labels.size} entries but x has ${x.shape[0]} rows (shape ${fmt(x.shape)})`);
  }
  return pickLabels(x, labels);
}

/** pick of checked labels: a row labelled −1 gives 0 and receives no gradient. */
export const pickLabels = (x: Tensor, labels: Tensor): Tensor => pickOp([x], labels);

/** A [B, classes] float tensor with a 1 at each row's label (no gradient). */
export function oneHot(labels: Tensor, classes: number): Tensor {
  checkInteger('oneHot', 'classes', classes, 1);
  checkIndex(labels, classes, 'oneHot', 'labels', labels);
  return oneHotLabels(labels, classes);
}

/** oneHot of checked labels: a row labelled −1 stays zero. */
export function oneHotLabels(labels: Tensor, classes: number): Tensor {
  const out = empty([labels.size, classes], labels.backend);
  labels.backend.kernels.oneHot(labels.ptr, out.ptr, labels.size, classes);
  return out;
}
