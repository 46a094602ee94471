// The plain-warp reference (issue 23): the floor every avatar change must clear. The identity photo is warped by
// a Delaunay mesh of the peer's (Human's) own 468 landmarks on it, moved by the driver's landmark motion relative
// to the driver's first frame (the motion turned and scaled into the identity's face by the similarity that
// takes the driver's first face onto the identity's). A ring around the face follows the face's similarity
// (hair, ears), the frame's border stays; no eye or mouth drawing, no smoothing, no neutral face.

import { delaunay } from '../../src/inference/generator/delaunay.ts';
import { warpBlend } from '../../src/inference/generator/kernel.ts';
import { RIGID_POINTS } from '../../src/inference/generator/mesh.ts';
import { planarToRgba, rgbaToPlanar } from '../../src/inference/generator/planar.ts';
import { createBackwardMap, rasterizeBackward, toFlowGrid } from '../../src/inference/generator/raster.ts';
import { FACE_OVAL } from '../../src/inference/generator/regions.ts';
import { applySimilarity, fitSimilarity, type Similarity } from '../../src/inference/generator/similarity.ts';
import type { RgbaFrame } from '../../src/video/frame.ts';

const FACE = 468;
const RING_SCALE = 1.4;
const BORDER_STEPS = 6;
/** Anchors lie behind every face point in the depth test. */
const ANCHOR_Z = 1e5;

export class PlainWarp {
  readonly width: number;
  readonly height: number;
  readonly #image: Float32Array;
  readonly #src: Float32Array;
  readonly #tris: Uint32Array;
  readonly #ring: Float32Array;
  readonly #nPts: number;
  readonly #tXY: Float32Array;
  readonly #tZ: Float32Array;
  readonly #map;
  readonly #grid: Float32Array;
  readonly #out: Float32Array;
  #driver0: Float32Array | null = null;
  #motion: Similarity = { a: 1, b: 0, tx: 0, ty: 0 };

  /** `identity`: the photo as the avatar crops it; `mesh`: the peer's landmarks on it (478 x 3). */
  constructor(identity: RgbaFrame, mesh: Float32Array) {
    this.width = identity.width;
    this.height = identity.height;
    this.#image = rgbaToPlanar(identity);
    let cx = 0;
    let cy = 0;
    for (const i of FACE_OVAL) {
      cx += mesh[3 * i] / FACE_OVAL.length;
      cy += mesh[3 * i + 1] / FACE_OVAL.length;
    }
    const ring: number[] = [];
    for (const i of FACE_OVAL)
      ring.push(cx + RING_SCALE * (mesh[3 * i] - cx), cy + RING_SCALE * (mesh[3 * i + 1] - cy));
    this.#ring = Float32Array.from(ring);
    const border: number[] = [];
    const { width: w, height: h } = this;
    for (let k = 0; k < BORDER_STEPS; k++) {
      const t = k / BORDER_STEPS;
      border.push(-1 + t * (w + 2), -1, w + 1, -1 + t * (h + 2));
      border.push(w + 1 - t * (w + 2), h + 1, -1, h + 1 - t * (h + 2));
    }
    this.#nPts = FACE + FACE_OVAL.length + border.length / 2;
    this.#src = new Float32Array(this.#nPts * 2);
    for (let i = 0; i < FACE; i++) {
      this.#src[2 * i] = mesh[3 * i];
      this.#src[2 * i + 1] = mesh[3 * i + 1];
    }
    this.#src.set(this.#ring, 2 * FACE);
    this.#src.set(border, 2 * (FACE + FACE_OVAL.length));
    this.#tris = delaunay(this.#src);
    this.#tXY = new Float32Array(this.#nPts * 2);
    this.#tZ = new Float32Array(this.#nPts).fill(ANCHOR_Z);
    this.#tXY.set(this.#src);
    this.#map = createBackwardMap(w, h);
    this.#grid = new Float32Array(w * h * 2);
    this.#out = new Float32Array(3 * w * h);
    this.identityMesh = mesh;
  }

  readonly identityMesh: Float32Array;

  /**
   * The identity moved as the driver's landmarks moved since its first frame (the first call's `driver`).
   * `driver`: the peer's landmarks on the driver frame, or null (no face: the last target stays).
   */
  render(driver: Float32Array | null): RgbaFrame {
    const L = this.identityMesh;
    if (driver) {
      if (!this.#driver0) {
        this.#driver0 = Float32Array.from(driver);
        // Only the linear part: the driver's motion, not its place, is carried over.
        this.#motion = fitSimilarity(driver, L, RIGID_POINTS);
      }
      const d0 = this.#driver0;
      const { a, b } = this.#motion;
      const s = Math.hypot(a, b);
      for (let i = 0; i < FACE; i++) {
        const dx = driver[3 * i] - d0[3 * i];
        const dy = driver[3 * i + 1] - d0[3 * i + 1];
        this.#tXY[2 * i] = L[3 * i] + a * dx - b * dy;
        this.#tXY[2 * i + 1] = L[3 * i + 1] + b * dx + a * dy;
        this.#tZ[i] = L[3 * i + 2] + s * (driver[3 * i + 2] - d0[3 * i + 2]);
      }
      const head = fitSimilarity(this.#src, this.#tXY, RIGID_POINTS, 2);
      for (let k = 0; k < FACE_OVAL.length; k++) {
        const [x, y] = applySimilarity(head, this.#ring[2 * k], this.#ring[2 * k + 1]);
        this.#tXY[2 * (FACE + k)] = x;
        this.#tXY[2 * (FACE + k) + 1] = y;
      }
    }
    rasterizeBackward(this.#tris, this.#tXY, this.#tZ, this.#src, this.#map);
    toFlowGrid(this.#map, this.width, this.height, this.#grid);
    warpBlend(1, this.height, this.width, this.#image, this.#grid, null, this.#out);
    return planarToRgba(this.#out, this.width, this.height);
  }
}
