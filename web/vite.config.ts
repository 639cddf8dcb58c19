import vue from '@vitejs/plugin-vue';
import { defineConfig } from 'vite';

// The gateway serves the built app from web/dist; in development Vite serves it and
// forwards the API to a running stack (`npm start`, gateway on :8080).
export default defineConfig({
  plugins: [vue()],
  server: {
    proxy: {
      '/api': { target: process.env.FLOTILLA_API ?? 'http://localhost:8080', changeOrigin: false },
    },
  },
  build: {
    target: 'es2022',
    reportCompressedSize: true,
  },
});
