// The machine's limits for Wasm, measured in the same run as everything else:
// the compute peak (independent f32x4 mul+add chains; relaxed madd where the
// runtime has it) and the streaming bandwidth of the access patterns the
// optimizer updates have. Every matmul and MLP figure is also reported as a %
// of the peak, every optimizer update as a % of the bandwidth of its pattern.
//
// The kernels are AssemblyScript, generated here (one template per kind, the
// chain count and the pattern as parameters) and compiled in memory by asc.
import asc from 'assemblyscript/asc';
import { gbPerSecond, gflops, runSuite, type Contestant } from './harness.js';

/** Independent accumulator chains: 8 are latency-bound, 12 keep both FP pipes busy (mul 3 + add 3 cycles); 14 spill registers. */
const CHAINS = [8, 10, 12, 13];
const ITERATIONS = 1 << 20;
/** Floats per array: the optimizer suite's 1,000,000 parameters; and a size far beyond the 32 MB L3, for DRAM. */
const N = 1_000_000;
const N_DRAM = 16 * 1024 * 1024;

interface Pattern {
  name: string;
  reads: number;
  /** Arrays written in place (the first `writes` of those read), or 'copy': array 0 into array 1. */
  writes: number | 'copy';
  n: number;
}
export const PATTERNS: Pattern[] = [
  { name: 'read 1 array', reads: 1, writes: 0, n: N },
  { name: 'copy 1 array into another', reads: 1, writes: 'copy', n: N },
  { name: "SGD-momentum's: read 3, write 2 in place", reads: 3, writes: 2, n: N },
  { name: "Adam's: read 4, write 3 in place", reads: 4, writes: 3, n: N },
  { name: 'copy, 64 MB arrays (DRAM)', reads: 1, writes: 'copy', n: N_DRAM },
];
export const patternBytes = (p: Pattern) => 4 * (p.reads + (p.writes === 'copy' ? 1 : p.writes));

function peakSource(chains: number, fused: boolean): string {
  const c = Array.from({ length: chains }, (_, i) => `c${i}`);
  const step = (x: string) => (fused ? `f32x4.relaxed_madd(${x}, a, b)` : `f32x4.add(f32x4.mul(${x}, a), b)`);
  return `
export function peak${chains}(iterations: i32, x: f32, y: f32): f32 {
  const a = f32x4.splat(x), b = f32x4.splat(y);
  ${c.map((v, i) => `let ${v} = f32x4.splat(${1 + i / 64});`).join(' ')}
  for (let i = 0; i < iterations; i++) {
    ${c.map((v) => `${v} = ${step(v)};`).join('\n    ')}
  }
  return f32x4.extract_lane(${c.reduce((s, v) => `f32x4.add(${s}, ${v})`)}, 0);
}`;
}

function streamSource(p: Pattern, index: number): string {
  const arrays = Array.from({ length: p.reads }, (_, k) => k);
  const sum = arrays.map((k) => `v128.load(base + ${k} * stride + o)`).reduce((s, x) => `f32x4.add(${s}, ${x})`);
  const body =
    p.writes === 'copy'
      ? `v128.store(base + stride + o, v128.load(base + o));`
      : p.writes === 0
        ? // Four accumulators, or the add's latency (not memory) would bound the read.
          [0, 1, 2, 3].map((u) => `acc${u} = f32x4.add(acc${u}, v128.load(base + o, ${16 * u}));`).join(' ')
        : `const s = ${sum};\n    ${Array.from({ length: p.writes }, (_, k) => `v128.store(base + ${k} * stride + o, s);`).join(' ')}`;
  return `
export function stream${index}(base: usize, n: i32, stride: usize): f32 {
  let acc0 = f32x4.splat(0), acc1 = acc0, acc2 = acc0, acc3 = acc0;
  for (let o: usize = 0; o < <usize>n * 4; o += ${p.writes === 0 ? 64 : 16}) {
    ${body}
  }
  return f32x4.extract_lane(f32x4.add(f32x4.add(acc0, acc1), f32x4.add(acc2, acc3)), 0);
}`;
}

async function compile(source: string, relaxed: boolean): Promise<WebAssembly.Module | null> {
  const enable = relaxed ? ['simd', 'relaxed-simd'] : ['simd'];
  const { error, binary, stderr } = await asc.compileString(source, { optimizeLevel: 3, runtime: 'stub', noAssert: true, enable, importMemory: true });
  if (error || !binary) throw new Error(`limits: asc failed: ${stderr.toString()}`);
  // Node 20 validates relaxed SIMD only with --experimental-wasm-relaxed-simd.
  const bytes = new Uint8Array(binary);
  return WebAssembly.validate(bytes) ? new WebAssembly.Module(bytes) : null;
}

function instantiate(module: WebAssembly.Module, bytes: number) {
  const memory = new WebAssembly.Memory({ initial: Math.ceil(bytes / 65536) + 1 });
  const instance = new WebAssembly.Instance(module, { env: { memory, abort: () => { throw new Error('limits: abort'); } } });
  return instance.exports as Record<string, (...args: number[]) => number>;
}

const simdModule = await compile(CHAINS.map((c) => peakSource(c, false)).join('\n') + PATTERNS.map(streamSource).join('\n'), false);
const fusedModule = await compile(CHAINS.map((c) => peakSource(c, true)).join('\n'), true);
const largest = Math.max(...PATTERNS.map((p) => (p.writes === 'copy' ? 2 : p.reads) * p.n * 4));
const simd = instantiate(simdModule!, largest + 65536);
const fused = fusedModule ? instantiate(fusedModule, 65536) : null;

const MUL_ADD = 'f32x4 mul + add';
const MADD = 'f32x4 relaxed madd';

async function measure() {
  const compute = await runSuite(
    'limits-compute',
    CHAINS.map((chains) => ({
      name: `compute peak, ${chains} independent chains`,
      contestants: [
        { name: MUL_ADD, fn: () => void simd[`peak${chains}`](ITERATIONS, 0.999, 0.001) },
        ...(fused ? [{ name: MADD, fn: () => void fused[`peak${chains}`](ITERATIONS, 0.999, 0.001) }] : []),
      ],
      metrics: [gflops(ITERATIONS * chains * 8)],
    })),
  );
  const best = (kind: string) => {
    const rs = Object.values(compute).flatMap((r) => r.filter((x) => x.contestant === kind));
    return rs.length ? Math.max(...rs.map((r) => r.metrics[0].median)) : undefined;
  };
  const stream = await runSuite(
    'limits-bandwidth',
    PATTERNS.map((p, i) => ({
      name: `stream: ${p.name}, ${p.n.toLocaleString('en')} floats per array`,
      contestants: [{ name: 'wasm simd', fn: () => void simd[`stream${i}`](65536, p.n, p.n * 4) }],
      metrics: [gbPerSecond(patternBytes(p) * p.n)],
    })),
  );
  const bandwidth: Record<string, number> = Object.fromEntries(PATTERNS.map((p, i) => [p.name, Object.values(stream)[i][0].metrics[0].median]));
  return { mulAdd: best(MUL_ADD)!, madd: best(MADD), bandwidth };
}

export const limits = await measure();
for (const [kind, value] of [['mul+add', limits.mulAdd], ['relaxed madd', limits.madd]] as const) {
  if (value !== undefined) console.log(`compute peak, ${kind}: ${value.toPrecision(4)} GFLOP/s (the best chain count)`);
}

/** The compute peak a contestant is measured against: madd for code that uses relaxed SIMD (jax-js does when it can). */
export function peakFor(contestant: string): number {
  const relaxed = contestant.startsWith('wasm-relaxed') || contestant.startsWith('jax-js');
  return relaxed && limits.madd !== undefined ? limits.madd : limits.mulAdd;
}

/** The streaming bandwidth (GB/s) of the access pattern named. */
export const bandwidthOf = (pattern: string): number => limits.bandwidth[pattern];

/** The stream kernel of a pattern as a contestant, to pair with the update it bounds in the same rounds. */
export function streamContestant(pattern: string): Contestant {
  const i = PATTERNS.findIndex((p) => p.name === pattern);
  return { name: 'stream, same pattern', fn: () => void simd[`stream${i}`](65536, PATTERNS[i].n, PATTERNS[i].n * 4) };
}
