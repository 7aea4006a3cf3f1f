// The demo's own dev server (demo/vite.config.ts) on a free port of
// 127.0.0.1, and Chromium launched as chromium.ts says, for the page tests.
import { mkdir } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type Page } from 'playwright-core';
import { createServer, type Plugin, type ViteDevServer } from 'vite';
import { launchOptions } from './chromium.js';

export interface Demo {
  server: ViteDevServer;
  /** The server's root URL, ending in '/'. */
  url: string;
  browser: Browser;
  close(): Promise<void>;
}

/** Starts the demo's dev server (with extra plugins, e.g. test pages) and a browser. */
export async function startDemo(plugins: Plugin[] = []): Promise<Demo> {
  const server = await createServer({
    configFile: fileURLToPath(new URL('../../demo/vite.config.ts', import.meta.url)),
    server: { port: 0, host: '127.0.0.1' },
    plugins,
    logLevel: 'warn',
  });
  await server.listen();
  const address = server.httpServer!.address();
  if (address === null || typeof address === 'string') throw new Error(`vite: unexpected server address ${address}`);
  const browser = await chromium.launch(launchOptions);
  return {
    server, url: `http://127.0.0.1:${address.port}/`, browser,
    close: async () => {
      await browser.close();
      await server.close();
    },
  };
}

/** Where the page tests leave their screenshots (gitignored). */
export const ARTIFACTS = fileURLToPath(new URL('./artifacts/', import.meta.url));

/** Opens a page of the demo, failing with the page's own errors if `ready` (a selector) does not appear. */
export async function openPage(demo: Demo, file: string, ready: string, viewport = { width: 1280, height: 800 }): Promise<Page> {
  const page = await demo.browser.newPage({ viewport, deviceScaleFactor: viewport.width < 500 ? 2 : 1 });
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  await page.goto(`${demo.url}${file}`);
  await page.waitForSelector(ready, { timeout: 60_000 }).catch((e) => {
    throw new Error(`${file}: ${ready} did not appear: ${errors.join('; ') || e.message}`);
  });
  return page;
}

/**
 * Full-page screenshots of a page at 1280×800 (the given page, as the test
 * left it) and at a phone's width, 390 px (opened afresh, then `prepare`d):
 * NAME-1280x800.png and NAME-390.png in ARTIFACTS. Fails if the page is wider
 * than the phone's screen.
 */
export async function screenshots(demo: Demo, page: Page, name: string, ready: string, prepare?: (phone: Page) => Promise<void>): Promise<void> {
  await mkdir(ARTIFACTS, { recursive: true });
  await page.screenshot({ path: `${ARTIFACTS}${name}-1280x800.png`, fullPage: true });
  const file = new URL(page.url()).pathname.split('/').pop()!;
  const phone = await openPage(demo, file, ready, { width: 390, height: 844 });
  await prepare?.(phone);
  await phone.screenshot({ path: `${ARTIFACTS}${name}-390.png`, fullPage: true });
  // Nothing may widen the page beyond the phone's screen (wide tables scroll inside their cards).
  const overflow = await phone.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  await phone.close();
  if (overflow > 0) throw new Error(`${file} at 390 px is ${overflow} px wider than the screen`);
}

/** Sets a range input's value and fires its input event, as dragging it would. */
export async function setRange(page: Page, id: string, value: number): Promise<void> {
  await page.$eval(`#${id}`, (el, v) => {
    (el as HTMLInputElement).value = String(v);
    el.dispatchEvent(new Event('input', { bubbles: true }));
  }, value);
}
