// Bilinear crops in plain TypeScript: an affine window of an RGBA or I420 frame into a model's NHWC float input,
// with the model's normalisation (value * scale + bias). I420 is sampled per plane and converted only at the crop's
// pixels, so a camera frame never needs a full-frame colour conversion.
import type { Frame } from '../../video/frame.ts';
import type { Affine } from './roi.ts';

export interface Normalisation {
  scale: number;
  bias: number;
}

/** [0, 255] -> [0, 1] (face mesh, iris). */
export const UNIT: Normalisation = { scale: 1 / 255, bias: 0 };
/** [0, 255] -> [-1, 1] (blazeface). */
export const SIGNED: Normalisation = { scale: 1 / 127.5, bias: -1 };

/** Writes an S x S crop (affine maps crop -> image) at `offset` floats into `out` (length >= offset + S*S*3). */
export function cropJs(
  frame: Frame,
  m: Affine,
  size: number,
  norm: Normalisation,
  out: Float32Array,
  offset = 0,
): void {
  if (frame.format === 'rgba') cropRgba(frame.data, frame.width, frame.height, m, size, norm, out, offset);
  else cropI420(frame.data, frame.width, frame.height, m, size, norm, out, offset);
}

function cropRgba(
  data: Uint8Array,
  w: number,
  h: number,
  m: Affine,
  size: number,
  { scale, bias }: Normalisation,
  out: Float32Array,
  offset: number,
): void {
  let o = offset;
  for (let v = 0; v < size; v++) {
    const vc = v + 0.5;
    for (let u = 0; u < size; u++) {
      const uc = u + 0.5;
      // Pixel-index coordinates of the sample (centres at integers).
      const px = m[0] * uc + m[1] * vc + m[2] - 0.5;
      const py = m[3] * uc + m[4] * vc + m[5] - 0.5;
      const x0 = Math.floor(px);
      const y0 = Math.floor(py);
      const fx = px - x0;
      const fy = py - y0;
      let r = 0;
      let g = 0;
      let b = 0;
      if (x0 >= 0 && y0 >= 0 && x0 + 1 < w && y0 + 1 < h) {
        const i00 = (y0 * w + x0) * 4;
        const i10 = i00 + 4;
        const i01 = i00 + w * 4;
        const i11 = i01 + 4;
        const w00 = (1 - fx) * (1 - fy);
        const w10 = fx * (1 - fy);
        const w01 = (1 - fx) * fy;
        const w11 = fx * fy;
        r = data[i00] * w00 + data[i10] * w10 + data[i01] * w01 + data[i11] * w11;
        g = data[i00 + 1] * w00 + data[i10 + 1] * w10 + data[i01 + 1] * w01 + data[i11 + 1] * w11;
        b = data[i00 + 2] * w00 + data[i10 + 2] * w10 + data[i01 + 2] * w01 + data[i11 + 2] * w11;
      } else if (x0 >= -1 && y0 >= -1 && x0 < w && y0 < h) {
        // Border: outside pixels count as black (as TF's crop_and_resize extrapolates zero).
        for (let k = 0; k < 4; k++) {
          const xx = x0 + (k & 1);
          const yy = y0 + (k >> 1);
          if (xx < 0 || yy < 0 || xx >= w || yy >= h) continue;
          const wt = ((k & 1) === 1 ? fx : 1 - fx) * (k >> 1 === 1 ? fy : 1 - fy);
          const i = (yy * w + xx) * 4;
          r += data[i] * wt;
          g += data[i + 1] * wt;
          b += data[i + 2] * wt;
        }
      }
      out[o++] = r * scale + bias;
      out[o++] = g * scale + bias;
      out[o++] = b * scale + bias;
    }
  }
}

/** Bilinear sample of one plane (zero outside). */
function samplePlane(
  p: Uint8Array,
  base: number,
  w: number,
  h: number,
  px: number,
  py: number,
  fill: number,
): number {
  const x0 = Math.floor(px);
  const y0 = Math.floor(py);
  if (x0 < -1 || y0 < -1 || x0 >= w || y0 >= h) return fill;
  const fx = px - x0;
  const fy = py - y0;
  if (x0 >= 0 && y0 >= 0 && x0 + 1 < w && y0 + 1 < h) {
    const i = base + y0 * w + x0;
    return (p[i] * (1 - fx) + p[i + 1] * fx) * (1 - fy) + (p[i + w] * (1 - fx) + p[i + w + 1] * fx) * fy;
  }
  let acc = 0;
  for (let k = 0; k < 4; k++) {
    const xx = x0 + (k & 1);
    const yy = y0 + (k >> 1);
    const wt = ((k & 1) === 1 ? fx : 1 - fx) * (k >> 1 === 1 ? fy : 1 - fy);
    acc += (xx < 0 || yy < 0 || xx >= w || yy >= h ? fill : p[base + yy * w + xx]) * wt;
  }
  return acc;
}

function cropI420(
  data: Uint8Array,
  w: number,
  h: number,
  m: Affine,
  size: number,
  norm: Normalisation,
  out: Float32Array,
  offset: number,
): void {
  for (let v = 0; v < size; v++) {
    const vc = v + 0.5;
    // Samples move linearly along a row, so those whose 2x2 luma and chroma neighbourhoods lie inside the frame
    // form one span, which runs without per-pixel edge checks (a face filling the frame puts every mesh crop
    // over an edge, and the checked loop took a fifth of the tracker's JavaScript time).
    const [a, b] = insideSpan(m, vc, size, w, h);
    const o = offset + v * size * 3;
    if (b > a) {
      if (a > 0) cropI420Edge(data, w, h, m, vc, 0, a, norm, out, o);
      cropI420Inside(data, w, h, m, vc, a, b, norm, out, o + a * 3);
      if (b < size) cropI420Edge(data, w, h, m, vc, b, size, norm, out, o + b * 3);
    } else cropI420Edge(data, w, h, m, vc, 0, size, norm, out, o);
  }
}

/**
 * The columns [a, b) of crop row `vc` whose samples lie in [2, w - 3] x [2, h - 3]: there every 2x2 luma and
 * chroma neighbourhood is inside the frame (the half pixel of slack absorbs rounding in this solve).
 */
function insideSpan(m: Affine, vc: number, size: number, w: number, h: number): [number, number] {
  // x(u) = m0 (u + 0.5) + m1 vc + m2 = m0 u + bx; likewise y.
  const [lx, hx] = span(m[0], m[1] * vc + m[2] + 0.5 * m[0], w - 3, size);
  const [ly, hy] = span(m[3], m[4] * vc + m[5] + 0.5 * m[3], h - 3, size);
  const lo = Math.max(lx, ly);
  const hi = Math.min(hx, hy);
  return hi > lo ? [lo, hi] : [0, 0];
}

/** Integer u in [0, size) with 2 <= k u + base <= max, as [from, to). */
function span(k: number, base: number, max: number, size: number): [number, number] {
  if (k === 0) return base >= 2 && base <= max ? [0, size] : [0, 0];
  const u0 = (2 - base) / k;
  const u1 = (max - base) / k;
  return [Math.max(0, Math.ceil(Math.min(u0, u1))), Math.min(size, Math.floor(Math.max(u0, u1)) + 1)];
}

/**
 * Columns [u0, u1) of one crop row whose samples all have their 2x2 luma and chroma neighbourhoods inside the
 * frame. It repeats cropI420Edge's inside case and colour conversion on purpose: shared as helpers, the crops took 1.1 ms a frame instead of 0.73 (V8 did not inline them).
 */
function cropI420Inside(
  data: Uint8Array,
  w: number,
  h: number,
  m: Affine,
  vc: number,
  u0: number,
  u1: number,
  { scale, bias }: Normalisation,
  out: Float32Array,
  offset: number,
): void {
  const cw = (w + 1) >> 1;
  const ch = (h + 1) >> 1;
  const uOff = w * h;
  const vOff = uOff + cw * ch;
  // Stepped along the row (one add per sample); the rounding this adds is ~1e-13 px.
  let x = m[0] * (u0 + 0.5) + m[1] * vc + m[2];
  let y = m[3] * (u0 + 0.5) + m[4] * vc + m[5];
  let o = offset;
  for (let u = u0; u < u1; u++, x += m[0], y += m[3]) {
    const lx = x - 0.5;
    const ly = y - 0.5;
    const lx0 = lx | 0;
    const ly0 = ly | 0;
    const fx = lx - lx0;
    const fy = ly - ly0;
    const i = ly0 * w + lx0;
    const yy =
      (data[i] * (1 - fx) + data[i + 1] * fx) * (1 - fy) +
      (data[i + w] * (1 - fx) + data[i + w + 1] * fx) * fy;
    const cx = x * 0.5 - 0.5;
    const cy = y * 0.5 - 0.5;
    const cx0 = cx | 0;
    const cy0 = cy | 0;
    const gx = cx - cx0;
    const gy = cy - cy0;
    const w00 = (1 - gx) * (1 - gy);
    const w10 = gx * (1 - gy);
    const w01 = (1 - gx) * gy;
    const w11 = gx * gy;
    const j = cy0 * cw + cx0;
    const ju = uOff + j;
    const jv = vOff + j;
    const uu = data[ju] * w00 + data[ju + 1] * w10 + data[ju + cw] * w01 + data[ju + cw + 1] * w11 - 128;
    const vv = data[jv] * w00 + data[jv + 1] * w10 + data[jv + cw] * w01 + data[jv + cw + 1] * w11 - 128;
    const c = 1.164 * (yy - 16);
    const r = c + 1.596 * vv;
    const g = c - 0.391 * uu - 0.813 * vv;
    const b = c + 2.018 * uu;
    out[o++] = (r < 0 ? 0 : r > 255 ? 255 : r) * scale + bias;
    out[o++] = (g < 0 ? 0 : g > 255 ? 255 : g) * scale + bias;
    out[o++] = (b < 0 ? 0 : b > 255 ? 255 : b) * scale + bias;
  }
}

/** Columns [u0, u1) of one crop row whose samples may be near or beyond the frame's edge. */
function cropI420Edge(
  data: Uint8Array,
  w: number,
  h: number,
  m: Affine,
  vc: number,
  u0: number,
  u1: number,
  { scale, bias }: Normalisation,
  out: Float32Array,
  offset: number,
): void {
  const cw = (w + 1) >> 1;
  const ch = (h + 1) >> 1;
  const uOff = w * h;
  const vOff = uOff + cw * ch;
  const bx = m[1] * vc;
  const by = m[4] * vc;
  let o = offset;
  for (let u = u0; u < u1; u++) {
    const uc = u + 0.5;
    const x = m[0] * uc + bx + m[2];
    const y = m[3] * uc + by + m[5];
    let yy: number;
    let uu: number;
    let vv: number;
    // Luma at pixel centres; chroma at the centre of each 2x2 block.
    const lx = x - 0.5;
    const ly = y - 0.5;
    const cx = x * 0.5 - 0.5;
    const cy = y * 0.5 - 0.5;
    const lx0 = Math.floor(lx);
    const ly0 = Math.floor(ly);
    const cx0 = Math.floor(cx);
    const cy0 = Math.floor(cy);
    if (
      lx0 >= 0 &&
      ly0 >= 0 &&
      lx0 + 1 < w &&
      ly0 + 1 < h &&
      cx0 >= 0 &&
      cy0 >= 0 &&
      cx0 + 1 < cw &&
      cy0 + 1 < ch
    ) {
      const fx = lx - lx0;
      const fy = ly - ly0;
      const i = ly0 * w + lx0;
      yy =
        (data[i] * (1 - fx) + data[i + 1] * fx) * (1 - fy) +
        (data[i + w] * (1 - fx) + data[i + w + 1] * fx) * fy;
      const gx = cx - cx0;
      const gy = cy - cy0;
      const w00 = (1 - gx) * (1 - gy);
      const w10 = gx * (1 - gy);
      const w01 = (1 - gx) * gy;
      const w11 = gx * gy;
      const j = cy0 * cw + cx0;
      const ju = uOff + j;
      const jv = vOff + j;
      uu = data[ju] * w00 + data[ju + 1] * w10 + data[ju + cw] * w01 + data[ju + cw + 1] * w11 - 128;
      vv = data[jv] * w00 + data[jv + 1] * w10 + data[jv + cw] * w01 + data[jv + cw + 1] * w11 - 128;
    } else {
      // Outside the frame: black (Y 16, chroma neutral) so the crop matches the RGBA path.
      yy = samplePlane(data, 0, w, h, lx, ly, 16);
      uu = samplePlane(data, uOff, cw, ch, cx, cy, 128) - 128;
      vv = samplePlane(data, vOff, cw, ch, cx, cy, 128) - 128;
    }
    // BT.601 limited range, the inverse of image.ts's rgbaToI420.
    const c = 1.164 * (yy - 16);
    let r = c + 1.596 * vv;
    let g = c - 0.391 * uu - 0.813 * vv;
    let b = c + 2.018 * uu;
    r = Math.min(255, Math.max(0, r));
    g = Math.min(255, Math.max(0, g));
    b = Math.min(255, Math.max(0, b));
    out[o++] = r * scale + bias;
    out[o++] = g * scale + bias;
    out[o++] = b * scale + bias;
  }
}
