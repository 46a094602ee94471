// The agent's frame loop with real FrameProcessor implementations of controlled speed and failure.
import { describe, expect, it } from 'vitest';
import { FrameLoop } from '../../src/inference/agent/frame-loop.ts';
import { createFrameProcessor } from '../../src/inference/agent/pipeline-processor.ts';
import {
  type AgentSettings,
  type FrameProcessor,
  loadProcessorFactory,
  PassthroughProcessor,
  PIPELINE_PROCESSOR_MODULE,
  type ProcessResult,
  processorModulePath,
} from '../../src/inference/agent/processor.ts';
import { syntheticFrame } from '../../src/probe/camera.ts';
import type { I420Frame } from '../../src/video/frame.ts';
import { until } from '../media/helpers.ts';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Inverts the luma, taking `ms` per frame; fails on frames whose first pixel is odd when asked to. */
class SlowInvert implements FrameProcessor {
  readonly name = 'slow-invert';
  constructor(
    private ms: number,
    private failOdd = false,
  ) {}
  update(): void {}
  async process(frame: I420Frame): Promise<ProcessResult> {
    await sleep(this.ms);
    if (this.failOdd && frame.data[0] % 2 === 1) throw new Error('model exploded');
    const data = frame.data.slice();
    for (let i = 0; i < frame.width * frame.height; i++) data[i] = 255 - data[i];
    return { frame: { ...frame, data }, state: 'ok' };
  }
  close(): void {}
}

function pushAt(loop: FrameLoop, n: number, periodMs: number): Promise<I420Frame[]> {
  return (async () => {
    const sent: I420Frame[] = [];
    for (let i = 0; i < n; i++) {
      const f = syntheticFrame(64, 64, i);
      sent.push(f);
      loop.push(f);
      await sleep(periodMs);
    }
    return sent;
  })();
}

describe('FrameLoop', () => {
  const eyes: AgentSettings = { mode: 'eyes', identityId: null };

  it('keeps one frame in the slot: a slow processor drops frames, never queues them', async () => {
    const out: I420Frame[] = [];
    const loop = new FrameLoop({ processor: new SlowInvert(40), settings: eyes, output: (f) => out.push(f) });
    await pushAt(loop, 30, 10);
    await until(() => loop.stats().framesOut + loop.stats().drops === 30, 'the loop to go idle');
    const s = loop.stats();
    loop.stop();
    expect(s.framesIn).toBe(30);
    expect(s.drops).toBeGreaterThan(10);
    // Every frame that went in was either output or dropped: nothing waits in a queue.
    expect(s.framesOut + s.drops).toBe(30);
    expect(out.length).toBe(s.framesOut);
    // Fewer than 60% of the frames processed: the client is told the server is busy.
    expect(s.state).toBe('busy');
    expect(s.message).toMatch(/server busy/);
    expect(s.ms).toBeGreaterThan(0);
  });

  it('a failing processor yields the camera frame in eye-contact mode (never black, never frozen)', async () => {
    const out: I420Frame[] = [];
    const inputs: I420Frame[] = [];
    const loop = new FrameLoop({
      processor: new SlowInvert(1, true),
      settings: eyes,
      output: (f) => out.push(f),
    });
    for (let i = 0; i < 6; i++) {
      const f = syntheticFrame(64, 64, i);
      f.data[0] = i; // odd frames fail
      inputs.push(f);
      loop.push(f);
      await until(() => out.length === i + 1, `output ${i}`);
    }
    loop.stop();
    expect(out).toHaveLength(6);
    expect(out[1]).toBe(inputs[1]); // failure: the raw frame itself
    expect(out[0]).not.toBe(inputs[0]); // success: the processed frame
    expect(loop.stats().state).toBe('fallback-passthrough'); // the last frame (5) failed
  });

  it('in avatar mode a failure repeats the last good picture and reports fallback-still', async () => {
    const out: I420Frame[] = [];
    const loop = new FrameLoop({
      processor: new SlowInvert(1, true),
      settings: { mode: 'avatar', identityId: 'x' },
      output: (f) => out.push(f),
    });
    const f0 = syntheticFrame(64, 64, 0);
    f0.data[0] = 2;
    loop.push(f0);
    await until(() => out.length === 1, 'first output');
    const f1 = syntheticFrame(64, 64, 1);
    f1.data[0] = 3;
    loop.push(f1);
    await until(() => out.length === 2, 'second output');
    expect(loop.stats().state).toBe('fallback-still');
    expect(out[1]).toBe(out[0]);
    loop.stop();
  });

  it('bridges a stalled processor with raw frames and reports busy', async () => {
    const out: I420Frame[] = [];
    const loop = new FrameLoop({
      processor: new SlowInvert(600),
      settings: eyes,
      output: (f) => out.push(f),
      stallMs: 100,
    });
    const sent = await pushAt(loop, 20, 20);
    const s = loop.stats();
    loop.stop();
    expect(s.state).toBe('busy');
    expect(out.some((f) => sent.includes(f))).toBe(true);
  });

  it('in avatar mode a stalled processor never lets the camera through (grey until a first avatar frame)', async () => {
    const out: I420Frame[] = [];
    const loop = new FrameLoop({
      processor: new SlowInvert(600),
      settings: { mode: 'avatar', identityId: 'x' },
      output: (f) => out.push(f),
      stallMs: 100,
    });
    const sent = await pushAt(loop, 20, 20);
    loop.stop();
    expect(out.length).toBeGreaterThan(0);
    expect(out.some((f) => sent.includes(f))).toBe(false);
    expect(out.every((f) => f.data.every((v) => v === 128))).toBe(true);
  });

  it('in avatar mode a passthrough fallback from the processor becomes a private one', async () => {
    const out: I420Frame[] = [];
    const processor: FrameProcessor = {
      name: 'no-identity',
      update() {},
      async process(frame) {
        return { frame, state: 'fallback-passthrough', message: 'avatar off: no identity chosen' };
      },
      close() {},
    };
    const loop = new FrameLoop({
      processor,
      settings: { mode: 'both', identityId: null },
      output: (f) => out.push(f),
    });
    const f = syntheticFrame(32, 32, 0);
    loop.push(f);
    await until(() => out.length === 1, 'an output');
    loop.stop();
    expect(out[0]).not.toBe(f);
    expect(loop.stats().state).toBe('fallback-still');
  });

  it('applies settings changes to the next frame', async () => {
    const seen: string[] = [];
    const processor: FrameProcessor = {
      name: 'spy',
      update() {},
      async process(frame, settings) {
        seen.push(settings.mode);
        return { frame, state: 'ok' };
      },
      close() {},
    };
    const loop = new FrameLoop({ processor, settings: eyes, output: () => undefined });
    loop.push(syntheticFrame(16, 16, 0));
    await until(() => seen.length === 1, 'first frame');
    loop.settings = { mode: 'avatar', identityId: 'id1' };
    loop.push(syntheticFrame(16, 16, 1));
    await until(() => seen.length === 2, 'second frame');
    loop.stop();
    expect(seen).toEqual(['eyes', 'avatar']);
  });

  it('loads the frame pipeline by default and the passthrough for `passthrough`', async () => {
    expect(processorModulePath(undefined)).toBe(PIPELINE_PROCESSOR_MODULE);
    expect(processorModulePath('')).toBe(PIPELINE_PROCESSOR_MODULE);
    expect(processorModulePath('/x/custom.ts')).toBe('/x/custom.ts');
    expect(processorModulePath('passthrough')).toBeUndefined();
    expect(await loadProcessorFactory()).toBe(createFrameProcessor);
    const factory = await loadProcessorFactory('passthrough');
    const p = await factory(eyes, { loadIdentity: async () => [] });
    expect(p).toBeInstanceOf(PassthroughProcessor);
    const f = syntheticFrame(16, 16, 0);
    expect((await p.process(f, eyes)).frame).toBe(f);
    await expect(loadProcessorFactory('/nonexistent/module.ts')).rejects.toThrow();
  });
});
