// FaceTracker on real frames: blank input, RGBA vs I420, every frame of the driver clips, portraits from a still.
import { readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { nme } from '../../src/inference/face/nme.ts';
import { FaceTracker } from '../../src/inference/face/tracker.ts';
import { AppError } from '../../src/util/errors.ts';
import { readMjpeg } from '../../src/util/mjpeg.ts';
import { FIXTURES_DIR, fixturesAvailable } from '../../src/util/paths.ts';
import type { RgbaFrame } from '../../src/video/frame.ts';
import { decodeImage, rgbaToI420 } from '../../src/video/image.ts';

const blank = (w: number, h: number, v: number): RgbaFrame => ({
  format: 'rgba',
  width: w,
  height: h,
  data: new Uint8Array(w * h * 4).fill(v),
});

describe('FaceTracker without a face', () => {
  let tracker: FaceTracker;
  beforeAll(async () => {
    tracker = await FaceTracker.create();
  }, 120_000);
  afterAll(async () => {
    await tracker?.close();
  });

  it('returns null on blank frames (RGBA and I420)', async () => {
    expect(await tracker.track(blank(320, 240, 0))).toBeNull();
    expect(await tracker.track(blank(320, 240, 200))).toBeNull();
    expect(await tracker.track(rgbaToI420(blank(321, 241, 128)))).toBeNull();
  });

  it('rejects a frame whose buffer does not match its size', async () => {
    const bad: RgbaFrame = { format: 'rgba', width: 100, height: 100, data: new Uint8Array(10) };
    await expect(tracker.track(bad)).rejects.toMatchObject({ code: 'IMAGE_INVALID' });
  });

  it('closes idempotently and refuses work afterwards', async () => {
    const t = await FaceTracker.create();
    await t.close();
    await t.close();
    expect(t.closed).toBe(true);
    await expect(t.track(blank(64, 64, 0))).rejects.toBeInstanceOf(AppError);
  });
});

describe.skipIf(!fixturesAvailable())(
  `FaceTracker on fixtures (${FIXTURES_DIR}; skipped when absent)`,
  () => {
    let tracker: FaceTracker;
    beforeAll(async () => {
      tracker = await FaceTracker.create({ smoothing: false });
    }, 120_000);
    afterAll(async () => {
      await tracker?.close();
    });

    it('gives close landmarks for the RGBA and I420 forms of the same frame', async () => {
      const rgba = await decodeImage(readMjpeg(join(FIXTURES_DIR, 'drivers', 'd3.mjpeg'))[0]);
      tracker.reset();
      const a = await tracker.track(rgba);
      tracker.reset();
      const b = await tracker.track(rgbaToI420(rgba));
      expect(a).not.toBeNull();
      expect(b).not.toBeNull();
      if (!a || !b) return;
      expect(a.landmarks.length).toBe(478 * 3);
      expect(a.eyeContours.left.length).toBe(71 * 3);
      // Frontal face: both eyes' lids come from the iris model; contour 0 is the outer corner (33 / 263), and
      // the contours' depth is face-relative like the landmarks'.
      expect(a.eyeContours.right[0]).toBeCloseTo(a.landmarks[33 * 3], 4);
      expect(a.eyeContours.left[1]).toBeCloseTo(a.landmarks[263 * 3 + 1], 4);
      expect(Math.abs(a.eyeContours.left[2] - a.landmarks[263 * 3 + 2])).toBeLessThan(0.1 * a.box.width);
      expect(nme(b.landmarks, a.landmarks)).toBeLessThan(0.01);
    });

    it('gives the same landmarks with crops in onnxruntime as with TypeScript crops', async () => {
      const onnx = await FaceTracker.create({ smoothing: false, crop: 'onnx' });
      try {
        const rgba = await decodeImage(readMjpeg(join(FIXTURES_DIR, 'drivers', 'd9.mjpeg'))[0]);
        tracker.reset();
        const a = await tracker.track(rgba);
        const b = await onnx.track(rgba);
        expect(a && b).toBeTruthy();
        if (a && b) expect(nme(b.landmarks, a.landmarks)).toBeLessThan(1e-3);
      } finally {
        await onnx.close();
      }
    });

    it('finds the face in every frame of every driver clip, running the detector only to start', async () => {
      const clips = readdirSync(join(FIXTURES_DIR, 'drivers')).filter((f) => f.endsWith('.mjpeg'));
      expect(clips.length).toBeGreaterThan(0);
      for (const clip of clips) {
        tracker.reset();
        const before = tracker.stats.detections;
        const frames = readMjpeg(join(FIXTURES_DIR, 'drivers', clip));
        let found = 0;
        for (const jpeg of frames) {
          const frame = await decodeImage(jpeg);
          const r = await tracker.track(frame);
          if (!r) continue;
          found++;
          // Iris centres sit between their eye corners.
          const lm = r.landmarks;
          const between = (i: number, a: number, b: number) =>
            lm[i * 3] > Math.min(lm[a * 3], lm[b * 3]) && lm[i * 3] < Math.max(lm[a * 3], lm[b * 3]);
          expect(between(468, 33, 133)).toBe(true);
          expect(between(473, 263, 362)).toBe(true);
          expect(r.score).toBeGreaterThan(0.5);
        }
        expect({ clip, found }).toEqual({ clip, found: frames.length });
        expect(tracker.stats.detections - before).toBeLessThanOrEqual(3);
      }
    }, 300_000);

    it('tracks each identity portrait from a single still (detector path)', async () => {
      const dir = resolve(FIXTURES_DIR, 'identities');
      for (const file of readdirSync(dir).filter((f) => f.endsWith('.jpg'))) {
        const img = await decodeImage(join(dir, file));
        tracker.reset();
        const r = await tracker.track(img);
        expect({ file, found: r !== null }).toEqual({ file, found: true });
        if (!r) continue;
        expect(r.box.x).toBeGreaterThanOrEqual(0);
        expect(r.box.x + r.box.width).toBeLessThanOrEqual(img.width);
        expect(r.box.width).toBeGreaterThan(0.05 * img.width);
      }
    }, 120_000);

    it('smooths landmarks when asked, without drifting from the raw track', async () => {
      const smooth = await FaceTracker.create({ smoothing: true });
      try {
        const frames = readMjpeg(join(FIXTURES_DIR, 'drivers', 'd0.mjpeg')).slice(0, 20);
        tracker.reset();
        let worst = 0;
        for (let i = 0; i < frames.length; i++) {
          const f = await decodeImage(frames[i]);
          const raw = await tracker.track(f);
          const s = await smooth.track(f, i * 40);
          if (!raw || !s) throw new Error('face lost');
          worst = Math.max(worst, nme(s.landmarks, raw.landmarks));
        }
        expect(worst).toBeGreaterThan(0);
        expect(worst).toBeLessThan(0.05);
      } finally {
        await smooth.close();
      }
    }, 120_000);
  },
);
