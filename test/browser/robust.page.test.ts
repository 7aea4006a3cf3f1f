// The robust-regression page in Chromium: each line must reach the minimum
// of its own loss over the points the page holds, computed here in float64
// without subgrad: least squares in closed form; least absolute deviations
// by trying every line through two points (an optimal L1 line passes through
// two of them); Huber by iteratively reweighted least squares (weights
// min(1, δ/|r|), which converge to its minimum). Then the lecture's point:
// outliers drag the MSE line, hardly the others.
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openPage, screenshots, setRange, startDemo, type Demo } from './demo-server.js';

let demo: Demo;
let page: Page;
beforeAll(async () => {
  demo = await startDemo();
  page = await openPage(demo, 'robust.html', 'body[data-state=settled]');
});
afterAll(() => demo?.close());

type Pt = [number, number];
type Fit = { slope: number; intercept: number; loss: number };

const meanOf = (points: Pt[], f: (r: number) => number, a: number, b: number) => points.reduce((s, [x, y]) => s + f(a * x + b - y), 0) / points.length;
const huberLoss = (delta: number) => (r: number) => (Math.abs(r) <= delta ? 0.5 * r * r : delta * (Math.abs(r) - 0.5 * delta));

function leastSquares(p: Pt[]): Fit {
  const [mx, my] = [p.reduce((s, q) => s + q[0], 0) / p.length, p.reduce((s, q) => s + q[1], 0) / p.length];
  const slope = p.reduce((s, [x, y]) => s + (x - mx) * (y - my), 0) / p.reduce((s, [x]) => s + (x - mx) ** 2, 0);
  const intercept = my - slope * mx;
  return { slope, intercept, loss: meanOf(p, (r) => r * r, slope, intercept) };
}

function leastAbsolute(p: Pt[]): Fit {
  let best: Fit = { slope: 0, intercept: 0, loss: Infinity };
  for (const [i, [x1, y1]] of p.entries()) {
    for (const [x2, y2] of p.slice(i + 1)) {
      if (x1 === x2) continue;
      const slope = (y2 - y1) / (x2 - x1);
      const loss = meanOf(p, Math.abs, slope, y1 - slope * x1);
      if (loss < best.loss) best = { slope, intercept: y1 - slope * x1, loss };
    }
  }
  return best;
}

function huber(p: Pt[], delta: number): Fit {
  let { slope: a, intercept: b } = leastSquares(p);
  for (let k = 0; k < 500; k++) {
    const w = p.map(([x, y]) => Math.min(1, delta / Math.max(Math.abs(a * x + b - y), 1e-300)));
    const [s, sx, sy, sxx, sxy] = p.reduce((t, [x, y], i) => [t[0] + w[i], t[1] + w[i] * x, t[2] + w[i] * y, t[3] + w[i] * x * x, t[4] + w[i] * x * y], [0, 0, 0, 0, 0]);
    a = (s * sxy - sx * sy) / (s * sxx - sx * sx);
    b = (sy - a * sx) / s;
  }
  return { slope: a, intercept: b, loss: meanOf(p, huberLoss(delta), a, b) };
}

async function pageFits(): Promise<{ points: Pt[]; fits: Record<'mse' | 'mae' | 'huber', Fit> }> {
  await page.waitForSelector('body[data-state=settled]', { timeout: 60_000 });
  const points = JSON.parse((await page.getAttribute('#scatter', 'data-points'))!) as Pt[];
  const read = async (name: string) => {
    const [slope, intercept, loss] = await page.$$eval(`#fit-${name} td.num`, (tds) => tds.map((td) => Number((td as HTMLElement).dataset.value)));
    return { slope, intercept, loss };
  };
  return { points, fits: { mse: await read('mse'), mae: await read('mae'), huber: await read('huber') } };
}

/** Each line's own loss at most 1e-4 (relative) above the true minimum; the smooth losses' lines themselves close to it. */
async function expectOptimal(delta: number): Promise<Record<'mse' | 'mae' | 'huber', Fit>> {
  const { points, fits } = await pageFits();
  const best = { mse: leastSquares(points), mae: leastAbsolute(points), huber: huber(points, delta) };
  for (const name of ['mse', 'mae', 'huber'] as const) {
    expect(fits[name].loss / best[name].loss - 1, name).toBeLessThan(1e-4);
    expect(fits[name].loss / best[name].loss - 1, name).toBeGreaterThan(-1e-5);
  }
  for (const name of ['mse', 'huber'] as const) {
    expect(fits[name].slope).toBeCloseTo(best[name].slope, 2);
    expect(fits[name].intercept).toBeCloseTo(best[name].intercept, 2);
  }
  return fits;
}

describe('the robust-regression page', () => {
  let clean: Record<'mse' | 'mae' | 'huber', Fit>;

  it('fits the clean points: each line at the minimum of its own loss, all three near one another', async () => {
    clean = await expectOptimal(1);
    expect(Math.abs(clean.mse.slope - clean.mae.slope)).toBeLessThan(0.1);
    expect(Math.abs(clean.mse.slope - clean.huber.slope)).toBeLessThan(0.1);
  });

  it('adds four gross outliers: the MSE line swings, MAE and Huber stay near their clean lines, all at their new minima', async () => {
    await page.click('#outliers');
    const dirty = await expectOptimal(1);
    const moved = (name: 'mse' | 'mae' | 'huber') => Math.abs(dirty[name].slope - clean[name].slope);
    expect(moved('mse')).toBeGreaterThan(0.25);
    expect(moved('mae')).toBeLessThan(moved('mse') / 4);
    expect(moved('huber')).toBeLessThan(moved('mse') / 2);
  });

  it('follows a dragged point and a new δ', async () => {
    const [x, y] = JSON.parse((await page.getAttribute('#scatter', 'data-points'))!)[0] as Pt;
    // Where the point is on screen, from the plot's area and ranges (the canvas's data-area and data-range).
    const from = await page.evaluate(([px, py]) => {
      const canvas = document.querySelector<HTMLCanvasElement>('#scatter canvas')!;
      const r = canvas.getBoundingClientRect();
      const [left, top, right, bottom] = canvas.dataset.area!.split(',').map(Number);
      const [x0, x1, y0, y1] = canvas.dataset.range!.split(',').map(Number);
      return [r.left + left + ((right - left) * (px - x0)) / (x1 - x0), r.top + bottom - ((bottom - top) * (py - y0)) / (y1 - y0)];
    }, [x, y]);
    await page.mouse.move(from[0], from[1]);
    await page.mouse.down();
    await page.mouse.move(from[0] + 40, from[1] - 200, { steps: 8 });
    await page.mouse.up();
    const points = JSON.parse((await page.getAttribute('#scatter', 'data-points'))!) as Pt[];
    expect(points[0][1]).toBeGreaterThan(y + 2); // dragged up
    await setRange(page, 'delta', 0.5);
    await expectOptimal(0.5);
  });

  it('writes screenshots at 1280×800 and at phone width', async () => {
    await page.click('#reset');
    await page.click('#outliers');
    await page.waitForSelector('body[data-state=settled]', { timeout: 60_000 });
    await screenshots(demo, page, 'robust', 'body[data-state=settled]', async (phone) => {
      await phone.click('#outliers');
      await phone.waitForSelector('body[data-state=settled]', { timeout: 60_000 });
    });
  });
});
