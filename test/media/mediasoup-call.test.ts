// The call through the mediasoup backend (SFU=mediasoup): the call server driving mediasoup workers, headless
// libwebrtc participants. The shared call cases (call-cases.ts), then what is mediasoup's own: a route shows
// a third peer's video on the same receiver track (a consumer swap, same m-line) and holds the participant's
// audio back by the reported delay (the lip-sync relay) while a raw subscription keeps the camera; packet
// counts reach /stats; a worker killed mid-call closes its rooms, tells the users, and the next join works.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { MediasoupSfu } from '../../src/media/mediasoup/sfu.ts';
import { HeadlessCamera } from '../../src/probe/camera.ts';
import { FrameCollector } from '../../src/probe/receiver.ts';
import type { App } from '../../src/server/app.ts';
import type { HeadlessClient } from '../../src/signaling/headless-client.ts';
import type { ParticipantLeftPush, ServerErrorPush } from '../../src/signaling/protocol.ts';
import { callCases } from './call-cases.ts';
import { expectStampsInOrder, joinAs, nextEvent, until } from './helpers.ts';
import { mediasoupSkip, startMediasoupServer } from './mediasoup-helpers.ts';

const skip = mediasoupSkip('the mediasoup call tests');

describe.skipIf(skip !== null)('mediasoup backend', () => {
  describe('shared call cases', () => {
    callCases({ name: 'mediasoup', start: () => startMediasoupServer() });
  });

  describe('routes, lip-sync delay, raw subscriptions, stats, worker death', () => {
    let app: App;
    const cleanup: Array<() => void> = [];
    const keep = <T extends { close?: () => void; stop?: () => void }>(x: T): T => {
      cleanup.push(() => (x.stop ? x.stop() : x.close?.()));
      return x;
    };

    beforeAll(async () => {
      app = await startMediasoupServer();
    }, 30_000);
    afterAll(async () => {
      for (const f of cleanup.reverse()) f();
      await app?.close();
    });

    let a: { client: HeadlessClient; id: string };
    let b: { client: HeadlessClient; id: string };
    let c: { client: HeadlessClient; id: string };
    it('A and B publish and each receives the other, in order; packet counts reach /stats', async () => {
      expect(app.sfu.constructor.name).toBe('MediasoupSfu');
      a = await joinAs(app, 'mcall', 'A');
      b = await joinAs(app, 'mcall', 'B');
      keep(a.client);
      keep(b.client);
      const camA = keep(new HeadlessCamera({ stamp: true, audio: true }));
      const camB = keep(new HeadlessCamera({ stamp: true, audio: true }));
      camA.start();
      camB.start();
      await Promise.all([a.client.publish(camA.tracks()), b.client.publish(camB.tracks())]);
      for (const [rx, tx] of [
        [b, a],
        [a, b],
      ] as const) {
        const video = await rx.client.waitForTrack(tx.id, 'video');
        expect((await rx.client.waitForTrack(tx.id, 'audio')).kind).toBe('audio');
        const frames = keep(new FrameCollector(video, true));
        await expectStampsInOrder(frames, 30, 20);
        expect(frames.last?.width).toBe(512);
      }
      const room = app.sfu.getRoom('mcall');
      const peerA = room?.getPeer(a.id);
      await until(() => (peerA?.stats().packetsIn.video ?? 0) > 50, "A's video packets counted");
      await until(() => (room?.getPeer(b.id)?.stats().packetsOut ?? 0) > 50, 'packets sent to B counted');
      expect(peerA?.stats().packetsIn.audio).toBeGreaterThan(0);
    }, 60_000);

    it("a route shows C's video on B's track for A, holds A's audio back, and a raw subscription keeps A's camera", async () => {
      c = await joinAs(app, 'mcall', 'C');
      keep(c.client);
      const camC = keep(new HeadlessCamera({ width: 320, height: 240 }));
      camC.start();
      await c.client.publish(camC.tracks());
      const room = app.sfu.getRoom('mcall');
      if (!room) throw new Error('no room');
      await until(() => room.getPeer(c.id)?.publishing().video === true, "C's producer");
      const aTrack = await b.client.waitForTrack(a.id, 'video');
      const frames = keep(new FrameCollector(aTrack));
      await frames.waitFrames(5);
      const switched = new Promise<[string, string]>((resolve) =>
        room.on('sourcechange', (pid, src) => resolve([pid, src])),
      );
      room.setRoute(a.id, c.id);
      expect(await switched).toEqual([a.id, c.id]);
      expect(room.currentSource(a.id)).toBe(c.id);
      await until(() => frames.last?.width === 320, "C's frames on A's track", 15_000);
      // The same receiver track on B: the consumer was swapped on the same m-line.
      expect(b.client.remote.get(a.id)?.video).toBe(aTrack);
      // Lip sync: A's audio to B goes through the relay, held back by what the agent would report.
      room.setAudioDelay(a.id, 120);
      await until(() => room.audioDelay(a.id) >= 110, "A's audio delay to ramp up", 15_000);
      expect(room.audioDelay(a.id)).toBeLessThanOrEqual(120);
      // C (standing in for A's agent) subscribes to A raw: A's camera, while B keeps C's picture.
      room.getPeer(c.id)?.subscribe(a.id, { raw: true });
      const raw = keep(new FrameCollector(await c.client.waitForTrack(a.id, 'video')));
      await raw.waitFrames(10);
      expect(raw.last?.width).toBe(512);
      await frames.waitFrames(10);
      expect(frames.last?.width).toBe(320);
      room.setRoute(a.id, null);
      expect(room.currentSource(a.id)).toBe(a.id);
      await until(() => frames.last?.width === 512, "A's own frames again", 15_000);
      await until(() => room.audioDelay(a.id) === 0, 'the audio delay back to 0', 15_000);
      expect(b.client.remote.get(a.id)?.video).toBe(aTrack);
    }, 90_000);

    it('a killed worker closes the room: users are told to join again, and joining again works', async () => {
      const sfu = app.sfu as MediasoupSfu;
      const room = sfu.getRoom('mcall');
      if (!room) throw new Error('no room');
      const worker = await sfu.workerOf(room)?.worker;
      if (!worker) throw new Error('no worker');
      const told = nextEvent<ServerErrorPush>(
        b.client,
        'servererror',
        (e) => e.code === 'NEGOTIATION_FAILED',
      );
      process.kill(worker.pid, 'SIGKILL');
      expect((await told).message).toMatch(/join again/);
      await until(() => sfu.getRoom('mcall') === undefined, 'the room to close');
      const d = await joinAs(app, 'mcall2', 'D');
      const e = await joinAs(app, 'mcall2', 'E');
      keep(d.client);
      keep(e.client);
      const cam = keep(new HeadlessCamera({ stamp: true }));
      cam.start();
      await d.client.publish(cam.tracks());
      const frames = keep(new FrameCollector(await e.client.waitForTrack(d.id, 'video'), true));
      await expectStampsInOrder(frames, 20, 10);
      const left = nextEvent<ParticipantLeftPush>(e.client, 'left', (m) => m.participantId === d.id);
      await d.client.leave();
      expect((await left).reason).toBe('left');
    }, 90_000);
  });
});
