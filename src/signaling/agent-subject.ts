// What a supervised agent is given: the participant it serves (and that participant's room), the supervision
// policy (timeouts, restarts, the camera idle limit) and the supervisor's admission (cap and start cost).
import type { SfuRoom } from '../media/types.ts';
import type { AgentLauncher } from './agents.ts';
import type { AgentStatus, Settings } from './protocol.ts';

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
  /** An agent without heartbeat and video this long (while it should serve) is hung: replaced. */
  watchdogMs: number;
  /** An agent that beats but finishes no frame this long while frames arrive is stuck: replaced. */
  stuckMs: number;
  /** Consecutive failed agents before giving up (the user can turn the mode off and on). */
  maxRestarts: number;
  /** First restart delay, doubled per consecutive failure (capped at 8 s). */
  restartDelayMs: number;
  /** An agent that served this long resets the failure count. */
  stableMs: number;
  /** The user's camera sent no video this long: its agent is released (started again when video returns). */
  cameraIdleMs: number;
}

/** The supervisor's say on a launch: a free place under the cap and, for a start the user asked for, its cost. */
export type Admission = { ok: true } | { ok: false; message: string; retryMs?: number };
/** The agent asking, as the admission sees it (the supervised agent itself; typed here so this file needs no
 * import of it). */
export interface AdmitCandidate {
  readonly roomName: string;
  readonly participantId: string;
}
export type Admit = (agent: AdmitCandidate, userStart: boolean) => Admission;
