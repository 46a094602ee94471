// TF op name -> converter. Adding an op means adding a line here and a handler beside it.
import type { OpHandler } from '../context.ts';
import { prelu, unaryActivation } from './activation.ts';
import { binary } from './binary.ts';
import { avgPool, conv2d, depthwiseConv2d, maxPool } from './conv.ts';
import { matmul } from './matmul.ts';
import { concat, identity, mean, pad, reshape, softmax, squeeze } from './shape.ts';

export const OP_HANDLERS: Record<string, OpHandler> = {
  Identity: identity,
  Conv2D: conv2d,
  _FusedConv2D: conv2d,
  DepthwiseConv2dNative: depthwiseConv2d,
  _FusedDepthwiseConv2dNative: depthwiseConv2d,
  MaxPool: maxPool,
  AvgPool: avgPool,
  Add: binary,
  AddV2: binary,
  BiasAdd: binary,
  Sub: binary,
  Mul: binary,
  RealDiv: binary,
  Div: binary,
  Maximum: binary,
  Minimum: binary,
  Relu: unaryActivation,
  Relu6: unaryActivation,
  Sigmoid: unaryActivation,
  Tanh: unaryActivation,
  Elu: unaryActivation,
  LeakyRelu: unaryActivation,
  Prelu: prelu,
  Pad: pad,
  PadV2: pad,
  Reshape: reshape,
  ConcatV2: concat,
  Mean: mean,
  Softmax: softmax,
  Squeeze: squeeze,
  MatMul: matmul,
  _FusedMatMul: matmul,
};
