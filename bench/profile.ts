// Where a step's time goes: every kernel call is timed by category, and the
// rest of the step's wall time is the engine's own (tape, dispatch, allocation).
import type { Backend } from '../src/index.js';
import { session } from './harness.js';

const categories: [string, RegExp][] = [
  ['matmul', /matmul/i],
  ['softmax-CE / BCE (fused)', /xent|softmax|bce/i],
  ['optimizer update', /sgd|adam|adagrad|rmsprop|adadelta|nadam|optim|nonfinite|update/i],
  ['indexing (gather, pick)', /gather|scatter|pick|onehot/i],
  ['elementwise & reductions', /./],
];

/** Prints (and adds to the session's tables) where a step's time goes; returns the engine's share of the step. */
export function profileStep(title: string, backend: Backend, makeStep: (b: Backend) => () => void, steps: number): number {
  const spent = new Map<string, { calls: number; ms: number }>();
  const original = backend.kernels as unknown as Record<string, unknown>;
  const timed: Record<string, unknown> = {};
  for (const [name, f] of Object.entries(original)) {
    if (typeof f !== 'function') continue;
    const category = categories.find(([, re]) => re.test(name))![0];
    timed[name] = (...args: unknown[]) => {
      const t0 = performance.now();
      try {
        return (f as (...a: unknown[]) => unknown)(...args);
      } finally {
        const s = spent.get(category) ?? { calls: 0, ms: 0 };
        s.calls++;
        s.ms += performance.now() - t0;
        spent.set(category, s);
      }
    };
  }
  Object.defineProperty(backend, 'kernels', { value: timed, configurable: true });
  try {
    const step = makeStep(backend);
    for (let i = 0; i < 5; i++) step();
    spent.clear();
    const t0 = performance.now();
    for (let i = 0; i < steps; i++) step();
    const total = (performance.now() - t0) / steps;
    const table = [`${backend.label}, ${steps} steps, ${total.toFixed(3)} ms/step`, '', '| where | ms/step | share | kernel calls/step |', '|---|---|---|---|'];
    let kernels = 0;
    for (const [category, s] of [...spent].sort((a, b) => b[1].ms - a[1].ms)) {
      kernels += s.ms / steps;
      table.push(`| ${category} | ${(s.ms / steps).toFixed(3)} | ${((s.ms / steps / total) * 100).toFixed(1)}% | ${(s.calls / steps).toFixed(0)} |`);
    }
    const engine = total - kernels;
    // Wall-clock: under load the rest also holds time the process waited (bench/mlp.ts measures the engine alone).
    table.push(`| tape, dispatch, allocation (the rest) | ${engine.toFixed(3)} | ${((engine / total) * 100).toFixed(1)}% | |`);
    console.log(`\n## ${title}\n\n${table.join('\n')}`);
    session.push({ suite: title, table, cases: {} });
    return engine / total;
  } finally {
    Object.defineProperty(backend, 'kernels', { value: original, configurable: true });
  }
}
