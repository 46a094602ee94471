// Regions of interest for the face models: a rotated square in the image and the affine map between the model's
// crop and the image. Coordinates are continuous: pixel i covers [i, i+1), so its centre is i + 0.5.

/** A rotated rectangle: centre, size (image pixels) and rotation (radians, image x toward image y). */
export interface Roi {
  cx: number;
  cy: number;
  width: number;
  height: number;
  angle: number;
}

/** Maps crop coordinates (u, v) to image coordinates: x = a*u + b*v + c, y = d*u + e*v + f. */
export type Affine = readonly [number, number, number, number, number, number];

/** The affine from an S x S crop of `roi` to the image; `flip` mirrors the crop horizontally. */
export function cropToImage(roi: Roi, size: number, flip = false): Affine {
  const kx = (roi.width / size) * (flip ? -1 : 1);
  const ky = roi.height / size;
  const c = Math.cos(roi.angle);
  const s = Math.sin(roi.angle);
  // Crop centre (size/2, size/2) lands on the roi centre.
  const a = c * kx;
  const b = -s * ky;
  const d = s * kx;
  const e = c * ky;
  const h = size / 2;
  return [a, b, roi.cx - a * h - b * h, d, e, roi.cy - d * h - e * h];
}

/** Maps `count` points (stride `stride`, x and y first) from crop to image coordinates, in place into `out`.
 * z is scaled by the crop's scale so it stays in image pixels. */
export function mapPoints(
  src: ArrayLike<number>,
  srcOffset: number,
  count: number,
  stride: number,
  m: Affine,
  out: Float32Array,
  outOffset: number,
): void {
  const zs = Math.hypot(m[0], m[3]);
  for (let i = 0; i < count; i++) {
    const u = src[srcOffset + i * stride];
    const v = src[srcOffset + i * stride + 1];
    const o = outOffset + i * 3;
    out[o] = m[0] * u + m[1] * v + m[2];
    out[o + 1] = m[3] * u + m[4] * v + m[5];
    out[o + 2] = stride > 2 ? src[srcOffset + i * stride + 2] * zs : 0;
  }
}

/** The square roi around a set of points (x, y, z triples), its axes turned by `angle`, enlarged by `scale`. */
export function roiFromPoints(pts: Float32Array, count: number, angle: number, scale: number): Roi {
  const c = Math.cos(angle);
  const s = Math.sin(angle);
  let minU = Infinity;
  let maxU = -Infinity;
  let minV = Infinity;
  let maxV = -Infinity;
  for (let i = 0; i < count; i++) {
    const x = pts[i * 3];
    const y = pts[i * 3 + 1];
    // Coordinates in the rotated frame.
    const u = c * x + s * y;
    const v = -s * x + c * y;
    if (u < minU) minU = u;
    if (u > maxU) maxU = u;
    if (v < minV) minV = v;
    if (v > maxV) maxV = v;
  }
  const mu = (minU + maxU) / 2;
  const mv = (minV + maxV) / 2;
  const side = Math.max(maxU - minU, maxV - minV) * scale;
  return { cx: c * mu - s * mv, cy: s * mu + c * mv, width: side, height: side, angle };
}

/** The square roi of a segment's two end points (eye corners), turned along the segment. */
export function roiFromSegment(x0: number, y0: number, x1: number, y1: number, scale: number): Roi {
  const side = Math.hypot(x1 - x0, y1 - y0) * scale;
  return {
    cx: (x0 + x1) / 2,
    cy: (y0 + y1) / 2,
    width: side,
    height: side,
    angle: Math.atan2(y1 - y0, x1 - x0),
  };
}
