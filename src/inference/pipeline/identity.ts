// An identity: 1..M photos of one person, each cropped square around the face and scaled to the generator size,
// with its landmarks found once (by the same tracker the live frames use).
import sharp from 'sharp';
import { AppError } from '../../util/errors.ts';
import type { Frame, RgbaFrame } from '../../video/frame.ts';
import { decodeImage } from '../../video/image.ts';
import type { FaceResult } from '../face-result.ts';
import type { AvatarSource } from '../generator/avatar.ts';
import { rgbaToPlanar } from '../generator/planar.ts';
import { keypointBounds } from '../keypoint-bounds.ts';

export interface Landmarker {
  /** `timeMs` drives the landmark smoothing (default: now). */
  track(frame: Frame, timeMs?: number): Promise<FaceResult | null>;
  reset(): void;
}

export type IdentityInput = string | Uint8Array | RgbaFrame;

export interface IdentityPhoto extends AvatarSource {
  /** Where the crop came from (for logs and errors). */
  name: string;
  /** The crop as RGBA at the generator size (the still shown when there is no face). */
  rgba: RgbaFrame;
}

/** Crop framing: side = `scale` x the landmarks' larger extent, centre raised by `lift` x the face height. */
export interface Framing {
  scale: number;
  lift: number;
}

/** Head and shoulders, about as the fixtures' driver clips frame a face. */
export const DEFAULT_FRAMING: Framing = { scale: 1.95, lift: 0.12 };

/**
 * Finds the face in one photo and crops it to size x size. `framing: 'full'` keeps the whole (square) image,
 * e.g. when the identity is a frame of the driver clip itself.
 */
export async function prepareIdentityPhoto(
  input: IdentityInput,
  landmarker: Landmarker,
  size: number,
  framing: Framing | 'full' = DEFAULT_FRAMING,
): Promise<IdentityPhoto> {
  const name = typeof input === 'string' ? input : 'photo';
  const image = typeof input === 'object' && 'format' in input ? input : await decodeImage(input);
  landmarker.reset();
  const face = await landmarker.track(image);
  landmarker.reset();
  if (!face) throw new AppError('NO_FACE', `no face found in identity ${name}`);
  const lm = face.landmarks;
  let left: number;
  let top: number;
  let side: number;
  if (framing === 'full') {
    left = 0;
    top = 0;
    side = Math.max(image.width, image.height);
  } else {
    const e = keypointBounds(lm, 468);
    const fw = e.x1 - e.x0;
    const fh = e.y1 - e.y0;
    side = Math.round(framing.scale * Math.max(fw, fh));
    left = Math.round((e.x0 + e.x1) / 2 - side / 2);
    top = Math.round((e.y0 + e.y1) / 2 - framing.lift * fh - side / 2);
  }
  // Extend with copied edges where the crop leaves the photo, then crop and scale.
  const padL = Math.max(0, -left);
  const padT = Math.max(0, -top);
  const padR = Math.max(0, left + side - image.width);
  const padB = Math.max(0, top + side - image.height);
  // Two passes: sharp extracts before it extends within one pipeline.
  let src = sharp(image.data, { raw: { width: image.width, height: image.height, channels: 4 } });
  let srcW = image.width;
  let srcH = image.height;
  if (padL || padT || padR || padB) {
    const padded = await src
      .extend({ left: padL, top: padT, right: padR, bottom: padB, extendWith: 'copy' })
      .raw()
      .toBuffer();
    srcW += padL + padR;
    srcH += padT + padB;
    src = sharp(padded, { raw: { width: srcW, height: srcH, channels: 4 } });
  }
  const { data } = await src
    .extract({ left: left + padL, top: top + padT, width: side, height: side })
    .resize(size, size, { kernel: 'lanczos3' })
    .raw()
    .toBuffer({ resolveWithObject: true });
  const rgba: RgbaFrame = {
    format: 'rgba',
    width: size,
    height: size,
    data: new Uint8Array(data.buffer, data.byteOffset, data.length),
  };
  const k = size / side;
  const landmarks = new Float32Array(lm.length);
  for (let i = 0; i < lm.length / 3; i++) {
    landmarks[3 * i] = (lm[3 * i] - left) * k;
    landmarks[3 * i + 1] = (lm[3 * i + 1] - top) * k;
    landmarks[3 * i + 2] = lm[3 * i + 2] * k;
  }
  return { name, rgba, image: rgbaToPlanar(rgba), landmarks };
}
