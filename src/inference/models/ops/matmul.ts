// MatMul and _FusedMatMul (BiasAdd + activation) as ONNX Gemm.
import type { ConvertContext, Value } from '../context.ts';
import type { TfNode } from '../tfjs-graph.ts';
import { applyActivation, takeFusedBias } from './activation.ts';
import { attrBool, unsupported } from './attrs.ts';

export function matmul(ctx: ConvertContext, node: TfNode): Value {
  const a = ctx.toPlain(ctx.input(node, 0));
  if (a.rank !== 2) throw unsupported(node, `rank-${a.rank} matmul not supported`);
  const bConst = ctx.tensor(node.inputs[1]!);
  const bName = bConst
    ? ctx.constant(bConst, `${node.inputs[1]}#plain`)
    : ctx.toPlain(ctx.input(node, 1)).name;
  const inputs = [a.name, bName];
  const rest = takeFusedBias(ctx, node, inputs);
  const attrs = {
    transA: attrBool(node, 'transpose_a') ? 1 : 0,
    transB: attrBool(node, 'transpose_b') ? 1 : 0,
  };
  let y: Value = { name: ctx.b.op('Gemm', inputs, attrs), layout: 'plain', rank: 2 };
  for (const act of rest) {
    const alpha =
      act === 'Prelu'
        ? { tensor: ctx.requireTensor(node, 3, 'PReLU slope'), key: node.inputs[3]! }
        : undefined;
    y = applyActivation(ctx, node, act, y, alpha);
  }
  return y;
}
