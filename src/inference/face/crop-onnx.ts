// Crops in onnxruntime: a graph that takes the frame (RGBA, or I420 planes) and N affine maps and returns the
// model's normalised NHWC crops [N,S,S,3], by GridSample. The N crops are stacked into one tall grid so the
// frame is sampled once without copying it N times. I420 is sampled per plane and converted at the crop's pixels.
import type { Frame } from '../../video/frame.ts';
import { GraphBuilder } from '../onnx/builder.ts';
import { type OnnxSession, ort, type SessionGroup } from '../onnx/runtime.ts';
import type { Normalisation } from './crop-js.ts';
import type { Affine } from './roi.ts';

/** Builds the crop graph for one output size and normalisation. Inputs: `rgba` uint8 [H,W,4] or `y` [H,W],
 * `u`, `v` [ceil(H/2),ceil(W/2)] and `chroma_scale` [2] (W/(2*ceil(W/2)), same for H); `grid_affine` float [N,3,2] (crop pixel centre (u, v, 1) -> GridSample's [-1, 1]
 * coordinates). Output `crop` [N,S,S,3]. */
export function buildCropGraph(format: Frame['format'], size: number, norm: Normalisation): Uint8Array {
  const g = new GraphBuilder(`crop_${format}_${size}`);
  // Pixel centres of the S x S output, as rows (u + 0.5, v + 0.5, 1).
  const base = new Float32Array(size * size * 3);
  for (let v = 0; v < size; v++)
    for (let u = 0; u < size; u++) base.set([u + 0.5, v + 0.5, 1], (v * size + u) * 3);
  const affine = g.input('grid_affine', 'float32', ['N', 3, 2]);
  const baseC = g.f32(base, [size * size, 3], 'base_grid');
  const grid = g.op('MatMul', [baseC, affine]); // [N, S*S, 2]
  const tall = g.op('Reshape', [grid, g.i64([1, -1, size, 2])]); // [1, N*S, S, 2]
  const sample = (img: string, at = tall) =>
    g.op('GridSample', [img, at], { mode: 'bilinear', padding_mode: 'zeros', align_corners: 0 });
  let rgb: string; // [1, 3, N*S, S], 0..255
  if (format === 'rgba') {
    const src = g.input('rgba', 'uint8', ['H', 'W', 4]);
    const three = g.op('Slice', [src, g.i64([0]), g.i64([3]), g.i64([2])]);
    const chw = g.op('Transpose', [three], { perm: [2, 0, 1] });
    const img = g.op('Unsqueeze', [g.op('Cast', [chw], { to: 1 }), g.i64([0])]);
    rgb = sample(img);
  } else {
    // Offsets first, so GridSample's zero padding reads as black (Y 16, neutral chroma).
    const yIn = g.input('y', 'uint8', ['H', 'W']);
    const uIn = g.input('u', 'uint8', ['H2', 'W2']);
    const vIn = g.input('v', 'uint8', ['H2', 'W2']);
    const plane = (p: string, off: number) => g.op('Sub', [g.op('Cast', [p], { to: 1 }), g.scalarF32(off)]);
    const y4 = g.op('Unsqueeze', [plane(yIn, 16), g.i64([0, 1])]);
    const uv = g.op(
      'Concat',
      [g.op('Unsqueeze', [plane(uIn, 128), g.i64([0])]), g.op('Unsqueeze', [plane(vIn, 128), g.i64([0])])],
      {
        axis: 0,
      },
    );
    const uv4 = g.op('Unsqueeze', [uv, g.i64([0])]);
    const ys = sample(y4); // [1,1,N*S,S]
    // The chroma planes span 2*ceil(W/2) luma pixels: rescale the grid where W or H is odd.
    const chromaScale = g.input('chroma_scale', 'float32', [2]);
    const one = g.scalarF32(1);
    const tallC = g.op('Sub', [g.op('Mul', [g.op('Add', [tall, one]), chromaScale]), one]);
    const uvs = sample(uv4, tallC); // [1,2,N*S,S]
    const yuv = g.op('Concat', [ys, uvs], { axis: 1 }); // [1,3,N*S,S]
    // BT.601 limited range -> RGB as a 1x1 convolution over the three planes.
    const m = g.f32([1.164, 0, 1.596, 1.164, -0.391, -0.813, 1.164, 2.018, 0], [3, 3, 1, 1], 'yuv2rgb');
    rgb = g.op('Clip', [g.op('Conv', [yuv, m]), g.scalarF32(0), g.scalarF32(255)]);
  }
  // [1,3,N*S,S] -> [3,N,S,S] -> [N,S,S,3], normalised.
  const split = g.op('Reshape', [rgb, g.i64([3, -1, size, size])]);
  const nhwc = g.op('Transpose', [split], { perm: [1, 2, 3, 0] });
  const out = g.op('Add', [g.op('Mul', [nhwc, g.scalarF32(norm.scale)]), g.scalarF32(norm.bias)]);
  g.output(out, 'crop', 'float32', ['N', size, size, 3]);
  return g.toBytes();
}

/** Runs crops of one size on onnxruntime (one session per frame format, created on first use). */
export class OnnxCropper {
  readonly #group: SessionGroup;
  readonly #size: number;
  readonly #norm: Normalisation;
  readonly #sessions = new Map<Frame['format'], Promise<OnnxSession>>();
  readonly #name: string;

  constructor(group: SessionGroup, name: string, size: number, norm: Normalisation) {
    this.#group = group;
    this.#name = name;
    this.#size = size;
    this.#norm = norm;
  }

  #session(format: Frame['format']): Promise<OnnxSession> {
    let s = this.#sessions.get(format);
    if (!s) {
      s = this.#group.create(buildCropGraph(format, this.#size, this.#norm), {
        name: `${this.#name}-${format}`,
      });
      this.#sessions.set(format, s);
    }
    return s;
  }

  /** The crops (affine maps crop -> image pixels) as a [N,S,S,3] tensor for the model. */
  async crop(frame: Frame, maps: readonly Affine[]): Promise<ort.Tensor> {
    const session = await this.#session(frame.format);
    const { width: w, height: h } = frame;
    // Image pixels -> GridSample coordinates (align_corners 0: -1 and 1 are the frame's outer edges).
    const grid = new Float32Array(maps.length * 6);
    maps.forEach((m, i) => {
      const sx = 2 / w;
      const sy = 2 / h;
      // Columns of the [3,2] matrix: x' = sx*(a u + b v + c) - 1, y' = sy*(d u + e v + f) - 1.
      grid.set([sx * m[0], sy * m[3], sx * m[1], sy * m[4], sx * m[2] - 1, sy * m[5] - 1], i * 6);
    });
    const feeds: Record<string, ort.Tensor> = {
      grid_affine: new ort.Tensor('float32', grid, [maps.length, 3, 2]),
    };
    if (frame.format === 'rgba') {
      feeds.rgba = new ort.Tensor('uint8', frame.data.subarray(0, w * h * 4), [h, w, 4]);
    } else {
      const cw = (w + 1) >> 1;
      const ch = (h + 1) >> 1;
      const d = frame.data;
      feeds.y = new ort.Tensor('uint8', d.subarray(0, w * h), [h, w]);
      feeds.u = new ort.Tensor('uint8', d.subarray(w * h, w * h + cw * ch), [ch, cw]);
      feeds.v = new ort.Tensor('uint8', d.subarray(w * h + cw * ch, w * h + 2 * cw * ch), [ch, cw]);
      feeds.chroma_scale = new ort.Tensor('float32', Float32Array.of(w / (2 * cw), h / (2 * ch)), [2]);
    }
    return (await session.run(feeds)).crop;
  }
}
