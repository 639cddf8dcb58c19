import { defineConfig } from 'vitest/config';

// Browser tests: playwright-core drives Debian's Chromium against an embedded stack the test
// starts itself. Run with `npx vitest run --config tests/browser/vitest.config.ts`.
export default defineConfig({
  test: {
    name: 'browser',
    root: import.meta.dirname,
    include: ['**/*.test.ts'],
    environment: 'node',
    // One stack, one browser, steps in order.
    fileParallelism: false,
    sequence: { concurrent: false },
    testTimeout: 120_000,
    hookTimeout: 300_000,
  },
});
