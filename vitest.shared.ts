import { fileURLToPath } from 'node:url';
import { defineProject } from 'vitest/config';

// Workspaces import each other from source in tests, so `npm test` needs no build first.
export const sourceAliases = {
  '@flotilla/kit/testing': fileURLToPath(new URL('./packages/kit/src/testing.ts', import.meta.url)),
  '@flotilla/kit': fileURLToPath(new URL('./packages/kit/src/index.ts', import.meta.url)),
};

export function workspaceProject(name: string, options: { globalSetup?: string[] } = {}) {
  return defineProject({
    resolve: { alias: sourceAliases },
    test: {
      name,
      include: ['test/**/*.test.ts'],
      testTimeout: 30_000,
      hookTimeout: 60_000,
      ...options,
    },
  });
}
