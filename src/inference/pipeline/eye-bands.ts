// How far the eye warp may reach above and below the lids (eye-warp.ts spreads the lids' movement over these
// bands and leaves everything beyond untouched). Glasses frames and brows must not bend, so each band stops short
// of the first long edge across the eye: a row (parallel to the eye's corner line) whose brightness steps both
// over the eye and beside its outer corner, where a lid crease does not reach but a frame's rim or a brow does;
// and short of the brow's lower key-points. Limits are held per eye over time: a frame line found is kept at once,
// a band grows back slowly, so the warp's reach does not flicker with the detection.
import type { Frame } from '../../video/frame.ts';
import { LEFT_BROW_LOWER, RIGHT_BROW_LOWER } from '../geometry/landmarks.ts';
import { DEFAULT_BANDS, type EyeBands, type EyeGeometry } from './eye-warp.ts';

/** Grey step (0-255) across 2 pixels that counts as an edge, on both sides of the outer corner. */
const EDGE = 9;
/** Pixels kept between a band's end and the edge it stops at. */
const CLEARANCE = 1.5;
/** Share of the gap a grown-back band recovers per frame. */
const REGROW = 0.08;

/** Grey level (0-255) of the frame at a continuous pixel position (nearest pixel). */
export type GreyReader = (x: number, y: number) => number;

/** A frame's grey levels: the luma plane of I420 as it is, RGBA weighted. */
export function frameGrey(frame: Frame): GreyReader {
  const { width: w, height: h, data } = frame;
  const at = (x: number, y: number) =>
    Math.min(Math.max(Math.round(y - 0.5), 0), h - 1) * w + Math.min(Math.max(Math.round(x - 0.5), 0), w - 1);
  if (frame.format === 'i420') return (x, y) => data[at(x, y)];
  return (x, y) => {
    const p = 4 * at(x, y);
    return 0.299 * data[p] + 0.587 * data[p + 1] + 0.114 * data[p + 2];
  };
}

/** Mean grey along the row at v (eye lengths) over u in [u0, u1]. */
function rowMean(grey: GreyReader, g: EyeGeometry, v: number, u0: number, u1: number): number {
  const a = g.axes;
  const steps = Math.max(3, Math.round((u1 - u0) * a.length));
  let s = 0;
  for (let k = 0; k <= steps; k++) {
    const u = u0 + ((u1 - u0) * k) / steps;
    s += grey(a.ox + (u * a.ux + v * a.vx) * a.length, a.oy + (u * a.uy + v * a.vy) * a.length);
  }
  return s / (steps + 1);
}

/**
 * Distance (eye lengths) from the lid's extreme row outward (`dir` -1: up, +1: down) to the first long edge,
 * searched up to `max`; `max` when there is none.
 */
function edgeDistance(grey: GreyReader, g: EyeGeometry, from: number, dir: 1 | -1, max: number): number {
  const px = 1 / g.axes.length;
  for (let d = 2 * px; d <= max; d += 0.5 * px) {
    const v = from + dir * d;
    const step = (u0: number, u1: number) =>
      Math.abs(rowMean(grey, g, v - px, u0, u1) - rowMean(grey, g, v + px, u0, u1));
    if (step(-0.3, -0.06) >= EDGE && step(0.25, 0.75) >= EDGE) return Math.max(0, d - CLEARANCE * px);
  }
  return max;
}

const BROWS: Record<string, readonly number[]> = { right: RIGHT_BROW_LOWER, left: LEFT_BROW_LOWER };

/** Band limits for one eye in this frame (eye lengths). */
export function detectBands(
  grey: GreyReader,
  kp: ArrayLike<number>,
  side: 'left' | 'right',
  g: EyeGeometry,
): EyeBands {
  let vUp = Infinity;
  let vLow = -Infinity;
  for (let j = 0; j < g.upper.length; j++) {
    const u = j / (g.upper.length - 1);
    if (u < 0.2 || u > 0.8) continue;
    vUp = Math.min(vUp, g.upper[j]);
    vLow = Math.max(vLow, g.lower[j]);
  }
  const a = g.axes;
  let brow = Infinity;
  for (const i of BROWS[side]) {
    const v = ((kp[3 * i] - a.ox) * a.vx + (kp[3 * i + 1] - a.oy) * a.vy) / a.length;
    brow = Math.min(brow, vUp - v);
  }
  const above = Math.min(
    edgeDistance(grey, g, vUp, -1, DEFAULT_BANDS.above),
    Math.max(0, 0.8 * brow),
    DEFAULT_BANDS.above,
  );
  const below = edgeDistance(grey, g, vLow, 1, DEFAULT_BANDS.below);
  return { above, below };
}

/** Per-eye band limits held over time. */
export class BandTracker {
  #held: Record<'left' | 'right', EyeBands | null> = { left: null, right: null };

  update(side: 'left' | 'right', found: EyeBands): EyeBands {
    const h = this.#held[side];
    if (!h) {
      this.#held[side] = { ...found };
      return this.#held[side] as EyeBands;
    }
    for (const k of ['above', 'below'] as const)
      h[k] = found[k] < h[k] ? found[k] : h[k] + REGROW * (found[k] - h[k]);
    return h;
  }

  reset(): void {
    this.#held = { left: null, right: null };
  }
}
