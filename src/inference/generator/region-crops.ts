// Fixed-size crops of the regions the learned renderers redraw (each eye, the mouth), aligned to a face's
// key-points: the same boxes cut the training samples (training/dataset) and the live frames, and the patch a
// model returns goes back through the same box. The left eye is mirrored so one model serves both eyes.
import type { RgbaFrame } from '../../video/frame.ts';
import { gazeColour, type SketchEye, SketchRenderer } from '../geometry/sketch.ts';
import { keypointBounds } from '../keypoint-bounds.ts';
import { EYES, type EyeRegion, OUTER_LIPS } from './regions.ts';

export const EYE_CROP = { width: 64, height: 32 } as const;
export const MOUTH_CROP = { width: 64, height: 64 } as const;
/** Eye box width as a multiple of the corner distance (the height is half of it: lids and the brow's foot). */
const EYE_SPAN = 2.2;
/** Mouth box side: the larger of these multiples of the lips' width and height. */
const MOUTH_SPAN_W = 1.7;
const MOUTH_SPAN_H = 1.5;

/** Crop pixel (u, v) shows image point (cx + (u + 0.5 - w/2) * step * (mirror ? -1 : 1), cy + (v + 0.5 - h/2) * step). */
export interface RegionBox {
  cx: number;
  cy: number;
  /** Image pixels per crop pixel. */
  step: number;
  width: number;
  height: number;
  mirror: boolean;
}

export type RegionName = 'eyes' | 'mouth';

/** Box of one eye (EYES order: the subject's right eye, then the left, mirrored). */
export function eyeBox(kp: ArrayLike<number>, eye: EyeRegion, mirror: boolean): RegionBox {
  let cx = 0;
  let cy = 0;
  for (const i of eye.ring) {
    cx += kp[3 * i];
    cy += kp[3 * i + 1];
  }
  cx /= eye.ring.length;
  cy /= eye.ring.length;
  const d = Math.hypot(
    kp[3 * eye.innerCorner] - kp[3 * eye.outerCorner],
    kp[3 * eye.innerCorner + 1] - kp[3 * eye.outerCorner + 1],
  );
  return {
    cx,
    cy,
    step: Math.max(1e-3, (EYE_SPAN * d) / EYE_CROP.width),
    ...EYE_CROP,
    mirror,
  };
}

export function eyeBoxes(kp: ArrayLike<number>): [RegionBox, RegionBox] {
  return [eyeBox(kp, EYES[0], false), eyeBox(kp, EYES[1], true)];
}

export function mouthBox(kp: ArrayLike<number>): RegionBox {
  const { x0, y0, x1, y1 } = keypointBounds(kp, OUTER_LIPS);
  const side = Math.max(MOUTH_SPAN_W * (x1 - x0), MOUTH_SPAN_H * (y1 - y0));
  return {
    cx: (x0 + x1) / 2,
    cy: (y0 + y1) / 2,
    step: Math.max(1e-3, side / MOUTH_CROP.width),
    ...MOUTH_CROP,
    mirror: false,
  };
}

/** Image coordinates of crop pixel (u, v)'s centre. */
function toImage(b: RegionBox, u: number, v: number): [number, number] {
  const sx = b.mirror ? -b.step : b.step;
  return [b.cx + (u + 0.5 - b.width / 2) * sx - 0.5, b.cy + (v + 0.5 - b.height / 2) * b.step - 0.5];
}

/**
 * Bilinear crop of planar RGB [3,H,W] (values as given) into `out` [3,h,w] at `offset`; edges clamp. When the
 * box is much larger than the crop, a 2x2 supersample keeps thin lines from aliasing.
 */
export function cropPlanar(
  planar: Float32Array,
  width: number,
  height: number,
  b: RegionBox,
  out: Float32Array,
  offset = 0,
): void {
  const n = b.width * b.height;
  const plane = width * height;
  const taps = b.step > 1.5 ? 2 : 1;
  const sx = b.mirror ? -b.step : b.step;
  for (let v = 0; v < b.height; v++)
    for (let u = 0; u < b.width; u++) {
      let r = 0;
      let g = 0;
      let bl = 0;
      for (let ty = 0; ty < taps; ty++)
        for (let tx = 0; tx < taps; tx++) {
          const fu = u + (tx + 0.5) / taps;
          const fv = v + (ty + 0.5) / taps;
          let x = b.cx + (fu - b.width / 2) * sx - 0.5;
          let y = b.cy + (fv - b.height / 2) * b.step - 0.5;
          x = x < 0 ? 0 : x > width - 1 ? width - 1 : x;
          y = y < 0 ? 0 : y > height - 1 ? height - 1 : y;
          const x0 = Math.min(Math.floor(x), width - 2 < 0 ? 0 : width - 2);
          const y0 = Math.min(Math.floor(y), height - 2 < 0 ? 0 : height - 2);
          const ax = x - x0;
          const ay = y - y0;
          const p = y0 * width + x0;
          const w00 = (1 - ax) * (1 - ay);
          const w01 = ax * (1 - ay);
          const w10 = (1 - ax) * ay;
          const w11 = ax * ay;
          for (let c = 0; c < 3; c++) {
            const q = c * plane + p;
            const val =
              planar[q] * w00 + planar[q + 1] * w01 + planar[q + width] * w10 + planar[q + width + 1] * w11;
            if (c === 0) r += val;
            else if (c === 1) g += val;
            else bl += val;
          }
        }
      const k = 1 / (taps * taps);
      const o = offset + v * b.width + u;
      out[o] = r * k;
      out[o + n] = g * k;
      out[o + 2 * n] = bl * k;
    }
}

/** Crop of an RGBA frame (bytes) into planar [3,h,w] in [0,1]. */
export function cropRgba(frame: RgbaFrame, b: RegionBox, out: Float32Array, offset = 0): void {
  const { width, height, data } = frame;
  const n = b.width * b.height;
  const k = 1 / 255;
  for (let v = 0; v < b.height; v++)
    for (let u = 0; u < b.width; u++) {
      let [x, y] = toImage(b, u, v);
      x = x < 0 ? 0 : x > width - 1 ? width - 1 : x;
      y = y < 0 ? 0 : y > height - 1 ? height - 1 : y;
      const x0 = Math.min(Math.floor(x), Math.max(0, width - 2));
      const y0 = Math.min(Math.floor(y), Math.max(0, height - 2));
      const ax = x - x0;
      const ay = y - y0;
      const p = 4 * (y0 * width + x0);
      const row = 4 * width;
      const o = offset + v * b.width + u;
      for (let c = 0; c < 3; c++) {
        const a = data[p + c] * (1 - ax) + data[p + 4 + c] * ax;
        const d = data[p + row + c] * (1 - ax) + data[p + row + 4 + c] * ax;
        out[o + c * n] = (a * (1 - ay) + d * ay) * k;
      }
    }
}

/**
 * The key-point sketch (sketch.ts: lines, gaze-coded eye fill, iris disc) of the box, planar [3,h,w] in [0,1].
 * A mirrored box also mirrors the gaze code's horizontal channel, so a mirrored left eye reads like a right eye.
 */
export class RegionSketcher {
  readonly #renderers = new Map<number, SketchRenderer>();

  draw(
    kp: ArrayLike<number>,
    eyes: { left: SketchEye; right: SketchEye } | null,
    b: RegionBox,
    out: Float32Array,
    offset = 0,
  ): void {
    const size = Math.max(b.width, b.height);
    let r = this.#renderers.get(size);
    if (!r) {
      r = new SketchRenderer(size);
      this.#renderers.set(size, r);
    }
    const scale = 1 / b.step;
    const f = r.render(
      kp,
      { scale, offsetX: size / 2 - b.cx * scale, offsetY: size / 2 - b.cy * scale },
      eyes,
    );
    const swaps: [number, number][] = [];
    if (b.mirror && eyes)
      for (const e of [eyes.left, eyes.right]) {
        const c = gazeColour(e.direction);
        const m = gazeColour([-e.direction[0], e.direction[1], e.direction[2]]);
        swaps.push([c[0], m[0]], [c[0] >> 1, m[0] >> 1]);
      }
    const n = b.width * b.height;
    const x0 = (size - b.width) >> 1;
    const y0 = (size - b.height) >> 1;
    const k = 1 / 255;
    for (let v = 0; v < b.height; v++)
      for (let u = 0; u < b.width; u++) {
        const su = b.mirror ? size - 1 - (x0 + u) : x0 + u;
        const p = 4 * ((y0 + v) * size + su);
        let red = f.data[p];
        const blue = f.data[p + 2];
        // Gaze fill has blue 255, the iris disc 127: only those pixels carry the horizontal angle in red.
        if (swaps.length && (blue === 255 || blue === 127))
          for (const [from, to] of swaps)
            if (red === from) {
              red = to;
              break;
            }
        const o = offset + v * b.width + u;
        out[o] = red * k;
        out[o + n] = f.data[p + 1] * k;
        out[o + 2 * n] = blue * k;
      }
  }
}

/** Image-space bounds [x0, y0, x1, y1] (inclusive) a box covers, clipped to the image. */
export function boxBounds(b: RegionBox, width: number, height: number): [number, number, number, number] {
  const hw = (b.width / 2) * b.step;
  const hh = (b.height / 2) * b.step;
  return [
    Math.max(0, Math.floor(b.cx - hw)),
    Math.max(0, Math.floor(b.cy - hh)),
    Math.min(width - 1, Math.ceil(b.cx + hw)),
    Math.min(height - 1, Math.ceil(b.cy + hh)),
  ];
}

/**
 * Composes a model's patch back: image = m * patch + (1 - m) * image inside the box, sampling the patch
 * (planar [3,h,w]) and mask ([h,w]) bilinearly at full image resolution, so pixels the mask leaves keep their
 * sharpness. The mask fades to 0 over the box's outer 4 crop pixels: no seam where the box ends.
 */
export function pastePlanar(
  image: Float32Array,
  width: number,
  height: number,
  b: RegionBox,
  patch: Float32Array,
  mask: Float32Array,
  patchOffset = 0,
  maskOffset = 0,
): void {
  const [bx0, by0, bx1, by1] = boxBounds(b, width, height);
  const plane = width * height;
  const n = b.width * b.height;
  const inv = 1 / b.step;
  const sgn = b.mirror ? -1 : 1;
  const fade = 4;
  for (let y = by0; y <= by1; y++)
    for (let x = bx0; x <= bx1; x++) {
      const fu = ((x + 0.5 - b.cx) * inv) / sgn + b.width / 2 - 0.5;
      const fv = (y + 0.5 - b.cy) * inv + b.height / 2 - 0.5;
      if (fu < -0.5 || fv < -0.5 || fu > b.width - 0.5 || fv > b.height - 0.5) continue;
      const edge = Math.min(fu + 0.5, fv + 0.5, b.width - 0.5 - fu, b.height - 0.5 - fv);
      const w = edge >= fade ? 1 : edge / fade;
      const cu = fu < 0 ? 0 : fu > b.width - 1 ? b.width - 1 : fu;
      const cv = fv < 0 ? 0 : fv > b.height - 1 ? b.height - 1 : fv;
      const u0 = Math.min(Math.floor(cu), b.width - 2);
      const v0 = Math.min(Math.floor(cv), b.height - 2);
      const au = cu - u0;
      const av = cv - v0;
      const q = v0 * b.width + u0;
      const w00 = (1 - au) * (1 - av);
      const w01 = au * (1 - av);
      const w10 = (1 - au) * av;
      const w11 = au * av;
      const mq = maskOffset + q;
      const m =
        w * (mask[mq] * w00 + mask[mq + 1] * w01 + mask[mq + b.width] * w10 + mask[mq + b.width + 1] * w11);
      if (m <= 0) continue;
      const p = y * width + x;
      for (let c = 0; c < 3; c++) {
        const pq = patchOffset + c * n + q;
        const val =
          patch[pq] * w00 + patch[pq + 1] * w01 + patch[pq + b.width] * w10 + patch[pq + b.width + 1] * w11;
        const i = c * plane + p;
        image[i] = m * val + (1 - m) * image[i];
      }
    }
}
