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
    // SFU=auto picks mediasoup where its worker is built: the suites say which backend they test instead
    // (werift unless SFU is set; the mediasoup and Janus files set it themselves).
    env: { SFU: process.env.SFU ?? 'werift' },
  },
});
