// The review console's build (issue #12): a Preact app under /console, written into dist/console, where the API serves it
// (src/http/console-assets.ts). Everything is bundled: the page loads nothing from another origin.
import { fileURLToPath } from 'node:url';
import preact from '@preact/preset-vite';
import { defineConfig } from 'vite';

export default defineConfig({
  root: fileURLToPath(new URL('.', import.meta.url)),
  base: '/console/',
  // No devtools hook in the bundle: the console is served to reviewers, not debugged in place.
  plugins: [preact({ devToolsEnabled: false })],
  logLevel: 'warn',
  build: {
    outDir: fileURLToPath(new URL('../dist/console', import.meta.url)),
    emptyOutDir: true,
    target: 'es2022',
    sourcemap: true,
  },
});
