import { defineProject } from 'vitest/config';
import { sourceAliases } from '../vitest.shared.js';

// Cross-service tests: the contract generated from every service's declarations, and the
// embedded stack `npm start` runs. Browser and container tests
// have their own commands (`npm run test:browser`, `npm run test:compose`).
export default defineProject({
  resolve: { alias: sourceAliases },
  test: {
    name: 'stack',
    include: ['embedded/**/*.test.ts', 'contract/**/*.test.ts'],
    testTimeout: 120_000,
    hookTimeout: 180_000,
  },
});
