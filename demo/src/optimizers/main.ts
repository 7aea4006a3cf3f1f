// The optimizer page: paths of subgrad's optimizers over contour plots of a
// surface, animated step by step, with their learning rates and
// hyper-parameters on sliders; and the lecture's four regimes of gradient
// descent on Booth, with the reason (its Hessian's eigenvalues).
import { $, showBackend, slider } from '../page.js';
import { PALETTE, Plot, type Mark, type SeriesStyle } from '../plot.js';
import { OPTIMIZERS, type FromWorker, type Hyper, type Job, type OptimizerName, type Path, type RunSpec, type ToWorker } from './protocol.js';
import { SURFACES, type SurfaceName } from './surfaces.js';

const worker = new Worker(new URL('./worker.ts', import.meta.url), { type: 'module', name: 'subgrad-optimizers' });
const send = (m: ToWorker) => worker.postMessage(m);

/** The lecture's learning rates for GD on Booth from (−8, 8), 100 steps, and what it says each does. */
const REGIMES = [0.01, 0.1, 0.11, 0.12];
const LECTURE_SAYS = ['falls short', 'converges', 'oscillates', 'diverges'];
const NAMES = Object.keys(OPTIMIZERS) as OptimizerName[];
const SHOWN_FIRST: OptimizerName[] = ['gd', 'momentum', 'nesterov', 'adagrad', 'rmsprop', 'adam', 'lbfgs'];
const FIELD = { nx: 161, ny: 161 };
/** Learning rates on the sliders: 1, 1.5, 2, 2.5, 3 … 9 × 10^k from 10⁻⁴ to 100. */
const LRS = Array.from({ length: 7 }, (_, e) => [1, 1.5, 2, 2.5, 3, 4, 5, 6, 7, 8, 9].map((m) => +(m * 10 ** (e - 4)).toPrecision(2))).flat().filter((v) => v <= 100);

const surfaceSelect = $<HTMLSelectElement>('surface');
const modeSelect = $<HTMLSelectElement>('mode');
surfaceSelect.append(...Object.entries(SURFACES).map(([k, s]) => new Option(s.label, k)));

// Optimizer rows: a checkbox and a learning-rate slider each --------------------------

interface Row {
  check: HTMLInputElement;
  lr: HTMLInputElement;
  set: (lr: number) => void;
  color: string;
}
const rows = Object.fromEntries(
  NAMES.map((name, i): [OptimizerName, Row] => {
    const row = document.createElement('div');
    row.className = 'opt';
    row.innerHTML = `<label class="check"><input type="checkbox"><i class="swatch" style="background:${PALETTE[i]}"></i><span></span></label><input type="range" min="0" max="${LRS.length - 1}" step="1" aria-label="learning rate"><output></output>`;
    row.querySelector('span')!.textContent = OPTIMIZERS[name];
    row.dataset.optimizer = name;
    $('optimizers').append(row);
    const check = row.querySelector<HTMLInputElement>('input[type=checkbox]')!;
    const lr = row.querySelector<HTMLInputElement>('input[type=range]')!;
    const out = row.querySelector('output')!;
    const show = () => (out.textContent = `η ${LRS[Number(lr.value)]}`);
    check.checked = SHOWN_FIRST.includes(name);
    check.addEventListener('change', () => schedule(false));
    lr.addEventListener('input', () => (show(), schedule(false)));
    const set = (v: number) => {
      lr.value = String(nearest(v));
      show();
    };
    return [name, { check, lr, set, color: PALETTE[i] }];
  }),
) as Record<OptimizerName, Row>;

function nearest(v: number): number {
  let best = 0;
  LRS.forEach((l, i) => Math.abs(Math.log(l / v)) < Math.abs(Math.log(LRS[best] / v)) && (best = i));
  return best;
}

const hyper = {
  momentum: slider('momentum', (v) => v.toFixed(2), () => schedule(false)),
  beta1: slider('beta1', (v) => v.toFixed(2), () => schedule(false)),
  beta2: slider('beta2', (v) => v.toFixed(3), () => schedule(false)),
  rho: slider('rho', (v) => v.toFixed(2), () => schedule(false)),
};
const steps = slider('steps', (v) => String(v), () => schedule(false));
const startX = $<HTMLInputElement>('start-x');
const startY = $<HTMLInputElement>('start-y');
for (const input of [startX, startY]) input.addEventListener('change', () => schedule(true));

function setSurface(name: SurfaceName): void {
  const s = SURFACES[name];
  surfaceSelect.value = name;
  [startX.value, startY.value] = s.start.map(String);
  $<HTMLInputElement>('steps').value = String(s.steps);
  $<HTMLInputElement>('steps').dispatchEvent(new Event('input'));
  for (const n of NAMES) rows[n].set(s.lr[n]);
  $('formula').textContent = s.formula;
  surfacePlot.setAxis('x', { min: s.view.x[0], max: s.view.x[1] });
  surfacePlot.setAxis('y', { min: s.view.y[0], max: s.view.y[1] });
  surfacePlot.setField(null);
  send({ type: 'field', surface: name, ...FIELD });
}

surfaceSelect.addEventListener('change', () => {
  modeSelect.value = 'compare';
  setSurface(surfaceSelect.value as SurfaceName);
  schedule(true);
});
modeSelect.addEventListener('change', () => {
  if (modeSelect.value === 'regimes') setSurface('booth');
  schedule(true);
});

// Plots -------------------------------------------------------------------------------

const surfacePlot = new Plot<string>($('surface-plot'), { title: '', equalAspect: true, maxHeight: 620, x: { label: 'x' }, y: { label: 'y' } }, {});
// The regimes side by side, one small plot each, as the lecture draws them.
const regimePlots = REGIMES.map((lr, i) => new Plot<string>($('regime-plots'), { title: `η = ${lr}: ${LECTURE_SAYS[i]}`, legend: false, equalAspect: true, maxHeight: 360, x: { label: 'x', min: -10, max: 10 }, y: { label: 'y', min: -10, max: 10 } }, {}));
const lossPlot = new Plot<string>($('loss-plot'), { title: 'f − f* against the step', height: 260, legend: false, x: { label: 'step', min: 0 }, y: { label: 'f − f*', log: true } }, {});

surfacePlot.canvas.addEventListener('click', (e) => {
  const p = surfacePlot.toData(e.clientX, e.clientY);
  if (!p || modeSelect.value === 'regimes') return; // the lecture's start is (−8, 8)
  [startX.value, startY.value] = p.map((v) => String(+v.toFixed(2)));
  schedule(true);
});

// Jobs and their results --------------------------------------------------------------

let jobId = 0;
let queued = false;
let restart = true;
let job: Job | null = null;
/** The latest job's paths, with the style of each run as it was when the job was sent. */
let result: { job: Job; paths: Path[]; hessian: number[]; series: Record<string, SeriesStyle> } | null = null;
let sentSeries: Record<string, SeriesStyle> = {};

const regimeKey = (lr: number) => `gd-${lr}`;

/** The runs to show: every checked optimizer, or GD at the lecture's four rates. */
function runs(): { spec: RunSpec; label: string; color: string }[] {
  if (modeSelect.value === 'regimes') return REGIMES.map((lr, i) => ({ spec: { key: regimeKey(lr), optimizer: 'gd', lr }, label: `GD, η = ${lr}`, color: PALETTE[[0, 2, 1, 3][i]] }));
  return NAMES.filter((n) => rows[n].check.checked).map((n) => ({ spec: { key: n, optimizer: n, lr: LRS[Number(rows[n].lr.value)] }, label: OPTIMIZERS[n], color: rows[n].color }));
}

/** Sends a job at the next frame; `fromStart` replays the animation from step 0. */
function schedule(fromStart: boolean): void {
  restart ||= fromStart;
  document.body.dataset.state = 'computing';
  if (queued) return;
  queued = true;
  requestAnimationFrame(() => {
    queued = false;
    const regimes = modeSelect.value === 'regimes';
    for (const el of document.querySelectorAll<HTMLInputElement | HTMLSelectElement>('.opt input, #surface, #start-x, #start-y, #steps')) el.disabled = regimes;
    const start: [number, number] = [Number(startX.value), Number(startY.value)];
    const startOk = startX.value.trim() !== '' && startY.value.trim() !== '' && start.every(Number.isFinite);
    $('error').textContent = startOk ? '' : 'The start needs two numbers, x and y.';
    if (!startOk) return;
    const h: Hyper = { momentum: hyper.momentum(), beta1: hyper.beta1(), beta2: hyper.beta2(), rho: hyper.rho() };
    const list = runs();
    job = { id: ++jobId, surface: surfaceSelect.value as SurfaceName, start, steps: steps(), hyper: h, runs: list.map((r) => r.spec) };
    sentSeries = Object.fromEntries(list.map((r) => [r.spec.key, { label: r.label, color: r.color, width: 1.5, markers: job!.steps <= 200, markerSize: 2.5 }]));
    send({ type: 'run', job });
  });
}

// Animation ---------------------------------------------------------------------------

const stepInput = $<HTMLInputElement>('step');
const play = $<HTMLButtonElement>('play');
let shown = 0;
let playing = false;
let last = 0;

function draw(): void {
  if (!result) return;
  const { job: j, paths, series } = result;
  const s = SURFACES[j.surface];
  const k = Math.floor(shown);
  const fixed: Mark[] = [
    ...s.minima.map(([x, y]): Mark => ({ x, y, color: '#111827', shape: 'ring', size: 6 })),
    { x: j.start[0], y: j.start[1], color: '#111827', size: 5 },
  ];
  const regimes = paths.length === REGIMES.length && paths.every((p, i) => p.key === regimeKey(REGIMES[i]));
  $('surface-plot').hidden = regimes;
  $('regime-plots').hidden = !regimes;
  const marks = [...fixed];
  paths.forEach((p, i) => {
    const n = Math.min(k + 1, p.values.length);
    const pts = Array.from({ length: n }, (_, i): [number, number] => [p.points[2 * i], p.points[2 * i + 1]]);
    const here: Mark = { x: pts[n - 1][0], y: pts[n - 1][1], color: series[p.key].color, size: 6 };
    lossPlot.set(p.key, Array.from(p.values.subarray(0, n), (v, i): [number, number] => [i, v - s.fStar]));
    if (regimes) {
      regimePlots[i].set(p.key, pts);
      regimePlots[i].setMarks([...fixed, here]);
    } else {
      surfacePlot.set(p.key, pts);
      marks.push(here);
    }
  });
  surfacePlot.setMarks(marks);
  stepInput.max = String(j.steps);
  stepInput.value = String(k);
  $('step-out').textContent = `step ${k} of ${j.steps}`;
  play.textContent = playing ? 'Pause' : k >= j.steps ? 'Replay' : 'Play';
}

function tick(now: number): void {
  if (!playing || !result) return;
  // About four seconds for the whole run, at least 25 steps a second.
  const rate = Math.max(25, result.job.steps / 4);
  // A frame's time can precede the performance.now() of the click that started playing.
  shown = Math.min(result.job.steps, shown + (rate * Math.max(0, now - last)) / 1000);
  last = Math.max(last, now);
  if (shown >= result.job.steps) playing = false;
  draw();
  if (playing) requestAnimationFrame(tick);
}

function startPlaying(): void {
  if (!result) return;
  if (shown >= result.job.steps) shown = 0;
  playing = true;
  last = performance.now();
  requestAnimationFrame(tick);
}

play.addEventListener('click', () => (playing ? ((playing = false), draw()) : startPlaying()));
stepInput.addEventListener('input', () => {
  playing = false;
  shown = Number(stepInput.value);
  draw();
});

// The results table and, for the regimes, why ------------------------------------------

const nearestMinimum = (x: number, y: number, minima: [number, number][]) => Math.min(...minima.map(([a, b]) => Math.hypot(x - a, y - b)));

/** What a path did, as the lecture names it. */
function verdict(p: Path, steps: number, minima: [number, number][]): string {
  const n = p.values.length - 1;
  const d = (i: number) => nearestMinimum(p.points[2 * i], p.points[2 * i + 1], minima);
  if (n < steps || d(n) > d(0)) return 'diverges';
  if (d(n) < 1e-3) return 'converges';
  // Successive steps pointing against each other: the path zigzags across the valley.
  let reversals = 0;
  for (let i = n - 9; i < n; i++) {
    const dot = (p.points[2 * i + 2] - p.points[2 * i]) * (p.points[2 * i] - p.points[2 * i - 2]) + (p.points[2 * i + 3] - p.points[2 * i + 1]) * (p.points[2 * i + 1] - p.points[2 * i - 1]);
    if (dot < 0) reversals++;
  }
  return reversals >= 8 ? 'oscillates' : 'falls short';
}

const eigen = ([a, b, , d]: number[]) => {
  const [m, r] = [(a + d) / 2, Math.hypot((a - d) / 2, b)];
  return [m + r, m - r];
};

function table(): void {
  if (!result) return;
  const { job: j, paths, hessian } = result;
  const s = SURFACES[j.surface];
  const regimes = modeSelect.value === 'regimes';
  const [big, small] = eigen(hessian);
  const { series } = result;
  $('results-head').innerHTML = `<tr><th>run</th><th class="num">η</th><th class="num">steps</th><th class="num">x</th><th class="num">y</th><th class="num">distance to the minimum</th><th class="num">f − f*</th>${regimes ? '<th class="num">1 − ηλ₁, 1 − ηλ₂</th><th>regime</th>' : ''}</tr>`;
  $('results').replaceChildren(
    ...paths.map((p, r) => {
      const n = p.values.length - 1;
      const [x, y] = [p.points[2 * n], p.points[2 * n + 1]];
      const distance = nearestMinimum(x, y, s.minima);
      const lr = j.runs[r].lr;
      const row = document.createElement('tr');
      const v = verdict(p, j.steps, s.minima);
      Object.assign(row.dataset, { key: p.key, lr: String(lr), steps: String(n), x: String(x), y: String(y), distance: String(distance), value: String(p.values[n]), verdict: v });
      const g = (v: number) => (Math.abs(v) >= 1e4 || (v !== 0 && Math.abs(v) < 1e-3) ? v.toExponential(2) : v.toFixed(4));
      const cells: string[] = [series[p.key].label, String(lr), String(n), g(x), g(y), g(distance), g(p.values[n] - s.fStar)];
      if (regimes) cells.push(`${(1 - lr * big).toFixed(2)}, ${(1 - lr * small).toFixed(2)}`, v);
      row.append(...cells.map((text, i) => {
        const td = Object.assign(document.createElement('td'), { textContent: text });
        if (i > 0 && i < 8) td.className = 'num';
        if (i === 0) td.prepend(Object.assign(document.createElement('i'), { className: 'swatch', style: `background:${series[p.key].color}` }));
        return td;
      }));
      return row;
    }),
  );
  const why = $('regimes-why');
  why.hidden = !regimes;
  if (regimes) {
    const f = (v: number) => v.toFixed(2);
    why.dataset.lambdaMax = String(big);
    why.dataset.critical = String(2 / big);
    $('hessian').textContent = `[[${f(hessian[0])}, ${f(hessian[1])}], [${f(hessian[2])}, ${f(hessian[3])}]]`;
    $('lambdas').textContent = `${f(big)} and ${f(small)}`;
    $('critical').textContent = (2 / big).toFixed(4);
  }
}

// The worker ----------------------------------------------------------------------------

worker.onmessage = (e: MessageEvent<FromWorker>) => {
  const m = e.data;
  if (m.type === 'ready') showBackend(m.info);
  else if (m.type === 'field') {
    if (m.surface !== surfaceSelect.value) return;
    const s = SURFACES[m.surface];
    // Levels at f* + 10^(k/4) over the values in view, so valleys and plateaus both get contours.
    let [lo, hi] = [Infinity, -Infinity];
    for (const v of m.field.values) [lo, hi] = [Math.min(lo, v - s.fStar), Math.max(hi, v - s.fStar)];
    const first = Math.floor(4 * Math.log10(Math.max(lo, 1e-3)));
    const levels = Array.from({ length: Math.ceil(4 * Math.log10(hi)) - first }, (_, k) => s.fStar + 10 ** ((first + k) / 4));
    const field = { ...m.field, x: s.view.x, y: s.view.y, levels };
    surfacePlot.setField(field);
    if (m.surface === 'booth') for (const p of regimePlots) p.setField(field);
  } else if (m.type === 'paths') {
    if (m.id !== job?.id) return;
    result = { job, paths: m.paths, hessian: m.hessian, series: sentSeries };
    surfacePlot.setSeries(sentSeries);
    regimePlots.forEach((p, i) => {
      const key = regimeKey(REGIMES[i]);
      p.setSeries(sentSeries[key] ? { [key]: sentSeries[key] } : {});
    });
    // Without a dot per step: on a log scale the lines say enough.
    lossPlot.setSeries(Object.fromEntries(Object.entries(sentSeries).map(([k, v]) => [k, { ...v, markers: false }])));
    lossPlot.setAxis('x', { max: job.steps });
    if (restart) {
      [shown, restart] = [0, false];
      startPlaying();
    }
    shown = Math.min(shown, job.steps);
    draw();
    table();
    document.body.dataset.state = 'ready';
  } else if (m.type === 'error') $('error').textContent = m.message;
};
worker.onerror = (e) => void ($('error').textContent = `The optimizer worker failed: ${e.message}`);

setSurface('booth');
schedule(true);
