// The committed region models load in the live pipeline and the eye model beats the classic renderer it
// replaces, on validation persons of the data set (self-reenactment, identity = the clip's first frame): SSIM of
// the eyes' boxes against the true frames. The avatar's mouth is the classic renderer's (the learned mouth lost
// the driver's motion on unseen faces: pipeline.ts AVATAR_LEARNED_REGIONS).
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { landmarkBox, ssim } from '../../bench/quality-metrics.ts';
import { FaceTracker } from '../../src/inference/face/tracker.ts';
import { LEARNED_MODEL_DIR, type RegionRenderer } from '../../src/inference/generator/learned-regions.ts';
import { EYES, OUTER_LIPS } from '../../src/inference/generator/regions.ts';
import { FramePipeline } from '../../src/inference/pipeline/pipeline.ts';
import type { RgbaFrame } from '../../src/video/frame.ts';
import { decodeClip } from '../../training/dataset/decode.ts';
import { readClips, validationPersons } from '../../training/dataset/persons.ts';
import { DATA_DIR, dataAvailable } from './env.ts';

const FPS = 5;
// Boxes under SSIM's 7x7 window (a shut eye) have no score.
const mean = (x: number[]) => {
  const v = x.filter(Number.isFinite);
  return v.reduce((a, b) => a + b, 0) / v.length;
};

describe('committed region models', () => {
  it('are committed under models/ with the runtime contract', () => {
    for (const r of ['eyes', 'mouth'])
      expect(existsSync(join(LEARNED_MODEL_DIR, `region-${r}.onnx`))).toBe(true);
  });

  describe.skipIf(!dataAvailable())('on validation persons', () => {
    let tracker: FaceTracker;
    const clips: RgbaFrame[][] = [];
    beforeAll(async () => {
      tracker = await FaceTracker.create({ smoothing: false });
      const all = readClips(DATA_DIR);
      const val = validationPersons(all, 0.15);
      for (const c of all.filter((c) => val.has(c.person)).slice(0, 6)) {
        const d = await decodeClip(join(DATA_DIR, c.file), tracker, FPS, 16);
        if (d && d.frames.length > 4) clips.push(d.frames);
      }
    });
    afterAll(async () => {
      await tracker?.close();
    });

    async function scores(renderer: RegionRenderer) {
      const out = { eyes: [] as number[], mouth: [] as number[] };
      for (const frames of clips) {
        const p = await FramePipeline.create({ size: 256, framing: 'full', regionRenderer: renderer });
        try {
          await p.setIdentity([frames[0]]);
          expect(p.regionRenderer).toBe(renderer);
          for (let i = 1; i < frames.length; i++) {
            const r = await p.process(frames[i], 'avatar', (i * 1000) / FPS);
            tracker.reset();
            const t = await tracker.track(frames[i], 0);
            if (!t) continue;
            const o = r.frame as RgbaFrame;
            out.eyes.push(mean(EYES.map((e) => ssim(o, frames[i], landmarkBox(t.landmarks, e.ring, 0.35)))));
            out.mouth.push(ssim(o, frames[i], landmarkBox(t.landmarks, OUTER_LIPS, 0.25)));
          }
        } finally {
          await p.close();
        }
      }
      return { eyes: mean(out.eyes), mouth: mean(out.mouth), n: out.eyes.length };
    }

    it('redraw only the eyes in eye contact', async () => {
      const frame = clips[0][1];
      const out: Record<string, RgbaFrame> = {};
      for (const r of ['learned', 'classic'] as const) {
        const p = await FramePipeline.create({
          eyeContact: { fullDeg: 90, noneDeg: 120 },
          eyeContactRenderer: r,
        });
        try {
          expect(p.eyeContactRenderer).toBe(r);
          const res = await p.process(frame, 'eyes', 0);
          expect(res.redirect?.weight).toBeGreaterThan(0);
          out[r] = res.frame as RgbaFrame;
        } finally {
          await p.close();
        }
      }
      tracker.reset();
      const t = await tracker.track(frame, 0);
      const box = landmarkBox(t?.landmarks as Float32Array, [...EYES[0].ring, ...EYES[1].ring], 0.6);
      let inside = 0;
      let outside = 0;
      for (let p = 0; p < frame.data.length; p += 4) {
        const x = (p / 4) % frame.width;
        const y = Math.floor(p / 4 / frame.width);
        const d = Math.abs(out.learned.data[p] - out.classic.data[p]);
        if (x >= box.x0 && x < box.x1 && y >= box.y0 && y < box.y1) inside += d;
        else outside += Math.abs(out.learned.data[p] - frame.data[p]);
      }
      expect(inside).toBeGreaterThan(0);
      expect(outside).toBe(0);
    });

    it('beat the classic renderer on the eyes; the mouth stays the classic one', async () => {
      expect(clips.length).toBeGreaterThan(0);
      const learned = await scores('learned');
      const classic = await scores('classic');
      expect(learned.n).toBeGreaterThan(10);
      expect(learned.eyes).toBeGreaterThan(classic.eyes);
      expect(learned.mouth).toBeCloseTo(classic.mouth, 6);
    }, 300_000);
  });
});
