// Dataset builder for the learned region renderers (`npm run dataset -- ...`). Per clip of the talking-head
// data set: decode at a fixed rate around the face, track every frame with the project's tracker, analyse its
// gaze, and cut the region crops (each eye, the mouth) aligned to the frame's own key-points: its pixels (the
// ground truth when it is the target, the appearance when it is the source) and its gaze-coded sketch. Then
// self-reenactment pairs (a few source frames x every other frame of the clip): the current renderer's output
// for the target key-points (the project's AvatarRenderer over the source), cut with the target's boxes.
// Writes into the output folder: frames.u8 / sketches.u8 (one record per frame), warps.u8 (one per pair),
// landmarks.f32, index.json (clips, split by person, pairs, data hash). Uint8 planar crops, record layout:
// right eye [3,32,64], left eye mirrored [3,32,64], mouth [3,64,64].
import { createHash } from 'node:crypto';
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, writeFileSync, writeSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { FaceTracker } from '../../src/inference/face/tracker.ts';
import { AvatarRenderer } from '../../src/inference/generator/avatar.ts';
import { Generator } from '../../src/inference/generator/generator.ts';
import { rgbaToPlanar } from '../../src/inference/generator/planar.ts';
import {
  cropPlanar,
  EYE_CROP,
  eyeBoxes,
  MOUTH_CROP,
  mouthBox,
  type RegionBox,
  RegionSketcher,
} from '../../src/inference/generator/region-crops.ts';
import { FaceAnalyzer } from '../../src/inference/geometry/analyzer.ts';
import { PROJECT_ROOT } from '../../src/util/paths.ts';
import type { RgbaFrame } from '../../src/video/frame.ts';
import { decodeClip, decodeFrames, type SquareCrop } from './decode.ts';
import { readClips, validationPersons } from './persons.ts';

export const SIZE = 256;
const EYE_N = 3 * EYE_CROP.width * EYE_CROP.height;
const MOUTH_N = 3 * MOUTH_CROP.width * MOUTH_CROP.height;
export const RECORD = 2 * EYE_N + MOUTH_N;
export const LAYOUT = {
  eyeShape: [3, EYE_CROP.height, EYE_CROP.width],
  mouthShape: [3, MOUTH_CROP.height, MOUTH_CROP.width],
};

export interface BuildOptions {
  dataDir: string;
  outDir: string;
  fps: number;
  maxFrames: number;
  sources: number;
  /** Only the first N clips of the manifest (0: all). */
  limit: number;
  valFraction: number;
  /** Only clips whose file contains one of these (for tiny builds). */
  only?: string[];
}

export interface ClipIndex {
  file: string;
  person: string;
  split: 'train' | 'val';
  crop: SquareCrop;
  fps: number;
  /** Record index of the clip's first frame and its frame count (frames without a face are dropped). */
  first: number;
  count: number;
  /** Decoded frame number of each record (time = n / fps). */
  frameNo: number[];
}

export interface DatasetIndex {
  version: 1;
  dataHash: string;
  options: Omit<BuildOptions, 'outDir' | 'dataDir'>;
  size: number;
  layout: typeof LAYOUT;
  record: number;
  clips: ClipIndex[];
  /** [source record, target record, clip index]. */
  pairs: [number, number, number][];
  frames: number;
  wallS: number;
}

/** The index `buildDataset` wrote into `dir`, or null where no data set was built there. */
export function readDatasetIndex(dir: string): DatasetIndex | null {
  const path = join(dir, 'index.json');
  return existsSync(path) ? (JSON.parse(readFileSync(path, 'utf8')) as DatasetIndex) : null;
}

/** Up to `maxFrames` frames of an indexed clip from its video under `source`, framed by its crop (at the data
 * set's size and the clip's rate unless given). */
export function readClipFrames(
  source: string,
  index: DatasetIndex,
  clip: ClipIndex,
  maxFrames: number,
  size = index.size,
  fps = clip.fps,
): Promise<RgbaFrame[]> {
  return decodeFrames(join(source, clip.file), clip.crop, size, fps, maxFrames);
}

const toBytes = (src: Float32Array, out: Uint8Array, offset: number) => {
  for (let i = 0; i < src.length; i++) {
    const v = src[i] * 255 + 0.5;
    out[offset + i] = v < 0 ? 0 : v > 255 ? 255 : v;
  }
};

/** The three region boxes of a face, in record order. */
export function regionBoxes(kp: ArrayLike<number>): RegionBox[] {
  return [...eyeBoxes(kp), mouthBox(kp)];
}

const OFFSETS = [0, EYE_N, 2 * EYE_N];

export function cropRecord(
  planar: Float32Array,
  boxes: readonly RegionBox[],
  scratch: Float32Array,
  out: Uint8Array,
) {
  boxes.forEach((b, k) => {
    const n = 3 * b.width * b.height;
    cropPlanar(planar, SIZE, SIZE, b, scratch);
    toBytes(scratch.subarray(0, n), out, OFFSETS[k]);
  });
}

export async function buildDataset(
  opts: BuildOptions,
  log: (s: string) => void = (s) => process.stdout.write(`${s}\n`),
) {
  const t0 = performance.now();
  mkdirSync(opts.outDir, { recursive: true });
  let clips = readClips(opts.dataDir);
  const val = validationPersons(clips, opts.valFraction);
  if (opts.only?.length) clips = clips.filter((c) => opts.only?.some((o) => c.file.includes(o)));
  if (opts.limit > 0) clips = clips.slice(0, opts.limit);
  const manifest = readFileSync(join(opts.dataDir, 'manifest.tsv'));
  const { outDir: _o, dataDir: _d, ...params } = opts;
  const dataHash = createHash('sha256')
    .update(manifest)
    .update(JSON.stringify(params))
    .update(readFileSync(new URL('../../src/inference/generator/region-crops.ts', import.meta.url)))
    .digest('hex')
    .slice(0, 16);
  const files = {
    frames: openSync(join(opts.outDir, 'frames.u8'), 'w'),
    sketches: openSync(join(opts.outDir, 'sketches.u8'), 'w'),
    warps: openSync(join(opts.outDir, 'warps.u8'), 'w'),
    landmarks: openSync(join(opts.outDir, 'landmarks.f32'), 'w'),
  };
  const tracker = await FaceTracker.create({ smoothing: false });
  const generator = await Generator.create();
  const sketcher = new RegionSketcher();
  const scratch = new Float32Array(Math.max(EYE_N, MOUTH_N));
  const rec = new Uint8Array(RECORD);
  const index: DatasetIndex = {
    version: 1,
    dataHash,
    options: params,
    size: SIZE,
    layout: LAYOUT,
    record: RECORD,
    clips: [],
    pairs: [],
    frames: 0,
    wallS: 0,
  };
  try {
    for (const [ci, clip] of clips.entries()) {
      const path = join(opts.dataDir, clip.file);
      const tc = performance.now();
      try {
        const decoded = await decodeClip(path, tracker, opts.fps, opts.maxFrames);
        if (!decoded) {
          log(`skip ${clip.file}: no face in the first frames`);
          continue;
        }
        const { crop, frames } = decoded;
        tracker.reset();
        const analyzer = new FaceAnalyzer();
        const first = index.frames;
        const kept: { lm: Float32Array; planar: Float32Array }[] = [];
        const frameNo: number[] = [];
        for (const [i, f] of frames.entries()) {
          const r = await tracker.track(f, (i * 1000) / opts.fps);
          if (!r) {
            tracker.reset();
            continue;
          }
          const lm = Float32Array.from(r.landmarks);
          const planar = rgbaToPlanar(f);
          const boxes = regionBoxes(lm);
          cropRecord(planar, boxes, scratch, rec);
          writeSync(files.frames, rec);
          const geo = analyzer.analyze(lm, SIZE, SIZE, (i * 1000) / opts.fps);
          boxes.forEach((b, k) => {
            sketcher.draw(lm, { left: geo.gaze.left, right: geo.gaze.right }, b, scratch);
            toBytes(scratch.subarray(0, 3 * b.width * b.height), rec, OFFSETS[k]);
          });
          writeSync(files.sketches, rec);
          writeSync(files.landmarks, new Uint8Array(lm.buffer));
          kept.push({ lm, planar });
          frameNo.push(i);
          index.frames++;
        }
        if (kept.length < 2) {
          log(`skip ${clip.file}: ${kept.length} tracked frame(s)`);
          continue;
        }
        const split = val.has(clip.person) ? 'val' : 'train';
        const entry: ClipIndex = {
          file: clip.file,
          person: clip.person,
          split,
          crop,
          fps: opts.fps,
          first,
          count: kept.length,
          frameNo,
        };
        const clipIdx = index.clips.length;
        index.clips.push(entry);
        const nSrc = Math.min(opts.sources, kept.length - 1);
        for (let s = 0; s < nSrc; s++) {
          const si = Math.floor((s * kept.length) / nSrc);
          const renderer = new AvatarRenderer(
            generator,
            [{ image: kept[si].planar, landmarks: kept[si].lm }],
            SIZE,
            SIZE,
          );
          for (let ti = 0; ti < kept.length; ti++) {
            if (ti === si) continue;
            const out = await renderer.render(kept[ti].lm);
            cropRecord(out, regionBoxes(kept[ti].lm), scratch, rec);
            writeSync(files.warps, rec);
            index.pairs.push([first + si, first + ti, clipIdx]);
          }
        }
        log(
          `clip ${ci + 1}/${clips.length} ${clip.file} [${split}] ${kept.length}/${frames.length} frames, pairs ${index.pairs.length}, ${((performance.now() - tc) / 1000).toFixed(1)} s`,
        );
      } catch (e) {
        log(`skip ${clip.file}: ${(e as Error).message}`);
      }
    }
  } finally {
    for (const fd of Object.values(files)) closeSync(fd);
    await tracker.close();
    await generator.close();
  }
  index.wallS = Number(((performance.now() - t0) / 1000).toFixed(1));
  writeFileSync(join(opts.outDir, 'index.json'), JSON.stringify(index));
  const vc = index.clips.filter((c) => c.split === 'val');
  const persons = (s: string) => new Set(index.clips.filter((c) => c.split === s).map((c) => c.person)).size;
  log(
    `dataset ${opts.outDir}: ${index.clips.length} clips, ${index.frames} frames, ${index.pairs.length} pairs; persons train ${persons('train')} / val ${persons('val')} (${vc.length} clips); hash ${dataHash}; ${index.wallS} s`,
  );
  return index;
}

async function main() {
  const { values } = parseArgs({
    options: {
      data: { type: 'string', default: resolve(PROJECT_ROOT, '..', 'shared', 'data', 'talking-heads') },
      out: { type: 'string', default: resolve(PROJECT_ROOT, '.cache', 'dataset') },
      fps: { type: 'string', default: '5' },
      'max-frames': { type: 'string', default: '60' },
      sources: { type: 'string', default: '3' },
      limit: { type: 'string', default: '0' },
      'val-fraction': { type: 'string', default: '0.15' },
      only: { type: 'string' },
    },
  });
  if (!existsSync(join(values.data, 'manifest.tsv'))) {
    process.stderr.write(`no data set at ${values.data} (manifest.tsv missing)\n`);
    process.exit(2);
  }
  await buildDataset({
    dataDir: values.data,
    outDir: values.out,
    fps: Number(values.fps),
    maxFrames: Number(values['max-frames']),
    sources: Number(values.sources),
    limit: Number(values.limit),
    valFraction: Number(values['val-fraction']),
    only: values.only?.split(','),
  });
}

if (import.meta.url === `file://${process.argv[1]}`) await main();
