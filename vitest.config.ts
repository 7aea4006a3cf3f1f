import { defineConfig } from 'vitest/config';

// SUBGRAD_RELAXED=1 runs the workers with relaxed SIMD enabled (Node 20 hides it behind a flag).
const relaxed = process.env.SUBGRAD_RELAXED === '1';
// SUBGRAD_THREADS (npm run test:threads, one file at a time) runs the threaded tests.
const threads = process.env.SUBGRAD_THREADS !== undefined;

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // Tests needing gigabytes of linear memory run with npm run test:large; threaded ones with npm run test:threads.
    exclude: [...(process.env.SUBGRAD_LARGE === '1' ? [] : ['test/large/**']), ...(threads ? [] : ['test/threads/**'])],
    pool: 'forks',
    execArgv: relaxed ? ['--experimental-wasm-relaxed-simd'] : [],
    testTimeout: 60_000,
  },
});
