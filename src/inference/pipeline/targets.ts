// The pipeline's geometry stage, on top of src/inference/geometry: the driver's face analysed every frame
// (pose, expression, gaze), the avatar's target key-points by relative re-enactment, and the eye-contact
// policy's correction turned into eyes on the key-points: the iris turned with the eyeball and the lids following
// (the avatar's eyes, drawn by its renderer at these key-points, or the user's own on the live frame).

import { EYES, type EyeRegion } from '../generator/regions.ts';
import { NEUTRAL_MAX_MOUTH } from '../geometry/expression.ts';
import { turnEye } from '../geometry/eye-turn.ts';
import { faceBasis } from '../geometry/face-basis.ts';
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

const EYE_OF: Record<Side, EyeRegion> = { right: EYES[0], left: EYES[1] };

/** Turns one eye of `points` by the policy's correction (iris with the eyeball, lids following). */
function turn(
  points: Float32Array,
  side: Side,
  centre: ArrayLike<number>,
  radius: number,
  t: EyeContactTarget,
) {
  const e = t[side];
  if (e.weight <= 0) return;
  turnEye(points, EYE_OF[side], { centre, radius: radius * IRIS_RC, from: e.from, to: e.direction });
}

function redirectOf(t: EyeContactTarget, cameraAngle: number): GazeRedirect {
  return {
    redirect: t.redirect,
    left: {
      from: Float64Array.from(t.left.from),
      direction: Float64Array.from(t.left.direction),
      weight: t.left.weight,
    },
    right: {
      from: Float64Array.from(t.right.from),
      direction: Float64Array.from(t.right.direction),
      weight: t.right.weight,
    },
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

  /** What the policy reads besides the gaze this frame. */
  #input() {
    return { head: this.geo.pose, blink: this.geo.measures.blink };
  }

  /** Eye contact on the user's own eyes: turns the eyes of `points` (a copy of the frame's landmarks): irises
   * with the eyeballs, lids following. */
  redirectOwnEyes(points: Float32Array, tMs: number): GazeRedirect {
    const t = this.policy.update(this.geo.gaze, tMs, undefined, this.#target, this.#input());
    for (const side of SIDES) turn(points, side, this.geo.gaze[side].centre, this.geo.gaze[side].radius, t);
    return redirectOf(t, this.policy.cameraAngle);
  }

  /** Eye contact on the avatar's eyes placed at `eyes` (camera space taken from the placements). */
  redirectAvatarEyes(points: Float32Array, eyes: Record<Side, EyePlacement>, tMs: number): GazeRedirect {
    const t = this.policy.update(
      this.geo.gaze,
      tMs,
      { left: eyes.left.centreMm, right: eyes.right.centreMm },
      this.#target,
      this.#input(),
    );
    for (const side of SIDES) turn(points, side, eyes[side].centre, eyes[side].radius, t);
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
    // A photo with its mouth open is re-enacted from its neutral face (face-basis.ts), so the driver's expression
    // replaces the photo's instead of adding to it (the mouth opened twice); one that looks neutral is its own.
    const basis = this.#sourceGeo.measures.mouth > NEUTRAL_MAX_MOUTH ? faceBasis() : null;
    const canonical = basis ? basis.neutralOf(this.#sourceGeo.canonical) : this.#sourceGeo.canonical;
    this.#reenactor.setSource({ pose: this.#sourceGeo.pose, canonical });
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
