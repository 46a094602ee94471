// Re-enactment (paper Eq. 2): p_adapt = s_t R_t p_can_src + t_t + d_t, with the driver's expression d_t taken
// in canonical space (e_t = q_t - neutral_t, so d_t = s_t R_t (k * e_t)) and rescaled per axis by k, the ratio
// of the source's face proportions to the driver's (eye span for x, eye line to chin for y). Eyelid margins
// are rescaled by the ratio of the lid gaps instead (source's open gap / driver's neutral gap): a portrait's
// eyes are usually wider open than a driver's resting eyes, and a blink must close the source's eye fully,
// not by the driver's lid travel (which left it a third open).
//
// absolute: the target pose is the driver's pose.
// relative: the source keeps its own head position and scale; the driver's change of pose against its
//   reference frame (the first driver frame after reset, or one set explicitly) is applied on top:
//   R = R_t R_ref^T R_src, s = s_src s_t / s_ref, t = t_src + (t_t - t_ref) s_src / s_ref.
import {
  LANDMARK_COUNT,
  LEFT_EYE_CORNERS,
  LEFT_EYE_LOWER,
  LEFT_EYE_UPPER,
  LEFT_LID_MARGIN,
  LEFT_LID_PAIRS,
  LIPS_INNER_LOWER,
  LIPS_INNER_UPPER,
  RIGHT_EYE_CORNERS,
  RIGHT_EYE_LOWER,
  RIGHT_EYE_UPPER,
  RIGHT_LID_MARGIN,
  RIGHT_LID_PAIRS,
} from './landmarks.ts';
import { mat3Mul, mat3Transpose } from './math.ts';
import { newHeadPose, setAngles } from './pose.ts';
import type { HeadPose, ReenactMode } from './types.ts';

const N = LANDMARK_COUNT;
const CHIN = 152;

/** Per-axis ratio of the source's face proportions to the driver's (both canonical, neutral). */
export function expressionScale(
  source: ArrayLike<number>,
  driver: ArrayLike<number>,
): [number, number, number] {
  const span = (p: ArrayLike<number>) => Math.abs(p[LEFT_EYE_CORNERS[0] * 3] - p[RIGHT_EYE_CORNERS[0] * 3]);
  const height = (p: ArrayLike<number>) => {
    const eyeY =
      (p[LEFT_EYE_CORNERS[0] * 3 + 1] +
        p[LEFT_EYE_CORNERS[1] * 3 + 1] +
        p[RIGHT_EYE_CORNERS[0] * 3 + 1] +
        p[RIGHT_EYE_CORNERS[1] * 3 + 1]) /
      4;
    return Math.abs(p[CHIN * 3 + 1] - eyeY);
  };
  const clamp = (v: number) => (Number.isFinite(v) ? Math.max(0.5, Math.min(2, v)) : 1);
  const kx = clamp(span(source) / span(driver));
  const ky = clamp(height(source) / height(driver));
  return [kx, ky, (kx + ky) / 2];
}

/** Mean upper-to-lower lid distance of one eye (canonical units). */
function lidGap(p: ArrayLike<number>, pairs: ReadonlyArray<readonly [number, number]>): number {
  let g = 0;
  for (const [u, l] of pairs)
    g += Math.hypot(p[u * 3] - p[l * 3], p[u * 3 + 1] - p[l * 3 + 1], p[u * 3 + 2] - p[l * 3 + 2]);
  return g / pairs.length;
}

/** Vertical rescaling of each eye's lid motion: source lid gap over the driver's neutral lid gap. */
export function lidScale(
  source: ArrayLike<number>,
  driver: ArrayLike<number>,
): { right: number; left: number } {
  const ratio = (pairs: ReadonlyArray<readonly [number, number]>) => {
    const v = lidGap(source, pairs) / lidGap(driver, pairs);
    return Number.isFinite(v) ? Math.max(0.4, Math.min(3, v)) : 1;
  };
  return { right: ratio(RIGHT_LID_PAIRS), left: ratio(LEFT_LID_PAIRS) };
}

/**
 * Facing (upper, lower) points of the inner lips and of each eye's lids, corners left out. A driver who presses
 * the lips or squeezes the eyes tighter than at rest moves these toward each other by more than the source's gap
 * when rescaled; crossed over, the lips' polygon turns inside out (its area reads as an open mouth: teeth were
 * drawn into closed lips) and the mesh folds.
 */
const FACING: ReadonlyArray<readonly [number, number]> = [
  [LIPS_INNER_UPPER, LIPS_INNER_LOWER],
  [RIGHT_EYE_UPPER, RIGHT_EYE_LOWER],
  [LEFT_EYE_UPPER, LEFT_EYE_LOWER],
].flatMap(([u, l]) => u.slice(1, -1).map((p, k) => [p, l[k + 1]] as const));

/** Where a pair has crossed (canonical y grows downward), both meet at their middle: closed, never inverted. */
function uncross(q: Float64Array): void {
  for (const [u, l] of FACING) {
    const yu = q[u * 3 + 1];
    const yl = q[l * 3 + 1];
    if (yu <= yl) continue;
    const m = (yu + yl) / 2;
    q[u * 3 + 1] = m;
    q[l * 3 + 1] = m;
  }
}

const LID_EYE = new Int8Array(N); // 0: not a lid margin point, 1: right eye, 2: left eye
for (const i of RIGHT_LID_MARGIN) LID_EYE[i] = 1;
for (const i of LEFT_LID_MARGIN) LID_EYE[i] = 2;

export function copyPose(src: HeadPose, out: HeadPose = newHeadPose()): HeadPose {
  out.scale = src.scale;
  out.rotation.set(src.rotation);
  out.translation.set(src.translation);
  out.yaw = src.yaw;
  out.pitch = src.pitch;
  out.roll = src.roll;
  out.residual = src.residual;
  return out;
}

export interface ReenactSource {
  pose: HeadPose;
  /** The source's canonical key-points (its neutral face when known, else its single frame's q). */
  canonical: Float32Array;
}

export interface ReenactDriver {
  pose: HeadPose;
  /** The driver's neutral face (canonical), for the expression's rescaling. */
  canonical: Float32Array;
  /** The driver's expression in canonical space (q - neutral). */
  expression: Float32Array;
}

export class Reenactor {
  mode: ReenactMode;
  private readonly srcPose = newHeadPose();
  private readonly srcCan = new Float32Array(N * 3);
  private hasSource = false;
  private readonly ref = newHeadPose();
  private hasRef = false;
  private readonly tmp = new Float64Array(9);
  private readonly tmp2 = new Float64Array(9);
  private readonly k = new Float64Array([1, 1, 1]);
  private readonly q = new Float64Array(N * 3);
  private fixedScale: [number, number, number] | null;

  constructor(opts: { mode?: ReenactMode; expressionScale?: [number, number, number] } = {}) {
    this.mode = opts.mode ?? 'relative';
    this.fixedScale = opts.expressionScale ?? null;
  }

  setSource(src: ReenactSource): void {
    copyPose(src.pose, this.srcPose);
    this.srcCan.set(src.canonical);
    this.hasSource = true;
  }

  /** Uses this driver pose as the reference of relative mode (default: the first driver frame). */
  setReference(pose: HeadPose): void {
    copyPose(pose, this.ref);
    this.hasRef = true;
  }

  resetReference(): void {
    this.hasRef = false;
  }

  /** The target pose for this driver frame (mode-dependent). */
  targetPose(driver: HeadPose, out: HeadPose = newHeadPose()): HeadPose {
    if (this.mode === 'absolute') return copyPose(driver, out);
    if (!this.hasRef) this.setReference(driver);
    const ref = this.ref;
    const src = this.srcPose;
    // R = R_t R_ref^T R_src
    mat3Mul(driver.rotation, mat3Transpose(ref.rotation, this.tmp), this.tmp2);
    mat3Mul(this.tmp2, src.rotation, out.rotation);
    const k = src.scale / ref.scale;
    out.scale = driver.scale * k;
    for (let a = 0; a < 3; a++)
      out.translation[a] = src.translation[a] + (driver.translation[a] - ref.translation[a]) * k;
    out.residual = driver.residual;
    return setAngles(out);
  }

  /**
   * Target key-points p_adapt (478 x 3, the source image's pixel space) for one driver frame; returns the
   * target pose. Throws if no source was set.
   */
  update(driver: ReenactDriver, out: Float32Array, outPose: HeadPose = newHeadPose()): HeadPose {
    if (!this.hasSource) throw new Error('Reenactor: setSource() first');
    const pose = this.targetPose(driver.pose, outPose);
    const k = this.k;
    if (this.fixedScale) k.set(this.fixedScale);
    else k.set(expressionScale(this.srcCan, driver.canonical));
    const lid = lidScale(this.srcCan, driver.canonical);
    const R = pose.rotation;
    const s = pose.scale;
    const t = pose.translation;
    const c = this.srcCan;
    const e = driver.expression;
    const q = this.q;
    for (let i = 0; i < N; i++) {
      const eye = LID_EYE[i];
      const ky = eye === 0 ? k[1] : eye === 1 ? lid.right : lid.left;
      q[i * 3] = c[i * 3] + k[0] * e[i * 3];
      q[i * 3 + 1] = c[i * 3 + 1] + ky * e[i * 3 + 1];
      q[i * 3 + 2] = c[i * 3 + 2] + k[2] * e[i * 3 + 2];
    }
    uncross(q);
    for (let i = 0; i < N; i++) {
      const x = q[i * 3];
      const y = q[i * 3 + 1];
      const z = q[i * 3 + 2];
      out[i * 3] = s * (R[0] * x + R[1] * y + R[2] * z) + t[0];
      out[i * 3 + 1] = s * (R[3] * x + R[4] * y + R[5] * z) + t[1];
      out[i * 3 + 2] = s * (R[6] * x + R[7] * y + R[8] * z) + t[2];
    }
    return pose;
  }
}
