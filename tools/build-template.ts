// Builds the canonical template (template-data.ts) from real landmarks of the fixture drivers:
//   npx tsx tools/build-template.ts
// 1. every frame's 478 landmarks from our FaceTracker (default; the tracker that runs live) or, with
//    --source=human, from the Human peer (bench/geometry-peer-frames.ts; depth in image pixels);
// 2. generalised Procrustes analysis: each frame is similarity-fitted (weighted, on the rigid points) to the
//    current mean, and the mean is re-estimated as the per-coordinate median of the aligned frames (robust to
//    talking and blinking frames), normalised to centroid 0 and RMS radius 1 over the rigid points; repeated
//    until the mean stops moving; then again over the neutral-looking frames only (mouth closed, eyes open,
//    measured on the aligned frames), so the template is a neutral face;
// 3. frontalised anatomically, not by the drivers' average pose: x runs along the mean right->left direction
//    of the mirror-pair points, y along the midline's principal direction (forehead -> chin), z = x cross y
//    (away from the camera), centred so the midline sits at x = 0.
// The numbers written are our own derived data (median of 5 people's tracked faces).
import { writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { trackDriver } from '../bench/geometry.ts';
import { driverPaths, peerFrames } from '../bench/geometry-peer-frames.ts';
import { FaceTracker } from '../src/inference/face/tracker.ts';
import { eyeOpening, mouthOpening } from '../src/inference/geometry/expression.ts';
import {
  LANDMARK_COUNT,
  MIDLINE,
  MIRROR_PAIRS,
  rigidIndexAndWeights,
} from '../src/inference/geometry/landmarks.ts';
import { applySimilarity, newSimilarity, SimilarityFitter } from '../src/inference/geometry/umeyama.ts';

const N = LANDMARK_COUNT;

/** Centres on the weighted rigid centroid and scales the rigid points' weighted RMS radius to 1, in place. */
export function normaliseShape(
  p: Float64Array,
  indices: ArrayLike<number>,
  weights: ArrayLike<number>,
): void {
  let W = 0;
  const c = [0, 0, 0];
  for (let k = 0; k < indices.length; k++) {
    const i = indices[k];
    const w = weights[i];
    W += w;
    for (let a = 0; a < 3; a++) c[a] += w * p[i * 3 + a];
  }
  for (let a = 0; a < 3; a++) c[a] /= W;
  let ss = 0;
  for (let k = 0; k < indices.length; k++) {
    const i = indices[k];
    for (let a = 0; a < 3; a++) ss += weights[i] * (p[i * 3 + a] - c[a]) ** 2;
  }
  const r = Math.sqrt(ss / W);
  for (let i = 0; i < N; i++) for (let a = 0; a < 3; a++) p[i * 3 + a] = (p[i * 3 + a] - c[a]) / r;
}

function median(values: Float64Array): number {
  const s = Float64Array.from(values).sort();
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/** Generalised Procrustes mean (per-coordinate median) of the shapes. */
export function procrustesMean(shapes: Float64Array[], iterations = 10): Float64Array {
  const { indices, weights } = rigidIndexAndWeights();
  const fitter = new SimilarityFitter();
  const sim = newSimilarity();
  const mean = Float64Array.from(shapes[0]);
  normaliseShape(mean, indices, weights);
  const aligned = shapes.map(() => new Float64Array(N * 3));
  const column = new Float64Array(shapes.length);
  for (let it = 0; it < iterations; it++) {
    shapes.forEach((s, k) => {
      fitter.fit(s, mean, indices, weights, sim);
      applySimilarity(sim, s, aligned[k]);
    });
    let moved = 0;
    for (let j = 0; j < N * 3; j++) {
      for (let k = 0; k < shapes.length; k++) column[k] = aligned[k][j];
      const m = median(column);
      moved = Math.max(moved, Math.abs(m - mean[j]));
      mean[j] = m;
    }
    normaliseShape(mean, indices, weights);
    if (moved < 1e-6) break;
  }
  return mean;
}

/** Rotates the shape into the anatomical frontal frame described at the top of this file, in place. */
export function frontalise(p: Float64Array): void {
  const x = [0, 0, 0];
  for (const [r, l] of MIRROR_PAIRS) for (let a = 0; a < 3; a++) x[a] += p[l * 3 + a] - p[r * 3 + a];
  const nx = Math.hypot(x[0], x[1], x[2]);
  for (let a = 0; a < 3; a++) x[a] /= nx;
  // Midline principal direction: power iteration on the covariance of the midline points, minus its x part.
  const c = [0, 0, 0];
  for (const i of MIDLINE) for (let a = 0; a < 3; a++) c[a] += p[i * 3 + a] / MIDLINE.length;
  const cov = new Float64Array(9);
  for (const i of MIDLINE) {
    for (let a = 0; a < 3; a++)
      for (let b = 0; b < 3; b++) cov[a * 3 + b] += (p[i * 3 + a] - c[a]) * (p[i * 3 + b] - c[b]);
  }
  let y = [p[152 * 3] - p[10 * 3], p[152 * 3 + 1] - p[10 * 3 + 1], p[152 * 3 + 2] - p[10 * 3 + 2]];
  for (let it = 0; it < 100; it++) {
    const dx = y[0] * x[0] + y[1] * x[1] + y[2] * x[2];
    y = y.map((v, a) => v - dx * x[a]);
    const ny = [0, 1, 2].map((a) => cov[a * 3] * y[0] + cov[a * 3 + 1] * y[1] + cov[a * 3 + 2] * y[2]);
    const n = Math.hypot(ny[0], ny[1], ny[2]);
    y = ny.map((v) => v / n);
  }
  const dx = y[0] * x[0] + y[1] * x[1] + y[2] * x[2];
  y = y.map((v, a) => v - dx * x[a]);
  const nyl = Math.hypot(y[0], y[1], y[2]);
  y = y.map((v) => v / nyl);
  // Forehead above chin.
  if (
    (p[152 * 3] - p[10 * 3]) * y[0] +
      (p[152 * 3 + 1] - p[10 * 3 + 1]) * y[1] +
      (p[152 * 3 + 2] - p[10 * 3 + 2]) * y[2] <
    0
  )
    y = y.map((v) => -v);
  const z = [x[1] * y[2] - x[2] * y[1], x[2] * y[0] - x[0] * y[2], x[0] * y[1] - x[1] * y[0]];
  for (let i = 0; i < N; i++) {
    const v = [p[i * 3], p[i * 3 + 1], p[i * 3 + 2]];
    p[i * 3] = v[0] * x[0] + v[1] * x[1] + v[2] * x[2];
    p[i * 3 + 1] = v[0] * y[0] + v[1] * y[1] + v[2] * y[2];
    p[i * 3 + 2] = v[0] * z[0] + v[1] * z[1] + v[2] * z[2];
  }
  // Midline at x = 0 (the rigid centroid can sit a hair off it).
  let mx = 0;
  for (const i of MIDLINE) mx += p[i * 3] / MIDLINE.length;
  for (let i = 0; i < N; i++) p[i * 3] -= mx;
}

/** Every tracked frame's landmarks per driver, from our FaceTracker or the Human peer. */
async function collect(source: 'tracker' | 'human'): Promise<{ name: string; frames: Float64Array[] }[]> {
  const out: { name: string; frames: Float64Array[] }[] = [];
  if (source === 'human') {
    for (const path of driverPaths()) {
      const d = await peerFrames(path);
      out.push({
        name: d.name,
        frames: d.frames.flatMap((f) => (f.mesh ? [Float64Array.from(f.mesh)] : [])),
      });
    }
    return out;
  }
  const tracker = await FaceTracker.create();
  try {
    for (const path of driverPaths()) {
      tracker.reset();
      const frames = await trackDriver(tracker, path);
      out.push({
        name: basename(path, '.mjpeg'),
        frames: frames.flatMap((f) => (f ? [Float64Array.from(f)] : [])),
      });
    }
  } finally {
    await tracker.close();
  }
  return out;
}

async function main(): Promise<void> {
  // The template must come from the tracker that runs live: trackers differ in where they put the eye corners
  // and irises by a few pixels, which the gaze model (iris against corners) would read as a squint.
  const source = process.argv.includes('--source=human') ? 'human' : 'tracker';
  const drivers = await collect(source);
  const shapes = drivers.flatMap((d) => d.frames);
  const sources = drivers.map((d) => `${d.name}:${d.frames.length}`);
  const first = procrustesMean(shapes);
  // Keep the neutral-looking frames (measured after aligning each to the first mean) and average again.
  const { indices, weights } = rigidIndexAndWeights();
  const fitter = new SimilarityFitter();
  const sim = newSimilarity();
  const aligned = new Float64Array(N * 3);
  const neutral = shapes.filter((s) => {
    fitter.fit(s, first, indices, weights, sim);
    applySimilarity(sim, s, aligned);
    const eyes = eyeOpening(aligned);
    return mouthOpening(aligned) < 0.05 && eyes.left > 0.22 && eyes.right > 0.22;
  });
  const mean = procrustesMean(neutral);
  frontalise(mean);
  if (mean[1 * 3 + 2] > 0) throw new Error('nose tip ended up behind the face: check the axes');
  const body = Array.from(mean, (v) => (Math.round(v * 1e5) / 1e5).toString());
  const lines: string[] = [];
  for (let i = 0; i < N; i++) lines.push(`  ${body[i * 3]}, ${body[i * 3 + 1]}, ${body[i * 3 + 2]},`);
  const file = `// Generated by tools/build-template.ts - do not edit.
// Canonical face template: 478 x (x, y, z), frontal, centred, unit RMS radius over the rigid points.
// Generalised-Procrustes median of the ${neutral.length} neutral-looking (mouth closed, eyes open) of ${shapes.length}
// tracked frames of the fixture drivers (${sources.join(', ')}),
// landmarks from ${source === 'human' ? 'the Human peer (TF.js MediaPipe face mesh + iris)' : 'our FaceTracker (MediaPipe face mesh + iris on onnxruntime)'},
// frontalised by the face's mirror symmetry.
export const TEMPLATE_FRAMES = ${neutral.length};
// biome-ignore format: one point per line
export const TEMPLATE = new Float32Array([
${lines.join('\n')}
]);
`;
  const out = join(dirname(fileURLToPath(import.meta.url)), '../src/inference/geometry/template-data.ts');
  writeFileSync(out, file);
  process.stderr.write(`wrote ${out} from ${neutral.length} of ${shapes.length} frames\n`);
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) await main();
