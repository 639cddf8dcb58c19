import { defineConfig } from 'vitest/config';

// One runner for the whole repository: each workspace is a project with its own config.
export default defineConfig({
  test: {
    projects: ['packages/*', 'services/*', 'web', 'tests'],
  },
});
