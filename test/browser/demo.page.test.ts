// The demo's training page in Chromium: the worker trains for a fixed number
// of steps to a validation accuracy above 90% on the relaxed kernels, pause
// takes effect within 100 ms, a stroke drawn on the pad is classified, the
// settings reach the worker, and screenshots at desktop and phone width are
// kept as test artifacts.
import { mkdir } from 'node:fs/promises';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ARTIFACTS, startDemo, type Demo } from './demo-server.js';

const TRAIN_DIGITS = 8500;

let demo: Demo;
let page: Page;
beforeAll(async () => {
  demo = await startDemo();
  page = await demo.browser.newPage({ viewport: { width: 1280, height: 800 } });
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  await page.goto(`${demo.url}train.html`);
  await page.waitForSelector('body[data-state=idle]', { timeout: 60_000 }).catch((e) => {
    throw new Error(`the page did not load its digits: ${errors.join('; ') || e.message}`);
  });
});
afterAll(() => demo?.close());

const stateIs = (state: string, timeout = 120_000) => page.waitForSelector(`body[data-state=${state}]`, { timeout });
const value = async (id: string) => Number(await page.getAttribute(`#${id}`, 'data-value'));

/** Sets epochs and batch size and starts a run. */
async function train(epochs: number, batchSize = 32): Promise<void> {
  await page.fill('#epochs', String(epochs));
  await page.selectOption('#batch', String(batchSize));
  await page.click('#start');
  await stateIs('running', 10_000);
}

/** The training steps done, which the epoch tile carries. */
const steps = () => value('stat-epoch');

/** Draws a polyline on the pad, in fractions of its size. */
async function stroke(points: [number, number][]): Promise<void> {
  const box = (await page.locator('#pad').boundingBox())!;
  const at = ([x, y]: [number, number]) => [box.x + x * box.width, box.y + y * box.height] as const;
  await page.mouse.move(...at(points[0]));
  await page.mouse.down();
  for (const p of points.slice(1)) await page.mouse.move(...at(p), { steps: 4 });
  await page.mouse.up();
}

async function predicted(): Promise<string | null> {
  await page.waitForFunction(() => document.getElementById('probs')!.dataset.predicted !== undefined, undefined, { timeout: 10_000 });
  return page.getAttribute('#probs', 'data-predicted');
}

describe('the training demo', () => {
  it('shows the backend: wasm with the relaxed kernels', async () => {
    expect(await page.getAttribute('#backend', 'data-kernels')).toBe('relaxed');
    const cores = await page.evaluate(() => navigator.hardwareConcurrency);
    expect(await page.textContent('#backend')).toBe(`wasm · relaxed kernels · float32${cores > 1 ? ` · ${cores} threads` : ''}`);
  });

  it('trains in its worker for 2 epochs (532 steps of 32) to a validation accuracy above 90%', async () => {
    await train(2);
    await stateIs('done');
    expect(await steps()).toBe(2 * Math.ceil(TRAIN_DIGITS / 32));
    expect(await value('stat-val')).toBeGreaterThan(0.9);
    expect(await value('stat-test')).toBeGreaterThan(0.9);
    expect(await value('stat-speed')).toBeGreaterThan(0);
    // The grid marks its mistakes: as many as the test accuracy suggests, give or take.
    const mistakes = Number(await page.getAttribute('#grid', 'data-mistakes'));
    expect(mistakes).toBeGreaterThanOrEqual(0);
    expect(mistakes).toBeLessThan(20);
  });

  it('classifies strokes drawn on the pad: a vertical bar is a 1, a ring a 0', async () => {
    await stroke([[0.5, 0.12], [0.5, 0.88]]);
    expect(await predicted()).toBe('1');
    await page.click('#clear');
    expect(await page.getAttribute('#probs', 'data-predicted')).toBeNull();
    const ring = Array.from({ length: 25 }, (_, i) => [0.5 + 0.26 * Math.sin((2 * Math.PI * i) / 24), 0.5 - 0.36 * Math.cos((2 * Math.PI * i) / 24)] as [number, number]);
    await stroke(ring);
    expect(await predicted()).toBe('0');
  });

  it('trains with the settings chosen: SGD with momentum, the multiclass hinge, two hidden layers, batch 128, a step schedule', async () => {
    await page.selectOption('#optimizer', 'momentum');
    expect(await page.inputValue('#lr')).toBe('0.05'); // the optimizer's own learning rate
    await page.selectOption('#loss', 'multiclassHinge');
    await page.selectOption('#schedule', 'step');
    await page.fill('#hidden', '64, 32');
    await train(1, 128);
    // 784·64 + 64 + 64·32 + 32 + 32·10 + 10 parameters.
    expect(await page.textContent('#run-note')).toBe('MLP 784-64-32-10, 52,650 parameters · SGD + momentum, lr 0.05, Step decay · Multiclass hinge (SVM) · batch 128');
    await stateIs('done');
    expect(await steps()).toBe(Math.ceil(TRAIN_DIGITS / 128));
    expect(await value('stat-val')).toBeGreaterThan(0.8);
  });

  it('refuses bad settings with a message, before starting', async () => {
    await page.fill('#hidden', '64, x');
    await page.click('#start');
    expect(await page.textContent('#config-error')).toBe('Hidden layers: sizes from 1 to 2048, separated by commas.');
    expect(await page.evaluate(() => document.body.dataset.state)).toBe('done');
    await page.fill('#hidden', '128');
  });

  it('writes screenshots at 1280×800 and at phone width', async () => {
    await mkdir(ARTIFACTS, { recursive: true });
    await page.screenshot({ path: `${ARTIFACTS}demo-1280x800.png` });
    const phone = await demo.browser.newPage({ viewport: { width: 390, height: 844 }, deviceScaleFactor: 2 });
    await phone.goto(`${demo.url}train.html`);
    await phone.waitForSelector('body[data-state=idle]', { timeout: 60_000 });
    await phone.fill('#epochs', '1');
    await phone.click('#start');
    await phone.waitForSelector('body[data-state=done]', { timeout: 60_000 });
    await phone.screenshot({ path: `${ARTIFACTS}demo-390.png`, fullPage: true });
    await phone.close();
  });

  it('pauses within 100 ms, stays paused, resumes and resets', async () => {
    await train(20, 64);
    await page.waitForFunction(() => Number(document.getElementById('stat-epoch')!.dataset.value) > 20); // steps
    // Time from the click to the page hearing that the worker stopped between batches.
    const ms = await page.evaluate(
      () =>
        new Promise<number>((resolve) => {
          const t0 = performance.now();
          new MutationObserver((_, observer) => {
            if (document.body.dataset.state !== 'paused') return;
            observer.disconnect();
            resolve(performance.now() - t0);
          }).observe(document.body, { attributes: true });
          document.getElementById('start')!.click();
        }),
    );
    expect(ms).toBeLessThan(100);
    const stepAtPause = await steps();
    await page.waitForTimeout(300);
    expect(await steps()).toBe(stepAtPause);
    expect(await page.textContent('#start')).toBe('Resume');
    await page.click('#start');
    await stateIs('running', 5_000);
    await page.waitForFunction((s) => Number(document.getElementById('stat-epoch')!.dataset.value) > s, stepAtPause, { timeout: 10_000 });
    await page.click('#reset');
    await stateIs('idle', 5_000);
    expect(await page.getAttribute('#stat-epoch', 'data-value')).toBeNull();
  });
});
