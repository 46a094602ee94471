import { describe, expect, it } from 'vitest';
import { planarToI420, planarToRgba, rgbaToPlanar } from '../../src/inference/generator/planar.ts';
import { rgbaToI420 } from '../../src/video/image.ts';

describe('planar conversions', () => {
  it('round-trips RGBA and converts to I420 like the RGBA path', () => {
    const w = 13;
    const h = 7;
    const rgba = { format: 'rgba' as const, width: w, height: h, data: new Uint8Array(w * h * 4) };
    for (let i = 0; i < rgba.data.length; i++) rgba.data[i] = (i * 37) % 256;
    for (let i = 3; i < rgba.data.length; i += 4) rgba.data[i] = 255;
    const planar = rgbaToPlanar(rgba);
    expect(planarToRgba(planar, w, h).data).toEqual(rgba.data);
    const a = planarToI420(planar, w, h);
    const b = rgbaToI420(rgba);
    expect(a.data.length).toBe(b.data.length);
    let maxErr = 0;
    for (let i = 0; i < a.data.length; i++) maxErr = Math.max(maxErr, Math.abs(a.data[i] - b.data[i]));
    expect(maxErr).toBeLessThanOrEqual(1);
  });
});
