// The loss page: each loss and its derivative against the residual or the
// margin, computed by subgrad (forward, then backward() for the derivative),
// with every join of pieces probed by gradcheck: a kink is marked with the
// one-sided derivatives around it and the value backward() returns.
import { init, scope, tensor } from 'subgrad';
import { kinkAt, type KinkReport } from '../kinks.js';
import { $, showBackend, slider } from '../page.js';
import { Plot, legend, type Mark, type Point, type Segment, type SeriesStyle } from '../plot.js';
import { CLASSIFICATION, REGRESSION, zeroOne, type Loss, type Settings } from './catalogue.js';

const POINTS = 601;

interface Family {
  losses: Loss[];
  range: [number, number];
  loss: Plot;
  derivative: Plot;
}

const styles = (list: Loss[]) =>
  Object.fromEntries(list.filter((l) => !l.probeOnly).map((l): [string, SeriesStyle] => [l.key, { label: l.label, color: l.color, dash: l.dash }]));

function family(parent: string, list: Loss[], range: [number, number], x: string, y: { loss: [number, number]; derivative: [number, number]; dLabel: string }, extra: Record<string, SeriesStyle> = {}): Family {
  const el = $(parent);
  const drawn = { ...extra, ...styles(list) };
  el.before(legend(drawn));
  const loss = new Plot(el, { title: 'Loss', height: 260, legend: false, x: { label: x, min: range[0], max: range[1] }, y: { label: 'loss per sample', min: y.loss[0], max: y.loss[1] } }, drawn);
  const derivative = new Plot(el, { title: 'Derivative', height: 260, legend: false, x: { label: x, min: range[0], max: range[1] }, y: { label: y.dLabel, min: y.derivative[0], max: y.derivative[1] } }, styles(list));
  return { losses: list, range, loss, derivative };
}

const regression = family('regression', REGRESSION, [-3, 3], 'residual r = ŷ − y (units of y)', { loss: [-1, 5], derivative: [-3.5, 3.5], dLabel: '∂L/∂ŷ (per unit of y)' });
const classification = family('classification', CLASSIFICATION, [-2.5, 3], 'margin m = y·s (label y = +1)', { loss: [-0.1, 4], derivative: [-3, 0.6], dLabel: '∂L/∂s' }, {
  zeroOne: { label: '0-1 (reference, no op)', color: '#9ca3af', dash: [3, 3] },
});
classification.loss.set('zeroOne', [[-2.5, zeroOne(-2.5)], [0, zeroOne(0)], [0, zeroOne(1e-9)], [3, zeroOne(3)]]);

/** The loss and its derivative (backward() of the sum: each element's own) at each x. */
function evaluate(loss: Loss, s: Settings, xs: Float64Array): { value: Float64Array; grad: Float64Array } {
  return scope(() => {
    const x = tensor(xs, [xs.length], { requiresGrad: true });
    const l = loss.fn(x, s);
    l.sum().backward();
    return { value: Float64Array.from(l.data()), grad: Float64Array.from(x.grad!.data()) };
  });
}

interface Probe {
  loss: Loss;
  report: KinkReport;
  value: number;
}

function draw(f: Family, s: Settings): Probe[] {
  const [lo, hi] = f.range;
  const xs = Float64Array.from({ length: POINTS }, (_, i) => lo + ((hi - lo) * i) / (POINTS - 1));
  const probes: Probe[] = [];
  const marks: { loss: Mark[]; derivative: Mark[]; segments: Segment[] } = { loss: [], derivative: [], segments: [] };
  for (const loss of f.losses) {
    const found = (loss.joins?.(s) ?? []).map((at) => ({ loss, report: kinkAt((x) => loss.fn(x, s), at), value: evaluate(loss, s, Float64Array.of(at)).value[0] }));
    probes.push(...found);
    if (loss.probeOnly) continue;
    const { value, grad } = evaluate(loss, s, xs);
    const points = (v: Float64Array): Point[] => Array.from(xs, (x, i) => [x, v[i]]);
    // The derivative breaks at a kink instead of drawing a vertical line through the jump.
    const jumps = found.filter((p) => p.report.kink).map((p): Point => [p.report.at, NaN]);
    f.loss.set(loss.key, points(value));
    f.derivative.set(loss.key, [...points(grad), ...jumps].sort((a, b) => a[0] - b[0]));
    for (const { report: k, value: v } of found) {
      marks.loss.push({ x: k.at, y: v, color: loss.color });
      marks.segments.push({ from: [k.at, k.left], to: [k.at, k.right], color: loss.color, width: 2, dash: [2, 3] });
      marks.derivative.push(
        { x: k.at, y: k.left, color: loss.color, shape: 'ring', size: 6 },
        { x: k.at, y: k.right, color: loss.color, shape: 'ring', size: 6 },
        { x: k.at, y: k.analytic, color: loss.color },
      );
    }
  }
  f.loss.setMarks(marks.loss);
  f.derivative.setMarks(marks.derivative, marks.segments);
  return probes;
}

/** One row per probed join: where, both one-sided derivatives, what backward() returns, gradcheck's verdict. */
function table(probes: Probe[]): void {
  const body = $('kink-rows');
  body.replaceChildren(
    ...probes.map(({ loss, report: k }) => {
      const row = document.createElement('tr');
      Object.assign(row.dataset, { key: loss.key, at: String(k.at), left: String(k.left), right: String(k.right), analytic: String(k.analytic), kink: String(k.kink), ok: String(k.ok) });
      const verdict = !k.kink ? 'smooth join (C¹)' : k.ok ? 'kink: a subgradient ✓' : 'kink: outside [left, right] ✗';
      // Four decimals: the one-sided differences are within ε of the derivatives.
      const cells = [loss.label, ...[k.at, k.left, k.right, k.analytic].map((v) => (+v.toFixed(4) || 0).toString()), verdict];
      row.append(...cells.map((text, i) => {
        const td = document.createElement('td');
        td.textContent = text;
        if (i === 0) td.prepend(Object.assign(document.createElement('i'), { className: 'swatch', style: `background:${loss.color}` }));
        return td;
      }));
      row.title = `gradcheck: ${k.test}`;
      return row;
    }),
  );
}

showBackend(await init());
const read = {
  delta: slider('delta', (v) => v.toFixed(2), () => update()),
  variance: slider('variance', (v) => v.toFixed(2), () => update()),
  g: slider('g', (v) => v.toFixed(2), () => update()),
};

let queued = false;
function update(): void {
  if (queued) return;
  queued = true;
  requestAnimationFrame(() => {
    queued = false;
    const settings: Settings = { delta: read.delta(), variance: read.variance(), g: read.g() };
    table([...draw(regression, settings), ...draw(classification, settings)]);
    document.body.dataset.state = 'ready';
    document.body.dataset.drawn = JSON.stringify(settings); // what the figures show, for tests
  });
}
update();
