import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

// The dev server forwards the API to a locally running server (`npm start` listens on 3050), so the
// client always talks to a same-origin `/api`, exactly as it does behind nginx or the embedded server.
export default defineConfig({
  plugins: [react()],
  // The development compose file mounts the client read-only and points this elsewhere.
  cacheDir: process.env.VITE_CACHE_DIR ?? 'node_modules/.vite',
  server: {
    port: 5173,
    proxy: {
      '/api': { target: 'http://127.0.0.1:3050', changeOrigin: false },
    },
  },
  build: {
    target: 'es2022',
    rollupOptions: {
      // The calculator, and the operators' page (admin.html, served under /admin).
      input: { main: 'index.html', admin: 'admin.html' },
    },
  },
});
