// Self-reenactment on a driver clip (identity = its first frame): the avatar, the classic renderer, the plain-warp
// reference (driven by the peer's landmarks, and as plainOurs by our tracker's), repeating the first frame (the
// floor) and the generator at the frame's own tracked key-points (no re-enactment: the warp's ceiling), scored
// side by side by SelfScorer.
import { join } from 'node:path';
import type { RegionRenderer } from '../../src/inference/generator/learned-regions.ts';
import { planarToRgba } from '../../src/inference/generator/planar.ts';
import { FramePipeline } from '../../src/inference/pipeline/pipeline.ts';
import type { RgbaFrame } from '../../src/video/frame.ts';
import { contactSheet } from '../contact-sheet.ts';
import type { PeerFace } from '../peer/human.ts';
import { PlainWarp } from './plain-warp.ts';
import { SelfScorer } from './self-score.ts';

export const SELF_KINDS = [
  'avatar',
  'classic',
  'plain',
  'plainOurs',
  'repeatFirst',
  'trackedTarget',
] as const;
export type SelfKind = (typeof SELF_KINDS)[number];

/**
 * The pipeline's outputs over `frames` with identity = frames[0]; `fps` sets the frames' clock. `yaws` gets the
 * pose fit's yaw of each true frame (NaN without a face).
 */
export async function renderSelf(
  frames: readonly RgbaFrame[],
  fps: number,
  regionRenderer?: RegionRenderer,
  tracked?: (RgbaFrame | null)[],
  yaws?: number[],
  landmarks?: (Float32Array | null)[],
): Promise<RgbaFrame[]> {
  const size = frames[0].width;
  const pipeline = await FramePipeline.create({ size, framing: 'full', regionRenderer });
  try {
    const identity = await pipeline.setIdentity([frames[0]]);
    const outs: RgbaFrame[] = [];
    for (let i = 0; i < frames.length; i++) {
      const r = await pipeline.process(frames[i], 'avatar', (i * 1000) / fps);
      outs.push(r.frame as RgbaFrame);
      yaws?.push(r.geometry ? r.geometry.pose.yaw : Number.NaN);
      landmarks?.push(r.face ? Float32Array.from(r.face.landmarks) : null);
      // The same generator at the frame's own key-points (identity = frame 0: no retargeting needed).
      if (tracked)
        tracked.push(
          r.face
            ? planarToRgba(await identity.renderer.render(Float32Array.from(r.face.landmarks)), size, size)
            : null,
        );
    }
    return outs;
  } finally {
    await pipeline.close();
  }
}

/**
 * The plain-warp reference over `frames` with identity = frames[0], driven by `meshes` (each frame's landmarks:
 * the peer's, or our tracker's); null frames where the first has no face.
 */
export function renderPlainSelf(
  frames: readonly RgbaFrame[],
  meshes: (Float32Array | null)[],
): (RgbaFrame | null)[] {
  const first = meshes[0];
  if (!first) return frames.map(() => null);
  const plain = new PlainWarp(frames[0], first);
  return meshes.map((m) => plain.render(m));
}

/** The peer's meshes of `truth`. */
export const peerMeshes = (truth: (PeerFace | null)[]) => truth.map((t) => t?.mesh ?? null);

/** Scores of every kind on one clip (frames 1.. judged), as SelfScorers. */
export async function selfScores(
  frames: readonly RgbaFrame[],
  fps: number,
  truth: (PeerFace | null)[],
  sheet?: { dir: string; name: string },
): Promise<Record<SelfKind, SelfScorer>> {
  const tracked: (RgbaFrame | null)[] = [];
  const yaws: number[] = [];
  const landmarks: (Float32Array | null)[] = [];
  const outs: Record<SelfKind, (RgbaFrame | null)[]> = {
    avatar: await renderSelf(frames, fps, undefined, tracked, yaws, landmarks),
    classic: await renderSelf(frames, fps, 'classic'),
    plain: renderPlainSelf(frames, peerMeshes(truth)),
    plainOurs: renderPlainSelf(frames, landmarks),
    repeatFirst: frames.map(() => frames[0]),
    trackedTarget: tracked,
  };
  const scores = Object.fromEntries(SELF_KINDS.map((k) => [k, new SelfScorer()])) as Record<
    SelfKind,
    SelfScorer
  >;
  for (let i = 1; i < frames.length; i++)
    for (const k of SELF_KINDS) {
      const o = outs[k][i];
      if (o) scores[k].add(o, frames[i], truth[i], yaws[i]);
    }
  if (sheet) {
    const picks = [0.15, 0.35, 0.55, 0.75, 0.95].map((p) => Math.floor(p * (frames.length - 1)));
    await contactSheet(
      join(sheet.dir, `self-${sheet.name}.png`),
      picks.map((i) => [
        frames[i],
        ...(['avatar', 'classic', 'plain'] as const).flatMap((k) => outs[k][i] ?? []),
      ]),
      192,
    );
  }
  return scores;
}
