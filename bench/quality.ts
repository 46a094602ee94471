// Quality of the avatar and eye-contact output, measured with an independent peer (@vladmandic/human on TF.js),
// frames matched by index. Prints JSON lines:
//   {"bench":"quality","kind":"self",...}   self-reenactment (identity = the clip's first frame): SSIM of face box,
//                                            mouth and eyes, whole-frame SSIM/PSNR, and the same for simply repeating
//                                            the first frame (the floor) and for the generator driven by the
//                                            driver's own tracked key-points (no re-enactment: the warp's ceiling).
//   {"bench":"quality","kind":"cross",...}  identity x driver: identity cosine, driver-identity leak, Pearson r of
//                                            yaw/pitch/roll/mouth/eye opening vs the driver, face found %, jitter ratio.
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
import sharp from 'sharp';
import { planarToRgba } from '../src/inference/generator/planar.ts';
import { EYES, FACE_OVAL, OUTER_LIPS } from '../src/inference/generator/regions.ts';
import { FaceAnalyzer } from '../src/inference/geometry/analyzer.ts';
import { FramePipeline } from '../src/inference/pipeline/pipeline.ts';
import { readMjpeg } from '../src/util/mjpeg.ts';
import { FIXTURES_DIR } from '../src/util/paths.ts';
import type { RgbaFrame } from '../src/video/frame.ts';
import { decodeImage } from '../src/video/image.ts';
import { contactSheet } from './contact-sheet.ts';
import { createHumanPeer, type HumanPeer, type PeerFace, unmirroredIris } from './peer/human.ts';
import {
  cosine,
  eyeOpen,
  jitter,
  landmarkBox,
  mean,
  mouthOpen,
  pearson,
  psnr,
  type Region,
  r3,
  ssim,
  std,
} from './quality-metrics.ts';

const emit = (o: Record<string, unknown>) =>
  process.stdout.write(`${JSON.stringify({ bench: 'quality', ...o })}\n`);

/** The frames zoomed 6% about their centre: the same head and face, other pixels for the peer to read. */
async function reframed(frames: readonly RgbaFrame[]): Promise<RgbaFrame[]> {
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

const MEASURES = ['yaw', 'pitch', 'roll', 'mouth', 'eyes'] as const;
type Measure = (typeof MEASURES)[number];

function readings(f: PeerFace): Record<Measure, number> {
  return {
    yaw: f.angles.yaw,
    pitch: f.angles.pitch,
    roll: f.angles.roll,
    mouth: mouthOpen(f.mesh),
    eyes: eyeOpen(f.mesh),
  };
}

/** Each measure's series from two peer readings of the same frames, over the frames found in both. */
function pairedReadings(
  a: (PeerFace | null)[],
  b: (PeerFace | null)[],
): { a: Record<Measure, number[]>; b: Record<Measure, number[]> } {
  const series = () =>
    Object.fromEntries(MEASURES.map((k) => [k, [] as number[]])) as Record<Measure, number[]>;
  const out = { a: series(), b: series() };
  a.forEach((fa, i) => {
    const fb = b[i];
    if (!fa || !fb) return;
    const ra = readings(fa);
    const rb = readings(fb);
    for (const k of MEASURES) {
      out.a[k].push(ra[k]);
      out.b[k].push(rb[k]);
    }
  });
  return out;
}

/** Pearson r of each measure between two peer readings of the same frames (frames found in both). */
function repeatability(a: (PeerFace | null)[], b: (PeerFace | null)[]): Record<Measure, number> {
  const s = pairedReadings(a, b);
  return Object.fromEntries(MEASURES.map((k) => [k, r3(pearson(s.a[k], s.b[k]))])) as Record<Measure, number>;
}

async function peerAll(peer: HumanPeer, frames: readonly RgbaFrame[]): Promise<(PeerFace | null)[]> {
  const out: (PeerFace | null)[] = [];
  for (const f of frames) out.push(await peer.detect(f));
  return out;
}

async function selfReenactment(driver: string, frames: RgbaFrame[], peer: HumanPeer, sheetDir?: string) {
  const size = frames[0].width;
  const pipeline = await FramePipeline.create({ size, framing: 'full' });
  try {
    const identity = await pipeline.setIdentity([frames[0]]);
    const outs: RgbaFrame[] = [];
    const tracked: (RgbaFrame | null)[] = [];
    // Frames on the clip's 25 fps clock (as the render CLI does), not the bench's own pace: smoothing and the
    // neutral-face sampling are time-based.
    for (let i = 0; i < frames.length; i++) {
      const r = await pipeline.process(frames[i], 'avatar', (i * 1000) / 25);
      outs.push(r.frame as RgbaFrame);
      // The same generator with the frame's own key-points as the target: what is lost here is the warp's, not
      // the re-enactment's (identity = frame 0, so the target needs no retargeting).
      tracked.push(
        r.face
          ? planarToRgba(await identity.renderer.render(Float32Array.from(r.face.landmarks)), size, size)
          : null,
      );
    }
    const truth = await peerAll(peer, frames);
    const acc = {
      face: [] as number[],
      mouth: [] as number[],
      eyes: [] as number[],
      whole: [] as number[],
      psnr: [] as number[],
    };
    const rep = { face: [] as number[], mouth: [] as number[], eyes: [] as number[] };
    const ceil = { face: [] as number[], mouth: [] as number[], eyes: [] as number[] };
    for (let i = 1; i < frames.length; i++) {
      const t = truth[i];
      if (!t) continue;
      const regions: Record<'face' | 'mouth', Region> = {
        face: landmarkBox(t.mesh, FACE_OVAL, 0),
        mouth: landmarkBox(t.mesh, OUTER_LIPS, 0.25),
      };
      const eyeBoxes = EYES.map((e) => landmarkBox(t.mesh, e.ring, 0.35));
      acc.face.push(ssim(outs[i], frames[i], regions.face));
      acc.mouth.push(ssim(outs[i], frames[i], regions.mouth));
      acc.eyes.push(mean(eyeBoxes.map((b) => ssim(outs[i], frames[i], b))));
      acc.whole.push(ssim(outs[i], frames[i]));
      acc.psnr.push(psnr(outs[i], frames[i]));
      rep.face.push(ssim(frames[0], frames[i], regions.face));
      rep.mouth.push(ssim(frames[0], frames[i], regions.mouth));
      rep.eyes.push(mean(eyeBoxes.map((b) => ssim(frames[0], frames[i], b))));
      const c = tracked[i];
      if (c) {
        ceil.face.push(ssim(c, frames[i], regions.face));
        ceil.mouth.push(ssim(c, frames[i], regions.mouth));
        ceil.eyes.push(mean(eyeBoxes.map((b) => ssim(c, frames[i], b))));
      }
    }
    if (sheetDir) {
      const picks = [0.15, 0.35, 0.55, 0.75, 0.95].map((p) => Math.floor(p * (frames.length - 1)));
      await contactSheet(
        join(sheetDir, `self-${driver}.png`),
        picks.map((i) => [frames[i], outs[i]]),
        192,
      );
    }
    const res = {
      kind: 'self',
      driver,
      frames: frames.length,
      ssimFace: r3(mean(acc.face)),
      ssimMouth: r3(mean(acc.mouth)),
      ssimEyes: r3(mean(acc.eyes)),
      ssimWhole: r3(mean(acc.whole)),
      psnr: r3(mean(acc.psnr)),
      repeatFirst: {
        ssimFace: r3(mean(rep.face)),
        ssimMouth: r3(mean(rep.mouth)),
        ssimEyes: r3(mean(rep.eyes)),
      },
      trackedTarget: {
        ssimFace: r3(mean(ceil.face)),
        ssimMouth: r3(mean(ceil.mouth)),
        ssimEyes: r3(mean(ceil.eyes)),
      },
    };
    emit(res);
    return res;
  } finally {
    await pipeline.close();
  }
}

interface DriverTruth {
  faces: (PeerFace | null)[];
}

async function crossIdentity(
  idName: string,
  idPath: string,
  driver: string,
  frames: RgbaFrame[],
  truth: DriverTruth,
  peer: HumanPeer,
  size: number,
  sheetDir?: string,
) {
  const pipeline = await FramePipeline.create({ size });
  try {
    const identity = await pipeline.setIdentity([idPath]);
    const idFace = await peer.detect(identity.photos[0].rgba);
    const outs: RgbaFrame[] = [];
    for (let i = 0; i < frames.length; i++)
      outs.push((await pipeline.process(frames[i], 'avatar', (i * 1000) / 25)).frame as RgbaFrame);
    const got = await peerAll(peer, outs);
    const s = pairedReadings(got, truth.faces);
    const idCos: number[] = [];
    const leak: number[] = [];
    const diff: number[] = [];
    for (let i = 0; i < frames.length; i++) {
      const o = got[i];
      const d = truth.faces[i];
      if (!o || !d) continue;
      if (o.embedding && idFace?.embedding) idCos.push(cosine(o.embedding, idFace.embedding));
      if (o.embedding && d.embedding) leak.push(cosine(o.embedding, d.embedding));
      if (idFace?.embedding && d.embedding) diff.push(cosine(idFace.embedding, d.embedding));
    }
    if (sheetDir) {
      const picks = [0.2, 0.5, 0.8].map((p) => Math.floor(p * (frames.length - 1)));
      await contactSheet(
        join(sheetDir, `cross-${idName}-${driver}.png`),
        [picks.map((i) => frames[i]), picks.map((i) => outs[i])],
        192,
      );
    }
    const jD = jitter(truth.faces.map((f) => f?.mesh ?? null));
    const jO = jitter(got.map((f) => f?.mesh ?? null));
    const res = {
      kind: 'cross',
      identity: idName,
      driver,
      frames: frames.length,
      found: r3(got.filter(Boolean).length / frames.length),
      identityCos: r3(mean(idCos)),
      driverCos: r3(mean(leak)),
      differentPeopleCos: r3(mean(diff)),
      rYaw: r3(pearson(s.a.yaw, s.b.yaw)),
      rPitch: r3(pearson(s.a.pitch, s.b.pitch)),
      rRoll: r3(pearson(s.a.roll, s.b.roll)),
      rMouth: r3(pearson(s.a.mouth, s.b.mouth)),
      rEyes: r3(pearson(s.a.eyes, s.b.eyes)),
      driverStd: { yaw: r3(std(s.b.yaw)), pitch: r3(std(s.b.pitch)), roll: r3(std(s.b.roll)) },
      jitterRatio: r3(jO / jD),
    };
    emit(res);
    return res;
  } finally {
    await pipeline.close();
  }
}

/**
 * Eye contact, judged on the peer's mesh (its right iris un-mirrored): the angle between the gaze and the
 * camera (the eyeball model run on the peer's landmarks, so the head's pose is accounted for) in the input and
 * the output, split by the policy's strength, and how much of the iris shift we drew the peer sees (slope
 * through zero of its iris displacement on ours, per eye and axis). `forced` widens the policy's band to 90 deg
 * so every open-eyed frame is fully redirected: the fixture drivers mostly look into the camera or far away, so
 * the default policy moves their irises by about a pixel.
 */
async function eyeContact(
  driver: string,
  frames: RgbaFrame[],
  truth: DriverTruth,
  peer: HumanPeer,
  forced: boolean,
) {
  const pipeline = await FramePipeline.create(forced ? { eyeContact: { fullDeg: 90, noneDeg: 120 } } : {});
  // One analyzer per stream: each keeps its own neutral face and iris size.
  const judgeIn = new FaceAnalyzer();
  const judgeOut = new FaceAnalyzer();
  const cameraAngle = (judge: FaceAnalyzer, mesh: Float32Array, w: number, h: number, tMs: number) => {
    const g = judge.analyze(mesh, w, h, tMs).gaze;
    return mean([g.left, g.right].filter((e) => e.open).map((e) => e.cameraAngle));
  };
  try {
    const angle = {
      full: { before: [] as number[], after: [] as number[] },
      partial: { before: [] as number[], after: [] as number[] },
    };
    // Per eye (EYES order): [ours dx, ours dy, seen dx, seen dy] of every judged frame.
    const shifts: number[][][] = EYES.map(() => []);
    let redirected = 0;
    let untouchedOutside = 0;
    let checked = 0;
    for (let i = 0; i < frames.length; i++) {
      const t = (i * 1000) / 25;
      const r = await pipeline.process(frames[i], 'eyes', t);
      if (!r.redirect || r.redirect.weight === 0 || !r.face || !r.target) continue;
      redirected++;
      const d = truth.faces[i];
      const o = await peer.detect(r.frame as RgbaFrame);
      if (!d || !o) continue;
      const dm = unmirroredIris(d.mesh);
      const om = unmirroredIris(o.mesh);
      const band = r.redirect.weight >= 0.99 ? angle.full : angle.partial;
      band.before.push(cameraAngle(judgeIn, dm, frames[i].width, frames[i].height, t));
      band.after.push(cameraAngle(judgeOut, om, frames[i].width, frames[i].height, t));
      const lm = r.face.landmarks;
      const tg = r.target;
      EYES.forEach((e, k) => {
        const j = 3 * e.iris;
        shifts[k].push([tg[j] - lm[j], tg[j + 1] - lm[j + 1], om[j] - dm[j], om[j + 1] - dm[j + 1]]);
      });
      // Pixels outside the eye crop must be byte-identical.
      const a = frames[i].data;
      const b = (r.frame as RgbaFrame).data;
      checked++;
      let same = true;
      const box = landmarkBox(d.mesh, [...EYES[0].ring, ...EYES[1].ring], 0.6);
      for (let p = 0; p < a.length; p += 4) {
        const x = (p / 4) % frames[i].width;
        const y = Math.floor(p / 4 / frames[i].width);
        if (x >= box.x0 && x < box.x1 && y >= box.y0 && y < box.y1) continue;
        if (a[p] !== b[p] || a[p + 1] !== b[p + 1] || a[p + 2] !== b[p + 2]) {
          same = false;
          break;
        }
      }
      if (same) untouchedOutside++;
    }
    const slope = (rows: number[][], ours: number, seen: number) => {
      let xy = 0;
      let xx = 0;
      for (const r of rows) {
        xy += r[ours] * r[seen];
        xx += r[ours] * r[ours];
      }
      return xx > 0 ? r3(xy / xx) : null;
    };
    const band = (b: { before: number[]; after: number[] }) => ({
      frames: b.before.length,
      before: r3(mean(b.before)),
      after: r3(mean(b.after)),
    });
    const res = {
      kind: 'eyes',
      policy: forced ? 'forced' : 'default',
      driver,
      frames: frames.length,
      redirectedFrames: redirected,
      cameraAngleDeg: { full: band(angle.full), partial: band(angle.partial) },
      irisShiftPx: EYES.map((_, k) => r3(mean(shifts[k].map((r) => Math.hypot(r[0], r[1]))))),
      irisShiftSeen: EYES.map((_, k) => ({ x: slope(shifts[k], 0, 2), y: slope(shifts[k], 1, 3) })),
      untouchedOutsideEyes: checked ? r3(untouchedOutside / checked) : null,
    };
    emit(res);
    return res;
  } finally {
    await pipeline.close();
  }
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
  const driverNames =
    values.drivers?.split(',') ??
    readdirSync(join(FIXTURES_DIR, 'drivers'))
      .map((f) => f.replace(/\.mjpeg$/, ''))
      .sort();
  const idNames =
    values.ids?.split(',') ??
    readdirSync(join(FIXTURES_DIR, 'identities'))
      .map((f) => f.replace(/\.jpg$/, ''))
      .sort();
  const maxFrames = values.frames ? Number(values.frames) : Infinity;
  if (values.sheet) mkdirSync(values.sheet, { recursive: true });
  const size = Number(values.size);
  const peer = await createHumanPeer({ embedding: true, detectEveryFrame: true });
  const selfRes: Awaited<ReturnType<typeof selfReenactment>>[] = [];
  const crossRes: Awaited<ReturnType<typeof crossIdentity>>[] = [];
  const repeats = new Map<string, Record<Measure, number>>();
  try {
    for (const d of driverNames) {
      const jpegs = readMjpeg(join(FIXTURES_DIR, 'drivers', `${d}.mjpeg`)).slice(0, maxFrames);
      const frames: RgbaFrame[] = [];
      for (const j of jpegs) frames.push(await decodeImage(j));
      if (all || values.self) selfRes.push(await selfReenactment(d, frames, peer, values.sheet));
      if (all || values.cross || values.eyes) {
        const truth = { faces: await peerAll(peer, frames) };
        if (all || values.cross) {
          const repeat = repeatability(truth.faces, await peerAll(peer, await reframed(frames)));
          repeats.set(d, repeat);
          emit({ kind: 'peer-repeat', driver: d, ...repeat });
        }
        if (all || values.eyes)
          for (const forced of [false, true]) await eyeContact(d, frames, truth, peer, forced);
        if (all || values.cross)
          for (const id of idNames)
            crossRes.push(
              await crossIdentity(
                id,
                join(FIXTURES_DIR, 'identities', `${id}.jpg`),
                d,
                frames,
                truth,
                peer,
                size,
                values.sheet,
              ),
            );
      }
    }
  } finally {
    await peer.close();
  }
  if (selfRes.length)
    emit({
      kind: 'self-mean',
      ssimFace: r3(mean(selfRes.map((r) => r.ssimFace))),
      ssimMouth: r3(mean(selfRes.map((r) => r.ssimMouth))),
      ssimEyes: r3(mean(selfRes.map((r) => r.ssimEyes))),
      ssimWhole: r3(mean(selfRes.map((r) => r.ssimWhole))),
      repeatFirst: {
        ssimFace: r3(mean(selfRes.map((r) => r.repeatFirst.ssimFace))),
        ssimMouth: r3(mean(selfRes.map((r) => r.repeatFirst.ssimMouth))),
        ssimEyes: r3(mean(selfRes.map((r) => r.repeatFirst.ssimEyes))),
      },
      trackedTarget: {
        ssimFace: r3(mean(selfRes.map((r) => r.trackedTarget.ssimFace))),
        ssimMouth: r3(mean(selfRes.map((r) => r.trackedTarget.ssimMouth))),
        ssimEyes: r3(mean(selfRes.map((r) => r.trackedTarget.ssimEyes))),
      },
    });
  if (crossRes.length) {
    const keys = [
      'found',
      'identityCos',
      'driverCos',
      'differentPeopleCos',
      'rYaw',
      'rPitch',
      'rRoll',
      'rMouth',
      'rEyes',
      'jitterRatio',
    ] as const;
    const rKey = { yaw: 'rYaw', pitch: 'rPitch', roll: 'rRoll', mouth: 'rMouth', eyes: 'rEyes' } as const;
    const followed = (k: Measure) => crossRes.filter((r) => (repeats.get(r.driver)?.[k] ?? 0) >= 0.9);
    emit({
      kind: 'cross-mean',
      ...Object.fromEntries(keys.map((k) => [k, r3(mean(crossRes.map((r) => r[k])))])),
      // Means over the drivers the peer follows in that measure (its repeatability >= 0.9), and which those are.
      followed: Object.fromEntries(
        MEASURES.map((k) => [
          k,
          {
            r: r3(mean(followed(k).map((r) => r[rKey[k]]))),
            drivers: [...new Set(followed(k).map((r) => r.driver))],
          },
        ]),
      ),
    });
  }
}
