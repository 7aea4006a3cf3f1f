// jax-js (@jax-js/jax) as a contestant, on its Wasm device. In Node there is
// no global Worker, so it runs on one thread, as subgrad does.
import { defaultDevice, grad, init, jit, nn, numpy as np, tree, valueAndGrad } from '@jax-js/jax';

await init('wasm');
defaultDevice('wasm');

export const jax: { np: typeof np; nn: typeof nn; jit: typeof jit; grad: typeof grad; valueAndGrad: typeof valueAndGrad; tree: typeof tree } = {
  np,
  nn,
  jit,
  grad,
  valueAndGrad,
  tree,
};
