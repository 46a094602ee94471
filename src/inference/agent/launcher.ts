// One child process per agent: a native crash or a stuck model there cannot take the SFU or other calls down.
import { type ChildProcess, spawn } from 'node:child_process';
import { resolve } from 'node:path';
import type {
  AgentHandle,
  AgentHandleEvents,
  AgentLauncher,
  AgentLaunchOptions,
} from '../../signaling/agents.ts';
import { createLogger } from '../../util/logger.ts';
import { PROJECT_ROOT } from '../../util/paths.ts';
import { TypedEmitter } from '../../util/typed-emitter.ts';
import type { AgentConfig } from './agent.ts';

const log = createLogger('inference:agent:launcher');
const MAIN = resolve(PROJECT_ROOT, 'src', 'inference', 'agent', 'main.ts');
const KILL_AFTER_MS = 3000;

export interface ProcessLauncherOptions {
  /** Module exporting createFrameProcessor (default env AGENT_PROCESSOR_MODULE; none = passthrough). */
  processorModule?: string;
  keepStamp?: boolean;
  /** Extra environment for the child. */
  env?: Record<string, string>;
}

class ProcessAgentHandle extends TypedEmitter<AgentHandleEvents> implements AgentHandle {
  readonly child: ChildProcess;
  #exited = false;
  #closing = false;

  constructor(child: ChildProcess) {
    super();
    this.child = child;
    child.once('exit', (code, signal) => {
      this.#exited = true;
      this.emit('exit', code, signal);
    });
    child.once('error', (e) => log.error('agent process error', e));
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  get exited(): boolean {
    return this.#exited;
  }

  close(): void {
    if (this.#closing || this.#exited) return;
    this.#closing = true;
    this.child.kill('SIGTERM');
    const t = setTimeout(() => {
      if (!this.#exited) this.child.kill('SIGKILL');
    }, KILL_AFTER_MS);
    t.unref();
  }
}

export class ProcessAgentLauncher implements AgentLauncher {
  #opts: ProcessLauncherOptions;
  readonly handles = new Set<ProcessAgentHandle>();

  constructor(opts: ProcessLauncherOptions = {}) {
    this.#opts = opts;
  }

  launch(o: AgentLaunchOptions): ProcessAgentHandle {
    const cfg: AgentConfig = {
      serverUrl: o.serverUrl,
      room: o.room,
      passcode: o.passcode,
      forParticipantId: o.forParticipantId,
      token: o.token,
      settings: o.settings,
      keepStamp: this.#opts.keepStamp,
    };
    const env: Record<string, string | undefined> = {
      ...process.env,
      ...this.#opts.env,
      AGENT_CONFIG: JSON.stringify(cfg),
    };
    if (this.#opts.processorModule) env.AGENT_PROCESSOR_MODULE = this.#opts.processorModule;
    const child = spawn(process.execPath, ['--import', 'tsx', MAIN], {
      cwd: PROJECT_ROOT,
      env,
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    const handle = new ProcessAgentHandle(child);
    this.handles.add(handle);
    handle.on('exit', () => this.handles.delete(handle));
    log.info(`agent for ${o.forParticipantId} started (pid ${child.pid})`);
    return handle;
  }

  /** Stops every running agent. */
  closeAll(): void {
    for (const h of this.handles) h.close();
  }
}
