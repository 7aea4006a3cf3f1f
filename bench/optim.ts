// Optimizer update cost per parameter: Adam and SGD with momentum on
// 1,000,000 parameters (ten tensors of 100,000), on each Wasm variant, the js
// reference (float32), TensorFlow.js (wasm and cpu backends) and jax-js
// (jitted). A subgrad step() is one fused kernel call over the group (the
// gradients were checked for NaN and infinities when they were written); the
// "update only" rows time the kernel alone, and a case of its own pairs the
// two round by round on the best variant, for what step() adds. Each is
// also given as bytes moved per second (the bytes the update must move: Adam
// reads p, g, m, v and writes p, m, v, 28 bytes per parameter; SGD-momentum
// reads p, g, b and writes p, b, 20) and as a % of the streaming bandwidth of
// the same access pattern measured in this run (bench/limits.ts).
//   npm run bench:optim      (runs Node with relaxed SIMD enabled, so all three variants)
// BENCH_QUICK=1 for a short run.
import { createBackend, rand, type Backend, type Tensor } from '../src/index.js';
import { OptimFlag } from '../src/backend/opcodes.js';
import { supportedVariants } from '../src/backend/wasm.js';
import { Adam, SGD, type FusedOptimizer } from '../src/optim/index.js';
import { gbPerSecond, nsPer, runSuite, type Case, type Contestant } from './harness.js';
import { jax } from './jax.js';
import { bandwidthOf, streamContestant } from './limits.js';
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
  // The kernel call step() makes, on blocks of the same size (kept: their addresses must stay theirs), without the bookkeeping.
  const [p, g, m, v] = [0, 1, 2, 3].map((seed) => rand([N], { backend, seed }).keep().ptr);
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

/** jax-js: the update of all ten tensors in one jit (optax's formulas), the new parameters kept on the device. */
function jaxjs(kind: Kind): Contestant {
  const { np, jit, tree } = jax;
  const make = (low: number) => Array.from({ length: TENSORS }, () => np.array(Float32Array.from({ length: SIZE }, () => low + (1 - low) * Math.random())));
  type A = ReturnType<typeof make>[number];
  let [p, m, v] = [make(0), make(0), make(0)];
  const g = make(-1);
  const [lr, beta1, beta2] = [1e-3, 0.9, 0.999];
  const adam = jit((p0: A[], m0: A[], v0: A[], g0: A[]) => {
    const m1 = tree.map((mi: A, gi: A) => mi.mul(beta1).add(gi.mul(1 - beta1)), m0, tree.ref(g0)) as A[];
    const v1 = tree.map((vi: A, gi: A) => vi.mul(beta2).add(gi.ref.mul(gi).mul(1 - beta2)), v0, g0) as A[];
    const p1 = tree.map((pi: A, mi: A, vi: A) => pi.sub(mi.div(np.sqrt(vi).add(1e-8)).mul(lr)), p0, tree.ref(m1), tree.ref(v1)) as A[];
    return [p1, m1, v1] as [A[], A[], A[]];
  });
  const sgd = jit((p0: A[], b0: A[], g0: A[]) => {
    const b1 = tree.map((bi: A, gi: A) => bi.mul(0.9).add(gi), b0, g0) as A[];
    return [tree.map((pi: A, bi: A) => pi.sub(bi.mul(lr)), p0, tree.ref(b1)) as A[], b1] as [A[], A[]];
  });
  const wait = (xs: A[]) => xs.forEach((x) => void x.ref.dataSync());
  return {
    name: 'jax-js',
    note: 'its update jitted; being lazy, it runs when its new parameters are read back (dataSync), which adds 4 bytes per parameter',
    fn: () => {
      if (kind === 'adam') [p, m, v] = adam(p, m, v, tree.ref(g));
      else [p, m] = sgd(p, m, tree.ref(g));
      // jax-js is lazy: reading one value of each new tensor makes it run the update.
      wait(p);
    },
  };
}

const BYTES = { adam: 28, sgd: 20 };
const PATTERN = { adam: "Adam's: read 4, write 3 in place", sgd: "SGD-momentum's: read 3, write 2 in place" };

const TITLE = { adam: 'Adam', sgd: 'SGD momentum 0.9' };
const cases: Case[] = (['adam', 'sgd'] as const).map((kind) => ({
  name: `${TITLE[kind]}, ${N.toLocaleString('en')} params in ${TENSORS} tensors (${BYTES[kind]} bytes moved per param)`,
  metrics: [nsPer(N), gbPerSecond(BYTES[kind] * N, () => bandwidthOf(PATTERN[kind]))],
  contestants: [...backends.flatMap((b) => ours(kind, b)), ...tfBackends.map((t) => theirs(kind, t)), jaxjs(kind), streamContestant(PATTERN[kind])],
}));
/**
 * What step() adds to the one kernel call it makes (validation, the
 * gradients' records, the runs): step() against that very call, with the
 * arguments step() passed (captured on a backend of its own), paired per round.
 */
function stepAndKernel(kind: Kind): Case {
  const backend = createBackend({ backend: 'wasm', kernels: variants[0] });
  const kernels = backend.kernels as unknown as Record<Kind, (...args: number[]) => void>;
  let args: number[] = [];
  const capturing = {
    ...backend.kernels,
    [kind]: (...a: number[]) => {
      args = a;
      kernels[kind](...a);
    },
  };
  Object.defineProperty(backend, 'kernels', { value: capturing });
  const opt = optimizer(kind, backend);
  return {
    name: `${TITLE[kind]} step() ÷ its kernel alone, ${N.toLocaleString('en')} params (${backend.label})`,
    metrics: [nsPer(N)],
    baselines: ['kernel alone'],
    contestants: [{ name: 'step()', fn: () => void opt.step() }, { name: 'kernel alone', fn: () => kernels[kind](...args) }],
  };
}
cases.push(stepAndKernel('adam'), stepAndKernel('sgd'));

console.log(`wasm variants: ${variants.join(', ')}`);
// × 'stream, same pattern' below 1 is the fraction of the bandwidth reached, paired round by round.
await runSuite('optim', cases, { baselines: ['stream, same pattern', 'jax-js', 'tfjs-wasm', 'js-float32'] });
