// BlazeFace (the 256x256 model in @vladmandic/human): anchors, box decoding and weighted non-maximum suppression.
// Anchors follow the model's two feature maps: 16x16 cells x 2 anchors (stride 16), then 8x8 cells x 6 anchors
// (stride 32); the regressors are offsets in input pixels from the anchor centre.

export const DETECTOR_SIZE = 256;
/** Keypoints of a detection, in this order. */
export const DETECTOR_KEYPOINTS = ['rightEye', 'leftEye', 'nose', 'mouth', 'rightEar', 'leftEar'] as const;

export interface Detection {
  /** Box corners and keypoints in detector-input pixels (0..256). */
  x0: number;
  y0: number;
  x1: number;
  y1: number;
  /** 6 x (x, y). */
  keypoints: Float32Array;
  score: number;
}

/** Anchor centres (x, y) in input pixels, in the order of the concatenated outputs (stride 16 first). */
export function blazefaceAnchors(size = DETECTOR_SIZE): Float32Array {
  const layers = [
    { stride: 16, perCell: 2 },
    { stride: 32, perCell: 6 },
  ];
  const out: number[] = [];
  for (const { stride, perCell } of layers) {
    const cells = Math.ceil(size / stride);
    for (let y = 0; y < cells; y++) {
      for (let x = 0; x < cells; x++) {
        for (let k = 0; k < perCell; k++) out.push((x + 0.5) * stride, (y + 0.5) * stride);
      }
    }
  }
  return Float32Array.from(out);
}

const sigmoid = (x: number) => 1 / (1 + Math.exp(-Math.max(-80, Math.min(80, x))));

/** Decodes the anchors whose score passes `minScore`. `regressors` is [n,16], `logits` [n] for anchors from
 * `anchorOffset` on (the two output heads are decoded one after the other). */
export function decodeDetections(
  regressors: Float32Array,
  logits: Float32Array,
  anchors: Float32Array,
  anchorOffset: number,
  minScore: number,
  into: Detection[] = [],
): Detection[] {
  const minLogit = Math.log(minScore / (1 - minScore));
  for (let i = 0; i < logits.length; i++) {
    if (logits[i] < minLogit) continue;
    const ax = anchors[(anchorOffset + i) * 2];
    const ay = anchors[(anchorOffset + i) * 2 + 1];
    const r = i * 16;
    const cx = regressors[r] + ax;
    const cy = regressors[r + 1] + ay;
    const w = regressors[r + 2];
    const h = regressors[r + 3];
    const keypoints = new Float32Array(12);
    for (let k = 0; k < 6; k++) {
      keypoints[k * 2] = regressors[r + 4 + k * 2] + ax;
      keypoints[k * 2 + 1] = regressors[r + 5 + k * 2] + ay;
    }
    into.push({
      x0: cx - w / 2,
      y0: cy - h / 2,
      x1: cx + w / 2,
      y1: cy + h / 2,
      keypoints,
      score: sigmoid(logits[i]),
    });
  }
  return into;
}

export function iou(a: Detection, b: Detection): number {
  const ix = Math.max(0, Math.min(a.x1, b.x1) - Math.max(a.x0, b.x0));
  const iy = Math.max(0, Math.min(a.y1, b.y1) - Math.max(a.y0, b.y0));
  const inter = ix * iy;
  const union = (a.x1 - a.x0) * (a.y1 - a.y0) + (b.x1 - b.x0) * (b.y1 - b.y0) - inter;
  return union > 0 ? inter / union : 0;
}

/** Weighted NMS (as MediaPipe blends BlazeFace anchors): each kept detection is the score-weighted mean of the
 * candidates that overlap it by more than `threshold`; its score stays the best one's. */
export function weightedNms(dets: readonly Detection[], threshold = 0.3, maxFaces = Infinity): Detection[] {
  const rest = [...dets].sort((a, b) => b.score - a.score);
  const kept: Detection[] = [];
  while (rest.length > 0 && kept.length < maxFaces) {
    const top = rest[0];
    const group: Detection[] = [];
    const others: Detection[] = [];
    for (const d of rest) (iou(top, d) > threshold || d === top ? group : others).push(d);
    let sw = 0;
    const acc = { x0: 0, y0: 0, x1: 0, y1: 0 };
    const kp = new Float32Array(12);
    for (const d of group) {
      sw += d.score;
      acc.x0 += d.x0 * d.score;
      acc.y0 += d.y0 * d.score;
      acc.x1 += d.x1 * d.score;
      acc.y1 += d.y1 * d.score;
      for (let k = 0; k < 12; k++) kp[k] += d.keypoints[k] * d.score;
    }
    for (let k = 0; k < 12; k++) kp[k] /= sw;
    kept.push({
      x0: acc.x0 / sw,
      y0: acc.y0 / sw,
      x1: acc.x1 / sw,
      y1: acc.y1 / sw,
      keypoints: kp,
      score: top.score,
    });
    rest.length = 0;
    rest.push(...others);
  }
  return kept;
}
