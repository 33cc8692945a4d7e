import { defineConfig } from 'vitest/config';

/**
 * Browser end-to-end tests: one vite build + preview server and one Chromium
 * for all files (test/browser/global-setup.ts); files run one after another
 * (one browser on 2 cores: parallel files only slow each other down).
 */
export default defineConfig({
  test: {
    include: ['test/browser/**/*.test.ts'],
    globalSetup: ['test/browser/global-setup.ts'],
    fileParallelism: false,
    testTimeout: 180_000,
    hookTimeout: 300_000,
  },
});
