// The optimizer page's worker: runs each requested optimizer of subgrad on a
// surface from the start point, one step() at a time, recording the path;
// and evaluates the surface on a grid for the contours (one elementwise call).
import { init, noGrad, optim, scope, tensor, type Tensor } from 'subgrad';
import { SURFACES, type SurfaceName } from './surfaces.js';
import type { FromWorker, Hyper, Job, OptimizerName, Path, ToWorker } from './protocol.js';

const post = (m: FromWorker, transfer: Transferable[] = []) => self.postMessage(m, { transfer });

type Params = [Tensor, Tensor];
const MAKE: Record<OptimizerName, (p: Params, lr: number, h: Hyper) => optim.Optimizer<{ lr: number }>> = {
  gd: (p, lr) => new optim.SGD(p, { lr }),
  momentum: (p, lr, h) => new optim.SGD(p, { lr, momentum: h.momentum }),
  velocity: (p, lr, h) => new optim.SGD(p, { lr, momentum: h.momentum, velocity: true }),
  nesterov: (p, lr, h) => new optim.SGD(p, { lr, momentum: h.momentum, nesterov: true }),
  adagrad: (p, lr) => new optim.Adagrad(p, { lr }),
  rmsprop: (p, lr, h) => new optim.RMSprop(p, { lr, alpha: h.rho }),
  adadelta: (p, lr, h) => new optim.Adadelta(p, { lr, rho: h.rho }),
  adam: (p, lr, h) => new optim.Adam(p, { lr, betas: [h.beta1, h.beta2] }),
  amsgrad: (p, lr, h) => new optim.Adam(p, { lr, betas: [h.beta1, h.beta2], amsgrad: true }),
  nadam: (p, lr, h) => new optim.NAdam(p, { lr, betas: [h.beta1, h.beta2] }),
  // One L-BFGS iteration (with its line search) per step, so its path has a point per iteration too.
  lbfgs: (p, lr) => new optim.LBFGS(p, { lr, maxIter: 1, lineSearch: 'strongWolfe', historySize: 10 }),
};

/** Paths stop where they leave the finite numbers, or go so far that float32 steps lose all meaning. */
const FAR = 1e15;

function run(job: Job, spec: Job['runs'][number]): Path {
  const surface = SURFACES[job.surface];
  const x = tensor([job.start[0]], undefined, { requiresGrad: true });
  const y = tensor([job.start[1]], undefined, { requiresGrad: true });
  const opt = MAKE[spec.optimizer]([x, y], spec.lr, job.hyper);
  const points = [job.start[0], job.start[1]];
  const values: number[] = [];
  const loss = () => {
    opt.zeroGrad();
    const f = surface.f(x, y).sum();
    f.backward();
    return f.item();
  };
  try {
    for (let t = 0; t <= job.steps; t++) {
      const f = scope(() => noGrad(() => surface.f(x, y).sum().item()));
      values.push(f);
      if (t === job.steps || !Number.isFinite(f)) break;
      scope(() => (spec.optimizer === 'lbfgs' ? opt.step(() => scope(loss)) : (loss(), opt.step())));
      const [a, b] = [x.item(), y.item()];
      if (!(Math.abs(a) < FAR && Math.abs(b) < FAR)) break;
      points.push(a, b);
    }
  } finally {
    opt.dispose();
    x.dispose();
    y.dispose();
  }
  return { key: spec.key, points: Float64Array.from(points.slice(0, 2 * values.length)), values: Float64Array.from(values) };
}

/** The Hessian at p from the engine's gradients, by central differences of them (exact for a quadratic). */
function hessian(name: SurfaceName, [px, py]: [number, number]): [number, number, number, number] {
  const grad = (a: number, b: number) =>
    scope(() => {
      const x = tensor([a], undefined, { requiresGrad: true });
      const y = tensor([b], undefined, { requiresGrad: true });
      SURFACES[name].f(x, y).sum().backward();
      return [x.grad!.item(), y.grad!.item()];
    });
  const h = 1e-2;
  const [gx1, gx0, gy1, gy0] = [grad(px + h, py), grad(px - h, py), grad(px, py + h), grad(px, py - h)];
  return [(gx1[0] - gx0[0]) / (2 * h), (gy1[0] - gy0[0]) / (2 * h), (gx1[1] - gx0[1]) / (2 * h), (gy1[1] - gy0[1]) / (2 * h)];
}

function field(name: SurfaceName, nx: number, ny: number): Float64Array {
  const { view, f } = SURFACES[name];
  const xs = new Float32Array(nx * ny);
  const ys = new Float32Array(nx * ny);
  for (let j = 0; j < ny; j++) {
    for (let i = 0; i < nx; i++) {
      xs[j * nx + i] = view.x[0] + ((view.x[1] - view.x[0]) * i) / (nx - 1);
      ys[j * nx + i] = view.y[0] + ((view.y[1] - view.y[0]) * j) / (ny - 1);
    }
  }
  return scope(() => Float64Array.from(f(tensor(xs), tensor(ys)).data()));
}

const ready = init().then((info) => post({ type: 'ready', info }));

self.onmessage = async (e: MessageEvent<ToWorker>) => {
  await ready;
  const m = e.data;
  try {
    if (m.type === 'field') {
      const values = field(m.surface, m.nx, m.ny);
      post({ type: 'field', surface: m.surface, field: { nx: m.nx, ny: m.ny, values } }, [values.buffer]);
    } else {
      const paths = m.job.runs.map((r) => run(m.job, r));
      post({ type: 'paths', id: m.job.id, paths, hessian: hessian(m.job.surface, m.job.start) }, paths.flatMap((p) => [p.points.buffer, p.values.buffer]));
    }
  } catch (err) {
    post({ type: 'error', message: err instanceof Error ? `${err.name}: ${err.message}` : String(err) });
  }
};
