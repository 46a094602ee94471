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

export function binary(ctx: ConvertContext, node: TfNode): Value {
  const op = ONNX_OP[node.op];
  if (!op) throw unsupported(node, 'not an elementwise op');
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
