// The vcam's picture helpers: every frame fitted into the device's one size (bars, aspect kept), the size
// argument, and the placeholder picture.
import { describe, expect, it } from 'vitest';
import { fitInto, parseSize, placeholderFrame } from '../../src/cli/vcam-frames.ts';
import type { I420Frame } from '../../src/video/frame.ts';

function flat(width: number, height: number, y: number, u = 90, v = 170): I420Frame {
  const data = new Uint8Array(width * height * 1.5);
  data.fill(y, 0, width * height);
  data.fill(u, width * height, width * height * 1.25);
  data.fill(v, width * height * 1.25);
  return { format: 'i420', width, height, data };
}

describe('vcam frames', () => {
  it('parses WIDTHxHEIGHT with even sizes only', () => {
    expect(parseSize('640x480')).toEqual({ width: 640, height: 480 });
    expect(parseSize('641x480')).toBeNull();
    expect(parseSize('640*480')).toBeNull();
  });

  it('fits a square avatar into 320x240 centred, with black bars left and right', () => {
    const out = fitInto(flat(256, 256, 200), { width: 320, height: 240 });
    expect([out.width, out.height, out.data.length]).toEqual([320, 240, 320 * 240 * 1.5]);
    const y = (x: number, row: number) => out.data[row * 320 + x];
    expect(y(10, 120)).toBe(16); // bar
    expect(y(160, 120)).toBe(200); // picture
    expect(y(310, 120)).toBe(16);
    expect(y(160, 0)).toBe(200); // full height
    const u = out.data[320 * 240 + 60 * 160 + 80];
    const v = out.data[320 * 240 * 1.25 + 60 * 160 + 80];
    expect([u, v]).toEqual([90, 170]); // chroma carried in its own planes
    expect(out.data[320 * 240 + 60 * 160 + 2]).toBe(128); // neutral chroma in the bars
  });

  it('copies a frame of the same size as it is', () => {
    const src = flat(320, 240, 77);
    expect(fitInto(src, { width: 320, height: 240 }).data).toEqual(src.data);
  });

  it('draws the placeholder at the output size', async () => {
    const p = await placeholderFrame({ width: 320, height: 240 }, [
      'gazecam: avatar paused',
      'agent starting',
    ]);
    expect([p.width, p.height]).toEqual([320, 240]);
    const lumas = new Set(p.data.subarray(0, 320 * 240));
    expect(lumas.size).toBeGreaterThan(2); // text on the dark background
  });
});
