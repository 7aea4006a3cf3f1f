// Optimizer update cost per parameter: Adam and SGD with momentum on
// 1,000,000 parameters (ten tensors of 100,000), on each Wasm variant, the js
// reference (float32) and TensorFlow.js (wasm and cpu backends). A subgrad
// step() is the non-finite check plus one fused kernel call over the group;
// the "update only" rows time the kernel alone.
//   npm run bench:optim      (runs Node with relaxed SIMD enabled, so all three variants)
// BENCH_QUICK=1 for a short run.
import { createBackend, rand, type Backend, type Tensor } from '../src/index.js';
import { OptimFlag } from '../src/backend/opcodes.js';
import { supportedVariants } from '../src/backend/wasm.js';
import { Adam, SGD, type FusedOptimizer } from '../src/optim/index.js';
import { nsPer, runSuite, type Case, type Contestant } from './harness.js';
import { loadTf, tfBackends, type TfBackend } from './tfjs.js';

const TENSORS = 10;
const SIZE = 100_000;
const N = TENSORS * SIZE;

const variants = supportedVariants();
const backends: Backend[] = [
  ...variants.map((kernels) => createBackend({ backend: 'wasm', kernels })),
  createBackend({ backend: 'js', dtype: 'float32' }),
];
const activate = await loadTf();

type Kind = 'adam' | 'sgd';

/** Parameters with gradients in place; step() reads them and leaves them, so every call does the same work. */
function optimizer(kind: Kind, backend: Backend): FusedOptimizer<any> {
  const params: Tensor[] = Array.from({ length: TENSORS }, (_, i) => rand([SIZE], { backend, seed: i, requiresGrad: true }));
  params.forEach((p, i) => (p.grad = rand([SIZE], { backend, seed: 100 + i, low: -1, high: 1 })));
  const opt = kind === 'adam' ? new Adam(params, { lr: 1e-3 }) : new SGD(params, { lr: 1e-3, momentum: 0.9 });
  opt.step();
  return opt;
}

function ours(kind: Kind, backend: Backend): Contestant[] {
  const opt = optimizer(kind, backend);
  const step: Contestant = { name: backend.label, fn: () => void opt.step() };
  if (backend.name !== 'wasm') return [step];
  // The kernel call step() makes, on a block of the same size, without the check and bookkeeping.
  const [p, g, m, v] = [0, 1, 2, 3].map((seed) => rand([N], { backend, seed }).ptr);
  const k = backend.kernels;
  const update =
    kind === 'adam'
      ? () => k.adam(p, g, m, v, 0, N, 1, 0, 1, 1 - 0.9, 0.999, 1 - 0.999, 1e-3, 0, 1, 1e-8, 0, 0)
      : () => k.sgd(p, g, m, N, 1, 0, 0.9, 1, 0, -1e-3, 0, OptimFlag.Momentum);
  return [step, { name: `${backend.label} update only`, fn: update }];
}

function theirs(kind: Kind, name: TfBackend): Contestant {
  const tf = activate(name);
  const vars = Array.from({ length: TENSORS }, (_, i) => tf.variable(tf.randomUniform([SIZE]), true, `${kind}-${name}-${i}`));
  const grads = vars.map((v) => ({ name: v.name, tensor: tf.randomUniform([SIZE], -1, 1) }));
  const opt = kind === 'adam' ? tf.train.adam(1e-3) : tf.train.momentum(1e-3, 0.9);
  return {
    name,
    fn: () => {
      activate(name);
      opt.applyGradients(grads);
    },
  };
}

const cases: Case[] = (['adam', 'sgd'] as const).map((kind) => ({
  name: `${kind === 'adam' ? 'Adam' : 'SGD momentum 0.9'}, ${N.toLocaleString('en')} params in ${TENSORS} tensors`,
  metric: nsPer(N),
  contestants: [...backends.flatMap((b) => ours(kind, b)), ...tfBackends.map((t) => theirs(kind, t))],
}));

console.log(`wasm variants: ${variants.join(', ')}`);
await runSuite('optim', cases, { baselines: ['js-float32', 'tfjs-wasm'] });
