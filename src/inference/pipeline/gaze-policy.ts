// Eye-contact policy (the simple form used until the geometry stage's policy is wired in): where the iris
// would sit if the person looked into the camera, and how strongly to move it there. Small deviations
// (reading the screen just below the camera) are corrected fully; large ones (looking away on purpose) are
// left alone, with a linear fade between; closed eyes are never touched.
import { EYES, type EyeRegion } from '../generator/regions.ts';
import { eyeOpening } from './retarget.ts';

export interface GazePolicyOptions {
  /** Deviation (in eye widths) corrected fully. Default 0.12. */
  full?: number;
  /** Deviation beyond which nothing is corrected. Default 0.3. */
  none?: number;
  /** Eye opening (lid gap / eye width) below which an eye is treated as closed. Default 0.12. */
  minOpening?: number;
}

export interface EyeRedirect {
  /** Iris shift in pixels applied to that eye (already weighted). */
  dx: number;
  dy: number;
  weight: number;
}

export interface GazeRedirect {
  right: EyeRedirect;
  left: EyeRedirect;
  /** Mean weight of both eyes. */
  weight: number;
}

function eyeRedirect(kp: ArrayLike<number>, eye: EyeRegion, o: Required<GazePolicyOptions>): EyeRedirect {
  const ox = kp[3 * eye.outerCorner];
  const oy = kp[3 * eye.outerCorner + 1];
  const ix = kp[3 * eye.innerCorner];
  const iy = kp[3 * eye.innerCorner + 1];
  const len = Math.max(Math.hypot(ix - ox, iy - oy), 1e-3);
  // Camera-facing iris: midway between the corners along the eye, midway between the lids across it.
  const tx = (ox + ix) / 2;
  const ty = (kp[3 * eye.upperMid + 1] + kp[3 * eye.lowerMid + 1]) / 2;
  const cx = kp[3 * eye.iris];
  const cy = kp[3 * eye.iris + 1];
  const dev = Math.hypot(tx - cx, ty - cy) / len;
  let weight = dev <= o.full ? 1 : dev >= o.none ? 0 : (o.none - dev) / (o.none - o.full);
  if (eyeOpening(kp, eye) < o.minOpening) weight = 0;
  return { dx: (tx - cx) * weight, dy: (ty - cy) * weight, weight };
}

export function gazeRedirect(kp: ArrayLike<number>, opts: GazePolicyOptions = {}): GazeRedirect {
  const o = { full: opts.full ?? 0.12, none: opts.none ?? 0.3, minOpening: opts.minOpening ?? 0.12 };
  const right = eyeRedirect(kp, EYES[0], o);
  const left = eyeRedirect(kp, EYES[1], o);
  return { right, left, weight: (right.weight + left.weight) / 2 };
}

/** Moves both irises (centre and contour) of `kp` in place by the redirect. */
export function applyRedirect(kp: Float32Array, r: GazeRedirect): void {
  for (const [eye, d] of [
    [EYES[0], r.right],
    [EYES[1], r.left],
  ] as const) {
    for (let k = 0; k < 5; k++) {
      kp[3 * (eye.iris + k)] += d.dx;
      kp[3 * (eye.iris + k) + 1] += d.dy;
    }
  }
}
