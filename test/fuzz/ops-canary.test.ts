// Op fuzz with canaries: random shapes (ranks 0–6, zero-length axes, random
// broadcasting) through every op family, forward and backward, on backends
// whose every allocation is followed by a guard zone (createBackend({
// guardBytes })): any write past an output or a temporary is caught, and
// every Wasm variant must agree with the float64 reference.
import { describe, expect, it } from 'vitest';
import * as sg from '../../src/index.js';
import { wasmBackendsWith } from '../helpers/backends.js';

const guarded = {
  reference: sg.createBackend({ backend: 'js', dtype: 'float64', guardBytes: 64 }),
  wasm: wasmBackendsWith({ guardBytes: 64 }),
};

type Case = { name: string; shapes: number[][]; fn: (...xs: sg.Tensor[]) => sg.Tensor; positive?: boolean };

const pick = <T>(g: sg.Generator, xs: readonly T[]): T => xs[Math.floor(g.uniform() * xs.length)];
const dim = (g: sg.Generator) => pick(g, [0, 1, 1, 2, 3, 3, 5]);

function randomShape(g: sg.Generator, rank: number): number[] {
  const shape = Array.from({ length: rank }, () => dim(g));
  // Keep tensors small: shrink the largest axes until at most 400 elements.
  while (shape.reduce((a, b) => a * b, 1) > 400) shape[shape.indexOf(Math.max(...shape))] -= 1;
  return shape;
}

/** A shape that broadcasts to `out`: a suffix of it with some axes set to 1. */
function broadcastable(g: sg.Generator, out: number[]): number[] {
  const rank = Math.floor(g.uniform() * (out.length + 1));
  return out.slice(out.length - rank).map((d) => (g.uniform() < 0.3 ? 1 : d));
}

const intTensor = (values: number[], like: sg.Tensor) => sg.tensor(new Int32Array(values), undefined, { backend: like.backend });

function randomCase(g: sg.Generator): Case {
  const kind = pick(g, ['binary', 'unary', 'reduce', 'shape', 'matmul', 'index', 'loss'] as const);
  const rank = Math.floor(g.uniform() * 7);
  const out = randomShape(g, rank);
  // Deep nests with an empty axis are where loops over leading axes go wrong: make them common.
  if (rank >= 5 && g.uniform() < 0.5) {
    out.forEach((_, i) => (out[i] = pick(g, [2, 3])));
    out[Math.floor(g.uniform() * (rank - 2))] = 0;
  }
  if (kind === 'binary') {
    const [name, f] = pick(g, [
      ['add', sg.add], ['sub', sg.sub], ['mul', sg.mul], ['div', sg.div], ['maximum', sg.maximum], ['minimum', sg.minimum],
    ] as const);
    const [a, b] = g.uniform() < 0.5 ? [out, broadcastable(g, out)] : [broadcastable(g, out), out];
    return { name: `${name} ${JSON.stringify(a)} ${JSON.stringify(b)}`, shapes: [a, b], fn: (x, y) => f(x, y), positive: name === 'div' };
  }
  if (kind === 'unary') {
    const [name, f, positive] = pick(g, [
      ['exp', sg.exp, false], ['log', sg.log, true], ['sqrt', sg.sqrt, true], ['square', sg.square, false], ['abs', sg.abs, false],
      ['relu', (x: sg.Tensor) => sg.relu(x), false], ['neg', sg.neg, false], ['clamp', (x: sg.Tensor) => sg.clamp(x, -0.5, 0.5), false],
      ['log1p', sg.log1p, true], ['expm1', sg.expm1, false], ['tanh', sg.nn.functional.tanh, false], ['sigmoid', sg.nn.functional.sigmoid, false],
      ['softplus', sg.nn.functional.softplus, false], ['pow 3', (x: sg.Tensor) => sg.pow(x, 3), false], ['affine', (x: sg.Tensor) => sg.add(sg.mul(x, 1.5), 2), false],
    ] as const);
    return { name: `${name} ${JSON.stringify(out)}`, shapes: [out], fn: (x) => f(x), positive };
  }
  if (kind === 'reduce') {
    const [name, f] = pick(g, [['sum', sg.sum], ['mean', sg.mean], ['max', sg.max], ['min', sg.min]] as const);
    const axes = out.map((_, i) => i).filter(() => g.uniform() < 0.5);
    // max/min over an empty axis have no element to pick: reduce over the non-empty axes only.
    const usable = name === 'max' || name === 'min' ? axes.filter((a) => out[a] > 0) : axes;
    const keepdims = g.uniform() < 0.5;
    const axis = usable.length === 0 && g.uniform() < 0.5 && !(name === 'max' || name === 'min') ? undefined : usable;
    if ((name === 'max' || name === 'min') && axis === undefined && out.includes(0)) return randomCase(g);
    return { name: `${name} ${JSON.stringify(out)} axes ${JSON.stringify(axis)} keepdims ${keepdims}`, shapes: [out], fn: (x) => f(x, axis, keepdims) };
  }
  if (kind === 'shape') {
    const which = pick(g, ['reshape', 'transpose', 'concat', 'slice', 'expand'] as const);
    if (which === 'reshape') return { name: `reshape ${JSON.stringify(out)}`, shapes: [out], fn: (x) => sg.mul(sg.reshape(x, [-1]), 2) };
    if (which === 'transpose') {
      const s = randomShape(g, 2);
      return { name: `transpose ${JSON.stringify(s)}`, shapes: [s], fn: (x) => sg.mul(sg.transpose(x), 3) };
    }
    if (which === 'concat' && rank > 0) {
      const axis = Math.floor(g.uniform() * rank);
      const other = out.map((d, i) => (i === axis ? dim(g) : d));
      return { name: `concat ${JSON.stringify(out)} ${JSON.stringify(other)} axis ${axis}`, shapes: [out, other], fn: (a, b) => sg.concat([a, b], axis) };
    }
    if (which === 'slice') {
      const begin = out.map((d) => Math.floor(g.uniform() * (d + 1)));
      const size = out.map((d, i) => Math.floor(g.uniform() * (d - begin[i] + 1)));
      return { name: `slice ${JSON.stringify(out)} at ${JSON.stringify(begin)} size ${JSON.stringify(size)}`, shapes: [out], fn: (x) => sg.slice(x, begin, size) };
    }
    const src = broadcastable(g, out);
    return { name: `expand ${JSON.stringify(src)} to ${JSON.stringify(out)}`, shapes: [src], fn: (x) => sg.expand(x, out) };
  }
  if (kind === 'matmul') {
    const [m, k, n] = [dim(g), dim(g), dim(g)];
    if (g.uniform() < 0.3) {
      const b = dim(g);
      return { name: `bmm [${b},${m},${k}]·[${b},${k},${n}]`, shapes: [[b, m, k], [b, k, n]], fn: (x, y) => sg.matmul(x, y) };
    }
    return { name: `matmul [${m},${k}]·[${k},${n}]`, shapes: [[m, k], [k, n]], fn: (x, y) => sg.matmul(x, y) };
  }
  if (kind === 'index') {
    const rows = 1 + dim(g);
    const cols = dim(g);
    const count = dim(g);
    const idx = Array.from({ length: count }, () => Math.floor(g.uniform() * rows));
    if (g.uniform() < 0.5 || cols === 0) {
      return { name: `gather [${rows},${cols}] rows ${JSON.stringify(idx)}`, shapes: [[rows, cols]], fn: (x) => sg.gather(x, intTensor(idx, x)) };
    }
    const labels = Array.from({ length: rows }, () => Math.floor(g.uniform() * cols));
    return { name: `pick [${rows},${cols}] ${JSON.stringify(labels)}`, shapes: [[rows, cols]], fn: (x) => sg.pick(x, intTensor(labels, x)) };
  }
  const rows = dim(g);
  const cols = 1 + dim(g);
  const labels = Array.from({ length: rows }, () => Math.floor(g.uniform() * cols));
  const [name, f] = pick(g, [
    ['crossEntropy', (x: sg.Tensor) => sg.losses.crossEntropy(x, intTensor(labels, x), { reduction: 'sum' })],
    ['crossEntropy none', (x: sg.Tensor) => sg.losses.crossEntropy(x, intTensor(labels, x), { reduction: 'none' })],
    ['mse', (x: sg.Tensor) => sg.losses.mse(x, sg.zeros(x.shape, { backend: x.backend }), { reduction: 'sum' })],
    ['softmax', (x: sg.Tensor) => sg.nn.functional.softmax(x)],
  ] as const);
  return { name: `${name} [${rows},${cols}]`, shapes: [[rows, cols]], fn: (x) => f(x) };
}

function values(g: sg.Generator, shape: number[], positive: boolean): number[] {
  return Array.from({ length: shape.reduce((a, b) => a * b, 1) }, () => (positive ? 0.2 + Math.abs(g.normal()) : g.normal()));
}

type Outcome = { out: number[]; grads: number[][] } | { error: string };

/** Forward and backward on a guarded backend, guards verified after each pass; a typed refusal is an outcome too. */
function run(c: Case, inputs: number[][], upstreamSeed: number, backend: sg.Backend): Outcome {
  try {
    return runChecked(c, inputs, upstreamSeed, backend);
  } catch (e) {
    if (!(e instanceof sg.SubgradError || e instanceof sg.ArgumentError)) throw e;
    backend.memory.checkGuards();
    return { error: e.name };
  }
}

function runChecked(c: Case, inputs: number[][], upstreamSeed: number, backend: sg.Backend) {
  const result = sg.scope(() => {
    const xs = inputs.map((v, i) => sg.tensor(v, c.shapes[i], { backend, requiresGrad: true }));
    const y = c.fn(...xs);
    backend.memory.checkGuards();
    const g = new sg.Generator(upstreamSeed);
    const u = Array.from({ length: y.size }, () => g.normal());
    y.backward(sg.tensor(u, y.shape, { backend }));
    backend.memory.checkGuards();
    return { out: Array.from(y.data()), grads: xs.map((x) => Array.from(x.grad?.data() ?? new Float64Array(x.size))) };
  });
  backend.memory.checkGuards();
  return result;
}

function worstError(got: number[], want: number[]): number {
  expect(got.length).toBe(want.length);
  const scale = want.reduce((m, v) => (Number.isFinite(v) ? Math.max(m, Math.abs(v)) : m), 0);
  let worst = 0;
  want.forEach((w, i) => {
    if (Object.is(got[i], w) || (Number.isNaN(got[i]) && Number.isNaN(w))) return;
    worst = Math.max(worst, Math.abs(got[i] - w) / Math.max(Math.abs(w), 1e-3 * scale, 1e-6));
  });
  return worst;
}

describe('op fuzz with canaries', () => {
  it('1,500 random cases: no write past any allocation, every Wasm variant agrees with float64, memory returns to where it was', () => {
    const g = new sg.Generator(2026);
    let refused = 0;
    const before = [guarded.reference, ...guarded.wasm].map((b) => sg.memoryStats(b));
    for (let n = 0; n < 1500; n++) {
      const c = randomCase(g);
      const inputs = c.shapes.map((s) => values(g, s, c.positive ?? false));
      const ref = run(c, inputs, n, guarded.reference);
      if ('error' in ref) refused++;
      for (const backend of guarded.wasm) {
        const got = run(c, inputs, n, backend);
        if ('error' in ref || 'error' in got) {
          expect(got, `case ${n} (${c.name}) on ${backend.label}`).toEqual(ref);
          continue;
        }
        const err = Math.max(worstError(got.out, ref.out), ...got.grads.map((gr, i) => worstError(gr, ref.grads[i])));
        if (!(err < 2e-4)) throw new Error(`case ${n} (${c.name}) on ${backend.label}: relative error ${err}`);
      }
    }
    expect(refused).toBeLessThan(150); // most cases compute: the fuzz is not only testing refusals
    [guarded.reference, ...guarded.wasm].forEach((b, i) => {
      const s = sg.memoryStats(b);
      expect(s.persistentBytes).toBe(before[i].persistentBytes);
      expect(s.arenaBytes).toBe(0);
    });
  });

  it('a broadcast with a zero-length axis writes nothing (it once wrote 16 values into a neighbour)', () => {
    for (const backend of [guarded.reference, ...guarded.wasm]) {
      const neighbour = sg.full([32], 42, { backend }).keep();
      const out = sg.scope(() => {
        const r = sg.add(sg.full([0, 2, 1, 2, 1, 2], 5, { backend }), sg.full([1, 1, 2, 1, 2, 1], 7, { backend }));
        backend.memory.checkGuards();
        return r;
      });
      expect(out.shape).toEqual([0, 2, 2, 2, 2, 2]);
      expect(Array.from(neighbour.data()).every((v) => v === 42)).toBe(true);
      neighbour.dispose();
    }
  });
});
