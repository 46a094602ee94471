// Quality of the avatar and eye-contact output, measured with an independent peer (@vladmandic/human on TF.js),
// frames matched by index. Prints JSON lines:
//   {"bench":"quality","kind":"self",...}   self-reenactment (identity = the clip's first frame): SSIM of face box,
//                                            mouth and eyes (all frames, and the turned ones |yaw| >= 15) for the
//                                            avatar, the classic renderer, the plain-warp reference, repeating the
//                                            first frame (the floor) and the generator at the frame's own tracked
//                                            key-points (no re-enactment: the warp's ceiling).
//   {"bench":"quality","kind":"cross",...}  identity x driver, the avatar vs the classic renderer vs the plain-warp
//                                            reference (quality/plain-warp.ts, the floor): identity cosine,
//                                            driver-identity leak, Pearson r of yaw/pitch/roll/mouth/each eye's
//                                            opening vs the driver, face found, jitter ratio; and the avatar's
//                                            motion at the tracked landmarks and the target key-points (stages).
//   {"bench":"quality","kind":"driver-stages",...}  per driver, r of the unsmoothed tracker's mouth and eye
//                                            openings against the peer's (what tracking alone loses).
//   {"bench":"quality","kind":"eyes",...}   eye contact on the live frame, with the default policy and forced to full
//                                            strength: the gaze-to-camera angle judged on the peer's mesh before and
//                                            after, and how much of our iris shift the peer sees.
//   {"bench":"quality","kind":"peer-repeat",...}  per driver, the peer's own repeatability: r between its
//                                            readings of the frames and of the same frames zoomed 6%. No output
//                                            can correlate with the peer's driver readings better than that, so
//                                            the cross-mean also averages each r over the drivers where it is
//                                            >= 0.9 (the drivers that move enough for the peer to follow).
// Options: --self / --cross / --eyes (default: all), --ids s0,s3 --drivers d0,d3 --frames N --size 256|512
//          --sheet DIR (contact sheets driver | output)
import { mkdirSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { FaceTracker } from '../src/inference/face/tracker.ts';
import { readMjpeg } from '../src/util/mjpeg.ts';
import { FIXTURES_DIR } from '../src/util/paths.ts';
import type { RgbaFrame } from '../src/video/frame.ts';
import { decodeImage } from '../src/video/image.ts';
import { createHumanPeer, type PeerFace } from './peer/human.ts';
import { type CrossResult, crossIdentity, RENDERERS } from './quality/cross.ts';
import { eyeContact } from './quality/eyes.ts';
import {
  agreement,
  MEASURES,
  type Measure,
  meshReadings,
  peerAll,
  peerReadings,
  reframed,
} from './quality/peer-series.ts';
import { SELF_KINDS, type SelfKind, selfScores } from './quality/self.ts';
import { SelfScorer } from './quality/self-score.ts';
import { mean, r3 } from './quality-metrics.ts';

const emit = (o: Record<string, unknown>) =>
  process.stdout.write(`${JSON.stringify({ bench: 'quality', ...o })}\n`);

/** r of the unsmoothed tracker's mouth and eye openings against the peer's driver readings. */
async function driverStages(frames: readonly RgbaFrame[], truth: (PeerFace | null)[]) {
  const tracker = await FaceTracker.create({ smoothing: false });
  try {
    const t = peerReadings(truth);
    const ours = [];
    for (let i = 0; i < frames.length; i++) {
      const f = await tracker.track(frames[i], (i * 1000) / 25);
      ours.push(f && t[i] ? { ...(t[i] as Record<Measure, number>), ...meshReadings(f.landmarks) } : null);
    }
    const r = agreement(ours, t);
    return { mouth: r.mouth, eyeRight: r.eyeRight, eyeLeft: r.eyeLeft };
  } finally {
    await tracker.close();
  }
}

function crossMean(crossRes: CrossResult[], repeats: Map<string, Record<Measure, number>>) {
  const followed = (k: Measure) => crossRes.filter((r) => (repeats.get(r.driver)?.[k] ?? 0) >= 0.9);
  const per = (get: (r: CrossResult) => number, rows = crossRes) => r3(mean(rows.map(get)));
  const out: Record<string, unknown> = { kind: 'cross-mean', pairs: crossRes.length };
  for (const name of RENDERERS) {
    const f = (r: CrossResult) => r[name];
    out[name] = {
      found: per((r) => f(r).found),
      identityCos: per((r) => f(r).identityCos),
      driverCos: per((r) => f(r).driverCos),
      jitterRatio: per((r) => f(r).jitterRatio),
      r: Object.fromEntries(MEASURES.map((k) => [k, per((r) => f(r).r[k])])),
      // Means over the drivers the peer follows in that measure (its repeatability >= 0.9).
      followed: Object.fromEntries(MEASURES.map((k) => [k, per((r) => f(r).r[k], followed(k))])),
    };
  }
  // Pairs where the avatar's r falls below the plain warp's by more than 0.02, per measure.
  out.avatarBelowPlain = Object.fromEntries(
    MEASURES.map((k) => [k, crossRes.filter((r) => r.avatar.r[k] < r.plain.r[k] - 0.02).length]),
  );
  out.followedDrivers = Object.fromEntries(
    MEASURES.map((k) => [k, [...new Set(followed(k).map((r) => r.driver))]]),
  );
  out.differentPeopleCos = per((r) => r.differentPeopleCos);
  return out;
}

export async function run(args: string[]): Promise<void> {
  const { values } = parseArgs({
    args,
    options: {
      self: { type: 'boolean' },
      cross: { type: 'boolean' },
      eyes: { type: 'boolean' },
      ids: { type: 'string' },
      drivers: { type: 'string' },
      frames: { type: 'string' },
      size: { type: 'string', default: '256' },
      sheet: { type: 'string' },
      json: { type: 'boolean' },
    },
  });
  const all = !values.self && !values.cross && !values.eyes;
  const list = (dir: string, ext: string) =>
    readdirSync(join(FIXTURES_DIR, dir))
      .filter((f) => f.endsWith(ext))
      .map((f) => f.slice(0, -ext.length))
      .sort();
  const driverNames = values.drivers?.split(',') ?? list('drivers', '.mjpeg');
  const idNames = values.ids?.split(',') ?? list('identities', '.jpg');
  const maxFrames = values.frames ? Number(values.frames) : Infinity;
  if (values.sheet) mkdirSync(values.sheet, { recursive: true });
  const size = Number(values.size);
  const peer = await createHumanPeer({ embedding: true, detectEveryFrame: true });
  const selfAll = Object.fromEntries(SELF_KINDS.map((k) => [k, new SelfScorer()])) as Record<
    SelfKind,
    SelfScorer
  >;
  let selfClips = 0;
  const crossRes: CrossResult[] = [];
  const repeats = new Map<string, Record<Measure, number>>();
  try {
    for (const d of driverNames) {
      const jpegs = readMjpeg(join(FIXTURES_DIR, 'drivers', `${d}.mjpeg`)).slice(0, maxFrames);
      const frames: RgbaFrame[] = [];
      for (const j of jpegs) frames.push(await decodeImage(j));
      const truth = await peerAll(peer, frames);
      if (all || values.self) {
        const scores = await selfScores(
          frames,
          25,
          truth,
          values.sheet ? { dir: values.sheet, name: d } : undefined,
        );
        emit({
          kind: 'self',
          driver: d,
          frames: frames.length,
          ...Object.fromEntries(SELF_KINDS.map((k) => [k, scores[k].summary()])),
        });
        for (const k of SELF_KINDS) selfAll[k].merge(scores[k]);
        selfClips++;
      }
      if (all || values.cross) {
        const repeat = agreement(
          peerReadings(truth),
          peerReadings(await peerAll(peer, await reframed(frames))),
        );
        repeats.set(d, repeat);
        emit({ kind: 'peer-repeat', driver: d, ...repeat });
        emit({ kind: 'driver-stages', driver: d, trackedRaw: await driverStages(frames, truth) });
        for (const id of idNames) {
          const res = await crossIdentity(
            id,
            join(FIXTURES_DIR, 'identities', `${id}.jpg`),
            d,
            frames,
            truth,
            peer,
            size,
            values.sheet,
          );
          emit({ ...res });
          crossRes.push(res);
        }
      }
      if (all || values.eyes)
        for (const forced of [false, true]) emit({ ...(await eyeContact(d, frames, truth, peer, forced)) });
    }
  } finally {
    await peer.close();
  }
  if (selfClips)
    emit({
      kind: 'self-mean',
      clips: selfClips,
      ...Object.fromEntries(SELF_KINDS.map((k) => [k, selfAll[k].summary()])),
    });
  if (crossRes.length) emit(crossMean(crossRes, repeats));
}
