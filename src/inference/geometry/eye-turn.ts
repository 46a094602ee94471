// An eye-contact correction as what it is: a rotation of the eyeball about its centre, from the gaze the eye
// shows (`from`) to the gaze to draw (`to`), with the lids following its vertical part (lid-follow.ts). Used on
// the key-points (the target the avatar is drawn at, the sketch) and by the live frame's eye warp.
import type { EyeRegion } from '../generator/regions.ts';
import { eyeAxes, followLids } from './lid-follow.ts';

/** Row-major rotation taking unit vector `a` onto unit vector `b` (the shortest turn). */
export function rotationBetween(
  a: ArrayLike<number>,
  b: ArrayLike<number>,
  out = new Float64Array(9),
): Float64Array {
  const cx = a[1] * b[2] - a[2] * b[1];
  const cy = a[2] * b[0] - a[0] * b[2];
  const cz = a[0] * b[1] - a[1] * b[0];
  const c = a[0] * b[0] + a[1] * b[1] + a[2] * b[2];
  out.fill(0);
  out[0] = 1;
  out[4] = 1;
  out[8] = 1;
  if (c < -0.999999) return out; // opposite: never asked of a gaze correction
  // R = I + [v]x + [v]x^2 / (1 + c)
  const k = 1 / (1 + c);
  out[0] += -(cy * cy + cz * cz) * k;
  out[1] += -cz + cx * cy * k;
  out[2] += cy + cx * cz * k;
  out[3] += cz + cx * cy * k;
  out[4] += -(cx * cx + cz * cz) * k;
  out[5] += -cx + cy * cz * k;
  out[6] += -cy + cx * cz * k;
  out[7] += cx + cy * cz * k;
  out[8] += -(cx * cx + cy * cy) * k;
  return out;
}

/** The correction of one eye: eyeball centre and radius (image pixels) and the turn of its gaze. */
export interface EyeTurn {
  centre: ArrayLike<number>;
  /** Radius of the surface the iris sits on (pixels): the eyeball centre to iris centre distance. */
  radius: number;
  from: ArrayLike<number>;
  to: ArrayLike<number>;
}

/** Image displacement (x, y) of the iris centre for a turn. */
export function irisShift(t: EyeTurn): [number, number] {
  return [t.radius * (t.to[0] - t.from[0]), t.radius * (t.to[1] - t.from[1])];
}

/**
 * Applies a turn to one eye's key-points in `points` (478 x 3, modified): the iris (centre and ring) moves with
 * the eyeball, the lid margins follow its vertical part, the corners stay.
 */
export function turnEye(points: Float32Array, eye: EyeRegion, t: EyeTurn): void {
  const [dx, dy] = irisShift(t);
  if (dx === 0 && dy === 0) return;
  for (let i = eye.iris; i < eye.iris + 5; i++) {
    points[3 * i] += dx;
    points[3 * i + 1] += dy;
  }
  const a = eyeAxes(points, eye);
  followLids(points, eye, dx * a.vx + dy * a.vy);
}
