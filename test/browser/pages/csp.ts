// Runs on a page served with a strict Content-Security-Policy (script-src
// 'self', no 'wasm-unsafe-eval'): what init() throws, and whether training
// goes on with init({ fallback: 'js' }). The result is left in window.cspResult.
import { BackendError, backendInfo, data, evaluate, fit, init, losses, nn, optim } from 'subgrad';
import { PIXELS, fetchDigits } from '../../../demo/src/digits.js';

export interface CspResult {
  /** Whether the page refuses to compile a minimal Wasm module: the policy is in force. */
  wasmBlocked: boolean;
  init: { name: string; message: string; backendError: boolean } | null;
  fallback: { backend: string; reported: string; accuracy: number };
}

const EMPTY_MODULE = new Uint8Array([0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00]);

async function run(): Promise<CspResult> {
  const wasmBlocked = await WebAssembly.compile(EMPTY_MODULE).then(() => false, () => true);
  const failure = await init().then(() => null, (e: Error) => ({ name: e.name, message: e.message, backendError: e instanceof BackendError }));
  const info = await init({ fallback: 'js' });
  // 150 digits of each class to train on, 50 to test: a small MLP reaches well above chance in two epochs.
  const digits = await fetchDigits(document.baseURI);
  const all = data.dataset(Float32Array.from(digits.pixels, (v) => v / 255), Int32Array.from(digits.labels), { featureShape: [PIXELS] });
  const { train, test } = data.trainValTestSplit(all, { train: 0.15, val: 0.8, test: 0.05 }, { stratified: true, seed: 2 });
  const model = new nn.MLP([PIXELS, 32, 10], { seed: 1 });
  await fit(model, train, { loss: losses.crossEntropy, optimizer: new optim.Adam(model.parameters(), { lr: 3e-3 }), epochs: 3, batchSize: 16, seed: 1 });
  const { accuracy } = evaluate(model, test, { metrics: ['accuracy'] });
  return { wasmBlocked, init: failure, fallback: { backend: info.backend, reported: backendInfo().backend, accuracy } };
}

declare global {
  interface Window {
    cspResult: Promise<CspResult>;
  }
}
window.cspResult = run();
