// TensorFlow.js as a contestant: the umbrella package (it registers the
// gradients) on its Wasm backend (SIMD binary from node_modules) and its cpu
// backend. Each contestant switches the active backend before it runs.
import * as tf from '@tensorflow/tfjs';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

const require = createRequire(import.meta.url);
const wasmDir = join(dirname(require.resolve('@tensorflow/tfjs-backend-wasm/package.json')), 'dist') + '/';
setWasmPaths(wasmDir);
// Node has no SIMD-less path worth measuring and no SharedArrayBuffer workers here: one thread, SIMD.
tf.env().set('WASM_HAS_MULTITHREAD_SUPPORT', false);

export type TfBackend = 'tfjs-wasm' | 'tfjs-cpu';
export const tfBackends: TfBackend[] = ['tfjs-wasm', 'tfjs-cpu'];

/** Loads both backends once; returns a function that activates one by contestant name. */
export async function loadTf(): Promise<(name: TfBackend) => typeof tf> {
  await tf.setBackend('wasm');
  await tf.ready();
  await tf.setBackend('cpu');
  await tf.ready();
  return (name) => {
    const wanted = name === 'tfjs-wasm' ? 'wasm' : 'cpu';
    if (tf.getBackend() !== wanted) tf.setBackend(wanted);
    return tf;
  };
}

export { tf };
