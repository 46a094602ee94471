// 2D similarity transforms (scale, rotation, translation) and their least-squares fit (Umeyama).

export interface Similarity {
  /** x' = a*x - b*y + tx ; y' = b*x + a*y + ty  (a = s cos r, b = s sin r) */
  a: number;
  b: number;
  tx: number;
  ty: number;
}

export const IDENTITY_SIMILARITY: Similarity = { a: 1, b: 0, tx: 0, ty: 0 };

export const scaleOf = (t: Similarity): number => Math.hypot(t.a, t.b);

export function applySimilarity(t: Similarity, x: number, y: number): [number, number] {
  return [t.a * x - t.b * y + t.tx, t.b * x + t.a * y + t.ty];
}

/** Least-squares similarity taking points `from` to `to` (both stride `stride`, x at 0, y at 1), over `indices`. */
export function fitSimilarity(
  from: ArrayLike<number>,
  to: ArrayLike<number>,
  indices: readonly number[],
  stride = 3,
): Similarity {
  const n = indices.length;
  let fx = 0;
  let fy = 0;
  let tx = 0;
  let ty = 0;
  for (const i of indices) {
    fx += from[i * stride];
    fy += from[i * stride + 1];
    tx += to[i * stride];
    ty += to[i * stride + 1];
  }
  fx /= n;
  fy /= n;
  tx /= n;
  ty /= n;
  let sxx = 0;
  let sxy = 0;
  let var0 = 0;
  for (const i of indices) {
    const ux = from[i * stride] - fx;
    const uy = from[i * stride + 1] - fy;
    const vx = to[i * stride] - tx;
    const vy = to[i * stride + 1] - ty;
    sxx += ux * vx + uy * vy;
    sxy += ux * vy - uy * vx;
    var0 += ux * ux + uy * uy;
  }
  if (var0 < 1e-9) return { a: 1, b: 0, tx: tx - fx, ty: ty - fy };
  const a = sxx / var0;
  const b = sxy / var0;
  return { a, b, tx: tx - (a * fx - b * fy), ty: ty - (b * fx + a * fy) };
}

/** Interpolates between the identity (w=0) and t (w=1). */
export function blendSimilarity(t: Similarity, w: number): Similarity {
  return { a: 1 + (t.a - 1) * w, b: t.b * w, tx: t.tx * w, ty: t.ty * w };
}
