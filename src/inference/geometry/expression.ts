// Canonical key-points and expression (paper Eq. 1): q = (1/s) R^-1 (p - t) is a frame's face in the head's
// own frame, identity + expression; the identity part is the driver's neutral face, estimated over time, and
// the expression is e = q - neutral (so p_can = (1/s) R^-1 (p - d - t) = neutral with d = s R e).
//
// The neutral face is a per-coordinate median of canonical frames sampled over time (at most one every
// `minIntervalMs`, the last `capacity` of them), taken only from frames that look neutral: mouth closed, eyes
// open, head not turned far (a turned face has self-occluded, less reliable points). Until such frames exist
// the median of all sampled frames stands in, so a user who starts talking at once still gets a stable
// estimate instead of their first frame's expression.
import {
  LANDMARK_COUNT,
  LEFT_EYE_CORNERS,
  LEFT_LID_PAIRS,
  MOUTH_PAIRS,
  RIGHT_EYE_CORNERS,
  RIGHT_LID_PAIRS,
} from './landmarks.ts';
import type { FaceMeasures, HeadPose } from './types.ts';
import { invertSimilarity } from './umeyama.ts';

export const POINTS = LANDMARK_COUNT;

/** q = (1/s) R^T (p - t): the frame's face in canonical space (identity + expression). */
export function toCanonical(landmarks: ArrayLike<number>, pose: HeadPose, out: Float32Array): Float32Array {
  invertSimilarity(pose, landmarks, out);
  return out;
}

function dist(p: ArrayLike<number>, a: number, b: number): number {
  return Math.hypot(p[a * 3] - p[b * 3], p[a * 3 + 1] - p[b * 3 + 1], p[a * 3 + 2] - p[b * 3 + 2]);
}

function lidOpening(
  p: ArrayLike<number>,
  pairs: ReadonlyArray<readonly [number, number]>,
  corners: readonly [number, number],
): number {
  let gap = 0;
  for (const [u, l] of pairs) gap += dist(p, u, l);
  return gap / pairs.length / dist(p, corners[0], corners[1]);
}

/** Distance between the two eyes' corner midpoints (canonical units): the face-size unit of the measures. */
export function interOcular(p: ArrayLike<number>): number {
  const rx = (p[RIGHT_EYE_CORNERS[0] * 3] + p[RIGHT_EYE_CORNERS[1] * 3]) / 2;
  const ry = (p[RIGHT_EYE_CORNERS[0] * 3 + 1] + p[RIGHT_EYE_CORNERS[1] * 3 + 1]) / 2;
  const rz = (p[RIGHT_EYE_CORNERS[0] * 3 + 2] + p[RIGHT_EYE_CORNERS[1] * 3 + 2]) / 2;
  const lx = (p[LEFT_EYE_CORNERS[0] * 3] + p[LEFT_EYE_CORNERS[1] * 3]) / 2;
  const ly = (p[LEFT_EYE_CORNERS[0] * 3 + 1] + p[LEFT_EYE_CORNERS[1] * 3 + 1]) / 2;
  const lz = (p[LEFT_EYE_CORNERS[0] * 3 + 2] + p[LEFT_EYE_CORNERS[1] * 3 + 2]) / 2;
  return Math.hypot(lx - rx, ly - ry, lz - rz);
}

/** Eye opening per eye: mean lid gap / eye width (scale-free). */
export function eyeOpening(p: ArrayLike<number>): { left: number; right: number } {
  return {
    left: lidOpening(p, LEFT_LID_PAIRS, LEFT_EYE_CORNERS),
    right: lidOpening(p, RIGHT_LID_PAIRS, RIGHT_EYE_CORNERS),
  };
}

/** Mouth opening: mean inner-lip gap / inter-ocular distance (scale-free). */
export function mouthOpening(p: ArrayLike<number>): number {
  let gap = 0;
  for (const [u, l] of MOUTH_PAIRS) gap += dist(p, u, l);
  return gap / MOUTH_PAIRS.length / interOcular(p);
}

/** Mouth, eye-opening and blink measures of canonical points q; blink is relative to the neutral face's eyes. */
export function measureFace(
  q: ArrayLike<number>,
  neutral: ArrayLike<number> | null,
  out?: FaceMeasures,
): FaceMeasures {
  const open = eyeOpening(q);
  const ref = neutral ? eyeOpening(neutral) : null;
  const closed = (v: number, r: number | undefined) => (r && r > 0 ? Math.max(0, Math.min(1, 1 - v / r)) : 0);
  const m = out ?? { mouth: 0, eyeOpen: { left: 0, right: 0 }, blink: { left: 0, right: 0 } };
  m.mouth = mouthOpening(q);
  m.eyeOpen.left = open.left;
  m.eyeOpen.right = open.right;
  m.blink.left = closed(open.left, ref?.left);
  m.blink.right = closed(open.right, ref?.right);
  return m;
}

export interface NeutralFaceOptions {
  /** Samples kept (the median's window). Default 48. */
  capacity?: number;
  /** At most one sample per this many ms. Default 150 (48 samples ~ 7 s). */
  minIntervalMs?: number;
  /** Gate: mouth opening at most this. Default NEUTRAL_MAX_MOUTH. */
  maxMouth?: number;
  /** Gate: both eyes' opening at least this. Default 0.2 (closed eyes measure ~0.1, open ~0.3-0.4). */
  minEyeOpen?: number;
  /** Gate: |yaw| and |pitch| at most this many degrees. Default 25. */
  maxAngle?: number;
}

/** The most mouth opening (mouthOpening) a face may show and still count as neutral. */
export const NEUTRAL_MAX_MOUTH = 0.06;

/** Ring of sampled canonical frames and their per-coordinate median. */
class SamplePool {
  readonly samples: Float32Array[] = [];
  private next = 0;
  count = 0;
  constructor(readonly capacity: number) {}

  add(q: ArrayLike<number>): void {
    if (this.samples.length < this.capacity) {
      const s = new Float32Array(POINTS * 3);
      s.set(q);
      this.samples.push(s);
    } else {
      this.samples[this.next].set(q);
      this.next = (this.next + 1) % this.capacity;
    }
    this.count++;
  }

  clear(): void {
    this.samples.length = 0;
    this.next = 0;
    this.count = 0;
  }

  median(out: Float32Array, scratch: Float64Array): void {
    const n = this.samples.length;
    const col = scratch.subarray(0, n);
    for (let j = 0; j < POINTS * 3; j++) {
      for (let k = 0; k < n; k++) col[k] = this.samples[k][j];
      col.sort();
      out[j] = n % 2 ? col[n >> 1] : (col[(n >> 1) - 1] + col[n >> 1]) / 2;
    }
  }
}

export class NeutralFace {
  private readonly opts: Required<NeutralFaceOptions>;
  private readonly gated: SamplePool;
  private readonly any: SamplePool;
  private readonly current = new Float32Array(POINTS * 3);
  private readonly scratch: Float64Array;
  private lastSampleMs = Number.NEGATIVE_INFINITY;
  private ready = false;
  private fromGated = false;

  constructor(opts: NeutralFaceOptions = {}) {
    this.opts = {
      capacity: opts.capacity ?? 48,
      minIntervalMs: opts.minIntervalMs ?? 150,
      maxMouth: opts.maxMouth ?? NEUTRAL_MAX_MOUTH,
      minEyeOpen: opts.minEyeOpen ?? 0.2,
      maxAngle: opts.maxAngle ?? 25,
    };
    this.gated = new SamplePool(this.opts.capacity);
    this.any = new SamplePool(this.opts.capacity);
    this.scratch = new Float64Array(this.opts.capacity);
  }

  /** Whether a frame with these measures and pose may serve as a neutral sample. */
  isNeutral(m: FaceMeasures, pose: HeadPose): boolean {
    const o = this.opts;
    return (
      m.mouth <= o.maxMouth &&
      m.eyeOpen.left >= o.minEyeOpen &&
      m.eyeOpen.right >= o.minEyeOpen &&
      Math.abs(pose.yaw) <= o.maxAngle &&
      Math.abs(pose.pitch) <= o.maxAngle
    );
  }

  /** Offers a frame's canonical points; returns whether the estimate changed. */
  offer(q: ArrayLike<number>, m: FaceMeasures, pose: HeadPose, tMs: number): boolean {
    if (this.ready && tMs - this.lastSampleMs < this.opts.minIntervalMs) return false;
    this.lastSampleMs = tMs;
    const neutral = this.isNeutral(m, pose);
    if (neutral) this.gated.add(q);
    else if (this.gated.count === 0) this.any.add(q);
    else return false;
    const pool = this.gated.count > 0 ? this.gated : this.any;
    // The median over few samples is cheap; past 8 samples refresh it every 4th sample only.
    if (pool.samples.length > 8 && pool.count % 4 !== 0 && this.fromGated === neutral && this.ready)
      return false;
    pool.median(this.current, this.scratch);
    this.fromGated = pool === this.gated;
    this.ready = true;
    return true;
  }

  /** The current neutral face (478 x 3 canonical), or null before the first frame. */
  get(): Float32Array | null {
    return this.ready ? this.current : null;
  }

  /** Whether the estimate comes from neutral-looking frames (false: the stand-in from any frames). */
  get confident(): boolean {
    return this.fromGated;
  }

  get samples(): number {
    return this.gated.count > 0 ? this.gated.count : this.any.count;
  }

  reset(): void {
    this.gated.clear();
    this.any.clear();
    this.ready = false;
    this.fromGated = false;
    this.lastSampleMs = Number.NEGATIVE_INFINITY;
  }
}
