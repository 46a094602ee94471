// The training code stays alive: a tiny data set from two clips (one training, one validation person), a few
// training steps, the ONNX export, and the exported model run by the runtime's LearnedRegions.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { LearnedRegions } from '../../src/inference/generator/learned-regions.ts';
import { eyeBoxes } from '../../src/inference/generator/region-crops.ts';
import { PROJECT_ROOT } from '../../src/util/paths.ts';
import { buildDataset } from '../../training/dataset/build.ts';
import { DATA_DIR, dataAvailable, PYTHON, torchAvailable } from './env.ts';

const ready = dataAvailable() && torchAvailable();
if (!ready)
  console.warn(`training smoke skipped: needs ${DATA_DIR} (talking-head data set) and ${PYTHON} with torch`);

describe.skipIf(!ready)('training smoke', () => {
  const dir = mkdtempSync(join(tmpdir(), 'gazecam-train-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('builds a dataset split by person, trains a few steps, exports ONNX that the runtime runs', async () => {
    const data = join(dir, 'data');
    const index = await buildDataset(
      {
        dataDir: DATA_DIR,
        outDir: data,
        fps: 5,
        maxFrames: 5,
        sources: 1,
        limit: 0,
        valFraction: 0.15,
        only: ['first-order-model__demo_old_00.mp4', 'DPE__data_s.mp4'],
      },
      () => {},
    );
    expect(index.clips.map((c) => c.split).sort()).toEqual(['train', 'val']);
    const persons = index.clips.map((c) => c.person);
    expect(new Set(persons).size).toBe(2);
    expect(index.pairs.length).toBeGreaterThan(4);
    expect(statSync(join(data, 'warps.u8')).size).toBe(index.pairs.length * index.record);
    expect(statSync(join(data, 'frames.u8')).size).toBe(index.frames * index.record);

    const onnx = join(dir, 'eyes.onnx');
    const r = spawnSync(
      PYTHON,
      [
        join(PROJECT_ROOT, 'training', 'train.py'),
        ...['--region', 'eyes', '--data', data, '--out', join(dir, 'ck'), '--epochs', '1', '--steps', '3'],
        ...['--batch', '4', '--val-max', '8', '--gan-after', '1', '--export', onnx],
      ],
      { encoding: 'utf8', cwd: PROJECT_ROOT },
    );
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^step 3 ep 1 loss [\d.]+ .* d [\d.]+ /m);
    const done = JSON.parse(r.stdout.trim().split('\n').at(-1) as string);
    expect(done).toMatchObject({ event: 'done', steps: 3, train_persons: 1, val_persons: 1 });

    const model = await LearnedRegions.create({ eyesPath: onnx, regions: ['eyes'] });
    expect(model?.hasEyes).toBe(true);
    expect(model?.hasMouth).toBe(false);
    try {
      // A grey face with landmarks on a grid: the two eye boxes are drawn, values stay in [0, 1].
      const w = 128;
      const image = new Float32Array(3 * w * w).fill(0.5);
      const kp = new Float32Array(478 * 3);
      for (let i = 0; i < 478; i++) {
        kp[3 * i] = 30 + (i % 23) * 3;
        kp[3 * i + 1] = 30 + Math.floor(i / 23) * 3;
      }
      const src = model?.source(image, w, w, kp);
      const drawn = await model?.apply(image, w, w, kp, null, src as NonNullable<typeof src>);
      expect(drawn).toBe(2);
      expect(image.every((v) => v >= 0 && v <= 1)).toBe(true);
      const [b] = eyeBoxes(kp);
      const centre = Math.round(b.cy) * w + Math.round(b.cx);
      expect(Number.isFinite(image[centre])).toBe(true);
    } finally {
      await model?.close();
    }
  });
});
