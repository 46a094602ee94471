// The close cases (close-cases.ts) on the mediasoup backend, then what closing does inside mediasoup (its own
// `close` observer events): a peer's close takes its transports and producers (and the consumers others had of
// them), a room's close its router, the SFU's close its workers; a worker that dies closes its rooms and
// peers and is replaced. And the backend choice: SFU=auto, SFU=mediasoup without a worker.
import wrtc from '@roamhq/wrtc';
import type { types } from 'mediasoup';
import { afterEach, describe, expect, it } from 'vitest';
import { autoBackend, createSfu } from '../../src/media/index.ts';
import { MediasoupSfu } from '../../src/media/mediasoup/sfu.ts';
import { WeriftSfu } from '../../src/media/werift/sfu.ts';
import { HeadlessCamera } from '../../src/probe/camera.ts';
import { closeCases } from './close-cases.ts';
import { until } from './helpers.ts';
import { mediasoupSkip } from './mediasoup-helpers.ts';

const skip = mediasoupSkip('the mediasoup close tests');

const cleanup: Array<() => void> = [];
afterEach(() => {
  for (const f of cleanup.splice(0).reverse()) f();
});

/** A libwebrtc publisher's offer (Opus + VP8 from a synthetic camera). */
async function publishOffer(): Promise<{ pc: RTCPeerConnection; sdp: string }> {
  const pc = new wrtc.RTCPeerConnection({ iceServers: [] }) as RTCPeerConnection;
  const cam = new HeadlessCamera({ audio: true });
  cam.start();
  cleanup.push(
    () => pc.close(),
    () => cam.stop(),
  );
  for (const t of cam.tracks()) pc.addTransceiver(t, { direction: 'sendonly' });
  const offer = await pc.createOffer();
  await pc.setLocalDescription(offer);
  return { pc, sdp: offer.sdp ?? '' };
}

describe.skipIf(skip !== null)('mediasoup backend close', () => {
  describe('shared close cases', () => {
    closeCases({ name: 'mediasoup', createSfu: () => new MediasoupSfu({}, { workers: 1 }) });
  });

  it("peer, room and SFU close take mediasoup's transports, producers, consumers, router and workers", async () => {
    const sfu = new MediasoupSfu({}, { workers: 2 });
    const room = sfu.createRoom('r');
    const router = await room.router;
    const closed: string[] = [];
    const transports: types.Transport[] = [];
    router.observer.on('close', () => closed.push('router'));
    router.observer.on('newtransport', (t) => {
      transports.push(t);
      t.observer.on('close', () => closed.push(`transport:${t.appData.peerId}:${t.appData.role}`));
      t.observer.on('newproducer', (p) => p.observer.on('close', () => closed.push(`producer:${p.kind}`)));
      t.observer.on('newconsumer', (c) => c.observer.on('close', () => closed.push(`consumer:${c.kind}`)));
    });
    const a = room.createPeer('a');
    const b = room.createPeer('b');
    // B answers its subscribe offers as a libwebrtc client would.
    const bpc = new wrtc.RTCPeerConnection({ iceServers: [] }) as RTCPeerConnection;
    cleanup.push(() => bpc.close());
    b.setSubscribeOfferHandler(async ({ offer }) => {
      await bpc.setRemoteDescription(offer);
      const answer = await bpc.createAnswer();
      await bpc.setLocalDescription(answer);
      return { type: 'answer', sdp: answer.sdp ?? '' };
    });
    b.subscribe('a');
    const { pc, sdp } = await publishOffer();
    const answer = await a.publish({ type: 'offer', sdp });
    await pc.setRemoteDescription(answer);
    expect(a.publishing()).toEqual({ audio: true, video: true });
    await until(() => b.subscribeSlots() === 2, "B's two consumers of A");
    await until(() => bpc.getTransceivers().length === 2, "B's offer answered");

    a.close();
    a.close();
    await until(
      () => closed.filter((c) => c.startsWith('consumer:')).length === 2,
      "B's consumers of A to close",
    );
    expect(closed).toEqual(
      expect.arrayContaining(['transport:a:publish', 'producer:audio', 'producer:video', 'consumer:audio']),
    );
    expect(closed).not.toContain('transport:b:subscribe');
    expect(b.closed).toBe(false);

    const workers = await sfu.pool.workers();
    expect(workers).toHaveLength(2);
    const workerCloses = { n: 0 };
    for (const w of workers) w.observer.on('close', () => workerCloses.n++);
    room.close();
    await until(() => closed.includes('router'), 'the router to close');
    expect(closed).toContain('transport:b:subscribe');
    expect(transports.every((t) => t.closed)).toBe(true);
    sfu.close();
    sfu.close();
    await until(() => workerCloses.n === 2, 'both workers to close');
  });

  it('rooms are spread over the workers, the emptiest first', async () => {
    const sfu = new MediasoupSfu({}, { workers: 2 });
    cleanup.push(() => sfu.close());
    const rooms = ['r0', 'r1', 'r2', 'r3'].map((id) => sfu.createRoom(id));
    const slots = rooms.map((r) => sfu.workerOf(r)?.index);
    expect(slots.filter((i) => i === 0)).toHaveLength(2);
    expect(slots.filter((i) => i === 1)).toHaveLength(2);
    const pids = new Set(await Promise.all(rooms.map(async (r) => (await sfu.workerOf(r)?.worker)?.pid)));
    expect(pids.size).toBe(2);
    for (const r of rooms) expect((await r.router).closed).toBe(false);
    rooms[0].close();
    // The next room goes where a place came free.
    expect(sfu.workerOf(sfu.createRoom('r4'))?.index).toBe(slots[0]);
  });

  it('a worker that dies closes its rooms and peers (once), and a fresh worker takes the next room', async () => {
    const sfu = new MediasoupSfu({}, { workers: 1 });
    cleanup.push(() => sfu.close());
    const room = sfu.createRoom('doomed');
    await room.router;
    const peer = room.createPeer('p');
    const events: string[] = [];
    peer.on('close', () => events.push('peer'));
    room.on('close', () => events.push('room'));
    sfu.on('roomclose', (r) => events.push(`sfu:roomclose:${r.id}`));
    const [pid] = await sfu.pool.pids();
    process.kill(pid, 'SIGKILL');
    await until(() => events.length === 3, 'the room to close after the worker died');
    expect(events.sort()).toEqual(['peer', 'room', 'sfu:roomclose:doomed']);
    expect(sfu.getRoom('doomed')).toBeUndefined();
    const next = sfu.createRoom('next');
    const router = await next.router;
    expect(router.closed).toBe(false);
    expect((await sfu.pool.pids())[0]).not.toBe(pid);
  });
});

describe('SFU backend choice with mediasoup', () => {
  const saved = { SFU: process.env.SFU, BIN: process.env.MEDIASOUP_WORKER_BIN };
  afterEach(() => {
    for (const [k, v] of [
      ['SFU', saved.SFU],
      ['MEDIASOUP_WORKER_BIN', saved.BIN],
    ] as const) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
  });

  it('without a worker binary: SFU=auto is werift (saying why), SFU=mediasoup is CONFIG_INVALID', () => {
    process.env.MEDIASOUP_WORKER_BIN = '/nonexistent/mediasoup-worker';
    expect(autoBackend()).toMatchObject({
      backend: 'werift',
      why: expect.stringContaining('build:mediasoup'),
    });
    process.env.SFU = 'auto';
    const sfu = createSfu();
    expect(sfu).toBeInstanceOf(WeriftSfu);
    sfu.close();
    process.env.SFU = 'mediasoup';
    expect(() => createSfu()).toThrow(expect.objectContaining({ code: 'CONFIG_INVALID' }));
  });

  it.skipIf(skip !== null)('with the worker built: SFU=auto is mediasoup', () => {
    process.env.SFU = 'auto';
    const sfu = createSfu();
    expect(sfu).toBeInstanceOf(MediasoupSfu);
    sfu.close();
  });
});
