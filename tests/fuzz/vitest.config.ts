import { defineConfig } from 'vitest/config';
import { sourceAliases } from '../../vitest.shared.js';

// API fuzzing: fast-check requests for every operation of the merged OpenAPI document, sent to an
// embedded stack the test starts itself. Run with `npm run test:fuzz`; README.md beside this file
// has the knobs (FUZZ_RUNS, FUZZ_BUDGET_SECONDS, FUZZ_TIMEOUT_MS, FUZZ_SEED).
export default defineConfig({
  resolve: { alias: sourceAliases },
  test: {
    name: 'fuzz',
    root: import.meta.dirname,
    include: ['**/*.test.ts'],
    environment: 'node',
    // One stack, operations in order: the test keeps its own time budget (FUZZ_BUDGET_SECONDS).
    fileParallelism: false,
    sequence: { concurrent: false },
    testTimeout: 30 * 60_000,
    hookTimeout: 300_000,
  },
});
