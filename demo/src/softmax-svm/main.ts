// Softmax vs SVM: the lectures' worked examples as editable scores. Both
// losses of each image and their gradients with respect to the scores come
// from subgrad (losses.crossEntropy and losses.multiclassHinge, backward()),
// and a plot follows one score through both losses.
import { exp, init, losses, nn, relu, scope, tensor, type Tensor } from 'subgrad';
import { $, showBackend, showNumber, slider } from '../page.js';
import { Plot, legend, type SeriesStyle } from '../plot.js';

const CLASSES = ['cat', 'car', 'frog'];
const IMAGES = 3;
/** Scores by class (rows) and image (columns), and each image's class. */
interface Example {
  scores: number[][];
  labels: number[];
}
const PRESETS: Record<string, Example> = {
  // The three images of the lecture: SVM losses 2.9, 0 and 12.9; the first column is the softmax example.
  lecture: { scores: [[3.2, 1.3, 2.2], [5.1, 4.9, 2.5], [-1.7, 2.0, -3.1]], labels: [0, 1, 2] },
  // "Cross-entropy vs SVM loss": all three are cats; the SVM loss is 0 for each, cross-entropy is not.
  versus: { scores: [[10, 10, 10], [-2, 9, -100], [3, 9, -100]], labels: [0, 0, 0] },
};

const SWEEP = 241;
const series: Record<string, SeriesStyle> = {
  ce: { label: 'softmax cross-entropy', color: '#2563eb' },
  svm: { label: 'multiclass SVM (hinge)', color: '#ea580c' },
};

// The score inputs and label selects -------------------------------------------

const inputs: HTMLInputElement[][] = CLASSES.map(() => []);
const labels: HTMLSelectElement[] = [];
let selected: [number, number] = [1, 0]; // the car score of image 1

function buildScores(): void {
  const body = $('scores-body');
  const labelRow = document.createElement('tr');
  labelRow.append(Object.assign(document.createElement('th'), { textContent: 'true class' }));
  for (let i = 0; i < IMAGES; i++) {
    const select = document.createElement('select');
    select.append(...CLASSES.map((c, k) => new Option(c, String(k))));
    select.setAttribute('aria-label', `true class of image ${i + 1}`);
    select.addEventListener('change', update);
    labels.push(select);
    const td = document.createElement('td');
    td.append(select);
    labelRow.append(td);
  }
  body.append(labelRow);
  CLASSES.forEach((c, k) => {
    const row = document.createElement('tr');
    row.append(Object.assign(document.createElement('th'), { textContent: `score of ${c}` }));
    for (let i = 0; i < IMAGES; i++) {
      const input = Object.assign(document.createElement('input'), { type: 'number', step: '0.1', inputMode: 'decimal' });
      input.setAttribute('aria-label', `score of ${c} for image ${i + 1}`);
      input.addEventListener('input', update);
      input.addEventListener('focus', () => ((selected = [k, i]), update()));
      inputs[k].push(input);
      const td = document.createElement('td');
      td.append(input);
      row.append(td);
    }
    body.append(row);
  });
}

function load(e: Example): void {
  e.scores.forEach((row, k) => row.forEach((v, i) => (inputs[k][i].value = String(v))));
  e.labels.forEach((y, i) => (labels[i].value = String(y)));
  update();
}

/** The scores as the losses take them: one row per image, one column per class; null if one is not a number. */
function read(): { scores: number[][]; labels: number[] } | null {
  const scores = Array.from({ length: IMAGES }, (_, i) => CLASSES.map((_, k) => Number(inputs[k][i].value)));
  const ok = scores.flat().every((v, j) => Number.isFinite(v) && inputs[j % 3][Math.floor(j / 3)].value.trim() !== '');
  return ok ? { scores, labels: labels.map((s) => Number(s.value)) } : null;
}

// The losses ------------------------------------------------------------------------

/** Per-image losses and their gradients with respect to the scores, from the engine. */
function lossesOf(scores: number[][], y: number[], margin: number) {
  const run = (loss: (s: Tensor) => Tensor) =>
    scope(() => {
      const s = tensor(scores, undefined, { requiresGrad: true });
      const l = loss(s);
      l.sum().backward();
      return { loss: Array.from(l.data()), grad: s.grad!.toArray() as number[][] };
    });
  const labelsOf = () => tensor(Int32Array.from(y));
  return {
    ce: run((s) => losses.crossEntropy(s, labelsOf(), { reduction: 'none' })),
    svm: run((s) => losses.multiclassHinge(s, labelsOf(), { margin, reduction: 'none' })),
    exp: scope(() => exp(tensor(scores)).toArray() as number[][]),
    // The SVM's terms max(0, s_j − s_y + Δ), as multiclassHinge forms them.
    terms: scope(() => {
      const s = tensor(scores);
      return relu(s.sub(s.pick(labelsOf()).reshape([scores.length, 1])).add(margin)).toArray() as number[][];
    }),
    p: scope(() => nn.functional.softmax(tensor(scores)).toArray() as number[][]),
  };
}

/** A class × image matrix: values[i][k] for image i and class k, the true class of each image marked. */
function matrix(id: string, values: (number | null)[][], y: number[], digits: number): void {
  const body = $(id);
  body.replaceChildren(
    ...CLASSES.map((c, k) => {
      const row = document.createElement('tr');
      row.append(Object.assign(document.createElement('th'), { textContent: c }));
      for (let i = 0; i < IMAGES; i++) {
        const td = document.createElement('td');
        td.className = 'num';
        const v = values[i][k];
        if (v === null) td.textContent = '—';
        else showNumber(td, v, v.toFixed(digits));
        td.classList.toggle('label', y[i] === k);
        row.append(td);
      }
      return row;
    }),
  );
}

function lossRow(id: string, values: number[]): void {
  $(id).querySelectorAll<HTMLElement>('td').forEach((td, i) => showNumber(td, values[i], values[i].toFixed(2)));
}

const curves = $('curves');
curves.before(legend(series));
const lossPlot = new Plot(curves, { title: 'Loss of the image', height: 240, legend: false, x: { label: 'the selected score (logit units)' }, y: { label: 'loss Lᵢ', min: 0 } }, series);
const gradPlot = new Plot(curves, { title: 'Its derivative', height: 240, legend: false, x: { label: 'the selected score (logit units)' }, y: { label: '∂Lᵢ/∂s' } }, series);

/** Both losses of the selected image as its selected score sweeps ±6 around its value. */
function sweep(scores: number[][], y: number[], margin: number): void {
  const [k, i] = selected;
  const at = scores[i][k];
  const values = Float64Array.from({ length: SWEEP }, (_, j) => at - 6 + (12 * j) / (SWEEP - 1));
  const rows = Array.from(values, (v) => scores[i].map((s, c) => (c === k ? v : s)));
  const r = lossesOf(rows, Array(SWEEP).fill(y[i]), margin);
  for (const key of ['ce', 'svm'] as const) {
    lossPlot.set(key, Array.from(values, (v, j) => [v, r[key].loss[j]]));
    gradPlot.set(key, Array.from(values, (v, j) => [v, r[key].grad[j][k]]));
  }
  const here = lossesOf([scores[i]], [y[i]], margin);
  lossPlot.setMarks((['ce', 'svm'] as const).map((key) => ({ x: at, y: here[key].loss[0], color: series[key].color })));
  gradPlot.setMarks((['ce', 'svm'] as const).map((key) => ({ x: at, y: here[key].grad[0][k], color: series[key].color })));
  $('selected').textContent = `image ${i + 1} (a ${CLASSES[y[i]]}), the score of ${CLASSES[k]}: ${at}`;
  inputs.flat().forEach((input) => input.classList.toggle('selected', input === inputs[k][i]));
}

const margin = slider('margin', (v) => v.toFixed(1), () => update());

function update(): void {
  const e = read();
  $('scores-error').textContent = e ? '' : 'Every score must be a number.';
  if (!e) return;
  const { scores, labels: y } = e;
  const r = lossesOf(scores, y, margin());
  matrix('ce-exp', r.exp, y, 2);
  matrix('ce-p', r.p, y, 2);
  matrix('ce-grad', r.ce.grad, y, 2);
  // The label's own term is not one of the SVM's.
  matrix('svm-terms', r.terms.map((row, i) => row.map((v, k) => (k === y[i] ? null : v))), y, 2);
  matrix('svm-grad', r.svm.grad, y, 0);
  lossRow('ce-loss', r.ce.loss);
  lossRow('svm-loss', r.svm.loss);
  const mean = (v: number[]) => v.reduce((a, b) => a + b, 0) / v.length;
  showNumber($('ce-mean'), mean(r.ce.loss), mean(r.ce.loss).toFixed(2));
  showNumber($('svm-mean'), mean(r.svm.loss), mean(r.svm.loss).toFixed(2));
  sweep(scores, y, margin());
  document.body.dataset.state = 'ready';
}

buildScores();
for (const [name, preset] of Object.entries(PRESETS)) $(`preset-${name}`).addEventListener('click', () => load(preset));
$('double').addEventListener('click', () => {
  const e = read();
  if (e) load({ scores: CLASSES.map((_, k) => e.scores.map((row) => +(2 * row[k]).toFixed(6))), labels: e.labels });
});
showBackend(await init());
load(PRESETS.lecture);
