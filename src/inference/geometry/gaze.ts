// Gaze from eye meshes (the paper's E_gaze) with an eyeball model per eye.
//
// Model: the eyeball (radius 12 mm) is fixed in the head. Its centre, in canonical space, is the eye-corner
// midpoint of the person's neutral face plus an offset taken from the template (where the template's iris
// centre sits against its corners, pushed back by the centre-to-iris distance; its mirrored part only, as the
// template's own eyes look slightly aside). Metric scale comes from the iris: its diameter (11.7 mm on
// average) in canonical units is tracked as a running median over open-eye frames, and gives both the
// eyeball's size in the image and, with the pinhole camera, the face's depth.
// Per frame the iris centre's image x/y (the tracker's most reliable numbers) is placed on the sphere of radius
// |iris - centre| = sqrt(12^2 - 5.85^2) mm around the eyeball centre, on the camera side, giving the unit gaze
// g = (iris - centre) / |iris - centre| in image axes (weak perspective: camera-ray.ts says where the camera is).
import { IRIS_DIAMETER_MM, type PinholeCamera } from './camera.ts';
import { setCameraAngles } from './camera-ray.ts';
import {
  LEFT_EYE_CORNERS,
  LEFT_IRIS_CENTRE,
  LEFT_IRIS_RING,
  RIGHT_EYE_CORNERS,
  RIGHT_IRIS_CENTRE,
  RIGHT_IRIS_RING,
} from './landmarks.ts';
import { DEG } from './math.ts';
import { TEMPLATE } from './template-data.ts';
import type { EyeGaze, FaceMeasures, GazeResult, HeadPose } from './types.ts';

const EYE_SIDES = ['left', 'right'] as const;

export const EYEBALL_RADIUS_MM = 12;
/** Distance from the eyeball centre to the iris (pupil) centre: the iris is a 5.85 mm-radius disc on the sphere. */
export const IRIS_DEPTH_MM = Math.sqrt(EYEBALL_RADIUS_MM ** 2 - (IRIS_DIAMETER_MM / 2) ** 2);

interface EyeIndices {
  corners: readonly [number, number];
  centre: number;
  ring: readonly [number, number, number, number];
}

const EYES: Record<'left' | 'right', EyeIndices> = {
  left: { corners: LEFT_EYE_CORNERS, centre: LEFT_IRIS_CENTRE, ring: LEFT_IRIS_RING },
  right: { corners: RIGHT_EYE_CORNERS, centre: RIGHT_IRIS_CENTRE, ring: RIGHT_IRIS_RING },
};

function cornerMid(p: ArrayLike<number>, c: readonly [number, number], a: number): number {
  return (p[c[0] * 3 + a] + p[c[1] * 3 + a]) / 2;
}

/**
 * Iris diameter (x/y) from its 4 contour points. The two opposite-pair half-spans u, v are conjugate semi-diameters
 * of the ellipse the iris circle projects to, so the ellipse's major semi-axis (the largest singular value of
 * [u v]) is the iris radius whatever the eye's or the head's turn.
 */
export function irisDiameter(p: ArrayLike<number>, ring: readonly number[]): number {
  const ux = (p[ring[0] * 3] - p[ring[2] * 3]) / 2;
  const uy = (p[ring[0] * 3 + 1] - p[ring[2] * 3 + 1]) / 2;
  const vx = (p[ring[1] * 3] - p[ring[3] * 3]) / 2;
  const vy = (p[ring[1] * 3 + 1] - p[ring[3] * 3 + 1]) / 2;
  const T = ux * ux + uy * uy + vx * vx + vy * vy;
  const D = ux * vy - uy * vx;
  return 2 * Math.sqrt((T + Math.sqrt(Math.max(0, T * T - 4 * D * D))) / 2);
}

function medianOf(ring: Float64Array, m: number, scratch: Float64Array): number {
  const s = scratch.subarray(0, m);
  s.set(ring.subarray(0, m));
  s.sort();
  return m % 2 ? s[m >> 1] : (s[(m >> 1) - 1] + s[m >> 1]) / 2;
}

/** An eye's place in the image and in camera space (see GazeEstimator.placeEye). */
export interface EyePlacement {
  centre: Float64Array;
  radius: number;
  irisRadius: number;
  centreMm: Float64Array;
}

export function newEyePlacement(): EyePlacement {
  return { centre: new Float64Array(3), radius: 0, irisRadius: 0, centreMm: new Float64Array(3) };
}

export function newEyeGaze(): EyeGaze {
  return {
    direction: Float64Array.of(0, 0, -1),
    theta: 0,
    phi: 0,
    yaw: 0,
    pitch: 0,
    centre: new Float64Array(3),
    radius: 0,
    iris: new Float64Array(3),
    irisRadius: 0,
    centreMm: new Float64Array(3),
    cameraAngle: 0,
    openness: 0,
    open: true,
  };
}

export function newGazeResult(): GazeResult {
  return { left: newEyeGaze(), right: newEyeGaze(), depthMm: 0 };
}

/** Fills the angle fields of an EyeGaze from its direction (cameraAngle needs both eyes: estimate() sets it). */
export function setGazeAngles(eye: EyeGaze): void {
  const [gx, gy, gz] = eye.direction;
  const fz = -gz; // camera-facing component
  eye.theta = Math.atan2(Math.hypot(gx, gy), fz) * DEG;
  eye.phi = Math.atan2(gy, fz) * DEG;
  // Same signs as the head angles: yaw > 0 looks toward the image's left, pitch > 0 looks down.
  eye.yaw = Math.atan2(-gx, fz) * DEG;
  eye.pitch = Math.atan2(gy, fz) * DEG;
}

export interface GazeEstimatorOptions {
  /** Eye counts as closed when its blink measure (FaceMeasures.blink) exceeds this. Default 0.55. */
  closedBlink?: number;
  /** Iris-size samples kept for the running median. Default 60. */
  irisSamples?: number;
  /** Samples of the two eyes' offset difference kept for the squint correction (0: off). Default 90. */
  squintSamples?: number;
  template?: Float32Array;
}

export class GazeEstimator {
  private readonly offsets: Record<'left' | 'right', Float64Array>;
  /** Template iris diameter (canonical units): the prior until real samples arrive. */
  private readonly priorIris: number;
  private readonly irisRing: Float64Array;
  private irisCount = 0;
  private readonly sorted: Float64Array;
  private readonly closedBlink: number;
  private irisCanon: number;

  constructor(opts: GazeEstimatorOptions = {}) {
    const tpl = opts.template ?? TEMPLATE;
    this.closedBlink = opts.closedBlink ?? 0.55;
    this.irisRing = new Float64Array(opts.irisSamples ?? 60);
    const squintSamples = opts.squintSamples ?? 90;
    this.squintX = new Float64Array(squintSamples);
    this.squintY = new Float64Array(squintSamples);
    this.sorted = new Float64Array(Math.max(this.irisRing.length, squintSamples));
    this.priorIris = (irisDiameter(tpl, LEFT_IRIS_RING) + irisDiameter(tpl, RIGHT_IRIS_RING)) / 2;
    this.irisCanon = this.priorIris;
    // The template's irises sit 0.008 units (~3 deg of gaze) to one side of their corners in common: its face
    // looks aside, which read as a steady sideways correction on 14 of 15 clips. Only the mirrored part is kept.
    const off = (e: EyeIndices) => [0, 1, 2].map((a) => tpl[e.centre * 3 + a] - cornerMid(tpl, e.corners, a));
    const [l, r] = [off(EYES.left), off(EYES.right)];
    const common = (l[0] + r[0]) / 2;
    this.offsets = {
      left: Float64Array.of(l[0] - common, l[1], l[2]),
      right: Float64Array.of(r[0] - common, r[1], r[2]),
    };
  }

  /** Iris diameter in canonical units (running median; the template's until samples arrive). */
  get irisDiameterCanonical(): number {
    return this.irisCanon;
  }

  /** Canonical units per millimetre for this face. */
  get unitsPerMm(): number {
    return this.irisCanon / IRIS_DIAMETER_MM;
  }

  /** Eyeball centre in canonical space, given the face's neutral canonical points. */
  eyeballCentre(
    eye: 'left' | 'right',
    neutral: ArrayLike<number>,
    out: Float64Array,
    raw = false,
  ): Float64Array {
    const e = EYES[eye];
    const o = this.offsets[eye];
    const sign = raw ? 0 : eye === 'right' ? 1 : -1;
    out[0] = cornerMid(neutral, e.corners, 0) + o[0] + sign * this.squint[0];
    out[1] = cornerMid(neutral, e.corners, 1) + o[1] + sign * this.squint[1];
    out[2] = cornerMid(neutral, e.corners, 2) + o[2] + IRIS_DEPTH_MM * this.unitsPerMm;
    return out;
  }

  /**
   * Per-person correction of the two eyeball centres: the template's iris-to-corner offset is an average
   * (and trackers differ in where they put corners and irises), which would read as a squint. Both eyes
   * look at the same point, so over open-eye frames the median half-difference of the two irises' offsets
   * (head frame) must equal the vergence toward the camera; the excess is moved into the centres.
   */
  private sampleSquint(
    landmarks: ArrayLike<number>,
    pose: HeadPose,
    neutral: ArrayLike<number>,
    depthMm: number,
  ): void {
    const s = pose.scale;
    const R = pose.rotation;
    const t = pose.translation;
    const h = [0, 0];
    for (const eye of EYE_SIDES) {
      const i = EYES[eye].centre;
      const x = landmarks[i * 3] - t[0];
      const y = landmarks[i * 3 + 1] - t[1];
      const z = landmarks[i * 3 + 2] - t[2];
      const c = this.eyeballCentre(eye, neutral, this.cc, true);
      const sign = eye === 'right' ? 0.5 : -0.5;
      h[0] += sign * ((R[0] * x + R[3] * y + R[6] * z) / s - c[0]);
      h[1] += sign * ((R[1] * x + R[4] * y + R[7] * z) / s - c[1]);
    }
    // Expected: each eye turned inward by atan(half the eyes' distance / depth); the right eye (-x) toward +x.
    const halfIpd =
      Math.abs(cornerMid(neutral, LEFT_EYE_CORNERS, 0) - cornerMid(neutral, RIGHT_EYE_CORNERS, 0)) / 2;
    const depth = depthMm * this.unitsPerMm;
    const rc = IRIS_DEPTH_MM * this.unitsPerMm;
    const n = this.squintX.length;
    this.squintX[this.squintCount % n] = h[0] - rc * Math.sin(Math.atan2(halfIpd, depth));
    this.squintY[this.squintCount % n] = h[1];
    this.squintCount++;
    const m = Math.min(this.squintCount, n);
    this.squint[0] = medianOf(this.squintX, m, this.sorted);
    this.squint[1] = medianOf(this.squintY, m, this.sorted);
  }

  private sampleIris(v: number): void {
    const n = this.irisRing.length;
    this.irisRing[this.irisCount % n] = v;
    this.irisCount++;
    this.irisCanon = medianOf(this.irisRing, Math.min(this.irisCount, n), this.sorted);
  }

  private readonly cc = new Float64Array(3);
  private readonly squint = new Float64Array(2);
  private readonly squintX: Float64Array;
  private readonly squintY: Float64Array;
  private squintCount = 0;

  /**
   * Gaze of both eyes for one frame. `landmarks` in image space, `pose` its head pose, `neutral` the face's
   * neutral canonical points (or this frame's canonical points), `measures` for the eyes' openness.
   */
  estimate(
    landmarks: ArrayLike<number>,
    pose: HeadPose,
    neutral: ArrayLike<number>,
    measures: FaceMeasures,
    camera: PinholeCamera,
    out: GazeResult = newGazeResult(),
  ): GazeResult {
    const s = pose.scale;
    // Iris size: sampled from open eyes of a face not turned far (the ring foreshortens).
    if (Math.abs(pose.yaw) < 30 && Math.abs(pose.pitch) < 30) {
      for (const eye of EYE_SIDES) {
        if (measures.blink[eye] < 0.3) this.sampleIris(irisDiameter(landmarks, EYES[eye].ring) / s);
      }
    }
    out.depthMm = this.faceDepth(pose, camera);
    if (
      this.squintX.length > 0 &&
      Math.abs(pose.yaw) < 25 &&
      Math.abs(pose.pitch) < 25 &&
      measures.blink.left < 0.3 &&
      measures.blink.right < 0.3
    )
      this.sampleSquint(landmarks, pose, neutral, out.depthMm);
    const rcPx = IRIS_DEPTH_MM * this.unitsPerMm * s;
    for (const eye of EYE_SIDES) {
      const e = EYES[eye];
      const g = out[eye];
      this.placeEye(eye, neutral, pose, camera, g);
      const ci = g.centre;
      const ix = landmarks[e.centre * 3];
      const iy = landmarks[e.centre * 3 + 1];
      let dx = ix - ci[0];
      let dy = iy - ci[1];
      // An iris outside the eyeball's silhouette (tracking noise) is pulled back onto its rim (~72 deg).
      const r = Math.hypot(dx, dy);
      const rMax = 0.95 * rcPx;
      if (r > rMax) {
        dx *= rMax / r;
        dy *= rMax / r;
      }
      const dz = -Math.sqrt(Math.max(0, rcPx * rcPx - dx * dx - dy * dy));
      g.direction[0] = dx / rcPx;
      g.direction[1] = dy / rcPx;
      g.direction[2] = dz / rcPx;
      g.iris[0] = ci[0] + dx;
      g.iris[1] = ci[1] + dy;
      g.iris[2] = ci[2] + dz;
      g.openness = measures.eyeOpen[eye];
      g.open = measures.blink[eye] <= this.closedBlink;
      setGazeAngles(g);
    }
    setCameraAngles(out); // needs both eyes placed
    return out;
  }

  /** Camera-space depth (mm) of a face of this person's iris size at this pose (pinhole camera). */
  faceDepth(pose: HeadPose, camera: PinholeCamera): number {
    return camera.depthFromSize(IRIS_DIAMETER_MM, this.irisCanon * pose.scale);
  }

  /**
   * Where an eye of this face is for a pose: eyeball centre and radius, iris radius in image pixels, and the
   * centre in camera space (mm). For an avatar, pass the source's neutral and the re-enactment's target pose
   * (with the source's estimator, which knows the source's iris size).
   */
  placeEye(
    eye: 'left' | 'right',
    neutral: ArrayLike<number>,
    pose: HeadPose,
    camera: PinholeCamera,
    out: EyePlacement,
  ): EyePlacement {
    const s = pose.scale;
    const R = pose.rotation;
    const t = pose.translation;
    const c = this.eyeballCentre(eye, neutral, this.cc);
    const ci = out.centre;
    ci[0] = s * (R[0] * c[0] + R[1] * c[1] + R[2] * c[2]) + t[0];
    ci[1] = s * (R[3] * c[0] + R[4] * c[1] + R[5] * c[2]) + t[1];
    ci[2] = s * (R[6] * c[0] + R[7] * c[1] + R[8] * c[2]) + t[2];
    out.radius = EYEBALL_RADIUS_MM * this.unitsPerMm * s;
    out.irisRadius = (this.irisCanon * s) / 2;
    const depth = this.faceDepth(pose, camera);
    camera.unproject(ci[0], ci[1], depth + ((ci[2] - t[2]) * depth) / camera.focal, out.centreMm);
    return out;
  }

  reset(): void {
    this.squintCount = 0;
    this.squint.fill(0);
    this.irisCount = 0;
    this.irisCanon = this.priorIris;
  }
}

/** Number of points eyeMesh writes for the given resolution. */
export function eyeMeshSize(lat = 4, lon = 12, iris = 16): number {
  return lat * lon + 1 + iris;
}

/**
 * The 3D eye mesh in image space: samples of the eyeball's camera-facing half (a pole at the front plus `lat`
 * rings of `lon` points) followed by the iris ring (`iris` points) for gaze `direction` (unit, image axes).
 */
export function eyeMesh(
  eye: { centre: ArrayLike<number>; radius: number; irisRadius: number },
  direction: ArrayLike<number>,
  out: Float32Array = new Float32Array(eyeMeshSize() * 3),
  lat = 4,
  lon = 12,
  iris = 16,
): Float32Array {
  const cx = eye.centre[0];
  const cy = eye.centre[1];
  const cz = eye.centre[2];
  const r = eye.radius;
  let k = 0;
  out[k++] = cx;
  out[k++] = cy;
  out[k++] = cz - r;
  for (let i = 1; i <= lat; i++) {
    const polar = ((Math.PI / 2) * i) / lat;
    for (let j = 0; j < lon; j++) {
      const az = (2 * Math.PI * j) / lon;
      out[k++] = cx + r * Math.sin(polar) * Math.cos(az);
      out[k++] = cy + r * Math.sin(polar) * Math.sin(az);
      out[k++] = cz - r * Math.cos(polar);
    }
  }
  // Iris ring: centre at depth |iris - centre| along the gaze, radius irisRadius, in the plane normal to it.
  const gx = direction[0];
  const gy = direction[1];
  const gz = direction[2];
  const rc = (r * IRIS_DEPTH_MM) / EYEBALL_RADIUS_MM;
  // u: any unit vector normal to g; v = g x u.
  let ux = -gy;
  let uy = gx;
  let uz = 0;
  let un = Math.hypot(ux, uy, uz);
  if (un < 1e-6) {
    ux = 1;
    uy = 0;
    uz = 0;
    un = 1;
  }
  ux /= un;
  uy /= un;
  uz /= un;
  const vx = gy * uz - gz * uy;
  const vy = gz * ux - gx * uz;
  const vz = gx * uy - gy * ux;
  const ir = eye.irisRadius;
  for (let j = 0; j < iris; j++) {
    const a = (2 * Math.PI * j) / iris;
    const ca = Math.cos(a) * ir;
    const sa = Math.sin(a) * ir;
    out[k++] = cx + rc * gx + ca * ux + sa * vx;
    out[k++] = cy + rc * gy + ca * uy + sa * vy;
    out[k++] = cz + rc * gz + ca * uz + sa * vz;
  }
  return out;
}
