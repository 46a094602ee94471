// Room placement between two in-process server nodes on one redis-server: a user's join places the room on its
// node; a join through the other node is answered ROOM_ELSEWHERE with the owner's URL; an agent's join never
// places a room; the record goes when the room's last user leaves.
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type App, startApp } from '../../src/server/app.ts';
import { HeadlessClient } from '../../src/signaling/headless-client.ts';
import { AppError } from '../../src/util/errors.ts';
import { HAVE_REDIS, startRedis, type TestRedis } from './redis.ts';

describe.skipIf(!HAVE_REDIS)('room placement across two nodes (redis-server)', () => {
  let redis: TestRedis;
  let r: Redis;
  const apps: App[] = [];
  const clients: HeadlessClient[] = [];
  const owner = (room: string) => r.get(`gazecam:room:${room}`);

  beforeAll(async () => {
    redis = await startRedis();
    r = new Redis(redis.url);
    for (let i = 0; i < 2; i++)
      apps.push(
        await startApp({
          port: 0,
          host: '127.0.0.1',
          cluster: { redisUrl: redis.url },
          workers: { mode: 'local' },
        }),
      );
  });
  afterAll(async () => {
    for (const c of clients) c.close();
    for (const a of apps) await a.close();
    r?.disconnect();
    await redis?.stop();
  });

  const connect = async (app: App) => {
    const c = await HeadlessClient.connect(app.url);
    clients.push(c);
    return c;
  };

  it('the first join places the room; a join elsewhere is redirected; freed when the room empties', async () => {
    const [a, b] = apps;
    const first = await connect(a);
    await first.join({ room: 'placed', displayName: 'one' });
    expect(await owner('placed')).toBe(a.url);
    const other = await connect(b);
    const err = await other.join({ room: 'placed', displayName: 'two' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AppError);
    expect((err as AppError).code).toBe('ROOM_ELSEWHERE');
    expect((err as AppError).details?.redirect).toBe(a.url);
    expect(b.signaling.stats().rooms).toEqual([]);
    await first.leave();
    await expect.poll(() => owner('placed')).toBeNull();
  });

  it("an agent's join does not place a room", async () => {
    const c = await connect(apps[1]);
    const err = await c
      .join({
        room: 'nowhere',
        displayName: 'agent',
        agent: { token: 'x'.repeat(48), forParticipantId: 'p1' },
      })
      .catch((e: unknown) => e);
    expect((err as AppError).code).toBe('FORBIDDEN');
    expect(await owner('nowhere')).toBeNull();
  });
});
