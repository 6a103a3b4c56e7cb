import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['**/*.test.ts'],
    exclude: ['node_modules/**', 'dist/**'],
    // Two files at a time: most tests wait on a CLI process or a local server, so even 2 cores keep busy
    // (vitest's default on 2 cores is one file at a time).
    maxWorkers: 2,
    testTimeout: 60_000,
    hookTimeout: 60_000,
  },
});
