// The frame loop's rate ladder: an agent that cannot sustain its rate steps down to what it manages (and says
// 'busy'), steps up again when its frames get cheap, and never goes below the floor. The governor's decisions
// on a given clock, then the loop with a real slow processor.
import { describe, expect, it } from 'vitest';
import { FPS_LADDER, FpsGovernor } from '../../src/inference/agent/fps-governor.ts';
import { FrameLoop } from '../../src/inference/agent/frame-loop.ts';
import type { AgentSettings, FrameProcessor, ProcessResult } from '../../src/inference/agent/processor.ts';
import { syntheticFrame } from '../../src/probe/camera.ts';
import type { I420Frame } from '../../src/video/frame.ts';

/**
 * Drives a governor as the loop does, on a 5 ms clock: a 25 fps camera fills a slot of one; a free loop whose
 * pause is over takes the slot; its frames take `ms`. Returns the rate allowed at each step.
 */
function drive(g: FpsGovernor, from: number, to: number, ms: () => number): number[] {
  const rates: number[] = [];
  let busyUntil = from;
  let slot = false;
  for (let t = from; t < to; t += 5) {
    if ((t - from) % 40 === 0) {
      g.input(t);
      slot = true;
    }
    if (slot && t >= busyUntil && g.waitMs(t) === 0) {
      slot = false;
      g.started(t);
      busyUntil = t + ms();
      g.finished(ms(), busyUntil);
    }
    rates.push(g.fps);
  }
  return rates;
}

describe('FpsGovernor', () => {
  it('steps down to the rate a slow agent sustains, and back up when frames get cheap', () => {
    const g = new FpsGovernor(0);
    expect(g.fps).toBe(FPS_LADDER[0]);
    // 10 ms frames at 25 fps: no reason to hold back.
    drive(g, 0, 6000, () => 10);
    expect(g.fps).toBe(30);
    expect(g.degraded(6000)).toBe(false);
    // Frames take 110 ms (about 9 fps sustained): down the ladder to a rung it keeps, and 'degraded'.
    drive(g, 6000, 16_000, () => 110);
    expect(g.fps).toBeLessThanOrEqual(10);
    expect(g.fps).toBeGreaterThanOrEqual(8);
    expect(g.degraded(16_000)).toBe(true);
    // Frames cheap again: straight up to the camera's rate (a 30 fps cap would not be used).
    drive(g, 16_000, 40_000, () => 10);
    expect(g.fps).toBe(25);
    expect(g.degraded(40_000)).toBe(false);
  });

  it('keeps the top rate through a slow first frame and a camera that delivers in bursts', () => {
    // Model warm-up: the first frame takes 700 ms; then 20 ms frames, half of a 40 ms interval. The camera's
    // frames come in pairs every 80 ms (25 fps on average): the second of a pair is dropped while the first is
    // processed, which is the network's doing, not a slow agent's.
    const g = new FpsGovernor(0);
    let n = 0;
    const rates: number[] = [];
    let busyUntil = 0;
    let slot = false;
    for (let t = 0; t < 12_000; t += 5) {
      if (t % 80 === 0 || t % 80 === 5) {
        g.input(t);
        slot = true;
      }
      if (slot && t >= busyUntil && g.waitMs(t) === 0) {
        slot = false;
        g.started(t);
        const ms = n++ === 0 ? 700 : 20;
        busyUntil = t + ms;
        g.finished(ms, busyUntil);
      }
      rates.push(g.fps);
    }
    expect(Math.min(...rates.slice(rates.length / 2))).toBeGreaterThanOrEqual(25);
  });

  it('rides out a two-second slowdown, steps down on a longer one, and climbs back at once', () => {
    const g = new FpsGovernor(0);
    drive(g, 0, 4000, () => 15);
    // Another process's warm-up: 45 ms frames (22 fps) for two seconds.
    const during = drive(g, 4000, 6000, () => 45);
    const after = drive(g, 6000, 10_000, () => 15);
    expect(Math.min(...during, ...after)).toBe(30);
    // Sustained: 60 ms frames for eight seconds, then cheap frames again.
    const slow = drive(g, 10_000, 18_000, () => 60);
    expect(slow[slow.length - 1]).toBeLessThanOrEqual(15);
    drive(g, 18_000, 22_100, () => 15);
    expect(g.fps).toBe(25);
  });

  it('never goes below the floor, however slow', () => {
    const g = new FpsGovernor(0);
    const rates = drive(g, 0, 30_000, () => 900);
    expect(Math.min(...rates)).toBe(FPS_LADDER[FPS_LADDER.length - 1]);
  });
});

describe('FrameLoop under load', () => {
  it('a slow processor gets a lower rate and the loop says server busy', async () => {
    const slow: FrameProcessor = {
      name: 'slow',
      update: () => undefined,
      async process(frame: I420Frame): Promise<ProcessResult> {
        await new Promise((r) => setTimeout(r, 120));
        return { frame, state: 'ok' };
      },
      close: () => undefined,
    };
    const settings: AgentSettings = { mode: 'eyes', identityId: null };
    const loop = new FrameLoop({ processor: slow, settings, output: () => undefined });
    for (let i = 0; i < 25 * 5; i++) {
      loop.push(syntheticFrame(32, 32, i));
      await new Promise((r) => setTimeout(r, 40));
    }
    const s = loop.stats();
    loop.stop();
    expect(s.maxFps).toBeLessThanOrEqual(10);
    expect(s.state).toBe('busy');
    expect(s.message).toMatch(/server busy/);
    expect(loop.progress().processed).toBeGreaterThan(20);
    expect(loop.progress().framesIn).toBe(125);
  }, 20_000);
});
