import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // Native addons (onnxruntime, wrtc, sharp) are safest in forked processes; wrtc must never share a
    // worker thread with another test file.
    pool: 'forks',
    testTimeout: 60_000,
    hookTimeout: 120_000,
    // Two cores: running heavy suites side by side only makes each slower.
    fileParallelism: false,
  },
});
