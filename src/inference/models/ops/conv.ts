// Convolutions and pooling. Filters are rearranged once here (HWIO -> OIHW, depthwise -> grouped conv);
// TF's SAME padding (extra pixel at the end for stride 2) is ONNX SAME_UPPER.
import type { AttrValue } from '../../onnx/builder.ts';
import type { ConvertContext, Value } from '../context.ts';
import type { TfNode } from '../tfjs-graph.ts';
import { applyActivation, takeFusedBias } from './activation.ts';
import { attrInts, attrString, requireNhwc, unsupported } from './attrs.ts';
import { depthwiseToGrouped, hwioToOihw } from './tensor.ts';

function spatial(node: TfNode, key: string): number[] {
  const v = attrInts(node, key, [1, 1, 1, 1]);
  if (v.length !== 4 || v[0] !== 1 || v[3] !== 1)
    throw unsupported(node, `${key} ${v.join(',')} not supported`);
  return [v[1]!, v[2]!];
}

export function paddingAttrs(node: TfNode): Record<string, AttrValue> {
  const padding = attrString(node, 'padding');
  if (padding === 'SAME') return { auto_pad: 'SAME_UPPER' };
  if (padding === 'VALID') return { auto_pad: 'VALID' };
  if (padding === 'EXPLICIT') {
    const p = attrInts(node, 'explicit_paddings');
    return { pads: [p[2]!, p[4]!, p[3]!, p[5]!] };
  }
  throw unsupported(node, `padding ${padding} not supported`);
}

function convCore(ctx: ConvertContext, node: TfNode, depthwise: boolean): Value {
  requireNhwc(node);
  const x = ctx.toNchw(ctx.input(node, 0));
  const filter = ctx.requireTensor(node, 1, 'filter');
  if (filter.shape.length !== 4) throw unsupported(node, 'filter must be rank 4');
  const weight = depthwise ? depthwiseToGrouped(filter) : hwioToOihw(filter);
  const w = ctx.constant(weight, `${node.inputs[1]}#${depthwise ? 'grouped' : 'oihw'}`);
  const inputs = [x.name, w];
  const rest = takeFusedBias(ctx, node, inputs);
  const attrs: Record<string, AttrValue> = {
    kernel_shape: [filter.shape[0]!, filter.shape[1]!],
    strides: spatial(node, 'strides'),
    dilations: spatial(node, 'dilations'),
    ...paddingAttrs(node),
  };
  if (depthwise) attrs.group = filter.shape[2]!;
  let y: Value = { name: ctx.b.op('Conv', inputs, attrs), layout: 'nchw', rank: 4 };
  for (const act of rest) {
    const alphaIndex = 3; // fused args: [bias, alpha]
    const alpha =
      act === 'Prelu'
        ? { tensor: ctx.requireTensor(node, alphaIndex, 'PReLU slope'), key: node.inputs[alphaIndex]! }
        : undefined;
    y = applyActivation(ctx, node, act, y, alpha);
  }
  return y;
}

export const conv2d = (ctx: ConvertContext, node: TfNode) => convCore(ctx, node, false);
export const depthwiseConv2d = (ctx: ConvertContext, node: TfNode) => convCore(ctx, node, true);

function pool(onnxOp: 'MaxPool' | 'AveragePool') {
  return (ctx: ConvertContext, node: TfNode): Value => {
    requireNhwc(node);
    const x = ctx.toNchw(ctx.input(node, 0));
    const attrs: Record<string, AttrValue> = {
      kernel_shape: spatial(node, 'ksize'),
      strides: spatial(node, 'strides'),
      ...paddingAttrs(node),
    };
    // TF averages over the valid pixels only.
    if (onnxOp === 'AveragePool') attrs.count_include_pad = 0;
    return { name: ctx.b.op(onnxOp, [x.name], attrs), layout: 'nchw', rank: 4 };
  };
}

export const maxPool = pool('MaxPool');
export const avgPool = pool('AveragePool');
