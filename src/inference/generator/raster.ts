// Rasterises the backward map of a triangle mesh: for every target pixel, the source position it shows.
// Per-triangle affine maps filled by scanning each triangle's box with a depth test, so where the turned head
// folds over itself (the far cheek behind the nose) the nearer surface wins instead of a fold.

export interface BackwardMap {
  width: number;
  height: number;
  /** Source position (continuous pixel coordinates, pixel i spans [i, i+1)) per target pixel: x, y pairs. */
  map: Float32Array;
  /** Depth of the surface each pixel shows (Infinity where no triangle covered it). */
  depth: Float32Array;
  /** Index of the triangle each pixel shows, -1 where none. */
  tri: Int32Array;
}

export function createBackwardMap(width: number, height: number): BackwardMap {
  return {
    width,
    height,
    map: new Float32Array(width * height * 2),
    depth: new Float32Array(width * height),
    tri: new Int32Array(width * height),
  };
}

/**
 * Fills `out` from triangles `tris` whose target vertices are (tXY, tZ) and source vertices sXY.
 * Pixels no triangle covers keep the identity map.
 */
export function rasterizeBackward(
  tris: Uint32Array,
  tXY: Float32Array,
  tZ: Float32Array,
  sXY: Float32Array,
  out: BackwardMap,
): void {
  const { width: w, height: h, map, depth, tri } = out;
  depth.fill(Infinity);
  tri.fill(-1);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const i = 2 * (y * w + x);
      map[i] = x + 0.5;
      map[i + 1] = y + 0.5;
    }
  }
  const nT = tris.length / 3;
  for (let t = 0; t < nT; t++) {
    const i0 = tris[3 * t];
    const i1 = tris[3 * t + 1];
    const i2 = tris[3 * t + 2];
    const x0 = tXY[2 * i0];
    const y0 = tXY[2 * i0 + 1];
    const x1 = tXY[2 * i1];
    const y1 = tXY[2 * i1 + 1];
    const x2 = tXY[2 * i2];
    const y2 = tXY[2 * i2 + 1];
    const det = (x1 - x0) * (y2 - y0) - (x2 - x0) * (y1 - y0);
    if (Math.abs(det) < 1e-9) continue;
    // Barycentric weights of vertices 1 and 2 as affine functions of (x, y).
    const inv = 1 / det;
    const b1x = (y2 - y0) * inv;
    const b1y = -(x2 - x0) * inv;
    const b2x = -(y1 - y0) * inv;
    const b2y = (x1 - x0) * inv;
    const minX = Math.max(0, Math.floor(Math.min(x0, x1, x2) - 0.5));
    const maxX = Math.min(w - 1, Math.ceil(Math.max(x0, x1, x2) - 0.5));
    const minY = Math.max(0, Math.floor(Math.min(y0, y1, y2) - 0.5));
    const maxY = Math.min(h - 1, Math.ceil(Math.max(y0, y1, y2) - 0.5));
    if (minX > maxX || minY > maxY) continue;
    const u0 = sXY[2 * i0];
    const v0 = sXY[2 * i0 + 1];
    const du1 = sXY[2 * i1] - u0;
    const dv1 = sXY[2 * i1 + 1] - v0;
    const du2 = sXY[2 * i2] - u0;
    const dv2 = sXY[2 * i2 + 1] - v0;
    const z0 = tZ[i0];
    const dz1 = tZ[i1] - z0;
    const dz2 = tZ[i2] - z0;
    const eps = -1e-6;
    for (let py = minY; py <= maxY; py++) {
      const cy = py + 0.5 - y0;
      const row = py * w;
      for (let px = minX; px <= maxX; px++) {
        const cx = px + 0.5 - x0;
        const l1 = b1x * cx + b1y * cy;
        const l2 = b2x * cx + b2y * cy;
        if (l1 < eps || l2 < eps || l1 + l2 > 1 - eps) continue;
        const p = row + px;
        const z = z0 + l1 * dz1 + l2 * dz2;
        if (z >= depth[p]) continue;
        depth[p] = z;
        tri[p] = t;
        map[2 * p] = u0 + l1 * du1 + l2 * du2;
        map[2 * p + 1] = v0 + l1 * dv1 + l2 * dv2;
      }
    }
  }
}

/** Writes a backward map (pixel coordinates of a source of size sw x sh) as a GridSample grid. */
export function toFlowGrid(m: BackwardMap, sw: number, sh: number, out: Float32Array): void {
  const { map } = m;
  const kx = 2 / sw;
  const ky = 2 / sh;
  for (let i = 0; i < map.length; i += 2) {
    out[i] = map[i] * kx - 1;
    out[i + 1] = map[i + 1] * ky - 1;
  }
}
