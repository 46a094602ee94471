// The SFU's ICE addresses with ANNOUNCED_IP and RTC_MIN_PORT/RTC_MAX_PORT: its candidates (as a libwebrtc peer
// sees them) lead with the announced address, every port lies in the range, and the call still connects through
// this machine's own address (what agents and LAN peers use).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HeadlessCamera } from '../../src/probe/camera.ts';
import { FrameCollector } from '../../src/probe/receiver.ts';
import { type App, startApp } from '../../src/server/app.ts';
import { HeadlessClient } from '../../src/signaling/headless-client.ts';

const ANNOUNCED = '203.0.113.5';
const RANGE: [number, number] = [45000 + Math.floor(Math.random() * 50) * 20, 0];
RANGE[1] = RANGE[0] + 99;

describe('SFU ICE addresses and ports', () => {
  let app: App;
  const saved = { ...process.env };
  const closers: Array<() => void> = [];

  beforeAll(async () => {
    process.env.ANNOUNCED_IP = ANNOUNCED;
    process.env.RTC_MIN_PORT = String(RANGE[0]);
    process.env.RTC_MAX_PORT = String(RANGE[1]);
    app = await startApp({ port: 0, host: '127.0.0.1' });
  });

  afterAll(async () => {
    for (const c of closers.reverse()) c();
    process.env = saved;
    await app?.close();
  });

  it('announces ANNOUNCED_IP, uses ports in range, and connects through a local address', async () => {
    const a = await HeadlessClient.connect(app.url);
    closers.push(() => a.close());
    const b = await HeadlessClient.connect(app.url);
    closers.push(() => b.close());
    const aId = (await a.join({ room: 'ice-net', displayName: 'A' })).participantId;
    await b.join({ room: 'ice-net', displayName: 'B' });
    const cam = new HeadlessCamera({ stamp: true });
    closers.push(() => cam.stop());
    cam.start();
    await a.publish(cam.tracks());
    const frames = new FrameCollector(await b.waitForTrack(aId, 'video'), true);
    closers.push(() => frames.stop());
    await frames.waitFrames(10);

    const stats = await a.getStats('publish');
    const remote = stats.filter((s) => s.type === 'remote-candidate');
    const summary = remote.map((c) => `${c.candidateType} ${c.address}:${c.port}`);
    console.log(JSON.stringify({ test: 'ice-network', range: RANGE, sfuCandidates: summary }));
    expect(remote.some((c) => c.address === ANNOUNCED)).toBe(true);
    for (const c of remote) {
      expect(Number(c.port)).toBeGreaterThanOrEqual(RANGE[0]);
      expect(Number(c.port)).toBeLessThanOrEqual(RANGE[1]);
    }
    const pair = stats.find((s) => s.type === 'candidate-pair' && s.state === 'succeeded' && s.nominated);
    const used = remote.find((c) => c.id === pair?.remoteCandidateId);
    expect(used?.address).not.toBe(ANNOUNCED);
  });
});
