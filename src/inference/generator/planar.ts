// Conversions between interleaved RGBA bytes and the generator's planar float RGB in [0,1].
import type { I420Frame, RgbaFrame } from '../../video/frame.ts';

export function rgbaToPlanar(
  frame: RgbaFrame,
  out = new Float32Array(3 * frame.width * frame.height),
): Float32Array {
  const n = frame.width * frame.height;
  const d = frame.data;
  const k = 1 / 255;
  for (let i = 0; i < n; i++) {
    out[i] = d[4 * i] * k;
    out[n + i] = d[4 * i + 1] * k;
    out[2 * n + i] = d[4 * i + 2] * k;
  }
  return out;
}

export function planarToRgba(
  planar: Float32Array,
  width: number,
  height: number,
  out: Uint8Array = new Uint8Array(4 * width * height),
): RgbaFrame {
  const n = width * height;
  for (let i = 0; i < n; i++) {
    out[4 * i] = planar[i] * 255 + 0.5;
    out[4 * i + 1] = planar[n + i] * 255 + 0.5;
    out[4 * i + 2] = planar[2 * n + i] * 255 + 0.5;
    out[4 * i + 3] = 255;
  }
  return { format: 'rgba', width, height, data: out };
}

const clamp8 = (v: number) => (v < 0 ? 0 : v > 255 ? 255 : v);

/** Planar float RGB straight to I420 (BT.601 limited range, as image.ts's rgbaToI420), without an RGBA pass. */
export function planarToI420(
  planar: Float32Array,
  width: number,
  height: number,
  out?: Uint8Array,
): I420Frame {
  const n = width * height;
  const cw = (width + 1) >> 1;
  const ch = (height + 1) >> 1;
  const size = n + 2 * cw * ch;
  const dst = out && out.length >= size ? out : new Uint8Array(size);
  for (let p = 0; p < n; p++) {
    const r = planar[p] * 255;
    const g = planar[n + p] * 255;
    const b = planar[2 * n + p] * 255;
    dst[p] = clamp8(((66 * r + 129 * g + 25 * b + 128) >> 8) + 16);
  }
  const uOff = n;
  const vOff = n + cw * ch;
  for (let y = 0; y < ch; y++)
    for (let x = 0; x < cw; x++) {
      let r = 0;
      let g = 0;
      let b = 0;
      let c = 0;
      for (let dy = 0; dy < 2 && 2 * y + dy < height; dy++)
        for (let dx = 0; dx < 2 && 2 * x + dx < width; dx++) {
          const p = (2 * y + dy) * width + 2 * x + dx;
          r += planar[p];
          g += planar[n + p];
          b += planar[2 * n + p];
          c++;
        }
      const k = 255 / c;
      r *= k;
      g *= k;
      b *= k;
      dst[uOff + y * cw + x] = clamp8(((-38 * r - 74 * g + 112 * b + 128) >> 8) + 128);
      dst[vOff + y * cw + x] = clamp8(((112 * r - 94 * g - 18 * b + 128) >> 8) + 128);
    }
  return { format: 'i420', width, height, data: dst.subarray(0, size) };
}
