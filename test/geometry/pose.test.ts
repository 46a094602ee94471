import { describe, expect, it } from 'vitest';
import { RIGID_POINTS } from '../../src/inference/geometry/landmarks.ts';
import {
  angleBetween,
  DEG,
  eulerToMat3,
  mat3Det,
  mat3Mul,
  mat3Transpose,
  RAD,
} from '../../src/inference/geometry/math.ts';
import { PoseEstimator } from '../../src/inference/geometry/pose.ts';
import { TEMPLATE } from '../../src/inference/geometry/template-data.ts';
import { applySimilarity, invertSimilarity, SimilarityFitter } from '../../src/inference/geometry/umeyama.ts';

/** Deterministic PRNG (mulberry32) and a Gaussian from it. */
function rng(seed: number): { u: () => number; g: () => number } {
  let a = seed >>> 0;
  const u = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return { u, g: () => Math.sqrt(-2 * Math.log(u() + 1e-12)) * Math.cos(2 * Math.PI * u()) };
}

function randomPose(r: ReturnType<typeof rng>) {
  const R = eulerToMat3((r.u() - 0.5) * 60 * RAD, (r.u() - 0.5) * 80 * RAD, (r.u() - 0.5) * 50 * RAD);
  return {
    scale: 50 + 150 * r.u(),
    rotation: R,
    translation: Float64Array.of(100 + 300 * r.u(), 100 + 300 * r.u(), 20 * r.g()),
  };
}

const rigid = new Set(RIGID_POINTS.map(([i]) => i));

/** Expression deformation on the non-rigid points (lips, lids, jaw...), canonical units. */
function expression(r: ReturnType<typeof rng>, amount: number): Float64Array {
  const d = new Float64Array(478 * 3);
  for (let i = 0; i < 478; i++) if (!rigid.has(i)) for (let a = 0; a < 3; a++) d[i * 3 + a] = amount * r.g();
  return d;
}

function rotationErrorDeg(a: ArrayLike<number>, b: ArrayLike<number>): number {
  const rel = mat3Mul(a, mat3Transpose(b));
  const c = Math.max(-1, Math.min(1, (rel[0] + rel[4] + rel[8] - 1) / 2));
  return Math.acos(c) * DEG;
}

describe('similarity fit (weighted Umeyama)', () => {
  it('recovers random s, R, t exactly with an expression on the non-rigid points and no noise', () => {
    const r = rng(1);
    const est = new PoseEstimator();
    let worst = 0;
    for (let trial = 0; trial < 200; trial++) {
      const truth = randomPose(r);
      const d = expression(r, 0.05);
      const can = Float64Array.from(TEMPLATE, (v, j) => v + d[j]);
      const p = applySimilarity(truth, can, new Float64Array(478 * 3));
      const pose = est.estimate(p);
      expect(mat3Det(pose.rotation)).toBeCloseTo(1, 12);
      worst = Math.max(
        worst,
        Math.abs(pose.scale / truth.scale - 1),
        Math.max(...pose.rotation.map((v, k) => Math.abs(v - truth.rotation[k]))),
        Math.max(...pose.translation.map((v, k) => Math.abs(v - truth.translation[k]))) / truth.scale,
      );
      // Canonical key-points p_can = (1/s) R^-1 (p - d - t) give the template back.
      const dImg = applySimilarity(
        { scale: pose.scale, rotation: pose.rotation, translation: [0, 0, 0] },
        d,
        new Float64Array(478 * 3),
      );
      const pMinusD = Float64Array.from(p, (v, j) => v - dImg[j]);
      const pcan = invertSimilarity(pose, pMinusD, new Float64Array(478 * 3));
      for (let j = 0; j < pcan.length; j++) worst = Math.max(worst, Math.abs(pcan[j] - TEMPLATE[j]));
    }
    expect(worst).toBeLessThan(1e-6);
  });

  it('recovers the Euler angles it was given', () => {
    const est = new PoseEstimator();
    for (const [pitch, yaw, roll] of [
      [0, 0, 0],
      [10, -30, 5],
      [-20, 45, -15],
      [5, 80, 0],
    ]) {
      const truth = {
        scale: 100,
        rotation: eulerToMat3(pitch * RAD, yaw * RAD, roll * RAD),
        translation: [256, 256, 0],
      };
      const pose = est.estimate(applySimilarity(truth, TEMPLATE, new Float64Array(478 * 3)));
      expect(pose.yaw).toBeCloseTo(yaw, 6);
      expect(pose.pitch).toBeCloseTo(pitch, 6);
      expect(pose.roll).toBeCloseTo(roll, 6);
    }
  });

  it('degrades smoothly with landmark noise', () => {
    const sigmas = [0, 0.0025, 0.005, 0.01, 0.02, 0.04];
    const est = new PoseEstimator();
    const errors = sigmas.map((sigma) => {
      const r = rng(7);
      let rot = 0;
      let scale = 0;
      const trials = 100;
      for (let trial = 0; trial < trials; trial++) {
        const truth = randomPose(r);
        const p = applySimilarity(truth, TEMPLATE, new Float64Array(478 * 3));
        for (let j = 0; j < p.length; j++) p[j] += sigma * truth.scale * r.g();
        const pose = est.estimate(p);
        rot += rotationErrorDeg(pose.rotation, truth.rotation);
        scale += Math.abs(pose.scale / truth.scale - 1);
      }
      return { sigma, rotDeg: rot / trials, scaleRel: scale / trials };
    });
    console.log(JSON.stringify({ test: 'pose-noise', errors }));
    expect(errors[0].rotDeg).toBeLessThan(1e-6);
    for (let k = 1; k < errors.length; k++) {
      expect(errors[k].rotDeg).toBeGreaterThan(errors[k - 1].rotDeg);
      // Roughly linear in the noise: doubling sigma at most ~2.6x the error, and small in absolute terms.
      if (k > 1) expect(errors[k].rotDeg).toBeLessThan(2.6 * errors[k - 1].rotDeg);
      expect(errors[k].rotDeg).toBeLessThan(120 * errors[k].sigma);
    }
  });

  it('plain fitter: handles a reflection-free fit of a point set onto itself rotated by 180 degrees', () => {
    const fitter = new SimilarityFitter();
    const R = eulerToMat3(0, Math.PI, 0);
    const truth = { scale: 2, rotation: R, translation: [1, 2, 3] };
    const p = applySimilarity(truth, TEMPLATE, new Float64Array(478 * 3));
    const sim = fitter.fit(TEMPLATE, p, null, null);
    expect(rotationErrorDeg(sim.rotation, R)).toBeLessThan(1e-6);
    expect(sim.rms).toBeLessThan(1e-9);
    expect(angleBetween([1, 0, 0], [0, 1, 0])).toBeCloseTo(90, 9);
  });
});
