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

export type AgentHandleEvents = { exit: [code: number | null, signal: string | null] };

export interface AgentHandle extends TypedEmitter<AgentHandleEvents> {
  readonly pid: number | undefined;
  readonly exited: boolean;
  /** Asks the agent to stop (it closes its tracks and connections, then exits); kills it if it does not. */
  close(): void;
  /** Ends a hung agent at once (SIGKILL): a stopped or deadlocked process cannot honour close(). */
  kill(): void;
}

export interface AgentLauncher {
  launch(options: AgentLaunchOptions): AgentHandle;
}
