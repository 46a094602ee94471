// Weighted similarity fit (Umeyama's least-squares s, R, t) between two 3D point sets:
// minimises sum_i w_i |dst_i - (s R src_i + t)|^2. The rotation comes from Horn's quaternion method (top
// eigenvector of a symmetric 4x4 built from the weighted cross-covariance), which always yields a proper
// rotation, so no reflection fix-up is needed; the scale is Umeyama's trace(R^T Sigma) / sigma_src^2.
import { quatToMat3, symEig4Max } from './math.ts';

export interface Similarity {
  scale: number;
  rotation: Float64Array;
  translation: Float64Array;
  /** Weighted RMS of |dst - (s R src + t)| over the fitted points, in dst units. */
  rms: number;
}

/** Reusable fitter: all scratch memory is owned here, so fitting allocates nothing. */
export class SimilarityFitter {
  private readonly n4 = new Float64Array(16);
  private readonly v4 = new Float64Array(16);
  private readonly q = new Float64Array(4);

  /**
   * Fits dst ~ s R src + t over the points `indices` (all points when null) with per-point weights
   * (indexed by point, 1 when null). src and dst are packed xyz. Writes into `out` and returns it.
   */
  fit(
    src: ArrayLike<number>,
    dst: ArrayLike<number>,
    indices: ArrayLike<number> | null,
    weights: ArrayLike<number> | null,
    out: Similarity = newSimilarity(),
  ): Similarity {
    const count = indices ? indices.length : Math.floor(src.length / 3);
    let W = 0;
    let mx = 0;
    let my = 0;
    let mz = 0;
    let nx = 0;
    let ny = 0;
    let nz = 0;
    for (let k = 0; k < count; k++) {
      const i = indices ? indices[k] : k;
      const w = weights ? weights[i] : 1;
      if (!(w > 0)) continue;
      W += w;
      mx += w * src[i * 3];
      my += w * src[i * 3 + 1];
      mz += w * src[i * 3 + 2];
      nx += w * dst[i * 3];
      ny += w * dst[i * 3 + 1];
      nz += w * dst[i * 3 + 2];
    }
    if (!(W > 0)) throw new RangeError('similarity fit needs at least one positively weighted point');
    mx /= W;
    my /= W;
    mz /= W;
    nx /= W;
    ny /= W;
    nz /= W;
    let sxx = 0;
    let sxy = 0;
    let sxz = 0;
    let syx = 0;
    let syy = 0;
    let syz = 0;
    let szx = 0;
    let szy = 0;
    let szz = 0;
    let varSrc = 0;
    for (let k = 0; k < count; k++) {
      const i = indices ? indices[k] : k;
      const w = weights ? weights[i] : 1;
      if (!(w > 0)) continue;
      const ax = src[i * 3] - mx;
      const ay = src[i * 3 + 1] - my;
      const az = src[i * 3 + 2] - mz;
      const bx = dst[i * 3] - nx;
      const by = dst[i * 3 + 1] - ny;
      const bz = dst[i * 3 + 2] - nz;
      sxx += w * ax * bx;
      sxy += w * ax * by;
      sxz += w * ax * bz;
      syx += w * ay * bx;
      syy += w * ay * by;
      syz += w * ay * bz;
      szx += w * az * bx;
      szy += w * az * by;
      szz += w * az * bz;
      varSrc += w * (ax * ax + ay * ay + az * az);
    }
    const N = this.n4;
    N[0] = sxx + syy + szz;
    N[1] = N[4] = syz - szy;
    N[2] = N[8] = szx - sxz;
    N[3] = N[12] = sxy - syx;
    N[5] = sxx - syy - szz;
    N[6] = N[9] = sxy + syx;
    N[7] = N[13] = szx + sxz;
    N[10] = -sxx + syy - szz;
    N[11] = N[14] = syz + szy;
    N[15] = -sxx - syy + szz;
    // lambda_max = sum w (dst_c . R src_c), the numerator of Umeyama's scale.
    const lambda = symEig4Max(N, this.v4, this.q);
    const R = quatToMat3(this.q[0], this.q[1], this.q[2], this.q[3], out.rotation);
    const s = varSrc > 0 ? lambda / varSrc : 1;
    out.scale = s;
    out.translation[0] = nx - s * (R[0] * mx + R[1] * my + R[2] * mz);
    out.translation[1] = ny - s * (R[3] * mx + R[4] * my + R[5] * mz);
    out.translation[2] = nz - s * (R[6] * mx + R[7] * my + R[8] * mz);
    let err = 0;
    for (let k = 0; k < count; k++) {
      const i = indices ? indices[k] : k;
      const w = weights ? weights[i] : 1;
      if (!(w > 0)) continue;
      const x = src[i * 3];
      const y = src[i * 3 + 1];
      const z = src[i * 3 + 2];
      const ex = dst[i * 3] - (s * (R[0] * x + R[1] * y + R[2] * z) + out.translation[0]);
      const ey = dst[i * 3 + 1] - (s * (R[3] * x + R[4] * y + R[5] * z) + out.translation[1]);
      const ez = dst[i * 3 + 2] - (s * (R[6] * x + R[7] * y + R[8] * z) + out.translation[2]);
      err += w * (ex * ex + ey * ey + ez * ez);
    }
    out.rms = Math.sqrt(err / W);
    return out;
  }
}

export function newSimilarity(): Similarity {
  return { scale: 1, rotation: new Float64Array(9), translation: new Float64Array(3), rms: 0 };
}

/** out = s R p + t for packed xyz points (out may alias p). */
export function applySimilarity(
  sim: { scale: number; rotation: ArrayLike<number>; translation: ArrayLike<number> },
  p: ArrayLike<number>,
  out: Float32Array | Float64Array,
): Float32Array | Float64Array {
  const R = sim.rotation;
  const s = sim.scale;
  const t = sim.translation;
  const n = Math.floor(p.length / 3);
  for (let i = 0; i < n; i++) {
    const x = p[i * 3];
    const y = p[i * 3 + 1];
    const z = p[i * 3 + 2];
    out[i * 3] = s * (R[0] * x + R[1] * y + R[2] * z) + t[0];
    out[i * 3 + 1] = s * (R[3] * x + R[4] * y + R[5] * z) + t[1];
    out[i * 3 + 2] = s * (R[6] * x + R[7] * y + R[8] * z) + t[2];
  }
  return out;
}

/** out = (1/s) R^T (p - t) for packed xyz points (out may alias p). */
export function invertSimilarity(
  sim: { scale: number; rotation: ArrayLike<number>; translation: ArrayLike<number> },
  p: ArrayLike<number>,
  out: Float32Array | Float64Array,
): Float32Array | Float64Array {
  const R = sim.rotation;
  const k = 1 / sim.scale;
  const t = sim.translation;
  const n = Math.floor(p.length / 3);
  for (let i = 0; i < n; i++) {
    const x = p[i * 3] - t[0];
    const y = p[i * 3 + 1] - t[1];
    const z = p[i * 3 + 2] - t[2];
    out[i * 3] = k * (R[0] * x + R[3] * y + R[6] * z);
    out[i * 3 + 1] = k * (R[1] * x + R[4] * y + R[7] * z);
    out[i * 3 + 2] = k * (R[2] * x + R[5] * y + R[8] * z);
  }
  return out;
}
