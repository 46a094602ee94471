// Target key-points for the avatar (relative re-enactment): the driver's motion since its reference frame,
// rescaled into the source's face, applied to the source's landmarks. Eyelids and irises are transferred in
// each eye's own frame (opening as a ratio, iris as a fraction of the eye), so a blink closes the source's lids
// exactly and gaze moves the iris by the same fraction of the eye whatever the two faces' sizes.
import { RIGID_POINTS } from '../generator/mesh.ts';
import { EYES, type EyeRegion } from '../generator/regions.ts';
import { fitSimilarity, type Similarity } from '../generator/similarity.ts';

export const LANDMARK_VALUES = 478 * 3;

interface EyeAxes {
  ox: number;
  oy: number;
  ux: number;
  uy: number;
  vx: number;
  vy: number;
  len: number;
}

function eyeAxes(kp: ArrayLike<number>, eye: EyeRegion): EyeAxes {
  const ox = kp[3 * eye.outerCorner];
  const oy = kp[3 * eye.outerCorner + 1];
  const dx = kp[3 * eye.innerCorner] - ox;
  const dy = kp[3 * eye.innerCorner + 1] - oy;
  const len = Math.max(Math.hypot(dx, dy), 1e-3);
  const ux = dx / len;
  const uy = dy / len;
  const flip = ux < 0 ? -1 : 1; // v points down the face for either eye
  return { ox, oy, ux, uy, vx: -uy * flip, vy: ux * flip, len };
}

const uv = (a: EyeAxes, x: number, y: number): [number, number] => [
  ((x - a.ox) * a.ux + (y - a.oy) * a.uy) / a.len,
  ((x - a.ox) * a.vx + (y - a.oy) * a.vy) / a.len,
];

/** Lid gap at the middle of the eye over the eye width. */
export function eyeOpening(kp: ArrayLike<number>, eye: EyeRegion): number {
  const a = eyeAxes(kp, eye);
  const [, vu] = uv(a, kp[3 * eye.upperMid], kp[3 * eye.upperMid + 1]);
  const [, vl] = uv(a, kp[3 * eye.lowerMid], kp[3 * eye.lowerMid + 1]);
  return Math.max(0, vl - vu);
}

export class RelativeRetargeter {
  readonly #source: Float32Array;
  #reference: Float32Array | null = null;
  #toSource: Similarity = { a: 1, b: 0, tx: 0, ty: 0 };

  constructor(source: Float32Array) {
    this.#source = source;
  }

  get hasReference(): boolean {
    return this.#reference !== null;
  }

  /** The driver frame whose face counts as "no motion" (the first tracked frame, or after a reset). */
  setReference(driver: Float32Array): void {
    this.#reference = Float32Array.from(driver);
    this.#toSource = fitSimilarity(driver, this.#source, RIGID_POINTS);
  }

  reset(): void {
    this.#reference = null;
  }

  /** Target landmarks (478 x 3) in the source's image for driver landmarks `driver`. */
  retarget(driver: Float32Array, out = new Float32Array(LANDMARK_VALUES)): Float32Array {
    if (!this.#reference) this.setReference(driver);
    const ref = this.#reference as Float32Array;
    const src = this.#source;
    const { a, b } = this.#toSource;
    const s = Math.hypot(a, b);
    for (let i = 0; i < 478; i++) {
      const dx = driver[3 * i] - ref[3 * i];
      const dy = driver[3 * i + 1] - ref[3 * i + 1];
      out[3 * i] = src[3 * i] + a * dx - b * dy;
      out[3 * i + 1] = src[3 * i + 1] + b * dx + a * dy;
      out[3 * i + 2] = src[3 * i + 2] + s * (driver[3 * i + 2] - ref[3 * i + 2]);
    }
    for (const eye of EYES) this.#eye(eye, driver, ref, out);
    return out;
  }

  #eye(eye: EyeRegion, driver: Float32Array, ref: Float32Array, out: Float32Array): void {
    const src = this.#source;
    const sA = eyeAxes(src, eye);
    const tA = eyeAxes(out, eye);
    const dOpen = eyeOpening(driver, eye);
    const rOpen = eyeOpening(ref, eye);
    const ratio = rOpen > 1e-3 ? Math.min(1.6, dOpen / rOpen) : 1;
    const put = (i: number, u: number, v: number) => {
      out[3 * i] = tA.ox + (u * tA.ux + v * tA.vx) * tA.len;
      out[3 * i + 1] = tA.oy + (u * tA.uy + v * tA.vy) * tA.len;
    };
    // Lids: the source's lid shape, opened by the driver's opening ratio, about the lower lid's line so the
    // upper lid comes down over the eye (as in a real blink).
    const lower = uv(sA, src[3 * eye.lowerMid], src[3 * eye.lowerMid + 1])[1];
    eye.ring.forEach((i, k) => {
      if (i === eye.outerCorner || i === eye.innerCorner) return;
      const [u, v] = uv(sA, src[3 * i], src[3 * i + 1]);
      const isUpper = k < eye.upper;
      put(i, u, isUpper ? lower + (v - lower) * ratio : lower + (v - lower) * Math.min(ratio, 1));
    });
    // Iris: the source's iris moved by the driver's change of iris position, in eye fractions.
    const dA = eyeAxes(driver, eye);
    const rA = eyeAxes(ref, eye);
    const [du, dv] = uv(dA, driver[3 * eye.iris], driver[3 * eye.iris + 1]);
    const [ru, rv] = uv(rA, ref[3 * eye.iris], ref[3 * eye.iris + 1]);
    for (let k = 0; k < 5; k++) {
      const i = eye.iris + k;
      const [pu, pv] = uv(sA, src[3 * i], src[3 * i + 1]);
      // Contour points keep their offset from the centre, in eye units (the iris scales with the eye).
      put(i, pu + (du - ru), pv + (dv - rv));
    }
  }
}
