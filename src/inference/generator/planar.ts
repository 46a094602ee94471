// Conversions between interleaved RGBA bytes and the generator's planar float RGB in [0,1].
import type { RgbaFrame } from '../frame.ts';

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
