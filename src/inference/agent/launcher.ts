// One child process per agent: a native crash or a stuck model there cannot take the SFU or other calls down.
// Agents are started by a spawner process the launcher starts with the server (spawner.ts says why).
import { type ChildProcess, fork } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { setting } from '../../config.ts';
import type {
  AgentBeat,
  AgentCost,
  AgentHandle,
  AgentHandleEvents,
  AgentLauncher,
  AgentLaunchOptions,
} from '../../signaling/agents.ts';
import { createLogger } from '../../util/logger.ts';
import { PROJECT_ROOT } from '../../util/paths.ts';
import { TypedEmitter } from '../../util/typed-emitter.ts';
import type { AgentConfig } from './agent.ts';
import type { SpawnerReply, SpawnerRequest } from './spawner-protocol.ts';

const log = createLogger('inference:agent:launcher');
/** The agent process's entry: it gives the processor what it needs from outside src/inference. */
const MAIN = resolve(PROJECT_ROOT, 'src', 'cli', 'agent.ts');
const SPAWNER = resolve(PROJECT_ROOT, 'src', 'inference', 'agent', 'spawner.ts');
const KILL_AFTER_MS = 3000;
const NICE = '/usr/bin/nice';
/** A spare replaces a taken warm agent this long after the take (its model load would slow the new agent). */
const SPARE_DELAY_MS = 5000;

export interface ProcessLauncherOptions {
  /** Module exporting createFrameProcessor, or `passthrough` (default AGENT_PROCESSOR_MODULE, else the pipeline). */
  processorModule?: string;
  keepStamp?: boolean;
  /** Extra environment for the child. */
  env?: Record<string, string>;
  /**
   * CPU niceness of agent processes, 0-19 (default AGENT_NICENESS): when the cores are short (an agent
   * starting, two avatars on two cores), inference should drop frames, not the SFU delay packets.
   */
  niceness?: number;
  /**
   * Warm agents kept ready, their models loaded (default AGENT_POOL_SIZE): turning a mode on then
   * takes a ready process instead of starting one (2-3 s of both cores, in the middle of the call). The pool
   * is filled at start, a few seconds after a warm agent is taken (so that a crash of the only serving agent
   * finds a spare), and whenever an agent ends.
   */
  poolSize?: number;
  /** Delay before a taken warm agent is replaced, ms (default 5000). */
  spareDelayMs?: number;
  /** The first warm agent times the pipeline on this machine (default true when the pool is not empty). */
  measure?: boolean;
}

class ProcessAgentHandle extends TypedEmitter<AgentHandleEvents> implements AgentHandle {
  readonly id: number;
  pid: number | undefined;
  /** Spawned without a config; true once its processor is loaded. */
  warm = false;
  #exited = false;
  #closing = false;
  #kill: (signal: NodeJS.Signals) => void;

  constructor(id: number, kill: (signal: NodeJS.Signals) => void) {
    super();
    this.id = id;
    this.#kill = kill;
  }

  get exited(): boolean {
    return this.#exited;
  }

  onBeat(beat: AgentBeat): void {
    if (!this.#exited)
      this.safeEmit('beat', (e) => log.error(`agent ${this.id} beat listener failed`, e), beat);
  }

  onExit(code: number | null, signal: string | null): void {
    if (this.#exited) return;
    this.#exited = true;
    // The launcher's own bookkeeping and the supervisor both listen: one failing must not starve the other.
    this.safeEmit('exit', (e) => log.error(`agent ${this.id} exit listener failed`, e), code, signal);
  }

  close(): void {
    if (this.#closing || this.#exited) return;
    this.#closing = true;
    this.#kill('SIGTERM');
    const t = setTimeout(() => this.kill(), KILL_AFTER_MS);
    t.unref();
  }

  /** From /proc/<pid>/stat (Linux; null elsewhere or before the pid is known). */
  processState(): 'alive' | 'stopped' | 'gone' | null {
    if (this.#exited) return 'gone';
    if (!this.pid || process.platform !== 'linux') return null;
    try {
      const stat = readFileSync(`/proc/${this.pid}/stat`, 'utf8');
      const state = stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
      return state === 'T' || state === 't' ? 'stopped' : state === 'Z' || state === 'X' ? 'gone' : 'alive';
    } catch {
      return 'gone';
    }
  }

  kill(): void {
    if (this.#exited) return;
    this.#closing = true;
    // A kill(2) straight from here: no fork involved, and it works even if the spawner is stuck.
    if (this.pid) {
      try {
        process.kill(this.pid, 'SIGKILL');
      } catch {
        // already gone
      }
    } else this.#kill('SIGKILL');
  }
}

export class ProcessAgentLauncher implements AgentLauncher {
  #opts: ProcessLauncherOptions;
  readonly handles = new Set<ProcessAgentHandle>();
  #byId = new Map<number, ProcessAgentHandle>();
  #nextId = 1;
  #spawner: ChildProcess | null = null;
  #ready = false;
  #queue: SpawnerRequest[] = [];
  #closed = false;
  /** Warm agents not yet assigned (they are not in `handles`). */
  #pool: ProcessAgentHandle[] = [];
  #poolSize: number;
  #poolWaiters: Array<() => void> = [];
  #spareTimer: NodeJS.Timeout | null = null;
  /** The next spawn times the pipeline (once per launcher). */
  #measureNext: boolean;
  #cost: AgentCost | null = null;
  #costListeners: Array<(cost: AgentCost) => void> = [];

  constructor(opts: ProcessLauncherOptions = {}) {
    this.#opts = opts;
    const size = opts.poolSize ?? setting('AGENT_POOL_SIZE');
    this.#poolSize = Number.isFinite(size) ? Math.max(0, Math.min(8, Math.round(size))) : 1;
    this.#measureNext = opts.measure ?? true;
    this.#startSpawner();
    this.#fillPool();
  }

  /** The pipeline's measured cost on this machine, once the first warm agent has timed it. */
  get cost(): AgentCost | null {
    return this.#cost;
  }

  /** Calls `listener` with the measured cost (now, if it is known). */
  onCost(listener: (cost: AgentCost) => void): void {
    if (this.#cost) listener(this.#cost);
    else this.#costListeners.push(listener);
  }

  /** Pids of the warm agents waiting in the pool (those started so far). */
  poolPids(): number[] {
    return this.#pool.flatMap((h) => (h.pid ? [h.pid] : []));
  }

  /** Resolves when every pool agent has its processor loaded (or after timeoutMs). */
  async warmUp(timeoutMs = 60_000): Promise<void> {
    const ready = () =>
      this.#closed || (this.#pool.length >= this.#poolSize && this.#pool.every((h) => h.warm));
    if (ready()) return;
    await new Promise<void>((resolve) => {
      const t = setTimeout(resolve, timeoutMs);
      const check = () => {
        if (!ready()) return void this.#poolWaiters.push(check);
        clearTimeout(t);
        resolve();
      };
      this.#poolWaiters.push(check);
    });
  }

  #command(): string[] {
    const nice = Math.max(0, Math.min(19, Math.round(this.#opts.niceness ?? setting('AGENT_NICENESS'))));
    const node = [process.execPath, '--import', 'tsx', MAIN];
    // Through nice(1) every thread of the agent (libwebrtc's, onnxruntime's) gets the priority.
    return nice > 0 && existsSync(NICE) ? [NICE, '-n', String(nice), ...node] : node;
  }

  #env(cfg: AgentConfig | null): Record<string, string | undefined> {
    const env: Record<string, string | undefined> = { ...process.env, ...this.#opts.env };
    delete env.AGENT_CONFIG;
    delete env.AGENT_MEASURE;
    if (cfg) env.AGENT_CONFIG = JSON.stringify(cfg);
    else if (this.#measureNext) {
      this.#measureNext = false;
      env.AGENT_MEASURE = '1';
    }
    if (this.#opts.processorModule) env.AGENT_PROCESSOR_MODULE = this.#opts.processorModule;
    return env;
  }

  #spawn(cfg: AgentConfig | null): ProcessAgentHandle {
    const id = this.#nextId++;
    // Without a spawner there is nothing left to signal (its agents exit with it).
    const handle = new ProcessAgentHandle(id, (signal) => {
      if (this.#spawner) this.#send({ t: 'kill', id, signal });
    });
    this.#byId.set(id, handle);
    handle.on('exit', () => {
      const wasRunning = this.handles.delete(handle);
      this.#byId.delete(id);
      const i = this.#pool.indexOf(handle);
      if (i >= 0) this.#pool.splice(i, 1);
      // The pool refills when an agent ends, and a few seconds after one is taken (#scheduleSpare), not at
      // once: starting a spare costs seconds of CPU, which would land on the agent that just started. A spare
      // that dies before it is warm is not replaced at once (no crash loop).
      if ((wasRunning || (i >= 0 && handle.warm)) && !this.#closed) this.#fillPool();
    });
    const [cmd, ...args] = this.#command();
    this.#send({ t: 'spawn', id, cmd, args, cwd: PROJECT_ROOT, env: this.#env(cfg) });
    return handle;
  }

  #fillPool(): void {
    // Only a launch restarts a dead spawner: a spawner that dies at start must not loop here.
    if (!this.#spawner) return;
    while (!this.#closed && this.#pool.length < this.#poolSize) this.#pool.push(this.#spawn(null));
  }

  /** Pid of the spawner process (undefined when none runs). */
  get spawnerPid(): number | undefined {
    return this.#spawner?.pid;
  }

  #startSpawner(): void {
    const child = fork(SPAWNER, [], {
      cwd: PROJECT_ROOT,
      execArgv: ['--import', 'tsx'],
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    this.#spawner = child;
    this.#ready = false;
    // The spawner must not keep the server alive; it exits by itself when the server's channel closes.
    child.unref();
    child.channel?.unref();
    child.on('message', (m: SpawnerReply) => this.#onReply(m));
    child.once('exit', (code, signal) => {
      if (this.#spawner === child) this.#spawner = null;
      // Agents (running and warm) lose their parent channel and exit by themselves; their handles end here.
      for (const h of [...this.#byId.values()]) h.onExit(null, 'SIGKILL');
      if (!this.#closed)
        log.warn(`agent spawner exited (${code ?? signal}); restarting it on the next launch`);
    });
  }

  #onReply(m: SpawnerReply): void {
    if (m.t === 'ready') {
      this.#ready = true;
      for (const r of this.#queue.splice(0)) this.#spawner?.send(r);
      return;
    }
    const h = this.#byId.get(m.id);
    if (!h) return;
    if (m.t === 'spawned') {
      h.pid = m.pid;
      log.info(`agent ${m.id} started (pid ${m.pid})`);
    } else if (m.t === 'beat') {
      h.onBeat(m.beat);
    } else if (m.t === 'warm') {
      h.warm = true;
      if (m.cost && !this.#cost) {
        this.#cost = m.cost;
        for (const l of this.#costListeners.splice(0)) l(m.cost);
      }
      for (const w of this.#poolWaiters.splice(0)) w();
    } else {
      if (m.error) log.error(`agent ${m.id} could not start`, m.error);
      h.onExit(m.code, m.signal);
    }
  }

  #send(r: SpawnerRequest): void {
    if (!this.#spawner && !this.#closed) this.#startSpawner();
    if (this.#ready) this.#spawner?.send(r);
    else this.#queue.push(r);
  }

  launch(o: AgentLaunchOptions): ProcessAgentHandle {
    const cfg: AgentConfig = {
      serverUrl: o.serverUrl,
      serverCert: o.serverCert,
      room: o.room,
      passcode: o.passcode,
      forParticipantId: o.forParticipantId,
      token: o.token,
      settings: o.settings,
      keepStamp: this.#opts.keepStamp,
    };
    const i = this.#pool.findIndex((h) => h.warm);
    let handle: ProcessAgentHandle;
    if (i >= 0) {
      [handle] = this.#pool.splice(i, 1);
      this.#send({ t: 'assign', id: handle.id, cfg });
      log.info(`agent ${handle.id} (warm) for ${o.forParticipantId}`);
      this.#scheduleSpare();
    } else {
      handle = this.#spawn(cfg);
      log.info(`agent ${handle.id} (cold start) for ${o.forParticipantId}`);
    }
    this.handles.add(handle);
    return handle;
  }

  /** A spare for the warm agent just taken, once that one is past its own start. */
  #scheduleSpare(): void {
    if (this.#spareTimer || this.#closed) return;
    this.#spareTimer = setTimeout(() => {
      this.#spareTimer = null;
      this.#fillPool();
    }, this.#opts.spareDelayMs ?? SPARE_DELAY_MS);
    this.#spareTimer.unref();
  }

  /** Stops every running agent. */
  closeAll(): void {
    for (const h of this.handles) h.close();
  }

  /** Stops every agent, then the spawner (idempotent). */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    if (this.#spareTimer) clearTimeout(this.#spareTimer);
    this.closeAll();
    for (const h of this.#pool.splice(0)) h.close();
    for (const w of this.#poolWaiters.splice(0)) w();
    this.#queue = [];
    // Disconnecting makes the spawner stop what is left and exit.
    if (this.#spawner?.connected) this.#spawner.disconnect();
  }
}
