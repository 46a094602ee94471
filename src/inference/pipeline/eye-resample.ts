// Resampling for the eye warp: outlier displacements of its backward map taken back into line, and a cubic
// sampler for the pixels it moves (an iris a few pixels across keeps its pupil and catch-light).
import type { WarpTarget } from './eye-warp.ts';

/** Pixels of displacement off its neighbours' that marks a sample as an outlier. */
const OUTLIER = 0.75;
const med9 = new Float64Array(9);
/** Median of the first n values of med9 (insertion sort: at most 9). */
const median9 = (n: number): number => {
  const a = med9;
  for (let i = 1; i < n; i++) {
    const v = a[i];
    let j = i - 1;
    while (j >= 0 && a[j] > v) {
      a[j + 1] = a[j];
      j--;
    }
    a[j + 1] = v;
  }
  return n % 2 ? a[n >> 1] : 0.5 * (a[(n >> 1) - 1] + a[n >> 1]);
};

/**
 * Outliers of the map's displacement taken back into line: a pixel `changed` marks whose displacement differs
 * from its 4 neighbours' mean by more than OUTLIER pixels (a single sample off a lash line or the iris rim)
 * takes the 3x3 median (per axis) of its neighbourhood. `scratch` holds a copy of the displacements
 * (2 x width x height).
 */
export function smoothMap(m: WarpTarget, changed: Uint8Array, scratch: Float32Array): void {
  const { width: w, height: h, map } = m;
  for (let p = 0; p < w * h; p++) {
    scratch[2 * p] = map[2 * p] - (p % w) - 0.5;
    scratch[2 * p + 1] = map[2 * p + 1] - Math.floor(p / w) - 0.5;
  }
  for (let y = 1; y < h - 1; y++)
    for (let x = 1; x < w - 1; x++) {
      const p = y * w + x;
      if (!changed[p]) continue;
      let off = false;
      for (let c = 0; c < 2 && !off; c++) {
        const nb =
          0.25 *
          (scratch[2 * (p - 1) + c] +
            scratch[2 * (p + 1) + c] +
            scratch[2 * (p - w) + c] +
            scratch[2 * (p + w) + c]);
        off = Math.abs(scratch[2 * p + c] - nb) > OUTLIER;
      }
      if (!off) continue;
      for (let c = 0; c < 2; c++) {
        let n = 0;
        for (let dy = -1; dy <= 1; dy++)
          for (let dx = -1; dx <= 1; dx++) med9[n++] = scratch[2 * (p + dy * w + dx) + c];
        map[2 * p + c] = (c === 0 ? x : y) + 0.5 + median9(n);
      }
    }
}

/** Catmull-Rom weights for a fractional offset t in [0, 1) (taps at -1, 0, 1, 2). */
function cubicWeights(t: number, w: Float64Array): void {
  const t2 = t * t;
  const t3 = t2 * t;
  w[0] = 0.5 * (-t3 + 2 * t2 - t);
  w[1] = 0.5 * (3 * t3 - 5 * t2 + 2);
  w[2] = 0.5 * (-3 * t3 + 4 * t2 + t);
  w[3] = 0.5 * (t3 - t2);
}

const wx = new Float64Array(4);
const wy = new Float64Array(4);
const xs = new Int32Array(4);
const rows = new Int32Array(4);

/**
 * Samples planar RGB `src` (3 x height x width, [0, 1]) at the map's positions for the pixels `changed` marks,
 * into `out` (same layout; other pixels untouched). Catmull-Rom rather than bilinear: an iris a few pixels across
 * moved by a fraction of a pixel keeps its pupil and catch-light instead of being blurred into the sclera.
 */
export function sampleCubic(src: Float32Array, m: WarpTarget, changed: Uint8Array, out: Float32Array): void {
  const { width: w, height: h, map } = m;
  const n = w * h;
  for (let p = 0; p < n; p++) {
    if (!changed[p]) continue;
    const x = map[2 * p] - 0.5;
    const y = map[2 * p + 1] - 0.5;
    const x0 = Math.floor(x);
    const y0 = Math.floor(y);
    cubicWeights(x - x0, wx);
    cubicWeights(y - y0, wy);
    for (let k = 0; k < 4; k++) {
      xs[k] = Math.min(Math.max(x0 - 1 + k, 0), w - 1);
      rows[k] = Math.min(Math.max(y0 - 1 + k, 0), h - 1) * w;
    }
    for (let c = 0, base = 0; c < 3; c++, base += n) {
      let s = 0;
      for (let j = 0; j < 4; j++) {
        const o = base + rows[j];
        s +=
          wy[j] *
          (wx[0] * src[o + xs[0]] + wx[1] * src[o + xs[1]] + wx[2] * src[o + xs[2]] + wx[3] * src[o + xs[3]]);
      }
      out[base + p] = s < 0 ? 0 : s > 1 ? 1 : s;
    }
  }
}
