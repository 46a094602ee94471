// Avatar synthesis for one identity (1..M photos of one person): per frame, the dense flow from each source to the
// target key-points (mesh warp + eye rendering), the N-shot logits, one generator run, and - over the built-in
// generator - the rendered mouth interior.
import { AppError } from '../../util/errors.ts';
import { closeLids, openUpperLids, renderEyes } from './eyes.ts';
import type { Generator } from './generator.ts';
import { buildWarpMesh, targetMeshPoints, type WarpMesh } from './mesh.ts';
import { type MouthTone, mouthOpening, mouthTone, renderMouth } from './mouth.ts';
import { type BackwardMap, createBackwardMap, rasterizeBackward, toFlowGrid } from './raster.ts';

/** One source photo, already cropped to the generator size: planar RGB in [0,1] and its 478 x 3 landmarks. */
export interface AvatarSource {
  image: Float32Array;
  landmarks: Float32Array;
}

interface PreparedSource extends AvatarSource {
  mesh: WarpMesh;
  opening: number;
  yaw: number;
  pitch: number;
  tone: MouthTone;
}

export interface AvatarTimings {
  /** Dense flow (mesh raster + eyes + grid), all sources. */
  flow: number;
  /** The generator run. */
  generate: number;
  /** Renders composed over the output (mouth interior). */
  compose: number;
}

/** Rough 2D pose proxies: nose tip across the cheeks (yaw) and along brow-chin (pitch), both about 0 when frontal. */
export function poseProxy(kp: ArrayLike<number>): { yaw: number; pitch: number } {
  const lx = kp[3 * 234];
  const rx = kp[3 * 454];
  const nx = kp[3 * 1];
  const ty = kp[3 * 10 + 1];
  const by = kp[3 * 152 + 1];
  const ny = kp[3 * 1 + 1];
  return { yaw: (nx - lx) / Math.max(rx - lx, 1e-3) - 0.5, pitch: (ny - ty) / Math.max(by - ty, 1e-3) - 0.6 };
}

export class AvatarRenderer {
  readonly width: number;
  readonly height: number;
  readonly #sources: PreparedSource[];
  readonly #generator: Generator;
  readonly #images: Float32Array;
  readonly #flow: Float32Array;
  readonly #logits: Float32Array;
  readonly #map: BackwardMap;
  readonly #pts: { xy: Float32Array; z: Float32Array; src: Float32Array };
  readonly #meshTarget = new Float32Array(478 * 3);
  readonly #eyeTarget = new Float32Array(478 * 3);

  constructor(generator: Generator, sources: readonly AvatarSource[], width: number, height: number) {
    if (sources.length === 0) throw new AppError('BAD_REQUEST', 'an avatar needs at least one source photo');
    this.width = width;
    this.height = height;
    this.#generator = generator;
    const plane = width * height;
    this.#sources = sources.map((s) => {
      if (s.image.length !== 3 * plane) throw new AppError('BAD_REQUEST', 'source image size does not match');
      return {
        ...s,
        mesh: buildWarpMesh(s.landmarks, width, height),
        opening: mouthOpening(s.landmarks),
        ...poseProxy(s.landmarks),
        tone: mouthTone(s.image, width, height, s.landmarks),
      };
    });
    const m = sources.length;
    this.#images = new Float32Array(m * 3 * plane);
    this.#sources.forEach((s, j) => {
      this.#images.set(s.image, j * 3 * plane);
    });
    this.#flow = new Float32Array(m * plane * 2);
    this.#logits = new Float32Array(m * plane);
    this.#map = createBackwardMap(width, height);
    // Sources differ in their rim's size: room for the largest.
    const nPts = Math.max(...this.#sources.map((s) => s.mesh.srcZ.length));
    this.#pts = {
      xy: new Float32Array(nPts * 2),
      z: new Float32Array(nPts),
      src: new Float32Array(nPts * 2),
    };
  }

  get sourceCount(): number {
    return this.#sources.length;
  }

  /** The first source's landmarks (the fallback pose). */
  get restLandmarks(): Float32Array {
    return this.#sources[0].landmarks;
  }

  /** The first source's image, planar RGB. */
  get restImage(): Float32Array {
    return this.#sources[0].image;
  }

  /**
   * Renders the identity at target landmarks (478 x 3, output pixels). Returns planar RGB [3,H,W] in [0,1]; the
   * buffer may be reused by the next call.
   */
  async render(target: Float32Array, timings?: AvatarTimings): Promise<Float32Array> {
    const t0 = performance.now();
    const { width: w, height: h } = this;
    const plane = w * h;
    const targetPose = poseProxy(target);
    const targetOpen = mouthOpening(target);
    let best = 0;
    let bestLogit = -Infinity;
    this.#sources.forEach((s, j) => {
      const eyeTarget = closeLids(s.landmarks, target, this.#eyeTarget);
      const meshTarget = openUpperLids(s.landmarks, eyeTarget, this.#meshTarget);
      const m = targetMeshPoints(s.mesh, meshTarget, this.#pts);
      rasterizeBackward(s.mesh.tris, m.xy, m.z, m.src, this.#map);
      renderEyes(this.#map, s.landmarks, eyeTarget, meshTarget);
      toFlowGrid(this.#map, w, h, this.#flow.subarray(j * plane * 2, (j + 1) * plane * 2));
      // N-shot logit m_j: the nearer the source's pose, and the closer its mouth opening to the target's, the
      // more it counts. Constant per source here; a per-pixel map is allowed by the contract.
      const dPose = Math.abs(s.yaw - targetPose.yaw) + Math.abs(s.pitch - targetPose.pitch);
      const c = -12 * dPose - 8 * Math.max(0, targetOpen - s.opening);
      this.#logits.fill(c, j * plane, (j + 1) * plane);
      if (c > bestLogit) {
        bestLogit = c;
        best = j;
      }
    });
    const t1 = performance.now();
    const out = await this.#generator.run({
      count: this.#sources.length,
      height: h,
      width: w,
      source_images: this.#images,
      flow: this.#flow,
      source_logits: this.#logits,
    });
    const t2 = performance.now();
    // The mouth interior, when the target opens wider than the best-fitting source shows.
    const src = this.#sources[best];
    if (this.#generator.builtin && targetOpen > 0.9 * src.opening + 0.01)
      renderMouth(target, src.tone, w, h, out);
    const t3 = performance.now();
    if (timings) {
      timings.flow = t1 - t0;
      timings.generate = t2 - t1;
      timings.compose = t3 - t2;
    }
    return out;
  }
}
