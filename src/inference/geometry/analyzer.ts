// Per-stream geometry: one FaceAnalyzer per tracked face stream (a driver camera, or a set of source photos)
// runs pose -> canonical points -> neutral face -> expression and measures -> gaze on each frame's landmarks.
// It keeps the state that needs time (the neutral face, the iris size); reset() when the person changes.
import { PinholeCamera } from './camera.ts';
import { measureFace, NeutralFace, type NeutralFaceOptions, POINTS, toCanonical } from './expression.ts';
import { GazeEstimator, newGazeResult } from './gaze.ts';
import { newHeadPose, PoseEstimator } from './pose.ts';
import type { FaceGeometry } from './types.ts';

export interface FaceAnalyzerOptions {
  /** Horizontal field of view of the camera (deg). Default 60. */
  fovDeg?: number;
  neutral?: NeutralFaceOptions;
  template?: Float32Array;
}

export function newFaceGeometry(): FaceGeometry {
  return {
    pose: newHeadPose(),
    canonical: new Float32Array(POINTS * 3),
    expression: new Float32Array(POINTS * 3),
    measures: { mouth: 0, eyeOpen: { left: 0, right: 0 }, blink: { left: 0, right: 0 } },
    gaze: newGazeResult(),
  };
}

export class FaceAnalyzer {
  readonly pose: PoseEstimator;
  readonly neutral: NeutralFace;
  readonly gaze: GazeEstimator;
  private readonly fovDeg: number;
  private camera: PinholeCamera | null = null;
  private readonly q = new Float32Array(POINTS * 3);

  constructor(opts: FaceAnalyzerOptions = {}) {
    this.pose = new PoseEstimator({ template: opts.template });
    this.neutral = new NeutralFace(opts.neutral);
    this.gaze = new GazeEstimator({ template: opts.template });
    this.fovDeg = opts.fovDeg ?? 60;
  }

  private cameraFor(width: number, height: number): PinholeCamera {
    const c = this.camera;
    if (c && c.width === width && c.height === height) return c;
    this.camera = new PinholeCamera(width, height, this.fovDeg);
    return this.camera;
  }

  /**
   * Geometry of one frame's landmarks (478 x 3, image pixels) in a width x height image at time tMs.
   * Pass `out` to reuse its buffers; the returned object is `out` (or a new one).
   */
  analyze(
    landmarks: ArrayLike<number>,
    width: number,
    height: number,
    tMs: number,
    out: FaceGeometry = newFaceGeometry(),
  ): FaceGeometry {
    if (landmarks.length < POINTS * 3) throw new RangeError(`expected ${POINTS * 3} landmark values`);
    const pose = this.pose.estimate(landmarks, out.pose);
    const q = toCanonical(landmarks, pose, this.q);
    // Gate on this frame's raw measures, then measure again against the (possibly updated) neutral.
    measureFace(q, this.neutral.get(), out.measures);
    this.neutral.offer(q, out.measures, pose, tMs);
    const neutral = this.neutral.get() ?? q;
    measureFace(q, neutral, out.measures);
    out.canonical.set(neutral);
    for (let j = 0; j < POINTS * 3; j++) out.expression[j] = q[j] - neutral[j];
    this.gaze.estimate(landmarks, pose, neutral, out.measures, this.cameraFor(width, height), out.gaze);
    return out;
  }

  /** The camera used for the last frame (null before the first). */
  get lastCamera(): PinholeCamera | null {
    return this.camera;
  }

  reset(): void {
    this.neutral.reset();
    this.gaze.reset();
  }
}
