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
