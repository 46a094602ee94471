// The learned region renderers against the classic (hand-drawn) ones and the plain-warp reference (bench
// quality's floor), side by side in one run, on the validation persons of the training data set (never trained
// on): self-reenactment with identity = the clip's first frame, SSIM of face box / mouth / eyes (boxes from the
// peer's mesh on the true frame) and whole-frame PSNR, over all frames and over the turned ones (|yaw| >= 15 deg
// as the peer reads the true frame), for learned, classic, the plain warp (driven by the peer's landmarks, and
// as plainOurs by our tracker's), the generator at the frame's own tracked key-points (trackedTarget: no
// re-enactment, the renderer alone) and repeating the first frame. Needs
// `npm run dataset` (its index.json names the validation clips and their crops). One JSON line per clip and one
// for the mean.
// Options: --data DIR (dataset cache), --clips N, --frames N,
//          --sheet DIR (truth | classic | learned | plain | plainOurs)
import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { LearnedRegions } from '../src/inference/generator/learned-regions.ts';
import { rgbaToPlanar } from '../src/inference/generator/planar.ts';
import { PROJECT_ROOT } from '../src/util/paths.ts';
import type { RgbaFrame } from '../src/video/frame.ts';
import { readClipFrames, readDatasetIndex } from '../training/dataset/build.ts';
import { contactSheet } from './contact-sheet.ts';
import { createHumanPeer } from './peer/human.ts';
import { peerAll } from './quality/peer-series.ts';
import { peerMeshes, renderPlainSelf, renderSelf } from './quality/self.ts';
import { SelfScorer } from './quality/self-score.ts';
import { r3 } from './quality-metrics.ts';

const emit = (o: Record<string, unknown>) =>
  process.stdout.write(`${JSON.stringify({ bench: 'learned', ...o })}\n`);

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

const KINDS = ['learned', 'classic', 'plain', 'plainOurs', 'trackedTarget', 'repeatFirst'] as const;
type Kind = (typeof KINDS)[number];

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
  const index = readDatasetIndex(values.data);
  if (!index) {
    process.stderr.write(`no dataset at ${values.data}: run npm run dataset first\n`);
    process.exitCode = 2;
    return;
  }
  const clips = index.clips.filter((c) => c.split === 'val').slice(0, Number(values.clips));
  if (values.sheet) mkdirSync(values.sheet, { recursive: true });
  const peer = await createHumanPeer({ detectEveryFrame: true });
  let speedFrame: { frame: RgbaFrame; kp: Float32Array } | null = null;
  const all = Object.fromEntries(KINDS.map((k) => [k, new SelfScorer()])) as Record<Kind, SelfScorer>;
  try {
    for (const clip of clips) {
      const frames = await readClipFrames(values.source, index, clip, Number(values.frames));
      if (frames.length < 3) continue;
      const truth = await peerAll(peer, frames);
      const yaws: number[] = [];
      const landmarks: (Float32Array | null)[] = [];
      const tracked: (RgbaFrame | null)[] = [];
      const outs: Record<Kind, (RgbaFrame | null)[]> = {
        learned: await renderSelf(frames, clip.fps, 'learned', tracked, yaws, landmarks),
        classic: await renderSelf(frames, clip.fps, 'classic'),
        plain: renderPlainSelf(frames, peerMeshes(truth)),
        plainOurs: renderPlainSelf(frames, landmarks),
        trackedTarget: tracked,
        repeatFirst: frames.map(() => frames[0]),
      };
      const acc = Object.fromEntries(KINDS.map((k) => [k, new SelfScorer()])) as Record<Kind, SelfScorer>;
      for (let i = 1; i < frames.length; i++) {
        const t = truth[i];
        if (t) speedFrame ??= { frame: frames[i], kp: t.mesh };
        for (const k of KINDS) {
          const o = outs[k][i];
          if (o) acc[k].add(o, frames[i], t, yaws[i]);
        }
      }
      const res: Record<string, unknown> = {
        kind: 'clip',
        clip: clip.file,
        person: clip.person,
        frames: frames.length,
      };
      for (const k of KINDS) {
        res[k] = acc[k].summary();
        all[k].merge(acc[k]);
      }
      emit(res);
      if (values.sheet) {
        const picks = [0.25, 0.5, 0.75, 0.95].map((p) => Math.floor(p * (frames.length - 1)));
        await contactSheet(
          join(values.sheet, `${clip.file.replace(/[^\w.-]+/g, '_')}.png`),
          picks.map((i) => [
            frames[i],
            ...(['classic', 'learned', 'plain', 'plainOurs'] as const).flatMap((k) => outs[k][i] ?? []),
          ]),
          256,
        );
      }
    }
  } finally {
    await peer.close();
  }
  if (speedFrame) await speed(speedFrame.frame, speedFrame.kp);
  const summary: Record<string, unknown> = { kind: 'mean', clips: clips.length, dataHash: index.dataHash };
  for (const k of KINDS) summary[k] = all[k].summary();
  emit(summary);
}
