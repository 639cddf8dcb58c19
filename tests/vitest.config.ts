import { defineProject } from 'vitest/config';
import { sourceAliases } from '../vitest.shared.js';

// Cross-service tests against the embedded stack `npm start` runs. Browser and container tests
// have their own commands (`npm run test:browser`, `npm run test:compose`).
export default defineProject({
  resolve: { alias: sourceAliases },
  test: {
    name: 'stack',
    include: ['embedded/**/*.test.ts'],
    testTimeout: 120_000,
    hookTimeout: 180_000,
  },
});
