// Reference for assembly/reduce.ts.
import { Reduce } from '../opcodes.js';
import type { JsViews } from './views.js';

function combine(op: Reduce, acc: number, x: number): number {
  if (op === Reduce.Sum) return acc + x;
  if (op === Reduce.Max) return x > acc || x !== x ? x : acc;
  return x < acc || x !== x ? x : acc;
}

export function reduceKernels(v: JsViews) {
  const e = v.bytes;
  return {
    reduce(op: Reduce, x: number, out: number, outer: number, len: number, inner: number): void {
      const f = v.f;
      for (let o = 0; o < outer; o++)
        for (let i = 0; i < inner; i++) {
          const base = (x / e) + o * len * inner + i;
          let acc = op === Reduce.Sum ? 0 : f[base];
          for (let l = op === Reduce.Sum ? 0 : 1; l < len; l++) acc = combine(op, acc, f[base + l * inner]);
          f[(out / e) + o * inner + i] = acc;
        }
    },
    argReduce(op: Reduce, x: number, out: number, outer: number, len: number, inner: number): void {
      const f = v.f;
      const first = v.at(x);
      for (let o = 0; o < outer; o++)
        for (let i = 0; i < inner; i++) {
          const base = first + o * len * inner + i;
          let best = f[base];
          let at = 0;
          for (let l = 1; l < len && best === best; l++) {
            const val = f[base + l * inner];
            if (val !== val || (op === Reduce.Max ? val > best : val < best)) [best, at] = [val, l];
          }
          v.i32[v.at32(out) + o * inner + i] = at;
        }
    },
  };
}
