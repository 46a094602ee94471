import { describe, expect, it } from 'vitest';
import { OneEuroFilter } from '../../src/inference/face/one-euro.ts';

// Deterministic noise (a small LCG), so the test never flakes.
function noise(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32 - 0.5;
  };
}

const std = (xs: number[]) => {
  const m = xs.reduce((a, b) => a + b, 0) / xs.length;
  return Math.sqrt(xs.reduce((a, b) => a + (b - m) ** 2, 0) / xs.length);
};

describe('OneEuroFilter', () => {
  // Settings as the tracker uses them: speeds in object sizes per second (object size 100 units).
  const opts = { minCutoff: 1, beta: 20 };
  const size = 100;

  it('removes most of the jitter of a still, noisy signal', () => {
    const f = new OneEuroFilter(opts);
    const rnd = noise(1);
    const raw: number[] = [];
    const out: number[] = [];
    for (let i = 0; i < 300; i++) {
      const v = 100 + 2 * rnd();
      raw.push(v);
      out.push(f.filter(Float32Array.of(v), i / 30, size)[0]);
    }
    // Skip the first second (the filter starts from the first sample).
    expect(std(out.slice(30))).toBeLessThan(0.5 * std(raw.slice(30)));
    expect(Math.abs(out[299] - 100)).toBeLessThan(0.5);
  });

  it('follows a fast ramp with little lag', () => {
    const f = new OneEuroFilter(opts);
    const speed = 300; // units per second: 3 object sizes a second
    let last = 0;
    let v = 0;
    for (let i = 0; i < 60; i++) {
      v = (speed * i) / 30;
      last = f.filter(Float32Array.of(v), i / 30, size)[0];
    }
    // Lag well under one frame's motion (10 units) once the speed estimate has settled.
    expect(v - last).toBeGreaterThanOrEqual(0);
    expect(v - last).toBeLessThan(0.2 * (speed / 30));
  });

  it('filters each channel independently and restarts after reset', () => {
    const f = new OneEuroFilter();
    f.filter(Float32Array.of(0, 10), 0);
    const a = f.filter(Float32Array.of(1, 10), 1 / 30);
    expect(a[1]).toBeCloseTo(10, 5);
    expect(a[0]).toBeGreaterThan(0);
    expect(a[0]).toBeLessThan(1);
    f.reset();
    expect(f.filter(Float32Array.of(5, 5), 2)[0]).toBe(5);
  });

  it("with speed 'norm', one channel's motion opens the cut-off of the others (a saccade moves both angles)", () => {
    const run = (speed: 'channel' | 'norm') => {
      const f = new OneEuroFilter({ minCutoff: 1, beta: 0.5, speed });
      f.filter(Float64Array.of(0, 0), 0);
      let out = Float64Array.of(0, 0);
      // Channel 0 jumps far, channel 1 steps a little: under 'norm' channel 1 shares channel 0's high cut-off.
      for (let i = 1; i <= 3; i++) out = f.filter(Float64Array.of(40 * i, 1), i / 30);
      return out;
    };
    const alone = run('channel');
    const coupled = run('norm');
    expect(Math.abs(1 - coupled[1])).toBeLessThan(0.5 * Math.abs(1 - alone[1]));
    expect(coupled).toBeInstanceOf(Float64Array);
  });
});
