// Learned region renderers (training/, models/region-*.onnx) over the classic renderer's output: for each eye
// (the left one mirrored) and the mouth, a small network reads the region as the classic renderer drew it at
// the target key-points, the source's own region and the target's gaze-coded sketch, and returns a patch and a
// blend mask that are composed back at full resolution (pixels the mask leaves keep their exact values).
//
// Model contract (one file per region, replaceable): input "x" float32 [N,9,H,W] = warp RGB, source RGB,
// sketch RGB, each planar in [0,1] (eyes: H,W = 32,64; mouth: 64,64; crops as region-crops.ts cuts them);
// output "y" float32 [N,4,H,W] = patch RGB in [0,1], mask in [0,1].
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { AppError } from '../../util/errors.ts';
import { createLogger } from '../../util/logger.ts';
import { PROJECT_ROOT } from '../../util/paths.ts';
import type { SketchEye } from '../geometry/sketch.ts';
import { createSession, type OnnxSession, ort } from '../onnx/runtime.ts';
import {
  cropPlanar,
  EYE_CROP,
  eyeBoxes,
  MOUTH_CROP,
  mouthBox,
  pastePlanar,
  type RegionBox,
  RegionSketcher,
} from './region-crops.ts';

const log = createLogger('inference:learned-regions');

export type RegionRenderer = 'learned' | 'classic';

/** Committed models (models/MANIFEST.md). */
export const LEARNED_MODEL_DIR = join(PROJECT_ROOT, 'models');

export interface LearnedRegionsOptions {
  eyesPath?: string;
  mouthPath?: string;
  /** Which regions to load (eye contact needs only the eyes). Default both. */
  regions?: readonly ('eyes' | 'mouth')[];
}

type Eyes = { left: SketchEye; right: SketchEye } | null;

/** The source's region crops (warp-free appearance), cut once per identity photo or live frame. */
export interface RegionSource {
  eyes: Float32Array;
  mouth: Float32Array;
}

const EYE_N = 3 * EYE_CROP.width * EYE_CROP.height;
const MOUTH_N = 3 * MOUTH_CROP.width * MOUTH_CROP.height;

class RegionModel {
  readonly session: OnnxSession;
  readonly #x: Float32Array;
  readonly #dims: number[];
  readonly #n: number;

  constructor(session: OnnxSession, batch: number, h: number, w: number) {
    if (!session.inputNames.includes('x') || !session.outputNames.includes('y')) {
      void session.close();
      throw new AppError('MODEL_INVALID', `region model ${session.name}: needs input "x" and output "y"`);
    }
    this.session = session;
    this.#n = h * w;
    this.#x = new Float32Array(batch * 9 * this.#n);
    this.#dims = [batch, 9, h, w];
  }

  /** Sample k's 9 input planes: warp, source, sketch (each [3,h,w]). */
  slot(k: number, part: 0 | 1 | 2): Float32Array {
    const o = (9 * k + 3 * part) * this.#n;
    return this.#x.subarray(o, o + 3 * this.#n);
  }

  async run(): Promise<Float32Array> {
    const out = await this.session.run({ x: new ort.Tensor('float32', this.#x, this.#dims) }, ['y']);
    const y = out.y;
    if (!y || y.data.length !== this.#dims[0] * 4 * this.#n)
      throw new AppError(
        'INFERENCE_FAILED',
        `region model ${this.session.name}: output "y" has the wrong size`,
      );
    return y.data as Float32Array;
  }
}

export class LearnedRegions {
  readonly #eyes: RegionModel | null;
  readonly #mouth: RegionModel | null;
  readonly #sketcher = new RegionSketcher();
  #closed = false;

  private constructor(eyes: RegionModel | null, mouth: RegionModel | null) {
    this.#eyes = eyes;
    this.#mouth = mouth;
  }

  /** Loads the region models; null when none of the wanted files exists (the classic renderer then serves). */
  static async create(opts: LearnedRegionsOptions = {}): Promise<LearnedRegions | null> {
    const want = new Set(opts.regions ?? ['eyes', 'mouth']);
    const eyesPath = opts.eyesPath ?? join(LEARNED_MODEL_DIR, 'region-eyes.onnx');
    const mouthPath = opts.mouthPath ?? join(LEARNED_MODEL_DIR, 'region-mouth.onnx');
    const load = async (path: string, name: string, batch: number, h: number, w: number) => {
      if (!existsSync(path)) {
        log.warn(`${name}: ${path} not found; the classic renderer draws this region`);
        return null;
      }
      return new RegionModel(await createSession(path, { name }), batch, h, w);
    };
    const eyes = want.has('eyes')
      ? await load(eyesPath, 'region-eyes', 2, EYE_CROP.height, EYE_CROP.width)
      : null;
    let mouth: RegionModel | null = null;
    try {
      mouth = want.has('mouth')
        ? await load(mouthPath, 'region-mouth', 1, MOUTH_CROP.height, MOUTH_CROP.width)
        : null;
    } catch (e) {
      await eyes?.session.close();
      throw e;
    }
    if (!eyes && !mouth) return null;
    return new LearnedRegions(eyes, mouth);
  }

  get hasEyes(): boolean {
    return this.#eyes !== null;
  }

  get hasMouth(): boolean {
    return this.#mouth !== null;
  }

  /** The source's regions at its own key-points (planar RGB [3,H,W] in [0,1]). */
  source(image: Float32Array, width: number, height: number, kp: ArrayLike<number>): RegionSource {
    const eyes = new Float32Array(2 * EYE_N);
    eyeBoxes(kp).forEach((b, k) => {
      cropPlanar(image, width, height, b, eyes, k * EYE_N);
    });
    const mouth = new Float32Array(MOUTH_N);
    cropPlanar(image, width, height, mouthBox(kp), mouth);
    return { eyes, mouth };
  }

  /**
   * Redraws the regions of `image` (planar RGB [3,H,W] in [0,1], the classic renderer's output at `target`,
   * modified in place). `eyes`: the target's eyes for the sketch's gaze code. Returns the regions drawn.
   */
  async apply(
    image: Float32Array,
    width: number,
    height: number,
    target: ArrayLike<number>,
    eyes: Eyes,
    src: RegionSource,
    regions: { eyes: boolean; mouth: boolean } = { eyes: true, mouth: true },
  ): Promise<number> {
    if (this.#closed) throw new AppError('CLOSED', 'learned regions are closed');
    const jobs: [RegionModel, RegionBox[], Float32Array, number][] = [];
    if (regions.eyes && this.#eyes) jobs.push([this.#eyes, eyeBoxes(target), src.eyes, EYE_N]);
    if (regions.mouth && this.#mouth) jobs.push([this.#mouth, [mouthBox(target)], src.mouth, MOUTH_N]);
    let drawn = 0;
    for (const [model, boxes, source, n] of jobs) {
      boxes.forEach((b, k) => {
        cropPlanar(image, width, height, b, model.slot(k, 0));
        model.slot(k, 1).set(source.subarray(k * n, (k + 1) * n));
        this.#sketcher.draw(target, eyes, b, model.slot(k, 2));
      });
      const y = await model.run();
      const plane = n / 3;
      boxes.forEach((b, k) => {
        pastePlanar(image, width, height, b, y, y, 4 * plane * k, 4 * plane * k + 3 * plane);
      });
      drawn += boxes.length;
    }
    return drawn;
  }

  /** Idempotent. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await this.#eyes?.session.close();
    await this.#mouth?.session.close();
  }
}
