// A synthetic 478-point face for unit tests: outline, eyes, irises and lips on ellipses (MediaPipe indices from
// regions.ts), every other point on a jittered grid inside the face away from eyes and mouth.
import {
  EYES,
  FACE_OVAL,
  INNER_LIPS,
  INNER_LIPS_UPPER,
  OUTER_LIPS,
} from '../../src/inference/generator/regions.ts';

export interface SyntheticFaceOptions {
  cx?: number;
  cy?: number;
  /** Face half-width in pixels. */
  size?: number;
  /** Inner-lip gap relative to the mouth width. */
  mouthOpen?: number;
  /** Eye opening: lid half-gap relative to the eye half-width. */
  eyeOpen?: number;
  /** Iris offset along the eye axis, relative to the eye half-width (-1..1). */
  gaze?: number;
}

export function syntheticFace(o: SyntheticFaceOptions = {}): Float32Array {
  const cx = o.cx ?? 128;
  const cy = o.cy ?? 128;
  const s = o.size ?? 60;
  const kp = new Float32Array(478 * 3);
  const set = (i: number, x: number, y: number, z = 0) => {
    kp[3 * i] = x;
    kp[3 * i + 1] = y;
    kp[3 * i + 2] = z;
  };
  const used = new Set<number>();
  FACE_OVAL.forEach((i, k) => {
    const a = -Math.PI / 2 + (2 * Math.PI * k) / FACE_OVAL.length;
    set(i, cx + s * Math.cos(a), cy + 1.3 * s * Math.sin(a), 10);
    used.add(i);
  });
  const mouthY = cy + 0.6 * s;
  const mw = 0.45 * s;
  const ringEllipse = (
    ring: readonly number[],
    upper: number,
    x0: number,
    x1: number,
    y: number,
    halfGap: number,
  ) => {
    ring.forEach((i, k) => {
      let t: number;
      let sign: number;
      if (k < upper) {
        t = k / (upper - 1);
        sign = -1;
      } else {
        t = 1 - (k - upper + 1) / (ring.length - upper + 1);
        sign = 1;
      }
      const x = x0 + (x1 - x0) * t;
      const bulge = Math.sin(Math.PI * t);
      set(i, x, y + sign * halfGap * bulge, -5);
      used.add(i);
    });
  };
  ringEllipse(
    INNER_LIPS,
    INNER_LIPS_UPPER,
    cx - mw / 2,
    cx + mw / 2,
    mouthY,
    ((o.mouthOpen ?? 0.05) * mw) / 2,
  );
  ringEllipse(
    OUTER_LIPS,
    11,
    cx - mw / 2 - 3,
    cx + mw / 2 + 3,
    mouthY,
    ((o.mouthOpen ?? 0.05) * mw) / 2 + 0.12 * mw,
  );
  const eyeW = 0.36 * s;
  EYES.forEach((eye, e) => {
    const ex = cx + (e === 0 ? -0.42 : 0.42) * s;
    const ey = cy - 0.15 * s;
    // Outer corner away from the nose.
    const outer = e === 0 ? ex - eyeW / 2 : ex + eyeW / 2;
    const inner = e === 0 ? ex + eyeW / 2 : ex - eyeW / 2;
    ringEllipse(eye.ring, eye.upper, outer, inner, ey, ((o.eyeOpen ?? 0.55) * eyeW) / 2);
    const ix = ex + ((o.gaze ?? 0) * eyeW) / 2;
    const r = 0.22 * eyeW;
    set(eye.iris, ix, ey, -8);
    set(eye.iris + 1, ix + r, ey, -8);
    set(eye.iris + 2, ix, ey - r, -8);
    set(eye.iris + 3, ix - r, ey, -8);
    set(eye.iris + 4, ix, ey + r, -8);
    for (let k = 0; k < 5; k++) used.add(eye.iris + k);
  });
  // Remaining points: a jittered grid inside the face, outside the eyes and the mouth.
  const free = [];
  for (let i = 0; i < 478; i++) if (!used.has(i)) free.push(i);
  let k = 0;
  let seed = 1;
  const rnd = () => {
    seed = (seed * 16807) % 2147483647;
    return seed / 2147483647;
  };
  const n = Math.ceil(Math.sqrt(free.length * 1.6));
  for (let gy = 0; gy < n * 2 && k < free.length; gy++) {
    for (let gx = 0; gx < n && k < free.length; gx++) {
      const x = cx - s + ((gx + 0.5) / n) * 2 * s + (rnd() - 0.5);
      const y = cy - 1.3 * s + ((gy + 0.5) / (n * 1.3)) * 2.6 * s + (rnd() - 0.5);
      const inFace = ((x - cx) / (0.95 * s)) ** 2 + ((y - cy) / (1.25 * s)) ** 2 < 1;
      const nearEye =
        Math.abs(y - (cy - 0.15 * s)) < 0.2 * s && Math.abs(Math.abs(x - cx) - 0.42 * s) < 0.25 * s;
      const nearMouth = Math.abs(y - mouthY) < 0.15 * s && Math.abs(x - cx) < 0.35 * s;
      if (!inFace || nearEye || nearMouth) continue;
      set(free[k++], x, y, 0);
    }
  }
  // Any left over (unlikely) sit on the forehead line.
  for (; k < free.length; k++) set(free[k], cx - 0.5 * s + (k % 20) * 0.05 * s, cy - s + 0.01 * k, 0);
  return kp;
}
