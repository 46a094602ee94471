// Delaunay triangulation (Bowyer-Watson). Run once per identity on a few hundred points, so the simple
// O(n^2) form is plenty; the result is a triangle index list used for every frame's warp.

/** Triangulates 2D points (x0, y0, x1, y1, ...). Returns vertex indices, three per triangle, counter-clockwise. */
export function delaunay(xy: ArrayLike<number>): Uint32Array {
  const n = xy.length / 2;
  if (n < 3) return new Uint32Array(0);
  let minX = Infinity;
  let minY = Infinity;
  let maxX = -Infinity;
  let maxY = -Infinity;
  for (let i = 0; i < n; i++) {
    minX = Math.min(minX, xy[2 * i]);
    maxX = Math.max(maxX, xy[2 * i]);
    minY = Math.min(minY, xy[2 * i + 1]);
    maxY = Math.max(maxY, xy[2 * i + 1]);
  }
  const span = Math.max(maxX - minX, maxY - minY, 1e-6);
  const cx = (minX + maxX) / 2;
  const cy = (minY + maxY) / 2;
  // Points plus the three vertices of a super-triangle that holds them all.
  const px = new Float64Array(n + 3);
  const py = new Float64Array(n + 3);
  for (let i = 0; i < n; i++) {
    px[i] = xy[2 * i];
    py[i] = xy[2 * i + 1];
  }
  px[n] = cx - 20 * span;
  py[n] = cy - span;
  px[n + 1] = cx + 20 * span;
  py[n + 1] = cy - span;
  px[n + 2] = cx;
  py[n + 2] = cy + 20 * span;

  interface Tri {
    a: number;
    b: number;
    c: number;
    ux: number;
    uy: number;
    r2: number;
  }
  const make = (a: number, b: number, c: number): Tri => {
    // Counter-clockwise order (in y-down image space this reads clockwise on screen; only consistency matters).
    const cross = (px[b] - px[a]) * (py[c] - py[a]) - (py[b] - py[a]) * (px[c] - px[a]);
    if (cross < 0) [b, c] = [c, b];
    const ax = px[a];
    const ay = py[a];
    const bx = px[b] - ax;
    const by = py[b] - ay;
    const qx = px[c] - ax;
    const qy = py[c] - ay;
    const d = 2 * (bx * qy - by * qx);
    const b2 = bx * bx + by * by;
    const c2 = qx * qx + qy * qy;
    const ux = d === 0 ? 0 : (qy * b2 - by * c2) / d;
    const uy = d === 0 ? 0 : (bx * c2 - qx * b2) / d;
    return { a, b, c, ux: ux + ax, uy: uy + ay, r2: d === 0 ? Infinity : ux * ux + uy * uy };
  };

  let tris: Tri[] = [make(n, n + 1, n + 2)];
  for (let i = 0; i < n; i++) {
    const x = px[i];
    const y = py[i];
    const keep: Tri[] = [];
    const edges = new Map<string, [number, number]>();
    for (const t of tris) {
      const dx = x - t.ux;
      const dy = y - t.uy;
      if (dx * dx + dy * dy < t.r2) {
        // The hole's boundary: edges that belong to exactly one removed triangle.
        for (const [u, v] of [
          [t.a, t.b],
          [t.b, t.c],
          [t.c, t.a],
        ]) {
          const key = u < v ? `${u},${v}` : `${v},${u}`;
          if (edges.has(key)) edges.delete(key);
          else edges.set(key, [u, v]);
        }
      } else keep.push(t);
    }
    for (const [u, v] of edges.values()) keep.push(make(u, v, i));
    tris = keep;
  }
  const out: number[] = [];
  for (const t of tris) if (t.a < n && t.b < n && t.c < n) out.push(t.a, t.b, t.c);
  return Uint32Array.from(out);
}
