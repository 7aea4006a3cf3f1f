import { configDefaults, defineConfig } from 'vitest/config';

// SUBGRAD_RELAXED=1 runs the workers with relaxed SIMD enabled (Node 20 hides it behind a flag).
const relaxed = process.env.SUBGRAD_RELAXED === '1';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    exclude: [...configDefaults.exclude, 'test/browser/**'], // npm run test:browser, in Chromium
    pool: 'forks',
    execArgv: relaxed ? ['--experimental-wasm-relaxed-simd'] : [],
    testTimeout: 60_000,
  },
});
