// Every elementwise and reduction opcode, straight through the kernels, on
// every Wasm variant against the float64 reference at sizes that hit SIMD tails.
import { describe, expect, it } from 'vitest';
import { Binary, Reduce, Unary } from '../../src/backend/opcodes.js';
import { Generator, scope, tensor, type Backend, type Tensor } from '../../src/index.js';
import { awkwardSizes, js32, js64, wasmBackends } from '../helpers/backends.js';

const codes = (e: object) => Object.values(e).filter((v): v is number => typeof v === 'number');

/** Inputs with exact zeros, ties and NaN-free values inside each op's domain. */
function inputs(n: number, seed: number, positive: boolean): number[] {
  const g = new Generator(seed);
  return Array.from({ length: n }, (_, i) => (i % 5 === 0 ? (positive ? 1 : 0) : positive ? 0.1 + 3 * g.uniform() : 4 * g.normal()));
}

function compare(run: (b: Backend, t: (v: number[], shape?: number[]) => Tensor) => Tensor, tolerance = 3e-6) {
  const ref = scope(() => Array.from(run(js64, (v, s) => tensor(v, s, { backend: js64 })).data()));
  for (const backend of wasmBackends) {
    const got = scope(() => Array.from(run(backend, (v, s) => tensor(v, s, { backend })).data()));
    got.forEach((v, i) => {
      const want = ref[i];
      if (Number.isNaN(want)) expect(v, `${backend.label} [${i}]`).toBeNaN();
      else if (!Number.isFinite(want)) expect(v, `${backend.label} [${i}]`).toBe(want);
      else expect(Math.abs(v - want), `${backend.label} [${i}]: ${v} vs ${want}`).toBeLessThanOrEqual(tolerance * Math.max(1, Math.abs(want)));
    });
  }
}

/** compare(), and the reference's output, whose NaNs every backend must reproduce. */
function compareNaN(run: (b: Backend, t: (v: number[], shape?: number[]) => Tensor) => Tensor): number[] {
  compare(run);
  return scope(() => Array.from(run(js64, (v, s) => tensor(v, s, { backend: js64 })).data()));
}

describe('elementwise kernels agree with the js reference', () => {
  const positiveDomain = new Set([Unary.Log, Unary.Sqrt, Unary.Pow, Unary.Log1p, Unary.Recip]);
  it.each(codes(Unary).map((op) => [Unary[op], op] as const))('unary %s', (_name, op) => {
    for (const n of awkwardSizes) {
      compare((b, t) => {
        const x = t(inputs(n, n, positiveDomain.has(op)));
        const out = t(new Array(n).fill(0));
        b.kernels.unary(op, x.ptr, out.ptr, n, op === Unary.InRange || op === Unary.Clamp ? -1 : 0.5, 1.25);
        return out;
      });
    }
  });

  it.each(codes(Binary).map((op) => [Binary[op], op] as const))('binary %s, contiguous and broadcast', (_name, op) => {
    for (const n of awkwardSizes) {
      compare((b, t) => {
        const a = t(inputs(n, n, false));
        const c = t(inputs(n, n + 1, op === Binary.Div).map((v, i) => (i % 3 === 0 ? a.data()[i] : v)));
        const out = t(new Array(n).fill(0));
        b.kernels.binary(op, a.ptr, c.ptr, out.ptr, n);
        return out;
      });
      compare((b, t) => {
        const a = t(inputs(3 * n, n, false), [3, n]);
        const row = t(inputs(n, 7, op === Binary.Div));
        const out = t(new Array(3 * n).fill(0), [3, n]);
        b.kernels.binaryStrided(op, row.ptr, a.ptr, out.ptr, 1, 1, 3, n, 0, 0, 0, 1, 0, 0, n, 1);
        return out;
      });
    }
  });

  it.each(codes(Reduce).map((op) => [Reduce[op], op] as const))('reduce %s along every axis position', (_name, op) => {
    for (const n of awkwardSizes) {
      for (const [outer, len, inner] of [[1, n, 1], [2, n, 3], [3, 2, n], [1, 1, n]]) {
        compare((b, t) => {
          const x = t(inputs(outer * len * inner, n, false));
          const out = t(new Array(outer * inner).fill(0));
          b.kernels.reduce(op, x.ptr, out.ptr, outer, len, inner);
          return out;
        }, 1e-5);
      }
    }
  });

  it.each([Reduce.Max, Reduce.Min, Reduce.Sum].map((op) => [Reduce[op], op] as const))('reduce %s: a NaN anywhere (SIMD lane, second accumulator, tail) makes its output NaN, as in the reference', (_name, op) => {
    for (const n of [1, 3, 8, 9, 17, 33]) {
      for (let at = 0; at < n; at++) {
        // Contiguous rows ([1, n, 1]) and columns read four at a time ([1, n, 5]), the NaN in one of them.
        for (const inner of [1, 5]) {
          const x = inputs(n * inner, n + at, false);
          x[at * inner + (inner - 1)] = NaN;
          const got = compareNaN((b, t) => {
            const out = t(new Array(inner).fill(0));
            b.kernels.reduce(op, t(x).ptr, out.ptr, 1, n, inner);
            return out;
          });
          expect(Number.isNaN(got[inner - 1]), `n ${n}, NaN at ${at}, inner ${inner}`).toBe(true);
        }
      }
    }
  });

  it.each([Binary.Max, Binary.Min].map((op) => [Binary[op], op] as const))('binary %s propagates a NaN of either operand (PyTorch maximum/minimum)', (_name, op) => {
    for (const n of awkwardSizes) {
      const a = inputs(n, 1, false).map((v, i) => (i % 3 === 0 ? NaN : v));
      const c = inputs(n, 2, false).map((v, i) => (i % 3 === 1 ? NaN : v));
      const got = compareNaN((b, t) => {
        const out = t(new Array(n).fill(0));
        b.kernels.binary(op, t(a).ptr, t(c).ptr, out.ptr, n);
        return out;
      });
      got.forEach((v, i) => expect(Number.isNaN(v), `[${i}]`).toBe(i % 3 !== 2));
    }
  });

  it.each([Unary.Sign, Unary.Abs, Unary.Relu, Unary.Exp, Unary.Sqrt, Unary.Square].map((op) => [Unary[op], op] as const))('unary %s of NaN is NaN, as in PyTorch', (_name, op) => {
    for (const n of awkwardSizes) {
      const x = inputs(n, 3, op === Unary.Sqrt).map((v, i) => (i % 4 === 1 ? NaN : v));
      const got = compareNaN((b, t) => {
        const out = t(new Array(n).fill(0));
        b.kernels.unary(op, t(x).ptr, out.ptr, n, 0, 0);
        return out;
      });
      got.forEach((v, i) => expect(Number.isNaN(v), `[${i}]`).toBe(i % 4 === 1));
    }
  });

  it('strided copy with accumulation (the reduce-to-shape of broadcast gradients)', () => {
    for (const n of awkwardSizes) {
      compare((b, t) => {
        const src = t(inputs(4 * n, n, false), [4, n]);
        const dst = t(inputs(n, 3, false));
        b.kernels.stridedCopy(src.ptr, dst.ptr, 1, 1, 4, n, 0, 0, n, 1, 0, 0, 0, 1, 1);
        const col = t(inputs(4, 5, false));
        b.kernels.stridedCopy(src.ptr, col.ptr, 1, 1, 4, n, 0, 0, n, 1, 0, 0, 1, 0, 1);
        const both = t([...dst.data(), ...col.data()]);
        return both;
      }, 1e-5);
    }
  });

  it('select, fill, gather, scatter, pick and oneHot', () => {
    for (const n of awkwardSizes) {
      compare((b, t) => {
        const cond = t(inputs(n, 1, false).map((v, i) => (i % 2 ? v : 0)));
        const x = t(inputs(n, 2, false));
        const y = t(inputs(n, 3, false));
        const out = t(new Array(n).fill(0));
        b.kernels.select(cond.ptr, x.ptr, y.ptr, out.ptr, n);
        const filled = t(new Array(n).fill(0));
        b.kernels.fill(filled.ptr, n, -1.5);
        const idx = tensor(new Int32Array(Array.from({ length: n }, (_, i) => (i * 7) % 3)), undefined, { backend: b });
        const table = t(inputs(3 * n, 4, false), [3, n]);
        const rows = t(new Array(n * n).fill(0), [n, n]);
        b.kernels.gatherRows(table.ptr, idx.ptr, rows.ptr, n, n);
        b.kernels.scatterAddRows(rows.ptr, idx.ptr, table.ptr, n, n);
        const picked = t(new Array(n).fill(0));
        b.kernels.pick(rows.ptr, idx.ptr, picked.ptr, n, n);
        b.kernels.pickBackward(picked.ptr, idx.ptr, rows.ptr, n, n);
        const hot = t(new Array(n * 3).fill(7), [n, 3]);
        b.kernels.oneHot(idx.ptr, hot.ptr, n, 3);
        // A negative label: pick gives 0, pickBackward and oneHot skip the row.
        const some = tensor(new Int32Array(Array.from({ length: n }, (_, i) => (i % 3 === 1 ? -1 : i % 2))), undefined, { backend: b });
        b.kernels.pick(rows.ptr, some.ptr, picked.ptr, n, n);
        b.kernels.pickBackward(picked.ptr, some.ptr, rows.ptr, n, n);
        b.kernels.oneHot(some.ptr, hot.ptr, n, 3);
        return t([...out.data(), ...filled.data(), ...table.data(), ...rows.data(), ...picked.data(), ...hot.data()]);
      }, 1e-5);
    }
  });
});

/** Runs one unary opcode on the values through the kernels of a backend. */
function unaryOn(backend: Backend, op: Unary, x: number[]): number[] {
  return scope(() => {
    const t = tensor(x, undefined, { backend });
    const out = tensor(new Array(x.length).fill(0), undefined, { backend });
    backend.kernels.unary(op, t.ptr, out.ptr, x.length, 0, 0);
    return Array.from(out.data());
  });
}

describe('erf and erfc', () => {
  // The functions to 17 significant digits (a table, computed in 40-digit arithmetic), both sides of the series/fraction switch at 1.5.
  const erfTable: [number, number][] = [
    [1e-30, 1.1283791670955127e-30], [0.1, 0.1124629160182849], [0.5, 0.52049987781304654], [1, 0.84270079294971487],
    [1.4999999999999998, 0.9661051464753107], [1.5, 0.96610514647531073], [2, 0.99532226501895273], [3.5, 0.99999925690162766],
    [-0.75, -0.71115563365351513], [-2.5, -0.99959304798255504],
  ];
  const erfcTable: [number, number][] = [
    [0.5, 0.47950012218695346], [1.5, 0.033894853524689273], [2, 0.0046777349810472658], [3, 2.2090496998585441e-5],
    [5, 1.5374597944280349e-12], [10, 2.0884875837625448e-45], [20, 5.3958656116079009e-176], [26, 5.6631924088561428e-296],
    [-1, 1.8427007929497149], [-3, 1.9999779095030014],
  ];

  it('js float64 is within 2e-14 (relative) of the table, erfc relative-exact far into its tail', () => {
    for (const [op, table] of [[Unary.Erf, erfTable], [Unary.Erfc, erfcTable]] as const) {
      const got = unaryOn(js64, op, table.map(([x]) => x));
      got.forEach((v, i) => expect(Math.abs(v - table[i][1]) / Math.abs(table[i][1]), `${Unary[op]}(${table[i][0]})`).toBeLessThan(2e-14));
    }
  });

  it('agrees with numerical integration of (2/√π) e^(−t²) (Simpson, 2000 panels)', () => {
    const simpson = (x: number) => {
      const n = 2000;
      const h = x / n;
      let s = 0;
      for (let k = 0; k <= n; k++) s += (k === 0 || k === n ? 1 : k % 2 ? 4 : 2) * Math.exp(-((k * h) ** 2));
      return ((s * h) / 3) * (2 / Math.sqrt(Math.PI));
    };
    const xs = [0.3, 0.9, 1.2, 1.7, 2.4, 4];
    const got = unaryOn(js64, Unary.Erf, xs);
    xs.forEach((x, i) => expect(got[i]).toBeCloseTo(simpson(x), 12));
  });

  it.each([js64, js32, ...wasmBackends].map((b) => [b.label, b] as const))('special values: ±0, ±Inf, NaN, huge and tiny (%s)', (_l, backend) => {
    const x = [0, -0, Infinity, -Infinity, NaN, 1e30, -1e30, 1e-30, -1e-38];
    const e = unaryOn(backend, Unary.Erf, x);
    expect(Object.is(e[0], 0) && Object.is(e[1], -0)).toBe(true);
    expect(e.slice(2, 4)).toEqual([1, -1]);
    expect(e[4]).toBeNaN();
    expect(e.slice(5, 7)).toEqual([1, -1]);
    expect(e[7] / 1e-30).toBeCloseTo(2 / Math.sqrt(Math.PI), 6);
    expect(e[8] / -1e-38).toBeCloseTo(2 / Math.sqrt(Math.PI), 5);
    const c = unaryOn(backend, Unary.Erfc, x);
    expect([c[0], c[1], c[2], c[3]]).toEqual([1, 1, 0, 2]);
    expect(c[4]).toBeNaN();
    expect([c[5], c[6], c[7], c[8]]).toEqual([0, 2, 1, 1]);
    // The tail in float32: erfc(9) = 4.137e-37 is still a normal float32.
    expect(unaryOn(backend, Unary.Erfc, [9])[0] / 4.1370317465138102e-37).toBeCloseTo(1, 6);
  });
});

describe('argReduce (argmax, argmin)', () => {
  /** The first index of the extreme along the middle axis of [outer, len, inner], NaN counting as the extreme. */
  function reference(x: number[], outer: number, len: number, inner: number, max: boolean): number[] {
    const out: number[] = [];
    for (let o = 0; o < outer; o++)
      for (let i = 0; i < inner; i++) {
        let at = 0;
        for (let l = 1; l < len; l++) {
          const [v, best] = [x[(o * len + l) * inner + i], x[(o * len + at) * inner + i]];
          if (Number.isNaN(best)) break;
          if (Number.isNaN(v) || (max ? v > best : v < best)) at = l;
        }
        out.push(at);
      }
    return out;
  }

  it.each([js64, js32, ...wasmBackends].map((b) => [b.label, b] as const))('first index of ties, NaN wins, every axis position (%s)', (_l, backend) => {
    for (const n of awkwardSizes) {
      for (const [outer, len, inner] of [[1, n, 1], [2, n, 3], [3, 2, n], [1, 1, n]]) {
        // Small integers: many ties; a NaN in one position of a few lines.
        const g = new Generator(n + len);
        const x = Array.from({ length: outer * len * inner }, (_, i) => (i % 11 === 7 ? NaN : Math.round(3 * g.normal())));
        for (const op of [Reduce.Max, Reduce.Min]) {
          const got = scope(() => {
            const t = tensor(x, undefined, { backend });
            const out = tensor(new Int32Array(outer * inner), undefined, { backend });
            backend.kernels.argReduce(op, t.ptr, out.ptr, outer, len, inner);
            return Array.from(out.data());
          });
          expect(got, `${Reduce[op]} [${outer}, ${len}, ${inner}]`).toEqual(reference(x, outer, len, inner, op === Reduce.Max));
        }
      }
    }
  });
});
