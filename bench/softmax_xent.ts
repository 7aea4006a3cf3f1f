// Softmax cross-entropy from logits, forward + backward (the gradient of the
// mean loss with respect to the logits), per training step: our fused kernel
// on each Wasm variant and on the js reference (float32), against
// TensorFlow.js's softmaxCrossEntropy on its Wasm and cpu backends.
//   npm run bench:xent            (BENCH_QUICK=1 for a short run)
import { createBackend, losses, scope, tensor, Generator, type Backend } from '../src/index.js';
import { supportedVariants } from '../src/backend/wasm.js';
import { perSecond, quick, runSuite, type Contestant } from './harness.js';
import { jax } from './jax.js';
import { loadTf, tfBackends } from './tfjs.js';

const shapes: [number, number][] = quick ? [[128, 10], [128, 1000]] : [[128, 10], [128, 1000], [512, 10000]];

const backends: Backend[] = [
  ...supportedVariants().map((kernels) => createBackend({ backend: 'wasm', kernels })),
  createBackend({ backend: 'js', dtype: 'float32' }),
];

function inputs(rows: number, cols: number) {
  const g = new Generator(rows + cols);
  const x = Float32Array.from({ length: rows * cols }, () => 3 * g.normal());
  const labels = Int32Array.from({ length: rows }, () => g.int(cols));
  return { x, labels };
}

function ours(backend: Backend, rows: number, cols: number): Contestant {
  const { x, labels } = inputs(rows, cols);
  const logits = tensor(x, [rows, cols], { backend, requiresGrad: true });
  const y = tensor(labels, undefined, { backend });
  return {
    name: backend.label,
    fn: () =>
      scope(() => {
        losses.crossEntropy(logits, y).backward();
      }),
  };
}

const activate = await loadTf();

function theirs(name: (typeof tfBackends)[number], rows: number, cols: number): Contestant {
  const tf = activate(name);
  const { x, labels } = inputs(rows, cols);
  const logits = tf.tensor2d(x, [rows, cols]);
  const onehot = tf.oneHot(tf.tensor1d(labels, 'int32'), cols);
  const grad = tf.grad((z) => tf.losses.softmaxCrossEntropy(onehot, z));
  return {
    name,
    fn: () => {
      activate(name);
      tf.tidy(() => grad(logits)).dispose();
    },
  };
}

/** jax-js: the mean cross-entropy from logits and its gradient, jitted; the gradient read back. */
function jaxjs(rows: number, cols: number): Contestant {
  const { np, nn, jit, grad } = jax;
  const { x, labels } = inputs(rows, cols);
  const logits = np.array(x).reshape([rows, cols]);
  const onehot = nn.oneHot(np.array(labels, { dtype: np.int32 }), cols);
  type A = typeof logits;
  const f = jit(grad((z: A, t: A) => nn.logSoftmax(z, -1).mul(t).sum().mul(-1 / rows)));
  return { name: 'jax-js', fn: () => void f(logits.ref, onehot.ref).dataSync() };
}

await runSuite(
  'softmax_xent',
  shapes.map(([rows, cols]) => ({
    name: `[${rows}, ${cols}] fwd+bwd`,
    metrics: [perSecond(rows * cols, 'logits/s')],
    contestants: [...backends.map((b) => ours(b, rows, cols)), ...tfBackends.map((t) => theirs(t, rows, cols)), jaxjs(rows, cols)],
  })),
  { baselines: ['jax-js', 'tfjs-wasm', 'js-float32'] },
);
