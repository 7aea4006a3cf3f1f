// The robust-regression worker: three lines, fitted to the same points by
// minimising MSE, MAE and Huber's loss with Adam, a few steps at a time so
// the page can draw them moving. New points (or a new δ) restart the
// schedule from the current lines; the cosine decay to 0 lets even MAE's
// subgradient steps settle.
import { init, losses, optim, scope, tensor, type Tensor } from 'subgrad';
import { CENTRE, FITS, type FitName, type FromWorker, type Line, type ToWorker } from './protocol.js';

const STEPS = 1000;
const PER_MESSAGE = 10;
const LR = 0.1;

const post = (m: FromWorker) => self.postMessage(m);
const NAMES = Object.keys(FITS) as FitName[];

interface Fit {
  slope: Tensor;
  level: Tensor;
  optimizer: optim.Adam;
  schedule: optim.CosineAnnealingLR;
}

/** A line from y = 5 with a fresh optimizer, or the given line with a fresh one (restarting its schedule). */
function fit(line?: Fit): Fit {
  line?.optimizer.dispose();
  const slope = line?.slope ?? tensor([0], undefined, { requiresGrad: true });
  const level = line?.level ?? tensor([5], undefined, { requiresGrad: true });
  const optimizer = new optim.Adam([slope, level], { lr: LR });
  return { slope, level, optimizer, schedule: new optim.CosineAnnealingLR(optimizer, { tMax: STEPS }) };
}

/** The three lines, made once the backend is up. */
let fits: Record<FitName, Fit> | null = null;

let data: { x: Tensor; y: Tensor; delta: number } | null = null;
let version = 0;
let step = 0;
let running = false;

function objective(name: FitName, f: Fit, d: NonNullable<typeof data>): Tensor {
  const prediction = f.slope.mul(d.x.sub(CENTRE)).add(f.level);
  if (name === 'mse') return losses.mse(prediction, d.y);
  if (name === 'mae') return losses.mae(prediction, d.y);
  return losses.huber(prediction, d.y, { delta: d.delta });
}

function report(settled: boolean): void {
  const [d, all] = [data!, fits!];
  const lines = {} as Record<FitName, Line>;
  const objectives = {} as Record<FitName, number>;
  for (const name of NAMES) {
    const f = all[name];
    lines[name] = { slope: f.slope.item(), level: f.level.item() };
    objectives[name] = scope(() => objective(name, f, d).item());
  }
  post({ type: 'lines', version, step, lines, objectives, settled });
}

async function train(): Promise<void> {
  running = true;
  try {
    await steps();
  } finally {
    running = false;
  }
}

async function steps(): Promise<void> {
  while (step < STEPS) {
    const [d, all] = [data!, fits!];
    for (let k = 0; k < PER_MESSAGE && step < STEPS; k++, step++) {
      for (const name of NAMES) {
        const f = all[name];
        scope(() => {
          f.optimizer.zeroGrad();
          objective(name, f, d).backward();
        });
        f.optimizer.step();
        f.schedule.step();
      }
    }
    report(step >= STEPS);
    // Let new points in between frames' worth of steps.
    await new Promise((resolve) => setTimeout(resolve, 16));
  }
}

function setData(points: number[][], delta: number): void {
  data?.x.dispose();
  data?.y.dispose();
  data = { x: tensor(points.map((p) => p[0])), y: tensor(points.map((p) => p[1])), delta };
  version++;
  step = 0;
  fits = Object.fromEntries(NAMES.map((name) => [name, fit(fits?.[name])])) as Record<FitName, Fit>;
  if (!running) train().catch(fail);
}

const fail = (err: unknown) => post({ type: 'error', message: err instanceof Error ? `${err.name}: ${err.message}` : String(err) });
const ready = init().then((info) => post({ type: 'ready', info }));

self.onmessage = async (e: MessageEvent<ToWorker>) => {
  await ready;
  try {
    setData(e.data.points, e.data.delta);
  } catch (err) {
    fail(err);
  }
};
