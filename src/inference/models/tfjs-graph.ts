// Reads a TF.js graph model (model.json + weight shards) into plain nodes and dequantized weights.
// The weight bytes are kept as loaded so a parity test can hand the very same artifacts to TF.js.
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { AppError } from '../../util/errors.ts';

export type TfDtype = 'float32' | 'int32' | 'bool';

export interface TfTensor {
  dtype: TfDtype;
  shape: number[];
  data: Float32Array | Int32Array | Uint8Array;
}

/** One attribute as the TF.js JSON writes it (only the fields this converter reads). */
export interface TfAttr {
  s?: string;
  i?: string | number;
  f?: number;
  b?: boolean;
  type?: string;
  list?: { s?: string[]; i?: (string | number)[]; f?: number[] };
  shape?: { dim?: { size?: string | number }[]; unknownRank?: boolean };
}

export interface TfNode {
  name: string;
  op: string;
  /** Data inputs, with ":0" suffixes and control inputs ("^x") removed. */
  inputs: string[];
  attr: Record<string, TfAttr>;
}

export interface WeightSpec {
  name: string;
  shape: number[];
  dtype: string;
  quantization?: { dtype: string; min?: number; scale?: number; original_dtype?: string };
}

interface WeightGroup {
  paths: string[];
  weights: WeightSpec[];
}

export interface TfGraphModel {
  jsonPath: string;
  nodes: TfNode[];
  weights: Map<string, TfTensor>;
  /** The parsed model.json, untouched (format, modelTopology, signature, userDefinedMetadata...). */
  json: Record<string, unknown>;
  /** Weight specs in manifest order and the shard bytes concatenated in the same order (TF.js artifacts). */
  weightSpecs: WeightSpec[];
  weightData: ArrayBuffer;
  /** sha256 over model.json and every shard, in order. */
  sourceHash: string;
}

/** Folder of the TF.js graph models shipped inside @vladmandic/human. */
export function humanModelsDir(): string {
  const req = createRequire(import.meta.url);
  let entry: string;
  try {
    entry = req.resolve('@vladmandic/human');
  } catch (e) {
    throw new AppError(
      'MODEL_MISSING',
      'package @vladmandic/human is not installed (run npm install)',
      undefined,
      {
        cause: e,
      },
    );
  }
  let dir = dirname(entry);
  for (let i = 0; i < 5 && !existsSync(join(dir, 'models')); i++) dir = dirname(dir);
  return join(dir, 'models');
}

async function readSource(path: string): Promise<Buffer> {
  try {
    return await readFile(path);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT')
      throw new AppError('MODEL_MISSING', `model file missing: ${path}`, { path }, { cause: e });
    throw new AppError(
      'MODEL_INVALID',
      `cannot read model file ${path}: ${(e as Error).message}`,
      { path },
      {
        cause: e,
      },
    );
  }
}

const invalid = (path: string, why: string) =>
  new AppError('MODEL_INVALID', `invalid model file ${path}: ${why}`, { path });

function f16ToF32(h: number): number {
  const s = h & 0x8000 ? -1 : 1;
  const e = (h >> 10) & 0x1f;
  const m = h & 0x3ff;
  if (e === 0) return s * m * 2 ** -24;
  if (e === 31) return m ? Number.NaN : s * Number.POSITIVE_INFINITY;
  return s * (1 + m / 1024) * 2 ** (e - 15);
}

function bytesPerElement(spec: WeightSpec): number {
  const q = spec.quantization?.dtype;
  if (q === 'float16' || q === 'uint16') return 2;
  if (q === 'uint8') return 1;
  if (spec.dtype === 'bool') return 1;
  return 4;
}

/** Decodes one weight (dequantizing float16 and uint8/uint16 affine quantization) into an owned array. */
function decodeWeight(spec: WeightSpec, bytes: Uint8Array, path: string): TfTensor {
  const n = spec.shape.reduce((a, b) => a * b, 1);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const q = spec.quantization;
  const dtype = spec.dtype as TfDtype;
  if (dtype !== 'float32' && dtype !== 'int32' && dtype !== 'bool') {
    throw invalid(path, `weight ${spec.name} has unsupported dtype ${spec.dtype}`);
  }
  if (q) {
    const out = dtype === 'int32' ? new Int32Array(n) : new Float32Array(n);
    if (q.dtype === 'float16') {
      for (let i = 0; i < n; i++) out[i] = f16ToF32(view.getUint16(2 * i, true));
    } else if (q.dtype === 'uint8' || q.dtype === 'uint16') {
      const scale = q.scale ?? 1;
      const min = q.min ?? 0;
      for (let i = 0; i < n; i++) {
        const v = q.dtype === 'uint8' ? bytes[i]! : view.getUint16(2 * i, true);
        out[i] = v * scale + min;
      }
    } else {
      throw invalid(path, `weight ${spec.name} has unsupported quantization ${q.dtype}`);
    }
    return { dtype: dtype === 'bool' ? 'float32' : dtype, shape: spec.shape, data: out };
  }
  // new Uint8Array(view) copies: Buffer#slice would share (and pin) the whole shard.
  if (dtype === 'bool') return { dtype, shape: spec.shape, data: new Uint8Array(bytes.subarray(0, n)) };
  const copy = new Uint8Array(bytes.subarray(0, n * 4));
  const data = dtype === 'int32' ? new Int32Array(copy.buffer) : new Float32Array(copy.buffer);
  return { dtype, shape: spec.shape, data };
}

function parseNodes(topology: unknown, path: string): TfNode[] {
  const node = (topology as { node?: unknown } | undefined)?.node;
  if (!Array.isArray(node)) throw invalid(path, 'modelTopology.node is missing');
  return node.map((n: { name?: string; op?: string; input?: string[]; attr?: Record<string, TfAttr> }) => {
    if (typeof n.name !== 'string' || typeof n.op !== 'string')
      throw invalid(path, 'a node without name or op');
    const inputs = (n.input ?? []).filter((i) => !i.startsWith('^')).map((i) => i.replace(/:0$/, ''));
    return { name: n.name, op: n.op, inputs, attr: n.attr ?? {} };
  });
}

interface SourceFiles {
  path: string;
  json: Record<string, unknown>;
  manifest: WeightGroup[];
  /** Per manifest group: its shard paths (joined for messages) and their bytes concatenated. */
  shards: { where: string; data: Buffer }[];
  hash: string;
}

/** Reads model.json and every shard it names, with typed errors for absent or unparsable files. */
async function readSources(jsonPath: string): Promise<SourceFiles> {
  const path = resolve(jsonPath);
  const jsonBytes = await readSource(path);
  let json: Record<string, unknown>;
  try {
    json = JSON.parse(jsonBytes.toString('utf8'));
  } catch (e) {
    throw new AppError(
      'MODEL_INVALID',
      `invalid model file ${path}: not JSON (${(e as Error).message})`,
      { path },
      {
        cause: e,
      },
    );
  }
  if (json.format !== undefined && json.format !== 'graph-model') {
    throw invalid(path, `format is ${String(json.format)}, expected graph-model`);
  }
  const manifest = json.weightsManifest as WeightGroup[] | undefined;
  if (!Array.isArray(manifest)) throw invalid(path, 'weightsManifest is missing');
  const hash = createHash('sha256').update(jsonBytes);
  const shards: SourceFiles['shards'] = [];
  for (const group of manifest) {
    if (!Array.isArray(group.paths) || !Array.isArray(group.weights))
      throw invalid(path, 'malformed weightsManifest');
    const shardPaths = group.paths.map((p) => join(dirname(path), p));
    const parts: Buffer[] = [];
    for (const p of shardPaths) parts.push(await readSource(p));
    for (const b of parts) hash.update(b);
    shards.push({
      where: shardPaths.join(', '),
      data: parts.length === 1 ? parts[0]! : Buffer.concat(parts),
    });
  }
  return { path, json, manifest, shards, hash: hash.digest('hex') };
}

/** sha256 over model.json and its shards, without decoding anything (the cache key of a conversion). */
export async function hashTfjsSources(jsonPath: string): Promise<string> {
  return (await readSources(jsonPath)).hash;
}

/** Loads a TF.js graph model. MODEL_MISSING names an absent file, MODEL_INVALID a corrupt or truncated one. */
export async function loadTfjsGraph(jsonPath: string): Promise<TfGraphModel> {
  const { path, json, manifest, shards, hash } = await readSources(jsonPath);
  const nodes = parseNodes(json.modelTopology, path);
  const weights = new Map<string, TfTensor>();
  const weightSpecs: WeightSpec[] = [];
  manifest.forEach((group, g) => {
    const { where, data } = shards[g]!;
    const expected = group.weights.reduce(
      (sum, w) => sum + w.shape.reduce((a, b) => a * b, 1) * bytesPerElement(w),
      0,
    );
    if (data.byteLength !== expected) {
      throw invalid(
        where,
        `weights need ${expected} bytes, the shard has ${data.byteLength} (truncated or corrupt)`,
      );
    }
    let offset = 0;
    for (const spec of group.weights) {
      const size = spec.shape.reduce((a, b) => a * b, 1) * bytesPerElement(spec);
      weights.set(spec.name, decodeWeight(spec, data.subarray(offset, offset + size), where));
      offset += size;
      weightSpecs.push(spec);
    }
  });
  const all = Buffer.concat(shards.map((s) => s.data));
  const weightData = all.buffer.slice(all.byteOffset, all.byteOffset + all.byteLength) as ArrayBuffer;
  for (const n of nodes) {
    if (n.op === 'Const' && !weights.has(n.name)) throw invalid(path, `constant ${n.name} has no weights`);
  }
  return { jsonPath: path, nodes, weights, json, weightSpecs, weightData, sourceHash: hash };
}
