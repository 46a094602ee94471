// A small ONNX graph builder: named values, initializers, nodes with attributes, serialized to ModelProto
// bytes that onnxruntime loads directly. Used by the TF.js converter and by the generated graphs
// (preprocessing, generator), so both share one serializer.
import { ProtoWriter } from './protobuf.ts';

export type ElemType = 'float32' | 'float16' | 'uint8' | 'int8' | 'int32' | 'int64' | 'bool';

const ELEM: Record<ElemType, number> = {
  float32: 1,
  uint8: 2,
  int8: 3,
  int32: 6,
  int64: 7,
  bool: 9,
  float16: 10,
};

/** A dimension: a fixed size or a symbolic name ("batch", "H"). */
export type Dim = number | string;

export type TensorData = Float32Array | Uint8Array | Int8Array | Int32Array | BigInt64Array | Uint16Array;

export interface ConstTensor {
  type: ElemType;
  dims: readonly number[];
  data: TensorData;
}

/** Explicit attribute kinds where a bare number would be ambiguous (1 as int or float). */
export class FloatAttr {
  constructor(readonly value: number) {}
}
export class FloatsAttr {
  constructor(readonly value: readonly number[]) {}
}
export class TensorAttr {
  constructor(readonly value: ConstTensor) {}
}
export const f = (v: number) => new FloatAttr(v);
export const fs = (v: readonly number[]) => new FloatsAttr(v);

export type AttrValue =
  | number
  | string
  | readonly number[]
  | readonly string[]
  | FloatAttr
  | FloatsAttr
  | TensorAttr;

interface NodeDef {
  op: string;
  inputs: string[];
  outputs: string[];
  name: string;
  attrs: Record<string, AttrValue>;
  domain: string;
}

interface ValueDef {
  name: string;
  type: ElemType;
  dims?: readonly Dim[];
}

function tensorBytes(t: ConstTensor): Uint8Array {
  const d = t.data;
  return new Uint8Array(d.buffer, d.byteOffset, d.byteLength);
}

function writeTensor(name: string, t: ConstTensor): ProtoWriter {
  const w = new ProtoWriter();
  for (const d of t.dims) w.int(1, d);
  w.int(2, ELEM[t.type]);
  w.string(8, name);
  w.bytes(9, tensorBytes(t));
  return w;
}

function writeValueInfo(v: ValueDef): ProtoWriter {
  const tensorType = new ProtoWriter().int(1, ELEM[v.type]);
  if (v.dims) {
    const shape = new ProtoWriter();
    for (const d of v.dims) {
      const dim = new ProtoWriter();
      if (typeof d === 'number' && d >= 0) dim.int(1, d);
      else dim.string(2, typeof d === 'string' ? d : 'N');
      shape.message(1, dim);
    }
    tensorType.message(2, shape);
  }
  const type = new ProtoWriter().message(1, tensorType);
  return new ProtoWriter().string(1, v.name).message(2, type);
}

function writeAttr(name: string, v: AttrValue): ProtoWriter {
  const w = new ProtoWriter().string(1, name);
  if (v instanceof FloatAttr) return w.float(2, v.value).int(20, 1);
  if (v instanceof FloatsAttr) {
    for (const x of v.value) w.float(7, x);
    return w.int(20, 6);
  }
  if (v instanceof TensorAttr) return w.message(5, writeTensor(name, v.value)).int(20, 4);
  if (typeof v === 'string') return w.string(4, v).int(20, 3);
  if (typeof v === 'number') return Number.isInteger(v) ? w.int(3, v).int(20, 2) : w.float(2, v).int(20, 1);
  const arr = v as readonly (number | string)[];
  if (arr.length > 0 && typeof arr[0] === 'string') {
    for (const s of arr as readonly string[]) w.string(9, s);
    return w.int(20, 8);
  }
  const nums = arr as readonly number[];
  if (nums.every((x) => Number.isInteger(x))) {
    for (const x of nums) w.int(8, x);
    return w.int(20, 7);
  }
  for (const x of nums) w.float(7, x);
  return w.int(20, 6);
}

export class GraphBuilder {
  readonly name: string;
  readonly opset: number;
  #nodes: NodeDef[] = [];
  #inputs: ValueDef[] = [];
  #outputs: ValueDef[] = [];
  #inits = new Map<string, ConstTensor>();
  #used = new Set<string>();
  #counter = 0;

  constructor(name: string, opset = 17) {
    this.name = name;
    this.opset = opset;
  }

  /** A fresh value name with a readable prefix. */
  fresh(prefix: string): string {
    let n: string;
    do n = `${prefix.replace(/[^A-Za-z0-9_]/g, '_')}_${this.#counter++}`;
    while (this.#used.has(n));
    this.#used.add(n);
    return n;
  }

  input(name: string, type: ElemType, dims: readonly Dim[]): string {
    this.#used.add(name);
    this.#inputs.push({ name, type, dims });
    return name;
  }

  output(value: string, name: string, type: ElemType = 'float32', dims?: readonly Dim[]): string {
    if (value !== name) this.op('Identity', [value], {}, name);
    this.#outputs.push({ name, type, dims });
    return name;
  }

  /** An initializer (weights, constants). */
  constant(t: ConstTensor, prefix = 'const'): string {
    const name = this.fresh(prefix);
    this.#inits.set(name, t);
    return name;
  }

  f32(values: ArrayLike<number>, dims: readonly number[], prefix = 'c'): string {
    return this.constant({ type: 'float32', dims, data: Float32Array.from(values) }, prefix);
  }

  i64(values: readonly number[], prefix = 'shape'): string {
    return this.constant(
      { type: 'int64', dims: [values.length], data: BigInt64Array.from(values.map((v) => BigInt(v))) },
      prefix,
    );
  }

  scalarF32(v: number, prefix = 's'): string {
    return this.constant({ type: 'float32', dims: [], data: Float32Array.of(v) }, prefix);
  }

  /** Adds a node with one output and returns its name. An empty input name means an omitted optional input. */
  op(op: string, inputs: readonly string[], attrs: Record<string, AttrValue> = {}, outName?: string): string {
    const out = outName ?? this.fresh(op.toLowerCase());
    if (outName) this.#used.add(outName);
    this.#nodes.push({
      op,
      inputs: [...inputs],
      outputs: [out],
      name: this.fresh(`n_${op}`),
      attrs,
      domain: '',
    });
    return out;
  }

  /** A node with several outputs. */
  opN(op: string, inputs: readonly string[], nOut: number, attrs: Record<string, AttrValue> = {}): string[] {
    const outs = Array.from({ length: nOut }, () => this.fresh(op.toLowerCase()));
    this.#nodes.push({
      op,
      inputs: [...inputs],
      outputs: outs,
      name: this.fresh(`n_${op}`),
      attrs,
      domain: '',
    });
    return outs;
  }

  get nodeCount(): number {
    return this.#nodes.length;
  }

  toBytes(producer = 'gazecam'): Uint8Array {
    const g = new ProtoWriter();
    for (const n of this.#nodes) {
      const w = new ProtoWriter();
      for (const i of n.inputs) w.string(1, i);
      for (const o of n.outputs) w.string(2, o);
      w.string(3, n.name).string(4, n.op);
      for (const [k, v] of Object.entries(n.attrs)) w.message(5, writeAttr(k, v));
      if (n.domain) w.string(7, n.domain);
      g.message(1, w);
    }
    g.string(2, this.name);
    for (const [name, t] of this.#inits) g.message(5, writeTensor(name, t));
    for (const v of this.#inputs) g.message(11, writeValueInfo(v));
    for (const v of this.#outputs) g.message(12, writeValueInfo(v));
    const opset = new ProtoWriter().string(1, '').int(2, this.opset);
    // IR version 8 pairs with opsets 14-18.
    return new ProtoWriter()
      .int(1, 8)
      .string(2, producer)
      .string(3, '0.1')
      .message(7, g)
      .message(8, opset)
      .finish();
  }
}
