// TF.js graph model -> ONNX bytes. The model boundary keeps TF's layout (NHWC in, TF-shaped outputs);
// inside, rank-4 activations are NCHW, transposed once after the input and once before an output or a
// reshape that needs TF's element order.
import { AppError } from '../../util/errors.ts';
import { type Dim, GraphBuilder } from '../onnx/builder.ts';
import { ConvertContext, type Value } from './context.ts';
import { attrShape, unsupported } from './ops/attrs.ts';
import { OP_HANDLERS } from './ops/index.ts';
import type { TfGraphModel, TfNode } from './tfjs-graph.ts';

/** Bump when the converter's output changes, so cached models are rebuilt. */
export const CONVERTER_VERSION = 3;

export interface OutputSpec {
  /** TF node whose tensor is the output (e.g. "Identity_2", "global_pooling/Mean"). */
  node: string;
  /** ONNX output name. */
  name: string;
  /** Declared shape in TF layout (a string is a symbolic dimension). */
  dims?: Dim[];
}

export interface ConvertOptions {
  name: string;
  outputs: OutputSpec[];
  /** Name for the symbolic batch dimension where TF has -1. */
  batchDim?: string;
}

function placeholders(model: TfGraphModel): TfNode[] {
  return model.nodes.filter((n) => n.op === 'Placeholder');
}

export function convertGraph(model: TfGraphModel, opts: ConvertOptions): Uint8Array {
  const b = new GraphBuilder(opts.name);
  const ctx = new ConvertContext(b, model, {
    ...OP_HANDLERS,
    Placeholder: (c, node) => {
      const shape = attrShape(node);
      if (!shape) throw unsupported(node, 'input of unknown rank');
      const dims: Dim[] = shape.map(
        (d, i) => d ?? (i === 0 ? (opts.batchDim ?? 'batch') : `${node.name}_${i}`),
      );
      const name = c.b.input(node.name, 'float32', dims);
      const v: Value = { name, layout: 'plain', rank: dims.length };
      return v.rank === 4 ? c.toNchw(v) : v;
    },
  });
  if (placeholders(model).length === 0)
    throw new AppError('MODEL_INVALID', `${opts.name}: graph has no input`);
  for (const out of opts.outputs) {
    const v = ctx.toPlain(ctx.value(out.node));
    b.output(v.name, out.name, 'float32', out.dims);
  }
  // Declare every input even if an output subset does not need it, so the signature stays that of TF.
  for (const p of placeholders(model)) ctx.value(p.name);
  return b.toBytes(`gazecam tfjs-converter v${CONVERTER_VERSION}`);
}
