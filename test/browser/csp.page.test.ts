// A page whose Content-Security-Policy lacks 'wasm-unsafe-eval' cannot compile
// WebAssembly: init() must say so with a typed BackendError naming the
// directive, and init({ fallback: 'js' }) must train on the js backend.
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Plugin } from 'vite';
import { startDemo, type Demo } from './demo-server.js';
import type { CspResult } from './pages/csp.js';

const CSP = "default-src 'self'; script-src 'self'";
const script = fileURLToPath(new URL('./pages/csp.ts', import.meta.url));

/** /csp-test.html: a page loading pages/csp.ts under the strict policy. */
const strictPage: Plugin = {
  name: 'strict-csp-page',
  configureServer(server) {
    server.middlewares.use('/csp-test.html', (_req, res) => {
      res.setHeader('Content-Security-Policy', CSP);
      res.setHeader('Content-Type', 'text/html');
      res.end(`<!doctype html><meta charset="utf-8"><title>strict CSP</title><script type="module" src="/@fs${script}"></script>`);
    });
  },
};

let demo: Demo;
let result: CspResult;
beforeAll(async () => {
  demo = await startDemo([strictPage]);
  const page = await demo.browser.newPage();
  await page.goto(`${demo.url}csp-test.html`);
  result = await page.evaluate(() => window.cspResult);
});
afterAll(() => demo?.close());

describe('a page with a strict CSP (no wasm-unsafe-eval)', () => {
  it('really refuses to compile WebAssembly', () => {
    expect(result.wasmBlocked).toBe(true);
  });

  it("gets a BackendError naming 'wasm-unsafe-eval' from init(), and trains on js with init({ fallback: 'js' })", () => {
    expect(result.init).toMatchObject({ name: 'BackendError', backendError: true });
    expect(result.init!.message).toContain('wasm-unsafe-eval');
    expect(result.fallback).toMatchObject({ backend: 'js', reported: 'js' });
    expect((result.fallback as { accuracy: number }).accuracy).toBeGreaterThan(0.7);
  });
});
