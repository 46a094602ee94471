// The inference-worker protocol: a worker holds one socket.io connection to the server's `/workers` namespace
// (handshake auth: the shared WORKER_TOKEN, its id and capacity), receives agent jobs and reports their start
// and exit. The connection is also the worker's liveness: when it drops, its jobs count as exited.
import { z } from 'zod';
import type { AgentLaunchOptions } from '../signaling/agents.ts';

export const WORKER_NAMESPACE = '/workers';

export const WorkerAuthSchema = z.object({
  token: z.string().min(1).max(512),
  workerId: z.string().regex(/^[A-Za-z0-9._:-]{1,64}$/),
  capacity: z.number().int().min(1).max(256),
});
export type WorkerAuth = z.infer<typeof WorkerAuthSchema>;

/** Server -> worker. */
export const TO_WORKER = {
  /** Run an agent with these launch options (the worker connects it to the server URL it was given). */
  start: 'job:start',
  /** Ask the job's agent to stop (close, then kill). */
  stop: 'job:stop',
  /** End the job's agent at once (a hung agent). */
  kill: 'job:kill',
} as const;

/** Worker -> server. */
export const FROM_WORKER = {
  started: 'job:started',
  exit: 'job:exit',
} as const;

export interface JobStart {
  jobId: string;
  options: AgentLaunchOptions;
}
export interface JobRef {
  jobId: string;
}

export const JobStartedSchema = z.object({
  jobId: z.string().min(1).max(64),
  pid: z.number().int().positive(),
});
export type JobStarted = z.infer<typeof JobStartedSchema>;
export const JobExitSchema = z.object({
  jobId: z.string().min(1).max(64),
  code: z.number().int().nullable(),
  signal: z.string().max(32).nullable(),
});
export type JobExit = z.infer<typeof JobExitSchema>;

/** socket.io event maps of the `/workers` namespace (the server validates what workers send all the same). */
export interface ServerToWorkerEvents {
  'job:start': (job: JobStart) => void;
  'job:stop': (job: JobRef) => void;
  'job:kill': (job: JobRef) => void;
}
export interface WorkerToServerEvents {
  'job:started': (m: JobStarted) => void;
  'job:exit': (m: JobExit) => void;
}
