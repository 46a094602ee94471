// Which server node holds each room, in Redis: `gazecam:room:<name>` -> the node's URL, set only if absent (the
// first node to claim a room wins it), with a TTL this node refreshes while it holds the room. A node that dies
// stops refreshing and its rooms are free again after the TTL; one that closes frees them at once.
import type { Redis } from 'ioredis';
import type { RoomPlacement } from '../signaling/room-placement.ts';
import { createLogger } from '../util/logger.ts';

const log = createLogger('scale:room-directory');
const PREFIX = 'gazecam:room:';
/** Extend the TTL only while the record is still ours (a restarted Redis or an expired TTL may have moved it). */
const REFRESH =
  "if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('pexpire', KEYS[1], ARGV[2]) end return 0";
const RELEASE =
  "if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) end return 0";

export interface RoomDirectoryOptions {
  /** This node's URL as clients reach it (redirects point there). */
  nodeUrl: string;
  /** Record lifetime without a refresh (default 15 s); refreshed every third of it. */
  ttlMs?: number;
}

export class RoomDirectory implements RoomPlacement {
  readonly nodeUrl: string;
  #redis: Redis;
  #ttlMs: number;
  #held = new Set<string>();
  #timer: NodeJS.Timeout;
  #closed = false;

  constructor(redis: Redis, opts: RoomDirectoryOptions) {
    this.#redis = redis;
    this.nodeUrl = opts.nodeUrl;
    this.#ttlMs = opts.ttlMs ?? 15_000;
    this.#timer = setInterval(() => void this.#refresh(), Math.max(50, Math.round(this.#ttlMs / 3)));
    this.#timer.unref();
  }

  async claim(room: string): Promise<string | null> {
    const key = PREFIX + room;
    // Twice: the record may expire between a lost SET and the GET.
    for (let i = 0; i < 2; i++) {
      const won = await this.#redis.set(key, this.nodeUrl, 'PX', this.#ttlMs, 'NX');
      const owner = won === 'OK' ? this.nodeUrl : await this.#redis.get(key);
      if (owner === null) continue;
      if (owner !== this.nodeUrl) return owner;
      this.#held.add(room);
      return null;
    }
    return null;
  }

  release(room: string): void {
    if (!this.#held.delete(room) || this.#closed) return;
    this.#redis
      .eval(RELEASE, 1, PREFIX + room, this.nodeUrl)
      .catch((e) => log.warn(`could not free room ${room}`, e));
  }

  /** Who holds the room now (null: nobody). */
  owner(room: string): Promise<string | null> {
    return this.#redis.get(PREFIX + room);
  }

  async #refresh(): Promise<void> {
    for (const room of this.#held) {
      try {
        const kept = await this.#redis.eval(REFRESH, 1, PREFIX + room, this.nodeUrl, String(this.#ttlMs));
        // Lost (Redis restarted, or a stall outlived the TTL): take it back if nobody else did.
        if (kept === 0 && (await this.claim(room)) !== null)
          log.error(`room ${room} is now recorded on another node while it still lives here`);
      } catch (e) {
        log.warn(`could not refresh room ${room}`, e);
      }
    }
  }

  /** Frees every room this node holds (idempotent); the Redis connection is its owner's to close. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    clearInterval(this.#timer);
    const rooms = [...this.#held];
    this.#held.clear();
    await Promise.all(
      rooms.map((r) => this.#redis.eval(RELEASE, 1, PREFIX + r, this.nodeUrl).catch(() => undefined)),
    );
  }
}
