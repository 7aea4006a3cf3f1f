// npm run bench: every suite in one process (the limits first: the others
// report % of them), then issue 14's goals evaluated on the results
// (bench/results/<label>.md and .json). Run with
// --experimental-wasm-relaxed-simd to see all three kernel variants side by
// side; `--suites a,b` runs a subset; `--label NAME` names the results files.
import { writeFileSync } from 'node:fs';
import { arch, cpus } from 'node:os';
import { supportedVariants } from '../src/backend/wasm.js';
import { quick, session, type Result } from './harness.js';

const SUITES: Record<string, () => Promise<unknown>> = {
  limits: () => import('./limits.js'),
  matmul: () => import('./matmul.js'),
  softmax_xent: () => import('./softmax_xent.js'),
  optim: () => import('./optim.js'),
  mlp: () => import('./mlp.js'),
  engine: () => import('./engine.js'),
  epoch: () => import('./epoch.js'),
  coldstart: () => import('./coldstart.js'),
};

const arg = (name: string) => {
  const i = process.argv.indexOf(name);
  return i < 0 ? undefined : process.argv[i + 1];
};
const chosen = arg('--suites')?.split(',') ?? Object.keys(SUITES);
const label = arg('--label') ?? 'latest';
for (const name of chosen) {
  if (!SUITES[name]) throw new Error(`unknown suite '${name}'; valid: ${Object.keys(SUITES).join(', ')}`);
  const t0 = performance.now();
  try {
    await SUITES[name]();
  } catch (e) {
    // TensorFlow.js's Wasm module rethrows uncaught errors from its own (minified) code: report ours here instead.
    console.error(`suite ${name} failed: ${(e as Error).stack}`);
    process.exit(1);
  }
  console.log(`(${name}: ${((performance.now() - t0) / 1e3).toFixed(0)} s)`);
}

/** Results of `contestant` in the cases of suites named `suite` whose case name matches. */
function find(suite: string, cases: RegExp, contestant: string | RegExp): { name: string; result: Result }[] {
  const wanted = (c: string) => (typeof contestant === 'string' ? c === contestant : contestant.test(c));
  return session
    .filter((s) => s.suite === suite)
    .flatMap((s) => Object.entries(s.cases).filter(([name]) => cases.test(name)))
    .flatMap(([name, rs]) => rs.filter((r) => wanted(r.contestant)).map((result) => ({ name, result })));
}

interface Goal {
  figure: string;
  goal: string;
  measured: string;
  holds: boolean | undefined;
}
const goals: Goal[] = [];
function goal(figure: string, measured: number | undefined, unit: string, target: number, atLeast: boolean, detail = '') {
  const known = measured !== undefined && Number.isFinite(measured);
  goals.push({
    figure,
    goal: `${atLeast ? '≥' : '≤'} ${target}${unit}`,
    measured: known ? `${measured!.toPrecision(3)}${unit}${detail}` : 'not measured',
    holds: known ? (atLeast ? measured! >= target : measured! <= target) : undefined,
  });
}

const variants = supportedVariants().filter((v) => v !== 'scalar');
const bestVariant = `wasm-${variants[0] ?? 'simd'}`;
const [mlp] = find('mlp', /training step, batch 128/, bestVariant);
for (const [baseline, target] of [['jax-js', 2.0], ['tfjs-wasm explicit-T', 2.5], ['tfjs-wasm', 12]] as const) {
  goal(`MLP step b128 Adam, ${bestVariant} ÷ ${baseline} (median of per-round ratios)`, mlp?.result.ratios[baseline]?.median, '×', target, true);
}
goal(`the same step, effective GFLOP/s as % of the measured peak`, mlp?.result.metrics[1]?.percentOfLimit, '%', 75, true);
for (const v of variants) {
  const rs = [...find('matmul', /^N=(256|512|1024) /, `wasm-${v}`), ...find('matmul-relaxed', /^N=(256|512|1024) /, `wasm-${v}`)];
  const worst = rs.sort((a, b) => a.result.metrics[0].percentOfLimit! - b.result.metrics[0].percentOfLimit!)[0];
  goal(`matmul N ≥ 256, every transpose form, wasm-${v} (the worst case)`, worst?.result.metrics[0].percentOfLimit, '%', 88, true, worst ? ` (${worst.name})` : '');
}
for (const [kind, re] of [['Adam', /^Adam/], ['SGD-momentum', /^SGD/]] as const) {
  for (const who of [bestVariant, `${bestVariant} update only`]) {
    const [r] = find('optim', re, who);
    const paired = r?.result.ratios['stream, same pattern']?.median;
    goal(`${kind} ${who === bestVariant ? 'step()' : 'kernel alone'}, 1M params, % of the bandwidth of the same access pattern, paired per round (${bestVariant})`, paired && 100 * paired, '%', 80, true);
  }
}
for (const [kind, re] of [['Adam', /^Adam step\(\) ÷/], ['SGD-momentum', /^SGD .*step\(\) ÷/]] as const) {
  const [step] = find('optim', re, 'step()');
  // The ratio is kernel ÷ step per round; inverted, it is how many times the kernel's time step() takes.
  goal(`${kind} step() ÷ its kernel alone, 1M params, paired per round (${bestVariant})`, step && 1 / step.result.ratios['kernel alone'].median, '×', 1.05, false);
}
for (const r of find('softmax_xent-subnormal', /./, /subnormal/)) {
  goal(`softmax-CE with subnormal probabilities ÷ with none, ${/\(([^()]*)\)$/.exec(r.name)?.[1]}`, 1 / r.result.ratios['probability 0'].median, '×', 1.1, false);
}
// Not a goal of the issue: what the engine costs where it matters most.
const engineShares = find('mlp-engine', /./, 'MLP step').map((r) => `batch ${/batch (\d+)/.exec(r.name)?.[1]}: ${(100 * r.result.ratios['the same ops, 8-wide layers'].median).toFixed(1)}%`);
const [cold] = find('coldstart', /./, 'subgrad');
goal('cold start, import to first finished step (median of the processes)', cold && cold.result.seconds.median * 1e3, ' ms', 40, false);
for (const r of find('adam-subnormal', /./, /overfit/)) {
  goal(`Adam step with subnormal state ÷ normal state, ${/\(([^()]*)\)$/.exec(r.name)?.[1]}`, 1 / r.result.ratios['normal state'].median, '×', 1.1, false);
}

const machine = { node: process.version, arch: arch(), cpu: cpus()[0]?.model ?? 'unknown', cores: cpus().length, execArgv: process.execArgv };
const summary = [
  `# subgrad benchmarks (${label}${quick ? ', quick' : ''})`,
  '',
  `${new Date().toISOString()} · Node ${machine.node} · ${machine.cpu} · ${machine.cores} cores · flags: ${machine.execArgv.join(' ') || 'none'}`,
  '',
  "## Goals (issue 14; one process, medians of per-round ratios)",
  '',
  '| figure | goal | measured | holds |',
  '|---|---|---|---|',
  ...goals.map((g) => `| ${g.figure} | ${g.goal} | ${g.measured} | ${g.holds === undefined ? '—' : g.holds ? 'yes' : 'no'} |`),
  '',
  `The engine's own share of the small-batch MLP step (bench/mlp.ts, paired per round): ${engineShares.join(', ') || 'not measured'}.`,
  '',
  ...session.flatMap((s) => [`## ${s.suite}`, '', ...s.table, '']),
].join('\n');
console.log(`\n${summary.slice(summary.indexOf('## Goals'), summary.indexOf('\n## ', summary.indexOf('## Goals') + 1))}`);
writeFileSync(`bench/results/${label}.md`, summary);
writeFileSync(`bench/results/${label}.json`, JSON.stringify({ label, quick, machine, goals, suites: session }, null, 2));
console.log(`written: bench/results/${label}.md, bench/results/${label}.json`);
