// The SFU's lip-sync delay for a participant's audio: ramped, ordered, never early.

import { describe, expect, it } from 'vitest';
import { RtpHeader, RtpPacket } from 'werift';
import { MAX_AUDIO_DELAY_MS, RtpDelayQueue } from '../../src/media/werift/delay-queue.ts';
import { until } from './helpers.ts';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const packet = (seq: number) =>
  new RtpPacket(
    new RtpHeader({ sequenceNumber: seq, timestamp: seq * 960, payloadType: 111 }),
    Buffer.from([seq & 255]),
  );

describe('RtpDelayQueue', () => {
  it('passes packets straight through at zero delay', () => {
    const out: number[] = [];
    const q = new RtpDelayQueue((p) => out.push(p.header.sequenceNumber));
    q.push(packet(1));
    expect(out).toEqual([1]);
    q.close();
  });

  it('ramps to the set delay, keeps order, and never releases a packet early', async () => {
    const out: Array<{ seq: number; at: number }> = [];
    const pushedAt = new Map<number, number>();
    const q = new RtpDelayQueue((p) => out.push({ seq: p.header.sequenceNumber, at: performance.now() }));
    q.setDelay(40);
    for (let i = 1; i <= 40; i++) {
      pushedAt.set(i, performance.now());
      q.push(packet(i));
      await sleep(5);
    }
    await until(() => out.length === 40, 'all packets');
    expect(out.map((o) => o.seq)).toEqual(Array.from({ length: 40 }, (_, i) => i + 1));
    expect(q.delayMs).toBe(40); // 2 ms per packet: reached after 20 packets
    for (const o of out.slice(20)) expect(o.at - (pushedAt.get(o.seq) as number)).toBeGreaterThanOrEqual(39);
    // Back to zero: ramps down, then passes through again.
    q.setDelay(0);
    for (let i = 41; i <= 70; i++) q.push(packet(i));
    await until(() => out.length === 70, 'the ramp down');
    expect(q.delayMs).toBe(0);
    q.push(packet(71));
    expect(out.at(-1)?.seq).toBe(71);
    q.setDelay(1e9);
    q.push(packet(72));
    expect(q.delayMs).toBeLessThanOrEqual(MAX_AUDIO_DELAY_MS);
    q.close();
  });

  it('ignores target changes under 10 ms (each change is jitter to the receiver), but always honours 0', () => {
    const q = new RtpDelayQueue(() => {});
    q.setDelay(50);
    expect(q.targetMs).toBe(50);
    q.setDelay(56);
    expect(q.targetMs).toBe(50);
    q.setDelay(39);
    expect(q.targetMs).toBe(39);
    q.setDelay(5);
    expect(q.targetMs).toBe(5);
    q.setDelay(0);
    expect(q.targetMs).toBe(0);
    q.setDelay(Number.NaN);
    expect(q.targetMs).toBe(0);
    q.close();
  });
});
