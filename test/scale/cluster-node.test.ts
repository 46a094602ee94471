// Two socket.io servers joined to one redis-server through ClusterNode: a broadcast on one node reaches a
// client connected to the other (the Redis adapter), and each node's room records share one directory.
import { createServer, type Server as HttpServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Server as IoServer } from 'socket.io';
import { io as connect, type Socket } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ClusterNode } from '../../src/scale/cluster.ts';
import { HAVE_REDIS, startRedis, type TestRedis } from './redis.ts';

describe.skipIf(!HAVE_REDIS)('cluster node (socket.io Redis adapter, redis-server)', () => {
  let redis: TestRedis;
  const nodes: Array<{ http: HttpServer; io: IoServer; cluster: ClusterNode; url: string }> = [];
  const clients: Socket[] = [];

  beforeAll(async () => {
    redis = await startRedis();
    for (let i = 0; i < 2; i++) {
      const http = createServer();
      const io = new IoServer(http);
      await new Promise<void>((r) => http.listen(0, '127.0.0.1', () => r()));
      const url = `http://127.0.0.1:${(http.address() as AddressInfo).port}`;
      nodes.push({
        http,
        io,
        url,
        cluster: await ClusterNode.join(io, { redisUrl: redis.url, nodeUrl: url }),
      });
    }
  });
  afterAll(async () => {
    for (const c of clients) c.close();
    for (const n of nodes) {
      await new Promise<void>((r) => n.io.close(() => r()));
      await n.cluster.close();
    }
    await redis?.stop();
  });

  it("a broadcast from node A reaches a client of node B; A sees B's sockets", async () => {
    for (const n of nodes) {
      const c = connect(n.url, { transports: ['websocket'], forceNew: true });
      clients.push(c);
      await new Promise<void>((r) => c.once('connect', () => r()));
    }
    const got = new Promise<string>((r) => clients[1].once('hello', r));
    nodes[0].io.emit('hello', 'from A');
    expect(await got).toBe('from A');
    expect((await nodes[0].io.fetchSockets()).length).toBe(2);
  });

  it('rooms: the second node is told the first one holds it; freed when the first closes', async () => {
    const [a, b] = nodes;
    expect(await a.cluster.rooms.claim('shared')).toBeNull();
    expect(await b.cluster.rooms.claim('shared')).toBe(a.url);
    a.cluster.rooms.release('shared');
    await expect.poll(() => b.cluster.rooms.owner('shared')).toBeNull();
  });
});
