// Public types of the geometry stage (pose, canonical key-points, expression, gaze, eye contact, sketch).
//
// Coordinate frames (all right-handed, x right, y down, z away from the camera):
// - image space: the tracker's landmarks, x/y in pixels, z in the same pixel scale (smaller = nearer).
// - canonical space: the head's own frame, frontal, unit scale (the template's RMS radius over the rigid
//   points is 1), centred; `p_image = s * R * p_can + t`.
// - camera space: millimetres, pinhole camera at the origin looking down +z (see camera.ts).
//
// Arrays: points are packed xyz Float32Array/Float64Array (n * 3); a 3x3 matrix is a row-major Float64Array(9).

/** Similarity transform from canonical to image space: p = s R c + t, with Euler angles in degrees. */
export interface HeadPose {
  /** Pixels per canonical unit. */
  scale: number;
  /** Row-major 3x3 rotation, canonical -> image axes. */
  rotation: Float64Array;
  /** Image-space translation (pixels; z in the landmarks' pixel scale). */
  translation: Float64Array;
  /** Degrees. yaw > 0: the face turns toward the image's left (the subject's right); see pose.ts. */
  yaw: number;
  /** Degrees. pitch > 0: the face tilts down (chin toward the chest). */
  pitch: number;
  /** Degrees. roll > 0: the head leans toward the image's right (clockwise on screen). */
  roll: number;
  /** Weighted RMS residual of the rigid points after the fit, in canonical units (tracking quality). */
  residual: number;
}

/** Scalar face measures, normalised by face size (canonical units) so they do not depend on distance. */
export interface FaceMeasures {
  /** Inner-lip gap / inter-ocular distance (0 closed, ~0.5+ wide open). */
  mouth: number;
  /** Eye opening (lid gap / eye width) per eye; ~0.25-0.35 open, < ~0.1 closed. */
  eyeOpen: { left: number; right: number };
  /** Closedness 0 (as open as this person's neutral) .. 1 (closed), from eyeOpen vs the neutral. */
  blink: { left: number; right: number };
}

/** One eye's gaze, in image-space axes (x right, y down, z away). */
export interface EyeGaze {
  /** Unit gaze vector (iris centre - eyeball centre); z < 0 looks toward the camera. */
  direction: Float64Array;
  /** Paper's angles, degrees, on the camera-facing vector (gx, gy, -gz): theta = atan(|gxy|/gz'), phi = atan(gy/gz'). */
  theta: number;
  phi: number;
  /** Horizontal / vertical gaze angles in degrees (atan2(gx, -gz), atan2(gy, -gz)), used for colour coding. */
  yaw: number;
  pitch: number;
  /** Eyeball centre in image space (pixels) and radius (pixels). */
  centre: Float64Array;
  radius: number;
  /** Iris centre in image space (pixels) and iris radius (pixels). */
  iris: Float64Array;
  irisRadius: number;
  /** Eyeball centre in camera space (mm), from the pinhole camera and the iris' metric size. */
  centreMm: Float64Array;
  /** Angle (degrees) between the gaze and looking into the camera (camera-ray.ts: in the gaze's own axes). */
  cameraAngle: number;
  /** Lid opening (as FaceMeasures.eyeOpen) and whether the eye counts as open. */
  openness: number;
  open: boolean;
}

export interface GazeResult {
  left: EyeGaze;
  right: EyeGaze;
  /** Camera-space depth of the face (mm), from the iris diameter (11.7 mm) and the camera's focal length. */
  depthMm: number;
}

/** Output of the eye-contact policy for one frame. */
export interface EyeContactTarget {
  /** Redirection strength 0..1 (shared by both eyes unless one is closed). */
  redirect: number;
  /** Per eye: the filtered measured gaze (`from`), the gaze to draw (unit, image-space axes) and that eye's
   * weight; the correction is the rotation from `from` to `direction`. */
  left: { from: Float64Array; direction: Float64Array; weight: number };
  right: { from: Float64Array; direction: Float64Array; weight: number };
}

/** Everything the geometry stage knows about one face in one frame. */
export interface FaceGeometry {
  pose: HeadPose;
  /** Canonical key-points without expression (the identity's neutral face), 478 x 3. */
  canonical: Float32Array;
  /** Expression deformation in canonical space (this frame's canonical points - neutral), 478 x 3. */
  expression: Float32Array;
  measures: FaceMeasures;
  gaze: GazeResult;
}

/** Re-enactment modes: absolute takes the driver's pose; relative keeps the source's own position and scale
 * and applies the driver's change of pose (against its reference frame) and its expression. */
export type ReenactMode = 'absolute' | 'relative';

/** Colours (r, g, b 0..255) of the sketch's parts. */
export interface SketchStyle {
  contour: readonly [number, number, number];
  brows: readonly [number, number, number];
  nose: readonly [number, number, number];
  eyes: readonly [number, number, number];
  lipsOuter: readonly [number, number, number];
  lipsInner: readonly [number, number, number];
  background: readonly [number, number, number];
  /** Line width in pixels at 256; scaled with the sketch size. */
  lineWidth: number;
}
