import { describe, expect, it } from 'vitest';
import { cameraDirection } from '../../src/inference/geometry/camera-ray.ts';
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

/** The band these cases were written for, without look-away (their own tests are below). */
const OLD = { fullDeg: 10, noneDeg: 35, lookAway: false as const, fallMs: 40, riseMs: 150 };

describe('eye-contact policy', () => {
  it('fades linearly between the full and none angles (defaults 20 and 30 deg)', () => {
    const d = new EyeContactPolicy();
    expect([d.fullDeg, d.noneDeg]).toEqual([20, 30]);
    expect(redirectWeight(0, 10, 35)).toBe(1);
    expect(redirectWeight(10, 10, 35)).toBe(1);
    expect(redirectWeight(22.5, 10, 35)).toBeCloseTo(0.5, 12);
    expect(redirectWeight(35, 10, 35)).toBe(0);
    expect(redirectWeight(80, 10, 35)).toBe(0);
    expect(() => new EyeContactPolicy({ fullDeg: 20, noneDeg: 10 })).toThrow(RangeError);
  });

  it('inside: looking near the camera is fully redirected to it', () => {
    const p = new EyeContactPolicy(OLD);
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
    const p = new EyeContactPolicy(OLD);
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
    const p = new EyeContactPolicy(OLD);
    let out = p.update(gazeAt(45, 10), 0);
    for (let i = 1; i < 10; i++) out = p.update(gazeAt(45, 10), i * 40);
    expect(out.redirect).toBe(0);
    const g = gazeAt(45, 10);
    for (const eye of ['left', 'right'] as const)
      expect(angleBetween(out[eye].direction, g[eye].direction)).toBeLessThan(0.01);
  });

  it('blink: a closed eye is not redirected, and the strength is back at once when it opens', () => {
    const p = new EyeContactPolicy(OLD);
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
    const p = new EyeContactPolicy(OLD);
    for (let i = 0; i < 10; i++) p.update(gazeAt(-45), i * 40);
    p.update(gazeAt(45), 400);
    const out = p.update(gazeAt(45), 440);
    // Both far from the camera: no redirection; the output follows the 90-degree jump within 2 frames.
    expect(angleBetween(out.left.direction, gazeAt(45).left.direction)).toBeLessThan(5);
    // Jitter of +-1 deg around a fixed point far from the camera.
    const q = new EyeContactPolicy(OLD);
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
    const p = new EyeContactPolicy(OLD);
    for (let i = 0; i < 10; i++) p.update(gazeAt(-45), i * 40);
    const mid = p.update(gazeAt(0), 400);
    expect(mid.redirect).toBeLessThan(0.3);
    const q = new EyeContactPolicy(OLD);
    for (let i = 0; i < 10; i++) q.update(gazeAt(2), i * 40);
    q.update(gazeAt(45), 400);
    const away = q.update(gazeAt(45), 440);
    expect(away.redirect).toBeLessThan(0.15);
  });

  it("targets an avatar's eyes: each looks into the camera from where the drawn eyes are", () => {
    const p = new EyeContactPolicy(OLD);
    const target = { left: [100, -50, 700], right: [40, -50, 700] };
    const out = p.update(gazeAt(0), 0, target);
    expect(
      angleBetween(out.left.direction, cameraDirection(target.left, target.left, target.right)),
    ).toBeLessThan(0.01);
    expect(
      angleBetween(out.right.direction, cameraDirection(target.right, target.left, target.right)),
    ).toBeLessThan(0.01);
  });

  it('into the camera is measured in the gaze axes: a face off the image centre keeps only its convergence', () => {
    const left = [32, 0, 600];
    const right = [-32, 0, 600];
    // A centred face: each eye's ray to the camera.
    expect(angleBetween(cameraDirection(left, left, right), [-32, 0, -600])).toBeLessThan(1e-9);
    // The same face 150 mm left of and 100 mm below the optical axis: the face's ray is the axis, the eyes
    // converge on it by the same angle as before, not by the offset's 17 degrees.
    const l2 = [32 - 150, 100, 600];
    const r2 = [-32 - 150, 100, 600];
    const dl = cameraDirection(l2, l2, r2);
    const dr = cameraDirection(r2, l2, r2);
    const mid = [(dl[0] + dr[0]) / 2, (dl[1] + dr[1]) / 2, (dl[2] + dr[2]) / 2];
    expect(angleBetween(mid, [0, 0, -1])).toBeLessThan(0.1);
    expect(angleBetween(dl, dr)).toBeCloseTo(
      angleBetween([-l2[0], -l2[1], -l2[2]], [-r2[0], -r2[1], -r2[2]]),
      6,
    );
    expect(angleBetween(dl, [-32, 0, -600])).toBeLessThan(0.3);
  });

  it('the default band: full up to 20 deg off the camera, half at 25, none from 30', () => {
    const settle = (deg: number) => {
      const p = new EyeContactPolicy({ lookAway: false });
      let out = p.update(gazeAt(deg), 0);
      for (let i = 1; i < 40; i++) out = p.update(gazeAt(deg), i * 40);
      return out.redirect;
    };
    expect(settle(15)).toBeCloseTo(1, 3);
    expect(settle(19)).toBeCloseTo(1, 3);
    expect(settle(25)).toBeCloseTo(0.5, 1);
    expect(settle(31)).toBeLessThan(0.01);
  });

  it('fades with the head: pitch 15-25 deg, yaw 25-30 deg', () => {
    const settle = (head: { yaw: number; pitch: number }) => {
      const p = new EyeContactPolicy({ lookAway: false });
      let out = p.update(gazeAt(5), 0, undefined, undefined, { head });
      for (let i = 1; i < 40; i++) out = p.update(gazeAt(5), i * 40, undefined, undefined, { head });
      return out.redirect;
    };
    expect(settle({ yaw: 0, pitch: 10 })).toBeCloseTo(1, 3);
    expect(settle({ yaw: 0, pitch: 20 })).toBeCloseTo(0.5, 1);
    expect(settle({ yaw: 0, pitch: -26 })).toBeLessThan(0.01);
    expect(settle({ yaw: 24, pitch: 0 })).toBeCloseTo(1, 3);
    expect(settle({ yaw: -27.5, pitch: 0 })).toBeCloseTo(0.5, 1);
    expect(settle({ yaw: 31, pitch: 0 })).toBeLessThan(0.01);
  });

  it('onset and release are smooth: no step of more than a third of the way in one frame', () => {
    const p = new EyeContactPolicy({ lookAway: false });
    let prev = p.update(gazeAt(45), 0).redirect;
    let maxStep = 0;
    const head = { yaw: 0, pitch: 0 };
    for (let i = 1; i < 60; i++) {
      // Near the camera, then the head turns past the yaw band, then back.
      head.yaw = i < 20 ? 0 : i < 40 ? 35 : 0;
      const w = p.update(gazeAt(i < 3 ? 45 : 5), i * 40, undefined, undefined, { head }).redirect;
      maxStep = Math.max(maxStep, Math.abs(w - prev));
      prev = w;
    }
    expect(maxStep).toBeGreaterThan(0.05);
    expect(maxStep).toBeLessThan(0.34);
  });

  it('a closing eye fades out of the redirection before it counts as closed', () => {
    const p = new EyeContactPolicy({ lookAway: false });
    for (let i = 0; i < 20; i++) p.update(gazeAt(5), i * 40);
    const half = p.update(gazeAt(5), 800, undefined, undefined, { blink: { left: 0.425, right: 0 } });
    expect(half.right.weight).toBeCloseTo(half.redirect, 6);
    expect(half.left.weight).toBeCloseTo(0.5 * half.redirect, 2);
    const shut = p.update(gazeAt(5), 840, undefined, undefined, { blink: { left: 0.6, right: 0 } });
    expect(shut.left.weight).toBe(0);
    // No correction at all for that eye: the gaze drawn is the gaze measured.
    expect(angleBetween(shut.left.direction, shut.left.from)).toBeLessThan(1e-9);
  });

  it('natural look-away: brief glances of a few degrees, now and then, the same on every run', () => {
    const run = () => {
      const p = new EyeContactPolicy({ lookAway: { seed: 7 } });
      const offs: number[] = [];
      for (let i = 0; i < 750; i++) {
        const g = gazeAt(3);
        const out = p.update(g, i * 40);
        offs.push(angleBetween(out.right.direction, toCamera(g, 'right')));
      }
      return offs;
    };
    const a = run();
    expect(run()).toEqual(a);
    const steady = a.slice(20);
    const away = steady.filter((d) => d > 2).length / steady.length;
    // 30 s: several glances, each under a second, never more than ~8 degrees off.
    expect(away).toBeGreaterThan(0.03);
    expect(away).toBeLessThan(0.3);
    expect(Math.max(...steady)).toBeLessThan(8.5);
    let glances = 0;
    for (let i = 1; i < steady.length; i++) if (steady[i] > 2 && steady[i - 1] <= 2) glances++;
    expect(glances).toBeGreaterThanOrEqual(3);
    // Off: an unbroken gaze at the camera.
    const q = new EyeContactPolicy({ lookAway: false });
    let maxOff = 0;
    for (let i = 0; i < 750; i++) {
      const g = gazeAt(3);
      const out = q.update(g, i * 40);
      if (i > 20) maxOff = Math.max(maxOff, angleBetween(out.right.direction, toCamera(g, 'right')));
    }
    expect(maxOff).toBeLessThan(0.01);
  });
});
