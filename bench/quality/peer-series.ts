// What the peer reads on a face, as series over a clip: head angles, mouth opening and each eye's opening, and
// their agreement (Pearson r) between two readings of the same frames (a driver and an output, or a driver and
// the driver zoomed: the peer's own repeatability).
import sharp from 'sharp';
import type { RgbaFrame } from '../../src/video/frame.ts';
import type { HumanPeer, PeerFace } from '../peer/human.ts';
import { eyeOpen, eyeOpenLeft, eyeOpenRight, mouthOpen, pearson, r3 } from '../quality-metrics.ts';

export const MEASURES = ['yaw', 'pitch', 'roll', 'mouth', 'eyes', 'eyeRight', 'eyeLeft'] as const;
export type Measure = (typeof MEASURES)[number];
export type Series = Record<Measure, number[]>;

/** The face measures of a 478-point mesh in MediaPipe order (the peer's, ours, or target key-points). */
export function meshReadings(
  m: ArrayLike<number>,
): Pick<Record<Measure, number>, 'mouth' | 'eyes' | 'eyeRight' | 'eyeLeft'> {
  return { mouth: mouthOpen(m), eyes: eyeOpen(m), eyeRight: eyeOpenRight(m), eyeLeft: eyeOpenLeft(m) };
}

export function readings(f: PeerFace): Record<Measure, number> {
  return { yaw: f.angles.yaw, pitch: f.angles.pitch, roll: f.angles.roll, ...meshReadings(f.mesh) };
}

const emptySeries = (): Series => Object.fromEntries(MEASURES.map((k) => [k, [] as number[]])) as Series;

/** Each measure's series from two readings of the same frames, over the frames read in both. */
export function pairedReadings(
  a: readonly (Record<Measure, number> | null)[],
  b: readonly (Record<Measure, number> | null)[],
): { a: Series; b: Series } {
  const out = { a: emptySeries(), b: emptySeries() };
  a.forEach((ra, i) => {
    const rb = b[i];
    if (!ra || !rb) return;
    for (const k of MEASURES) {
      out.a[k].push(ra[k]);
      out.b[k].push(rb[k]);
    }
  });
  return out;
}

/** Pearson r of every measure between two readings of the same frames (frames read in both). */
export function agreement(
  a: readonly (Record<Measure, number> | null)[],
  b: readonly (Record<Measure, number> | null)[],
): Record<Measure, number> {
  const s = pairedReadings(a, b);
  return Object.fromEntries(MEASURES.map((k) => [k, r3(pearson(s.a[k], s.b[k]))])) as Record<Measure, number>;
}

export const peerReadings = (faces: readonly (PeerFace | null)[]) =>
  faces.map((f) => (f ? readings(f) : null));

export async function peerAll(peer: HumanPeer, frames: readonly RgbaFrame[]): Promise<(PeerFace | null)[]> {
  const out: (PeerFace | null)[] = [];
  for (const f of frames) out.push(await peer.detect(f));
  return out;
}

/** The frames zoomed 6% about their centre: the same head and face, other pixels for the peer to read. */
export async function reframed(frames: readonly RgbaFrame[]): Promise<RgbaFrame[]> {
  const out: RgbaFrame[] = [];
  for (const f of frames) {
    const m = Math.round(Math.min(f.width, f.height) * 0.03);
    const data = await sharp(f.data, { raw: { width: f.width, height: f.height, channels: 4 } })
      .extract({ left: m, top: m, width: f.width - 2 * m, height: f.height - 2 * m })
      .resize(f.width, f.height)
      .raw()
      .toBuffer();
    out.push({ format: 'rgba', width: f.width, height: f.height, data: new Uint8Array(data) });
  }
  return out;
}
