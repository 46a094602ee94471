// Agent jobs through Redis (BullMQ) when there are several server nodes: one shared queue; a job carries the
// launch options, whose serverUrl is the node that holds the room. Workers take jobs up to their capacity and a
// job lasts as long as its agent. Stop and kill requests travel on a Redis pub/sub channel.
import type { AgentLaunchOptions } from '../signaling/agents.ts';

export const AGENT_QUEUE = 'gazecam-agents';
export const CONTROL_CHANNEL = 'gazecam:agent-control';

export interface AgentJobData {
  options: AgentLaunchOptions;
}
/** Job progress: which worker and process run the agent. */
export interface AgentJobProgress {
  workerId: string;
  pid: number;
}
/** Job result: how the agent ended. */
export interface AgentJobResult {
  code: number | null;
  signal: string | null;
}
export interface AgentControl {
  jobId: string;
  action: 'stop' | 'kill';
}

/**
 * A worker that stops renewing its job locks (it died) has its jobs failed after about this long, by the other
 * workers' stalled-job check; the supervisor has written the agent off sooner (its peer left the room).
 */
export const JOB_LOCK_MS = 5000;
