// The demo's one build and dev-server configuration: npm run demo serves it
// on 127.0.0.1, npm run build:demo writes static files to build/demo (relative
// URLs, so any static host can serve them from any path), and the browser
// tests start this same server. Headers every page needs belong here.
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';
import { mnistAsset } from './mnist-asset.js';

const here = (path: string) => fileURLToPath(new URL(path, import.meta.url));

/** The headers that make a page cross-origin isolated. */
export const ISOLATION = { 'Cross-Origin-Opener-Policy': 'same-origin', 'Cross-Origin-Embedder-Policy': 'require-corp' };

/** Every page of the app; the front page (index.html) links them. */
export const PAGES = {
  index: 'index.html',
  train: 'train.html',
  losses: 'losses.html',
  robust: 'robust.html',
  optimizers: 'optimizers.html',
  schedules: 'schedules.html',
  softmaxSvm: 'softmax-svm.html',
  modelSelection: 'model-selection.html',
};

export default defineConfig({
  root: here('.'),
  base: './',
  plugins: [mnistAsset()],
  // Cross-origin isolation (COOP + COEP) lets pages use SharedArrayBuffer, so the training worker runs threaded
  // kernels (docs/threads.md); a static host without these headers serves the same pages on one thread.
  server: { host: '127.0.0.1', port: 5173, headers: ISOLATION },
  preview: { host: '127.0.0.1', headers: ISOLATION },
  worker: { format: 'es' },
  build: {
    outDir: here('../build/demo'),
    emptyOutDir: true,
    target: 'es2022',
    rolldownOptions: {
      input: Object.fromEntries(Object.entries(PAGES).map(([name, file]) => [name, here(file)])),
      // Reading the mnist package's 10,000 digits takes the asset plugin a few seconds, as expected: no timing warning.
      checks: { bundlerTimings: false },
    },
  },
});
