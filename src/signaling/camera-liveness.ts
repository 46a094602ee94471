// Whether a user's camera sends video now: the SFU peer publishes video and its packet count moved within the
// idle limit. Agents run only while it does (a socket without a camera holds no agent).
import type { SfuRoom } from '../media/types.ts';

export class CameraLiveness {
  #packets = -1;
  #at = 0;

  constructor(
    private readonly room: () => SfuRoom,
    private readonly participantId: string,
    private readonly idleMs: number,
  ) {
    this.live(Date.now());
  }

  live(now = Date.now()): boolean {
    const peer = this.room().getPeer(this.participantId);
    const n = peer && !peer.closed && peer.publishing().video ? peer.stats().packetsIn.video : 0;
    if (n !== this.#packets) [this.#packets, this.#at] = [n, now];
    return this.#packets > 0 && now - this.#at < this.idleMs;
  }
}
