// The call through the Janus backend (SFU=janus): a private Janus on loopback, the call server driving it, and
// headless libwebrtc participants. The shared call cases (call-cases.ts), then what is Janus's own: two
// publish and see each other; a route shows a third peer's video in place of a participant's camera (Janus
// `switch`) while a raw subscription keeps the camera; closing a peer takes its feed out of the VideoRoom and
// closing the room destroys the VideoRoom.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type JanusProcess, janusUnavailable, launchJanus } from '../../src/media/janus/launch.ts';
import { HeadlessCamera } from '../../src/probe/camera.ts';
import { FrameCollector } from '../../src/probe/receiver.ts';
import type { App } from '../../src/server/app.ts';
import type { HeadlessClient } from '../../src/signaling/headless-client.ts';
import type { ParticipantLeftPush } from '../../src/signaling/protocol.ts';
import { callCases } from './call-cases.ts';
import { expectStampsInOrder, joinAs, nextEvent, until } from './helpers.ts';
import { JanusProbe, janusSettled, startJanusServer } from './janus-helpers.ts';

const unavailable = janusUnavailable();
if (unavailable) console.warn(`skipping the Janus call tests: ${unavailable}`);

describe.skipIf(unavailable !== null)('Janus backend', () => {
  let janus: JanusProcess;
  beforeAll(async () => {
    janus = await launchJanus();
  }, 30_000);
  afterAll(async () => {
    await janus?.close();
  });

  // Janus is a second process on this 2-core machine; under load a shared case (a track added later) has missed
  // its window now and then (about 1 run in 15 here), so each of these independent cases gets two more tries; a
  // real failure fails all three. The flake is named in the README's limits.
  describe('shared call cases', { retry: 2 }, () => {
    callCases({ name: 'janus', start: () => startJanusServer(janus.url), stop: janusSettled });
  });

  describe('routes, raw subscriptions, close', () => {
    let app: App;
    let probe: JanusProbe;
    const cleanup: Array<() => void> = [];
    const keep = <T extends { close?: () => void; stop?: () => void }>(x: T): T => {
      cleanup.push(() => (x.stop ? x.stop() : x.close?.()));
      return x;
    };

    beforeAll(async () => {
      app = await startJanusServer(janus.url);
      probe = await JanusProbe.open(janus.url);
    }, 30_000);

    afterAll(async () => {
      for (const f of cleanup.reverse()) f();
      await app?.close();
      if (app) await janusSettled(app);
      await probe?.close();
    });

    let a: { client: HeadlessClient; id: string };
    let b: { client: HeadlessClient; id: string };
    let c: { client: HeadlessClient; id: string };
    it('A and B publish and each receives the other, in order', async () => {
      expect(app.sfu.constructor.name).toBe('JanusSfu');
      a = await joinAs(app, 'jcall', 'A');
      b = await joinAs(app, 'jcall', 'B');
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
      const room = app.signaling.stats().rooms.find((r) => r.name === 'jcall');
      expect(room?.participants.find((p) => p.id === a.id)?.publishing).toEqual({ audio: true, video: true });
    }, 60_000);

    it('renegotiate: Janus sends a fresh offer (ICE restart) and media keeps flowing', async () => {
      const room = app.sfu.getRoom('jcall');
      if (!room) throw new Error('no room');
      let offers = 0;
      b.client.socket.on('subscribe:offer', () => offers++);
      const frames = keep(new FrameCollector(await b.client.waitForTrack(a.id, 'video')));
      await frames.waitFrames(5);
      room.getPeer(b.id)?.renegotiate();
      await until(() => offers > 0, 'a fresh subscribe offer');
      await frames.waitFrames(20);
    }, 60_000);

    it("a route shows C's video in place of A's camera without renegotiation, and back", async () => {
      c = await joinAs(app, 'jcall', 'C');
      keep(c.client);
      const camC = keep(new HeadlessCamera({ width: 320, height: 240 }));
      camC.start();
      await c.client.publish(camC.tracks());
      const room = app.sfu.getRoom('jcall');
      if (!room) throw new Error('no room');
      await until(() => room.getPeer(c.id)?.publishing().video === true, "C's feed announced");
      const aTrack = await b.client.waitForTrack(a.id, 'video');
      const frames = keep(new FrameCollector(aTrack));
      await frames.waitFrames(5);
      const switched = new Promise<[string, string]>((resolve) =>
        room.on('sourcechange', (pid, src) => resolve([pid, src])),
      );
      room.setRoute(a.id, c.id);
      expect(await switched).toEqual([a.id, c.id]);
      expect(room.currentSource(a.id)).toBe(c.id);
      // Same track on B (no new transceiver), now carrying C's 320x240 picture.
      await until(() => frames.last?.width === 320, "C's frames on A's track", 15_000);
      expect(b.client.remote.get(a.id)?.video).toBe(aTrack);
      // Janus has no per-subscriber audio delay: accepted, reported as 0.
      room.setAudioDelay(a.id, 120);
      expect(room.audioDelay(a.id)).toBe(0);
      room.setRoute(a.id, null);
      await until(() => room.currentSource(a.id) === a.id, 'route back');
      await until(() => frames.last?.width === 512, "A's own frames again", 15_000);
    }, 60_000);

    it('a raw subscription keeps the camera while a route is set', async () => {
      const room = app.sfu.getRoom('jcall');
      if (!room) throw new Error('no room');
      room.setRoute(a.id, c.id);
      await until(() => room.currentSource(a.id) === c.id, 'route to C');
      // C (standing in for A's agent) subscribes to A raw: it gets A's camera, B keeps getting C's picture.
      room.getPeer(c.id)?.subscribe(a.id, { raw: true });
      const raw = keep(new FrameCollector(await c.client.waitForTrack(a.id, 'video')));
      await raw.waitFrames(10);
      expect(raw.last?.width).toBe(512);
      const routed = keep(new FrameCollector(await b.client.waitForTrack(a.id, 'video')));
      await routed.waitFrames(10);
      expect(routed.last?.width).toBe(320);
      room.setRoute(a.id, null);
      await until(() => room.currentSource(a.id) === a.id, 'route back');
    }, 60_000);

    // The case that missed its window now and then under load (see the shared cases): D is closed however it ends,
    // so a retry starts from the same room.
    it('a publisher adds a track later (configure with a new offer); trickled candidates go to Janus', {
      retry: 2,
      timeout: 60_000,
    }, async () => {
      const d = await joinAs(app, 'jcall', 'D');
      keep(d.client);
      try {
        const room = app.sfu.getRoom('jcall');
        const peer = room?.getPeer(d.id);
        if (!room || !peer) throw new Error('no room');
        await expect(peer.addIceCandidate('publish', null)).rejects.toMatchObject({ code: 'BAD_REQUEST' });
        const cam = keep(new HeadlessCamera({ audio: true }));
        cam.start();
        await d.client.publish([cam.video]);
        await until(() => peer.publishing().video, "D's video announced");
        expect(peer.publishing().audio).toBe(false);
        const video = keep(new FrameCollector(await b.client.waitForTrack(d.id, 'video')));
        await video.waitFrames(5);
        // Adding the microphone renegotiates D's publisher; B gets the audio and the video keeps flowing.
        await d.client.publish([cam.audio as MediaStreamTrack]);
        await until(() => peer.publishing().audio, "D's audio announced");
        expect((await b.client.waitForTrack(d.id, 'audio')).kind).toBe('audio');
        await video.waitFrames(10);
        // A browser may trickle: Janus takes candidates and the end-of-candidates mark on the handle.
        const cand = 'candidate:1 1 udp 2122260223 127.0.0.1 9 typ host';
        await peer.addIceCandidate('publish', { candidate: cand, sdpMid: '0', sdpMLineIndex: 0 });
        await peer.addIceCandidate('publish', null);
        await peer.addIceCandidate('subscribe', null);
      } finally {
        d.client.close();
      }
      await nextEvent<ParticipantLeftPush>(b.client, 'left', (m) => m.participantId === d.id);
    });

    it('C leaves: its feed leaves the VideoRoom; the last one out destroys it', async () => {
      const room = app.sfu.getRoom('jcall');
      if (!room) throw new Error('no room');
      const vroom = await (room as unknown as { roomId: Promise<number> }).roomId;
      const feeds = async () => (await probe.participants(vroom)).map((p) => p.display).sort();
      expect(await feeds()).toEqual(expect.arrayContaining([a.id, b.id, c.id]));
      const told = nextEvent<ParticipantLeftPush>(b.client, 'left', (m) => m.participantId === c.id);
      await c.client.leave();
      expect((await told).reason).toBe('left');
      await janusSettled(app);
      expect(await feeds()).not.toContain(c.id);
      await a.client.leave();
      await b.client.leave();
      await until(() => app.sfu.getRoom('jcall') === undefined, 'the emptied room to close', 10_000);
      await janusSettled(app);
      expect(await probe.exists(vroom)).toBe(false);
    }, 60_000);
  });
});
