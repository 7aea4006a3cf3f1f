// The matmul kernel on every backend against a float64 product computed here:
// all four transpose forms, with and without accumulation, on the shapes of
// the issue and on shapes that hit every edge of assembly/matmul.ts's blocking.
//
// Agreement is per entry: |c − ref| ≤ tol · (Σ_p |a_ip·b_pj| + |c0| when
// accumulating), the scale of float rounding in that dot product, so entries
// that cancel to near zero are held to the size of their terms, not to zero.
import { describe, expect, it } from 'vitest';
import { Generator, matmul, scope, tensor, type Backend } from '../../src/index.js';
import { js32, js64, threadCounts, wasmBackends } from '../helpers/backends.js';

const backends: Backend[] = [...wasmBackends, js32, js64];
const tolerance = (b: Backend) => (b.dtype === 'float64' ? 1e-12 : 1e-5);

const FORMS = [[0, 0], [1, 0], [0, 1], [1, 1]] as const;
const formName = (ta: number, tb: number) => `${ta ? 'Aᵀ' : 'A'}·${tb ? 'Bᵀ' : 'B'}`;

/** Floats exact in float32, so every backend stores the same inputs. */
function values(count: number, seed: number): Float64Array {
  const g = new Generator(seed);
  return Float64Array.from({ length: count }, () => Math.fround(2 * g.uniform() - 1));
}

interface Problem {
  m: number;
  k: number;
  n: number;
  ta: number;
  tb: number;
  a: Float64Array;
  b: Float64Array;
  c0: Float64Array;
  /** op(A)·op(B) and Σ_p |op(A)_ip · op(B)_pj|, in float64. */
  product: Float64Array;
  scale: Float64Array;
}

function problem(m: number, k: number, n: number, ta: number, tb: number): Problem {
  const seed = ((m * 31 + k) * 31 + n) * 4 + 2 * ta + tb;
  const a = values(m * k, seed);
  const b = values(k * n, seed + 1e6);
  const c0 = values(m * n, seed + 2e6);
  const product = new Float64Array(m * n);
  const scale = new Float64Array(m * n);
  for (let i = 0; i < m; i++) {
    for (let j = 0; j < n; j++) {
      let s = 0;
      let t = 0;
      for (let p = 0; p < k; p++) {
        const x = a[ta ? p * m + i : i * k + p] * b[tb ? j * k + p : p * n + j];
        s += x;
        t += Math.abs(x);
      }
      product[i * n + j] = s;
      scale[i * n + j] = t;
    }
  }
  return { m, k, n, ta, tb, a, b, c0, product, scale };
}

// Operands laid out in one buffer with guard values between them: an odd
// guard length puts A, B and C off 16-byte alignment (as batched matmul's
// offsets can), and the guards catch writes past C's edges.
const GUARD = 3;

/** Runs the raw kernel; returns C and whether anything outside C changed. */
function runKernel(backend: Backend, p: Problem, accumulate: number): { c: Float64Array; outsideIntact: boolean } {
  return scope(() => {
    const parts = [p.a, p.b, p.c0];
    const flat = new Float64Array(GUARD + parts.reduce((s, x) => s + x.length + GUARD, 0));
    flat.set(values(flat.length, 99));
    const offsets: number[] = [];
    let at = GUARD;
    for (const part of parts) {
      offsets.push(at);
      flat.set(part, at);
      at += part.length + GUARD;
    }
    const buf = tensor(flat, [flat.length], { backend });
    const e = backend.bytesPerElement;
    const [pa, pb, pc] = offsets.map((o) => buf.ptr + o * e);
    backend.kernels.matmul(pa, pb, pc, p.m, p.k, p.n, p.ta, p.tb, accumulate);
    const after = buf.data();
    const cStart = offsets[2];
    const outsideIntact = after.every((v, i) => (i >= cStart && i < cStart + p.m * p.n) || v === flat[i]);
    return { c: Float64Array.from(after.subarray(cStart, cStart + p.m * p.n)), outsideIntact };
  });
}

/** The worst entry's error as a fraction of its allowed error (≤ 1 passes). */
function worst(p: Problem, c: Float64Array, accumulate: number, tol: number): { ratio: number; where: string } {
  let ratio = 0;
  let where = '';
  for (let i = 0; i < c.length; i++) {
    const want = p.product[i] + (accumulate ? p.c0[i] : 0);
    const allowed = tol * (p.scale[i] + (accumulate ? Math.abs(p.c0[i]) : 0));
    const r = c[i] === want ? 0 : Math.abs(c[i] - want) / allowed;
    if (!(r <= ratio)) {
      ratio = r;
      where = `C[${Math.floor(i / p.n)}, ${i % p.n}] = ${c[i]}, want ${want}`;
    }
  }
  return { ratio, where };
}

function checkShape(m: number, k: number, n: number): void {
  for (const [ta, tb] of FORMS) {
    const p = problem(m, k, n, ta, tb);
    for (const backend of backends) {
      for (const accumulate of [0, 1]) {
        const label = `${backend.label} ${m}×${k}×${n} ${formName(ta, tb)}${accumulate ? ' + C' : ''}`;
        const { c, outsideIntact } = runKernel(backend, p, accumulate);
        expect(outsideIntact, `${label}: wrote outside C`).toBe(true);
        const { ratio, where } = worst(p, c, accumulate, tolerance(backend));
        expect(ratio, `${label}: ${where}`).toBeLessThanOrEqual(1);
      }
    }
  }
}

describe('matmul kernel: every transpose form, with and without accumulate, against float64', () => {
  it('runs on every Wasm variant this runtime has and on js float32/float64', () => {
    const kinds = backends.map((b) => `${b.name}-${b.name === 'wasm' ? b.variant : b.dtype}`);
    expect(kinds).toEqual(expect.arrayContaining(['wasm-simd', 'wasm-scalar', 'js-float32', 'js-float64']));
    // npm run test:relaxed sets SUBGRAD_RELAXED=1 and runs the workers with relaxed SIMD enabled.
    if (process.env.SUBGRAD_RELAXED === '1') expect(kinds).toContain('wasm-relaxed');
    // npm run test:threads: every Wasm backend is threaded, with each count asked for.
    if (threadCounts.length > 0) expect(wasmBackends.map((b) => b.threads)).toEqual(wasmBackends.map((_, i) => threadCounts[i % threadCounts.length]));
  });

  it.each([
    [1, 1, 1],
    [3, 5, 7],
    [17, 33, 9],
    [127, 257, 65],
    [256, 256, 256],
  ])('%i×%i×%i', (m, k, n) => checkShape(m, k, n));

  // The Wasm kernel's blocking: a 4×8 register tile, A blocks of 64 rows,
  // B blocks of 256 columns, depth blocks of at most 256 (split evenly).
  it.each([
    [4, 8, 8], // exactly one register tile
    [5, 3, 9], // one past the tile in m and n
    [3, 7, 5], // less than one tile in m and n
    [64, 256, 256], // exactly one cache block of each kind
    [65, 513, 257], // one past every cache block; depth splits 3 ways
    [68, 1, 264], // whole tiles crossing the A and B block edges; depth 1
    [2, 600, 3], // skinny, long depth
    [130, 40, 1], // one column
    [1, 70, 129], // one row
  ])('blocking edge %i×%i×%i', (m, k, n) => checkShape(m, k, n));

  it('k = 0 gives zeros, or leaves C unchanged when accumulating', () => {
    for (const backend of backends) {
      for (const [ta, tb] of FORMS) {
        const p = problem(5, 0, 9, ta, tb);
        expect(Array.from(runKernel(backend, p, 0).c), backend.label).toEqual(new Array(45).fill(0));
        expect(runKernel(backend, p, 1).c, backend.label).toEqual(p.c0);
      }
    }
  });
});

describe('matmul op on the kernel', () => {
  it('forward and both gradients (the transposed forms) agree with float64', () => {
    const [m, k, n] = [19, 37, 11];
    const p = problem(m, k, n, 0, 0);
    const g = values(m * n, 7);
    for (const backend of backends) {
      scope(() => {
        const a = tensor(Array.from(p.a), [m, k], { backend, requiresGrad: true });
        const b = tensor(Array.from(p.b), [k, n], { backend, requiresGrad: true });
        const c = matmul(a, b);
        c.backward(tensor(Array.from(g), [m, n], { backend }));
        const tol = tolerance(backend);
        const close = (got: ArrayLike<number>, want: (i: number) => number, bound: (i: number) => number, what: string) => {
          for (let i = 0; i < got.length; i++) {
            expect(Math.abs(got[i] - want(i)), `${backend.label} ${what}[${i}]`).toBeLessThanOrEqual(tol * bound(i));
          }
        };
        close(c.data(), (i) => p.product[i], (i) => p.scale[i], 'C');
        // dA = G·Bᵀ and dB = Aᵀ·G.
        const dot = (len: number, x: (q: number) => number, y: (q: number) => number, abs = false) => {
          let s = 0;
          for (let q = 0; q < len; q++) s += abs ? Math.abs(x(q) * y(q)) : x(q) * y(q);
          return s;
        };
        const dA = (i: number, abs?: boolean) =>
          dot(n, (j) => g[Math.floor(i / k) * n + j], (j) => p.b[(i % k) * n + j], abs);
        const dB = (i: number, abs?: boolean) =>
          dot(m, (r) => p.a[r * k + Math.floor(i / n)], (r) => g[r * n + (i % n)], abs);
        close(a.grad!.data(), (i) => dA(i), (i) => dA(i, true), 'dA');
        close(b.grad!.data(), (i) => dB(i), (i) => dB(i, true), 'dB');
        a.dispose();
        b.dispose();
      });
    }
  });
});
