// Mutation audit: applies realistic single-line bugs one at a time, runs the
// tests that should notice, and reports which mutants survive. Not part of
// CI (it takes a while): run it after changing tests or the code they guard.
//
//   npx tsx scripts/mutation-audit.ts [--only SUBSTRING] [--list]
//
// Each mutant replaces one exact, unique piece of a file; a mutant whose
// piece is no longer found is reported as stale (update the list). Kernel
// mutants (assembly/) rebuild the Wasm before their tests and after.
import { execFileSync, spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { MUTANTS, type Mutant } from './mutants.js';

const args = process.argv.slice(2);
const only = args.includes('--only') ? args[args.indexOf('--only') + 1] : undefined;
const chosen = MUTANTS.filter((m) => only === undefined || m.name.includes(only) || m.file.includes(only));

if (args.includes('--list')) {
  for (const m of chosen) console.log(`${m.file}: ${m.name}`);
  process.exit(0);
}

const buildWasm = () => execFileSync('node', ['assembly/build.mjs'], { stdio: 'ignore' });

function run(m: Mutant): 'killed' | 'survived' | 'stale' {
  const original = readFileSync(m.file, 'utf8');
  const at = original.indexOf(m.from);
  if (at < 0 || original.indexOf(m.from, at + 1) >= 0) return 'stale';
  writeFileSync(m.file, original.slice(0, at) + m.to + original.slice(at + m.from.length));
  const kernel = m.file.startsWith('assembly/');
  try {
    if (kernel) buildWasm();
    const r = spawnSync('npx', ['vitest', 'run', ...m.tests], { stdio: 'ignore', env: { ...process.env, CI: '1' } });
    return r.status === 0 ? 'survived' : 'killed';
  } catch {
    return 'killed'; // the mutant does not even build
  } finally {
    writeFileSync(m.file, original);
    if (kernel) buildWasm();
  }
}

const outcome: Record<string, Mutant[]> = { killed: [], survived: [], stale: [] };
for (const [i, m] of chosen.entries()) {
  const started = Date.now();
  const result = run(m);
  outcome[result].push(m);
  console.log(`${String(i + 1).padStart(3)}/${chosen.length} ${result.padEnd(8)} ${m.file}: ${m.name} (${((Date.now() - started) / 1000).toFixed(0)} s)`);
}
const judged = outcome.killed.length + outcome.survived.length;
console.log(`\n${outcome.killed.length} of ${judged} mutants killed (${((100 * outcome.killed.length) / Math.max(judged, 1)).toFixed(1)}%)`);
for (const m of outcome.survived) console.log(`survived: ${m.file}: ${m.name}`);
for (const m of outcome.stale) console.log(`stale (its code changed): ${m.file}: ${m.name}`);
