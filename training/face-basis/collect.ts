// Collects canonical faces for the face basis (training/face-basis/fit.py): for every training-split clip of the
// data set (`npm run dataset`; validation persons are left out), its neutral face (the per-coordinate median of
// its resting frames: mouth closed, eyes open; clips with fewer than 3 are left out) and each frame's expression
// against it (canonical space, 478 x 3). Writes float32 little-endian files:
//   neutrals.f32     clips x 1434  (one neutral face per clip)
//   expressions.f32  frames x 1434 (q - the clip's final neutral, every frame with a face)
// and meta.json (counts, persons). Usage: tsx training/face-basis/collect.ts [--data DIR] [--source DIR]
// [--out DIR] [--frames N]
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { NEUTRAL_MAX_MOUTH } from '../../src/inference/geometry/expression.ts';
import { FramePipeline } from '../../src/inference/pipeline/pipeline.ts';
import { PROJECT_ROOT } from '../../src/util/paths.ts';
import { readClipFrames, readDatasetIndex } from '../dataset/build.ts';

const N = 478 * 3;

const { values } = parseArgs({
  options: {
    data: { type: 'string', default: resolve(PROJECT_ROOT, '.cache', 'dataset') },
    source: { type: 'string', default: resolve(PROJECT_ROOT, '..', 'shared', 'data', 'talking-heads') },
    out: { type: 'string', default: resolve(PROJECT_ROOT, '.cache', 'face-basis') },
    frames: { type: 'string', default: '60' },
  },
});
const index = readDatasetIndex(values.data);
if (!index) throw new Error(`no data set at ${values.data}: run npm run dataset first`);
mkdirSync(values.out, { recursive: true });
const neutrals: Float32Array[] = [];
const expressions: Float32Array[] = [];
const persons: string[] = [];
// Eye contact present for its geometry, never turning an eye (a band that no gaze falls in).
const pipeline = await FramePipeline.create({
  size: 256,
  eyeContact: { fullDeg: 0, noneDeg: 1e-6, lookAway: false },
});
try {
  for (const clip of index.clips.filter((c) => c.split === 'train')) {
    const frames = await readClipFrames(values.source, index, clip, Number(values.frames));
    pipeline.resetDriver();
    const qs: Float32Array[] = [];
    const rest: Float32Array[] = [];
    for (let i = 0; i < frames.length; i++) {
      const r = await pipeline.process(frames[i], 'eyes', (i * 1000) / clip.fps);
      const g = r.geometry;
      if (!g) continue;
      const q = new Float32Array(N);
      for (let j = 0; j < N; j++) q[j] = g.canonical[j] + g.expression[j];
      qs.push(q);
      // The clip's neutral from its resting frames only (mouth closed, eyes open): a clip that never rests
      // would put its speech into the identity components.
      const m = g.measures;
      if (m.mouth <= NEUTRAL_MAX_MOUTH && Math.min(m.eyeOpen.left, m.eyeOpen.right) >= 0.2) rest.push(q);
    }
    if (rest.length < 3) {
      process.stderr.write(`${clip.file}: ${rest.length} resting frames of ${qs.length}, left out\n`);
      continue;
    }
    const neutral = new Float32Array(N);
    const column = new Float64Array(rest.length);
    for (let j = 0; j < N; j++) {
      for (let k = 0; k < rest.length; k++) column[k] = rest[k][j];
      column.sort();
      neutral[j] = column[rest.length >> 1];
    }
    neutrals.push(neutral);
    persons.push(clip.person);
    for (const q of qs) {
      const e = new Float32Array(N);
      for (let j = 0; j < N; j++) e[j] = q[j] - neutral[j];
      expressions.push(e);
    }
    process.stderr.write(`${clip.file}: ${qs.length} frames\n`);
  }
} finally {
  await pipeline.close();
}
const write = (name: string, rows: Float32Array[]) => {
  const buf = new Float32Array(rows.length * N);
  for (const [i, r] of rows.entries()) buf.set(r, i * N);
  writeFileSync(join(values.out, name), Buffer.from(buf.buffer));
};
write('neutrals.f32', neutrals);
write('expressions.f32', expressions);
writeFileSync(
  join(values.out, 'meta.json'),
  JSON.stringify({ clips: neutrals.length, frames: expressions.length, persons, dataHash: index.dataHash }),
);
process.stdout.write(`${neutrals.length} clips, ${expressions.length} frames -> ${values.out}\n`);
