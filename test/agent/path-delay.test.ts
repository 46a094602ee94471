import { describe, expect, it } from 'vitest';
import { AUDIO_TRAIL_MS, lipSyncDelayMs, PathDelayMeter } from '../../src/inference/agent/path-delay.ts';

/** libwebrtc-style cumulative stats after `n` frames/packets with the given per-item times (seconds). */
function stats(n: number, per: { vJb: number; dec: number; enc: number; send: number; aJb: number }) {
  const inbound = [
    {
      type: 'inbound-rtp',
      kind: 'video',
      jitterBufferDelay: n * per.vJb,
      jitterBufferEmittedCount: n,
      totalDecodeTime: n * per.dec,
      framesDecoded: n,
    },
    {
      type: 'inbound-rtp',
      kind: 'audio',
      jitterBufferDelay: n * 10 * per.aJb,
      jitterBufferEmittedCount: n * 10,
    },
  ];
  const outbound = [
    {
      type: 'outbound-rtp',
      kind: 'video',
      totalEncodeTime: n * per.enc,
      framesEncoded: n,
      totalPacketSendDelay: n * per.send,
      packetsSent: n,
    },
  ];
  return { inbound, outbound };
}

describe('PathDelayMeter', () => {
  it('needs two snapshots, then gives decode + encode + pacing and the audio-over-video buffer lag', () => {
    const m = new PathDelayMeter();
    const per = { vJb: 0.035, dec: 0.001, enc: 0.003, send: 0.012, aJb: 0.06 };
    const a = stats(100, per);
    expect(m.update(a.inbound, a.outbound)).toBeNull();
    const b = stats(125, per);
    const d = m.update(b.inbound, b.outbound);
    expect(d?.videoMs).toBeCloseTo(16, 6); // 1 + 3 + 12 ms; the jitter buffer is on the raw path too
    expect(d?.audioLagMs).toBeCloseTo(25, 6); // 60 - 35 ms
  });

  it('smooths: a one-interval spike moves the estimate by 30% of the jump', () => {
    const m = new PathDelayMeter();
    const base = { vJb: 0.03, dec: 0.001, enc: 0.002, send: 0.01, aJb: 0.03 };
    let s = stats(0, base);
    m.update(s.inbound, s.outbound);
    s = stats(25, base);
    const first = m.update(s.inbound, s.outbound);
    // 25 more frames with encode at 102 ms instead of 2 ms: the interval mean rises by 100 ms.
    const spike = stats(50, base);
    (spike.outbound[0] as { totalEncodeTime: number }).totalEncodeTime += 25 * 0.1;
    const second = m.update(spike.inbound, spike.outbound);
    expect((second?.videoMs ?? 0) - (first?.videoMs ?? 0)).toBeCloseTo(30, 6);
  });
});

describe('lipSyncDelayMs', () => {
  it('delays audio by the video extra delay less the natural audio lag and the trailing margin', () => {
    expect(lipSyncDelayMs(120, 30)).toBe(120 - 30 - AUDIO_TRAIL_MS);
    expect(lipSyncDelayMs(40, 25)).toBe(0); // small agent delays leave the audio path alone
    expect(lipSyncDelayMs(80, -50)).toBe(80 - AUDIO_TRAIL_MS); // a negative lag is no lag
  });

  it('is 0 for unusable numbers', () => {
    expect(lipSyncDelayMs(Number.NaN, 10)).toBe(0);
    expect(lipSyncDelayMs(100, Number.NaN)).toBe(100 - AUDIO_TRAIL_MS);
  });
});
