// The eyelids follow the eye's vertical rotation: in steady fixation the upper lid's margin tracks the eye about
// 1:1 in degrees (Becker & Fuchs 1988), so the eye opening narrows in down-gaze (Read et al. 2006), and the lower
// lid moves less. Eye contact that turns an eye up must raise its lids with it, or the raised iris sits under a
// lid that stayed down.
//
// Model, in the eye's own frame (corner line; v points down the face): a vertical iris displacement dv (image
// pixels) moves the upper-lid margin by UPPER_LID_FOLLOW * dv and the lower one by LOWER_LID_FOLLOW * dv, both
// tapered to nothing at the corners (which stay, with the brows). Upper: 1:1 in degrees puts a margin riding
// the globe ~4 mm above the pupil (~20 deg up) at cos(20 deg) x 12 mm per radian against the iris's 10.5 mm:
// 1.0 in image space. Lower: measured on the talking-head data set (`npm run bench -- lid-coupling`, frame
// pairs whose irises differ by > 0.05 eye widths, median over 124 eyes): 0.65 of the upper lid's movement. Its
// absolute slopes there (upper 0.32, lower 0.21) are far under 1:1: the clips' irises hardly move vertically
// (RMS 0.023 eye widths) and the tracker's noise dilutes a slope, so only their ratio is taken.
import type { EyeRegion } from '../generator/regions.ts';

/** Upper-lid margin displacement per iris displacement (vertical, image space). */
export const UPPER_LID_FOLLOW = 1;
/** Lower-lid margin displacement per iris displacement. */
export const LOWER_LID_FOLLOW = 0.65;

/** Share of the lid movement at position u along the eye (0 outer corner, 1 inner): none at the corners. */
export function lidTaper(u: number): number {
  if (u <= 0 || u >= 1) return 0;
  const t = 4 * u * (1 - u);
  // Flatter in the middle than a parabola: the lid margin moves as one over the iris.
  return Math.min(1, 1.5 * t - 0.5 * t * t);
}

/** An eye's frame from its corners: origin at the outer corner, unit u toward the inner one, v down the face. */
export interface EyeAxes {
  ox: number;
  oy: number;
  ux: number;
  uy: number;
  vx: number;
  vy: number;
  length: number;
}

export function eyeAxes(kp: ArrayLike<number>, eye: EyeRegion, out?: EyeAxes): EyeAxes {
  const ox = kp[3 * eye.outerCorner];
  const oy = kp[3 * eye.outerCorner + 1];
  const dx = kp[3 * eye.innerCorner] - ox;
  const dy = kp[3 * eye.innerCorner + 1] - oy;
  const length = Math.max(Math.hypot(dx, dy), 1e-3);
  const ux = dx / length;
  const uy = dy / length;
  let vx = -uy;
  let vy = ux;
  if (vy < 0) {
    vx = -vx;
    vy = -vy;
  }
  const a = out ?? { ox, oy, ux, uy, vx, vy, length };
  a.ox = ox;
  a.oy = oy;
  a.ux = ux;
  a.uy = uy;
  a.vx = vx;
  a.vy = vy;
  a.length = length;
  return a;
}

/**
 * Moves the lid margins of `eye` in `points` (478 x 3, modified) for a vertical iris displacement `dv` (pixels
 * along the eye's v axis; negative: the eye turns up). The corners stay.
 */
export function followLids(points: Float32Array, eye: EyeRegion, dv: number): void {
  if (dv === 0) return;
  const a = eyeAxes(points, eye);
  for (let k = 1; k < eye.ring.length; k++) {
    if (k === eye.upper - 1) continue; // the inner corner
    const i = eye.ring[k];
    const u = ((points[3 * i] - a.ox) * a.ux + (points[3 * i + 1] - a.oy) * a.uy) / a.length;
    const f = (k < eye.upper ? UPPER_LID_FOLLOW : LOWER_LID_FOLLOW) * lidTaper(u) * dv;
    points[3 * i] += f * a.vx;
    points[3 * i + 1] += f * a.vy;
  }
}
