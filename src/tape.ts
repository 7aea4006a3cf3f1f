// The reverse-mode tape, micrograd-sized: each recorded tensor keeps a node
// with its inputs and a closure that maps the upstream gradient to one
// gradient per input. backward() orders the graph without recursion, so
// chains of any depth work, and accumulates leaf gradients with +=.
//
// backward() is a transaction: everything that can fail (arguments, the
// liveness of every tensor the graph saved, every vjp, the allocation of new
// gradients) happens before the first leaf gradient changes, so a call that
// throws leaves gradients, the graph and owned memory as they were.
import { anomaly, checkFinite } from './anomaly.js';
import { Binary } from './backend/opcodes.js';
import { checkBoolean, checkFunction, checkOptions, checkTensor } from './check.js';
import { ArgumentError, BackendError, GraphError, ShapeError } from './errors.js';
import { fmt, sameShape } from './shape.js';
import { Storage, runScope } from './storage.js';
import { Tensor, empty } from './tensor.js';

export type Vjp = (grad: Tensor) => readonly (Tensor | null)[];

export interface Node {
  readonly op: string;
  readonly inputs: readonly Tensor[];
  /** Other tensors the vjp reads (labels, indices, what forward kept). */
  readonly saved: readonly Tensor[];
  /** Null once backward has freed the graph. */
  vjp: Vjp | null;
  /** Where the op was called (anomaly mode only). */
  readonly site?: string;
}

let recording = true;

/** Runs fn without recording anything on the tape. */
export function noGrad<T>(fn: () => T): T {
  checkFunction('noGrad', 'fn', fn);
  return untracked(fn, undefined, undefined);
}

/** fn(a, b) without recording: noGrad for the engine's own calls, with no closure to make per call. */
export function untracked<A, B, T>(fn: (a: A, b: B) => T, a: A, b: B): T {
  const was = recording;
  recording = false;
  try {
    return fn(a, b);
  } finally {
    recording = was;
  }
}

/** Attaches a node to `out` when recording and some input requires a gradient. */
export function record(out: Tensor, op: string, inputs: readonly Tensor[], saved: readonly Tensor[], vjp: Vjp, site?: string): Tensor {
  if (!recording) return out;
  for (const t of inputs) {
    if (t.requiresGrad) {
      out.requiresGrad = true;
      out.node = { op, inputs, saved, vjp, site };
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
  // A depth-first walk with an explicit stack: each tensor with the index of its next input.
  const stack: Tensor[] = [root];
  const next: number[] = [0];
  while (stack.length > 0) {
    const top = stack.length - 1;
    const t = stack[top];
    const inputs = t.node?.inputs;
    if (inputs && next[top] < inputs.length) {
      const input = inputs[next[top]++];
      if (input.requiresGrad && !seen.has(input)) {
        seen.add(input);
        stack.push(input);
        next.push(0);
      }
    } else {
      order.push(t);
      stack.pop();
      next.pop();
    }
  }
  return order;
}

/** Throws unless x, one of node's inputs or saved tensors, is alive (the message is made only then). */
function checkSaved(x: Tensor, node: Node, what: 'input' | 'saved tensor', i: number): void {
  if (!x.storage.alive) x.storage.assertAlive(`backward through '${node.op}' (${what} ${i} of shape ${fmt(x.shape)})`);
}

/** Throws unless every tensor the graph needs is alive, the graph is not freed and leaf gradients can take a sum. */
function checkGraph(order: readonly Tensor[], backend: Tensor['backend']): void {
  for (const t of order) {
    const node = t.node;
    if (!node) {
      const g = t.grad;
      if (g && g.storage.alive && (!sameShape(g.shape, t.shape) || g.backend !== backend || g.dtype !== t.dtype)) {
        throw new ShapeError('backward', `the gradient of a leaf of shape ${fmt(t.shape)} (${t.dtype}, ${t.backend.label}) is a ${g.dtype} tensor of shape ${fmt(g.shape)} on ${g.backend.label}`);
      }
      continue;
    }
    if (node.vjp === null) {
      throw new GraphError('backward', `the graph through '${node.op}' was already freed by an earlier backward(); pass { retainGraph: true } to the first call to run backward twice`);
    }
    if (!t.storage.alive) t.storage.assertAlive(`backward through '${node.op}' (its output)`);
    for (let i = 0; i < node.inputs.length; i++) checkSaved(node.inputs[i], node, 'input', i);
    for (let i = 0; i < node.saved.length; i++) checkSaved(node.saved[i], node, 'saved tensor', i);
  }
}

export function backward(root: Tensor, grad?: Tensor, options?: BackwardOptions): void {
  const op = 'backward';
  checkTensor(op, 'the tensor', root);
  const { retainGraph = false } = checkOptions(op, options, ['retainGraph']);
  checkBoolean(op, 'retainGraph', retainGraph);
  if (!root.requiresGrad) {
    throw new GraphError(op, 'tensor does not require grad: no input of its graph was created with requiresGrad: true (or it was computed under noGrad)');
  }
  if (grad === undefined && root.size !== 1) {
    throw new GraphError(op, `needs an upstream gradient for a non-scalar tensor of shape ${fmt(root.shape)}; call backward(grad) with a tensor of that shape, or reduce to a scalar first (e.g. .sum())`);
  }
  if (grad !== undefined) {
    checkTensor(op, 'the upstream gradient', grad, { backend: root.backend });
    if (grad.dtype !== root.dtype) throw new BackendError(op, `the upstream gradient is ${grad.dtype} but the tensor is ${root.dtype}`);
    if (!sameShape(grad.shape, root.shape)) {
      throw new ShapeError(op, `upstream gradient has shape ${fmt(grad.shape)} but the tensor has shape ${fmt(root.shape)}`);
    }
  }
  const order = topologicalOrder(root);
  const b = root.backend;
  checkGraph(order, b);
  // Intermediate gradients are per-call scratch; only leaf .grad lives on.
  runScope(() => {
    const grads = new Map<Tensor, Tensor>();
    const leaves: [Tensor, Tensor][] = [];
    grads.set(root, grad ?? filled(root, 1));
    for (let i = order.length - 1; i >= 0; i--) {
      const t = order[i];
      const g = grads.get(t);
      if (!g) continue;
      grads.delete(t);
      const node = t.node;
      if (!node) {
        leaves.push([t, g]);
        continue;
      }
      const inputGrads = untracked(node.vjp!, g, undefined);
      if (!Array.isArray(inputGrads) || inputGrads.length !== node.inputs.length) {
        throw new ArgumentError(node.op, `vjp must return an array of ${node.inputs.length} gradients (null where none flows), got ${Array.isArray(inputGrads) ? inputGrads.length : typeof inputGrads}`);
      }
      for (let k = 0; k < node.inputs.length; k++) {
        const input = node.inputs[k];
        const gi = inputGrads[k];
        if (!gi || !input.requiresGrad) continue;
        if (!(gi instanceof Tensor)) throw new ArgumentError(node.op, `vjp returned ${typeof gi} for input ${k}; expected a Tensor or null`);
        if (!sameShape(gi.shape, input.shape)) {
          throw new ShapeError(node.op, `vjp returned a gradient of shape ${fmt(gi.shape)} for input ${k} of shape ${fmt(input.shape)}`);
        }
        if (gi.backend !== b || gi.dtype === 'int32') {
          throw new BackendError(node.op, `vjp returned a ${gi.dtype} gradient on ${gi.backend.label} for input ${k}; expected ${b.dtype} on ${b.label}`);
        }
        if (!gi.storage.alive) gi.storage.assertAlive(`${node.op} (its vjp's gradient for input ${k})`);
        if (anomaly) checkFinite(gi, node.op, 'backward', node.inputs, node.site, `gradient for input ${k}`);
        const prev = grads.get(input);
        if (!prev) grads.set(input, gi);
        else {
          // A fresh sum: gradients handed out by a vjp may alias other tensors.
          const sum = empty(input.shape, b, input.dtype);
          b.kernels.binary(Binary.Add, prev.ptr, gi.ptr, sum.ptr, sum.size);
          grads.set(input, sum);
        }
      }
    }
    commit(leaves);
    if (!retainGraph) for (const t of order) if (t.node) t.node.vjp = null;
  }, () => {});
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

/**
 * Adds each leaf's gradient into leaf.grad. New gradients are allocated first
 * (the one step that can fail, out of memory), then every sum is written; in
 * linear memory, checked for NaN and infinities in the same pass, so that an
 * optimizer's step reads what was found (Storage.firstNonFinite) instead of scanning.
 */
function commit(leaves: readonly [Tensor, Tensor][]): void {
  const created: Tensor[] = [];
  const targets = leaves.map(([leaf]) => {
    if (leaf.grad && leaf.grad.storage.alive) return leaf.grad;
    const slot = gradSlots.get(leaf);
    if (slot) return slot();
    try {
      const g = new Tensor(leaf.shape, leaf.dtype, Storage.likeFor(leaf.storage));
      created.push(g);
      return g;
    } catch (e) {
      for (const g of created) g.dispose();
      throw e;
    }
  });
  leaves.forEach(([leaf, g], i) => {
    const target = targets[i];
    const k = leaf.backend.kernels;
    // A new (or re-slotted) gradient: the sum is g itself.
    const fresh = created.includes(target) || target !== leaf.grad;
    if (target.storage.root().base.home !== 'host') {
      target.storage.firstNonFinite = k.accumulate(fresh ? 0 : target.ptr, g.ptr, target.ptr, leaf.size);
    } else if (fresh) target.storage.copyFrom(g.ptr);
    else {
      const sum = empty(leaf.shape, leaf.backend, leaf.dtype);
      k.binary(Binary.Add, target.ptr, g.ptr, sum.ptr, leaf.size);
      target.storage.copyFrom(sum.ptr);
    }
    leaf.grad = target;
  });
}
