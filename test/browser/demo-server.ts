// The demo's own dev server (demo/vite.config.ts) on a free port of
// 127.0.0.1, and Chromium launched as chromium.ts says, for the page tests.
import { fileURLToPath } from 'node:url';
import { chromium, type Browser } from 'playwright-core';
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
