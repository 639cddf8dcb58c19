import { defineConfig } from 'vitest/config';

// Delivery checks, offline and fast (`npm run test:delivery`): the images are arch-neutral (no
// architecture in the Dockerfile, every native npm package locked for linux-arm64 as well as
// linux-x64), base images and actions are pinned, and the build definition (scripts/images.mjs),
// Compose, the chart and the workflows agree.
export default defineConfig({
  test: {
    name: 'delivery',
    root: import.meta.dirname,
    include: ['**/*.test.ts'],
    environment: 'node',
  },
});
