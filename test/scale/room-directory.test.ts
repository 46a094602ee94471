// The room directory on a real redis-server: the first node to claim a room holds it, others learn its URL, a
// held record outlives its TTL, a released or expired one is free again.
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RoomDirectory } from '../../src/scale/room-directory.ts';
import { HAVE_REDIS, startRedis, type TestRedis } from './redis.ts';

describe.skipIf(!HAVE_REDIS)('room directory (redis-server)', () => {
  let redis: TestRedis;
  let client: Redis;
  const dirs: RoomDirectory[] = [];
  const dir = (nodeUrl: string, ttlMs = 15_000) => {
    const d = new RoomDirectory(client, { nodeUrl, ttlMs });
    dirs.push(d);
    return d;
  };

  beforeAll(async () => {
    redis = await startRedis();
    client = new Redis(redis.url);
  });
  afterAll(async () => {
    for (const d of dirs) await d.close();
    await client?.quit();
    await redis?.stop();
  });

  it('first claim wins; others are told the owner; release frees it', async () => {
    const a = dir('http://a.test:1');
    const b = dir('http://b.test:2');
    expect(await a.claim('r1')).toBeNull();
    expect(await a.claim('r1')).toBeNull(); // still ours
    expect(await b.claim('r1')).toBe('http://a.test:1');
    a.release('r1');
    await expect.poll(() => b.owner('r1')).toBeNull();
    expect(await b.claim('r1')).toBeNull();
    expect(await a.claim('r1')).toBe('http://b.test:2');
  });

  it("a held room outlives many TTLs; a dead node's record expires", async () => {
    const a = dir('http://a.test:1', 300);
    expect(await a.claim('r2')).toBeNull();
    // A node that died: its record stays only until its TTL.
    await client.set('gazecam:room:r3', 'http://dead.test:9', 'PX', 300);
    const b = dir('http://b.test:2');
    expect(await b.claim('r3')).toBe('http://dead.test:9');
    await expect.poll(() => b.owner('r3'), { timeout: 10_000, interval: 50 }).toBeNull();
    expect(await b.claim('r3')).toBeNull();
    // Redis as the clock: two more probe records of the same TTL expire; r2 (TTL 300 ms) is still held.
    for (let i = 0; i < 2; i++) {
      await client.set('probe', '1', 'PX', 300);
      await expect.poll(() => client.get('probe'), { timeout: 10_000, interval: 50 }).toBeNull();
    }
    expect(await b.owner('r2')).toBe('http://a.test:1');
    await a.close();
    expect(await b.owner('r2')).toBeNull();
  });
});
