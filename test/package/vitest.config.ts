import { defineConfig } from 'vitest/config';

// The packed-tarball test: needs a build (npm run test:package makes one) and is not part of npm test.
export default defineConfig({
  test: {
    include: ['test/package/**/*.test.ts'],
    testTimeout: 120_000,
    hookTimeout: 300_000,
  },
});
