// Eye contact on the live frame: each eye region is warped (eye-warp.ts: the eyeball turned, the lids following,
// the bands above and below absorbing their movement short of brows and glasses frames) and resampled with a
// cubic kernel (eye-warp.ts sampleCubic: bilinear blurred an iris a few pixels across); only pixels the warp
// moved are written back, everything else keeps its exact bytes. Works on a crop per eye (its region), in the
// frame's own format (RGBA or I420): a few thousand pixels of plain TypeScript, cheaper than a graph call.
import type { Frame } from '../../video/frame.ts';
import { EYES, type EyeRegion } from '../generator/regions.ts';
import { EYEBALL_RADIUS_MM, IRIS_DEPTH_MM } from '../geometry/gaze.ts';
import { angleBetween } from '../geometry/math.ts';
import type { EyeContactTarget, GazeResult } from '../geometry/types.ts';
import { BandTracker, detectBands, frameGrey } from './eye-bands.ts';
import { sampleCubic, smoothMap } from './eye-resample.ts';
import { DEFAULT_BANDS, type EyeBands, eyeGeometry, regionBox, warpEye } from './eye-warp.ts';

const SIDES = ['left', 'right'] as const;
type Side = (typeof SIDES)[number];
const EYE_OF: Record<Side, EyeRegion> = { right: EYES[0], left: EYES[1] };
const IRIS_RC = IRIS_DEPTH_MM / EYEBALL_RADIUS_MM;

const clamp8 = (v: number) => (v < 0 ? 0 : v > 255 ? 255 : v);

export interface EyeCrop {
  x: number;
  y: number;
  width: number;
  height: number;
}

/** Box around both eyes' warp regions at the widest bands (even coordinates, so I420 chroma blocks align). */
export function eyeCrop(kp: ArrayLike<number>, width: number, height: number): EyeCrop | null {
  let box: EyeCrop | null = null;
  for (const e of EYES) {
    const c = evenCrop(regionBox(eyeGeometry(kp, e), DEFAULT_BANDS), width, height);
    if (!c) continue;
    if (!box) box = c;
    else {
      const x1 = Math.max(box.x + box.width, c.x + c.width);
      const y1 = Math.max(box.y + box.height, c.y + c.height);
      box = { x: Math.min(box.x, c.x), y: Math.min(box.y, c.y), width: 0, height: 0 };
      box.width = x1 - box.x;
      box.height = y1 - box.y;
    }
  }
  return box;
}

/** A pixel box grown to even coordinates and clipped to the frame; null when too small. */
function evenCrop(b: { x0: number; y0: number; x1: number; y1: number }, width: number, height: number) {
  const x = Math.max(0, Math.floor(b.x0 / 2) * 2);
  const y = Math.max(0, Math.floor(b.y0 / 2) * 2);
  const xe = Math.min(width, Math.ceil((b.x1 + 1) / 2) * 2);
  const ye = Math.min(height, Math.ceil((b.y1 + 1) / 2) * 2);
  if (xe - x < 4 || ye - y < 4) return null;
  return { x, y, width: xe - x, height: ye - y };
}

export function cropPlanar(frame: Frame, c: EyeCrop, out: Float32Array): void {
  const n = c.width * c.height;
  const { width: w, height: h, data } = frame;
  const k = 1 / 255;
  if (frame.format === 'rgba') {
    for (let y = 0; y < c.height; y++)
      for (let x = 0; x < c.width; x++) {
        const s = 4 * ((c.y + y) * w + c.x + x);
        const p = y * c.width + x;
        out[p] = data[s] * k;
        out[n + p] = data[s + 1] * k;
        out[2 * n + p] = data[s + 2] * k;
      }
    return;
  }
  const cw = (w + 1) >> 1;
  const uOff = w * h;
  const vOff = uOff + cw * ((h + 1) >> 1);
  for (let y = 0; y < c.height; y++)
    for (let x = 0; x < c.width; x++) {
      const fx = c.x + x;
      const fy = c.y + y;
      const cc = 298 * (data[fy * w + fx] - 16);
      const ci = (fy >> 1) * cw + (fx >> 1);
      const d = data[uOff + ci] - 128;
      const e = data[vOff + ci] - 128;
      const p = y * c.width + x;
      out[p] = clamp8((cc + 409 * e + 128) >> 8) * k;
      out[n + p] = clamp8((cc - 100 * d - 208 * e + 128) >> 8) * k;
      out[2 * n + p] = clamp8((cc + 516 * d + 128) >> 8) * k;
    }
}

/** Writes back the crop's pixels where `changed` is set; I420 chroma is rewritten for each touched 2x2 block. */
export function pasteChanged(frame: Frame, c: EyeCrop, planar: Float32Array, changed: Uint8Array): void {
  const n = c.width * c.height;
  const { width: w, height: h, data } = frame;
  if (frame.format === 'rgba') {
    for (let y = 0; y < c.height; y++)
      for (let x = 0; x < c.width; x++) {
        const p = y * c.width + x;
        if (!changed[p]) continue;
        const s = 4 * ((c.y + y) * w + c.x + x);
        data[s] = planar[p] * 255 + 0.5;
        data[s + 1] = planar[n + p] * 255 + 0.5;
        data[s + 2] = planar[2 * n + p] * 255 + 0.5;
      }
    return;
  }
  const cw = (w + 1) >> 1;
  const uOff = w * h;
  const vOff = uOff + cw * ((h + 1) >> 1);
  for (let y = 0; y < c.height; y += 2)
    for (let x = 0; x < c.width; x += 2) {
      let any = false;
      let r = 0;
      let g = 0;
      let b = 0;
      let cnt = 0;
      for (let dy = 0; dy < 2 && y + dy < c.height; dy++)
        for (let dx = 0; dx < 2 && x + dx < c.width; dx++) {
          const p = (y + dy) * c.width + x + dx;
          const R = planar[p] * 255;
          const G = planar[n + p] * 255;
          const B = planar[2 * n + p] * 255;
          if (changed[p]) {
            any = true;
            data[(c.y + y + dy) * w + c.x + x + dx] = clamp8(((66 * R + 129 * G + 25 * B + 128) >> 8) + 16);
          }
          r += R;
          g += G;
          b += B;
          cnt++;
        }
      if (!any) continue;
      r /= cnt;
      g /= cnt;
      b /= cnt;
      const ci = ((c.y + y) >> 1) * cw + ((c.x + x) >> 1);
      data[uOff + ci] = clamp8(((-38 * r - 74 * g + 112 * b + 128) >> 8) + 128);
      data[vOff + ci] = clamp8(((112 * r - 94 * g - 18 * b + 128) >> 8) + 128);
    }
}

/** Reusable buffers and per-eye state for eye contact on frames of changing size. */
export class LiveEyes {
  readonly #bands = new BandTracker();
  #planar = new Float32Array(0);
  #grid = new Float32Array(0);
  #out = new Float32Array(0);
  #changed = new Uint8Array(0);
  #map = new Float32Array(0);
  readonly #kp = new Float32Array(478 * 3);
  /** Bands used on the last frame per eye (eye lengths), for inspection. */
  readonly lastBands: Record<Side, EyeBands> = { left: { ...DEFAULT_BANDS }, right: { ...DEFAULT_BANDS } };

  /**
   * Turns the eyes of `frame` (modified in place): `kp` its landmarks, `redirect` the policy's correction per
   * eye, `gaze` the measured eyes (eyeball centres and radii). Each eye is warped on its own crop (its region at
   * this frame's bands). Returns whether any pixel changed.
   */
  async apply(frame: Frame, kp: ArrayLike<number>, redirect: EyeContactTarget, gaze: GazeResult) {
    if (redirect.left.weight <= 0 && redirect.right.weight <= 0) return false;
    const grey = frameGrey(frame);
    let any = false;
    for (const side of SIDES) {
      const eye = EYE_OF[side];
      const g = eyeGeometry(kp, eye);
      const bands = this.#bands.update(side, detectBands(grey, kp, side, g));
      this.lastBands[side] = { ...bands };
      const t = redirect[side];
      // Under a fifth of a degree the iris would move by hundredths of a pixel: the eye is left as it is.
      if (t.weight <= 0 || angleBetween(t.from, t.direction) < 0.2) continue;
      const c = evenCrop(regionBox(g, bands), frame.width, frame.height);
      if (c && (await this.#eye(frame, kp, c, eye, gaze[side], t, bands))) any = true;
    }
    return any;
  }

  async #eye(
    frame: Frame,
    kp: ArrayLike<number>,
    c: EyeCrop,
    eye: EyeRegion,
    e: GazeResult['left'],
    t: EyeContactTarget['left'],
    bands: EyeBands,
  ): Promise<boolean> {
    const n = c.width * c.height;
    if (this.#planar.length < 3 * n) {
      this.#planar = new Float32Array(3 * n);
      this.#grid = new Float32Array(2 * n);
      this.#out = new Float32Array(3 * n);
      this.#changed = new Uint8Array(n);
      this.#map = new Float32Array(2 * n);
    }
    const src = this.#kp;
    for (let i = 0; i < 478; i++) {
      src[3 * i] = kp[3 * i] - c.x;
      src[3 * i + 1] = kp[3 * i + 1] - c.y;
      src[3 * i + 2] = kp[3 * i + 2];
    }
    const map = this.#map.subarray(0, 2 * n);
    for (let y = 0; y < c.height; y++)
      for (let x = 0; x < c.width; x++) {
        map[2 * (y * c.width + x)] = x + 0.5;
        map[2 * (y * c.width + x) + 1] = y + 0.5;
      }
    const turn = {
      centre: [e.centre[0] - c.x, e.centre[1] - c.y],
      radius: e.radius * IRIS_RC,
      from: t.from,
      to: t.direction,
    };
    const target = { map, width: c.width, height: c.height };
    if (!warpEye(target, src, eye, turn, bands)) return false;
    const changed = this.#changed.subarray(0, n);
    const moved = () => {
      let count = 0;
      for (let p = 0; p < n; p++) {
        const x = (p % c.width) + 0.5;
        const y = Math.floor(p / c.width) + 0.5;
        changed[p] = Math.abs(map[2 * p] - x) > 1e-3 || Math.abs(map[2 * p + 1] - y) > 1e-3 ? 1 : 0;
        count += changed[p];
      }
      return count;
    };
    moved();
    const grid = this.#grid.subarray(0, 2 * n);
    smoothMap(target, changed, grid);
    if (moved() === 0) return false;
    const planar = this.#planar.subarray(0, 3 * n);
    cropPlanar(frame, c, planar);
    const out = this.#out.subarray(0, 3 * n);
    sampleCubic(planar, target, changed, out);
    pasteChanged(frame, c, out, changed);
    return true;
  }

  reset(): void {
    this.#bands.reset();
  }
}
