// Engine overhead: what the tape and dispatch cost per op on tiny tensors,
// and the backward pass of a 100,000-node chain.
import { createBackend, add, mul, scope, tensor, type Backend } from '../src/index.js';
import { supportedVariants } from '../src/backend/wasm.js';
import { nsPer, quick, runSuite } from './harness.js';

const CHAIN = 1000;
const LONG = quick ? 20_000 : 100_000;

const backends: Backend[] = [
  ...supportedVariants().map((kernels) => createBackend({ backend: 'wasm', kernels })),
  createBackend({ backend: 'js', dtype: 'float32' }),
];

function chain(backend: Backend, length: number, grad: boolean, backward: boolean) {
  const x = tensor([1, 2, 3, 4], undefined, { backend, requiresGrad: grad });
  return () =>
    scope(() => {
      let y = x;
      for (let i = 0; i < length; i += 2) y = mul(add(y, 1e-3), 0.999);
      if (backward) y.backward(tensor([1, 1, 1, 1], undefined, { backend }));
    });
}

await runSuite(
  'engine',
  [
    {
      name: `forward, ${CHAIN} ops on [4], no grad`,
      metric: nsPer(CHAIN, 'ns/op'),
      contestants: backends.map((b) => ({ name: b.label, fn: chain(b, CHAIN, false, false) })),
    },
    {
      name: `forward recorded, ${CHAIN} ops on [4]`,
      metric: nsPer(CHAIN, 'ns/op'),
      contestants: backends.map((b) => ({ name: b.label, fn: chain(b, CHAIN, true, false) })),
    },
    {
      name: `forward + backward, ${CHAIN} ops on [4]`,
      metric: nsPer(CHAIN, 'ns/op'),
      contestants: backends.map((b) => ({ name: b.label, fn: chain(b, CHAIN, true, true) })),
    },
    {
      name: `forward + backward, ${LONG}-op chain`,
      metric: nsPer(LONG, 'ns/op'),
      contestants: backends.slice(0, 1).map((b) => ({ name: b.label, fn: chain(b, LONG, true, true) })),
    },
  ],
  { baselines: ['js-float32'] },
);
