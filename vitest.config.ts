import { configDefaults, defineConfig } from 'vitest/config';

// SUBGRAD_RELAXED=1 runs the workers with relaxed SIMD enabled (Node 20 hides it behind a flag).
const relaxed = process.env.SUBGRAD_RELAXED === '1';
// SUBGRAD_THREADS (npm run test:threads, one file at a time) runs the threaded tests.
const threads = process.env.SUBGRAD_THREADS !== undefined;

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // In Chromium: npm run test:browser. Needing gigabytes of linear memory: npm run test:large. Threaded: npm run test:threads. The packed tarball: npm run test:package.
    exclude: [...configDefaults.exclude, 'test/browser/**', 'test/package/**', ...(process.env.SUBGRAD_LARGE === '1' ? [] : ['test/large/**']), ...(threads ? [] : ['test/threads/**'])],
    pool: 'forks',
    execArgv: relaxed ? ['--experimental-wasm-relaxed-simd'] : [],
    testTimeout: 60_000,
  },
});
