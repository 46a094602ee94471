// ffmpeg (Debian's) decodes a clip: its first frame at full size (to find the face), then every frame at a
// fixed rate, cropped square around that face and scaled, as raw RGBA.
import { spawn } from 'node:child_process';
import sharp from 'sharp';
import { keypointBounds } from '../../src/inference/keypoint-bounds.ts';
import { DEFAULT_FRAMING, type Landmarker } from '../../src/inference/pipeline/identity.ts';
import type { RgbaFrame } from '../../src/video/frame.ts';

function run(args: readonly string[]): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const p = spawn('ffmpeg', ['-v', 'error', '-nostdin', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    let err = '';
    p.stdout.on('data', (d: Buffer) => out.push(d));
    p.stderr.on('data', (d: Buffer) => {
      err += d.toString();
    });
    p.on('error', reject);
    p.on('close', (code) =>
      code === 0
        ? resolve(Buffer.concat(out))
        : reject(new Error(`ffmpeg exited ${code}: ${err.slice(0, 300)}`)),
    );
  });
}

/** The frame at `atS` seconds, full size. */
export async function decodeStill(path: string, atS: number): Promise<RgbaFrame> {
  const png = await run([
    '-ss',
    String(atS),
    '-i',
    path,
    '-frames:v',
    '1',
    '-f',
    'image2pipe',
    '-vcodec',
    'png',
    '-',
  ]);
  const { data, info } = await sharp(png).ensureAlpha().raw().toBuffer({ resolveWithObject: true });
  return {
    format: 'rgba',
    width: info.width,
    height: info.height,
    data: new Uint8Array(data.buffer, data.byteOffset, data.length),
  };
}

export interface SquareCrop {
  x: number;
  y: number;
  side: number;
}

/** Up to `maxFrames` frames at `fps`, cropped to `crop` and scaled to size x size. */
export async function decodeFrames(
  path: string,
  crop: SquareCrop,
  size: number,
  fps: number,
  maxFrames: number,
): Promise<RgbaFrame[]> {
  const vf = `fps=${fps},crop=${crop.side}:${crop.side}:${crop.x}:${crop.y},scale=${size}:${size}:flags=lanczos`;
  const raw = await run([
    '-i',
    path,
    '-vf',
    vf,
    '-frames:v',
    String(maxFrames),
    '-f',
    'rawvideo',
    '-pix_fmt',
    'rgba',
    '-',
  ]);
  const bytes = size * size * 4;
  const frames: RgbaFrame[] = [];
  for (let o = 0; o + bytes <= raw.length; o += bytes)
    frames.push({
      format: 'rgba',
      width: size,
      height: size,
      data: new Uint8Array(raw.subarray(o, o + bytes)),
    });
  return frames;
}

/** The identity framing (scale x the landmarks' extent, raised by lift x face height), kept inside the image. */
export function faceSquare(
  lm: Float32Array,
  width: number,
  height: number,
  scale: number,
  lift: number,
): SquareCrop {
  const { x0, y0, x1, y1 } = keypointBounds(lm, 468);
  const fh = y1 - y0;
  // ffmpeg's crop must stay inside the frame: shrink to the frame and shift.
  const side = Math.min(Math.round(scale * Math.max(x1 - x0, fh)), width, height) & ~1;
  const cx = (x0 + x1) / 2;
  const cy = (y0 + y1) / 2 - lift * fh;
  const x = Math.max(0, Math.min(width - side, Math.round(cx - side / 2)));
  const y = Math.max(0, Math.min(height - side, Math.round(cy - side / 2)));
  return { x, y, side };
}

/**
 * A clip's frames at `fps`, size x size, framed around the face of its first frame (or of the frame at 1 s)
 * as an identity photo is; null when neither has a face.
 */
export async function decodeClip(
  path: string,
  tracker: Landmarker,
  fps: number,
  maxFrames: number,
  size = 256,
): Promise<{ crop: SquareCrop; frames: RgbaFrame[] } | null> {
  for (const at of [0, 1]) {
    const still = await decodeStill(path, at);
    tracker.reset();
    const face = await tracker.track(still, 0);
    tracker.reset();
    if (!face) continue;
    const crop = faceSquare(
      face.landmarks,
      still.width,
      still.height,
      DEFAULT_FRAMING.scale,
      DEFAULT_FRAMING.lift,
    );
    return { crop, frames: await decodeFrames(path, crop, size, fps, maxFrames) };
  }
  return null;
}
