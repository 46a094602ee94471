// The learned region renderers against the classic (hand-drawn) ones, side by side in one run, on the
// validation persons of the training data set (never trained on): self-reenactment with identity = the clip's
// first frame, SSIM of face box / mouth / eyes (boxes from our tracker on the true frame), L1 over the face box,
// whole-frame PSNR, for learned, classic, and repeating the first frame. Needs `npm run dataset` (its
// index.json names the validation clips and their crops). One JSON line per clip and one for the mean.
// Options: --data DIR (dataset cache), --clips N, --frames N, --sheet DIR (contact sheets truth | classic | learned)
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { FaceTracker } from '../src/inference/face/tracker.ts';
import { LearnedRegions, type RegionRenderer } from '../src/inference/generator/learned-regions.ts';
import { rgbaToPlanar } from '../src/inference/generator/planar.ts';
import { EYES, FACE_OVAL, OUTER_LIPS } from '../src/inference/generator/regions.ts';
import { FramePipeline } from '../src/inference/pipeline/pipeline.ts';
import { PROJECT_ROOT } from '../src/util/paths.ts';
import type { RgbaFrame } from '../src/video/frame.ts';
import type { DatasetIndex } from '../training/dataset/build.ts';
import { decodeFrames } from '../training/dataset/decode.ts';
import { contactSheet } from './contact-sheet.ts';
import { clampRegion, landmarkBox, mean, psnr, type Region, r3, ssim } from './quality-metrics.ts';

const emit = (o: Record<string, unknown>) =>
  process.stdout.write(`${JSON.stringify({ bench: 'learned', ...o })}\n`);

function l1(a: RgbaFrame, b: RgbaFrame, region: Region): number {
  const r = clampRegion(region, a.width, a.height);
  let s = 0;
  let n = 0;
  for (let y = r.y0; y < r.y1; y++)
    for (let x = r.x0; x < r.x1; x++)
      for (let c = 0; c < 3; c++) {
        const i = 4 * (y * a.width + x) + c;
        s += Math.abs(a.data[i] - b.data[i]);
        n++;
      }
  return n ? s / n / 255 : Number.NaN;
}

async function render(frames: RgbaFrame[], fps: number, renderer: RegionRenderer): Promise<RgbaFrame[]> {
  const pipeline = await FramePipeline.create({
    size: frames[0].width,
    framing: 'full',
    regionRenderer: renderer,
  });
  try {
    await pipeline.setIdentity([frames[0]]);
    if (pipeline.regionRenderer !== renderer)
      throw new Error(`asked for ${renderer}, got ${pipeline.regionRenderer}`);
    const outs: RgbaFrame[] = [];
    for (let i = 0; i < frames.length; i++) {
      const r = await pipeline.process(frames[i], 'avatar', (i * 1000) / fps);
      outs.push(r.frame as RgbaFrame);
    }
    return outs;
  } finally {
    await pipeline.close();
  }
}

/** ms per call of each region model (crop, sketch, network, paste) on one 256 frame, one thread. */
async function speed(frame: RgbaFrame, kp: Float32Array, n = 100): Promise<void> {
  const model = await LearnedRegions.create();
  if (!model) return;
  try {
    const image = rgbaToPlanar(frame);
    const src = model.source(image, frame.width, frame.height, kp);
    const res: Record<string, number> = {};
    for (const region of ['eyes', 'mouth'] as const) {
      const which = { eyes: region === 'eyes', mouth: region === 'mouth' };
      for (let i = 0; i < 10; i++) await model.apply(image, frame.width, frame.height, kp, null, src, which);
      const t0 = performance.now();
      for (let i = 0; i < n; i++) await model.apply(image, frame.width, frame.height, kp, null, src, which);
      res[region === 'eyes' ? 'eyesBothMs' : 'mouthMs'] = r3((performance.now() - t0) / n);
    }
    emit({ kind: 'speed', size: frame.width, ortThreads: process.env.ORT_THREADS ?? '1', ...res });
  } finally {
    await model.close();
  }
}

const KINDS = ['learned', 'classic', 'repeatFirst'] as const;

export async function run(args: string[]): Promise<void> {
  const { values } = parseArgs({
    args,
    options: {
      data: { type: 'string', default: resolve(PROJECT_ROOT, '.cache', 'dataset') },
      source: { type: 'string', default: resolve(PROJECT_ROOT, '..', 'shared', 'data', 'talking-heads') },
      clips: { type: 'string', default: '20' },
      frames: { type: 'string', default: '40' },
      sheet: { type: 'string' },
    },
  });
  const indexPath = join(values.data, 'index.json');
  if (!existsSync(indexPath)) {
    process.stderr.write(`no dataset at ${values.data}: run npm run dataset first\n`);
    process.exitCode = 2;
    return;
  }
  const index = JSON.parse(readFileSync(indexPath, 'utf8')) as DatasetIndex;
  const clips = index.clips.filter((c) => c.split === 'val').slice(0, Number(values.clips));
  if (values.sheet) mkdirSync(values.sheet, { recursive: true });
  const tracker = await FaceTracker.create({ smoothing: false });
  let speedFrame: { frame: RgbaFrame; kp: Float32Array } | null = null;
  const all: Record<string, Record<string, number[]>> = Object.fromEntries(
    KINDS.map((k) => [k, { face: [], mouth: [], eyes: [], l1: [], psnr: [] }]),
  );
  try {
    for (const clip of clips) {
      const frames = await decodeFrames(
        join(values.source, clip.file),
        clip.crop,
        index.size,
        clip.fps,
        Number(values.frames),
      );
      if (frames.length < 3) continue;
      const outs = {
        learned: await render(frames, clip.fps, 'learned'),
        classic: await render(frames, clip.fps, 'classic'),
        repeatFirst: frames.map(() => frames[0]),
      };
      const acc: Record<string, Record<string, number[]>> = Object.fromEntries(
        KINDS.map((k) => [k, { face: [], mouth: [], eyes: [], l1: [], psnr: [] }]),
      );
      tracker.reset();
      for (let i = 1; i < frames.length; i++) {
        const t = await tracker.track(frames[i], i);
        if (!t) {
          tracker.reset();
          continue;
        }
        speedFrame ??= { frame: frames[i], kp: Float32Array.from(t.landmarks) };
        const face = landmarkBox(t.landmarks, FACE_OVAL, 0);
        const mouth = landmarkBox(t.landmarks, OUTER_LIPS, 0.25);
        const eyes = EYES.map((e) => landmarkBox(t.landmarks, e.ring, 0.35));
        for (const k of KINDS) {
          const o = outs[k][i];
          acc[k].face.push(ssim(o, frames[i], face));
          acc[k].mouth.push(ssim(o, frames[i], mouth));
          acc[k].eyes.push(mean(eyes.map((b) => ssim(o, frames[i], b))));
          acc[k].l1.push(l1(o, frames[i], face));
          acc[k].psnr.push(psnr(o, frames[i]));
        }
      }
      const res: Record<string, unknown> = {
        kind: 'clip',
        clip: clip.file,
        person: clip.person,
        frames: frames.length,
      };
      for (const k of KINDS) {
        res[k] = Object.fromEntries(Object.entries(acc[k]).map(([m, v]) => [m, r3(mean(v))]));
        for (const [m, v] of Object.entries(acc[k])) all[k][m].push(...v);
      }
      emit(res);
      if (values.sheet) {
        const picks = [0.25, 0.5, 0.75, 0.95].map((p) => Math.floor(p * (frames.length - 1)));
        await contactSheet(
          join(values.sheet, `${clip.file.replace(/[^\w.-]+/g, '_')}.png`),
          picks.map((i) => [frames[i], outs.classic[i], outs.learned[i]]),
          256,
        );
      }
    }
  } finally {
    await tracker.close();
  }
  if (speedFrame) await speed(speedFrame.frame, speedFrame.kp);
  const summary: Record<string, unknown> = { kind: 'mean', clips: clips.length, dataHash: index.dataHash };
  for (const k of KINDS)
    summary[k] = Object.fromEntries(Object.entries(all[k]).map(([m, v]) => [m, r3(mean(v))]));
  emit(summary);
}
