// The core op table: every op of src/ops at random points, at its kinks, and
// on every Wasm variant against the float64 reference.
import * as sg from '../../src/index.js';
import type { Generator, Tensor } from '../../src/index.js';
import { describeOpTable, type OpRow } from '../helpers/optable.js';

const positive = (g: Generator) => 0.2 + Math.abs(g.normal());
const int32 = (values: number[], like: Tensor) => sg.tensor(new Int32Array(values), undefined, { backend: like.backend });
/** Row indices 0, 2, 4, … (wrapping), repeats included: exercises scatter-add in gather's backward. */
const everyOther = (rows: number, count: number) => Array.from({ length: count }, (_, i) => (2 * i) % rows);

const rows: OpRow[] = [
  { name: 'add (row broadcast)', fn: (a, b) => sg.add(a, b), shapes: (n) => [[n, 4], [4]] },
  { name: 'add (number)', fn: (a) => sg.add(a, 2.5), shapes: (n) => [[n]] },
  { name: 'number - number × tensor', fn: (a) => sg.sub(3, sg.mul(-1.5, a)), shapes: (n) => [[n]] },
  { name: 'tensor - number, number + tensor', fn: (a) => sg.add(0.5, sg.sub(a, 2)), shapes: (n) => [[n]] },
  { name: 'add (rank-0 tensor)', fn: (a, b) => sg.add(a, b), shapes: (n) => [[n], []] },
  { name: 'sub (both broadcast)', fn: (a, b) => sg.sub(a, b), shapes: (n) => [[n, 1], [1, 3]] },
  { name: 'mul (column broadcast)', fn: (a, b) => sg.mul(a, b), shapes: (n) => [[2, n], [2, 1]] },
  { name: 'mul (rank 5 broadcast)', fn: (a, b) => sg.mul(a, b), shapes: (n) => [[2, 1, 3, n, 2], [2, 2, 1, 1, 2]], gradSizes: [1, 2] },
  { name: 'div', fn: (a, b) => sg.div(a, b), shapes: (n) => [[n], [n]], sample: (g, i) => (i === 1 ? Math.sign(g.normal()) * positive(g) : g.normal()) },
  { name: 'neg', fn: (a) => sg.neg(a), shapes: (n) => [[n]] },
  { name: 'matmul', fn: (a, b) => sg.matmul(a, b), shapes: (n) => [[n, 4], [4, 3]] },
  { name: 'matmul (batched)', fn: (a, b) => sg.matmul(a, b), shapes: (n) => [[2, n, 3], [2, 3, 2]] },
  { name: 'matmul (batch · matrix)', fn: (a, b) => sg.matmul(a, b), shapes: (n) => [[2, n, 3], [3, 2]] },
  { name: 'sum (all)', fn: (a) => sg.sum(a), shapes: (n) => [[n, 3]], convex: true },
  { name: 'sum (axis 0, keepdims)', fn: (a) => sg.sum(a, 0, true), shapes: (n) => [[n, 3]] },
  { name: 'sum (axes 0 and 2)', fn: (a) => sg.sum(a, [0, 2]), shapes: (n) => [[2, n, 3]] },
  { name: 'mean (axis -1)', fn: (a) => sg.mean(a, -1), shapes: (n) => [[3, n]] },
  {
    name: 'max (all)', fn: (a) => sg.max(a), shapes: (n) => [[n, 2]], convex: true,
    kinks: [[[2, 2, 1]], [[5, -1, 5, 5]]],
  },
  { name: 'max (axis 1)', fn: (a) => sg.max(a, 1), shapes: (n) => [[n, 5]], kinks: [[[[1, 3, 3], [0, 0, -1]]]] },
  { name: 'min (axis 0, keepdims)', fn: (a) => sg.min(a, 0, true), shapes: (n) => [[5, n]], kinks: [[[[1, -2], [1, -2]]]] },
  { name: 'maximum', fn: (a, b) => sg.maximum(a, b), shapes: (n) => [[n], [n]], kinks: [[[1, 2, -3], [1, 0, -3]]] },
  { name: 'minimum (broadcast)', fn: (a, b) => sg.minimum(a, b), shapes: (n) => [[n, 2], [2]], kinks: [[[[0.5, 1]], [0.5, 2]]] },
  { name: 'exp', fn: (a) => sg.exp(a), shapes: (n) => [[n]] },
  { name: 'log', fn: (a) => sg.log(a), shapes: (n) => [[n]], sample: positive },
  { name: 'log1p', fn: (a) => sg.log1p(a), shapes: (n) => [[n]], sample: (g) => positive(g) - 0.9 },
  { name: 'expm1', fn: (a) => sg.expm1(a), shapes: (n) => [[n]] },
  { name: 'sqrt', fn: (a) => sg.sqrt(a), shapes: (n) => [[n]], sample: positive },
  { name: 'square', fn: (a) => sg.square(a), shapes: (n) => [[n]] },
  { name: 'pow 2.5', fn: (a) => sg.pow(a, 2.5), shapes: (n) => [[n]], sample: positive },
  { name: 'pow 3', fn: (a) => sg.pow(a, 3), shapes: (n) => [[n]] },
  { name: 'abs', fn: (a) => sg.abs(a), shapes: (n) => [[n]], kinks: [[[0, 1.5, -2]]] },
  { name: 'sum(abs) is convex at 0', fn: (a) => sg.sum(sg.abs(a)), shapes: (n) => [[n]], convex: true, kinks: [[[0, 0, 3]]] },
  { name: 'sign', fn: (a) => sg.sign(a), shapes: (n) => [[n]] },
  { name: 'clamp', fn: (a) => sg.clamp(a, -0.5, 0.7), shapes: (n) => [[n]], kinks: [[[-0.5, 0.7, 0.1]]] },
  { name: 'relu', fn: (a) => sg.relu(a), shapes: (n) => [[n]], kinks: [[[0, -1, 2]]] },
  { name: 'relu (subgradientAtZero 0.7)', fn: (a) => sg.relu(a, { subgradientAtZero: 0.7 }), shapes: (n) => [[n]], kinks: [[[0, 0.5]]] },
  {
    name: 'where',
    fn: (a, b) => sg.where(sg.tensor(Array.from({ length: a.size }, (_, i) => i % 2), a.shape, { backend: a.backend }), a, b),
    shapes: (n) => [[n], [n]],
  },
  { name: 'where (broadcast scalar branch)', fn: (a) => sg.where(sg.tensor([1, 0, 1], [3, 1], { backend: a.backend }), a, -1), shapes: (n) => [[3, n]] },
  { name: 'reshape', fn: (a) => sg.reshape(a, [-1, 2]).mul(sg.tensor([1, -2], undefined, { backend: a.backend })), shapes: (n) => [[n, 2]] },
  { name: 'transpose', fn: (a) => sg.transpose(a).mul(sg.tensor([[1], [-2], [3]], undefined, { backend: a.backend })), shapes: (n) => [[n, 3]] },
  { name: 'concat (axis 1)', fn: (a, b) => sg.concat([a, b], 1), shapes: (n) => [[n, 2], [n, 3]] },
  { name: 'concat (axis 0)', fn: (a, b) => sg.concat([a, b, a]), shapes: (n) => [[n, 2], [1, 2]] },
  { name: 'slice', fn: (a) => sg.slice(a, [1, 0], [-1, 2]), shapes: (n) => [[n + 1, 3]] },
  { name: 'expand', fn: (a) => sg.expand(a, [2, 3, a.shape[1]]), shapes: (n) => [[3, n]] },
  { name: 'gather rows', fn: (a) => sg.gather(a, int32(everyOther(a.shape[0], a.shape[0] + 1), a)), shapes: (n) => [[n, 3]] },
  { name: 'pick', fn: (a) => sg.pick(a, int32(Array.from({ length: a.shape[0] }, (_, i) => i % 4), a)), shapes: (n) => [[n, 4]] },
  {
    name: 'composite sum(relu(x·W + b)²)',
    fn: (x, w, b) => sg.sum(sg.square(sg.relu(sg.add(sg.matmul(x, w), b)))),
    shapes: (n) => [[n, 3], [3, 4], [4]],
    convex: false,
  },
  {
    name: 'composite at relu kink: sum(relu(x·W + b))',
    fn: (x, w, b) => sg.sum(sg.relu(sg.add(sg.matmul(x, w), b))),
    shapes: (n) => [[n, 2], [2, 2], [2]],
    kinks: [[[[1, 2]], [[1, 0], [1, 1]], [-3, 1]]],
  },
];

describeOpTable('core ops', rows);
