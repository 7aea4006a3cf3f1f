// L-BFGS as torch.optim.LBFGS (after minFunc): two-loop recursion over the
// last historySize steps, with a strong-Wolfe line search (cubic
// interpolation, bracketing then zoom), a backtracking Armijo search, or a
// fixed step lr. The parameters of its one group are contiguous, so the flat
// parameter and gradient vectors PyTorch gathers are views here. Vectors are
// kept in the backend's float type and allocated once; the cost of a step is
// the closure's evaluations, so the vector work is plain TypeScript.
import { ArgumentError, CheckpointError } from '../errors.js';
import { Optimizer, checkBuffer, evaluate, type Closure, type GroupSpec, type NamedParams, type OptimizerOptions } from './optimizer.js';
import type { Run } from './store.js';
import { checkLr } from './validate.js';
import { checkInteger, checkNumber, checkOneOf, show } from '../check.js';

export interface LBFGSOptions {
  /** The initial step length of each iteration (the fixed step without a line search). */
  lr: number;
  /** Iterations per step(). */
  maxIter: number;
  /** Closure evaluations per step(); null for ⌊1.25·maxIter⌋. */
  maxEval: number | null;
  /** Stop when max |g| falls to this. */
  toleranceGrad: number;
  /** Stop when the loss or the step changes by less. */
  toleranceChange: number;
  historySize: number;
  lineSearch: 'strongWolfe' | 'armijo' | null;
}

type Vec = Float32Array | Float64Array;

const defaults: LBFGSOptions = {
  lr: 1, maxIter: 20, maxEval: null, toleranceGrad: 1e-7, toleranceChange: 1e-9, historySize: 100, lineSearch: null,
};
/** Sufficient decrease and curvature constants, and the line search's evaluation budget (PyTorch's). */
const C1 = 1e-4;
const C2 = 0.9;
const MAX_LS = 25;

const dot = (a: Vec, b: Vec) => {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i] * b[i];
  return s;
};
const maxAbs = (a: Vec) => {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]));
  return m;
};
const sumAbs = (a: Vec) => {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += Math.abs(a[i]);
  return s;
};
/** y ← y + alpha·x */
const axpy = (alpha: number, x: Vec, y: Vec) => {
  for (let i = 0; i < y.length; i++) y[i] += alpha * x[i];
};

/** Minimiser of the cubic through (x1, f1, g1) and (x2, f2, g2), clamped to the bounds; their midpoint if it has none. */
function cubicMinimum(x1: number, f1: number, g1: number, x2: number, f2: number, g2: number, bounds?: [number, number]): number {
  const [lo, hi] = bounds ?? (x1 <= x2 ? [x1, x2] : [x2, x1]);
  const d1 = g1 + g2 - (3 * (f1 - f2)) / (x1 - x2);
  const d2sq = d1 * d1 - g1 * g2;
  if (d2sq >= 0) {
    const d2 = Math.sqrt(d2sq);
    const t = x1 <= x2 ? x2 - (x2 - x1) * ((g2 + d2 - d1) / (g2 - g1 + 2 * d2)) : x1 - (x1 - x2) * ((g1 + d2 - d1) / (g1 - g2 + 2 * d2));
    if (Number.isFinite(t)) return Math.min(Math.max(t, lo), hi);
  }
  return (lo + hi) / 2;
}

/** f at x + t·d, with the gradient there written to `out`. */
type Objective = (t: number, out: Vec) => number;

interface SearchResult {
  loss: number;
  /** The gradient at the accepted point (one of the search's arrays, or g). */
  grad: Vec;
  t: number;
  evals: number;
}

/** Sufficient decrease then curvature |g·d| ≤ −c₂·g₀·d: bracketing, then zoom (Nocedal & Wright, Alg. 3.5–3.6). */
export function strongWolfe(obj: Objective, t: number, d: Vec, f: number, g: Vec, gtd: number, tolChange: number, work: Vec[]): SearchResult {
  const [a, b, c] = work;
  const dNorm = maxAbs(d);
  a.set(g);
  let fNew = obj(t, b);
  let evals = 1;
  let gtdNew = dot(b, d);
  let tPrev = 0, fPrev = f, gtdPrev = gtd;
  let bracket: number[] = [], bf: number[] = [], bgtd: number[] = [], bg: Vec[] = [];
  let done = false;
  let iter = 0;
  for (; iter < MAX_LS; iter++) {
    const tooFar = fNew > f + C1 * t * gtd || (iter > 1 && fNew >= fPrev);
    if (!tooFar && Math.abs(gtdNew) <= -C2 * gtd) {
      [bracket, bf, bg, done] = [[t], [fNew], [b], true];
      break;
    }
    if (tooFar || gtdNew >= 0) {
      [bracket, bf, bg, bgtd] = [[tPrev, t], [fPrev, fNew], [a, b], [gtdPrev, gtdNew]];
      break;
    }
    const next = cubicMinimum(tPrev, fPrev, gtdPrev, t, fNew, gtdNew, [t + 0.01 * (t - tPrev), t * 10]);
    [tPrev, fPrev, gtdPrev] = [t, fNew, gtdNew];
    a.set(b);
    t = next;
    fNew = obj(t, b);
    evals++;
    gtdNew = dot(b, d);
  }
  if (iter === MAX_LS) [bracket, bf, bg, bgtd] = [[0, t], [f, fNew], [g, b], [gtd, gtdNew]];

  // Zoom: shrink the bracket until its low end satisfies both conditions.
  let low = bf[0] <= bf[bf.length - 1] ? 0 : 1;
  let high = 1 - low;
  let insufficientProgress = false;
  while (!done && iter < MAX_LS) {
    if (Math.abs(bracket[1] - bracket[0]) * dNorm < tolChange) break;
    t = cubicMinimum(bracket[0], bf[0], bgtd[0], bracket[1], bf[1], bgtd[1]);
    // Too close to an end (twice, or outside): move 10% of the bracket inwards.
    const [lo, hi] = [Math.min(...bracket), Math.max(...bracket)];
    const margin = 0.1 * (hi - lo);
    if (Math.min(hi - t, t - lo) < margin) {
      if (insufficientProgress || t >= hi || t <= lo) {
        t = Math.abs(t - hi) < Math.abs(t - lo) ? hi - margin : lo + margin;
        insufficientProgress = false;
      } else insufficientProgress = true;
    } else insufficientProgress = false;
    fNew = obj(t, c);
    evals++;
    gtdNew = dot(c, d);
    iter++;
    if (fNew > f + C1 * t * gtd || fNew >= bf[low]) {
      [bracket[high], bf[high], bgtd[high]] = [t, fNew, gtdNew];
      bg[high].set(c);
      [low, high] = bf[0] <= bf[1] ? [0, 1] : [1, 0];
    } else {
      if (Math.abs(gtdNew) <= -C2 * gtd) done = true;
      else if (gtdNew * (bracket[high] - bracket[low]) >= 0) {
        // The old low end becomes the high end.
        [bracket[high], bf[high], bgtd[high]] = [bracket[low], bf[low], bgtd[low]];
        bg[high].set(bg[low]);
      }
      [bracket[low], bf[low], bgtd[low]] = [t, fNew, gtdNew];
      bg[low].set(c);
    }
  }
  return { loss: bf[low], grad: bg[low], t: bracket[low], evals };
}

/** Halve t until f(x + t·d) ≤ f + c₁·t·g·d; after MAX_LS tries, stay put (t = 0). */
export function armijo(obj: Objective, t: number, f: number, g: Vec, gtd: number, out: Vec): SearchResult {
  for (let evals = 1; evals <= MAX_LS; evals++, t /= 2) {
    const fNew = obj(t, out);
    if (fNew <= f + C1 * t * gtd) return { loss: fNew, grad: out, t, evals };
  }
  return { loss: f, grad: g, t: 0, evals: MAX_LS };
}

/** What persists between steps, as PyTorch's state of its first parameter. */
class LbfgsState {
  funcEvals = 0;
  nIter = 0;
  t = 0;
  hDiag = 1;
  prevLoss = 0;
  /** Direction, previous flat gradient, the gradient, a copy of the parameters and three line-search arrays. */
  readonly d: Vec;
  readonly prevGrad: Vec;
  readonly g: Vec;
  readonly x: Vec;
  readonly work: Vec[];
  /** Curvature pairs y = Δg, s = Δx with ρ = 1/yᵀs, oldest first. */
  dirs: Vec[] = [];
  stps: Vec[] = [];
  ro: number[] = [];
  al: number[] = [];
  /** Pairs to reuse, and pairs dropped during the current step: reused only once it succeeds, as an undo puts them back. */
  private spare: [Vec, Vec][] = [];
  private retired: [Vec, Vec][] = [];

  constructor(readonly make: (n: number) => Vec, readonly n: number) {
    [this.d, this.prevGrad, this.g, this.x, ...this.work] = Array.from({ length: 7 }, () => make(n));
  }

  /** Appends a pair written by fill, dropping the oldest beyond `size`. */
  push(size: number, ro: number, fill: (y: Vec, s: Vec) => void): void {
    while (this.dirs.length >= size) {
      this.retired.push([this.dirs.shift()!, this.stps.shift()!]);
      this.ro.shift();
    }
    const [y, s] = this.spare.pop() ?? [this.make(this.n), this.make(this.n)];
    fill(y, s);
    this.dirs.push(y);
    this.stps.push(s);
    this.ro.push(ro);
  }

  /** Records what a step may change; the function returned puts it back. */
  save(): () => void {
    const scalars = [this.funcEvals, this.nIter, this.t, this.hDiag, this.prevLoss];
    const [d, prevGrad] = [this.d.slice(), this.prevGrad.slice()];
    const [dirs, stps, ro] = [[...this.dirs], [...this.stps], [...this.ro]];
    return () => {
      [this.funcEvals, this.nIter, this.t, this.hDiag, this.prevLoss] = scalars;
      this.d.set(d);
      this.prevGrad.set(prevGrad);
      // Pairs the step made or took become spares; the ones it dropped are history again.
      const kept = new Set(dirs);
      const touched: [Vec, Vec][] = [...this.dirs.map((y, i): [Vec, Vec] => [y, this.stps[i]]), ...this.retired];
      for (const pair of touched) if (!kept.has(pair[0])) this.spare.push(pair);
      this.retired = [];
      [this.dirs, this.stps, this.ro] = [dirs, stps, ro];
    };
  }

  /** After a step that succeeded: the pairs it dropped may be reused. */
  commit(): void {
    this.spare.push(...this.retired);
    this.retired = [];
  }
}

export class LBFGS extends Optimizer<LBFGSOptions> {
  protected readonly stateKeys = {};
  private lb: LbfgsState | null = null;

  constructor(params: NamedParams | readonly GroupSpec<LBFGSOptions>[], options: Partial<LBFGSOptions> & OptimizerOptions = {}) {
    super('LBFGS', params, defaults, options);
  }

  protected validate(o: LBFGSOptions, op: string, atStep: boolean): void {
    checkLr(op, o.lr, atStep);
    checkInteger(op, 'maxIter', o.maxIter, 1);
    if (o.maxEval !== null) checkInteger(op, 'maxEval', o.maxEval, 1);
    checkNumber(op, 'toleranceGrad', o.toleranceGrad, { min: 0 });
    checkNumber(op, 'toleranceChange', o.toleranceChange, { min: 0 });
    checkInteger(op, 'historySize', o.historySize, 1);
    checkOneOf(op, 'lineSearch', o.lineSearch, ['strongWolfe', 'armijo', null]);
  }

  /** One group only: the flat vectors span all parameters. */
  protected get oneGroup(): boolean {
    return true;
  }

  private state(): LbfgsState {
    const s = this.stores[0];
    return (this.lb ??= new LbfgsState((n) => (s.backend.dtype === 'float64' ? new Float64Array(n) : new Float32Array(n)), s.numel));
  }

  /** The flat parameters, a view re-derived after anything that may grow memory. */
  private params(): Vec {
    const s = this.stores[0];
    const at = s.params.ptr / s.bytesPerElement;
    return s.backend.floats.subarray(at, at + s.numel);
  }

  /** Runs the closure and copies the flat gradient (0 for parameters without one) to `out`. */
  private evaluateInto(closure: Closure, op: string, out: Vec): number {
    const loss = evaluate(closure, op);
    const s = this.stores[0];
    const present = s.gradients(op, 0);
    s.collect();
    present.forEach((has, i) => has || s.slot[i]().storage.fill(0));
    const at = s.grads.ptr / s.bytesPerElement;
    out.set(s.backend.floats.subarray(at, at + s.numel));
    return loss;
  }

  /**
   * Runs up to maxIter L-BFGS iterations; the closure must zero the
   * gradients, compute the loss, call backward() and return the loss. Returns
   * the loss at the starting point. Trial points of a line search with a
   * non-finite loss count as +∞. When anything throws (the closure, or a
   * non-finite gradient), the parameters, their gradients and the L-BFGS
   * state are put back as they were at the call.
   */
  step(closure?: Closure): number {
    const op = 'LBFGS.step';
    this.assertUsable(op);
    if (typeof closure !== 'function') throw new ArgumentError(op, 'needs a closure that computes the loss and calls backward()');
    const o = this.paramGroups[0];
    this.check(o, op, true);
    const store = this.stores[0];
    store.checkParams(op, 0);
    const st = this.state();
    const start = this.params().slice();
    const undo = [store.saveGrads(), st.save()];
    try {
      const loss = this.iterate(closure, o, st, op);
      st.commit();
      return loss;
    } catch (e) {
      this.params().set(start);
      undo.forEach((restore) => restore());
      throw e;
    }
  }

  /** The iterations of one step; returns the loss at the starting point. */
  private iterate(closure: Closure, o: LBFGSOptions, st: LbfgsState, op: string): number {
    const store = this.stores[0];
    const { d, g, x } = st;
    const maxEval = o.maxEval ?? Math.floor((o.maxIter * 5) / 4);
    const origLoss = this.evaluateInto(closure, op, g);
    const all: Run = { start: 0, end: store.tensors.length, offset: 0, n: store.numel, scalars: {} };
    if (!this.gradientsFinite([[all]], op)) return origLoss;
    let loss = origLoss;
    let evals = 1;
    st.funcEvals++;
    if (maxAbs(g) <= o.toleranceGrad) return origLoss;

    const objective: Objective = (t, out) => {
      const p = this.params();
      for (let i = 0; i < p.length; i++) p[i] = x[i] + t * d[i];
      const f = this.evaluateInto(closure, op, out);
      this.params().set(x);
      return Number.isFinite(f) ? f : Infinity;
    };
    for (let iter = 1; iter <= o.maxIter; iter++) {
      st.nIter++;
      if (st.nIter === 1) {
        for (let i = 0; i < d.length; i++) d[i] = -g[i];
        st.dirs.length = st.stps.length = st.ro.length = 0;
        st.hDiag = 1;
      } else {
        this.updateDirection(st, o.historySize);
      }
      st.prevGrad.set(g);
      st.prevLoss = loss;
      let t = st.nIter === 1 ? Math.min(1, 1 / sumAbs(g)) * o.lr : o.lr;
      st.t = t;
      const gtd = dot(g, d);
      if (gtd > -o.toleranceChange) break;

      let lsEvals = 0;
      let optimal = false;
      if (o.lineSearch !== null) {
        x.set(this.params());
        const r = o.lineSearch === 'strongWolfe' ? strongWolfe(objective, t, d, loss, g, gtd, o.toleranceChange, st.work) : armijo(objective, t, loss, g, gtd, st.work[0]);
        [loss, t, lsEvals] = [r.loss, r.t, r.evals];
        g.set(r.grad);
        axpy(t, d, this.params());
        optimal = maxAbs(g) <= o.toleranceGrad;
      } else {
        axpy(t, d, this.params());
        if (iter !== o.maxIter) {
          loss = this.evaluateInto(closure, op, g);
          optimal = maxAbs(g) <= o.toleranceGrad;
          lsEvals = 1;
        }
      }
      st.t = t;
      evals += lsEvals;
      st.funcEvals += lsEvals;
      if (evals >= maxEval || optimal) break;
      if (maxAbs(d) * Math.abs(t) <= o.toleranceChange) break;
      if (Math.abs(loss - st.prevLoss) < o.toleranceChange) break;
    }
    return origLoss;
  }

  /** d = −H·g by the two-loop recursion, after adding the newest curvature pair when yᵀs > 1e-10. */
  private updateDirection(st: LbfgsState, historySize: number): void {
    const { d, g, prevGrad } = st;
    let ys = 0;
    let yy = 0;
    for (let i = 0; i < g.length; i++) {
      const y = g[i] - prevGrad[i];
      ys += y * d[i] * st.t;
      yy += y * y;
    }
    if (ys > 1e-10) {
      st.push(historySize, 1 / ys, (y, s) => {
        for (let i = 0; i < g.length; i++) {
          y[i] = g[i] - prevGrad[i];
          s[i] = d[i] * st.t;
        }
      });
      st.hDiag = ys / yy;
    }
    const k = st.dirs.length;
    for (let i = 0; i < d.length; i++) d[i] = -g[i];
    for (let i = k - 1; i >= 0; i--) {
      st.al[i] = dot(st.stps[i], d) * st.ro[i];
      axpy(-st.al[i], st.dirs[i], d);
    }
    for (let i = 0; i < d.length; i++) d[i] *= st.hDiag;
    for (let i = 0; i < k; i++) {
      const be = dot(st.dirs[i], d) * st.ro[i];
      axpy(st.al[i] - be, st.stps[i], d);
    }
  }

  protected saveExtra(push: (a: Float32Array | Float64Array) => number): unknown {
    const st = this.lb;
    if (!st || st.nIter === 0) return { funcEvals: st?.funcEvals ?? 0, nIter: 0 };
    const flat = (vs: Vec[]) => {
      const out = st.make(vs.length * st.n);
      vs.forEach((v, i) => out.set(v, i * st.n));
      return push(out);
    };
    return {
      funcEvals: st.funcEvals, nIter: st.nIter, t: st.t, hDiag: st.hDiag, prevLoss: st.prevLoss, ro: [...st.ro],
      d: push(st.d.slice()), prevGrad: push(st.prevGrad.slice()), dirs: flat(st.dirs), stps: flat(st.stps),
    };
  }

  protected loadExtra(extra: unknown, buffers: readonly unknown[], op: string): () => void {
    const e = (extra ?? {}) as Record<string, unknown>;
    if (typeof extra !== 'object' || extra === null) throw new CheckpointError(op, 'the state lacks the LBFGS iteration state');
    checkInteger(op, 'funcEvals', e.funcEvals, 0);
    checkInteger(op, 'nIter', e.nIter, 0);
    if (e.nIter === 0) {
      return () => {
        const st = this.state();
        [st.funcEvals, st.nIter] = [e.funcEvals as number, 0];
      };
    }
    for (const key of ['t', 'hDiag', 'prevLoss']) checkNumber(op, key, e[key]);
    const n = this.stores[0].numel;
    const ro = e.ro;
    const historySize = this.paramGroups[0].historySize;
    if (!Array.isArray(ro) || ro.length > historySize || !ro.every(Number.isFinite)) {
      throw new CheckpointError(op, `ro must be at most ${historySize} finite numbers, got ${show(ro)}`);
    }
    const [d, prevGrad] = ['d', 'prevGrad'].map((key) => checkBuffer(buffers, e[key], n, key, op));
    const [dirs, stps] = ['dirs', 'stps'].map((key) => checkBuffer(buffers, e[key], ro.length * n, key, op));
    return () => {
      const st = this.state();
      [st.funcEvals, st.nIter, st.t, st.hDiag, st.prevLoss] = [e.funcEvals, e.nIter, e.t, e.hDiag, e.prevLoss] as number[];
      st.d.set(d);
      st.prevGrad.set(prevGrad);
      st.dirs.length = st.stps.length = st.ro.length = 0;
      ro.forEach((r: number, k: number) =>
        st.push(historySize, r, (y, s) => {
          for (let i = 0; i < n; i++) [y[i], s[i]] = [dirs[k * n + i], stps[k * n + i]];
        }),
      );
    };
  }
}
