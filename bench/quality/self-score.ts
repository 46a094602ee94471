// Self-reenactment scores (identity = a clip's first frame, so the true frame is the answer): SSIM of the face
// box, the mouth and the eyes (boxes from the peer's mesh on the true frame), over every judged frame and
// separately over the frames whose head is turned |yaw| >= TURNED_DEG. The yaw is the project's pose fit on the
// true frame: the peer's own angle reads smaller turns (yaw std over the first 60 frames of d12 / d3: 4.4 / 5.8
// deg against the pose fit's 6.8 / 7.5), so few frames reached 15 deg by it.

import { EYES, FACE_OVAL, OUTER_LIPS } from '../../src/inference/generator/regions.ts';
import type { RgbaFrame } from '../../src/video/frame.ts';
import type { PeerFace } from '../peer/human.ts';
import { landmarkBox, mean, psnr, r3, ssim } from '../quality-metrics.ts';

export const TURNED_DEG = 15;

interface Acc {
  face: number[];
  mouth: number[];
  eyes: number[];
  psnr: number[];
}

export class SelfScorer {
  readonly #all: Acc = { face: [], mouth: [], eyes: [], psnr: [] };
  readonly #turned: Acc = { face: [], mouth: [], eyes: [], psnr: [] };

  /** Scores `out` against the true frame `truth` whose peer reading is `face` (skipped when null); `yaw` in deg. */
  add(out: RgbaFrame, truth: RgbaFrame, face: PeerFace | null, yaw: number): void {
    if (!face) return;
    const faceBox = landmarkBox(face.mesh, FACE_OVAL, 0);
    const mouthBox = landmarkBox(face.mesh, OUTER_LIPS, 0.25);
    const eyeBoxes = EYES.map((e) => landmarkBox(face.mesh, e.ring, 0.35));
    const v = {
      face: ssim(out, truth, faceBox),
      mouth: ssim(out, truth, mouthBox),
      eyes: mean(eyeBoxes.map((b) => ssim(out, truth, b))),
      psnr: psnr(out, truth),
    };
    const accs = Math.abs(yaw) >= TURNED_DEG ? [this.#all, this.#turned] : [this.#all];
    for (const a of accs) for (const k of ['face', 'mouth', 'eyes', 'psnr'] as const) a[k].push(v[k]);
  }

  /** Merges another scorer's frames into this one (a mean over clips weighted by frames). */
  merge(o: SelfScorer): void {
    for (const [a, b] of [
      [this.#all, o.#all],
      [this.#turned, o.#turned],
    ] as const)
      for (const k of ['face', 'mouth', 'eyes', 'psnr'] as const) a[k].push(...b[k]);
  }

  summary() {
    const s = (a: Acc) => ({
      frames: a.face.length,
      face: r3(mean(a.face)),
      mouth: r3(mean(a.mouth)),
      eyes: r3(mean(a.eyes)),
      psnr: r3(mean(a.psnr)),
    });
    return { ...s(this.#all), turned: s(this.#turned) };
  }
}
