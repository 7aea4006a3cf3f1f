// Declared kinks, verified: each probe's op must return exactly the declared
// gradients at the probe's inputs, and those must pass gradcheck there (be a
// subgradient). gradcheck runs this for the custom ops its fn uses.
import { checkString, show } from '../check.js';
import { ArgumentError } from '../errors.js';
import { opTable, type Kink } from '../ops/define.js';
import { sum } from '../ops/reduce.js';
import { scope } from '../storage.js';
import { tensor, type NestedArray } from '../tensor.js';
import { gradcheck } from './index.js';
import { float64 } from './problem.js';
import type { GradcheckFailure, GradcheckReport } from './report.js';

export interface KinkCheck {
  op: string;
  /** The kink's `at`. */
  at: string;
  ok: boolean;
  /** The gradients the probe declares and those the op returns there (upstream all ones, float64 js), flat per input. */
  declared: number[][];
  returned: number[][];
  /** gradcheck of sum(probe.call(...)) at the probe's inputs (null when the probe could not run). */
  report: GradcheckReport | null;
  reason: string;
}

export interface KinkCheckReport {
  ok: boolean;
  checks: KinkCheck[];
}

const flat = (v: NestedArray): number[] => (Array.isArray(v) ? v.flatMap(flat) : [v]);

/** Set while probes run, so that their own gradchecks do not verify the same probes again. */
let probing = false;

function checkOne(op: string, k: Kink): KinkCheck {
  const declared = k.probe.grads.map(flat);
  const result: KinkCheck = { op, at: k.at, ok: false, declared, returned: [], report: null, reason: '' };
  const call = (...xs: Parameters<typeof k.probe.call>) => sum(k.probe.call(...xs));
  const was = probing;
  probing = true;
  try {
    result.returned = scope(() => {
      const xs = k.probe.inputs.map((v) => tensor(v, undefined, { backend: float64(), requiresGrad: true }));
      call(...xs).backward();
      return xs.map((x) => {
        const g = x.grad ? Array.from(x.grad.data()) : new Array<number>(x.size).fill(0);
        x.grad?.dispose();
        return g;
      });
    });
    result.report = gradcheck(call, k.probe.inputs);
  } catch (e) {
    result.reason = `the probe could not run: ${(e as Error).message}`;
    return result;
  } finally {
    probing = was;
  }
  const same = declared.length === result.returned.length && declared.every((d, i) =>
    d.length === result.returned[i].length && d.every((v, q) => Math.abs(v - result.returned[i][q]) <= 1e-9 * Math.max(1, Math.abs(v))));
  if (!same) result.reason = `the op returns ${show(result.returned)} at the probe, but the declaration says ${show(declared)}`;
  else if (!result.report.ok) result.reason = `the declared value is not a subgradient there: ${result.report.failures[0].reason}`;
  result.ok = same && result.report.ok;
  return result;
}

/**
 * Verifies the kink probes an op declares (`kinks` in its spec): built-in
 * ops, composites and custom ops from defineOp alike. Without a name, every
 * registered op's.
 */
export function checkKinks(name?: string): KinkCheckReport {
  if (name !== undefined) {
    checkString('checkKinks', 'name', name);
    if (!opTable.has(name)) throw new ArgumentError('checkKinks', `no op named ${show(name)} is registered (built-in ops and defineOp's are)`);
  }
  const ops = name === undefined ? [...opTable.values()] : [opTable.get(name)!];
  const checks = ops.flatMap((op) => op.kinks.map((k) => checkOne(op.name, k)));
  return { ok: checks.every((c) => c.ok), checks };
}

/** Failures of the declared kinks of the custom ops among `ops` (none while probing). */
export function declaredKinkFailures(ops: Iterable<string>): GradcheckFailure[] {
  if (probing) return [];
  return [...ops].flatMap((name) => {
    const op = opTable.get(name);
    if (!op?.custom) return [];
    return op.kinks.map((k) => checkOne(name, k)).filter((c) => !c.ok).map((c) => ({
      input: -1, index: -1, output: -1, analytic: NaN, central: NaN, left: NaN, right: NaN, atKink: true,
      test: 'declared kink' as const, reason: `${name}'s declared kink at ${c.at}: ${c.reason}`,
    }));
  });
}
