// The MLP 784-256-10 (ReLU, softmax cross-entropy, Adam) on MNIST digits:
// the training step at batch 128, 8 and 1, inference at batch 128 and 1, and
// Adam's step with subnormal state, for subgrad (each Wasm variant, js
// float32), TensorFlow.js (wasm as its users write it and in our best
// formulation, cpu) and jax-js (jitted), all from the same initial weights;
// plus the engine's share of subgrad's small-batch steps, what anomaly mode
// costs, and profiles of where its step spends its time.
import { createBackend, detectAnomaly, losses, nn, optim, randn, scope, tensor, type Backend } from '../src/index.js';
import { supportedVariants } from '../src/backend/wasm.js';
import { gflops, perSecond, quick, runSuite, type Case, type Contestant } from './harness.js';
import { peakFor } from './limits.js';
import { FLOPS_PER_SAMPLE, SIZES, batch, checkAgreement, jaxjs, referenceLosses, subgrad, tfjs, type Batch, type Trainer } from './models.js';
import { profileStep } from './profile.js';

const backends: Backend[] = [
  ...supportedVariants().map((kernels) => createBackend({ backend: 'wasm', kernels })),
  createBackend({ backend: 'js', dtype: 'float32' }),
];
const best = backends[0];
const EXPLICIT_T_NOTE = 'our formulation for TF.js (tf.customGrad with explicit tf.transpose before an untransposed matMul), not what TF.js users write';

/** Every contestant's trainer for a batch, each checked against subgrad's losses first (on a fresh trainer). */
function trainers(b: Batch): [string, () => Trainer, string?][] {
  return [
    ...backends.map((be): [string, () => Trainer] => [be.label, () => subgrad(be, b)]),
    ['tfjs-wasm', () => tfjs('tfjs-wasm', 'idiomatic', b)],
    ['tfjs-wasm explicit-T', () => tfjs('tfjs-wasm', 'explicit-T', b), EXPLICIT_T_NOTE],
    ['tfjs-cpu', () => tfjs('tfjs-cpu', 'idiomatic', b)],
    ['jax-js', () => jaxjs(b), 'jax-js 0.1.25 on its Wasm device (one thread in Node), the whole step in one jit; Adam as optax writes it'],
  ];
}

function trainingCase(size: number): Case {
  const b = batch(size);
  const reference = referenceLosses(best, b);
  const contestants: Contestant[] = trainers(b).map(([name, make, note]) => {
    if (name !== best.label) checkAgreement(name, make(), reference);
    const t = make();
    return { name, fn: t.step, note };
  });
  console.log(`batch ${size}: every contestant's loss over ${reference.length} steps agrees with ${best.label}'s within 1e-3 relative`);
  return {
    name: `MLP ${SIZES.join('-')} training step, batch ${size}, Adam`,
    metrics: [perSecond(size), gflops(size * FLOPS_PER_SAMPLE, peakFor)],
    contestants,
  };
}

function inferenceCase(size: number): Case {
  const b = batch(size);
  const contestants = trainers(b)
    .filter(([name]) => name !== 'tfjs-wasm explicit-T') // its forward is the idiomatic one
    .map(([name, make, note]): Contestant => ({ name, fn: make().forward, note }));
  return { name: `MLP ${SIZES.join('-')} inference (forward, logits read back), batch ${size}`, metrics: [perSecond(size)], contestants };
}

/**
 * Adam's step alone, on the state an overfit batch leaves: one digit repeated
 * for OVERFIT steps drives most gradients to exactly 0, and m then sinks into
 * the subnormal range (where, unflushed, it sticks). Against the same model
 * after 10 steps, whose state is normal. Every call does the same work: the
 * kernels have no data-dependent branches, so only the values differ.
 */
const OVERFIT = quick ? 1000 : 1500;
function subnormalCase(backend: Backend): Case {
  const b = batch(1);
  const make = (steps: number) => {
    const t = subgrad(backend, b);
    for (let i = 0; i < steps; i++) t.step();
    // Gradients of one more backward, kept: step() reads them and leaves them.
    scope(() => losses.crossEntropy(t.model.forward(t.x), t.y).backward());
    return t;
  };
  const normal = make(10);
  const tiny = make(OVERFIT);
  const count = (t: ReturnType<typeof make>) => {
    const { header, buffers } = t.opt.stateDict();
    const values = Object.values(header.groups[0].buffers).flatMap((i) => Array.from(buffers[i]));
    return `${values.filter((x) => x !== 0 && Math.abs(x) < 2 ** -126).length} of ${values.length}`;
  };
  console.log(`${backend.label}: subnormal state values after 10 steps ${count(normal)}, after ${OVERFIT} steps ${count(tiny)}`);
  return {
    name: `Adam step() with subnormal state, MLP ${SIZES.join('-')} (${backend.label})`,
    baselines: ['normal state'],
    contestants: [
      { name: 'normal state', fn: () => void normal.opt.step() },
      { name: `state after ${OVERFIT} overfit steps`, fn: () => void tiny.opt.step() },
    ],
  };
}

/** What anomaly mode costs: the same step with it off (the default) and on, alternating. */
function anomalyCase(size: number): Case {
  const b = batch(size);
  const off = subgrad(best, b);
  const on = subgrad(best, b);
  return {
    name: `MLP ${SIZES.join('-')} training step, batch ${size}, anomaly mode (${best.label})`,
    metrics: [perSecond(size)],
    baselines: ['anomaly mode off'],
    contestants: [
      { name: 'anomaly mode off', fn: off.step },
      { name: 'anomaly mode on', fn: () => detectAnomaly(on.step) },
    ],
  };
}

/**
 * The engine's own cost per step (tape, dispatch, allocation, checks), which
 * does not grow with the sizes: the same step with 8-wide layers, whose
 * kernels touch a few floats, paired round by round with the real step. The
 * step's × column is then the engine's share of it (under load, a wall-clock
 * residual such as bench/profile.ts's also holds time the process waited).
 */
function engineCase(size: number): Case {
  const b = batch(size);
  const model = new nn.MLP([8, 8, SIZES[2]], { backend: best, seed: 1 });
  const opt = new optim.Adam(model.parameters(), { lr: 1e-3 });
  const x = randn([size, 8], { backend: best, seed: 2 });
  const y = tensor(b.labels, undefined, { backend: best });
  const tiny = () => {
    scope(() => {
      const l = losses.crossEntropy(model.forward(x), y);
      l.backward();
      return l.item();
    });
    opt.step();
    opt.zeroGrad();
  };
  return {
    name: `engine's share of the MLP step at batch ${size} (${best.label}): the step's × column`,
    baselines: ['the same ops, 8-wide layers'],
    contestants: [{ name: 'MLP step', fn: subgrad(best, b).step }, { name: 'the same ops, 8-wide layers', fn: tiny }],
  };
}

await runSuite('mlp', [128, 8, 1].map(trainingCase), { baselines: ['jax-js', 'tfjs-wasm explicit-T', 'tfjs-wasm', 'js-float32'] });
await runSuite('mlp-engine', [8, 1].map(engineCase));
await runSuite('mlp-inference', [128, 1].map(inferenceCase), { baselines: ['jax-js', 'tfjs-wasm', 'js-float32'] });
await runSuite('mlp-anomaly', [128, 1].map(anomalyCase));
await runSuite('adam-subnormal', (quick ? backends.slice(0, 1) : backends).map(subnormalCase));
for (const size of [128, 8, 1]) {
  profileStep(`profile: MLP step, batch ${size}`, best, (be) => subgrad(be, batch(size)).step, quick ? 20 : 100);
}
