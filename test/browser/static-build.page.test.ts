// npm run build:demo makes files any static host can serve: built into a temp
// folder and served from a sub-path by a bare file server, the pages load,
// link to each other, fetch the digits and start their workers, offline.
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { extname, join, normalize } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser } from 'playwright-core';
import { build } from 'vite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchOptions } from './chromium.js';

const PREFIX = '/any/path/';
/** Each lecture page and what it shows once its first figure is computed. */
const LECTURES = {
  'losses.html': 'body[data-state=ready]',
  'robust.html': 'body[data-state=settled]',
  'optimizers.html': 'body[data-state=ready]',
  'schedules.html': 'body[data-state=done]',
  'softmax-svm.html': 'body[data-state=ready]',
  'model-selection.html': 'body[data-state=idle]',
};
const TYPES: Record<string, string> = { '.html': 'text/html', '.js': 'text/javascript', '.css': 'text/css', '.bin': 'application/octet-stream' };

let dir: string;
let server: Server;
let browser: Browser;
let url: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'subgrad-demo-'));
  await build({ configFile: fileURLToPath(new URL('../../demo/vite.config.ts', import.meta.url)), build: { outDir: dir }, logLevel: 'warn' });
  server = createServer(async (req, res) => {
    const path = normalize(decodeURIComponent(new URL(req.url!, 'http://x').pathname));
    const file = path.startsWith(PREFIX) ? join(dir, path.slice(PREFIX.length) || 'index.html') : null;
    const body = file ? await readFile(file).catch(() => null) : null;
    res.writeHead(body ? 200 : 404, { 'Content-Type': TYPES[extname(file ?? '')] ?? 'application/octet-stream' });
    res.end(body);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as { port: number }).port}${PREFIX}`;
  browser = await chromium.launch(launchOptions);
});
afterAll(async () => {
  await browser?.close();
  server?.close();
  await rm(dir, { recursive: true, force: true });
});

describe('the static build of the demo', () => {
  it('serves from a sub-path: the front page links the training page, which loads its digits and its worker', async () => {
    const page = await browser.newPage();
    const missing: string[] = [];
    page.on('response', (r) => void (r.status() >= 400 && missing.push(r.url())));
    await page.goto(url);
    await page.click('a[href="./train.html"]');
    await page.waitForSelector('body[data-state=idle]', { timeout: 60_000 });
    expect(await page.getAttribute('#backend', 'data-kernels')).toBe('relaxed');
    // A host without the isolation headers: one thread, and the badge says why.
    expect(await page.getAttribute('#backend', 'data-threads')).toBe('1');
    expect(await page.getAttribute('#backend', 'title')).toContain('page is not cross-origin isolated');
    expect(await page.textContent('#data-note')).toContain('8,500 train, 500 validation, 1,000 test');
    expect(missing).toEqual([]);
  });

  it('serves every lecture page, linked from the front page, with nothing fetched from elsewhere', async () => {
    const page = await browser.newPage();
    const failed: string[] = [];
    page.on('response', (r) => void (r.status() >= 400 && failed.push(r.url())));
    page.on('request', (r) => void (!r.url().startsWith(url) && !r.url().startsWith('data:') && failed.push(r.url())));
    for (const [file, ready] of Object.entries(LECTURES)) {
      await page.goto(url);
      await page.click(`a[href="./${file}"]`);
      await page.waitForSelector(ready, { timeout: 60_000 });
      expect(await page.getAttribute('#backend', 'data-kernels'), file).toBe('relaxed');
    }
    expect(failed).toEqual([]);
    await page.close();
  });
});
