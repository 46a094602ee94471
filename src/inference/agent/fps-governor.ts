// How often the frame loop may start a frame. When the cores are short an agent should degrade, not fall over:
// it steps its output rate down a ladder to what it sustains, leaving the rest of the CPU to the other agents
// (processing as fast as possible, every agent would fight for every cycle and the latency of all would grow),
// and steps up again when its frames take well under the time a faster rate allows. The loop reports a lowered
// rate as 'busy' ("server busy" in the client). It steps down only after two windows in a row of a typical
// (median) frame too slow for the rate, and climbs straight to the rate its frames allow: with one window and
// one rung a time, a transient (the other agent's model warm-up) held one of two users on two cores at 8-12 fps
// for the rest of a 15-second measurement while the cores were a third idle.

/** Output rates tried, fastest first; the last is the floor. */
export const FPS_LADDER = [30, 25, 20, 15, 12, 10, 8] as const;
/** Seconds of history each decision looks at. */
const WINDOW_MS = 2000;
/** Below this share of its target a rate is not sustained... */
const SUSTAIN = 0.85;
/** ...and it is the agent's fault only when its typical frame takes more than this share of the interval. */
const SLOW = 0.9;
/** Step up when the typical frame takes less than this share of the faster rate's interval. */
const HEADROOM = 0.75;

export class FpsGovernor {
  #level = 0;
  /** Windows in a row that found the rate not sustained. */
  #short = 0;
  #lastStart = Number.NEGATIVE_INFINITY;
  #decidedAt: number;
  #starts: number[] = [];
  #inputs: number[] = [];
  #durations: Array<{ t: number; ms: number }> = [];

  constructor(now = performance.now()) {
    this.#decidedAt = now;
  }

  /** The output rate allowed now. */
  get fps(): number {
    return FPS_LADDER[this.#level];
  }

  /** Whether the rate is below what the camera offers (the agent is holding back for the server's sake). */
  degraded(now = performance.now()): boolean {
    return this.#level > 0 && this.fps < 0.9 * this.#rate(this.#inputs, now);
  }

  /** A camera frame arrived. */
  input(now = performance.now()): void {
    this.#inputs.push(now);
  }

  /** Milliseconds until the next frame may start (0: now). A little early is allowed for camera jitter. */
  waitMs(now = performance.now()): number {
    return Math.max(0, this.#lastStart + 0.9 * (1000 / this.fps) - now);
  }

  started(now = performance.now()): void {
    this.#lastStart = now;
    this.#starts.push(now);
  }

  /** A frame finished after `ms` (wall time: waiting for a core counts, which is the point). */
  finished(ms: number, now = performance.now()): void {
    this.#durations.push({ t: now, ms });
    if (now - this.#decidedAt < WINDOW_MS) return;
    this.#decidedAt = now;
    this.#trim(now);
    const offered = this.#rate(this.#inputs, now);
    const achieved = this.#rate(this.#starts, now);
    const target = Math.min(this.fps, offered);
    const typicalMs = median(this.#durations.map((d) => d.ms));
    const slow = typicalMs > SLOW * (1000 / target);
    this.#short = achieved < SUSTAIN * target && slow ? this.#short + 1 : 0;
    const last = FPS_LADDER.length - 1;
    if (this.#short >= 2 && this.#level < last) {
      // The fastest rung its frames sustain (or that it achieved, if more), at least one down.
      const sustainable = Math.max(achieved, (SLOW * 1000) / Math.max(typicalMs, 1e-3));
      let next = this.#level + 1;
      while (next < last && FPS_LADDER[next] > sustainable) next++;
      this.#level = next;
      this.#short = 0;
    } else if (this.#level > 0 && this.#short === 0) {
      let next = this.#level;
      const fits = (fps: number) => typicalMs < HEADROOM * (1000 / fps) && offered >= 0.9 * fps;
      while (next > 0 && fits(FPS_LADDER[next - 1])) next--;
      this.#level = next;
    }
  }

  #rate(times: number[], now: number): number {
    const recent = times.filter((t) => now - t <= WINDOW_MS);
    return (recent.length * 1000) / WINDOW_MS;
  }

  #trim(now: number): void {
    const old = (t: number) => now - t > WINDOW_MS;
    while (this.#inputs.length && old(this.#inputs[0])) this.#inputs.shift();
    while (this.#starts.length && old(this.#starts[0])) this.#starts.shift();
    while (this.#durations.length && old(this.#durations[0].t)) this.#durations.shift();
  }
}

function median(values: number[]): number {
  if (values.length === 0) return 0;
  const v = [...values].sort((a, b) => a - b);
  const mid = v.length >> 1;
  return v.length % 2 ? v[mid] : (v[mid - 1] + v[mid]) / 2;
}
