// Ops that move data around or reduce it: Identity, Pad, Reshape, ConcatV2, Mean, Softmax.
import type { ConvertContext, Value } from '../context.ts';
import type { TfNode } from '../tfjs-graph.ts';
import { attrBool, unsupported } from './attrs.ts';

export function identity(ctx: ConvertContext, node: TfNode): Value {
  return ctx.input(node, 0);
}

export function pad(ctx: ConvertContext, node: TfNode): Value {
  const x = ctx.input(node, 0);
  const p = ctx.requireTensor(node, 1, 'paddings');
  const rank = p.shape[0]!;
  const begins: number[] = [];
  const ends: number[] = [];
  for (let i = 0; i < rank; i++) {
    // ONNX axis i of an NCHW value is TF axis perm[i].
    const tfAxis = x.layout === 'nchw' ? [0, 3, 1, 2][i]! : i;
    begins.push(Number(p.data[2 * tfAxis]));
    ends.push(Number(p.data[2 * tfAxis + 1]));
  }
  const inputs = [x.name, ctx.int64([...begins, ...ends])];
  if (node.op === 'PadV2') {
    const value = ctx.requireTensor(node, 2, 'pad value');
    inputs.push(ctx.b.scalarF32(Number(value.data[0])));
  }
  return { name: ctx.b.op('Pad', inputs, { mode: 'constant' }), layout: x.layout, rank: x.rank };
}

export function reshape(ctx: ConvertContext, node: TfNode): Value {
  const x = ctx.toPlain(ctx.input(node, 0));
  const shape = ctx.requireTensor(node, 1, 'shape');
  const dims = Array.from(shape.data, Number);
  return { name: ctx.b.op('Reshape', [x.name, ctx.int64(dims)]), layout: 'plain', rank: dims.length };
}

export function concat(ctx: ConvertContext, node: TfNode): Value {
  const n = node.inputs.length - 1;
  const axisT = ctx.requireTensor(node, n, 'axis');
  let parts = node.inputs.slice(0, n).map((_, i) => ctx.input(node, i));
  if (parts.some((p) => p.layout !== parts[0]!.layout)) parts = parts.map((p) => ctx.toPlain(p));
  const first = parts[0]!;
  const axis = ctx.axis(first, Number(axisT.data[0]));
  const name = ctx.b.op(
    'Concat',
    parts.map((p) => p.name),
    { axis },
  );
  return { name, layout: first.layout, rank: first.rank };
}

export function mean(ctx: ConvertContext, node: TfNode): Value {
  let x = ctx.input(node, 0);
  const axesT = ctx.requireTensor(node, 1, 'reduction axes');
  const tfAxes = Array.from(axesT.data, (a) => (Number(a) < 0 ? Number(a) + x.rank : Number(a)));
  const keep = attrBool(node, 'keep_dims');
  // Dropping H and W (or keeping all dims) leaves the same order in NCHW and NHWC; other cases go plain first.
  if (x.layout === 'nchw' && !keep && !(tfAxes.includes(1) && tfAxes.includes(2))) x = ctx.toPlain(x);
  const axes = tfAxes.map((a) => ctx.axis(x, a));
  const name = ctx.b.op('ReduceMean', [x.name], { axes, keepdims: keep ? 1 : 0 });
  if (keep) return { name, layout: x.layout, rank: x.rank };
  return { name, layout: 'plain', rank: x.rank - axes.length };
}

export function softmax(ctx: ConvertContext, node: TfNode): Value {
  const x = ctx.toPlain(ctx.input(node, 0));
  return { name: ctx.b.op('Softmax', [x.name], { axis: -1 }), layout: 'plain', rank: x.rank };
}

export function squeeze(ctx: ConvertContext, node: TfNode): Value {
  const x = ctx.toPlain(ctx.input(node, 0));
  const dims = node.attr.squeeze_dims?.list?.i?.map(Number) ?? [];
  if (dims.length === 0) throw unsupported(node, 'Squeeze without squeeze_dims');
  const name = ctx.b.op('Squeeze', [x.name, ctx.int64(dims)]);
  return { name, layout: 'plain', rank: x.rank - dims.length };
}
