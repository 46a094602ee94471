// FaceTracker: a camera frame -> 478 face landmarks (468 mesh + 2 x 5 iris, MediaPipe indexing) in image pixels.
// The detector runs only when no face is being tracked; otherwise the face-mesh crop comes from the last
// landmarks, turned with the eye line (as MediaPipe does). The mesh's face-presence score decides when tracking
// is lost. Each eye is cropped along its corners and refined by the iris model; its 71 contour points replace
// the mesh's eye points and its 5 iris points become 468-477.
import { performance } from 'node:perf_hooks';
import { AppError } from '../../util/errors.ts';
import { createLogger } from '../../util/logger.ts';
import type { Box, Frame } from '../../video/frame.ts';
import { type FaceResult, LANDMARK_COUNT, LEFT_IRIS, RIGHT_IRIS } from '../face-result.ts';
import { ensureModel } from '../models/registry.ts';
import { type OnnxSession, SessionGroup } from '../onnx/runtime.ts';
import {
  blazefaceAnchors,
  DETECTOR_SIZE,
  type Detection,
  decodeDetections,
  weightedNms,
} from './blazeface.ts';
import { SIGNED, UNIT } from './crop-js.ts';
import { type CropBackend, type Cropper, createCropper } from './cropper.ts';
import {
  contourToMesh,
  EYE_CONTOUR_COUNT,
  EYE_CORNERS,
  EYE_LID_CENTRE,
  IRIS_POINTS,
} from './eye-contours.ts';
import { OneEuroFilter, type OneEuroOptions } from './one-euro.ts';
import { cropToImage, mapPoints, type Roi, roiFromPoints, roiFromSegment } from './roi.ts';

const log = createLogger('inference:tracker');

const MESH_SIZE = 192;
const IRIS_SIZE = 64;
const MESH_POINTS = 468;

export interface FaceTrackerOptions {
  /** Minimum detector score for a new face. Default 0.5. */
  minDetectionScore?: number;
  /** Face-mesh presence score below which tracking is lost. Default 0.5. */
  minPresenceScore?: number;
  /** One Euro smoothing of the landmarks: true (defaults), false, or filter settings. Default true. */
  smoothing?: boolean | OneEuroOptions;
  /** Crop of the face mesh, as a multiple of the landmarks' extent. Default 1.5 (MediaPipe's). */
  meshScale?: number;
  /** Crop of each eye, as a multiple of its corner distance. Default 2.3. */
  irisScale?: number;
  /** Threads per onnxruntime session (default: runtime's ORT_THREADS / 1). */
  intraOpThreads?: number;
  /** Where crops run: 'js' (default; faster on the CPU provider, see bench/crop.ts) or 'onnx' (GridSample graph). */
  crop?: CropBackend;
}

/** Smoothing defaults for live use: speeds are in face widths per second. */
const SMOOTHING: OneEuroOptions = { minCutoff: 1, beta: 20, dCutoff: 1 };

export class FaceTracker {
  readonly #group: SessionGroup;
  readonly #detector: OnnxSession;
  readonly #mesh: OnnxSession;
  readonly #iris: OnnxSession;
  readonly #anchors = blazefaceAnchors();
  readonly #minDetection: number;
  readonly #minPresence: number;
  readonly #meshScale: number;
  readonly #irisScale: number;
  readonly #filter: OneEuroFilter | null;
  readonly #detCrop: Cropper;
  readonly #meshCrop: Cropper;
  readonly #irisCrop: Cropper;
  readonly #contourMap = { right: contourToMesh('right'), left: contourToMesh('left') };
  readonly #lidMap = { right: contourToMesh('right', true), left: contourToMesh('left', true) };
  #roi: Roi | null = null;
  #closed = false;
  #busy = false;
  /** Frames seen, detector runs, and losses of a tracked face (for stats and tests). */
  readonly stats = { frames: 0, detections: 0, lost: 0 };

  private constructor(
    group: SessionGroup,
    sessions: [OnnxSession, OnnxSession, OnnxSession],
    opts: FaceTrackerOptions,
  ) {
    this.#group = group;
    [this.#detector, this.#mesh, this.#iris] = sessions;
    this.#minDetection = opts.minDetectionScore ?? 0.5;
    this.#minPresence = opts.minPresenceScore ?? 0.5;
    this.#meshScale = opts.meshScale ?? 1.5;
    this.#irisScale = opts.irisScale ?? 2.3;
    const sm = opts.smoothing ?? true;
    this.#filter = sm === false ? null : new OneEuroFilter(sm === true ? SMOOTHING : { ...SMOOTHING, ...sm });
    const backend = opts.crop ?? 'js';
    this.#detCrop = createCropper(backend, group, 'crop-detector', DETECTOR_SIZE, SIGNED);
    this.#meshCrop = createCropper(backend, group, 'crop-mesh', MESH_SIZE, UNIT);
    this.#irisCrop = createCropper(backend, group, 'crop-iris', IRIS_SIZE, UNIT);
  }

  static async create(opts: FaceTrackerOptions = {}): Promise<FaceTracker> {
    const group = new SessionGroup();
    try {
      const [det, mesh, iris] = await Promise.all([
        ensureModel('blazeface'),
        ensureModel('facemesh'),
        ensureModel('iris'),
      ]);
      const threads = opts.intraOpThreads;
      const sessions = await Promise.all([
        group.create(det, { name: 'blazeface', intraOpThreads: threads }),
        group.create(mesh, { name: 'facemesh', intraOpThreads: threads }),
        group.create(iris, { name: 'iris', intraOpThreads: threads }),
      ]);
      return new FaceTracker(group, sessions as [OnnxSession, OnnxSession, OnnxSession], opts);
    } catch (e) {
      await group.close();
      throw e;
    }
  }

  get closed(): boolean {
    return this.#closed;
  }

  /** Landmarks of the face in `frame`, or null when there is none. `timeMs` (default: now) drives smoothing. */
  async track(frame: Frame, timeMs = performance.now()): Promise<FaceResult | null> {
    if (this.#closed) throw new AppError('CLOSED', 'face tracker is closed');
    if (this.#busy) throw new AppError('BAD_REQUEST', 'FaceTracker.track called while a frame is in flight');
    checkFrame(frame);
    this.#busy = true;
    try {
      this.stats.frames++;
      let fromDetector = false;
      if (!this.#roi) {
        this.#roi = await this.#detect(frame);
        fromDetector = true;
        if (!this.#roi) return null;
      }
      let face = await this.#landmarks(frame, this.#roi);
      if (!face && !fromDetector) {
        // Lost while tracking: the face may have jumped; look again in this frame.
        this.stats.lost++;
        this.#roi = await this.#detect(frame);
        face = this.#roi ? await this.#landmarks(frame, this.#roi) : null;
      }
      if (!face) {
        this.#roi = null;
        this.#filter?.reset();
        return null;
      }
      const { landmarks, score, contours } = face;
      // The next crop follows the unsmoothed landmarks, so smoothing never drags the crop behind the face.
      this.#roi = roiFromLandmarks(landmarks, this.#meshScale);
      if (this.#filter) {
        const size = this.#roi.width / this.#meshScale;
        this.#filter.filter(landmarks, timeMs / 1000, size);
      }
      return { box: boxOf(landmarks), landmarks, eyeContours: contours, score };
    } finally {
      this.#busy = false;
    }
  }

  /** Forgets the tracked face: the next frame starts with the detector. */
  reset(): void {
    this.#roi = null;
    this.#filter?.reset();
  }

  /** Idempotent; releases the model sessions. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await this.#group.close();
  }

  async #detect(frame: Frame): Promise<Roi | null> {
    this.stats.detections++;
    // Letterbox the whole frame into the detector's square input.
    const side = Math.max(frame.width, frame.height);
    const roi: Roi = { cx: frame.width / 2, cy: frame.height / 2, width: side, height: side, angle: 0 };
    const m = cropToImage(roi, DETECTOR_SIZE);
    const input = await this.#detCrop.crop(frame, [m]);
    const out = await this.#detector.run({ [this.#detector.inputNames[0]]: input });
    const f32 = (name: string) => out[name].data as Float32Array;
    const dets: Detection[] = [];
    decodeDetections(
      f32('regressors_16'),
      f32('classificators_16'),
      this.#anchors,
      0,
      this.#minDetection,
      dets,
    );
    decodeDetections(
      f32('regressors_8'),
      f32('classificators_8'),
      this.#anchors,
      512,
      this.#minDetection,
      dets,
    );
    const best = weightedNms(dets, 0.3, 1)[0];
    if (!best) return null;
    // Back to image pixels (axis-aligned letterbox: a uniform scale and an offset).
    const k = m[0];
    const X = (x: number) => k * x + m[2];
    const Y = (y: number) => k * y + m[5];
    const kp = best.keypoints;
    // Keypoint 0 is the eye on the image left (subject's right), 1 the other: the eye line sets the roll.
    const angle = Math.atan2(Y(kp[3]) - Y(kp[1]), X(kp[2]) - X(kp[0]));
    const w = (best.x1 - best.x0) * k;
    const h = (best.y1 - best.y0) * k;
    const side2 = Math.max(w, h) * this.#meshScale;
    log.debug(`face detected, score ${best.score.toFixed(2)}`);
    return {
      cx: X((best.x0 + best.x1) / 2),
      cy: Y((best.y0 + best.y1) / 2),
      width: side2,
      height: side2,
      angle,
    };
  }

  async #landmarks(
    frame: Frame,
    roi: Roi,
  ): Promise<{ landmarks: Float32Array; score: number; contours: FaceResult['eyeContours'] } | null> {
    const m = cropToImage(roi, MESH_SIZE);
    const input = await this.#meshCrop.crop(frame, [m]);
    const out = await this.#mesh.run({ [this.#mesh.inputNames[0]]: input }, ['mesh', 'faceflag']);
    const score = (out.faceflag.data as Float32Array)[0];
    if (!(score >= this.#minPresence)) return null;
    const landmarks = new Float32Array(LANDMARK_COUNT * 3);
    mapPoints(out.mesh.data as Float32Array, 0, MESH_POINTS, 3, m, landmarks, 0);
    const contours = await this.#refineEyes(frame, landmarks, MESH_SIZE / roi.width);
    return { landmarks, score, contours };
  }

  /** Runs the iris model on both eyes; writes iris points 468-477 and refines the mesh's eye points. */
  async #refineEyes(frame: Frame, lm: Float32Array, cropScale: number): Promise<FaceResult['eyeContours']> {
    const pt = (i: number) => [lm[i * 3], lm[i * 3 + 1]] as const;
    const [r0, r1] = EYE_CORNERS.right.map(pt);
    const [l0, l1] = EYE_CORNERS.left.map(pt);
    // Both rois run image-left to image-right; the left eye is mirrored so the model sees a right eye.
    const rightRoi = roiFromSegment(r0[0], r0[1], r1[0], r1[1], this.#irisScale);
    const leftRoi = roiFromSegment(l1[0], l1[1], l0[0], l0[1], this.#irisScale);
    const mr = cropToImage(rightRoi, IRIS_SIZE);
    const ml = cropToImage(leftRoi, IRIS_SIZE, true);
    const input = await this.#irisCrop.crop(frame, [mr, ml]);
    const out = await this.#iris.run({ [this.#iris.inputNames[0]]: input });
    const eye = out.eye.data as Float32Array;
    const per = (EYE_CONTOUR_COUNT + IRIS_POINTS) * 3;
    const right = new Float32Array((EYE_CONTOUR_COUNT + IRIS_POINTS) * 3);
    const left = new Float32Array((EYE_CONTOUR_COUNT + IRIS_POINTS) * 3);
    mapPoints(eye, 0, EYE_CONTOUR_COUNT + IRIS_POINTS, 3, mr, right, 0);
    mapPoints(eye, per, EYE_CONTOUR_COUNT + IRIS_POINTS, 3, ml, left, 0);
    // The iris model's depth is relative to its eye crop: shift it so its corners (contour 0 and 8) sit at the
    // mesh's corner depth, making eyeContours face-relative like the landmarks.
    for (const [side, pts] of [
      ['right', right],
      ['left', left],
    ] as const) {
      const [outer, inner] = EYE_CORNERS[side];
      const shift = (lm[outer * 3 + 2] + lm[inner * 3 + 2] - pts[2] - pts[8 * 3 + 2]) / 2;
      for (let k = 2; k < pts.length; k += 3) pts[k] += shift;
    }

    // A strongly turned head hides one eye: then only the visible eye's lids are refined (as Human does);
    // depth difference of the outer corners in mesh-crop pixels.
    const turn = (lm[EYE_CORNERS.left[0] * 3 + 2] - lm[EYE_CORNERS.right[0] * 3 + 2]) * cropScale;
    const sides: ['right' | 'left', Float32Array, boolean][] =
      Math.abs(turn) < 30
        ? [
            ['right', right, false],
            ['left', left, false],
          ]
        : turn < 0
          ? [['left', left, true]]
          : [['right', right, true]];
    // x, y from the iris model; depth stays the mesh's, so the face's depth comes from one model.
    for (const [side, pts, lidOnly] of sides) {
      for (const [c, mi] of lidOnly ? this.#lidMap[side] : this.#contourMap[side]) {
        lm[mi * 3] = pts[c * 3];
        lm[mi * 3 + 1] = pts[c * 3 + 1];
      }
    }
    // Iris points: centre then 4 contour points; depth from the lids (the iris model's z is eye-relative).
    for (const [side, pts, base] of [
      ['right', right, RIGHT_IRIS],
      ['left', left, LEFT_IRIS],
    ] as const) {
      const upper = lm[EYE_LID_CENTRE[side].upper * 3 + 2];
      const lower = lm[EYE_LID_CENTRE[side].lower * 3 + 2];
      for (let k = 0; k < IRIS_POINTS; k++) {
        const s = (EYE_CONTOUR_COUNT + k) * 3;
        const o = (base + k) * 3;
        lm[o] = pts[s];
        lm[o + 1] = pts[s + 1];
        lm[o + 2] = k === 2 ? upper : k === 4 ? lower : (upper + lower) / 2;
      }
    }
    return {
      left: left.slice(0, EYE_CONTOUR_COUNT * 3),
      right: right.slice(0, EYE_CONTOUR_COUNT * 3),
    };
  }
}

/** The next face-mesh crop: the landmarks' extent along the eye line (33 -> 263), enlarged by `scale`. */
export function roiFromLandmarks(lm: Float32Array, scale: number): Roi {
  const angle = Math.atan2(lm[263 * 3 + 1] - lm[33 * 3 + 1], lm[263 * 3] - lm[33 * 3]);
  return roiFromPoints(lm, MESH_POINTS, angle, scale);
}

function boxOf(lm: Float32Array): Box {
  let x0 = Infinity;
  let y0 = Infinity;
  let x1 = -Infinity;
  let y1 = -Infinity;
  for (let i = 0; i < LANDMARK_COUNT; i++) {
    const x = lm[i * 3];
    const y = lm[i * 3 + 1];
    if (x < x0) x0 = x;
    if (x > x1) x1 = x;
    if (y < y0) y0 = y;
    if (y > y1) y1 = y;
  }
  return { x: x0, y: y0, width: x1 - x0, height: y1 - y0 };
}

function checkFrame(frame: Frame): void {
  const { width: w, height: h } = frame;
  if (!(Number.isInteger(w) && Number.isInteger(h) && w > 1 && h > 1))
    throw new AppError('IMAGE_INVALID', `frame size ${w}x${h} is invalid`);
  const need = frame.format === 'rgba' ? w * h * 4 : w * h + 2 * ((w + 1) >> 1) * ((h + 1) >> 1);
  if (frame.data.length < need)
    throw new AppError(
      'IMAGE_INVALID',
      `${frame.format} frame ${w}x${h} needs ${need} bytes, got ${frame.data.length}`,
    );
}
