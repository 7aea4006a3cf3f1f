// npm start: shows which backend and kernel variant this runtime gets, then
// times a matmul on each available Wasm variant and on the js reference.
import { backendInfo, createBackend, initSync, rand, scope, type Backend } from '../index.js';
import { supportedVariants } from '../backend/wasm.js';

const N = 256;
initSync();
const info = backendInfo();
console.log(`subgrad backend: ${info.backend} (${info.kernels} kernels, ${info.dtype})`);
console.log(`why: ${info.reason}`);

function gflops(backend: Backend, n: number): number {
  const a = rand([n, n], { backend, seed: 1 });
  const b = rand([n, n], { backend, seed: 2 });
  const run = () => scope(() => void a.matmul(b));
  for (let i = 0; i < 3; i++) run();
  const times: number[] = [];
  for (let i = 0; i < 15; i++) {
    const t0 = performance.now();
    run();
    times.push(performance.now() - t0);
  }
  times.sort((x, y) => x - y);
  const median = times[times.length >> 1] / 1e3;
  return (2 * n ** 3) / median / 1e9;
}

console.log(`\nmatmul ${N}×${N}·${N}×${N}, median of 15:`);
for (const kernels of supportedVariants()) {
  console.log(`  wasm-${kernels.padEnd(8)} ${gflops(createBackend({ backend: 'wasm', kernels }), N).toFixed(1)} GFLOP/s`);
}
console.log(`  js-float32     ${gflops(createBackend({ backend: 'js' }), N).toFixed(2)} GFLOP/s`);
