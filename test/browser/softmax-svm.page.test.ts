// The softmax-vs-SVM page in Chromium: its numbers against the formulas,
// written out here in float64: softmax p_k = e^{s_k} / Σ e^{s_j}, the
// cross-entropy −ln p_y with gradient p − onehot(y), the multiclass SVM loss
// Σ_{j≠y} max(0, s_j − s_y + Δ) with gradient +1 per violating class and
// minus their count for y. At the lecture's scores those give the lecture's
// figures: softmax of [3.2, 5.1, −1.7] ≈ [0.13, 0.87, 0.00], −ln 0.13 ≈ 2.04,
// and SVM losses 2.9, 0 and 12.9 (mean 5.27).
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openPage, screenshots, setRange, startDemo, type Demo } from './demo-server.js';

let demo: Demo;
let page: Page;
beforeAll(async () => {
  demo = await startDemo();
  page = await openPage(demo, 'softmax-svm.html', 'body[data-state=ready]');
});
afterAll(() => demo?.close());

/** Scores of each image (one row per image: cat, car, frog) and its class. */
const LECTURE = { scores: [[3.2, 5.1, -1.7], [1.3, 4.9, 2.0], [2.2, 2.5, -3.1]], labels: [0, 1, 2] };

const softmax = (s: number[]) => {
  const e = s.map((v) => Math.exp(v - Math.max(...s)));
  return e.map((v) => v / e.reduce((a, b) => a + b, 0));
};
const crossEntropy = (s: number[], y: number) => -Math.log(softmax(s)[y]);
const svm = (s: number[], y: number, margin = 1) => s.reduce((sum, v, j) => (j === y ? sum : sum + Math.max(0, v - s[y] + margin)), 0);
const svmGrad = (s: number[], y: number, margin = 1) => {
  const g = s.map((v, j): number => (j !== y && v - s[y] + margin > 0 ? 1 : 0));
  g[y] = -g.reduce((a, b) => a + b, 0);
  return g;
};

/** A class × image matrix of the page, as [image][class]. */
async function matrix(id: string): Promise<number[][]> {
  const byClass = await page.$$eval(`#${id} tr`, (trs) => trs.map((tr) => Array.from(tr.querySelectorAll('td'), (td) => Number(td.dataset.value))));
  return byClass[0].map((_, i) => byClass.map((row) => row[i]));
}
const row = (id: string) => page.$$eval(`#${id} td`, (tds) => tds.map((td) => Number((td as HTMLElement).dataset.value)));
const value = async (id: string) => Number(await page.getAttribute(`#${id}`, 'data-value'));

/** Every number on the page against the formulas, for the given scores. */
async function expectNumbers({ scores, labels }: { scores: number[][]; labels: number[] }, margin = 1): Promise<void> {
  const [p, grad, svmLoss, ceLoss, svmG, exps] = await Promise.all([matrix('ce-p'), matrix('ce-grad'), row('svm-loss'), row('ce-loss'), matrix('svm-grad'), matrix('ce-exp')]);
  scores.forEach((s, i) => {
    const y = labels[i];
    softmax(s).forEach((v, k) => expect(p[i][k]).toBeCloseTo(v, 5));
    softmax(s).forEach((v, k) => expect(grad[i][k]).toBeCloseTo(v - (k === y ? 1 : 0), 5));
    s.forEach((v, k) => expect(exps[i][k] / Math.exp(v)).toBeCloseTo(1, 5));
    expect(ceLoss[i]).toBeCloseTo(crossEntropy(s, y), 4);
    expect(svmLoss[i]).toBeCloseTo(svm(s, y, margin), 4);
    expect(svmG[i].map((v) => v + 0)).toEqual(svmGrad(s, y, margin).map((v) => v + 0)); // −0 and 0 alike
  });
  const mean = (v: number[]) => v.reduce((a, b) => a + b, 0) / v.length;
  expect(await value('svm-mean')).toBeCloseTo(mean(scores.map((s, i) => svm(s, labels[i], margin))), 4);
  expect(await value('ce-mean')).toBeCloseTo(mean(scores.map((s, i) => crossEntropy(s, labels[i]))), 4);
}

describe('the softmax vs SVM page', () => {
  it("shows the lecture's figures: softmax of [3.2, 5.1, −1.7] ≈ [0.13, 0.87, 0.00] and −ln 0.13 ≈ 2.04; SVM losses 2.9, 0, 12.9, mean 5.27", async () => {
    await expectNumbers(LECTURE);
    // The lecture's rounded figures, from the formulas above.
    expect(softmax(LECTURE.scores[0]).map((v) => v.toFixed(2))).toEqual(['0.13', '0.87', '0.00']);
    expect(crossEntropy(LECTURE.scores[0], 0).toFixed(2)).toBe('2.04');
    expect(LECTURE.scores.map((s, i) => +svm(s, LECTURE.labels[i]).toFixed(1))).toEqual([2.9, 0, 12.9]);
    expect(((2.9 + 0 + 12.9) / 3).toFixed(2)).toBe('5.27');
    expect((await page.$$eval('#ce-p td', (tds) => tds.map((td) => td.textContent)))).toEqual(['0.13', '0.03', '0.42', '0.87', '0.92', '0.57', '0.00', '0.05', '0.00']);
    expect(await page.$$eval('#svm-loss td', (tds) => tds.map((td) => td.textContent))).toEqual(['2.90', '0.00', '12.90']);
    expect(await page.textContent('#svm-mean')).toBe('5.27');
  });

  it('follows edits: a frog score of image 2 raised to 4.5 violates the margin (SVM loss 0.6), a new true class, a margin of 2', async () => {
    await page.fill('[aria-label="score of frog for image 2"]', '4.5');
    const edited = { scores: [LECTURE.scores[0], [1.3, 4.9, 4.5], LECTURE.scores[2]], labels: [0, 1, 2] };
    await expectNumbers(edited);
    expect(svm(edited.scores[1], 1)).toBeCloseTo(0.6, 12);
    await page.selectOption('[aria-label="true class of image 3"]', '1');
    edited.labels[2] = 1;
    await expectNumbers(edited);
    await setRange(page, 'margin', 2);
    await expectNumbers(edited, 2);
    await setRange(page, 'margin', 1);
  });

  it('doubles W: the SVM loss of a correctly classified image stays 0, its cross-entropy falls', async () => {
    await page.click('#preset-lecture');
    const before = await row('ce-loss');
    await page.click('#double');
    const doubled = { scores: LECTURE.scores.map((s) => s.map((v) => 2 * v)), labels: LECTURE.labels };
    await expectNumbers(doubled);
    const after = await row('ce-loss');
    expect((await row('svm-loss'))[1]).toBe(0);
    expect(after[1]).toBeLessThan(before[1]);
    await page.click('#preset-lecture');
  });

  it('writes screenshots at 1280×800 and at phone width', async () => {
    await screenshots(demo, page, 'softmax-svm', 'body[data-state=ready]');
  });
});
