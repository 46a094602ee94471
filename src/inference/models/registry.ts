// The face models: where each comes from, its ONNX contract, and a cache of converted .onnx files.
//
// Inputs keep the TF signature: NHWC float32, batch symbolic ("batch") where TF has -1.
// Value ranges are those of the source models (as @vladmandic/human feeds them): blazeface [-1, 1],
// facemesh [0, 1], iris [0, 1], faceres [0, 255] (RGB).
//
// | model     | input                        | output              | shape            | meaning |
// |-----------|------------------------------|---------------------|------------------|---------|
// | blazeface | input [1,256,256,3]          | regressors_16       | [1,512,16]       | 16x16 grid x 2 anchors: box (cx, cy, w, h) + 6 keypoints (x, y), anchor-relative, in 256-px units |
// |           |                              | classificators_16   | [1,512,1]        | face logits for those anchors (sigmoid -> score) |
// |           |                              | regressors_8        | [1,384,16]       | 8x8 grid x 6 anchors, same layout |
// |           |                              | classificators_8    | [1,384,1]        | face logits for those anchors |
// | facemesh  | input_1 [batch,192,192,3]    | mesh                | [batch,1404]     | 468 x (x, y, z) in 192-px crop pixels |
// |           |                              | faceflag            | [batch,1]        | face presence (already sigmoid) |
// |           |                              | contours            | [batch,266]      | auxiliary contour regression (Human does not use it) |
// | iris      | input_1 [batch,64,64,3]      | eye                 | [batch,1,1,228]  | 71 x (x, y, z) eye contour + brow, then 5 x (x, y, z) iris (centre first), 64-px crop pixels |
// | faceres   | input_1 [batch,224,224,3]    | descriptor          | [batch,1024]     | global-pooled face embedding (Human's descriptor) |
// |           |                              | age                 | [batch,100]      | softmax over age bins (Human: argmax, refined by the neighbours) |
// |           |                              | gender              | [batch,1]        | sigmoid: <= 0.5 female, > 0.5 male (as Human reads it) |
import { createHash, randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readdir, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createLogger } from '../../util/logger.ts';
import { MODEL_CACHE_DIR } from '../../util/paths.ts';
import { CONVERTER_VERSION, convertGraph, type OutputSpec } from './convert.ts';
import { hashTfjsSources, humanModelsDir, loadTfjsGraph } from './tfjs-graph.ts';

const log = createLogger('inference:models');

export type FaceModelName = 'blazeface' | 'facemesh' | 'iris' | 'faceres';
export const FACE_MODEL_NAMES: readonly FaceModelName[] = ['blazeface', 'facemesh', 'iris', 'faceres'];

export interface ModelSpec {
  /** File stem in the source folder (model.json is `${source}.json`). */
  source: string;
  input: string;
  outputs: OutputSpec[];
}

export const FACE_MODELS: Record<FaceModelName, ModelSpec> = {
  blazeface: {
    source: 'blazeface',
    input: 'input',
    outputs: [
      { node: 'Identity_2', name: 'regressors_16', dims: [1, 512, 16] },
      { node: 'Identity', name: 'classificators_16', dims: [1, 512, 1] },
      { node: 'Identity_3', name: 'regressors_8', dims: [1, 384, 16] },
      { node: 'Identity_1', name: 'classificators_8', dims: [1, 384, 1] },
    ],
  },
  facemesh: {
    source: 'facemesh',
    input: 'input_1',
    outputs: [
      { node: 'Identity_2', name: 'mesh', dims: ['batch', 1404] },
      { node: 'Identity_1', name: 'faceflag', dims: ['batch', 1] },
      { node: 'Identity', name: 'contours', dims: ['batch', 266] },
    ],
  },
  iris: {
    source: 'iris',
    input: 'input_1',
    outputs: [{ node: 'Identity', name: 'eye', dims: ['batch', 1, 1, 228] }],
  },
  faceres: {
    source: 'faceres',
    input: 'input_1',
    outputs: [
      { node: 'global_pooling/Mean', name: 'descriptor', dims: ['batch', 1024] },
      { node: 'age_pred/Softmax', name: 'age', dims: ['batch', 100] },
      { node: 'gender_pred/Sigmoid', name: 'gender', dims: ['batch', 1] },
    ],
  },
};

export interface EnsureOptions {
  /** Rebuild even when a current file exists. */
  force?: boolean;
  /** Where the TF.js models are; default: @vladmandic/human's models folder. */
  sourceDir?: string;
  /** Where .onnx files go; default MODEL_CACHE_DIR. */
  cacheDir?: string;
}

export interface BuildResult {
  name: FaceModelName;
  path: string;
  built: boolean;
  convertMs: number;
  bytes: number;
}

export function sourcePath(name: FaceModelName, sourceDir = humanModelsDir()): string {
  return join(sourceDir, `${FACE_MODELS[name].source}.json`);
}

/** Converts (when needed) and returns what happened. The file name carries the cache key, so a changed source
 * or converter gives a new file; writers race only to rename identical bytes into place. */
export async function buildModel(name: FaceModelName, opts: EnsureOptions = {}): Promise<BuildResult> {
  const spec = FACE_MODELS[name];
  if (!spec) throw new Error(`unknown model ${name}`);
  const cacheDir = opts.cacheDir ?? MODEL_CACHE_DIR;
  const t0 = performance.now();
  const source = sourcePath(name, opts.sourceDir);
  const key = createHash('sha256')
    .update(`${await hashTfjsSources(source)}:${CONVERTER_VERSION}:${JSON.stringify(spec)}`)
    .digest('hex')
    .slice(0, 16);
  const path = join(cacheDir, `${name}.${key}.onnx`);
  if (!opts.force && existsSync(path)) return { name, path, built: false, convertMs: 0, bytes: 0 };
  const bytes = convertGraph(await loadTfjsGraph(source), { name, outputs: spec.outputs });
  await mkdir(cacheDir, { recursive: true });
  const tmp = `${path}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  await writeFile(tmp, bytes);
  await rename(tmp, path);
  const convertMs = performance.now() - t0;
  await removeStale(cacheDir, name, path);
  log.info(`${name}: converted in ${convertMs.toFixed(0)} ms -> ${path}`);
  return { name, path, built: true, convertMs, bytes: bytes.byteLength };
}

async function removeStale(dir: string, name: string, keep: string): Promise<void> {
  const files = await readdir(dir).catch(() => [] as string[]);
  for (const f of files) {
    const p = join(dir, f);
    if (p !== keep && f.startsWith(`${name}.`) && f.endsWith('.onnx'))
      await rm(p, { force: true }).catch(() => {});
  }
}

const pending = new Map<string, Promise<BuildResult>>();

/** Path of the converted model in the cache, converting it first when missing or stale. */
export async function ensureModel(name: FaceModelName, opts: EnsureOptions = {}): Promise<string> {
  const k = `${name}|${opts.cacheDir ?? ''}|${opts.sourceDir ?? ''}|${opts.force ? 1 : 0}`;
  let p = pending.get(k);
  if (!p) {
    p = buildModel(name, opts).finally(() => pending.delete(k));
    pending.set(k, p);
  }
  return (await p).path;
}
