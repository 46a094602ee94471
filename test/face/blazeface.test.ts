import { describe, expect, it } from 'vitest';
import {
  blazefaceAnchors,
  type Detection,
  decodeDetections,
  iou,
  weightedNms,
} from '../../src/inference/face/blazeface.ts';

const det = (x0: number, y0: number, x1: number, y1: number, score: number): Detection => ({
  x0,
  y0,
  x1,
  y1,
  score,
  keypoints: new Float32Array(12).fill(x0),
});

describe('blazeface decoding', () => {
  it('lays out 896 anchors: 16x16x2 at stride 16, then 8x8x6 at stride 32', () => {
    const a = blazefaceAnchors();
    expect(a.length).toBe(896 * 2);
    expect([a[0], a[1], a[2], a[3]]).toEqual([8, 8, 8, 8]);
    expect([a[4], a[5]]).toEqual([24, 8]);
    expect([a[512 * 2], a[512 * 2 + 1]]).toEqual([16, 16]);
    expect([a[895 * 2], a[895 * 2 + 1]]).toEqual([240, 240]);
  });

  it('decodes boxes and keypoints relative to the anchor, and drops low scores', () => {
    const anchors = blazefaceAnchors();
    const reg = new Float32Array(2 * 16);
    reg.set([2, -3, 40, 50, 1, 1, 2, 2, 0, 0, 0, 0, 0, 0, 0, 0], 16);
    const logits = Float32Array.of(-10, 3);
    const d = decodeDetections(reg, logits, anchors, 0, 0.5);
    expect(d.length).toBe(1);
    // Anchor 1 is at (8, 8).
    expect(d[0].x0).toBeCloseTo(8 + 2 - 20);
    expect(d[0].y1).toBeCloseTo(8 - 3 + 25);
    expect(d[0].keypoints[0]).toBeCloseTo(9);
    expect(d[0].keypoints[2]).toBeCloseTo(10);
    expect(d[0].score).toBeCloseTo(1 / (1 + Math.exp(-3)));
  });

  it('merges overlapping detections by score and keeps separate faces apart', () => {
    const a = det(0, 0, 10, 10, 0.9);
    const b = det(1, 1, 11, 11, 0.3);
    const c = det(50, 50, 60, 60, 0.8);
    expect(iou(a, b)).toBeGreaterThan(0.3);
    const kept = weightedNms([b, c, a], 0.3);
    expect(kept.length).toBe(2);
    expect(kept[0].score).toBe(0.9);
    expect(kept[0].x0).toBeCloseTo((0 * 0.9 + 1 * 0.3) / 1.2);
    expect(kept[1].x0).toBe(50);
    expect(weightedNms([a, b, c], 0.3, 1).length).toBe(1);
  });
});
