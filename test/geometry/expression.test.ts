import { describe, expect, it } from 'vitest';
import { mouthOpening as innerLipArea } from '../../src/inference/generator/mouth.ts';
import { FaceAnalyzer } from '../../src/inference/geometry/analyzer.ts';
import { eyeOpening, measureFace, mouthOpening } from '../../src/inference/geometry/expression.ts';
import {
  LEFT_EYE_LOWER,
  LEFT_EYE_UPPER,
  LIPS_INNER_LOWER,
  LIPS_INNER_UPPER,
  LIPS_OUTER_LOWER,
  RIGHT_EYE_LOWER,
  RIGHT_EYE_UPPER,
} from '../../src/inference/geometry/landmarks.ts';
import { eulerToMat3, RAD } from '../../src/inference/geometry/math.ts';
import { PoseEstimator } from '../../src/inference/geometry/pose.ts';
import { expressionScale, Reenactor } from '../../src/inference/geometry/reenact.ts';
import { TEMPLATE } from '../../src/inference/geometry/template-data.ts';
import { applySimilarity, SimilarityFitter } from '../../src/inference/geometry/umeyama.ts';

const JAW = [152, 148, 176, 149, 150, 377, 400, 378, 379, 17, 18, 200, 199, 175, 84, 314, 181, 405];

/** An identity: the template stretched a little (wider eyes apart, longer face). */
function identity(kx: number, ky: number): Float64Array {
  return Float64Array.from(TEMPLATE, (v, j) => (j % 3 === 0 ? v * kx : j % 3 === 1 ? v * ky : v));
}

/** Expression on canonical points: `open` moves the lower lip and jaw down, `blink` closes the upper lids. */
function withExpression(base: Float64Array, open: number, blink = 0): Float64Array {
  const p = Float64Array.from(base);
  for (const i of new Set<number>([
    ...LIPS_INNER_LOWER.slice(1, -1),
    ...LIPS_OUTER_LOWER.slice(1, -1),
    ...JAW,
  ]))
    p[i * 3 + 1] += open;
  for (const [upper, lowerMid] of [
    [RIGHT_EYE_UPPER, 145],
    [LEFT_EYE_UPPER, 374],
  ] as const) {
    for (const i of upper.slice(1, -1)) p[i * 3 + 1] += blink * (p[lowerMid * 3 + 1] - p[i * 3 + 1]) * 0.9;
  }
  return p;
}

function pose(yawDeg: number, scale = 150, tx = 256) {
  return { scale, rotation: eulerToMat3(0, yawDeg * RAD, 0), translation: [tx, 260, 0] };
}

describe('canonical key-points, neutral face, measures', () => {
  it('measures mouth and eye opening scale-free', () => {
    const closed = withExpression(identity(1, 1), 0);
    const open = withExpression(identity(1, 1), 0.3);
    expect(mouthOpening(closed)).toBeLessThan(0.05);
    expect(mouthOpening(open)).toBeGreaterThan(mouthOpening(closed) + 0.2);
    const big = Float64Array.from(open, (v) => v * 3);
    expect(mouthOpening(big)).toBeCloseTo(mouthOpening(open), 9);
    const blink = withExpression(identity(1, 1), 0, 1);
    expect(eyeOpening(blink).left).toBeLessThan(0.5 * eyeOpening(closed).left);
    const m = measureFace(blink, closed);
    expect(m.blink.left).toBeGreaterThan(0.5);
    expect(m.blink.right).toBeGreaterThan(0.5);
    expect(measureFace(closed, closed).blink.left).toBe(0);
  });

  it('estimates the neutral face over time even when the user talks from the first frame', () => {
    const id = identity(1.05, 0.97);
    const an = new FaceAnalyzer();
    let last = an.analyze(
      applySimilarity(pose(0), withExpression(id, 0.3), new Float64Array(1434)),
      512,
      512,
      0,
    );
    // 6 s of talking: mouth open 2/3 of the time, closed 1/3, head turning, a blink now and then.
    for (let f = 1; f < 150; f++) {
      const open = f % 3 === 0 ? 0 : 0.2 + 0.1 * Math.sin(f);
      const blink = f % 37 === 0 ? 1 : 0;
      const lm = applySimilarity(
        pose(15 * Math.sin(f / 10), 150 + 10 * Math.sin(f / 7)),
        withExpression(id, open, blink),
        new Float64Array(1434),
      );
      last = an.analyze(lm, 512, 512, f * 40);
    }
    expect(an.neutral.confident).toBe(true);
    // The neutral face is the closed-mouth identity (in the template's frame, up to the fit's similarity).
    const fit = new SimilarityFitter().fit(id, last.canonical, null, null);
    const ref = applySimilarity(fit, id, new Float64Array(1434));
    let worst = 0;
    for (let j = 0; j < 1434; j++) worst = Math.max(worst, Math.abs(last.canonical[j] - ref[j]));
    expect(worst).toBeLessThan(1e-4);
    expect(mouthOpening(last.canonical)).toBeLessThan(0.05);
  });

  it('expression = frame - neutral; p_can = (1/s) R^-1 (p - d - t) gives the neutral back', () => {
    const id = identity(1, 1);
    const an = new FaceAnalyzer();
    for (let f = 0; f < 10; f++)
      an.analyze(applySimilarity(pose(5), withExpression(id, 0), new Float64Array(1434)), 512, 512, f * 200);
    const p = applySimilarity(pose(-20, 120, 300), withExpression(id, 0.25), new Float64Array(1434));
    const g = an.analyze(p, 512, 512, 3000);
    // d = s R e in image space; p - d should be the neutral face posed by the fitted pose.
    const d = applySimilarity(
      { scale: g.pose.scale, rotation: g.pose.rotation, translation: [0, 0, 0] },
      g.expression,
      new Float64Array(1434),
    );
    const neutralPosed = applySimilarity(g.pose, g.canonical, new Float64Array(1434));
    let worst = 0;
    for (let j = 0; j < 1434; j++) worst = Math.max(worst, Math.abs(p[j] - d[j] - neutralPosed[j]));
    expect(worst).toBeLessThan(1e-3);
    expect(g.measures.mouth).toBeGreaterThan(0.2);
    expect(Math.abs(g.pose.yaw + 20)).toBeLessThan(0.5);
  });
});

describe('re-enactment', () => {
  const src = identity(0.95, 1.08);
  const drv = identity(1.06, 0.95);
  const srcPose = pose(10, 200, 240);

  function setup(mode: 'absolute' | 'relative') {
    const srcAn = new FaceAnalyzer();
    const srcGeo = srcAn.analyze(applySimilarity(srcPose, src, new Float64Array(1434)), 512, 512, 0);
    const r = new Reenactor({ mode });
    r.setSource({ pose: srcGeo.pose, canonical: srcGeo.canonical });
    const drvAn = new FaceAnalyzer();
    return { r, drvAn, srcGeo };
  }

  it('rescales the driver expression to the source face per axis', () => {
    const k = expressionScale(src, drv);
    expect(k[0]).toBeCloseTo(0.95 / 1.06, 6);
    expect(k[1]).toBeCloseTo(1.08 / 0.95, 6);
  });

  it('relative mode: a driver at its reference pose leaves the source where it is, and applies its turn', () => {
    const { r, drvAn, srcGeo } = setup('relative');
    const out = new Float32Array(1434);
    const d0 = drvAn.analyze(applySimilarity(pose(-5, 100, 300), drv, new Float64Array(1434)), 512, 512, 0);
    const p0 = r.update(d0, out);
    expect(p0.scale).toBeCloseTo(srcGeo.pose.scale, 6);
    expect(p0.yaw).toBeCloseTo(srcGeo.pose.yaw, 4);
    const srcLm = applySimilarity(srcPose, src, new Float64Array(1434));
    let worst = 0;
    for (let j = 0; j < 1434; j++) worst = Math.max(worst, Math.abs(out[j] - srcLm[j]));
    expect(worst).toBeLessThan(0.05);
    // Driver turns by 20 deg and opens its mouth: the source turns by 20 deg and opens its mouth.
    const d1 = drvAn.analyze(
      applySimilarity(pose(15, 100, 300), withExpression(drv, 0.3), new Float64Array(1434)),
      512,
      512,
      40,
    );
    const p1 = r.update(d1, out);
    expect(p1.yaw - p0.yaw).toBeCloseTo(20, 3);
    expect(p1.scale).toBeCloseTo(srcGeo.pose.scale, 6);
    const back = new PoseEstimator().estimate(out);
    expect(back.yaw).toBeCloseTo(p1.yaw, 3);
    const can = applySimilarity(
      {
        scale: 1 / p1.scale,
        rotation: Float64Array.from([0, 3, 6, 1, 4, 7, 2, 5, 8], (i) => p1.rotation[i]),
        translation: [0, 0, 0],
      },
      Float64Array.from(out, (v, j) => v - p1.translation[j % 3]),
      new Float64Array(1434),
    );
    expect(mouthOpening(can)).toBeGreaterThan(0.2);
  });

  it('lips pressed or lids squeezed beyond the source closing meet, never cross', () => {
    const { r, drvAn } = setup('relative');
    const out = new Float32Array(1434);
    r.update(
      drvAn.analyze(applySimilarity(pose(0, 100, 300), drv, new Float64Array(1434)), 512, 512, 0),
      out,
    );
    const restOpening = innerLipArea(out);
    // Lower lip pushed up through the upper one, lids closed one and a half times over.
    const d = drvAn.analyze(
      applySimilarity(pose(0, 100, 300), withExpression(drv, -0.3, 1.6), new Float64Array(1434)),
      512,
      512,
      40,
    );
    const p = r.update(d, out);
    const can = Float64Array.from(out, (v, j) => v - p.translation[j % 3]);
    const Rt = Float64Array.from([0, 3, 6, 1, 4, 7, 2, 5, 8], (i) => p.rotation[i]);
    applySimilarity({ scale: 1 / p.scale, rotation: Rt, translation: [0, 0, 0] }, can, can);
    const pairs = [
      [LIPS_INNER_UPPER, LIPS_INNER_LOWER],
      [RIGHT_EYE_UPPER, RIGHT_EYE_LOWER],
      [LEFT_EYE_UPPER, LEFT_EYE_LOWER],
    ] as const;
    let met = 0;
    for (const [u, l] of pairs)
      for (let k = 1; k < u.length - 1; k++) {
        const gap = can[l[k] * 3 + 1] - can[u[k] * 3 + 1];
        expect(gap).toBeGreaterThan(-1e-4);
        if (gap < 1e-4) met++;
      }
    // The press did reach past closed: the pairs met rather than stayed open.
    expect(met).toBeGreaterThan(10);
    // The inner lips' polygon is not turned inside out (its area read as an open mouth, and teeth were drawn).
    expect(innerLipArea(out)).toBeLessThan(restOpening);
  });

  it('absolute mode: the target takes the driver pose', () => {
    const { r, drvAn } = setup('absolute');
    const out = new Float32Array(1434);
    const d = drvAn.analyze(applySimilarity(pose(-25, 90, 200), drv, new Float64Array(1434)), 512, 512, 0);
    const p = r.update(d, out);
    expect(p.yaw).toBeCloseTo(d.pose.yaw, 9);
    expect(p.yaw).toBeCloseTo(-25, 1);
    expect(p.scale).toBeCloseTo(d.pose.scale, 9);
    expect(p.translation[0]).toBeCloseTo(d.pose.translation[0], 9);
  });
});
