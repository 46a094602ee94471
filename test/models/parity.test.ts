// Parity: each converted face model against TF.js (CPU backend) running the same model.json + weights, on
// random inputs and on real crops of a fixture portrait. Bound: max |onnx - tfjs| <= 1e-3 of the output's range.
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  ensureModel,
  FACE_MODEL_NAMES,
  FACE_MODELS,
  type FaceModelName,
  sourcePath,
} from '../../src/inference/models/registry.ts';
import { loadTfjsGraph } from '../../src/inference/models/tfjs-graph.ts';
import { createSession, type OnnxSession, ort } from '../../src/inference/onnx/runtime.ts';
import { FIXTURES_DIR, fixturesAvailable } from '../../src/util/paths.ts';
import { type Diff, diff } from './compare.ts';
import { type FaceCrops, faceCrops } from './face-crops.ts';
import { rand } from './synthetic.ts';
import { loadReference, type Reference } from './tfjs-reference.ts';

const SIZE: Record<FaceModelName, number> = { blazeface: 256, facemesh: 192, iris: 64, faceres: 224 };
const RANGE: Record<FaceModelName, [number, number]> = {
  blazeface: [-1, 1],
  facemesh: [0, 1],
  iris: [0, 1],
  faceres: [0, 255],
};
const BOUND = 1e-3;
/** Outputs that are probabilities (sigmoid / softmax): their range is [0, 1] whatever a few samples show. */
const PROBABILITIES = new Set(['faceflag', 'gender', 'age']);
const PORTRAIT = join(FIXTURES_DIR, 'identities', 's6.jpg');

const sessions = new Map<FaceModelName, OnnxSession>();
const references = new Map<FaceModelName, Reference>();
afterAll(async () => {
  for (const s of sessions.values()) await s.close();
  for (const r of references.values()) r.dispose();
});

async function reference(name: FaceModelName): Promise<Reference> {
  let r = references.get(name);
  if (!r) {
    r = await loadReference(await loadTfjsGraph(sourcePath(name)));
    references.set(name, r);
  }
  return r;
}

async function session(name: FaceModelName): Promise<OnnxSession> {
  let s = sessions.get(name);
  if (!s) {
    s = await createSession(await ensureModel(name), { name, intraOpThreads: 1 });
    sessions.set(name, s);
  }
  return s;
}

/** Runs both engines on `x` and logs one JSON line with the differences per output. */
async function compare(name: FaceModelName, x: Float32Array, batch: number, label: string) {
  const n = SIZE[name];
  const shape = [batch, n, n, 3];
  const spec = FACE_MODELS[name];
  const s = await session(name);
  const ref = await reference(name);
  const t0 = performance.now();
  const got = await s.run({ [spec.input]: new ort.Tensor('float32', x, shape) });
  const t1 = performance.now();
  const want = await ref.run(
    x,
    shape,
    spec.outputs.map((o) => o.node),
  );
  const t2 = performance.now();
  const outputs: Record<string, Diff> = {};
  spec.outputs.forEach((o, i) => {
    expect(Array.from(got[o.name]!.dims), o.name).toEqual(ref.lastShapes[i]);
    outputs[o.name] = diff(got[o.name]!.data as Float32Array, want[i]!, PROBABILITIES.has(o.name) ? 1 : 0);
  });
  console.log(
    JSON.stringify({
      parity: name,
      input: label,
      batch,
      ort_ms: +(t1 - t0).toFixed(1),
      tfjs_ms: +(t2 - t1).toFixed(1),
      outputs,
    }),
  );
  for (const [o, d] of Object.entries(outputs)) expect(d.rel, `${name}.${o}`).toBeLessThanOrEqual(BOUND);
  return { got, outputs };
}

describe('converted models match TF.js on random inputs', () => {
  it.each(FACE_MODEL_NAMES)('%s', async (name) => {
    // Batch 2 for the per-frame models whose TF batch is symbolic, to check the ONNX batch dimension is too
    // (faceres stays at 1: TF.js's CPU backend needs seconds per image for it).
    const batch = name === 'facemesh' || name === 'iris' ? 2 : 1;
    const [lo, hi] = RANGE[name];
    const n = SIZE[name];
    await compare(name, rand(batch * n * n * 3, 1234 + name.length, lo, hi), batch, 'random');
  });
});

describe.skipIf(!fixturesAvailable())(`converted models match TF.js on a real face (${PORTRAIT})`, () => {
  let crops: FaceCrops;
  beforeAll(async () => {
    crops = await faceCrops(PORTRAIT, await session('blazeface'));
  });

  it('blazeface finds the face in the portrait', async () => {
    expect(crops.score).toBeGreaterThan(0.5);
    const { got } = await compare('blazeface', crops.blazeface, 1, 's6.jpg');
    expect(Math.max(...(got.classificators_16!.data as Float32Array))).toBeGreaterThan(0);
  });

  it('facemesh on the face crop reports a face', async () => {
    const { got } = await compare('facemesh', crops.facemesh, 1, 's6.jpg face crop');
    expect((got.faceflag!.data as Float32Array)[0]).toBeGreaterThan(0.5);
  });

  it('iris on the eye crop', async () => {
    await compare('iris', crops.iris, 1, 's6.jpg eye crop');
  });

  it('faceres on the face crop', async () => {
    await compare('faceres', crops.faceres, 1, 's6.jpg face crop');
  });
});

if (!fixturesAvailable()) {
  console.log(`parity on a real face skipped: fixtures not found at ${FIXTURES_DIR} (set FIXTURES_DIR)`);
}
