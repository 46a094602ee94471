import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PipelineProcessor } from '../../src/inference/agent/pipeline-processor.ts';
import type { AgentSettings } from '../../src/inference/agent/processor.ts';
import { eyeCrop } from '../../src/inference/pipeline/live-eyes.ts';
import { FramePipeline, STAGES } from '../../src/inference/pipeline/pipeline.ts';
import { AppError } from '../../src/util/errors.ts';
import { readMjpeg } from '../../src/util/mjpeg.ts';
import { FIXTURES_DIR, fixturesAvailable } from '../../src/util/paths.ts';
import type { I420Frame, RgbaFrame } from '../../src/video/frame.ts';
import { decodeImage, rgbaToI420 } from '../../src/video/image.ts';

const skip = !fixturesAvailable();
if (skip) console.warn(`pipeline tests skipped: fixtures not found at ${FIXTURES_DIR}`);

describe.skipIf(skip)('FramePipeline on the fixtures', () => {
  let pipeline: FramePipeline;
  let frames: RgbaFrame[];
  let blank: RgbaFrame;
  const identity = join(FIXTURES_DIR, 'identities', 's0.jpg');

  beforeAll(async () => {
    pipeline = await FramePipeline.create({ size: 256 });
    frames = [];
    for (const j of readMjpeg(join(FIXTURES_DIR, 'drivers', 'd0.mjpeg')).slice(0, 12))
      frames.push(await decodeImage(j));
    blank = { format: 'rgba', width: 320, height: 240, data: new Uint8Array(320 * 240 * 4).fill(128) };
  });
  afterAll(async () => {
    await pipeline?.close();
  });

  it('needs an identity for avatar mode and rejects a photo without a face', async () => {
    await expect(pipeline.process(frames[0], 'avatar')).rejects.toMatchObject({ code: 'BAD_REQUEST' });
    const grey = await sharp({
      create: { width: 200, height: 200, channels: 3, background: { r: 90, g: 90, b: 90 } },
    })
      .jpeg()
      .toBuffer();
    await expect(pipeline.setIdentity([new Uint8Array(grey)])).rejects.toMatchObject({ code: 'NO_FACE' });
    await expect(pipeline.setIdentity([])).rejects.toMatchObject({ code: 'BAD_REQUEST' });
  });

  it('sets an identity once: a crop at the generator size with its landmarks', async () => {
    const id = await pipeline.setIdentity([identity]);
    expect(id.photos).toHaveLength(1);
    const p = id.photos[0];
    expect(p.rgba.width).toBe(256);
    expect(p.landmarks).toHaveLength(478 * 3);
    // The face sits inside the crop.
    for (let i = 0; i < 468; i++) {
      expect(p.landmarks[3 * i]).toBeGreaterThan(0);
      expect(p.landmarks[3 * i]).toBeLessThan(256);
    }
  });

  it('renders the avatar per frame with stage timings, and follows the driver', {
    timeout: 180_000,
  }, async () => {
    await pipeline.setIdentity([identity]);
    const outs: RgbaFrame[] = [];
    for (const f of frames) {
      const r = await pipeline.process(f, 'avatar');
      expect(r.state).toBe('ok');
      expect(r.frame.width).toBe(256);
      expect(r.frame.format).toBe('rgba');
      expect(r.target).not.toBeNull();
      for (const k of STAGES) expect(r.timings[k]).toBeGreaterThanOrEqual(0);
      expect(r.timings.total).toBeGreaterThanOrEqual(r.timings.track);
      outs.push(r.frame as RgbaFrame);
    }
    // The first frame is the reference: the avatar then looks like the identity photo.
    const still = pipeline.identity?.photos[0].rgba as RgbaFrame;
    let diff = 0;
    for (let i = 0; i < still.data.length; i += 4) diff += Math.abs(still.data[i] - outs[0].data[i]);
    expect(diff / (still.data.length / 4)).toBeLessThan(4);
  });

  it('falls back to the still with the last good pose when the face is lost, and I420 in gives I420 out', async () => {
    await pipeline.setIdentity([identity]);
    const good = await pipeline.process(rgbaToI420(frames[5]), 'avatar');
    expect(good.frame.format).toBe('i420');
    const lost = await pipeline.process(rgbaToI420(blank), 'avatar');
    expect(lost.state).toBe('fallback-still');
    expect(lost.face).toBeNull();
    expect(lost.frame.width).toBe(256);
    expect(Array.from(lost.target ?? [])).toEqual(Array.from(good.target ?? []));
  });

  it('eye contact changes only the eye regions of the live frame', { timeout: 180_000 }, async () => {
    pipeline.resetDriver();
    let changedFrames = 0;
    for (const f of frames) {
      const input = rgbaToI420(f);
      const copy = Uint8Array.from(input.data);
      const r = await pipeline.process(input, 'eyes');
      expect(Buffer.compare(input.data, copy)).toBe(0); // the input is never modified (toEqual on 400k bytes takes seconds)
      expect(r.frame.width).toBe(f.width);
      if (!r.face || !r.redirect || r.redirect.weight === 0) continue;
      const out = r.frame as I420Frame;
      const crop = eyeCrop(r.face.landmarks, f.width, f.height);
      expect(crop).not.toBeNull();
      if (!crop) continue;
      let inside = 0;
      let outside = 0;
      for (let y = 0; y < f.height; y++)
        for (let x = 0; x < f.width; x++) {
          const p = y * f.width + x;
          if (out.data[p] === input.data[p]) continue;
          if (x >= crop.x && x < crop.x + crop.width && y >= crop.y && y < crop.y + crop.height) inside++;
          else outside++;
        }
      expect(outside).toBe(0);
      if (inside > 0) changedFrames++;
    }
    expect(changedFrames).toBeGreaterThan(0);
  });

  it('passes the frame through where there is no face (eyes) and in mode none', async () => {
    const r = await pipeline.process(blank, 'eyes');
    expect(r.state).toBe('fallback-passthrough');
    expect(r.frame).toBe(blank);
    const n = await pipeline.process(frames[0], 'none');
    expect(n.frame).toBe(frames[0]);
    expect(n.state).toBe('ok');
  });

  it('blends several photos (N-shot)', async () => {
    const id = await pipeline.setIdentity([identity, frames[0]]);
    expect(id.renderer.sourceCount).toBe(2);
    const r = await pipeline.process(frames[3], 'avatar');
    expect(r.state).toBe('ok');
    expect(r.frame.width).toBe(256);
  });

  it('processes frames while an identity is set: the tracker serves both in turn', async () => {
    pipeline.clearIdentity();
    const [id, ...eyes] = await Promise.all([
      pipeline.setIdentity([identity]),
      ...frames.slice(0, 4).map((f) => pipeline.process(f, 'eyes')),
    ]);
    expect(id.photos).toHaveLength(1);
    for (const r of eyes) expect(r.state).not.toBe('fallback-passthrough');
  });

  it('PipelineProcessor loads identities in update(), never in process()', async () => {
    let release: () => void = () => undefined;
    const loads: string[] = [];
    const processor = new PipelineProcessor(pipeline, {
      async loadIdentity(id) {
        loads.push(id);
        if (id !== 's0') throw new AppError('NOT_FOUND', `no identity ${id}`);
        await new Promise<void>((r) => (release = r));
        return [identity];
      },
    });
    const frame = rgbaToI420(frames[3]);
    const avatar = (identityId: string | null): AgentSettings => ({ mode: 'avatar', identityId });
    // An identity whose update has not run yet: the fallback, and no load on the frame path.
    pipeline.clearIdentity();
    const early = await processor.process(frame, avatar('s0'));
    expect(early).toMatchObject({
      state: 'fallback-passthrough',
      message: 'avatar off: identity not loaded',
    });
    expect(loads).toEqual([]);

    const updated = processor.update(avatar('s0'));
    await expect(processor.process(frame, avatar('s0'))).resolves.toMatchObject({
      state: 'fallback-passthrough',
    });
    expect((await processor.process(frame, { mode: 'eyes', identityId: null })).frame.width).toBe(
      frame.width,
    );
    release();
    await updated;
    const ok = await processor.process(frame, avatar('s0'));
    expect(ok.state).toBe('ok');
    expect(ok.frame.width).toBe(256);

    // A failed load: the previous identity does not stand in; the fallback says why.
    await processor.update(avatar('nobody'));
    const failed = await processor.process(frame, avatar('nobody'));
    expect(failed).toMatchObject({
      state: 'fallback-passthrough',
      message: 'avatar off: no identity nobody',
    });
    expect(loads).toEqual(['s0', 'nobody']);
  });

  it('a frame in flight keeps the identity it started with; a close meanwhile ends it with CLOSED', {
    timeout: 180_000,
  }, async () => {
    // The agent's update() may clear or replace the identity, or close the pipeline, while a frame awaits the
    // tracker: that frame once read the cleared identity ("Cannot read properties of null (reading 'geometry')").
    await pipeline.setIdentity([identity]);
    const inFlight = pipeline.process(frames[4], 'avatar');
    pipeline.clearIdentity();
    const r = await inFlight;
    expect(r.state).toBe('ok');
    expect(r.frame.width).toBe(256);
    await expect(pipeline.process(frames[4], 'avatar')).rejects.toMatchObject({ code: 'BAD_REQUEST' });

    const p = await FramePipeline.create({ size: 256 });
    await p.setIdentity([identity]);
    const closing = p.process(frames[5], 'avatar');
    await p.close();
    await expect(closing).rejects.toMatchObject({ code: 'CLOSED' });
  });

  it('closes idempotently and refuses work afterwards', { timeout: 180_000 }, async () => {
    const p = await FramePipeline.create({ size: 256 });
    await p.close();
    await p.close();
    expect(p.closed).toBe(true);
    await expect(p.process(frames[0], 'eyes')).rejects.toMatchObject({ code: 'CLOSED' });
  });
});
