// Nobody listens unseen (issue 21 A). Every participant who can receive media is listed to every member under a
// name the server controls, with a role the server sets: a client that calls itself `feed:spy` is a person like
// any other (the web client used to hide such names while the server sent it everyone's audio), and a clean-feed
// viewer (join with `view`) is listed as one and gets only the participant it shows, nothing else. Real
// sockets, the real werift SFU, headless wrtc clients publishing real tracks.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HeadlessCamera } from '../../src/probe/camera.ts';
import { type App, startApp } from '../../src/server/app.ts';
import { HeadlessClient } from '../../src/signaling/headless-client.ts';
import type { Ack, Participant } from '../../src/signaling/protocol.ts';
import { nextEvent, until } from '../media/helpers.ts';

let app: App;
const cleanup: Array<() => void> = [];

async function connect(): Promise<HeadlessClient> {
  const c = await HeadlessClient.connect(app.url);
  cleanup.push(() => c.close());
  return c;
}
const ask = async (c: HeadlessClient, event: string, payload?: unknown) =>
  (await c.socket.timeout(5000).emitWithAck(event, payload)) as Ack<{ subscriptions?: string[] }>;
const code = (r: Ack) => (r.ok ? 'ok' : r.error.code);

beforeAll(async () => {
  app = await startApp({ port: 0, host: '127.0.0.1' });
});
afterAll(async () => {
  for (const f of cleanup.reverse()) f();
  await app?.close();
});

async function publishing(room: string, name: string) {
  const c = await connect();
  const { participantId } = await c.join({ room, displayName: name });
  const cam = new HeadlessCamera({ width: 160, height: 120, fps: 10, audio: true });
  cleanup.push(() => cam.stop());
  cam.start();
  await c.publish(cam.tracks());
  return { c, id: participantId };
}

describe('who can listen', () => {
  it('a client named feed:spy is listed to everyone as a person, under its name, and says so', async () => {
    const alice = await publishing('spy-room', 'alice');
    const joined = nextEvent<Participant>(alice.c, 'joined');
    const spy = await connect();
    const res = await spy.join({ room: 'spy-room', displayName: 'feed:spy' });
    const seen = await joined;
    expect(seen).toMatchObject({ id: res.participantId, displayName: 'feed:spy', role: 'user' });
    // It does receive alice's audio: that is why it must be shown.
    await spy.waitForTrack(alice.id, 'audio');
    // A later joiner sees it in the join answer too.
    const carol = await connect();
    const list = (await carol.join({ room: 'spy-room', displayName: 'carol' })).participants;
    expect(list.find((p) => p.id === res.participantId)?.role).toBe('user');
  });

  it('names are the server’s: invisible and control characters are removed, an empty name refused', async () => {
    const a = await connect();
    const res = await a.join({ room: 'names', displayName: '\u200b\u202eeve\u0007  smith\u2066' });
    expect(res.participants.find((p) => p.id === res.participantId)?.displayName).toBe('eve smith');
    const b = await connect();
    expect(code(await ask(b, 'join', { room: 'names', displayName: '\u200b\u200d\u2060' }))).toBe(
      'BAD_REQUEST',
    );
  });

  it('a clean-feed viewer is listed as one and gets only the participant it shows', async () => {
    const alice = await publishing('feed-room', 'alice');
    const bob = await publishing('feed-room', 'bob');
    const joined = nextEvent<Participant>(bob.c, 'joined');
    const viewer = await connect();
    const pushed: string[] = [];
    viewer.socket.onAny((event: string, payload: unknown) =>
      pushed.push(`${event} ${JSON.stringify(payload)}`),
    );
    const res = await viewer.join({
      room: 'feed-room',
      displayName: 'anything',
      view: { participant: 'alice' },
    });
    // Listed to the others as a viewer of alice, under the server's name.
    expect(await joined).toMatchObject({
      id: res.participantId,
      role: 'viewer',
      displayName: 'clean feed',
      viewing: alice.id,
    });
    // It learns of alice alone, and receives alice alone.
    expect(res.participants.map((p) => p.id)).toEqual([alice.id]);
    await viewer.waitForTrack(alice.id, 'video');
    await viewer.waitForTrack(alice.id, 'audio');
    expect(app.sfu.getRoom('feed-room')?.getPeer(res.participantId)?.subscriptions()).toEqual([alice.id]);
    // It may not ask for more, nor publish.
    expect(code(await ask(viewer, 'subscribe', { participantIds: [bob.id] }))).toBe('FORBIDDEN');
    expect(code(await ask(viewer, 'subscribe', { participantIds: 'all' }))).toBe('FORBIDDEN');
    expect(code(await ask(viewer, 'publish:offer', { offer: { type: 'offer', sdp: 'v=0\r\n' } }))).toBe(
      'FORBIDDEN',
    );
    expect(code(await ask(viewer, 'settings', { mode: 'eyes' }))).toBe('FORBIDDEN');
    // A later joiner is not added to it, and nothing it was sent names bob.
    const carol = await publishing('feed-room', 'carol');
    await until(() => (bob.c.remote.get(carol.id)?.video ?? null) !== null, 'bob to receive carol');
    expect(app.sfu.getRoom('feed-room')?.getPeer(res.participantId)?.subscriptions()).toEqual([alice.id]);
    expect(viewer.remote.has(bob.id) || viewer.remote.has(carol.id)).toBe(false);
    const text = pushed.join('\n');
    for (const other of [bob.id, carol.id, 'bob', 'carol']) expect(text).not.toContain(other);
  });

  it('a viewer that waits for someone absent gets nothing until that one joins, then only that one', async () => {
    const early = await publishing('wait-room', 'early');
    const viewer = await connect();
    const res = await viewer.join({ room: 'wait-room', displayName: 'x', view: { participant: 'late' } });
    expect(res.participants).toEqual([]);
    const late = await publishing('wait-room', 'late');
    await viewer.waitForTrack(late.id, 'video');
    expect(viewer.remote.has(early.id)).toBe(false);
    expect(viewer.participants.has(early.id)).toBe(false);
  });
});
