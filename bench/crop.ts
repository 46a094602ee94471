// Crop benchmark: the face-mesh crop (192x192, inside the frame and over its edge as when a face fills the frame)
// and the two eye crops (2 x 64x64) of a 512x512 driver frame: plain TypeScript vs the GridSample graph on
// onnxruntime, RGBA and I420, same windows. One JSON line per case.
// --baseline FILE: also times the cropJs of another copy of crop-js.ts (e.g. `git show REV:src/inference/face/
// crop-js.ts > .cache/crop-prev.ts`) in the same run, and reports the largest difference of its output.
import { join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { pathToFileURL } from 'node:url';
import { cropJs, UNIT } from '../src/inference/face/crop-js.ts';
import { type CropBackend, createCropper } from '../src/inference/face/cropper.ts';
import { cropToImage } from '../src/inference/face/roi.ts';
import { SessionGroup } from '../src/inference/onnx/runtime.ts';
import { readMjpeg } from '../src/util/mjpeg.ts';
import { FIXTURES_DIR, fixturesAvailable } from '../src/util/paths.ts';
import type { Frame } from '../src/video/frame.ts';
import { decodeImage, rgbaToI420 } from '../src/video/image.ts';
import { arg } from './bench-helpers.ts';

type CropFn = typeof cropJs;

/** CPU ms per call (this process's user + system time: steadier than wall time on a shared machine). */
function time(reps: number, fn: () => unknown): number {
  for (let i = 0; i < 10; i++) fn();
  const c0 = process.cpuUsage();
  for (let i = 0; i < reps; i++) fn();
  const c = process.cpuUsage(c0);
  return (c.user + c.system) / 1000 / reps;
}

export async function run(args: string[]): Promise<void> {
  const reps = Number(arg(args, 'reps')) || 200;
  const baselinePath = arg(args, 'baseline');
  const baseline = baselinePath
    ? ((await import(pathToFileURL(resolve(baselinePath)).href)) as { cropJs: CropFn }).cropJs
    : null;
  let rgba: Frame;
  if (fixturesAvailable()) rgba = await decodeImage(readMjpeg(join(FIXTURES_DIR, 'drivers', 'd0.mjpeg'))[0]);
  else rgba = { format: 'rgba', width: 512, height: 512, data: new Uint8Array(512 * 512 * 4).fill(100) };
  const frames: Frame[] = [rgba, rgbaToI420(rgba)];
  const group = new SessionGroup();
  try {
    for (const [label, size, n, side] of [
      ['mesh', 192, 1, 380],
      ['mesh-edge', 192, 1, 600],
      ['eyes', 64, 2, 60],
    ] as const) {
      const maps = Array.from({ length: n }, (_, k) =>
        cropToImage({ cx: 250 + 50 * k, cy: 240, width: side, height: side, angle: 0.15 }, size, k === 1),
      );
      for (const frame of frames) {
        const ms: Record<CropBackend, number> = { js: 0, onnx: 0 };
        for (const backend of ['js', 'onnx'] as const) {
          const c = createCropper(backend, group, `bench-${size}`, size, UNIT);
          ms[backend] = await (async () => {
            for (let i = 0; i < 10; i++) await c.crop(frame, maps);
            const t0 = performance.now();
            for (let i = 0; i < reps; i++) await c.crop(frame, maps);
            return (performance.now() - t0) / reps;
          })();
        }
        const line: Record<string, unknown> = {
          bench: 'crop',
          case: label,
          format: frame.format,
          crop: `${n}x${size}x${size}`,
          js_ms: Number(ms.js.toFixed(3)),
          onnx_ms: Number(ms.onnx.toFixed(3)),
          faster: ms.js <= ms.onnx ? 'js' : 'onnx',
        };
        if (baseline) {
          const per = size * size * 3;
          const a = new Float32Array(per * n);
          const b = new Float32Array(per * n);
          const all = (fn: CropFn, out: Float32Array) => () =>
            maps.forEach((m, i) => {
              fn(frame, m, size, UNIT, out, i * per);
            });
          // Interleaved, so that the machine's load falls on both alike.
          let mine = 0;
          let theirs = 0;
          for (let k = 0; k < 5; k++) {
            mine += time(reps / 5, all(cropJs, a));
            theirs += time(reps / 5, all(baseline, b));
          }
          let worst = 0;
          for (let i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs(a[i] - b[i]));
          Object.assign(line, {
            js_plain_cpu_ms: Number((mine / 5).toFixed(3)),
            baseline_cpu_ms: Number((theirs / 5).toFixed(3)),
            speedup: Number((theirs / mine).toFixed(2)),
            max_abs_diff: worst,
          });
        }
        process.stdout.write(`${JSON.stringify(line)}\n`);
      }
    }
  } finally {
    await group.close();
  }
}
