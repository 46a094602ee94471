// Eyes rendered instead of warped: inside the target's eyelid aperture, the backward map shows the source's
// iris (moved to the target iris position, same size) and its sclera (stretched between the iris and the eye
// corners). The lids follow the target aperture, so a blink closes the lids over the eyeball instead of
// squashing the iris, and gaze moves the iris inside the aperture.
import { insidePolygon, polygonBox, ringXY } from './polygon.ts';
import type { BackwardMap } from './raster.ts';
import { EYES, type EyeRegion } from './regions.ts';

interface EyeFrame {
  ox: number;
  oy: number;
  /** Unit axis from the outer to the inner corner, and its perpendicular (pointing down in the image). */
  ux: number;
  uy: number;
  vx: number;
  vy: number;
  length: number;
  /** Iris centre in eye coordinates and iris radius. */
  cu: number;
  cv: number;
  r: number;
}

function irisRadius(kp: ArrayLike<number>, c: number): number {
  let r = 0;
  for (let k = 1; k <= 4; k++)
    r += Math.hypot(kp[3 * (c + k)] - kp[3 * c], kp[3 * (c + k) + 1] - kp[3 * c + 1]);
  return r / 4;
}

function eyeFrame(kp: ArrayLike<number>, eye: EyeRegion, radius?: number): EyeFrame {
  const ox = kp[3 * eye.outerCorner];
  const oy = kp[3 * eye.outerCorner + 1];
  const dx = kp[3 * eye.innerCorner] - ox;
  const dy = kp[3 * eye.innerCorner + 1] - oy;
  const length = Math.max(Math.hypot(dx, dy), 1e-3);
  const ux = dx / length;
  const uy = dy / length;
  // Perpendicular pointing down the face whichever eye this is.
  let vx = -uy;
  let vy = ux;
  if (vy < 0) {
    vx = -vx;
    vy = -vy;
  }
  const px = kp[3 * eye.iris] - ox;
  const py = kp[3 * eye.iris + 1] - oy;
  return {
    ox,
    oy,
    ux,
    uy,
    vx,
    vy,
    length,
    cu: px * ux + py * uy,
    cv: px * vx + py * vy,
    r: radius ?? irisRadius(kp, eye.iris),
  };
}

const scratchTarget = new Float32Array(32);
const scratchSource = new Float32Array(32);

/**
 * Overwrites the backward map inside both target eye apertures. `source` / `target` are 478 x 3 landmarks in
 * the source image and the output frame.
 */
export function renderEyes(map: BackwardMap, source: ArrayLike<number>, target: ArrayLike<number>): void {
  for (const eye of EYES) renderEye(map, source, target, eye);
}

function renderEye(
  m: BackwardMap,
  source: ArrayLike<number>,
  target: ArrayLike<number>,
  eye: EyeRegion,
): void {
  const s = eyeFrame(source, eye);
  const scale = eyeFrame(target, eye).length / s.length;
  const t = eyeFrame(target, eye, s.r * scale);
  // Keep the target iris centre within the aperture's span along the eye axis.
  t.cu = Math.min(Math.max(t.cu, 0.5 * t.r), t.length - 0.5 * t.r);
  const tPoly = ringXY(target, eye.ring, scratchTarget);
  const sPoly = ringXY(source, eye.ring, scratchSource);
  const box = polygonBox(tPoly, m.width, m.height);
  const sLeft = Math.max(s.cu - s.r, 1e-3);
  const sRight = Math.max(s.length - (s.cu + s.r), 1e-3);
  const tLeft = Math.max(t.cu - t.r, 1e-3);
  const tRight = Math.max(t.length - (t.cu + t.r), 1e-3);
  const inv = 1 / scale;
  const { map, width } = m;
  for (let py = box.y0; py <= box.y1; py++) {
    for (let px = box.x0; px <= box.x1; px++) {
      const x = px + 0.5;
      const y = py + 0.5;
      if (!insidePolygon(tPoly, x, y)) continue;
      const rx = x - t.ox;
      const ry = y - t.oy;
      const u = rx * t.ux + ry * t.uy;
      const v = rx * t.vx + ry * t.vy;
      const du = u - t.cu;
      const dv = v - t.cv;
      let su: number;
      let sv: number;
      if (du * du + dv * dv <= t.r * t.r) {
        // Iris: the same disc in the source, scaled to the eye size; where the source lid covers that part of
        // the iris, the mirrored half (irises are near-symmetric) or a point nearer the centre is taken.
        su = s.cu + du * inv;
        sv = s.cv + dv * inv;
        if (!insideSource(s, sPoly, su, sv)) {
          sv = s.cv - dv * inv;
          if (!insideSource(s, sPoly, su, sv)) {
            su = s.cu + 0.5 * du * inv;
            sv = s.cv + 0.3 * dv * inv;
          }
        }
      } else {
        // Sclera: the stretch between iris edge and corner on the same side, near the iris's height.
        if (du < 0) su = (Math.max(u, 0) / tLeft) * sLeft;
        else su = s.cu + s.r + Math.min((u - t.cu - t.r) / tRight, 1) * sRight;
        su = Math.min(Math.max(su, 0), s.length);
        sv = s.cv + Math.max(-0.4 * s.r, Math.min(0.4 * s.r, 0.5 * dv * inv));
      }
      const i = 2 * (py * width + px);
      map[i] = s.ox + su * s.ux + sv * s.vx;
      map[i + 1] = s.oy + su * s.uy + sv * s.vy;
    }
  }
}

function insideSource(s: EyeFrame, poly: Float32Array, u: number, v: number): boolean {
  return insidePolygon(poly, s.ox + u * s.ux + v * s.vx, s.oy + u * s.uy + v * s.vy);
}
