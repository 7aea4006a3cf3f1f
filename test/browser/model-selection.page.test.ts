// The model-selection page in Chromium, at a small size (50 digits per
// class, 3 folds, 5 epochs): the split sizes follow from the fractions (20%
// of each class to the test, the rest dealt into k stratified folds); every
// λ gets k folds; each mean is the folds' average, computed here; the chosen
// λ is the best mean; a strong penalty (λ = 1) underfits; random search
// draws its λs from [10⁻⁵, 1).
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openPage, screenshots, setRange, startDemo, type Demo } from './demo-server.js';

let demo: Demo;
let page: Page;
beforeAll(async () => {
  demo = await startDemo();
  page = await openPage(demo, 'model-selection.html', 'body[data-state=idle]');
});
afterAll(() => demo?.close());

interface Row {
  lambda: number;
  folds: number[];
  mean: number;
}

async function run(settings: { search: string; lambdas?: string; trials?: number; k: string; perClass: string; epochs: number }): Promise<Row[]> {
  await page.selectOption('#search', settings.search);
  if (settings.lambdas) await page.fill('#lambdas', settings.lambdas);
  if (settings.trials) await setRange(page, 'trials', settings.trials);
  await page.selectOption('#k', settings.k);
  await page.selectOption('#per-class', settings.perClass);
  await setRange(page, 'epochs', settings.epochs);
  await page.click('#run');
  await page.waitForSelector('body[data-state=done]', { timeout: 120_000 });
  const rows = await page.$$eval('#results tr', (trs) => trs.map((tr) => ({ ...(tr as HTMLElement).dataset })));
  return rows.map((r) => ({ lambda: Number(r.lambda), folds: JSON.parse(r.folds!), mean: Number(r.mean) }));
}

const mean = (v: number[]) => v.reduce((a, b) => a + b, 0) / v.length;

describe('the model-selection page', () => {
  it('splits 500 digits into 100 for the test and 3 stratified folds of the other 400', async () => {
    const rows = await run({ search: 'grid', lambdas: '1e-4, 0.01, 1', k: '3', perClass: '50', epochs: 5 });
    expect(Number(await page.getAttribute('#summary', 'data-test'))).toBe(10 * 50 * 0.2);
    expect(Number(await page.getAttribute('#summary', 'data-selection'))).toBe(10 * 50 * 0.8);
    // 40 digits of each class dealt out in turn, class after class: 400 = 134 + 133 + 133.
    const sizes = JSON.parse((await page.getAttribute('#summary', 'data-fold-sizes'))!) as number[];
    expect(sizes).toEqual([134, 133, 133]);
    expect(rows.map((r) => r.lambda)).toEqual([1e-4, 0.01, 1]);
  });

  it('scores each λ by the mean of its 3 folds, chooses the best, and λ = 1 underfits', async () => {
    const rows = await page.$$eval('#results tr', (trs) => trs.map((tr) => ({ ...(tr as HTMLElement).dataset })));
    const table = rows.map((r) => ({ lambda: Number(r.lambda), folds: JSON.parse(r.folds!) as number[], mean: Number(r.mean) }));
    for (const r of table) {
      expect(r.folds).toHaveLength(3);
      r.folds.forEach((a) => expect(a).toBeGreaterThanOrEqual(0));
      expect(r.mean).toBeCloseTo(mean(r.folds), 12);
    }
    const best = table.reduce((b, r) => (r.mean > b.mean ? r : b));
    expect(Number(await page.getAttribute('#final', 'data-best'))).toBe(best.lambda);
    expect(best.mean).toBeGreaterThan(0.7);
    expect(table.find((r) => r.lambda === 1)!.mean).toBeLessThan(best.mean - 0.1);
    const test = Number(await page.getAttribute('#final', 'data-value'));
    expect(test).toBeGreaterThan(0.6);
    expect(test).toBeLessThanOrEqual(1);
  });

  it('runs a random search: 4 trials, each λ log-uniform in [10⁻⁵, 1)', async () => {
    const rows = await run({ search: 'random', trials: 4, k: '3', perClass: '50', epochs: 3 });
    expect(rows).toHaveLength(4);
    for (const r of rows) {
      expect(r.lambda).toBeGreaterThanOrEqual(1e-5);
      expect(r.lambda).toBeLessThan(1);
      expect(r.folds).toHaveLength(3);
    }
    expect(new Set(rows.map((r) => r.lambda)).size).toBe(4);
  });

  it('refuses a λ of 0 (the curve has a log axis) before running', async () => {
    await page.selectOption('#search', 'grid');
    await page.fill('#lambdas', '0, 0.1');
    await page.click('#run');
    expect(await page.textContent('#config-error')).toBe('λ values: numbers above 0 (the axis is logarithmic), separated by commas.');
    expect(await page.evaluate(() => document.body.dataset.state)).toBe('done');
  });

  it('writes screenshots at 1280×800 and at phone width, after a default search (100 digits per class, 5 folds, 6 λs)', async () => {
    const defaults = { search: 'grid', lambdas: '1e-5, 1e-4, 1e-3, 1e-2, 0.1, 1', k: '5', perClass: '100', epochs: 10 };
    expect(await run(defaults)).toHaveLength(6);
    await screenshots(demo, page, 'model-selection', 'body[data-state=idle]', async (phone) => {
      await phone.click('#run');
      await phone.waitForSelector('body[data-state=done]', { timeout: 120_000 });
    });
  });
});
