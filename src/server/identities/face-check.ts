// The face half of an identity upload check: exactly one usable face. The detector (BlazeFace) counts the faces;
// the face tracker confirms the largest one with the face mesh and gives its box.

import {
  blazefaceAnchors,
  DETECTOR_SIZE,
  type Detection,
  decodeDetections,
  weightedNms,
} from '../../inference/face/blazeface.ts';
import { cropJs, SIGNED } from '../../inference/face/crop-js.ts';
import { cropToImage } from '../../inference/face/roi.ts';
import { FaceTracker } from '../../inference/face/tracker.ts';
import { ensureModel } from '../../inference/models/registry.ts';
import { createSession, type OnnxSession, ort } from '../../inference/onnx/runtime.ts';
import { AppError } from '../../util/errors.ts';
import type { Box, RgbaFrame } from '../../video/frame.ts';

/** A second face counts when it is at least this fraction of the largest face's width (tiny background faces,
 * e.g. in a painting's scenery, do not make a portrait unusable). */
const SECOND_FACE_MIN_RATIO = 0.35;
const MIN_SCORE = 0.6;

export interface FaceCheckResult {
  /** The face mesh's box, image pixels. */
  box: Box;
  score: number;
  /** Faces the detector found (>= 1; more only when they are small beside the main one). */
  detected: number;
}

export class FaceChecker {
  readonly #detector: OnnxSession;
  readonly #tracker: FaceTracker;
  readonly #anchors = blazefaceAnchors();
  readonly #input = new Float32Array(DETECTOR_SIZE * DETECTOR_SIZE * 3);
  #queue: Promise<unknown> = Promise.resolve();
  #closed = false;

  private constructor(detector: OnnxSession, tracker: FaceTracker) {
    this.#detector = detector;
    this.#tracker = tracker;
  }

  static async create(): Promise<FaceChecker> {
    const detector = await createSession(await ensureModel('blazeface'), { name: 'identity-blazeface' });
    try {
      const tracker = await FaceTracker.create({ smoothing: false });
      return new FaceChecker(detector, tracker);
    } catch (e) {
      await detector.close();
      throw e;
    }
  }

  /** Throws NO_FACE or MULTIPLE_FACES; checks run one at a time (the models are not reentrant). */
  check(image: RgbaFrame, label: string): Promise<FaceCheckResult> {
    const run = this.#queue.then(() => this.#check(image, label));
    this.#queue = run.catch(() => undefined);
    return run;
  }

  async #check(image: RgbaFrame, label: string): Promise<FaceCheckResult> {
    if (this.#closed) throw new AppError('CLOSED', 'face checker is closed');
    const faces = await this.#detect(image);
    if (faces.length === 0) throw new AppError('NO_FACE', `${label}: no face found`);
    const width = (d: Detection) => d.x1 - d.x0;
    const largest = Math.max(...faces.map(width));
    const big = faces.filter((d) => width(d) >= largest * SECOND_FACE_MIN_RATIO);
    if (big.length > 1) {
      throw new AppError(
        'MULTIPLE_FACES',
        `${label}: ${big.length} faces found; use a photo of one person alone`,
      );
    }
    this.#tracker.reset();
    const face = await this.#tracker.track(image, 0);
    this.#tracker.reset();
    if (!face)
      throw new AppError('NO_FACE', `${label}: no usable face found (the face mesh did not confirm it)`);
    return { box: roundBox(face.box, image), score: face.score, detected: faces.length };
  }

  /** All faces the detector finds in the whole image (letterboxed into its square input), image pixels. */
  async #detect(image: RgbaFrame): Promise<Detection[]> {
    const side = Math.max(image.width, image.height);
    const m = cropToImage(
      { cx: image.width / 2, cy: image.height / 2, width: side, height: side, angle: 0 },
      DETECTOR_SIZE,
    );
    cropJs(image, m, DETECTOR_SIZE, SIGNED, this.#input);
    const d = this.#detector;
    const out = await d.run({
      [d.inputNames[0]]: new ort.Tensor('float32', this.#input, [1, DETECTOR_SIZE, DETECTOR_SIZE, 3]),
    });
    const f32 = (name: string) => out[name].data as Float32Array;
    const dets: Detection[] = [];
    decodeDetections(f32('regressors_16'), f32('classificators_16'), this.#anchors, 0, MIN_SCORE, dets);
    decodeDetections(f32('regressors_8'), f32('classificators_8'), this.#anchors, 512, MIN_SCORE, dets);
    const k = m[0];
    return weightedNms(dets, 0.3).map((x) => ({
      ...x,
      x0: k * x.x0 + m[2],
      x1: k * x.x1 + m[2],
      y0: k * x.y0 + m[5],
      y1: k * x.y1 + m[5],
    }));
  }

  /** Idempotent. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await this.#queue;
    await Promise.all([this.#detector.close(), this.#tracker.close()]);
  }
}

function roundBox(b: Box, image: RgbaFrame): Box {
  const x = Math.max(0, Math.round(b.x));
  const y = Math.max(0, Math.round(b.y));
  return {
    x,
    y,
    width: Math.min(image.width - x, Math.round(b.width)),
    height: Math.min(image.height - y, Math.round(b.height)),
  };
}
