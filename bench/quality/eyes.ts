// Eye contact on the live frame, judged on the peer's mesh: the gaze-to-camera angle before and after, with the
// default policy and forced to full strength, and how much of our iris shift the peer sees.

import { EYES } from '../../src/inference/generator/regions.ts';
import { FaceAnalyzer } from '../../src/inference/geometry/analyzer.ts';
import { FramePipeline } from '../../src/inference/pipeline/pipeline.ts';
import type { RgbaFrame } from '../../src/video/frame.ts';
import { type HumanPeer, type PeerFace, unmirroredIris } from '../peer/human.ts';
import { landmarkBox, mean, r3 } from '../quality-metrics.ts';

/**
 * Eye contact, judged on the peer's mesh (its right iris un-mirrored): the angle between the gaze and the
 * camera (the eyeball model run on the peer's landmarks, so the head's pose is accounted for) in the input and
 * the output, split by the policy's strength, and how much of the iris shift we drew the peer sees (slope
 * through zero of its iris displacement on ours, per eye and axis). `forced` widens the policy's band to 90 deg
 * so every open-eyed frame is fully redirected: the fixture drivers mostly look into the camera or far away, so
 * the default policy moves their irises by about a pixel.
 */
export async function eyeContact(
  driver: string,
  frames: RgbaFrame[],
  truth: (PeerFace | null)[],
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
      const d = truth[i];
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
    return res;
  } finally {
    await pipeline.close();
  }
}
