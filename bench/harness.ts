// The one benchmark harness. The contestants of a case alternate in rounds
// (A B C A B C …) in this one process, so a change of the machine's load hits
// all of them alike: each round gives one sample of every contestant, and each
// ratio is taken per round (baseline's time ÷ contestant's time in the same
// round) before its median and quartiles are formed. benchmark.js sizes the
// samples: its calibration (warm-up, timer resolution, time per call) gives
// the number of calls per sample. Prints one table per suite and writes
// bench/results/<suite>.json with every sample's statistics.
//
//   await runSuite('matmul', [
//     { name: 'N=256', metrics: [gflops(2 * 256 ** 3)], contestants: [
//       { name: 'wasm-simd', fn: () => ... }, { name: 'js-float32', fn: () => ... } ] },
//   ], { baselines: ['js-float32'] });
//
// BENCH_QUICK=1 shortens every measurement (npm run bench:quick).
import Benchmark from 'benchmark';
import { mkdirSync, writeFileSync } from 'node:fs';
import { arch, cpus } from 'node:os';

export interface Contestant {
  name: string;
  /** One operation; must do the same work for every contestant of a case. */
  fn?: () => void;
  /** Instead of fn: takes one sample itself and returns its seconds (a child process's own clock). */
  sample?: () => number;
  /** Printed under the table: what this contestant is when its name cannot say it. */
  note?: string;
}

/** Turns a time per operation (seconds) into a throughput figure. */
export interface Metric {
  unit: string;
  value: (seconds: number) => number;
  /** The measured physical limit of this figure for a contestant (same unit), to report a % of it. */
  limit?: (contestant: string) => number | undefined;
}

export interface Case {
  name: string;
  contestants: Contestant[];
  metrics?: Metric[];
  /** Overrides the suite's baselines for this case. */
  baselines?: string[];
}

export interface SuiteOptions {
  /** Contestant names to express every result as a speed-up against ("× js-float32"). */
  baselines?: string[];
  /** Exactly this many rounds per case, instead of as many as the time budget allows. */
  rounds?: number;
}

/** Median and quartiles. */
export interface Spread {
  median: number;
  q1: number;
  q3: number;
}

export interface Result {
  contestant: string;
  /** Seconds per operation over the rounds. */
  seconds: Spread;
  rounds: number;
  callsPerSample: number;
  metrics: (Spread & { unit: string; percentOfLimit?: number })[];
  /** Per-round baseline time ÷ this contestant's time: above 1 when faster than the baseline. */
  ratios: Record<string, Spread>;
}

export const gflops = (flops: number, limit?: Metric['limit']): Metric => ({ unit: 'GFLOP/s', value: (s) => flops / s / 1e9, limit });
export const perSecond = (items: number, unit = 'samples/s'): Metric => ({ unit, value: (s) => items / s });
export const nsPer = (items: number, unit = 'ns/param'): Metric => ({ unit, value: (s) => (s * 1e9) / items });
export const gbPerSecond = (bytes: number, limit?: Metric['limit']): Metric => ({ unit: 'GB/s', value: (s) => bytes / s / 1e9, limit });

export const quick = process.env.BENCH_QUICK === '1';

/** Rounds per case: at least MIN, then more while the case is within its time budget, up to MAX. */
const ROUNDS = quick ? { min: 5, max: 10, budget: 1 } : { min: 12, max: 40, budget: 8 };
/** Target length of one sample, seconds. */
const SAMPLE_SECONDS = quick ? 0.01 : 0.03;

/** Every suite run in this process, with its printed table (bench/all.ts gathers them). */
export const session: { suite: string; table: string[]; cases: Record<string, Result[]> }[] = [];

/** Quantile q of sorted xs, interpolated linearly between order statistics. */
function quantile(sorted: number[], q: number): number {
  const at = (sorted.length - 1) * q;
  const lo = Math.floor(at);
  return sorted[lo] + (sorted[Math.min(lo + 1, sorted.length - 1)] - sorted[lo]) * (at - lo);
}

export function spread(xs: number[]): Spread {
  const s = [...xs].sort((a, b) => a - b);
  return { median: quantile(s, 0.5), q1: quantile(s, 0.25), q3: quantile(s, 0.75) };
}

/** Calls per sample, from benchmark.js's estimate of one call's time (it warms the function up too). */
function calibrate(c: Contestant): number {
  const bench = new Benchmark(c.name, c.fn!, { maxTime: quick ? 0.05 : 0.2, minSamples: 2 });
  bench.run({ async: false });
  if (bench.error) throw bench.error;
  return Math.max(1, Math.round(SAMPLE_SECONDS / bench.stats.mean));
}

function timeSample(c: Contestant, calls: number): number {
  if (c.sample) return c.sample();
  const fn = c.fn!;
  const t0 = performance.now();
  for (let i = 0; i < calls; i++) fn();
  return (performance.now() - t0) / 1e3 / calls;
}

/** Runs the contestants of a case in alternating rounds; returns each one's samples (seconds per operation). */
function alternate(contestants: Contestant[], rounds?: number): { calls: number[]; samples: number[][] } {
  const calls = contestants.map((c) => (c.sample ? 1 : calibrate(c)));
  const samples: number[][] = contestants.map(() => []);
  const t0 = performance.now();
  for (let round = 0; round < (rounds ?? ROUNDS.max); round++) {
    if (rounds === undefined && round >= ROUNDS.min && (performance.now() - t0) / 1e3 > ROUNDS.budget) break;
    contestants.forEach((c, i) => samples[i].push(timeSample(c, calls[i])));
  }
  return { calls, samples };
}

const range = (s: Spread, digits: (x: number) => string) => `${digits(s.median)} (${digits(s.q1)}–${digits(s.q3)})`;

export function formatTime(s: number): string {
  if (s < 1e-6) return `${(s * 1e9).toFixed(0)} ns`;
  if (s < 1e-3) return `${(s * 1e6).toFixed(2)} µs`;
  if (s < 1) return `${(s * 1e3).toFixed(3)} ms`;
  return `${s.toFixed(2)} s`;
}
const sig = (x: number) => x.toPrecision(4);

export async function runSuite(suite: string, cases: Case[], options: SuiteOptions = {}): Promise<Record<string, Result[]>> {
  const all: Record<string, Result[]> = {};
  const table: string[] = [];
  const print = (line: string) => {
    table.push(line);
    console.log(line);
  };
  const baselinesOf = (c: Case) => c.baselines ?? options.baselines ?? [];
  const columns = [...new Set(cases.flatMap(baselinesOf))];
  console.log(`\n## ${suite}${quick ? ' (quick)' : ''}\n`);
  const row = (cells: string[]) => `| ${cells.join(' | ')} |`;
  const header = ['case', 'contestant', 'median (quartiles)', 'throughput', '% of limit', ...columns.map((b) => `× ${b}`)];
  print(row(header));
  print(row(header.map(() => '---')));
  const notes = new Map<string, string>();
  for (const c of cases) {
    const { calls, samples } = alternate(c.contestants, options.rounds);
    const results: Result[] = c.contestants.map((contestant, i) => {
      const ratios: Record<string, Spread> = {};
      for (const b of baselinesOf(c)) {
        const j = c.contestants.findIndex((x) => x.name === b);
        if (j >= 0) ratios[b] = spread(samples[i].map((s, r) => samples[j][r] / s));
      }
      const metrics = (c.metrics ?? []).map((m) => {
        const values = spread(samples[i].map(m.value));
        const limit = m.limit?.(contestant.name);
        return { unit: m.unit, ...values, ...(limit ? { percentOfLimit: (100 * values.median) / limit } : {}) };
      });
      if (contestant.note) notes.set(contestant.name, contestant.note);
      return { contestant: contestant.name, seconds: spread(samples[i]), rounds: samples[i].length, callsPerSample: calls[i], metrics, ratios };
    });
    for (const r of results) {
      const tp = r.metrics.map((m) => `${range(m, sig)} ${m.unit}`).join('; ');
      const pct = r.metrics.flatMap((m) => (m.percentOfLimit === undefined ? [] : [`${m.percentOfLimit.toFixed(0)}%`])).join('; ');
      const ratios = columns.map((b) => (r.ratios[b] === undefined ? '' : `${range(r.ratios[b], (x) => x.toFixed(2))}×`));
      print(row([c.name, r.contestant, range(r.seconds, formatTime), tp, pct, ...ratios]));
    }
    all[c.name] = results;
  }
  const rounds = Object.values(all).flatMap((rs) => rs.map((r) => r.rounds));
  print('');
  print(`Contestants alternate in rounds (${Math.min(...rounds)}–${Math.max(...rounds)} per case); medians with quartiles; ratios are medians of per-round ratios.`);
  for (const [name, note] of notes) print(`- ${name}: ${note}`);
  session.push({ suite, table, cases: all });
  mkdirSync('bench/results', { recursive: true });
  const file = `bench/results/${suite}.json`;
  const machine = { node: process.version, arch: arch(), cpu: cpus()[0]?.model ?? 'unknown', cores: cpus().length };
  writeFileSync(file, JSON.stringify({ suite, date: new Date().toISOString(), quick, machine, cases: all }, null, 2));
  console.log(`\nwritten: ${file}`);
  return all;
}
