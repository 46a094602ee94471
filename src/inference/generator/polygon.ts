// Small polygon helpers over landmark rings (x, y from a 478 x 3 landmark array).

/** The ring's points as a flat x, y array. */
export function ringXY(
  kp: ArrayLike<number>,
  ring: readonly number[],
  out = new Float32Array(ring.length * 2),
): Float32Array {
  for (let k = 0; k < ring.length; k++) {
    out[2 * k] = kp[3 * ring[k]];
    out[2 * k + 1] = kp[3 * ring[k] + 1];
  }
  return out;
}

/** Even-odd point-in-polygon test. */
export function insidePolygon(poly: Float32Array, x: number, y: number): boolean {
  let inside = false;
  const n = poly.length / 2;
  for (let i = 0, j = n - 1; i < n; j = i++) {
    const yi = poly[2 * i + 1];
    const yj = poly[2 * j + 1];
    if (yi > y !== yj > y) {
      const xi = poly[2 * i];
      const xj = poly[2 * j];
      if (x < ((xj - xi) * (y - yi)) / (yj - yi) + xi) inside = !inside;
    }
  }
  return inside;
}

export function polygonArea(poly: Float32Array): number {
  let a = 0;
  const n = poly.length / 2;
  for (let i = 0, j = n - 1; i < n; j = i++)
    a += poly[2 * j] * poly[2 * i + 1] - poly[2 * i] * poly[2 * j + 1];
  return Math.abs(a) / 2;
}

export interface PixelBox {
  x0: number;
  y0: number;
  x1: number;
  y1: number;
}

/** Pixel box (inclusive) around a polygon, grown by `pad` and clipped to the frame. */
export function polygonBox(poly: Float32Array, width: number, height: number, pad = 1): PixelBox {
  let x0 = Infinity;
  let y0 = Infinity;
  let x1 = -Infinity;
  let y1 = -Infinity;
  for (let i = 0; i < poly.length; i += 2) {
    x0 = Math.min(x0, poly[i]);
    x1 = Math.max(x1, poly[i]);
    y0 = Math.min(y0, poly[i + 1]);
    y1 = Math.max(y1, poly[i + 1]);
  }
  return {
    x0: Math.max(0, Math.floor(x0 - pad)),
    y0: Math.max(0, Math.floor(y0 - pad)),
    x1: Math.min(width - 1, Math.ceil(x1 + pad)),
    y1: Math.min(height - 1, Math.ceil(y1 + pad)),
  };
}

/** Convex hull (counter-clockwise in image coordinates, y down) of the first `count` x, y pairs of `xy`. */
export function convexHull(xy: ArrayLike<number>, count: number, stride = 2): Float32Array {
  const idx = Array.from({ length: count }, (_, i) => i);
  const X = (i: number) => xy[i * stride];
  const Y = (i: number) => xy[i * stride + 1];
  idx.sort((a, b) => X(a) - X(b) || Y(a) - Y(b));
  const cross = (o: number, a: number, b: number) =>
    (X(a) - X(o)) * (Y(b) - Y(o)) - (Y(a) - Y(o)) * (X(b) - X(o));
  // Andrew's monotone chain.
  const lower: number[] = [];
  for (const i of idx) {
    while (lower.length >= 2 && cross(lower[lower.length - 2], lower[lower.length - 1], i) <= 0) lower.pop();
    lower.push(i);
  }
  const upper: number[] = [];
  for (let k = idx.length - 1; k >= 0; k--) {
    const i = idx[k];
    while (upper.length >= 2 && cross(upper[upper.length - 2], upper[upper.length - 1], i) <= 0) upper.pop();
    upper.push(i);
  }
  const hull = [...lower.slice(0, -1), ...upper.slice(0, -1)];
  const out = new Float32Array(hull.length * 2);
  hull.forEach((i, k) => {
    out[2 * k] = X(i);
    out[2 * k + 1] = Y(i);
  });
  return out;
}

/**
 * How far along the ray from (cx, cy) through (px, py) the convex polygon's boundary lies, in units of that
 * segment: 1 when the point is on it, > 1 inside. (cx, cy) must be inside the polygon.
 */
export function rayToConvexBoundary(
  poly: Float32Array,
  cx: number,
  cy: number,
  px: number,
  py: number,
): number {
  const dx = px - cx;
  const dy = py - cy;
  const n = poly.length / 2;
  let best = Infinity;
  for (let i = 0, j = n - 1; i < n; j = i++) {
    const ax = poly[2 * j];
    const ay = poly[2 * j + 1];
    const ex = poly[2 * i] - ax;
    const ey = poly[2 * i + 1] - ay;
    const den = dx * ey - dy * ex;
    if (Math.abs(den) < 1e-12) continue;
    // c + t d = a + s e
    const t = ((ax - cx) * ey - (ay - cy) * ex) / den;
    const s = ((ax - cx) * dy - (ay - cy) * dx) / den;
    if (t > 0 && s >= -1e-9 && s <= 1 + 1e-9 && t < best) best = t;
  }
  return Number.isFinite(best) ? best : 1;
}
