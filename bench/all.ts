// npm run bench: every suite in one process, then a summary of the goals
// (bench/results/latest.json and latest.md). Run with
// --experimental-wasm-relaxed-simd to see all three kernel variants side by
// side; `--suites a,b` runs a subset; `--label NAME` names the results files.
import { writeFileSync } from 'node:fs';
import { arch, cpus } from 'node:os';
import { quick, session, type Result } from './harness.js';

const SUITES: Record<string, () => Promise<unknown>> = {
  matmul: () => import('./matmul.js'),
  softmax_xent: () => import('./softmax_xent.js'),
  optim: () => import('./optim.js'),
  mlp: () => import('./mlp.js'),
  engine: () => import('./engine.js'),
  epoch: () => import('./epoch.js'),
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
  await SUITES[name]();
  console.log(`(${name}: ${((performance.now() - t0) / 1e3).toFixed(0)} s)`);
}

/** Results of `contestant` in the cases of suites whose name starts with `suite` and whose case name matches. */
function find(suite: string, cases: RegExp, contestant: string): Result[] {
  return session
    .filter((s) => s.suite.startsWith(suite))
    .flatMap((s) => Object.entries(s.cases).filter(([name]) => cases.test(name)).flatMap(([, rs]) => rs))
    .filter((r) => r.contestant === contestant);
}
const value = (r: Result) => r.metric?.value ?? NaN;

interface Goal {
  figure: string;
  goal: string;
  measured: number | undefined;
  unit: string;
  holds: boolean | undefined;
}
const goals: Goal[] = [];
function goal(figure: string, measured: number | undefined, unit: string, target: number, atLeast: boolean) {
  const holds = measured === undefined || Number.isNaN(measured) ? undefined : atLeast ? measured >= target : measured <= target;
  goals.push({ figure, goal: `${atLeast ? '≥' : '≤'} ${target}`, measured, unit, holds });
}
const min = (xs: number[]) => (xs.length ? Math.min(...xs) : undefined);

for (const [variant, target] of [['relaxed', 40], ['simd', 30]] as const) {
  const rs = find('matmul', /^N=(128|256|512|1024) /, `wasm-${variant}`);
  const slowest = min(rs.map(value));
  const median = rs.map(value).sort((a, b) => a - b)[rs.length >> 1];
  goal(`matmul N ≥ 128, slowest of the ${rs.length} size × form cases, ${variant}`, slowest, 'GFLOP/s', target, true);
  goal(`matmul N ≥ 128, median of those cases, ${variant}`, median, 'GFLOP/s', target, true);
}
for (const [variant, target] of [['relaxed', 35000], ['simd', 28000]] as const) {
  const [r] = find('mlp', /step/, `wasm-${variant}`);
  goal(`MLP 784-256-10 step, ${variant}`, r && value(r), 'samples/s', target, true);
  goal(`MLP step, wasm-${variant} ÷ js-float32`, r?.ratios['js-float32'], '×', 12, true);
}
for (const variant of ['relaxed', 'simd']) {
  const [big] = find('softmax_xent', /\[128, 1000\]/, `wasm-${variant}`);
  const [small] = find('softmax_xent', /\[128, 10\]/, `wasm-${variant}`);
  goal(`softmax-CE fwd+bwd [128,1000], ${variant}`, big && big.medianSeconds * 1e3, 'ms', 0.35, false);
  goal(`softmax-CE fwd+bwd [128,10], ${variant}`, small && small.medianSeconds * 1e6, 'µs', 8, false);
  const [adam] = find('optim', /^Adam/, `wasm-${variant}`);
  const [sgd] = find('optim', /^SGD/, `wasm-${variant}`);
  goal(`Adam step, ${variant}`, adam && value(adam), 'ns/param', 1.0, false);
  goal(`SGD-momentum step, ${variant}`, sgd && value(sgd), 'ns/param', 0.4, false);
  const [overhead] = find('engine', /^forward \+ backward, 1000 ops/, `wasm-${variant}`);
  goal(`engine overhead per op (forward + backward), ${variant}`, overhead && value(overhead) / 1e3, 'µs', 1, false);
}

const measuredGoals = goals.filter((g) => g.measured !== undefined && !Number.isNaN(g.measured));
const machine = { node: process.version, arch: arch(), cpu: cpus()[0]?.model ?? 'unknown', cores: cpus().length, execArgv: process.execArgv };
const summary = [
  `# subgrad benchmarks (${label}${quick ? ', quick' : ''})`,
  '',
  `${new Date().toISOString()} · Node ${machine.node} · ${machine.cpu} · ${machine.cores} cores · flags: ${machine.execArgv.join(' ') || 'none'}`,
  '',
  '## Goals',
  '',
  '| figure | goal | measured | holds |',
  '|---|---|---|---|',
  ...measuredGoals.map((g) => `| ${g.figure} | ${g.goal} ${g.unit} | ${g.measured!.toPrecision(4)} ${g.unit} | ${g.holds ? 'yes' : 'no'} |`),
  '',
  ...session.flatMap((s) => [`## ${s.suite}`, '', ...s.table, '']),
].join('\n');
console.log(`\n${summary.split('\n## ')[1] ? '## ' + summary.split('\n## ')[1] : ''}`);
writeFileSync(`bench/results/${label}.md`, summary);
writeFileSync(`bench/results/${label}.json`, JSON.stringify({ label, quick, machine, goals: measuredGoals, suites: session }, null, 2));
console.log(`written: bench/results/${label}.md, bench/results/${label}.json`);
