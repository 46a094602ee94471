// Head pose: weighted similarity fit of the landmarks' rigid points to the canonical template, p = s R c + t,
// with a couple of robust re-weighting rounds (Cauchy weights on the residuals) so a badly tracked point or a
// strong grimace near a rigid point does not tilt the whole head.
//
// Euler angles: R = Rz(roll) Ry(yaw) Rx(pitch) in image axes (x right, y down, z away), so yaw > 0 turns the
// face toward the image's left, pitch > 0 tilts it down, roll > 0 leans it clockwise on screen: the same signs
// as the Human peer's angles (checked on the fixture drivers).

import { rigidIndexAndWeights } from './landmarks.ts';
import { DEG, mat3ToEuler } from './math.ts';
import { TEMPLATE } from './template-data.ts';
import type { HeadPose } from './types.ts';
import { newSimilarity, type Similarity, SimilarityFitter } from './umeyama.ts';

export function newHeadPose(): HeadPose {
  return {
    scale: 1,
    rotation: new Float64Array(9),
    translation: new Float64Array(3),
    yaw: 0,
    pitch: 0,
    roll: 0,
    residual: 0,
  };
}

export interface PoseEstimatorOptions {
  /** Canonical template (478 x 3). Default: the committed template. */
  template?: Float32Array;
  /** Robust re-weighting rounds after the first fit (0 = plain weighted least squares). Default 2. */
  robustRounds?: number;
}

export class PoseEstimator {
  readonly template: Float32Array;
  private readonly indices: Uint16Array;
  private readonly baseWeights: Float64Array;
  private readonly weights: Float64Array;
  private readonly fitter = new SimilarityFitter();
  private readonly sim: Similarity = newSimilarity();
  private readonly rounds: number;

  constructor(opts: PoseEstimatorOptions = {}) {
    this.template = opts.template ?? TEMPLATE;
    const { indices, weights } = rigidIndexAndWeights();
    this.indices = indices;
    this.baseWeights = weights;
    this.weights = Float64Array.from(weights);
    this.rounds = opts.robustRounds ?? 2;
  }

  /** Fits the pose of one face's landmarks (478 x 3, image space). Writes into `out` when given. */
  estimate(landmarks: ArrayLike<number>, out: HeadPose = newHeadPose()): HeadPose {
    const tpl = this.template;
    const w = this.weights;
    w.set(this.baseWeights);
    const sim = this.sim;
    this.fitter.fit(tpl, landmarks, this.indices, w, sim);
    for (let round = 0; round < this.rounds; round++) {
      // Cauchy weights with a scale of 2x the current RMS residual.
      const c2 = (2 * sim.rms) ** 2 || 1;
      const R = sim.rotation;
      const s = sim.scale;
      const t = sim.translation;
      for (let k = 0; k < this.indices.length; k++) {
        const i = this.indices[k];
        const x = tpl[i * 3];
        const y = tpl[i * 3 + 1];
        const z = tpl[i * 3 + 2];
        const ex = landmarks[i * 3] - (s * (R[0] * x + R[1] * y + R[2] * z) + t[0]);
        const ey = landmarks[i * 3 + 1] - (s * (R[3] * x + R[4] * y + R[5] * z) + t[1]);
        const ez = landmarks[i * 3 + 2] - (s * (R[6] * x + R[7] * y + R[8] * z) + t[2]);
        w[i] = this.baseWeights[i] / (1 + (ex * ex + ey * ey + ez * ez) / c2);
      }
      this.fitter.fit(tpl, landmarks, this.indices, w, sim);
    }
    out.scale = sim.scale;
    out.rotation.set(sim.rotation);
    out.translation.set(sim.translation);
    out.residual = sim.rms / sim.scale;
    setAngles(out);
    return out;
  }
}

/** Fills yaw/pitch/roll (degrees) from out.rotation. */
export function setAngles(pose: HeadPose): HeadPose {
  const e = mat3ToEuler(pose.rotation);
  pose.yaw = e.yaw * DEG;
  pose.pitch = e.pitch * DEG;
  pose.roll = e.roll * DEG;
  return pose;
}
