// The call cases every SFU backend must pass: two and three headless participants over loopback WebRTC
// (synthetic moving pattern). call.test.ts runs them on werift, janus-call.test.ts on Janus.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HeadlessCamera } from '../../src/probe/camera.ts';
import { FrameCollector } from '../../src/probe/receiver.ts';
import type { App } from '../../src/server/app.ts';
import type { HeadlessClient } from '../../src/signaling/headless-client.ts';
import type { ParticipantLeftPush } from '../../src/signaling/protocol.ts';
import { expectStampsInOrder, joinAs, nextEvent } from './helpers.ts';

export interface CallBackend {
  name: string;
  /** Starts a call server on this backend. */
  start(): Promise<App>;
  /** Ends what start began, after the app closed (e.g. waits for the backend's own cleanup). */
  stop?(app: App): Promise<void>;
}

export function callCases(backend: CallBackend): void {
  let app: App;
  const cleanup: Array<() => void> = [];

  beforeAll(async () => {
    app = await backend.start();
  }, 30_000);
  afterAll(async () => {
    for (const f of cleanup.reverse()) f();
    await app?.close();
    if (app) await backend.stop?.(app);
  });

  function track<T extends { close?: () => void; stop?: () => void }>(x: T): T {
    cleanup.push(() => (x.stop ? x.stop() : x.close?.()));
    return x;
  }

  describe(`call through the SFU (${backend.name})`, () => {
    let a: { client: HeadlessClient; id: string };
    let b: { client: HeadlessClient; id: string };
    let cam: HeadlessCamera;

    it('B receives the frames A publishes, in order and undamaged', async () => {
      a = await joinAs(app, 'call', 'A');
      b = await joinAs(app, 'call', 'B');
      track(a.client);
      track(b.client);
      cam = track(new HeadlessCamera({ stamp: true, audio: true }));
      cam.start();
      await a.client.publish(cam.tracks());
      const video = await b.client.waitForTrack(a.id, 'video');
      const audio = await b.client.waitForTrack(a.id, 'audio');
      expect(audio.kind).toBe('audio');
      const frames = track(new FrameCollector(video, true));
      await expectStampsInOrder(frames, 40, 30);
      expect(frames.last?.width).toBe(512);
      const stats = app.signaling.stats();
      const room = stats.rooms.find((r) => r.name === 'call');
      expect(room?.participants.find((p) => p.id === a.id)?.publishing).toEqual({ audio: true, video: true });
    });

    it('a late joiner receives what is already published', async () => {
      const c = await joinAs(app, 'call', 'C');
      track(c.client);
      expect(c.participants.map((p) => p.displayName).sort()).toEqual(['A', 'B', 'C']);
      const video = await c.client.waitForTrack(a.id, 'video');
      const frames = track(new FrameCollector(video, true));
      await frames.waitFrames(20);
      expect(frames.frames.some((f) => f.stamp !== null)).toBe(true);
      c.client.close();
      const left = await nextEvent<ParticipantLeftPush>(b.client, 'left', (m) => m.participantId === c.id);
      expect(left.reason).toBe('disconnected');
    });

    it('A leaves: B is told, and the room goes when the last one leaves', async () => {
      const told = nextEvent<ParticipantLeftPush>(b.client, 'left', (m) => m.participantId === a.id);
      cam.stop();
      await a.client.leave();
      expect((await told).reason).toBe('left');
      expect(
        app.signaling
          .stats()
          .rooms.find((r) => r.name === 'call')
          ?.participants.map((p) => p.displayName),
      ).toEqual(['B']);
      await b.client.leave();
      expect(app.signaling.stats().rooms.find((r) => r.name === 'call')).toBeUndefined();
      expect(app.sfu.getRoom('call')).toBeUndefined();
    });
  });
}
