// Fills a room with SfuParticipants the way signaling does (everyone subscribes to everyone) and measures what
// the room-scale test and bench assert: open file descriptors and subscribe m-lines per present publisher.
import { readdirSync } from 'node:fs';
import type { SfuRoom } from '../media/types.ts';
import { TaskGate } from '../media/werift/task-gate.ts';
import { SfuParticipant } from './sfu-participant.ts';

/** Open file descriptors of this process (Linux). */
export function openFds(): number {
  return readdirSync('/proc/self/fd').length;
}

export class RoomDriver {
  readonly room: SfuRoom;
  readonly participants = new Map<string, SfuParticipant>();
  readonly #publishers = new Set<string>();
  /** The clients' SDP work, one task at a time (as browsers elsewhere would not stall the SFU's loop). */
  readonly #clientGate = new TaskGate();

  constructor(room: SfuRoom) {
    this.room = room;
  }

  /** Joins, subscribes both ways with everyone present, then publishes if asked. */
  async join(id: string, publish: boolean, packetsPerSecond?: number): Promise<SfuParticipant> {
    const p = new SfuParticipant(this.room, id, this.#clientGate);
    for (const other of this.participants.values()) {
      p.peer.subscribe(other.id);
      other.peer.subscribe(id);
    }
    this.participants.set(id, p);
    if (publish) {
      await p.publish({ packetsPerSecond });
      this.#publishers.add(id);
    }
    return p;
  }

  /** Leaves as signaling does: the others unsubscribe, the peer closes. */
  async leave(id: string): Promise<void> {
    const p = this.participants.get(id);
    if (!p) return;
    this.participants.delete(id);
    this.#publishers.delete(id);
    for (const other of this.participants.values()) other.peer.unsubscribe(id);
    await p.close();
  }

  isPublisher(id: string): boolean {
    return this.#publishers.has(id);
  }

  publishers(): number {
    return this.#publishers.size;
  }

  /** Most m-lines in any participant's last subscribe offer. */
  maxMLines(): number {
    let max = 0;
    for (const p of this.participants.values()) max = Math.max(max, p.mLines());
    return max;
  }

  /** True when every participant's last offer maps exactly the present publishers' tracks (2 each). */
  settled(): boolean {
    for (const p of this.participants.values()) {
      const want = new Set([...this.#publishers].filter((id) => id !== p.id));
      const mapped = Object.values(p.lastOffer?.tracks ?? {});
      if (mapped.length !== 2 * want.size) return false;
      if (!mapped.every((t) => want.has(t.participantId))) return false;
    }
    return true;
  }

  /** Resolves once settled() holds and no offer went out for two polls; false after timeoutMs. */
  async settle(timeoutMs = 30_000): Promise<boolean> {
    const t0 = Date.now();
    let quiet = 0;
    let lastOffers = -1;
    while (Date.now() - t0 < timeoutMs) {
      const offers = [...this.participants.values()].reduce((n, p) => n + p.offers, 0);
      quiet = offers === lastOffers && this.settled() ? quiet + 1 : 0;
      if (quiet >= 2) return true;
      lastOffers = offers;
      await new Promise((r) => setTimeout(r, 100));
    }
    return false;
  }

  async close(): Promise<void> {
    await Promise.all([...this.participants.keys()].map((id) => this.leave(id)));
  }
}
