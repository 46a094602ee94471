import { describe, expect, it } from 'vitest';
import { delaunay } from '../../src/inference/generator/delaunay.ts';
import { closeLids, openUpperLids, renderEyes } from '../../src/inference/generator/eyes.ts';
import { buildWarpMesh, targetMeshPoints } from '../../src/inference/generator/mesh.ts';
import { mouthOpening, renderMouth } from '../../src/inference/generator/mouth.ts';
import { convexHull, insidePolygon, ringXY } from '../../src/inference/generator/polygon.ts';
import { createBackwardMap, rasterizeBackward } from '../../src/inference/generator/raster.ts';
import { EYES, FACE_OVAL, INNER_LIPS, RIGHT_EYE } from '../../src/inference/generator/regions.ts';
import { syntheticFace } from './synthetic-face.ts';

describe('delaunay', () => {
  it('triangulates random points with empty circumcircles and full coverage', () => {
    let seed = 7;
    const rnd = () => {
      seed = (seed * 16807) % 2147483647;
      return seed / 2147483647;
    };
    const n = 300;
    const xy = Float64Array.from({ length: 2 * n }, () => rnd() * 100);
    const tris = delaunay(xy);
    let area = 0;
    for (let t = 0; t < tris.length; t += 3) {
      const [a, b, c] = [tris[t], tris[t + 1], tris[t + 2]];
      const ax = xy[2 * a];
      const ay = xy[2 * a + 1];
      const bx = xy[2 * b] - ax;
      const by = xy[2 * b + 1] - ay;
      const cx = xy[2 * c] - ax;
      const cy = xy[2 * c + 1] - ay;
      area += Math.abs(bx * cy - by * cx) / 2;
      // Circumcentre; no other point strictly inside.
      const d = 2 * (bx * cy - by * cx);
      const ux = (cy * (bx * bx + by * by) - by * (cx * cx + cy * cy)) / d;
      const uy = (bx * (cx * cx + cy * cy) - cx * (bx * bx + by * by)) / d;
      const r2 = ux * ux + uy * uy;
      for (let i = 0; i < n; i += 7) {
        const dx = xy[2 * i] - ax - ux;
        const dy = xy[2 * i + 1] - ay - uy;
        expect(dx * dx + dy * dy).toBeGreaterThanOrEqual(r2 * (1 - 1e-6));
      }
    }
    // Triangles tile the convex hull: at most 2n - 5 of them, and their area is the hull's (close to 100 x 100).
    expect(tris.length / 3).toBeLessThanOrEqual(2 * n - 5);
    expect(area).toBeGreaterThan(9000);
    expect(area).toBeLessThanOrEqual(10000);
  });
});

describe('mesh warp', () => {
  const size = 256;
  const face = syntheticFace();

  it('maps every pixel to itself when the target equals the source', () => {
    const mesh = buildWarpMesh(face, size, size);
    const m = createBackwardMap(size, size);
    const t = targetMeshPoints(mesh, face);
    rasterizeBackward(mesh.tris, t.xy, t.z, mesh.srcXY, m);
    let maxErr = 0;
    for (let y = 0; y < size; y++)
      for (let x = 0; x < size; x++) {
        const i = 2 * (y * size + x);
        maxErr = Math.max(maxErr, Math.abs(m.map[i] - x - 0.5), Math.abs(m.map[i + 1] - y - 0.5));
      }
    expect(maxErr).toBeLessThan(1e-3);
    expect(m.tri.every((t) => t >= 0)).toBe(true);
  });

  it("turns the ring around the face with the head in 3D: the far side's hair moves in with the far cheek", () => {
    const mesh = buildWarpMesh(face, size, size);
    // The face turned 25 deg about a vertical axis 40 px behind its outline.
    const a = (25 * Math.PI) / 180;
    const turn = (x: number, y: number, z: number): [number, number, number] => [
      128 + (x - 128) * Math.cos(a) + (z - 50) * Math.sin(a),
      y,
      50 - (x - 128) * Math.sin(a) + (z - 50) * Math.cos(a),
    ];
    const target = Float32Array.from(face);
    for (let i = 0; i < 478; i++) target.set(turn(face[3 * i], face[3 * i + 1], face[3 * i + 2]), 3 * i);
    const t = targetMeshPoints(mesh, target);
    let worst = 0;
    let farMoved = 0;
    mesh.anchorKind.forEach((kind, k) => {
      if (kind !== 'head') return;
      const [x, y] = turn(mesh.anchorXY[2 * k], mesh.anchorXY[2 * k + 1], mesh.anchorZ[k]);
      const j = 2 * (468 + k);
      worst = Math.max(worst, Math.hypot(t.xy[j] - x, t.xy[j + 1] - y));
      // On the side the face turns away from (x > 128 here moves toward the centre), the ring moves inward too.
      if (mesh.anchorXY[2 * k] > 190) farMoved = Math.min(farMoved, t.xy[j] - mesh.anchorXY[2 * k]);
    });
    expect(worst).toBeLessThan(0.5);
    expect(farMoved).toBeLessThan(-10);
  });

  it('carries the face and its surroundings rigidly when the head moves, background fixed', () => {
    const moved = syntheticFace({ cx: 138, cy: 124 });
    const mesh = buildWarpMesh(face, size, size);
    const m = createBackwardMap(size, size);
    const t = targetMeshPoints(mesh, moved);
    expect(t.head.tx).toBeCloseTo(10, 3);
    rasterizeBackward(mesh.tris, t.xy, t.z, mesh.srcXY, m);
    // Nose area and the hair just above the forehead: shifted by (10, -4).
    for (const [x, y] of [
      [138, 124],
      [138, 124 - 84],
    ]) {
      const i = 2 * (y * size + x);
      expect(m.map[i] - (x + 0.5)).toBeCloseTo(-10, 1);
      expect(m.map[i + 1] - (y + 0.5)).toBeCloseTo(4, 1);
    }
    // Frame corner: untouched.
    expect(m.map[0]).toBeCloseTo(0.5, 3);
    expect(m.map[1]).toBeCloseTo(0.5, 3);
  });

  it('keeps the anchor ring outside the face when a turn hides the far outline behind the cheek', () => {
    const mesh = buildWarpMesh(face, size, size);
    // A turn to the image left: the outline on the right goes behind the cheek (pulled in by a third, farther
    // away), while the face's own points there still form the visible edge.
    const target = Float32Array.from(face);
    for (const i of FACE_OVAL) {
      const dx = target[3 * i] - 128;
      if (dx > 5) {
        target[3 * i] = 128 + dx * 0.67;
        target[3 * i + 2] += 20;
      }
    }
    const m = createBackwardMap(size, size);
    const t = targetMeshPoints(mesh, target);
    rasterizeBackward(mesh.tris, t.xy, t.z, mesh.srcXY, m);
    // Every pixel well inside the face's outline shows a face triangle, none of the ring's.
    const hull = convexHull(t.xy, 468);
    const cx = 128;
    const cy = 128;
    const inner = hull.map((v, k) => (k % 2 === 0 ? cx + 0.97 * (v - cx) : cy + 0.97 * (v - cy)));
    let inside = 0;
    let ring = 0;
    for (let y = 0; y < size; y++)
      for (let x = 0; x < size; x++) {
        if (!insidePolygon(inner, x + 0.5, y + 0.5)) continue;
        inside++;
        const tri = m.tri[y * size + x];
        if ([0, 1, 2].some((k) => mesh.tris[3 * tri + k] >= 468)) ring++;
      }
    expect(inside).toBeGreaterThan(10000);
    expect(ring).toBe(0);
    // The rim points of a head in the source's pose stay where they are (first test); here the pulled-in ones
    // were moved back out, near the outline.
    const moved = FACE_OVAL.filter((i) => Math.abs(t.xy[2 * i] - target[3 * i]) > 1);
    expect(moved.length).toBeGreaterThan(5);
    // There the face's side samples the source further in; the ring's copies of those points keep the edge.
    const base = 468 + mesh.anchorKind.length;
    for (const i of moved) {
      const k = mesh.rim.indexOf(i);
      expect(k).toBeGreaterThanOrEqual(0);
      expect(Math.abs(t.src[2 * i] - 128)).toBeLessThan(Math.abs(mesh.srcXY[2 * i] - 128));
      expect(t.src[2 * (base + k)]).toBe(mesh.srcXY[2 * i]);
      expect(t.xy[2 * (base + k)]).toBe(t.xy[2 * i]);
    }
  });

  it('lets the nearer surface win where triangles overlap', () => {
    const mesh = buildWarpMesh(face, size, size);
    const target = Float32Array.from(face);
    // Push the nose tip (near) over its neighbourhood: the pixels there show the nose, not what lay behind.
    const nose = 1;
    target[3 * nose + 2] = -50;
    const m = createBackwardMap(size, size);
    const t = targetMeshPoints(mesh, target);
    rasterizeBackward(mesh.tris, t.xy, t.z, mesh.srcXY, m);
    const p = Math.round(target[3 * nose + 1]) * size + Math.round(target[3 * nose]);
    expect(m.depth[p]).toBeLessThan(-10);
  });
});

describe('eye rendering', () => {
  const size = 256;
  it('moves the iris inside the aperture and keeps the lids', () => {
    const source = syntheticFace({ gaze: 0 });
    const target = syntheticFace({ gaze: 0.4 });
    const m = createBackwardMap(size, size);
    const mesh = buildWarpMesh(source, size, size);
    const t = targetMeshPoints(mesh, target);
    rasterizeBackward(mesh.tris, t.xy, t.z, mesh.srcXY, m);
    renderEyes(m, source, target);
    const e = RIGHT_EYE.iris;
    const tx = Math.floor(target[3 * e]);
    const ty = Math.floor(target[3 * e + 1]);
    const i = 2 * (ty * size + tx);
    // The target iris centre shows the source iris centre.
    expect(Math.abs(m.map[i] - source[3 * e])).toBeLessThan(1.5);
    expect(Math.abs(m.map[i + 1] - source[3 * e + 1])).toBeLessThan(1.5);
    // Every target pixel inside the aperture samples inside the source aperture (iris or sclera, never skin).
    const tPoly = ringXY(target, RIGHT_EYE.ring);
    const sPoly = ringXY(source, RIGHT_EYE.ring);
    let inside = 0;
    for (let y = 0; y < size; y++)
      for (let x = 0; x < size; x++) {
        if (!insidePolygon(tPoly, x + 0.5, y + 0.5)) continue;
        inside++;
        const j = 2 * (y * size + x);
        expect(
          insidePolygon(sPoly, m.map[j], m.map[j + 1]) || insideNear(sPoly, m.map[j], m.map[j + 1]),
        ).toBe(true);
      }
    expect(inside).toBeGreaterThan(20);
  });

  it.each(['stretch', 'mirror'] as const)(
    'leaves the eyeball where it is when the target eye is the source eye (%s)',
    (fill) => {
      // Gaze and lids unchanged: iris and sclera must sample their own pixels (up to the inset that keeps samples
      // off the lash line), or every frame would smear the eyes even with a still driver.
      const source = syntheticFace({ gaze: 0.2 });
      const mesh = buildWarpMesh(source, size, size);
      const m = createBackwardMap(size, size);
      const t = targetMeshPoints(mesh, source);
      rasterizeBackward(mesh.tris, t.xy, t.z, mesh.srcXY, m);
      renderEyes(m, source, source, source, fill);
      let n = 0;
      let sum = 0;
      let max = 0;
      for (const eye of EYES) {
        const poly = ringXY(source, eye.ring);
        for (let y = 0; y < size; y++)
          for (let x = 0; x < size; x++) {
            if (!insidePolygon(poly, x + 0.5, y + 0.5)) continue;
            const j = 2 * (y * size + x);
            const d = Math.hypot(m.map[j] - x - 0.5, m.map[j + 1] - y - 0.5);
            sum += d;
            max = Math.max(max, d);
            n++;
          }
      }
      expect(n).toBeGreaterThan(40);
      expect(sum / n).toBeLessThan(0.35);
      expect(max).toBeLessThan(1.5);
    },
  );

  it('mirror fill: the sclera an iris uncovers comes from the open side, not stretched from the corner', () => {
    // The iris leaves a corner (as eye contact does for a user looking aside): the strip between it and that
    // corner is narrow in the source (shadow, lashes). 'stretch' spreads that strip over the uncovered sclera;
    // 'mirror' keeps it at the corner and fills the rest from the source's open side of the iris.
    const source = syntheticFace({ gaze: 0.7 });
    const target = syntheticFace({ gaze: -0.3 });
    const along = (kp: Float32Array, eye: (typeof EYES)[number], x: number, y: number) => {
      const ax = kp[3 * eye.outerCorner];
      const ay = kp[3 * eye.outerCorner + 1];
      const dx = kp[3 * eye.innerCorner] - ax;
      const dy = kp[3 * eye.innerCorner + 1] - ay;
      const len = Math.hypot(dx, dy);
      return { u: ((x - ax) * dx + (y - ay) * dy) / len, len };
    };
    const radius = (kp: Float32Array, c: number) =>
      [1, 2, 3, 4].reduce(
        (a, k) => a + Math.hypot(kp[3 * (c + k)] - kp[3 * c], kp[3 * (c + k) + 1] - kp[3 * c + 1]),
        0,
      ) / 4;
    for (const fill of ['stretch', 'mirror'] as const) {
      const m = createBackwardMap(size, size);
      renderEyes(m, source, target, target, fill);
      for (const eye of EYES) {
        const sc = along(source, eye, source[3 * eye.iris], source[3 * eye.iris + 1]);
        const tc = along(target, eye, target[3 * eye.iris], target[3 * eye.iris + 1]);
        const r = radius(source, eye.iris);
        // The side the iris left, and how long its strip was in the source.
        const leftward = tc.u < sc.u;
        const strip = leftward ? sc.len - (sc.u + r) : sc.u - r;
        expect(strip).toBeLessThan(0.5 * r);
        const poly = ringXY(target, eye.ring);
        let uncovered = 0;
        let fromOpenSide = 0;
        for (let y = 0; y < size; y++)
          for (let x = 0; x < size; x++) {
            if (!insidePolygon(poly, x + 0.5, y + 0.5)) continue;
            const tu = along(target, eye, x + 0.5, y + 0.5).u;
            const fromCorner = leftward ? tc.len - tu : tu;
            const pastIris = leftward ? tu - (tc.u + r) : tc.u - r - tu;
            if (fromCorner < strip + 2 || pastIris < 1) continue;
            uncovered++;
            const j = 2 * (y * size + x);
            const su = along(source, eye, m.map[j], m.map[j + 1]).u;
            if (leftward ? su < sc.u - r : su > sc.u + r) fromOpenSide++;
          }
        expect(uncovered).toBeGreaterThan(10);
        expect(fromOpenSide).toBe(fill === 'mirror' ? uncovered : 0);
      }
    }
  });

  it("covers the source's lash line once the lid comes down even a little", () => {
    // The upper lid lowered by ~0.05 eye lengths: the mesh keeps the open lid, and the band just above its
    // margin (the source's lash line, which the peer reads as the lid) is redrawn as lid skin.
    const source = syntheticFace();
    const target = syntheticFace({ eyeOpen: 0.43 });
    const meshTarget = openUpperLids(source, target, new Float32Array(478 * 3));
    const mesh = buildWarpMesh(source, size, size);
    const m = createBackwardMap(size, size);
    const t = targetMeshPoints(mesh, meshTarget);
    rasterizeBackward(mesh.tris, t.xy, t.z, mesh.srcXY, m);
    const before = Float32Array.from(m.map);
    renderEyes(m, source, target, meshTarget);
    // Pixels outside the open aperture (above its upper margin) that the eye renderer redrew.
    const open = EYES.map((e) => ringXY(meshTarget, e.ring));
    let redrawn = 0;
    for (let y = 0; y < size; y++)
      for (let x = 0; x < size; x++) {
        const j = 2 * (y * size + x);
        if (open.some((poly) => insidePolygon(poly, x + 0.5, y + 0.5))) continue;
        if (m.map[j] !== before[j] || m.map[j + 1] !== before[j + 1]) redrawn++;
      }
    expect(redrawn).toBeGreaterThan(10);
  });

  it('a closed target eye shows no eyeball at all', () => {
    const source = syntheticFace();
    const target = syntheticFace({ eyeOpen: 0 });
    const m = createBackwardMap(size, size);
    const before = Float32Array.from(m.map);
    renderEyes(m, source, target);
    expect(m.map).toEqual(before);
  });
});

function insideNear(poly: Float32Array, x: number, y: number): boolean {
  for (const [dx, dy] of [
    [1, 0],
    [-1, 0],
    [0, 1],
    [0, -1],
  ])
    if (insidePolygon(poly, x + dx, y + dy)) return true;
  return false;
}

describe('mouth rendering', () => {
  const size = 256;
  it('draws nothing for a closed mouth', () => {
    const target = syntheticFace({ mouthOpen: 0 });
    const img = new Float32Array(3 * size * size).fill(0.5);
    const tone = {
      lip: [0.7, 0.3, 0.3] as [number, number, number],
      skin: [0.8, 0.6, 0.5] as [number, number, number],
    };
    expect(renderMouth(target, tone, size, size, img)).toBe(false);
    expect(img.every((v) => v === 0.5)).toBe(true);
  });

  it('draws a dark cavity inside the lips only, and teeth bands when asked', () => {
    const target = syntheticFace({ mouthOpen: 0.35 });
    expect(mouthOpening(target)).toBeGreaterThan(0.1);
    const img = new Float32Array(3 * size * size).fill(0.5);
    const tone = {
      lip: [0.7, 0.3, 0.3] as [number, number, number],
      skin: [0.8, 0.6, 0.5] as [number, number, number],
    };
    const plain = Float32Array.from(img);
    expect(renderMouth(target, tone, size, size, plain)).toBe(true);
    expect(renderMouth(target, tone, size, size, img, { teeth: true })).toBe(true);
    const poly = ringXY(target, INNER_LIPS);
    let bright = 0;
    let dark = 0;
    const plane = size * size;
    for (let p = 0; p < plane; p++) {
      const x = (p % size) + 0.5;
      const y = Math.floor(p / size) + 0.5;
      const changed = img[p] !== 0.5 || img[plane + p] !== 0.5;
      const inside = insidePolygon(poly, x, y);
      if (!inside) {
        if (changed) expect(insideNear(poly, x, y)).toBe(true); // anti-aliased edge only
        continue;
      }
      const lum = (img[p] + img[plane + p] + img[2 * plane + p]) / 3;
      if (lum > 0.65) bright++;
      if (lum < 0.25) dark++;
      // Without teeth the cavity is dark throughout (the tongue's lighter tone included).
      expect((plain[p] + plain[plane + p] + plain[2 * plane + p]) / 3).toBeLessThan(0.5);
    }
    expect(bright).toBeGreaterThan(10);
    expect(dark).toBeGreaterThan(10);
  });

  it("tints the teeth with the photo's white balance: warmer for warm skin, cooler for cool skin", () => {
    const target = syntheticFace({ mouthOpen: 0.35 });
    const brightest = (skin: [number, number, number]) => {
      const img = new Float32Array(3 * size * size).fill(0);
      renderMouth(target, { lip: [0.7, 0.3, 0.3], skin }, size, size, img, { teeth: true });
      const plane = size * size;
      let best = 0;
      for (let p = 1; p < plane; p++) if (img[p] + img[plane + p] > img[best] + img[plane + best]) best = p;
      return [img[best], img[plane + best], img[2 * plane + best]];
    };
    const warm = brightest([0.85, 0.6, 0.45]);
    const cool = brightest([0.6, 0.62, 0.7]);
    expect(warm[0] - warm[2]).toBeGreaterThan(cool[0] - cool[2]);
    expect(Math.min(...warm, ...cool)).toBeGreaterThan(0.5); // still teeth, not skin
  });
});

describe('closing lids', () => {
  const gapAt = (p: ArrayLike<number>, k: number) => {
    const u = RIGHT_EYE.ring[k];
    const l = RIGHT_EYE.ring[RIGHT_EYE.ring.length - k];
    return Math.hypot(p[3 * u] - p[3 * l], p[3 * u + 1] - p[3 * l + 1]);
  };
  const width = (p: ArrayLike<number>) =>
    Math.hypot(
      p[3 * RIGHT_EYE.innerCorner] - p[3 * RIGHT_EYE.outerCorner],
      p[3 * RIGHT_EYE.innerCorner + 1] - p[3 * RIGHT_EYE.outerCorner + 1],
    );

  it('leaves an open target alone and shuts one that reads as closed to the tracker', () => {
    const source = syntheticFace({ eyeOpen: 0.8 });
    const out = new Float32Array(478 * 3);
    expect(closeLids(source, source, out)).toEqual(source);
    // The tracker's closed eye keeps a gap of about a tenth of the eye width.
    const w = width(source);
    const closed = syntheticFace({ eyeOpen: 0.1 });
    expect(gapAt(closed, 4) / w).toBeGreaterThan(0.08);
    closeLids(source, closed, out);
    expect(gapAt(out, 4) / w).toBeLessThan(0.05);
    // Half-way stays in between: closing, but not shut.
    const half = syntheticFace({ eyeOpen: 0.5 });
    closeLids(source, half, out);
    expect(gapAt(out, 4)).toBeLessThan(gapAt(half, 4));
    expect(gapAt(out, 4) / w).toBeGreaterThan(0.1);
  });
});
