// Elementwise binary ops. A constant operand is rearranged at conversion time to match the other
// operand's layout; two computed operands meet in a common layout.
import type { ConvertContext, Value } from '../context.ts';
import type { TfNode } from '../tfjs-graph.ts';
import { unsupported } from './attrs.ts';

const ONNX_OP: Record<string, string> = {
  Add: 'Add',
  AddV2: 'Add',
  BiasAdd: 'Add',
  Sub: 'Sub',
  Mul: 'Mul',
  RealDiv: 'Div',
  Div: 'Div',
  Maximum: 'Max',
  Minimum: 'Min',
};

/** The scalar behind a constant input, if it is one. */
function scalarInput(ctx: ConvertContext, name: string): number | undefined {
  const t = ctx.tensor(name);
  return t && t.data.length === 1 && t.dtype === 'float32' ? t.data[0]! : undefined;
}

/** Splits `op(x, scalar)` (either order) into x's name and the scalar. */
function withScalar(ctx: ConvertContext, node: TfNode): { x: string; c: number } | undefined {
  const [a, b] = node.inputs as [string, string];
  const cb = scalarInput(ctx, b);
  if (cb !== undefined && !ctx.tensor(a)) return { x: a, c: cb };
  const ca = scalarInput(ctx, a);
  if (ca !== undefined && !ctx.tensor(b)) return { x: b, c: ca };
  return undefined;
}

/** Maximum(Minimum(x, hi), lo) and Minimum(Maximum(x, lo), hi) become Clip(x, lo, hi), with a Relu in front
 * absorbed when lo >= 0: Keras' ReLU6 exports as Relu -> Minimum -> Maximum, and ONNX Runtime fuses Conv+Clip. */
function clip(ctx: ConvertContext, node: TfNode): Value | undefined {
  if (node.op !== 'Maximum' && node.op !== 'Minimum') return undefined;
  const outer = withScalar(ctx, node);
  if (!outer) return undefined;
  const innerNode = ctx.node(outer.x);
  if (innerNode.op !== (node.op === 'Maximum' ? 'Minimum' : 'Maximum')) return undefined;
  const inner = withScalar(ctx, innerNode);
  if (!inner) return undefined;
  const [lo, hi] = node.op === 'Maximum' ? [outer.c, inner.c] : [inner.c, outer.c];
  if (!(lo <= hi)) return undefined;
  let x = inner.x;
  const xNode = ctx.node(x);
  if (xNode.op === 'Relu' && lo >= 0) x = xNode.inputs[0]!;
  const v = ctx.value(x);
  const name = ctx.b.op('Clip', [v.name, ctx.b.scalarF32(lo), ctx.b.scalarF32(hi)]);
  return { name, layout: v.layout, rank: v.rank };
}

export function binary(ctx: ConvertContext, node: TfNode): Value {
  const op = ONNX_OP[node.op];
  if (!op) throw unsupported(node, 'not an elementwise op');
  const clipped = clip(ctx, node);
  if (clipped) return clipped;
  const [na, nb] = node.inputs as [string, string];
  const ca = ctx.tensor(na);
  const cb = ctx.tensor(nb);
  let a: Value;
  let b: Value;
  if (ca && cb) throw unsupported(node, 'both operands constant');
  if (ca) {
    b = ctx.input(node, 1);
    a = ctx.broadcastConst(ca, b, na);
  } else if (cb) {
    a = ctx.input(node, 0);
    b = ctx.broadcastConst(cb, a, nb);
  } else {
    a = ctx.input(node, 0);
    b = ctx.input(node, 1);
    if (a.layout !== b.layout) {
      a = ctx.toPlain(a);
      b = ctx.toPlain(b);
    }
  }
  const layout = a.layout === 'nchw' || b.layout === 'nchw' ? 'nchw' : 'plain';
  return { name: ctx.b.op(op, [a.name, b.name]), layout, rank: Math.max(a.rank, b.rank) };
}
