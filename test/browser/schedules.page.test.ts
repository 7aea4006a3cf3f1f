// The schedules page in Chromium: each schedule's learning rate at every
// step against its formula, written out here (step: η₀·γ^⌊t/s⌋ with
// s = T/3; exponential: η₀·γ^t; cosine: ½η₀(1 + cos(πt/T)); warm-up: η₀·t/w
// for t < w, then the cosine over the remaining T − w steps), and the small
// models trained under each: one loss every 10 steps, finite, falling (the
// constant rate's loss keeps bouncing; the decaying ones settle lower).
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openPage, screenshots, setRange, startDemo, type Demo } from './demo-server.js';

let demo: Demo;
let page: Page;
beforeAll(async () => {
  demo = await startDemo();
  page = await openPage(demo, 'schedules.html', 'body[data-state=done]');
});
afterAll(() => demo?.close());

const NAMES = ['constant', 'step', 'exponential', 'cosine', 'warmup'] as const;
type Name = (typeof NAMES)[number];

function formula(name: Name, t: number, s: { lr: number; steps: number; stepGamma: number; gamma: number; warmup: number }): number {
  const cosine = (u: number, T: number) => 0.5 * s.lr * (1 + Math.cos((Math.PI * u) / T));
  if (name === 'step') return s.lr * s.stepGamma ** Math.floor(t / Math.round(s.steps / 3));
  if (name === 'exponential') return s.lr * s.gamma ** t;
  if (name === 'cosine') return cosine(t, s.steps);
  if (name === 'warmup') return t < s.warmup ? (s.lr * t) / s.warmup : cosine(t - s.warmup, s.steps - s.warmup);
  return s.lr;
}

async function check(s: Parameters<typeof formula>[2]): Promise<void> {
  await page.waitForSelector('body[data-state=done]', { timeout: 120_000 });
  for (const name of NAMES) {
    const rates = JSON.parse((await page.getAttribute(`#row-${name}`, 'data-rates'))!) as number[];
    expect(rates).toHaveLength(s.steps + 1);
    rates.forEach((r, t) => expect(Math.abs(r - formula(name, t, s)), `${name} at t = ${t}`).toBeLessThan(1e-12));
    const [, , final, lowest] = await page.$$eval(`#row-${name} td.num`, (tds) => tds.map((td) => Number((td as HTMLElement).dataset.value)));
    expect(Number.isFinite(final)).toBe(true);
    expect(lowest).toBeLessThanOrEqual(final);
  }
}

describe('the schedules page', () => {
  it('draws each schedule from its formula at every one of the 1,000 steps (η₀ = 0.5, ×0.1 at T/3, γ = 0.9955, 100 warm-up steps)', async () => {
    await check({ lr: 0.5, steps: 1000, stepGamma: 0.1, gamma: 0.9955, warmup: 100 });
  });

  it('trains a model under each, one full-batch loss every 10 steps: all fall; every decaying schedule to below half the first', async () => {
    for (const name of NAMES) {
      const losses = JSON.parse((await page.getAttribute(`#row-${name}`, 'data-losses'))!) as number[];
      expect(losses).toHaveLength(1000 / 10 + 1);
      expect(losses.every(Number.isFinite)).toBe(true);
      const [first, final] = [losses[0], losses[losses.length - 1]];
      expect(final, name).toBeLessThan(first);
      if (name !== 'constant') expect(final, name).toBeLessThan(first / 2);
    }
  });

  it('follows the sliders: η₀ = 0.2, T = 500, ×0.5 at T/3, γ = 0.99, 50 warm-up steps', async () => {
    await setRange(page, 'lr', 4); // the slider's fifth rate, 0.2
    await setRange(page, 'steps', 500);
    await setRange(page, 'step-gamma', 0.5);
    await setRange(page, 'gamma', 0.99);
    await setRange(page, 'warmup', 50);
    await check({ lr: 0.2, steps: 500, stepGamma: 0.5, gamma: 0.99, warmup: 50 });
  });

  it('writes screenshots at 1280×800 and at phone width', async () => {
    await page.reload();
    await page.waitForSelector('body[data-state=done]', { timeout: 120_000 });
    await screenshots(demo, page, 'schedules', 'body[data-state=done]');
  });
});
