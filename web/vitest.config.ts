import vue from '@vitejs/plugin-vue';
import { defineProject } from 'vitest/config';

// Component and logic tests for the web app, in a simulated DOM.
export default defineProject({
  plugins: [vue()],
  test: {
    name: 'web',
    environment: 'happy-dom',
    include: ['test/**/*.test.ts'],
  },
});
