// Eye contact with the learned eye renderer: after the classic renderer has moved the irises (live-eyes.ts),
// the eye model redraws each eye from the untouched frame's eye, the classic result and the sketch of the
// redirected gaze. Works on a crop around both eye boxes; only pixels the model's mask reaches are written,
// so the frame outside the eye boxes keeps its exact bytes.
import type { Frame } from '../../video/frame.ts';
import type { LearnedRegions, RegionSource } from '../generator/learned-regions.ts';
import { boxBounds, eyeBoxes } from '../generator/region-crops.ts';
import { EYES } from '../generator/regions.ts';
import type { SketchEye } from '../geometry/sketch.ts';
import { keypointBounds } from '../keypoint-bounds.ts';
import { cropPlanar, type EyeCrop, pasteChanged } from './live-eyes.ts';

type Eyes = { left: SketchEye; right: SketchEye } | null;

/** Box around both eyes' region boxes (even coordinates, so I420 chroma blocks align). */
function regionCrop(kp: ArrayLike<number>, width: number, height: number): EyeCrop | null {
  let x0 = width;
  let y0 = height;
  let x1 = 0;
  let y1 = 0;
  for (const b of eyeBoxes(kp)) {
    const [a, c, d, e] = boxBounds(b, width, height);
    x0 = Math.min(x0, a);
    y0 = Math.min(y0, c);
    x1 = Math.max(x1, d + 1);
    y1 = Math.max(y1, e + 1);
  }
  const x = Math.max(0, Math.floor(x0 / 2) * 2);
  const y = Math.max(0, Math.floor(y0 / 2) * 2);
  const xe = Math.min(width, Math.ceil(x1 / 2) * 2);
  const ye = Math.min(height, Math.ceil(y1 / 2) * 2);
  if (xe - x < 8 || ye - y < 8) return null;
  return { x, y, width: xe - x, height: ye - y };
}

/** The lid ring's pixel bounds [x0, y0, x1, y1], one pixel wider each way. */
function lidBox(kp: ArrayLike<number>, ring: readonly number[]): [number, number, number, number] {
  const { x0, y0, x1, y1 } = keypointBounds(kp, ring);
  return [Math.floor(x0) - 1, Math.floor(y0) - 1, Math.ceil(x1) + 1, Math.ceil(y1) + 1];
}

const shift = (kp: ArrayLike<number>, c: EyeCrop, out: Float32Array) => {
  for (let i = 0; i < out.length / 3; i++) {
    out[3 * i] = kp[3 * i] - c.x;
    out[3 * i + 1] = kp[3 * i + 1] - c.y;
    out[3 * i + 2] = kp[3 * i + 2];
  }
  return out;
};

const shiftEye = (e: SketchEye, c: EyeCrop): SketchEye => ({
  ...e,
  centre: [e.centre[0] - c.x, e.centre[1] - c.y, e.centre[2]],
});

export class LearnedEyes {
  readonly #model: LearnedRegions;
  #a = new Float32Array(0);
  #b = new Float32Array(0);
  #changed = new Uint8Array(0);
  readonly #kp = new Float32Array(478 * 3);
  readonly #target = new Float32Array(478 * 3);

  constructor(model: LearnedRegions) {
    this.#model = model;
  }

  /**
   * `original`: the frame before eye contact; `frame`: the classic renderer's result (modified in place).
   * `kp`: the face's landmarks; `target`: the redirected ones; `eyes`: the redirected gaze for the sketch.
   */
  async apply(original: Frame, frame: Frame, kp: ArrayLike<number>, target: ArrayLike<number>, eyes: Eyes) {
    const c = regionCrop(target, frame.width, frame.height);
    if (!c) return;
    const n = c.width * c.height;
    if (this.#a.length < 3 * n) {
      this.#a = new Float32Array(3 * n);
      this.#b = new Float32Array(3 * n);
      this.#changed = new Uint8Array(n);
    }
    const a = this.#a.subarray(0, 3 * n);
    const b = this.#b.subarray(0, 3 * n);
    cropPlanar(original, c, a);
    const src: RegionSource = this.#model.source(a, c.width, c.height, shift(kp, c, this.#kp));
    cropPlanar(frame, c, b);
    a.set(b);
    const sk = eyes ? { left: shiftEye(eyes.left, c), right: shiftEye(eyes.right, c) } : null;
    await this.#model.apply(b, c.width, c.height, shift(target, c, this.#target), sk, src, {
      eyes: true,
      mouth: false,
    });
    const changed = this.#changed.subarray(0, n);
    // Writes stay inside each eye's lid box (a pixel's margin): the brows, the cheeks and everything else keep
    // their bytes even where the model's mask reaches them.
    const keep = EYES.map((e) => lidBox(kp, e.ring));
    for (let p = 0; p < n; p++) {
      const x = c.x + (p % c.width);
      const y = c.y + Math.floor(p / c.width);
      const inside = keep.some((k) => x >= k[0] && y >= k[1] && x <= k[2] && y <= k[3]);
      changed[p] =
        inside &&
        Math.abs(a[p] - b[p]) + Math.abs(a[n + p] - b[n + p]) + Math.abs(a[2 * n + p] - b[2 * n + p]) >
          0.5 / 255
          ? 1
          : 0;
    }
    pasteChanged(frame, c, b, changed);
  }
}
