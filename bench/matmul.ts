// Matmul throughput: square N×N products in all four transpose forms, and the
// three products of a 784→256 layer at batch 128 (forward and both
// gradients), on each Wasm variant, the js reference (float32), TensorFlow.js
// (wasm and cpu backends) and jax-js (jitted), each also as a % of the
// compute peak measured in the same run (bench/limits.ts).
//   npm run bench:matmul            simd and scalar (Node 20 hides relaxed SIMD)
//   npm run bench:matmul:relaxed    relaxed as well
// BENCH_QUICK=1 for a short run (N ≤ 256 only).
import { createBackend, rand, scope, type Backend, type Tensor } from '../src/index.js';
import { mm } from '../src/ops/matmul.js';
import { supportedVariants } from '../src/backend/wasm.js';
import { gflops, quick, runSuite, type Case, type Contestant } from './harness.js';
import { jax } from './jax.js';
import { peakFor } from './limits.js';
import { loadTf, tfBackends, type TfBackend } from './tfjs.js';

// tfjs-wasm's transposed forms take seconds per product at N = 1024.
const SIZES = quick ? [256] : [64, 128, 256, 512, 1024];
/** The js reference and tfjs-cpu take seconds per product beyond this. */
const SLOW_MAX_N = 256;
const SLOW = new Set(['js-float32', 'tfjs-cpu']);

const FORMS = [
  [false, false],
  [true, false],
  [false, true],
  [true, true],
] as const;
const formName = (ta: boolean, tb: boolean) => `${ta ? 'Aᵀ' : 'A'}·${tb ? 'Bᵀ' : 'B'}`;

const variants = supportedVariants();
const backends: Backend[] = [
  ...variants.map((kernels) => createBackend({ backend: 'wasm', kernels })),
  createBackend({ backend: 'js', dtype: 'float32' }),
];
const activate = await loadTf();

/** Operand shapes of op(A)·op(B) with op(A) m×k and op(B) k×n. */
function shapes(m: number, k: number, n: number, ta: boolean, tb: boolean): [number[], number[]] {
  return [ta ? [k, m] : [m, k], tb ? [n, k] : [k, n]];
}

function ours(backend: Backend, m: number, k: number, n: number, ta: boolean, tb: boolean): Contestant {
  const [sa, sb] = shapes(m, k, n, ta, tb);
  const a: Tensor = rand(sa, { backend, seed: 1 });
  const b: Tensor = rand(sb, { backend, seed: 2 });
  // Through the op layer's kernel launch: output allocation included, as in training.
  return { name: backend.label, fn: () => scope(() => void mm(a, b, ta, tb)) };
}

function theirs(name: TfBackend, m: number, k: number, n: number, ta: boolean, tb: boolean): Contestant {
  const tf = activate(name);
  const [sa, sb] = shapes(m, k, n, ta, tb);
  const a = tf.randomUniform(sa);
  const b = tf.randomUniform(sb);
  return {
    name,
    fn: () => {
      activate(name);
      tf.matMul(a, b, ta, tb).dataSync();
    },
  };
}

/** jax-js: the product jitted, transposes included (XLA-style, they fold into the kernel), read back as TF.js's is. */
function jaxjs(m: number, k: number, n: number, ta: boolean, tb: boolean): Contestant {
  const { np, jit } = jax;
  const [sa, sb] = shapes(m, k, n, ta, tb);
  const a = np.array(Float32Array.from({ length: sa[0] * sa[1] }, Math.random)).reshape(sa);
  const b = np.array(Float32Array.from({ length: sb[0] * sb[1] }, Math.random)).reshape(sb);
  type A = typeof a;
  const f = jit((x: A, y: A) => np.matmul(ta ? x.transpose() : x, tb ? y.transpose() : y));
  return { name: 'jax-js', fn: () => void f(a.ref, b.ref).dataSync() };
}

function product(name: string, m: number, k: number, n: number, ta: boolean, tb: boolean, slow: boolean): Case {
  const contestants = [
    ...backends.map((b) => ours(b, m, k, n, ta, tb)),
    ...tfBackends.map((t) => theirs(t, m, k, n, ta, tb)),
    jaxjs(m, k, n, ta, tb),
  ].filter((c) => slow || !SLOW.has(c.name));
  return { name, metrics: [gflops(2 * m * k * n, peakFor)], contestants };
}

const cases: Case[] = [];
for (const N of SIZES) {
  for (const [ta, tb] of FORMS) cases.push(product(`N=${N} ${formName(ta, tb)}`, N, N, N, ta, tb, N <= SLOW_MAX_N));
}
// Tiny products: what a call costs when there is almost no arithmetic.
cases.push(product('tiny 1×1×1', 1, 1, 1, false, false, true));
cases.push(product('tiny 3×5×7', 3, 5, 7, false, false, true));
// The 784→256 layer at batch 128: H = x·W, dW = xᵀ·dH, dx = dH·Wᵀ.
cases.push(product('784→256 fwd x·W [128,784]·[784,256]', 128, 784, 256, false, false, true));
cases.push(product('784→256 dW = xᵀ·dH [784,128]·[128,256]', 784, 128, 256, true, false, true));
cases.push(product('784→256 dx = dH·Wᵀ [128,256]·[256,784]', 128, 256, 784, false, true, true));

// Let V8 tier the kernels up from its baseline compiler before anything is timed.
for (const b of backends) {
  if (b.name !== 'wasm') continue;
  const warm = ours(b, 256, 256, 256, false, false);
  for (let i = 0; i < 20; i++) warm.fn!();
}

console.log(`wasm variants: ${variants.join(', ')}; ${[...SLOW].join(' and ')} skipped for N > ${SLOW_MAX_N}`);
await runSuite(variants.includes('relaxed') ? 'matmul-relaxed' : 'matmul', cases, { baselines: ['jax-js', 'tfjs-wasm', 'js-float32'] });
