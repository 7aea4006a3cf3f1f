// Threads (issue 15): a 1-thread and a 2-thread backend of the same variant,
// alternating in rounds in one process, on the figures — matmul
// N ≥ 256 in every form, the MLP 784-256-10 batch-128 Adam step, the
// dispatch overhead of a 1-element call with the workers awake, and steps
// at batch 1 and 8 — with each figure's goal. Every case is timed on both
// backends in every round (1 thread first, then 2); a figure is the median
// over rounds. Outputs are checked bit-identical between the two backends.
//
//   npm run bench:threads                  all figures (~3 min on a quiet machine)
//   npm run bench:threads -- --rounds 5    fewer rounds
//   npm run bench:threads -- --thresholds  where splitting starts to pay, per kernel family
//
// Plain loops, no harness: a case is { name, run(backend) → step function };
// porting onto an alternating-rounds harness means handing it these cases.
import { mkdirSync, writeFileSync } from 'node:fs';
import { arch, cpus } from 'node:os';
import '../src/node/index.js';
import { Generator, createBackend, losses, nn, optim, scope, tensor, type Backend } from '../src/index.js';
import { supportedVariants } from '../src/backend/wasm.js';
import { Binary, Reduce, Unary } from '../src/backend/opcodes.js';

const arg = (name: string) => {
  const i = process.argv.indexOf(name);
  return i < 0 ? undefined : process.argv[i + 1];
};
const ROUNDS = Number(arg('--rounds') ?? 15);
/** Wall time each measurement of a case aims at. */
const TARGET_MS = 60;
const variant = supportedVariants()[0];
const one = createBackend({ kernels: variant });
const two = createBackend({ kernels: variant, threads: 2 });

const g = new Generator(11);
const values = (n: number) => Float32Array.from({ length: n }, () => 2 * g.uniform() - 1);

interface Case {
  name: string;
  /** Work per step for the throughput column (e.g. 2N³ flops), and its unit. */
  per?: { amount: number; unit: string };
  /** A step on `backend`, prepared once; `check` returns the outputs compared bit for bit. */
  setup: (backend: Backend) => { step: () => void; check?: () => Float32Array[] };
}

/** Seconds per call of `step`, over `reps` calls. */
function time(step: () => void, reps: number): number {
  const t0 = performance.now();
  for (let i = 0; i < reps; i++) step();
  return (performance.now() - t0) / 1e3 / reps;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[xs.length >> 1];

interface Figure {
  name: string;
  one: number;
  two: number;
  identical: boolean | null;
  per?: Case['per'];
}

/** Times every case on both backends, alternating within each round; returns median seconds per call. */
function measure(cases: Case[]): Figure[] {
  const prepared = cases.map((c) => ({ c, on: [one, two].map((b) => c.setup(b)) }));
  // Warm up (V8 tiers the kernels up) and choose repetitions so a measurement takes about TARGET_MS;
  // both backends run the same steps, so their outputs can be compared.
  const reps = prepared.map(({ on }) => {
    const [t] = on.map((s) => time(s.step, 8));
    return Math.max(1, Math.round(TARGET_MS / 1e3 / t));
  });
  const samples = prepared.map(() => [[] as number[], [] as number[]]);
  for (let round = 0; round < ROUNDS; round++) {
    prepared.forEach(({ on }, i) => on.forEach((s, b) => samples[i][b].push(time(s.step, reps[i]))));
    process.stdout.write(`\rround ${round + 1}/${ROUNDS}`);
  }
  process.stdout.write('\n');
  return prepared.map(({ c, on }, i) => {
    const outs = on.map((s) => s.check?.());
    const identical = outs[0] === undefined ? null : outs[0].every((o, k) => Buffer.from(o.buffer).equals(Buffer.from(outs[1]![k].buffer)));
    return { name: c.name, one: median(samples[i][0]), two: median(samples[i][1]), identical, per: c.per };
  });
}

const FORMS = [[0, 0], [1, 0], [0, 1], [1, 1]] as const;
const formName = (ta: number, tb: number) => `${ta ? 'Aᵀ' : 'A'}·${tb ? 'Bᵀ' : 'B'}`;

function matmulCase(n: number, ta: number, tb: number): Case {
  const [a, b] = [values(n * n), values(n * n)];
  return {
    name: `matmul N=${n} ${formName(ta, tb)}`,
    per: { amount: 2 * n ** 3 / 1e9, unit: 'GFLOP/s' },
    setup: (backend) => {
      const [x, y, c] = [a, b, new Float32Array(n * n)].map((v) => tensor(v, [n, n], { backend }).keep());
      return {
        step: () => backend.kernels.matmul(x.ptr, y.ptr, c.ptr, n, n, n, ta, tb, 0),
        check: () => [Float32Array.from(c.data())],
      };
    },
  };
}

const SIZES = [784, 256, 10];

/** One training step of an MLP 784-256-10 (ReLU, softmax cross-entropy, Adam) at a batch size. */
function mlpCase(batch: number): Case {
  const xs = values(batch * SIZES[0]).map(Math.abs);
  const labels = Int32Array.from({ length: batch }, (_, i) => (i * 7) % SIZES[2]);
  return {
    name: `MLP ${SIZES.join('-')} Adam step, batch ${batch}`,
    per: { amount: batch, unit: 'samples/s' },
    setup: (backend) => {
      const model = new nn.MLP(SIZES, { backend, seed: 1 });
      const opt = new optim.Adam(model.parameters(), { lr: 1e-3 });
      const x = tensor(xs, [batch, SIZES[0]], { backend }).keep();
      const y = tensor(labels, undefined, { backend }).keep();
      return {
        step: () => {
          scope(() => losses.crossEntropy(model.forward(x), y).backward());
          opt.step();
          opt.zeroGrad();
        },
        check: () => model.parameters().map((p) => Float32Array.from(p.data())),
      };
    },
  };
}

/** A 1-element call: on 2 threads the pool's round trip (one element on each thread), on 1 a direct call. */
const dispatchCase: Case = {
  name: 'dispatch: 1-element kernel call',
  setup: (backend) => {
    const at = backend.memory.alloc(128);
    const pool = backend.pool;
    const calls = [[at, 1, 1], [at + 64, 1, 1]];
    return { step: pool ? () => void pool.run('fill', calls) : () => backend.kernels.fill(at, 1, 1) };
  },
};

function report(figures: Figure[]): string[] {
  const lines = [
    `threads bench: wasm-${variant}, 1 thread vs 2, ${ROUNDS} rounds alternating; Node ${process.version}, ${cpus()[0]?.model ?? '?'} × ${cpus().length}`,
    '',
    '| case | 1 thread | 2 threads | 2 ÷ 1 | bit-identical |',
    '|---|---|---|---|---|',
  ];
  const fmt = (s: number, per?: Case['per']) => (per ? `${(per.amount / s).toPrecision(4)} ${per.unit}` : `${(s * 1e6).toFixed(3)} µs`);
  for (const f of figures) {
    lines.push(`| ${f.name} | ${fmt(f.one, f.per)} | ${fmt(f.two, f.per)} | ${(f.one / f.two).toFixed(2)}× | ${f.identical === null ? '—' : f.identical ? 'yes' : 'NO'} |`);
  }
  return lines;
}

function goals(figures: Figure[]): string[] {
  const speedup = (re: RegExp) => figures.filter((f) => re.test(f.name)).map((f) => f.one / f.two);
  const matmul = speedup(/^matmul/);
  const dispatch = figures.find((f) => f.name.startsWith('dispatch'))!;
  const rows: [string, string, number, boolean][] = [
    ['matmul N ≥ 256, every form, 2 threads ÷ 1 (slowest case)', '≥ 1.85×', Math.min(...matmul), Math.min(...matmul) >= 1.85],
    ['MLP 784-256-10 b128 Adam step, 2 threads ÷ 1', '≥ 1.7×', speedup(/batch 128$/)[0], speedup(/batch 128$/)[0] >= 1.7],
    ['dispatch overhead, 2 threads − 1 (µs)', '≤ 2', (dispatch.two - dispatch.one) * 1e6, (dispatch.two - dispatch.one) * 1e6 <= 2],
    ['step at batch 1, 2 threads ÷ 1', '≥ 1×', speedup(/batch 1$/)[0], speedup(/batch 1$/)[0] >= 1],
    ['step at batch 8, 2 threads ÷ 1', '≥ 1×', speedup(/batch 8$/)[0], speedup(/batch 8$/)[0] >= 1],
  ];
  return ['', '| goal | target | measured | holds |', '|---|---|---|---|', ...rows.map(([f, t, m, ok]) => `| ${f} | ${t} | ${m.toFixed(2)} | ${ok ? 'yes' : 'NO'} |`)];
}

/**
 * Where a split starts to pay: per kernel family, 1 thread against 2 threads
 * splitting every call (threadThreshold 0), over sizes; src/backend/parallel.ts's
 * MIN_WORK are the sizes from which 2 threads won.
 */
function thresholds(): void {
  const split = createBackend({ kernels: variant, threads: 2, threadThreshold: 0 });
  const families: [string, number[], (b: Backend, n: number) => () => void][] = [
    ['binary add (copy)', [2 ** 12, 2 ** 13, 2 ** 14, 2 ** 15, 2 ** 16, 2 ** 17], (b, n) => {
      const [x, y] = [values(n), values(n)].map((v) => tensor(v, undefined, { backend: b }).keep());
      return () => b.kernels.binary(Binary.Add, x.ptr, y.ptr, x.ptr, n);
    }],
    ['unary exp (map)', [2 ** 10, 2 ** 11, 2 ** 12, 2 ** 13, 2 ** 14, 2 ** 15], (b, n) => {
      const x = tensor(values(n), undefined, { backend: b }).keep();
      const out = tensor(values(n), undefined, { backend: b }).keep();
      return () => b.kernels.unary(Unary.Exp, x.ptr, out.ptr, n, 0, 0);
    }],
    ['adam (map)', [2 ** 10, 2 ** 11, 2 ** 12, 2 ** 13, 2 ** 14, 2 ** 15], (b, n) => {
      const [p, gr, m, v] = [0, 1, 2, 3].map(() => tensor(values(n).map(Math.abs), undefined, { backend: b }).keep());
      return () => b.kernels.adam(p.ptr, gr.ptr, m.ptr, v.ptr, 0, n, 1, 0, 1, 0.1, 0.999, 0.001, 1e-3, 0, 1, 1e-8, 0, 0);
    }],
    ['softmax-CE rows×10, total (map)', [2 ** 6, 2 ** 8, 2 ** 10, 2 ** 12], (b, rows) => {
      const x = tensor(values(rows * 10), [rows, 10], { backend: b }).keep();
      const [lse, probs, out] = [[rows], [rows, 10], [1]].map((s) => tensor(new Float32Array(s.reduce((p, d) => p * d, 1)), s, { backend: b }).keep());
      const y = tensor(Int32Array.from({ length: rows }, (_, i) => i % 10), undefined, { backend: b }).keep();
      return () => b.kernels.softmaxXentSparse(x.ptr, y.ptr, lse.ptr, probs.ptr, out.ptr, rows, 10, 0, 1 / rows, 1);
    }],
    ['reduce sum (reduce)', [2 ** 13, 2 ** 14, 2 ** 15, 2 ** 16, 2 ** 17], (b, n) => {
      const x = tensor(values(n), undefined, { backend: b }).keep();
      const out = tensor([0], undefined, { backend: b }).keep();
      return () => b.kernels.reduce(Reduce.Sum, x.ptr, out.ptr, 1, n, 1);
    }],
    ['matmul n×n×n (multiply-adds)', [16, 32, 48, 64, 96, 128], (b, n) => {
      const [x, y, c] = [0, 1, 2].map(() => tensor(values(n * n), [n, n], { backend: b }).keep());
      return () => b.kernels.matmul(x.ptr, y.ptr, c.ptr, n, n, n, 0, 0, 0);
    }],
  ];
  const lines = ['| family | size | 1 thread | 2 threads | 2 ÷ 1 |', '|---|---|---|---|---|'];
  for (const [family, sizes, make] of families) {
    for (const n of sizes) {
      const [a, b] = [make(one, n), make(split, n)];
      for (const f of [a, b]) time(f, 200);
      const reps = Math.max(10, Math.round(TARGET_MS / 4 / 1e3 / time(a, 50)));
      const s: number[][] = [[], []];
      for (let round = 0; round < ROUNDS; round++) [a, b].forEach((f, i) => s[i].push(time(f, reps)));
      const [t1, t2] = s.map(median);
      lines.push(`| ${family} | ${n} | ${(t1 * 1e6).toFixed(2)} µs | ${(t2 * 1e6).toFixed(2)} µs | ${(t1 / t2).toFixed(2)}× |`);
      console.log(lines[lines.length - 1]);
    }
  }
  split.dispose();
}

if (process.argv.includes('--thresholds')) {
  thresholds();
} else {
  const cases = [
    ...[256, 512, 1024].flatMap((n) => FORMS.map(([ta, tb]) => matmulCase(n, ta, tb))),
    mlpCase(128),
    dispatchCase,
    mlpCase(1),
    mlpCase(8),
  ];
  const figures = measure(cases);
  const lines = [...report(figures), ...goals(figures)];
  console.log(lines.join('\n'));
  mkdirSync('bench/results', { recursive: true });
  const machine = { node: process.version, arch: arch(), cpu: cpus()[0]?.model ?? 'unknown', cores: cpus().length };
  writeFileSync('bench/results/threads.json', JSON.stringify({ suite: 'threads', date: new Date().toISOString(), variant, rounds: ROUNDS, machine, figures }, null, 2));
  writeFileSync('bench/results/threads.md', `${lines.join('\n')}\n`);
  console.log('\nwritten: bench/results/threads.json, bench/results/threads.md');
}
two.dispose();
