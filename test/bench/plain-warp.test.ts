// The quality bench's plain-warp reference on a real portrait: no driver motion leaves the photo as it is, a
// driver that moves its whole face moves the identity's face by the same (scaled) amount, and an opened mouth
// opens the identity's lips.
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PlainWarp } from '../../bench/quality/plain-warp.ts';
import { FaceTracker } from '../../src/inference/face/tracker.ts';
import { prepareIdentityPhoto } from '../../src/inference/pipeline/identity.ts';
import { FIXTURES_DIR, fixturesAvailable } from '../../src/util/paths.ts';
import type { RgbaFrame } from '../../src/video/frame.ts';

const skip = !fixturesAvailable();
if (skip) console.warn(`plain-warp tests skipped: fixtures not found at ${FIXTURES_DIR}`);

/** Mean absolute difference (0..255) of the RGB bytes inside a box. */
function diff(a: RgbaFrame, b: RgbaFrame, x0: number, y0: number, x1: number, y1: number): number {
  let s = 0;
  let n = 0;
  for (let y = y0; y < y1; y++)
    for (let x = x0; x < x1; x++)
      for (let c = 0; c < 3; c++) {
        const i = 4 * (y * a.width + x) + c;
        s += Math.abs(a.data[i] - b.data[i]);
        n++;
      }
  return s / n;
}

describe.skipIf(skip)('plain-warp reference', () => {
  let tracker: FaceTracker;
  let photo: RgbaFrame;
  let mesh: Float32Array;

  beforeAll(async () => {
    tracker = await FaceTracker.create({ smoothing: false });
    const p = await prepareIdentityPhoto(join(FIXTURES_DIR, 'identities', 's0.jpg'), tracker, 256);
    photo = p.rgba;
    mesh = p.landmarks;
  });
  afterAll(async () => {
    await tracker?.close();
  });

  it('leaves the photo unchanged while the driver has not moved', () => {
    const warp = new PlainWarp(photo, mesh);
    const driver = mesh.map((v, i) => (i % 3 === 2 ? v : v * 1.5 + 20));
    const out = warp.render(driver);
    expect(diff(out, photo, 0, 0, 256, 256)).toBeLessThan(1);
    // No face this frame: the last target stays.
    expect(diff(warp.render(null), out, 0, 0, 256, 256)).toBe(0);
  });

  it('moves the face with the driver, scaled into the identity, and opens the mouth', () => {
    const warp = new PlainWarp(photo, mesh);
    // A driver face twice the identity's size: its 16 px shift right is 8 px on the identity.
    const big = mesh.map((v) => 2 * v);
    warp.render(big);
    const moved = warp.render(big.map((v, i) => (i % 3 === 0 ? v + 16 : v)));
    const nose = { x: Math.round(mesh[3]), y: Math.round(mesh[4]) };
    expect(bestShift(moved, photo, nose.x - 20, nose.y - 20, 40, 40, 'x')).toBe(8);
    // The lower lip (inner and outer rows) pulled down 12 px on the driver, 6 on the identity.
    const open = big.slice();
    for (const i of LOWER_LIP) open[3 * i + 1] += 12;
    const opened = new PlainWarp(photo, mesh);
    opened.render(big);
    const out = opened.render(open);
    // The lip's body (between the inner lip 14 and the outer lip 17) moved as one: 6 px down.
    const x = Math.round(mesh[3 * 14]);
    const top = Math.ceil(mesh[3 * 14 + 1]) + 7;
    const h = Math.floor(mesh[3 * 17 + 1]) - Math.ceil(mesh[3 * 14 + 1]) - 2;
    expect(h).toBeGreaterThan(2);
    expect(bestShift(out, photo, x - 6, top, 12, h, 'y')).toBe(6);
  });
});

// Every lower-lip point between the corners: inner row, the two rows between, outer row.
const LOWER_LIP = [
  95, 88, 178, 87, 14, 317, 402, 318, 324, 96, 89, 179, 86, 15, 316, 403, 319, 325, 77, 90, 180, 85, 16, 315,
  404, 320, 307, 146, 91, 181, 84, 17, 314, 405, 321, 375,
];

/** The shift (0..16 px along `axis`) of `photo` that best matches `out` inside the box. */
function bestShift(
  out: RgbaFrame,
  photo: RgbaFrame,
  x0: number,
  y0: number,
  w: number,
  h: number,
  axis: 'x' | 'y',
): number {
  let best = Infinity;
  let bestD = 0;
  const W = photo.width;
  for (let d = 0; d <= 16; d++) {
    let s = 0;
    for (let y = y0; y < y0 + h; y++)
      for (let x = x0; x < x0 + w; x++) {
        const sx = axis === 'x' ? x - d : x;
        const sy = axis === 'y' ? y - d : y;
        for (let c = 0; c < 3; c++)
          s += Math.abs(out.data[4 * (y * W + x) + c] - photo.data[4 * (sy * W + sx) + c]);
      }
    if (s < best) {
      best = s;
      bestD = d;
    }
  }
  return bestD;
}
