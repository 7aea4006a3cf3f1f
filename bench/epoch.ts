// The main job's epoch: one pass of MLP 784-128-10 (ReLU, Adam, softmax-CE)
// over the 8,500 training digits of `npm start` at batch 32, shuffled, on
// each Wasm variant, the js reference (full runs only: ~5 s an epoch) and
// TensorFlow.js on its Wasm backend.
import { createBackend, data, losses, nn, optim, scope, type Backend } from '../src/index.js';
import { supportedVariants } from '../src/backend/wasm.js';
import { digitsDataset } from '../src/node/mnist.js';
import { perSecond, quick, runSuite, type Contestant } from './harness.js';
import { loadTf } from './tfjs.js';

const SIZES = [784, 128, 10];
const BATCH = 32;
const SPLIT = { train: 0.85, val: 0.05, test: 0.1 };

/** The main job's training split; a quick run takes its first 2,048 digits (a quarter epoch). */
function trainSet(backend: Backend) {
  const train = data.trainValTestSplit(digitsDataset({ backend }), SPLIT, { stratified: true, seed: 1 }).train;
  return quick ? train.subset(Array.from({ length: 2048 }, (_, i) => i)) : train;
}

function ours(backend: Backend): Contestant {
  const train = trainSet(backend);
  const loader = new data.DataLoader(train, { batchSize: BATCH, shuffle: true, seed: 1 });
  const model = new nn.MLP(SIZES, { backend, seed: 1 });
  const opt = new optim.Adam(model.parameters(), { lr: 3e-3 });
  return {
    name: backend.label,
    fn: () => {
      for (const batch of loader.epoch()) {
        scope(() => losses.crossEntropy(model.forward(batch.x), batch.y).backward());
        opt.step();
        opt.zeroGrad();
      }
    },
  };
}

const activate = await loadTf();

function tfjsWasm(): Contestant {
  const tf = activate('tfjs-wasm');
  const train = trainSet(createBackend({ backend: 'js' }));
  const n = train.length;
  const rows = tf.tensor1d(train.indices, 'int32');
  const x = tf.gather(tf.tensor2d(train.source.x.data() as Float32Array, [train.source.x.shape[0], SIZES[0]]), rows);
  const y = tf.oneHot(tf.tensor1d(train.labels(), 'int32'), SIZES[2]);
  const layer = (i: number) => [tf.variable(tf.randomNormal([SIZES[i], SIZES[i + 1]], 0, Math.sqrt(2 / SIZES[i]))), tf.variable(tf.zeros([SIZES[i + 1]]))];
  const [[w1, b1], [w2, b2]] = [layer(0), layer(1)];
  const opt = tf.train.adam(3e-3);
  return {
    name: 'tfjs-wasm',
    fn: () => {
      activate('tfjs-wasm');
      const order = tf.util.createShuffledIndices(n);
      for (let at = 0; at < n; at += BATCH) {
        tf.tidy(() => {
          const idx = tf.tensor1d(Int32Array.from(order.subarray(at, at + BATCH)), 'int32');
          const xb = tf.gather(x, idx);
          const yb = tf.gather(y, idx);
          opt.minimize(() => tf.losses.softmaxCrossEntropy(yb, tf.relu(xb.matMul(w1).add(b1)).matMul(w2).add(b2)) as never);
        });
      }
    },
  };
}

const backends = [
  ...supportedVariants().map((kernels) => createBackend({ backend: 'wasm', kernels })),
  ...(quick ? [] : [createBackend({ backend: 'js', dtype: 'float32' })]),
];
const samples = trainSet(backends[0]).length;
await runSuite(
  'epoch',
  [
    {
      name: `main job epoch${quick ? ' (quick: a quarter)' : ''}: MLP ${SIZES.join('-')}, ${samples} digits, batch ${BATCH}, Adam`,
      metrics: [perSecond(samples)],
      contestants: [...backends.map(ours), tfjsWasm()],
    },
  ],
  { baselines: ['tfjs-wasm', ...(quick ? [] : ['js-float32'])] },
);
