// Shape arithmetic: sizes, strides, NumPy broadcasting, axis normalisation,
// and folding a strided loop nest into the 4-D form the kernels take.
import { ArgumentError, ShapeError } from './errors.js';

export type Shape = readonly number[];

export function sizeOf(shape: Shape): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}

export function sameShape(a: Shape, b: Shape): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

export function fmt(shape: Shape): string {
  return `[${shape.join(', ')}]`;
}

/** Row-major element strides. */
export function stridesOf(shape: Shape): number[] {
  const s = new Array<number>(shape.length);
  let acc = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    s[i] = acc;
    acc *= shape[i];
  }
  return s;
}

export function broadcastShapes(a: Shape, b: Shape, op: string): number[] {
  const n = Math.max(a.length, b.length);
  const out = new Array<number>(n);
  for (let i = 0; i < n; i++) {
    const da = a[a.length - n + i] ?? 1;
    const db = b[b.length - n + i] ?? 1;
    if (da !== db && da !== 1 && db !== 1) {
      throw new ShapeError(
        op,
        `shapes ${fmt(a)} and ${fmt(b)} cannot be broadcast together ` +
          `(dimension ${i} of the result: ${da} vs ${db}; sizes must match or one must be 1)`,
      );
    }
    out[i] = da === 1 ? db : da;
  }
  return out;
}

/** Strides of `shape` read as if broadcast to `target` (0 on broadcast axes). */
export function broadcastStrides(shape: Shape, target: Shape): number[] {
  const own = stridesOf(shape);
  const off = target.length - shape.length;
  return target.map((_, i) => (i < off || shape[i - off] === 1 ? 0 : own[i - off]));
}

export function normalizeAxis(axis: number, rank: number, op: string): number {
  if (!Number.isInteger(axis) || axis < -rank || axis >= Math.max(rank, 1)) {
    const got = typeof axis === 'number' ? String(axis) : typeof axis;
    throw new ArgumentError(op, `axis ${got} is out of range for a tensor of rank ${rank} (expected an integer in [${-rank}, ${Math.max(rank - 1, 0)}])`);
  }
  return axis < 0 ? axis + rank : axis;
}

/**
 * Runs a loop nest over `dims` in the kernels' 4-D form. Adjacent axes are
 * merged where every operand is contiguous across them, so most calls become
 * one kernel call; deeper nests loop in JS over their leading axes.
 * `visit` receives the element offsets of each operand and the 4-D dims and strides.
 */
export function forEach4D(
  dims: Shape,
  strides: number[][],
  visit: (offsets: number[], n: number[], s: number[][]) => void,
): void {
  // An empty index space has nothing to visit (the 4-D loop below would run its inner block once).
  if (dims.includes(0)) return;
  const d: number[] = [];
  const st: number[][] = strides.map(() => []);
  for (let i = 0; i < dims.length; i++) {
    if (dims[i] === 1) continue;
    const last = d.length - 1;
    if (last >= 0 && strides.every((s, k) => st[k][last] === s[i] * dims[i])) {
      d[last] *= dims[i];
      strides.forEach((s, k) => (st[k][last] = s[i]));
    } else {
      d.push(dims[i]);
      strides.forEach((s, k) => st[k].push(s[i]));
    }
  }
  while (d.length < 4) {
    d.unshift(1);
    st.forEach((s) => s.unshift(0));
  }
  const lead = d.length - 4;
  const inner = d.slice(lead);
  const innerStrides = st.map((s) => s.slice(lead));
  const offsets = strides.map(() => 0);
  const index = new Array<number>(lead).fill(0);
  for (;;) {
    visit(offsets, inner, innerStrides);
    let i = lead - 1;
    for (; i >= 0; i--) {
      index[i]++;
      st.forEach((s, k) => (offsets[k] += s[i]));
      if (index[i] < d[i]) break;
      st.forEach((s, k) => (offsets[k] -= s[i] * d[i]));
      index[i] = 0;
    }
    if (i < 0) return;
  }
}
