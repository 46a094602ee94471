// Cross-identity quality of one identity x driver pair, side by side in one run: the avatar (the pipeline as
// configured), the classic renderer (REGION_RENDERER=classic) and the plain-warp reference, each read by the
// peer: identity cosine, driver-identity leak, Pearson r of yaw/pitch/roll/mouth/each eye's opening against
// the peer's reading of the driver, face found, jitter ratio. The plain warp is driven by the peer's own
// landmarks of the driver (the judge's tracking, which its readings of the output then agree with by
// construction); `plainOurs` is the same warp driven by our tracker's landmarks of the driver (the identity's
// mesh is the peer's in both), what the product could render without a generator: the gap between the two is
// tracking agreement, not rendering. The avatar's motion is also read at two earlier stages (no peer needed):
// the tracked driver landmarks and the target key-points the generator draws, so a loss shows where it happens.
import { join } from 'node:path';
import type { RegionRenderer } from '../../src/inference/generator/learned-regions.ts';
import { FramePipeline } from '../../src/inference/pipeline/pipeline.ts';
import type { RgbaFrame } from '../../src/video/frame.ts';
import { contactSheet } from '../contact-sheet.ts';
import type { HumanPeer, PeerFace } from '../peer/human.ts';
import { cosine, jitter, mean, r3, std } from '../quality-metrics.ts';
import {
  agreement,
  type Measure,
  meshReadings,
  pairedReadings,
  peerAll,
  peerReadings,
} from './peer-series.ts';
import { PlainWarp } from './plain-warp.ts';

export const RENDERERS = ['avatar', 'classic', 'plain', 'plainOurs'] as const;
export type Renderer = (typeof RENDERERS)[number];

export interface RendererFigures {
  found: number;
  identityCos: number;
  driverCos: number;
  r: Record<Measure, number>;
  jitterRatio: number;
}

export interface CrossResult {
  kind: 'cross';
  identity: string;
  driver: string;
  frames: number;
  differentPeopleCos: number;
  driverStd: { yaw: number; pitch: number; roll: number };
  /** The avatar's motion before rendering: r of the tracked landmarks' and the target key-points' measures. */
  stages: { tracked: Record<string, number>; target: Record<string, number> };
  avatar: RendererFigures;
  classic: RendererFigures;
  plain: RendererFigures;
  plainOurs: RendererFigures;
}

type Readings = ReturnType<typeof meshReadings>;

interface Rendered {
  outs: RgbaFrame[];
  tracked: (Readings | null)[];
  target: (Readings | null)[];
  /** Our tracker's landmarks of each driver frame (image pixels). */
  landmarks: (Float32Array | null)[];
  identity: RgbaFrame;
}

async function renderPipeline(
  idPath: string,
  frames: readonly RgbaFrame[],
  size: number,
  regionRenderer?: RegionRenderer,
): Promise<Rendered> {
  const pipeline = await FramePipeline.create({ size, regionRenderer });
  try {
    const identity = await pipeline.setIdentity([idPath]);
    const out: Rendered = {
      outs: [],
      tracked: [],
      target: [],
      landmarks: [],
      identity: identity.photos[0].rgba,
    };
    for (let i = 0; i < frames.length; i++) {
      const r = await pipeline.process(frames[i], 'avatar', (i * 1000) / 25);
      out.outs.push(r.frame as RgbaFrame);
      out.tracked.push(r.face ? meshReadings(r.face.landmarks) : null);
      out.landmarks.push(r.face ? Float32Array.from(r.face.landmarks) : null);
      out.target.push(r.face && r.target ? meshReadings(r.target) : null);
    }
    return out;
  } finally {
    await pipeline.close();
  }
}

/** r of the landmark measures (mouth, eyes) of one stage against the peer's driver readings. */
function stageR(stage: (Readings | null)[], truth: (PeerFace | null)[]): Record<string, number> {
  const t = peerReadings(truth);
  const a = stage.map((s, i) => (s && t[i] ? { ...(t[i] as Record<Measure, number>), ...s } : null));
  const r = agreement(a, t);
  return { mouth: r.mouth, eyeRight: r.eyeRight, eyeLeft: r.eyeLeft };
}

async function figures(
  outs: RgbaFrame[],
  idFace: PeerFace | null,
  truth: (PeerFace | null)[],
  peer: HumanPeer,
): Promise<RendererFigures> {
  const got = await peerAll(peer, outs);
  const idCos: number[] = [];
  const leak: number[] = [];
  got.forEach((o, i) => {
    const d = truth[i];
    if (!o?.embedding) return;
    if (idFace?.embedding) idCos.push(cosine(o.embedding, idFace.embedding));
    if (d?.embedding) leak.push(cosine(o.embedding, d.embedding));
  });
  const jD = jitter(truth.map((f) => f?.mesh ?? null));
  const jO = jitter(got.map((f) => f?.mesh ?? null));
  return {
    found: r3(got.filter(Boolean).length / outs.length),
    identityCos: r3(mean(idCos)),
    driverCos: r3(mean(leak)),
    r: agreement(peerReadings(got), peerReadings(truth)),
    jitterRatio: r3(jO / jD),
  };
}

export async function crossIdentity(
  idName: string,
  idPath: string,
  driver: string,
  frames: RgbaFrame[],
  truth: (PeerFace | null)[],
  peer: HumanPeer,
  size: number,
  sheetDir?: string,
): Promise<CrossResult> {
  const avatar = await renderPipeline(idPath, frames, size);
  const classic = await renderPipeline(idPath, frames, size, 'classic');
  const idFace = await peer.detect(avatar.identity);
  const plainOuts: RgbaFrame[] = [];
  const plainOursOuts: RgbaFrame[] = [];
  if (idFace) {
    const plain = new PlainWarp(avatar.identity, idFace.mesh);
    for (const t of truth) plainOuts.push(plain.render(t?.mesh ?? null));
    const ours = new PlainWarp(avatar.identity, idFace.mesh);
    for (const l of avatar.landmarks) plainOursOuts.push(ours.render(l));
  }
  const diff: number[] = [];
  for (const d of truth)
    if (idFace?.embedding && d?.embedding) diff.push(cosine(idFace.embedding, d.embedding));
  const s = pairedReadings(peerReadings(truth), peerReadings(truth));
  if (sheetDir) {
    const picks = [0.2, 0.5, 0.8].map((p) => Math.floor(p * (frames.length - 1)));
    await contactSheet(
      join(sheetDir, `cross-${idName}-${driver}.png`),
      [
        picks.map((i) => frames[i]),
        picks.map((i) => avatar.outs[i]),
        picks.map((i) => classic.outs[i]),
        ...(plainOuts.length ? [picks.map((i) => plainOuts[i])] : []),
      ],
      192,
    );
  }
  const nan = Number.NaN;
  const none: RendererFigures = {
    found: 0,
    identityCos: nan,
    driverCos: nan,
    r: agreement([], []),
    jitterRatio: nan,
  };
  return {
    kind: 'cross',
    identity: idName,
    driver,
    frames: frames.length,
    differentPeopleCos: r3(mean(diff)),
    driverStd: { yaw: r3(std(s.a.yaw)), pitch: r3(std(s.a.pitch)), roll: r3(std(s.a.roll)) },
    stages: { tracked: stageR(avatar.tracked, truth), target: stageR(avatar.target, truth) },
    avatar: await figures(avatar.outs, idFace, truth, peer),
    classic: await figures(classic.outs, idFace, truth, peer),
    plain: plainOuts.length ? await figures(plainOuts, idFace, truth, peer) : none,
    plainOurs: plainOursOuts.length ? await figures(plainOursOuts, idFace, truth, peer) : none,
  };
}
