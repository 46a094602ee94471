// The warp mesh: the 468 face-mesh points plus anchor rings that carry hair, ears, neck and background,
// triangulated once per source (Delaunay on the source's own landmarks, mouth and eyes opened so no
// triangle bridges the lips or the eyelids).
import { applySimilarity as apply3d, newSimilarity, SimilarityFitter } from '../geometry/umeyama.ts';
import { delaunay } from './delaunay.ts';
import { convexHull, rayToConvexBoundary } from './polygon.ts';
import { EYES, FACE_OVAL, INNER_LIPS, INNER_LIPS_UPPER } from './regions.ts';
import { applySimilarity, blendSimilarity, fitSimilarity, type Similarity } from './similarity.ts';

export const FACE_POINTS = 468;
/** Depth given to anchors: behind every face point, so the face always wins the z-test. */
const ANCHOR_Z = 1e5;

/**
 * How an anchor follows the head: 'head' turns with it in 3D (the ring around the face, hair and ears: a 3D
 * similarity fit of the source's landmarks onto the target's carries it, at the depth of the face-outline point
 * it extends), 'half' follows the head's 2D transform halfway (shoulders, far hair), 'fixed' not at all. With the
 * ring on the 2D fit, a turn moved it with the face's mean shift: the far side's ring stayed out while the far
 * cheek moved in, and the band between was drawn as stretched background (the seam beside the far cheek on the
 * contact sheet's turns); turned in 3D, the far side's hair moves in with the cheek.
 */
export type AnchorKind = 'head' | 'half' | 'fixed';

export interface WarpMesh {
  width: number;
  height: number;
  /** Triangles over mesh point indices: 0..467 face points, then anchors. */
  tris: Uint32Array;
  /** Anchor positions in the source (x, y pairs) and how each follows the head. */
  anchorXY: Float32Array;
  /** Source depth of each anchor (the 'head' ring sits at its face-outline point's depth: it turns with the head). */
  anchorZ: Float32Array;
  anchorKind: AnchorKind[];
  /** Source mesh points (x, y) and depth, face points then anchors. */
  srcXY: Float32Array;
  srcZ: Float32Array;
  /** Source landmarks (478 x 3). */
  source: Float32Array;
  /**
   * Face points that share a triangle with an anchor (the face's outer rim in this triangulation). The anchor
   * triangles use copies of them, which follow the anchors in srcXY/srcZ: rim k is point 468 + anchors + k.
   */
  rim: Uint32Array;
  /** Per rim point, its ray ratio to the source face's convex outline (1 = on it, > 1 inside). */
  rimRatio: Float32Array;
  /** Centroid of the rim points in the source. */
  rimCentre: [number, number];
}

/** Landmarks used to fit the head's 2D transform: the outline and rigid points, not the mouth or eyelids. */
export const RIGID_POINTS: readonly number[] = [...FACE_OVAL, 1, 4, 5, 6, 168, 197, 195, 33, 133, 263, 362];

function centroid(kp: ArrayLike<number>, idx: readonly number[]): [number, number] {
  let x = 0;
  let y = 0;
  for (const i of idx) {
    x += kp[3 * i];
    y += kp[3 * i + 1];
  }
  return [x / idx.length, y / idx.length];
}

export function buildWarpMesh(source: Float32Array, width: number, height: number): WarpMesh {
  const [cx, cy] = centroid(source, FACE_OVAL);
  const ax: number[] = [];
  const az: number[] = [];
  const kinds: AnchorKind[] = [];
  const ring = (scale: number, step: number, kind: AnchorKind) => {
    for (let k = 0; k < FACE_OVAL.length; k += step) {
      const i = FACE_OVAL[k];
      ax.push(cx + scale * (source[3 * i] - cx), cy + scale * (source[3 * i + 1] - cy));
      az.push(source[3 * i + 2]);
      kinds.push(kind);
    }
  };
  ring(1.3, 1, 'head');
  ring(1.9, 2, 'half');
  // Frame border (a little outside so edge pixels are inside a triangle): the background stays put.
  const per = 6;
  for (let k = 0; k < per; k++) {
    const t = k / per;
    const pts: [number, number][] = [
      [-1 + t * (width + 2), -1],
      [width + 1, -1 + t * (height + 2)],
      [width + 1 - t * (width + 2), height + 1],
      [-1, height + 1 - t * (height + 2)],
    ];
    for (const [x, y] of pts) {
      ax.push(x, y);
      az.push(0);
      kinds.push('fixed');
    }
  }
  const anchorXY = Float32Array.from(ax);
  const nA = kinds.length;
  const srcXY = new Float32Array((FACE_POINTS + nA) * 2);
  const srcZ = new Float32Array(FACE_POINTS + nA);
  for (let i = 0; i < FACE_POINTS; i++) {
    srcXY[2 * i] = source[3 * i];
    srcXY[2 * i + 1] = source[3 * i + 1];
    srcZ[i] = source[3 * i + 2];
  }
  srcXY.set(anchorXY, FACE_POINTS * 2);
  srcZ.fill(ANCHOR_Z, FACE_POINTS);

  // Topology from the source with mouth and eyes pulled open, so triangles follow the lips and lids.
  const topo = Float64Array.from(srcXY);
  const faceH = Math.hypot(source[3 * 10] - source[3 * 152], source[3 * 10 + 1] - source[3 * 152 + 1]);
  const open = (ringIdx: readonly number[], upperCount: number, amount: number) => {
    ringIdx.forEach((i, k) => {
      const corner = k === 0 || k === upperCount - 1;
      if (!corner) topo[2 * i + 1] += k < upperCount ? -amount : amount;
    });
  };
  open(INNER_LIPS, INNER_LIPS_UPPER, 0.02 * faceH);
  for (const e of EYES) open(e.ring, e.upper, 0.01 * faceH);
  const tris = delaunay(topo);
  // The anchor triangles get their own copies of the face points they touch (the rim): where a turn pushes the
  // rim out, the face's side samples the cheek further in while the ring's side keeps sampling the source's
  // edge and background. Rim k (in order of first use) is point base + k.
  const base = FACE_POINTS + nA;
  const dup = new Map<number, number>();
  for (let t = 0; t < tris.length; t += 3) {
    if (tris[t] < FACE_POINTS && tris[t + 1] < FACE_POINTS && tris[t + 2] < FACE_POINTS) continue;
    for (let c = t; c < t + 3; c++) {
      const i = tris[c];
      if (i >= FACE_POINTS) continue;
      if (!dup.has(i)) dup.set(i, base + dup.size);
      tris[c] = dup.get(i) as number;
    }
  }
  const rim = Uint32Array.from(dup.keys());
  const rimRatio = new Float32Array(rim.length);
  const rimCentre = rimRatios(srcXY, rim, rimRatio);
  const allXY = new Float32Array((base + rim.length) * 2);
  const allZ = new Float32Array(base + rim.length);
  allXY.set(srcXY);
  allZ.set(srcZ);
  rim.forEach((i, k) => {
    allXY[2 * (base + k)] = srcXY[2 * i];
    allXY[2 * (base + k) + 1] = srcXY[2 * i + 1];
    allZ[base + k] = srcZ[i];
  });
  return {
    width,
    height,
    tris,
    anchorXY,
    anchorZ: Float32Array.from(az),
    anchorKind: kinds,
    srcXY: allXY,
    srcZ: allZ,
    source,
    rim,
    rimRatio,
    rimCentre,
  };
}

/** Head transform from the source to the target landmarks (rigid points only). */
export function headTransform(source: ArrayLike<number>, target: ArrayLike<number>): Similarity {
  return fitSimilarity(source, target, RIGID_POINTS);
}

const fitter = new SimilarityFitter();
const sim3d = newSimilarity();
const p3 = new Float64Array(3);

/** Target positions and depths of every mesh point for target landmarks `target` (478 x 3). */
export function targetMeshPoints(
  mesh: WarpMesh,
  target: Float32Array,
  out?: { xy: Float32Array; z: Float32Array; src: Float32Array },
): { xy: Float32Array; z: Float32Array; src: Float32Array; head: Similarity } {
  const n = mesh.srcZ.length;
  const xy = out?.xy ?? new Float32Array(n * 2);
  const z = out?.z ?? new Float32Array(n);
  const src = out?.src ?? new Float32Array(n * 2);
  src.set(mesh.srcXY);
  for (let i = 0; i < FACE_POINTS; i++) {
    xy[2 * i] = target[3 * i];
    xy[2 * i + 1] = target[3 * i + 1];
    z[i] = target[3 * i + 2];
  }
  pushRimOut(mesh, xy, src, new Float32Array(mesh.rim.length));
  const head = headTransform(mesh.source, target);
  const half = blendSimilarity(head, 0.5);
  const head3d = fitter.fit(mesh.source, target, RIGID_POINTS, null, sim3d);
  for (let k = 0; k < mesh.anchorKind.length; k++) {
    const kind = mesh.anchorKind[k];
    const x = mesh.anchorXY[2 * k];
    const y = mesh.anchorXY[2 * k + 1];
    if (kind === 'head') {
      p3[0] = x;
      p3[1] = y;
      p3[2] = mesh.anchorZ[k];
      apply3d(head3d, p3, p3);
      xy[2 * (FACE_POINTS + k)] = p3[0];
      xy[2 * (FACE_POINTS + k) + 1] = p3[1];
      z[FACE_POINTS + k] = ANCHOR_Z;
      continue;
    }
    const [tx, ty] = kind === 'half' ? applySimilarity(half, x, y) : [x, y];
    xy[2 * (FACE_POINTS + k)] = tx;
    xy[2 * (FACE_POINTS + k) + 1] = ty;
    z[FACE_POINTS + k] = ANCHOR_Z;
  }
  const base = FACE_POINTS + mesh.anchorKind.length;
  mesh.rim.forEach((i, k) => {
    xy[2 * (base + k)] = xy[2 * i];
    xy[2 * (base + k) + 1] = xy[2 * i + 1];
    z[base + k] = z[i];
  });
  return { xy, z, src, head };
}

/** Centroid of the rim points and, per rim point, the ratio of the ray to the convex outline (1 = on it). */
function rimRatios(xy: Float32Array, rim: Uint32Array, out: Float32Array): [number, number] {
  const hull = convexHull(xy, FACE_POINTS);
  let cx = 0;
  let cy = 0;
  for (const i of rim) {
    cx += xy[2 * i];
    cy += xy[2 * i + 1];
  }
  cx /= rim.length;
  cy /= rim.length;
  rim.forEach((i, k) => {
    out[k] = rayToConvexBoundary(hull, cx, cy, xy[2 * i], xy[2 * i + 1]);
  });
  return [cx, cy];
}

/**
 * On a turned head the far side's rim (the face points the anchor ring is attached to) lies behind the cheek,
 * inside the face's outline. Left there, the ring's triangles reach into the face as wedges of stretched cheek
 * edge and background. A rim point that sits deeper inside the outline than it did in the source is moved out
 * along the ray from the rim's centre to its source depth; rim points of a head in the source's pose stay.
 */
function pushRimOut(mesh: WarpMesh, xy: Float32Array, src: Float32Array, scratch: Float32Array): void {
  const [cx, cy] = rimRatios(xy, mesh.rim, scratch);
  const [sx, sy] = mesh.rimCentre;
  mesh.rim.forEach((i, k) => {
    const grow = scratch[k] / mesh.rimRatio[k];
    if (!(grow > 1)) return;
    xy[2 * i] = cx + grow * (xy[2 * i] - cx);
    xy[2 * i + 1] = cy + grow * (xy[2 * i + 1] - cy);
    // The face's side of the pushed rim samples the source further in, by RIM_INSET of what the push added:
    // the band up to the outline shows compressed cheek, not the source's edge and hair drawn out in streaks.
    const f = 1 - RIM_INSET * (1 - 1 / grow);
    src[2 * i] = sx + f * (mesh.srcXY[2 * i] - sx);
    src[2 * i + 1] = sy + f * (mesh.srcXY[2 * i + 1] - sy);
  });
}

const RIM_INSET = 0.5;
