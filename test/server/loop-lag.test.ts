import { describe, expect, it } from 'vitest';
import { LoopLagMonitor } from '../../src/server/loop-lag.ts';

describe('LoopLagMonitor', () => {
  it('reports a blocked event loop in its next window, and close() is idempotent', async () => {
    const m = new LoopLagMonitor();
    expect(m.last).toEqual({ p50: 0, p99: 0, max: 0 });
    await new Promise((r) => setTimeout(r, 200));
    const t = performance.now();
    while (performance.now() - t < 150) {
      // a 150 ms stall, as a synchronous task on the SFU's loop would cause
    }
    await new Promise((r) => setTimeout(r, 5200));
    expect(m.last.max).toBeGreaterThan(100);
    expect(m.last.max).toBeGreaterThanOrEqual(m.last.p99);
    m.close();
    m.close();
  }, 10_000);
});
