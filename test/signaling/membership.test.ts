// Membership follows the SFU: a participant whose SFU peer closes (a broken transport) leaves the room and is
// told, so later joiners are not refused for subscribing to a ghost; subscribing to an unknown id is refused
// whole, leaving no half-made subscriptions. Real sockets, the real werift SFU, no agents.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type App, startApp } from '../../src/server/app.ts';
import { HeadlessClient } from '../../src/signaling/headless-client.ts';
import type { Ack } from '../../src/signaling/protocol.ts';
import { until } from '../media/helpers.ts';

let app: App;
const clients: HeadlessClient[] = [];

async function joined(room: string, name: string): Promise<{ c: HeadlessClient; id: string }> {
  const c = await HeadlessClient.connect(app.url);
  clients.push(c);
  const res = await c.join({ room, displayName: name });
  return { c, id: res.participantId };
}
const ask = async (c: HeadlessClient, event: string, payload?: unknown) =>
  (await c.socket.timeout(5000).emitWithAck(event, payload)) as Ack<{ subscriptions?: string[] }>;

beforeAll(async () => {
  app = await startApp({ port: 0, host: '127.0.0.1' });
});
afterAll(async () => {
  for (const c of clients) c.close();
  await app.close();
});

describe('room membership', () => {
  it('a participant whose SFU peer closes leaves the room, is told, and later joiners are not refused', async () => {
    const a = await joined('m1', 'alice');
    const b = await joined('m1', 'bob');
    const errors: Array<{ code: string }> = [];
    b.c.socket.on('server:error', (e: { code: string }) => errors.push(e));
    const left: string[] = [];
    a.c.socket.on('participant:left', (e: { participantId: string }) => left.push(e.participantId));
    app.sfu.getRoom('m1')?.getPeer(b.id)?.close();
    await until(() => left.includes(b.id) && errors.length > 0, 'bob removed and told');
    expect(errors[0].code).toBe('NEGOTIATION_FAILED');
    const c = await joined('m1', 'carol'); // subscribes to everyone present: bob must not be among them
    expect(c.id).toBeTruthy();
    expect(
      app.signaling
        .stats()
        .rooms[0].participants.map((p) => p.displayName)
        .sort(),
    ).toEqual(['alice', 'carol']);
    // Bob's socket is no longer in the room: its requests say so, and it may join again.
    expect((await ask(b.c, 'subscribe', { participantIds: [a.id] })).ok).toBe(false);
    expect((await b.c.join({ room: 'm1', displayName: 'bob again' })).participantId).not.toBe(b.id);
  });

  it('subscribing to an unknown participant is refused whole (NOT_FOUND) and subscribes nothing', async () => {
    const a = await joined('m2', 'alice');
    const b = await joined('m2', 'bob');
    const c = await joined('m2', 'carol');
    expect((await ask(a.c, 'unsubscribe', { participantIds: [b.id, c.id] })).ok).toBe(true);
    const res = await ask(a.c, 'subscribe', { participantIds: [b.id, 'no-such-person', c.id] });
    expect(res.ok ? 'ok' : res.error.code).toBe('NOT_FOUND');
    expect(app.sfu.getRoom('m2')?.getPeer(a.id)?.subscriptions()).toEqual([]);
    const ok = await ask(a.c, 'subscribe', { participantIds: [b.id] });
    expect(ok.ok && ok.subscriptions).toEqual([b.id]);
  });
});
