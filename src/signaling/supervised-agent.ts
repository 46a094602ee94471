// One participant's agent over its whole life: admission (camera, cap, start cost), launch, the start timeout,
// the watchdog, loss -> fallback, restart with back-off, park when the camera stops, stop. At most one process at
// a time: a replacement launches only after the previous one exited. Avatar mode fails closed throughout
// (video-route.ts): the camera is never routed while no agent serves.
import { randomBytes, timingSafeEqual } from 'node:crypto';
import type { SfuPeer } from '../media/types.ts';
import { createLogger } from '../util/logger.ts';
import type { Admit, AgentSubject, SupervisionPolicy } from './agent-subject.ts';
import { type AgentWatchdog, watchAgent } from './agent-watchdog.ts';
import type { AgentHandle } from './agents.ts';
import { CameraLiveness } from './camera-liveness.ts';
import type { AgentStatus, Mode } from './protocol.ts';
import { applyVideoRoute, wantsAvatar } from './video-route.ts';

const log = createLogger('signaling:agent');

export type { Admission, Admit, AdmitCandidate, AgentSubject, SupervisionPolicy } from './agent-subject.ts';

export type AgentPhase = 'waiting' | 'starting' | 'serving' | 'lost' | 'failed' | 'stopping' | 'stopped';

const MAX_RESTART_DELAY_MS = 8000;

export class SupervisedAgent {
  #subject: AgentSubject;
  #policy: SupervisionPolicy;
  #admit: Admit;
  #onStopped: (agent: SupervisedAgent) => void;
  #phase: AgentPhase = 'waiting';
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
  #watchdog: AgentWatchdog | null = null;
  #restartTimer: NodeJS.Timeout | null = null;
  #retryTimer: NodeJS.Timeout | null = null;
  /** A launch is wanted; it waits for the previous process to exit, the camera, and admission. */
  #launchDue = false;
  /** The wanted launch is the user's (a mode turned on, the camera back): it pays the start cost. */
  #userStart = true;
  #camera: CameraLiveness;
  #launchedAt = 0;
  #beatAt = 0;
  status: AgentStatus;

  constructor(
    subject: AgentSubject,
    policy: SupervisionPolicy,
    admit: Admit,
    onStopped: (agent: SupervisedAgent) => void,
  ) {
    this.#subject = subject;
    this.#policy = policy;
    this.#admit = admit;
    this.#onStopped = onStopped;
    this.status = this.#statusOf('busy', 'starting');
    this.#camera = new CameraLiveness(
      () => this.#subject.sfuRoom,
      subject.participantId,
      policy.cameraIdleMs,
    );
  }

  get participantId(): string {
    return this.#subject.participantId;
  }

  get roomName(): string {
    return this.#subject.roomName;
  }

  get phase(): AgentPhase {
    return this.#phase;
  }

  /** Pid of the current process (tests). */
  get pid(): number | undefined {
    return this.#handle?.pid;
  }

  /** Counts toward the server's cap: it runs (or restarts) a process, or its process has not exited yet. */
  get holdsSlot(): boolean {
    if (this.#phase === 'starting' || this.#phase === 'serving' || this.#phase === 'lost') return true;
    return this.#handle !== null && !this.#handle.exited;
  }

  /** Whether the user's camera sends video now (packets within the camera idle limit). */
  cameraLive(now = Date.now()): boolean {
    return this.#camera.live(now);
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
    [this.#launchDue, this.#userStart] = [true, true];
    this.#route();
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

  /** A mode was turned on again while this agent was stopping (or had given up, or waits): serve again. */
  revive(subject: AgentSubject): void {
    this.#subject = subject;
    if (this.#phase !== 'stopping' && this.#phase !== 'failed') return;
    this.#phase = 'waiting';
    this.#failures = 0;
    this.start();
  }

  /** The supervisor's periodic look: launch a waiting agent whose camera is on, release one whose camera stopped. */
  tick(now = Date.now()): void {
    const live = this.cameraLive(now);
    if (this.#phase === 'waiting') this.#launchWhenFree();
    else if ((this.#phase === 'starting' || this.#phase === 'serving') && !live) this.#park();
  }

  /** Mode off or the participant left: the process ends; the cap slot frees when it has exited. */
  stop(): void {
    if (this.#phase === 'stopping' || this.#phase === 'stopped') return;
    this.#phase = 'stopping';
    this.#launchDue = false;
    this.#endProcess();
    if (!this.#handle || this.#handle.exited) this.#finish();
  }

  // ---------- lifecycle ----------

  #launchWhenFree(): void {
    if (!this.#launchDue || this.#retryTimer) return;
    if (this.#handle && !this.#handle.exited) return; // #onExit launches
    if (!this.cameraLive()) {
      this.#wait('waiting for the camera');
      return;
    }
    const admission = this.#admit(this, this.#userStart);
    if (!admission.ok) {
      if (admission.retryMs !== undefined) {
        this.#retryTimer = setTimeout(() => {
          this.#retryTimer = null;
          this.#launchWhenFree();
        }, admission.retryMs);
        this.#retryTimer.unref();
      }
      this.#wait(admission.message);
      return;
    }
    this.#launchDue = false;
    this.#launch();
  }

  /** No process for now (camera off, no place, start cost): the route holds (avatar) or shows the camera. */
  #wait(message: string): void {
    const changed = this.#phase !== 'waiting' || this.status.message !== message;
    this.#phase = 'waiting';
    this.#route();
    if (changed) this.#tell(this.#statusOf('busy', message));
  }

  #launch(): void {
    const s = this.#subject;
    this.#launchedAt = Date.now();
    this.#phase = 'starting';
    this.#serving = false;
    this.#agentMode = undefined;
    this.#peer = null;
    this.#token = randomBytes(24).toString('hex');
    const attempt = new AbortController();
    this.#attempt = attempt;
    // A start slower than the timeout on a loaded machine is still a start while the process lives (the OS says
    // so, or it beats: loading models blocks its beats): it gets up to 4x the time (a replacement would start
    // cold, slower still); a stopped or silent one does not.
    const limit = this.#policy.startTimeoutMs;
    let timer: NodeJS.Timeout;
    const onTimeout = () => {
      const waited = Date.now() - this.#launchedAt;
      const state = this.#handle?.processState?.() ?? null;
      const beating = state === 'alive' || (state === null && Date.now() - this.#beatAt < 2000);
      if (beating && waited < 4 * limit) timer = setTimeout(onTimeout, Math.min(limit, 4 * limit - waited));
      else this.#lose(`did not start within ${waited} ms`, true);
    };
    timer = setTimeout(onTimeout, limit);
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
    handle.on('beat', (b) => {
      if (handle !== this.#handle) return;
      this.#beatAt = Date.now();
      this.#watchdog?.beat(b);
    });
    this.#route();
    this.#tell(this.#statusOf('busy', this.#failures ? 'agent restarting' : 'starting'));
  }

  #serve(): void {
    this.#phase = 'serving';
    this.#serving = true;
    this.#servingSince = Date.now();
    log.info(
      `agent for ${this.participantId} serving ${this.#servingSince - this.#launchedAt} ms after launch`,
    );
    this.#clearAttempt();
    const attempt = new AbortController();
    this.#attempt = attempt;
    this.#watch(attempt.signal);
    // Processed output is flowing: subscribers switch to it at its keyframe.
    this.#route();
  }

  /** Hung or dead (no heartbeat, no video) or stuck (no frame finished): replaced. Slow: kept (watchdog.ts). */
  #watch(signal: AbortSignal): void {
    const room = this.#subject.sfuRoom;
    const dog = watchAgent(
      this.#policy,
      signal,
      () => {
        const peer = this.#peer;
        if (!peer || peer.closed) return null;
        const camera = room.getPeer(this.participantId)?.stats().packetsIn.video ?? 0;
        return { agent: peer.stats().packetsIn.video, camera, state: this.#handle?.processState?.() ?? null };
      },
      (why) => this.#lose(why, true),
    );
    this.#watchdog = dog;
    signal.addEventListener('abort', () => {
      if (this.#watchdog === dog) this.#watchdog = null;
    });
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
      [this.#launchDue, this.#userStart] = [true, false];
      this.#launchWhenFree();
    }, delay);
    this.#restartTimer.unref();
  }

  /** The camera stopped: the process ends and frees its place; the agent starts again when video returns. */
  #park(): void {
    log.info(`agent for ${this.participantId} released: the camera stopped`);
    this.#endProcess();
    this.#failures = 0;
    [this.#launchDue, this.#userStart] = [true, true];
    this.#wait('waiting for the camera');
  }

  /** Cancels this launch's timers, unroutes and closes its process (the route first: see #lose). */
  #endProcess(): void {
    this.#clearAttempt();
    for (const t of [this.#restartTimer, this.#retryTimer]) if (t) clearTimeout(t);
    this.#restartTimer = null;
    this.#retryTimer = null;
    this.#serving = false;
    const peer = this.#peer;
    this.#peer = null;
    this.#route();
    if (peer) this.#subject.removeAgentPeer(peer.id);
    this.#handle?.close();
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
