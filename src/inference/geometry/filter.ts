// One-euro filter (Casiez, Roussel, Vogel 2012): a low-pass whose cut-off rises with the signal's speed, so
// fixations are steadied while saccades pass through without lag.
export interface OneEuroOptions {
  /** Cut-off (Hz) at rest. */
  minCutoff: number;
  /** Cut-off increase per unit of speed (units/s). */
  beta: number;
  /** Cut-off (Hz) of the speed estimate. */
  dCutoff: number;
}

function alpha(cutoff: number, dtS: number): number {
  const tau = 1 / (2 * Math.PI * cutoff);
  return 1 / (1 + tau / dtS);
}

/** One-euro filter over a small vector; the speed is the vector's norm of change. */
export class OneEuroVector {
  private readonly x: Float64Array;
  private readonly dx: Float64Array;
  private lastMs = Number.NaN;

  constructor(
    readonly dims: number,
    readonly opts: OneEuroOptions,
  ) {
    this.x = new Float64Array(dims);
    this.dx = new Float64Array(dims);
  }

  /** Filters `v` in place (the filtered value replaces it) at time tMs. */
  filter(v: Float64Array, tMs: number): Float64Array {
    if (Number.isNaN(this.lastMs) || tMs <= this.lastMs) {
      if (Number.isNaN(this.lastMs)) {
        this.x.set(v);
        this.dx.fill(0);
        this.lastMs = tMs;
      } else v.set(this.x);
      return v;
    }
    const dt = (tMs - this.lastMs) / 1000;
    this.lastMs = tMs;
    const ad = alpha(this.opts.dCutoff, dt);
    let speed = 0;
    for (let i = 0; i < this.dims; i++) {
      const d = (v[i] - this.x[i]) / dt;
      this.dx[i] += ad * (d - this.dx[i]);
      speed += this.dx[i] * this.dx[i];
    }
    const a = alpha(this.opts.minCutoff + this.opts.beta * Math.sqrt(speed), dt);
    for (let i = 0; i < this.dims; i++) {
      this.x[i] += a * (v[i] - this.x[i]);
      v[i] = this.x[i];
    }
    return v;
  }

  reset(): void {
    this.lastMs = Number.NaN;
  }
}
