// Tells a hung agent from a slow one. An overloaded agent sends video late and sparsely; read from RTP alone it
// looked hung ("sent no video for 844 ms" a second after it started) and was replaced by a cold start, which made
// the overload worse. So liveness comes from the agent's heartbeat over its control channel (or its video), and
// progress from the frames its processor finishes: slow is neither silent nor stuck, and keeps its user.
import type { AgentBeat } from './agents.ts';

/** Checks further apart than this (they run every watchdogMs / 8) mean this process itself stalled. */
const STALL_MS = 2000;

export interface WatchdogLimits {
  /** No heartbeat and no video this long: the process is stopped or dead (SIGSTOP is noticed within ~1 s). */
  silentMs: number;
  /** Beats arrive and camera frames reach the loop, but none is processed this long: the processor is stuck. */
  stuckMs: number;
  /** Before its first video packet (encoder starting) a beat-less agent may be silent this long. */
  startMs: number;
}

export class AgentWatchdog {
  #limits: WatchdogLimits;
  #agentPackets = -1;
  #cameraPackets = -1;
  #agentAt: number;
  #cameraAt = 0;
  #beatAt = 0;
  #beat: AgentBeat | null = null;
  /** When `processed` last moved, and when camera frames last reached the loop while it did not. */
  #progressAt: number;
  #framesInAt = 0;
  #checkedAt = 0;

  constructor(limits: WatchdogLimits, now = Date.now()) {
    this.#limits = limits;
    this.#agentAt = now;
    this.#progressAt = now;
  }

  /** The agent's heartbeat arrived. */
  beat(b: AgentBeat, now = Date.now()): void {
    const prev = this.#beat;
    this.#beatAt = now;
    this.#beat = b;
    if (!prev || b.processed !== prev.processed) this.#progressAt = now;
    if (!prev || b.framesIn !== prev.framesIn) this.#framesInAt = now;
  }

  /** Heartbeats seen: the agent's liveness no longer rests on its video. */
  get beating(): boolean {
    return this.#beat !== null;
  }

  /**
   * Samples the video packet counters of the agent and of its user's camera; returns why the agent must be
   * replaced, or null while it is alive and progressing (however slowly).
   */
  check(
    agentPackets: number,
    cameraPackets: number,
    now = Date.now(),
    processState: 'alive' | 'stopped' | 'gone' | null = null,
  ): string | null {
    // Checks far apart mean this process stalled (its beats and packets wait behind this timer): the gap is no
    // evidence against the agent, so every clock starts again from now.
    if (this.#checkedAt && now - this.#checkedAt > STALL_MS) {
      this.#agentAt = this.#cameraAt = this.#progressAt = now;
      if (this.#beat) this.#beatAt = this.#framesInAt = now;
    }
    this.#checkedAt = now;
    if (agentPackets !== this.#agentPackets) [this.#agentPackets, this.#agentAt] = [agentPackets, now];
    if (cameraPackets !== this.#cameraPackets) [this.#cameraPackets, this.#cameraAt] = [cameraPackets, now];
    const { silentMs, stuckMs, startMs } = this.#limits;
    if (this.#beat) {
      const quiet = now - Math.max(this.#beatAt, this.#agentAt);
      // A process the OS calls runnable or sleeping is starved of CPU, not hung, until stuckMs: on a loaded
      // machine an agent's event loop can miss its beats for a second (seen: 928 ms) while it still works.
      if (quiet > silentMs && !(processState === 'alive' && quiet <= stuckMs))
        return `sent no video and no heartbeat for ${quiet} ms${processState === 'stopped' ? ' (process stopped)' : ''}`;
      // Frames keep arriving (within the last second) and none is finished: a stuck model, not a slow one.
      const stuck = now - this.#progressAt;
      if (stuck > stuckMs && now - this.#framesInAt < 1000)
        return `made no progress for ${stuck} ms (frames arrive, none is processed)`;
      return null;
    }
    // No heartbeat on this handle: RTP alone. An idle camera idles the agent too, so silence alone is no fault.
    const allowed = this.#agentPackets > 0 ? silentMs : startMs;
    const silent = now - this.#agentAt;
    if (silent > allowed && now - this.#cameraAt < silentMs / 2) return `sent no video for ${silent} ms`;
    return null;
  }
}

/** One sample for the watchdog: video packet counters of the agent and its user's camera, the process state. */
export interface WatchSample {
  agent: number;
  camera: number;
  state: 'alive' | 'stopped' | 'gone' | null;
}

/**
 * Checks an agent every watchdogMs / 8 until `signal` aborts; `lost(why)` once it must be replaced. `sample`
 * returns null while there is nothing to check (no peer yet).
 */
export function watchAgent(
  limits: { watchdogMs: number; stuckMs: number; startTimeoutMs: number },
  signal: AbortSignal,
  sample: () => WatchSample | null,
  lost: (why: string) => void,
): AgentWatchdog {
  const dog = new AgentWatchdog({
    silentMs: limits.watchdogMs,
    stuckMs: limits.stuckMs,
    startMs: limits.startTimeoutMs,
  });
  const tick = setInterval(
    () => {
      const s = sample();
      const why = s && dog.check(s.agent, s.camera, Date.now(), s.state);
      if (why) lost(why);
    },
    Math.max(20, Math.round(limits.watchdogMs / 8)),
  );
  tick.unref();
  signal.addEventListener('abort', () => clearInterval(tick));
  return dog;
}
