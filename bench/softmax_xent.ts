// Softmax cross-entropy from logits, forward + backward (the gradient of the
// mean loss with respect to the logits), per training step: our fused kernel
// on each Wasm variant and on the js reference (float32), against
// TensorFlow.js's softmaxCrossEntropy on its Wasm and cpu backends; and our
// kernels on overconfident rows whose small probabilities are subnormal
// (stored as 0: x86's slow path for subnormals would make them 1.5× slower)
// against the same rows with those probabilities exactly 0.
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

/**
 * Rows of 10 logits, 9 tied at 5 (s = 9) and one `gap` below: at gap 86.5 its
 * probability e^-86.5 / 9 = 3e-39 is subnormal, at 100 exp gives 0.
 */
function overconfident(backend: Backend, gap: number, name: string): Contestant {
  const [rows, cols] = [4096, 10];
  const logits = tensor(Float32Array.from({ length: rows * cols }, (_, i) => (i % cols < 9 ? 5 : 5 - gap)), [rows, cols], { backend, requiresGrad: true });
  const y = tensor(new Int32Array(rows), undefined, { backend });
  return { name, fn: () => scope(() => losses.crossEntropy(logits, y).backward()) };
}

const subnormalCases = (quick ? backends.slice(0, 1) : backends.filter((b) => b.name === 'wasm')).map((b) => ({
  name: `[4096, 10] fwd+bwd, one subnormal probability per row ÷ none (${b.label})`,
  baselines: ['probability 0'],
  contestants: [overconfident(b, 100, 'probability 0'), overconfident(b, 86.5, 'probability 3e-39 (subnormal)')],
}));

await runSuite(
  'softmax_xent',
  shapes.map(([rows, cols]) => ({
    name: `[${rows}, ${cols}] fwd+bwd`,
    metrics: [perSecond(rows * cols, 'logits/s')],
    contestants: [...backends.map((b) => ours(b, rows, cols)), ...tfBackends.map((t) => theirs(t, rows, cols)), jaxjs(rows, cols)],
  })),
  { baselines: ['jax-js', 'tfjs-wasm', 'js-float32'] },
);
await runSuite('softmax_xent-subnormal', subnormalCases);
