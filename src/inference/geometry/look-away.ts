// Natural look-away for eye contact: an unbroken stare into the camera reads as uncanny, so now and then the
// redirected gaze glances a few degrees aside (mostly sideways, a little down, as people do when thinking) for
// under a second, then returns. Glances are drawn from a seeded generator so a render or a test is the same on
// every run; they move at saccade speed (a short time constant), never drift.

export interface LookAwayOptions {
  /** Seconds between glances, drawn uniformly in [min, max]. Default 4..9. */
  intervalS?: readonly [number, number];
  /** Glance duration, seconds. Default 0.35..0.9. */
  durationS?: readonly [number, number];
  /** Glance size, degrees. Default 4..8. */
  sizeDeg?: readonly [number, number];
  /** Time constant of going there and back, ms. Default 35 (a saccade of a few degrees). */
  moveMs?: number;
  seed?: number;
}

/** mulberry32: a small seeded generator, enough for glance timing. */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export class LookAway {
  readonly #interval: readonly [number, number];
  readonly #duration: readonly [number, number];
  readonly #size: readonly [number, number];
  readonly #moveMs: number;
  readonly #seed: number;
  #rand: () => number;
  #next = Number.NaN;
  #until = Number.NaN;
  #goal = [0, 0];
  #lastMs = Number.NaN;
  /** Current offset (yaw, pitch) in degrees; yaw > 0 toward the image's left, pitch > 0 down. */
  readonly offset = new Float64Array(2);

  constructor(opts: LookAwayOptions = {}) {
    this.#interval = opts.intervalS ?? [4, 9];
    this.#duration = opts.durationS ?? [0.35, 0.9];
    this.#size = opts.sizeDeg ?? [4, 8];
    this.#moveMs = opts.moveMs ?? 35;
    this.#seed = opts.seed ?? 1;
    this.#rand = random(this.#seed);
  }

  #uniform(r: readonly [number, number]): number {
    return r[0] + (r[1] - r[0]) * this.#rand();
  }

  /** Advances to `tMs`; returns the offset (degrees) to add to the camera direction. */
  update(tMs: number): Float64Array {
    if (Number.isNaN(this.#next)) this.#next = tMs + 1000 * this.#uniform(this.#interval);
    if (tMs >= this.#next) {
      const size = this.#uniform(this.#size);
      // Mostly sideways, sometimes down (where the screen is), never up.
      const a = (this.#rand() < 0.5 ? 0 : Math.PI) + (this.#rand() - 0.5) * 1.2;
      this.#goal = [size * Math.cos(a), Math.abs(size * Math.sin(a))];
      this.#until = tMs + 1000 * this.#uniform(this.#duration);
      this.#next = this.#until + 1000 * this.#uniform(this.#interval);
    }
    const on = tMs < this.#until;
    const dt = Number.isNaN(this.#lastMs) ? 0 : Math.max(0, tMs - this.#lastMs);
    this.#lastMs = tMs;
    const k = 1 - Math.exp(-dt / this.#moveMs);
    for (let i = 0; i < 2; i++) this.offset[i] += ((on ? this.#goal[i] : 0) - this.offset[i]) * k;
    return this.offset;
  }

  reset(): void {
    this.#rand = random(this.#seed);
    this.#next = Number.NaN;
    this.#until = Number.NaN;
    this.#lastMs = Number.NaN;
    this.offset.fill(0);
  }
}
