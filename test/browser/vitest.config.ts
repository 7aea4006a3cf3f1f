// npm run test:browser: two projects in real Chromium (see chromium.ts).
// 'chromium' runs test files inside the browser (vitest's browser mode): the
// kernel tests, the op table and fit's yielding, unchanged, on every Wasm
// variant Chromium validates, and the *.browser.test.ts files. 'pages' runs in Node and drives
// whole pages (the demo, a strict-CSP page) served by the demo's dev server.
import { playwright } from '@vitest/browser-playwright';
import { defineConfig } from 'vitest/config';
import { launchOptions } from './chromium.js';

export default defineConfig({
  test: {
    root: new URL('../..', import.meta.url).pathname,
    projects: [
      {
        // The kernel tests read this variable of npm run test:relaxed, which has no meaning in Chromium.
        define: { 'process.env.SUBGRAD_RELAXED': '""' },
        test: {
          name: 'chromium',
          include: ['test/kernels/**/*.test.ts', 'test/ops/ops.test.ts', 'test/train/fit-yield.test.ts', 'test/browser/**/*.browser.test.ts'],
          testTimeout: 120_000,
          browser: {
            enabled: true,
            provider: playwright({ launchOptions }),
            instances: [{ browser: 'chromium' }],
            headless: true,
            api: { host: '127.0.0.1' },
            screenshotFailures: false,
          },
        },
      },
      {
        test: {
          name: 'pages',
          include: ['test/browser/**/*.test.ts'],
          exclude: ['test/browser/**/*.browser.test.ts'],
          testTimeout: 180_000,
          hookTimeout: 120_000,
        },
      },
    ],
  },
});
