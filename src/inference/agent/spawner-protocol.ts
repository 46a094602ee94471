// IPC messages between the agent launcher (in the server), the agent spawner process and agent processes.
import type { AgentBeat, AgentCost } from '../../signaling/agents.ts';
import type { AgentConfig } from './agent.ts';

export type SpawnerRequest =
  | {
      t: 'spawn';
      id: number;
      cmd: string;
      args: string[];
      cwd: string;
      env: Record<string, string | undefined>;
    }
  | { t: 'kill'; id: number; signal: NodeJS.Signals }
  /** Starts a warm agent (spawned without AGENT_CONFIG) with this config. */
  | { t: 'assign'; id: number; cfg: AgentConfig };

/** Agent -> spawner. */
export type AgentMessage = { t: 'warm'; cost?: AgentCost } | { t: 'beat'; beat: AgentBeat };

/** Spawner -> warm agent. */
export type AgentAssign = { t: 'assign'; cfg: AgentConfig };

export type SpawnerReply =
  | { t: 'ready' }
  | { t: 'spawned'; id: number; pid: number }
  /** A warm agent has its processor loaded (and measured, when asked) and waits for `assign`. */
  | { t: 'warm'; id: number; cost?: AgentCost }
  /** An agent's heartbeat. */
  | { t: 'beat'; id: number; beat: AgentBeat }
  | { t: 'exit'; id: number; code: number | null; signal: string | null; error?: string };
