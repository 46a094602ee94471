// What signaling needs from the agent side: start one agent for a participant, learn when it exits.
// src/inference/agent/launcher.ts implements it with one child process per agent.

import type { TypedEmitter } from '../util/typed-emitter.ts';
import type { Settings } from './protocol.ts';

export interface AgentLaunchOptions {
  /** socket.io URL of this server (loopback). */
  serverUrl: string;
  /** PEM of the certificate an https:// serverUrl serves: the agent pins it. */
  serverCert?: string;
  room: string;
  /** Passcode of the room, when it has one. */
  passcode?: string;
  forParticipantId: string;
  /** One-time secret the agent presents in `join.agent.token`. */
  token: string;
  settings: Required<Settings>;
}

/**
 * The agent's heartbeat over its control channel (not RTP), a few times a second from its frame loop's counters:
 * a process that beats is alive however slow its video is; one whose `processed` stops while `framesIn` grows is
 * stuck. Handles that cannot carry it (remote workers) never emit it: the watchdog then reads RTP alone.
 */
export interface AgentBeat {
  /** Camera frames that reached the frame loop, since start. */
  framesIn: number;
  /** Frames the processor finished (ok or its fallback), since start. */
  processed: number;
  /** Output frames (processed and stall-bridging), since start. */
  framesOut: number;
}

/** What one frame of the agent's pipeline costs on this machine, measured by a warm agent at start. */
export interface AgentCost {
  /** CPU time of the agent process per frame (all its threads), ms. */
  cpuMsPerFrame: number;
  /** Wall time per frame, ms. */
  wallMsPerFrame: number;
  frames: number;
  /** What was measured, e.g. "avatar 256 on d3 (fixtures)". */
  what: string;
}

export type AgentHandleEvents = {
  exit: [code: number | null, signal: string | null];
  beat: [AgentBeat];
};

export interface AgentHandle extends TypedEmitter<AgentHandleEvents> {
  readonly pid: number | undefined;
  readonly exited: boolean;
  /** Asks the agent to stop (it closes its tracks and connections, then exits); kills it if it does not. */
  close(): void;
  /** Ends a hung agent at once (SIGKILL): a stopped or deadlocked process cannot honour close(). */
  kill(): void;
  /**
   * What the OS says of the process, where the launcher can ask (a local process): 'stopped' (SIGSTOP, traced),
   * 'gone' (exited, zombie), 'alive' (running, runnable or sleeping: starved of CPU is alive). Null: unknown.
   */
  processState?(): 'alive' | 'stopped' | 'gone' | null;
}

export interface AgentLauncher {
  launch(options: AgentLaunchOptions): AgentHandle;
}
