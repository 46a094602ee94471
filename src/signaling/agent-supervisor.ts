// The server's agents: one SupervisedAgent per participant with a mode on, capped per server. Only real work
// holds a place in the cap: an agent runs while its user's camera sends video (a cameraless socket asking for eye
// contact waits without a place), and keeps its place until its process has exited, so the cap bounds processes.
// Starting one costs its participant a token (agent-admission.ts).
import { availableParallelism } from 'node:os';
import { setting } from '../config.ts';
import { AppError } from '../util/errors.ts';
import { createLogger } from '../util/logger.ts';
import { StartBudget, type StartCostOptions } from './agent-admission.ts';
import type { AgentCost, AgentLauncher } from './agents.ts';
import type { AgentStatus } from './protocol.ts';
import {
  type Admission,
  type AdmitCandidate,
  type AgentSubject,
  SupervisedAgent,
  type SupervisionPolicy,
} from './supervised-agent.ts';

const log = createLogger('signaling:agents');
const TICK_MS = 250;
/** AGENT_MAX when it is not set and nothing was measured. */
const DEFAULT_MAX_AGENTS = 4;
/** Sizing from the measured cost: each agent at this rate, its decode/encode on top, a core's half for the SFU. */
const PLANNED_FPS = 12;
const AGENT_OVERHEAD = 1.3;
const SFU_RESERVE_CORES = 0.5;

/** What /stats says about the agent cap: its value, where it came from, and the measurement behind it. */
export interface AgentCapacity {
  max: number;
  source: 'setting' | 'measured' | 'default';
  cores: number;
  cost?: AgentCost;
}

/** Agents a machine of `cores` carries at PLANNED_FPS each when one frame costs `cost` (at least 1). */
export function agentsFor(cost: AgentCost, cores = availableParallelism()): number {
  const perAgent = (cost.cpuMsPerFrame * AGENT_OVERHEAD * PLANNED_FPS) / 1000;
  return Math.max(1, Math.min(64, Math.floor((cores - SFU_RESERVE_CORES) / perAgent)));
}

export interface AgentSupervisorOptions {
  /** Starts agent processes; without one, turning a mode on answers AGENT_UNAVAILABLE. */
  launcher?: AgentLauncher;
  serverUrl: () => string;
  /** Most agents on this server (env AGENT_MAX, default 4); one more answers AGENT_LIMIT. */
  maxAgents?: number;
  /** Default 30 s (env AGENT_START_TIMEOUT_MS). */
  startTimeoutMs?: number;
  /** Default 800 ms (env AGENT_WATCHDOG_MS): a hung agent is noticed within about 1 s. */
  watchdogMs?: number;
  /** Default 10 s: an agent that beats but finishes no frame this long while frames arrive is stuck. */
  stuckMs?: number;
  /** Default 30 s (stand-in senders starved on a loaded machine paused over 10 s): a user's camera silent this
   * long releases its agent (started again when video returns). */
  cameraIdleMs?: number;
  /** What starting an agent costs a participant (default: 3 at once, then one per 10 s). */
  startCost?: StartCostOptions;
  /** Default 5 (env AGENT_MAX_RESTARTS). */
  maxRestarts?: number;
  /** Default 250 ms, doubling. */
  restartDelayMs?: number;
  /** Default 10 s. */
  stableMs?: number;
}

const keyOf = (room: string, participantId: string) => `${room}\u0000${participantId}`;

export class AgentSupervisor {
  #maxAgents: number;
  #capacity: AgentCapacity;
  #policy: SupervisionPolicy | null;
  #agents = new Map<string, SupervisedAgent>();
  #budget: StartBudget;
  #tick: NodeJS.Timeout | null = null;
  #closed = false;

  constructor(opts: AgentSupervisorOptions) {
    const given = opts.maxAgents ?? setting('AGENT_MAX');
    this.#maxAgents = given ?? DEFAULT_MAX_AGENTS;
    this.#capacity = {
      max: this.#maxAgents,
      source: given === undefined ? 'default' : 'setting',
      cores: availableParallelism(),
    };
    this.#budget = new StartBudget(opts.startCost);
    this.#policy = opts.launcher
      ? {
          launcher: opts.launcher,
          serverUrl: opts.serverUrl,
          startTimeoutMs: opts.startTimeoutMs ?? setting('AGENT_START_TIMEOUT_MS'),
          watchdogMs: opts.watchdogMs ?? setting('AGENT_WATCHDOG_MS'),
          stuckMs: opts.stuckMs ?? 10_000,
          cameraIdleMs: opts.cameraIdleMs ?? 30_000,
          maxRestarts: opts.maxRestarts ?? setting('AGENT_MAX_RESTARTS'),
          restartDelayMs: opts.restartDelayMs ?? 250,
          stableMs: opts.stableMs ?? 10_000,
        }
      : null;
  }

  get maxAgents(): number {
    return this.#maxAgents;
  }

  capacity(): AgentCapacity {
    return { ...this.#capacity, max: this.#maxAgents };
  }

  /** The pipeline's measured cost: sizes the cap unless AGENT_MAX (or the option) set it; logged either way. */
  sizeFromCost(cost: AgentCost): void {
    const fits = agentsFor(cost, this.#capacity.cores);
    const figure = `${cost.cpuMsPerFrame.toFixed(1)} ms CPU (${cost.wallMsPerFrame.toFixed(1)} ms wall) a frame, ${cost.what}, ${cost.frames} frames; ${this.#capacity.cores} cores`;
    if (this.#capacity.source === 'setting') {
      log.info(`agent capacity: ${figure} -> ${fits} agents would fit; AGENT_MAX=${this.#maxAgents} is set`);
      this.#capacity = { ...this.#capacity, cost };
      return;
    }
    this.#maxAgents = fits;
    this.#capacity = { ...this.#capacity, source: 'measured', cost, max: fits };
    log.info(`agent capacity: ${figure} -> AGENT_MAX ${fits} (${PLANNED_FPS} fps each)`);
  }

  /** Agents holding a place in the cap (running, restarting or still exiting). */
  get size(): number {
    let n = 0;
    for (const a of this.#agents.values()) if (a.holdsSlot) n++;
    return n;
  }

  /** Participants with an agent entry (running, waiting for a camera or a place, exiting). */
  get entries(): number {
    return this.#agents.size;
  }

  /**
   * The participant's agent, started (or revived) if needed. Throws AGENT_UNAVAILABLE, or AGENT_LIMIT when the
   * user's camera is on and the cap is reached; without a camera the agent waits for it, holding no place.
   */
  ensure(subject: AgentSubject): SupervisedAgent {
    if (this.#closed) throw new AppError('CLOSED', 'server is shutting down');
    const key = keyOf(subject.roomName, subject.participantId);
    const existing = this.#agents.get(key);
    if (existing) {
      existing.revive(subject);
      existing.settingsChanged();
      return existing;
    }
    const policy = this.#policy;
    if (!policy) throw new AppError('AGENT_UNAVAILABLE', 'this server runs no inference agents');
    const agent = new SupervisedAgent(
      subject,
      policy,
      (a, user) => this.#admit(a, user),
      (a) => {
        if (this.#agents.get(key) === a) this.#agents.delete(key);
      },
    );
    if (agent.cameraLive() && this.size >= this.#maxAgents) throw this.#limitError();
    this.#agents.set(key, agent);
    agent.start();
    this.#startTicking();
    return agent;
  }

  #limitError(): AppError {
    return new AppError(
      'AGENT_LIMIT',
      `server busy: all ${this.#maxAgents} avatar/eye-contact agents are in use; try again later`,
    );
  }

  #admit(agent: AdmitCandidate, userStart: boolean): Admission {
    let others = 0;
    for (const a of this.#agents.values()) if (a !== agent && a.holdsSlot) others++;
    if (others >= this.#maxAgents)
      return { ok: false, message: `server busy: all ${this.#maxAgents} agents are in use; waiting for one` };
    if (!userStart) return { ok: true };
    const wait = this.#budget.take(keyOf(agent.roomName, agent.participantId));
    if (wait > 0)
      return {
        ok: false,
        retryMs: wait,
        message: `starting in ${Math.ceil(wait / 1000)} s (agents started too often)`,
      };
    return { ok: true };
  }

  /** One timer for every agent: cameras starting and stopping, waiting agents finding a place. */
  #startTicking(): void {
    if (this.#tick || this.#closed) return;
    this.#tick = setInterval(() => {
      for (const a of [...this.#agents.values()]) {
        try {
          a.tick();
        } catch (e) {
          log.error(`agent tick for ${a.participantId} failed`, e);
        }
      }
      this.#budget.prune();
      if (this.#agents.size === 0 && this.#tick) {
        clearInterval(this.#tick);
        this.#tick = null;
      }
    }, TICK_MS);
    this.#tick.unref();
  }

  /** The participant's agent unless it is stopping (a stopping agent serves nobody). */
  get(room: string, participantId: string): SupervisedAgent | undefined {
    const a = this.#agents.get(keyOf(room, participantId));
    return a && a.phase !== 'stopping' && a.phase !== 'stopped' ? a : undefined;
  }

  /** Mode off or the participant left. */
  release(room: string, participantId: string): void {
    this.#agents.get(keyOf(room, participantId))?.stop();
  }

  statuses(room: string): AgentStatus[] {
    const prefix = keyOf(room, '');
    return [...this.#agents]
      .filter(([k, a]) => k.startsWith(prefix) && a.phase !== 'stopping' && a.phase !== 'stopped')
      .map(([, a]) => a.status);
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    if (this.#tick) clearInterval(this.#tick);
    this.#tick = null;
    for (const a of [...this.#agents.values()]) a.stop();
  }
}
