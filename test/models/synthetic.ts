// Writes tiny hand-made TF.js graph models (model.json + one shard) for converter tests.
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { TfAttr, WeightSpec } from '../../src/inference/models/tfjs-graph.ts';

type Attr = TfAttr;

export const s = (v: string): Attr => ({ s: Buffer.from(v).toString('base64') });
export const ints = (v: number[]): Attr => ({ list: { i: v.map(String) } });
export const strs = (v: string[]): Attr => ({ list: { s: v.map((x) => Buffer.from(x).toString('base64')) } });
export const bool = (b: boolean): Attr => ({ b });
const T: Attr = { type: 'DT_FLOAT' };

/** float32 -> IEEE half (round to nearest; test values stay in the normal range). */
export function toF16(v: number): number {
  if (v === 0) return 0;
  const sign = v < 0 ? 0x8000 : 0;
  const a = Math.abs(v);
  let e = Math.floor(Math.log2(a));
  let m = Math.round((a / 2 ** e - 1) * 1024);
  if (m === 1024) {
    m = 0;
    e++;
  }
  return sign | ((e + 15) << 10) | m;
}

interface NodeJson {
  name: string;
  op: string;
  input?: string[];
  attr: Record<string, Attr>;
}

/** Deterministic pseudo-random values in [lo, hi). */
export function rand(n: number, seed: number, lo = -1, hi = 1): Float32Array {
  let x = seed >>> 0 || 1;
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    out[i] = lo + ((x >>> 0) / 2 ** 32) * (hi - lo);
  }
  return out;
}

export class TfGraphWriter {
  readonly nodes: NodeJson[] = [];
  readonly specs: WeightSpec[] = [];
  readonly chunks: Uint8Array[] = [];
  #seed = 1;

  input(name: string, shape: number[]): string {
    this.nodes.push({
      name,
      op: 'Placeholder',
      attr: { dtype: T, shape: { shape: { dim: shape.map((d) => ({ size: String(d) })) } } },
    });
    return name;
  }

  /** A float weight; `f16` stores it float16-quantized as TF.js converters do. */
  weight(
    name: string,
    shape: number[],
    opts: { f16?: boolean; u8?: boolean; lo?: number; hi?: number } = {},
  ): string {
    const n = shape.reduce((a, b) => a * b, 1);
    const lo = opts.lo ?? -0.5;
    const values = rand(n, this.#seed++ * 7919, lo, opts.hi ?? 0.5);
    if (opts.u8) {
      // Affine uint8 quantization: value = q * scale + min.
      const scale = ((opts.hi ?? 0.5) - lo) / 255;
      this.chunks.push(Uint8Array.from(values, (v) => Math.round((v - lo) / scale)));
      this.specs.push({ name, shape, dtype: 'float32', quantization: { dtype: 'uint8', min: lo, scale } });
    } else if (opts.f16) {
      const q = new Uint16Array(n);
      for (let i = 0; i < n; i++) q[i] = toF16(values[i]!);
      this.chunks.push(new Uint8Array(q.buffer));
      this.specs.push({
        name,
        shape,
        dtype: 'float32',
        quantization: { dtype: 'float16', original_dtype: 'float32' },
      });
    } else {
      this.chunks.push(new Uint8Array(values.buffer));
      this.specs.push({ name, shape, dtype: 'float32' });
    }
    this.nodes.push({ name, op: 'Const', attr: { dtype: T } });
    return name;
  }

  ints(name: string, values: number[], shape = [values.length]): string {
    this.chunks.push(new Uint8Array(Int32Array.from(values).buffer));
    this.specs.push({ name, shape, dtype: 'int32' });
    this.nodes.push({ name, op: 'Const', attr: { dtype: { type: 'DT_INT32' } } });
    return name;
  }

  scalar(name: string, v: number): string {
    this.chunks.push(new Uint8Array(Float32Array.of(v).buffer));
    this.specs.push({ name, shape: [], dtype: 'float32' });
    this.nodes.push({ name, op: 'Const', attr: { dtype: T } });
    return name;
  }

  op(name: string, op: string, input: string[], attr: Record<string, Attr> = {}): string {
    this.nodes.push({ name, op, input, attr: { T, ...attr } });
    return name;
  }

  conv(
    name: string,
    x: string,
    kernel: number[],
    opts: { stride?: number; padding?: string; fused?: string[]; depthwise?: boolean; f16?: boolean },
  ): string {
    const w = this.weight(`${name}/w`, kernel, { f16: opts.f16 });
    const fused = opts.fused ?? [];
    const args: string[] = [];
    const channels = opts.depthwise ? kernel[2]! * kernel[3]! : kernel[3]!;
    if (fused[0] === 'BiasAdd') args.push(this.weight(`${name}/b`, [channels]));
    if (fused.includes('Prelu'))
      args.push(this.weight(`${name}/alpha`, [1, 1, channels], { lo: -1.5, hi: 1.5 }));
    const st = opts.stride ?? 1;
    const attr: Record<string, Attr> = {
      strides: ints([1, st, st, 1]),
      dilations: ints([1, 1, 1, 1]),
      padding: s(opts.padding ?? 'SAME'),
      data_format: s('NHWC'),
    };
    if (opts.depthwise) return this.op(name, 'DepthwiseConv2dNative', [x, w], attr);
    if (fused.length === 0) return this.op(name, 'Conv2D', [x, w], attr);
    return this.op(name, '_FusedConv2D', [x, w, ...args], {
      ...attr,
      fused_ops: strs(fused),
      num_args: { i: String(args.length) },
      epsilon: { f: 0 },
    });
  }

  async write(dir: string, stem: string): Promise<string> {
    await mkdir(dir, { recursive: true });
    const json = {
      format: 'graph-model',
      generatedBy: 'test',
      convertedBy: 'test',
      modelTopology: { node: this.nodes, versions: { producer: 1 } },
      weightsManifest: [{ paths: [`${stem}.bin`], weights: this.specs }],
    };
    await writeFile(join(dir, `${stem}.json`), JSON.stringify(json));
    await writeFile(join(dir, `${stem}.bin`), Buffer.concat(this.chunks));
    return join(dir, `${stem}.json`);
  }
}
