import { describe, expect, it } from 'vitest';
import { cropJs, SIGNED, UNIT } from '../../src/inference/face/crop-js.ts';
import { OnnxCropper } from '../../src/inference/face/crop-onnx.ts';
import { cropToImage, mapPoints, roiFromPoints } from '../../src/inference/face/roi.ts';
import { SessionGroup } from '../../src/inference/onnx/runtime.ts';
import type { RgbaFrame } from '../../src/video/frame.ts';
import { rgbaToI420 } from '../../src/video/image.ts';

function gradient(w: number, h: number): RgbaFrame {
  const data = new Uint8Array(w * h * 4);
  for (let y = 0; y < h; y++)
    for (let x = 0; x < w; x++) {
      const i = (y * w + x) * 4;
      data[i] = x % 256;
      data[i + 1] = y % 256;
      data[i + 2] = (x + y) % 256;
      data[i + 3] = 255;
    }
  return { format: 'rgba', width: w, height: h, data };
}

describe('rois and crops', () => {
  it('maps the crop centre to the roi centre and turns with the roi', () => {
    const m = cropToImage({ cx: 100, cy: 50, width: 40, height: 40, angle: Math.PI / 2 }, 20);
    const out = new Float32Array(6);
    mapPoints(Float32Array.of(10, 10, 0, 20, 10, 1), 0, 2, 3, m, out, 0);
    expect(out[0]).toBeCloseTo(100);
    expect(out[1]).toBeCloseTo(50);
    // +u along the roi's x axis, turned 90 degrees: image +y; z scaled by the crop scale (2).
    expect(out[3]).toBeCloseTo(100);
    expect(out[4]).toBeCloseTo(70);
    expect(out[5]).toBeCloseTo(2);
  });

  it('finds the square roi around points', () => {
    const pts = Float32Array.of(0, 0, 0, 10, 0, 0, 10, 20, 0);
    const r = roiFromPoints(pts, 3, 0, 1.5);
    expect(r.cx).toBeCloseTo(5);
    expect(r.cy).toBeCloseTo(10);
    expect(r.width).toBeCloseTo(30);
  });

  it('samples pixel centres exactly and agrees between RGBA and I420', () => {
    const f = gradient(64, 48);
    // A 1:1 crop: output pixel (u, v) is image pixel (10 + u, 5 + v).
    const m = cropToImage({ cx: 10 + 8, cy: 5 + 8, width: 16, height: 16, angle: 0 }, 16);
    const a = new Float32Array(16 * 16 * 3);
    cropJs(f, m, 16, { scale: 1, bias: 0 }, a);
    expect(a[0]).toBeCloseTo(10);
    expect(a[1]).toBeCloseTo(5);
    expect(a[(3 * 16 + 2) * 3 + 2]).toBeCloseTo(12 + 8);
    const b = new Float32Array(16 * 16 * 3);
    cropJs(rgbaToI420(f), m, 16, { scale: 1, bias: 0 }, b);
    let err = 0;
    for (let i = 0; i < a.length; i++) err += Math.abs(a[i] - b[i]);
    // 4:2:0 chroma and limited range cost a few levels, not more.
    expect(err / a.length).toBeLessThan(6);
  });

  it('fills outside the frame with black and normalises', () => {
    const f = gradient(8, 8);
    const m = cropToImage({ cx: -100, cy: -100, width: 4, height: 4, angle: 0 }, 4);
    const a = new Float32Array(4 * 4 * 3).fill(9);
    cropJs(f, m, 4, UNIT, a);
    expect(a.every((v) => v === 0)).toBe(true);
  });
});

describe('crops in onnxruntime (GridSample graph)', () => {
  it('match the TypeScript crops for RGBA and I420, rotated, mirrored and off the frame edge', async () => {
    const group = new SessionGroup();
    try {
      const f = gradient(97, 81);
      const maps = [
        cropToImage({ cx: 40, cy: 30, width: 50, height: 50, angle: 0.3 }, 24),
        cropToImage({ cx: 90, cy: 75, width: 30, height: 30, angle: -0.2 }, 24, true),
      ];
      const c = new OnnxCropper(group, 'test-crop', 24, SIGNED);
      for (const frame of [f, rgbaToI420(f)]) {
        const t = await c.crop(frame, maps);
        expect(t.dims).toEqual([2, 24, 24, 3]);
        const want = new Float32Array(2 * 24 * 24 * 3);
        maps.forEach((m, i) => {
          cropJs(frame, m, 24, SIGNED, want, i * 24 * 24 * 3);
        });
        const got = t.data as Float32Array;
        let worst = 0;
        for (let i = 0; i < want.length; i++) worst = Math.max(worst, Math.abs(got[i] - want[i]));
        expect(worst).toBeLessThan(1e-3);
      }
    } finally {
      await group.close();
    }
  });
});
