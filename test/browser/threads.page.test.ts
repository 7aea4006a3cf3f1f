// The demo under cross-origin isolation (its server sends COOP and COEP):
// the training page trains on every core, and a page computing the same work
// on 1 thread and on 2 threads that split every call gets the same bits.
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Plugin } from 'vite';
import { ISOLATION } from '../../demo/vite.config.js';
import { startDemo, type Demo } from './demo-server.js';
import type { ThreadsResult } from './pages/threads.js';

const script = fileURLToPath(new URL('./pages/threads.ts', import.meta.url));

/** /threads-test.html: a page loading pages/threads.ts, isolated as the demo's pages are (the middleware answers before the server adds its headers). */
const threadsPage: Plugin = {
  name: 'threads-page',
  configureServer(server) {
    server.middlewares.use('/threads-test.html', (_req, res) => {
      for (const [name, value] of Object.entries(ISOLATION)) res.setHeader(name, value);
      res.setHeader('Content-Type', 'text/html');
      res.end(`<!doctype html><meta charset="utf-8"><title>threads</title><script type="module" src="/@fs${script}"></script>`);
    });
  },
};

let demo: Demo;
beforeAll(async () => {
  demo = await startDemo([threadsPage]);
});
afterAll(() => demo?.close());

describe('threads in Chromium', () => {
  it('1 and 2 threads give the same bits for matmul, softmax-CE and its gradient, and ten Adam steps', async () => {
    const page = await demo.browser.newPage();
    await page.goto(`${demo.url}threads-test.html`);
    const result: ThreadsResult = await page.evaluate(() => window.threadsResult);
    expect(result.isolated).toBe(true);
    expect(result.threads).toBe(2);
    expect(Object.keys(result.differing)).toHaveLength(5);
    expect(result.differing).toEqual(Object.fromEntries(Object.keys(result.differing).map((k) => [k, 0])));
    await page.close();
  });

  it('the training page runs its worker on every core and says so', async () => {
    const page = await demo.browser.newPage();
    await page.goto(`${demo.url}train.html`);
    await page.waitForSelector('body[data-state=idle]', { timeout: 60_000 });
    const cores = await page.evaluate(() => navigator.hardwareConcurrency);
    expect(await page.evaluate(() => crossOriginIsolated)).toBe(true);
    expect(await page.getAttribute('#backend', 'data-threads')).toBe(String(cores));
    if (cores > 1) expect(await page.textContent('#backend')).toContain(`${cores} threads`);
    expect(await page.getAttribute('#backend', 'title')).toContain(`'auto': ${cores} available cores`);
    await page.close();
  });
});
