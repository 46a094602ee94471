// Small constant-tensor transforms done at conversion time (weights never pass through the runtime graph).
import type { TfTensor } from '../tfjs-graph.ts';

/** Transposes a constant: out.shape[i] = in.shape[perm[i]]. */
export function permute(t: TfTensor, perm: readonly number[]): TfTensor {
  const inShape = t.shape;
  const rank = inShape.length;
  const outShape = perm.map((p) => inShape[p]!);
  const inStrides = new Array<number>(rank).fill(1);
  for (let i = rank - 2; i >= 0; i--) inStrides[i] = inStrides[i + 1]! * inShape[i + 1]!;
  const n = t.data.length;
  const out = new (t.data.constructor as new (n: number) => typeof t.data)(n);
  const idx = new Array<number>(rank).fill(0);
  for (let o = 0; o < n; o++) {
    let src = 0;
    for (let i = 0; i < rank; i++) src += idx[i]! * inStrides[perm[i]!]!;
    out[o] = t.data[src]!;
    for (let i = rank - 1; i >= 0; i--) {
      if (++idx[i]! < outShape[i]!) break;
      idx[i] = 0;
    }
  }
  return { dtype: t.dtype, shape: outShape, data: out };
}

export function reshape(t: TfTensor, shape: number[]): TfTensor {
  return { dtype: t.dtype, shape, data: t.data };
}

/** TF conv filter [kh, kw, in, out] -> ONNX [out, in, kh, kw]. */
export const hwioToOihw = (t: TfTensor) => permute(t, [3, 2, 0, 1]);

/** TF depthwise filter [kh, kw, C, M] -> grouped-conv weight [C*M, 1, kh, kw] (output channel c*M + m, as TF). */
export function depthwiseToGrouped(t: TfTensor): TfTensor {
  const [kh, kw, c, m] = t.shape as [number, number, number, number];
  const p = permute(t, [2, 3, 0, 1]);
  return reshape(p, [c * m, 1, kh, kw]);
}

/** A constant that broadcasts against an NHWC tensor of rank 4, rearranged to broadcast against its NCHW twin. */
export function nhwcBroadcastToNchw(t: TfTensor): TfTensor {
  if (t.shape.length === 0) return t;
  const padded = reshape(t, [...new Array<number>(4 - t.shape.length).fill(1), ...t.shape]);
  return permute(padded, [0, 3, 1, 2]);
}
