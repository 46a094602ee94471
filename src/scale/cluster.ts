// A server node among several on one Redis (REDIS_URL): socket.io's Redis adapter (broadcasts reach sockets on
// every node) and the room directory (each room lives on one node). Closing it frees this node's rooms, then
// ends its Redis connections.
import { createAdapter } from '@socket.io/redis-adapter';
import { Redis } from 'ioredis';
import type { Server as IoServer } from 'socket.io';
import { createLogger } from '../util/logger.ts';
import { RoomDirectory } from './room-directory.ts';

const log = createLogger('scale:cluster');

export interface ClusterOptions {
  redisUrl: string;
  /** This node's URL as clients reach it. */
  nodeUrl: string;
  roomTtlMs?: number;
}

export class ClusterNode {
  readonly rooms: RoomDirectory;
  readonly redis: Redis;
  #sub: Redis;
  #closed = false;

  private constructor(redis: Redis, sub: Redis, opts: ClusterOptions) {
    this.redis = redis;
    this.#sub = sub;
    this.rooms = new RoomDirectory(redis, { nodeUrl: opts.nodeUrl, ttlMs: opts.roomTtlMs });
  }

  /** Connects to Redis (fails when it cannot) and puts socket.io on the Redis adapter. */
  static async join(io: IoServer, opts: ClusterOptions): Promise<ClusterNode> {
    const redis = new Redis(opts.redisUrl, { lazyConnect: true, maxRetriesPerRequest: 2 });
    const sub = redis.duplicate();
    try {
      await Promise.all([redis.connect(), sub.connect()]);
    } catch (e) {
      redis.disconnect();
      sub.disconnect();
      throw e;
    }
    for (const r of [redis, sub]) r.on('error', (e) => log.warn(`redis: ${e.message}`));
    io.adapter(createAdapter(redis, sub));
    log.info(`node ${opts.nodeUrl} on ${opts.redisUrl}`);
    return new ClusterNode(redis, sub, opts);
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await this.rooms.close();
    await Promise.all([this.redis.quit().catch(() => undefined), this.#sub.quit().catch(() => undefined)]);
  }
}
