// MJPEG as used by the fixtures and Chromium's fake camera: JPEG images back to back, each FF D8 ... FF D9.
import { readFileSync } from 'node:fs';
import { AppError } from './errors.ts';

/** Splits an MJPEG buffer into its JPEG images (views into the buffer, no copies). */
export function splitMjpeg(buf: Uint8Array): Uint8Array[] {
  const frames: Uint8Array[] = [];
  let i = 0;
  const n = buf.length;
  while (i < n - 1) {
    if (buf[i] !== 0xff || buf[i + 1] !== 0xd8) {
      i++;
      continue;
    }
    const start = i;
    i += 2;
    // Walk marker segments so an FF D9 inside entropy-coded data of a thumbnail cannot end the frame early.
    let end = -1;
    while (i < n - 1) {
      if (buf[i] !== 0xff) {
        i++;
        continue;
      }
      const m = buf[i + 1];
      if (m === 0xd9) {
        end = i + 2;
        break;
      }
      if (m === 0xff || m === 0x00 || m === 0x01 || (m >= 0xd0 && m <= 0xd7)) {
        i += m === 0xff ? 1 : 2;
        continue;
      }
      if (i + 3 >= n) break;
      const len = (buf[i + 2] << 8) | buf[i + 3];
      i += 2 + len;
      if (m === 0xda) {
        // Entropy-coded scan follows: advance to the next real marker.
        while (
          i < n - 1 &&
          !(buf[i] === 0xff && buf[i + 1] !== 0x00 && !(buf[i + 1] >= 0xd0 && buf[i + 1] <= 0xd7))
        )
          i++;
      }
    }
    if (end < 0) break; // truncated last frame: dropped
    frames.push(buf.subarray(start, end));
    i = end;
  }
  return frames;
}

export function readMjpeg(path: string): Uint8Array[] {
  let buf: Buffer;
  try {
    buf = readFileSync(path);
  } catch (e) {
    throw new AppError('NOT_FOUND', `cannot read ${path}: ${(e as Error).message}`);
  }
  const frames = splitMjpeg(buf);
  if (frames.length === 0)
    throw new AppError('IMAGE_INVALID', `${path}: no JPEG frames found (not an MJPEG file?)`);
  return frames;
}

/** Concatenates JPEG images into one MJPEG buffer. */
export function joinMjpeg(frames: readonly Uint8Array[]): Buffer {
  return Buffer.concat(frames.map((f) => Buffer.from(f.buffer, f.byteOffset, f.byteLength)));
}
