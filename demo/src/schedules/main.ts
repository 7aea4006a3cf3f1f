// The schedules page: each learning-rate schedule's curve, from subgrad's
// schedulers, and the full-batch training loss of a small MLP trained
// under each (in the worker), drawn as it trains.
import { $, showBackend, showNumber, slider } from '../page.js';
import { PALETTE, Plot, legend, type SeriesStyle } from '../plot.js';
import { EVERY, SCHEDULES, type FromWorker, type ScheduleName, type Settings, type ToWorker } from './protocol.js';

const worker = new Worker(new URL('./worker.ts', import.meta.url), { type: 'module', name: 'subgrad-schedules' });
const send = (m: ToWorker) => worker.postMessage(m);
const NAMES = Object.keys(SCHEDULES) as ScheduleName[];
/** Base learning rates on the slider. */
const LRS = [0.01, 0.02, 0.05, 0.1, 0.2, 0.3, 0.5, 0.7, 1, 1.5, 2];

const series: Record<string, SeriesStyle> = Object.fromEntries(NAMES.map((n, i) => [n, { label: SCHEDULES[n], color: PALETTE[i], dash: n === 'constant' ? [5, 4] : undefined }]));
/** A row per schedule in the table: its rate at T/2 and at T, its final and lowest loss. */
const rows = Object.fromEntries(
  NAMES.map((name): [ScheduleName, HTMLElement] => {
    const row = document.createElement('tr');
    row.id = `row-${name}`;
    row.innerHTML = `<td><i class="swatch" style="background:${series[name].color}"></i>${series[name].label}</td>${'<td class="num"></td>'.repeat(4)}`;
    $('rows').append(row);
    return [name, row];
  }),
) as Record<ScheduleName, HTMLElement>;
const figures = $('figures');
figures.before(legend(series));
const ratePlot = new Plot(figures, { title: 'Learning rate ηₜ', height: 260, legend: false, x: { label: 'step t', min: 0 }, y: { label: 'η', min: 0 } }, series);
const lossPlot = new Plot(figures, { title: 'Training loss (all 400 points, every 10 steps)', height: 260, legend: false, x: { label: 'step t', min: 0 }, y: { label: 'cross-entropy (nats)', log: true } }, series);

const read = {
  lr: slider('lr', (v) => String(LRS[v]), () => schedule()),
  steps: slider('steps', String, () => schedule()),
  stepGamma: slider('step-gamma', (v) => v.toFixed(2), () => schedule()),
  gamma: slider('gamma', (v) => v.toFixed(4), () => schedule()),
  warmup: slider('warmup', String, () => schedule()),
};

let id = 0;
let queued = false;
let settings: Settings;

function schedule(): void {
  document.body.dataset.state = 'training';
  if (queued) return;
  queued = true;
  requestAnimationFrame(() => {
    queued = false;
    const steps = read.steps();
    const warmup = $<HTMLInputElement>('warmup');
    warmup.max = String(steps / 2);
    settings = { lr: LRS[read.lr()], steps, stepGamma: read.stepGamma(), gamma: read.gamma(), warmup: Math.min(read.warmup(), steps / 2) };
    for (const p of [ratePlot, lossPlot]) {
      p.clear();
      p.setAxis('x', { max: steps });
    }
    send({ type: 'train', id: ++id, settings });
  });
}

function table(rates: Record<ScheduleName, number[]> | null, losses: Record<ScheduleName, number[]> | null): void {
  for (const name of NAMES) {
    const cells = rows[name].querySelectorAll<HTMLElement>('td.num');
    if (rates) {
      const r = rates[name];
      showNumber(cells[0], r[Math.round(settings.steps / 2)], r[Math.round(settings.steps / 2)].toPrecision(3));
      showNumber(cells[1], r[settings.steps], r[settings.steps].toPrecision(3));
      rows[name].dataset.rates = JSON.stringify(r);
    }
    if (losses) {
      const l = losses[name];
      rows[name].dataset.losses = JSON.stringify(l);
      showNumber(cells[2], l[l.length - 1], l[l.length - 1].toFixed(4));
      showNumber(cells[3], Math.min(...l), Math.min(...l).toFixed(4));
    }
  }
}

worker.onmessage = (e: MessageEvent<FromWorker>) => {
  const m = e.data;
  if (m.type === 'ready') showBackend(m.info);
  else if (m.type === 'error') $('error').textContent = m.message;
  else if (m.id !== id) return;
  else if (m.type === 'rates') {
    for (const name of NAMES) ratePlot.set(name, m.rates[name].map((v, t) => [t, v]));
    table(m.rates, null);
  } else if (m.type === 'losses') {
    for (const name of NAMES) lossPlot.set(name, m.losses[name].map((v, i) => [i * EVERY, v]));
    table(null, m.losses);
    showNumber($('progress-step'), m.step, `step ${m.step} of ${settings.steps}`);
    if (m.done) document.body.dataset.state = 'done';
  }
};
worker.onerror = (e) => void ($('error').textContent = `The training worker failed: ${e.message}`);
schedule();
