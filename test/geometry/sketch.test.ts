import { describe, expect, it } from 'vitest';
import { SKETCH_CHAINS } from '../../src/inference/geometry/landmarks.ts';
import { eulerToMat3 } from '../../src/inference/geometry/math.ts';
import {
  DEFAULT_SKETCH_STYLE,
  fitView,
  gazeColour,
  type SketchEye,
  SketchRenderer,
} from '../../src/inference/geometry/sketch.ts';
import { TEMPLATE } from '../../src/inference/geometry/template-data.ts';
import { applySimilarity } from '../../src/inference/geometry/umeyama.ts';

function count(data: Uint8Array, rgb: readonly number[]): number {
  let n = 0;
  for (let i = 0; i < data.length; i += 4)
    if (data[i] === rgb[0] && data[i + 1] === rgb[1] && data[i + 2] === rgb[2]) n++;
  return n;
}

const face = applySimilarity(
  { scale: 100, rotation: eulerToMat3(0, 0, 0), translation: [256, 240, 0] },
  TEMPLATE,
  new Float64Array(1434),
);

function eye(centreIdx: number, direction: number[], open = true): SketchEye {
  return {
    centre: [face[centreIdx * 3], face[centreIdx * 3 + 1], face[centreIdx * 3 + 2] + 15],
    radius: 12,
    irisRadius: 6,
    direction,
    open,
  };
}

describe('sketch', () => {
  it('uses only valid landmark indices', () => {
    for (const chains of Object.values(SKETCH_CHAINS))
      for (const c of chains) for (const i of c.points) expect(i >= 0 && i < 468).toBe(true);
  });

  it.each([256, 512])('draws every part in its colour at %i', (size) => {
    const r = new SketchRenderer(size);
    const frame = r.render(face, fitView(512, 512, size), null);
    expect(frame.width).toBe(size);
    for (const part of ['contour', 'brows', 'nose', 'eyes', 'lipsOuter', 'lipsInner'] as const) {
      expect(count(frame.data, DEFAULT_SKETCH_STYLE[part])).toBeGreaterThan(size / 32);
    }
  });

  it('colour-codes the gaze inside the eyes, with a darker iris, and leaves closed eyes empty', () => {
    const r = new SketchRenderer(512);
    const straight = [0, 0, -1];
    const right = [0.5, 0, -0.866];
    const frame = r.render(face, fitView(512, 512, 512), {
      left: eye(473, right),
      right: eye(468, straight),
    });
    const cs = gazeColour(straight);
    const cr = gazeColour(right);
    expect(cs).toEqual([128, 128, 255]);
    expect(cr[0]).toBeLessThan(128); // looking toward +x: horizontal angle < 0
    expect(count(frame.data, cs)).toBeGreaterThan(20);
    expect(count(frame.data, cr)).toBeGreaterThan(20);
    expect(count(frame.data, [cs[0] >> 1, cs[1] >> 1, cs[2] >> 1])).toBeGreaterThan(10);
    const closed = r.render(face, fitView(512, 512, 512), {
      left: eye(473, right, false),
      right: eye(468, straight, false),
    });
    expect(count(closed.data, cs)).toBe(0);
    expect(count(closed.data, cr)).toBe(0);
  });

  it('survives points far outside the canvas', () => {
    const r = new SketchRenderer(256);
    const far = Float64Array.from(face, (v) => v * 50 - 5000);
    expect(() => r.render(far, fitView(512, 512, 256), null)).not.toThrow();
  });
});
