// The model-selection page: k-fold cross-validation of the L2 strength λ on
// the digits, by grid or random search, in the worker. The validation curve
// and the table grow as folds finish; the chosen λ is evaluated once on a
// test split set aside before the search.
import { $, showBackend, showNumber, slider } from '../page.js';
import { Plot, type Point } from '../plot.js';
import type { FoldResult, FromWorker, SearchConfig, ToWorker } from './protocol.js';

const worker = new Worker(new URL('./worker.ts', import.meta.url), { type: 'module', name: 'subgrad-model-selection' });
const send = (m: ToWorker) => worker.postMessage(m);
const RANDOM_RANGE = { low: 1e-5, high: 1 };
const pct = (v: number) => `${(100 * v).toFixed(1)}%`;
/** λ to two digits: 0.5, 0.01, 3.4e-3, 1e-5. */
const lambdaText = (l: number) => (l >= 0.01 ? String(+l.toPrecision(2)) : l.toExponential(1).replace('.0e', 'e'));

const plot = new Plot($('curve'), { title: 'Validation curve', height: 320, x: { label: 'L2 strength λ (log scale)', log: true, min: 1e-5, max: 1, format: lambdaText }, y: { label: 'accuracy', min: 0.4, max: 1, format: (v) => `${Math.round(v * 100)}%` } }, {
  train: { label: 'training folds (mean)', color: '#2563eb', markers: true },
  val: { label: 'validation fold (mean)', color: '#ea580c', markers: true, width: 2.5 },
  folds: { label: 'each validation fold', color: '#fdba74', line: false, markers: true, markerSize: 3 },
});

const trials = slider('trials', String, () => {});
const epochs = slider('epochs', String, () => {});
const searchSelect = $<HTMLSelectElement>('search');
const showSearch = () => {
  $('grid-settings').hidden = searchSelect.value !== 'grid';
  $('random-settings').hidden = searchSelect.value !== 'random';
};
searchSelect.addEventListener('change', showSearch);
showSearch();

/** The settings, or what is wrong with them. */
function readConfig(): SearchConfig | string {
  const lambdas = $<HTMLInputElement>('lambdas').value.split(/[\s,]+/).filter(Boolean).map(Number);
  if (searchSelect.value === 'grid' && !(lambdas.length > 0 && lambdas.every((l) => l > 0 && Number.isFinite(l)))) {
    return 'λ values: numbers above 0 (the axis is logarithmic), separated by commas.';
  }
  return {
    search: searchSelect.value as SearchConfig['search'], lambdas, trials: trials(), ...RANDOM_RANGE,
    k: Number($<HTMLSelectElement>('k').value), perClass: Number($<HTMLSelectElement>('per-class').value), epochs: epochs(), seed: 1,
  };
}

// A run: its folds as they arrive ---------------------------------------------------------

let id = 0;
let config: SearchConfig | null = null;
let results: FoldResult[] = [];

$('run').addEventListener('click', () => {
  const c = readConfig();
  $('config-error').textContent = typeof c === 'string' ? c : '';
  if (typeof c === 'string') return;
  config = c;
  results = [];
  plot.clear();
  $('results').replaceChildren();
  $('summary').textContent = 'Splitting…';
  document.body.dataset.state = 'running';
  send({ type: 'run', id: ++id, config: c });
});

interface Candidate {
  trial: number;
  lambda: number;
  folds: FoldResult[];
}

function candidates(): Candidate[] {
  const byTrial = new Map<number, Candidate>();
  for (const r of results) {
    if (!byTrial.has(r.trial)) byTrial.set(r.trial, { trial: r.trial, lambda: r.lambda, folds: [] });
    byTrial.get(r.trial)!.folds.push(r);
  }
  return [...byTrial.values()];
}

const mean = (v: number[]) => v.reduce((a, b) => a + b, 0) / v.length;
const sd = (v: number[]) => Math.sqrt(v.reduce((s, x) => s + (x - mean(v)) ** 2, 0) / Math.max(1, v.length - 1));

function draw(best?: number): void {
  const list = candidates();
  const done = list.filter((c) => c.folds.length === config!.k).sort((a, b) => a.lambda - b.lambda);
  plot.set('val', done.map((c): Point => [c.lambda, mean(c.folds.map((f) => f.valAccuracy))]));
  plot.set('train', done.map((c): Point => [c.lambda, mean(c.folds.map((f) => f.trainAccuracy))]));
  plot.set('folds', results.map((r): Point => [r.lambda, r.valAccuracy]));
  $('results').replaceChildren(
    ...list.map((c) => {
      const row = document.createElement('tr');
      const val = c.folds.map((f) => f.valAccuracy);
      Object.assign(row.dataset, { trial: String(c.trial), lambda: String(c.lambda), folds: JSON.stringify(val) });
      row.classList.toggle('best', c.lambda === best);
      // The summary first (it stays in view on a phone), then each fold.
      const complete = val.length === config!.k;
      if (complete) row.dataset.mean = String(mean(val));
      const cells = [
        lambdaText(c.lambda),
        ...(complete ? [pct(mean(val)), `± ${pct(sd(val))}`, pct(mean(c.folds.map((f) => f.trainAccuracy)))] : ['…', '', '']),
        ...Array.from({ length: config!.k }, (_, i) => (val[i] === undefined ? '…' : pct(val[i]))),
      ];
      row.append(...cells.map((text, i) => Object.assign(document.createElement('td'), { textContent: text, className: i > 0 ? 'num' : '' })));
      return row;
    }),
  );
}

worker.onmessage = (e: MessageEvent<FromWorker>) => {
  const m = e.data;
  if (m.type === 'ready') {
    showBackend(m.info);
    $<HTMLButtonElement>('run').disabled = false;
    document.body.dataset.state = 'idle';
  } else if (m.type === 'error') {
    $('config-error').textContent = m.message;
    document.body.dataset.state = 'idle';
  } else if (m.id !== id) return;
  else if (m.type === 'split') {
    $('results-head').innerHTML = `<tr><th>λ</th><th class="num">mean</th><th class="num">sd</th><th class="num">train</th>${m.foldSizes.map((n, i) => `<th class="num">fold ${i + 1} (${n})</th>`).join('')}</tr>`;
    $('summary').textContent = `${m.selection + m.test} digits: ${m.test} set aside for the test; the other ${m.selection} in ${m.foldSizes.length} stratified folds (validation sizes ${m.foldSizes.join(', ')}).`;
    $('summary').dataset.selection = String(m.selection);
    $('summary').dataset.test = String(m.test);
    $('summary').dataset.foldSizes = JSON.stringify(m.foldSizes);
  } else if (m.type === 'fold') {
    results.push(m);
    draw();
  } else if (m.type === 'final') {
    draw(m.best);
    const el = $('final');
    showNumber(el, m.testAccuracy, `Chosen λ = ${lambdaText(m.best)} (mean validation accuracy ${pct(m.bestScore)}); retrained on all ${$('summary').dataset.selection} selection digits, then evaluated once on the ${$('summary').dataset.test} test digits: test accuracy ${pct(m.testAccuracy)}.`);
    el.dataset.best = String(m.best);
    document.body.dataset.state = 'done';
  }
};
worker.onerror = (e) => void ($('config-error').textContent = `The search worker failed: ${e.message}`);
document.body.dataset.state = 'loading';
send({ type: 'load', base: document.baseURI });
