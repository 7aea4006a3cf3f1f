// The robust-regression page: points to drag, add and remove, and three
// lines fitted to them by MSE, MAE and Huber's loss in the worker, drawn as
// they train. An outlier drags the MSE line; MAE and Huber hardly move.
import { Generator } from 'subgrad';
import { $, showBackend, showNumber, slider } from '../page.js';
import { Plot, type Point, type SeriesStyle } from '../plot.js';
import { CENTRE, FITS, type FitName, type FromWorker, type ToWorker } from './protocol.js';

const worker = new Worker(new URL('./worker.ts', import.meta.url), { type: 'module', name: 'subgrad-robust' });
const send = (m: ToWorker) => worker.postMessage(m);
const NAMES = Object.keys(FITS) as FitName[];
const VIEW = { x: [0, 10], y: [0, 10] } as const;
/** How near (css pixels) a press must be to take a point. */
const GRAB = 14;

/** The clean data: 24 points near y = 0.6x + 2 (seeded), and the gross outliers the button adds. */
function cleanPoints(): Point[] {
  const g = new Generator(7);
  return Array.from({ length: 24 }, (_, i) => {
    const x = 0.5 + (9 * (i + g.uniform())) / 24;
    return [+x.toFixed(2), +(0.6 * x + 2 + 0.4 * g.normal()).toFixed(2)];
  });
}
const OUTLIERS: Point[] = [[7.5, 0.8], [8.2, 0.5], [8.8, 1.1], [9.4, 0.6]];

const series: Record<string, SeriesStyle> = {
  points: { label: 'data', color: '#4b5563', line: false, markers: true, markerSize: 4.5 },
  mse: { label: 'MSE', color: '#2563eb', width: 2.5 },
  mae: { label: 'MAE', color: '#ea580c', width: 2.5 },
  huber: { label: 'Huber (δ)', color: '#16a34a', width: 2.5 },
};
/** A row per line in the table: slope, intercept and its mean loss. */
const fitRows = Object.fromEntries(
  NAMES.map((name): [FitName, HTMLElement[]] => {
    const row = document.createElement('tr');
    row.id = `fit-${name}`;
    row.innerHTML = `<td><i class="swatch" style="background:${series[name].color}"></i>${series[name].label}</td><td class="num"></td><td class="num"></td><td class="num"></td>`;
    $('fits').append(row);
    return [name, [...row.querySelectorAll<HTMLElement>('td.num')]];
  }),
) as Record<FitName, HTMLElement[]>;
const plot = new Plot($('scatter'), { title: 'Drag a point · click empty space to add one · click a point to remove it', height: 440, x: { label: 'input x', min: VIEW.x[0], max: VIEW.x[1] }, y: { label: 'target y', min: VIEW.y[0], max: VIEW.y[1] } }, series);

let points = cleanPoints();
let sent = 0;
const delta = slider('delta', (v) => v.toFixed(2), () => changed());

/** Sends the points (and δ) to the worker, which starts fitting them again. */
function changed(): void {
  sent++;
  plot.set('points', points);
  $('scatter').dataset.points = JSON.stringify(points);
  document.body.dataset.state = 'training';
  send({ type: 'data', points, delta: delta() });
}

// Dragging, adding and removing ---------------------------------------------------------

/** The point under a pointer, if any. */
function under(e: MouseEvent): number {
  let best = -1;
  let bestDistance = GRAB;
  points.forEach(([x, y], i) => {
    const c = plot.toClient(x, y);
    const d = c ? Math.hypot(c[0] - e.clientX, c[1] - e.clientY) : Infinity;
    if (d < bestDistance) [best, bestDistance] = [i, d];
  });
  return best;
}

const clampTo = (v: number, [lo, hi]: readonly number[]) => Math.min(hi, Math.max(lo, +v.toFixed(2)));
const at = (e: MouseEvent): Point | null => {
  const p = plot.toData(e.clientX, e.clientY);
  return p && [clampTo(p[0], VIEW.x), clampTo(p[1], VIEW.y)];
};

let dragging = -1;
let moved = false;
const canvas = plot.canvas;
canvas.style.touchAction = 'none';
canvas.addEventListener('pointerdown', (e) => {
  dragging = under(e);
  moved = false;
  if (dragging >= 0) canvas.setPointerCapture(e.pointerId);
});
canvas.addEventListener('pointermove', (e) => {
  canvas.style.cursor = dragging >= 0 || under(e) >= 0 ? 'grab' : 'crosshair';
  const p = dragging >= 0 && at(e);
  if (!p) return;
  points[dragging] = p;
  moved = true;
  changed();
});
canvas.addEventListener('pointerup', (e) => {
  const p = at(e);
  // Two points at least: every loss needs a line through something.
  if (dragging >= 0 && !moved && points.length > 2) points.splice(dragging, 1);
  else if (dragging < 0 && p) points.push(p);
  if (!moved) changed();
  dragging = -1;
});

$('outliers').addEventListener('click', () => {
  points = [...points, ...OUTLIERS];
  changed();
});
$('reset').addEventListener('click', () => {
  points = cleanPoints();
  changed();
});

// The lines from the worker ------------------------------------------------------------

worker.onmessage = (e: MessageEvent<FromWorker>) => {
  const m = e.data;
  if (m.type === 'ready') showBackend(m.info);
  else if (m.type === 'lines') {
    for (const name of NAMES) {
      const { slope, level } = m.lines[name];
      plot.set(name, VIEW.x.map((x): Point => [x, slope * (x - CENTRE) + level]));
      const cells = fitRows[name];
      const intercept = level - slope * CENTRE;
      showNumber(cells[0], slope, slope.toFixed(3));
      showNumber(cells[1], intercept, intercept.toFixed(3));
      showNumber(cells[2], m.objectives[name], m.objectives[name].toFixed(4));
    }
    showNumber($('fit-step'), m.step, `step ${m.step} since the last change`);
    if (m.settled && m.version === sent) document.body.dataset.state = 'settled';
  } else if (m.type === 'error') $('error').textContent = m.message;
};
worker.onerror = (e) => void ($('error').textContent = `The fitting worker failed: ${e.message}`);
changed();
