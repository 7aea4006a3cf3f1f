// The MLP training step of issue 7: 784-256-10, ReLU, softmax cross-entropy,
// batch 128, Adam — forward + backward + update — for subgrad (each Wasm
// variant, js float32) and TensorFlow.js (wasm, cpu), plus a profile of where
// subgrad's step spends its time.
import { Generator, createBackend, losses, nn, optim, scope, tensor, type Backend } from '../src/index.js';
import { supportedVariants } from '../src/backend/wasm.js';
import { quick, perSecond, runSuite } from './harness.js';
import { profileStep } from './profile.js';
import { loadTf, tfBackends, type TfBackend } from './tfjs.js';

const BATCH = 128;
const SIZES = [784, 256, 10];

const g = new Generator(7);
const xs = Float32Array.from({ length: BATCH * SIZES[0] }, () => g.uniform());
const labels = Int32Array.from({ length: BATCH }, () => g.int(SIZES[2]));

export function subgradStep(backend: Backend): () => void {
  const model = new nn.MLP(SIZES, { backend, seed: 1 });
  const opt = new optim.Adam(model.parameters(), { lr: 1e-3 });
  const x = tensor(xs, [BATCH, SIZES[0]], { backend });
  const y = tensor(labels, undefined, { backend });
  return () => {
    scope(() => losses.crossEntropy(model.forward(x), y).backward());
    opt.step();
    opt.zeroGrad();
  };
}

function tfStep(use: (name: TfBackend) => Awaited<ReturnType<typeof loadTf>> extends (n: TfBackend) => infer T ? T : never, name: TfBackend) {
  const tf = use(name);
  const x = tf.tensor2d(xs, [BATCH, SIZES[0]]);
  const y = tf.oneHot(tf.tensor1d(labels, 'int32'), SIZES[2]);
  const init = (i: number) => tf.variable(tf.randomNormal([SIZES[i], SIZES[i + 1]], 0, Math.sqrt(2 / SIZES[i])));
  const [w1, w2] = [init(0), init(1)];
  const [b1, b2] = [tf.variable(tf.zeros([SIZES[1]])), tf.variable(tf.zeros([SIZES[2]]))];
  const opt = tf.train.adam(1e-3);
  return () => {
    use(name);
    tf.tidy(() => {
      opt.minimize(() => tf.losses.softmaxCrossEntropy(y, tf.relu(x.matMul(w1).add(b1)).matMul(w2).add(b2)) as never);
    });
  };
}

const use = await loadTf();
const backends = [...supportedVariants().map((kernels) => createBackend({ backend: 'wasm', kernels })), createBackend({ backend: 'js', dtype: 'float32' })];
await runSuite(
  'mlp',
  [
    {
      name: `MLP ${SIZES.join('-')} step, batch ${BATCH}, Adam`,
      metric: perSecond(BATCH),
      contestants: [
        ...backends.map((b) => ({ name: b.label, fn: subgradStep(b) })),
        ...tfBackends.map((name) => ({ name, fn: tfStep(use, name) })),
      ],
    },
  ],
  { baselines: ['tfjs-wasm', 'js-float32'] },
);

await profileStep('mlp step profile', backends[0], (b) => subgradStep(b), quick ? 20 : 100);
