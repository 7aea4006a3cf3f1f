// The training page: settings, live plots, the test-digit grid and the
// drawing pad, talking to the worker that trains (worker.ts).
import { $, showBackend } from '../page.js';
import { Plot } from '../plot.js';
import { toMnist } from '../preprocess.js';
import { PIXELS, SIDE } from '../digits.js';
import {
  DEFAULT_CONFIG, LOSSES, OPTIMIZERS, SCHEDULES,
  type EpochReport, type FromWorker, type OptimizerName, type Progress, type RunConfig, type RunState, type ToWorker,
} from './protocol.js';

const pct = (v: number) => `${(100 * v).toFixed(1)}%`;
const TRAIN = '#2563eb';
const VAL = '#ea580c';

const worker = new Worker(new URL('./worker.ts', import.meta.url), { type: 'module', name: 'subgrad-training' });
const send = (m: ToWorker) => worker.postMessage(m);

// Settings ------------------------------------------------------------------

const controls = {
  optimizer: $<HTMLSelectElement>('optimizer'), loss: $<HTMLSelectElement>('loss'), lr: $<HTMLInputElement>('lr'),
  schedule: $<HTMLSelectElement>('schedule'), hidden: $<HTMLInputElement>('hidden'), batch: $<HTMLSelectElement>('batch'),
  epochs: $<HTMLInputElement>('epochs'),
};
const fill = (select: HTMLSelectElement, options: Record<string, string>) =>
  select.append(...Object.entries(options).map(([value, label]) => new Option(label, value)));
fill(controls.optimizer, Object.fromEntries(Object.entries(OPTIMIZERS).map(([k, v]) => [k, v.label])));
fill(controls.loss, LOSSES);
fill(controls.schedule, SCHEDULES);
controls.optimizer.value = DEFAULT_CONFIG.optimizer;
controls.loss.value = DEFAULT_CONFIG.loss;
controls.lr.value = String(DEFAULT_CONFIG.lr);
controls.schedule.value = DEFAULT_CONFIG.schedule;
controls.hidden.value = DEFAULT_CONFIG.hidden.join(',');
controls.batch.value = String(DEFAULT_CONFIG.batchSize);
controls.epochs.value = String(DEFAULT_CONFIG.epochs);
// The learning rate follows the optimizer until the user sets one.
let lrEdited = false;
controls.lr.addEventListener('input', () => (lrEdited = true));
controls.optimizer.addEventListener('change', () => {
  if (!lrEdited) controls.lr.value = String(OPTIMIZERS[controls.optimizer.value as OptimizerName].lr);
});

/** The settings, or a message saying which one is wrong. */
function readConfig(): RunConfig | string {
  const lr = Number(controls.lr.value);
  if (!(lr > 0 && Number.isFinite(lr))) return 'The learning rate must be a number above 0.';
  const text = controls.hidden.value.trim();
  const hidden = text === '' ? [] : text.split(/[\s,]+/).map(Number);
  if (!hidden.every((h) => Number.isInteger(h) && h >= 1 && h <= 2048)) return 'Hidden layers: sizes from 1 to 2048, separated by commas.';
  const epochs = Number(controls.epochs.value);
  if (!(Number.isInteger(epochs) && epochs >= 1 && epochs <= 100)) return 'Epochs: a whole number from 1 to 100.';
  return {
    ...DEFAULT_CONFIG, optimizer: controls.optimizer.value as OptimizerName, loss: controls.loss.value as RunConfig['loss'], lr,
    schedule: controls.schedule.value as RunConfig['schedule'], hidden, batchSize: Number(controls.batch.value), epochs,
  };
}

// Run state and buttons -----------------------------------------------------

const start = $<HTMLButtonElement>('start');
const reset = $<HTMLButtonElement>('reset');
let state: RunState = 'loading';
let epochs = DEFAULT_CONFIG.epochs;

function setState(s: RunState): void {
  state = s;
  document.body.dataset.state = s;
  start.disabled = s === 'loading';
  start.textContent = { loading: 'Train', idle: 'Train', running: 'Pause', paused: 'Resume', done: 'Train again' }[s];
  reset.disabled = s === 'loading' || s === 'idle';
  const editable = s === 'idle' || s === 'done';
  for (const c of Object.values(controls)) c.disabled = !editable;
}

start.addEventListener('click', () => {
  if (state === 'running') return send({ type: 'pause' });
  if (state === 'paused') return send({ type: 'resume' });
  const config = readConfig();
  $('config-error').textContent = typeof config === 'string' ? config : '';
  if (typeof config === 'string') return;
  clearRun();
  epochs = config.epochs;
  for (const p of [lossPlot, accuracyPlot]) p.setAxis('x', { max: epochs });
  send({ type: 'start', config });
});
reset.addEventListener('click', () => send({ type: 'reset' }));

// Plots and numbers ---------------------------------------------------------

const plots = $('plots');
const lossPlot = new Plot(plots, { title: 'Loss', x: { label: 'epoch', min: 0, max: epochs }, y: { log: true } }, {
  train: { label: 'train', color: TRAIN, width: 1.5 },
  val: { label: 'validation', color: VAL, markers: true },
});
const accuracyPlot = new Plot(plots, { title: 'Accuracy', x: { label: 'epoch', min: 0, max: epochs }, y: { max: 1, format: (v) => `${Math.round(v * 100)}%` } }, {
  train: { label: 'train', color: TRAIN, width: 1.5 },
  val: { label: 'validation', color: VAL, markers: true },
});

/** Shows a figure; `value` is the number behind the text, for tests and tools (the epoch tile carries the step). */
function stat(id: string, text: string, value?: number): void {
  const el = $(id);
  el.textContent = text;
  if (value !== undefined) el.dataset.value = String(value);
  else delete el.dataset.value;
}

function clearRun(): void {
  $('run-note').textContent = '';
  lossPlot.clear();
  accuracyPlot.clear();
  for (const id of ['stat-epoch', 'stat-speed', 'stat-val', 'stat-test']) stat(id, '–');
  $('progress').style.width = '0';
  predictions = null;
  drawGrid();
  showProbabilities(null);
}

function onProgress(p: Progress): void {
  lossPlot.add('train', p.epoch, p.loss);
  accuracyPlot.add('train', p.epoch, p.accuracy);
  stat('stat-epoch', `${Math.min(epochs, Math.floor(p.epoch) + 1)} / ${epochs}`, p.step);
  stat('stat-speed', Math.round(p.samplesPerSecond).toLocaleString('en-US'), p.samplesPerSecond);
  $('progress').style.width = `${(100 * p.step) / p.steps}%`;
}

function onEpoch(e: EpochReport): void {
  lossPlot.add('val', e.epoch, e.valLoss);
  accuracyPlot.add('val', e.epoch, e.valAccuracy);
  stat('stat-val', pct(e.valAccuracy), e.valAccuracy);
  stat('stat-test', pct(e.testAccuracy), e.testAccuracy);
  predictions = e.predictions;
  drawGrid();
  predictDrawing();
}

// Test digits ---------------------------------------------------------------

const gridCanvas = $<HTMLCanvasElement>('grid');
const COLUMNS = 10;
let grid: { pixels: Uint8Array; labels: number[] } | null = null;
let predictions: number[] | null = null;

/** A digit as an image: dark ink on white. */
function digitImage(pixels: Uint8Array | Float32Array, scale: number): ImageData {
  const img = new ImageData(SIDE, SIDE);
  for (let i = 0; i < PIXELS; i++) {
    const ink = pixels[i] * scale;
    img.data.set([255 - ink, 255 - ink * 0.96, 255 - ink * 0.85, 255], 4 * i);
  }
  return img;
}

function drawGrid(): void {
  if (!grid) return;
  const n = grid.labels.length;
  const width = gridCanvas.parentElement!.clientWidth;
  const tile = Math.max(28, Math.min(44, Math.floor(width / COLUMNS)));
  const [w, h] = [tile * COLUMNS, (tile + 14) * Math.ceil(n / COLUMNS)];
  const dpr = window.devicePixelRatio || 1;
  Object.assign(gridCanvas.style, { width: `${w}px`, height: `${h}px` });
  [gridCanvas.width, gridCanvas.height] = [w * dpr, h * dpr];
  const ctx = gridCanvas.getContext('2d')!;
  ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
  const scratch = new OffscreenCanvas(SIDE, SIDE);
  const sctx = scratch.getContext('2d')!;
  let mistakes = 0;
  for (let i = 0; i < n; i++) {
    const [x, y] = [(i % COLUMNS) * tile, Math.floor(i / COLUMNS) * (tile + 14)];
    sctx.putImageData(digitImage(grid.pixels.subarray(i * PIXELS, (i + 1) * PIXELS), 1), 0, 0);
    ctx.imageSmoothingEnabled = true;
    ctx.drawImage(scratch, x + 2, y + 2, tile - 4, tile - 4);
    const predicted = predictions?.[i];
    const wrong = predicted !== undefined && predicted !== grid.labels[i];
    if (wrong) {
      mistakes++;
      ctx.strokeStyle = '#dc2626';
      ctx.lineWidth = 2;
      ctx.strokeRect(x + 1, y + 1, tile - 2, tile - 2);
    }
    if (predicted !== undefined) {
      ctx.font = `${wrong ? '600 ' : ''}11px system-ui, sans-serif`;
      ctx.fillStyle = wrong ? '#dc2626' : '#6b7280';
      ctx.textAlign = 'center';
      ctx.textBaseline = 'top';
      ctx.fillText(wrong ? `${grid.labels[i]}→${predicted}` : String(predicted), x + tile / 2, y + tile);
    }
  }
  gridCanvas.dataset.mistakes = String(mistakes);
  $('grid-note').textContent = predictions
    ? `One column per class. ${mistakes} of ${n} wrong, marked red with true → predicted class.`
    : 'One column per class; the predictions appear after the first epoch.';
}
new ResizeObserver(drawGrid).observe(gridCanvas.parentElement!);

// Drawing pad ---------------------------------------------------------------

const pad = $<HTMLCanvasElement>('pad');
const padCtx = pad.getContext('2d', { willReadFrequently: true })!;
const seen = $<HTMLCanvasElement>('seen').getContext('2d')!;
const probs = $<HTMLOListElement>('probs');
const bars = Array.from({ length: 10 }, (_, d) => {
  const li = document.createElement('li');
  li.innerHTML = `<span class="d">${d}</span><span class="track"><span class="fill"></span></span><span class="p">–</span>`;
  probs.append(li);
  return li;
});
let drawing: Float32Array | null = null;
let queued = false;

/** The pad's ink (its alpha) in MNIST form, sent to the worker for class probabilities. */
function predictDrawing(): void {
  drawing = toMnist({ values: padCtx.getImageData(0, 0, pad.width, pad.height).data.filter((_, i) => i % 4 === 3), width: pad.width, height: pad.height, full: 255 });
  seen.putImageData(digitImage(drawing ?? new Float32Array(PIXELS), 255), 0, 0);
  if (drawing) send({ type: 'predict', pixels: drawing });
  else showProbabilities(null);
}

function showProbabilities(p: number[] | null): void {
  const best = p ? p.indexOf(Math.max(...p)) : -1;
  bars.forEach((li, d) => {
    li.classList.toggle('best', d === best);
    (li.querySelector('.fill') as HTMLElement).style.width = p ? `${100 * p[d]}%` : '0';
    li.querySelector('.p')!.textContent = p ? `${Math.round(100 * p[d])}%` : '–';
  });
  if (best >= 0) probs.dataset.predicted = String(best);
  else delete probs.dataset.predicted;
  probs.classList.toggle('empty', !p);
  probs.title = p ? '' : drawing ? 'Train a model first' : 'Draw a digit on the pad';
}

let last: [number, number] | null = null;
const at = (e: PointerEvent): [number, number] => {
  const r = pad.getBoundingClientRect();
  return [((e.clientX - r.left) * pad.width) / r.width, ((e.clientY - r.top) * pad.height) / r.height];
};
padCtx.lineCap = padCtx.lineJoin = 'round';
padCtx.lineWidth = 18;
padCtx.strokeStyle = '#111827';
pad.addEventListener('pointerdown', (e) => {
  pad.setPointerCapture(e.pointerId);
  last = at(e);
  padCtx.beginPath();
  padCtx.arc(last[0], last[1], padCtx.lineWidth / 2, 0, 2 * Math.PI);
  padCtx.fillStyle = padCtx.strokeStyle;
  padCtx.fill();
});
pad.addEventListener('pointermove', (e) => {
  if (!last) return;
  const p = at(e);
  padCtx.beginPath();
  padCtx.moveTo(...last);
  padCtx.lineTo(...p);
  padCtx.stroke();
  last = p;
  if (queued) return;
  queued = true;
  requestAnimationFrame(() => ((queued = false), predictDrawing()));
});
const end = () => {
  if (!last) return;
  last = null;
  predictDrawing();
};
pad.addEventListener('pointerup', end);
pad.addEventListener('pointercancel', end);
$('clear').addEventListener('click', () => {
  padCtx.clearRect(0, 0, pad.width, pad.height);
  predictDrawing();
});

// The worker ----------------------------------------------------------------

worker.onmessage = (e: MessageEvent<FromWorker>) => {
  const m = e.data;
  if (m.type === 'ready') {
    showBackend(m.info);
    $('data-note').textContent = `${(m.sizes.train + m.sizes.val + m.sizes.test).toLocaleString('en-US')} MNIST digits: ${m.sizes.train.toLocaleString('en-US')} train, ${m.sizes.val} validation, ${m.sizes.test.toLocaleString('en-US')} test. Settings apply to the next run.`;
    grid = m.grid;
    drawGrid();
  } else if (m.type === 'model') {
    const c = m.config;
    const parameters = m.parameters.toLocaleString('en-US');
    $('run-note').textContent = `MLP ${m.sizes.join('-')}, ${parameters} parameters · ${OPTIMIZERS[c.optimizer].label}, lr ${c.lr}, ${SCHEDULES[c.schedule]} · ${LOSSES[c.loss]} · batch ${c.batchSize}`;
  } else if (m.type === 'state') {
    setState(m.state);
    if (m.state === 'idle') clearRun();
    if (m.state === 'done') predictDrawing();
  } else if (m.type === 'progress') onProgress(m);
  else if (m.type === 'epoch') onEpoch(m);
  else if (m.type === 'probabilities') showProbabilities(m.probabilities);
  else if (m.type === 'error') $('config-error').textContent = m.message;
};
worker.onerror = (e) => void ($('config-error').textContent = `The training worker failed: ${e.message}`);
setState('loading');
showProbabilities(null);
send({ type: 'load', base: document.baseURI });
