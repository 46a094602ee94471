// Eye-contact policy: where each eye should look in the output.
//
// The target is the direction from each eye toward the camera. How much of it is applied depends on how far
// the user's own gaze is from the camera: fully while within `fullDeg` (reading the screen near the camera),
// fading linearly to nothing at `noneDeg` (looking away on purpose is kept: never a fixed stare). A closed
// eye is never redirected (blinks pass through) and the strength is frozen during the blink, so the eye does
// not first reappear unredirected. The measured gaze is steadied by a one-euro filter (no lag on saccades);
// the strength eases in slowly and out quickly, so crossing the fade band never pops and a saccade that
// sweeps past the camera is not pulled into it.
//
// Works for the user's own eyes (target eyes = the user's) and for an avatar's (pass the avatar's eye
// centres in camera space: the direction to the camera is taken from where the drawn eyes are).
import { OneEuroFilter } from '../face/one-euro.ts';
import { angleBetween, normalize3, RAD, slerp3 } from './math.ts';
import type { EyeContactTarget, GazeResult } from './types.ts';

const EYE_SIDES = ['left', 'right'] as const;

export interface EyeContactOptions {
  /** Full redirection within this angle (deg) between gaze and the camera. Default 10. */
  fullDeg?: number;
  /** No redirection from this angle (deg) on. Default 35. */
  noneDeg?: number;
  /** Time constants (ms) of the redirection strength rising and falling. Defaults 150 and 40: a saccade that
   * passes through the camera's neighbourhood barely triggers it, looking away releases it at once. */
  riseMs?: number;
  fallMs?: number;
  /** One-euro filter of the gaze angles: cut-off at rest (Hz), per deg/s, of the speed. Defaults 1.5, 0.05, 2 (a 90-deg saccade at 25 fps is followed within ~2 frames, +-1 deg jitter is damped ~5x). */
  minCutoff?: number;
  beta?: number;
  dCutoff?: number;
}

/** Linear fade: 1 up to full, 0 from none on. */
export function redirectWeight(angleDeg: number, fullDeg: number, noneDeg: number): number {
  if (angleDeg <= fullDeg) return 1;
  if (angleDeg >= noneDeg) return 0;
  return (noneDeg - angleDeg) / (noneDeg - fullDeg);
}

export function newEyeContactTarget(): EyeContactTarget {
  return {
    redirect: 0,
    left: { direction: Float64Array.of(0, 0, -1), weight: 0 },
    right: { direction: Float64Array.of(0, 0, -1), weight: 0 },
  };
}

export class EyeContactPolicy {
  readonly fullDeg: number;
  readonly noneDeg: number;
  private readonly riseMs: number;
  private readonly fallMs: number;
  private readonly filters: Record<'left' | 'right', OneEuroFilter>;
  private readonly angles = new Float64Array(2);
  private readonly dir = { left: new Float64Array(3), right: new Float64Array(3) };
  private readonly toCam = new Float64Array(3);
  private weight = 0;
  private lastMs = Number.NaN;
  /** Angle (deg) between the filtered gaze and the camera, mean of the open eyes; NaN when both are closed. */
  cameraAngle = Number.NaN;

  constructor(opts: EyeContactOptions = {}) {
    this.fullDeg = opts.fullDeg ?? 10;
    this.noneDeg = opts.noneDeg ?? 35;
    if (!(this.noneDeg > this.fullDeg)) throw new RangeError('eye contact: noneDeg must exceed fullDeg');
    this.riseMs = opts.riseMs ?? 150;
    this.fallMs = opts.fallMs ?? 40;
    const f = {
      minCutoff: opts.minCutoff ?? 1.5,
      beta: opts.beta ?? 0.05,
      dCutoff: opts.dCutoff ?? 2,
      speed: 'norm' as const,
    };
    this.filters = { left: new OneEuroFilter(f), right: new OneEuroFilter(f) };
  }

  /**
   * One frame: `gaze` is the user's measured gaze; `targetEyes` (camera space, mm) are where the output's eyes
   * are (default: the user's own eyes).
   */
  update(
    gaze: GazeResult,
    tMs: number,
    targetEyes?: { left: ArrayLike<number>; right: ArrayLike<number> },
    out: EyeContactTarget = newEyeContactTarget(),
  ): EyeContactTarget {
    let sum = 0;
    let open = 0;
    for (const eye of EYE_SIDES) {
      const g = gaze[eye];
      const d = this.dir[eye];
      if (g.open) {
        this.angles[0] = g.yaw;
        this.angles[1] = g.pitch;
        this.filters[eye].filter(this.angles, tMs / 1000);
        // Back from (yaw, pitch) to a unit vector (yaw > 0 looks toward -x, pitch > 0 toward +y).
        d[0] = -Math.tan(this.angles[0] * RAD);
        d[1] = Math.tan(this.angles[1] * RAD);
        d[2] = -1;
        normalize3(d);
        const c = g.centreMm;
        sum += angleBetween(d, [-c[0], -c[1], -c[2]]);
        open++;
      } else {
        d.set(g.direction);
      }
    }
    const dt = Number.isNaN(this.lastMs) ? Number.POSITIVE_INFINITY : Math.max(0, tMs - this.lastMs);
    this.lastMs = tMs;
    if (open > 0) {
      this.cameraAngle = sum / open;
      const w = redirectWeight(this.cameraAngle, this.fullDeg, this.noneDeg);
      const tau = w > this.weight ? this.riseMs : this.fallMs;
      this.weight += (w - this.weight) * (1 - Math.exp(-dt / tau));
    } else {
      this.cameraAngle = Number.NaN;
    }
    out.redirect = open > 0 ? this.weight : 0;
    for (const eye of EYE_SIDES) {
      const g = gaze[eye];
      const o = out[eye];
      if (!g.open) {
        o.weight = 0;
        o.direction.set(g.direction);
        continue;
      }
      const c = targetEyes ? targetEyes[eye] : g.centreMm;
      this.toCam[0] = -c[0];
      this.toCam[1] = -c[1];
      this.toCam[2] = -c[2];
      normalize3(this.toCam);
      o.weight = this.weight;
      slerp3(this.dir[eye], this.toCam, this.weight, o.direction);
    }
    return out;
  }

  reset(): void {
    this.filters.left.reset();
    this.filters.right.reset();
    this.weight = 0;
    this.lastMs = Number.NaN;
    this.cameraAngle = Number.NaN;
  }
}
