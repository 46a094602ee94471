// The watchdog's and the camera check's decisions on a given clock: slow is not hung, a stopped process is, and
// a stall of this process itself (its timers late, the beats and packets still queued) is no evidence.
import { describe, expect, it } from 'vitest';
import { AgentWatchdog } from '../../src/signaling/agent-watchdog.ts';
import { CameraLiveness } from '../../src/signaling/camera-liveness.ts';
import { FakeRoom } from './fakes.ts';

const limits = { silentMs: 800, stuckMs: 10_000, startMs: 30_000 };
const beat = (n: number) => ({ framesIn: n, processed: n, framesOut: n });

describe('AgentWatchdog', () => {
  it('beating and progressing: alive however late its video; silent and stopped: replaced', () => {
    const dog = new AgentWatchdog(limits, 0);
    let t = 0;
    for (; t < 5000; t += 100) {
      dog.beat(beat(t), t);
      // Video only every 2 s: slow, not hung.
      expect(dog.check(Math.floor(t / 2000), t, t, 'alive')).toBeNull();
    }
    // Beats stop; the OS says stopped: replaced after silentMs.
    let why: string | null = null;
    for (; t < 7000 && !why; t += 100) why = dog.check(2, t, t, 'stopped');
    expect(why).toMatch(/no heartbeat .*process stopped/);
    expect(t).toBeLessThan(4900 + 800 + 300);
  });

  it('a stall of this process is no evidence: the clocks restart after it', () => {
    const dog = new AgentWatchdog(limits, 0);
    dog.beat(beat(1), 0);
    expect(dog.check(1, 1, 100, 'stopped')).toBeNull();
    // The next check comes 5 s late (this event loop was blocked): nothing is decided from the gap.
    expect(dog.check(1, 1, 5100, 'stopped')).toBeNull();
    expect(dog.check(1, 1, 5200, 'stopped')).toBeNull();
  });

  it('beats with frames arriving but none finished for stuckMs: stuck', () => {
    const dog = new AgentWatchdog(limits, 0);
    let why: string | null = null;
    for (let t = 0; t < 12_000 && !why; t += 100) {
      dog.beat({ framesIn: t, processed: 1, framesOut: 1 }, t);
      why = dog.check(t, t, t, 'alive');
    }
    expect(why).toMatch(/made no progress/);
  });
});

describe('CameraLiveness', () => {
  it('live while packets move, not after idleMs without; a stall of this process resets the clock', () => {
    const room = new FakeRoom('r');
    const peer = room.createPeer('u');
    const cam = new CameraLiveness(() => room, 'u', 1000);
    expect(cam.live(0)).toBe(false); // publishes nothing
    peer.produce('video');
    expect(cam.live(10)).toBe(true); // publishing, no packet counted yet
    peer.packets.video = 5;
    for (let t = 100; t <= 1000; t += 250) expect(cam.live(t)).toBe(true);
    expect(cam.live(1300)).toBe(false); // no packet since t = 100
    // Looked at again only after 5 s (this process stalled): measured from now, not from the last packet.
    expect(cam.live(6300)).toBe(true);
    expect(cam.live(7500)).toBe(false);
  });
});
