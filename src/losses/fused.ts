// The ops around the fused kernels of assembly/softmax_xent.ts: softmax
// cross-entropy from logits (sparse labels or dense targets) and BCE from
// logits, each one kernel forward and one backward. The reduction is part of
// the op: `total` sums the losses into one scalar scaled by `scale` (1/B for
// a mean), so a reduced loss costs no further op. Cross-entropy's forward
// keeps the softmax (like PyTorch's log_softmax keeps its output), so
// backward needs no exponential.
import { Unary } from '../backend/opcodes.js';
import { unaryKernel } from '../ops/broadcast.js';
import { op } from '../ops/define.js';
import { add, mul, neg, reshape, sub } from '../ops/index.js';
import { Tensor, empty } from '../tensor.js';

export interface Fused {
  scale: number;
  total: boolean;
}

interface Xent extends Fused {
  /** Sparse: int32 class labels. */
  labels?: Tensor;
  smoothing: number;
  /** Written by forward for backward: each row's log-sum-exp and softmax. */
  lse?: Tensor;
  probs?: Tensor;
}

/** The loss tensor (a scalar when total), with room for what backward needs. */
function xentOutputs(x: Tensor, p: Xent): Tensor {
  p.lse = empty([x.shape[0]], x.backend);
  p.probs = empty(x.shape, x.backend);
  return empty(p.total ? [] : [x.shape[0]], x.backend);
}

function saved(t: Tensor | undefined, name: string): Tensor {
  t!.storage.assertAlive(name);
  return t!;
}

const sparseXentOp = op<Xent>({
  name: 'crossEntropy',
  forward: ([x], p) => {
    const out = xentOutputs(x, p);
    const [rows, cols] = x.shape;
    x.backend.kernels.softmaxXentSparse(x.ptr, p.labels!.ptr, p.lse!.ptr, p.probs!.ptr, out.ptr, rows, cols, p.smoothing, p.scale, +p.total);
    return out;
  },
  vjp: (g, [x], _out, p) => {
    const dx = empty(x.shape, x.backend);
    const probs = saved(p.probs, 'crossEntropy');
    x.backend.kernels.softmaxXentSparseBackward(
      probs.ptr, p.labels!.ptr, g.ptr, p.total ? 0 : 1, dx.ptr, x.shape[0], x.shape[1], p.smoothing, p.scale,
    );
    return [dx];
  },
});

const denseXentOp = op<Xent>({
  name: 'crossEntropyDense',
  forward: ([x, t], p) => {
    const out = xentOutputs(x, p);
    x.backend.kernels.softmaxXentDense(x.ptr, t.ptr, p.lse!.ptr, p.probs!.ptr, out.ptr, x.shape[0], x.shape[1], p.scale, +p.total);
    return out;
  },
  vjp: (g, [x, t], _out, p) => {
    const dx = empty(x.shape, x.backend);
    x.backend.kernels.softmaxXentDenseBackward(saved(p.probs, 'crossEntropyDense').ptr, t.ptr, g.ptr, p.total ? 0 : 1, dx.ptr, x.shape[0], x.shape[1], p.scale);
    if (!t.requiresGrad) return [dx, null];
    // d loss / d t = -ln softmax(x) = lse - x, per row.
    const upstream = mul(p.total ? g : reshape(g, [-1, 1]), p.scale);
    return [dx, mul(sub(reshape(saved(p.lse, 'crossEntropyDense'), [-1, 1]), x), upstream)];
  },
});

/** Softmax cross-entropy of [B, C] logits against int32 labels, label smoothing ε. */
export function fusedCrossEntropy(x: Tensor, labels: Tensor, smoothing: number, f: Fused): Tensor {
  return sparseXentOp([x], { labels, smoothing, ...f });
}

/** Softmax cross-entropy of [B, C] logits against a [B, C] target (rows of any non-negative mass). */
export function fusedCrossEntropyDense(x: Tensor, target: Tensor, f: Fused): Tensor {
  return denseXentOp([x, target], { smoothing: 0, ...f });
}

interface Bce extends Fused {
  /** One positive weight per column (the last dimension). */
  posWeight: Tensor;
}

const bceOp = op<Bce>({
  name: 'binaryCrossEntropyWithLogits',
  forward: ([x, y], p) => {
    const cols = p.posWeight.size;
    const out = empty(p.total ? [] : x.shape, x.backend);
    x.backend.kernels.bceWithLogits(x.ptr, y.ptr, p.posWeight.ptr, out.ptr, x.size / cols, cols, p.scale, +p.total);
    return out;
  },
  vjp: (g, [x, y], _out, p) => {
    const cols = p.posWeight.size;
    const dx = empty(x.shape, x.backend);
    x.backend.kernels.bceWithLogitsBackward(x.ptr, y.ptr, p.posWeight.ptr, g.ptr, p.total ? 0 : 1, dx.ptr, x.size / cols, cols, p.scale);
    if (!y.requiresGrad) return [dx, null];
    // d loss / d y = p·softplus(-x) - softplus(x) = (p - 1)·softplus(-x) - x.
    const dy = sub(mul(add(p.posWeight, -1), unaryKernel(neg(x), Unary.Softplus)), x);
    return [dx, mul(dy, mul(g, p.scale))];
  },
});

/** BCE of logits x against targets y of the same shape, posWeight along the last dimension. */
export function fusedBceWithLogits(x: Tensor, y: Tensor, posWeight: Tensor, f: Fused): Tensor {
  return bceOp([x, y], { posWeight, ...f });
}
