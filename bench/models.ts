// The MLP of the benchmarks (784-256-10, ReLU, softmax cross-entropy, Adam
// lr 1e-3, ε 1e-8) in every library, all from the same initial weights and
// the same batch: subgrad on any backend, TensorFlow.js as its users write it
// and in our best formulation of it, and jax-js with the whole step jitted.
// Before anything is timed, every contestant's loss over 20 steps must agree
// with subgrad's within 1e-3 relative, so a figure is never of a wrong step.
import { Generator, createBackend, losses, nn, noGrad, optim, scope, tensor, type Backend, type Tensor } from '../src/index.js';
import { loadDigits } from '../src/node/mnist.js';
import { jax } from './jax.js';
import { loadTf, type TfBackend } from './tfjs.js';

export const SIZES = [784, 256, 10];
const LR = 1e-3;
const EPS = 1e-8;

/** Forward + backward FLOPs of one training step per sample (x needs no gradient, so no dx for layer 1). */
export const FLOPS_PER_SAMPLE = 2 * (SIZES[0] * SIZES[1] + SIZES[1] * SIZES[2]) + 2 * (SIZES[0] * SIZES[1] + 2 * SIZES[1] * SIZES[2]);

export interface Batch {
  size: number;
  x: Float32Array;
  labels: Int32Array;
}

/** `size` MNIST digits (the mnist package's), drawn with a seed: real inputs, with the exact zeros of their background. */
export function batch(size: number, seed = 7): Batch {
  const digits = loadDigits();
  const g = new Generator(seed);
  const rows = Array.from({ length: size }, () => g.int(digits.count));
  const x = new Float32Array(size * SIZES[0]);
  rows.forEach((r, i) => x.set(digits.features.subarray(r * SIZES[0], (r + 1) * SIZES[0]), i * SIZES[0]));
  return { size, x, labels: Int32Array.from(rows, (r) => digits.labels[r]) };
}

/** The initial weights every library starts from: subgrad's MLP(seed 1), [in, out] layout. */
export const initialWeights: Float32Array[] = (() => {
  const model = new nn.MLP(SIZES, { backend: createBackend({ backend: 'js', dtype: 'float32' }), seed: 1 });
  return model.parameters().map((p) => Float32Array.from(p.data()));
})();

export interface Trainer {
  /** One training step: forward, backward, Adam. */
  step: () => void;
  /** One step that returns its loss (before the update). */
  stepLoss: () => number;
  /** Inference: the logits, read back to JavaScript. */
  forward: () => void;
}

export function subgrad(backend: Backend, b: Batch): Trainer & { model: nn.MLP; opt: optim.Adam; x: Tensor; y: Tensor } {
  // Seeded initialisation is the same on every backend: these are initialWeights.
  const model = new nn.MLP(SIZES, { backend, seed: 1 });
  const opt = new optim.Adam(model.parameters(), { lr: LR, eps: EPS });
  const x = tensor(b.x, [b.size, SIZES[0]], { backend });
  const y = tensor(b.labels, undefined, { backend });
  const stepLoss = () => {
    const loss = scope(() => {
      const l = losses.crossEntropy(model.forward(x), y);
      l.backward();
      return l.item();
    });
    opt.step();
    opt.zeroGrad();
    return loss;
  };
  return { model, opt, x, y, stepLoss, step: () => void stepLoss(), forward: () => scope(() => void noGrad(() => model.forward(x)).data()) };
}

const tfActivate = await loadTf();

/**
 * TensorFlow.js on one of its backends. 'idiomatic' is what its users write
 * (matMul, whose gradient multiplies by transposed operands); 'explicit-T' is
 * ours, the fastest formulation we found: tf.customGrad with explicit
 * tf.transpose before an untransposed matMul, and no gradient for the input.
 */
export function tfjs(backend: TfBackend, form: 'idiomatic' | 'explicit-T', b: Batch): Trainer {
  const tf = tfActivate(backend);
  const x = tf.tensor2d(b.x, [b.size, SIZES[0]]);
  const y = tf.oneHot(tf.tensor1d(b.labels, 'int32'), SIZES[2]);
  const [w1, b1, w2, b2] = initialWeights.map((w, i) => tf.variable(i % 2 ? tf.tensor1d(w) : tf.tensor2d(w, [SIZES[i / 2], SIZES[i / 2 + 1]])));
  type T = typeof x;
  // x·w whose gradients are untransposed matMuls of explicit transposes; dx only when asked.
  const dense = (input: T, w: T, needsDx: boolean): T =>
    needsDx
      ? (tf.customGrad(((a: T, v: T, save: (ts: T[]) => void) => {
          save([a, v]);
          return { value: tf.matMul(a, v), gradFunc: (dy: T, [sa, sv]: T[]) => [tf.matMul(dy, tf.transpose(sv)), tf.matMul(tf.transpose(sa), dy)] };
        }) as never) as (a: T, v: T) => T)(input, w)
      : (tf.customGrad(((v: T, save: (ts: T[]) => void) => {
          save([v]);
          return { value: tf.matMul(input, v), gradFunc: (dy: T) => [tf.matMul(tf.transpose(input), dy)] };
        }) as never) as (v: T) => T)(w);
  const logits = () =>
    form === 'idiomatic'
      ? tf.relu(x.matMul(w1 as T).add(b1)).matMul(w2 as T).add(b2)
      : dense(tf.relu(dense(x, w1 as T, false).add(b1)) as T, w2 as T, true).add(b2);
  const opt = tf.train.adam(LR, 0.9, 0.999, EPS);
  const stepLoss = (read: boolean) => {
    tfActivate(backend);
    return tf.tidy(() => {
      const cost = opt.minimize(() => tf.losses.softmaxCrossEntropy(y, logits()) as never, read);
      return read ? cost!.dataSync()[0] : NaN;
    });
  };
  return {
    step: () => void stepLoss(false),
    stepLoss: () => stepLoss(true),
    forward: () => {
      tfActivate(backend);
      tf.tidy(() => void logits().dataSync());
    },
  };
}

/** jax-js on its Wasm device: the whole step (loss, gradient, Adam) inside one jit. */
export function jaxjs(b: Batch): Trainer {
  const { np, nn: jnn, jit, valueAndGrad, tree } = jax;
  type A = InstanceType<typeof np.Array>;
  type P = { w1: A; b1: A; w2: A; b2: A };
  const [iw1, ib1, iw2, ib2] = initialWeights;
  let p: P = {
    w1: np.array(iw1).reshape([SIZES[0], SIZES[1]]),
    b1: np.array(ib1),
    w2: np.array(iw2).reshape([SIZES[1], SIZES[2]]),
    b2: np.array(ib2),
  };
  const zeros = () => tree.map((a: A) => np.zerosLike(a), tree.ref(p)) as P;
  let m = zeros();
  let v = zeros();
  let t = 0;
  const x = np.array(b.x).reshape([b.size, SIZES[0]]);
  const y = jnn.oneHot(np.array(b.labels, { dtype: np.int32 }), SIZES[2]);
  const logits = (q: P, input: A) => np.matmul(jnn.relu(np.matmul(input, q.w1).add(q.b1)), q.w2).add(q.b2);
  const loss = (q: P, input: A, target: A) => jnn.logSoftmax(logits(q, input), -1).mul(target).sum().mul(-1 / b.size);
  // optax.adam: m̂ = m/(1 − β₁ᵗ), v̂ = v/(1 − β₂ᵗ), p ← p − lr·m̂/(√v̂ + ε); t is an array so the bias corrections jit.
  const [beta1, beta2] = [0.9, 0.999];
  const step = jit((q: P, m0: P, v0: P, step: A, input: A, target: A) => {
    const [l, g] = valueAndGrad(loss)(tree.ref(q), input, target);
    const m1 = tree.map((mi: A, gi: A) => mi.mul(beta1).add(gi.mul(1 - beta1)), m0, tree.ref(g)) as P;
    const v1 = tree.map((vi: A, gi: A) => vi.mul(beta2).add(gi.ref.mul(gi).mul(1 - beta2)), v0, g) as P;
    const c1 = np.power(beta1, step.ref).mul(-1).add(1);
    const c2 = np.power(beta2, step).mul(-1).add(1);
    const update = (pi: A, mi: A, vi: A) => pi.sub(mi.div(c1.ref).div(np.sqrt(vi.div(c2.ref)).add(EPS)).mul(LR));
    const q1 = tree.map(update, q, tree.ref(m1), tree.ref(v1)) as P;
    c1.dispose();
    c2.dispose();
    return [q1, m1, v1, l] as [P, P, P, A];
  });
  const stepLoss = () => {
    const [q1, m1, v1, l] = step(p, m, v, np.array([++t]), x.ref, y.ref);
    [p, m, v] = [q1, m1, v1];
    return l.dataSync()[0];
  };
  const forward = jit((q: P, input: A) => logits(q, input));
  return { stepLoss, step: () => void stepLoss(), forward: () => void forward(tree.ref(p), x.ref).dataSync() };
}

/**
 * Checks that a contestant's losses over 20 steps from the shared initial
 * weights agree with subgrad's (wasm, best variant) within 1e-3 relative;
 * throws otherwise. Run on fresh trainers, before any timing.
 */
export function checkAgreement(name: string, trainer: Trainer, reference: readonly number[]): void {
  reference.forEach((want, i) => {
    const got = trainer.stepLoss();
    if (!(Math.abs(got - want) <= 1e-3 * Math.abs(want))) {
      throw new Error(`${name}: loss at step ${i + 1} is ${got}, subgrad's is ${want} (more than 1e-3 relative apart): its step is not the same computation`);
    }
  });
}

export function referenceLosses(backend: Backend, b: Batch, steps = 20): number[] {
  const t = subgrad(backend, b);
  const out = Array.from({ length: steps }, () => t.stepLoss());
  t.opt.dispose();
  return out;
}
