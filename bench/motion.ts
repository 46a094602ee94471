// Where the driver's motion is lost on its way to the avatar, stage by stage, read by one reader (the project's
// own tracker, unsmoothed: fast, so every pair and frame can be read; bench quality repeats the end points with
// the independent peer). Per identity x driver, the mouth opening and each eye's opening (lid gap / eye width)
// at: the driver's raw landmarks (the reference), the smoothed landmarks the pipeline uses, the target
// key-points, and the rendered output read back (classic renderer, learned regions, and the plain warp of the
// reader's own landmarks). For each stage: Pearson r against the reference and the gain (least-squares slope
// of the stage's series on the reference's, both centred): r says whether the motion's shape survives, the gain
// whether it is damped (< 1) or exaggerated (> 1).
// Options: --ids s0,s3 --drivers d0,d3 --frames N --size 256|512
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { FaceTracker } from '../src/inference/face/tracker.ts';
import type { RegionRenderer } from '../src/inference/generator/learned-regions.ts';
import { FramePipeline } from '../src/inference/pipeline/pipeline.ts';
import { readMjpeg } from '../src/util/mjpeg.ts';
import { FIXTURES_DIR } from '../src/util/paths.ts';
import type { RgbaFrame } from '../src/video/frame.ts';
import { decodeImage } from '../src/video/image.ts';
import { meshReadings } from './quality/peer-series.ts';
import { PlainWarp } from './quality/plain-warp.ts';
import { mean, pearson, r3 } from './quality-metrics.ts';

const emit = (o: Record<string, unknown>) =>
  process.stdout.write(`${JSON.stringify({ bench: 'motion', ...o })}\n`);
const KEYS = ['mouth', 'eyeRight', 'eyeLeft'] as const;
type Reading = Record<(typeof KEYS)[number], number>;

function gain(x: number[], y: number[]): number {
  const mx = mean(x);
  const my = mean(y);
  let xy = 0;
  let xx = 0;
  for (let i = 0; i < x.length; i++) {
    xy += (x[i] - mx) * (y[i] - my);
    xx += (x[i] - mx) ** 2;
  }
  return xx > 0 ? xy / xx : Number.NaN;
}

function compare(ref: (Reading | null)[], stage: (Reading | null)[]) {
  const out: Record<string, { r: number; gain: number }> = {};
  for (const k of KEYS) {
    const a: number[] = [];
    const b: number[] = [];
    ref.forEach((r, i) => {
      const s = stage[i];
      if (r && s) {
        a.push(r[k]);
        b.push(s[k]);
      }
    });
    out[k] = { r: r3(pearson(a, b)), gain: r3(gain(a, b)) };
  }
  return out;
}

async function readAll(reader: FaceTracker, frames: readonly RgbaFrame[]): Promise<(Reading | null)[]> {
  const out: (Reading | null)[] = [];
  for (const f of frames) {
    reader.reset();
    const t = await reader.track(f);
    out.push(t ? meshReadings(t.landmarks) : null);
  }
  return out;
}

async function render(idPath: string, frames: readonly RgbaFrame[], size: number, renderer: RegionRenderer) {
  const pipeline = await FramePipeline.create({ size, regionRenderer: renderer });
  try {
    const id = await pipeline.setIdentity([idPath]);
    const res = {
      outs: [] as RgbaFrame[],
      smoothed: [] as (Reading | null)[],
      target: [] as (Reading | null)[],
    };
    for (let i = 0; i < frames.length; i++) {
      const r = await pipeline.process(frames[i], 'avatar', (i * 1000) / 25);
      res.outs.push(r.frame as RgbaFrame);
      res.smoothed.push(r.face ? meshReadings(r.face.landmarks) : null);
      res.target.push(r.face && r.target ? meshReadings(r.target) : null);
    }
    return { ...res, identity: id.photos[0] };
  } finally {
    await pipeline.close();
  }
}

export async function run(args: string[]): Promise<void> {
  const { values } = parseArgs({
    args,
    options: {
      ids: { type: 'string', default: 's0,s3,s9,s12' },
      drivers: { type: 'string' },
      frames: { type: 'string' },
      size: { type: 'string', default: '512' },
      json: { type: 'boolean' },
    },
  });
  const drivers =
    values.drivers?.split(',') ??
    readdirSync(join(FIXTURES_DIR, 'drivers'))
      .filter((f) => f.endsWith('.mjpeg'))
      .map((f) => f.slice(0, -6))
      .sort();
  const size = Number(values.size);
  const reader = await FaceTracker.create({ smoothing: false });
  const sums: Record<string, Record<string, { r: number[]; gain: number[] }>> = {};
  try {
    for (const d of drivers) {
      const frames: RgbaFrame[] = [];
      for (const j of readMjpeg(join(FIXTURES_DIR, 'drivers', `${d}.mjpeg`)).slice(
        0,
        Number(values.frames ?? 1e9),
      ))
        frames.push(await decodeImage(j));
      const driverRaw = [];
      const driverMeshes: (Float32Array | null)[] = [];
      reader.reset();
      for (const f of frames) {
        const t = await reader.track(f);
        driverRaw.push(t ? meshReadings(t.landmarks) : null);
        driverMeshes.push(t ? Float32Array.from(t.landmarks) : null);
      }
      for (const id of values.ids.split(',')) {
        const idPath = join(FIXTURES_DIR, 'identities', `${id}.jpg`);
        const classic = await render(idPath, frames, size, 'classic');
        const learned = await render(idPath, frames, size, 'learned');
        const plain = new PlainWarp(classic.identity.rgba, classic.identity.landmarks);
        const stages = {
          smoothed: classic.smoothed,
          target: classic.target,
          classicOut: await readAll(reader, classic.outs),
          learnedOut: await readAll(reader, learned.outs),
          plainOut: await readAll(
            reader,
            driverMeshes.map((m) => plain.render(m)),
          ),
        };
        const res: Record<string, unknown> = { kind: 'pair', identity: id, driver: d, frames: frames.length };
        for (const [name, s] of Object.entries(stages)) {
          const c = compare(driverRaw, s);
          res[name] = c;
          sums[name] ??= Object.fromEntries(KEYS.map((k) => [k, { r: [], gain: [] }]));
          for (const k of KEYS) {
            sums[name][k].r.push(c[k].r);
            sums[name][k].gain.push(c[k].gain);
          }
        }
        emit(res);
      }
    }
  } finally {
    await reader.close();
  }
  const m: Record<string, unknown> = { kind: 'mean' };
  for (const [name, s] of Object.entries(sums))
    m[name] = Object.fromEntries(KEYS.map((k) => [k, { r: r3(mean(s[k].r)), gain: r3(mean(s[k].gain)) }]));
  emit(m);
}
