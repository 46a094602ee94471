// One Euro filter (Casiez, Roussel, Vogel, CHI 2012): a low-pass filter whose cut-off rises with speed, so a still
// signal loses its jitter while fast motion keeps little lag. One filter state per channel (e.g. 478*3 values).

export interface OneEuroOptions {
  /** Cut-off at rest, Hz: lower = smoother when still. */
  minCutoff?: number;
  /** How fast the cut-off grows with speed: higher = less lag on fast motion. */
  beta?: number;
  /** Cut-off for the speed estimate, Hz. */
  dCutoff?: number;
}

const alpha = (cutoff: number, dt: number) => {
  const tau = 1 / (2 * Math.PI * cutoff);
  return 1 / (1 + tau / dt);
};

export class OneEuroFilter {
  readonly minCutoff: number;
  readonly beta: number;
  readonly dCutoff: number;
  #x: Float32Array | null = null;
  #dx: Float32Array | null = null;
  #t = 0;

  constructor(opts: OneEuroOptions = {}) {
    this.minCutoff = opts.minCutoff ?? 1;
    this.beta = opts.beta ?? 0.05;
    this.dCutoff = opts.dCutoff ?? 1;
  }

  /** Filters `value` (seconds `t`), in place, and returns it. `scale` divides speeds, so beta is size-independent
   * (e.g. the face's size in pixels). */
  filter(value: Float32Array, t: number, scale = 1): Float32Array {
    if (!this.#x || this.#x.length !== value.length || !this.#dx) {
      this.#x = Float32Array.from(value);
      this.#dx = new Float32Array(value.length);
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
