// One participant's agent over its whole life: launch, the start timeout, the watchdog, loss -> fallback, restart
// with back-off, stop. At most one process at a time: a replacement launches only after the previous one exited.
// Avatar mode fails closed throughout (video-route.ts): the camera is never routed while no agent serves.
import { randomBytes, timingSafeEqual } from 'node:crypto';
import type { SfuPeer, SfuRoom } from '../media/types.ts';
import { createLogger } from '../util/logger.ts';
import type { AgentHandle, AgentLauncher } from './agents.ts';
import type { AgentStatus, Mode, Settings } from './protocol.ts';
import { applyVideoRoute, wantsAvatar } from './video-route.ts';

const log = createLogger('signaling:agent');

/** What an agent needs from the room of the participant it serves. */
export interface AgentSubject {
  readonly sfuRoom: SfuRoom;
  readonly roomName: string;
  readonly passcode?: string;
  readonly participantId: string;
  settings(): Required<Settings>;
  /** The agent's state changed: tell the room. */
  onStatus(status: AgentStatus): void;
  /** Drop a lost agent's member from the room (its socket may outlive its process for a while). */
  removeAgentPeer(peerId: string): void;
}

export interface SupervisionPolicy {
  launcher: AgentLauncher;
  serverUrl: () => string;
  /** An agent whose video has not started this long after launch is replaced. */
  startTimeoutMs: number;
  /** A serving agent silent this long while the camera sends is hung: replaced. */
  watchdogMs: number;
  /** Consecutive failed agents before giving up (the user can turn the mode off and on). */
  maxRestarts: number;
  /** First restart delay, doubled per consecutive failure (capped at 8 s). */
  restartDelayMs: number;
  /** An agent that served this long resets the failure count. */
  stableMs: number;
}

export type AgentPhase = 'starting' | 'serving' | 'lost' | 'failed' | 'stopping' | 'stopped';

const MAX_RESTART_DELAY_MS = 8000;

export class SupervisedAgent {
  #subject: AgentSubject;
  #policy: SupervisionPolicy;
  #onStopped: (agent: SupervisedAgent) => void;
  #phase: AgentPhase = 'starting';
  #token = '';
  #handle: AgentHandle | null = null;
  #peer: SfuPeer | null = null;
  #serving = false;
  /** The mode of the agent's latest output, from its reports. */
  #agentMode: Mode | undefined;
  #servingSince = 0;
  #failures = 0;
  /** Cancels everything that belongs to one launch (start timeout, watchdog). */
  #attempt: AbortController | null = null;
  #restartTimer: NodeJS.Timeout | null = null;
  /** A relaunch waits for this: the previous process must have exited. */
  #launchDue = false;
  status: AgentStatus;

  constructor(subject: AgentSubject, policy: SupervisionPolicy, onStopped: (agent: SupervisedAgent) => void) {
    this.#subject = subject;
    this.#policy = policy;
    this.#onStopped = onStopped;
    this.status = this.#statusOf('busy', 'starting');
  }

  get participantId(): string {
    return this.#subject.participantId;
  }

  get phase(): AgentPhase {
    return this.#phase;
  }

  /** Pid of the current process (tests). */
  get pid(): number | undefined {
    return this.#handle?.pid;
  }

  /**
   * The agent's SFU peer id if viewers may see its output now: it serves, and in avatar mode its output is an
   * avatar (after a switch from eye contact, frames of the user's own face may still be on their way).
   */
  get servingPeerId(): string | null {
    if (!this.#serving || !this.#peer) return null;
    if (wantsAvatar(this.#subject.settings().mode) && !(this.#agentMode && wantsAvatar(this.#agentMode)))
      return null;
    return this.#peer.id;
  }

  start(): void {
    this.#launchDue = true;
    this.#launchWhenFree();
  }

  /** Mode changed (avatar <-> eye contact): the fallback route may differ. */
  settingsChanged(): void {
    this.#route();
  }

  /** Does this join carry the current launch's one-time token? */
  accepts(token: string): boolean {
    if (this.#phase !== 'starting' || this.#peer || !this.#token) return false;
    const a = Buffer.from(this.#token);
    const b = Buffer.from(token);
    return a.length === b.length && timingSafeEqual(a, b);
  }

  /** The current launch's process joined the room with this SFU peer. */
  attach(peer: SfuPeer): void {
    this.#peer = peer;
    peer.on('produce', (kind) => {
      if (kind === 'video' && this.#peer === peer && this.#phase === 'starting') this.#serve();
    });
    peer.on('close', () => {
      // Runs inside the SFU's close of the peer: a failure here must not stop that close.
      try {
        if (this.#peer === peer) this.#lose('left the call', true);
      } catch (e) {
        log.error(`agent for ${this.participantId}: handling its peer's close failed`, e);
      }
    });
  }

  /** An `agent:report` from the peer; false when that peer is not this agent's current one. */
  report(peerId: string, status: AgentStatus): boolean {
    if (this.#peer?.id !== peerId) return false;
    if (this.#phase !== 'serving' && this.#phase !== 'starting') return true;
    this.status = { ...status, participantId: this.participantId };
    if (status.mode !== this.#agentMode) {
      this.#agentMode = status.mode;
      this.#route();
    }
    // Lip sync: the user's audio waits as long as the video takes through the agent.
    if (!this.#subject.sfuRoom.closed)
      this.#subject.sfuRoom.setAudioDelay(this.participantId, status.audioDelayMs ?? 0);
    this.#subject.onStatus(this.status);
    return true;
  }

  isCurrentPeer(peerId: string): boolean {
    return this.#peer?.id === peerId;
  }

  /** A mode was turned on again while this agent was stopping (or had given up): serve again. */
  revive(subject: AgentSubject): void {
    this.#subject = subject;
    if (this.#phase !== 'stopping' && this.#phase !== 'failed') return;
    this.#phase = 'lost';
    this.#failures = 0;
    this.#launchDue = true;
    this.#launchWhenFree();
  }

  /** Mode off or the participant left: the process ends; the cap slot frees when it has exited. */
  stop(): void {
    if (this.#phase === 'stopping' || this.#phase === 'stopped') return;
    this.#phase = 'stopping';
    this.#launchDue = false;
    this.#clearAttempt();
    if (this.#restartTimer) clearTimeout(this.#restartTimer);
    this.#restartTimer = null;
    this.#serving = false;
    const peer = this.#peer;
    this.#peer = null;
    this.#route();
    if (peer) this.#subject.removeAgentPeer(peer.id);
    this.#handle?.close();
    if (!this.#handle || this.#handle.exited) this.#finish();
  }

  // ---------- lifecycle ----------

  #launchWhenFree(): void {
    if (!this.#launchDue) return;
    if (this.#handle && !this.#handle.exited) return; // #onExit launches
    this.#launchDue = false;
    this.#launch();
  }

  #launch(): void {
    const s = this.#subject;
    this.#phase = 'starting';
    this.#serving = false;
    this.#agentMode = undefined;
    this.#peer = null;
    this.#token = randomBytes(24).toString('hex');
    const attempt = new AbortController();
    this.#attempt = attempt;
    const timer = setTimeout(
      () => this.#lose(`did not start within ${this.#policy.startTimeoutMs} ms`, true),
      this.#policy.startTimeoutMs,
    );
    attempt.signal.addEventListener('abort', () => clearTimeout(timer));
    const handle = this.#policy.launcher.launch({
      serverUrl: this.#policy.serverUrl(),
      room: s.roomName,
      passcode: s.passcode,
      forParticipantId: s.participantId,
      token: this.#token,
      settings: s.settings(),
    });
    this.#handle = handle;
    handle.on('exit', (code, signal) => this.#onExit(handle, code, signal));
    this.#route();
    this.#tell(this.#statusOf('busy', this.#failures ? 'agent restarting' : 'starting'));
  }

  #serve(): void {
    this.#phase = 'serving';
    this.#serving = true;
    this.#servingSince = Date.now();
    this.#clearAttempt();
    const attempt = new AbortController();
    this.#attempt = attempt;
    this.#watch(attempt.signal);
    // Processed output is flowing: subscribers switch to it at its keyframe.
    this.#route();
  }

  /**
   * RTP liveness: a hung agent (stopped, deadlocked) sends nothing while the camera keeps sending. An idle
   * camera idles the agent too, so silence alone is not a fault.
   */
  #watch(signal: AbortSignal): void {
    const room = this.#subject.sfuRoom;
    const pid = this.participantId;
    const limit = this.#policy.watchdogMs;
    let agentPackets = -1;
    let cameraPackets = -1;
    let agentAt = Date.now();
    let cameraAt = 0;
    const tick = setInterval(
      () => {
        const peer = this.#peer;
        if (!peer || peer.closed) return;
        const now = Date.now();
        const a = peer.stats().packetsIn.video;
        const c = room.getPeer(pid)?.stats().packetsIn.video ?? 0;
        if (a !== agentPackets) [agentPackets, agentAt] = [a, now];
        if (c !== cameraPackets) [cameraPackets, cameraAt] = [c, now];
        // Before its first packet the agent's encoder may still be starting: the start timeout applies.
        const allowed = agentPackets > 0 ? limit : this.#policy.startTimeoutMs;
        if (now - agentAt > allowed && now - cameraAt < limit / 2) {
          this.#lose(`sent no video for ${now - agentAt} ms`, true);
        }
      },
      Math.max(20, Math.round(limit / 8)),
    );
    tick.unref();
    signal.addEventListener('abort', () => clearInterval(tick));
  }

  #onExit(handle: AgentHandle, code: number | null, signal: string | null): void {
    if (handle !== this.#handle) return;
    if (this.#phase === 'stopping') {
      this.#finish();
      return;
    }
    if (this.#phase === 'starting' || this.#phase === 'serving')
      this.#lose(`exited (${signal ?? code})`, false);
    this.#launchWhenFree();
  }

  /** Falls back at once (held for avatar, camera for eye contact), ends the process, schedules a restart. */
  #lose(reason: string, kill: boolean): void {
    if (this.#phase !== 'starting' && this.#phase !== 'serving') return;
    const servedMs = this.#serving ? Date.now() - this.#servingSince : 0;
    this.#phase = 'lost';
    this.#serving = false;
    this.#clearAttempt();
    const peer = this.#peer;
    this.#peer = null;
    // Route first: the SFU's own fallback when the agent's peer closes would be the camera.
    this.#route();
    if (peer) this.#subject.removeAgentPeer(peer.id);
    if (kill) this.#handle?.kill();
    if (servedMs >= this.#policy.stableMs) this.#failures = 0;
    this.#failures++;
    log.warn(`agent for ${this.participantId} lost: ${reason} (failure ${this.#failures})`);
    const avatar = wantsAvatar(this.#subject.settings().mode);
    if (this.#failures > this.#policy.maxRestarts) {
      this.#phase = 'failed';
      this.#tell(
        this.#statusOf(
          'error',
          `agent ${reason}; gave up after ${this.#policy.maxRestarts} restarts${avatar ? ' (avatar paused)' : ''}`,
        ),
      );
      return;
    }
    const delay = Math.min(MAX_RESTART_DELAY_MS, this.#policy.restartDelayMs * 2 ** (this.#failures - 1));
    this.#tell(
      this.#statusOf(
        avatar ? 'fallback-held' : 'fallback-camera',
        `agent ${reason}; restarting${avatar ? ' (avatar paused)' : ' (showing the camera)'}`,
      ),
    );
    this.#restartTimer = setTimeout(() => {
      this.#restartTimer = null;
      if (this.#phase !== 'lost') return;
      this.#launchDue = true;
      this.#launchWhenFree();
    }, delay);
    this.#restartTimer.unref();
  }

  #finish(): void {
    if (this.#phase === 'stopped') return;
    this.#phase = 'stopped';
    this.#onStopped(this);
  }

  #clearAttempt(): void {
    this.#attempt?.abort();
    this.#attempt = null;
  }

  #route(): void {
    const mode = this.#phase === 'stopping' ? 'none' : this.#subject.settings().mode;
    applyVideoRoute(this.#subject.sfuRoom, this.participantId, mode, this.servingPeerId);
  }

  #statusOf(state: AgentStatus['state'], message: string): AgentStatus {
    return { participantId: this.participantId, state, fps: 0, drops: 0, ms: 0, message };
  }

  #tell(status: AgentStatus): void {
    this.status = status;
    this.#subject.onStatus(status);
  }
}
