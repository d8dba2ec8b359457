import { defineConfig } from 'vite';

// React's automatic JSX runtime through esbuild; no plugin needed.
export default defineConfig({
  esbuild: { jsx: 'automatic' },
  build: { outDir: 'dist', emptyOutDir: true },
});
