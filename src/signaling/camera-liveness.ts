// Whether a user's camera sends video now: the SFU peer publishes video and (where the SFU counts packets) its
// packet count moved within the idle limit. Agents run only while it does (a socket without a camera holds no
// agent).
import type { SfuRoom } from '../media/types.ts';

/** Looks further apart than this (the supervisor looks every 250 ms) mean this process stalled. */
const STALL_MS = 2000;

export class CameraLiveness {
  #packets = -1;
  #at = 0;
  #lookedAt = 0;

  constructor(
    private readonly room: () => SfuRoom,
    private readonly participantId: string,
    private readonly idleMs: number,
  ) {
    this.live(Date.now());
  }

  live(now = Date.now()): boolean {
    const peer = this.room().getPeer(this.participantId);
    if (!peer || peer.closed || !peer.publishing().video) return false;
    const n = peer.stats().packetsIn.video;
    // A long gap since the last look is this process's own stall (its event loop also counts the packets):
    // no evidence that the camera stopped, so the silence is measured from now.
    if (n !== this.#packets || now - this.#lookedAt > STALL_MS) [this.#packets, this.#at] = [n, now];
    this.#lookedAt = now;
    // No packet counted: the first is not in yet, or the backend counts none (Janus): publishing decides.
    return n === 0 || now - this.#at < this.idleMs;
  }
}
