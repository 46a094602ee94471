// Image and series metrics for the quality bench: SSIM (grey, 7x7 windows, over a box), PSNR, Pearson r,
// cosine similarity, landmark-derived face measures (from the peer's mesh).

import { keypointBounds } from '../src/inference/keypoint-bounds.ts';
import type { RgbaFrame } from '../src/video/frame.ts';

export interface Region {
  x0: number;
  y0: number;
  x1: number;
  y1: number;
}

function grey(f: RgbaFrame, r: Region): Float64Array {
  const w = r.x1 - r.x0;
  const h = r.y1 - r.y0;
  const g = new Float64Array(w * h);
  for (let y = 0; y < h; y++)
    for (let x = 0; x < w; x++) {
      const i = 4 * ((r.y0 + y) * f.width + r.x0 + x);
      g[y * w + x] = 0.299 * f.data[i] + 0.587 * f.data[i + 1] + 0.114 * f.data[i + 2];
    }
  return g;
}

export function clampRegion(r: Region, w: number, h: number): Region {
  return {
    x0: Math.max(0, Math.floor(r.x0)),
    y0: Math.max(0, Math.floor(r.y0)),
    x1: Math.min(w, Math.ceil(r.x1)),
    y1: Math.min(h, Math.ceil(r.y1)),
  };
}

/** Mean SSIM of the grey images over `region`, 7x7 windows, stride 1 (constants for 8-bit images). */
export function ssim(a: RgbaFrame, b: RgbaFrame, region?: Region): number {
  const r = clampRegion(region ?? { x0: 0, y0: 0, x1: a.width, y1: a.height }, a.width, a.height);
  const w = r.x1 - r.x0;
  const h = r.y1 - r.y0;
  const k = 7;
  if (w < k || h < k) return Number.NaN;
  const ga = grey(a, r);
  const gb = grey(b, r);
  const C1 = (0.01 * 255) ** 2;
  const C2 = (0.03 * 255) ** 2;
  // Integral images of a, b, a^2, b^2, ab.
  const W = w + 1;
  const I = Array.from({ length: 5 }, () => new Float64Array(W * (h + 1)));
  for (let y = 0; y < h; y++)
    for (let x = 0; x < w; x++) {
      const va = ga[y * w + x];
      const vb = gb[y * w + x];
      const vals = [va, vb, va * va, vb * vb, va * vb];
      for (let c = 0; c < 5; c++) {
        const S = I[c];
        S[(y + 1) * W + x + 1] = vals[c] + S[y * W + x + 1] + S[(y + 1) * W + x] - S[y * W + x];
      }
    }
  const box = (S: Float64Array, x: number, y: number) =>
    S[(y + k) * W + x + k] - S[y * W + x + k] - S[(y + k) * W + x] + S[y * W + x];
  const n = k * k;
  let sum = 0;
  let cnt = 0;
  for (let y = 0; y + k <= h; y++)
    for (let x = 0; x + k <= w; x++) {
      const ma = box(I[0], x, y) / n;
      const mb = box(I[1], x, y) / n;
      const va = box(I[2], x, y) / n - ma * ma;
      const vb = box(I[3], x, y) / n - mb * mb;
      const cov = box(I[4], x, y) / n - ma * mb;
      sum += ((2 * ma * mb + C1) * (2 * cov + C2)) / ((ma * ma + mb * mb + C1) * (va + vb + C2));
      cnt++;
    }
  return sum / cnt;
}

export function psnr(a: RgbaFrame, b: RgbaFrame): number {
  let se = 0;
  let n = 0;
  for (let i = 0; i < a.data.length; i += 4)
    for (let c = 0; c < 3; c++) {
      const d = a.data[i + c] - b.data[i + c];
      se += d * d;
      n++;
    }
  return 10 * Math.log10((255 * 255) / Math.max(se / n, 1e-9));
}

export { pearson } from '../src/inference/geometry/math.ts';

/** Three decimals, for the JSON lines. */
export const r3 = (v: number): number => Number(v.toFixed(3));

/** Mean of the finite values (a frame without a face gives NaN and is left out); NaN when there are none. */
export const mean = (x: readonly number[]): number => {
  const v = x.filter((a) => Number.isFinite(a));
  return v.length ? v.reduce((a, b) => a + b, 0) / v.length : Number.NaN;
};

export const std = (x: readonly number[]): number => {
  const m = x.reduce((a, b) => a + b, 0) / Math.max(1, x.length);
  return Math.sqrt(x.reduce((a, b) => a + (b - m) ** 2, 0) / Math.max(1, x.length));
};

export function cosine(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let ab = 0;
  let aa = 0;
  let bb = 0;
  for (let i = 0; i < a.length; i++) {
    ab += a[i] * b[i];
    aa += a[i] * a[i];
    bb += b[i] * b[i];
  }
  return ab / Math.sqrt(aa * bb);
}

const pt = (m: ArrayLike<number>, i: number): [number, number] => [m[3 * i], m[3 * i + 1]];
const dist = (a: [number, number], b: [number, number]) => Math.hypot(a[0] - b[0], a[1] - b[1]);

/** Inner-lip gap over mouth width. */
export const mouthOpen = (m: ArrayLike<number>): number =>
  dist(pt(m, 13), pt(m, 14)) / dist(pt(m, 78), pt(m, 308));
/** Lid gap over eye width of the subject's right eye (image left). */
export const eyeOpenRight = (m: ArrayLike<number>): number =>
  dist(pt(m, 159), pt(m, 145)) / dist(pt(m, 33), pt(m, 133));
/** Lid gap over eye width of the subject's left eye (image right). */
export const eyeOpenLeft = (m: ArrayLike<number>): number =>
  dist(pt(m, 386), pt(m, 374)) / dist(pt(m, 263), pt(m, 362));
/** Mean lid gap over eye width, both eyes. */
export const eyeOpen = (m: ArrayLike<number>): number => (eyeOpenRight(m) + eyeOpenLeft(m)) / 2;
export const interOcular = (m: ArrayLike<number>): number => dist(pt(m, 33), pt(m, 263));

/** Box around landmark indices, grown by `pad` x its size. */
export function landmarkBox(m: ArrayLike<number>, idx: readonly number[], pad: number): Region {
  const { x0, y0, x1, y1 } = keypointBounds(m, idx);
  const px = (x1 - x0) * pad;
  const py = (y1 - y0) * pad;
  return { x0: x0 - px, y0: y0 - py, x1: x1 + px, y1: y1 + py };
}

/** Mean landmark motion between consecutive frames over the inter-ocular distance (null frames break the chain). */
export function jitter(meshes: readonly (Float32Array | null)[]): number {
  let sum = 0;
  let n = 0;
  for (let i = 1; i < meshes.length; i++) {
    const a = meshes[i - 1];
    const b = meshes[i];
    if (!a || !b) continue;
    let d = 0;
    for (let j = 0; j < 468; j++) d += Math.hypot(a[3 * j] - b[3 * j], a[3 * j + 1] - b[3 * j + 1]);
    sum += d / 468 / interOcular(b);
    n++;
  }
  return n ? sum / n : Number.NaN;
}
