// Eye-contact policy: where each eye should look in the output.
//
// The target is each eye looking into the camera (camera-ray.ts: in the axes the gaze is measured in). How much of it is applied depends on how far
// the user's own gaze is from the camera: fully while within `fullDeg` (reading the screen near the camera),
// fading linearly to nothing at `noneDeg` (looking away on purpose is kept: never a fixed stare); and on the
// head: a head pitched or turned far from the camera fades it out too (pitch `headPitchDeg`, yaw `headYawDeg`
// bands), so a turned head's eyes are not wrenched toward the lens. A closing eye fades out of the redirection
// (the lids close over a blink instead of being held up), a closed eye is never redirected, and the strength
// is frozen during the blink, so the eye does not first reappear unredirected. The measured gaze is steadied by
// a one-euro filter (no lag on saccades); the strength eases in and out with time constants, so crossing a fade
// band never pops and a saccade that sweeps past the camera is not pulled into it. An optional natural
// look-away (look-away.ts) adds brief small glances so the stare is not unbroken.
//
// Per eye the output carries `from` (the filtered measured gaze) and `direction` (the gaze to show): the
// correction applied to the pixels is the rotation between the two, so tracker noise in the measured gaze is
// not injected into the output.
//
// Works for the user's own eyes (target eyes = the user's) and for an avatar's (pass the avatar's eye
// centres in camera space: the direction to the camera is taken from where the drawn eyes are).
import { OneEuroFilter } from '../face/one-euro.ts';
import { cameraDirection } from './camera-ray.ts';
import { LookAway, type LookAwayOptions } from './look-away.ts';
import { angleBetween, normalize3, RAD, slerp3 } from './math.ts';
import type { EyeContactTarget, GazeResult } from './types.ts';

const EYE_SIDES = ['left', 'right'] as const;

/** Default band of the gaze's angle to the camera: full correction within, none beyond (degrees). */
export const EYE_CONTACT_FULL_DEG = 20;
export const EYE_CONTACT_NONE_DEG = 30;

export interface EyeContactOptions {
  /** Full redirection within this angle (deg) between gaze and the camera. Default 20. */
  fullDeg?: number;
  /** No redirection from this angle (deg) on. Default 30. */
  noneDeg?: number;
  /** Head pitch band (|deg|): full below the first, none from the second. Default [15, 25]. */
  headPitchDeg?: readonly [number, number];
  /** Head yaw band (|deg|). Default [25, 30]. */
  headYawDeg?: readonly [number, number];
  /** Blink measure band (0 open .. 1 closed): full below the first, none from the second. Default [0.3, 0.55]. */
  blinkBand?: readonly [number, number];
  /** Time constants (ms) of the redirection strength rising and falling. Defaults 200 and 120: a saccade that
   * passes through the camera's neighbourhood barely triggers it, and neither onset nor release snaps. */
  riseMs?: number;
  fallMs?: number;
  /** Natural look-away: brief small glances off the camera. Default on; false turns it off. */
  lookAway?: boolean | LookAwayOptions;
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
  const eye = () => ({ from: Float64Array.of(0, 0, -1), direction: Float64Array.of(0, 0, -1), weight: 0 });
  return { redirect: 0, left: eye(), right: eye() };
}

/** What the policy reads besides the gaze: the head's angles and each eye's blink measure. */
export interface EyeContactInput {
  head?: { yaw: number; pitch: number };
  blink?: { left: number; right: number };
}

export class EyeContactPolicy {
  readonly fullDeg: number;
  readonly noneDeg: number;
  private readonly headPitch: readonly [number, number];
  private readonly headYaw: readonly [number, number];
  private readonly blinkBand: readonly [number, number];
  private readonly riseMs: number;
  private readonly fallMs: number;
  private readonly filters: Record<'left' | 'right', OneEuroFilter>;
  private readonly lookAway: LookAway | null;
  private readonly angles = new Float64Array(2);
  private readonly dir = { left: new Float64Array(3), right: new Float64Array(3) };
  private readonly toCam = new Float64Array(3);
  private weight = 0;
  private lastMs = Number.NaN;
  /** Angle (deg) between the filtered gaze and the camera, mean of the open eyes; NaN when both are closed. */
  cameraAngle = Number.NaN;

  constructor(opts: EyeContactOptions = {}) {
    this.fullDeg = opts.fullDeg ?? EYE_CONTACT_FULL_DEG;
    this.noneDeg = opts.noneDeg ?? EYE_CONTACT_NONE_DEG;
    if (!(this.noneDeg > this.fullDeg)) throw new RangeError('eye contact: noneDeg must exceed fullDeg');
    this.headPitch = opts.headPitchDeg ?? [15, 25];
    this.headYaw = opts.headYawDeg ?? [25, 30];
    this.blinkBand = opts.blinkBand ?? [0.3, 0.55];
    for (const b of [this.headPitch, this.headYaw, this.blinkBand])
      if (!(b[1] > b[0])) throw new RangeError('eye contact: a band must end after it starts');
    this.riseMs = opts.riseMs ?? 200;
    this.fallMs = opts.fallMs ?? 120;
    const la = opts.lookAway ?? true;
    this.lookAway = la === false ? null : new LookAway(la === true ? {} : la);
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
   * are (default: the user's own eyes); `input` the head's angles and the eyes' blink measures.
   */
  update(
    gaze: GazeResult,
    tMs: number,
    targetEyes?: { left: ArrayLike<number>; right: ArrayLike<number> },
    out: EyeContactTarget = newEyeContactTarget(),
    input: EyeContactInput = {},
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
        sum += angleBetween(
          d,
          cameraDirection(g.centreMm, gaze.left.centreMm, gaze.right.centreMm, this.toCam),
        );
        open++;
      } else {
        d.set(g.direction);
      }
    }
    const dt = Number.isNaN(this.lastMs) ? Number.POSITIVE_INFINITY : Math.max(0, tMs - this.lastMs);
    this.lastMs = tMs;
    if (open > 0) {
      this.cameraAngle = sum / open;
      let w = redirectWeight(this.cameraAngle, this.fullDeg, this.noneDeg);
      if (input.head) {
        w *= redirectWeight(Math.abs(input.head.pitch), this.headPitch[0], this.headPitch[1]);
        w *= redirectWeight(Math.abs(input.head.yaw), this.headYaw[0], this.headYaw[1]);
      }
      const tau = w > this.weight ? this.riseMs : this.fallMs;
      this.weight += (w - this.weight) * (1 - Math.exp(-dt / tau));
      // The last percent of a release is let go at once: a frame looking away is then the camera's own.
      if (w === 0 && this.weight < 0.01) this.weight = 0;
    } else {
      this.cameraAngle = Number.NaN;
    }
    const glance = this.lookAway ? this.lookAway.update(tMs) : null;
    out.redirect = open > 0 ? this.weight : 0;
    for (const eye of EYE_SIDES) {
      const g = gaze[eye];
      const o = out[eye];
      o.from.set(this.dir[eye]);
      if (!g.open) {
        o.weight = 0;
        o.direction.set(g.direction);
        o.from.set(g.direction);
        continue;
      }
      const eyes = targetEyes ?? { left: gaze.left.centreMm, right: gaze.right.centreMm };
      cameraDirection(eyes[eye], eyes.left, eyes.right, this.toCam);
      if (glance) aside(this.toCam, glance[0], glance[1]);
      const b = input.blink ? input.blink[eye] : 0;
      o.weight = this.weight * redirectWeight(b, this.blinkBand[0], this.blinkBand[1]);
      slerp3(this.dir[eye], this.toCam, o.weight, o.direction);
    }
    return out;
  }

  reset(): void {
    this.filters.left.reset();
    this.filters.right.reset();
    this.lookAway?.reset();
    this.weight = 0;
    this.lastMs = Number.NaN;
    this.cameraAngle = Number.NaN;
  }
}

/** Turns unit vector `v` (in place) by yaw/pitch offsets in degrees (yaw > 0 toward -x, pitch > 0 toward +y). */
function aside(v: Float64Array, yawDeg: number, pitchDeg: number): void {
  if (yawDeg === 0 && pitchDeg === 0) return;
  const yaw = Math.atan2(-v[0], -v[2]) + yawDeg * RAD;
  const pitch = Math.atan2(v[1], -v[2]) + pitchDeg * RAD;
  v[0] = -Math.tan(yaw);
  v[1] = Math.tan(pitch);
  v[2] = -1;
  normalize3(v);
}
