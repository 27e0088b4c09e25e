// The page's build: `npm start` serves it on localhost (WebGPU needs a secure context, and localhost is
// one), `npm run build` writes dist/: a static site with a relative base, so it works from any static
// file server and under any sub-path (GitHub Pages serves it at /<repository>/). The built page loads nothing from another origin; a
// Content-Security-Policy in the built HTML holds it to that and forbids inline scripts, so even a
// string that slipped past the share-link decoder into the DOM could not run.

import { defineConfig, type Plugin } from 'vite';

const CONTENT_SECURITY_POLICY = [
  "default-src 'self'",
  // ONNX Runtime Web (a peer, loaded on demand) compiles its WebAssembly from our own origin; this allows
  // WebAssembly compilation only, not eval of JavaScript.
  "script-src 'self' 'wasm-unsafe-eval'",
  // uPlot positions its cursor and legend with inline style attributes.
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data: blob:",
  "font-src 'self'",
  "connect-src 'self'",
  "worker-src 'self' blob:",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'none'",
].join('; ');

/** Adds the CSP meta tag to the built page only (the dev server injects its own client code). */
function contentSecurityPolicy(): Plugin {
  return {
    name: 'attnscope-csp',
    apply: 'build',
    transformIndexHtml: () => [
      {
        tag: 'meta',
        attrs: { 'http-equiv': 'Content-Security-Policy', content: CONTENT_SECURITY_POLICY },
        injectTo: 'head-prepend',
      },
    ],
  };
}

export default defineConfig({
  // Relative URLs throughout the build: the same dist/ works at / and at /any/sub/path/.
  base: './',
  plugins: [contentSecurityPolicy()],
  // Pre-bundling would move ONNX Runtime Web's module away from the .wasm it loads by import.meta.url.
  optimizeDeps: { exclude: ['onnxruntime-web'] },
  server: { host: 'localhost', port: 5173, strictPort: false },
  preview: { host: 'localhost', port: 4173, strictPort: false },
  build: {
    target: 'es2022',
    outDir: 'dist',
    sourcemap: true,
    // Shaders stay files: inlined as data: URLs they would be fetched from data:, which the CSP forbids.
    assetsInlineLimit: 0,
    // The service worker (public/sw.js) reads the manifest to cache every file of the build for offline use.
    manifest: true,
    // Peers (TensorFlow.js) are large by nature and load only when a run needs them.
    chunkSizeWarningLimit: 2048,
  },
});
