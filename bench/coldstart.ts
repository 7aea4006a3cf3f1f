// Cold start: a fresh `node` process on the built package (dist/, as an
// installed subgrad is), timed from just before import('subgrad') through
// await init() to the end of the first training step of the MLP (one thread;
// bench/cold-start.mjs), against jax-js doing the same. One process per
// contestant per round, alternating; the median of 10 rounds (5 in a quick run).
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { quick, runSuite, session, spread, type Contestant } from './harness.js';

if (!existsSync('dist/index.js')) throw new Error('coldstart: dist/ is missing; run npm run build first');

const ROUNDS = quick ? 5 : 10;
const LIBRARIES = ['subgrad', 'jax-js'];
/** Each process's phases (ms), by library. */
const phases = new Map<string, Record<string, number>[]>(LIBRARIES.map((l) => [l, []]));

function coldStart(library: string): Contestant {
  return {
    name: library,
    sample: () => {
      const run = spawnSync(process.execPath, ['bench/cold-start.mjs', library], { encoding: 'utf8' });
      if (run.status !== 0) throw new Error(`cold start of ${library} failed: ${run.stderr}`);
      const { ms, phases: each } = JSON.parse(run.stdout);
      phases.get(library)!.push(each);
      return ms / 1e3;
    },
  };
}

await runSuite(
  'coldstart',
  [{ name: 'cold start: import → init → first finished MLP step (batch 128, Adam)', contestants: LIBRARIES.map(coldStart) }],
  { baselines: ['jax-js'], rounds: ROUNDS },
);

// Where the time went: the median (quartiles) of each phase over the same processes.
const names = ['import', 'init', 'model', 'first step'];
const table = [`| library | ${names.join(' | ')} |`, `|---|${names.map(() => '---|').join('')}`];
for (const [library, runs] of phases) {
  const cells = names.map((n) => {
    const s = spread(runs.map((r) => r[n]));
    return `${s.median.toFixed(1)} (${s.q1.toFixed(1)}–${s.q3.toFixed(1)}) ms`;
  });
  table.push(`| ${library} | ${cells.join(' | ')} |`);
}
console.log(`\n## coldstart phases\n\n${table.join('\n')}`);
session.push({ suite: 'coldstart phases', table, cases: {} });
