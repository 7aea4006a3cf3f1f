// The schedules worker: one small MLP per schedule, the same initial weights
// and the same minibatches for all, trained side by side with SGD + momentum
// whose learning rate the schedule sets at every step. The data: two
// interleaved noisy spirals (400 points, seeded).
import { Generator, init, losses, nn, noGrad, optim, scope, tensor, type Tensor } from 'subgrad';
import { EVERY, SCHEDULES, type FromWorker, type ScheduleName, type Settings, type ToWorker } from './protocol.js';

const POINTS = 400;
const BATCH = 32;
const MOMENTUM = 0.9;
/** Steps between messages, and a pause then for new settings to arrive. */
const CHUNK = 50;
const NAMES = Object.keys(SCHEDULES) as ScheduleName[];

const post = (m: FromWorker) => self.postMessage(m);

function spirals(): { x: number[][]; y: number[] } {
  const g = new Generator(3);
  const x: number[][] = [];
  const y: number[] = [];
  for (let i = 0; i < POINTS; i++) {
    const [c, t] = [i % 2, 0.25 + 3.25 * g.uniform()];
    const angle = 2.2 * t + c * Math.PI;
    x.push([(t / 3.5) * Math.cos(angle) + 0.1 * g.normal(), (t / 3.5) * Math.sin(angle) + 0.1 * g.normal()]);
    y.push(c);
  }
  return { x, y };
}

type Opt = optim.Optimizer<{ lr: number }>;
function schedule(name: ScheduleName, opt: Opt, s: Settings): optim.LRScheduler | null {
  if (name === 'step') return new optim.StepLR(opt, { stepSize: Math.round(s.steps / 3), gamma: s.stepGamma });
  if (name === 'exponential') return new optim.ExponentialLR(opt, { gamma: s.gamma });
  if (name === 'cosine') return new optim.CosineAnnealingLR(opt, { tMax: s.steps });
  if (name === 'warmup') {
    const after = new optim.CosineAnnealingLR(opt, { tMax: s.steps - s.warmup });
    return s.warmup > 0 ? new optim.LinearWarmup(opt, { warmupSteps: s.warmup, after }) : after;
  }
  return null;
}

let current = 0;

async function train(id: number, s: Settings): Promise<void> {
  const data = spirals();
  const [x, y] = [tensor(data.x), tensor(Int32Array.from(data.y))];
  const runs = NAMES.map((name) => {
    const model = new nn.MLP([2, 32, 32, 2], { seed: 1 });
    const optimizer = new optim.SGD(model.parameters(), { lr: s.lr, momentum: MOMENTUM });
    return { name, model, optimizer, scheduler: schedule(name, optimizer, s) };
  });
  try {
    const rates = Object.fromEntries(runs.map((r) => [r.name, Array.from({ length: s.steps + 1 }, (_, t) => r.scheduler?.lrAt(s.lr, t) ?? s.lr)]));
    post({ type: 'rates', id, rates: rates as Record<ScheduleName, number[]> });
    const full = (m: nn.MLP) => scope(() => noGrad(() => losses.crossEntropy(m.forward(x), y).item()));
    const curves = Object.fromEntries(runs.map((r) => [r.name, [full(r.model)]])) as Record<ScheduleName, number[]>;
    const g = new Generator(5);
    for (let t = 1; t <= s.steps && id === current; t++) {
      const rows = Array.from({ length: BATCH }, () => g.int(POINTS));
      for (const r of runs) {
        scope(() => {
          r.optimizer.zeroGrad();
          const batch: Tensor = tensor(rows.map((i) => data.x[i]));
          losses.crossEntropy(r.model.forward(batch), tensor(Int32Array.from(rows, (i) => data.y[i]))).backward();
        });
        r.optimizer.step();
        r.scheduler?.step();
        if (t % EVERY === 0) curves[r.name].push(full(r.model));
      }
      if (t % CHUNK === 0 || t === s.steps) {
        post({ type: 'losses', id, step: t, losses: curves, done: t === s.steps });
        await new Promise((resolve) => setTimeout(resolve, 0));
      }
    }
  } finally {
    for (const r of runs) {
      r.optimizer.dispose();
      r.model.dispose();
    }
    x.dispose();
    y.dispose();
  }
}

const ready = init().then((info) => post({ type: 'ready', info }));

self.onmessage = async (e: MessageEvent<ToWorker>) => {
  await ready;
  // A newer job ends the one running at its next pause.
  current = e.data.id;
  try {
    await train(e.data.id, e.data.settings);
  } catch (err) {
    post({ type: 'error', message: err instanceof Error ? `${err.name}: ${err.message}` : String(err) });
  }
};
