// The sharp half of an identity upload check: format, byte and pixel limits, damaged or truncated files. A photo
// that passes is decoded (EXIF orientation applied), scaled down to a stored size and re-encoded as JPEG, so
// nothing the uploader sent (metadata, odd encodings) is kept.
import sharp, { type Metadata } from 'sharp';
import { AppError } from '../../util/errors.ts';
import type { RgbaFrame } from '../../video/frame.ts';
import { encodeJpeg } from '../../video/image.ts';

export interface ImageLimits {
  /** Bytes of one uploaded photo. */
  maxBytes: number;
  /** Pixels (width x height) of one photo as encoded. */
  maxPixels: number;
  /** Shortest side accepted: smaller photos cannot give a usable face. */
  minSide: number;
  /** Longest side kept after the check (larger photos are scaled down). */
  storedSide: number;
}

export const DEFAULT_IMAGE_LIMITS: ImageLimits = {
  maxBytes: 10 * 1024 * 1024,
  maxPixels: 40_000_000,
  minSide: 64,
  storedSide: 1024,
};

const FORMATS = new Set(['jpeg', 'png', 'webp']);

export interface CheckedImage {
  /** The photo as stored: RGBA and its JPEG. */
  rgba: RgbaFrame;
  jpeg: Buffer;
}

/** Checks one uploaded photo; throws IMAGE_INVALID or IMAGE_TOO_LARGE with a message a user can act on. */
export async function checkImage(
  bytes: Uint8Array,
  label: string,
  limits: ImageLimits = DEFAULT_IMAGE_LIMITS,
): Promise<CheckedImage> {
  if (bytes.length === 0) throw new AppError('IMAGE_INVALID', `${label}: the file is empty`);
  if (bytes.length > limits.maxBytes) {
    throw new AppError(
      'IMAGE_TOO_LARGE',
      `${label}: image too large (${mb(bytes.length)}; at most ${mb(limits.maxBytes)})`,
    );
  }
  let meta: Metadata;
  try {
    meta = await sharp(bytes).metadata();
  } catch {
    throw new AppError('IMAGE_INVALID', `${label}: not an image (JPEG, PNG or WebP expected)`);
  }
  if (!meta.format || !FORMATS.has(meta.format)) {
    throw new AppError(
      'IMAGE_INVALID',
      `${label}: ${meta.format ?? 'unknown'} images are not accepted (JPEG, PNG or WebP)`,
    );
  }
  const w = meta.width ?? 0;
  const h = meta.height ?? 0;
  if (w * h > limits.maxPixels) {
    throw new AppError(
      'IMAGE_TOO_LARGE',
      `${label}: image too large (${w}x${h} pixels; at most ${(limits.maxPixels / 1e6).toFixed(0)} megapixels)`,
    );
  }
  if (Math.min(w, h) < limits.minSide) {
    throw new AppError(
      'IMAGE_INVALID',
      `${label}: image too small (${w}x${h}; at least ${limits.minSide} px a side)`,
    );
  }
  let rgba: RgbaFrame;
  try {
    // failOn 'warning': a truncated JPEG decodes with a warning ("premature end") and must be refused.
    const { data, info } = await sharp(bytes, {
      failOn: 'warning',
      limitInputPixels: limits.maxPixels,
      pages: 1,
    })
      .rotate()
      .resize({
        width: limits.storedSide,
        height: limits.storedSide,
        fit: 'inside',
        withoutEnlargement: true,
      })
      .ensureAlpha()
      .raw()
      .toBuffer({ resolveWithObject: true });
    rgba = {
      format: 'rgba',
      width: info.width,
      height: info.height,
      data: new Uint8Array(data.buffer, data.byteOffset, data.length),
    };
  } catch (e) {
    throw new AppError(
      'IMAGE_INVALID',
      `${label}: the image is damaged or truncated (${(e as Error).message})`,
    );
  }
  return { rgba, jpeg: await encodeJpeg(rgba, 92) };
}

const mb = (n: number) => `${(n / 1024 / 1024).toFixed(1)} MB`;
