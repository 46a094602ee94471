// Conversion state: which ONNX value holds each TF tensor and in what layout. Activations of rank 4 live in
// NCHW inside the ONNX graph (what ONNX convolutions want); everything else keeps TF's own layout ("plain").
import { AppError } from '../../util/errors.ts';
import type { GraphBuilder } from '../onnx/builder.ts';
import { unsupported } from './ops/attrs.ts';
import { nhwcBroadcastToNchw } from './ops/tensor.ts';
import type { TfGraphModel, TfNode, TfTensor } from './tfjs-graph.ts';

export type Layout = 'nchw' | 'plain';

export interface Value {
  name: string;
  layout: Layout;
  rank: number;
}

export type OpHandler = (ctx: ConvertContext, node: TfNode) => Value;

const NHWC_TO_NCHW = [0, 3, 1, 2];
const NCHW_TO_NHWC = [0, 2, 3, 1];

export class ConvertContext {
  readonly b: GraphBuilder;
  readonly model: TfGraphModel;
  readonly #nodes = new Map<string, TfNode>();
  readonly #values = new Map<string, Value>();
  readonly #constCache = new Map<string, string>();
  readonly #handlers: Record<string, OpHandler>;
  readonly #visiting = new Set<string>();

  constructor(b: GraphBuilder, model: TfGraphModel, handlers: Record<string, OpHandler>) {
    this.b = b;
    this.model = model;
    this.#handlers = handlers;
    for (const n of model.nodes) this.#nodes.set(n.name, n);
  }

  node(name: string): TfNode {
    const n = this.#nodes.get(name);
    if (!n)
      throw new AppError('MODEL_INVALID', `graph has no node ${name} (multi-output nodes are not supported)`);
    return n;
  }

  /** The constant behind a node input (through Identity chains), or undefined for a computed tensor. */
  tensor(name: string): TfTensor | undefined {
    let n = this.#nodes.get(name);
    while (n && n.op === 'Identity' && n.inputs[0]) n = this.#nodes.get(n.inputs[0]);
    return n?.op === 'Const' ? this.model.weights.get(n.name) : undefined;
  }

  requireTensor(node: TfNode, index: number, what: string): TfTensor {
    const t = this.tensor(node.inputs[index] ?? '');
    if (!t) throw unsupported(node, `${what} (input ${index}) must be a constant`);
    return t;
  }

  /** The ONNX value of a TF tensor, converting its producer first (depth-first, memoized). */
  value(name: string): Value {
    const known = this.#values.get(name);
    if (known) return known;
    const node = this.node(name);
    if (this.#visiting.has(name)) throw unsupported(node, 'cycle in graph');
    this.#visiting.add(name);
    let v: Value;
    if (node.op === 'Const') {
      const t = this.model.weights.get(name)!;
      v = { name: this.constant(t, `${name}#plain`), layout: 'plain', rank: t.shape.length };
    } else {
      const h = this.#handlers[node.op];
      if (!h) throw unsupported(node, 'op not supported by this converter');
      v = h(this, node);
    }
    this.#visiting.delete(name);
    this.#values.set(name, v);
    return v;
  }

  input(node: TfNode, index: number): Value {
    const name = node.inputs[index];
    if (name === undefined) throw unsupported(node, `input ${index} is missing`);
    return this.value(name);
  }

  /** An initializer for a constant; `key` deduplicates variants of the same weight. */
  constant(t: TfTensor, key?: string): string {
    const cached = key ? this.#constCache.get(key) : undefined;
    if (cached) return cached;
    const prefix = (key ?? 'const').split('#')[0]!.split('/').slice(-2).join('_');
    let name: string;
    if (t.dtype === 'int32') {
      name = this.b.constant({ type: 'int32', dims: t.shape, data: t.data as Int32Array }, prefix);
    } else if (t.dtype === 'bool') {
      name = this.b.constant({ type: 'bool', dims: t.shape, data: t.data as Uint8Array }, prefix);
    } else {
      name = this.b.constant({ type: 'float32', dims: t.shape, data: t.data as Float32Array }, prefix);
    }
    if (key) this.#constCache.set(key, name);
    return name;
  }

  /** int64 initializer (ONNX shape/pad/axes inputs). */
  int64(values: readonly number[]): string {
    return this.b.i64(values);
  }

  /** A constant operand of an elementwise op, laid out to broadcast against `like`. */
  broadcastConst(t: TfTensor, like: Value, key: string): Value {
    if (like.layout === 'nchw' && t.shape.length > 0 && t.shape.length <= 4) {
      return { name: this.constant(nhwcBroadcastToNchw(t), `${key}#nchw`), layout: 'nchw', rank: 4 };
    }
    return { name: this.constant(t, `${key}#plain`), layout: 'plain', rank: t.shape.length };
  }

  toNchw(v: Value): Value {
    if (v.layout === 'nchw') return v;
    if (v.rank !== 4) throw new Error(`cannot use a rank-${v.rank} tensor as an image`);
    return { name: this.b.op('Transpose', [v.name], { perm: NHWC_TO_NCHW }), layout: 'nchw', rank: 4 };
  }

  toPlain(v: Value): Value {
    if (v.layout === 'plain') return v;
    return { name: this.b.op('Transpose', [v.name], { perm: NCHW_TO_NHWC }), layout: 'plain', rank: 4 };
  }

  /** Maps a TF (NHWC) axis to the axis of a value in its current layout. */
  axis(v: Value, tfAxis: number): number {
    const a = tfAxis < 0 ? tfAxis + v.rank : tfAxis;
    return v.layout === 'nchw' ? NHWC_TO_NCHW.indexOf(a) : a;
  }
}
