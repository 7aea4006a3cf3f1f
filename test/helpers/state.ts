// What a refused or failed update must leave exactly as it was: parameter
// values, gradients, where the parameters live, optimizer state and options,
// and the backend's persistent and arena bytes (pages and the high-water mark
// may grow).
import { memoryStats, type Tensor } from '../../src/index.js';
import type { Optimizer } from '../../src/optim/index.js';

/** Small arrays as they are; large ones as their length and a hash of their bits, so that a failing comparison prints fast. */
function values(a: ArrayLike<number>): number[] | string {
  if (a.length <= 64) return Array.from(a);
  const bits = new Uint32Array(Float64Array.from(a).buffer);
  let h = 0x811c9dc5;
  for (const b of bits) h = Math.imul(h ^ b, 0x01000193) >>> 0;
  return `${a.length} values, FNV-1a ${h.toString(16)}`;
}

export function snapshot(params: readonly Tensor[], optimizer?: Optimizer<any>) {
  const { persistentBytes, arenaBytes } = memoryStats(params[0].backend);
  const state = optimizer?.stateDict();
  return {
    values: params.map((p) => values(p.data())),
    grads: params.map((p) => (p.grad ? values(p.grad.data()) : null)),
    places: params.map((p) => [p.ptr, p.storage.base?.ptr ?? null]),
    optimizer: state && { header: state.header, buffers: state.buffers.map(values) },
    options: optimizer?.paramGroups.map(({ params: _, ...o }) => o),
    memory: { persistentBytes, arenaBytes },
  };
}
