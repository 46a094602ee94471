// The server's agents: one SupervisedAgent per participant with a mode on, capped per server (each holds at most
// one process, and keeps its place in the cap until that process has exited, so the cap bounds processes).
import { setting } from '../config.ts';
import { AppError } from '../util/errors.ts';
import type { AgentLauncher } from './agents.ts';
import type { AgentStatus } from './protocol.ts';
import { type AgentSubject, SupervisedAgent, type SupervisionPolicy } from './supervised-agent.ts';

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
  /** Default 5 (env AGENT_MAX_RESTARTS). */
  maxRestarts?: number;
  /** Default 250 ms, doubling. */
  restartDelayMs?: number;
  /** Default 10 s. */
  stableMs?: number;
}

const keyOf = (room: string, participantId: string) => `${room}\u0000${participantId}`;

export class AgentSupervisor {
  readonly maxAgents: number;
  #policy: SupervisionPolicy | null;
  #agents = new Map<string, SupervisedAgent>();
  #closed = false;

  constructor(opts: AgentSupervisorOptions) {
    this.maxAgents = opts.maxAgents ?? setting('AGENT_MAX');
    this.#policy = opts.launcher
      ? {
          launcher: opts.launcher,
          serverUrl: opts.serverUrl,
          startTimeoutMs: opts.startTimeoutMs ?? setting('AGENT_START_TIMEOUT_MS'),
          watchdogMs: opts.watchdogMs ?? setting('AGENT_WATCHDOG_MS'),
          maxRestarts: opts.maxRestarts ?? setting('AGENT_MAX_RESTARTS'),
          restartDelayMs: opts.restartDelayMs ?? 250,
          stableMs: opts.stableMs ?? 10_000,
        }
      : null;
  }

  /** Agents holding a place in the cap (running, restarting or still exiting). */
  get size(): number {
    return this.#agents.size;
  }

  /** The participant's agent, started (or revived) if needed. Throws AGENT_UNAVAILABLE or AGENT_LIMIT. */
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
    if (this.#agents.size >= this.maxAgents) {
      throw new AppError(
        'AGENT_LIMIT',
        `server busy: all ${this.maxAgents} avatar/eye-contact agents are in use; try again later`,
      );
    }
    const agent = new SupervisedAgent(subject, policy, (a) => {
      if (this.#agents.get(key) === a) this.#agents.delete(key);
    });
    this.#agents.set(key, agent);
    agent.start();
    return agent;
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
    for (const a of [...this.#agents.values()]) a.stop();
  }
}
