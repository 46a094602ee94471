// The axis-aligned extent of face key-points (x, y, z triples), which the region crops, the identity
// framing, the dataset decoder and the quality metrics all start from.

export interface Bounds {
  x0: number;
  y0: number;
  x1: number;
  y1: number;
}

/**
 * Min/max x and y over the key-points `points` names: a list of indices, or a count for the first n (the
 * 468 mesh points, leaving out iris points that may follow).
 */
export function keypointBounds(kp: ArrayLike<number>, points: readonly number[] | number): Bounds {
  let x0 = Infinity;
  let y0 = Infinity;
  let x1 = -Infinity;
  let y1 = -Infinity;
  const n = typeof points === 'number' ? points : points.length;
  for (let k = 0; k < n; k++) {
    const i = typeof points === 'number' ? k : points[k];
    x0 = Math.min(x0, kp[3 * i]);
    x1 = Math.max(x1, kp[3 * i]);
    y0 = Math.min(y0, kp[3 * i + 1]);
    y1 = Math.max(y1, kp[3 * i + 1]);
  }
  return { x0, y0, x1, y1 };
}
