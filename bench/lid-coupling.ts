// How far the eyelids follow the eye's vertical movement, measured on the talking-head data set (`npm run dataset`
// first: its landmarks.f32 and index.json). Per clip, every frame's iris centre, upper-lid middle and lower-lid
// middle are taken in the eye's own frame (the corner line, in eye widths; y down), as deviations from the clip's
// median (the person's own resting lids); blink frames (lid gap under 70% of the clip's median) are left out.
// Three estimates of a lid's displacement per iris displacement: the least-squares slope over the pooled frames,
// its median over clips (a clip whose iris hardly moves vertically is skipped), and - less diluted by the
// tracker's noise in the iris - per eye and clip the median ratio over frame pairs whose irises differ by more
// than 0.05 eye widths, then the median over eyes. One JSON line per split (train / val persons) and one for all.
// Options: --data DIR (dataset cache)
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { EYES } from '../src/inference/generator/regions.ts';
import { PROJECT_ROOT } from '../src/util/paths.ts';
import { readDatasetIndex } from '../training/dataset/build.ts';
import { r3 } from './quality-metrics.ts';

const emit = (o: Record<string, unknown>) =>
  process.stdout.write(`${JSON.stringify({ bench: 'lid-coupling', ...o })}\n`);

interface EyeSample {
  iris: number;
  upper: number;
  lower: number;
  gap: number;
}

/** One eye of one frame in its corner frame (eye widths). */
export function eyeSample(kp: ArrayLike<number>, eye: (typeof EYES)[number]): EyeSample {
  const ox = kp[3 * eye.outerCorner];
  const oy = kp[3 * eye.outerCorner + 1];
  const dx = kp[3 * eye.innerCorner] - ox;
  const dy = kp[3 * eye.innerCorner + 1] - oy;
  const len = Math.hypot(dx, dy) || 1;
  // Perpendicular pointing down the face.
  let vx = -dy / len;
  let vy = dx / len;
  if (vy < 0) {
    vx = -vx;
    vy = -vy;
  }
  const v = (i: number) => ((kp[3 * i] - ox) * vx + (kp[3 * i + 1] - oy) * vy) / len;
  const up = v(eye.upperMid);
  const low = v(eye.lowerMid);
  return { iris: v(eye.iris), upper: up, lower: low, gap: low - up };
}

const median = (a: number[]) => {
  const s = [...a].sort((x, y) => x - y);
  return s.length ? s[s.length >> 1] : Number.NaN;
};

function slope(x: number[], y: number[]): number {
  let sxx = 0;
  let sxy = 0;
  for (let i = 0; i < x.length; i++) {
    sxx += x[i] * x[i];
    sxy += x[i] * y[i];
  }
  return sxx > 0 ? sxy / sxx : Number.NaN;
}

interface Pool {
  pairUpper: number[];
  pairLower: number[];
  di: number[];
  du: number[];
  dl: number[];
  clipUpper: number[];
  clipLower: number[];
  clips: number;
  frames: number;
}

const newPool = (): Pool => ({
  pairUpper: [],
  pairLower: [],
  di: [],
  du: [],
  dl: [],
  clipUpper: [],
  clipLower: [],
  clips: 0,
  frames: 0,
});

/** Median ratios of lid to iris displacement over frame pairs whose irises differ by more than `min`. */
function pairRatios(di: number[], du: number[], dl: number[], min: number): [number, number] | null {
  const u: number[] = [];
  const l: number[] = [];
  for (let i = 0; i < di.length; i++)
    for (let j = i + 1; j < di.length; j++) {
      const d = di[i] - di[j];
      if (Math.abs(d) <= min) continue;
      u.push((du[i] - du[j]) / d);
      l.push((dl[i] - dl[j]) / d);
    }
  return u.length ? [median(u), median(l)] : null;
}

function report(split: string, p: Pool) {
  emit({
    split,
    clips: p.clips,
    clipsUsed: p.clipUpper.length,
    eyeFrames: p.di.length,
    upperPooled: r3(slope(p.di, p.du)),
    lowerPooled: r3(slope(p.di, p.dl)),
    upperClipMedian: r3(median(p.clipUpper)),
    lowerClipMedian: r3(median(p.clipLower)),
    pairEyes: p.pairUpper.length,
    upperPairs: r3(median(p.pairUpper)),
    lowerPairs: r3(median(p.pairLower)),
    lowerToUpperPairs: r3(median(p.pairLower) / median(p.pairUpper)),
    irisSpread: r3(Math.sqrt(p.di.reduce((s, v) => s + v * v, 0) / Math.max(1, p.di.length))),
  });
}

export async function run(args: string[]): Promise<void> {
  const { values } = parseArgs({
    args,
    options: {
      data: { type: 'string', default: resolve(PROJECT_ROOT, '.cache', 'dataset') },
      json: { type: 'boolean' },
    },
  });
  const index = readDatasetIndex(values.data);
  if (!index) {
    process.stderr.write(`no dataset at ${values.data}: run npm run dataset first\n`);
    process.exitCode = 2;
    return;
  }
  const buf = readFileSync(join(values.data, 'landmarks.f32'));
  const lm = new Float32Array(buf.buffer, buf.byteOffset, buf.length / 4);
  const pools: Record<string, Pool> = { train: newPool(), val: newPool(), all: newPool() };
  for (const clip of index.clips) {
    for (const eye of EYES) {
      const s: EyeSample[] = [];
      for (let k = 0; k < clip.count; k++)
        s.push(eyeSample(lm.subarray((clip.first + k) * 1434, (clip.first + k + 1) * 1434), eye));
      const gapMed = median(s.map((e) => e.gap));
      const open = s.filter((e) => e.gap >= 0.7 * gapMed);
      if (open.length < 8) continue;
      const mi = median(open.map((e) => e.iris));
      const mu = median(open.map((e) => e.upper));
      const ml = median(open.map((e) => e.lower));
      const di = open.map((e) => e.iris - mi);
      const du = open.map((e) => e.upper - mu);
      const dl = open.map((e) => e.lower - ml);
      const spread = Math.sqrt(di.reduce((a, v) => a + v * v, 0) / di.length);
      const pr = pairRatios(di, du, dl, 0.05);
      for (const p of [pools[clip.split], pools.all]) {
        p.di.push(...di);
        p.du.push(...du);
        p.dl.push(...dl);
        p.frames += open.length;
        if (eye === EYES[0]) p.clips++;
        if (pr) {
          p.pairUpper.push(pr[0]);
          p.pairLower.push(pr[1]);
        }
        // Under 1% of the eye width of vertical iris movement: nothing to measure a slope on.
        if (spread >= 0.01) {
          p.clipUpper.push(slope(di, du));
          p.clipLower.push(slope(di, dl));
        }
      }
    }
  }
  for (const [k, p] of Object.entries(pools)) report(k, p);
}
