// The one benchmark harness: runs benchmark.js on each contestant of each
// case, prints a table per suite (median, ±rme, throughput, ratios against
// the baselines) and writes bench/results/<suite>.json.
//
//   await runSuite('matmul', [
//     { name: 'N=256', metric: gflops(2 * 256 ** 3), contestants: [
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
  fn: () => void;
}

/** Turns a median time per operation (seconds) into a throughput figure. */
export interface Metric {
  unit: string;
  value: (seconds: number) => number;
}

export interface Case {
  name: string;
  contestants: Contestant[];
  metric?: Metric;
}

export interface SuiteOptions {
  /** Contestant names to express every result as a speed-up against ("× js-float32"). */
  baselines?: string[];
}

export interface Result {
  contestant: string;
  medianSeconds: number;
  rme: number;
  samples: number;
  metric?: { unit: string; value: number };
  ratios: Record<string, number>;
}

export const gflops = (flops: number): Metric => ({ unit: 'GFLOP/s', value: (s) => flops / s / 1e9 });
export const perSecond = (items: number, unit = 'samples/s'): Metric => ({ unit, value: (s) => items / s });
export const nsPer = (items: number, unit = 'ns/param'): Metric => ({ unit, value: (s) => (s * 1e9) / items });

export const quick = process.env.BENCH_QUICK === '1';

/** Every suite run in this process, with its printed table (bench/all.ts gathers them). */
export const session: { suite: string; table: string[]; cases: Record<string, Result[]> }[] = [];

function measure(c: Contestant): Omit<Result, 'ratios' | 'metric'> {
  const bench = new Benchmark(c.name, c.fn, quick ? { maxTime: 0.15, minSamples: 5 } : { maxTime: 1.5, minSamples: 10 });
  bench.run({ async: false });
  if (bench.error) throw bench.error;
  const sample = [...bench.stats.sample].sort((a, b) => a - b);
  return { contestant: c.name, medianSeconds: sample[sample.length >> 1], rme: bench.stats.rme, samples: sample.length };
}

function formatTime(s: number): string {
  if (s < 1e-6) return `${(s * 1e9).toFixed(0)} ns`;
  if (s < 1e-3) return `${(s * 1e6).toFixed(2)} µs`;
  if (s < 1) return `${(s * 1e3).toFixed(3)} ms`;
  return `${s.toFixed(2)} s`;
}

export async function runSuite(suite: string, cases: Case[], options: SuiteOptions = {}): Promise<Record<string, Result[]>> {
  const baselines = options.baselines ?? [];
  const all: Record<string, Result[]> = {};
  const table: string[] = [];
  const print = (line: string) => {
    table.push(line);
    console.log(line);
  };
  console.log(`\n## ${suite}${quick ? ' (quick)' : ''}\n`);
  print(`| case | contestant | median | ±rme | throughput | ${baselines.map((b) => `× ${b}`).join(' | ')} |`);
  print(`|---|---|---|---|---|${baselines.map(() => '---|').join('')}`);
  for (const c of cases) {
    const measured = c.contestants.map(measure);
    const results: Result[] = measured.map((m) => {
      const ratios: Record<string, number> = {};
      for (const b of baselines) {
        const base = measured.find((x) => x.contestant === b);
        if (base) ratios[b] = base.medianSeconds / m.medianSeconds;
      }
      const metric = c.metric ? { unit: c.metric.unit, value: c.metric.value(m.medianSeconds) } : undefined;
      return { ...m, metric, ratios };
    });
    for (const r of results) {
      const tp = r.metric ? `${r.metric.value.toPrecision(4)} ${r.metric.unit}` : '';
      const ratios = baselines.map((b) => (r.ratios[b] === undefined ? '' : `${r.ratios[b].toFixed(2)}×`));
      print(`| ${c.name} | ${r.contestant} | ${formatTime(r.medianSeconds)} | ${r.rme.toFixed(1)}% | ${tp} | ${ratios.join(' | ')} |`);
    }
    all[c.name] = results;
  }
  session.push({ suite, table, cases: all });
  mkdirSync('bench/results', { recursive: true });
  const file = `bench/results/${suite}.json`;
  const machine = { node: process.version, arch: arch(), cpu: cpus()[0]?.model ?? 'unknown', cores: cpus().length };
  writeFileSync(file, JSON.stringify({ suite, date: new Date().toISOString(), quick, machine, cases: all }, null, 2));
  console.log(`\nwritten: ${file}`);
  return all;
}
