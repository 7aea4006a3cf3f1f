// The loss page in Chromium: at every join of a loss's pieces it shows the
// one-sided derivatives and what backward() returns, as gradcheck found them.
// The expected values are the derivatives written out here: |r| at 0 (−1, 1,
// and PyTorch's 0), Huber's ±δ on both sides of r = ±δ, the hinge and the
// perceptron (−1 and 0 around the kink, −g from relu's chosen subgradient),
// the squared hinge (0: it is C¹), and the library's hinges (pinned to 0).
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openPage, screenshots, setRange, startDemo, type Demo } from './demo-server.js';

let demo: Demo;
let page: Page;
beforeAll(async () => {
  demo = await startDemo();
  page = await openPage(demo, 'losses.html', 'body[data-state=ready]');
});
afterAll(() => demo?.close());

interface Row {
  key: string;
  at: number;
  left: number;
  right: number;
  analytic: number;
  kink: boolean;
  ok: boolean;
}

/** The rows of the kink table, once the page has drawn these settings. */
async function rows(settings: { delta?: number; g?: number } = {}): Promise<Row[]> {
  await page.waitForFunction((want) => {
    const drawn = JSON.parse(document.body.dataset.drawn ?? '{}');
    return Object.entries(want).every(([k, v]) => drawn[k] === v);
  }, settings);
  const raw = await page.$$eval('#kink-rows tr', (trs) => trs.map((tr) => ({ ...(tr as HTMLElement).dataset })));
  return raw.map((r) => ({ key: r.key!, at: Number(r.at), left: Number(r.left), right: Number(r.right), analytic: Number(r.analytic), kink: r.kink === 'true', ok: r.ok === 'true' }));
}

const TOL = 1e-5;
function expectRow(list: Row[], key: string, at: number, want: { left: number; right: number; analytic: number; kink: boolean }): void {
  const row = list.find((r) => r.key === key && Math.abs(r.at - at) < 1e-9);
  expect(row, `${key} at ${at}`).toBeDefined();
  expect(row!.left).toBeCloseTo(want.left, 5);
  expect(row!.right).toBeCloseTo(want.right, 5);
  expect(Math.abs(row!.analytic - want.analytic)).toBeLessThan(TOL);
  expect(row!.kink).toBe(want.kink);
  expect(row!.ok).toBe(true); // gradcheck accepted the value
}

describe('the loss page', () => {
  it('marks MAE at r = 0: one-sided derivatives −1 and 1, and 0 from backward() (abs at 0, as PyTorch)', async () => {
    expectRow(await rows({ delta: 1, g: 0 }), 'mae', 0, { left: -1, right: 1, analytic: 0, kink: true });
  });

  it("gives Huber's derivative ±δ at r = ±δ, from both sides (a smooth join), for δ = 1 and after the slider moves to 1.5", async () => {
    for (const delta of [1, 1.5]) {
      if (delta !== 1) await setRange(page, 'delta', delta);
      const list = await rows({ delta });
      expectRow(list, 'huber', delta, { left: delta, right: delta, analytic: delta, kink: false });
      expectRow(list, 'huber', -delta, { left: -delta, right: -delta, analytic: -delta, kink: false });
    }
  });

  it("marks the hinge at m = 1 and the perceptron at m = 0 with relu's subgradient: −g moves with the slider, the library's losses stay at 0", async () => {
    for (const g of [0, 0.5, 1]) {
      await setRange(page, 'g', g);
      const list = await rows({ g });
      // d/dm relu(1 − m) = −relu'(1 − m): −1 left of the kink, 0 right of it, −g at it; likewise relu(−m) at 0.
      expectRow(list, 'hinge', 1, { left: -1, right: 0, analytic: -g, kink: true });
      expectRow(list, 'perceptron', 0, { left: -1, right: 0, analytic: -g, kink: true });
      // d/dm relu(1 − m)² = −2·relu(1 − m)·relu'(1 − m) = 0 at m = 1, whatever g.
      expectRow(list, 'squaredHinge', 1, { left: 0, right: 0, analytic: 0, kink: false });
      expectRow(list, 'hingeLibrary', 1, { left: -1, right: 0, analytic: 0, kink: true });
      expectRow(list, 'perceptronLibrary', 0, { left: -1, right: 0, analytic: 0, kink: true });
    }
    await setRange(page, 'g', 0);
  });

  it('writes screenshots at 1280×800 and at phone width', async () => {
    await setRange(page, 'g', 0.5);
    await rows({ g: 0.5 });
    await screenshots(demo, page, 'losses', 'body[data-state=ready]');
  });
});
