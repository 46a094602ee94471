// One Euro filter (Casiez, Roussel, Vogel, CHI 2012): a low-pass filter whose cut-off rises with speed, so a still
// signal loses its jitter while fast motion keeps little lag. The one filter of the project: the tracker smooths
// 478 x 3 landmark values channel by channel; the eye-contact policy smooths a gaze vector whose norm of change
// sets one cut-off for all its channels (`speed: 'norm'`), so a saccade passes on both angles at once.

export interface OneEuroOptions {
  /** Cut-off at rest, Hz: lower = smoother when still. */
  minCutoff?: number;
  /** How fast the cut-off grows with speed: higher = less lag on fast motion. */
  beta?: number;
  /** Cut-off for the speed estimate, Hz. */
  dCutoff?: number;
  /** 'channel': each value's own speed sets its cut-off (default); 'norm': the vector's speed sets one for all. */
  speed?: 'channel' | 'norm';
}

type Values = Float32Array | Float64Array;

const alpha = (cutoff: number, dt: number) => {
  const tau = 1 / (2 * Math.PI * cutoff);
  return 1 / (1 + tau / dt);
};

export class OneEuroFilter {
  readonly minCutoff: number;
  readonly beta: number;
  readonly dCutoff: number;
  readonly speed: 'channel' | 'norm';
  // State keeps the caller's precision (Float32 landmarks, Float64 gaze angles).
  #x: Values | null = null;
  #dx: Values | null = null;
  #t = 0;

  constructor(opts: OneEuroOptions = {}) {
    this.minCutoff = opts.minCutoff ?? 1;
    this.beta = opts.beta ?? 0.05;
    this.dCutoff = opts.dCutoff ?? 1;
    this.speed = opts.speed ?? 'channel';
  }

  /** Filters `value` (seconds `t`), in place, and returns it. `scale` divides speeds, so beta is size-independent
   * (e.g. the face's size in pixels). */
  filter<T extends Values>(value: T, t: number, scale = 1): T {
    if (!this.#x || this.#x.length !== value.length || !this.#dx) {
      this.#x = value.slice();
      this.#dx = value.slice().fill(0);
      this.#t = t;
      return value;
    }
    const dt = t - this.#t;
    if (!(dt > 0)) {
      value.set(this.#x);
      return value;
    }
    this.#t = t;
    const ad = alpha(this.dCutoff, dt);
    const x = this.#x;
    const dx = this.#dx;
    if (this.speed === 'norm') {
      let sq = 0;
      for (let i = 0; i < value.length; i++) {
        dx[i] += ad * ((value[i] - x[i]) / dt - dx[i]);
        sq += dx[i] * dx[i];
      }
      const a = alpha(this.minCutoff + (this.beta * Math.sqrt(sq)) / scale, dt);
      for (let i = 0; i < value.length; i++) {
        x[i] += a * (value[i] - x[i]);
        value[i] = x[i];
      }
      return value;
    }
    for (let i = 0; i < value.length; i++) {
      const d = (value[i] - x[i]) / dt;
      const ed = dx[i] + ad * (d - dx[i]);
      dx[i] = ed;
      const cutoff = this.minCutoff + (this.beta * Math.abs(ed)) / scale;
      const a = alpha(cutoff, dt);
      x[i] += a * (value[i] - x[i]);
      value[i] = x[i];
    }
    return value;
  }

  reset(): void {
    this.#x = null;
    this.#dx = null;
  }
}
