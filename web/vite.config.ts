// Build of the agent workspace: one JS and one CSS file under /assets/, no
// inline script or style (the server's CSP allows neither).
import { defineConfig } from 'vite';

export default defineConfig({
  base: '/',
  esbuild: { jsx: 'automatic', jsxImportSource: 'preact' },
  build: {
    outDir: 'dist',
    assetsDir: 'assets',
    target: 'es2020',
    modulePreload: { polyfill: false },
    sourcemap: false,
    assetsInlineLimit: 0,
  },
  server: {
    // `npm run dev` against a running `postdesk serve`: POSTDESK_URL=http://127.0.0.1:8080
    proxy: process.env.POSTDESK_URL ? { '/api': process.env.POSTDESK_URL, '/attachments': process.env.POSTDESK_URL } : undefined,
  },
});
