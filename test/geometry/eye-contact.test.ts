import { describe, expect, it } from 'vitest';
import { EyeContactPolicy, redirectWeight } from '../../src/inference/geometry/eye-contact.ts';
import { newGazeResult, setGazeAngles } from '../../src/inference/geometry/gaze.ts';
import { angleBetween, RAD } from '../../src/inference/geometry/math.ts';
import type { GazeResult } from '../../src/inference/geometry/types.ts';

/** Both eyes 600 mm straight ahead of the camera (+-32 mm), looking `yawDeg` off the camera horizontally. */
function gazeAt(yawDeg: number, pitchDeg = 0, open = true): GazeResult {
  const g = newGazeResult();
  for (const [eye, x] of [
    ['left', 32],
    ['right', -32],
  ] as const) {
    const e = g[eye];
    e.centreMm.set([x, 0, 600]);
    // Direction toward the camera from this eye, then turned by yaw/pitch.
    const toCamYaw = Math.atan2(x, 600) / RAD; // looking at the camera from x means yaw = atan(x/z) (toward -x)
    const yaw = (toCamYaw + yawDeg) * RAD;
    const pitch = pitchDeg * RAD;
    const v = [-Math.tan(yaw), Math.tan(pitch), -1];
    const n = Math.hypot(v[0], v[1], v[2]);
    e.direction.set(v.map((c) => c / n));
    e.open = open;
    setGazeAngles(e);
  }
  return g;
}

function toCamera(g: GazeResult, eye: 'left' | 'right'): number[] {
  const c = g[eye].centreMm;
  return [-c[0], -c[1], -c[2]];
}

describe('eye-contact policy', () => {
  it('fades linearly between the full and none angles', () => {
    expect(redirectWeight(0, 10, 35)).toBe(1);
    expect(redirectWeight(10, 10, 35)).toBe(1);
    expect(redirectWeight(22.5, 10, 35)).toBeCloseTo(0.5, 12);
    expect(redirectWeight(35, 10, 35)).toBe(0);
    expect(redirectWeight(80, 10, 35)).toBe(0);
    expect(() => new EyeContactPolicy({ fullDeg: 20, noneDeg: 10 })).toThrow(RangeError);
  });

  it('inside: looking near the camera is fully redirected to it', () => {
    const p = new EyeContactPolicy();
    let out = p.update(gazeAt(6, -3), 0);
    for (let i = 1; i < 10; i++) out = p.update(gazeAt(6, -3), i * 40);
    expect(out.redirect).toBeCloseTo(1, 6);
    const g = gazeAt(6, -3);
    expect(p.cameraAngle).toBeGreaterThan(5);
    for (const eye of ['left', 'right'] as const) {
      expect(out[eye].weight).toBeCloseTo(1, 6);
      expect(angleBetween(out[eye].direction, toCamera(g, eye))).toBeLessThan(0.01);
    }
  });

  it('fading: half-way through the band, the gaze moves half-way to the camera', () => {
    const p = new EyeContactPolicy();
    let out = p.update(gazeAt(22.5), 0);
    for (let i = 1; i < 30; i++) out = p.update(gazeAt(22.5), i * 40);
    expect(out.redirect).toBeCloseTo(0.5, 2);
    const g = gazeAt(22.5);
    for (const eye of ['left', 'right'] as const) {
      const toCam = angleBetween(out[eye].direction, toCamera(g, eye));
      expect(toCam).toBeGreaterThan(10);
      expect(toCam).toBeLessThan(12.5);
    }
  });

  it('looking away: no redirection, the gaze is kept', () => {
    const p = new EyeContactPolicy();
    let out = p.update(gazeAt(45, 10), 0);
    for (let i = 1; i < 10; i++) out = p.update(gazeAt(45, 10), i * 40);
    expect(out.redirect).toBe(0);
    const g = gazeAt(45, 10);
    for (const eye of ['left', 'right'] as const)
      expect(angleBetween(out[eye].direction, g[eye].direction)).toBeLessThan(0.01);
  });

  it('blink: a closed eye is not redirected, and the strength is back at once when it opens', () => {
    const p = new EyeContactPolicy();
    for (let i = 0; i < 10; i++) p.update(gazeAt(3), i * 40);
    const closed = gazeAt(3, 0, false);
    // Tracker gaze on closed lids is junk: make it point far away.
    closed.left.direction.set([0.6, 0.6, -0.53]);
    const during = p.update(closed, 400);
    expect(during.redirect).toBe(0);
    expect(during.left.weight).toBe(0);
    expect(angleBetween(during.left.direction, closed.left.direction)).toBeLessThan(1e-9);
    p.update(closed, 440);
    const after = p.update(gazeAt(3), 480);
    expect(after.redirect).toBeGreaterThan(0.99);
    expect(after.left.weight).toBeGreaterThan(0.99);
  });

  it('a saccade passes through the gaze filter without lag; fixation jitter is damped', () => {
    const p = new EyeContactPolicy();
    for (let i = 0; i < 10; i++) p.update(gazeAt(-45), i * 40);
    p.update(gazeAt(45), 400);
    const out = p.update(gazeAt(45), 440);
    // Both far from the camera: no redirection; the output follows the 90-degree jump within 2 frames.
    expect(angleBetween(out.left.direction, gazeAt(45).left.direction)).toBeLessThan(5);
    // Jitter of +-1 deg around a fixed point far from the camera.
    const q = new EyeContactPolicy();
    let inDev = 0;
    let outDev = 0;
    const base = gazeAt(50).left.direction;
    for (let i = 0; i < 100; i++) {
      const j = i % 2 ? 1 : -1;
      const o = q.update(gazeAt(50 + j), i * 40);
      if (i > 10) {
        inDev += angleBetween(gazeAt(50 + j).left.direction, base);
        outDev += angleBetween(o.left.direction, base);
      }
    }
    expect(outDev).toBeLessThan(0.5 * inDev);
  });

  it('a saccade sweeping past the camera is barely redirected; looking away releases at once', () => {
    const p = new EyeContactPolicy();
    for (let i = 0; i < 10; i++) p.update(gazeAt(-45), i * 40);
    const mid = p.update(gazeAt(0), 400);
    expect(mid.redirect).toBeLessThan(0.3);
    const q = new EyeContactPolicy();
    for (let i = 0; i < 10; i++) q.update(gazeAt(2), i * 40);
    q.update(gazeAt(45), 400);
    const away = q.update(gazeAt(45), 440);
    expect(away.redirect).toBeLessThan(0.15);
  });

  it("targets an avatar's eyes: the direction points from the given eye positions to the camera", () => {
    const p = new EyeContactPolicy();
    const target = { left: [100, -50, 700], right: [40, -50, 700] };
    const out = p.update(gazeAt(0), 0, target);
    expect(angleBetween(out.left.direction, [-100, 50, -700])).toBeLessThan(0.01);
    expect(angleBetween(out.right.direction, [-40, 50, -700])).toBeLessThan(0.01);
  });
});
