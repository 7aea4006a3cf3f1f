// The reverse-mode tape, micrograd-sized: each recorded tensor keeps a node
// with its inputs and a closure that maps the upstream gradient to one
// gradient per input. backward() orders the graph without recursion, so
// chains of any depth work, and accumulates leaf gradients with +=.
import { Binary } from './backend/opcodes.js';
import { GraphError, ShapeError } from './errors.js';
import { fmt, sameShape } from './shape.js';
import { allocPersistent, scope } from './storage.js';
import { Tensor, empty } from './tensor.js';

export type Vjp = (grad: Tensor) => readonly (Tensor | null)[];

export interface Node {
  readonly op: string;
  readonly inputs: readonly Tensor[];
  /** Null once backward has freed the graph. */
  vjp: Vjp | null;
}

let recording = true;

/** Runs fn without recording anything on the tape. */
export function noGrad<T>(fn: () => T): T {
  const was = recording;
  recording = false;
  try {
    return fn();
  } finally {
    recording = was;
  }
}

/** Attaches a node to `out` when recording and some input requires a gradient. */
export function record(out: Tensor, op: string, inputs: readonly Tensor[], vjp: Vjp): Tensor {
  if (!recording) return out;
  for (const t of inputs) {
    if (t.requiresGrad) {
      out.requiresGrad = true;
      out.node = { op, inputs, vjp };
      return out;
    }
  }
  return out;
}

export interface BackwardOptions {
  /** Keep the graph so backward can run through it again (PyTorch's retain_graph). */
  retainGraph?: boolean;
}

/** Tensors reachable from root, inputs before the tensors made from them. */
function topologicalOrder(root: Tensor): Tensor[] {
  const order: Tensor[] = [];
  const seen = new Set<Tensor>([root]);
  const stack: [Tensor, number][] = [[root, 0]];
  while (stack.length > 0) {
    const top = stack[stack.length - 1];
    const inputs = top[0].node?.inputs ?? [];
    if (top[1] < inputs.length) {
      const next = inputs[top[1]++];
      if (next.requiresGrad && !seen.has(next)) {
        seen.add(next);
        stack.push([next, 0]);
      }
    } else {
      order.push(top[0]);
      stack.pop();
    }
  }
  return order;
}

export function backward(root: Tensor, grad?: Tensor, options: BackwardOptions = {}): void {
  root.storage.assertAlive('backward');
  if (!root.requiresGrad) {
    throw new GraphError('backward', 'tensor does not require grad: no input of its graph was created with requiresGrad: true (or it was computed under noGrad)');
  }
  if (grad === undefined && root.size !== 1) {
    throw new GraphError('backward', `needs an upstream gradient for a non-scalar tensor of shape ${fmt(root.shape)}; call backward(grad) with a tensor of that shape, or reduce to a scalar first (e.g. .sum())`);
  }
  if (grad !== undefined && !sameShape(grad.shape, root.shape)) {
    throw new ShapeError('backward', `upstream gradient has shape ${fmt(grad.shape)} but the tensor has shape ${fmt(root.shape)}`);
  }
  const order = topologicalOrder(root);
  for (const t of order) {
    if (t.node && t.node.vjp === null) {
      throw new GraphError('backward', `the graph through '${t.node.op}' was already freed by an earlier backward(); pass { retainGraph: true } to the first call to run backward twice`);
    }
  }
  // Intermediate gradients are per-call scratch; only leaf .grad persists.
  scope(() => {
    const grads = new Map<Tensor, Tensor>();
    const b = root.backend;
    grads.set(root, grad ?? filled(root, 1));
    for (let i = order.length - 1; i >= 0; i--) {
      const t = order[i];
      const g = grads.get(t);
      if (!g) continue;
      grads.delete(t);
      if (!t.node) {
        accumulateLeaf(t, g);
        continue;
      }
      const inputGrads = noGrad(() => t.node!.vjp!(g));
      t.node.inputs.forEach((input, k) => {
        const gi = inputGrads[k];
        if (!gi || !input.requiresGrad) return;
        if (!sameShape(gi.shape, input.shape)) {
          throw new ShapeError(t.node!.op, `vjp returned a gradient of shape ${fmt(gi.shape)} for input ${k} of shape ${fmt(input.shape)}`);
        }
        const prev = grads.get(input);
        if (!prev) grads.set(input, gi);
        else {
          // A fresh sum: gradients handed out by a vjp may alias other tensors.
          const sum = empty(input.shape, b, input.dtype);
          b.kernels.binary(Binary.Add, prev.ptr, gi.ptr, sum.ptr, sum.size);
          grads.set(input, sum);
        }
      });
      if (!options.retainGraph) t.node.vjp = null;
    }
  });
}

function filled(like: Tensor, value: number): Tensor {
  const out = empty(like.shape, like.backend, like.dtype);
  like.backend.kernels.fill(out.ptr, out.size, value);
  return out;
}

/**
 * Where a leaf's gradient is created when it has none: an optimizer keeps its
 * parameters' gradients in one contiguous block (src/optim/).
 */
const gradSlots = new WeakMap<Tensor, () => Tensor>();

export function setGradSlot(leaf: Tensor, slot: (() => Tensor) | null): void {
  if (slot) gradSlots.set(leaf, slot);
  else gradSlots.delete(leaf);
}

function accumulateLeaf(leaf: Tensor, g: Tensor): void {
  const k = leaf.backend.kernels;
  if (!leaf.grad || !leaf.grad.storage.alive) {
    const slot = gradSlots.get(leaf);
    leaf.grad = slot ? slot() : new Tensor(leaf.shape, leaf.dtype, allocPersistent(leaf.backend, leaf.size * leaf.backend.bytesPerElement));
    k.fill(leaf.grad.ptr, leaf.size, 0);
  }
  k.binary(Binary.Add, leaf.grad.ptr, g.ptr, leaf.grad.ptr, leaf.size);
}
