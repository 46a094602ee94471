// The pipeline's geometry stage, on top of src/inference/geometry: the driver's face analysed every frame
// (pose, expression, gaze), the avatar's target key-points by relative re-enactment, and the eye-contact
// policy's gaze turned into iris positions (the avatar's eyes, or the user's own on the live frame).
import {
  EYEBALL_RADIUS_MM,
  type EyeContactOptions,
  EyeContactPolicy,
  type EyeContactTarget,
  type EyePlacement,
  FaceAnalyzer,
  type FaceGeometry,
  type HeadPose,
  IRIS_DEPTH_MM,
  landmarks,
  newEyeContactTarget,
  newEyePlacement,
  newFaceGeometry,
  newHeadPose,
  Reenactor,
  type SketchEye,
} from '../geometry/index.ts';
import { LANDMARK_COUNT } from '../geometry/landmarks.ts';

export const LANDMARK_VALUES = LANDMARK_COUNT * 3;
const SIDES = ['left', 'right'] as const;
type Side = (typeof SIDES)[number];
const IRIS_POINTS: Record<Side, readonly number[]> = {
  left: [landmarks.LEFT_IRIS_CENTRE, ...landmarks.LEFT_IRIS_RING],
  right: [landmarks.RIGHT_IRIS_CENTRE, ...landmarks.RIGHT_IRIS_RING],
};
/** Iris-plane distance from the eyeball centre, as a fraction of the eyeball radius. */
const IRIS_RC = IRIS_DEPTH_MM / EYEBALL_RADIUS_MM;

/** Eye-contact redirection applied to one frame (the policy's output plus its measured camera angle). */
export interface GazeRedirect extends EyeContactTarget {
  /** Mean weight of the two eyes (0: nothing moved). */
  weight: number;
  /** Angle (deg) between the user's filtered gaze and the camera; NaN while both eyes are closed. */
  cameraAngle: number;
}

/** The eyes to draw in a sketch of `points` (gaze colour-coded), or null. */
export type SketchEyes = { left: SketchEye; right: SketchEye } | null;

/**
 * Moves an eye's iris (centre and ring) of `points` toward the position the eyeball model gives for gaze
 * `direction`, by `weight` (the policy's direction already carries the weight; this blends position too, so
 * weight 0 leaves the tracked/transferred iris exactly as it was).
 */
function aimIris(
  points: Float32Array,
  side: Side,
  centre: ArrayLike<number>,
  radius: number,
  direction: ArrayLike<number>,
  weight: number,
): void {
  if (weight <= 0) return;
  const idx = IRIS_POINTS[side];
  const rc = radius * IRIS_RC;
  const dx = (centre[0] + rc * direction[0] - points[3 * idx[0]]) * weight;
  const dy = (centre[1] + rc * direction[1] - points[3 * idx[0] + 1]) * weight;
  for (const i of idx) {
    points[3 * i] += dx;
    points[3 * i + 1] += dy;
  }
}

function redirectOf(t: EyeContactTarget, cameraAngle: number): GazeRedirect {
  return {
    redirect: t.redirect,
    left: { direction: Float64Array.from(t.left.direction), weight: t.left.weight },
    right: { direction: Float64Array.from(t.right.direction), weight: t.right.weight },
    weight: (t.left.weight + t.right.weight) / 2,
    cameraAngle,
  };
}

/** The driving camera's face over time: one per pipeline (reset when the person changes). */
export class DriverGeometry {
  readonly analyzer = new FaceAnalyzer();
  readonly policy: EyeContactPolicy;
  readonly geo: FaceGeometry = newFaceGeometry();
  readonly #target = newEyeContactTarget();

  constructor(eyeContact: EyeContactOptions = {}) {
    this.policy = new EyeContactPolicy(eyeContact);
  }

  analyze(points: ArrayLike<number>, width: number, height: number, tMs: number): FaceGeometry {
    return this.analyzer.analyze(points, width, height, tMs, this.geo);
  }

  /** Eye contact on the user's own eyes: moves the irises of `points` (a copy of the frame's landmarks). */
  redirectOwnEyes(points: Float32Array, tMs: number): GazeRedirect {
    const t = this.policy.update(this.geo.gaze, tMs, undefined, this.#target);
    for (const side of SIDES) {
      const g = this.geo.gaze[side];
      aimIris(points, side, g.centre, g.radius, t[side].direction, t[side].weight);
    }
    return redirectOf(t, this.policy.cameraAngle);
  }

  /** Eye contact on the avatar's eyes placed at `eyes` (camera space taken from the placements). */
  redirectAvatarEyes(points: Float32Array, eyes: Record<Side, EyePlacement>, tMs: number): GazeRedirect {
    const t = this.policy.update(
      this.geo.gaze,
      tMs,
      { left: eyes.left.centreMm, right: eyes.right.centreMm },
      this.#target,
    );
    for (const side of SIDES)
      aimIris(points, side, eyes[side].centre, eyes[side].radius, t[side].direction, t[side].weight);
    return redirectOf(t, this.policy.cameraAngle);
  }

  /** The user's own eyes as the sketch draws them (measured gaze, or the redirect's when given). */
  sketchEyes(redirect: GazeRedirect | null): SketchEyes {
    const g = this.geo.gaze;
    return {
      left: { ...g.left, direction: redirect ? redirect.left.direction : g.left.direction },
      right: { ...g.right, direction: redirect ? redirect.right.direction : g.right.direction },
    };
  }

  reset(): void {
    this.analyzer.reset();
    this.policy.reset();
  }
}

/** An avatar identity's geometry: its source photo analysed once, re-enacted by the driver each frame. */
export class AvatarGeometry {
  readonly #source: FaceAnalyzer;
  readonly #sourceGeo: FaceGeometry;
  readonly #reenactor = new Reenactor({ mode: 'relative' });
  readonly #pose: HeadPose = newHeadPose();
  readonly eyes: Record<Side, EyePlacement> = { left: newEyePlacement(), right: newEyePlacement() };

  /** `points`: the source photo's landmarks (478 x 3) in its size x size crop. */
  constructor(points: ArrayLike<number>, size: number) {
    this.#source = new FaceAnalyzer();
    this.#sourceGeo = this.#source.analyze(points, size, size, 0);
    this.#reenactor.setSource({ pose: this.#sourceGeo.pose, canonical: this.#sourceGeo.canonical });
  }

  /** Target key-points (478 x 3, output pixels) for the driver's geometry; places the avatar's eyes. */
  retarget(driver: FaceGeometry, out = new Float32Array(LANDMARK_VALUES)): Float32Array {
    const pose = this.#reenactor.update(driver, out, this.#pose);
    const camera = this.#source.lastCamera;
    if (camera)
      for (const side of SIDES)
        this.#source.gaze.placeEye(side, this.#sourceGeo.canonical, pose, camera, this.eyes[side]);
    return out;
  }

  /** The avatar's eyes for a sketch, drawn with the driver's gaze or the redirect's. */
  sketchEyes(driver: FaceGeometry, redirect: GazeRedirect | null): SketchEyes {
    const g = driver.gaze;
    return {
      left: { ...this.eyes.left, direction: redirect?.left.direction ?? g.left.direction, open: g.left.open },
      right: {
        ...this.eyes.right,
        direction: redirect?.right.direction ?? g.right.direction,
        open: g.right.open,
      },
    };
  }

  /** The next driver frame becomes the reference pose ("no motion"). */
  resetReference(): void {
    this.#reenactor.resetReference();
  }
}
