// `npm run bench -- models [--json] [--runs N]`: per face model, conversion time (TF.js graph -> ONNX, into a
// throw-away cache) and ONNX Runtime CPU time per inference with one intra-op thread. One JSON line per model.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  buildModel,
  FACE_MODEL_NAMES,
  FACE_MODELS,
  type FaceModelName,
} from '../src/inference/models/registry.ts';
import { createSession, ort } from '../src/inference/onnx/runtime.ts';

const SIZE: Record<FaceModelName, number> = { blazeface: 256, facemesh: 192, iris: 64, faceres: 224 };

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

export async function run(args: string[]): Promise<void> {
  const i = args.indexOf('--runs');
  const runs = i >= 0 ? Number(args[i + 1]) : 30;
  const cacheDir = await mkdtemp(join(tmpdir(), 'bench-models-'));
  try {
    for (const name of FACE_MODEL_NAMES) {
      const built = await buildModel(name, { cacheDir });
      const session = await createSession(built.path, { name, provider: 'cpu', intraOpThreads: 1 });
      const n = SIZE[name];
      const x = new Float32Array(n * n * 3).map(() => Math.random());
      const feeds = { [FACE_MODELS[name].input]: new ort.Tensor('float32', x, [1, n, n, 3]) };
      for (let k = 0; k < 3; k++) await session.run(feeds);
      const times: number[] = [];
      for (let k = 0; k < runs; k++) {
        const t0 = performance.now();
        await session.run(feeds);
        times.push(performance.now() - t0);
      }
      await session.close();
      console.log(
        JSON.stringify({
          bench: 'models',
          model: name,
          convert_ms: +built.convertMs.toFixed(1),
          onnx_mb: +(built.bytes / 1e6).toFixed(2),
          ort_cpu_1thread_ms: +median(times).toFixed(2),
          ort_min_ms: +Math.min(...times).toFixed(2),
          runs,
        }),
      );
    }
  } finally {
    await rm(cacheDir, { recursive: true, force: true });
  }
}
