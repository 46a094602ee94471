// Normalised mean error between two landmark sets: the mean point distance (x, y) over the inter-ocular
// distance of the reference, taken between the outer eye corners 33 and 263 (the 300-W convention).

export function interOcular(ref: Float32Array): number {
  return Math.hypot(ref[263 * 3] - ref[33 * 3], ref[263 * 3 + 1] - ref[33 * 3 + 1]);
}

/** NME of `pts` against `ref` over the first `count` points (x, y, z triples; z ignored). */
export function nme(
  pts: Float32Array,
  ref: Float32Array,
  count = Math.min(pts.length, ref.length) / 3,
): number {
  let sum = 0;
  for (let i = 0; i < count; i++) {
    sum += Math.hypot(pts[i * 3] - ref[i * 3], pts[i * 3 + 1] - ref[i * 3 + 1]);
  }
  return sum / count / interOcular(ref);
}
