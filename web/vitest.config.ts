import vue from '@vitejs/plugin-vue';
import { defineProject } from 'vitest/config';

// Component and logic tests for the web app, in a simulated DOM.
export default defineProject({
  plugins: [vue()],
  test: {
    name: 'web',
    environment: 'happy-dom',
    include: ['test/**/*.test.ts'],
    // Date layout depends on the time zone: pin one with a DST change so the tests mean the same everywhere.
    env: { TZ: 'Europe/Berlin' },
  },
});
