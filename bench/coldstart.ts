// Cold start: a fresh `node` process on the built package (dist/, as an
// installed subgrad is), timed from just before import('subgrad') through
// await init() to the end of the first training step of the MLP (one thread;
// bench/cold-start.mjs), against jax-js doing the same. One process per
// contestant per round, alternating; the median of 10 rounds (5 in a quick run).
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { quick, runSuite, type Contestant } from './harness.js';

if (!existsSync('dist/index.js')) throw new Error('coldstart: dist/ is missing; run npm run build first');

const ROUNDS = quick ? 5 : 10;

function coldStart(library: string): Contestant {
  return {
    name: library,
    sample: () => {
      const run = spawnSync(process.execPath, ['bench/cold-start.mjs', library], { encoding: 'utf8' });
      if (run.status !== 0) throw new Error(`cold start of ${library} failed: ${run.stderr}`);
      return JSON.parse(run.stdout).ms / 1e3;
    },
  };
}

await runSuite(
  'coldstart',
  [{ name: 'cold start: import → init → first finished MLP step (batch 128, Adam)', contestants: ['subgrad', 'jax-js'].map(coldStart) }],
  { baselines: ['jax-js'], rounds: ROUNDS },
);
