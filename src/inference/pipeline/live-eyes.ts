// Eye contact on the live frame: only the pixels inside the eyelid apertures change (iris moved to the target
// position, the sclera it uncovers filled from the other side); everything else keeps its exact bytes. Works on
// a crop around the eyes, in the frame's own format (RGBA or I420).
import type { Frame } from '../../video/frame.ts';
import { renderEyes } from '../generator/eyes.ts';
import type { Generator } from '../generator/generator.ts';
import { createBackwardMap, toFlowGrid } from '../generator/raster.ts';
import { EYES } from '../generator/regions.ts';

const clamp8 = (v: number) => (v < 0 ? 0 : v > 255 ? 255 : v);

export interface EyeCrop {
  x: number;
  y: number;
  width: number;
  height: number;
}

/** Box around both eyes (even coordinates, so I420 chroma blocks align). */
export function eyeCrop(kp: ArrayLike<number>, width: number, height: number): EyeCrop | null {
  let x0 = Infinity;
  let y0 = Infinity;
  let x1 = -Infinity;
  let y1 = -Infinity;
  let eyeW = 0;
  for (const e of EYES) {
    for (const i of e.ring) {
      x0 = Math.min(x0, kp[3 * i]);
      x1 = Math.max(x1, kp[3 * i]);
      y0 = Math.min(y0, kp[3 * i + 1]);
      y1 = Math.max(y1, kp[3 * i + 1]);
    }
    eyeW = Math.max(
      eyeW,
      Math.hypot(
        kp[3 * e.innerCorner] - kp[3 * e.outerCorner],
        kp[3 * e.innerCorner + 1] - kp[3 * e.outerCorner + 1],
      ),
    );
  }
  const pad = 0.25 * eyeW + 2;
  const x = Math.max(0, Math.floor((x0 - pad) / 2) * 2);
  const y = Math.max(0, Math.floor((y0 - pad) / 2) * 2);
  const xe = Math.min(width, Math.ceil((x1 + pad) / 2) * 2);
  const ye = Math.min(height, Math.ceil((y1 + pad) / 2) * 2);
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

/** Reusable buffers for eye contact on frames of changing size. */
export class LiveEyes {
  readonly #generator: Generator;
  #planar = new Float32Array(0);
  #grid = new Float32Array(0);
  #changed = new Uint8Array(0);
  #src = new Float32Array(478 * 3);
  #tgt = new Float32Array(478 * 3);

  constructor(generator: Generator) {
    this.#generator = generator;
  }

  /**
   * Redraws the eyes of `frame` (modified in place) from landmarks `kp` so the irises sit at `target` landmarks'
   * iris points. Returns the crop that was processed, or null when there was nothing to do.
   */
  async apply(frame: Frame, kp: Float32Array, target: Float32Array): Promise<EyeCrop | null> {
    const c = eyeCrop(kp, frame.width, frame.height);
    if (!c) return null;
    const n = c.width * c.height;
    if (this.#planar.length < 3 * n) {
      this.#planar = new Float32Array(3 * n);
      this.#grid = new Float32Array(2 * n);
      this.#changed = new Uint8Array(n);
    }
    const planar = this.#planar.subarray(0, 3 * n);
    cropPlanar(frame, c, planar);
    for (let i = 0; i < 478; i++) {
      this.#src[3 * i] = kp[3 * i] - c.x;
      this.#src[3 * i + 1] = kp[3 * i + 1] - c.y;
      this.#tgt[3 * i] = target[3 * i] - c.x;
      this.#tgt[3 * i + 1] = target[3 * i + 1] - c.y;
    }
    const m = createBackwardMap(c.width, c.height);
    for (let y = 0; y < c.height; y++)
      for (let x = 0; x < c.width; x++) {
        m.map[2 * (y * c.width + x)] = x + 0.5;
        m.map[2 * (y * c.width + x) + 1] = y + 0.5;
      }
    const before = Float32Array.from(m.map);
    renderEyes(m, this.#src, this.#tgt, this.#tgt, 'mirror');
    const changed = this.#changed.subarray(0, n);
    let any = false;
    for (let p = 0; p < n; p++) {
      changed[p] = m.map[2 * p] !== before[2 * p] || m.map[2 * p + 1] !== before[2 * p + 1] ? 1 : 0;
      if (changed[p]) any = true;
    }
    if (!any) return c;
    const grid = this.#grid.subarray(0, 2 * n);
    toFlowGrid(m, c.width, c.height, grid);
    const out = await this.#generator.run({
      count: 1,
      height: c.height,
      width: c.width,
      source_images: planar,
      flow: grid,
      source_logits: () => new Float32Array(n),
    });
    pasteChanged(frame, c, out, changed);
    return c;
  }
}
