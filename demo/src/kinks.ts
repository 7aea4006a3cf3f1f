// The kinks of a scalar function of one number, as the loss page marks them:
// the value subgrad returns there and the one-sided derivatives around it,
// with gradcheck's verdict. At a kink the slopes and the accepting test are
// gradcheck's own (report.kinks); at a smooth join (Huber's ±δ, say), where
// gradcheck lists none, the one-sided differences are computed here.
import { createBackend, gradcheck, scope, tensor, type Backend, type Tensor } from 'subgrad';

export interface KinkReport {
  /** Where: the function's argument. */
  at: number;
  /** Which input, element and output gradcheck examined (one of each here). */
  input: number;
  index: number;
  output: number;
  /** One-sided difference quotients (f(x) − f(x − ε))/ε and (f(x + ε) − f(x))/ε. */
  left: number;
  right: number;
  /** What backward() returns at x. */
  analytic: number;
  /** The one-sided differences disagree: a kink, not a smooth join. */
  kink: boolean;
  /** gradcheck accepted the analytic value, and by which test. */
  ok: boolean;
  test: string;
}

/** gradcheck's finite-difference step, and its tolerances (its defaults). */
const EPS = 1e-6;
const ATOL = 1e-5;
const RTOL = 1e-3;
let float64: Backend | null = null;

/** gradcheck at x of fn (elementwise on a one-element tensor), with what it found. */
export function kinkAt(fn: (x: Tensor) => Tensor, at: number): KinkReport {
  const backend = (float64 ??= createBackend({ backend: 'js', dtype: 'float64' }));
  const f = (x: Tensor) => fn(x).sum();
  const report = gradcheck(f, [[at]], { eps: EPS, atol: ATOL, rtol: RTOL, backend });
  const { left, right, analytic } = scope(() => {
    const value = (v: number) => f(tensor([v], undefined, { backend })).item();
    const f0 = value(at);
    const x = tensor([at], undefined, { backend, requiresGrad: true });
    f(x).backward();
    return { left: (f0 - value(at - EPS)) / EPS, right: (value(at + EPS) - f0) / EPS, analytic: x.grad!.item() };
  });
  const found = report.kinks[0];
  if (found) {
    return {
      at, input: found.input, index: found.index, output: found.output, left: found.left, right: found.right, analytic: found.analytic,
      kink: true, ok: report.ok, test: found.acceptedBy ?? 'rejected',
    };
  }
  return { at, input: 0, index: 0, output: 0, left, right, analytic, kink: false, ok: report.ok, test: '|analytic − central difference| ≤ atol + rtol·|central|' };
}
