// The optimizer page in Chromium. GD on Booth's quadratic from (−8, 8) has a
// closed form: its error e = w − (1, 3) = (−9, 5) splits along the Hessian's
// eigenvectors (1, 1)/√2 (λ = 18, component −4/√2) and (1, −1)/√2 (λ = 2,
// component −14/√2), each multiplied by 1 − ηλ per step, so after k steps
// ‖e‖ = √(8(1 − 18η)^{2k} + 98(1 − 2η)^{2k}). The page's runs (float32 on
// the Wasm kernels) must land there, and name the lecture's four regimes.
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openPage, screenshots, setRange, startDemo, type Demo } from './demo-server.js';

let demo: Demo;
let page: Page;
beforeAll(async () => {
  demo = await startDemo();
  page = await openPage(demo, 'optimizers.html', 'body[data-state=ready]');
});
afterAll(() => demo?.close());

interface Result {
  key: string;
  lr: number;
  steps: number;
  x: number;
  y: number;
  distance: number;
  verdict: string;
}

/** Waits for the job the last change sent, then reads the results table. */
async function results(): Promise<Result[]> {
  await page.waitForSelector('body[data-state=ready]', { timeout: 60_000 });
  const rows = await page.$$eval('#results tr', (trs) => trs.map((tr) => ({ ...(tr as HTMLElement).dataset })));
  return rows.map((r) => ({ key: r.key!, lr: Number(r.lr), steps: Number(r.steps), x: Number(r.x), y: Number(r.y), distance: Number(r.distance), verdict: r.verdict! }));
}

async function select(id: string, value: string): Promise<void> {
  await page.selectOption(`#${id}`, value);
}

const boothDistance = (lr: number, k: number) => Math.sqrt(8 * (1 - 18 * lr) ** (2 * k) + 98 * (1 - 2 * lr) ** (2 * k));

describe('the optimizer page', () => {
  it("shows GD's four regimes on Booth from (−8, 8) in 100 steps, at the closed form's distances", async () => {
    await select('mode', 'regimes');
    const rows = await results();
    expect(rows.map((r) => [r.lr, r.steps, r.verdict])).toEqual([
      [0.01, 100, 'falls short'],
      [0.1, 100, 'converges'],
      [0.11, 100, 'oscillates'],
      [0.12, 100, 'diverges'],
    ]);
    for (const r of rows) {
      const want = boothDistance(r.lr, 100);
      // Float32 iterates: relative error 1e-4 where the distance is large, within float32's resolution near (1, 3).
      if (want > 1e-3) expect(Math.abs(r.distance - want) / want).toBeLessThan(1e-4);
      else expect(r.distance).toBeLessThan(1e-5);
    }
    expect(boothDistance(0.01, 100)).toBeCloseTo(1.3129, 4); // falls short: 0.98¹⁰⁰ of the slow component left
    expect(boothDistance(0.11, 100)).toBeCloseTo(0.3751, 4); // oscillates: 0.98¹⁰⁰ of the steep one
    expect(boothDistance(0.12, 100)).toBeGreaterThan(7e6); // diverges: 1.16¹⁰⁰
  });

  it('says why: λmax = 18 from the engine, so the critical learning rate is 2/λmax = 1/9', async () => {
    expect(Number(await page.getAttribute('#regimes-why', 'data-lambda-max'))).toBeCloseTo(18, 3);
    expect(Number(await page.getAttribute('#regimes-why', 'data-critical'))).toBeCloseTo(1 / 9, 5);
    expect(await page.textContent('#critical')).toBe('0.1111');
    expect(await page.isVisible('#regimes-why')).toBe(true);
  });

  it('writes screenshots of the regimes at 1280×800 and at phone width', async () => {
    await page.click('#play'); // Replay from step 0 …
    await setRange(page, 'step', 100); // … and jump to the end.
    await screenshots(demo, page, 'optimizers-regimes', 'body[data-state=ready]', async (phone) => {
      await phone.selectOption('#mode', 'regimes');
      await phone.waitForSelector('body[data-state=ready]');
      await setRange(phone, 'step', 100);
    });
  });

  it('gives the same path for both forms of momentum (their iterates agree while η is constant)', async () => {
    await select('mode', 'compare');
    await page.check('.opt[data-optimizer=velocity] input[type=checkbox]');
    const rows = await results();
    const [pytorch, velocity] = ['momentum', 'velocity'].map((k) => rows.find((r) => r.key === k)!);
    expect(velocity.lr).toBe(pytorch.lr);
    expect(Math.abs(velocity.x - pytorch.x)).toBeLessThan(1e-4);
    expect(Math.abs(velocity.y - pytorch.y)).toBeLessThan(1e-4);
  });

  it('brings L-BFGS to the minimum of Booth (1, 3) and of Rosenbrock (1, 1)', async () => {
    const lbfgs = async () => (await results()).find((r) => r.key === 'lbfgs')!;
    const booth = await lbfgs();
    expect(Math.hypot(booth.x - 1, booth.y - 3)).toBeLessThan(1e-3);
    await select('surface', 'rosenbrock');
    const rosenbrock = await lbfgs();
    expect(Math.hypot(rosenbrock.x - 1, rosenbrock.y - 1)).toBeLessThan(1e-3);
  });

  it('runs every optimizer with its slider settings: a smaller η for GD on Rosenbrock moves it less far', async () => {
    for (const name of ['velocity', 'adadelta', 'amsgrad', 'nadam']) await page.check(`.opt[data-optimizer=${name}] input[type=checkbox]`);
    const before = (await results()).find((r) => r.key === 'gd')!;
    expect((await results()).map((r) => r.key).sort()).toEqual(['adadelta', 'adagrad', 'adam', 'amsgrad', 'gd', 'lbfgs', 'momentum', 'nadam', 'nesterov', 'rmsprop', 'velocity']);
    // Rosenbrock's GD rate is 10⁻³ on the slider; one notch down is 9·10⁻⁴.
    await page.$eval('.opt[data-optimizer=gd] input[type=range]', (el) => {
      const input = el as HTMLInputElement;
      input.value = String(Number(input.value) - 1);
      input.dispatchEvent(new Event('input', { bubbles: true }));
    });
    const after = (await results()).find((r) => r.key === 'gd')!;
    expect(after.lr).toBe(9e-4);
    expect(Math.hypot(after.x + 1.2, after.y - 1)).toBeLessThan(Math.hypot(before.x + 1.2, before.y - 1));
  });

  it('writes screenshots of the optimizers side by side at 1280×800 and at phone width', async () => {
    await select('surface', 'booth');
    await results();
    await setRange(page, 'step', 100);
    await screenshots(demo, page, 'optimizers', 'body[data-state=ready]', async (phone) => setRange(phone, 'step', 100));
  });
});
