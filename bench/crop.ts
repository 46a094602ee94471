// Crop benchmark: the face-mesh crop (192x192) and the two eye crops (2 x 64x64) of a 512x512 driver frame,
// plain TypeScript vs the GridSample graph on onnxruntime, RGBA and I420, same windows. One JSON line per case.
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { UNIT } from '../src/inference/face/crop-js.ts';
import { type CropBackend, createCropper } from '../src/inference/face/cropper.ts';
import { cropToImage } from '../src/inference/face/roi.ts';
import { SessionGroup } from '../src/inference/onnx/runtime.ts';
import { readMjpeg } from '../src/util/mjpeg.ts';
import { FIXTURES_DIR, fixturesAvailable } from '../src/util/paths.ts';
import type { Frame } from '../src/video/frame.ts';
import { decodeImage, rgbaToI420 } from '../src/video/image.ts';

export async function run(args: string[]): Promise<void> {
  const reps = Number(args[args.indexOf('--reps') + 1]) || 200;
  let rgba: Frame;
  if (fixturesAvailable()) rgba = await decodeImage(readMjpeg(join(FIXTURES_DIR, 'drivers', 'd0.mjpeg'))[0]);
  else rgba = { format: 'rgba', width: 512, height: 512, data: new Uint8Array(512 * 512 * 4).fill(100) };
  const frames: Frame[] = [rgba, rgbaToI420(rgba)];
  const group = new SessionGroup();
  try {
    for (const [size, n] of [
      [192, 1],
      [64, 2],
    ] as const) {
      const side = size === 192 ? 380 : 60;
      const maps = Array.from({ length: n }, (_, k) =>
        cropToImage({ cx: 250 + 50 * k, cy: 240, width: side, height: side, angle: 0.15 }, size, k === 1),
      );
      for (const frame of frames) {
        const ms: Record<CropBackend, number> = { js: 0, onnx: 0 };
        for (const backend of ['js', 'onnx'] as const) {
          const c = createCropper(backend, group, `bench-${size}`, size, UNIT);
          for (let i = 0; i < 10; i++) await c.crop(frame, maps);
          const t0 = performance.now();
          for (let i = 0; i < reps; i++) await c.crop(frame, maps);
          ms[backend] = (performance.now() - t0) / reps;
        }
        const line = {
          bench: 'crop',
          format: frame.format,
          crop: `${n}x${size}x${size}`,
          js_ms: Number(ms.js.toFixed(3)),
          onnx_ms: Number(ms.onnx.toFixed(3)),
          faster: ms.js <= ms.onnx ? 'js' : 'onnx',
        };
        process.stdout.write(`${JSON.stringify(line)}\n`);
      }
    }
  } finally {
    await group.close();
  }
}
