// The eye-region warp on a synthetic face: the identity outside each eye's region and at its edges, the iris
// turned with the eyeball, the lids following its vertical part (upper more than lower), corners fixed.
import { describe, expect, it } from 'vitest';
import { EYES } from '../../src/inference/generator/regions.ts';
import { irisShift } from '../../src/inference/geometry/eye-turn.ts';
import { LOWER_LID_FOLLOW, UPPER_LID_FOLLOW } from '../../src/inference/geometry/lid-follow.ts';
import { DEFAULT_BANDS, eyeGeometry, regionBox, warpEye } from '../../src/inference/pipeline/eye-warp.ts';
import { syntheticFace } from '../generator/synthetic-face.ts';

const W = 256;
const H = 256;

function identityMap(): Float32Array {
  const m = new Float32Array(W * H * 2);
  for (let y = 0; y < H; y++)
    for (let x = 0; x < W; x++) {
      m[2 * (y * W + x)] = x + 0.5;
      m[2 * (y * W + x) + 1] = y + 0.5;
    }
  return m;
}

const unit = (v: number[]) => {
  const n = Math.hypot(v[0], v[1], v[2]);
  return v.map((c) => c / n);
};

describe('eye-region warp', () => {
  const kp = syntheticFace({ size: 90, eyeOpen: 0.45 });
  const eye = EYES[0];
  const ix = kp[3 * eye.iris];
  const iy = kp[3 * eye.iris + 1];
  // Eyeball centre behind the iris; the eye looks 12 degrees down and is turned to look straight ahead.
  const R = 14;
  const from = unit([0, Math.tan((12 * Math.PI) / 180), -1]);
  const to = [0, 0, -1];
  const turn = { centre: [ix - R * from[0], iy - R * from[1]], radius: R, from, to };

  it('a zero turn changes nothing', () => {
    const m = identityMap();
    const before = Float32Array.from(m);
    expect(warpEye({ map: m, width: W, height: H }, kp, eye, { ...turn, to: from }, DEFAULT_BANDS)).toBe(
      false,
    );
    expect(m).toEqual(before);
  });

  it('leaves every pixel outside the region as it is, and is continuous at its edges', () => {
    const m = identityMap();
    expect(warpEye({ map: m, width: W, height: H }, kp, eye, turn, DEFAULT_BANDS)).toBe(true);
    const box = regionBox(eyeGeometry(kp, eye), DEFAULT_BANDS);
    let inside = 0;
    let maxJump = 0;
    for (let y = 0; y < H; y++)
      for (let x = 0; x < W; x++) {
        const i = 2 * (y * W + x);
        const moved = Math.abs(m[i] - x - 0.5) > 1e-4 || Math.abs(m[i + 1] - y - 0.5) > 1e-4;
        const inBox = x >= box.x0 && x <= box.x1 && y >= box.y0 && y <= box.y1;
        if (moved) {
          expect(inBox).toBe(true);
          inside++;
        }
        if (x > 0 && inBox) maxJump = Math.max(maxJump, Math.abs(m[i + 1] - m[i - 1]));
      }
    expect(inside).toBeGreaterThan(100);
    // Vertical displacement never tears between horizontal neighbours by more than a few pixels.
    expect(maxJump).toBeLessThan(4);
  });

  it('turns the iris up with the eyeball and raises the upper lid more than the lower one', () => {
    const m = identityMap();
    warpEye({ map: m, width: W, height: H }, kp, eye, turn, DEFAULT_BANDS);
    const [, dy] = irisShift(turn);
    expect(dy).toBeLessThan(-1.5);
    // The pixel where the iris centre now is shows the frame's iris centre.
    const px = Math.floor(ix);
    const py = Math.floor(iy + dy);
    const i = 2 * (py * W + px);
    expect(Math.abs(m[i] - ix)).toBeLessThan(1);
    expect(Math.abs(m[i + 1] - iy)).toBeLessThan(1);
    // Lid margins at the middle of the eye: the new margin shows the old one.
    const find = (idx: number, follow: number) => {
      const x = kp[3 * idx];
      const y = kp[3 * idx + 1] + follow * dy;
      const j = 2 * (Math.floor(y) * W + Math.floor(x));
      return m[j + 1] - kp[3 * idx + 1];
    };
    expect(Math.abs(find(eye.upperMid, UPPER_LID_FOLLOW))).toBeLessThan(1.2);
    expect(Math.abs(find(eye.lowerMid, LOWER_LID_FOLLOW))).toBeLessThan(1.2);
    expect(UPPER_LID_FOLLOW).toBeGreaterThan(LOWER_LID_FOLLOW);
    // Corners stay.
    for (const c of [eye.outerCorner, eye.innerCorner]) {
      const j = 2 * (Math.floor(kp[3 * c + 1]) * W + Math.floor(kp[3 * c]));
      expect(Math.abs(m[j] - (Math.floor(kp[3 * c]) + 0.5))).toBeLessThan(0.6);
      expect(Math.abs(m[j + 1] - (Math.floor(kp[3 * c + 1]) + 0.5))).toBeLessThan(0.6);
    }
  });

  it('narrow bands (a frame line close above the lid) limit how far the lid moves', () => {
    const wide = identityMap();
    const narrow = identityMap();
    warpEye({ map: wide, width: W, height: H }, kp, eye, turn, DEFAULT_BANDS);
    warpEye({ map: narrow, width: W, height: H }, kp, eye, turn, { above: 0.04, below: 0.3 });
    const box = regionBox(eyeGeometry(kp, eye), { above: 0.04, below: 0.3 });
    for (let y = 0; y < box.y0; y++)
      for (let x = 0; x < W; x++) expect(narrow[2 * (y * W + x) + 1]).toBe(y + 0.5);
    expect(box.y0).toBeGreaterThan(regionBox(eyeGeometry(kp, eye), DEFAULT_BANDS).y0);
  });
});
