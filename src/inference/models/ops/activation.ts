// Activations, standalone or fused into a convolution / matmul.
import { f } from '../../onnx/builder.ts';
import type { ConvertContext, Value } from '../context.ts';
import type { TfNode, TfTensor } from '../tfjs-graph.ts';
import { attrFloat, attrStrings, unsupported } from './attrs.ts';

/** A fused conv/matmul's leading BiasAdd becomes the bias input (appended to `inputs`); returns the fused ops
 * left to apply as activations. Fused ops without a BiasAdd first are not produced by TF's fusion here. */
export function takeFusedBias(ctx: ConvertContext, node: TfNode, inputs: string[]): string[] {
  const fused = attrStrings(node, 'fused_ops');
  if (fused[0] === 'BiasAdd') {
    inputs.push(ctx.constant(ctx.requireTensor(node, 2, 'bias'), `${node.inputs[2]}#plain`));
    return fused.slice(1);
  }
  if (fused.length > 0) throw unsupported(node, `fused ops ${fused.join('+')} not supported`);
  return fused;
}

/** Applies a TF activation op by name to `x`. `alpha` is PReLU's slope tensor where the op needs one. */
export function applyActivation(
  ctx: ConvertContext,
  node: TfNode,
  kind: string,
  x: Value,
  alpha?: { tensor: TfTensor; key: string },
): Value {
  const b = ctx.b;
  const out = (name: string): Value => ({ name, layout: x.layout, rank: x.rank });
  switch (kind) {
    case 'Relu':
      return out(b.op('Relu', [x.name]));
    case 'Relu6':
      return out(b.op('Clip', [x.name, b.scalarF32(0), b.scalarF32(6)]));
    case 'Sigmoid':
      return out(b.op('Sigmoid', [x.name]));
    case 'Tanh':
      return out(b.op('Tanh', [x.name]));
    case 'Elu':
      return out(b.op('Elu', [x.name], { alpha: f(1) }));
    case 'LeakyRelu':
      return out(
        b.op('LeakyRelu', [x.name], {
          alpha: f(attrFloat(node, 'leakyrelu_alpha', attrFloat(node, 'alpha', 0.2))),
        }),
      );
    case 'Prelu': {
      if (!alpha) throw unsupported(node, 'Prelu without a constant slope');
      if (x.layout === 'nchw' && alpha.tensor.data.length > 1)
        return out(preluAsConvs(ctx, x, alpha.tensor, alpha.key));
      const slope = ctx.broadcastConst(alpha.tensor, x, alpha.key);
      return out(b.op('PRelu', [x.name, slope.name]));
    }
    default:
      throw unsupported(node, `activation ${kind} not supported`);
  }
}

/** PReLU as relu(x) + (-alpha) * relu(-x), the two scalings as 1x1 depthwise convolutions (the first with its
 * Relu fused, the second with the Add fused). ONNX Runtime's CPU PRelu cannot stay in its blocked NCHWc layout
 * and costs a reorder on each side; this form stays in it and makes facemesh and iris ~2-3x faster. */
function preluAsConvs(ctx: ConvertContext, x: Value, alpha: TfTensor, key: string): string {
  const b = ctx.b;
  const c = alpha.data.length;
  const dw = (values: Float32Array, k: string) =>
    ctx.constant({ dtype: 'float32', shape: [c, 1, 1, 1], data: values }, `${key}#${k}`);
  const minusOne = dw(new Float32Array(c).fill(-1), 'minus1');
  const minusAlpha = dw(
    Float32Array.from(alpha.data, (v) => -v),
    'minusalpha',
  );
  const attrs = { group: c, kernel_shape: [1, 1] };
  const pos = b.op('Relu', [x.name]);
  const negPart = b.op('Relu', [b.op('Conv', [x.name, minusOne], attrs)]);
  return b.op('Add', [b.op('Conv', [negPart, minusAlpha], attrs), pos]);
}

export function unaryActivation(ctx: ConvertContext, node: TfNode): Value {
  return applyActivation(ctx, node, node.op, ctx.input(node, 0));
}

export function prelu(ctx: ConvertContext, node: TfNode): Value {
  const alpha = ctx.requireTensor(node, 1, 'PReLU slope');
  return applyActivation(ctx, node, 'Prelu', ctx.input(node, 0), { tensor: alpha, key: node.inputs[1]! });
}
