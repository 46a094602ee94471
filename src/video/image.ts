// Image decode/encode (sharp) and colour conversion between the frame formats.
import sharp from 'sharp';
import { AppError } from '../util/errors.ts';
import type { I420Frame, RgbaFrame } from './frame.ts';

/** Decodes any image sharp reads (JPEG, PNG, WebP...) to RGBA, honouring EXIF orientation. */
export async function decodeImage(input: Uint8Array | string): Promise<RgbaFrame> {
  try {
    const { data, info } = await sharp(input, { failOn: 'error' })
      .rotate()
      .ensureAlpha()
      .raw()
      .toBuffer({ resolveWithObject: true });
    return {
      format: 'rgba',
      width: info.width,
      height: info.height,
      data: new Uint8Array(data.buffer, data.byteOffset, data.length),
    };
  } catch (e) {
    const what = typeof input === 'string' ? input : 'image';
    throw new AppError('IMAGE_INVALID', `cannot decode ${what}: ${(e as Error).message}`);
  }
}

export async function encodeJpeg(frame: RgbaFrame, quality = 90): Promise<Buffer> {
  return sharp(frame.data, { raw: { width: frame.width, height: frame.height, channels: 4 } })
    .jpeg({ quality, chromaSubsampling: '4:2:0' })
    .toBuffer();
}

export async function encodePng(frame: RgbaFrame): Promise<Buffer> {
  return sharp(frame.data, { raw: { width: frame.width, height: frame.height, channels: 4 } })
    .png()
    .toBuffer();
}

const clamp = (v: number) => (v < 0 ? 0 : v > 255 ? 255 : v);

/** BT.601 limited range, as libwebrtc/libyuv use for camera frames. Chroma is averaged over 2x2. */
export function rgbaToI420(src: RgbaFrame, out?: Uint8Array): I420Frame {
  const { width: w, height: h, data } = src;
  const cw = (w + 1) >> 1;
  const ch = (h + 1) >> 1;
  const size = w * h + 2 * cw * ch;
  const dst = out && out.length >= size ? out : new Uint8Array(size);
  const uOff = w * h;
  const vOff = uOff + cw * ch;
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const i = (y * w + x) * 4;
      dst[y * w + x] = clamp(((66 * data[i] + 129 * data[i + 1] + 25 * data[i + 2] + 128) >> 8) + 16);
    }
  }
  for (let y = 0; y < ch; y++) {
    for (let x = 0; x < cw; x++) {
      let r = 0;
      let g = 0;
      let b = 0;
      let n = 0;
      for (let dy = 0; dy < 2; dy++) {
        const yy = 2 * y + dy;
        if (yy >= h) continue;
        for (let dx = 0; dx < 2; dx++) {
          const xx = 2 * x + dx;
          if (xx >= w) continue;
          const i = (yy * w + xx) * 4;
          r += data[i];
          g += data[i + 1];
          b += data[i + 2];
          n++;
        }
      }
      r /= n;
      g /= n;
      b /= n;
      dst[uOff + y * cw + x] = clamp(((-38 * r - 74 * g + 112 * b + 128) >> 8) + 128);
      dst[vOff + y * cw + x] = clamp(((112 * r - 94 * g - 18 * b + 128) >> 8) + 128);
    }
  }
  return { format: 'i420', width: w, height: h, data: dst.subarray(0, size) };
}

export function i420ToRgba(src: I420Frame, out?: Uint8Array): RgbaFrame {
  const { width: w, height: h, data } = src;
  const cw = (w + 1) >> 1;
  const ch = (h + 1) >> 1;
  const dst = out && out.length >= w * h * 4 ? out : new Uint8Array(w * h * 4);
  const uOff = w * h;
  const vOff = uOff + cw * ch;
  for (let y = 0; y < h; y++) {
    const crow = (y >> 1) * cw;
    for (let x = 0; x < w; x++) {
      const c = 298 * (data[y * w + x] - 16);
      const d = data[uOff + crow + (x >> 1)] - 128;
      const e = data[vOff + crow + (x >> 1)] - 128;
      const i = (y * w + x) * 4;
      dst[i] = clamp((c + 409 * e + 128) >> 8);
      dst[i + 1] = clamp((c - 100 * d - 208 * e + 128) >> 8);
      dst[i + 2] = clamp((c + 516 * d + 128) >> 8);
      dst[i + 3] = 255;
    }
  }
  return { format: 'rgba', width: w, height: h, data: dst.subarray(0, w * h * 4) };
}

export function toRgba(frame: I420Frame | RgbaFrame): RgbaFrame {
  return frame.format === 'rgba' ? frame : i420ToRgba(frame);
}
