import vue from '@vitejs/plugin-vue';
import { defineConfig } from 'vite';

// The gateway serves the built app from web/dist; in development Vite serves it and
// forwards the API to a running stack (`npm start`, gateway on :8080).
export default defineConfig(({ command }) => {
  // What the gateway serves is always Vue's production build, even when the caller runs with
  // NODE_ENV=test (a build started from a Vitest run) — Vite would otherwise follow NODE_ENV.
  if (command === 'build') process.env.NODE_ENV = 'production';
  return {
    plugins: [vue()],
    // Every component uses <script setup>: leave the Options API out of the bundle.
    define: { __VUE_OPTIONS_API__: 'false', __VUE_PROD_DEVTOOLS__: 'false' },
    server: {
      proxy: {
        '/api': { target: process.env.FLOTILLA_API ?? 'http://localhost:8080', changeOrigin: false },
      },
    },
    build: {
      target: 'es2022',
      reportCompressedSize: true,
    },
  };
});
