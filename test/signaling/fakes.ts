// Small in-memory implementations of the SFU room/peer and agent launcher interfaces, for supervisor tests
// without WebRTC or processes. The room switches routes the way the werift room does: at once to a source
// that sends no video, else at that source's next keyframe (`keyframe(id)`).

import type { PeerStats, SfuPeer, SfuPeerEvents, SfuRoom, SfuRoomEvents } from '../../src/media/types.ts';
import type {
  AgentBeat,
  AgentHandle,
  AgentHandleEvents,
  AgentLauncher,
  AgentLaunchOptions,
} from '../../src/signaling/agents.ts';
import type { Kind, Sdp } from '../../src/signaling/protocol.ts';
import { TypedEmitter } from '../../src/util/typed-emitter.ts';

export class FakePeer extends TypedEmitter<SfuPeerEvents> implements SfuPeer {
  closed = false;
  packets: Record<Kind, number> = { audio: 0, video: 0 };
  #publishing: Record<Kind, boolean> = { audio: false, video: false };
  constructor(
    readonly id: string,
    private room: FakeRoom,
  ) {
    super();
  }
  /** Starts "publishing" video (emits produce). */
  produce(kind: Kind = 'video'): void {
    this.#publishing[kind] = true;
    this.emit('produce', kind);
  }
  async publish(): Promise<Sdp> {
    return { type: 'answer', sdp: 'v=0\r\n' };
  }
  async addIceCandidate(): Promise<void> {}
  subscribe(): void {}
  unsubscribe(): void {}
  subscriptions(): string[] {
    return [];
  }
  setSubscribeOfferHandler(): void {}
  renegotiate(): void {}
  publishing(): Record<Kind, boolean> {
    return { ...this.#publishing };
  }
  stats(): PeerStats {
    return {
      id: this.id,
      publishing: this.publishing(),
      packetsIn: { ...this.packets },
      packetsOut: 0,
      subscriptions: [],
    };
  }
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.room.peerClosed(this);
    this.emit('close');
  }
}

export class FakeRoom extends TypedEmitter<SfuRoomEvents> implements SfuRoom {
  closed = false;
  readonly peersById = new Map<string, FakePeer>();
  /** participant -> [target, committed] */
  readonly routes = new Map<string, { target: string; committed: string }>();
  /** Every route request, in order. */
  readonly routeLog: Array<[string, string | null]> = [];
  constructor(readonly id: string) {
    super();
  }
  createPeer(id: string): FakePeer {
    const p = new FakePeer(id, this);
    this.peersById.set(id, p);
    return p;
  }
  getPeer(id: string): FakePeer | undefined {
    return this.peersById.get(id);
  }
  peers(): FakePeer[] {
    return [...this.peersById.values()];
  }
  setRoute(participantId: string, sourcePeerId: string | null): void {
    this.routeLog.push([participantId, sourcePeerId]);
    const target = sourcePeerId ?? participantId;
    const r = this.routes.get(participantId) ?? { target: participantId, committed: participantId };
    r.target = target;
    this.routes.set(participantId, r);
    if (!this.peersById.get(target)?.publishing().video) this.#commit(participantId);
  }
  /** The source's keyframe arrives: pending switches to it complete. */
  keyframe(sourceId: string): void {
    for (const [pid, r] of this.routes) if (r.target === sourceId) this.#commit(pid);
  }
  #commit(pid: string): void {
    const r = this.routes.get(pid);
    if (!r || r.committed === r.target) return;
    r.committed = r.target;
    this.emit('sourcechange', pid, r.committed);
  }
  currentSource(participantId: string): string {
    return this.routes.get(participantId)?.committed ?? participantId;
  }
  setAudioDelay(): void {}
  audioDelay(): number {
    return 0;
  }
  /** Like the werift room: routes through a closed peer fall back to the participant's own camera. */
  peerClosed(peer: FakePeer): void {
    this.peersById.delete(peer.id);
    for (const [pid, r] of this.routes)
      if (r.target === peer.id || r.committed === peer.id) this.setRoute(pid, null);
    this.emit('peerclose', peer);
  }
  close(): void {
    this.closed = true;
    this.emit('close');
  }
}

export class FakeHandle extends TypedEmitter<AgentHandleEvents> implements AgentHandle {
  exited = false;
  closeCalls = 0;
  killCalls = 0;
  constructor(
    readonly pid: number,
    readonly options: AgentLaunchOptions,
  ) {
    super();
  }
  close(): void {
    this.closeCalls++;
  }
  kill(): void {
    this.killCalls++;
    this.exit(null, 'SIGKILL');
  }
  /** What processState() answers (a local launcher reads it from /proc; null: unknown, as for remote agents). */
  osState: 'alive' | 'stopped' | 'gone' | null = null;
  processState(): 'alive' | 'stopped' | 'gone' | null {
    return this.osState;
  }
  /** The agent's heartbeat arrives (a launcher's real handle relays it from the agent process). */
  beat(b: AgentBeat): void {
    this.emit('beat', b);
  }
  exit(code: number | null, signal: string | null = null): void {
    if (this.exited) return;
    this.exited = true;
    this.emit('exit', code, signal);
  }
}

export class FakeLauncher implements AgentLauncher {
  readonly launched: FakeHandle[] = [];
  #pid = 1000;
  launch(options: AgentLaunchOptions): FakeHandle {
    const h = new FakeHandle(this.#pid++, options);
    this.launched.push(h);
    return h;
  }
  /** Processes launched and not exited. */
  running(): FakeHandle[] {
    return this.launched.filter((h) => !h.exited);
  }
}
