// Real inputs for the parity test: a fixture portrait, its face found by the converted blazeface (a minimal
// anchor decode, enough to place crops), cut into each model's input (face for facemesh/faceres, an eye for iris).
import sharp from 'sharp';
import type { OnnxSession } from '../../src/inference/onnx/runtime.ts';
import { ort } from '../../src/inference/onnx/runtime.ts';

export interface Box {
  cx: number;
  cy: number;
  size: number;
}

export interface FaceCrops {
  score: number;
  face: Box;
  /** NHWC float inputs: blazeface in [-1, 1], faceres in [0, 255], the others in [0, 1]. */
  blazeface: Float32Array;
  facemesh: Float32Array;
  iris: Float32Array;
  faceres: Float32Array;
}

async function rgb(path: string, box: Box, n: number, lo: number, hi: number): Promise<Float32Array> {
  const meta = await sharp(path).metadata();
  const W = meta.width!;
  const H = meta.height!;
  // Pad the image so crops that reach past an edge keep the face centred.
  const pad = Math.ceil(box.size);
  const left = Math.round(box.cx - box.size / 2) + pad;
  const top = Math.round(box.cy - box.size / 2) + pad;
  const side = Math.max(1, Math.round(box.size));
  // sharp extracts before it extends within one pipeline, so pad first, then crop the padded pixels.
  const padded = await sharp(path)
    .removeAlpha()
    .extend({ top: pad, bottom: pad, left: pad, right: pad, background: { r: 0, g: 0, b: 0 } })
    .raw()
    .toBuffer({ resolveWithObject: true });
  const { data } = await sharp(padded.data, { raw: padded.info })
    .extract({
      left: Math.max(0, Math.min(left, W + 2 * pad - side)),
      top: Math.max(0, Math.min(top, H + 2 * pad - side)),
      width: side,
      height: side,
    })
    .resize(n, n, { fit: 'fill' })
    .raw()
    .toBuffer({ resolveWithObject: true });
  const out = new Float32Array(n * n * 3);
  for (let i = 0; i < out.length; i++) out[i] = lo + (data[i]! / 255) * (hi - lo);
  return out;
}

/** Best blazeface anchor: 16x16 grid x 2 anchors (stride 16) then 8x8 x 6 (stride 32), offsets in 256-px units. */
async function detect(blazeface: OnnxSession, input: Float32Array) {
  const r = await blazeface.run({ input: new ort.Tensor('float32', input, [1, 256, 256, 3]) });
  const layers = [
    {
      reg: r.regressors_16!.data as Float32Array,
      cls: r.classificators_16!.data as Float32Array,
      grid: 16,
      per: 2,
    },
    {
      reg: r.regressors_8!.data as Float32Array,
      cls: r.classificators_8!.data as Float32Array,
      grid: 8,
      per: 6,
    },
  ];
  let best = { logit: Number.NEGATIVE_INFINITY, cx: 0, cy: 0, w: 0, eyes: [0, 0, 0, 0] };
  for (const { reg, cls, grid, per } of layers) {
    for (let i = 0; i < cls.length; i++) {
      if (cls[i]! <= best.logit) continue;
      const cell = Math.floor(i / per);
      const ax = ((cell % grid) + 0.5) * (256 / grid);
      const ay = (Math.floor(cell / grid) + 0.5) * (256 / grid);
      const o = i * 16;
      best = {
        logit: cls[i]!,
        cx: ax + reg[o]!,
        cy: ay + reg[o + 1]!,
        w: Math.max(reg[o + 2]!, reg[o + 3]!),
        eyes: [ax + reg[o + 4]!, ay + reg[o + 5]!, ax + reg[o + 6]!, ay + reg[o + 7]!],
      };
    }
  }
  return best;
}

export async function faceCrops(path: string, blazeface: OnnxSession): Promise<FaceCrops> {
  const meta = await sharp(path).metadata();
  const W = meta.width!;
  const H = meta.height!;
  const side = Math.max(W, H);
  const whole = { cx: W / 2, cy: H / 2, size: side };
  const blazeInput = await rgb(path, whole, 256, -1, 1);
  const d = await detect(blazeface, blazeInput);
  const k = side / 256;
  const toImage = (x: number, y: number) =>
    [whole.cx - side / 2 + x * k, whole.cy - side / 2 + y * k] as const;
  const [cx, cy] = toImage(d.cx, d.cy);
  const [ex, ey] = toImage(d.eyes[0]!, d.eyes[1]!);
  const [fx, fy] = toImage(d.eyes[2]!, d.eyes[3]!);
  const faceSize = d.w * k;
  const eyeDist = Math.hypot(fx - ex, fy - ey);
  const face: Box = { cx, cy, size: faceSize * 1.5 };
  return {
    score: 1 / (1 + Math.exp(-d.logit)),
    face,
    blazeface: blazeInput,
    facemesh: await rgb(path, face, 192, 0, 1),
    iris: await rgb(path, { cx: ex, cy: ey, size: eyeDist * 0.8 }, 64, 0, 1),
    faceres: await rgb(path, { cx, cy, size: faceSize * 1.1 }, 224, 0, 255),
  };
}
