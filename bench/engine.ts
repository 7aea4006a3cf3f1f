// Engine overhead: what the tape and dispatch cost per op on tiny tensors,
// and the backward pass of a long chain, against TensorFlow.js doing the same.
import { createBackend, add, mul, scope, tensor, type Backend } from '../src/index.js';
import { supportedVariants } from '../src/backend/wasm.js';
import { nsPer, quick, runSuite, type Contestant } from './harness.js';
import { jax } from './jax.js';
import { loadTf, tfBackends, type TfBackend } from './tfjs.js';

const CHAIN = 1000;
const LONG = quick ? 20_000 : 100_000;

const backends: Backend[] = [
  ...supportedVariants().map((kernels) => createBackend({ backend: 'wasm', kernels })),
  createBackend({ backend: 'js', dtype: 'float32' }),
];
const activate = await loadTf();

/** y ← (y + 0.001) · 0.999, `length` ops in all, optionally recorded and differentiated. */
function ours(backend: Backend, length: number, grad: boolean, backward: boolean): Contestant {
  const x = tensor([1, 2, 3, 4], undefined, { backend, requiresGrad: grad });
  const upstream = tensor([1, 1, 1, 1], undefined, { backend });
  return {
    name: backend.label,
    fn: () =>
      scope(() => {
        let y = x;
        for (let i = 0; i < length; i += 2) y = mul(add(y, 1e-3), 0.999);
        if (backward) y.backward(upstream);
      }),
  };
}

function theirs(name: TfBackend, length: number, backward: boolean): Contestant {
  const tf = activate(name);
  const x = tf.tensor1d([1, 2, 3, 4]);
  const chain = (v: ReturnType<typeof tf.tensor>) => {
    let y = v;
    for (let i = 0; i < length; i += 2) y = y.add(1e-3).mul(0.999);
    return y;
  };
  const grad = tf.grad(chain);
  return {
    name,
    fn: () => {
      activate(name);
      tf.tidy(() => (backward ? grad(x) : chain(x))).dispose();
    },
  };
}

/** jax-js eagerly (no jit: the overhead of each op is what is measured), the value read back. */
function jaxjs(length: number, backward: boolean): Contestant {
  const { np } = jax;
  const x = np.array(new Float32Array([1, 2, 3, 4]));
  type A = typeof x;
  const chain = (v: A) => {
    let y = v;
    for (let i = 0; i < length; i += 2) y = y.add(1e-3).mul(0.999);
    return y;
  };
  const grad = jax.grad((v: A) => chain(v).sum());
  return { name: 'jax-js', fn: () => void (backward ? grad(x.ref) : chain(x.ref)).dataSync() };
}

const cases = [
  { title: `forward, ${CHAIN} ops on [4], nothing recorded`, length: CHAIN, grad: false, backward: false },
  { title: `forward + backward, ${CHAIN} ops on [4]`, length: CHAIN, grad: true, backward: true },
  { title: `forward + backward, ${LONG}-op chain`, length: LONG, grad: true, backward: true },
];

await runSuite(
  'engine',
  cases.map(({ title, length, grad, backward }) => ({
    name: title,
    metrics: [nsPer(length, 'ns/op')],
    contestants: [
      ...(length === CHAIN ? backends : backends.slice(0, 1)).map((b) => ours(b, length, grad, backward)),
      ...(length === CHAIN ? [...tfBackends.map((t) => theirs(t, length, backward)), jaxjs(length, backward)] : []),
    ],
  })),
  { baselines: ['jax-js', 'tfjs-wasm', 'js-float32'] },
);
