// Speed of the frame pipeline per stage, on I420 frames as the agent feeds them: avatar at 256 and 512, and eye
// contact on 640x480 (with the default policy, and forced to full strength on every open-eyed frame so the eye
// warp runs on each). Prints one JSON line per case: ms/frame per stage (mean and p95 of total) after a warm-up;
// eye cases add `eyeStage` (geometry + generate: the policy and the eye warp) and its ratio to the tracker's ms.
// Options: --frames N (measured frames, default 100), --driver d3, --identity s0, --cases avatar,eyes.
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import sharp from 'sharp';
import type { EyeContactOptions } from '../src/inference/geometry/eye-contact.ts';
import { FramePipeline, type PipelineMode, STAGES } from '../src/inference/pipeline/pipeline.ts';
import { readMjpeg } from '../src/util/mjpeg.ts';
import { FIXTURES_DIR } from '../src/util/paths.ts';
import type { I420Frame } from '../src/video/frame.ts';
import { decodeImage, rgbaToI420 } from '../src/video/image.ts';

async function i420Frames(jpegs: Uint8Array[], width?: number, height?: number): Promise<I420Frame[]> {
  const out: I420Frame[] = [];
  for (const j of jpegs) {
    const input =
      width && height ? await sharp(j).resize(width, height, { fit: 'cover' }).jpeg().toBuffer() : j;
    out.push(rgbaToI420(await decodeImage(input)));
  }
  return out;
}

async function measure(
  name: string,
  frames: I420Frame[],
  mode: PipelineMode,
  size: number,
  identity: string,
  warmup: number,
  count: number,
  eyeContact?: EyeContactOptions,
): Promise<void> {
  const pipeline = await FramePipeline.create({ size, eyeContact });
  try {
    if (mode !== 'eyes') await pipeline.setIdentity([identity]);
    const sums = Object.fromEntries(STAGES.map((k) => [k, 0])) as Record<(typeof STAGES)[number], number>;
    const totals: number[] = [];
    let faces = 0;
    for (let i = 0; i < warmup + count; i++) {
      const r = await pipeline.process(frames[i % frames.length], mode);
      if (i < warmup) continue;
      if (r.face) faces++;
      for (const k of STAGES) sums[k] += r.timings[k];
      totals.push(r.timings.total);
    }
    totals.sort((a, b) => a - b);
    const ms = Object.fromEntries(STAGES.map((k) => [k, Number((sums[k] / count).toFixed(2))]));
    const eyeStage = mode === 'eyes' ? (sums.geometry + sums.generate) / count : undefined;
    process.stdout.write(
      `${JSON.stringify({
        bench: 'pipeline',
        case: name,
        width: frames[0].width,
        height: frames[0].height,
        frames: count,
        faceFrames: faces,
        ms,
        ...(eyeStage === undefined
          ? {}
          : { eyeStage: Number(eyeStage.toFixed(2)), eyeToTrack: Number((eyeStage / ms.track).toFixed(3)) }),
        p95Total: Number(totals[Math.floor(0.95 * (totals.length - 1))].toFixed(2)),
        fps: Number((1000 / (ms.total as number)).toFixed(1)),
        ortThreads: process.env.ORT_THREADS ?? '1',
      })}\n`,
    );
  } finally {
    await pipeline.close();
  }
}

export async function run(args: string[]): Promise<void> {
  const { values } = parseArgs({
    args,
    options: {
      frames: { type: 'string', default: '100' },
      driver: { type: 'string', default: 'd3' },
      identity: { type: 'string', default: 's0' },
      cases: { type: 'string', default: 'avatar,eyes' },
      json: { type: 'boolean' },
    },
  });
  const count = Number(values.frames);
  const jpegs = readMjpeg(join(FIXTURES_DIR, 'drivers', `${values.driver}.mjpeg`)).slice(0, count);
  const identity = join(FIXTURES_DIR, 'identities', `${values.identity}.jpg`);
  const cases = values.cases.split(',');
  if (cases.includes('avatar')) {
    const square = await i420Frames(jpegs);
    await measure('avatar-256', square, 'avatar', 256, identity, 10, count);
    await measure('avatar-512', square, 'avatar', 512, identity, 10, count);
  }
  if (cases.includes('eyes')) {
    const vga = await i420Frames(jpegs, 640, 480);
    await measure('eyes-640x480', vga, 'eyes', 256, identity, 10, count);
    const forced: EyeContactOptions = {
      fullDeg: 80,
      noneDeg: 90,
      headPitchDeg: [80, 90],
      headYawDeg: [80, 90],
      lookAway: false,
    };
    await measure('eyes-640x480-forced', vga, 'eyes', 256, identity, 10, count, forced);
  }
}
